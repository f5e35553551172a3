/*
 * guard_page.c - PAGE_GUARD ("Creating Guard Pages", memoryapi.h): the
 * first access to a guard page raises STATUS_GUARD_PAGE_VIOLATION and
 * lifts the guard, so the access succeeds when execution continues and
 * later accesses raise nothing. Also PAGE_NOACCESS and PAGE_EXECUTE_READ
 * pages raising access violations that a handler fixes up (the way
 * garbage collectors use protections). "guard_page.exe unhandled" touches
 * a guard page with no handler: the process ends with
 * STATUS_GUARD_PAGE_VIOLATION.
 */
#include <windows.h>
#include "tap.h"

static volatile LONG hits;
static volatile DWORD last_code;
static volatile ULONG_PTR last_kind, last_addr;

static LONG CALLBACK handler(EXCEPTION_POINTERS *e)
{
    if (e->ExceptionRecord->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_SEARCH;
    InterlockedIncrement(&hits);
    last_code = e->ExceptionRecord->ExceptionCode;
    last_kind = e->ExceptionRecord->ExceptionInformation[0];
    last_addr = e->ExceptionRecord->ExceptionInformation[1];
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* Access violations in [av_base, av_base + av_size): make the page
 * read-write and continue. */
static volatile LONG av_hits;
static volatile ULONG_PTR av_kind, av_addr;
static char *av_base;
static SIZE_T av_size;

static LONG CALLBACK av_handler(EXCEPTION_POINTERS *e)
{
    EXCEPTION_RECORD *r = e->ExceptionRecord;
    if (r->ExceptionCode != EXCEPTION_ACCESS_VIOLATION || r->NumberParameters < 2)
        return EXCEPTION_CONTINUE_SEARCH;
    char *at = (char *)r->ExceptionInformation[1];
    if (at < av_base || at >= av_base + av_size)
        return EXCEPTION_CONTINUE_SEARCH;
    InterlockedIncrement(&av_hits);
    av_kind = r->ExceptionInformation[0];
    av_addr = (ULONG_PTR)at;
    DWORD old;
    VirtualProtect((void *)((ULONG_PTR)at & ~(ULONG_PTR)4095), 4096, PAGE_EXECUTE_READWRITE, &old);
    return EXCEPTION_CONTINUE_EXECUTION;
}

static DWORD protect_of(volatile void *p)
{
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery((void *)p, &m, sizeof m);
    return m.Protect;
}

int main(int argc, char **argv)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    DWORD page = si.dwPageSize, old;
    volatile char *p = VirtualAlloc(NULL, 2 * page, MEM_COMMIT, PAGE_READWRITE);
    if (argc > 1 && !strcmp(argv[1], "unhandled")) {
        VirtualProtect((void *)p, page, PAGE_READWRITE | PAGE_GUARD, &old);
        return p[0];
    }
    plan(17);
    memset((void *)p, 'a', 2 * page);
    ok(VirtualProtect((void *)p, page, PAGE_READWRITE | PAGE_GUARD, &old), "make the first page a guard page");
    void *h = AddVectoredExceptionHandler(1, handler);
    ok(h != NULL, "AddVectoredExceptionHandler");
    char c = p[10];
    ok(hits == 1 && last_code == STATUS_GUARD_PAGE_VIOLATION, "a read raises STATUS_GUARD_PAGE_VIOLATION (%ld)", hits);
    ok(last_kind == 0 && last_addr == (ULONG_PTR)(p + 10), "the record says read, at the address touched");
    ok(c == 'a', "the continued read sees the page's data");
    ok(protect_of(p) == PAGE_READWRITE, "the guard is gone (protect %lx)", protect_of(p));
    (void)p[20];
    p[30] = 'b';
    ok(hits == 1 && p[30] == 'b', "later accesses raise nothing");

    ok(VirtualProtect((void *)(p + page), page, PAGE_READWRITE | PAGE_GUARD, &old), "guard the second page");
    p[page + 5] = 'w';
    ok(hits == 2 && last_kind == 1 && last_addr == (ULONG_PTR)(p + page + 5), "a write raises it too, as a write");
    ok(p[page + 5] == 'w' && p[page + 6] == 'a', "the continued write landed");

    volatile char *g = VirtualAlloc(NULL, page, MEM_COMMIT, PAGE_READONLY | PAGE_GUARD);
    ok(g && protect_of(g) == (PAGE_READONLY | PAGE_GUARD), "VirtualAlloc with PAGE_GUARD (protect %lx)", protect_of(g));
    c = g ? g[100] : 1;
    ok(hits == 3 && c == 0 && protect_of(g) == PAGE_READONLY, "its first read raises, then the page is plain read-only");
    ok(RemoveVectoredExceptionHandler(h), "RemoveVectoredExceptionHandler");

    /* PAGE_NOACCESS and PAGE_EXECUTE_READ, fixed up by a handler. */
    av_size = 2 * page;
    av_base = VirtualAlloc(NULL, av_size, MEM_COMMIT, PAGE_NOACCESS);
    void *h2 = AddVectoredExceptionHandler(1, av_handler);
    volatile char *n = av_base;
    n[7] = 'n';
    ok(av_hits == 1 && av_kind == 1 && av_addr == (ULONG_PTR)(n + 7) && n[7] == 'n',
       "a write to PAGE_NOACCESS raises an access violation (write, at the address); fixed up, it lands");
    static const unsigned char ret7[] = {0xB8, 7, 0, 0, 0, 0xC3}; /* mov eax, 7; ret */
    VirtualProtect(av_base + page, page, PAGE_READWRITE, &old);
    memcpy(av_base + page, ret7, sizeof ret7);
    VirtualProtect(av_base + page, page, PAGE_EXECUTE_READ, &old);
    ok(((int (*)(void))(av_base + page))() == 7 && av_hits == 1, "code in a PAGE_EXECUTE_READ page runs");
    av_base[page + 100] = 1;
    ok(av_hits == 2 && av_kind == 1 && av_base[page + 100] == 1, "a write to it raises an access violation");
    RemoveVectoredExceptionHandler(h2);
    ok(VirtualFree((void *)p, 0, MEM_RELEASE), "release");
    return done();
}
