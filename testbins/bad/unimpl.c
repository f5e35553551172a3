/*
 * unimpl.c - calling an API casement declares but does not implement yet.
 *
 * Windows behaviour for a missing implementation: the call fails the way
 * the API documents failure and GetLastError() is ERROR_CALL_NOT_IMPLEMENTED
 * (120). The harness also expects "unimplemented KERNEL32.<Name>" on stderr.
 *
 * CallNamedPipeA (BOOL; FALSE on failure) and FormatMessageA (DWORD;
 * 0 on failure) are called directly, not through GetProcAddress, as a
 * program would. They are harmless to call: a transaction with a pipe
 * nobody created, and formatting a system message. When casement implements one of them,
 * replace it here (and in tests/bad_input.rs) with an API that is still
 * declared with unimplemented_export! in kernel32/src/lib.rs.
 */
#include <windows.h>

#include "../tap.h"

int main(void)
{
    char buf[256];
    BOOL set;
    DWORD len, got = 0;

    plan(4);

    SetLastError(0xdeadbeef);
    set = CallNamedPipeA("\\\\.\\pipe\\casement-unimpl", "x", 1, buf, sizeof buf, &got, 0);
    is_int(set, FALSE, "CallNamedPipeA fails");
    is_int(GetLastError(), ERROR_CALL_NOT_IMPLEMENTED,
           "CallNamedPipeA: last error is ERROR_CALL_NOT_IMPLEMENTED");

    SetLastError(0xdeadbeef);
    len = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                         ERROR_FILE_NOT_FOUND, 0, buf, sizeof buf, NULL);
    is_int(len, 0, "FormatMessageA fails");
    is_int(GetLastError(), ERROR_CALL_NOT_IMPLEMENTED,
           "FormatMessageA: last error is ERROR_CALL_NOT_IMPLEMENTED");

    return done();
}
