/*
 * seh_unhandled.c - the end of exceptions nothing handles. The first
 * argument picks the case:
 *   report     an access violation in fault_here(): the crash report
 *   overflow   unbounded recursion: EXCEPTION_STACK_OVERFLOW, reported
 *   execute    a top-level filter answering EXCEPTION_EXECUTE_HANDLER:
 *              the process ends quietly with the exception code
 *   continue   a top-level filter that repairs the CONTEXT and continues
 *   raise      RaiseException of a custom code with parameters
 * Built with -g: the report names functions and lines from DWARF.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

__attribute__((noinline)) void fault_here(volatile int *p)
{
    *p = 42;
}

__attribute__((noinline)) void call_fault(volatile int *p)
{
    fault_here(p);
    __asm__ volatile("" ::: "memory");
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) int recurse(volatile char *p)
{
    volatile char buf[256];
    buf[0] = p ? p[0] : 1;
    return recurse(buf) + buf[1];
}

static volatile int spare;
static LONG WINAPI execute_filter(EXCEPTION_POINTERS *ep)
{
    printf("filter saw %#lx\n", ep->ExceptionRecord->ExceptionCode);
    fflush(stdout);
    return EXCEPTION_EXECUTE_HANDLER;
}
static LONG WINAPI continue_filter(EXCEPTION_POINTERS *ep)
{
    /* fault_here's store is `mov [rcx], 42`: point rcx somewhere real. */
    ep->ContextRecord->Rcx = (DWORD64)&spare;
    return EXCEPTION_CONTINUE_EXECUTION;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "report")) {
        call_fault((int *)0x30);
    } else if (!strcmp(mode, "overflow")) {
        return recurse(NULL);
    } else if (!strcmp(mode, "execute")) {
        SetUnhandledExceptionFilter(execute_filter);
        call_fault(NULL);
    } else if (!strcmp(mode, "continue")) {
        LPTOP_LEVEL_EXCEPTION_FILTER old = SetUnhandledExceptionFilter(continue_filter);
        call_fault(NULL);
        printf("continued, spare=%d, previous filter %s\n", spare,
               SetUnhandledExceptionFilter(old) == continue_filter ? "returned" : "lost");
        return 0;
    } else if (!strcmp(mode, "raise")) {
        ULONG_PTR args[2] = {0x1234, 0x5678};
        RaiseException(0xE0ABCDEF, 0, 2, args);
    }
    printf("unexpected: mode '%s' did not end the process\n", mode);
    return 1;
}
