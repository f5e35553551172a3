/* io.c (Windows) - pipe and completion-port benchmarks for issue 6 points
 * 4-5, in the format of ../shared/bench (common/harness.h). Build:
 *   x86_64-w64-mingw32-gcc -O2 -I ../../../shared/bench/common -o io.exe io.c
 * Native counterparts in io_native.c. */
#include "harness.h"

static HANDLE r, w;

static int setup_pipe(void)
{
    if (!CreatePipe(&r, &w, NULL, 65536))
        return h_fail("CreatePipe failed: %lu", GetLastError());
    return 0;
}

static void teardown_pipe(void)
{
    CloseHandle(r);
    CloseHandle(w);
}

/* pipe_rw_4k: WriteFile 4 KiB then ReadFile 4 KiB, one thread. */
static double b_pipe_rw(uint64_t *pn)
{
    static char buf[4096], in[4096];
    DWORD n;
    uint64_t t0 = h_now();
    for (uint64_t i = 0; i < *pn; i++) {
        buf[0] = (char)i;
        if (!WriteFile(w, buf, sizeof buf, &n, NULL) || n != sizeof buf)
            return h_fail("WriteFile: %lu", GetLastError());
        if (!ReadFile(r, in, sizeof in, &n, NULL) || n != sizeof in || in[0] != (char)i)
            return h_fail("ReadFile: %lu (%lu)", GetLastError(), n);
    }
    return h_ns(t0, h_now());
}

/* pipe_pingpong: two threads, one byte each way over two pipes; one op is
 * one round trip. */
static HANDLE r2, w2;
static DWORD WINAPI echo(LPVOID p)
{
    char c;
    DWORD n;
    (void)p;
    while (ReadFile(r, &c, 1, &n, NULL) && n == 1 && c != 'q')
        WriteFile(w2, &c, 1, &n, NULL);
    return 0;
}

static double b_pingpong(uint64_t *pn)
{
    CreatePipe(&r, &w, NULL, 0);
    CreatePipe(&r2, &w2, NULL, 0);
    HANDLE t = CreateThread(NULL, 0, echo, NULL, 0, NULL);
    char c = 'x', back;
    DWORD n;
    uint64_t t0 = h_now();
    for (uint64_t i = 0; i < *pn; i++) {
        WriteFile(w, &c, 1, &n, NULL);
        if (!ReadFile(r2, &back, 1, &n, NULL) || back != c)
            return h_fail("no echo: %lu", GetLastError());
    }
    double ns = h_ns(t0, h_now());
    c = 'q';
    WriteFile(w, &c, 1, &n, NULL);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    CloseHandle(r);
    CloseHandle(w);
    CloseHandle(r2);
    CloseHandle(w2);
    return ns;
}

/* iocp_post_get: PostQueuedCompletionStatus + GetQueuedCompletionStatus. */
static HANDLE port;
static int setup_port(void)
{
    port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    return port ? 0 : h_fail("CreateIoCompletionPort: %lu", GetLastError());
}

static double b_post_get(uint64_t *pn)
{
    DWORD n;
    ULONG_PTR key;
    OVERLAPPED *ov;
    uint64_t t0 = h_now();
    for (uint64_t i = 0; i < *pn; i++) {
        PostQueuedCompletionStatus(port, 1, i, NULL);
        if (!GetQueuedCompletionStatus(port, &n, &key, &ov, INFINITE) || key != i)
            return h_fail("GetQueuedCompletionStatus: %lu", GetLastError());
    }
    return h_ns(t0, h_now());
}

/* iocp_pipe_read: an overlapped read of a named pipe's server end waits;
 * the client writes 64 bytes; the packet comes from the port. */
static HANDLE server, client;
static int setup_iocp_pipe(void)
{
    char name[64];
    snprintf(name, sizeof name, "\\\\.\\pipe\\bench-io-%lu", GetCurrentProcessId());
    server = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, 0, 1, 65536, 65536, 0, NULL);
    client = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    if (server == INVALID_HANDLE_VALUE || client == INVALID_HANDLE_VALUE)
        return h_fail("pipe: %lu", GetLastError());
    port = CreateIoCompletionPort(server, NULL, 7, 0);
    return port ? 0 : h_fail("CreateIoCompletionPort: %lu", GetLastError());
}

static double b_iocp_pipe(uint64_t *pn)
{
    static char in[64], out[64];
    OVERLAPPED ov, *got;
    DWORD n;
    ULONG_PTR key;
    uint64_t t0 = h_now();
    for (uint64_t i = 0; i < *pn; i++) {
        memset(&ov, 0, sizeof ov);
        if (!ReadFile(server, in, sizeof in, NULL, &ov) && GetLastError() != ERROR_IO_PENDING)
            return h_fail("ReadFile: %lu", GetLastError());
        out[0] = (char)i;
        WriteFile(client, out, sizeof out, &n, NULL);
        if (!GetQueuedCompletionStatus(port, &n, &key, &got, INFINITE) || got != &ov || n != 64 || in[0] != (char)i)
            return h_fail("GetQueuedCompletionStatus: %lu", GetLastError());
    }
    return h_ns(t0, h_now());
}

static const bench_t benches[] = {
    { "pipe_rw_4k", b_pipe_rw, setup_pipe, teardown_pipe, 1000, 4096, 0 },
    { "pipe_pingpong", b_pingpong, NULL, NULL, 1000, 0, 0 },
    { "iocp_post_get", b_post_get, setup_port, NULL, 10000, 0, 0 },
    { "iocp_pipe_read", b_iocp_pipe, setup_iocp_pipe, NULL, 1000, 0, 0 },
};

int main(int argc, char **argv)
{
    return h_main(argc, argv, benches, sizeof benches / sizeof benches[0]);
}
