/*
 * sync_objects.c - events, mutexes and semaphores, named and unnamed;
 * WaitForMultipleObjects, SignalObjectAndWait, DuplicateHandle and
 * Get/SetHandleInformation. Single-threaded, except the abandoned-mutex
 * checks, which run with the argument "abandon".
 *
 * Expected values come from the Microsoft documentation of each function:
 *   - CreateEvent/CreateMutex/CreateSemaphore of an existing name open it
 *     and set ERROR_ALREADY_EXISTS (and ignore bInitialOwner / the initial
 *     state); a name used by an object of another type fails with
 *     ERROR_INVALID_HANDLE; names are case-sensitive; Global\ and Local\
 *     prefixes; Open* of a missing name fails with ERROR_FILE_NOT_FOUND;
 *     a named object goes away with its last handle;
 *   - a mutex is owned recursively by its creator or waiter; ReleaseMutex
 *     by a thread that does not own it fails with ERROR_NOT_OWNER;
 *     a mutex whose owner ended gives WAIT_ABANDONED to the next waiter;
 *   - a semaphore needs 0 <= initial <= maximum and maximum > 0
 *     (ERROR_INVALID_PARAMETER), and a release past the maximum fails with
 *     ERROR_TOO_MANY_POSTS and changes nothing;
 *   - WaitForMultipleObjects returns WAIT_OBJECT_0 + the lowest signalled
 *     index when waiting for any, changes the objects' state only when all
 *     are signalled when waiting for all, times out, and fails with
 *     ERROR_INVALID_PARAMETER for 0 or more than MAXIMUM_WAIT_OBJECTS
 *     handles and ERROR_INVALID_HANDLE for a bad handle;
 *   - SignalObjectAndWait signals (sets, releases) and then waits;
 *   - DuplicateHandle with DUPLICATE_SAME_ACCESS / DUPLICATE_CLOSE_SOURCE
 *     or a reduced access; handles grant only their access
 *     (ERROR_ACCESS_DENIED);
 *   - NtQueryObject: granted access, handle counts, the type name;
 *   - the namespace: root directories, OBJ_OPENIF, OBJ_CASE_INSENSITIVE,
 *     \\Sessions\\1\\BaseNamedObjects\\Global -> \\BaseNamedObjects;
 *   - HANDLE_FLAG_INHERIT and HANDLE_FLAG_PROTECT_FROM_CLOSE, and
 *     CloseHandle of a protected handle failing;
 *   - a handle of the wrong type or a closed handle: ERROR_INVALID_HANDLE;
 *     a bad pointer: ERROR_NOACCESS / STATUS_ACCESS_VIOLATION.
 */
#include <windows.h>
#include <winternl.h>

#include "tap.h"

#define NAME_EVENT L"casement-sync-event"
#define NAME_MUTEX L"casement-sync-mutex"
#define NAME_SEM L"casement-sync-semaphore"

static int last_is(DWORD want)
{
    return GetLastError() == want;
}

/* Signalled now? (consumes an auto-reset signal, like any wait) */
static int signalled(HANDLE h)
{
    return WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
}

static void events(void)
{
    HANDLE a, b, c, h;
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    DWORD flags = 0xdead;

    SetLastError(0xdead);
    a = CreateEventW(NULL, TRUE, FALSE, NAME_EVENT);
    ok(a != NULL && last_is(0), "CreateEventW of a new name: last error 0");
    b = CreateEventW(NULL, FALSE, TRUE, NAME_EVENT);
    ok(b != NULL && b != a && last_is(ERROR_ALREADY_EXISTS),
       "CreateEventW of an existing name opens it: ERROR_ALREADY_EXISTS");
    ok(!signalled(a), "the existing event keeps its state (initial state ignored)");
    ok(SetEvent(b) && signalled(a) && signalled(a), "both handles are one manual-reset event");
    ok(ResetEvent(a) && !signalled(b), "ResetEvent");

    c = OpenEventW(EVENT_ALL_ACCESS, FALSE, NAME_EVENT);
    ok(c != NULL, "OpenEventW of an existing name");
    SetLastError(0);
    h = OpenEventW(EVENT_ALL_ACCESS, FALSE, L"casement-sync-missing");
    ok(h == NULL && last_is(ERROR_FILE_NOT_FOUND), "OpenEventW of a missing name: ERROR_FILE_NOT_FOUND");
    h = OpenEventW(EVENT_ALL_ACCESS, FALSE, L"CASEMENT-SYNC-EVENT");
    ok(h == NULL && last_is(ERROR_FILE_NOT_FOUND), "names are case-sensitive");
    h = OpenEventA(EVENT_ALL_ACCESS, FALSE, "casement-sync-event");
    ok(h != NULL, "OpenEventA finds the name CreateEventW gave");
    CloseHandle(h);

    /* Access rights of a handle. */
    h = OpenEventW(SYNCHRONIZE, FALSE, NAME_EVENT);
    SetLastError(0);
    ok(h != NULL && !SetEvent(h) && last_is(ERROR_ACCESS_DENIED),
       "SetEvent through a SYNCHRONIZE-only handle: ERROR_ACCESS_DENIED");
    CloseHandle(h);
    h = OpenEventW(EVENT_MODIFY_STATE, FALSE, NAME_EVENT);
    ok(h != NULL && WaitForSingleObject(h, 0) == WAIT_FAILED && last_is(ERROR_ACCESS_DENIED),
       "waiting without SYNCHRONIZE: ERROR_ACCESS_DENIED");
    ok(SetEvent(h) && signalled(a), "...but it may set the event");
    ResetEvent(a);
    CloseHandle(h);

    /* Pulse: with no waiter, the event ends up reset. */
    ok(PulseEvent(a) && !signalled(a), "PulseEvent of a reset event leaves it reset");
    SetEvent(a);
    ok(PulseEvent(a) && !signalled(a), "PulseEvent of a set event resets it");

    /* Auto-reset: a wait consumes the signal. */
    h = CreateEventA(NULL, FALSE, TRUE, NULL);
    ok(h != NULL && signalled(h) && !signalled(h), "auto-reset event: one wait consumes the signal");
    CloseHandle(h);
    h = CreateEventExW(NULL, NULL, CREATE_EVENT_MANUAL_RESET | CREATE_EVENT_INITIAL_SET, EVENT_ALL_ACCESS);
    ok(h != NULL && signalled(h) && signalled(h), "CreateEventExW manual reset, initially set");
    CloseHandle(h);
    h = CreateEventW(&sa, FALSE, FALSE, NULL);
    ok(GetHandleInformation(h, &flags) && flags == HANDLE_FLAG_INHERIT,
       "bInheritHandle gives an inheritable handle");
    CloseHandle(h);

    /* The name goes with the last handle. */
    CloseHandle(a);
    CloseHandle(b);
    h = OpenEventW(SYNCHRONIZE, FALSE, NAME_EVENT);
    ok(h != NULL, "the name lives while a handle is open");
    CloseHandle(h);
    CloseHandle(c);
    SetLastError(0);
    h = OpenEventW(SYNCHRONIZE, FALSE, NAME_EVENT);
    ok(h == NULL && last_is(ERROR_FILE_NOT_FOUND), "the name is gone with the last handle");

    /* Global\ names are in the global namespace, Local\ in the session's. */
    a = CreateEventW(NULL, TRUE, FALSE, L"Global\\casement-sync-global");
    h = OpenEventW(SYNCHRONIZE, FALSE, L"Global\\casement-sync-global");
    ok(a != NULL && h != NULL, "Global\\ name");
    CloseHandle(h);
    h = OpenEventW(SYNCHRONIZE, FALSE, L"casement-sync-global");
    ok(h == NULL && last_is(ERROR_FILE_NOT_FOUND), "a Global\\ name is not in the session namespace");
    CloseHandle(a);
    a = CreateEventW(NULL, TRUE, FALSE, L"Local\\casement-sync-local");
    h = OpenEventW(SYNCHRONIZE, FALSE, L"casement-sync-local");
    ok(a != NULL && h != NULL, "Local\\ is the session namespace");
    CloseHandle(h);
    CloseHandle(a);
    SetLastError(0);
    a = CreateEventW(NULL, TRUE, FALSE, L"casement-sync\\sub");
    ok(a == NULL && last_is(ERROR_PATH_NOT_FOUND), "a name with another backslash: ERROR_PATH_NOT_FOUND");
}

static void mutexes(void)
{
    HANDLE m, n, e;

    m = CreateMutexW(NULL, TRUE, NULL);
    ok(m != NULL, "CreateMutexW owned");
    ok(WaitForSingleObject(m, 0) == WAIT_OBJECT_0, "the owner's wait succeeds (recursion)");
    ok(ReleaseMutex(m), "ReleaseMutex once");
    ok(ReleaseMutex(m), "ReleaseMutex twice (the count of waits plus creation)");
    SetLastError(0);
    ok(!ReleaseMutex(m) && last_is(ERROR_NOT_OWNER), "a third ReleaseMutex: ERROR_NOT_OWNER");
    ok(WaitForSingleObject(m, 0) == WAIT_OBJECT_0 && ReleaseMutex(m), "a free mutex is taken by a wait");
    CloseHandle(m);

    m = CreateMutexA(NULL, FALSE, NULL);
    SetLastError(0);
    ok(m != NULL && !ReleaseMutex(m) && last_is(ERROR_NOT_OWNER), "ReleaseMutex of an unowned mutex: ERROR_NOT_OWNER");
    CloseHandle(m);

    m = CreateMutexExW(NULL, NULL, CREATE_MUTEX_INITIAL_OWNER, MUTEX_ALL_ACCESS);
    ok(m != NULL && ReleaseMutex(m) && !ReleaseMutex(m), "CreateMutexExW CREATE_MUTEX_INITIAL_OWNER");
    CloseHandle(m);

    SetLastError(0xdead);
    m = CreateMutexW(NULL, FALSE, NAME_MUTEX);
    ok(m != NULL && last_is(0), "named mutex");
    n = CreateMutexW(NULL, TRUE, NAME_MUTEX);
    ok(n != NULL && last_is(ERROR_ALREADY_EXISTS), "CreateMutexW of an existing name: ERROR_ALREADY_EXISTS");
    ok(!ReleaseMutex(n) && last_is(ERROR_NOT_OWNER), "bInitialOwner is ignored for an existing mutex");
    CloseHandle(n);
    n = OpenMutexW(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, NAME_MUTEX);
    ok(n != NULL, "OpenMutexW");
    ok(WaitForSingleObject(m, 0) == WAIT_OBJECT_0 && WaitForSingleObject(n, 0) == WAIT_OBJECT_0,
       "one mutex through two handles, owned twice");
    ok(ReleaseMutex(n) && ReleaseMutex(m) && !ReleaseMutex(m), "released twice through either handle");
    CloseHandle(n);

    /* Names and types. */
    e = CreateEventW(NULL, TRUE, FALSE, NAME_EVENT);
    SetLastError(0);
    n = CreateMutexW(NULL, FALSE, NAME_EVENT);
    ok(n == NULL && last_is(ERROR_INVALID_HANDLE), "CreateMutexW of an event's name: ERROR_INVALID_HANDLE");
    n = OpenMutexW(SYNCHRONIZE, FALSE, NAME_EVENT);
    ok(n == NULL && last_is(ERROR_INVALID_HANDLE), "OpenMutexW of an event's name: ERROR_INVALID_HANDLE");
    n = CreateEventW(NULL, TRUE, FALSE, NAME_MUTEX);
    ok(n == NULL && last_is(ERROR_INVALID_HANDLE), "CreateEventW of a mutex's name: ERROR_INVALID_HANDLE");

    /* Handles of the wrong type. */
    SetLastError(0);
    ok(!ReleaseMutex(e) && last_is(ERROR_INVALID_HANDLE), "ReleaseMutex of an event: ERROR_INVALID_HANDLE");
    SetLastError(0);
    ok(!SetEvent(m) && last_is(ERROR_INVALID_HANDLE), "SetEvent of a mutex: ERROR_INVALID_HANDLE");
    CloseHandle(e);
    CloseHandle(m);
}

static void semaphores(void)
{
    HANDLE s, t, e;
    LONG prev = -1;

    SetLastError(0);
    s = CreateSemaphoreW(NULL, 2, 1, NULL);
    ok(s == NULL && last_is(ERROR_INVALID_PARAMETER), "initial count above the maximum: ERROR_INVALID_PARAMETER");
    s = CreateSemaphoreW(NULL, 0, 0, NULL);
    ok(s == NULL && last_is(ERROR_INVALID_PARAMETER), "maximum 0: ERROR_INVALID_PARAMETER");
    s = CreateSemaphoreW(NULL, -1, 1, NULL);
    ok(s == NULL && last_is(ERROR_INVALID_PARAMETER), "negative initial count: ERROR_INVALID_PARAMETER");

    s = CreateSemaphoreW(NULL, 1, 3, NAME_SEM);
    ok(s != NULL, "CreateSemaphoreW(1, 3)");
    ok(signalled(s) && !signalled(s), "a wait takes one count");
    ok(ReleaseSemaphore(s, 2, &prev) && prev == 0, "ReleaseSemaphore(2): previous count 0");
    prev = -1;
    SetLastError(0);
    ok(!ReleaseSemaphore(s, 2, &prev) && last_is(ERROR_TOO_MANY_POSTS),
       "a release past the maximum: ERROR_TOO_MANY_POSTS");
    ok(ReleaseSemaphore(s, 1, &prev) && prev == 2, "...which changed nothing: previous count 2");
    /* "The value must be greater than zero" (Wine accepts 0). */
    SetLastError(0);
    ok(!ReleaseSemaphore(s, 0, NULL) && last_is(ERROR_INVALID_PARAMETER), "ReleaseSemaphore(0): ERROR_INVALID_PARAMETER");

    t = OpenSemaphoreW(SEMAPHORE_ALL_ACCESS, FALSE, NAME_SEM);
    ok(t != NULL && signalled(t) && signalled(s) && signalled(t) && !signalled(s),
       "OpenSemaphoreW: one count of 3 through two handles");
    CloseHandle(t);
    t = CreateSemaphoreW(NULL, 0, 10, NAME_SEM);
    ok(t != NULL && last_is(ERROR_ALREADY_EXISTS) && !signalled(t),
       "CreateSemaphoreW of an existing name: ERROR_ALREADY_EXISTS, counts ignored");
    CloseHandle(t);
    /* NT services probe their out-parameters before acting (Wine releases
     * first). */
    SetLastError(0);
    ok(!ReleaseSemaphore(s, 1, (LONG *)1) && last_is(ERROR_NOACCESS), "a bad lpPreviousCount: ERROR_NOACCESS");
    ok(!signalled(s), "...and the count did not change");
    t = OpenSemaphoreW(SYNCHRONIZE, FALSE, NAME_SEM);
    SetLastError(0);
    ok(t != NULL && !ReleaseSemaphore(t, 1, NULL) && last_is(ERROR_ACCESS_DENIED),
       "ReleaseSemaphore without SEMAPHORE_MODIFY_STATE: ERROR_ACCESS_DENIED");
    CloseHandle(t);

    e = CreateEventW(NULL, FALSE, FALSE, NULL);
    SetLastError(0);
    ok(!ReleaseSemaphore(e, 1, NULL) && last_is(ERROR_INVALID_HANDLE), "ReleaseSemaphore of an event: ERROR_INVALID_HANDLE");
    CloseHandle(e);
    CloseHandle(s);
}

static void multiple_waits(void)
{
    HANDLE h[MAXIMUM_WAIT_OBJECTS + 1];
    HANDLE e0, e1, s, m, bad[2];
    ULONGLONG start, elapsed;
    LONG prev = -1;
    int i, all_created = 1;

    e0 = CreateEventW(NULL, FALSE, FALSE, NULL);
    e1 = CreateEventW(NULL, FALSE, FALSE, NULL);
    h[0] = e0;
    h[1] = e1;
    is_int(WaitForMultipleObjects(2, h, FALSE, 0), WAIT_TIMEOUT, "wait any, nothing signalled: WAIT_TIMEOUT");
    SetEvent(e1);
    is_int(WaitForMultipleObjects(2, h, FALSE, 0), WAIT_OBJECT_0 + 1, "wait any: WAIT_OBJECT_0 + 1");
    ok(!signalled(e1), "...and the auto-reset event was consumed");
    SetEvent(e0);
    SetEvent(e1);
    is_int(WaitForMultipleObjects(2, h, FALSE, 0), WAIT_OBJECT_0, "both signalled: the lowest index");
    is_int(WaitForMultipleObjects(2, h, FALSE, 0), WAIT_OBJECT_0 + 1, "then the other");

    /* Wait all: nothing changes unless everything is signalled. */
    s = CreateSemaphoreW(NULL, 1, 5, NULL);
    h[1] = s;
    h[2] = e1;
    SetEvent(e0);
    is_int(WaitForMultipleObjects(3, h, TRUE, 0), WAIT_TIMEOUT, "wait all, one not signalled: WAIT_TIMEOUT");
    ok(ReleaseSemaphore(s, 1, &prev) && prev == 1, "...the semaphore kept its count");
    ok(signalled(e0), "...the auto-reset event kept its signal");
    WaitForSingleObject(s, 0);
    SetEvent(e0);
    SetEvent(e1);
    is_int(WaitForMultipleObjects(3, h, TRUE, 0), WAIT_OBJECT_0, "wait all, all signalled: WAIT_OBJECT_0");
    ok(!signalled(e0) && !signalled(e1) && !signalled(s), "...and every object was taken");

    /* A mutex this thread owns satisfies a wait. */
    m = CreateMutexW(NULL, TRUE, NULL);
    h[0] = e0;
    h[1] = m;
    is_int(WaitForMultipleObjects(2, h, FALSE, 0), WAIT_OBJECT_0 + 1, "an owned mutex satisfies a wait");
    is_int(WaitForMultipleObjects(2, h, TRUE, 0), WAIT_TIMEOUT, "wait all with an unsignalled event");
    ok(ReleaseMutex(m) && ReleaseMutex(m) && !ReleaseMutex(m), "the mutex was taken once by the waits");

    /* Timeouts. */
    is_int(WaitForMultipleObjects(2, h, FALSE, 100), WAIT_OBJECT_0 + 1, "a free mutex is taken by a wait any");
    ReleaseMutex(m);
    h[1] = e1;
    start = GetTickCount64();
    is_int(WaitForMultipleObjects(2, h, FALSE, 100), WAIT_TIMEOUT, "wait any for 100 ms: WAIT_TIMEOUT");
    elapsed = GetTickCount64() - start;
    ok(elapsed >= 80 && elapsed < 5000, "...after about 100 ms (%llu)", elapsed);
    start = GetTickCount64();
    is_int(WaitForMultipleObjects(2, h, TRUE, 100), WAIT_TIMEOUT, "wait all for 100 ms: WAIT_TIMEOUT");
    elapsed = GetTickCount64() - start;
    ok(elapsed >= 80 && elapsed < 5000, "...after about 100 ms (%llu)", elapsed);

    /* Bad arguments. */
    SetLastError(0);
    ok(WaitForMultipleObjects(0, h, FALSE, 0) == WAIT_FAILED && last_is(ERROR_INVALID_PARAMETER),
       "no handles: ERROR_INVALID_PARAMETER");
    for (i = 0; i <= MAXIMUM_WAIT_OBJECTS; i++) {
        h[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
        all_created &= h[i] != NULL;
    }
    SetLastError(0);
    ok(all_created && WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS + 1, h, FALSE, 0) == WAIT_FAILED &&
           last_is(ERROR_INVALID_PARAMETER),
       "MAXIMUM_WAIT_OBJECTS + 1 handles: ERROR_INVALID_PARAMETER");
    SetEvent(h[MAXIMUM_WAIT_OBJECTS - 1]);
    is_int(WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, h, FALSE, 0), WAIT_OBJECT_0 + MAXIMUM_WAIT_OBJECTS - 1,
           "64 handles, the last signalled");
    for (i = 0; i < MAXIMUM_WAIT_OBJECTS - 1; i++)
        SetEvent(h[i]);
    is_int(WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, h, TRUE, 0), WAIT_OBJECT_0, "wait all for 64 handles");
    for (i = 0; i <= MAXIMUM_WAIT_OBJECTS; i++)
        CloseHandle(h[i]);
    bad[0] = e0;
    bad[1] = h[0]; /* closed */
    SetLastError(0);
    ok(WaitForMultipleObjects(2, bad, FALSE, 0) == WAIT_FAILED && last_is(ERROR_INVALID_HANDLE),
       "a closed handle in the array: ERROR_INVALID_HANDLE");
    CloseHandle(e0);
    CloseHandle(e1);
    CloseHandle(s);
    CloseHandle(m);
}

static void signal_and_wait(void)
{
    HANDLE e = CreateEventW(NULL, FALSE, FALSE, NULL);
    HANDLE f = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE s = CreateSemaphoreW(NULL, 0, 1, NULL);
    HANDLE m = CreateMutexW(NULL, FALSE, NULL);
    LONG prev = -1;

    is_int(SignalObjectAndWait(e, e, 0, FALSE), WAIT_OBJECT_0, "SignalObjectAndWait sets, then waits");
    ok(!signalled(e), "...and the wait took the signal");
    is_int(SignalObjectAndWait(s, f, 0, FALSE), WAIT_TIMEOUT, "SignalObjectAndWait on a reset event: WAIT_TIMEOUT");
    ok(ReleaseSemaphore(s, 0 + 1, &prev) == FALSE && last_is(ERROR_TOO_MANY_POSTS),
       "...after releasing the semaphore");
    SetLastError(0);
    ok(SignalObjectAndWait(s, f, 0, FALSE) == WAIT_FAILED && last_is(ERROR_TOO_MANY_POSTS),
       "signalling a full semaphore: ERROR_TOO_MANY_POSTS");
    SetLastError(0);
    ok(SignalObjectAndWait(m, f, 0, FALSE) == WAIT_FAILED && last_is(ERROR_NOT_OWNER),
       "releasing a mutex it does not own: ERROR_NOT_OWNER");
    ok(WaitForSingleObject(m, 0) == WAIT_OBJECT_0, "take the mutex");
    is_int(SignalObjectAndWait(m, m, 0, FALSE), WAIT_OBJECT_0, "release the mutex and take it again");
    ok(ReleaseMutex(m) && !ReleaseMutex(m), "...owned once");
    CloseHandle(e);
    CloseHandle(f);
    CloseHandle(s);
    CloseHandle(m);
}

/* NtQueryObject, for what only the native API tells. */
typedef LONG(WINAPI *query_object_fn)(HANDLE, ULONG, PVOID, ULONG, PULONG);

static query_object_fn query_object(void)
{
    return (query_object_fn)(void (*)(void))GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtQueryObject");
}

/* OBJECT_BASIC_INFORMATION: Attributes, GrantedAccess, HandleCount, ... */
static int basic_info(HANDLE h, ULONG info[14])
{
    return query_object()(h, 0 /* ObjectBasicInformation */, info, 14 * sizeof(ULONG), NULL) == 0;
}

static void native_info(void)
{
    HANDLE e = CreateEventW(NULL, TRUE, FALSE, NULL), dup = NULL;
    ULONG info[14];
    union {
        UNICODE_STRING name;
        char buf[512];
    } type;
    ULONG len = 0;
    LONG st;

    ok(basic_info(e, info) && info[1] == EVENT_ALL_ACCESS && info[2] == 1,
       "ObjectBasicInformation: EVENT_ALL_ACCESS, one handle");
    DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &dup, SYNCHRONIZE, FALSE, 0);
    ok(basic_info(dup, info) && info[1] == SYNCHRONIZE && info[2] == 2, "a duplicate: its own access, two handles");
    st = query_object()(e, 2 /* ObjectTypeInformation */, &type, sizeof type, &len);
    ok(st == 0 && type.name.Length == 10 && memcmp(type.name.Buffer, L"Event", 10) == 0,
       "ObjectTypeInformation: \"Event\"");
    st = query_object()(e, 0, info, 8, &len);
    is_int(st, (LONG)0xC0000004, "ObjectBasicInformation in 8 bytes: STATUS_INFO_LENGTH_MISMATCH");
    ok(DuplicateHandle(GetCurrentProcess(), dup, GetCurrentProcess(), &dup, 0, FALSE,
                       DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE) &&
           basic_info(e, info) && info[2] == 2,
       "DUPLICATE_CLOSE_SOURCE: still two handles");
    CloseHandle(dup);
    CloseHandle(e);
}

/* The object namespace through the native API. */
typedef LONG(WINAPI *open_fn)(HANDLE *, ACCESS_MASK, OBJECT_ATTRIBUTES *);
typedef LONG(WINAPI *create_event_fn)(HANDLE *, ACCESS_MASK, OBJECT_ATTRIBUTES *, int, BOOLEAN);
typedef LONG(WINAPI *create_mutant_fn)(HANDLE *, ACCESS_MASK, OBJECT_ATTRIBUTES *, BOOLEAN);
typedef LONG(WINAPI *query_link_fn)(HANDLE, UNICODE_STRING *, ULONG *);

static void *native(const char *name)
{
    return (void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), name);
}

static void init_name(UNICODE_STRING *us, const WCHAR *s)
{
    us->Buffer = (WCHAR *)s;
    us->Length = (USHORT)(wcslen(s) * sizeof(WCHAR));
    us->MaximumLength = us->Length + sizeof(WCHAR);
}

static void native_namespace(void)
{
    open_fn open_dir = (open_fn)native("NtOpenDirectoryObject");
    open_fn open_link = (open_fn)native("NtOpenSymbolicLinkObject");
    open_fn open_event = (open_fn)native("NtOpenEvent");
    create_event_fn create_event = (create_event_fn)native("NtCreateEvent");
    create_mutant_fn create_mutant = (create_mutant_fn)native("NtCreateMutant");
    query_link_fn query_link = (query_link_fn)native("NtQuerySymbolicLinkObject");
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING name, target;
    WCHAR buf[64];
    HANDLE dir = NULL, link = NULL, e = NULL, e2 = NULL, m = NULL, w;
    ULONG len = 0;
    LONG st;

    init_name(&name, L"\\BaseNamedObjects");
    InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
    st = open_dir(&dir, 0x3 /* DIRECTORY_QUERY | DIRECTORY_TRAVERSE */, &oa);
    is_int(st, 0, "NtOpenDirectoryObject(\\BaseNamedObjects)");
    init_name(&name, L"casement-sync-rooted");
    InitializeObjectAttributes(&oa, &name, 0, dir, NULL);
    st = create_event(&e, EVENT_ALL_ACCESS, &oa, 0 /* NotificationEvent */, FALSE);
    is_int(st, 0, "NtCreateEvent relative to a root directory");
    w = OpenEventW(SYNCHRONIZE, FALSE, L"Global\\casement-sync-rooted");
    ok(w != NULL, "...is the Global\\ name");
    CloseHandle(w);
    st = create_event(&e2, EVENT_ALL_ACCESS, &oa, 0, FALSE);
    is_int(st, (LONG)0xC0000035, "NtCreateEvent of an existing name without OBJ_OPENIF: STATUS_OBJECT_NAME_COLLISION");
    oa.Attributes = OBJ_OPENIF;
    st = create_event(&e2, EVENT_ALL_ACCESS, &oa, 0, FALSE);
    is_int(st, 0x40000000, "with OBJ_OPENIF: STATUS_OBJECT_NAME_EXISTS");
    CloseHandle(e2);
    st = create_mutant(&m, MUTEX_ALL_ACCESS, &oa, FALSE);
    is_int(st, (LONG)0xC0000024, "NtCreateMutant of an event's name: STATUS_OBJECT_TYPE_MISMATCH");
    init_name(&name, L"CASEMENT-SYNC-ROOTED");
    InitializeObjectAttributes(&oa, &name, OBJ_CASE_INSENSITIVE, dir, NULL);
    e2 = NULL;
    st = open_event(&e2, SYNCHRONIZE, &oa);
    ok(st == 0 && e2 != NULL, "NtOpenEvent with OBJ_CASE_INSENSITIVE");
    CloseHandle(e2);
    init_name(&name, L"\\casement-sync-rooted");
    InitializeObjectAttributes(&oa, &name, 0, dir, NULL);
    is_int(open_event(&e2, SYNCHRONIZE, &oa), (LONG)0xC000003B,
           "a name relative to a root that starts with \\: STATUS_OBJECT_PATH_SYNTAX_BAD");
    CloseHandle(e);
    CloseHandle(dir);

    /* Bad pointers: STATUS_ACCESS_VIOLATION, and nothing left behind. */
    init_name(&name, L"\\BaseNamedObjects\\casement-sync-badptr");
    InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
    is_int(create_event((HANDLE *)1, EVENT_ALL_ACCESS, &oa, 0, FALSE), (LONG)0xC0000005,
           "NtCreateEvent with a bad handle pointer: STATUS_ACCESS_VIOLATION");
    SetLastError(0);
    w = OpenEventW(SYNCHRONIZE, FALSE, L"Global\\casement-sync-badptr");
    ok(w == NULL && last_is(ERROR_FILE_NOT_FOUND), "...and no event was created");

    init_name(&name, L"\\Sessions\\1\\BaseNamedObjects\\Global");
    InitializeObjectAttributes(&oa, &name, 0, NULL, NULL);
    st = open_link(&link, 0x1 /* SYMBOLIC_LINK_QUERY */, &oa);
    is_int(st, 0, "NtOpenSymbolicLinkObject(\\Sessions\\1\\BaseNamedObjects\\Global)");
    target.Buffer = buf;
    target.Length = 0;
    target.MaximumLength = sizeof buf;
    st = query_link(link, &target, &len);
    ok(st == 0 && target.Length == 34 && memcmp(buf, L"\\BaseNamedObjects", 34) == 0,
       "NtQuerySymbolicLinkObject: \\BaseNamedObjects");
    target.MaximumLength = 8;
    len = 0;
    st = query_link(link, &target, &len);
    ok(st == (LONG)0xC0000023 && len >= 34, "a short buffer: STATUS_BUFFER_TOO_SMALL and the length needed");
    CloseHandle(link);
}

static void handles(void)
{
    HANDLE process = GetCurrentProcess();
    HANDLE e = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE dup = NULL, dup2 = NULL, t = NULL;
    DWORD flags = 0xdead;

    ok(DuplicateHandle(process, e, process, &dup, 0, FALSE, DUPLICATE_SAME_ACCESS) && dup != NULL && dup != e,
       "DuplicateHandle DUPLICATE_SAME_ACCESS");
    ok(SetEvent(dup) && signalled(e), "the duplicate is the same event");
    ResetEvent(e);
    ok(DuplicateHandle(process, dup, process, &dup2, 0, TRUE, DUPLICATE_SAME_ACCESS),
       "DuplicateHandle with bInheritHandle");
    ok(GetHandleInformation(dup2, &flags) && flags == HANDLE_FLAG_INHERIT, "...gives an inheritable handle");
    CloseHandle(dup2);
    CloseHandle(dup);
    ok(DuplicateHandle(process, e, process, &dup, SYNCHRONIZE, FALSE, 0), "DuplicateHandle with SYNCHRONIZE only");
    SetLastError(0);
    ok(!SetEvent(dup) && last_is(ERROR_ACCESS_DENIED), "...it may not set the event");
    ok(WaitForSingleObject(dup, 0) == WAIT_TIMEOUT, "...but may wait on it");
    CloseHandle(dup);
    SetLastError(0);
    ok(!DuplicateHandle(process, dup, process, &dup2, 0, FALSE, DUPLICATE_SAME_ACCESS) && last_is(ERROR_INVALID_HANDLE),
       "DuplicateHandle of a closed handle: ERROR_INVALID_HANDLE");
    ok(DuplicateHandle(process, GetCurrentThread(), process, &t, 0, FALSE, DUPLICATE_SAME_ACCESS) &&
           t != GetCurrentThread() && WaitForSingleObject(t, 0) == WAIT_TIMEOUT,
       "DuplicateHandle of GetCurrentThread(): a real handle to the running thread");
    CloseHandle(t);

    flags = 0xdead;
    ok(GetHandleInformation(e, &flags) && flags == 0, "GetHandleInformation: no flags");
    ok(SetHandleInformation(e, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) && GetHandleInformation(e, &flags) &&
           flags == HANDLE_FLAG_INHERIT,
       "SetHandleInformation HANDLE_FLAG_INHERIT");
    ok(SetHandleInformation(e, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE) &&
           GetHandleInformation(e, &flags) && flags == (HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE),
       "SetHandleInformation HANDLE_FLAG_PROTECT_FROM_CLOSE keeps the other flag");
    ok(!CloseHandle(e), "CloseHandle of a protected handle fails");
    ok(SetEvent(e) && signalled(e), "...and the handle still works");
    ok(SetHandleInformation(e, HANDLE_FLAG_PROTECT_FROM_CLOSE | HANDLE_FLAG_INHERIT, 0) &&
           GetHandleInformation(e, &flags) && flags == 0,
       "clearing both flags");
    ok(CloseHandle(e), "CloseHandle once unprotected");
    SetLastError(0);
    ok(!GetHandleInformation(e, &flags) && last_is(ERROR_INVALID_HANDLE), "GetHandleInformation of a closed handle");
    SetLastError(0);
    ok(!SetEvent(e) && last_is(ERROR_INVALID_HANDLE), "SetEvent of a closed handle: ERROR_INVALID_HANDLE");
    SetLastError(0);
    ok(WaitForSingleObject(NULL, 0) == WAIT_FAILED && last_is(ERROR_INVALID_HANDLE),
       "WaitForSingleObject(NULL): ERROR_INVALID_HANDLE");
}

/* --- Abandoned mutexes (needs threads) ----------------------------------- */

static DWORD WINAPI take_and_leave(LPVOID m)
{
    return WaitForSingleObject((HANDLE)m, INFINITE);
}

static void abandoned(void)
{
    HANDLE m = CreateMutexW(NULL, FALSE, NULL);
    HANDLE e = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE h[2];
    HANDLE t = CreateThread(NULL, 0, take_and_leave, m, 0, NULL);
    DWORD code = 0xdead;

    ok(t != NULL && WaitForSingleObject(t, 10000) == WAIT_OBJECT_0 && GetExitCodeThread(t, &code) &&
           code == WAIT_OBJECT_0,
       "a thread took the mutex and ended");
    is_int(WaitForSingleObject(m, 0), WAIT_ABANDONED, "the next wait: WAIT_ABANDONED");
    ok(ReleaseMutex(m), "...and owns it");
    is_int(WaitForSingleObject(m, 0), WAIT_OBJECT_0, "only once: then WAIT_OBJECT_0");
    ReleaseMutex(m);
    CloseHandle(t);

    t = CreateThread(NULL, 0, take_and_leave, m, 0, NULL);
    WaitForSingleObject(t, 10000);
    h[0] = e;
    h[1] = m;
    is_int(WaitForMultipleObjects(2, h, FALSE, 0), WAIT_ABANDONED_0 + 1, "wait any: WAIT_ABANDONED_0 + 1");
    ReleaseMutex(m);
    CloseHandle(t);
    CloseHandle(e);
    CloseHandle(m);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "abandon") == 0) {
        plan(5);
        abandoned();
        return done();
    }
    plan(128);
    /* The current process is signalled only when it ends; its thread
     * is signalled only when it ends. */
    ok(WaitForSingleObject(GetCurrentProcess(), 20) == WAIT_TIMEOUT, "waiting on the current process times out");
    ok(WaitForSingleObject(GetCurrentThread(), 20) == WAIT_TIMEOUT, "waiting on the current thread times out");
    events();
    mutexes();
    semaphores();
    multiple_waits();
    signal_and_wait();
    native_info();
    native_namespace();
    handles();
    return done();
}
