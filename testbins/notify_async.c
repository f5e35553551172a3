/* notify_async.c - asynchronous directory change notifications and
 * waiting on file handles. Expected behaviour from the Microsoft
 * documentation: ReadDirectoryChangesW on a directory opened with
 * FILE_FLAG_OVERLAPPED returns TRUE once the request is queued ("for
 * asynchronous calls, this indicates that the operation was successfully
 * queued") and completes with FILE_NOTIFY_INFORMATION records through the
 * OVERLAPPED's event, the handle's completion port, or the completion
 * routine in an alertable wait (where hEvent is free for the caller);
 * CancelIoEx completes it with ERROR_OPERATION_ABORTED; closing the last
 * handle completes it with STATUS_NOTIFY_CLEANUP ("a notify change request
 * has been completed due to closing the handle"). "Synchronization and
 * Overlapped Input and Output": with no event in the OVERLAPPED the file
 * handle itself is signalled when the operation completes, and is reset
 * when the next operation starts. FindFirstChangeNotification returns a
 * handle signalled on a change; FindNextChangeNotification waits for the
 * next one. Runs in an empty working directory and leaves it empty. */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>
#include "tap.h"

#define STATUS_NOTIFY_CLEANUP_CODE 0x0000010BUL

struct rec { DWORD action; WCHAR name[64]; };

static DWORD notify_buf[1024];
static HANDLE ev;
static OVERLAPPED ov;

static void touch(const WCHAR *path)
{
    HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        diag("create %ls: error %lu", path, GetLastError());
    CloseHandle(h);
}

static HANDLE open_dir(const WCHAR *path)
{
    return CreateFileW(path, FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, NULL);
}

/* Appends the records of a completed request to recs; sets *found when
 * (action, name) is among them. */
static int parse(DWORD got, struct rec *recs, int max, int n, DWORD action, const WCHAR *name, int *found)
{
    BYTE *p = (BYTE *)notify_buf;
    while (got) {
        FILE_NOTIFY_INFORMATION *fni = (FILE_NOTIFY_INFORMATION *)p;
        if (n < max) {
            size_t len = fni->FileNameLength / 2 < 63 ? fni->FileNameLength / 2 : 63;
            recs[n].action = fni->Action;
            memcpy(recs[n].name, fni->FileName, len * 2);
            recs[n].name[len] = 0;
            if (recs[n].action == action && wcscmp(recs[n].name, name) == 0)
                *found = 1;
            n++;
        }
        if (!fni->NextEntryOffset)
            break;
        p += fni->NextEntryOffset;
    }
    return n;
}

static BOOL issue(HANDLE dir, BOOL subtree)
{
    memset(&ov, 0, sizeof ov);
    ov.hEvent = ev;
    return ReadDirectoryChangesW(dir, notify_buf, sizeof notify_buf, subtree, FILE_NOTIFY_CHANGE_FILE_NAME, NULL, &ov,
                                 NULL);
}

/* Waits for the pending request (through its event), then asks again
 * until the record (action, name) has come: changes may be reported over
 * more than one completion. Returns the number of records gathered. */
static int gather(HANDLE dir, BOOL subtree, struct rec *recs, int max, DWORD action, const WCHAR *name)
{
    int n = 0, found = 0;
    for (int round = 0; round < 20; round++) {
        if (WaitForSingleObject(ev, 5000) != WAIT_OBJECT_0) {
            diag("no completion within 5 s");
            break;
        }
        DWORD got = 0;
        if (!GetOverlappedResult(dir, &ov, &got, FALSE)) {
            diag("GetOverlappedResult failed, error %lu", GetLastError());
            break;
        }
        n = parse(got, recs, max, n, action, name, &found);
        if (found || !issue(dir, subtree))
            break;
    }
    for (int i = 0; i < n; i++)
        diag("action %lu %ls", recs[i].action, recs[i].name);
    return n;
}

static int same(const struct rec *got, int n, const struct rec *want, int m)
{
    if (n != m)
        return 0;
    for (int i = 0; i < n; i++)
        if (got[i].action != want[i].action || wcscmp(got[i].name, want[i].name) != 0)
            return 0;
    return 1;
}

static volatile LONG routine_calls;
static DWORD routine_error, routine_bytes;
static OVERLAPPED *routine_ov;

static void CALLBACK on_change(DWORD error, DWORD bytes, OVERLAPPED *o)
{
    routine_error = error;
    routine_bytes = bytes;
    routine_ov = o;
    InterlockedIncrement(&routine_calls);
}

/* A connected pair of overlapped pipe ends. */
static void pipe_pair(const char *tag, HANDLE *server, HANDLE *client)
{
    char name[96];
    snprintf(name, sizeof name, "\\\\.\\pipe\\casement-notify-%lu-%s", GetCurrentProcessId(), tag);
    *server = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, 0, 1, 4096, 4096, 0, NULL);
    *client = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
}

static void directory_requests(void)
{
    struct rec recs[32];
    int n;
    ev = CreateEventW(NULL, TRUE, TRUE, NULL);

    /* Through the OVERLAPPED's event. */
    HANDLE dir = open_dir(L"d");
    ok(dir != INVALID_HANDLE_VALUE, "open d with FILE_FLAG_OVERLAPPED");
    SetLastError(0xdead);
    ok(issue(dir, TRUE), "ReadDirectoryChangesW returns TRUE: the request is queued");
    ok(!HasOverlappedIoCompleted(&ov) && ov.Internal == STATUS_PENDING, "it is pending until a change (0x%lx)",
       (unsigned long)ov.Internal);
    ok(WaitForSingleObject(ev, 0) == WAIT_TIMEOUT, "its event was reset as it started");
    DWORD got = 1;
    ok(!GetOverlappedResult(dir, &ov, &got, FALSE) && GetLastError() == ERROR_IO_INCOMPLETE,
       "GetOverlappedResult without waiting: ERROR_IO_INCOMPLETE (%lu)", GetLastError());
    touch(L"d\\a.txt");
    n = gather(dir, TRUE, recs, 32, FILE_ACTION_ADDED, L"a.txt");
    static const struct rec added[] = { { FILE_ACTION_ADDED, L"a.txt" } };
    ok(same(recs, n, added, 1), "a file created: FILE_ACTION_ADDED a.txt, through the event");

    ok(issue(dir, TRUE), "asked again");
    ok(MoveFileW(L"d\\a.txt", L"d\\b.txt"), "rename a.txt to b.txt");
    n = gather(dir, TRUE, recs, 32, FILE_ACTION_RENAMED_NEW_NAME, L"b.txt");
    static const struct rec renamed[] = { { FILE_ACTION_RENAMED_OLD_NAME, L"a.txt" },
                                          { FILE_ACTION_RENAMED_NEW_NAME, L"b.txt" } };
    ok(same(recs, n, renamed, 2), "renamed: old name a.txt, then new name b.txt");

    ok(issue(dir, TRUE), "asked again");
    touch(L"d\\sub\\deep.txt");
    ok(DeleteFileW(L"d\\b.txt") && DeleteFileW(L"d\\sub\\deep.txt"), "delete b.txt and sub\\deep.txt");
    n = gather(dir, TRUE, recs, 32, FILE_ACTION_REMOVED, L"sub\\deep.txt");
    static const struct rec subtree[] = { { FILE_ACTION_ADDED, L"sub\\deep.txt" },
                                          { FILE_ACTION_REMOVED, L"b.txt" },
                                          { FILE_ACTION_REMOVED, L"sub\\deep.txt" } };
    ok(same(recs, n, subtree, 3), "the subtree: added sub\\deep.txt, removed b.txt and sub\\deep.txt");

    /* Changes made between requests are kept for the next one. */
    touch(L"d\\c.txt");
    Sleep(100);
    ok(issue(dir, TRUE), "asked after a change was made");
    ok(WaitForSingleObject(ev, 5000) == WAIT_OBJECT_0 && GetOverlappedResult(dir, &ov, &got, FALSE) && got > 0,
       "the kept change completes the request at once (%lu bytes)", got);
    ok(issue(dir, TRUE), "asked again");
    ok(DeleteFileW(L"d\\c.txt"), "delete c.txt");
    n = gather(dir, TRUE, recs, 32, FILE_ACTION_REMOVED, L"c.txt");
    ok(n >= 1 && recs[n - 1].action == FILE_ACTION_REMOVED, "FILE_ACTION_REMOVED c.txt");

    /* A bad buffer fails the call. */
    memset(&ov, 0, sizeof ov);
    ov.hEvent = ev;
    SetLastError(0);
    ok(!ReadDirectoryChangesW(dir, (void *)16, 4096, TRUE, FILE_NOTIFY_CHANGE_FILE_NAME, NULL, &ov, NULL)
           && GetLastError() == ERROR_NOACCESS,
       "a bad buffer: ERROR_NOACCESS (%lu)", GetLastError());

    /* CancelIoEx. */
    ok(issue(dir, TRUE), "asked again (to be cancelled)");
    ok(CancelIoEx(dir, &ov), "CancelIoEx finds the request");
    ok(WaitForSingleObject(ev, 5000) == WAIT_OBJECT_0, "the cancelled request completes");
    ok(!GetOverlappedResult(dir, &ov, &got, FALSE) && GetLastError() == ERROR_OPERATION_ABORTED,
       "with ERROR_OPERATION_ABORTED (%lu)", GetLastError());
    SetLastError(0);
    ok(!CancelIoEx(dir, &ov) && GetLastError() == ERROR_NOT_FOUND, "a second CancelIoEx: ERROR_NOT_FOUND (%lu)",
       GetLastError());

    /* Closing the handle ends the request. */
    ok(issue(dir, TRUE), "asked again (the handle is then closed)");
    ok(CloseHandle(dir), "close the directory handle");
    ok(WaitForSingleObject(ev, 5000) == WAIT_OBJECT_0, "closing the handle completes the request");
    ok(ov.Internal == STATUS_NOTIFY_CLEANUP_CODE && ov.InternalHigh == 0,
       "with STATUS_NOTIFY_CLEANUP and no bytes (0x%lx, %lu)", (unsigned long)ov.Internal,
       (unsigned long)ov.InternalHigh);

    /* Two requests outstanding complete in the order they were made. */
    dir = open_dir(L"d");
    OVERLAPPED o1, o2;
    static DWORD buf2[256];
    memset(&o1, 0, sizeof o1);
    memset(&o2, 0, sizeof o2);
    o1.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    o2.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    ok(ReadDirectoryChangesW(dir, notify_buf, sizeof notify_buf, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME, NULL, &o1, NULL)
           && ReadDirectoryChangesW(dir, buf2, sizeof buf2, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME, NULL, &o2, NULL),
       "two requests on one handle");
    touch(L"d\\x1.txt");
    ok(WaitForSingleObject(o1.hEvent, 5000) == WAIT_OBJECT_0, "a change completes the first");
    ok(WaitForSingleObject(o2.hEvent, 200) == WAIT_TIMEOUT, "the second waits for the next change");
    touch(L"d\\x2.txt");
    ok(WaitForSingleObject(o2.hEvent, 5000) == WAIT_OBJECT_0 && o2.InternalHigh > 0, "which completes it");
    CloseHandle(dir);
    CloseHandle(o1.hEvent);
    CloseHandle(o2.hEvent);
    ok(DeleteFileW(L"d\\x1.txt") && DeleteFileW(L"d\\x2.txt"), "delete x1.txt and x2.txt");

    /* Through a completion port. */
    dir = open_dir(L"d");
    HANDLE port = CreateIoCompletionPort(dir, NULL, 77, 0);
    ok(port != NULL, "associate a directory handle with a completion port");
    ok(issue(dir, FALSE), "ReadDirectoryChangesW on it");
    DWORD bytes = 1;
    ULONG_PTR key = 0;
    OVERLAPPED *pov = (OVERLAPPED *)1;
    ok(!GetQueuedCompletionStatus(port, &bytes, &key, &pov, 0) && GetLastError() == WAIT_TIMEOUT && pov == NULL,
       "no packet before a change (%lu)", GetLastError());
    touch(L"d\\p.txt");
    int found = 0;
    ok(GetQueuedCompletionStatus(port, &bytes, &key, &pov, 5000) && key == 77 && pov == &ov && bytes > 0,
       "a change queues a packet with the key and the OVERLAPPED (%lu bytes, key %lu)", bytes, (unsigned long)key);
    n = parse(bytes, recs, 32, 0, FILE_ACTION_ADDED, L"p.txt", &found);
    ok(found && recs[0].action == FILE_ACTION_ADDED, "its records say p.txt was added");
    ok(issue(dir, FALSE) && CancelIo(dir), "CancelIo on a new request");
    ok(GetQueuedCompletionStatus(port, &bytes, &key, &pov, 5000) == FALSE && GetLastError() == ERROR_OPERATION_ABORTED
           && pov == &ov,
       "the cancelled request's packet: ERROR_OPERATION_ABORTED (%lu)", GetLastError());
    CloseHandle(dir);
    CloseHandle(port);
    ok(DeleteFileW(L"d\\p.txt"), "delete p.txt");

    /* Through a completion routine. */
    dir = open_dir(L"d");
    OVERLAPPED rov;
    memset(&rov, 0, sizeof rov);
    rov.hEvent = (HANDLE)0x1234; /* the caller's to use with a routine */
    ok(ReadDirectoryChangesW(dir, notify_buf, sizeof notify_buf, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME, NULL, &rov,
                             on_change),
       "ReadDirectoryChangesW with a completion routine");
    ok(SleepEx(0, TRUE) == 0 && routine_calls == 0, "the routine does not run before a change");
    touch(L"d\\r.txt");
    Sleep(300);
    ok(routine_calls == 0, "nor outside an alertable wait");
    DWORD slept = SleepEx(5000, TRUE);
    ok(slept == WAIT_IO_COMPLETION && routine_calls == 1, "SleepEx(alertable) runs it: WAIT_IO_COMPLETION (%lu)",
       slept);
    ok(routine_error == 0 && routine_bytes > 0 && routine_ov == &rov,
       "with no error, the bytes and the OVERLAPPED (%lu, %lu)", routine_error, routine_bytes);
    found = 0;
    n = parse(routine_bytes, recs, 32, 0, FILE_ACTION_ADDED, L"r.txt", &found);
    ok(found, "the buffer says r.txt was added");
    CloseHandle(dir);
    ok(DeleteFileW(L"d\\r.txt"), "delete r.txt");
    CloseHandle(ev);
}

static void handle_waits(void)
{
    /* A directory request without an event: the handle is the signal. */
    HANDLE dir = open_dir(L"d");
    OVERLAPPED o;
    memset(&o, 0, sizeof o);
    ok(ReadDirectoryChangesW(dir, notify_buf, sizeof notify_buf, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME, NULL, &o, NULL),
       "ReadDirectoryChangesW with no event");
    ok(WaitForSingleObject(dir, 0) == WAIT_TIMEOUT, "the directory handle is not signalled while it is pending");
    touch(L"d\\w.txt");
    ok(WaitForSingleObject(dir, 5000) == WAIT_OBJECT_0, "a change signals the directory handle");
    DWORD got = 0;
    ok(GetOverlappedResult(dir, &o, &got, TRUE) && got > 0, "and the request has its records (%lu bytes)", got);
    ok(WaitForSingleObject(dir, 0) == WAIT_OBJECT_0, "the handle stays signalled (a wait does not reset it)");
    CloseHandle(dir);
    ok(DeleteFileW(L"d\\w.txt"), "delete w.txt");

    /* Pipes: overlapped reads and writes with and without events. */
    HANDLE sa, ca, sb, cb;
    pipe_pair("a", &sa, &ca);
    pipe_pair("b", &sb, &cb);
    ok(sa != INVALID_HANDLE_VALUE && ca != INVALID_HANDLE_VALUE && sb != INVALID_HANDLE_VALUE
           && cb != INVALID_HANDLE_VALUE,
       "two connected overlapped pipe pairs");
    char bufa[16], bufb[16];
    OVERLAPPED ra, rb, wa, wb;
    memset(&ra, 0, sizeof ra);
    memset(&rb, 0, sizeof rb);
    memset(&wa, 0, sizeof wa);
    memset(&wb, 0, sizeof wb);
    wa.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    wb.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    ok(!ReadFile(sa, bufa, sizeof bufa, NULL, &ra) && GetLastError() == ERROR_IO_PENDING, "a read of pipe a pends");
    ok(!ReadFile(sb, bufb, sizeof bufb, NULL, &rb) && GetLastError() == ERROR_IO_PENDING, "a read of pipe b pends");
    HANDLE both[2] = { sa, sb };
    ok(WaitForMultipleObjects(2, both, FALSE, 0) == WAIT_TIMEOUT, "neither pipe handle is signalled");
    DWORD n = 0;
    ok((WriteFile(cb, "bb", 2, NULL, &wb) || GetLastError() == ERROR_IO_PENDING) && GetOverlappedResult(cb, &wb, &n, TRUE)
           && n == 2,
       "write 2 bytes to pipe b (with an event)");
    DWORD w = WaitForMultipleObjects(2, both, FALSE, 5000);
    ok(w == WAIT_OBJECT_0 + 1, "WaitForMultipleObjects(any) reports pipe b's handle (%lu)", w);
    ok(GetOverlappedResult(sb, &rb, &n, FALSE) && n == 2 && memcmp(bufb, "bb", 2) == 0, "its read has the 2 bytes");
    ok(WaitForMultipleObjects(2, both, TRUE, 0) == WAIT_TIMEOUT, "WaitForMultipleObjects(all) still waits for pipe a");
    ok((WriteFile(ca, "aaa", 3, NULL, &wa) || GetLastError() == ERROR_IO_PENDING) && GetOverlappedResult(ca, &wa, &n, TRUE)
           && n == 3,
       "write 3 bytes to pipe a");
    w = WaitForMultipleObjects(2, both, TRUE, 5000);
    ok(w == WAIT_OBJECT_0, "WaitForMultipleObjects(all) on both handles (%lu)", w);
    ok(GetOverlappedResult(sa, &ra, &n, FALSE) && n == 3, "pipe a's read has the 3 bytes");
    ok(WaitForSingleObject(ca, 0) == WAIT_TIMEOUT,
       "a write with an event of its own reset the writer's handle and left it so");

    /* A new request resets the handle. */
    ok(!ReadFile(sb, bufb, sizeof bufb, NULL, &rb) && GetLastError() == ERROR_IO_PENDING, "another read of pipe b");
    ok(WaitForSingleObject(sb, 0) == WAIT_TIMEOUT, "resets its handle");
    ok(WriteFile(cb, "z", 1, NULL, &wb) || GetLastError() == ERROR_IO_PENDING, "write 1 byte");
    ok(WaitForSingleObject(sb, 5000) == WAIT_OBJECT_0 && GetOverlappedResult(sb, &rb, &n, FALSE) && n == 1,
       "WaitForSingleObject on the handle waits for the read");
    /* An overlapped write without an event signals the writer's handle. */
    OVERLAPPED w0;
    memset(&w0, 0, sizeof w0);
    ok((WriteFile(ca, "q", 1, NULL, &w0) || GetLastError() == ERROR_IO_PENDING)
           && WaitForSingleObject(ca, 5000) == WAIT_OBJECT_0,
       "an overlapped write with no event signals its handle");

    /* FILE_SKIP_SET_EVENT_ON_HANDLE: "the I/O Manager does not set the
     * event for the file object" when a request pends. */
    ok(SetFileCompletionNotificationModes(sb, FILE_SKIP_SET_EVENT_ON_HANDLE), "FILE_SKIP_SET_EVENT_ON_HANDLE on pipe b");
    ok(!ReadFile(sb, bufb, sizeof bufb, NULL, &rb) && GetLastError() == ERROR_IO_PENDING, "a read of pipe b pends");
    ResetEvent(wb.hEvent);
    ok((WriteFile(cb, "k", 1, NULL, &wb) || GetLastError() == ERROR_IO_PENDING) && GetOverlappedResult(cb, &wb, &n, TRUE),
       "write 1 byte");
    for (int i = 0; i < 500 && !HasOverlappedIoCompleted(&rb); i++)
        Sleep(10);
    ok(HasOverlappedIoCompleted(&rb) && rb.InternalHigh == 1, "the read completes");
    ok(WaitForSingleObject(sb, 0) == WAIT_TIMEOUT, "but the handle is left unsignalled");
    CloseHandle(wa.hEvent);
    CloseHandle(wb.hEvent);
    CloseHandle(sa);
    CloseHandle(ca);
    CloseHandle(sb);
    CloseHandle(cb);

    /* A disk file read that completes at once signals the handle too. */
    HANDLE f = CreateFileW(L"d\\data.bin", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW,
                           FILE_FLAG_OVERLAPPED | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    OVERLAPPED fo;
    memset(&fo, 0, sizeof fo);
    ok((WriteFile(f, "data", 4, NULL, &fo) || GetLastError() == ERROR_IO_PENDING)
           && WaitForSingleObject(f, 5000) == WAIT_OBJECT_0 && GetOverlappedResult(f, &fo, &n, FALSE) && n == 4,
       "an overlapped write of a disk file signals the file handle");
    CloseHandle(f);

    /* A synchronous handle is signalled once a request on it completes. */
    f = CreateFileW(L"d\\sync.bin", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    ok(WriteFile(f, "data", 4, &n, NULL) && n == 4 && WaitForSingleObject(f, 0) == WAIT_OBJECT_0,
       "a synchronous write leaves its file handle signalled");
    CloseHandle(f);
}

static void change_handles(void)
{
    HANDLE h = FindFirstChangeNotificationW(L"d", FALSE, FILE_NOTIFY_CHANGE_FILE_NAME);
    ok(h != INVALID_HANDLE_VALUE, "FindFirstChangeNotificationW(d)");
    ok(WaitForSingleObject(h, 0) == WAIT_TIMEOUT, "not signalled before a change");
    touch(L"d\\f.txt");
    ok(WaitForSingleObject(h, 5000) == WAIT_OBJECT_0, "signalled by a file created");
    ok(FindNextChangeNotification(h), "FindNextChangeNotification");
    ok(WaitForSingleObject(h, 200) == WAIT_TIMEOUT, "not signalled again until the next change");
    ok(DeleteFileW(L"d\\f.txt"), "delete f.txt");
    ok(WaitForSingleObject(h, 5000) == WAIT_OBJECT_0, "signalled by the deletion");
    touch(L"d\\g.txt");
    Sleep(100);
    ok(FindNextChangeNotification(h) && WaitForSingleObject(h, 5000) == WAIT_OBJECT_0,
       "a change made before FindNextChangeNotification signals at once");
    ok(FindCloseChangeNotification(h), "FindCloseChangeNotification");
    ok(DeleteFileW(L"d\\g.txt"), "delete g.txt");

    HANDLE a = FindFirstChangeNotificationA("d", TRUE, FILE_NOTIFY_CHANGE_FILE_NAME);
    ok(a != INVALID_HANDLE_VALUE, "FindFirstChangeNotificationA(d, subtree)");
    HANDLE never = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE both[2] = { never, a };
    touch(L"d\\sub\\s.txt");
    DWORD w = WaitForMultipleObjects(2, both, FALSE, 5000);
    ok(w == WAIT_OBJECT_0 + 1, "a file created in a subdirectory signals it (WaitForMultipleObjects: %lu, error %lu)",
       w, GetLastError());
    ok(FindCloseChangeNotification(a), "FindCloseChangeNotification");
    CloseHandle(never);
    ok(DeleteFileW(L"d\\sub\\s.txt"), "delete sub\\s.txt");

    SetLastError(0);
    ok(FindFirstChangeNotificationW(L"missing", FALSE, FILE_NOTIFY_CHANGE_FILE_NAME) == INVALID_HANDLE_VALUE
           && GetLastError() == ERROR_FILE_NOT_FOUND,
       "a missing directory: ERROR_FILE_NOT_FOUND (%lu)", GetLastError());
    SetLastError(0);
    ok(FindFirstChangeNotificationW(L"d", FALSE, 0) == INVALID_HANDLE_VALUE && GetLastError() == ERROR_INVALID_PARAMETER,
       "a zero filter: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    SetLastError(0);
    ok(!FindNextChangeNotification((HANDLE)0x1234) && GetLastError() == ERROR_INVALID_HANDLE,
       "FindNextChangeNotification of a bad handle: ERROR_INVALID_HANDLE (%lu)", GetLastError());
}

int main(void)
{
    ok(CreateDirectoryW(L"d", NULL) && CreateDirectoryW(L"d\\sub", NULL), "make d and d\\sub");
    directory_requests();
    handle_waits();
    change_handles();
    ok(RemoveDirectoryW(L"d\\sub") && RemoveDirectoryW(L"d"), "clean up");
    return done();
}
