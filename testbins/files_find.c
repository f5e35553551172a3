/* files_find.c - directory searches: FindFirstFile(Ex)W / FindNextFileW /
 * FindClose with the DOS wildcard rules, FindFirstFileA, and the errors
 * of empty and missing searches. Expectations follow the Win32
 * documentation. Runs in an empty working directory and leaves it empty. */
#include <windows.h>
#include <wchar.h>
#include "tap.h"

static const WCHAR *files[] = { L"a.txt", L"b.TXT", L"c.dat", L"noext", L"ab.txt", L"long.name.txt" };
#define NFILES (sizeof files / sizeof files[0])

/* The names a search returns, joined by '|' in the order returned. */
static int search(const WCHAR *pattern, WCHAR *out, size_t size, DWORD *error)
{
    WIN32_FIND_DATAW fd;
    int count = 0;
    out[0] = 0;
    SetLastError(0);
    HANDLE h = FindFirstFileW(pattern, &fd);
    if (h == INVALID_HANDLE_VALUE) {
        *error = GetLastError();
        return -1;
    }
    do {
        if (wcslen(out) + wcslen(fd.cFileName) + 2 < size) {
            if (count)
                wcscat(out, L"|");
            wcscat(out, fd.cFileName);
        }
        count++;
    } while (FindNextFileW(h, &fd));
    *error = GetLastError();
    FindClose(h);
    return count;
}

static int has(const WCHAR *list, const WCHAR *name)
{
    size_t n = wcslen(name);
    const WCHAR *p = list;
    while ((p = wcsstr(p, name))) {
        if ((p == list || p[-1] == L'|') && (p[n] == 0 || p[n] == L'|'))
            return 1;
        p += n;
    }
    return 0;
}

int main(void)
{
    WCHAR got[2048], path[MAX_PATH];
    DWORD err;
    ok(CreateDirectoryW(L"d", NULL) && CreateDirectoryW(L"d\\sub", NULL), "make d and d\\sub");
    for (size_t i = 0; i < NFILES; i++) {
        wcscpy(path, L"d\\");
        wcscat(path, files[i]);
        HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
        DWORD w;
        WriteFile(h, "12345", (DWORD)i, &w, NULL);
        CloseHandle(h);
    }

    int n = search(L"d\\*", got, 2048, &err);
    is_int(n, NFILES + 3, "d\\* lists every entry, . and .. included");
    ok(err == ERROR_NO_MORE_FILES, "the search ends with ERROR_NO_MORE_FILES (%lu)", err);
    ok(has(got, L".") && has(got, L"..") && has(got, L"sub") && has(got, L"long.name.txt"),
       "., .., sub and the files: %ls", got);
    is_int(search(L"d\\*.*", got, 2048, &err), NFILES + 3, "*.* matches names without a dot too");
    n = search(L"d\\*.txt", got, 2048, &err);
    ok(n == 4 && has(got, L"a.txt") && has(got, L"b.TXT") && has(got, L"ab.txt") && has(got, L"long.name.txt"),
       "*.txt matches case-insensitively: %ls", got);
    n = search(L"d\\?.txt", got, 2048, &err);
    ok(n == 2 && has(got, L"a.txt") && has(got, L"b.TXT"), "?.txt matches one-character names: %ls", got);
    n = search(L"d\\a?.txt", got, 2048, &err);
    ok(n == 2 && has(got, L"a.txt") && has(got, L"ab.txt"), "a?.txt: ? also matches nothing before the dot: %ls", got);
    n = search(L"d\\*.", got, 2048, &err);
    ok(n >= 2 && has(got, L"noext") && has(got, L"sub") && !has(got, L"a.txt"),
       "*. matches names without an extension: %ls", got);
    n = search(L"d\\NOEXT", got, 2048, &err);
    ok(n == 1 && wcscmp(got, L"noext") == 0, "a name without wildcards finds the file in its own case");
    n = search(L"d\\long*", got, 2048, &err);
    ok(n == 1 && has(got, L"long.name.txt"), "long* spans dots");

    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(L"d\\c.dat", &fd);
    ok(h != INVALID_HANDLE_VALUE && fd.nFileSizeLow == 2 && fd.nFileSizeHigh == 0
           && !(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY),
       "the find data has the size and attributes");
    SetLastError(0);
    ok(!FindNextFileW(h, &fd) && GetLastError() == ERROR_NO_MORE_FILES, "one match only");
    ok(FindClose(h), "FindClose");
    h = FindFirstFileW(L"d\\sub", &fd);
    ok(h != INVALID_HANDLE_VALUE && (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY), "a directory entry");
    FindClose(h);

    n = search(L"d\\*.zzz", got, 2048, &err);
    ok(n == -1 && err == ERROR_FILE_NOT_FOUND, "no match: ERROR_FILE_NOT_FOUND (%lu)", err);
    n = search(L"nothere\\*", got, 2048, &err);
    ok(n == -1 && err == ERROR_PATH_NOT_FOUND, "a missing directory: ERROR_PATH_NOT_FOUND (%lu)", err);
    n = search(L"d\\sub\\*", got, 2048, &err);
    is_int(n, 2, "an empty directory has . and ..");

    h = FindFirstFileExW(L"d\\*.dat", FindExInfoBasic, &fd, FindExSearchNameMatch, NULL, 0);
    ok(h != INVALID_HANDLE_VALUE && wcscmp(fd.cFileName, L"c.dat") == 0, "FindFirstFileExW(FindExInfoBasic)");
    FindClose(h);
    WIN32_FIND_DATAA fa;
    HANDLE ha = FindFirstFileA("d\\c.*", &fa);
    ok(ha != INVALID_HANDLE_VALUE && strcmp(fa.cFileName, "c.dat") == 0, "FindFirstFileA: %s", fa.cFileName);
    FindClose(ha);

    /* ntdll's NtQueryDirectoryFileEx with SL_RESTART_SCAN |
     * SL_RETURN_SINGLE_ENTRY: one FILE_DIRECTORY_INFORMATION, ".". */
    typedef LONG (WINAPI *query_ex_fn)(HANDLE, HANDLE, void *, void *, void *, void *, ULONG, int, ULONG, void *);
    query_ex_fn query_ex = (query_ex_fn)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtQueryDirectoryFileEx");
    HANDLE dh = CreateFileW(L"d", FILE_LIST_DIRECTORY, 7, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    ULONG_PTR iosb[2] = {0};
    static BYTE qbuf[1024];
    LONG st = query_ex ? query_ex(dh, NULL, NULL, NULL, iosb, qbuf, sizeof qbuf, 1 /* FileDirectoryInformation */, 3, NULL) : -1;
    ok(st == 0 && *(ULONG *)qbuf == 0 && *(ULONG *)(qbuf + 60) == 2 && *(WCHAR *)(qbuf + 64) == L'.',
       "NtQueryDirectoryFileEx(SL_RESTART_SCAN | SL_RETURN_SINGLE_ENTRY) returns one entry, \".\" (status %#lx)", st);
    CloseHandle(dh);

    /* A search handle survives files being added and deleted meanwhile. */
    h = FindFirstFileW(L"d\\*", &fd);
    DeleteFileW(L"d\\noext");
    int more = 0;
    while (FindNextFileW(h, &fd))
        more++;
    ok(GetLastError() == ERROR_NO_MORE_FILES, "deleting during a search ends it normally");
    FindClose(h);

    for (size_t i = 0; i < NFILES; i++) {
        wcscpy(path, L"d\\");
        wcscat(path, files[i]);
        DeleteFileW(path);
    }
    ok(RemoveDirectoryW(L"d\\sub") && RemoveDirectoryW(L"d"), "clean up");
    return done();
}
