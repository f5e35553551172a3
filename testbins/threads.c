/* threads.c - CreateThread and friends: start routines, exit codes,
 * suspended creation, per-thread TLS slots and thread ids, _beginthreadex,
 * and many threads contending on critical sections, SRW locks and events.
 * Expected values from the Microsoft documentation of each function. */
#include <windows.h>
#include <process.h>
#include "tap.h"

static DWORD WINAPI returns_arg(LPVOID p) { return (DWORD)(ULONG_PTR)p; }

static DWORD WINAPI exits_early(LPVOID p)
{
    (void)p;
    ExitThread(77);
    return 1; /* not reached */
}

static volatile LONG ran;
static DWORD WINAPI sets_flag(LPVOID p) { (void)p; InterlockedIncrement(&ran); return 0; }

static DWORD tls_index;
static DWORD WINAPI tls_worker(LPVOID p)
{
    /* A new thread sees NULL in every TLS slot. */
    LPVOID initial = TlsGetValue(tls_index);
    TlsSetValue(tls_index, p);
    Sleep(10);
    return initial == NULL && TlsGetValue(tls_index) == p;
}

static DWORD WINAPI reports_id(LPVOID p) { *(DWORD *)p = GetCurrentThreadId(); return 0; }

static CRITICAL_SECTION cs;
static SRWLOCK srw = SRWLOCK_INIT;
static LONGLONG cs_total, srw_total;
#define ROUNDS 2000
static DWORD WINAPI contend(LPVOID p)
{
    (void)p;
    for (int i = 0; i < ROUNDS; i++) {
        EnterCriticalSection(&cs);
        LONGLONG v = cs_total; /* non-atomic read-modify-write under the lock */
        if (i % 64 == 0) SwitchToThread();
        cs_total = v + 1;
        LeaveCriticalSection(&cs);
        AcquireSRWLockExclusive(&srw);
        srw_total++;
        ReleaseSRWLockExclusive(&srw);
    }
    return 0;
}

static HANDLE ping, pong;
#define BOUNCES 500
static DWORD WINAPI ponger(LPVOID p)
{
    (void)p;
    for (int i = 0; i < BOUNCES; i++) {
        if (WaitForSingleObject(ping, 5000) != WAIT_OBJECT_0) return 1;
        SetEvent(pong);
    }
    return 0;
}

static unsigned __stdcall crt_thread(void *p) { return (unsigned)(ULONG_PTR)p + 1; }

/* FLS: the callback receives each thread's value when the thread ends,
 * and every remaining value when the slot is freed. */
static DWORD fls_index;
static volatile LONG fls_seen_sum, fls_calls;
static void WINAPI fls_callback(PVOID v)
{
    InterlockedExchangeAdd(&fls_seen_sum, (LONG)(ULONG_PTR)v);
    InterlockedIncrement(&fls_calls);
}
static DWORD WINAPI fls_worker(LPVOID p)
{
    if (FlsGetValue(fls_index) != NULL) return 1;
    FlsSetValue(fls_index, p);
    return FlsGetValue(fls_index) == p ? 0 : 2;
}

int main(void)
{
    plan(32);
    DWORD code = 0, id = 0;

    HANDLE h = CreateThread(NULL, 0, returns_arg, (LPVOID)42, 0, &id);
    ok(h != NULL, "CreateThread returns a handle");
    ok(id != 0 && id != GetCurrentThreadId(), "the new thread has its own id");
    is_int(WaitForSingleObject(h, 5000), WAIT_OBJECT_0, "a thread handle is signalled when the thread ends");
    ok(GetExitCodeThread(h, &code) && code == 42, "the start routine's return value is the exit code (%lu)", code);
    is_int(GetThreadId(h), id, "GetThreadId matches the id CreateThread returned");
    CloseHandle(h);

    h = CreateThread(NULL, 0, exits_early, NULL, 0, NULL);
    WaitForSingleObject(h, 5000);
    ok(GetExitCodeThread(h, &code) && code == 77, "ExitThread sets the exit code (%lu)", code);
    CloseHandle(h);

    ran = 0;
    h = CreateThread(NULL, 0, sets_flag, NULL, CREATE_SUSPENDED, NULL);
    Sleep(20);
    is_int(ran, 0, "a thread created suspended does not run");
    ok(GetExitCodeThread(h, &code) && code == STILL_ACTIVE, "its exit code is STILL_ACTIVE (259)");
    is_int(WaitForSingleObject(h, 0), WAIT_TIMEOUT, "its handle is not signalled");
    is_int(ResumeThread(h), 1, "ResumeThread returns the previous suspend count (1)");
    is_int(WaitForSingleObject(h, 5000), WAIT_OBJECT_0, "the resumed thread runs to the end");
    is_int(ran, 1, "... and did its work");
    is_int(ResumeThread(h), 0, "ResumeThread of a thread that is not suspended returns 0");
    CloseHandle(h);

    tls_index = TlsAlloc();
    TlsSetValue(tls_index, (LPVOID)0x1234);
    HANDLE t1 = CreateThread(NULL, 0, tls_worker, (LPVOID)0x1, 0, NULL);
    HANDLE t2 = CreateThread(NULL, 0, tls_worker, (LPVOID)0x2, 0, NULL);
    WaitForSingleObject(t1, 5000);
    WaitForSingleObject(t2, 5000);
    DWORD c1 = 0, c2 = 0;
    GetExitCodeThread(t1, &c1);
    GetExitCodeThread(t2, &c2);
    ok(c1 == 1 && c2 == 1, "TLS slots are per thread and start NULL");
    ok(TlsGetValue(tls_index) == (LPVOID)0x1234, "the main thread's slot is untouched");
    CloseHandle(t1);
    CloseHandle(t2);

    DWORD reported = 0, returned = 0;
    h = CreateThread(NULL, 0, reports_id, &reported, 0, &returned);
    WaitForSingleObject(h, 5000);
    ok(reported == returned && reported != 0, "GetCurrentThreadId in the thread is the id CreateThread returned");
    CloseHandle(h);

    unsigned crt_id = 0;
    HANDLE crt = (HANDLE)_beginthreadex(NULL, 0, crt_thread, (void *)41, 0, &crt_id);
    ok(crt != NULL && crt_id != 0, "_beginthreadex starts a thread");
    WaitForSingleObject(crt, 5000);
    ok(GetExitCodeThread(crt, &code) && code == 42, "its return value is the exit code");
    CloseHandle(crt);

    /* 16 threads contending on a critical section and an SRW lock. */
    InitializeCriticalSection(&cs);
    HANDLE many[16];
    for (int i = 0; i < 16; i++) many[i] = CreateThread(NULL, 0, contend, NULL, 0, NULL);
    int all = 1;
    for (int i = 0; i < 16; i++) {
        all &= WaitForSingleObject(many[i], 30000) == WAIT_OBJECT_0;
        CloseHandle(many[i]);
    }
    ok(all, "16 contending threads all finish");
    ok(cs_total == 16LL * ROUNDS, "the critical section excluded every update (%lld)", cs_total);
    ok(srw_total == 16LL * ROUNDS, "the SRW lock excluded every update (%lld)", srw_total);
    DeleteCriticalSection(&cs);

    /* Event ping-pong between two threads. */
    ping = CreateEventW(NULL, FALSE, FALSE, NULL);
    pong = CreateEventW(NULL, FALSE, FALSE, NULL);
    h = CreateThread(NULL, 0, ponger, NULL, 0, NULL);
    int bounced = 0;
    for (int i = 0; i < BOUNCES; i++) {
        SetEvent(ping);
        if (WaitForSingleObject(pong, 5000) != WAIT_OBJECT_0) break;
        bounced++;
    }
    is_int(bounced, BOUNCES, "auto-reset events carry a ping-pong between threads");
    WaitForSingleObject(h, 5000);
    ok(GetExitCodeThread(h, &code) && code == 0, "the other side saw every ping");
    CloseHandle(h);
    CloseHandle(ping);
    CloseHandle(pong);

    fls_index = FlsAlloc(fls_callback);
    ok(fls_index != FLS_OUT_OF_INDEXES, "FlsAlloc returns an index");
    FlsSetValue(fls_index, (PVOID)100);
    h = CreateThread(NULL, 0, fls_worker, (LPVOID)7, 0, NULL);
    WaitForSingleObject(h, 5000);
    ok(GetExitCodeThread(h, &code) && code == 0, "FLS values are per thread and start NULL");
    CloseHandle(h);
    ok(fls_calls == 1 && fls_seen_sum == 7, "the callback ran with the ending thread's value (%ld calls, sum %ld)", fls_calls, fls_seen_sum);
    ok(FlsGetValue(fls_index) == (PVOID)100, "the main thread's value is untouched");
    ok(FlsFree(fls_index), "FlsFree succeeds");
    ok(fls_calls == 2 && fls_seen_sum == 107, "FlsFree ran the callback for the remaining value");
    SetLastError(0);
    ok(!FlsSetValue(5000, (PVOID)1) && GetLastError() == ERROR_INVALID_PARAMETER,
       "FlsSetValue of an index past the 4080 slots: ERROR_INVALID_PARAMETER (documented)");

    /* Errors. */
    SetLastError(0);
    ok(!GetExitCodeThread((HANDLE)0x1230, &code) && GetLastError() == ERROR_INVALID_HANDLE,
       "GetExitCodeThread of an invalid handle: ERROR_INVALID_HANDLE");
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    SetLastError(0);
    ok(ResumeThread(ev) == (DWORD)-1 && GetLastError() == ERROR_INVALID_HANDLE,
       "ResumeThread of an event: -1, ERROR_INVALID_HANDLE (wrong object type)");
    CloseHandle(ev);
    return done();
}
