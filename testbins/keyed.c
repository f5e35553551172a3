/* keyed.c - keyed events (ntdll's NtCreateKeyedEvent, NtWaitForKeyedEvent,
 * NtReleaseKeyedEvent): a release waits for a waiter on the same key and
 * pairs with exactly one; a wait waits for a release; keys are apart; a
 * NULL handle is the process-wide keyed event. These are native APIs
 * without Microsoft reference pages; the expectations follow their
 * documented use in Windows Internals and ntdll's own critical sections. */
#include <windows.h>
#include "tap.h"

typedef LONG NTSTATUS;
typedef NTSTATUS(NTAPI *create_fn)(HANDLE *, ACCESS_MASK, void *, ULONG);
typedef NTSTATUS(NTAPI *keyed_fn)(HANDLE, void *, BOOLEAN, LARGE_INTEGER *);

static create_fn NtCreateKeyedEvent;
static keyed_fn NtWaitForKeyedEvent, NtReleaseKeyedEvent;
static HANDLE keyed;
static volatile LONG woken;

static DWORD WINAPI waits_on(LPVOID key)
{
    NTSTATUS st = NtWaitForKeyedEvent(keyed, key, FALSE, NULL);
    InterlockedIncrement(&woken);
    return (DWORD)st;
}

static DWORD WINAPI waits_on_global(LPVOID key)
{
    return (DWORD)NtWaitForKeyedEvent(NULL, key, FALSE, NULL);
}

int main(void)
{
    plan(11);
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    NtCreateKeyedEvent = (create_fn)GetProcAddress(ntdll, "NtCreateKeyedEvent");
    NtWaitForKeyedEvent = (keyed_fn)GetProcAddress(ntdll, "NtWaitForKeyedEvent");
    NtReleaseKeyedEvent = (keyed_fn)GetProcAddress(ntdll, "NtReleaseKeyedEvent");
    ok(NtCreateKeyedEvent && NtWaitForKeyedEvent && NtReleaseKeyedEvent, "ntdll exports the keyed-event services");
    ok(NtCreateKeyedEvent(&keyed, 0xF0003, NULL, 0) == 0 && keyed, "NtCreateKeyedEvent");

    LARGE_INTEGER short_wait;
    short_wait.QuadPart = -20 * 10000; /* 20 ms */
    ok(NtReleaseKeyedEvent(keyed, (void *)0x1000, FALSE, &short_wait) == STATUS_TIMEOUT,
       "a release with no waiter times out");
    ok(NtWaitForKeyedEvent(keyed, (void *)0x1000, FALSE, &short_wait) == STATUS_TIMEOUT,
       "the timed-out release is gone: a wait times out too");

    HANDLE t[2];
    t[0] = CreateThread(NULL, 0, waits_on, (LPVOID)0x2000, 0, NULL);
    t[1] = CreateThread(NULL, 0, waits_on, (LPVOID)0x2000, 0, NULL);
    Sleep(50);
    ok(NtReleaseKeyedEvent(keyed, (void *)0x3000, FALSE, &short_wait) == STATUS_TIMEOUT,
       "a release of another key wakes nobody");
    ok(NtReleaseKeyedEvent(keyed, (void *)0x2000, FALSE, NULL) == 0, "a release pairs with a waiter");
    Sleep(50);
    ok(woken == 1, "exactly one waiter woke (%ld)", woken);
    ok(NtReleaseKeyedEvent(keyed, (void *)0x2000, FALSE, NULL) == 0 &&
           WaitForMultipleObjects(2, t, TRUE, 5000) == WAIT_OBJECT_0 && woken == 2,
       "a second release wakes the second");
    DWORD c0 = 1, c1 = 1;
    GetExitCodeThread(t[0], &c0);
    GetExitCodeThread(t[1], &c1);
    ok(c0 == 0 && c1 == 0, "both waits returned STATUS_SUCCESS");
    CloseHandle(t[0]);
    CloseHandle(t[1]);

    /* The process-wide keyed event behind a NULL handle. */
    HANDLE g = CreateThread(NULL, 0, waits_on_global, (LPVOID)0x4000, 0, NULL);
    Sleep(30);
    ok(NtReleaseKeyedEvent(NULL, (void *)0x4000, FALSE, NULL) == 0 && WaitForSingleObject(g, 5000) == WAIT_OBJECT_0,
       "a NULL handle is the process-wide keyed event");
    CloseHandle(g);

    HANDLE ev = CreateEventW(NULL, FALSE, FALSE, NULL);
    NTSTATUS st = NtReleaseKeyedEvent(ev, (void *)0x1000, FALSE, &short_wait);
    ok(st == (NTSTATUS)0xC0000024, "an event handle: STATUS_OBJECT_TYPE_MISMATCH (0x%lx)", (unsigned long)st);
    CloseHandle(ev);
    CloseHandle(keyed);
    return done();
}
