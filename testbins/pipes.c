/* pipes.c - anonymous and named pipes. Expected behaviour from the
 * Microsoft documentation (CreatePipe, CreateNamedPipe, ConnectNamedPipe,
 * DisconnectNamedPipe, PeekNamedPipe, WaitNamedPipe, "Named Pipe Type,
 * Read, and Wait Modes", ReadFile/WriteFile on pipes) and System Error
 * Codes: ERROR_BROKEN_PIPE 109 when the other end is closed, ERROR_NO_DATA
 * 232 when writing to a pipe being closed, ERROR_PIPE_BUSY 231,
 * ERROR_PIPE_CONNECTED 535, ERROR_PIPE_LISTENING 536,
 * ERROR_PIPE_NOT_CONNECTED 233, ERROR_MORE_DATA 234, ERROR_SEM_TIMEOUT
 * 121. */
#include <windows.h>
#include <stdio.h>
#include "tap.h"

static char name[64];

static HANDLE client(DWORD access, DWORD flags)
{
    return CreateFileA(name, access, 0, NULL, OPEN_EXISTING, flags, NULL);
}

static HANDLE delayed_writer_pipe;
static DWORD WINAPI delayed_write(LPVOID p)
{
    DWORD n;
    Sleep(100);
    WriteFile(delayed_writer_pipe, (const char *)p, (DWORD)strlen((const char *)p), &n, NULL);
    return 0;
}

static HANDLE blocked_pipe;
static volatile DWORD blocked_error, blocked_result = 2;
static DWORD WINAPI blocked_read(LPVOID p)
{
    char buf[8];
    DWORD n;
    (void)p;
    blocked_result = ReadFile(blocked_pipe, buf, sizeof buf, &n, NULL);
    blocked_error = GetLastError();
    return 0;
}

int main(void)
{
    plan(64);
    DWORD n = 0, avail = 0, left = 0;
    char buf[64];

    /* Anonymous pipes. */
    HANDLE r, w;
    ok(CreatePipe(&r, &w, NULL, 0), "CreatePipe");
    is_int(GetFileType(r), FILE_TYPE_PIPE, "the read end is FILE_TYPE_PIPE");
    ok(WriteFile(w, "hello", 5, &n, NULL) && n == 5, "WriteFile to the write end");
    ok(PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL) && avail == 5, "PeekNamedPipe sees 5 bytes (%lu)", avail);
    memset(buf, 0, sizeof buf);
    ok(ReadFile(r, buf, sizeof buf, &n, NULL) && n == 5, "ReadFile gets them (%lu)", n);
    is_str(buf, "hello", "the bytes");
    SetLastError(0);
    ok(!ReadFile(w, buf, 1, &n, NULL), "reading the write end fails");
    CloseHandle(w);
    SetLastError(0);
    ok(!ReadFile(r, buf, sizeof buf, &n, NULL) && n == 0, "read after the writer closed fails");
    is_int(GetLastError(), ERROR_BROKEN_PIPE, "with ERROR_BROKEN_PIPE");
    SetLastError(0);
    ok(!PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL), "PeekNamedPipe of a broken pipe fails");
    is_int(GetLastError(), ERROR_BROKEN_PIPE, "with ERROR_BROKEN_PIPE");
    CloseHandle(r);
    CreatePipe(&r, &w, NULL, 0);
    CloseHandle(r);
    SetLastError(0);
    ok(!WriteFile(w, "x", 1, &n, NULL), "write after the reader closed fails");
    is_int(GetLastError(), ERROR_NO_DATA, "with ERROR_NO_DATA");
    CloseHandle(w);

    /* A named byte pipe, one instance. */
    snprintf(name, sizeof name, "\\\\.\\pipe\\casement-pipes-%lu", GetCurrentProcessId());
    SetLastError(0);
    HANDLE c = client(GENERIC_READ | GENERIC_WRITE, 0);
    ok(c == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND,
       "opening a pipe nobody created: ERROR_FILE_NOT_FOUND (%lu)", GetLastError());
    SetLastError(0);
    ok(!WaitNamedPipeA(name, 10) && GetLastError() == ERROR_FILE_NOT_FOUND,
       "WaitNamedPipe of a pipe nobody created: ERROR_FILE_NOT_FOUND (%lu)", GetLastError());
    HANDLE s = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT, 1, 512, 512, 0, NULL);
    ok(s != INVALID_HANDLE_VALUE, "CreateNamedPipe");
    SetLastError(0);
    ok(!ReadFile(s, buf, 4, &n, NULL) && GetLastError() == ERROR_PIPE_LISTENING,
       "reading a pipe no client has opened: ERROR_PIPE_LISTENING (%lu)", GetLastError());
    SetLastError(0);
    ok(CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, NULL) == INVALID_HANDLE_VALUE
           && GetLastError() == ERROR_PIPE_BUSY,
       "a second instance past nMaxInstances: ERROR_PIPE_BUSY (%lu)", GetLastError());
    ok(WaitNamedPipeA(name, NMPWAIT_USE_DEFAULT_WAIT), "WaitNamedPipe: an instance is listening");
    c = client(GENERIC_READ | GENERIC_WRITE, 0);
    ok(c != INVALID_HANDLE_VALUE, "a client opens it");
    SetLastError(0);
    ok(client(GENERIC_READ, 0) == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PIPE_BUSY,
       "a second client: ERROR_PIPE_BUSY (%lu)", GetLastError());
    SetLastError(0);
    ok(!WaitNamedPipeA(name, 50) && GetLastError() == ERROR_SEM_TIMEOUT,
       "WaitNamedPipe with every instance busy times out: ERROR_SEM_TIMEOUT (%lu)", GetLastError());
    SetLastError(0);
    ok(!ConnectNamedPipe(c, NULL) && GetLastError() == ERROR_INVALID_FUNCTION,
       "ConnectNamedPipe on the client's end: ERROR_INVALID_FUNCTION (%lu)", GetLastError());
    SetLastError(0);
    ok(!ConnectNamedPipe(s, NULL) && GetLastError() == ERROR_PIPE_CONNECTED,
       "ConnectNamedPipe after the client came: ERROR_PIPE_CONNECTED (%lu)", GetLastError());
    ok(WriteFile(c, "ping", 4, &n, NULL) && n == 4, "the client writes");
    memset(buf, 0, sizeof buf);
    ok(ReadFile(s, buf, sizeof buf, &n, NULL) && n == 4 && !strcmp(buf, "ping"), "the server reads it");
    DWORD flags = 0, out = 0, in = 0, max = 0;
    ok(GetNamedPipeInfo(s, &flags, &out, &in, &max) && flags == PIPE_SERVER_END && max == 1,
       "GetNamedPipeInfo of the server end (flags %lu, max %lu)", flags, max);
    ok(GetNamedPipeInfo(c, &flags, NULL, NULL, NULL) && flags == PIPE_CLIENT_END,
       "GetNamedPipeInfo of the client end (flags %lu)", flags);

    /* A blocking read in another thread gets what comes later. */
    delayed_writer_pipe = c;
    HANDLE t = CreateThread(NULL, 0, delayed_write, "later", 0, NULL);
    memset(buf, 0, sizeof buf);
    ok(ReadFile(s, buf, sizeof buf, &n, NULL) && n == 5 && !strcmp(buf, "later"),
       "a blocking ReadFile waits for the data (%lu)", n);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);

    /* DisconnectNamedPipe: the client is cut off; the instance listens again. */
    ok(DisconnectNamedPipe(s), "DisconnectNamedPipe");
    SetLastError(0);
    ok(!ReadFile(c, buf, 4, &n, NULL) && GetLastError() == ERROR_PIPE_NOT_CONNECTED,
       "the client's read after the disconnect: ERROR_PIPE_NOT_CONNECTED (%lu)", GetLastError());
    CloseHandle(c);
    SetLastError(0);
    ok(client(GENERIC_READ, 0) == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PIPE_BUSY,
       "a disconnected instance takes no client before ConnectNamedPipe (%lu)", GetLastError());
    CloseHandle(s);

    /* The server sees a client that went away. */
    s = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, NULL);
    c = client(GENERIC_WRITE, 0);
    ok(c != INVALID_HANDLE_VALUE, "a client connects again");
    WriteFile(c, "bye", 3, &n, NULL);
    CloseHandle(c);
    ok(ReadFile(s, buf, sizeof buf, &n, NULL) && n == 3, "what it wrote before closing is still read");
    SetLastError(0);
    ok(!ReadFile(s, buf, sizeof buf, &n, NULL) && GetLastError() == ERROR_BROKEN_PIPE,
       "then the server's read: ERROR_BROKEN_PIPE (%lu)", GetLastError());
    SetLastError(0);
    ok(!ConnectNamedPipe(s, NULL) && GetLastError() == ERROR_NO_DATA,
       "ConnectNamedPipe before DisconnectNamedPipe: ERROR_NO_DATA (%lu)", GetLastError());
    CloseHandle(s);

    /* Inbound only: a client may not open it for reading. */
    s = CreateNamedPipeA(name, PIPE_ACCESS_INBOUND, 0, 1, 512, 512, 0, NULL);
    SetLastError(0);
    ok(client(GENERIC_READ, 0) == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED,
       "GENERIC_READ on an inbound pipe: ERROR_ACCESS_DENIED (%lu)", GetLastError());
    CloseHandle(s);

    /* Message pipes: boundaries kept, ERROR_MORE_DATA for the rest. */
    s = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 2, 512, 512, 0, NULL);
    ok(s != INVALID_HANDLE_VALUE, "a message pipe");
    ok(GetNamedPipeInfo(s, &flags, NULL, NULL, NULL) && flags == (PIPE_SERVER_END | PIPE_TYPE_MESSAGE),
       "GetNamedPipeInfo says message type (%lu)", flags);
    SetLastError(0);
    ok(CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_READMODE_MESSAGE, 1, 0, 0, 0, NULL)
           == INVALID_HANDLE_VALUE && GetLastError() == ERROR_INVALID_PARAMETER,
       "message read mode on a byte pipe: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    c = client(GENERIC_READ | GENERIC_WRITE, 0);
    DWORD mode = PIPE_READMODE_MESSAGE;
    ok(SetNamedPipeHandleState(c, &mode, NULL, NULL), "the client switches to message reads");
    DWORD state = 99, instances = 0;
    ok(GetNamedPipeHandleStateA(c, &state, &instances, NULL, NULL, NULL, 0) && state == PIPE_READMODE_MESSAGE
           && instances == 1,
       "GetNamedPipeHandleState: message reads, one instance (%lu, %lu)", state, instances);
    WriteFile(s, "abcdef", 6, &n, NULL);
    WriteFile(s, "gh", 2, &n, NULL);
    ok(PeekNamedPipe(c, buf, 2, &n, &avail, &left) && n == 2 && left == 4,
       "PeekNamedPipe: 2 of the first message, 4 left in it (%lu, %lu)", n, left);
    memset(buf, 0, sizeof buf);
    SetLastError(0);
    ok(!ReadFile(c, buf, 4, &n, NULL) && GetLastError() == ERROR_MORE_DATA && n == 4 && !memcmp(buf, "abcd", 4),
       "a short read of a message: ERROR_MORE_DATA with the first 4 bytes (%lu, %lu)", GetLastError(), n);
    memset(buf, 0, sizeof buf);
    ok(ReadFile(c, buf, sizeof buf, &n, NULL) && n == 2 && !strcmp(buf, "ef"), "the next read: the rest of it");
    memset(buf, 0, sizeof buf);
    ok(ReadFile(c, buf, sizeof buf, &n, NULL) && n == 2 && !strcmp(buf, "gh"), "then the second message");
    ok(WriteFile(c, "one", 3, &n, NULL) && WriteFile(c, "two", 3, &n, NULL), "the client writes two messages");
    memset(buf, 0, sizeof buf);
    ok(ReadFile(s, buf, sizeof buf, &n, NULL) && n == 3 && !strcmp(buf, "one"), "one message per read");

    /* TransactNamedPipe: a request and its reply; refused while the
     * caller has a message to read. */
    ReadFile(s, buf, sizeof buf, &n, NULL); /* "two" */
    WriteFile(s, "early", 5, &n, NULL);
    SetLastError(0);
    ok(!TransactNamedPipe(c, "q", 1, buf, sizeof buf, &n, NULL) && GetLastError() == ERROR_PIPE_BUSY,
       "TransactNamedPipe with a message unread: ERROR_PIPE_BUSY (%lu)", GetLastError());
    ReadFile(c, buf, sizeof buf, &n, NULL); /* "early" */
    delayed_writer_pipe = s;
    t = CreateThread(NULL, 0, delayed_write, "answer", 0, NULL);
    memset(buf, 0, sizeof buf);
    ok(TransactNamedPipe(c, "question", 8, buf, sizeof buf, &n, NULL) && n == 6 && !strcmp(buf, "answer"),
       "TransactNamedPipe writes the request and reads the reply (%lu)", n);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    memset(buf, 0, sizeof buf);
    ok(ReadFile(s, buf, sizeof buf, &n, NULL) && n == 8 && !strcmp(buf, "question"), "the server got the request");

    SetLastError(0);
    ok(CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
                        PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 2, 512, 512, 0, NULL) == INVALID_HANDLE_VALUE
           && GetLastError() == ERROR_ACCESS_DENIED,
       "FILE_FLAG_FIRST_PIPE_INSTANCE of a name in use: ERROR_ACCESS_DENIED (%lu)", GetLastError());

    /* A second instance of the same name. */
    HANDLE s2 = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 2, 512, 512, 0, NULL);
    ok(s2 != INVALID_HANDLE_VALUE, "a second instance up to nMaxInstances");
    HANDLE c2 = client(GENERIC_READ | GENERIC_WRITE, 0);
    ok(c2 != INVALID_HANDLE_VALUE, "a second client gets it");
    WriteFile(c2, "2nd", 3, &n, NULL);
    memset(buf, 0, sizeof buf);
    ok(ReadFile(s2, buf, sizeof buf, &n, NULL) && !strcmp(buf, "2nd"), "each instance has its own connection");
    CloseHandle(c2);
    CloseHandle(s2);
    CloseHandle(c);
    CloseHandle(s);

    /* Names: a backslash inside the name, another case, forward slashes. */
    char deep[96], other[96];
    snprintf(deep, sizeof deep, "\\\\.\\pipe\\casement-%lu\\inner", GetCurrentProcessId());
    snprintf(other, sizeof other, "//./PIPE/CASEMENT-%lu/INNER", GetCurrentProcessId());
    s = CreateNamedPipeA(deep, PIPE_ACCESS_DUPLEX, 0, 1, 512, 512, 0, NULL);
    ok(s != INVALID_HANDLE_VALUE, "a pipe name with a backslash in it (%lu)", GetLastError());
    c = CreateFileA(other, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    ok(c != INVALID_HANDLE_VALUE, "opened in another case with forward slashes (%lu)", GetLastError());
    CloseHandle(c);
    CloseHandle(s);
    SetLastError(0);
    ok(CreateNamedPipeA("\\\\.\\notpipe\\x", PIPE_ACCESS_DUPLEX, 0, 1, 0, 0, 0, NULL) == INVALID_HANDLE_VALUE
           && GetLastError() == ERROR_PATH_NOT_FOUND,
       "a name outside \\\\.\\pipe\\ is not found: ERROR_PATH_NOT_FOUND (%lu)", GetLastError());

    /* CancelSynchronousIo ends a blocking read in another thread. */
    CreatePipe(&blocked_pipe, &w, NULL, 0);
    SetLastError(0);
    ok(!CancelSynchronousIo(GetCurrentThread()) && GetLastError() == ERROR_NOT_FOUND,
       "CancelSynchronousIo with nothing to cancel: ERROR_NOT_FOUND (%lu)", GetLastError());
    t = CreateThread(NULL, 0, blocked_read, NULL, 0, NULL);
    BOOL cancelled = FALSE;
    for (int i = 0; i < 100 && !cancelled; i++) {
        Sleep(10);
        cancelled = CancelSynchronousIo(t);
    }
    ok(cancelled, "CancelSynchronousIo of the blocked thread");
    ok(WaitForSingleObject(t, 5000) == WAIT_OBJECT_0, "the thread returns");
    ok(blocked_result == 0 && blocked_error == ERROR_OPERATION_ABORTED,
       "its ReadFile failed with ERROR_OPERATION_ABORTED (%lu, %lu)", blocked_result, blocked_error);
    CloseHandle(t);
    CloseHandle(blocked_pipe);
    CloseHandle(w);

    /* Bad input. */
    CreatePipe(&r, &w, NULL, 0);
    WriteFile(w, "data", 4, &n, NULL);
    SetLastError(0);
    ok(!ReadFile(r, (void *)16, 4, &n, NULL) && GetLastError() == ERROR_NOACCESS,
       "ReadFile into a bad buffer: ERROR_NOACCESS (%lu)", GetLastError());
    ok(ReadFile(r, buf, 4, &n, NULL) && n == 4 && !memcmp(buf, "data", 4), "the data is still there");
    CloseHandle(r);
    CloseHandle(w);
    return done();
}
