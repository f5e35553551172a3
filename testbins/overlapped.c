/* overlapped.c - asynchronous I/O and completion ports. Expected
 * behaviour from the Microsoft documentation ("Synchronous and
 * Asynchronous I/O", "I/O Completion Ports", GetOverlappedResult(Ex),
 * ReadFileEx, CancelIoEx, CreateIoCompletionPort,
 * GetQueuedCompletionStatus(Ex), PostQueuedCompletionStatus,
 * SetFileCompletionNotificationModes): a request that cannot complete at
 * once fails with ERROR_IO_PENDING and completes later through the
 * OVERLAPPED's event, the completion port of the handle, or the
 * completion routine in an alertable wait; a cancelled request completes
 * with ERROR_OPERATION_ABORTED; a request that succeeds at once still
 * queues a packet unless FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is set; the
 * low bit of hEvent keeps a request off the port. */
#include <windows.h>
#include <stdio.h>
#include "tap.h"

static char name[64];
static int serial;

/* A connected pair: an overlapped server end and a synchronous client. */
static void pair(HANDLE *server, HANDLE *client, DWORD client_flags)
{
    snprintf(name, sizeof name, "\\\\.\\pipe\\casement-ov-%lu-%d", GetCurrentProcessId(), serial++);
    *server = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, 0, 1, 4096, 4096, 0, NULL);
    *client = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, client_flags, NULL);
}

static volatile LONG routine_calls;
static DWORD routine_error, routine_bytes;
static OVERLAPPED *routine_ov;
static DWORD routine_thread;
static VOID CALLBACK on_done(DWORD error, DWORD bytes, OVERLAPPED *ov)
{
    routine_error = error;
    routine_bytes = bytes;
    routine_ov = ov;
    routine_thread = GetCurrentThreadId();
    InterlockedIncrement(&routine_calls);
}

static HANDLE bound_done;
static DWORD bound_error = 99, bound_bytes, bound_thread;
static OVERLAPPED *bound_ov;
static VOID CALLBACK bound(DWORD error, DWORD bytes, OVERLAPPED *ov)
{
    bound_error = error;
    bound_bytes = bytes;
    bound_ov = ov;
    bound_thread = GetCurrentThreadId();
    SetEvent(bound_done);
}

int main(void)
{
    plan(75);
    HANDLE s, c;
    DWORD n = 0;
    char buf[64];
    OVERLAPPED ov;

    /* ConnectNamedPipe, overlapped: pending until a client opens. */
    snprintf(name, sizeof name, "\\\\.\\pipe\\casement-ov-%lu-connect", GetCurrentProcessId());
    s = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, 0, 1, 4096, 4096, 0, NULL);
    memset(&ov, 0, sizeof ov);
    ov.hEvent = CreateEventW(NULL, TRUE, TRUE, NULL);
    SetLastError(0);
    ok(!ConnectNamedPipe(s, &ov) && GetLastError() == ERROR_IO_PENDING,
       "overlapped ConnectNamedPipe with no client: ERROR_IO_PENDING (%lu)", GetLastError());
    ok(WaitForSingleObject(ov.hEvent, 0) == WAIT_TIMEOUT, "the event was reset as the request started");
    ok(HasOverlappedIoCompleted(&ov) == FALSE, "HasOverlappedIoCompleted is FALSE");
    c = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    ok(WaitForSingleObject(ov.hEvent, 5000) == WAIT_OBJECT_0, "a client's open signals the event");
    ok(GetOverlappedResult(s, &ov, &n, FALSE), "GetOverlappedResult: connected");
    CloseHandle(c);
    CloseHandle(s);

    /* An overlapped read that waits for data. */
    pair(&s, &c, 0);
    ResetEvent(ov.hEvent);
    memset(buf, 0, sizeof buf);
    SetLastError(0);
    ok(!ReadFile(s, buf, sizeof buf, NULL, &ov) && GetLastError() == ERROR_IO_PENDING,
       "ReadFile with nothing to read: ERROR_IO_PENDING (%lu)", GetLastError());
    ok(ov.Internal == STATUS_PENDING, "OVERLAPPED.Internal is STATUS_PENDING");
    SetLastError(0);
    ok(!GetOverlappedResult(s, &ov, &n, FALSE) && GetLastError() == ERROR_IO_INCOMPLETE,
       "GetOverlappedResult without waiting: ERROR_IO_INCOMPLETE (%lu)", GetLastError());
    SetLastError(0);
    ok(!GetOverlappedResultEx(s, &ov, &n, 20, FALSE) && GetLastError() == WAIT_TIMEOUT,
       "GetOverlappedResultEx with a timeout: WAIT_TIMEOUT (%lu)", GetLastError());
    WriteFile(c, "xyz", 3, &n, NULL);
    ok(WaitForSingleObject(ov.hEvent, 5000) == WAIT_OBJECT_0, "the write completes the read");
    n = 0;
    ok(GetOverlappedResult(s, &ov, &n, TRUE) && n == 3 && !strcmp(buf, "xyz"),
       "GetOverlappedResult: 3 bytes, the data (%lu)", n);
    ok(ov.InternalHigh == 3, "InternalHigh holds the count");

    /* No event: GetOverlappedResult waits on the request itself. */
    OVERLAPPED ov2;
    memset(&ov2, 0, sizeof ov2);
    SetLastError(0);
    ok(!ReadFile(s, buf, 2, NULL, &ov2) && GetLastError() == ERROR_IO_PENDING, "a read with no event pends");
    WriteFile(c, "12", 2, &n, NULL);
    ok(GetOverlappedResult(s, &ov2, &n, TRUE) && n == 2, "GetOverlappedResult(bWait) ends with it (%lu)", n);

    /* Data already there: the request may complete at once. */
    WriteFile(c, "now", 3, &n, NULL);
    memset(buf, 0, sizeof buf);
    BOOL at_once = ReadFile(s, buf, sizeof buf, NULL, &ov);
    ok(at_once || GetLastError() == ERROR_IO_PENDING, "a read with data waiting succeeds or pends");
    ok(GetOverlappedResult(s, &ov, &n, TRUE) && n == 3 && !strcmp(buf, "now"), "and gets the data");

    /* A zero-byte read waits for data without taking it (libuv's way of
     * polling a pipe). */
    char zero;
    SetLastError(0);
    ok(!ReadFile(s, &zero, 0, NULL, &ov) && GetLastError() == ERROR_IO_PENDING,
       "a zero-byte read of an empty pipe pends (%lu)", GetLastError());
    WriteFile(c, "zr", 2, &n, NULL);
    ok(GetOverlappedResult(s, &ov, &n, TRUE) && n == 0, "data completes it with 0 bytes (%lu)", n);
    memset(buf, 0, sizeof buf);
    if (!ReadFile(s, buf, sizeof buf, NULL, &ov))
        GetOverlappedResult(s, &ov, &n, TRUE);
    is_str(buf, "zr", "and the data is still there to read");

    /* Cancelling. */
    SetLastError(0);
    ok(!ReadFile(s, buf, sizeof buf, NULL, &ov) && GetLastError() == ERROR_IO_PENDING, "another pending read");
    ok(CancelIoEx(s, &ov), "CancelIoEx of it");
    SetLastError(0);
    ok(!GetOverlappedResult(s, &ov, &n, TRUE) && GetLastError() == ERROR_OPERATION_ABORTED,
       "it ends with ERROR_OPERATION_ABORTED (%lu)", GetLastError());
    SetLastError(0);
    ok(!CancelIoEx(s, &ov) && GetLastError() == ERROR_NOT_FOUND,
       "CancelIoEx with nothing pending: ERROR_NOT_FOUND (%lu)", GetLastError());
    SetLastError(0);
    ok(!ReadFile(s, buf, sizeof buf, NULL, &ov) && GetLastError() == ERROR_IO_PENDING, "a read to CancelIo");
    ok(CancelIo(s), "CancelIo: the calling thread's requests");
    SetLastError(0);
    ok(!GetOverlappedResult(s, &ov, &n, TRUE) && GetLastError() == ERROR_OPERATION_ABORTED,
       "ERROR_OPERATION_ABORTED (%lu)", GetLastError());
    ok(CancelIo(s), "CancelIo with nothing pending still succeeds");
    /* The pipe still works after the cancels: the data goes to the next read. */
    WriteFile(c, "after", 5, &n, NULL);
    memset(buf, 0, sizeof buf);
    if (!ReadFile(s, buf, sizeof buf, NULL, &ov))
        GetOverlappedResult(s, &ov, &n, TRUE);
    is_str(buf, "after", "a read after the cancels gets the next data");

    /* ReadFileEx: the completion routine runs in an alertable wait. */
    OVERLAPPED ov3;
    memset(&ov3, 0, sizeof ov3);
    memset(buf, 0, sizeof buf);
    ok(ReadFileEx(s, buf, sizeof buf, &ov3, on_done), "ReadFileEx");
    WriteFile(c, "apc!", 4, &n, NULL);
    Sleep(50);
    ok(routine_calls == 0, "the routine does not run outside an alertable wait");
    ok(SleepEx(5000, TRUE) == WAIT_IO_COMPLETION, "SleepEx(alertable) returns WAIT_IO_COMPLETION");
    ok(routine_calls == 1 && routine_error == 0 && routine_bytes == 4 && routine_ov == &ov3
           && routine_thread == GetCurrentThreadId(),
       "the routine ran once on this thread: error %lu, %lu bytes, its OVERLAPPED", routine_error, routine_bytes);
    is_str(buf, "apc!", "with the data");
    ok(WriteFileEx(s, "back", 4, &ov3, on_done), "WriteFileEx");
    ok(SleepEx(5000, TRUE) == WAIT_IO_COMPLETION && routine_calls == 2 && routine_bytes == 4,
       "its routine ran too (%ld calls)", routine_calls);
    ReadFile(c, buf, sizeof buf, &n, NULL);

    /* Completion ports. */
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    ok(port != NULL, "CreateIoCompletionPort makes a port");
    ok(CreateIoCompletionPort(s, port, 42, 0) == port, "and associates the server end, key 42");
    SetLastError(0);
    ok(CreateIoCompletionPort(s, port, 43, 0) == NULL && GetLastError() == ERROR_INVALID_PARAMETER,
       "a second association: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ULONG_PTR key = 0;
    OVERLAPPED *got = (OVERLAPPED *)1;
    SetLastError(0);
    ok(!GetQueuedCompletionStatus(port, &n, &key, &got, 0) && GetLastError() == WAIT_TIMEOUT && got == NULL,
       "an empty port: WAIT_TIMEOUT and a NULL OVERLAPPED (%lu)", GetLastError());
    OVERLAPPED ov4;
    memset(&ov4, 0, sizeof ov4);
    memset(buf, 0, sizeof buf);
    SetLastError(0);
    ok(!ReadFile(s, buf, sizeof buf, NULL, &ov4) && GetLastError() == ERROR_IO_PENDING, "a pending read");
    WriteFile(c, "port", 4, &n, NULL);
    ok(GetQueuedCompletionStatus(port, &n, &key, &got, 5000) && n == 4 && key == 42 && got == &ov4,
       "its packet: 4 bytes, key 42, its OVERLAPPED (%lu, %llu)", n, (unsigned long long)key);
    is_str(buf, "port", "the data");
    ok(PostQueuedCompletionStatus(port, 7, 9, (OVERLAPPED *)0x1234), "PostQueuedCompletionStatus");
    ok(GetQueuedCompletionStatus(port, &n, &key, &got, 0) && n == 7 && key == 9 && got == (OVERLAPPED *)0x1234,
       "the posted packet comes out as posted");
    /* A read that succeeds at once still queues a packet. */
    WriteFile(c, "sync", 4, &n, NULL);
    Sleep(20);
    BOOL now = ReadFile(s, buf, sizeof buf, NULL, &ov4);
    ok(GetQueuedCompletionStatus(port, &n, &key, &got, 5000) && got == &ov4 && n == 4,
       "a read that completed %s queues a packet", now ? "at once" : "later");
    /* The low bit of hEvent: no packet. */
    ov4.hEvent = (HANDLE)((ULONG_PTR)CreateEventW(NULL, TRUE, FALSE, NULL) | 1);
    SetLastError(0);
    ok(!ReadFile(s, buf, sizeof buf, NULL, &ov4) && GetLastError() == ERROR_IO_PENDING, "a read with hEvent|1");
    WriteFile(c, "quiet", 5, &n, NULL);
    ok(GetOverlappedResult(s, &ov4, &n, TRUE) && n == 5, "completes");
    ok(!GetQueuedCompletionStatus(port, &n, &key, &got, 50) && GetLastError() == WAIT_TIMEOUT,
       "without a packet (%lu)", GetLastError());
    CloseHandle((HANDLE)((ULONG_PTR)ov4.hEvent & ~(ULONG_PTR)1));
    ov4.hEvent = NULL;
    /* A cancelled request's packet carries the failure. */
    ok(!ReadFile(s, buf, sizeof buf, NULL, &ov4) && GetLastError() == ERROR_IO_PENDING, "a read to cancel");
    CancelIoEx(s, &ov4);
    SetLastError(0);
    ok(!GetQueuedCompletionStatus(port, &n, &key, &got, 5000) && GetLastError() == ERROR_OPERATION_ABORTED
           && got == &ov4,
       "its packet: FALSE, ERROR_OPERATION_ABORTED, its OVERLAPPED (%lu)", GetLastError());
    /* FILE_SKIP_COMPLETION_PORT_ON_SUCCESS. */
    ok(SetFileCompletionNotificationModes(s, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS), "SetFileCompletionNotificationModes");
    WriteFile(c, "skip", 4, &n, NULL);
    Sleep(20);
    now = ReadFile(s, buf, sizeof buf, NULL, &ov4);
    if (!now)
        GetOverlappedResult(s, &ov4, &n, TRUE);
    ok(!GetQueuedCompletionStatus(port, &n, &key, &got, 50) == !!now,
       "a read that succeeded at once queued %s packet", now ? "no" : "a");
    /* GetQueuedCompletionStatusEx takes several. */
    for (int i = 0; i < 3; i++)
        PostQueuedCompletionStatus(port, i, 100 + i, NULL);
    OVERLAPPED_ENTRY e[8];
    ULONG removed = 0;
    ok(GetQueuedCompletionStatusEx(port, e, 8, &removed, 0, FALSE) && removed == 3
           && e[0].lpCompletionKey == 100 && e[2].lpCompletionKey == 102 && e[1].dwNumberOfBytesTransferred == 1,
       "GetQueuedCompletionStatusEx removes all three in order (%lu)", removed);
    SetLastError(0);
    ok(!GetQueuedCompletionStatusEx(port, e, 8, &removed, 10, FALSE) && GetLastError() == WAIT_TIMEOUT,
       "then times out: WAIT_TIMEOUT (%lu)", GetLastError());
    QueueUserAPC((PAPCFUNC)(void *)on_done, GetCurrentThread(), 0);
    SetLastError(0);
    ok(!GetQueuedCompletionStatusEx(port, e, 8, &removed, 5000, TRUE) && GetLastError() == WAIT_IO_COMPLETION,
       "an alertable wait ends for an APC: WAIT_IO_COMPLETION (%lu)", GetLastError());
    /* NtRemoveIoCompletionEx probes the array before it takes a packet
     * (Wine 8 takes it first and loses it). */
    PostQueuedCompletionStatus(port, 1, 1, NULL);
    SetLastError(0);
    ok(!GetQueuedCompletionStatusEx(port, (OVERLAPPED_ENTRY *)16, 8, &removed, 0, FALSE)
           && GetLastError() == ERROR_NOACCESS,
       "GetQueuedCompletionStatusEx into a bad array: ERROR_NOACCESS (%lu)", GetLastError());
    ok(GetQueuedCompletionStatus(port, &n, &key, &got, 0) && key == 1, "and the packet is still there");
    SetLastError(0);
    ok(!GetQueuedCompletionStatus((HANDLE)0x1230, &n, &key, &got, 0) && GetLastError() == ERROR_INVALID_HANDLE,
       "a bad port handle: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    CloseHandle(port);
    CloseHandle(c);
    CloseHandle(s);

    /* Closing a handle with a read pending ends the read and the pipe. */
    pair(&s, &c, 0);
    memset(&ov4, 0, sizeof ov4);
    SetLastError(0);
    ok(!ReadFile(s, buf, sizeof buf, NULL, &ov4) && GetLastError() == ERROR_IO_PENDING, "a pending read");
    CloseHandle(s);
    ok(ov4.Internal != STATUS_PENDING, "closing the handle ended it (%#lx)", (unsigned long)ov4.Internal);
    SetLastError(0);
    ok(!ReadFile(c, buf, sizeof buf, &n, NULL) && GetLastError() == ERROR_BROKEN_PIPE,
       "the other end sees a broken pipe (%lu)", GetLastError());
    CloseHandle(c);

    /* BindIoCompletionCallback: completions call the function on a
     * thread of the pool. */
    pair(&s, &c, 0);
    bound_done = CreateEventW(NULL, FALSE, FALSE, NULL);
    ok(BindIoCompletionCallback(s, bound, 0), "BindIoCompletionCallback");
    SetLastError(0);
    ok(!BindIoCompletionCallback(s, bound, 0) && GetLastError() == ERROR_INVALID_PARAMETER,
       "a second time: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    memset(&ov4, 0, sizeof ov4);
    memset(buf, 0, sizeof buf);
    ok(!ReadFile(s, buf, sizeof buf, NULL, &ov4) && GetLastError() == ERROR_IO_PENDING, "a pending read");
    WriteFile(c, "pool", 4, &n, NULL);
    ok(WaitForSingleObject(bound_done, 5000) == WAIT_OBJECT_0, "the function was called");
    ok(bound_error == 0 && bound_bytes == 4 && bound_ov == &ov4 && bound_thread != GetCurrentThreadId()
           && !strcmp(buf, "pool"),
       "on another thread, with no error, 4 bytes and the OVERLAPPED (%lu, %lu)", bound_error, bound_bytes);
    CloseHandle(c);
    CloseHandle(s);

    /* Overlapped I/O on a disk file: offsets from the OVERLAPPED. */
    char path[MAX_PATH];
    snprintf(path, sizeof path, "casement-ov-%lu.tmp", GetCurrentProcessId());
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_FLAG_OVERLAPPED | FILE_FLAG_DELETE_ON_CLOSE, NULL);
    ok(f != INVALID_HANDLE_VALUE, "an overlapped file");
    memset(&ov, 0, sizeof ov);
    ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!WriteFile(f, "0123456789", 10, NULL, &ov) && GetLastError() != ERROR_IO_PENDING)
        diag("WriteFile failed: %lu", GetLastError());
    ok(GetOverlappedResult(f, &ov, &n, TRUE) && n == 10, "a write at offset 0 (%lu)", n);
    memset(&ov, 0, sizeof ov);
    ov.Offset = 4;
    memset(buf, 0, sizeof buf);
    if (!ReadFile(f, buf, 3, NULL, &ov) && GetLastError() != ERROR_IO_PENDING)
        diag("ReadFile failed: %lu", GetLastError());
    ok(GetOverlappedResult(f, &ov, &n, TRUE) && n == 3 && !strcmp(buf, "456"), "a read at offset 4 (%lu)", n);
    memset(&ov, 0, sizeof ov);
    ov.Offset = 100;
    BOOL r = ReadFile(f, buf, 3, NULL, &ov);
    DWORD err = r ? 0 : GetLastError();
    if (!r && err == ERROR_IO_PENDING) {
        r = GetOverlappedResult(f, &ov, &n, TRUE);
        err = r ? 0 : GetLastError();
    }
    ok(!r && err == ERROR_HANDLE_EOF, "a read past the end: ERROR_HANDLE_EOF (%lu)", err);
    memset(&ov3, 0, sizeof ov3);
    ov3.Offset = 7;
    memset(buf, 0, sizeof buf);
    LONG before = routine_calls;
    ok(ReadFileEx(f, buf, 3, &ov3, on_done), "ReadFileEx of the file");
    ok(SleepEx(5000, TRUE) == WAIT_IO_COMPLETION && routine_calls == before + 1 && routine_bytes == 3
           && !strcmp(buf, "789"),
       "its routine ran with 3 bytes: %s", buf);
    port = CreateIoCompletionPort(f, NULL, 77, 0);
    ok(port != NULL, "the file associated with a new port");
    memset(&ov, 0, sizeof ov);
    ov.Offset = 1;
    r = ReadFile(f, buf, 2, NULL, &ov);
    ok(r || GetLastError() == ERROR_IO_PENDING, "an overlapped read of the file");
    ok(GetQueuedCompletionStatus(port, &n, &key, &got, 5000) && key == 77 && got == &ov && n == 2,
       "its packet (key %llu, %lu bytes)", (unsigned long long)key, n);
    CloseHandle(port);
    CloseHandle(f);
    return done();
}
