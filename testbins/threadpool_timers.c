/* threadpool_timers.c - thread-pool timers (CreateThreadpoolTimer and its
 * family), thread-pool waits (CreateThreadpoolWait and its family) and
 * registered waits (RegisterWaitForSingleObject, UnregisterWait(Ex)).
 * Expected values from the Microsoft documentation of each function
 * (threadpoolapiset.h, winbase.h). */
#include <windows.h>
#include "tap.h"

#define LONG_MS 5000

static DWORD main_thread;
static LARGE_INTEGER qpc_freq;

static double ms_since(LARGE_INTEGER start)
{
    LARGE_INTEGER now;
    QueryPerformanceCounter(&now);
    return (double)(now.QuadPart - start.QuadPart) * 1000.0 / (double)qpc_freq.QuadPart;
}

/* A relative due time or timeout of `ms` milliseconds, as a FILETIME. */
static FILETIME relative_ms(LONGLONG ms)
{
    LONGLONG due = -ms * 10000;
    FILETIME ft;
    ft.dwLowDateTime = (DWORD)due;
    ft.dwHighDateTime = (DWORD)((ULONGLONG)due >> 32);
    return ft;
}

/* Sleeps until *counter reaches at least `want` or `ms` pass. */
static LONG wait_count(volatile LONG *counter, LONG want, DWORD ms)
{
    DWORD start = GetTickCount();
    while (*counter < want && GetTickCount() - start < ms)
        Sleep(5);
    return *counter;
}

/* The Windows 8 additions, looked up so that older systems (and Wine 8)
 * skip their tests rather than fail to load. */
typedef BOOL(WINAPI *set_timer_ex_fn)(PTP_TIMER, PFILETIME, DWORD, DWORD);
typedef BOOL(WINAPI *set_wait_ex_fn)(PTP_WAIT, HANDLE, PFILETIME, PVOID);
static set_timer_ex_fn pSetThreadpoolTimerEx;
static set_wait_ex_fn pSetThreadpoolWaitEx;

static void skip(int n, const char *why)
{
    for (int i = 0; i < n; i++)
        ok(1, "# SKIP %s", why);
}

/* ------------------------------------------------------------------ */
/* Timers. */

static volatile LONG t_count;
static volatile LONG t_bad_args;
static volatile LONG t_on_main;
static volatile LONG t_inside;
static LARGE_INTEGER t_first;
static HANDLE t_fired;
static HANDLE t_started;
static PTP_TIMER t_expected;
static DWORD t_sleep_ms;

static void CALLBACK timer_cb(PTP_CALLBACK_INSTANCE inst, PVOID ctx, PTP_TIMER timer)
{
    (void)inst;
    InterlockedExchange(&t_inside, 1);
    if (InterlockedIncrement(&t_count) == 1)
        QueryPerformanceCounter(&t_first);
    if (ctx != (PVOID)0x1234 || timer != t_expected)
        InterlockedIncrement(&t_bad_args);
    if (GetCurrentThreadId() == main_thread)
        InterlockedIncrement(&t_on_main);
    if (t_started) SetEvent(t_started);
    if (t_sleep_ms) Sleep(t_sleep_ms);
    InterlockedExchange(&t_inside, 0);
    if (t_fired) SetEvent(t_fired);
}

static void reset_timer_state(void)
{
    t_count = 0;
    t_bad_args = 0;
    t_on_main = 0;
    t_inside = 0;
    t_sleep_ms = 0;
}

static void test_one_shot(void)
{
    reset_timer_state();
    t_fired = CreateEventA(NULL, FALSE, FALSE, NULL);
    PTP_TIMER timer = CreateThreadpoolTimer(timer_cb, (PVOID)0x1234, NULL);
    ok(timer != NULL, "CreateThreadpoolTimer succeeds");
    t_expected = timer;
    ok(!IsThreadpoolTimerSet(timer), "a new timer is not set");

    LARGE_INTEGER start;
    QueryPerformanceCounter(&start);
    FILETIME due = relative_ms(100);
    SetThreadpoolTimer(timer, &due, 0, 0);
    ok(IsThreadpoolTimerSet(timer), "IsThreadpoolTimerSet after SetThreadpoolTimer");
    ok(WaitForSingleObject(t_fired, LONG_MS) == WAIT_OBJECT_0, "one-shot timer fires");
    double elapsed = (double)(t_first.QuadPart - start.QuadPart) * 1000.0 /
                     (double)qpc_freq.QuadPart;
    ok(elapsed >= 85.0 && elapsed < 3000.0, "it fires after its due time (%.1f ms for 100)",
       elapsed);
    Sleep(300);
    is_int(t_count, 1, "a one-shot timer fires once");
    is_int(t_bad_args, 0, "callback gets its context and timer");
    is_int(t_on_main, 0, "timer callback runs on another thread");

    SetThreadpoolTimer(timer, NULL, 0, 0);
    ok(!IsThreadpoolTimerSet(timer), "SetThreadpoolTimer(NULL) unsets it");

    /* Zero due time: fires now. */
    t_count = 0;
    FILETIME zero = {0, 0};
    SetThreadpoolTimer(timer, &zero, 0, 0);
    ok(WaitForSingleObject(t_fired, LONG_MS) == WAIT_OBJECT_0, "a due time of 0 fires at once");
    WaitForThreadpoolTimerCallbacks(timer, FALSE);
    CloseThreadpoolTimer(timer);
    CloseHandle(t_fired);
    t_fired = NULL;
}

static void test_periodic(void)
{
    reset_timer_state();
    PTP_TIMER timer = CreateThreadpoolTimer(timer_cb, (PVOID)0x1234, NULL);
    t_expected = timer;
    LARGE_INTEGER start;
    QueryPerformanceCounter(&start);
    FILETIME due = relative_ms(10);
    SetThreadpoolTimer(timer, &due, 20, 0);
    LONG n = wait_count(&t_count, 5, LONG_MS);
    double elapsed = ms_since(start);
    ok(n >= 5, "periodic timer fires repeatedly (%ld times)", (long)n);
    ok(elapsed >= 80.0, "five 20 ms periods take at least 80 ms (%.1f)", elapsed);
    ok(IsThreadpoolTimerSet(timer), "a periodic timer stays set");
    SetThreadpoolTimer(timer, NULL, 0, 0);
    WaitForThreadpoolTimerCallbacks(timer, FALSE);
    LONG stopped = t_count;
    Sleep(200);
    is_int(t_count, stopped, "no callbacks after SetThreadpoolTimer(NULL)");
    is_int(t_bad_args, 0, "periodic callbacks get their context and timer");
    is_int(t_on_main, 0, "periodic callbacks run on other threads");
    CloseThreadpoolTimer(timer);
}

static void test_cancel(void)
{
    reset_timer_state();
    t_started = CreateEventA(NULL, FALSE, FALSE, NULL);
    PTP_TIMER timer = CreateThreadpoolTimer(timer_cb, (PVOID)0x1234, NULL);
    t_expected = timer;

    /* A callback that is running: waited for, even when cancelling. */
    t_sleep_ms = 200;
    FILETIME due = relative_ms(20);
    SetThreadpoolTimer(timer, &due, 0, 0);
    ok(WaitForSingleObject(t_started, LONG_MS) == WAIT_OBJECT_0, "timer callback starts");
    SetThreadpoolTimer(timer, NULL, 0, 0);
    WaitForThreadpoolTimerCallbacks(timer, TRUE);
    is_int(t_inside, 0, "WaitForThreadpoolTimerCallbacks(TRUE) waits for the running callback");

    /* A timer that has not expired: cancelled, never calls back. */
    t_count = 0;
    t_sleep_ms = 0;
    due = relative_ms(100);
    SetThreadpoolTimer(timer, &due, 0, 0);
    SetThreadpoolTimer(timer, NULL, 0, 0);
    WaitForThreadpoolTimerCallbacks(timer, TRUE);
    Sleep(300);
    is_int(t_count, 0, "a cancelled timer does not call back");

    /* SetThreadpoolTimerEx reports whether it cancelled a set timer. */
    due = relative_ms(10000);
    if (pSetThreadpoolTimerEx) {
        ok(!pSetThreadpoolTimerEx(timer, &due, 0, 0),
           "SetThreadpoolTimerEx on an unset timer: FALSE");
        ok(pSetThreadpoolTimerEx(timer, NULL, 0, 0),
           "SetThreadpoolTimerEx cancelling a set timer: TRUE");
        ok(!pSetThreadpoolTimerEx(timer, NULL, 0, 0), "SetThreadpoolTimerEx again: FALSE");
    } else {
        skip(3, "no SetThreadpoolTimerEx");
    }
    CloseThreadpoolTimer(timer);
    CloseHandle(t_started);
    t_started = NULL;
}

/* ------------------------------------------------------------------ */
/* Thread-pool waits. */

static volatile LONG w_count;
static volatile LONG w_bad;
static volatile DWORD w_result;
static HANDLE w_done;
static PTP_WAIT w_expected;

static void CALLBACK wait_cb(PTP_CALLBACK_INSTANCE inst, PVOID ctx, PTP_WAIT wait,
                             TP_WAIT_RESULT result)
{
    (void)inst;
    if (ctx != (PVOID)0x5678 || wait != w_expected || GetCurrentThreadId() == main_thread)
        InterlockedIncrement(&w_bad);
    w_result = result;
    InterlockedIncrement(&w_count);
    SetEvent(w_done);
}

static void test_wait(void)
{
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    w_done = CreateEventA(NULL, FALSE, FALSE, NULL);
    PTP_WAIT wait = CreateThreadpoolWait(wait_cb, (PVOID)0x5678, NULL);
    ok(wait != NULL, "CreateThreadpoolWait succeeds");
    w_expected = wait;

    SetThreadpoolWait(wait, ev, NULL);
    Sleep(100);
    is_int(w_count, 0, "no callback before the event is set");
    SetEvent(ev);
    ok(WaitForSingleObject(w_done, LONG_MS) == WAIT_OBJECT_0, "wait callback runs on signal");
    is_int(w_result, WAIT_OBJECT_0, "it gets WAIT_OBJECT_0");
    SetEvent(ev);
    Sleep(200);
    is_int(w_count, 1, "a wait fires once per SetThreadpoolWait");
    ok(WaitForSingleObject(ev, 0) == WAIT_OBJECT_0, "the second signal was left alone");

    HANDLE never = CreateEventA(NULL, TRUE, FALSE, NULL);
    FILETIME timeout = relative_ms(50);
    LARGE_INTEGER start;
    QueryPerformanceCounter(&start);
    SetThreadpoolWait(wait, never, &timeout);
    ok(WaitForSingleObject(w_done, LONG_MS) == WAIT_OBJECT_0, "wait callback runs on timeout");
    double elapsed = ms_since(start);
    is_int(w_result, WAIT_TIMEOUT, "it gets WAIT_TIMEOUT");
    ok(elapsed >= 40.0, "after the timeout (%.1f ms for 50)", elapsed);

    /* Re-armed and then cancelled: no callback. */
    w_count = 0;
    SetThreadpoolWait(wait, never, NULL);
    if (pSetThreadpoolWaitEx)
        ok(pSetThreadpoolWaitEx(wait, NULL, NULL, NULL), "SetThreadpoolWaitEx cancelling: TRUE");
    else {
        SetThreadpoolWait(wait, NULL, NULL);
        skip(1, "no SetThreadpoolWaitEx");
    }
    SetEvent(never);
    Sleep(200);
    is_int(w_count, 0, "a cancelled wait does not call back");
    WaitForThreadpoolWaitCallbacks(wait, FALSE);
    is_int(w_bad, 0, "wait callbacks get their arguments, on other threads");
    CloseThreadpoolWait(wait);
    CloseHandle(never);
    CloseHandle(ev);
    CloseHandle(w_done);
}

/* ------------------------------------------------------------------ */
/* Registered waits. */

static volatile LONG r_count;
static volatile LONG r_timeouts;
static volatile LONG r_on_main;
static volatile LONG r_finished;
static HANDLE r_sem;
static HANDLE r_started;
static DWORD r_sleep_ms;

static void CALLBACK reg_cb(PVOID ctx, BOOLEAN timed_out)
{
    (void)ctx;
    if (GetCurrentThreadId() == main_thread)
        InterlockedIncrement(&r_on_main);
    if (timed_out)
        InterlockedIncrement(&r_timeouts);
    if (r_started) SetEvent(r_started);
    if (r_sleep_ms) Sleep(r_sleep_ms);
    InterlockedIncrement(&r_count);
    r_finished = 1;
    if (r_sem) ReleaseSemaphore(r_sem, 1, NULL);
}

static void reset_reg_state(void)
{
    r_count = 0;
    r_timeouts = 0;
    r_finished = 0;
    r_sleep_ms = 0;
}

static void test_register(void)
{
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    r_sem = CreateSemaphoreA(NULL, 0, 100, NULL);
    HANDLE h = NULL;

    /* WT_EXECUTEONLYONCE: one callback. */
    reset_reg_state();
    ok(RegisterWaitForSingleObject(&h, ev, reg_cb, NULL, INFINITE, WT_EXECUTEONLYONCE),
       "RegisterWaitForSingleObject(WT_EXECUTEONLYONCE)");
    SetEvent(ev);
    ok(WaitForSingleObject(r_sem, LONG_MS) == WAIT_OBJECT_0, "callback on signal");
    SetEvent(ev);
    Sleep(200);
    is_int(r_count, 1, "WT_EXECUTEONLYONCE calls back once");
    ok(UnregisterWaitEx(h, INVALID_HANDLE_VALUE), "UnregisterWaitEx(INVALID_HANDLE_VALUE)");
    ResetEvent(ev);

    /* Without it: one callback per signal of an auto-reset event. */
    reset_reg_state();
    ok(RegisterWaitForSingleObject(&h, ev, reg_cb, NULL, INFINITE, WT_EXECUTEDEFAULT),
       "RegisterWaitForSingleObject(WT_EXECUTEDEFAULT)");
    int got = 0;
    for (int i = 0; i < 3; i++) {
        SetEvent(ev);
        if (WaitForSingleObject(r_sem, LONG_MS) == WAIT_OBJECT_0) got++;
    }
    is_int(got, 3, "a callback for each of three signals");
    is_int(r_timeouts, 0, "TimerOrWaitFired is FALSE for signals");
    ok(UnregisterWaitEx(h, INVALID_HANDLE_VALUE), "unregistered");
    SetEvent(ev);
    Sleep(100);
    is_int(r_count, 3, "no callback after UnregisterWaitEx");
    ResetEvent(ev);

    /* Timeouts re-arm too. */
    reset_reg_state();
    ok(RegisterWaitForSingleObject(&h, ev, reg_cb, NULL, 30, WT_EXECUTEDEFAULT),
       "RegisterWaitForSingleObject with a 30 ms timeout");
    LONG n = wait_count(&r_timeouts, 3, LONG_MS);
    ok(n >= 3, "the timeout calls back repeatedly with TimerOrWaitFired TRUE (%ld)", (long)n);
    ok(UnregisterWaitEx(h, INVALID_HANDLE_VALUE), "unregistered");
    while (WaitForSingleObject(r_sem, 0) == WAIT_OBJECT_0) {
    }

    /* UnregisterWaitEx(INVALID_HANDLE_VALUE) waits for a running callback. */
    reset_reg_state();
    r_started = CreateEventA(NULL, FALSE, FALSE, NULL);
    r_sleep_ms = 300;
    ok(RegisterWaitForSingleObject(&h, ev, reg_cb, NULL, INFINITE, WT_EXECUTEONLYONCE),
       "registered a slow callback");
    SetEvent(ev);
    ok(WaitForSingleObject(r_started, LONG_MS) == WAIT_OBJECT_0, "slow callback started");
    ok(UnregisterWaitEx(h, INVALID_HANDLE_VALUE), "UnregisterWaitEx(INVALID_HANDLE_VALUE)");
    is_int(r_finished, 1, "it returned only after the callback finished");

    /* With an event: the event is set when the callback is done. */
    reset_reg_state();
    r_sleep_ms = 200;
    HANDLE done = CreateEventA(NULL, TRUE, FALSE, NULL);
    RegisterWaitForSingleObject(&h, ev, reg_cb, NULL, INFINITE, WT_EXECUTEONLYONCE);
    SetEvent(ev);
    WaitForSingleObject(r_started, LONG_MS);
    UnregisterWaitEx(h, done);
    ok(WaitForSingleObject(done, LONG_MS) == WAIT_OBJECT_0 && r_finished,
       "UnregisterWaitEx(event) sets the event after the callback");
    CloseHandle(done);

    /* UnregisterWait while a callback runs: FALSE with ERROR_IO_PENDING. */
    reset_reg_state();
    r_sleep_ms = 200;
    RegisterWaitForSingleObject(&h, ev, reg_cb, NULL, INFINITE, WT_EXECUTEONLYONCE);
    SetEvent(ev);
    WaitForSingleObject(r_started, LONG_MS);
    SetLastError(0);
    BOOL res = UnregisterWait(h);
    DWORD err = GetLastError();
    ok(!res && err == ERROR_IO_PENDING,
       "UnregisterWait with a running callback: FALSE, ERROR_IO_PENDING (%d, %lu)", res,
       (unsigned long)err);
    wait_count(&r_finished, 1, LONG_MS);
    Sleep(50);
    is_int(r_on_main, 0, "registered-wait callbacks run on other threads");

    CloseHandle(r_started);
    r_started = NULL;
    CloseHandle(r_sem);
    r_sem = NULL;
    CloseHandle(ev);
}

int main(void)
{
    main_thread = GetCurrentThreadId();
    QueryPerformanceFrequency(&qpc_freq);
    HMODULE k32 = GetModuleHandleA("kernel32.dll");
    pSetThreadpoolTimerEx = (set_timer_ex_fn)(void *)GetProcAddress(k32, "SetThreadpoolTimerEx");
    pSetThreadpoolWaitEx = (set_wait_ex_fn)(void *)GetProcAddress(k32, "SetThreadpoolWaitEx");
    test_one_shot();
    test_periodic();
    test_cancel();
    test_wait();
    test_register();
    return done();
}
