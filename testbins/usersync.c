/* usersync.c - user-mode synchronization: condition variables with critical
 * sections and SRW locks, one-time initialization, WaitOnAddress and
 * interlocked singly linked lists, alone and with many threads.
 * Expected values from the Microsoft documentation of each function
 * (synchapi.h, interlockedapi.h, winnt.h). */
#include <windows.h>
#include "tap.h"

#define JOIN_MS 30000

static HANDLE start(LPTHREAD_START_ROUTINE fn, void *arg)
{
    return CreateThread(NULL, 0, fn, arg, 0, NULL);
}

/* Waits for every thread; TRUE when all ended in time with exit code 0. */
static BOOL join(HANDLE *h, int n)
{
    BOOL all = TRUE;
    for (int i = 0; i < n; i++) {
        DWORD code = 1;
        if (!h[i] || WaitForSingleObject(h[i], JOIN_MS) != WAIT_OBJECT_0 ||
            !GetExitCodeThread(h[i], &code) || code != 0)
            all = FALSE;
        if (h[i]) CloseHandle(h[i]);
    }
    return all;
}

/* ------------------------------------------------------------------ */
/* Condition variables: a bounded queue, with a critical section or an
 * SRW lock, producers and consumers waking one another one at a time. */

#define QSIZE 4
#define PRODUCERS 3
#define CONSUMERS 3
#define ITEMS 5000

static CRITICAL_SECTION q_cs;
static SRWLOCK q_srw = SRWLOCK_INIT;
static CONDITION_VARIABLE q_notempty = CONDITION_VARIABLE_INIT;
static CONDITION_VARIABLE q_notfull = CONDITION_VARIABLE_INIT;
static int q_use_srw;
static int q_items[QSIZE], q_head, q_count, q_producers_left;
static LONGLONG q_sum;
static LONG q_taken;
static volatile LONG q_errors;

static void q_lock(void) { if (q_use_srw) AcquireSRWLockExclusive(&q_srw); else EnterCriticalSection(&q_cs); }
static void q_unlock(void) { if (q_use_srw) ReleaseSRWLockExclusive(&q_srw); else LeaveCriticalSection(&q_cs); }
static void q_sleep(CONDITION_VARIABLE *cv)
{
    BOOL r = q_use_srw ? SleepConditionVariableSRW(cv, &q_srw, INFINITE, 0)
                       : SleepConditionVariableCS(cv, &q_cs, INFINITE);
    if (!r) InterlockedIncrement(&q_errors);
}

static DWORD WINAPI q_producer(LPVOID p)
{
    int base = (int)(ULONG_PTR)p * ITEMS;
    for (int i = 1; i <= ITEMS; i++) {
        q_lock();
        while (q_count == QSIZE) q_sleep(&q_notfull);
        q_items[(q_head + q_count++) % QSIZE] = base + i;
        q_unlock();
        WakeConditionVariable(&q_notempty);
    }
    q_lock();
    if (--q_producers_left == 0) {
        q_unlock();
        WakeAllConditionVariable(&q_notempty);
    } else {
        q_unlock();
    }
    return 0;
}

static DWORD WINAPI q_consumer(LPVOID p)
{
    (void)p;
    for (;;) {
        q_lock();
        while (q_count == 0 && q_producers_left > 0) q_sleep(&q_notempty);
        if (q_count == 0) {
            q_unlock();
            return 0;
        }
        int v = q_items[q_head];
        q_head = (q_head + 1) % QSIZE;
        q_count--;
        q_sum += v;
        q_taken++;
        q_unlock();
        WakeConditionVariable(&q_notfull);
    }
}

static void test_queue(int use_srw)
{
    const char *with = use_srw ? "an SRW lock" : "a critical section";
    HANDLE h[PRODUCERS + CONSUMERS];
    q_use_srw = use_srw;
    q_head = q_count = 0;
    q_producers_left = PRODUCERS;
    q_sum = 0;
    q_taken = 0;
    q_errors = 0;
    for (int i = 0; i < CONSUMERS; i++) h[i] = start(q_consumer, NULL);
    for (int i = 0; i < PRODUCERS; i++) h[CONSUMERS + i] = start(q_producer, (void *)(ULONG_PTR)i);
    ok(join(h, PRODUCERS + CONSUMERS), "producers and consumers over %s finish (no lost wake-up)", with);
    LONGLONG n = (LONGLONG)PRODUCERS * ITEMS;
    is_int(q_taken, n, "every item produced under %s is consumed once", with);
    is_int(q_sum, n * (n + 1) / 2, "the consumed items under %s are exactly the produced ones", with);
    is_int(q_errors, 0, "SleepConditionVariable%s with INFINITE never fails", use_srw ? "SRW" : "CS");
}

/* Two threads taking turns: each wake is for exactly one sleeper, so one
 * lost wake-up stops the game. */
#define TURNS 20000
static CRITICAL_SECTION pp_cs;
static SRWLOCK pp_srw = SRWLOCK_INIT;
static CONDITION_VARIABLE pp_cv = CONDITION_VARIABLE_INIT;
static int pp_turn, pp_use_srw;

static DWORD WINAPI pp_player(LPVOID p)
{
    int me = (int)(ULONG_PTR)p;
    for (int i = 0; i < TURNS; i++) {
        if (pp_use_srw) AcquireSRWLockExclusive(&pp_srw); else EnterCriticalSection(&pp_cs);
        while (pp_turn != me) {
            if (pp_use_srw) SleepConditionVariableSRW(&pp_cv, &pp_srw, INFINITE, 0);
            else SleepConditionVariableCS(&pp_cv, &pp_cs, INFINITE);
        }
        pp_turn = !me;
        if (pp_use_srw) ReleaseSRWLockExclusive(&pp_srw); else LeaveCriticalSection(&pp_cs);
        WakeConditionVariable(&pp_cv);
    }
    return 0;
}

static void test_ping_pong(int use_srw)
{
    HANDLE h[2];
    pp_use_srw = use_srw;
    pp_turn = 0;
    h[0] = start(pp_player, (void *)0);
    h[1] = start(pp_player, (void *)1);
    ok(join(h, 2), "%d turns taken in alternation over a condition variable with %s", 2 * TURNS,
       use_srw ? "an SRW lock" : "a critical section");
}

/* Readers sleeping with CONDITION_VARIABLE_LOCKMODE_SHARED. */
#define READERS 4
static SRWLOCK rd_srw = SRWLOCK_INIT;
static CONDITION_VARIABLE rd_cv = CONDITION_VARIABLE_INIT;
static volatile LONG rd_waiting, rd_woken, rd_flag;

static DWORD WINAPI rd_reader(LPVOID p)
{
    (void)p;
    AcquireSRWLockShared(&rd_srw);
    InterlockedIncrement(&rd_waiting);
    while (!rd_flag)
        SleepConditionVariableSRW(&rd_cv, &rd_srw, INFINITE, CONDITION_VARIABLE_LOCKMODE_SHARED);
    InterlockedIncrement(&rd_woken);
    ReleaseSRWLockShared(&rd_srw);
    return 0;
}

static void test_shared_sleepers(void)
{
    HANDLE h[READERS];
    for (int i = 0; i < READERS; i++) h[i] = start(rd_reader, NULL);
    DWORD t0 = GetTickCount();
    while (rd_waiting < READERS && GetTickCount() - t0 < JOIN_MS) Sleep(1);
    /* Every sleeper has let go of its shared hold: the writer gets in. */
    BOOL got = FALSE;
    while (!(got = TryAcquireSRWLockExclusive(&rd_srw)) && GetTickCount() - t0 < JOIN_MS) Sleep(1);
    ok(got, "shared sleepers release the SRW lock while they sleep");
    rd_flag = 1;
    if (got) ReleaseSRWLockExclusive(&rd_srw);
    WakeAllConditionVariable(&rd_cv);
    ok(join(h, READERS), "WakeAllConditionVariable wakes every shared sleeper");
    is_int(rd_woken, READERS, "each shared sleeper reacquired the lock and saw the change");
}

static void test_condvar_timeouts(void)
{
    CONDITION_VARIABLE cv;
    CRITICAL_SECTION cs;
    SRWLOCK srw = SRWLOCK_INIT;
    InitializeConditionVariable(&cv);
    ok(cv.Ptr == NULL, "InitializeConditionVariable sets CONDITION_VARIABLE_INIT");
    ok(sizeof(cv) == sizeof(void *), "a CONDITION_VARIABLE is one pointer");

    InitializeCriticalSection(&cs);
    EnterCriticalSection(&cs);
    EnterCriticalSection(&cs);
    SetLastError(0xdeadbeef);
    ULONGLONG t0 = GetTickCount64();
    BOOL r = SleepConditionVariableCS(&cv, &cs, 100);
    DWORD err = GetLastError();
    ULONGLONG elapsed = GetTickCount64() - t0;
    ok(!r && err == ERROR_TIMEOUT, "SleepConditionVariableCS times out: FALSE, ERROR_TIMEOUT (r=%d err=%lu)", r, err);
    ok(elapsed >= 80 && elapsed < 5000, "... after about the 100 ms asked for (%llu ms)", elapsed);
    ok(cs.OwningThread == (HANDLE)(ULONG_PTR)GetCurrentThreadId() && cs.RecursionCount == 2,
       "... and returns with the critical section entered again to the same depth (%ld)", cs.RecursionCount);
    LeaveCriticalSection(&cs);
    LeaveCriticalSection(&cs);

    /* A wake with no sleeper is not remembered. */
    WakeConditionVariable(&cv);
    WakeAllConditionVariable(&cv);
    EnterCriticalSection(&cs);
    SetLastError(0xdeadbeef);
    r = SleepConditionVariableCS(&cv, &cs, 20);
    ok(!r && GetLastError() == ERROR_TIMEOUT, "an earlier wake with nobody asleep does not end a later sleep");
    LeaveCriticalSection(&cs);
    DeleteCriticalSection(&cs);

    AcquireSRWLockExclusive(&srw);
    SetLastError(0xdeadbeef);
    r = SleepConditionVariableSRW(&cv, &srw, 0, 0);
    ok(!r && GetLastError() == ERROR_TIMEOUT, "SleepConditionVariableSRW with 0 ms: FALSE, ERROR_TIMEOUT");
    ok(!TryAcquireSRWLockShared(&srw), "... and returns holding the lock exclusively");
    ReleaseSRWLockExclusive(&srw);

    AcquireSRWLockShared(&srw);
    SetLastError(0xdeadbeef);
    t0 = GetTickCount64();
    r = SleepConditionVariableSRW(&cv, &srw, 50, CONDITION_VARIABLE_LOCKMODE_SHARED);
    err = GetLastError();
    elapsed = GetTickCount64() - t0;
    ok(!r && err == ERROR_TIMEOUT && elapsed >= 30,
       "a shared SleepConditionVariableSRW times out with ERROR_TIMEOUT (r=%d err=%lu, %llu ms)", r, err, elapsed);
    ok(!TryAcquireSRWLockExclusive(&srw), "... and returns holding the lock shared");
    ReleaseSRWLockShared(&srw);
    ok(TryAcquireSRWLockExclusive(&srw), "... once, so one release frees it");
    ReleaseSRWLockExclusive(&srw);
}

/* ------------------------------------------------------------------ */
/* One-time initialization. */

#define RACERS 8
static INIT_ONCE race_once = INIT_ONCE_STATIC_INIT;
static volatile LONG race_calls, race_go, race_bad;

static BOOL CALLBACK race_init(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    InterlockedIncrement(&race_calls);
    Sleep(50); /* the others arrive meanwhile and must wait */
    *ctx = param;
    return TRUE;
}

static DWORD WINAPI racer(LPVOID p)
{
    (void)p;
    void *ctx = NULL;
    while (!race_go) SwitchToThread();
    if (!InitOnceExecuteOnce(&race_once, race_init, (void *)0x1230, &ctx) || ctx != (void *)0x1230)
        InterlockedIncrement(&race_bad);
    return 0;
}

static int fail_calls;
static BOOL CALLBACK fails_once(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once; (void)param;
    *ctx = (void *)0x40;
    return ++fail_calls > 1;
}

static INIT_ONCE blk_once;
static BOOL blk_ret, blk_pending;
static void *blk_ctx;
static DWORD WINAPI blk_begin(LPVOID p)
{
    (void)p;
    blk_ctx = NULL;
    blk_ret = InitOnceBeginInitialize(&blk_once, 0, &blk_pending, &blk_ctx);
    return 0;
}

static void test_init_once(void)
{
    HANDLE h[RACERS];
    for (int i = 0; i < RACERS; i++) h[i] = start(racer, NULL);
    race_go = 1;
    ok(join(h, RACERS), "%d threads race through InitOnceExecuteOnce", RACERS);
    is_int(race_calls, 1, "the init callback ran exactly once");
    is_int(race_bad, 0, "every racer got TRUE and the callback's context");

    INIT_ONCE once;
    once.Ptr = (void *)0xdeadbeef;
    InitOnceInitialize(&once);
    ok(once.Ptr == NULL, "InitOnceInitialize sets INIT_ONCE_STATIC_INIT");
    void *ctx = NULL;
    SetLastError(0xdeadbeef);
    BOOL r = InitOnceExecuteOnce(&once, fails_once, NULL, &ctx);
    ok(!r && GetLastError() == 0xdeadbeef, "a failing callback makes InitOnceExecuteOnce FALSE (last error untouched)");
    ok(once.Ptr == NULL, "... and leaves it uninitialized");
    r = InitOnceExecuteOnce(&once, fails_once, NULL, &ctx);
    ok(r && fail_calls == 2 && ctx == (void *)0x40, "the next caller runs the callback again and succeeds");
    r = InitOnceExecuteOnce(&once, fails_once, NULL, &ctx);
    ok(r && fail_calls == 2, "after success the callback is not called again");

    /* InitOnceBeginInitialize / InitOnceComplete. */
    BOOL pending = 7;
    InitOnceInitialize(&once);
    SetLastError(0xdeadbeef);
    r = InitOnceBeginInitialize(&once, INIT_ONCE_CHECK_ONLY, &pending, &ctx);
    ok(!r && GetLastError() == ERROR_GEN_FAILURE && pending == 7,
       "INIT_ONCE_CHECK_ONLY before initialization: FALSE, ERROR_GEN_FAILURE (err=%lu)", GetLastError());
    SetLastError(0xdeadbeef);
    r = InitOnceBeginInitialize(&once, INIT_ONCE_CHECK_ONLY | INIT_ONCE_ASYNC, &pending, &ctx);
    ok(!r && GetLastError() == ERROR_INVALID_PARAMETER, "INIT_ONCE_CHECK_ONLY with INIT_ONCE_ASYNC: ERROR_INVALID_PARAMETER");
    r = InitOnceBeginInitialize(&once, 0, &pending, &ctx);
    ok(r && pending, "a synchronous begin: TRUE, pending");
    SetLastError(0xdeadbeef);
    r = InitOnceBeginInitialize(&once, INIT_ONCE_ASYNC, &pending, &ctx);
    ok(!r && GetLastError() == ERROR_INVALID_PARAMETER, "an asynchronous begin during a synchronous one: ERROR_INVALID_PARAMETER");
    SetLastError(0xdeadbeef);
    r = InitOnceComplete(&once, 0, (void *)0x1231);
    ok(!r && GetLastError() == ERROR_INVALID_PARAMETER, "a context with the INIT_ONCE_CTX_RESERVED_BITS set: ERROR_INVALID_PARAMETER");
    SetLastError(0xdeadbeef);
    r = InitOnceComplete(&once, INIT_ONCE_INIT_FAILED | INIT_ONCE_ASYNC, NULL);
    ok(!r && GetLastError() == ERROR_INVALID_PARAMETER, "INIT_ONCE_INIT_FAILED with INIT_ONCE_ASYNC: ERROR_INVALID_PARAMETER");
    r = InitOnceComplete(&once, 0, (void *)0x1230);
    ok(r, "InitOnceComplete succeeds");
    ctx = NULL;
    pending = 7;
    r = InitOnceBeginInitialize(&once, INIT_ONCE_CHECK_ONLY, &pending, &ctx);
    ok(r && !pending && ctx == (void *)0x1230, "INIT_ONCE_CHECK_ONLY afterwards: TRUE, not pending, the context");
    ctx = NULL;
    r = InitOnceBeginInitialize(&once, 0, &pending, &ctx);
    ok(r && !pending && ctx == (void *)0x1230, "a begin afterwards: TRUE, not pending, the context");
    SetLastError(0xdeadbeef);
    r = InitOnceComplete(&once, 0, (void *)0x2000);
    ok(!r, "completing twice fails");

    InitOnceInitialize(&once);
    SetLastError(0xdeadbeef);
    r = InitOnceComplete(&once, INIT_ONCE_INIT_FAILED, NULL);
    ok(!r && GetLastError() == ERROR_GEN_FAILURE, "INIT_ONCE_INIT_FAILED with nothing begun: ERROR_GEN_FAILURE");

    /* Asynchronous: several may begin, the first completion wins. */
    InitOnceInitialize(&once);
    BOOL p1 = FALSE, p2 = FALSE;
    r = InitOnceBeginInitialize(&once, INIT_ONCE_ASYNC, &p1, NULL) &&
        InitOnceBeginInitialize(&once, INIT_ONCE_ASYNC, &p2, NULL);
    ok(r && p1 && p2, "two INIT_ONCE_ASYNC begins are both pending");
    SetLastError(0xdeadbeef);
    r = InitOnceBeginInitialize(&once, 0, &pending, &ctx);
    ok(!r && GetLastError() == ERROR_INVALID_PARAMETER, "a synchronous begin during asynchronous ones: ERROR_INVALID_PARAMETER");
    SetLastError(0xdeadbeef);
    r = InitOnceComplete(&once, INIT_ONCE_INIT_FAILED, NULL);
    ok(!r && GetLastError() == ERROR_INVALID_PARAMETER, "INIT_ONCE_INIT_FAILED on an asynchronous one: ERROR_INVALID_PARAMETER");
    ok(InitOnceComplete(&once, INIT_ONCE_ASYNC, (void *)0x100), "the first asynchronous completion succeeds");
    ok(!InitOnceComplete(&once, INIT_ONCE_ASYNC, (void *)0x200), "the second fails (another thread completed)");
    ctx = NULL;
    r = InitOnceBeginInitialize(&once, INIT_ONCE_ASYNC, &pending, &ctx);
    ok(r && !pending && ctx == (void *)0x100, "the winner's context is kept");

    /* A synchronous begin waits for the one in progress. */
    InitOnceInitialize(&blk_once);
    r = InitOnceBeginInitialize(&blk_once, 0, &pending, NULL);
    HANDLE t = start(blk_begin, NULL);
    is_int(WaitForSingleObject(t, 100), WAIT_TIMEOUT, "a second synchronous begin blocks while one is pending");
    InitOnceComplete(&blk_once, 0, (void *)0x5550);
    ok(join(&t, 1) && blk_ret && !blk_pending && blk_ctx == (void *)0x5550,
       "... and returns TRUE, not pending, with the context once it completes");

    InitOnceInitialize(&blk_once);
    r = InitOnceBeginInitialize(&blk_once, 0, &pending, NULL);
    t = start(blk_begin, NULL);
    is_int(WaitForSingleObject(t, 100), WAIT_TIMEOUT, "a waiter blocks again");
    ok(InitOnceComplete(&blk_once, INIT_ONCE_INIT_FAILED, NULL), "INIT_ONCE_INIT_FAILED ends the attempt");
    ok(join(&t, 1) && blk_ret && blk_pending, "... and the waiter begins the initialization itself");
    ok(InitOnceComplete(&blk_once, 0, (void *)0x10), "... which it can complete");
}

/* ------------------------------------------------------------------ */
/* WaitOnAddress / WakeByAddressSingle / WakeByAddressAll. */

#define ADDR_WAITERS 4
static volatile LONG wa_flag, wa_tickets, wa_done;

static DWORD WINAPI wa_all_waiter(LPVOID p)
{
    (void)p;
    LONG zero = 0;
    while (wa_flag == 0)
        if (!WaitOnAddress(&wa_flag, &zero, sizeof zero, INFINITE)) return 1;
    InterlockedIncrement(&wa_done);
    return 0;
}

/* Takes one ticket; each WakeByAddressSingle goes with one ticket. */
static DWORD WINAPI wa_ticket_waiter(LPVOID p)
{
    (void)p;
    for (;;) {
        LONG t = wa_tickets;
        if (t > 0) {
            if (InterlockedCompareExchange(&wa_tickets, t - 1, t) == t) break;
            continue;
        }
        if (!WaitOnAddress(&wa_tickets, &t, sizeof t, INFINITE)) return 1;
    }
    InterlockedIncrement(&wa_done);
    return 0;
}

#define WA_TURNS 10000
static volatile LONG wa_turn;
static DWORD WINAPI wa_player(LPVOID p)
{
    LONG me = (LONG)(ULONG_PTR)p;
    for (int i = 0; i < WA_TURNS; i++) {
        LONG t;
        while ((t = wa_turn) != me) WaitOnAddress(&wa_turn, &t, sizeof t, INFINITE);
        wa_turn = !me;
        WakeByAddressSingle((PVOID)&wa_turn);
    }
    return 0;
}

static struct {
    BYTE pad;
    volatile BYTE b;
    volatile LONGLONG q;
} wa_small;

static DWORD WINAPI wa_byte_waiter(LPVOID p)
{
    (void)p;
    BYTE zero = 0;
    LONGLONG qzero = 0;
    while (wa_small.b == 0) WaitOnAddress(&wa_small.b, &zero, 1, INFINITE);
    while (wa_small.q == 0) WaitOnAddress(&wa_small.q, &qzero, 8, INFINITE);
    return 0;
}

static void test_wait_on_address(void)
{
    LONGLONG v = 5, c = 6;
    ok(WaitOnAddress(&v, &c, 8, INFINITE), "WaitOnAddress returns TRUE at once when the values differ");

    static const SIZE_T sizes[] = {1, 2, 4, 8};
    for (int i = 0; i < 4; i++) {
        v = c = 0x0102030405060708LL;
        SetLastError(0xdeadbeef);
        ULONGLONG t0 = GetTickCount64();
        BOOL r = WaitOnAddress(&v, &c, sizes[i], 50);
        DWORD err = GetLastError();
        ULONGLONG elapsed = GetTickCount64() - t0;
        ok(!r && err == ERROR_TIMEOUT && elapsed >= 30 && elapsed < 5000,
           "a %d-byte wait with nobody waking times out: FALSE, ERROR_TIMEOUT (r=%d err=%lu, %llu ms)",
           (int)sizes[i], r, err, elapsed);
    }
    v = c = 0;
    SetLastError(0xdeadbeef);
    BOOL r = WaitOnAddress(&v, &c, 3, 0);
    ok(!r && GetLastError() == ERROR_INVALID_PARAMETER, "a size of 3 bytes: FALSE, ERROR_INVALID_PARAMETER (err=%lu)", GetLastError());
    WakeByAddressSingle(&v);
    WakeByAddressAll(&v);
    ok(1, "waking an address nobody waits on is harmless");

    HANDLE h[ADDR_WAITERS];
    wa_done = 0;
    for (int i = 0; i < ADDR_WAITERS; i++) h[i] = start(wa_all_waiter, NULL);
    Sleep(50);
    wa_flag = 1;
    WakeByAddressAll((PVOID)&wa_flag);
    ok(join(h, ADDR_WAITERS) && wa_done == ADDR_WAITERS, "WakeByAddressAll wakes all %d waiters", ADDR_WAITERS);

    wa_done = 0;
    wa_tickets = 0;
    for (int i = 0; i < ADDR_WAITERS; i++) h[i] = start(wa_ticket_waiter, NULL);
    Sleep(50);
    for (int i = 0; i < ADDR_WAITERS; i++) {
        InterlockedIncrement(&wa_tickets);
        WakeByAddressSingle((PVOID)&wa_tickets);
    }
    ok(join(h, ADDR_WAITERS) && wa_done == ADDR_WAITERS && wa_tickets == 0,
       "%d WakeByAddressSingle calls release %d waiters, one each", ADDR_WAITERS, ADDR_WAITERS);

    wa_turn = 0;
    h[0] = start(wa_player, (void *)0);
    h[1] = start(wa_player, (void *)1);
    ok(join(h, 2), "%d turns in alternation over WaitOnAddress/WakeByAddressSingle", 2 * WA_TURNS);

    h[0] = start(wa_byte_waiter, NULL);
    Sleep(20);
    wa_small.b = 1;
    WakeByAddressSingle((PVOID)&wa_small.b);
    Sleep(20);
    wa_small.q = 1LL << 40;
    WakeByAddressAll((PVOID)&wa_small.q);
    ok(join(h, 1), "1-byte and 8-byte waits are woken");
}

/* ------------------------------------------------------------------ */
/* Interlocked singly linked lists. */

typedef struct {
    SLIST_ENTRY entry; /* first, 16-byte aligned */
    int owner, index;
} ITEM;

#define SL_THREADS 8
#define SL_PER 4096
static SLIST_HEADER sl_head;
static ITEM sl_items[SL_THREADS][SL_PER];
static volatile LONG sl_go;

static DWORD WINAPI sl_worker(LPVOID p)
{
    int me = (int)(ULONG_PTR)p;
    while (!sl_go) SwitchToThread();
    for (int i = 0; i < SL_PER; i++) {
        sl_items[me][i].owner = me;
        sl_items[me][i].index = i;
        InterlockedPushEntrySList(&sl_head, &sl_items[me][i].entry);
        /* Churn: take some entry off and put it back. */
        PSLIST_ENTRY e = InterlockedPopEntrySList(&sl_head);
        if (!e) return 1;
        InterlockedPushEntrySList(&sl_head, e);
    }
    return 0;
}

static void test_slist(void)
{
    SLIST_HEADER *head = &sl_head;
    static ITEM a, b, c, d, e;
    ok(sizeof(SLIST_HEADER) == 16 && ((ULONG_PTR)head & 15) == 0, "an x64 SLIST_HEADER is 16 bytes, 16-byte aligned");
    InitializeSListHead(head);
    is_int(QueryDepthSList(head), 0, "a new list is empty");
    ok(InterlockedPopEntrySList(head) == NULL, "popping an empty list gives NULL");
    ok(InterlockedPushEntrySList(head, &a.entry) == NULL, "the first push returns NULL (no previous first entry)");
    ok(InterlockedPushEntrySList(head, &b.entry) == &a.entry, "a push returns the previous first entry");
    is_int(QueryDepthSList(head), 2, "QueryDepthSList counts the entries");
    ok(InterlockedPopEntrySList(head) == &b.entry, "the list is last in, first out");
    c.entry.Next = &d.entry;
    d.entry.Next = &e.entry;
    ok(InterlockedPushListSListEx(head, &c.entry, &e.entry, 3) == &a.entry,
       "InterlockedPushListSListEx returns the previous first entry");
    is_int(QueryDepthSList(head), 4, "... and adds its count to the depth");
    PSLIST_ENTRY l = InterlockedFlushSList(head);
    int n = 0;
    for (PSLIST_ENTRY x = l; x; x = x->Next) n++;
    ok(l == &c.entry && n == 4 && e.entry.Next == &a.entry, "InterlockedFlushSList returns the whole chain (c d e a)");
    is_int(QueryDepthSList(head), 0, "... and leaves the list empty");
    ok(InterlockedFlushSList(head) == NULL, "flushing an empty list gives NULL");

    HANDLE h[SL_THREADS];
    for (int i = 0; i < SL_THREADS; i++) h[i] = start(sl_worker, (void *)(ULONG_PTR)i);
    sl_go = 1;
    ok(join(h, SL_THREADS), "%d threads push and pop concurrently", SL_THREADS);
    is_int(QueryDepthSList(head), SL_THREADS * SL_PER, "the depth is the number of entries pushed");
    static char seen[SL_THREADS][SL_PER];
    int count = 0, dup = 0;
    PSLIST_ENTRY x;
    while ((x = InterlockedPopEntrySList(head)) != NULL) {
        ITEM *it = (ITEM *)x;
        if (seen[it->owner][it->index]++) dup++;
        count++;
    }
    is_int(count, SL_THREADS * SL_PER, "every entry is on the list");
    is_int(dup, 0, "... exactly once");
    is_int(QueryDepthSList(head), 0, "popping them all leaves depth 0");
}


/* ------------------------------------------------------------------ */
/* The default thread pool. */

static volatile LONG tp_count, tp_inside, tp_bad;
static DWORD tp_main_thread;

static VOID CALLBACK tp_work_cb(PTP_CALLBACK_INSTANCE inst, PVOID ctx, PTP_WORK work)
{
    (void)inst;
    static PTP_WORK expected;
    if (!expected) expected = work;
    if (ctx != (void *)0x77 || work != expected || GetCurrentThreadId() == tp_main_thread)
        InterlockedIncrement(&tp_bad);
    InterlockedIncrement(&tp_count);
}

static VOID CALLBACK tp_slow_cb(PTP_CALLBACK_INSTANCE inst, PVOID ctx, PTP_WORK work)
{
    (void)inst; (void)ctx; (void)work;
    InterlockedIncrement(&tp_inside);
    Sleep(20);
    InterlockedIncrement(&tp_count);
    InterlockedDecrement(&tp_inside);
}

static HANDLE tp_event;
static volatile LONG tp_simple_ran;
static VOID CALLBACK tp_simple_cb(PTP_CALLBACK_INSTANCE inst, PVOID ctx)
{
    Sleep(20);
    tp_simple_ran = (LONG)(ULONG_PTR)ctx;
    SetEventWhenCallbackReturns(inst, tp_event);
}

static volatile LONG tp_item_ran;
static DWORD WINAPI tp_item(LPVOID ctx)
{
    tp_item_ran = (LONG)(ULONG_PTR)ctx;
    if (GetCurrentThreadId() == tp_main_thread) tp_item_ran = -1;
    SetEvent(tp_event);
    return 0;
}

/* Callbacks that wait for one another: the pool must find them threads. */
#define TP_BARRIER 6
static volatile LONG tp_arrived, tp_timed_out, tp_left;
static VOID CALLBACK tp_barrier_cb(PTP_CALLBACK_INSTANCE inst, PVOID ctx)
{
    (void)inst; (void)ctx;
    InterlockedIncrement(&tp_arrived);
    ULONGLONG t0 = GetTickCount64();
    while (tp_arrived < TP_BARRIER)
        if (GetTickCount64() - t0 > JOIN_MS) { InterlockedIncrement(&tp_timed_out); break; }
        else Sleep(1);
    InterlockedIncrement(&tp_left);
}

static void test_thread_pool(void)
{
    tp_main_thread = GetCurrentThreadId();
    PTP_WORK work = CreateThreadpoolWork(tp_work_cb, (void *)0x77, NULL);
    ok(work != NULL, "CreateThreadpoolWork returns a work object");
    for (int i = 0; i < 100; i++) SubmitThreadpoolWork(work);
    WaitForThreadpoolWorkCallbacks(work, FALSE);
    is_int(tp_count, 100, "WaitForThreadpoolWorkCallbacks waits for every submitted callback");
    is_int(tp_bad, 0, "callbacks run on pool threads with their context and work object");
    CloseThreadpoolWork(work);

    work = CreateThreadpoolWork(tp_slow_cb, NULL, NULL);
    tp_count = 0;
    for (int i = 0; i < 50; i++) SubmitThreadpoolWork(work);
    WaitForThreadpoolWorkCallbacks(work, TRUE);
    LONG after = tp_count;
    ok(tp_inside == 0 && after <= 50, "cancelling waits for the running callbacks (%ld of 50 ran)", after);
    Sleep(100);
    is_int(tp_count, after, "... and the cancelled ones never run");

    tp_count = 0;
    for (int i = 0; i < 4; i++) SubmitThreadpoolWork(work);
    CloseThreadpoolWork(work);
    ULONGLONG t0 = GetTickCount64();
    while (tp_count < 4 && GetTickCount64() - t0 < JOIN_MS) Sleep(5);
    is_int(tp_count, 4, "callbacks outstanding at CloseThreadpoolWork still run");

    tp_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    ok(TrySubmitThreadpoolCallback(tp_simple_cb, (void *)5, NULL), "TrySubmitThreadpoolCallback succeeds");
    ok(WaitForSingleObject(tp_event, JOIN_MS) == WAIT_OBJECT_0 && tp_simple_ran == 5,
       "the callback runs, and SetEventWhenCallbackReturns sets the event after it");

    ok(QueueUserWorkItem(tp_item, (void *)9, WT_EXECUTEDEFAULT), "QueueUserWorkItem succeeds");
    ok(WaitForSingleObject(tp_event, JOIN_MS) == WAIT_OBJECT_0 && tp_item_ran == 9,
       "the work item runs on another thread with its context");

    for (int i = 0; i < TP_BARRIER; i++) TrySubmitThreadpoolCallback(tp_barrier_cb, NULL, NULL);
    t0 = GetTickCount64();
    while (tp_left < TP_BARRIER && GetTickCount64() - t0 < 2 * JOIN_MS) Sleep(5);
    ok(tp_left == TP_BARRIER && tp_timed_out == 0,
       "%d callbacks that wait for one another all get a thread", TP_BARRIER);
    CloseHandle(tp_event);
}

int main(void)
{
    InitializeCriticalSection(&q_cs);
    InitializeCriticalSection(&pp_cs);
    test_condvar_timeouts();
    test_queue(0);
    test_queue(1);
    test_ping_pong(0);
    test_ping_pong(1);
    test_shared_sleepers();
    test_init_once();
    test_wait_on_address();
    test_slist();
    test_thread_pool();
    return done();
}
