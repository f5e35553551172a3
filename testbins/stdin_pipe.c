/* stdin_pipe.c - PeekNamedPipe and ReadFile on a standard input that is a
 * pipe from the parent (tests/io_async.rs writes "abc" into it and closes
 * it). Expected from the PeekNamedPipe documentation: it works on an
 * anonymous pipe, reports the bytes available without taking them, and
 * fails with ERROR_BROKEN_PIPE once the writer has closed and nothing is
 * left. */
#include <windows.h>
#include "tap.h"

int main(void)
{
    plan(6);
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD avail = 0, n = 0;
    char buf[16] = {0};
    is_int(GetFileType(in), FILE_TYPE_PIPE, "stdin is a pipe");
    BOOL peeked = FALSE;
    for (int i = 0; i < 500 && !(peeked && avail == 3); i++) {
        peeked = PeekNamedPipe(in, buf, sizeof buf, &n, &avail, NULL);
        if (!(peeked && avail == 3))
            Sleep(10);
    }
    ok(peeked && avail == 3, "PeekNamedPipe: 3 bytes available (%lu)", avail);
    ok(n == 3 && !memcmp(buf, "abc", 3), "and copied without taking them (%lu)", n);
    memset(buf, 0, sizeof buf);
    ok(ReadFile(in, buf, sizeof buf, &n, NULL) && n == 3 && !strcmp(buf, "abc"), "ReadFile then takes them");
    /* The parent has closed its end, but a process it forks at the same
     * moment (the test harness starts programs on several threads) holds a
     * copy of it until that process execs: wait for the last writer. */
    BOOL still_open = TRUE;
    for (int i = 0; i < 500 && still_open; i++) {
        SetLastError(0);
        still_open = PeekNamedPipe(in, NULL, 0, NULL, &avail, NULL);
        if (still_open)
            Sleep(10);
    }
    ok(!still_open && GetLastError() == ERROR_BROKEN_PIPE,
       "with the writer gone and nothing left: ERROR_BROKEN_PIPE (%lu)", GetLastError());
    SetLastError(0);
    ok(!ReadFile(in, buf, sizeof buf, &n, NULL) && GetLastError() == ERROR_BROKEN_PIPE && n == 0,
       "ReadFile: ERROR_BROKEN_PIPE (%lu)", GetLastError());
    return done();
}
