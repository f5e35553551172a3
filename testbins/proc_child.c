/*
 * proc_child.c - the child the proc_parent testbin starts. What it does is
 * chosen by its second argument:
 *   cmdline        writes GetCommandLineW's text (UTF-8) to stdout
 *   exit N         exits with N (strtoul, base 0: 0xC0000005 works)
 *   sleep MS       sleeps MS milliseconds, then exits with 7
 *   env NAME       writes NAME's value, or "<unset>"
 *   envcount       writes how many variables the block holds
 *   cwd            writes GetCurrentDirectoryW's text
 *   streams        writes "out" to stdout and "err" to stderr
 *   crash          writes through a NULL pointer (unhandled: 0xC0000005)
 *   handle H       writes "inherited" to handle value H (an inherited
 *                  file), then "ok" or "bad" to stdout
 *   nested         starts "proc_child exit 5" itself, exits with 10 times
 *                  its exit code
 * Any other mode writes the command line and exits with 101.
 * Output goes through WriteFile on the standard handle, so no C runtime
 * translation is involved.
 */
#include <windows.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <wchar.h>

static void put(DWORD which, const char *s)
{
    DWORD n;
    WriteFile(GetStdHandle(which), s, (DWORD)strlen(s), &n, NULL);
}

static void put_wide(const WCHAR *w)
{
    char buf[8192];
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, sizeof buf, NULL, NULL);
    if (n > 0)
        put(STD_OUTPUT_HANDLE, buf);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        put_wide(GetCommandLineW());
        return 100;
    }
    const char *mode = argv[1];
    if (!strcmp(mode, "cmdline")) {
        put_wide(GetCommandLineW());
        return 0;
    }
    if (!strcmp(mode, "exit") && argc > 2)
        ExitProcess((UINT)strtoul(argv[2], NULL, 0));
    if (!strcmp(mode, "sleep") && argc > 2) {
        Sleep((DWORD)strtoul(argv[2], NULL, 0));
        return 7;
    }
    if (!strcmp(mode, "env") && argc > 2) {
        WCHAR name[256], value[4096];
        MultiByteToWideChar(CP_ACP, 0, argv[2], -1, name, 256);
        if (GetEnvironmentVariableW(name, value, 4096) == 0 && GetLastError() == ERROR_ENVVAR_NOT_FOUND)
            put(STD_OUTPUT_HANDLE, "<unset>");
        else
            put_wide(value);
        return 0;
    }
    if (!strcmp(mode, "envcount")) {
        WCHAR *block = GetEnvironmentStringsW();
        int count = 0;
        for (WCHAR *p = block; *p; p += wcslen(p) + 1)
            ++count;
        FreeEnvironmentStringsW(block);
        char buf[32];
        sprintf(buf, "%d", count);
        put(STD_OUTPUT_HANDLE, buf);
        return 0;
    }
    if (!strcmp(mode, "cwd")) {
        WCHAR dir[MAX_PATH];
        GetCurrentDirectoryW(MAX_PATH, dir);
        put_wide(dir);
        return 0;
    }
    if (!strcmp(mode, "streams")) {
        put(STD_OUTPUT_HANDLE, "out");
        put(STD_ERROR_HANDLE, "err");
        return 0;
    }
    if (!strcmp(mode, "crash")) {
        *(volatile int *)0 = 1;
        return 0;
    }
    if (!strcmp(mode, "handle") && argc > 2) {
        HANDLE h = (HANDLE)(ULONG_PTR)strtoull(argv[2], NULL, 0);
        DWORD n;
        if (WriteFile(h, "inherited", 9, &n, NULL) && n == 9)
            put(STD_OUTPUT_HANDLE, "ok");
        else
            put(STD_OUTPUT_HANDLE, "bad");
        return 0;
    }
    if (!strcmp(mode, "nested")) {
        WCHAR line[] = L"proc_child exit 5";
        STARTUPINFOW si = {sizeof si};
        PROCESS_INFORMATION pi;
        DWORD code = 0;
        if (!CreateProcessW(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
            return 102;
        WaitForSingleObject(pi.hProcess, INFINITE);
        GetExitCodeProcess(pi.hProcess, &code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
        return (int)code * 10;
    }
    /* Unknown mode: say what the command line was. */
    put_wide(GetCommandLineW());
    return 101;
}
