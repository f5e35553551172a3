/*
 * unimpl.c - calling an API casement declares but does not implement yet.
 *
 * Windows behaviour for a missing implementation: the call fails the way
 * the API documents failure and GetLastError() is ERROR_CALL_NOT_IMPLEMENTED
 * (120). The harness also expects "unimplemented KERNEL32.<Name>" on stderr.
 *
 * CallNamedPipeA and GetSystemTimeAdjustment (both BOOL; FALSE on
 * failure) are called directly, not through GetProcAddress, as a program
 * would. They are harmless to call: a transaction with a pipe nobody
 * created, and reading the clock's adjustment. When casement implements one of them,
 * replace it here (and in tests/bad_input.rs) with an API that is still
 * declared with unimplemented_export! in kernel32/src/lib.rs.
 */
#include <windows.h>

#include "../tap.h"

int main(void)
{
    char buf[256];
    BOOL set;
    DWORD adjustment, increment, got = 0;
    BOOL disabled;

    plan(4);

    SetLastError(0xdeadbeef);
    set = CallNamedPipeA("\\\\.\\pipe\\casement-unimpl", "x", 1, buf, sizeof buf, &got, 0);
    is_int(set, FALSE, "CallNamedPipeA fails");
    is_int(GetLastError(), ERROR_CALL_NOT_IMPLEMENTED,
           "CallNamedPipeA: last error is ERROR_CALL_NOT_IMPLEMENTED");

    SetLastError(0xdeadbeef);
    set = GetSystemTimeAdjustment(&adjustment, &increment, &disabled);
    is_int(set, FALSE, "GetSystemTimeAdjustment fails");
    is_int(GetLastError(), ERROR_CALL_NOT_IMPLEMENTED,
           "GetSystemTimeAdjustment: last error is ERROR_CALL_NOT_IMPLEMENTED");

    return done();
}
