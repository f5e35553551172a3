/* timers.c - waitable timers: CreateWaitableTimer(Ex), SetWaitableTimer
 * with relative and absolute due times, periods and completion routines,
 * CancelWaitableTimer. Expected behaviour from the Microsoft documentation
 * ("Waitable Timer Objects", SetWaitableTimer): setting a timer makes it
 * non-signalled; a manual-reset timer then stays signalled, a
 * synchronization timer releases one wait; a periodic timer signals again
 * every period until cancelled; cancelling does not change the signal
 * state; a completion routine runs as an APC on the thread that set the
 * timer, in an alertable wait. */
#include <windows.h>
#include "tap.h"

static LONGLONG ms_now(void)
{
    LARGE_INTEGER c, f;
    QueryPerformanceCounter(&c);
    QueryPerformanceFrequency(&f);
    return c.QuadPart * 1000 / f.QuadPart;
}

static LARGE_INTEGER relative_ms(LONGLONG ms)
{
    LARGE_INTEGER due;
    due.QuadPart = -ms * 10000;
    return due;
}

static volatile LONG completions;
static LPVOID completion_arg;
static ULONGLONG completion_time;
static DWORD completion_thread;

static VOID CALLBACK on_timer(LPVOID arg, DWORD low, DWORD high)
{
    InterlockedIncrement(&completions);
    completion_arg = arg;
    completion_time = ((ULONGLONG)high << 32) | low;
    completion_thread = GetCurrentThreadId();
}

int main(void)
{
    plan(24);
    LARGE_INTEGER due;

    /* Manual reset, relative due time. */
    HANDLE manual = CreateWaitableTimerW(NULL, TRUE, NULL);
    ok(manual != NULL, "CreateWaitableTimerW (manual reset)");
    ok(WaitForSingleObject(manual, 0) == WAIT_TIMEOUT, "a new timer is not signalled");
    due = relative_ms(60);
    LONGLONG start = ms_now();
    ok(SetWaitableTimer(manual, &due, 0, NULL, NULL, FALSE), "SetWaitableTimer, 60 ms from now");
    ok(WaitForSingleObject(manual, 0) == WAIT_TIMEOUT, "not signalled before its due time");
    DWORD r = WaitForSingleObject(manual, 5000);
    LONGLONG took = ms_now() - start;
    ok(r == WAIT_OBJECT_0 && took >= 50 && took < 2000, "signalled at its due time (%lld ms)", took);
    ok(WaitForSingleObject(manual, 0) == WAIT_OBJECT_0, "a manual-reset timer stays signalled");
    ok(CancelWaitableTimer(manual) && WaitForSingleObject(manual, 0) == WAIT_OBJECT_0,
       "cancelling does not change the signal state");
    due = relative_ms(10000);
    SetWaitableTimer(manual, &due, 0, NULL, NULL, FALSE);
    ok(WaitForSingleObject(manual, 0) == WAIT_TIMEOUT, "setting it again makes it non-signalled");
    CancelWaitableTimer(manual);

    /* Synchronization timer: one wait per firing. */
    HANDLE sync = CreateWaitableTimerExW(NULL, NULL, 0, TIMER_ALL_ACCESS);
    ok(sync != NULL, "CreateWaitableTimerExW (synchronization)");
    due = relative_ms(20);
    SetWaitableTimer(sync, &due, 0, NULL, NULL, FALSE);
    ok(WaitForSingleObject(sync, 5000) == WAIT_OBJECT_0, "the synchronization timer fires");
    ok(WaitForSingleObject(sync, 50) == WAIT_TIMEOUT, "and released only that one wait");

    /* Periodic. */
    due = relative_ms(10);
    start = ms_now();
    ok(SetWaitableTimer(sync, &due, 25, NULL, NULL, FALSE), "SetWaitableTimer with a 25 ms period");
    int fired = 0;
    for (int i = 0; i < 5; i++)
        fired += WaitForSingleObject(sync, 5000) == WAIT_OBJECT_0;
    took = ms_now() - start;
    ok(fired == 5 && took >= 100, "five firings, one period apart (%lld ms)", took);
    CancelWaitableTimer(sync);
    ok(WaitForSingleObject(sync, 120) == WAIT_TIMEOUT, "no more after CancelWaitableTimer");

    /* Absolute due time: a FILETIME 40 ms from now. */
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    due.LowPart = ft.dwLowDateTime;
    due.HighPart = (LONG)ft.dwHighDateTime;
    due.QuadPart += 40 * 10000;
    start = ms_now();
    SetWaitableTimer(sync, &due, 0, NULL, NULL, FALSE);
    r = WaitForSingleObject(sync, 5000);
    took = ms_now() - start;
    ok(r == WAIT_OBJECT_0 && took >= 25, "an absolute due time (%lld ms)", took);

    /* WaitAny on two timers: the earlier one wins. */
    HANDLE later = CreateWaitableTimerW(NULL, TRUE, NULL);
    HANDLE two[2] = {later, manual};
    due = relative_ms(500);
    SetWaitableTimer(later, &due, 0, NULL, NULL, FALSE);
    due = relative_ms(30);
    SetWaitableTimer(manual, &due, 0, NULL, NULL, FALSE);
    r = WaitForMultipleObjects(2, two, FALSE, 5000);
    ok(r == WAIT_OBJECT_0 + 1, "WaitForMultipleObjects returns the timer due first (%lu)", r);
    CancelWaitableTimer(later);

    /* Completion routine: an APC to this thread. */
    due = relative_ms(20);
    ok(SetWaitableTimer(sync, &due, 0, on_timer, (LPVOID)0x1234, FALSE), "SetWaitableTimer with a completion routine");
    Sleep(60);
    ok(completions == 0, "the routine does not run outside an alertable wait");
    GetSystemTimeAsFileTime(&ft);
    ULONGLONG now = ((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    r = SleepEx(5000, TRUE);
    ok(r == WAIT_IO_COMPLETION && completions == 1, "SleepEx(alertable) runs it and returns WAIT_IO_COMPLETION (%lu)", r);
    ok(completion_arg == (LPVOID)0x1234 && completion_thread == GetCurrentThreadId(),
       "with its argument, on the thread that set the timer");
    ok(completion_time <= now && now - completion_time < 50000000ull,
       "the time values are the FILETIME it fired");

    /* Names and wrong handles. */
    HANDLE n1 = CreateWaitableTimerW(NULL, FALSE, L"casement-timers-test");
    HANDLE n2 = CreateWaitableTimerW(NULL, FALSE, L"casement-timers-test");
    DWORD err = GetLastError();
    ok(n1 && n2 && err == ERROR_ALREADY_EXISTS, "a second create of a named timer opens it: ERROR_ALREADY_EXISTS (%lu)", err);
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    due = relative_ms(10);
    SetLastError(0);
    BOOL b = SetWaitableTimer(ev, &due, 0, NULL, NULL, FALSE);
    err = GetLastError();
    ok(!b && err == ERROR_INVALID_HANDLE, "SetWaitableTimer on an event: ERROR_INVALID_HANDLE (%lu)", err);
    SetLastError(0);
    b = SetWaitableTimer(sync, &due, -1, NULL, NULL, FALSE);
    err = GetLastError();
    ok(!b && err == ERROR_INVALID_PARAMETER, "a negative period: ERROR_INVALID_PARAMETER (%lu)", err);

    CloseHandle(ev);
    CloseHandle(n1);
    CloseHandle(n2);
    CloseHandle(later);
    CloseHandle(sync);
    CloseHandle(manual);
    return done();
}
