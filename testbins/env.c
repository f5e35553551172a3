/*
 * env.c - the process environment, through kernel32 and the C runtime.
 *
 * The harness sets CASEMENT_TEST_VAR=hello-env and
 * CASEMENT_TEST_OTHER="a=b c" (a value may hold '=' and spaces) and makes
 * sure CASEMENT_TEST_MISSING is unset.
 *
 * GetEnvironmentVariable (processenv.h) returns the length without the
 * terminating NUL on success; when the buffer is too small, the size needed
 * including the NUL; 0 with ERROR_ENVVAR_NOT_FOUND when the variable is
 * missing. Names are case-insensitive on Windows. getenv and _putenv work
 * on the C runtime's copy of the environment (_environ).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

#include "tap.h"

#define VAR "CASEMENT_TEST_VAR"
#define VALUE "hello-env"
#define VALUE_LEN 9

/* Looks for an exact "NAME=value" entry in a GetEnvironmentStringsW block
 * and checks the block ends with an empty string (a double NUL). */
static int block_has_entry(const wchar_t *block, const wchar_t *entry, int *entries)
{
    int found = 0;
    *entries = 0;
    while (*block) {
        if (wcscmp(block, entry) == 0)
            found = 1;
        ++*entries;
        block += wcslen(block) + 1;
    }
    return found;
}

int main(void)
{
    char buf[64];
    wchar_t wbuf[64];
    DWORD n;
    const char *s;

    plan(43);

    /* C runtime getenv. */
    is_str(getenv(VAR), VALUE, "getenv(%s)", VAR);
    is_str(getenv("casement_test_var"), VALUE, "getenv is not case sensitive");
    is_str(getenv("CASEMENT_TEST_OTHER"), "a=b c", "getenv of a value holding '=' and a space");
    ok(getenv("CASEMENT_TEST_MISSING") == NULL, "getenv of a missing variable is NULL");

    /* GetEnvironmentVariableA: success returns the length without NUL. */
    memset(buf, 'x', sizeof buf);
    n = GetEnvironmentVariableA(VAR, buf, sizeof buf);
    is_int(n, VALUE_LEN, "GetEnvironmentVariableA returns the length without the NUL");
    is_str(buf, VALUE, "GetEnvironmentVariableA copies the value");
    n = GetEnvironmentVariableA("Casement_Test_Var", buf, sizeof buf);
    is_int(n, VALUE_LEN, "GetEnvironmentVariableA names are case-insensitive");
    is_str(buf, VALUE, "... and give the same value");
    n = GetEnvironmentVariableA(VAR, buf, VALUE_LEN + 1);
    is_int(n, VALUE_LEN, "a buffer of exactly length+1 is large enough");

    /* Too small: the size needed including the NUL. */
    n = GetEnvironmentVariableA(VAR, buf, VALUE_LEN);
    is_int(n, VALUE_LEN + 1, "a buffer one short returns the size including the NUL");
    n = GetEnvironmentVariableA(VAR, buf, 4);
    is_int(n, VALUE_LEN + 1, "a small buffer returns the size including the NUL");
    n = GetEnvironmentVariableA(VAR, NULL, 0);
    is_int(n, VALUE_LEN + 1, "a NULL buffer of size 0 returns the size including the NUL");

    /* Missing: 0 and ERROR_ENVVAR_NOT_FOUND. */
    SetLastError(0xdeadbeef);
    n = GetEnvironmentVariableA("CASEMENT_TEST_MISSING", buf, sizeof buf);
    is_int(n, 0, "GetEnvironmentVariableA of a missing variable returns 0");
    is_int(GetLastError(), ERROR_ENVVAR_NOT_FOUND, "... and sets ERROR_ENVVAR_NOT_FOUND (203)");

    /* The wide version counts characters, not bytes. */
    n = GetEnvironmentVariableW(L"casement_TEST_var", wbuf, sizeof wbuf / sizeof wbuf[0]);
    is_int(n, VALUE_LEN, "GetEnvironmentVariableW returns the length in characters");
    ok(wcscmp(wbuf, L"" VALUE) == 0, "GetEnvironmentVariableW copies the value");
    n = GetEnvironmentVariableW(L"" VAR, wbuf, 3);
    is_int(n, VALUE_LEN + 1, "GetEnvironmentVariableW with a small buffer returns the size needed");
    SetLastError(0xdeadbeef);
    n = GetEnvironmentVariableW(L"CASEMENT_TEST_MISSING", wbuf, 64);
    ok(n == 0 && GetLastError() == ERROR_ENVVAR_NOT_FOUND,
       "GetEnvironmentVariableW of a missing variable: 0 and ERROR_ENVVAR_NOT_FOUND");

    /* SetEnvironmentVariableA creates, replaces and (with NULL) deletes. */
    ok(SetEnvironmentVariableA("CASEMENT_NEW", "v1"), "SetEnvironmentVariableA creates a variable");
    n = GetEnvironmentVariableA("CASEMENT_NEW", buf, sizeof buf);
    ok(n == 2 && strcmp(buf, "v1") == 0, "GetEnvironmentVariableA sees the new variable");
    ok(SetEnvironmentVariableA("casement_new", "value two"), "SetEnvironmentVariableA replaces it");
    n = GetEnvironmentVariableA("CASEMENT_NEW", buf, sizeof buf);
    ok(n == 9 && strcmp(buf, "value two") == 0, "the replaced value is seen under any case");
    /* getenv reads the C runtime's copy, which SetEnvironmentVariable does
     * not update. */
    ok(getenv("CASEMENT_NEW") == NULL, "getenv does not see SetEnvironmentVariableA's variable");
    ok(SetEnvironmentVariableA("CASEMENT_NEW", NULL), "SetEnvironmentVariableA(NULL) deletes");
    SetLastError(0xdeadbeef);
    n = GetEnvironmentVariableA("CASEMENT_NEW", buf, sizeof buf);
    ok(n == 0 && GetLastError() == ERROR_ENVVAR_NOT_FOUND, "the deleted variable is not found");

    /* GetEnvironmentStringsW: NAME=value strings, ended by an empty one. */
    {
        wchar_t *block = GetEnvironmentStringsW();
        int entries = 0;
        ok(block != NULL, "GetEnvironmentStringsW returns a block");
        ok(block && block_has_entry(block, L"" VAR L"=" VALUE, &entries),
           "the block holds " VAR "=" VALUE);
        ok(block && block_has_entry(block, L"CASEMENT_TEST_OTHER=a=b c", &entries),
           "the block holds CASEMENT_TEST_OTHER=a=b c");
        ok(entries >= 2, "the block's entries end with a double NUL (%d entries)", entries);
        ok(FreeEnvironmentStringsW(block), "FreeEnvironmentStringsW");
    }
    {
        char *block = GetEnvironmentStringsA();
        int found = 0;
        for (s = block; s && *s; s += strlen(s) + 1)
            if (strcmp(s, VAR "=" VALUE) == 0)
                found = 1;
        ok(found, "GetEnvironmentStringsA holds " VAR "=" VALUE);
        FreeEnvironmentStringsA(block);
    }

    /* _putenv updates the C runtime's copy (and, in Microsoft's C runtime,
     * the process environment too); "NAME=" removes the variable. */
    is_int(_putenv("CASEMENT_PUT=put value"), 0, "_putenv returns 0");
    is_str(getenv("CASEMENT_PUT"), "put value", "getenv sees _putenv's variable");
    is_str(getenv("casement_put"), "put value", "... under any case");
    n = GetEnvironmentVariableA("CASEMENT_PUT", buf, sizeof buf);
    ok(n == 9 && strcmp(buf, "put value") == 0, "GetEnvironmentVariableA sees _putenv's variable");
    is_int(_putenv("CASEMENT_PUT="), 0, "_putenv(\"NAME=\") returns 0");
    ok(getenv("CASEMENT_PUT") == NULL, "_putenv(\"NAME=\") removes the variable");

    /* The Windows and system directories (documented return values: the
     * length without the NUL, or the size needed with it). */
    {
        WCHAR sysw[MAX_PATH];
        char wina[MAX_PATH];
        UINT n = GetSystemDirectoryW(sysw, MAX_PATH);
        ok(n == 19 && _wcsicmp(sysw, L"C:\\windows\\system32") == 0, "GetSystemDirectoryW is C:\\windows\\system32 (%u)", n);
        ok(GetSystemDirectoryW(sysw, 5) == 20, "with a small buffer it returns the size needed, NUL included");
        n = GetWindowsDirectoryA(wina, MAX_PATH);
        ok(n == 10 && _stricmp(wina, "C:\\windows") == 0, "GetWindowsDirectoryA is C:\\windows (%u)", n);
        DWORD attrs = GetFileAttributesW(sysw);
        ok(attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY), "the system directory exists");
    }
    /* ntdll's RtlGetNtVersionNumbers agrees with RtlGetVersion (neither is
     * subject to GetVersionEx's manifest-based compatibility answer). */
    {
        typedef void(WINAPI * nt_version_fn)(DWORD *, DWORD *, DWORD *);
        typedef LONG(WINAPI * rtl_version_fn)(OSVERSIONINFOW *);
        HMODULE nt = GetModuleHandleA("ntdll.dll");
        nt_version_fn f = (nt_version_fn)GetProcAddress(nt, "RtlGetNtVersionNumbers");
        rtl_version_fn g = (rtl_version_fn)GetProcAddress(nt, "RtlGetVersion");
        OSVERSIONINFOW v = {sizeof v};
        DWORD major = 0, minor = 0, build = 0;
        ok(f && g && g(&v) == 0, "RtlGetNtVersionNumbers and RtlGetVersion are exported");
        if (f)
            f(&major, &minor, &build);
        ok(f && major == v.dwMajorVersion && minor == v.dwMinorVersion && (build & 0xFFFF) == (v.dwBuildNumber & 0xFFFF) &&
               (build >> 28) == 0xF,
           "it reports RtlGetVersion's version, with 0xF in the build's top nibble (%lu.%lu.%lx)", major, minor, build);
    }
    return done();
}
