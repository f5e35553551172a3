/* files_names.c - names, drives and volumes: GetTempPath, GetTempFileName,
 * GetFullPathName, GetLongPathName, long and invalid names, the drive map
 * and volume information. Expectations follow the Win32 documentation.
 * Runs in an empty working directory and leaves it empty. */
#include <windows.h>
#include <wchar.h>
#include "tap.h"

static void test_temp_path(void)
{
    WCHAR buf[MAX_PATH], small[2];
    DWORD len = GetTempPathW(MAX_PATH, buf);
    ok(len > 3 && len == wcslen(buf), "GetTempPathW returns the length copied (%lu)", len);
    ok(len && buf[len - 1] == L'\\', "the temporary path ends with a backslash");
    is_int(GetTempPathW(2, small), len + 1, "a short buffer gets the size needed, NUL included");
    is_int(GetTempPathW(0, NULL), len + 1, "so does no buffer");
    DWORD attrs = GetFileAttributesW(buf);
    ok(attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY),
       "the temporary directory exists");
    char abuf[MAX_PATH];
    is_int(GetTempPathA(MAX_PATH, abuf), len, "GetTempPathA agrees on the length");
}

static void test_temp_file_name(void)
{
    WCHAR name[MAX_PATH];
    UINT n = GetTempFileNameW(L".", L"tst", 0, name);
    ok(n != 0, "GetTempFileNameW(\".\", \"tst\", 0) returns a unique number (%x)", n);
    const WCHAR *base = wcsrchr(name, L'\\');
    ok(base && wcsncmp(base + 1, L"tst", 3) == 0, "the name starts with the prefix");
    size_t l = wcslen(name);
    ok(l > 4 && _wcsicmp(name + l - 4, L".tmp") == 0, "the name ends in .TMP");
    ok(GetFileAttributesW(name) != INVALID_FILE_ATTRIBUTES, "uUnique 0 creates the file");
    ok(DeleteFileW(name), "the file can be deleted");

    n = GetTempFileNameW(L".", L"abcdef", 0x1234, name);
    is_int(n, 0x1234, "a nonzero uUnique is returned as is");
    base = wcsrchr(name, L'\\');
    ok(base && _wcsicmp(base + 1, L"abc1234.tmp") == 0 && wcsncmp(base + 1, L"abc1234.", 8) == 0,
       "three prefix characters and the number in upper-case hex: %ls", base ? base + 1 : L"?");
    ok(GetFileAttributesW(name) == INVALID_FILE_ATTRIBUTES, "a nonzero uUnique creates nothing");

    SetLastError(0);
    n = GetTempFileNameW(L"no-such-dir", L"tst", 0, name);
    ok(n == 0 && GetLastError() == ERROR_DIRECTORY,
       "a missing directory fails with ERROR_DIRECTORY (error %lu)", GetLastError());
}

static void test_full_path(void)
{
    WCHAR cwd[MAX_PATH], full[MAX_PATH], want[MAX_PATH], *part = NULL;
    DWORD clen = GetCurrentDirectoryW(MAX_PATH, cwd);
    ok(clen > 2 && cwd[1] == L':', "the current directory has a drive letter: %ls", cwd);
    DWORD len = GetFullPathNameW(L"a\\.\\b\\..\\c.txt", MAX_PATH, full, &part);
    wcscpy(want, cwd);
    wcscat(want, L"\\a\\c.txt");
    ok(len == wcslen(want) && wcscmp(full, want) == 0, "GetFullPathNameW collapses . and ..: %ls", full);
    ok(part && wcscmp(part, L"c.txt") == 0, "lpFilePart points at the file name");
    len = GetFullPathNameW(L"C:/x/y/../z", MAX_PATH, full, NULL);
    ok(wcscmp(full, L"C:\\x\\z") == 0, "forward slashes become backslashes: %ls", full);
    len = GetFullPathNameW(L"C:\\dir\\name. . ", MAX_PATH, full, NULL);
    ok(wcscmp(full, L"C:\\dir\\name") == 0, "trailing dots and spaces are dropped: %ls", full);
    len = GetFullPathNameW(L"\\\\?\\C:\\x\\..\\y", MAX_PATH, full, NULL);
    ok(wcscmp(full, L"\\\\?\\C:\\y") == 0, "\\\\?\\ names are normalized too: %ls", full);
    len = GetFullPathNameW(L"nul", MAX_PATH, full, NULL);
    ok(wcscmp(full, L"\\\\.\\nul") == 0 || wcscmp(full, L"\\\\.\\NUL") == 0,
       "a DOS device name becomes \\\\.\\NUL: %ls", full);
}

static void test_long_short(void)
{
    WCHAR buf[MAX_PATH];
    SetLastError(0);
    ok(GetLongPathNameW(L"missing-file.txt", buf, MAX_PATH) == 0 && GetLastError() == ERROR_FILE_NOT_FOUND,
       "GetLongPathNameW of a missing file fails with ERROR_FILE_NOT_FOUND (%lu)", GetLastError());
    HANDLE h = CreateFileW(L"LongName.Text", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    CloseHandle(h);
    DWORD n = GetLongPathNameW(L"LongName.Text", buf, MAX_PATH);
    ok(n == 13 && wcscmp(buf, L"LongName.Text") == 0, "GetLongPathNameW of a long name returns it");
    n = GetShortPathNameW(L"LongName.Text", buf, MAX_PATH);
    ok(n > 0 && n < MAX_PATH, "GetShortPathNameW of an existing file succeeds");
    is_int(GetLongPathNameW(L"LongName.Text", buf, 3), 14, "a short buffer gets the size needed");
    DeleteFileW(L"LongName.Text");
}

static void test_bad_names(void)
{
    WCHAR path[400];
    int i;
    for (i = 0; i < 300; i++)
        path[i] = L'a';
    path[i] = 0;
    SetLastError(0);
    HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PATH_NOT_FOUND,
       "a path longer than MAX_PATH fails with ERROR_PATH_NOT_FOUND (%lu)", GetLastError());
    WCHAR cwd[MAX_PATH], longname[MAX_PATH + 400];
    GetCurrentDirectoryW(MAX_PATH, cwd);
    wcscpy(longname, L"\\\\?\\");
    wcscat(longname, cwd);
    wcscat(longname, L"\\");
    wcscat(longname, path);
    SetLastError(0);
    h = CreateFileW(longname, GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_INVALID_NAME,
       "a 300-character component fails with ERROR_INVALID_NAME (%lu)", GetLastError());
    SetLastError(0);
    h = CreateFileW(L"bad|name", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_INVALID_NAME,
       "a name with '|' fails with ERROR_INVALID_NAME (%lu)", GetLastError());
    SetLastError(0);
    h = CreateFileW(L"no-such-dir\\file", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PATH_NOT_FOUND,
       "a missing directory on the way is ERROR_PATH_NOT_FOUND (%lu)", GetLastError());
    h = CreateFileW(L"plain.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    CloseHandle(h);
    SetLastError(0);
    h = CreateFileW(L"plain.txt\\", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_INVALID_NAME,
       "a file name with a trailing backslash: ERROR_INVALID_NAME (%lu)", GetLastError());
    SetLastError(0);
    h = CreateFileW(L"plain.txt\\below", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_PATH_NOT_FOUND,
       "a file used as a directory: ERROR_PATH_NOT_FOUND (%lu)", GetLastError());
    DeleteFileW(L"plain.txt");
    h = CreateFileW(L"NUL", GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    DWORD w = 0;
    ok(h != INVALID_HANDLE_VALUE && WriteFile(h, "xyz", 3, &w, NULL) && w == 3,
       "NUL opens and swallows writes");
    is_int(GetFileType(h), FILE_TYPE_CHAR, "NUL is a character device");
    CloseHandle(h);
}

static void test_drives(void)
{
    DWORD drives = GetLogicalDrives();
    ok(drives & (1 << 2), "GetLogicalDrives includes C: (%#lx)", drives);
    is_int(GetDriveTypeW(L"C:\\"), DRIVE_FIXED, "C:\\ is a fixed drive");
    is_int(GetDriveTypeW(NULL), DRIVE_FIXED, "so is the current directory's drive");
    int missing = -1;
    for (int i = 3; i < 26; i++)
        if (!(drives & (1 << i))) { missing = i; break; }
    if (missing >= 0) {
        WCHAR root[] = L"?:\\";
        root[0] = (WCHAR)(L'A' + missing);
        is_int(GetDriveTypeW(root), DRIVE_NO_ROOT_DIR, "an unmapped drive has no root directory");
    } else {
        ok(1, "every drive letter is mapped");
    }
    ULARGE_INTEGER avail, total, freeb;
    ok(GetDiskFreeSpaceExW(NULL, &avail, &total, &freeb), "GetDiskFreeSpaceExW(NULL)");
    ok(total.QuadPart > 0 && freeb.QuadPart <= total.QuadPart && avail.QuadPart <= freeb.QuadPart,
       "available <= free <= total, total > 0");
    DWORD spc, bps, fc, tc;
    ok(GetDiskFreeSpaceW(L"C:\\", &spc, &bps, &fc, &tc) && spc > 0 && bps > 0 && tc > 0,
       "GetDiskFreeSpaceW(C:\\) gives a geometry");
    WCHAR label[MAX_PATH], fs[MAX_PATH];
    DWORD serial = 0, maxc = 0, flags = 0;
    ok(GetVolumeInformationW(L"C:\\", label, MAX_PATH, &serial, &maxc, &flags, fs, MAX_PATH),
       "GetVolumeInformationW(C:\\)");
    ok(maxc == 255 && fs[0] != 0, "255-character components, a file system name (%ls)", fs);
    ok(flags & FILE_CASE_PRESERVED_NAMES, "names keep their case");
    SetLastError(0);
    ok(!GetVolumeInformationW(L"C:\\windows\\", label, MAX_PATH, NULL, NULL, NULL, NULL, 0)
           && GetLastError() == ERROR_DIR_NOT_ROOT,
       "a directory that is not a root fails with ERROR_DIR_NOT_ROOT (%lu)", GetLastError());
    WCHAR vol[MAX_PATH];
    ok(GetVolumePathNameW(L"C:\\windows\\no-such-file", vol, MAX_PATH) && wcscmp(vol, L"C:\\") == 0,
       "GetVolumePathNameW: the drive root, for a missing file too (%ls)", vol);
    SetLastError(0);
    ok(!GetVolumePathNameW(L"C:\\windows", vol, 2) && GetLastError() == ERROR_FILENAME_EXCED_RANGE,
       "a short buffer: ERROR_FILENAME_EXCED_RANGE");
    WCHAR sys[MAX_PATH], win[MAX_PATH];
    ok(GetSystemDirectoryW(sys, MAX_PATH) && GetWindowsDirectoryW(win, MAX_PATH), "system directories");
    ok((GetFileAttributesW(sys) & FILE_ATTRIBUTE_DIRECTORY) && (GetFileAttributesW(win) & FILE_ATTRIBUTE_DIRECTORY)
           && GetFileAttributesW(sys) != INVALID_FILE_ATTRIBUTES,
       "the system and Windows directories exist");
}

int main(void)
{
    test_temp_path();
    test_temp_file_name();
    test_full_path();
    test_long_short();
    test_bad_names();
    test_drives();
    return done();
}
