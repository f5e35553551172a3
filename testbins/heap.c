/*
 * heap.c - HeapCreate/HeapAlloc/HeapReAlloc/HeapFree/HeapSize, fixed-size
 * heaps, HeapLock/HeapUnlock, HeapValidate, HeapWalk, GetProcessHeaps,
 * HeapQueryInformation, the Local/Global families, and malloc/free under
 * many threads, checked against heapapi.h's documentation.
 *
 * "heap.exe corrupt" enables HeapEnableTerminationOnCorruption and frees a
 * block twice: the process must end with STATUS_HEAP_CORRUPTION.
 */
#include <windows.h>
#include <stdlib.h>
#include "tap.h"

static volatile LONG allocated_while_locked;

static DWORD WINAPI alloc_thread(void *heap)
{
    void *p = HeapAlloc(heap, 0, 64);
    InterlockedExchange(&allocated_while_locked, 1);
    HeapFree(heap, 0, p);
    return 0;
}

#define THREADS 4
#define ROUNDS 20000
static volatile LONG thread_errors;
static void *handoff[THREADS][64];

static DWORD WINAPI churn(void *arg)
{
    int id = (int)(INT_PTR)arg;
    unsigned seed = 12345u + id * 7919u;
    unsigned char *live[64] = {0};
    size_t sizes[64] = {0};
    for (int r = 0; r < ROUNDS; r++) {
        seed = seed * 1103515245u + 12345u;
        int k = (seed >> 16) & 63;
        if (live[k]) {
            for (size_t i = 0; i < sizes[k]; i++)
                if (live[k][i] != (unsigned char)(k + id)) {
                    InterlockedIncrement(&thread_errors);
                    break;
                }
            free(live[k]);
        }
        sizes[k] = 1 + ((seed >> 8) % 600);
        live[k] = malloc(sizes[k]);
        if (!live[k]) {
            InterlockedIncrement(&thread_errors);
            return 1;
        }
        memset(live[k], k + id, sizes[k]);
    }
    /* Leave blocks for the next thread to free: frees across threads. */
    for (int k = 0; k < 64; k++)
        handoff[id][k] = live[k];
    return 0;
}

static int corrupt(void)
{
    HeapSetInformation(NULL, HeapEnableTerminationOnCorruption, NULL, 0);
    HANDLE h = GetProcessHeap();
    void *p = HeapAlloc(h, 0, 32);
    HeapFree(h, 0, p);
    HeapFree(h, 0, p);
    printf("still running after a double free\n");
    return 0;
}

/* A HEAP_GENERATE_EXCEPTIONS heap that cannot satisfy a request raises
 * STATUS_NO_MEMORY; unhandled, it ends the process with that code. */
static int generate_exceptions(void)
{
    HANDLE h = HeapCreate(HEAP_GENERATE_EXCEPTIONS, 0, 64 * 1024);
    void *p = HeapAlloc(h, 0, 16 << 20);
    printf("HeapAlloc returned %p instead of raising\n", p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "corrupt"))
        return corrupt();
    if (argc > 1 && !strcmp(argv[1], "generate-exceptions"))
        return generate_exceptions();
    plan(65);

    HANDLE ph = GetProcessHeap();
    ok(ph != NULL, "GetProcessHeap");
    HANDLE list[64];
    DWORD n = GetProcessHeaps(64, list);
    ok(n >= 1 && list[0] == ph, "GetProcessHeaps lists the process heap first (%lu heaps)", n);
    ok(GetProcessHeaps(0, NULL) == n, "GetProcessHeaps with no room returns the count");

    /* Alignment, sizes, zeroing. */
    int aligned = 1, sized = 1;
    void *blocks[40];
    for (int i = 0; i < 40; i++) {
        SIZE_T s = 1 + i * 37;
        blocks[i] = HeapAlloc(ph, 0, s);
        aligned &= ((ULONG_PTR)blocks[i] & 15) == 0;
        sized &= HeapSize(ph, 0, blocks[i]) == s;
    }
    ok(aligned, "blocks are 16-byte aligned (MEMORY_ALLOCATION_ALIGNMENT)");
    ok(sized, "HeapSize is the size asked for");
    for (int i = 0; i < 40; i++)
        HeapFree(ph, 0, blocks[i]);
    unsigned char *z = HeapAlloc(ph, 0, 300);
    memset(z, 0xAB, 300);
    HeapFree(ph, 0, z);
    z = HeapAlloc(ph, HEAP_ZERO_MEMORY, 300);
    int zero = 1;
    for (int i = 0; i < 300; i++)
        zero &= z[i] == 0;
    ok(zero, "HEAP_ZERO_MEMORY zeroes a reused block");

    /* HeapReAlloc. */
    memset(z, 0x11, 300);
    unsigned char *g = HeapReAlloc(ph, HEAP_ZERO_MEMORY, z, 5000);
    int kept = g != NULL, zeroed = g != NULL;
    for (int i = 0; g && i < 300; i++)
        kept &= g[i] == 0x11;
    for (int i = 300; g && i < 5000; i++)
        zeroed &= g[i] == 0;
    ok(kept, "HeapReAlloc keeps the contents when it grows a block");
    ok(zeroed, "HeapReAlloc with HEAP_ZERO_MEMORY zeroes the new part");
    ok(HeapSize(ph, 0, g) == 5000, "HeapSize after growing");
    unsigned char *s = HeapReAlloc(ph, HEAP_REALLOC_IN_PLACE_ONLY, g, 100);
    ok(s == g && HeapSize(ph, 0, s) == 100 && s[99] == 0x11 && s[0] == 0x11, "shrinking in place");
    ok(HeapReAlloc(ph, HEAP_REALLOC_IN_PLACE_ONLY, s, 1 << 20) == NULL, "HEAP_REALLOC_IN_PLACE_ONLY cannot grow 100 bytes to 1 MiB");
    ok(HeapSize(ph, 0, s) == 100 && s[0] == 0x11, "the block is untouched after the refusal");
    void *big = HeapReAlloc(ph, 0, s, 3 << 20);
    ok(big != NULL && ((unsigned char *)big)[0] == 0x11 && HeapSize(ph, 0, big) == (3 << 20), "moving to a 3 MiB block");
    ok(HeapValidate(ph, 0, big), "HeapValidate of a live large block");
    ok(HeapFree(ph, 0, big), "HeapFree of the large block");
    ok(!HeapValidate(ph, 0, big), "HeapValidate of a freed large block fails");

    /* HeapValidate. */
    void *v = HeapAlloc(ph, 0, 24);
    ok(HeapValidate(ph, 0, v), "HeapValidate of a live block");
    ok(HeapValidate(ph, 0, NULL), "HeapValidate of the whole process heap");
    HeapFree(ph, 0, v);
    ok(!HeapValidate(ph, 0, v), "HeapValidate of a freed block fails");
    char local;
    ok(!HeapValidate(ph, 0, &local), "HeapValidate of a stack address fails");

    /* A private growable heap and HeapWalk. */
    HANDLE h = HeapCreate(0, 0, 0);
    ok(h != NULL && h != ph, "HeapCreate growable");
    n = GetProcessHeaps(64, list);
    int listed = 0;
    for (DWORD i = 0; i < n && i < 64; i++)
        listed |= list[i] == h;
    ok(listed, "GetProcessHeaps lists the new heap");
    void *a = HeapAlloc(h, 0, 100), *b = HeapAlloc(h, 0, 2000), *c = HeapAlloc(h, 0, 7);
    HeapFree(h, 0, b);
    PROCESS_HEAP_ENTRY e;
    memset(&e, 0, sizeof e);
    int regions = 0, seen_a = 0, seen_b_busy = 0, seen_c = 0, entries = 0;
    while (HeapWalk(h, &e)) {
        entries++;
        if (e.wFlags & PROCESS_HEAP_REGION)
            regions++;
        if (e.lpData == a && (e.wFlags & PROCESS_HEAP_ENTRY_BUSY) && e.cbData == 100)
            seen_a = 1;
        if (e.lpData == b && (e.wFlags & PROCESS_HEAP_ENTRY_BUSY))
            seen_b_busy = 1;
        if (e.lpData == c && (e.wFlags & PROCESS_HEAP_ENTRY_BUSY) && e.cbData == 7)
            seen_c = 1;
        if (entries > 100000)
            break;
    }
    ok(GetLastError() == ERROR_NO_MORE_ITEMS, "HeapWalk ends with ERROR_NO_MORE_ITEMS (%lu)", GetLastError());
    ok(regions >= 1, "HeapWalk reports a region (%d)", regions);
    ok(seen_a && seen_c, "HeapWalk reports the busy blocks with their sizes");
    ok(!seen_b_busy, "a freed block is not reported busy");
    ok(HeapValidate(h, 0, NULL), "HeapValidate of the private heap");

    /* HeapLock: no other thread allocates until HeapUnlock. */
    ok(HeapLock(h) && HeapLock(h), "HeapLock twice (recursive)");
    void *inside = HeapAlloc(h, 0, 10);
    ok(inside != NULL, "the owner allocates while holding the lock");
    HANDLE t = CreateThread(NULL, 0, alloc_thread, h, 0, NULL);
    Sleep(150);
    ok(!allocated_while_locked, "another thread's HeapAlloc waits for the lock");
    ok(HeapUnlock(h) && HeapUnlock(h), "HeapUnlock twice");
    WaitForSingleObject(t, INFINITE);
    ok(allocated_while_locked, "the waiting thread allocated after HeapUnlock");
    ok(HeapDestroy(h), "HeapDestroy");
    n = GetProcessHeaps(64, list);
    listed = 0;
    for (DWORD i = 0; i < n && i < 64; i++)
        listed |= list[i] == h;
    ok(!listed, "a destroyed heap is no longer listed");

    /* A fixed-size heap holds at most its maximum. */
    HANDLE f = HeapCreate(0, 0, 256 * 1024);
    ok(f != NULL, "HeapCreate fixed-size (256 KiB)");
    SIZE_T total = 0;
    for (int i = 0; i < 10000; i++) {
        if (!HeapAlloc(f, 0, 1000))
            break;
        total += 1000;
    }
    ok(total > 0 && total <= 256 * 1024, "a fixed heap fills up (%llu bytes)", (unsigned long long)total);
    ok(HeapAlloc(f, 0, 4 << 20) == NULL, "a fixed heap refuses a 4 MiB block");
    HeapDestroy(f);

    /* HEAP_CREATE_ENABLE_EXECUTE: blocks can hold code. */
    HANDLE xh = HeapCreate(HEAP_CREATE_ENABLE_EXECUTE, 0, 0);
    unsigned char *code = xh ? HeapAlloc(xh, 0, 16) : NULL;
    MEMORY_BASIC_INFORMATION xm;
    ok(code && VirtualQuery(code, &xm, sizeof xm) && xm.Protect == PAGE_EXECUTE_READWRITE,
       "HEAP_CREATE_ENABLE_EXECUTE heap memory is PAGE_EXECUTE_READWRITE");
    if (code) {
        static const unsigned char ret42[] = {0xB8, 42, 0, 0, 0, 0xC3}; /* mov eax, 42; ret */
        memcpy(code, ret42, sizeof ret42);
        ok(((int (*)(void))code)() == 42, "code in an executable heap block runs");
    } else {
        ok(0, "code in an executable heap block runs");
    }
    HeapDestroy(xh);

    /* HEAP_NO_SERIALIZE heaps work on one thread. */
    HANDLE ns = HeapCreate(HEAP_NO_SERIALIZE, 0, 0);
    int ns_ok = ns != NULL;
    void *nb[100];
    for (int i = 0; ns && i < 100; i++)
        ns_ok &= (nb[i] = HeapAlloc(ns, 0, 8 + i * 40)) != NULL;
    for (int i = 0; ns && i < 100; i += 2)
        ns_ok &= HeapFree(ns, 0, nb[i]);
    ok(ns_ok && HeapValidate(ns, 0, NULL), "a HEAP_NO_SERIALIZE heap allocates, frees and validates");
    HeapDestroy(ns);

    ULONG info = 0;
    SIZE_T len = 0;
    ok(HeapQueryInformation(ph, HeapCompatibilityInformation, &info, sizeof info, &len) && len == 4,
       "HeapQueryInformation(HeapCompatibilityInformation) = %lu", info);

    /* Local and Global families. */
    unsigned char *l = LocalAlloc(LMEM_ZEROINIT, 50);
    ok(l && l[0] == 0 && l[49] == 0 && LocalSize(l) == 50, "LocalAlloc(LMEM_ZEROINIT)");
    l = LocalReAlloc(l, 5000, LMEM_MOVEABLE);
    ok(l && LocalSize(l) == 5000, "LocalReAlloc(LMEM_MOVEABLE) grows");
    ok(LocalFree(l) == NULL, "LocalFree returns NULL");
    HGLOBAL gm = GlobalAlloc(GMEM_MOVEABLE | GMEM_ZEROINIT, 64);
    char *gp = GlobalLock(gm);
    ok(gp != NULL && gp[63] == 0, "GlobalLock of moveable memory gives zeroed memory");
    gp[0] = 'x';
    SetLastError(1234);
    ok(!GlobalUnlock(gm) && GetLastError() == NO_ERROR, "GlobalUnlock to zero locks: FALSE with NO_ERROR");
    ok(GlobalFree(gm) == NULL, "GlobalFree returns NULL");

    /* Moveable memory: lock counts, handles, discarding. */
    HGLOBAL mv = GlobalAlloc(GMEM_MOVEABLE, 100);
    ok(mv != NULL && GlobalFlags(mv) == 0, "GlobalAlloc(GMEM_MOVEABLE): unlocked");
    char *mp = GlobalLock(mv);
    ok(mp != NULL && (void *)mp != (void *)mv, "GlobalLock of a moveable handle gives its data");
    ok(GlobalLock(mv) == mp && (GlobalFlags(mv) & GMEM_LOCKCOUNT) == 2, "locked twice: lock count 2");
    ok(GlobalHandle(mp) == mv, "GlobalHandle of the data is the handle");
    ok(GlobalSize(mv) == 100, "GlobalSize of a moveable handle");
    memset(mp, 'q', 100);
    ok(GlobalUnlock(mv), "GlobalUnlock while still locked: TRUE");
    SetLastError(1234);
    ok(!GlobalUnlock(mv) && GetLastError() == NO_ERROR, "last GlobalUnlock: FALSE, NO_ERROR");
    SetLastError(1234);
    ok(!GlobalUnlock(mv) && GetLastError() == ERROR_NOT_LOCKED, "GlobalUnlock when not locked: ERROR_NOT_LOCKED (%lu)", GetLastError());
    ok(GlobalReAlloc(mv, 5000, GMEM_MOVEABLE) == mv && GlobalSize(mv) == 5000, "GlobalReAlloc keeps the handle");
    mp = GlobalLock(mv);
    ok(mp && mp[99] == 'q', "the data moved with its contents");
    GlobalUnlock(mv);
    ok(GlobalReAlloc(mv, 0, GMEM_MOVEABLE) == mv && (GlobalFlags(mv) & GMEM_DISCARDED), "GlobalReAlloc to 0 discards");
    ok(GlobalLock(mv) == NULL, "a discarded object cannot be locked");
    ok(GlobalFree(mv) == NULL, "GlobalFree of the moveable handle");
    char *fx = GlobalAlloc(GPTR, 10);
    ok(fx && GlobalHandle(fx) == fx && GlobalFlags(fx) == 0 && fx[9] == 0, "GPTR memory is its own handle, zeroed");
    GlobalFree(fx);

    /* malloc/free on several threads at once, blocks freed across threads. */
    HANDLE th[THREADS];
    for (int i = 0; i < THREADS; i++)
        th[i] = CreateThread(NULL, 0, churn, (void *)(INT_PTR)i, 0, NULL);
    WaitForMultipleObjects(THREADS, th, TRUE, INFINITE);
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < 64; k++)
            free(handoff[(i + 1) % THREADS][k]);
    ok(thread_errors == 0, "%d threads x %d malloc/free rounds kept every block intact", THREADS, ROUNDS);
    ok(HeapValidate(ph, 0, NULL), "the process heap validates after the threads");
    /* HeapSummary (Windows 7+), last: Wine 8 exports it as a stub that
     * aborts the program. */
    BOOL(WINAPI * summary)(HANDLE, DWORD, HEAP_SUMMARY *) =
        (void *)GetProcAddress(GetModuleHandleA("kernel32.dll"), "HeapSummary");
    HEAP_SUMMARY sum;
    HANDLE sh = HeapCreate(0, 0, 0);
    void *s1 = HeapAlloc(sh, 0, 1000), *s2 = HeapAlloc(sh, 0, 24);
    memset(&sum, 0, sizeof sum);
    sum.cb = sizeof sum;
    ok(summary && summary(sh, 0, &sum) && sum.cbAllocated >= 1024 && sum.cbCommitted >= sum.cbAllocated
           && sum.cbReserved >= sum.cbCommitted,
       "HeapSummary: %llu allocated, %llu committed", (unsigned long long)sum.cbAllocated, (unsigned long long)sum.cbCommitted);
    sum.cb = 0;
    ok(summary && !summary(sh, 0, &sum) && GetLastError() == ERROR_INVALID_PARAMETER,
       "HeapSummary with cb 0: ERROR_INVALID_PARAMETER");
    HeapFree(sh, 0, s1);
    HeapFree(sh, 0, s2);
    HeapDestroy(sh);

    return done();
}
