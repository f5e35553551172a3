/* files_ntpath.c - ntdll's path functions called directly, as runtimes
 * and ports do: RtlDetermineDosPathNameType_U, RtlDosPathNameToNtPathName_U
 * (+ _WithStatus), RtlGetFullPathName_U, RtlGetCurrentDirectory_U,
 * RtlIsDosDeviceName_U, RtlFreeUnicodeString. */
#include <windows.h>
#include <winternl.h>
#include <wchar.h>
#include "tap.h"

typedef ULONG (WINAPI *type_fn)(PCWSTR);
typedef BOOLEAN (WINAPI *to_nt_fn)(PCWSTR, UNICODE_STRING *, PWSTR *, void *);
typedef NTSTATUS (WINAPI *to_nt_status_fn)(PCWSTR, UNICODE_STRING *, PWSTR *, void *);
typedef ULONG (WINAPI *full_fn)(PCWSTR, ULONG, PWSTR, PWSTR *);
typedef ULONG (WINAPI *cwd_fn)(ULONG, PWSTR);
typedef ULONG (WINAPI *device_fn)(PCWSTR);
typedef void (WINAPI *free_fn)(UNICODE_STRING *);

static to_nt_fn to_nt;

/* Case-insensitive comparison of n UTF-16 units (ASCII letters). */
static int same_ci(const WCHAR *a, const WCHAR *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        WCHAR x = a[i], y = b[i];
        if (x >= L'a' && x <= L'z') x -= 32;
        if (y >= L'a' && y <= L'z') y -= 32;
        if (x != y)
            return 0;
    }
    return 1;
}

static const WCHAR ANY_PART[] = L"";
static free_fn free_us;

static int nt_is(const WCHAR *dos, const WCHAR *want, const WCHAR *want_part)
{
    UNICODE_STRING us;
    PWSTR part = (PWSTR)1;
    if (!to_nt(dos, &us, &part, NULL)) {
        diag("%ls: RtlDosPathNameToNtPathName_U failed", dos);
        return 0;
    }
    int same = us.Length == wcslen(want) * 2 && same_ci(us.Buffer, want, us.Length / 2)
               && us.Buffer[us.Length / 2] == 0;
    if (!same)
        diag("%ls -> %.*ls", dos, (int)(us.Length / 2), us.Buffer);
    if (want_part == ANY_PART)
        ;
    else if (want_part)
        same = same && part && wcscmp(part, want_part) == 0;
    else
        same = same && part == NULL;
    free_us(&us);
    return same && us.Buffer == NULL;
}

int main(void)
{
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    type_fn type = (type_fn)GetProcAddress(nt, "RtlDetermineDosPathNameType_U");
    to_nt = (to_nt_fn)GetProcAddress(nt, "RtlDosPathNameToNtPathName_U");
    to_nt_status_fn to_nt_status = (to_nt_status_fn)GetProcAddress(nt, "RtlDosPathNameToNtPathName_U_WithStatus");
    full_fn full = (full_fn)GetProcAddress(nt, "RtlGetFullPathName_U");
    cwd_fn cwd = (cwd_fn)GetProcAddress(nt, "RtlGetCurrentDirectory_U");
    device_fn device = (device_fn)GetProcAddress(nt, "RtlIsDosDeviceName_U");
    free_us = (free_fn)GetProcAddress(nt, "RtlFreeUnicodeString");
    ok(type && to_nt && to_nt_status && full && cwd && device && free_us, "ntdll exports the path functions");
    if (!(type && to_nt && to_nt_status && full && cwd && device && free_us))
        return done();

    is_int(type(L"\\\\server\\share"), 1, "UNC absolute");
    is_int(type(L"C:\\x"), 2, "drive absolute");
    is_int(type(L"C:x"), 3, "drive relative");
    is_int(type(L"\\x"), 4, "rooted");
    is_int(type(L"x\\y"), 5, "relative");
    is_int(type(L"\\\\.\\pipe\\x"), 6, "local device");
    is_int(type(L"\\\\?"), 7, "root local device");

    ok(nt_is(L"C:\\x\\..\\y.txt", L"\\??\\C:\\y.txt", L"y.txt"), "C:\\x\\..\\y.txt -> \\??\\C:\\y.txt, FilePart y.txt");
    ok(nt_is(L"C:/dir/", L"\\??\\C:\\dir\\", NULL), "forward slashes; a trailing backslash leaves no FilePart");
    ok(nt_is(L"\\\\?\\C:\\x\\..\\y", L"\\??\\C:\\x\\..\\y", L"y"), "\\\\?\\ passes through untouched");
    ok(nt_is(L"\\\\server\\share\\f", L"\\??\\UNC\\server\\share\\f", L"f"), "UNC names go under \\??\\UNC");
    ok(nt_is(L"\\\\.\\pipe\\p", L"\\??\\pipe\\p", L"p"), "\\\\.\\ becomes \\??\\");
    ok(nt_is(L"C:\\windows\\con.txt", L"\\??\\CON", ANY_PART), "a DOS device anywhere becomes \\??\\CON");
    UNICODE_STRING us;
    NTSTATUS st = to_nt_status(L"", &us, NULL, NULL);
    ok(st != 0, "an empty name fails (status %#lx)", (unsigned long)st);

    WCHAR buf[MAX_PATH], win[MAX_PATH], *part = NULL;
    ULONG n = full(L"sub\\..\\file.txt", sizeof buf, buf, &part);
    DWORD wn = GetFullPathNameW(L"sub\\..\\file.txt", MAX_PATH, win, NULL);
    ok(n == wn * 2 && wcscmp(buf, win) == 0 && part && wcscmp(part, L"file.txt") == 0,
       "RtlGetFullPathName_U agrees with GetFullPathNameW, in bytes: %ls", buf);
    n = full(L"sub\\..\\file.txt", 4, buf, NULL);
    is_int(n, (wn + 1) * 2, "a short buffer gets the bytes needed");
    n = cwd(sizeof buf, buf);
    wn = GetCurrentDirectoryW(MAX_PATH, win);
    ok(n == wn * 2 && wcscmp(buf, win) == 0, "RtlGetCurrentDirectory_U agrees with GetCurrentDirectoryW");

    is_int(device(L"C:\\dir\\con.txt"), (14 << 16) | 6, "RtlIsDosDeviceName_U: offset and length in bytes");
    is_int(device(L"nul"), 6, "nul");
    is_int(device(L"file.txt"), 0, "not a device");
    is_int(device(L"\\\\.\\nul"), 0, "a \\\\.\\ name is not a DOS device name");
    return done();
}
