/* apc.c - user APCs and alertable waits: QueueUserAPC, SleepEx,
 * WaitForSingleObjectEx, WaitForMultipleObjectsEx. Expected behaviour from
 * the Microsoft documentation ("Asynchronous Procedure Calls", QueueUserAPC,
 * SleepEx): an APC runs only when its thread makes an alertable wait, on
 * that thread, in the order queued; the wait then returns
 * WAIT_IO_COMPLETION. */
#include <windows.h>
#include "tap.h"

static volatile LONG calls;
static ULONG_PTR order[8];
static DWORD ran_on[8];

static VOID CALLBACK record(ULONG_PTR data)
{
    LONG n = InterlockedIncrement(&calls) - 1;
    if (n < 8) {
        order[n] = data;
        ran_on[n] = GetCurrentThreadId();
    }
}

static HANDLE never; /* an event nobody sets */
static HANDLE ready;

static DWORD WINAPI waits_alertably(LPVOID p)
{
    SetEvent(ready);
    return WaitForSingleObjectEx(never, p ? (DWORD)(ULONG_PTR)p : INFINITE, TRUE);
}

static DWORD WINAPI sleeps_alertably(LPVOID p)
{
    (void)p;
    SetEvent(ready);
    return SleepEx(INFINITE, TRUE);
}

static DWORD WINAPI waits_for_all(LPVOID p)
{
    HANDLE two[2] = {never, (HANDLE)p};
    SetEvent(ready);
    return WaitForMultipleObjectsEx(2, two, TRUE, INFINITE, TRUE);
}

static volatile LONG started_after_apc = -1;
static DWORD WINAPI start_routine(LPVOID p)
{
    (void)p;
    started_after_apc = calls;
    return 0;
}

int main(void)
{
    plan(19);
    DWORD me = GetCurrentThreadId();
    never = CreateEventW(NULL, TRUE, FALSE, NULL);
    ready = CreateEventW(NULL, FALSE, FALSE, NULL);

    /* To the current thread: nothing runs until an alertable wait. */
    ok(QueueUserAPC(record, GetCurrentThread(), 11), "QueueUserAPC to the current thread");
    Sleep(10);
    ok(calls == 0, "a non-alertable Sleep does not run it");
    ok(WaitForSingleObject(never, 10) == WAIT_TIMEOUT && calls == 0, "a non-alertable wait does not run it");
    DWORD r = SleepEx(0, TRUE);
    ok(r == WAIT_IO_COMPLETION, "SleepEx(0, TRUE) returns WAIT_IO_COMPLETION (%lu)", r);
    ok(calls == 1 && order[0] == 11 && ran_on[0] == me, "the APC ran once, on this thread, with its data");
    r = SleepEx(30, TRUE);
    ok(r == 0 && calls == 1, "with nothing queued, SleepEx(30, TRUE) times out and returns 0 (%lu)", r);

    /* Several APCs run in the order queued, in one alertable wait. */
    calls = 0;
    QueueUserAPC(record, GetCurrentThread(), 1);
    QueueUserAPC(record, GetCurrentThread(), 2);
    QueueUserAPC(record, GetCurrentThread(), 3);
    r = WaitForSingleObjectEx(never, INFINITE, TRUE);
    ok(r == WAIT_IO_COMPLETION, "WaitForSingleObjectEx(INFINITE, TRUE) is ended by queued APCs (%lu)", r);
    ok(calls == 3 && order[0] == 1 && order[1] == 2 && order[2] == 3, "all three ran, first queued first");

    /* To another thread blocked in an alertable wait. */
    calls = 0;
    HANDLE t = CreateThread(NULL, 0, waits_alertably, NULL, 0, NULL);
    WaitForSingleObject(ready, INFINITE);
    Sleep(20);
    DWORD tid = GetThreadId(t);
    ok(QueueUserAPC(record, t, 42), "QueueUserAPC to a waiting thread");
    ok(WaitForSingleObject(t, 5000) == WAIT_OBJECT_0, "its wait ended");
    DWORD code = 0;
    GetExitCodeThread(t, &code);
    ok(code == WAIT_IO_COMPLETION, "the wait returned WAIT_IO_COMPLETION (%lu)", code);
    ok(calls == 1 && order[0] == 42 && ran_on[0] == tid, "the APC ran on that thread");
    CloseHandle(t);

    /* SleepEx(INFINITE, TRUE) ends with the APC. */
    calls = 0;
    t = CreateThread(NULL, 0, sleeps_alertably, NULL, 0, NULL);
    WaitForSingleObject(ready, INFINITE);
    Sleep(20);
    QueueUserAPC(record, t, 7);
    ok(WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 && GetExitCodeThread(t, &code) && code == WAIT_IO_COMPLETION,
       "SleepEx(INFINITE, TRUE) returns WAIT_IO_COMPLETION (%lu)", code);
    CloseHandle(t);

    /* A WaitAll that is not satisfied is ended by the APC too. */
    calls = 0;
    HANDLE other = CreateEventW(NULL, TRUE, TRUE, NULL);
    t = CreateThread(NULL, 0, waits_for_all, other, 0, NULL);
    WaitForSingleObject(ready, INFINITE);
    Sleep(20);
    QueueUserAPC(record, t, 8);
    ok(WaitForSingleObject(t, 5000) == WAIT_OBJECT_0 && GetExitCodeThread(t, &code) && code == WAIT_IO_COMPLETION,
       "WaitForMultipleObjectsEx(WaitAll, alertable) returns WAIT_IO_COMPLETION (%lu)", code);
    ok(calls == 1, "and the APC ran");
    CloseHandle(t);
    CloseHandle(other);

    /* An alertable wait that times out, with nothing queued. */
    t = CreateThread(NULL, 0, waits_alertably, (LPVOID)30, 0, NULL);
    WaitForSingleObject(t, 5000);
    GetExitCodeThread(t, &code);
    ok(code == WAIT_TIMEOUT, "an alertable wait with no APC times out (%lu)", code);
    CloseHandle(t);

    /* Queued to a thread created suspended: runs before its start routine. */
    calls = 0;
    t = CreateThread(NULL, 0, start_routine, NULL, CREATE_SUSPENDED, NULL);
    QueueUserAPC(record, t, 9);
    ResumeThread(t);
    WaitForSingleObject(t, 5000);
    ok(calls == 1 && started_after_apc == 1, "an APC queued to a suspended new thread runs before its start routine");
    CloseHandle(t);

    /* Bad handles. */
    SetLastError(0);
    BOOL q = QueueUserAPC(record, never, 1);
    DWORD err = GetLastError();
    ok(!q && err == ERROR_INVALID_HANDLE, "QueueUserAPC on an event: ERROR_INVALID_HANDLE (%lu)", err);
    SetLastError(0);
    q = QueueUserAPC(record, (HANDLE)(ULONG_PTR)0x7ff0, 1);
    err = GetLastError();
    ok(!q && err == ERROR_INVALID_HANDLE, "QueueUserAPC on a handle never opened: ERROR_INVALID_HANDLE (%lu)", err);

    CloseHandle(never);
    CloseHandle(ready);
    return done();
}
