// msvc_fh4.S - functions whose C++ exception tables are hand-written
// FuncInfo4 (__CxxFrameHandler4, vcruntime140_1.dll), as MSVC 2019+ emits
// them for x64 (/d2FH4), laid out as ehdata4_export.h documents: catch by
// type, by base class, by value and catch(...); continuation addresses
// function-relative, as RVAs (one or two) and returned by the funclet;
// destructors run from unwind maps of all three kinds; nested try
// blocks; a rethrow from a catch funclet; a function split into two
// separately listed segments (isSeparated); an access violation through
// functions compiled /EHs (passed over, cleanups skipped) and /EHa
// (caught by catch (...)); an uncaught exception; a noexcept function. The bodies call into msvc_fh4_body.cpp.
//
// Every function has the same frame: push %rbx, then 48 bytes, so its
// establisher frame E is %rsp after the prologue; E+32 and E+40 hold
// locals and catch objects, E+64.. the home space the caller gave it.
// A catch funclet is called with E in %rdx and keeps it at its own
// establisher frame + 32 (the FuncInfo4's dispFrame); it returns where
// the function goes on, or the index of one of its clause's
// continuation addresses.
//
// Code whose offsets the tables encode has no relaxable jumps (JMP32),
// so that the assembler knows the offsets when it expands the macros.

// A compressed unsigned integer: the low bits of the first byte say how
// many bytes it has (0: 1, 01: 2, 011: 3).
.macro cint v
  .if (\v) < 0x80
    .byte ((\v) << 1)
  .elseif (\v) < 0x4000
    .byte (((\v) << 2) | 1) & 0xff
    .byte ((\v) >> 6) & 0xff
  .elseif (\v) < 0x200000
    .byte (((\v) << 3) | 3) & 0xff
    .byte ((\v) >> 5) & 0xff
    .byte ((\v) >> 13) & 0xff
  .else
    .error "cint: value too large for this fixture"
  .endif
.endm

// An IP-to-state entry: the offset from the previous entry (or from the
// function's start), the state + 1.
.macro ipstate delta, state
  cint \delta
  cint ((\state) + 1)
.endm

// Unwind map entries: `back` is the byte offset from this entry's start
// back to the entry of the state it leads to (past the map's start for
// state -1).
.macro uw_none back
  cint ((\back) << 2)
.endm
.macro uw_dtor back, dtor, object
  cint (((\back) << 2) | 1)
  .rva \dtor
  cint \object
.endm
.macro uw_dtor_ptr back, dtor, object
  cint (((\back) << 2) | 2)
  .rva \dtor
  cint \object
.endm
.macro uw_funclet back, funclet
  cint (((\back) << 2) | 3)
  .rva \funclet
.endm

// FuncInfo4 header bits.
.set FI_CATCH, 0x01
.set FI_SEPARATED, 0x02
.set FI_UNWIND, 0x08
.set FI_TRY, 0x10
.set FI_EHS, 0x20
.set FI_NOEXCEPT, 0x40
// HandlerType4 header bits.
.set HT_ADJ, 0x01
.set HT_TYPE, 0x02
.set HT_OBJ, 0x04
.set HT_CONT_RVA, 0x08
.set HT_CONT1, 0x10
.set HT_CONT2, 0x20
// HandlerType adjectives.
.set IS_REFERENCE, 0x08

.macro JMP32 target
  .byte 0xe9
  .long \target - . - 4
.endm

.macro FUNC name
  .globl \name
  .def \name; .scl 2; .type 32; .endef
  .seh_proc \name
\name:
  push %rbx
  .seh_pushreg %rbx
  sub $48, %rsp
  .seh_stackalloc 48
  .seh_endprologue
.endm

.macro RET_FUNC
  add $48, %rsp
  pop %rbx
  ret
.endm

// The end of a function (or funclet, or segment): its language handler
// and the FuncInfo4 that is its handler data.
.macro END_FUNC funcinfo
  .seh_handler __CxxFrameHandler4, @unwind, @except
  .seh_handlerdata
  .rva \funcinfo
  .text
  .seh_endproc
.endm

.macro FUNCLET name
  .def \name; .scl 3; .type 32; .endef
  .seh_proc \name
\name:
  push %rbp
  .seh_pushreg %rbp
  sub $48, %rsp
  .seh_stackalloc 48
  .seh_endprologue
  mov %rdx, 32(%rsp)
.endm

.macro RET_FUNCLET
  add $48, %rsp
  pop %rbp
  ret
.endm

  .text

// int fh4_catch_int(int v): try { throw_int(v); }
// catch (Derived &) { not taken } catch (int e) { caught_int }: 1.
// Continuation: function-relative, the funclet returns index 0.
FUNC fh4_catch_int
A_try:
  call throw_int
  nop
A_end:
  xor %eax, %eax
A_ret:
  RET_FUNC
A_cont:
  mov $1, %eax
  JMP32 A_ret
END_FUNC A_fi

FUNCLET A_catch_derived
  lea s_wrong(%rip), %rcx
  mov 40(%rdx), %rdx
  call caught_derived
  xor %eax, %eax
  RET_FUNCLET
END_FUNC A_catch_fi

FUNCLET A_catch_int
  lea s_catch_int(%rip), %rcx
  mov 32(%rdx), %edx
  call caught_int
  xor %eax, %eax
  RET_FUNCLET
END_FUNC A_catch_fi

// int fh4_catch_base(int id): try { throw_derived(id); }
// catch (Base &b) { caught_base }: 2. Two continuations, as RVAs; the
// funclet returns index 1.
FUNC fh4_catch_base
B_try:
  call throw_derived
  nop
B_end:
  xor %eax, %eax
B_ret:
  RET_FUNC
B_wrong:
  mov $99, %eax
  JMP32 B_ret
B_cont:
  mov $2, %eax
  JMP32 B_ret
END_FUNC B_fi

FUNCLET B_catch
  lea s_catch_base(%rip), %rcx
  mov 32(%rdx), %rdx
  call caught_base
  mov $1, %eax
  RET_FUNCLET
END_FUNC B_catch_fi

// int fh4_catch_by_value(int id): try { throw_derived(id); }
// catch (Base b) { caught_base; b is destroyed }: 3. The funclet returns
// the continuation's address itself.
FUNC fh4_catch_by_value
V_try:
  call throw_derived
  nop
V_end:
  xor %eax, %eax
V_ret:
  RET_FUNC
V_cont:
  mov $3, %eax
  JMP32 V_ret
END_FUNC V_fi

FUNCLET V_catch
  lea s_catch_by_value(%rip), %rcx
  lea 32(%rdx), %rdx
  call caught_base
  mov 32(%rsp), %rdx
  lea 32(%rdx), %rcx
  call destroy_base
  lea V_cont(%rip), %rax
  RET_FUNCLET
END_FUNC V_catch_fi

// int fh4_unwinds(int id): Guard g1(1), g2(2), g3(3) (g2 destroyed
// through a pointer to it, g3 by a cleanup funclet); throw_derived(id).
FUNC fh4_unwinds
  mov %ecx, %ebx
  lea 32(%rsp), %rcx
  mov $1, %edx
  call guard_init
U_s0:
  lea 40(%rsp), %rcx
  mov %rcx, 64(%rsp)
  mov $2, %edx
  call guard_init
U_s1:
  lea 72(%rsp), %rcx
  mov $3, %edx
  call guard_init
U_s2:
  mov %ebx, %ecx
  call throw_derived
  nop
U_end:
  xor %eax, %eax
  RET_FUNC
END_FUNC U_fi

// The cleanup funclet of g3: void cleanup(void *, void *E).
  .def U_cleanup3; .scl 3; .type 32; .endef
  .seh_proc U_cleanup3
U_cleanup3:
  sub $40, %rsp
  .seh_stackalloc 40
  .seh_endprologue
  lea 72(%rdx), %rcx
  call guard_destroy
  add $40, %rsp
  ret
  .seh_endproc

// int fh4_catch_all(int id): try { fh4_unwinds(id); }
// catch (...) { caught_anything }: 4.
FUNC fh4_catch_all
C_try:
  call fh4_unwinds
  nop
C_end:
  xor %eax, %eax
C_ret:
  RET_FUNC
C_cont:
  mov $4, %eax
  JMP32 C_ret
END_FUNC C_fi

FUNCLET C_catch
  lea s_catch_all(%rip), %rcx
  call caught_anything
  lea C_cont(%rip), %rax
  RET_FUNCLET
END_FUNC C_catch_fi

// int fh4_nested(int id):
// try {                                     state 0
//     try { throw_derived(id); }            state 1
//     catch (Other &) { not taken }
//     catch (Base &b) { caught_base; throw; }   state 2
// } catch (Derived &d) { caught_derived }   state 3
// return 5 after the outer catch.
FUNC fh4_nested
D_try:
  call throw_derived
  nop
D_end:
  xor %eax, %eax
D_ret:
  RET_FUNC
D_cont_inner:
  mov $98, %eax
  JMP32 D_ret
D_cont_outer:
  mov $5, %eax
  JMP32 D_ret
END_FUNC D_fi

FUNCLET D_catch_other
  lea s_wrong(%rip), %rcx
  call caught_anything
  xor %eax, %eax
  RET_FUNCLET
END_FUNC D_inner_fi

FUNCLET D_catch_base
  lea s_nested_inner(%rip), %rcx
  mov 32(%rdx), %rdx
  call caught_base
  call rethrow
  nop
  xor %eax, %eax
  RET_FUNCLET
END_FUNC D_inner_fi

FUNCLET D_catch_derived
  lea s_nested_outer(%rip), %rcx
  mov 40(%rdx), %rdx
  call caught_derived
  xor %eax, %eax
  RET_FUNCLET
END_FUNC D_outer_fi

// int fh4_inner_misses(void (*thrower)(int), int v):
// try { try { thrower(v); } catch (Other &) { not taken } }
// catch (int e) { caught_int }: 6. Anything else goes on to the caller.
FUNC fh4_inner_misses
  mov %rcx, %rax
  mov %edx, %ecx
E_try:
  call *%rax
  nop
E_end:
  xor %eax, %eax
E_ret:
  RET_FUNC
E_cont:
  mov $6, %eax
  JMP32 E_ret
END_FUNC E_fi

FUNCLET E_catch_other
  lea s_wrong(%rip), %rcx
  call caught_anything
  xor %eax, %eax
  RET_FUNCLET
END_FUNC E_inner_fi

FUNCLET E_catch_int
  lea s_inner_misses(%rip), %rcx
  mov 32(%rdx), %edx
  call caught_int
  xor %eax, %eax
  RET_FUNCLET
END_FUNC E_outer_fi

// int fh4_separated(int v): one function in two segments, each listed in
// .pdata with the same FuncInfo4 (isSeparated), whose table gives each
// segment its own IP-to-state map. The try block is in the second
// segment, the continuation (an RVA) in the first: 7.
FUNC fh4_separated
  mov %ecx, %ebx
  JMP32 F_segb
F_cont:
  mov $7, %eax
F_ret:
  RET_FUNC
END_FUNC F_fi

// The second segment: the frame is the first one's (its unwind codes
// describe that prologue, with none of it here).
  .def F_segb; .scl 3; .type 32; .endef
  .seh_proc F_segb
F_segb:
  .seh_pushreg %rbx
  .seh_stackalloc 48
  .seh_endprologue
  mov %ebx, %ecx
F_try:
  call throw_int
  nop
F_end:
  xor %eax, %eax
  JMP32 F_ret
END_FUNC F_fi

FUNCLET F_catch
  lea s_separated(%rip), %rcx
  mov 32(%rdx), %edx
  call caught_int
  xor %eax, %eax
  RET_FUNCLET
END_FUNC F_catch_fi

// int NAME(int *p): Guard g(1); try { fault(p); } catch (...) {
// caught_anything } g is destroyed; 8 after the catch. Made twice: as
// compiled /EHs (the fault is no C++ exception: catch (...) does not take
// it, and unwinding past the frame does not destroy g) and /EHa.
.macro FAULT_FUNC name, flags
FUNC \name
  mov %rcx, %rbx
  lea 32(%rsp), %rcx
  mov $1, %edx
  call guard_init
  nop
\name\()_try:
  mov %rbx, %rcx
  call fault
  nop
\name\()_after:
  lea 32(%rsp), %rcx
  call guard_destroy
  nop
\name\()_end:
  xor %eax, %eax
\name\()_ret:
  RET_FUNC
\name\()_cont:
  lea 32(%rsp), %rcx
  call guard_destroy
  mov $8, %eax
  JMP32 \name\()_ret
END_FUNC \name\()_fi

FUNCLET \name\()_catch
  lea \name\()_s(%rip), %rcx
  call caught_anything
  xor %eax, %eax
  RET_FUNCLET
END_FUNC \name\()_catch_fi

  .section .rdata,"dr"
\name\()_s: .asciz "\name"
\name\()_fi:
  .byte FI_UNWIND | FI_TRY | \flags
  .rva fault_uw
  .rva \name\()_try_map
  .rva \name\()_ip
\name\()_catch_fi:
  .byte FI_CATCH | FI_UNWIND | FI_TRY | \flags
  .rva fault_uw
  .rva \name\()_try_map
  .rva catch_ip_state2
  cint 32
\name\()_try_map:
  cint 1
  cint 1
  cint 1
  cint 2
  .rva \name\()_handlers
\name\()_handlers:
  cint 1
  .byte HT_CONT1
  .rva \name\()_catch
  cint (\name\()_cont - \name)
\name\()_ip:
  cint 4
  ipstate (\name\()_try - \name - 1), 0
  ipstate 1, 1
  ipstate (\name\()_after - \name\()_try), 0
  ipstate (\name\()_end - \name\()_after), -1
  .text
.endm

FAULT_FUNC fh4_ehs_fault, FI_EHS
FAULT_FUNC fh4_eha_fault, 0

// int fh4_uncaught(int v): Guard g(1); throw_int(v), and nothing
// catches it.
FUNC fh4_uncaught
  mov %ecx, %ebx
  lea 32(%rsp), %rcx
  mov $1, %edx
  call guard_init
G_s0:
  mov %ebx, %ecx
  call throw_int
  nop
G_end:
  xor %eax, %eax
  RET_FUNC
END_FUNC G_fi

// int fh4_noexcept(int v) noexcept: throw_int(v) ends the program.
FUNC fh4_noexcept
  call throw_int
  nop
  xor %eax, %eax
  RET_FUNC
END_FUNC H_fi

  .section .rdata,"dr"
s_wrong: .asciz "WRONG CLAUSE"
s_catch_int: .asciz "fh4_catch_int"
s_catch_base: .asciz "fh4_catch_base"
s_catch_by_value: .asciz "fh4_catch_by_value"
s_catch_all: .asciz "fh4_catch_all"
s_nested_inner: .asciz "fh4_nested inner"
s_nested_outer: .asciz "fh4_nested outer"
s_inner_misses: .asciz "fh4_inner_misses outer"
s_separated: .asciz "fh4_separated"

// The exception tables, in the image's read-only data.

// fh4_catch_int: state 0 the try block, state 1 its catch blocks.
A_fi:
  .byte FI_UNWIND | FI_TRY
  .rva A_uw
  .rva A_try_map
  .rva A_ip
A_catch_fi:
  .byte FI_CATCH | FI_UNWIND | FI_TRY
  .rva A_uw
  .rva A_try_map
  .rva catch_ip_state1
  cint 32
A_uw:
  cint 2
  uw_none 1
  uw_none 2
A_try_map:
  cint 1
  cint 0
  cint 0
  cint 1
  .rva A_handlers
A_handlers:
  cint 2
  .byte HT_ADJ | HT_TYPE | HT_OBJ | HT_CONT1
  cint IS_REFERENCE
  .rva "??_R0?AUDerived@@@8"
  cint 40
  .rva A_catch_derived
  cint (A_cont - fh4_catch_int)
  .byte HT_TYPE | HT_OBJ | HT_CONT1
  .rva "??_R0H@8"
  cint 32
  .rva A_catch_int
  cint (A_cont - fh4_catch_int)
A_ip:
  cint 2
  ipstate (A_try - fh4_catch_int), 0
  ipstate (A_end - A_try), -1

// A catch funclet whose code is all in state 1, or 2, or 3.
catch_ip_state1:
  cint 1
  ipstate 0, 1
catch_ip_state2:
  cint 1
  ipstate 0, 2
catch_ip_state3:
  cint 1
  ipstate 0, 3

// fh4_catch_base.
B_fi:
  .byte FI_UNWIND | FI_TRY
  .rva AB_uw
  .rva B_try_map
  .rva B_ip
B_catch_fi:
  .byte FI_CATCH | FI_UNWIND | FI_TRY
  .rva AB_uw
  .rva B_try_map
  .rva catch_ip_state1
  cint 32
AB_uw:
  cint 2
  uw_none 1
  uw_none 2
B_try_map:
  cint 1
  cint 0
  cint 0
  cint 1
  .rva B_handlers
B_handlers:
  cint 1
  .byte HT_ADJ | HT_TYPE | HT_OBJ | HT_CONT_RVA | HT_CONT2
  cint IS_REFERENCE
  .rva "??_R0?AUBase@@@8"
  cint 32
  .rva B_catch
  .rva B_wrong
  .rva B_cont
B_ip:
  cint 2
  ipstate (B_try - fh4_catch_base), 0
  ipstate (B_end - B_try), -1

// fh4_catch_by_value: the catch object (16 bytes) at E+32.
V_fi:
  .byte FI_UNWIND | FI_TRY
  .rva AB_uw
  .rva V_try_map
  .rva V_ip
V_catch_fi:
  .byte FI_CATCH | FI_UNWIND | FI_TRY
  .rva AB_uw
  .rva V_try_map
  .rva catch_ip_state1
  cint 32
V_try_map:
  cint 1
  cint 0
  cint 0
  cint 1
  .rva V_handlers
V_handlers:
  cint 1
  .byte HT_TYPE | HT_OBJ
  .rva "??_R0?AUBase@@@8"
  cint 32
  .rva V_catch
V_ip:
  cint 2
  ipstate (V_try - fh4_catch_by_value), 0
  ipstate (V_end - V_try), -1

// fh4_unwinds: no try block; states 0..2 as the guards are made.
U_fi:
  .byte FI_UNWIND
  .rva U_uw
  .rva U_ip
U_uw:
  cint 3
U_uw0:
  uw_dtor 1, guard_destroy, 32
U_uw1:
  uw_dtor_ptr (U_uw1 - U_uw0), guard_destroy, 64
U_uw2:
  uw_funclet (U_uw2 - U_uw1), U_cleanup3
U_ip:
  cint 4
  ipstate (U_s0 - fh4_unwinds), 0
  ipstate (U_s1 - U_s0), 1
  ipstate (U_s2 - U_s1), 2
  ipstate (U_end - U_s2), -1

// fh4_catch_all: catch (...) has neither type nor object.
C_fi:
  .byte FI_UNWIND | FI_TRY
  .rva AB_uw
  .rva C_try_map
  .rva C_ip
C_catch_fi:
  .byte FI_CATCH | FI_UNWIND | FI_TRY
  .rva AB_uw
  .rva C_try_map
  .rva catch_ip_state1
  cint 32
C_try_map:
  cint 1
  cint 0
  cint 0
  cint 1
  .rva C_handlers
C_handlers:
  cint 1
  .byte 0
  .rva C_catch
C_ip:
  cint 2
  ipstate (C_try - fh4_catch_all), 0
  ipstate (C_end - C_try), -1

// fh4_nested: states 0 (outer try), 1 (inner try), 2 (inner catch),
// 3 (outer catch); 1 leads to 0, the others to -1 (a catch block's
// states end at -1: the runtime unwinds a catch funclet on its own).
// Try blocks innermost first. The inner catch funclet's tables leave
// out the try-block map (the runtime finds its place from its state).
D_fi:
  .byte FI_UNWIND | FI_TRY
  .rva nested_uw
  .rva D_try_map
  .rva D_ip
D_inner_fi:
  .byte FI_CATCH | FI_UNWIND
  .rva nested_uw
  .rva catch_ip_state2
  cint 32
D_outer_fi:
  .byte FI_CATCH | FI_UNWIND | FI_TRY
  .rva nested_uw
  .rva D_try_map
  .rva catch_ip_state3
  cint 32
nested_uw:
  cint 4
  uw_none 1
  uw_none 1
  uw_none 3
  uw_none 4
D_try_map:
  cint 2
  cint 1
  cint 1
  cint 2
  .rva D_inner_handlers
  cint 0
  cint 2
  cint 3
  .rva D_outer_handlers
D_inner_handlers:
  cint 2
  .byte HT_ADJ | HT_TYPE | HT_CONT1
  cint IS_REFERENCE
  .rva "??_R0?AUOther@@@8"
  .rva D_catch_other
  cint (D_cont_inner - fh4_nested)
  .byte HT_ADJ | HT_TYPE | HT_OBJ | HT_CONT1
  cint IS_REFERENCE
  .rva "??_R0?AUBase@@@8"
  cint 32
  .rva D_catch_base
  cint (D_cont_inner - fh4_nested)
D_outer_handlers:
  cint 1
  .byte HT_ADJ | HT_TYPE | HT_OBJ | HT_CONT1
  cint IS_REFERENCE
  .rva "??_R0?AUDerived@@@8"
  cint 40
  .rva D_catch_derived
  cint (D_cont_outer - fh4_nested)
D_ip:
  cint 2
  ipstate (D_try - fh4_nested), 1
  ipstate (D_end - D_try), -1

// fh4_inner_misses: the same states as fh4_nested.
E_fi:
  .byte FI_UNWIND | FI_TRY
  .rva nested_uw
  .rva E_try_map
  .rva E_ip
E_inner_fi:
  .byte FI_CATCH | FI_UNWIND | FI_TRY
  .rva nested_uw
  .rva E_try_map
  .rva catch_ip_state2
  cint 32
E_outer_fi:
  .byte FI_CATCH | FI_UNWIND | FI_TRY
  .rva nested_uw
  .rva E_try_map
  .rva catch_ip_state3
  cint 32
E_try_map:
  cint 2
  cint 1
  cint 1
  cint 2
  .rva E_inner_handlers
  cint 0
  cint 2
  cint 3
  .rva E_outer_handlers
E_inner_handlers:
  cint 1
  .byte HT_ADJ | HT_TYPE | HT_CONT1
  cint IS_REFERENCE
  .rva "??_R0?AUOther@@@8"
  .rva E_catch_other
  cint (E_cont - fh4_inner_misses)
E_outer_handlers:
  cint 1
  .byte HT_TYPE | HT_OBJ | HT_CONT1
  .rva "??_R0H@8"
  cint 32
  .rva E_catch_int
  cint (E_cont - fh4_inner_misses)
E_ip:
  cint 2
  ipstate (E_try - fh4_inner_misses), 1
  ipstate (E_end - E_try), -1

// fh4_separated: one FuncInfo4 for both segments; the segment table
// gives each its IP-to-state map.
F_fi:
  .byte FI_SEPARATED | FI_UNWIND | FI_TRY
  .rva AB_uw
  .rva F_try_map
  .rva F_segments
F_catch_fi:
  .byte FI_CATCH | FI_UNWIND | FI_TRY
  .rva AB_uw
  .rva F_try_map
  .rva catch_ip_state1
  cint 32
F_segments:
  cint 2
  .rva fh4_separated
  .rva F_ip_a
  .rva F_segb
  .rva F_ip_b
F_ip_a:
  cint 1
  ipstate 0, -1
F_ip_b:
  cint 2
  ipstate (F_try - F_segb), 0
  ipstate (F_end - F_try), -1
F_try_map:
  cint 1
  cint 0
  cint 0
  cint 1
  .rva F_handlers
F_handlers:
  cint 1
  .byte HT_TYPE | HT_OBJ | HT_CONT_RVA | HT_CONT1
  .rva "??_R0H@8"
  cint 32
  .rva F_catch
  .rva F_cont

// The fault functions: state 0 holds g, 1 the try block, 2 its catch.
fault_uw:
  cint 3
fault_uw0:
  uw_dtor 1, guard_destroy, 32
fault_uw1:
  uw_none (fault_uw1 - fault_uw0)
  uw_none 8

// fh4_uncaught.
G_fi:
  .byte FI_UNWIND
  .rva G_uw
  .rva G_ip
G_uw:
  cint 1
  uw_dtor 1, guard_destroy, 32
G_ip:
  cint 2
  ipstate (G_s0 - fh4_uncaught), 0
  ipstate (G_end - G_s0), -1

// fh4_noexcept: no states, no try block; only the flag.
H_fi:
  .byte FI_NOEXCEPT
  .rva H_ip
H_ip:
  cint 0
