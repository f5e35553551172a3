/* suspend.c - SuspendThread, ResumeThread, GetThreadContext and
 * SetThreadContext. Expected behaviour from the Microsoft documentation:
 * SuspendThread/ResumeThread return the previous suspend count and the
 * thread runs only at count zero; GetThreadContext of a suspended thread
 * returns its registers; SetThreadContext changes them for when it
 * resumes (how debuggers and Go's runtime redirect a thread). */
#include <windows.h>
#include "tap.h"

static volatile LONGLONG spins;
static volatile ULONG_PTR worker_stack;
static volatile LONG redirected_ran;

static DWORD WINAPI spinner(LPVOID p)
{
    volatile int local = 0;
    worker_stack = (ULONG_PTR)&local;
    (void)p;
    for (;;)
        spins++;
    return 0;
}

/* Where SetThreadContext sends the spinner. */
static void redirected(void)
{
    redirected_ran = 1;
    ExitThread(55);
}

static volatile LONG never_started = 1;
static DWORD WINAPI marks_started(LPVOID p)
{
    (void)p;
    never_started = 0;
    return 0;
}

static HANDLE owned;
static DWORD WINAPI owns_then_blocks(LPVOID p)
{
    WaitForSingleObject(owned, INFINITE);
    return WaitForSingleObject((HANDLE)p, INFINITE);
}

static CONTEXT context;
static HANDLE go;
static DWORD WINAPI waiter(LPVOID p)
{
    (void)p;
    return WaitForSingleObject(go, 10000) == WAIT_OBJECT_0 ? 7 : 8;
}

int main(void)
{
    plan(23);
    HANDLE t = CreateThread(NULL, 0, spinner, NULL, 0, NULL);
    while (spins < 1000)
        Sleep(1);

    ok(SuspendThread(t) == 0, "SuspendThread returns the previous count, 0");
    LONGLONG a = spins;
    Sleep(50);
    ok(spins == a, "a suspended thread does not run");
    ok(SuspendThread(t) == 1, "a second SuspendThread returns 1");
    ok(ResumeThread(t) == 2, "ResumeThread returns 2");
    Sleep(30);
    ok(spins == a, "still suspended at count 1");

    CONTEXT *ctx = &context; /* CONTEXT is 16-byte aligned, as Windows requires */
    ctx->ContextFlags = CONTEXT_FULL;
    ok(GetThreadContext(t, ctx), "GetThreadContext on the suspended thread");
    ok(ctx->Rip != 0 && ctx->SegCs == 0x33, "Rip is set and CS is the 64-bit user selector (0x%llx, 0x%x)",
       (unsigned long long)ctx->Rip, ctx->SegCs);
    LONGLONG d = (LONGLONG)ctx->Rsp - (LONGLONG)worker_stack;
    ok(d > -65536 && d < 65536, "Rsp is on the thread's own stack (%lld bytes from its local)", d);

    /* Redirect it: a call to redirected() from where it stopped. */
    DWORD64 rsp = ((ctx->Rsp - 512) & ~(DWORD64)15) - 8;
    *(DWORD64 *)rsp = ctx->Rip; /* a return address, never used */
    ctx->Rsp = rsp;
    ctx->Rip = (DWORD64)(ULONG_PTR)redirected;
    ctx->ContextFlags = CONTEXT_CONTROL;
    ok(SetThreadContext(t, ctx), "SetThreadContext on the suspended thread");
    ok(ResumeThread(t) == 1, "ResumeThread returns 1 and lets it run");
    ok(WaitForSingleObject(t, 5000) == WAIT_OBJECT_0, "the thread ended");
    DWORD code = 0;
    GetExitCodeThread(t, &code);
    ok(redirected_ran && code == 55, "it ran where SetThreadContext sent it (exit code %lu)", code);
    CloseHandle(t);

    /* A thread suspended in a wait finishes that wait normally. */
    go = CreateEventW(NULL, TRUE, FALSE, NULL);
    t = CreateThread(NULL, 0, waiter, NULL, 0, NULL);
    Sleep(30);
    ok(SuspendThread(t) == 0, "suspend a thread that is waiting");
    SetEvent(go);
    Sleep(30);
    ok(WaitForSingleObject(t, 0) == WAIT_TIMEOUT, "while suspended it does not finish");
    ResumeThread(t);
    ok(WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 && GetExitCodeThread(t, &code) && code == 7,
       "resumed, its wait completes as signalled (%lu)", code);
    CloseHandle(t);

    /* TerminateThread of other threads: running, blocked, never started. */
    spins = 0;
    t = CreateThread(NULL, 0, spinner, NULL, 0, NULL);
    while (spins < 1000)
        Sleep(1);
    ok(TerminateThread(t, 99), "TerminateThread on a running thread");
    ok(WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 && GetExitCodeThread(t, &code) && code == 99,
       "it ended with the given exit code (%lu)", code);
    a = spins;
    Sleep(20);
    ok(spins == a, "and runs no more");
    CloseHandle(t);

    HANDLE never = CreateEventW(NULL, TRUE, FALSE, NULL);
    owned = CreateMutexW(NULL, FALSE, NULL);
    t = CreateThread(NULL, 0, owns_then_blocks, never, 0, NULL);
    Sleep(30);
    ok(TerminateThread(t, 98) && WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 &&
           GetExitCodeThread(t, &code) && code == 98,
       "TerminateThread on a thread blocked in an infinite wait (%lu)", code);
    ok(WaitForSingleObject(owned, 0) == WAIT_ABANDONED, "a mutex it owned is abandoned");
    ReleaseMutex(owned);
    CloseHandle(t);

    t = CreateThread(NULL, 0, marks_started, NULL, CREATE_SUSPENDED, NULL);
    ok(TerminateThread(t, 97) && WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 &&
           GetExitCodeThread(t, &code) && code == 97 && never_started,
       "TerminateThread on a suspended new thread: it ends without running (%lu)", code);
    CloseHandle(t);

    t = CreateThread(NULL, 0, marks_started, NULL, 0, NULL);
    ok(WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 && !never_started, "new threads still run afterwards");
    CloseHandle(t);
    CloseHandle(never);
    CloseHandle(owned);

    SetLastError(0);
    DWORD r = SuspendThread(go);
    DWORD err = GetLastError();
    ok(r == (DWORD)-1 && err == ERROR_INVALID_HANDLE, "SuspendThread on an event: -1, ERROR_INVALID_HANDLE (%lu)", err);
    CloseHandle(go);
    return done();
}
