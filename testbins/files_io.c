/* files_io.c - files through kernel32: CreateFileW dispositions, share
 * modes, delete-on-close and delete-pending, positions, sizes, times,
 * attributes, handle information, links, copies, moves, and the errors of
 * bad handles and bad buffers. Expectations follow the Win32
 * documentation. Runs in an empty working directory and leaves it empty. */
#define _WIN32_WINNT 0x0A00
#include <windows.h>
#include <wchar.h>
#include <stdio.h>
#include "tap.h"

static HANDLE open_w(const WCHAR *name, DWORD access, DWORD share, DWORD disp, DWORD flags)
{
    return CreateFileW(name, access, share, NULL, disp, flags, NULL);
}

static int put(const WCHAR *name, const char *text)
{
    HANDLE h = open_w(name, GENERIC_WRITE, 0, CREATE_ALWAYS, 0);
    DWORD w;
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    BOOL r = WriteFile(h, text, (DWORD)strlen(text), &w, NULL);
    CloseHandle(h);
    return r && w == strlen(text);
}

static LONGLONG size_of(const WCHAR *name)
{
    WIN32_FILE_ATTRIBUTE_DATA d;
    if (!GetFileAttributesExW(name, GetFileExInfoStandard, &d))
        return -1;
    return ((LONGLONG)d.nFileSizeHigh << 32) | d.nFileSizeLow;
}

static void test_dispositions(void)
{
    HANDLE h = open_w(L"disp.txt", GENERIC_WRITE, 0, CREATE_NEW, FILE_ATTRIBUTE_NORMAL);
    ok(h != INVALID_HANDLE_VALUE, "CREATE_NEW creates a file");
    CloseHandle(h);
    SetLastError(0);
    h = open_w(L"disp.txt", GENERIC_WRITE, 0, CREATE_NEW, 0);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_EXISTS,
       "CREATE_NEW on an existing file fails with ERROR_FILE_EXISTS (%lu)", GetLastError());
    ok(put(L"disp.txt", "twelve bytes"), "write twelve bytes");
    h = open_w(L"disp.txt", GENERIC_WRITE, 0, OPEN_ALWAYS, 0);
    ok(h != INVALID_HANDLE_VALUE && GetLastError() == ERROR_ALREADY_EXISTS,
       "OPEN_ALWAYS on an existing file sets ERROR_ALREADY_EXISTS");
    CloseHandle(h);
    is_int(size_of(L"disp.txt"), 12, "OPEN_ALWAYS keeps the contents");
    h = open_w(L"disp.txt", GENERIC_WRITE, 0, CREATE_ALWAYS, 0);
    ok(h != INVALID_HANDLE_VALUE && GetLastError() == ERROR_ALREADY_EXISTS,
       "CREATE_ALWAYS on an existing file sets ERROR_ALREADY_EXISTS");
    CloseHandle(h);
    is_int(size_of(L"disp.txt"), 0, "CREATE_ALWAYS truncates");
    ok(put(L"disp.txt", "abc"), "write again");
    h = open_w(L"disp.txt", GENERIC_WRITE, 0, TRUNCATE_EXISTING, 0);
    ok(h != INVALID_HANDLE_VALUE, "TRUNCATE_EXISTING opens an existing file");
    CloseHandle(h);
    is_int(size_of(L"disp.txt"), 0, "TRUNCATE_EXISTING truncates");
    SetLastError(0);
    h = open_w(L"disp-missing.txt", GENERIC_WRITE, 0, TRUNCATE_EXISTING, 0);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_NOT_FOUND,
       "TRUNCATE_EXISTING of a missing file: ERROR_FILE_NOT_FOUND");
    SetLastError(0xdead);
    h = open_w(L"disp-new.txt", GENERIC_WRITE, 0, OPEN_ALWAYS, 0);
    ok(h != INVALID_HANDLE_VALUE && GetLastError() == 0, "OPEN_ALWAYS creating a file sets error 0");
    CloseHandle(h);
    SetLastError(0);
    h = open_w(L"DISP-NEW.TXT", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
    ok(h != INVALID_HANDLE_VALUE, "names are found whatever their case");
    CloseHandle(h);
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    h = CreateFileW(L"disp-new.txt", GENERIC_READ, 7, &sa, OPEN_EXISTING, 0, NULL);
    DWORD hflags = 0;
    ok(GetHandleInformation(h, &hflags) && (hflags & HANDLE_FLAG_INHERIT),
       "bInheritHandle makes an inheritable handle");
    CloseHandle(h);
    h = CreateFileW(L"disp-new.txt", GENERIC_READ, 7, NULL, OPEN_EXISTING, 0, NULL);
    ok(GetHandleInformation(h, &hflags) && !(hflags & HANDLE_FLAG_INHERIT), "without it the handle is not inherited");
    CloseHandle(h);
    ok(DeleteFileW(L"disp-new.txt") && DeleteFileW(L"DISP.txt"), "DeleteFileW, any case");
    SetLastError(0);
    ok(!DeleteFileW(L"disp.txt") && GetLastError() == ERROR_FILE_NOT_FOUND,
       "deleting a missing file: ERROR_FILE_NOT_FOUND");
}

static void test_sharing(void)
{
    ok(put(L"share.txt", "shared data"), "make share.txt");
    HANDLE r1 = open_w(L"share.txt", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
    ok(r1 != INVALID_HANDLE_VALUE, "open for reading, sharing reads");
    HANDLE r2 = open_w(L"share.txt", GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING, 0);
    ok(r2 != INVALID_HANDLE_VALUE, "a second reader sharing reads is let in");
    SetLastError(0);
    HANDLE w = open_w(L"share.txt", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING, 0);
    ok(w == INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION,
       "a writer is refused: ERROR_SHARING_VIOLATION (%lu)", GetLastError());
    SetLastError(0);
    HANDLE r3 = open_w(L"share.txt", GENERIC_READ, 0, OPEN_EXISTING, 0);
    ok(r3 == INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION,
       "a reader that shares nothing is refused while others read");
    HANDLE a = open_w(L"share.txt", FILE_READ_ATTRIBUTES, 0, OPEN_EXISTING, 0);
    ok(a != INVALID_HANDLE_VALUE, "an attributes-only open takes no part in sharing");
    CloseHandle(a);
    SetLastError(0);
    HANDLE t = open_w(L"share.txt", GENERIC_WRITE, FILE_SHARE_READ, CREATE_ALWAYS, 0);
    ok(t == INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION,
       "CREATE_ALWAYS is refused too");
    is_int(size_of(L"share.txt"), 11, "and the refused CREATE_ALWAYS truncated nothing");
    SetLastError(0);
    ok(!DeleteFileW(L"share.txt") && GetLastError() == ERROR_SHARING_VIOLATION,
       "DeleteFileW of a file open without FILE_SHARE_DELETE: ERROR_SHARING_VIOLATION");
    CloseHandle(r1);
    CloseHandle(r2);
    HANDLE x = open_w(L"share.txt", GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, 0);
    ok(x != INVALID_HANDLE_VALUE, "once they close, an exclusive open succeeds");
    SetLastError(0);
    HANDLE y = open_w(L"share.txt", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                      OPEN_EXISTING, 0);
    ok(y == INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION,
       "an exclusive open keeps every reader out");
    HANDLE dup;
    ok(DuplicateHandle(GetCurrentProcess(), x, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS),
       "DuplicateHandle of the exclusive handle");
    CloseHandle(x);
    SetLastError(0);
    y = open_w(L"share.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    ok(y == INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION,
       "the duplicate still holds the file exclusively");
    CloseHandle(dup);
    ok(DeleteFileW(L"share.txt"), "the last handle closed, the file can be deleted");
}

static void test_delete_pending(void)
{
    HANDLE h = open_w(L"doc.txt", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, CREATE_NEW,
                      FILE_FLAG_DELETE_ON_CLOSE);
    ok(h != INVALID_HANDLE_VALUE, "create with FILE_FLAG_DELETE_ON_CLOSE");
    ok(GetFileAttributesW(L"doc.txt") != INVALID_FILE_ATTRIBUTES, "the file exists while open");
    CloseHandle(h);
    ok(GetFileAttributesW(L"doc.txt") == INVALID_FILE_ATTRIBUTES && GetLastError() == ERROR_FILE_NOT_FOUND,
       "closing the only handle deletes it");

    h = open_w(L"pend.txt", GENERIC_WRITE, 7, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE);
    HANDLE other = open_w(L"pend.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    ok(other != INVALID_HANDLE_VALUE, "a second open sharing delete is let in");
    SetLastError(0);
    HANDLE no = open_w(L"pend.txt", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING, 0);
    ok(no == INVALID_HANDLE_VALUE && GetLastError() == ERROR_SHARING_VIOLATION,
       "one that does not share delete is refused");
    CloseHandle(h);
    CloseHandle(other);
    SetLastError(0);
    ok(GetFileAttributesW(L"pend.txt") == INVALID_FILE_ATTRIBUTES && GetLastError() == ERROR_FILE_NOT_FOUND,
       "when the last handle closes the file is gone");

    /* FileDispositionInfo marks the file delete-pending: it stays until its
     * last handle closes, and refuses new opens meanwhile. */
    ok(put(L"pend.txt", "x"), "make pend.txt");
    h = open_w(L"pend.txt", DELETE, 7, OPEN_EXISTING, 0);
    other = open_w(L"pend.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    FILE_DISPOSITION_INFO pending = { TRUE };
    ok(SetFileInformationByHandle(h, FileDispositionInfo, &pending, sizeof pending),
       "SetFileInformationByHandle(FileDispositionInfo, TRUE)");
    FILE_STANDARD_INFO si;
    ok(GetFileInformationByHandleEx(other, FileStandardInfo, &si, sizeof si) && si.DeletePending,
       "FileStandardInfo.DeletePending is set for every handle");
    CloseHandle(h);
    SetLastError(0);
    no = open_w(L"pend.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    ok(no == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED,
       "while delete-pending, new opens fail with ERROR_ACCESS_DENIED (%lu)", GetLastError());
    SetLastError(0);
    no = open_w(L"pend.txt", GENERIC_WRITE, 7, CREATE_NEW, 0);
    ok(no == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED,
       "and CREATE_NEW of its name too (%lu)", GetLastError());
    CloseHandle(other);
    SetLastError(0);
    ok(GetFileAttributesW(L"pend.txt") == INVALID_FILE_ATTRIBUTES && GetLastError() == ERROR_FILE_NOT_FOUND,
       "the last close removes it");

    ok(put(L"disp2.txt", "x"), "make disp2.txt");
    h = open_w(L"disp2.txt", DELETE, 7, OPEN_EXISTING, 0);
    FILE_DISPOSITION_INFO di = { TRUE };
    ok(SetFileInformationByHandle(h, FileDispositionInfo, &di, sizeof di), "FileDispositionInfo TRUE");
    di.DeleteFile = FALSE;
    ok(SetFileInformationByHandle(h, FileDispositionInfo, &di, sizeof di), "... and FALSE again");
    CloseHandle(h);
    ok(GetFileAttributesW(L"disp2.txt") != INVALID_FILE_ATTRIBUTES, "an undone disposition keeps the file");
    DeleteFileW(L"disp2.txt");
}

static void test_positions(void)
{
    HANDLE h = open_w(L"pos.txt", GENERIC_READ | GENERIC_WRITE, 0, CREATE_NEW, 0);
    DWORD n;
    char buf[32] = {0};
    ok(WriteFile(h, "hello world", 11, &n, NULL) && n == 11, "WriteFile 11 bytes");
    is_int(SetFilePointer(h, 0, NULL, FILE_CURRENT), 11, "the pointer follows the write");
    ok(SetFilePointer(h, 0, NULL, FILE_BEGIN) == 0, "SetFilePointer(FILE_BEGIN)");
    ok(ReadFile(h, buf, 5, &n, NULL) && n == 5 && memcmp(buf, "hello", 5) == 0, "read back hello");
    is_int(SetFilePointer(h, -5, NULL, FILE_END), 6, "SetFilePointer(-5, FILE_END)");
    ok(ReadFile(h, buf, sizeof buf, &n, NULL) && n == 5 && memcmp(buf, "world", 5) == 0,
       "a long read stops at the end");
    ok(ReadFile(h, buf, sizeof buf, &n, NULL) && n == 0, "at the end ReadFile succeeds with 0 bytes");
    OVERLAPPED ov = {0};
    ov.Offset = 2;
    ok(ReadFile(h, buf, 3, &n, &ov) && n == 3 && memcmp(buf, "llo", 3) == 0,
       "an OVERLAPPED offset on a synchronous handle");
    is_int(SetFilePointer(h, 0, NULL, FILE_CURRENT), 5, "moves the file pointer after the read");
    ov.Offset = 6;
    ok(WriteFile(h, "W", 1, &n, &ov) && n == 1, "a positioned write");
    is_int(SetFilePointer(h, 0, NULL, FILE_CURRENT), 7, "moves the file pointer after the write");
    LARGE_INTEGER d, np;
    d.QuadPart = -100;
    SetLastError(0);
    ok(!SetFilePointerEx(h, d, &np, FILE_BEGIN) && GetLastError() == ERROR_NEGATIVE_SEEK,
       "a negative position: ERROR_NEGATIVE_SEEK");
    d.QuadPart = 100;
    ok(SetFilePointerEx(h, d, &np, FILE_BEGIN) && np.QuadPart == 100, "seek past the end");
    ok(SetEndOfFile(h), "SetEndOfFile there");
    LARGE_INTEGER sz;
    ok(GetFileSizeEx(h, &sz) && sz.QuadPart == 100, "extends the file to 100 bytes");
    d.QuadPart = 4;
    SetFilePointerEx(h, d, NULL, FILE_BEGIN);
    SetEndOfFile(h);
    DWORD high = 1;
    ok(GetFileSize(h, &high) == 4 && high == 0, "and truncates it to 4");
    is_int(GetFileType(h), FILE_TYPE_DISK, "GetFileType: FILE_TYPE_DISK");
    ok(put(L"acc.txt", "access"), "make acc.txt");
    HANDLE ro = open_w(L"acc.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    SetLastError(0);
    ok(!WriteFile(ro, "x", 1, &n, NULL) && GetLastError() == ERROR_ACCESS_DENIED,
       "WriteFile through a read-only handle: ERROR_ACCESS_DENIED (%lu)", GetLastError());
    SetLastError(0);
    ok(!FlushFileBuffers(ro) && GetLastError() == ERROR_ACCESS_DENIED,
       "FlushFileBuffers through a read-only handle: ERROR_ACCESS_DENIED (%lu)", GetLastError());
    SetLastError(0);
    ok(!SetEndOfFile(ro) && GetLastError() == ERROR_ACCESS_DENIED,
       "SetEndOfFile through a read-only handle: ERROR_ACCESS_DENIED (%lu)", GetLastError());
    CloseHandle(ro);
    HANDLE wo = open_w(L"acc.txt", GENERIC_WRITE, 7, OPEN_EXISTING, 0);
    SetLastError(0);
    ok(!ReadFile(wo, buf, 1, &n, NULL) && GetLastError() == ERROR_ACCESS_DENIED,
       "ReadFile through a write-only handle: ERROR_ACCESS_DENIED (%lu)", GetLastError());
    CloseHandle(wo);
    DeleteFileW(L"acc.txt");
    ok(FlushFileBuffers(h), "FlushFileBuffers");

    BY_HANDLE_FILE_INFORMATION info;
    ok(GetFileInformationByHandle(h, &info), "GetFileInformationByHandle");
    ok(info.nFileSizeLow == 4 && info.nFileSizeHigh == 0 && info.nNumberOfLinks == 1,
       "size 4, one link");
    ok(!(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY), "not a directory");

    FILETIME ft = { 0x12345670, 0x01D00000 }, got;
    ok(SetFileTime(h, NULL, NULL, &ft), "SetFileTime(last write)");
    ok(GetFileTime(h, NULL, NULL, &got) && got.dwLowDateTime == ft.dwLowDateTime
           && got.dwHighDateTime == ft.dwHighDateTime,
       "GetFileTime gives it back to the 100 ns");
    CloseHandle(h);
    WIN32_FIND_DATAW fd;
    HANDLE f = FindFirstFileW(L"pos.txt", &fd);
    ok(f != INVALID_HANDLE_VALUE && fd.ftLastWriteTime.dwLowDateTime == ft.dwLowDateTime && fd.nFileSizeLow == 4,
       "FindFirstFileW sees the same time and size");
    FindClose(f);
    DeleteFileW(L"pos.txt");
}

static void test_attributes(void)
{
    HANDLE h = open_w(L"ro.txt", GENERIC_WRITE, 0, CREATE_NEW, FILE_ATTRIBUTE_READONLY);
    CloseHandle(h);
    DWORD a = GetFileAttributesW(L"ro.txt");
    ok(a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_READONLY), "FILE_ATTRIBUTE_READONLY at creation");
    SetLastError(0);
    h = open_w(L"ro.txt", GENERIC_WRITE, 0, OPEN_EXISTING, 0);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED,
       "a read-only file does not open for writing: ERROR_ACCESS_DENIED");
    SetLastError(0);
    ok(!DeleteFileW(L"ro.txt") && GetLastError() == ERROR_ACCESS_DENIED,
       "nor can it be deleted: ERROR_ACCESS_DENIED");
    ok(SetFileAttributesW(L"ro.txt", FILE_ATTRIBUTE_NORMAL), "SetFileAttributesW(NORMAL)");
    a = GetFileAttributesW(L"ro.txt");
    ok(!(a & FILE_ATTRIBUTE_READONLY), "clears the read-only attribute");
    ok(SetFileAttributesW(L"ro.txt", FILE_ATTRIBUTE_READONLY) && (GetFileAttributesW(L"ro.txt") & 1),
       "and sets it again");
    SetFileAttributesW(L"ro.txt", FILE_ATTRIBUTE_NORMAL);
    ok(DeleteFileW(L"ro.txt"), "writable again, it is deleted");
    SetLastError(0);
    ok(!SetFileAttributesW(L"ro.txt", FILE_ATTRIBUTE_NORMAL) && GetLastError() == ERROR_FILE_NOT_FOUND,
       "SetFileAttributesW of a missing file: ERROR_FILE_NOT_FOUND");

    h = open_w(L"attr.txt", GENERIC_WRITE, 0, CREATE_NEW, FILE_ATTRIBUTE_NORMAL);
    CloseHandle(h);
    is_int(GetFileAttributesW(L"attr.txt"), FILE_ATTRIBUTE_ARCHIVE, "a new file has FILE_ATTRIBUTE_ARCHIVE");
    ok(SetFileAttributesW(L"attr.txt", FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM), "SetFileAttributesW(HIDDEN | SYSTEM)");
    is_int(GetFileAttributesW(L"attr.txt"), FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM, "they are kept, exactly");
    WIN32_FIND_DATAW fd;
    HANDLE f = FindFirstFileW(L"attr.txt", &fd);
    ok(f != INVALID_HANDLE_VALUE && fd.dwFileAttributes == (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM),
       "FindFirstFileW reports them too (%#lx)", fd.dwFileAttributes);
    FindClose(f);
    ok(SetFileAttributesW(L"attr.txt", FILE_ATTRIBUTE_NORMAL), "SetFileAttributesW(NORMAL)");
    is_int(GetFileAttributesW(L"attr.txt"), FILE_ATTRIBUTE_NORMAL, "leaves FILE_ATTRIBUTE_NORMAL alone");
    DeleteFileW(L"attr.txt");
    h = open_w(L"hidden.txt", GENERIC_WRITE, 0, CREATE_NEW, FILE_ATTRIBUTE_HIDDEN);
    BY_HANDLE_FILE_INFORMATION info;
    ok(GetFileInformationByHandle(h, &info) && info.dwFileAttributes == (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_ARCHIVE),
       "CreateFileW(FILE_ATTRIBUTE_HIDDEN) makes a hidden, archived file (%#lx)", info.dwFileAttributes);
    CloseHandle(h);
    DeleteFileW(L"hidden.txt");
}

static void test_directories(void)
{
    ok(CreateDirectoryW(L"dir", NULL), "CreateDirectoryW");
    SetLastError(0);
    ok(!CreateDirectoryW(L"dir", NULL) && GetLastError() == ERROR_ALREADY_EXISTS,
       "again: ERROR_ALREADY_EXISTS");
    SetLastError(0);
    ok(!CreateDirectoryW(L"nodir\\sub", NULL) && GetLastError() == ERROR_PATH_NOT_FOUND,
       "under a missing parent: ERROR_PATH_NOT_FOUND");
    DWORD a = GetFileAttributesW(L"dir");
    ok(a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY), "the directory has FILE_ATTRIBUTE_DIRECTORY");
    SetLastError(0);
    HANDLE h = open_w(L"dir", GENERIC_READ, 7, OPEN_EXISTING, 0);
    ok(h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED,
       "CreateFileW of a directory without FILE_FLAG_BACKUP_SEMANTICS: ERROR_ACCESS_DENIED");
    h = open_w(L"dir", GENERIC_READ, 7, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS);
    BY_HANDLE_FILE_INFORMATION info;
    ok(h != INVALID_HANDLE_VALUE && GetFileInformationByHandle(h, &info)
           && (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY),
       "with it the directory opens, and is a directory");
    CloseHandle(h);
    ok(put(L"dir\\inside.txt", "in"), "a file inside");
    SetLastError(0);
    ok(!CreateDirectoryW(L"dir\\inside.txt", NULL) && GetLastError() == ERROR_ALREADY_EXISTS,
       "CreateDirectoryW over a file: ERROR_ALREADY_EXISTS (%lu)", GetLastError());
    SetLastError(0);
    ok(!RemoveDirectoryW(L"dir") && GetLastError() == ERROR_DIR_NOT_EMPTY,
       "RemoveDirectoryW of a non-empty directory: ERROR_DIR_NOT_EMPTY");
    SetLastError(0);
    ok(!RemoveDirectoryW(L"dir\\inside.txt") && GetLastError() == ERROR_DIRECTORY,
       "RemoveDirectoryW of a file: ERROR_DIRECTORY (%lu)", GetLastError());
    SetLastError(0);
    ok(!DeleteFileW(L"dir") && GetLastError() == ERROR_ACCESS_DENIED,
       "DeleteFileW of a directory: ERROR_ACCESS_DENIED");
    ok(SetFileAttributesW(L"dir", FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN), "SetFileAttributesW(dir, READONLY | HIDDEN)");
    is_int(GetFileAttributesW(L"dir"), FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN,
           "the directory keeps them");
    HANDLE in_ro = open_w(L"dir\\more.txt", GENERIC_WRITE, 0, CREATE_NEW, 0);
    ok(in_ro != INVALID_HANDLE_VALUE, "files can still be made in a read-only directory");
    CloseHandle(in_ro);
    DeleteFileW(L"dir\\more.txt");
    ok(SetFileAttributesW(L"dir", FILE_ATTRIBUTE_NORMAL), "SetFileAttributesW(dir, NORMAL)");
    is_int(GetFileAttributesW(L"dir"), FILE_ATTRIBUTE_DIRECTORY, "leaves a plain directory");
    ok(DeleteFileW(L"dir\\inside.txt") && RemoveDirectoryW(L"dir"), "emptied, it is removed");
}

static void test_links_copies_moves(void)
{
    ok(put(L"src.txt", "source text"), "make src.txt");
    ok(CreateHardLinkW(L"link.txt", L"src.txt", NULL), "CreateHardLinkW");
    SetLastError(0);
    ok(!CreateHardLinkW(L"link.txt", L"src.txt", NULL) && GetLastError() == ERROR_ALREADY_EXISTS,
       "onto an existing name: ERROR_ALREADY_EXISTS");
    HANDLE h = open_w(L"link.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    BY_HANDLE_FILE_INFORMATION info;
    ok(GetFileInformationByHandle(h, &info) && info.nNumberOfLinks == 2, "two links");
    CloseHandle(h);
    DeleteFileW(L"link.txt");

    DWORD chigh = 1;
    ok(GetCompressedFileSizeW(L"src.txt", &chigh) == 11 && chigh == 0, "GetCompressedFileSizeW: the bytes stored");
    ok(CopyFileW(L"src.txt", L"copy.txt", TRUE), "CopyFileW");
    is_int(size_of(L"copy.txt"), 11, "the copy has the data");
    SetLastError(0);
    ok(!CopyFileW(L"src.txt", L"copy.txt", TRUE) && GetLastError() == ERROR_FILE_EXISTS,
       "bFailIfExists on an existing target: ERROR_FILE_EXISTS");
    ok(CopyFileW(L"src.txt", L"copy.txt", FALSE), "without it the target is replaced");
    SetLastError(0);
    ok(!CopyFileW(L"nothere.txt", L"copy2.txt", FALSE) && GetLastError() == ERROR_FILE_NOT_FOUND,
       "copying a missing file: ERROR_FILE_NOT_FOUND");

    SetLastError(0);
    ok(!MoveFileExW(L"copy.txt", L"src.txt", 0) && GetLastError() == ERROR_ALREADY_EXISTS,
       "MoveFileExW onto an existing file: ERROR_ALREADY_EXISTS");
    ok(put(L"copy.txt", "new"), "rewrite copy.txt");
    ok(MoveFileExW(L"copy.txt", L"src.txt", MOVEFILE_REPLACE_EXISTING), "MOVEFILE_REPLACE_EXISTING");
    ok(GetFileAttributesW(L"copy.txt") == INVALID_FILE_ATTRIBUTES && size_of(L"src.txt") == 3,
       "the source name is gone and the target has its data");
    ok(MoveFileW(L"src.txt", L"moved.txt"), "MoveFileW to a new name");
    ok(MoveFileW(L"moved.txt", L"MOVED.txt"), "MoveFileW to the same name in another case");
    WIN32_FIND_DATAW fd;
    HANDLE f = FindFirstFileW(L"moved.txt", &fd);
    ok(f != INVALID_HANDLE_VALUE && wcscmp(fd.cFileName, L"MOVED.txt") == 0,
       "changes the case of the name: %ls", fd.cFileName);
    FindClose(f);
    ok(MoveFileW(L"MOVED.txt", L"moved.txt"), "and back");
    ok(MoveFileWithProgressW(L"moved.txt", L"moved2.txt", NULL, NULL, MOVEFILE_COPY_ALLOWED)
           && MoveFileWithProgressW(L"moved2.txt", L"moved.txt", NULL, NULL, 0),
       "MoveFileWithProgressW there and back");
    WCHAR fsname[32];
    DWORD vserial = 0, vserial2 = 0;
    HANDLE vh = open_w(L"moved.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    ok(GetVolumeInformationByHandleW(vh, NULL, 0, &vserial, NULL, NULL, fsname, 32)
           && GetVolumeInformationW(NULL, NULL, 0, &vserial2, NULL, NULL, NULL, 0) && vserial == vserial2,
       "GetVolumeInformationByHandleW: the current volume's serial number (%lx)", vserial);
    CloseHandle(vh);

    ok(put(L"replacement.txt", "replacement!"), "make replacement.txt");
    SetFileAttributesW(L"moved.txt", FILE_ATTRIBUTE_HIDDEN);
    ok(ReplaceFileW(L"moved.txt", L"replacement.txt", L"backup.txt", 0, NULL, NULL), "ReplaceFileW with a backup");
    ok(size_of(L"moved.txt") == 12 && size_of(L"backup.txt") == 3
           && GetFileAttributesW(L"replacement.txt") == INVALID_FILE_ATTRIBUTES,
       "the replaced name has the new data, the backup the old");
    ok(GetFileAttributesW(L"moved.txt") & FILE_ATTRIBUTE_HIDDEN, "and the replaced file's attributes");
    DeleteFileW(L"moved.txt");
    DeleteFileW(L"backup.txt");
}

static DWORD WINAPI unlock_later(void *h)
{
    Sleep(100);
    UnlockFile((HANDLE)h, 200, 0, 10, 0);
    return 0;
}

static void test_locks(void)
{
    ok(put(L"lock.txt", "0123456789abcdefghij"), "make lock.txt");
    HANDLE h1 = open_w(L"lock.txt", GENERIC_READ | GENERIC_WRITE, 3, OPEN_EXISTING, 0);
    HANDLE h2 = open_w(L"lock.txt", GENERIC_READ | GENERIC_WRITE, 3, OPEN_EXISTING, 0);
    ok(LockFile(h1, 0, 0, 10, 0), "LockFile(h1, 0..10)");
    char lb[8];
    DWORD ln;
    SetLastError(0);
    ok(!ReadFile(h2, lb, 4, &ln, NULL) && GetLastError() == ERROR_LOCK_VIOLATION,
       "another handle cannot read an exclusively locked range: ERROR_LOCK_VIOLATION (%lu)", GetLastError());
    SetLastError(0);
    ok(!WriteFile(h2, "zz", 2, &ln, NULL) && GetLastError() == ERROR_LOCK_VIOLATION,
       "nor write it");
    ok(ReadFile(h1, lb, 4, &ln, NULL) && ln == 4 && memcmp(lb, "0123", 4) == 0, "the locking handle reads it");
    SetFilePointer(h1, 0, NULL, FILE_BEGIN);
    OVERLAPPED past = {0};
    past.Offset = 12;
    ok(ReadFile(h2, lb, 4, &ln, &past) && ln == 4 && memcmp(lb, "cdef", 4) == 0, "outside the range others read");
    SetLastError(0);
    ok(!LockFile(h2, 5, 0, 10, 0) && GetLastError() == ERROR_LOCK_VIOLATION,
       "an overlapping lock through another handle: ERROR_LOCK_VIOLATION (%lu)", GetLastError());
    SetLastError(0);
    ok(!LockFile(h1, 5, 0, 10, 0) && GetLastError() == ERROR_LOCK_VIOLATION,
       "exclusive locks do not overlap, even through the same handle");
    ok(LockFile(h2, 10, 0, 10, 0), "an adjacent range is free");
    SetLastError(0);
    ok(!UnlockFile(h1, 0, 0, 5, 0) && GetLastError() == ERROR_NOT_LOCKED,
       "unlocking part of a lock: ERROR_NOT_LOCKED (%lu)", GetLastError());
    ok(UnlockFile(h1, 0, 0, 10, 0), "unlocking the exact range");
    ok(LockFile(h2, 0, 0, 5, 0), "then another handle may lock it");

    OVERLAPPED ov = {0};
    ov.Offset = 100;
    ok(LockFileEx(h1, LOCKFILE_FAIL_IMMEDIATELY, 0, 10, 0, &ov), "a shared lock through h1");
    ok(LockFileEx(h2, LOCKFILE_FAIL_IMMEDIATELY, 0, 10, 0, &ov), "shared locks overlap shared locks");
    OVERLAPPED at = {0};
    at.Offset = 100;
    SetLastError(0);
    ok(!WriteFile(h1, "w", 1, &ln, &at) && GetLastError() == ERROR_LOCK_VIOLATION,
       "a shared lock denies writes even to the handle holding it");
    ov.Offset = 105;
    SetLastError(0);
    ok(!LockFileEx(h2, LOCKFILE_FAIL_IMMEDIATELY | LOCKFILE_EXCLUSIVE_LOCK, 0, 10, 0, &ov)
           && GetLastError() == ERROR_LOCK_VIOLATION,
       "an exclusive lock does not overlap shared ones");
    ov.Offset = 100;
    ok(UnlockFileEx(h2, 0, 10, 0, &ov), "UnlockFileEx");
    CloseHandle(h1);
    ov.Offset = 105;
    ok(LockFileEx(h2, LOCKFILE_FAIL_IMMEDIATELY | LOCKFILE_EXCLUSIVE_LOCK, 0, 10, 0, &ov),
       "closing a handle releases its locks");
    SetLastError(0);
    ok(!LockFileEx(h2, 0, 1, 10, 0, &ov) && GetLastError() == ERROR_INVALID_PARAMETER,
       "a nonzero dwReserved: ERROR_INVALID_PARAMETER");
    /* Without LOCKFILE_FAIL_IMMEDIATELY the request waits for the range. */
    HANDLE h3 = open_w(L"lock.txt", GENERIC_READ | GENERIC_WRITE, 3, OPEN_EXISTING, 0);
    ok(LockFile(h3, 200, 0, 10, 0), "h3 locks 200..210");
    HANDLE t = CreateThread(NULL, 0, unlock_later, h3, 0, NULL);
    ov.Offset = 205;
    DWORD start = GetTickCount();
    ok(LockFileEx(h2, LOCKFILE_EXCLUSIVE_LOCK, 0, 10, 0, &ov), "a waiting LockFileEx is granted when the range is unlocked");
    ok(GetTickCount() - start >= 50, "after waiting for it");
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    CloseHandle(h3);
    CloseHandle(h2);
    DeleteFileW(L"lock.txt");
}

static void test_by_handle_ex(void)
{
    /* POSIX delete (FileDispositionInfoEx): the name goes at once, open
     * handles keep the data. */
    ok(put(L"posix.txt", "still here"), "make posix.txt");
    HANDLE reader = open_w(L"posix.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    HANDLE del = open_w(L"posix.txt", DELETE, 7, OPEN_EXISTING, 0);
    FILE_DISPOSITION_INFO_EX dx = { 0x1 | 0x2 }; /* DELETE | POSIX_SEMANTICS */
    ok(SetFileInformationByHandle(del, (FILE_INFO_BY_HANDLE_CLASS)21 /* FileDispositionInfoEx */, &dx, sizeof dx),
       "FileDispositionInfoEx with FILE_DISPOSITION_FLAG_POSIX_SEMANTICS");
    SetLastError(0);
    ok(GetFileAttributesW(L"posix.txt") == INVALID_FILE_ATTRIBUTES && GetLastError() == ERROR_FILE_NOT_FOUND,
       "the name is gone at once");
    char buf[16] = {0};
    DWORD n;
    ok(ReadFile(reader, buf, sizeof buf, &n, NULL) && n == 10 && memcmp(buf, "still here", 10) == 0,
       "an open handle still reads the data");
    HANDLE again = open_w(L"posix.txt", GENERIC_WRITE, 0, CREATE_NEW, 0);
    ok(again != INVALID_HANDLE_VALUE, "and the name can be used again at once");
    CloseHandle(again);
    CloseHandle(reader);
    CloseHandle(del);
    ok(DeleteFileW(L"posix.txt"), "the new file is an ordinary one");
    HANDLE ro = open_w(L"noaccess.txt", GENERIC_WRITE, 7, CREATE_NEW, 0);
    FILE_DISPOSITION_INFO di = { TRUE };
    SetLastError(0);
    ok(!SetFileInformationByHandle(ro, FileDispositionInfo, &di, sizeof di) && GetLastError() == ERROR_ACCESS_DENIED,
       "a disposition through a handle without DELETE access: ERROR_ACCESS_DENIED");
    CloseHandle(ro);
    DeleteFileW(L"noaccess.txt");

    /* FileIdInfo names the file, whichever link it is opened by. */
    ok(put(L"id1.txt", "a") && put(L"id2.txt", "b") && CreateHardLinkW(L"id1link.txt", L"id1.txt", NULL),
       "make id1.txt, its link and id2.txt");
    HANDLE a = open_w(L"id1.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    HANDLE b = open_w(L"id1link.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    HANDLE c = open_w(L"id2.txt", GENERIC_READ, 7, OPEN_EXISTING, 0);
    FILE_ID_INFO ia, ib, ic;
    ok(GetFileInformationByHandleEx(a, FileIdInfo, &ia, sizeof ia) && GetFileInformationByHandleEx(b, FileIdInfo, &ib, sizeof ib)
           && GetFileInformationByHandleEx(c, FileIdInfo, &ic, sizeof ic),
       "GetFileInformationByHandleEx(FileIdInfo)");
    ok(memcmp(&ia.FileId, &ib.FileId, sizeof ia.FileId) == 0 && ia.VolumeSerialNumber == ib.VolumeSerialNumber,
       "two links of one file have one id");
    ok(memcmp(&ia.FileId, &ic.FileId, sizeof ia.FileId) != 0, "another file has another");
    FILE_STORAGE_INFO si;
    ok(GetFileInformationByHandleEx(a, FileStorageInfo, &si, sizeof si) && si.LogicalBytesPerSector >= 512
           && (si.LogicalBytesPerSector & (si.LogicalBytesPerSector - 1)) == 0
           && si.PhysicalBytesPerSectorForAtomicity >= si.LogicalBytesPerSector,
       "FileStorageInfo: sectors of %lu and %lu bytes", si.LogicalBytesPerSector, si.PhysicalBytesPerSectorForAtomicity);
    FILE_ALIGNMENT_INFO al;
    ok(GetFileInformationByHandleEx(a, FileAlignmentInfo, &al, sizeof al) && al.AlignmentRequirement < 512,
       "FileAlignmentInfo: an alignment mask (%lu)", al.AlignmentRequirement);
    CloseHandle(a);
    CloseHandle(b);
    CloseHandle(c);
    DeleteFileW(L"id1.txt");
    DeleteFileW(L"id1link.txt");
    DeleteFileW(L"id2.txt");

    /* FileIdBothDirectoryInfo enumerates a directory handle. */
    CreateDirectoryW(L"enum", NULL);
    put(L"enum\\one", "1");
    put(L"enum\\two", "2");
    HANDLE d = open_w(L"enum", FILE_LIST_DIRECTORY, 7, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS);
    static BYTE dbuf[4096];
    int entries = 0, files = 0;
    BOOL more = GetFileInformationByHandleEx(d, FileIdBothDirectoryRestartInfo, dbuf, sizeof dbuf);
    while (more) {
        BYTE *p = dbuf;
        for (;;) {
            FILE_ID_BOTH_DIR_INFO *e = (FILE_ID_BOTH_DIR_INFO *)p;
            entries++;
            files += e->FileNameLength == 6 && (memcmp(e->FileName, L"one", 6) == 0 || memcmp(e->FileName, L"two", 6) == 0);
            if (!e->NextEntryOffset)
                break;
            p += e->NextEntryOffset;
        }
        more = GetFileInformationByHandleEx(d, FileIdBothDirectoryInfo, dbuf, sizeof dbuf);
    }
    ok(GetLastError() == ERROR_NO_MORE_FILES, "FileIdBothDirectoryInfo ends with ERROR_NO_MORE_FILES");
    ok(entries == 4 && files == 2, "it lists ., .., one and two (%d entries)", entries);
    CloseHandle(d);
    DeleteFileW(L"enum\\one");
    DeleteFileW(L"enum\\two");
    RemoveDirectoryW(L"enum");
}

static void test_final_path(void)
{
    WCHAR full[MAX_PATH], want[MAX_PATH + 4], got[MAX_PATH + 4];
    ok(put(L"final.txt", "f"), "make final.txt");
    GetFullPathNameW(L"final.txt", MAX_PATH, full, NULL);
    wcscpy(want, L"\\\\?\\");
    wcscat(want, full);
    HANDLE h = open_w(L"FINAL.TXT", GENERIC_READ, 7, OPEN_EXISTING, 0);
    DWORD n = GetFinalPathNameByHandleW(h, got, MAX_PATH + 4, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    ok(n == wcslen(want) && wcscmp(got, want) == 0,
       "GetFinalPathNameByHandleW(VOLUME_NAME_DOS): %ls, in the name's own case", got);
    n = GetFinalPathNameByHandleW(h, got, MAX_PATH + 4, VOLUME_NAME_NONE);
    ok(n == wcslen(full) - 2 && wcscmp(got, full + 2) == 0, "VOLUME_NAME_NONE leaves out the drive: %ls", got);
    is_int(GetFinalPathNameByHandleW(h, got, 2, VOLUME_NAME_DOS), wcslen(want) + 1,
           "a short buffer gets the size needed, NUL included");
    CloseHandle(h);
    DeleteFileW(L"final.txt");
}

static DWORD CALLBACK count_progress(LARGE_INTEGER total, LARGE_INTEGER done, LARGE_INTEGER stotal,
                                     LARGE_INTEGER sdone, DWORD stream, DWORD reason, HANDLE src, HANDLE dst,
                                     void *data)
{
    (void)total; (void)done; (void)stotal; (void)sdone; (void)stream; (void)reason; (void)src; (void)dst;
    ++*(int *)data;
    return PROGRESS_CONTINUE;
}

/* Moves between volumes (the working directory and Z:\dev\shm, a tmpfs
 * on Linux) are copies, allowed only with MOVEFILE_COPY_ALLOWED. */
static void test_cross_volume(void)
{
    WCHAR other[64];
    swprintf(other, 64, L"Z:\\dev\\shm\\casement-files-%lu.txt", GetCurrentProcessId());
    if (GetFileAttributesW(L"Z:\\dev\\shm") == INVALID_FILE_ATTRIBUTES) {
        ok(1, "no /dev/shm here: cross-volume moves not checked");
        return;
    }
    ok(put(L"cross.txt", "crossing"), "make cross.txt");
    SetLastError(0);
    ok(!MoveFileExW(L"cross.txt", other, 0) && GetLastError() == ERROR_NOT_SAME_DEVICE,
       "MoveFileExW to another volume: ERROR_NOT_SAME_DEVICE (%lu)", GetLastError());
    ok(MoveFileExW(L"cross.txt", other, MOVEFILE_COPY_ALLOWED), "with MOVEFILE_COPY_ALLOWED it copies");
    ok(GetFileAttributesW(L"cross.txt") == INVALID_FILE_ATTRIBUTES && size_of(other) == 8,
       "and deletes the source");
    int calls = 0;
    ok(MoveFileWithProgressW(other, L"cross.txt", count_progress, &calls, MOVEFILE_COPY_ALLOWED) && calls > 0,
       "MoveFileWithProgressW reports the copy (%d calls)", calls);
    ok(GetFileAttributesW(other) == INVALID_FILE_ATTRIBUTES && size_of(L"cross.txt") == 8, "back again");
    DeleteFileW(L"cross.txt");
}

static void test_bad_input(void)
{
    HANDLE bogus = (HANDLE)(ULONG_PTR)0x7ff0;
    char buf[16];
    DWORD n;
    SetLastError(0);
    ok(!ReadFile(bogus, buf, sizeof buf, &n, NULL) && GetLastError() == ERROR_INVALID_HANDLE,
       "ReadFile of a bad handle: ERROR_INVALID_HANDLE");
    SetLastError(0);
    ok(!WriteFile(bogus, "x", 1, &n, NULL) && GetLastError() == ERROR_INVALID_HANDLE,
       "WriteFile of a bad handle: ERROR_INVALID_HANDLE");
    SetLastError(0);
    ok(GetFileSize(bogus, NULL) == INVALID_FILE_SIZE && GetLastError() == ERROR_INVALID_HANDLE,
       "GetFileSize of a bad handle: ERROR_INVALID_HANDLE");
    BY_HANDLE_FILE_INFORMATION info;
    SetLastError(0);
    ok(!GetFileInformationByHandle(bogus, &info) && GetLastError() == ERROR_INVALID_HANDLE,
       "GetFileInformationByHandle of a bad handle: ERROR_INVALID_HANDLE");
    SetLastError(0);
    ok(!FindClose(INVALID_HANDLE_VALUE) && GetLastError() == ERROR_INVALID_HANDLE,
       "FindClose(INVALID_HANDLE_VALUE): ERROR_INVALID_HANDLE");

    ok(put(L"bad.txt", "0123456789"), "make bad.txt");
    HANDLE h = open_w(L"bad.txt", GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING, 0);
    char *unmapped = VirtualAlloc(NULL, 4096, MEM_RESERVE, PAGE_NOACCESS);
    SetLastError(0);
    ok(!ReadFile(h, unmapped, 10, &n, NULL) && GetLastError() == ERROR_NOACCESS,
       "ReadFile into an inaccessible buffer: ERROR_NOACCESS (%lu)", GetLastError());
    SetFilePointer(h, 0, NULL, FILE_END);
    SetLastError(0);
    ok(!WriteFile(h, unmapped, 10, &n, NULL) && GetLastError() == ERROR_NOACCESS,
       "WriteFile from an inaccessible buffer: ERROR_NOACCESS (%lu)", GetLastError());
    LARGE_INTEGER sz;
    ok(GetFileSizeEx(h, &sz) && sz.QuadPart == 10, "the file is unchanged");

    /* The native services answer a bad pointer with
     * STATUS_ACCESS_VIOLATION, never a crash. */
    HMODULE nt = GetModuleHandleA("ntdll.dll");
    typedef LONG (WINAPI *qi_fn)(HANDLE, void *, void *, ULONG, int);
    typedef LONG (WINAPI *qa_fn)(void *, void *);
    typedef LONG (WINAPI *qd_fn)(HANDLE, HANDLE, void *, void *, void *, void *, ULONG, int, BOOLEAN, void *, BOOLEAN);
    qi_fn query_info = (qi_fn)GetProcAddress(nt, "NtQueryInformationFile");
    qi_fn set_info = (qi_fn)GetProcAddress(nt, "NtSetInformationFile");
    qa_fn query_attr = (qa_fn)GetProcAddress(nt, "NtQueryAttributesFile");
    qd_fn query_dir = (qd_fn)GetProcAddress(nt, "NtQueryDirectoryFile");
    ULONG_PTR iosb[2];
    BYTE ibuf[128];
    const LONG AV = (LONG)0xC0000005;
    ok(query_info(h, iosb, unmapped, 40, 4) == AV, "NtQueryInformationFile into a bad buffer: STATUS_ACCESS_VIOLATION");
    ok(query_info(h, unmapped, ibuf, 40, 4) == AV, "... with a bad IO_STATUS_BLOCK too");
    ok(set_info(h, iosb, unmapped, 40, 4) == AV, "NtSetInformationFile from a bad buffer: STATUS_ACCESS_VIOLATION");
    ok(query_attr(unmapped, ibuf) == AV, "NtQueryAttributesFile with bad OBJECT_ATTRIBUTES: STATUS_ACCESS_VIOLATION");
    HANDLE dir = CreateFileW(L".", FILE_LIST_DIRECTORY, 7, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    ok(query_dir(dir, NULL, NULL, NULL, iosb, unmapped, 4096, 1, FALSE, NULL, TRUE) == AV,
       "NtQueryDirectoryFile into a bad buffer: STATUS_ACCESS_VIOLATION");
    ok(query_dir(dir, NULL, NULL, NULL, iosb, ibuf, sizeof ibuf, 1, FALSE, unmapped, TRUE) == AV,
       "... or with a bad FileName");
    CloseHandle(dir);
    SetLastError(0);
    ok(!GetFileInformationByHandle(h, (BY_HANDLE_FILE_INFORMATION *)unmapped) && GetLastError() == ERROR_NOACCESS,
       "GetFileInformationByHandle into a bad buffer: ERROR_NOACCESS");
    VirtualFree(unmapped, 0, MEM_RELEASE);
    CloseHandle(h);

    /* FileModeInformation shows the flags CreateFileW passed on. */
    HANDLE m = CreateFileW(L"bad.txt", GENERIC_READ, 7, NULL, OPEN_EXISTING,
                           FILE_FLAG_SEQUENTIAL_SCAN | FILE_FLAG_WRITE_THROUGH, NULL);
    ULONG mode = 0;
    ok(query_info(m, iosb, &mode, sizeof mode, 16) == 0 && mode == (0x2 | 0x4 | 0x20),
       "FileModeInformation: FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY | FILE_SYNCHRONOUS_IO_NONALERT (%#lx)", mode);
    CloseHandle(m);
    DeleteFileW(L"bad.txt");
}

int main(void)
{
    test_dispositions();
    test_sharing();
    test_delete_pending();
    test_positions();
    test_attributes();
    test_directories();
    test_links_copies_moves();
    test_locks();
    test_by_handle_ex();
    test_final_path();
    test_cross_volume();
    test_bad_input();
    return done();
}
