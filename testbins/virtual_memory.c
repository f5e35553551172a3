/*
 * virtual_memory.c - VirtualAlloc / VirtualFree / VirtualProtect /
 * VirtualQuery semantics as Microsoft documents them (memoryapi.h, "Memory
 * Protection Constants", "Page State"), with the Win32 errors Windows
 * gives for each misuse, and a 1 GiB random reserve/free run in which
 * VirtualQuery must account for every byte after each step.
 */
#include <windows.h>
#include "tap.h"

#define PAGE 4096
#define GRAN 65536

static MEMORY_BASIC_INFORMATION q(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    memset(&m, 0xcc, sizeof m);
    if (!VirtualQuery(p, &m, sizeof m))
        memset(&m, 0, sizeof m);
    return m;
}

static int fails_with(BOOL r, DWORD err)
{
    return !r && GetLastError() == err;
}

static void basics(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    is_int(si.dwPageSize, PAGE, "page size");
    is_int(si.dwAllocationGranularity, GRAN, "allocation granularity");
    ok(si.lpMinimumApplicationAddress == (void *)0x10000, "lowest address %p", si.lpMinimumApplicationAddress);
    ok(si.lpMaximumApplicationAddress == (void *)0x7FFFFFFEFFFF, "highest address %p", si.lpMaximumApplicationAddress);

    /* Reserve 16 pages, commit pages 4..5, look at the three regions. */
    char *r = VirtualAlloc(NULL, 16 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    ok(r != NULL && ((ULONG_PTR)r & (GRAN - 1)) == 0, "reservation at a 64 KiB boundary (%p)", r);
    MEMORY_BASIC_INFORMATION m = q(r);
    ok(m.BaseAddress == r && m.AllocationBase == r && m.RegionSize == 16 * PAGE && m.State == MEM_RESERVE
           && m.Protect == 0 && m.AllocationProtect == PAGE_READWRITE && m.Type == MEM_PRIVATE,
       "reserved region: state %lx protect %lx size %llx", m.State, m.Protect, (unsigned long long)m.RegionSize);
    char *c = VirtualAlloc(r + 4 * PAGE + 100, PAGE + 1, MEM_COMMIT, PAGE_READWRITE);
    ok(c == r + 4 * PAGE, "commit rounds down to the page (%p)", c);
    m = q(r);
    ok(m.RegionSize == 4 * PAGE && m.State == MEM_RESERVE, "first reserved run is 4 pages");
    m = q(r + 4 * PAGE + 5);
    ok(m.BaseAddress == r + 4 * PAGE && m.RegionSize == 2 * PAGE && m.State == MEM_COMMIT
           && m.Protect == PAGE_READWRITE && m.AllocationBase == r,
       "committed run: 2 pages read-write");
    m = q(r + 6 * PAGE);
    ok(m.RegionSize == 10 * PAGE && m.State == MEM_RESERVE, "last reserved run is 10 pages");
    ok(c[0] == 0 && c[2 * PAGE - 1] == 0, "committed pages read zero");
    memset(c, 0x5a, 2 * PAGE);
    ok(VirtualAlloc(c, PAGE, MEM_COMMIT, PAGE_READWRITE) == c && c[0] == 0x5a,
       "committing committed pages keeps their contents");

    /* Decommit and recommit: zero again. */
    ok(VirtualFree(c, PAGE, MEM_DECOMMIT), "decommit one page");
    m = q(r);
    ok(m.State == MEM_RESERVE && m.RegionSize == 5 * PAGE, "decommitted page joins the reserved run");
    ok(VirtualFree(c, PAGE, MEM_DECOMMIT), "decommitting a reserved page is no error");
    ok(VirtualAlloc(c, PAGE, MEM_COMMIT, PAGE_READONLY) == c && c[0] == 0, "recommitted page reads zero");
    m = q(c);
    ok(m.Protect == PAGE_READONLY && m.RegionSize == PAGE, "page recommitted read-only");

    /* Protections. */
    DWORD old = 0;
    ok(VirtualProtect(c, PAGE, PAGE_READWRITE, &old) && old == PAGE_READONLY, "VirtualProtect returns the old protection");
    ok(VirtualProtect(c, 2 * PAGE, PAGE_EXECUTE_READ, &old) && old == PAGE_READWRITE, "protect two pages");
    m = q(c);
    ok(m.Protect == PAGE_EXECUTE_READ && m.RegionSize == 2 * PAGE, "both pages execute-read");
    SetLastError(0);
    ok(fails_with(VirtualProtect(r, PAGE, PAGE_READWRITE, &old), ERROR_INVALID_ADDRESS),
       "VirtualProtect of reserved pages: ERROR_INVALID_ADDRESS (%lu)", GetLastError());
    ok(fails_with(VirtualProtect(c, PAGE, PAGE_WRITECOPY, &old), ERROR_INVALID_PARAMETER),
       "PAGE_WRITECOPY on private memory: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(fails_with(VirtualProtect(c, PAGE, PAGE_READONLY | PAGE_READWRITE, &old), ERROR_INVALID_PARAMETER),
       "two base protections: ERROR_INVALID_PARAMETER");
    ok(fails_with(VirtualProtect(c, PAGE, PAGE_NOACCESS | PAGE_GUARD, &old), ERROR_INVALID_PARAMETER),
       "PAGE_GUARD with PAGE_NOACCESS: ERROR_INVALID_PARAMETER");
    ok(fails_with(VirtualProtect(c, PAGE, PAGE_READWRITE, NULL), ERROR_NOACCESS),
       "VirtualProtect with no old-protection pointer: ERROR_NOACCESS (%lu)", GetLastError());
    ok(fails_with(VirtualProtect(c + 10 * PAGE, 4 * PAGE, PAGE_READWRITE, &old), ERROR_INVALID_ADDRESS),
       "VirtualProtect past the allocation: ERROR_INVALID_ADDRESS (%lu)", GetLastError());

    /* Guard pages: the guard shows in VirtualQuery and in the old value. */
    ok(VirtualProtect(c, PAGE, PAGE_READWRITE | PAGE_GUARD, &old) && old == PAGE_EXECUTE_READ, "set PAGE_GUARD");
    m = q(c);
    ok(m.Protect == (PAGE_READWRITE | PAGE_GUARD) && m.RegionSize == PAGE, "guard page queried (%lx)", m.Protect);
    ok(VirtualProtect(c, PAGE, PAGE_READWRITE, &old) && old == (PAGE_READWRITE | PAGE_GUARD),
       "old protection carries PAGE_GUARD");
    ok(IsBadReadPtr(r, 1), "IsBadReadPtr of a reserved page");
    ok(!IsBadReadPtr(c, PAGE) && !IsBadWritePtr(c, PAGE), "IsBadRead/WritePtr of a read-write page");
    ok(IsBadWritePtr(c + PAGE, 1) && !IsBadReadPtr(c + PAGE, 1), "execute-read page: readable, not writable");
    ok(!IsBadReadPtr(NULL, 0), "IsBadReadPtr of zero bytes is FALSE");

    /* Misuse of VirtualAlloc. */
    SetLastError(0);
    ok(VirtualAlloc(r, PAGE, MEM_RESERVE, PAGE_READWRITE) == NULL && GetLastError() == ERROR_INVALID_ADDRESS,
       "reserving over a reservation: ERROR_INVALID_ADDRESS (%lu)", GetLastError());
    ok(VirtualAlloc(r + 8 * PAGE, 16 * PAGE, MEM_COMMIT, PAGE_READWRITE) == NULL && GetLastError() == ERROR_INVALID_ADDRESS,
       "committing past the reservation: ERROR_INVALID_ADDRESS (%lu)", GetLastError());
    ok(VirtualAlloc(NULL, PAGE, MEM_COMMIT, 0) == NULL && GetLastError() == ERROR_INVALID_PARAMETER,
       "protection 0: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(VirtualAlloc(NULL, PAGE, MEM_COMMIT, PAGE_WRITECOPY) == NULL && GetLastError() == ERROR_INVALID_PARAMETER,
       "VirtualAlloc PAGE_WRITECOPY: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(VirtualAlloc(NULL, 0, MEM_COMMIT, PAGE_READWRITE) == NULL && GetLastError() == ERROR_INVALID_PARAMETER,
       "size 0: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(VirtualAlloc(NULL, PAGE, 0x40, PAGE_READWRITE) == NULL && GetLastError() == ERROR_INVALID_PARAMETER,
       "unknown allocation type: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(VirtualAlloc(NULL, PAGE, MEM_RESET | MEM_COMMIT, PAGE_READWRITE) == NULL && GetLastError() == ERROR_INVALID_PARAMETER,
       "MEM_RESET with MEM_COMMIT: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    memset(r + 4 * PAGE, 7, 1);
    VirtualProtect(r + 4 * PAGE, 2 * PAGE, PAGE_READWRITE, &old);
    r[4 * PAGE] = 7;
    ok(VirtualAlloc(r + 4 * PAGE, 2 * PAGE, MEM_RESET, PAGE_NOACCESS) == r + 4 * PAGE, "MEM_RESET of committed pages");
    m = q(r + 4 * PAGE);
    ok(m.State == MEM_COMMIT && m.Protect == PAGE_READWRITE, "MEM_RESET leaves state and protection");
    ok(VirtualAlloc(r + 4 * PAGE, 2 * PAGE, MEM_RESET_UNDO, PAGE_NOACCESS) == r + 4 * PAGE, "MEM_RESET_UNDO");

    /* Misuse of VirtualFree. */
    ok(fails_with(VirtualFree(r, 16 * PAGE, MEM_RELEASE), ERROR_INVALID_PARAMETER),
       "MEM_RELEASE with a size: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(fails_with(VirtualFree(r, 0, MEM_RELEASE | MEM_DECOMMIT), ERROR_INVALID_PARAMETER),
       "MEM_RELEASE|MEM_DECOMMIT: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(fails_with(VirtualFree(r + PAGE, 0, MEM_RELEASE), ERROR_INVALID_ADDRESS),
       "MEM_RELEASE not at the base: ERROR_INVALID_ADDRESS (%lu)", GetLastError());
    ok(VirtualFree(r, 0, MEM_RELEASE), "release the whole allocation");
    m = q(r);
    ok(m.State == MEM_FREE && m.AllocationBase == NULL && m.Protect == PAGE_NOACCESS, "released region is free");
    ok(fails_with(VirtualFree(r, 0, MEM_RELEASE), ERROR_INVALID_ADDRESS),
       "releasing free memory: ERROR_INVALID_ADDRESS (%lu)", GetLastError());

    /* Placement: MEM_COMMIT alone reserves too; top-down lands higher. */
    char *low = VirtualAlloc(NULL, PAGE, MEM_COMMIT, PAGE_READWRITE);
    char *high = VirtualAlloc(NULL, PAGE, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE);
    ok(low && high && high > low, "MEM_TOP_DOWN above bottom-up (%p > %p)", high, low);
    ok(q(low).State == MEM_COMMIT, "MEM_COMMIT with no address reserves and commits");
    char *fixed = VirtualAlloc(low + 3 * GRAN + 123, PAGE, MEM_RESERVE, PAGE_READWRITE);
    ok(fixed == NULL || fixed == low + 3 * GRAN, "a given address is rounded down to 64 KiB (%p)", fixed);
    if (fixed)
        VirtualFree(fixed, 0, MEM_RELEASE);
    VirtualFree(low, 0, MEM_RELEASE);
    VirtualFree(high, 0, MEM_RELEASE);

    SetLastError(0);
    ok(VirtualQuery((void *)0x7FFFFFFF0000, &m, sizeof m) == 0 && GetLastError() == ERROR_INVALID_PARAMETER,
       "VirtualQuery above the highest address: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(VirtualQuery(&m, &m, 8) == 0 && GetLastError() == ERROR_BAD_LENGTH,
       "VirtualQuery with a short buffer: ERROR_BAD_LENGTH (%lu)", GetLastError());
}

/* Bad pointers handed to the services: STATUS_ACCESS_VIOLATION, nothing
 * changed, no crash. */
typedef LONG(NTAPI *alloc_fn)(HANDLE, void **, ULONG_PTR, SIZE_T *, ULONG, ULONG);
typedef LONG(NTAPI *protect_fn)(HANDLE, void **, SIZE_T *, ULONG, ULONG *);
typedef LONG(NTAPI *query_fn)(HANDLE, void *, int, void *, SIZE_T, SIZE_T *);
typedef LONG(NTAPI *free_fn)(HANDLE, void **, SIZE_T *, ULONG);
#define STATUS_ACCESS_VIOLATION_ ((LONG)0xC0000005)

static void bad_pointers(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    alloc_fn nt_alloc = (alloc_fn)GetProcAddress(nt, "NtAllocateVirtualMemory");
    protect_fn nt_protect = (protect_fn)GetProcAddress(nt, "NtProtectVirtualMemory");
    query_fn nt_query = (query_fn)GetProcAddress(nt, "NtQueryVirtualMemory");
    free_fn nt_free = (free_fn)GetProcAddress(nt, "NtFreeVirtualMemory");
    char *bad = VirtualAlloc(NULL, PAGE, MEM_RESERVE, PAGE_READWRITE); /* inaccessible */
    SIZE_T size = PAGE;
    ok(nt_alloc(GetCurrentProcess(), (void **)bad, 0, &size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE) == STATUS_ACCESS_VIOLATION_,
       "NtAllocateVirtualMemory with a bad BaseAddress pointer: STATUS_ACCESS_VIOLATION");
    void *base = NULL;
    ok(nt_alloc(GetCurrentProcess(), &base, 0, (SIZE_T *)bad, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE) == STATUS_ACCESS_VIOLATION_,
       "... with a bad RegionSize pointer");
    char *page = VirtualAlloc(NULL, PAGE, MEM_COMMIT, PAGE_READWRITE);
    void *pb = page;
    size = PAGE;
    ok(nt_protect(GetCurrentProcess(), &pb, &size, PAGE_READONLY, (ULONG *)bad) == STATUS_ACCESS_VIOLATION_,
       "NtProtectVirtualMemory with a bad OldProtect pointer: STATUS_ACCESS_VIOLATION");
    ok(q(page).Protect == PAGE_READWRITE, "... and the protection is unchanged");
    ok(nt_query(GetCurrentProcess(), page, 0, bad, sizeof(MEMORY_BASIC_INFORMATION), NULL) == STATUS_ACCESS_VIOLATION_,
       "NtQueryVirtualMemory into a bad buffer: STATUS_ACCESS_VIOLATION");
    SetLastError(0);
    ok(VirtualQuery(page, (MEMORY_BASIC_INFORMATION *)bad, sizeof(MEMORY_BASIC_INFORMATION)) == 0 && GetLastError() == ERROR_NOACCESS,
       "VirtualQuery into a bad buffer: ERROR_NOACCESS (%lu)", GetLastError());
    ok(nt_free(GetCurrentProcess(), (void **)bad, &size, MEM_RELEASE) == STATUS_ACCESS_VIOLATION_,
       "NtFreeVirtualMemory with a bad BaseAddress pointer: STATUS_ACCESS_VIOLATION");
    VirtualFree(page, 0, MEM_RELEASE);
    VirtualFree(bad, 0, MEM_RELEASE);
}

/* ReadProcessMemory / WriteProcessMemory on this process, the *Ex calls. */
static void process_memory(void)
{
    HANDLE self = GetCurrentProcess();
    char *r = VirtualAlloc(NULL, 2 * PAGE, MEM_RESERVE, PAGE_READWRITE);
    VirtualAlloc(r, PAGE, MEM_COMMIT, PAGE_READWRITE);
    memset(r, 'r', PAGE);
    char buf[64];
    SIZE_T n = 0;
    ok(ReadProcessMemory(self, r, buf, 64, &n) && n == 64 && buf[63] == 'r', "ReadProcessMemory of committed memory");
    n = 12345;
    SetLastError(0);
    ok(!ReadProcessMemory(self, r + PAGE - 10, buf, 20, &n) && GetLastError() == ERROR_PARTIAL_COPY && n <= 10,
       "a read running into reserved memory: ERROR_PARTIAL_COPY (%lu, %llu bytes)", GetLastError(), (unsigned long long)n);
    ok(!ReadProcessMemory(self, r + PAGE, buf, 8, &n) && GetLastError() == ERROR_PARTIAL_COPY && n == 0,
       "a read of reserved memory: ERROR_PARTIAL_COPY, nothing read");
    DWORD old;
    VirtualProtect(r, PAGE, PAGE_READONLY, &old);
    ok(WriteProcessMemory(self, r + 8, "patch", 5, &n) && n == 5 && !memcmp(r + 8, "patch", 5),
       "WriteProcessMemory writes into a read-only page");
    MEMORY_BASIC_INFORMATION m;
    ok(VirtualQueryEx(self, r, &m, sizeof m) == sizeof m && m.Protect == PAGE_READONLY,
       "... which stays read-only (VirtualQueryEx: %lx)", m.Protect);
    ok(VirtualProtectEx(self, r, PAGE, PAGE_READWRITE, &old) && old == PAGE_READONLY, "VirtualProtectEx");
    ok(!WriteProcessMemory(self, r + PAGE, "x", 1, &n) && GetLastError() == ERROR_PARTIAL_COPY,
       "WriteProcessMemory into reserved memory: ERROR_PARTIAL_COPY (%lu)", GetLastError());
    ok(FlushInstructionCache(self, r, PAGE), "FlushInstructionCache");
    ok(VirtualFreeEx(self, r, 0, MEM_RELEASE) && q(r).State == MEM_FREE, "VirtualFreeEx");
}

/* Walks the whole address space: the regions tile it with no gap or
 * overlap, free ones have no allocation base. */
static int walk(int *regions, int *images, int *stack_seen)
{
    char *p = NULL;
    int n = 0, bad = 0;
    char probe;
    while ((ULONG_PTR)p < 0x7FFFFFFF0000ULL) {
        MEMORY_BASIC_INFORMATION m;
        if (!VirtualQuery(p, &m, sizeof m))
            return -1;
        if (m.BaseAddress != p || m.RegionSize == 0 || (m.RegionSize & (PAGE - 1)))
            bad++;
        if (m.State == MEM_FREE ? m.AllocationBase != NULL : (char *)m.AllocationBase > p)
            bad++;
        if (m.State != MEM_FREE && m.State != MEM_RESERVE && m.State != MEM_COMMIT)
            bad++;
        if (m.Type == MEM_IMAGE && m.State == MEM_COMMIT)
            (*images)++;
        if ((char *)&probe >= p && (char *)&probe < p + m.RegionSize && m.State == MEM_COMMIT)
            *stack_seen = 1;
        p += m.RegionSize;
        n++;
    }
    *regions = n;
    return (ULONG_PTR)p == 0x7FFFFFFF0000ULL ? bad : bad + 1;
}

/* The 1 GiB run. */
#define MAXA 512
static struct { char *base; SIZE_T size, commit_off, commit_len; } live[MAXA];
static int nlive;
static unsigned long long seed = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(unsigned n)
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(seed >> 33) % n;
}

/* For every live allocation, the regions whose AllocationBase is its base
 * must add up to its size, and the committed ones to what was committed. */
static int account(void)
{
    int bad = 0;
    for (int i = 0; i < nlive; i++) {
        SIZE_T reserved = 0, committed = 0;
        char *p = live[i].base;
        for (;;) {
            MEMORY_BASIC_INFORMATION m;
            if (!VirtualQuery(p, &m, sizeof m) || m.AllocationBase != live[i].base)
                break;
            reserved += m.RegionSize;
            if (m.State == MEM_COMMIT)
                committed += m.RegionSize;
            p += m.RegionSize;
        }
        if (reserved != live[i].size || committed != live[i].commit_len)
            bad++;
        /* The next region starts a new allocation or is free. */
        MEMORY_BASIC_INFORMATION m;
        if (VirtualQuery(p, &m, sizeof m) && m.AllocationBase == live[i].base)
            bad++;
    }
    return bad;
}

static void gigabyte(void)
{
    SIZE_T total = 0, peak = 0;
    int steps = 0, alloc_fail = 0, free_fail = 0, account_bad = 0, overlap = 0, freed_bad = 0, walk_bad = 0;
    int regions = 0, images = 0, stack = 0;
    int frees_left = 0;
    while (total < (1ULL << 30) && nlive < MAXA) {
        SIZE_T size = (SIZE_T)(1 + rnd(256)) * 16 * PAGE + rnd(16) * PAGE; /* 64 KiB .. 16 MiB, page multiples */
        char *b = VirtualAlloc(NULL, size, MEM_RESERVE, PAGE_READWRITE);
        if (!b) {
            alloc_fail++;
            break;
        }
        for (int i = 0; i < nlive; i++)
            if (b < live[i].base + live[i].size && live[i].base < b + size)
                overlap++;
        SIZE_T pages = size / PAGE;
        SIZE_T off = rnd((unsigned)pages), len = 1 + rnd((unsigned)(pages - off < 8 ? pages - off : 8));
        if (!VirtualAlloc(b + off * PAGE, len * PAGE, MEM_COMMIT, PAGE_READWRITE))
            alloc_fail++;
        b[off * PAGE] = 1;
        live[nlive].base = b;
        live[nlive].size = size;
        live[nlive].commit_off = off * PAGE;
        live[nlive].commit_len = len * PAGE;
        nlive++;
        total += size;
        steps++;
        account_bad += account();
        /* Now and then, free a random one. */
        if (rnd(4) == 0) {
            int k = rnd(nlive);
            char *fb = live[k].base;
            total -= live[k].size;
            if (!VirtualFree(fb, 0, MEM_RELEASE))
                free_fail++;
            live[k] = live[--nlive];
            MEMORY_BASIC_INFORMATION m;
            if (!VirtualQuery(fb, &m, sizeof m) || m.State != MEM_FREE)
                freed_bad++;
            account_bad += account();
            steps++;
        }
        if (total > peak)
            peak = total;
    }
    if (walk(&regions, &images, &stack) != 0)
        walk_bad++;
    int reserved_at_peak = nlive;
    /* Free the rest in random order. */
    while (nlive) {
        int k = rnd(nlive);
        char *fb = live[k].base;
        if (!VirtualFree(fb, 0, MEM_RELEASE))
            free_fail++;
        live[k] = live[--nlive];
        MEMORY_BASIC_INFORMATION m;
        if (!VirtualQuery(fb, &m, sizeof m) || m.State != MEM_FREE)
            freed_bad++;
        account_bad += account();
        frees_left++;
        steps++;
    }
    ok(peak >= (1ULL << 30), "reserved 1 GiB (peak %llu MiB, %d allocations live)", (unsigned long long)(peak >> 20), reserved_at_peak);
    is_int(alloc_fail, 0, "every reservation and commit succeeded");
    is_int(overlap, 0, "no reservation overlaps a live one");
    is_int(free_fail, 0, "every release succeeded");
    is_int(freed_bad, 0, "each released range reads MEM_FREE");
    is_int(account_bad, 0, "VirtualQuery accounts for every byte after each of %d steps", steps);
    is_int(walk_bad, 0, "the walk at the peak tiles the address space (%d regions)", regions);
    ok(images > 0 && stack, "the walk sees committed image pages and this thread's stack");
}

/* Many small reservations, every other one released and reserved again:
 * all succeed (and quickly: each placement must not walk every VAD). */
static void many(void)
{
    enum { N = 8000 };
    static char *p[N];
    int fails = 0, distinct = 1;
    for (int i = 0; i < N; i++)
        fails += !(p[i] = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE));
    for (int i = 0; i < N; i += 2)
        fails += !VirtualFree(p[i], 0, MEM_RELEASE);
    for (int i = 0; i < N; i += 2)
        fails += !(p[i] = VirtualAlloc(NULL, GRAN, MEM_RESERVE, PAGE_READWRITE));
    for (int i = 1; i < N; i++)
        distinct &= p[i] != p[i - 1];
    for (int i = 0; i < N; i++)
        VirtualFree(p[i], 0, MEM_RELEASE);
    is_int(fails, 0, "%d 64 KiB reservations, half released and reserved again", N);
    ok(distinct, "no two live reservations share an address");
}

int main(void)
{
    plan(83);
    basics();
    int regions = 0, images = 0, stack = 0;
    is_int(walk(&regions, &images, &stack), 0, "VirtualQuery walks the whole address space (%d regions)", regions);
    ok(images > 0, "image pages are MEM_IMAGE");
    ok(stack, "this thread's stack is committed");
    gigabyte();
    many();
    bad_pointers();
    process_memory();
    return done();
}
