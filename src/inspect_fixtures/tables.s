# Hand-written tables for the tiny.exe fixture: unwind info with an exception
# handler and a chained entry (gcc emits neither for plain C), and a
# delay-load import descriptor table (dlltool's has no null terminator).
        .text
        .globl with_handler, chained_part
my_handler:
        xor %eax, %eax
        ret
with_handler:
        push %rbp
        mov %rsp, %rbp
        sub $0x20, %rsp
        add $0x20, %rsp
        pop %rbp
        ret
with_handler_end:
chained_part:
        nop
        ret
chained_part_end:
delay_stub:
        ret

        .section .xdata, "dr"
        .p2align 2
uw_handler:
        .byte 0x09               # version 1, flags EHANDLER (1 << 3)
        .byte 8                  # prolog size
        .byte 3                  # count of codes
        .byte 0x05               # frame register rbp, offset 0
        .byte 8, 0x32            # at 8: ALLOC_SMALL 0x20 (op info 3)
        .byte 4, 0x03            # at 4: SET_FPREG
        .byte 1, 0x50            # at 1: PUSH_NONVOL rbp
        .byte 0, 0               # padding to an even count
        .rva my_handler
        .long 0x1234             # handler data
        .p2align 2
uw_chained:
        .byte 0x21               # version 1, flags CHAININFO (4 << 3)
        .byte 0, 0, 0
        .rva with_handler, with_handler_end, uw_handler

        .section .pdata, "dr"
        .rva with_handler, with_handler_end, uw_handler
        .rva chained_part, chained_part_end, uw_chained

        .section .rdata, "dr"
        .p2align 2
        .globl delay_import_descriptors
delay_import_descriptors:
        .long 1                  # Attributes: dlattrRva
        .rva delay_dll_name, delay_module, delay_iat, delay_int
        .long 0, 0, 0            # BoundIAT, UnloadInformationTable, TimeDateStamp
        .zero 32                 # null descriptor
delay_dll_name:
        .asciz "USER32.dll"
        .p2align 3
delay_int:
        .rva delay_hint_name
        .long 0
        .quad 0x8000000000000011 # by ordinal 17
        .quad 0
delay_hint_name:
        .short 0x2a
        .asciz "MessageBoxA"

        .data
        .p2align 3
delay_module:
        .quad 0
delay_iat:
        .quad delay_stub, delay_stub, 0
