/*
 * seh_hardware.c - hardware exceptions as structured exceptions, vectored
 * handlers, and the run-time library of unwinding.
 *
 * Each fault is raised by an instruction with labels around it, so the
 * checks know the exact faulting address and where to continue: the
 * vectored handler checks the EXCEPTION_RECORD and CONTEXT Windows
 * documents for that fault, changes the CONTEXT, and continues.
 */
#include <windows.h>
#include <stdint.h>
#include "tap.h"

int main(void);
#define NOINLINE __attribute__((noinline))

/* What the handler saw of the last exception. */
static EXCEPTION_RECORD seen;
static CONTEXT seen_ctx;
static int handled;
/* Where the handler continues (set by each test before its fault). */
static DWORD64 resume_at;
static int step_handled;
/* A value the handler writes into rax before continuing. */
#define NEW_RAX 0x5eed5eed5eedULL

static LONG CALLBACK fixer(EXCEPTION_POINTERS *ep)
{
    if (!resume_at)
        return EXCEPTION_CONTINUE_SEARCH;
    seen = *ep->ExceptionRecord;
    seen_ctx = *ep->ContextRecord;
    handled++;
    ep->ContextRecord->Rip = resume_at;
    ep->ContextRecord->Rax = NEW_RAX;
    resume_at = 0;
    return EXCEPTION_CONTINUE_EXECUTION;
}

extern char av_write_at[], av_write_after[], av_read_at[], av_read_after[];
extern char int3_at[], int3_after[], div_at[], div_after[], ud2_at[], ud2_after[];
extern char hlt_at[], hlt_after[], step_at[];
__asm__(
    ".text\n"
    ".globl fault_write\n fault_write:\n"
    "  movq $0x1234abcd, %r12\n"
    ".globl av_write_at\n av_write_at:\n"
    "  movl $1, 0x10\n"
    ".globl av_write_after\n av_write_after:\n"
    "  ret\n"
    ".globl fault_read\n fault_read:\n"
    ".globl av_read_at\n av_read_at:\n"
    "  movq (%rcx), %rax\n"
    ".globl av_read_after\n av_read_after:\n"
    "  ret\n"
    ".globl fault_int3\n fault_int3:\n"
    "  movabsq $0x1122334455667788, %rax\n"
    "  movq %rax, %xmm6\n"
    ".globl int3_at\n int3_at:\n"
    "  int3\n"
    ".globl int3_after\n int3_after:\n"
    "  movq %xmm7, %rax\n"
    "  ret\n"
    ".globl fault_div\n fault_div:\n"
    "  movl $7, %eax\n"
    "  cltd\n"
    "  xorl %ecx, %ecx\n"
    ".globl div_at\n div_at:\n"
    "  idivl %ecx\n"
    ".globl div_after\n div_after:\n"
    "  ret\n"
    ".globl fault_ud2\n fault_ud2:\n"
    ".globl ud2_at\n ud2_at:\n"
    "  ud2\n"
    ".globl ud2_after\n ud2_after:\n"
    "  ret\n"
    ".globl fault_hlt\n fault_hlt:\n"
    ".globl hlt_at\n hlt_at:\n"
    "  hlt\n"
    ".globl hlt_after\n hlt_after:\n"
    "  ret\n"
    /* Sets the trap flag: the instruction after popfq completes, then
     * the single-step trap comes, reported at the next instruction. */
    ".globl fault_step\n fault_step:\n"
    "  pushfq\n"
    "  orq $0x100, (%rsp)\n"
    "  popfq\n"
    "  nop\n"
    ".globl step_at\n step_at:\n"
    "  nop\n"
    "  ret\n");
DWORD64 fault_write(void);
DWORD64 fault_read(void *p);
DWORD64 fault_int3(void);
DWORD64 fault_div(void);
DWORD64 fault_ud2(void);
DWORD64 fault_hlt(void);
DWORD64 fault_step(void);
DWORD64 call_page(void *code);

static NOINLINE void test_faults(void)
{
    DWORD64 r;

    resume_at = (DWORD64)av_write_after;
    r = fault_write();
    is_int(handled, 1, "an access violation reaches the vectored handler");
    ok(seen.ExceptionCode == EXCEPTION_ACCESS_VIOLATION, "code is EXCEPTION_ACCESS_VIOLATION (%#lx)", seen.ExceptionCode);
    ok(seen.ExceptionAddress == av_write_at, "ExceptionAddress is the faulting instruction");
    ok(seen.NumberParameters == 2 && seen.ExceptionInformation[0] == 1 && seen.ExceptionInformation[1] == 0x10,
       "parameters say: writing 0x10 (%lu, %llu, %#llx)", seen.NumberParameters,
       (unsigned long long)seen.ExceptionInformation[0], (unsigned long long)seen.ExceptionInformation[1]);
    ok(seen_ctx.Rip == (DWORD64)av_write_at, "CONTEXT.Rip is the faulting instruction");
    ok(seen_ctx.R12 == 0x1234abcd, "CONTEXT has the registers at the fault (r12)");
    ok((seen_ctx.ContextFlags & CONTEXT_FULL) == CONTEXT_FULL, "CONTEXT is full (%#lx)", seen_ctx.ContextFlags);
    ok(r == NEW_RAX, "execution continues with the CONTEXT the handler changed");

    resume_at = (DWORD64)av_read_after;
    fault_read((void *)0x20);
    ok(seen.ExceptionCode == EXCEPTION_ACCESS_VIOLATION && seen.ExceptionInformation[0] == 0 &&
           seen.ExceptionInformation[1] == 0x20, "a read of 0x20 is reported as reading 0x20");

    void *page = VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ((unsigned char *)page)[0] = 0xC3; /* ret, but the page is not executable */
    /* exec_fixer returns from the page to call_page. */
    resume_at = 0;
    seen.ExceptionCode = 0;
    call_page(page);
    ok(seen.ExceptionCode == EXCEPTION_ACCESS_VIOLATION && seen.ExceptionInformation[0] == 8 &&
           seen.ExceptionInformation[1] == (ULONG_PTR)page && seen.ExceptionAddress == page,
       "executing a non-executable page is reported as executing it (%llu)",
       (unsigned long long)seen.ExceptionInformation[0]);
    VirtualFree(page, 0, MEM_RELEASE);

    resume_at = (DWORD64)int3_after;
    r = fault_int3();
    ok(seen.ExceptionCode == EXCEPTION_BREAKPOINT && seen.ExceptionAddress == int3_at,
       "int3 is EXCEPTION_BREAKPOINT at the int3 (%#lx)", seen.ExceptionCode);
    ok(seen_ctx.Rip == (DWORD64)int3_at, "CONTEXT.Rip of a breakpoint is the int3 itself");
    ok(seen_ctx.Xmm6.Low == 0x1122334455667788ULL, "CONTEXT has the XMM registers (xmm6 %#llx)",
       (unsigned long long)seen_ctx.Xmm6.Low);
    ok(seen_ctx.MxCsr == seen_ctx.FltSave.MxCsr && (seen_ctx.MxCsr & 0x1f80) == 0x1f80,
       "MxCsr is filled in (%#lx)", seen_ctx.MxCsr);

    resume_at = (DWORD64)div_after;
    fault_div();
    ok(seen.ExceptionCode == EXCEPTION_INT_DIVIDE_BY_ZERO && seen.ExceptionAddress == div_at,
       "idiv by zero is EXCEPTION_INT_DIVIDE_BY_ZERO (%#lx)", seen.ExceptionCode);

    resume_at = (DWORD64)ud2_after;
    fault_ud2();
    ok(seen.ExceptionCode == EXCEPTION_ILLEGAL_INSTRUCTION && seen.ExceptionAddress == ud2_at,
       "ud2 is EXCEPTION_ILLEGAL_INSTRUCTION (%#lx)", seen.ExceptionCode);

    resume_at = (DWORD64)hlt_after;
    fault_hlt();
    ok(seen.ExceptionCode == EXCEPTION_PRIV_INSTRUCTION && seen.ExceptionAddress == hlt_at,
       "hlt is EXCEPTION_PRIV_INSTRUCTION (%#lx)", seen.ExceptionCode);

    step_handled = 0;
    fault_step();
    ok(step_handled == 1 && seen.ExceptionCode == EXCEPTION_SINGLE_STEP && seen.ExceptionAddress == step_at,
       "the trap flag gives one EXCEPTION_SINGLE_STEP at the next instruction (%#lx)", seen.ExceptionCode);
}

/* Calls the code at rcx; if that faults, the handler below returns to here. */
__asm__(".globl call_page\n call_page:\n"
        "  subq $40, %rsp\n"
        "  callq *%rcx\n"
        "  addq $40, %rsp\n"
        "  ret\n");

static LONG CALLBACK step_handler(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_SINGLE_STEP)
        return EXCEPTION_CONTINUE_SEARCH;
    seen = *ep->ExceptionRecord;
    step_handled++;
    ep->ContextRecord->EFlags &= ~0x100; /* stop stepping */
    return EXCEPTION_CONTINUE_EXECUTION;
}

static LONG CALLBACK exec_fixer(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_ACCESS_VIOLATION ||
        ep->ExceptionRecord->ExceptionInformation[0] != 8)
        return EXCEPTION_CONTINUE_SEARCH;
    seen = *ep->ExceptionRecord;
    /* Return from the "called" page to its caller. */
    ep->ContextRecord->Rip = *(DWORD64 *)ep->ContextRecord->Rsp;
    ep->ContextRecord->Rsp += 8;
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* Vectored handler order and continue handlers. Windows runs the continue
 * handlers even when a vectored exception handler already continued
 * execution (Go's runtime documents and relies on it; Wine 8 does not). */
static char order[16];
static int norder;
#define CODE_ORDER 0xE0000101
static LONG CALLBACK first_handler(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode == CODE_ORDER)
        order[norder++] = 'F';
    return EXCEPTION_CONTINUE_SEARCH;
}
static LONG CALLBACK last_handler(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode != CODE_ORDER)
        return EXCEPTION_CONTINUE_SEARCH;
    order[norder++] = 'L';
    return EXCEPTION_CONTINUE_EXECUTION;
}
static LONG CALLBACK continue_handler(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode == CODE_ORDER)
        order[norder++] = 'C';
    return EXCEPTION_CONTINUE_SEARCH;
}

static ULONG_PTR raised_params[EXCEPTION_MAXIMUM_PARAMETERS];
static DWORD raised_count, raised_flags;
static void *raised_address;
static LONG CALLBACK raise_watcher(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode != 0xE0000202)
        return EXCEPTION_CONTINUE_SEARCH;
    raised_count = ep->ExceptionRecord->NumberParameters;
    raised_flags = ep->ExceptionRecord->ExceptionFlags;
    raised_address = ep->ExceptionRecord->ExceptionAddress;
    memcpy(raised_params, ep->ExceptionRecord->ExceptionInformation, sizeof raised_params);
    return EXCEPTION_CONTINUE_EXECUTION;
}

static NOINLINE void test_vectored(void)
{
    PVOID last = AddVectoredExceptionHandler(0, last_handler);
    PVOID first = AddVectoredExceptionHandler(1, first_handler);
    PVOID cont = AddVectoredContinueHandler(0, continue_handler);
    ok(first && last && cont && first != last, "AddVectored*Handler return distinct handles");
    RaiseException(CODE_ORDER, 0, 0, NULL);
    order[norder] = 0;
    is_str(order, "FLC", "handlers run first-added-first, then continue handlers");
    is_int(RemoveVectoredExceptionHandler(first), 1, "RemoveVectoredExceptionHandler removes a handler");
    is_int(RemoveVectoredExceptionHandler(first), 0, "and fails for one already removed");
    RemoveVectoredExceptionHandler(last);
    RemoveVectoredContinueHandler(cont);

    ULONG_PTR args[20];
    for (int i = 0; i < 20; i++)
        args[i] = 100 + i;
    PVOID w = AddVectoredExceptionHandler(1, raise_watcher);
    RaiseException(0xE0000202, EXCEPTION_NONCONTINUABLE | 0x40, 20, args);
    is_int(raised_count, EXCEPTION_MAXIMUM_PARAMETERS, "RaiseException keeps at most 15 parameters");
    ok(raised_params[0] == 100 && raised_params[14] == 114, "the parameters arrive in order");
    is_int(raised_flags, EXCEPTION_NONCONTINUABLE, "only EXCEPTION_NONCONTINUABLE of the flags is kept");
    RaiseException(0xE0000202, 0, 0, NULL);
    is_int(raised_count, 0, "RaiseException with no parameters");
    RemoveVectoredExceptionHandler(w);
    (void)raised_address;
}

/* The unwinding library on our own frames. */
static __attribute__((noinline)) USHORT depth3(void **frames)
{
    USHORT n = RtlCaptureStackBackTrace(0, 8, frames, NULL);
    __asm__ volatile("" ::: "memory");
    return n;
}
static __attribute__((noinline)) USHORT depth2(void **frames)
{
    USHORT n = depth3(frames);
    __asm__ volatile("" ::: "memory");
    return n;
}
static __attribute__((noinline)) USHORT depth1(void **frames)
{
    USHORT n = depth2(frames);
    __asm__ volatile("" ::: "memory");
    return n;
}

/* The function a return address lies in, by the unwind tables. */
static DWORD64 function_of(void *pc)
{
    DWORD64 base = 0;
    PRUNTIME_FUNCTION f = RtlLookupFunctionEntry((DWORD64)pc, &base, NULL);
    return f ? base + f->BeginAddress : 0;
}

static __attribute__((noinline)) void capture_here(CONTEXT *ctx)
{
    RtlCaptureContext(ctx);
}

static PRUNTIME_FUNCTION callback_entry;
static PRUNTIME_FUNCTION CALLBACK table_callback(DWORD64 pc, PVOID context)
{
    (void)pc;
    return context == (PVOID)0x77 ? callback_entry : NULL;
}

static NOINLINE void test_unwinding(void)
{
    void *frames[8] = {0};
    USHORT n = depth1(frames);
    ok(n >= 4, "RtlCaptureStackBackTrace finds the frames (%u)", n);
    ok(function_of(frames[0]) == (DWORD64)depth3 && function_of(frames[1]) == (DWORD64)depth2 &&
           function_of(frames[2]) == (DWORD64)depth1,
       "frame 0 is the caller, then its callers, by their unwind data");

    HMODULE self = GetModuleHandleA(NULL);
    DWORD64 base = 0;
    PRUNTIME_FUNCTION f = RtlLookupFunctionEntry((DWORD64)depth2 + 1, &base, NULL);
    ok(f && base == (DWORD64)self && base + f->BeginAddress == (DWORD64)depth2,
       "RtlLookupFunctionEntry finds a function's entry and image base");
    PVOID header = NULL;
    ok(RtlPcToFileHeader((PVOID)depth2, &header) == self && header == self, "RtlPcToFileHeader gives the image base");
    ok(RtlPcToFileHeader((PVOID)0x1000, &header) == NULL && header == NULL, "and NULL outside every image");

    CONTEXT ctx;
    capture_here(&ctx);
    ok(function_of((void *)ctx.Rip) == (DWORD64)test_unwinding,
       "RtlCaptureContext records the state after its call (in the caller)");
    /* Unwind capture_here's caller frame: test_unwinding -> its caller. */
    DWORD64 frame = 0;
    PVOID data = NULL;
    f = RtlLookupFunctionEntry(ctx.Rip, &base, NULL);
    RtlVirtualUnwind(UNW_FLAG_NHANDLER, base, ctx.Rip, f, &ctx, &data, &frame, NULL);
    ok(function_of((void *)ctx.Rip) == (DWORD64)main, "RtlVirtualUnwind gives the caller's state (%p)", (void *)ctx.Rip);

    /* Function tables for generated code. */
    unsigned char *code = VirtualAlloc(NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE);
    static RUNTIME_FUNCTION table[2];
    table[0].BeginAddress = 0x100;
    table[0].EndAddress = 0x180;
    table[0].UnwindData = 0x1000;
    table[1].BeginAddress = 0x200;
    table[1].EndAddress = 0x280;
    table[1].UnwindData = 0x1000;
    code[0x1000] = 1; /* version 1, no codes */
    ok(RtlAddFunctionTable(table, 2, (DWORD64)code), "RtlAddFunctionTable");
    f = RtlLookupFunctionEntry((DWORD64)code + 0x210, &base, NULL);
    ok(f == &table[1] && base == (DWORD64)code, "RtlLookupFunctionEntry finds entries of an added table");
    ok(RtlLookupFunctionEntry((DWORD64)code + 0x190, &base, NULL) == NULL, "and nothing between its functions");
    ok(RtlDeleteFunctionTable(table), "RtlDeleteFunctionTable");
    ok(RtlLookupFunctionEntry((DWORD64)code + 0x210, &base, NULL) == NULL, "a deleted table is no longer searched");
    callback_entry = &table[0];
    ok(RtlInstallFunctionTableCallback((DWORD64)code | 3, (DWORD64)code, 0x1000, table_callback, (PVOID)0x77, NULL),
       "RtlInstallFunctionTableCallback");
    f = RtlLookupFunctionEntry((DWORD64)code + 0x120, &base, NULL);
    ok(f == &table[0] && base == (DWORD64)code, "lookups in its range ask the callback");
    ok(!RtlInstallFunctionTableCallback((DWORD64)code, (DWORD64)code, 0x1000, table_callback, NULL, NULL),
       "an identifier without its two low bits set is refused");
    RtlDeleteFunctionTable((PRUNTIME_FUNCTION)((DWORD64)code | 3));
    VirtualFree(code, 0, MEM_RELEASE);
}

/* Stack overflow: the guard turns it into EXCEPTION_STACK_OVERFLOW, with
 * stack left for the handler, which ends the thread. */
static volatile LONG overflow_seen;
static LONG CALLBACK overflow_handler(EXCEPTION_POINTERS *ep)
{
    if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_STACK_OVERFLOW)
        return EXCEPTION_CONTINUE_SEARCH;
    overflow_seen = 1;
    ExitThread(0xF00D);
}
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static __attribute__((noinline)) int recurse(volatile char *prev)
{
    volatile char buf[512];
    buf[0] = prev ? prev[0] + 1 : 0;
    return recurse(buf) + buf[1];
}
static DWORD WINAPI overflow_thread(void *p)
{
    (void)p;
    return recurse(NULL);
}

static NOINLINE void test_stack_overflow(void)
{
    PVOID h = AddVectoredExceptionHandler(1, overflow_handler);
    HANDLE t = CreateThread(NULL, 256 * 1024, overflow_thread, NULL, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    DWORD code = 0;
    ok(WaitForSingleObject(t, 20000) == WAIT_OBJECT_0, "a thread that overflows its stack ends");
    GetExitCodeThread(t, &code);
    ok(overflow_seen && code == 0xF00D, "its handler saw EXCEPTION_STACK_OVERFLOW and had stack to run (%#lx)", code);
    CloseHandle(t);
    RemoveVectoredExceptionHandler(h);
}

int main(void)
{
    plan(43);
    PVOID h = AddVectoredExceptionHandler(1, fixer);
    PVOID e = AddVectoredExceptionHandler(1, exec_fixer);
    PVOID st = AddVectoredExceptionHandler(1, step_handler);
    test_faults();
    RemoveVectoredExceptionHandler(st);
    RemoveVectoredExceptionHandler(h);
    RemoveVectoredExceptionHandler(e);
    test_vectored();
    test_unwinding();
    test_stack_overflow();
    return done();
}
