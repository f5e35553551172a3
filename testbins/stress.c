/* stress.c - 64 threads hammering events, mutexes, semaphores, SRW locks and
 * condition variables with invariants checked: no lost update, no lost
 * wake-up, no deadlock (everything finishes within a timeout), and the
 * process's handle count back where it started. */
#include <windows.h>
#include "tap.h"

#define THREADS 64
#define ROUNDS 8000
#define SEM_MAX 8

static HANDLE mutex, sem, event_lock, start;
static SRWLOCK srw = SRWLOCK_INIT;
static CRITICAL_SECTION queue_cs;
static CONDITION_VARIABLE not_empty = CONDITION_VARIABLE_INIT, not_full = CONDITION_VARIABLE_INIT;

static long long mutex_total, srw_total, event_total;
static volatile LONG inside_sem, max_inside_sem, shared_readers_bad;
static int queue[16], queue_len;
static long long produced_sum, consumed_sum;
static volatile LONG consumed_count;

static void queue_put(int v)
{
    EnterCriticalSection(&queue_cs);
    while (queue_len == 16)
        SleepConditionVariableCS(&not_full, &queue_cs, INFINITE);
    queue[queue_len++] = v;
    produced_sum += v;
    WakeConditionVariable(&not_empty);
    LeaveCriticalSection(&queue_cs);
}

static int queue_get(void)
{
    EnterCriticalSection(&queue_cs);
    while (queue_len == 0)
        SleepConditionVariableCS(&not_empty, &queue_cs, INFINITE);
    int v = queue[--queue_len];
    consumed_sum += v;
    WakeConditionVariable(&not_full);
    LeaveCriticalSection(&queue_cs);
    return v;
}

static DWORD WINAPI worker(LPVOID p)
{
    int id = (int)(ULONG_PTR)p;
    WaitForSingleObject(start, INFINITE);
    for (int i = 0; i < ROUNDS; i++) {
        /* Mutex: a non-atomic update must not be lost. */
        WaitForSingleObject(mutex, INFINITE);
        long long m = mutex_total;
        if ((i & 31) == 0) SwitchToThread();
        mutex_total = m + 1;
        ReleaseMutex(mutex);

        /* Semaphore: never more than SEM_MAX holders at once. */
        WaitForSingleObject(sem, INFINITE);
        LONG now = InterlockedIncrement(&inside_sem);
        LONG seen = max_inside_sem;
        while (now > seen && InterlockedCompareExchange(&max_inside_sem, now, seen) != seen)
            seen = max_inside_sem;
        InterlockedDecrement(&inside_sem);
        ReleaseSemaphore(sem, 1, NULL);

        /* SRW: exclusive writers, shared readers see a consistent pair. */
        if (i % 4 == 0) {
            AcquireSRWLockExclusive(&srw);
            srw_total++;
            ReleaseSRWLockExclusive(&srw);
        } else {
            AcquireSRWLockShared(&srw);
            long long a = srw_total;
            if ((i & 15) == 1) SwitchToThread();
            if (srw_total != a) InterlockedIncrement(&shared_readers_bad);
            ReleaseSRWLockShared(&srw);
        }

        /* An auto-reset event used as a lock. */
        WaitForSingleObject(event_lock, INFINITE);
        event_total++;
        SetEvent(event_lock);

        /* Condition variables: half produce, half consume. */
        if (id % 2 == 0)
            queue_put(i + 1);
        else {
            queue_get();
            InterlockedIncrement(&consumed_count);
        }
    }
    return 0;
}

typedef DWORD(WINAPI *handle_count_fn)(HANDLE, PDWORD);

int main(void)
{
    plan(9);
    DWORD before = 0, after = 0;
    handle_count_fn count = (handle_count_fn)GetProcAddress(GetModuleHandleA("kernel32.dll"), "GetProcessHandleCount");
    ok(count && count(GetCurrentProcess(), &before), "GetProcessHandleCount before");

    mutex = CreateMutexW(NULL, FALSE, NULL);
    sem = CreateSemaphoreW(NULL, SEM_MAX, SEM_MAX, NULL);
    event_lock = CreateEventW(NULL, FALSE, TRUE, NULL);
    start = CreateEventW(NULL, TRUE, FALSE, NULL);
    InitializeCriticalSection(&queue_cs);

    HANDLE threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        threads[i] = CreateThread(NULL, 0, worker, (LPVOID)(ULONG_PTR)i, 0, NULL);
    SetEvent(start);
    DWORD waited = WaitForMultipleObjects(THREADS, threads, TRUE, 60000);
    ok(waited < WAIT_OBJECT_0 + THREADS, "64 threads all finished without a deadlock (wait result %lu)", waited);

    ok(mutex_total == (long long)THREADS * ROUNDS, "mutex: no lost update (%lld)", mutex_total);
    ok(max_inside_sem <= SEM_MAX && max_inside_sem >= 1, "semaphore: at most %d holders at once (%ld)", SEM_MAX, max_inside_sem);
    ok(srw_total == (long long)THREADS * ROUNDS / 4 && shared_readers_bad == 0, "SRW: exclusive updates all there, readers never saw a write (%lld)", srw_total);
    ok(event_total == (long long)THREADS * ROUNDS, "auto-reset event as a lock: no lost update (%lld)", event_total);
    ok(consumed_count == THREADS / 2 * ROUNDS && produced_sum == consumed_sum,
       "condition variables: everything produced was consumed, no lost wake-up");

    for (int i = 0; i < THREADS; i++)
        CloseHandle(threads[i]);
    CloseHandle(mutex);
    CloseHandle(sem);
    CloseHandle(event_lock);
    CloseHandle(start);
    DeleteCriticalSection(&queue_cs);
    ok(count && count(GetCurrentProcess(), &after), "GetProcessHandleCount after");
    ok(after == before, "the handle count is back to where it started (%lu, %lu)", before, after);
    return done();
}
