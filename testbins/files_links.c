/* files_links.c - CreateSymbolicLinkW for files and directories, what
 * GetFileAttributesW and FindFirstFileW report for links, I/O through a
 * link, and DeleteFileW / RemoveDirectoryW removing the link itself.
 * Runs in an empty working directory and leaves it empty. */
#include <windows.h>
#include <wchar.h>
#include "tap.h"

#ifndef IO_REPARSE_TAG_SYMLINK
#define IO_REPARSE_TAG_SYMLINK 0xA000000CL
#endif

int main(void)
{
    HANDLE h = CreateFileW(L"target.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    DWORD n;
    ok(h != INVALID_HANDLE_VALUE && WriteFile(h, "linked", 6, &n, NULL), "make target.txt");
    CloseHandle(h);
    ok(CreateSymbolicLinkW(L"flink", L"target.txt", SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE),
       "CreateSymbolicLinkW to a file (error %lu)", GetLastError());
    DWORD a = GetFileAttributesW(L"flink");
    ok(a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT) && !(a & FILE_ATTRIBUTE_DIRECTORY),
       "the link is a reparse point, not a directory (%#lx)", a);
    ok(!(GetFileAttributesW(L"target.txt") & FILE_ATTRIBUTE_REPARSE_POINT), "its target is not");
    char buf[16] = {0};
    h = CreateFileW(L"flink", GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    ok(h != INVALID_HANDLE_VALUE && ReadFile(h, buf, sizeof buf, &n, NULL) && n == 6 && memcmp(buf, "linked", 6) == 0,
       "opening the link reads the target");
    CloseHandle(h);
    WIN32_FIND_DATAW fd;
    HANDLE f = FindFirstFileW(L"flink", &fd);
    ok(f != INVALID_HANDLE_VALUE && (fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
           && fd.dwReserved0 == IO_REPARSE_TAG_SYMLINK,
       "FindFirstFileW: a reparse point with IO_REPARSE_TAG_SYMLINK in dwReserved0 (%#lx)", fd.dwReserved0);
    FindClose(f);
    SetLastError(0);
    ok(!CreateSymbolicLinkW(L"flink", L"target.txt", SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE)
           && GetLastError() == ERROR_ALREADY_EXISTS,
       "a link over an existing name: ERROR_ALREADY_EXISTS (%lu)", GetLastError());
    ok(DeleteFileW(L"flink"), "DeleteFileW of the link");
    ok(GetFileAttributesW(L"flink") == INVALID_FILE_ATTRIBUTES && GetFileAttributesW(L"target.txt") != INVALID_FILE_ATTRIBUTES,
       "removes the link, not its target");

    ok(CreateDirectoryW(L"tdir", NULL), "make tdir");
    ok(CreateSymbolicLinkW(L"dlink", L"tdir", SYMBOLIC_LINK_FLAG_DIRECTORY | SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE),
       "CreateSymbolicLinkW to a directory");
    a = GetFileAttributesW(L"dlink");
    ok(a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT) && (a & FILE_ATTRIBUTE_DIRECTORY),
       "a directory link is a directory and a reparse point (%#lx)", a);
    h = CreateFileW(L"dlink\\inner.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    ok(h != INVALID_HANDLE_VALUE, "a file made through the link");
    CloseHandle(h);
    ok(GetFileAttributesW(L"tdir\\inner.txt") != INVALID_FILE_ATTRIBUTES, "lands in the target directory");
    ok(DeleteFileW(L"tdir\\inner.txt"), "delete it");
    ok(RemoveDirectoryW(L"dlink"), "RemoveDirectoryW of the directory link");
    ok(GetFileAttributesW(L"dlink") == INVALID_FILE_ATTRIBUTES && GetFileAttributesW(L"tdir") != INVALID_FILE_ATTRIBUTES,
       "removes the link, not the directory");

    ok(CreateSymbolicLinkW(L"rel", L"tdir\\..\\target.txt", SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE),
       "a link with a relative target");
    h = CreateFileW(L"rel", GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    ok(h != INVALID_HANDLE_VALUE && ReadFile(h, buf, sizeof buf, &n, NULL) && n == 6, "resolves relative to the link");
    CloseHandle(h);
    DeleteFileW(L"rel");
    SetLastError(0);
    ok(!CreateSymbolicLinkW(L"bad", L"target.txt", 0x100) && GetLastError() == ERROR_INVALID_PARAMETER,
       "unknown flags: ERROR_INVALID_PARAMETER");
    ok(RemoveDirectoryW(L"tdir") && DeleteFileW(L"target.txt"), "clean up");
    return done();
}
