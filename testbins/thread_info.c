/* thread_info.c - GetThreadTimes, GetProcessTimes and thread descriptions.
 * Expected values from the Microsoft documentation: times are FILETIMEs
 * (creation/exit) and 100-ns durations (kernel/user); a thread's exit time
 * is only meaningful once it has ended; GetThreadDescription returns a
 * LocalAlloc'd string (empty when none was set); both return an HRESULT,
 * which on success is HRESULT_FROM_NT(STATUS_SUCCESS) as on Windows. */
#include <windows.h>
#include <wchar.h>
#include "tap.h"

#define NT_OK ((HRESULT)0x10000000) /* HRESULT_FROM_NT(STATUS_SUCCESS) */

typedef HRESULT(WINAPI *set_desc_fn)(HANDLE, PCWSTR);
typedef HRESULT(WINAPI *get_desc_fn)(HANDLE, PWSTR *);

static ULONGLONG ft(FILETIME f) { return ((ULONGLONG)f.dwHighDateTime << 32) | f.dwLowDateTime; }

static ULONGLONG now_ft(void)
{
    FILETIME f;
    GetSystemTimeAsFileTime(&f);
    return ft(f);
}

/* Burns `ms` of the thread's own CPU time (as it sees it), giving up after
 * 20 s of wall time; CPU time rather than wall time, so a loaded machine
 * does not change what is measured. */
static DWORD WINAPI spin(LPVOID p)
{
    ULONGLONG want = (ULONGLONG)(ULONG_PTR)p * 10000;
    ULONGLONG give_up = GetTickCount64() + 20000;
    volatile unsigned x = 0;
    FILETIME c, e, k, u;
    do {
        for (int i = 0; i < 100000; i++)
            x++;
        GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u);
    } while (ft(k) + ft(u) < want && GetTickCount64() < give_up);
    return 0;
}

static DWORD WINAPI waits_for(LPVOID p)
{
    return WaitForSingleObject((HANDLE)p, INFINITE);
}

static DWORD tls_index;
static HANDLE tls_set, tls_check;
static DWORD WINAPI tls_holder(LPVOID p)
{
    (void)p;
    TlsSetValue(tls_index, (LPVOID)0x55);
    SetEvent(tls_set);
    WaitForSingleObject(tls_check, INFINITE);
    /* The index was freed and allocated again meanwhile. */
    return TlsGetValue(tls_index) == NULL ? 1 : 2;
}

static DWORD WINAPI sleeper(LPVOID p)
{
    Sleep((DWORD)(ULONG_PTR)p);
    return 0;
}

int main(void)
{
    plan(28);
    FILETIME c, e, k, u;
    HMODULE k32 = GetModuleHandleA("kernel32.dll");
    set_desc_fn set_desc = (set_desc_fn)GetProcAddress(k32, "SetThreadDescription");
    get_desc_fn get_desc = (get_desc_fn)GetProcAddress(k32, "GetThreadDescription");

    /* The process: created before now, some CPU time already spent. */
    ULONGLONG t0 = now_ft();
    ok(GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u), "GetProcessTimes on the current process");
    ok(ft(c) != 0 && ft(c) <= t0 && t0 - ft(c) < 10ull * 60 * 10000000, "process creation time is a recent FILETIME");
    HRESULT hr;
    DWORD code = 0;
    ULONGLONG process_cpu_before = ft(k) + ft(u);

    /* A thread that burns 200 ms of CPU. */
    ULONGLONG before_create = now_ft();
    HANDLE busy = CreateThread(NULL, 0, spin, (LPVOID)200, 0, NULL);
    WaitForSingleObject(busy, INFINITE);
    ULONGLONG after_exit = now_ft();
    ok(GetThreadTimes(busy, &c, &e, &k, &u), "GetThreadTimes on an ended thread");
    ok(ft(c) >= before_create - 10000 && ft(c) <= after_exit, "creation time lies between CreateThread and its end");
    ok(ft(e) >= ft(c) && ft(e) <= after_exit + 10000, "exit time lies between creation and now");
    ULONGLONG cpu = ft(k) + ft(u);
    ok(cpu >= 2000000 && cpu <= after_exit - before_create + 200000,
       "200 ms of CPU seen from inside is at least that from outside, and no more than the wall time (%llu00 ns)", cpu);
    ok(ft(u) >= ft(k), "spinning is mostly user time");

    /* A sleeping thread uses almost no CPU; while it runs its exit time is
     * not set. */
    HANDLE idle = CreateThread(NULL, 0, sleeper, (LPVOID)300, 0, NULL);
    Sleep(50);
    ok(GetThreadTimes(idle, &c, &e, &k, &u), "GetThreadTimes on a running thread");
    ok(ft(k) + ft(u) < 1000000, "a sleeping thread has used under 100 ms of CPU");
    WaitForSingleObject(idle, INFINITE);

    /* The process's CPU time includes its threads'. */
    GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u);
    ok(ft(k) + ft(u) >= process_cpu_before + cpu / 2, "process CPU time grew by the busy thread's");

    /* The current thread through its pseudo-handle. */
    spin((LPVOID)50);
    ok(GetThreadTimes(GetCurrentThread(), &c, &e, &k, &u) && ft(k) + ft(u) > 0,
       "GetThreadTimes on the current thread's pseudo-handle");

    /* Bad handles. */
    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    SetLastError(0);
    BOOL r = GetThreadTimes(ev, &c, &e, &k, &u);
    DWORD err = GetLastError();
    ok(!r && err == ERROR_INVALID_HANDLE, "GetThreadTimes on an event: ERROR_INVALID_HANDLE (%lu)", err);
    SetLastError(0);
    r = GetThreadTimes((HANDLE)(ULONG_PTR)0x7ff0, &c, &e, &k, &u);
    err = GetLastError();
    ok(!r && err == ERROR_INVALID_HANDLE, "GetThreadTimes on a handle never opened: ERROR_INVALID_HANDLE (%lu)", err);

    /* Descriptions, on a thread that is running. */
    HANDLE release = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE named = CreateThread(NULL, 0, waits_for, release, 0, NULL);
    ok(set_desc && get_desc, "SetThreadDescription and GetThreadDescription are exported");
    PWSTR d = NULL;
    hr = get_desc(named, &d);
    ok(hr == NT_OK && d && d[0] == 0, "a thread without a description has an empty one (0x%08lx)", (unsigned long)hr);
    LocalFree(d);
    hr = set_desc(named, L"worker \x00e9t\x00e9");
    ok(hr == NT_OK, "SetThreadDescription succeeds (0x%08lx)", (unsigned long)hr);
    d = NULL;
    ok(get_desc(named, &d) == NT_OK && d && wcscmp(d, L"worker \x00e9t\x00e9") == 0, "GetThreadDescription returns it");
    LocalFree(d);
    ok(set_desc(GetCurrentThread(), L"main") == NT_OK && get_desc(GetCurrentThread(), &d) == NT_OK &&
           wcscmp(d, L"main") == 0,
       "the current thread's own description");
    LocalFree(d);
    ok(set_desc(named, NULL) == NT_OK && get_desc(named, &d) == NT_OK && d[0] == 0, "a NULL description clears it");
    LocalFree(d);
    hr = set_desc(ev, L"x");
    ok(FAILED(hr), "SetThreadDescription on an event fails (0x%08lx)", (unsigned long)hr);
    d = (PWSTR)1;
    hr = get_desc(ev, &d);
    ok(FAILED(hr) && d == NULL, "GetThreadDescription on an event fails and returns NULL (0x%08lx)", (unsigned long)hr);

    /* Affinity: stored and reported. */
    DWORD_PTR pmask = 0, smask = 0;
    ok(GetProcessAffinityMask(GetCurrentProcess(), &pmask, &smask) && pmask && smask && (pmask & ~smask) == 0,
       "GetProcessAffinityMask: a non-empty subset of the system's (0x%llx, 0x%llx)",
       (unsigned long long)pmask, (unsigned long long)smask);
    DWORD_PTR prev = SetThreadAffinityMask(GetCurrentThread(), 1);
    ok(prev == pmask, "SetThreadAffinityMask returns the previous mask, the process's (0x%llx)", (unsigned long long)prev);
    ok(SetThreadAffinityMask(GetCurrentThread(), pmask) == 1, "and then the mask it set");
    if (smask != ~(DWORD_PTR)0) {
        SetLastError(0);
        prev = SetThreadAffinityMask(GetCurrentThread(), ~smask);
        err = GetLastError();
        ok(prev == 0 && err == ERROR_INVALID_PARAMETER, "a mask outside the process's: ERROR_INVALID_PARAMETER (%lu)", err);
    } else {
        ok(1, "a mask outside the process's # SKIP all 64 processors present");
    }
    ok(SetProcessAffinityMask(GetCurrentProcess(), smask), "SetProcessAffinityMask to the system's mask");

    /* TlsFree clears the slot in every thread. */
    tls_index = TlsAlloc();
    tls_set = CreateEventW(NULL, FALSE, FALSE, NULL);
    tls_check = CreateEventW(NULL, FALSE, FALSE, NULL);
    HANDLE holder = CreateThread(NULL, 0, tls_holder, NULL, 0, NULL);
    WaitForSingleObject(tls_set, INFINITE);
    TlsFree(tls_index);
    DWORD again = TlsAlloc();
    ok(again == tls_index, "TlsAlloc after TlsFree hands out the same index (%lu, %lu)", again, tls_index);
    SetEvent(tls_check);
    WaitForSingleObject(holder, INFINITE);
    GetExitCodeThread(holder, &code);
    ok(code == 1, "another thread's value in the freed slot is gone (%lu)", code);
    CloseHandle(holder);
    CloseHandle(tls_set);
    CloseHandle(tls_check);

    CloseHandle(ev);
    CloseHandle(busy);
    CloseHandle(idle);
    SetEvent(release);
    WaitForSingleObject(named, INFINITE);
    CloseHandle(named);
    CloseHandle(release);
    return done();
}
