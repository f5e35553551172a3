/*
 * proc_spawn.c - CreateProcessW/A and process handles, checked against
 * Windows' documented behaviour. Starts proc_child.exe, which must sit
 * next to this program. Its output is read through anonymous pipes set up
 * the way build tools do it (CreatePipe, SetHandleInformation to keep the
 * parent's end private, STARTF_USESTDHANDLES).
 */
#include <windows.h>
#include <wchar.h>
#include "tap.h"

static WCHAR child[MAX_PATH];  /* full path of proc_child.exe */
static WCHAR here[MAX_PATH];   /* this program's directory, with a backslash */

struct result {
    BOOL created;
    DWORD error;
    DWORD code;
    char out[8192];
    char err[1024];
};

static DWORD read_all(HANDLE h, char *buf, DWORD size)
{
    DWORD total = 0, n;
    while (total + 1 < size && ReadFile(h, buf + total, size - 1 - total, &n, NULL) && n)
        total += n;
    buf[total] = 0;
    return total;
}

/* Runs `cmd` (application name `app`), its stdout and stderr to pipes,
 * and waits for it. */
static void run(const WCHAR *app, const WCHAR *cmd, void *env, DWORD flags, const WCHAR *cwd,
                struct result *r)
{
    WCHAR line[4096];
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE out_r, out_w, err_r, err_w;
    memset(r, 0, sizeof *r);
    wcscpy(line, cmd);
    CreatePipe(&out_r, &out_w, &sa, 0);
    CreatePipe(&err_r, &err_w, &sa, 0);
    SetHandleInformation(out_r, HANDLE_FLAG_INHERIT, 0);
    SetHandleInformation(err_r, HANDLE_FLAG_INHERIT, 0);
    STARTUPINFOW si = {sizeof si};
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = out_w;
    si.hStdError = err_w;
    PROCESS_INFORMATION pi;
    r->created = CreateProcessW(app, line, NULL, NULL, TRUE, flags, env, cwd, &si, &pi);
    r->error = r->created ? 0 : GetLastError();
    CloseHandle(out_w);
    CloseHandle(err_w);
    if (r->created) {
        read_all(out_r, r->out, sizeof r->out);
        read_all(err_r, r->err, sizeof r->err);
        WaitForSingleObject(pi.hProcess, INFINITE);
        GetExitCodeProcess(pi.hProcess, &r->code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
    }
    CloseHandle(out_r);
    CloseHandle(err_r);
}

/* `"<child>" <args>` */
static const WCHAR *child_cmd(const WCHAR *args)
{
    static WCHAR line[4096];
    wcscpy(line, L"\"");
    wcscat(line, child);
    wcscat(line, L"\" ");
    wcscat(line, args);
    return line;
}

static char *utf8(const WCHAR *w)
{
    static char buf[8192];
    WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, sizeof buf, NULL, NULL);
    return buf;
}

static PROCESS_INFORMATION start(const WCHAR *args)
{
    WCHAR line[4096];
    STARTUPINFOW si = {sizeof si};
    PROCESS_INFORMATION pi = {0};
    wcscpy(line, child_cmd(args));
    if (!CreateProcessW(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
        diag("CreateProcessW failed: %lu", GetLastError());
    return pi;
}

static void exit_code(const WCHAR *args, DWORD want, const char *what)
{
    struct result r;
    run(NULL, child_cmd(args), NULL, 0, NULL, &r);
    ok(r.created && r.code == want, "%s: exit code %#lx (want %#lx)", what, r.code, want);
}

int main(void)
{
    plan(66);
    GetModuleFileNameW(NULL, here, MAX_PATH);
    *(wcsrchr(here, L'\\') + 1) = 0;
    wcscpy(child, here);
    wcscat(child, L"proc_child.exe");
    struct result r;

    /* The command line reaches the child exactly as given. */
    const WCHAR *tricky = child_cmd(L"cmdline  a\\b \"q \\\"x\\\" y\" trail\\\\  \"\" end");
    WCHAR expect[4096];
    wcscpy(expect, tricky);
    run(NULL, tricky, NULL, 0, NULL, &r);
    ok(r.created, "CreateProcessW starts the child (error %lu)", r.error);
    is_str(r.out, utf8(expect), "the child's GetCommandLineW is the parent's string");
    is_int(r.code, 0, "the child's exit code");

    /* With lpApplicationName, the command line is free text. */
    run(child, L"whatever.exe cmdline x", NULL, 0, NULL, &r);
    is_str(r.out, "whatever.exe cmdline x", "lpApplicationName: the command line is passed as is");

    /* A bare name is found in the parent's directory; ".exe" is added. */
    run(NULL, L"proc_child cmdline", NULL, 0, NULL, &r);
    ok(r.created, "a bare name without extension is found next to the parent (error %lu)", r.error);
    is_str(r.out, "proc_child cmdline", "... and gets its command line");

    exit_code(L"exit 0", 0, "exit 0");
    exit_code(L"exit 1", 1, "exit 1");
    exit_code(L"exit 255", 255, "exit 255");
    exit_code(L"exit 256", 256, "exit 256");
    exit_code(L"exit 0xC0000005", 0xC0000005, "exit 0xC0000005");
    exit_code(L"crash", 0xC0000005, "an access violation");

    /* Waits with a timeout, STILL_ACTIVE, ids. */
    PROCESS_INFORMATION pi = start(L"sleep 400");
    DWORD code = 0;
    is_int(WaitForSingleObject(pi.hProcess, 20), WAIT_TIMEOUT, "a sleeping child: the wait times out");
    ok(GetExitCodeProcess(pi.hProcess, &code) && code == STILL_ACTIVE, "GetExitCodeProcess: STILL_ACTIVE (%lu)", code);
    ok(pi.dwProcessId != 0 && pi.dwProcessId != GetCurrentProcessId(), "the child's id is its own (%lu)", pi.dwProcessId);
    is_int(GetProcessId(pi.hProcess), pi.dwProcessId, "GetProcessId gives dwProcessId");
    ok(pi.dwThreadId != 0, "the first thread has an id");
    is_int(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0, "then the wait ends");
    ok(GetExitCodeProcess(pi.hProcess, &code) && code == 7, "exit code after the sleep: %lu", code);
    is_int(WaitForSingleObject(pi.hThread, 0), WAIT_OBJECT_0, "the thread handle is signalled too");
    is_int(GetThreadId(pi.hThread), pi.dwThreadId, "GetThreadId gives dwThreadId");
    ok(GetExitCodeThread(pi.hThread, &code) && code == 7, "the first thread's exit code is the process's (%lu)", code);
    CloseHandle(pi.hThread);
    ok(CloseHandle(pi.hProcess), "CloseHandle on the process handle");

    /* TerminateProcess; a wait on several children. */
    PROCESS_INFORMATION a = start(L"sleep 30000"), b = start(L"sleep 50");
    HANDLE both[2] = {a.hProcess, b.hProcess};
    is_int(WaitForMultipleObjects(2, both, FALSE, 10000), WAIT_OBJECT_0 + 1, "WaitForMultipleObjects: the short sleeper ends first");
    ok(TerminateProcess(a.hProcess, 42), "TerminateProcess");
    is_int(WaitForMultipleObjects(2, both, TRUE, 10000), WAIT_OBJECT_0, "then both have ended");
    ok(GetExitCodeProcess(a.hProcess, &code) && code == 42, "the terminated child's exit code is TerminateProcess's (%lu)", code);
    CloseHandle(a.hProcess); CloseHandle(a.hThread);
    CloseHandle(b.hProcess); CloseHandle(b.hThread);

    /* Environments: Unicode and ANSI blocks, and the parent's. */
    static const WCHAR wenv[] = L"PROC_A=wide value\0PROC_B=2\0";
    run(NULL, child_cmd(L"env PROC_A"), (void *)wenv, CREATE_UNICODE_ENVIRONMENT, NULL, &r);
    is_str(r.out, "wide value", "a Unicode environment block");
    run(NULL, child_cmd(L"envcount"), (void *)wenv, CREATE_UNICODE_ENVIRONMENT, NULL, &r);
    is_str(r.out, "2", "... is the child's whole environment");
    static const char aenv[] = "PROC_A=ansi value\0";
    run(NULL, child_cmd(L"env PROC_A"), (void *)aenv, 0, NULL, &r);
    is_str(r.out, "ansi value", "an ANSI environment block");
    SetEnvironmentVariableW(L"PROC_INHERITED", L"from the parent");
    run(NULL, child_cmd(L"env PROC_INHERITED"), NULL, 0, NULL, &r);
    is_str(r.out, "from the parent", "no block: the parent's current environment");

    /* Current directory: given, or the parent's. */
    run(NULL, child_cmd(L"cwd"), NULL, 0, L"C:\\windows", &r);
    is_str(r.out, "C:\\windows", "lpCurrentDirectory");
    WCHAR cwd[MAX_PATH];
    GetCurrentDirectoryW(MAX_PATH, cwd);
    run(NULL, child_cmd(L"cwd"), NULL, 0, NULL, &r);
    is_str(r.out, utf8(cwd), "no directory: the parent's");

    /* stdout and stderr to separate pipes. */
    run(NULL, child_cmd(L"streams"), NULL, 0, NULL, &r);
    ok(!strcmp(r.out, "out") && !strcmp(r.err, "err"), "stdout and stderr reach their pipes (\"%s\", \"%s\")", r.out, r.err);

    /* A child starts children of its own. */
    exit_code(L"nested", 50, "a grandchild's exit code through its parent");

    /* An unquoted path with blanks: each prefix ending at a blank is
     * tried in turn. */
    WCHAR dir[MAX_PATH], copy[MAX_PATH], line[4096];
    GetTempPathW(MAX_PATH, dir);
    swprintf(dir + wcslen(dir), 64, L"proc spawn dir %lu", GetCurrentProcessId());
    CreateDirectoryW(dir, NULL);
    wcscpy(copy, dir);
    wcscat(copy, L"\\proc_child.exe");
    CopyFileW(child, copy, FALSE);
    wcscpy(line, copy);
    wcscat(line, L" cmdline x");
    run(NULL, line, NULL, 0, NULL, &r);
    ok(r.created, "an unquoted path with a blank is found (error %lu)", r.error);
    /* (Wine quotes the name it found; the text after it is kept.) */
    ok(strstr(r.out, "proc_child.exe") && strstr(r.out, " cmdline x"), "... the right program runs (\"%s\")", r.out);
    DeleteFileW(copy);
    RemoveDirectoryW(dir);

    /* An inherited handle keeps its value in the child. */
    WCHAR tmpfile[MAX_PATH];
    GetTempPathW(MAX_PATH, tmpfile);
    swprintf(tmpfile + wcslen(tmpfile), 64, L"proc_spawn_inherit_%lu.txt", GetCurrentProcessId());
    SECURITY_ATTRIBUTES isa = {sizeof isa, NULL, TRUE};
    HANDLE file = CreateFileW(tmpfile, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &isa,
                              CREATE_ALWAYS, 0, NULL);
    WCHAR args[64];
    swprintf(args, 64, L"handle %llu", (unsigned long long)(ULONG_PTR)file);
    run(NULL, child_cmd(args), NULL, 0, NULL, &r);
    is_str(r.out, "ok", "the child writes to the inherited handle by its value");
    char back[32] = {0};
    DWORD got = 0;
    SetFilePointer(file, 0, NULL, FILE_BEGIN);
    ReadFile(file, back, sizeof back - 1, &got, NULL);
    is_str(back, "inherited", "... into the parent's file");
    CloseHandle(file);
    DeleteFileW(tmpfile);

    /* Without STARTF_USESTDHANDLES the child gets the parent's standard
     * handles. */
    {
        SECURITY_ATTRIBUTES psa = {sizeof psa, NULL, TRUE};
        HANDLE pr, pw, old = GetStdHandle(STD_OUTPUT_HANDLE);
        CreatePipe(&pr, &pw, &psa, 0);
        SetHandleInformation(pr, HANDLE_FLAG_INHERIT, 0);
        SetStdHandle(STD_OUTPUT_HANDLE, pw);
        STARTUPINFOW si = {sizeof si};
        PROCESS_INFORMATION pi;
        wcscpy(line, child_cmd(L"cmdline"));
        BOOL created = CreateProcessW(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
        SetStdHandle(STD_OUTPUT_HANDLE, old);
        CloseHandle(pw);
        char out[4096];
        read_all(pr, out, sizeof out);
        CloseHandle(pr);
        ok(created, "a child without STARTF_USESTDHANDLES starts");
        is_str(out, utf8(line), "... and writes to the parent's standard output");
        if (created) {
            WaitForSingleObject(pi.hProcess, INFINITE);
            CloseHandle(pi.hProcess);
            CloseHandle(pi.hThread);
        }
    }

    /* CreateProcessA: ANSI strings. */
    {
        char aline[4096], acwd[] = "C:\\windows";
        WideCharToMultiByte(CP_ACP, 0, child_cmd(L"cmdline \"a b\""), -1, aline, sizeof aline, NULL, NULL);
        SECURITY_ATTRIBUTES psa = {sizeof psa, NULL, TRUE};
        HANDLE pr, pw;
        CreatePipe(&pr, &pw, &psa, 0);
        SetHandleInformation(pr, HANDLE_FLAG_INHERIT, 0);
        STARTUPINFOA si = {sizeof si};
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdOutput = pw;
        si.hStdError = pw;
        PROCESS_INFORMATION pi;
        char expect_a[4096];
        strcpy(expect_a, aline);
        BOOL created = CreateProcessA(NULL, aline, NULL, NULL, TRUE, 0, NULL, acwd, &si, &pi);
        CloseHandle(pw);
        char out[4096];
        read_all(pr, out, sizeof out);
        CloseHandle(pr);
        ok(created, "CreateProcessA starts the child");
        is_str(out, expect_a, "... with the ANSI command line");
        if (created) {
            WaitForSingleObject(pi.hProcess, INFINITE);
            CloseHandle(pi.hProcess);
            CloseHandle(pi.hThread);
        }
    }

    /* CREATE_SUSPENDED: nothing runs before ResumeThread. */
    {
        STARTUPINFOW si = {sizeof si};
        PROCESS_INFORMATION pi;
        DWORD code = 0;
        wcscpy(line, child_cmd(L"exit 9"));
        BOOL created = CreateProcessW(NULL, line, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &si, &pi);
        ok(created, "CREATE_SUSPENDED (error %lu)", created ? 0 : GetLastError());
        is_int(WaitForSingleObject(pi.hProcess, 200), WAIT_TIMEOUT, "a suspended child does not run");
        is_int(ResumeThread(pi.hThread), 1, "ResumeThread: the previous suspend count is 1");
        is_int(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0, "then it runs");
        ok(GetExitCodeProcess(pi.hProcess, &code) && code == 9, "... to its end (exit code %lu)", code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
        wcscpy(line, child_cmd(L"exit 9"));
        created = CreateProcessW(NULL, line, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &si, &pi);
        ok(created && TerminateProcess(pi.hProcess, 77) && WaitForSingleObject(pi.hProcess, 10000) == WAIT_OBJECT_0,
           "a suspended child can be terminated");
        ok(GetExitCodeProcess(pi.hProcess, &code) && code == 77, "... with TerminateProcess's code (%lu)", code);
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
    }

    /* SearchPathW, as launchers find their interpreters. */
    {
        WCHAR found[MAX_PATH], *part = NULL, hdir[MAX_PATH];
        DWORD len = SearchPathW(NULL, L"proc_child", L".exe", MAX_PATH, found, &part);
        ok(len == wcslen(child) && !_wcsicmp(found, child) && part && !_wcsicmp(part, L"proc_child.exe"),
           "SearchPathW finds a program in the application's directory (%lu, %s)", len, utf8(found));
        wcscpy(hdir, here);
        hdir[wcslen(hdir) - 1] = 0;
        len = SearchPathW(hdir, L"proc_child.exe", L".com", MAX_PATH, found, NULL);
        ok(len == wcslen(child) && !_wcsicmp(found, child), "a given path; no extension added to a name that has one");
        is_int(SearchPathW(NULL, L"proc_child.exe", NULL, 5, found, NULL), wcslen(child) + 1,
               "a small buffer: the size needed, with the NUL");
        SetLastError(0);
        is_int(SearchPathW(NULL, L"no_such_file_casement.exe", NULL, MAX_PATH, found, NULL), 0, "nothing found: 0");
        is_int(GetLastError(), ERROR_FILE_NOT_FOUND, "... and ERROR_FILE_NOT_FOUND");
    }

    /* Console flags change nothing for a child on pipes. */
    run(NULL, child_cmd(L"streams"), NULL, CREATE_NO_WINDOW, NULL, &r);
    ok(r.created && !strcmp(r.out, "out") && !strcmp(r.err, "err"), "CREATE_NO_WINDOW");
    run(NULL, child_cmd(L"streams"), NULL, DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP, NULL, &r);
    ok(r.created && !strcmp(r.out, "out") && !strcmp(r.err, "err"), "DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP");

    /* Errors. */
    run(NULL, L"no_such_program_casement arg", NULL, 0, NULL, &r);
    ok(!r.created && r.error == ERROR_FILE_NOT_FOUND, "a missing program: ERROR_FILE_NOT_FOUND (%lu)", r.error);
    WCHAR notpe[MAX_PATH];
    GetTempPathW(MAX_PATH, notpe);
    swprintf(notpe + wcslen(notpe), 64, L"proc_spawn_notpe_%lu.exe", GetCurrentProcessId());
    HANDLE f = CreateFileW(notpe, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    DWORD n;
    WriteFile(f, "just text, not a program\r\n", 26, &n, NULL);
    CloseHandle(f);
    run(notpe, L"notpe", NULL, 0, NULL, &r);
    ok(!r.created && r.error == ERROR_BAD_EXE_FORMAT, "not a PE: ERROR_BAD_EXE_FORMAT (%lu)", r.error);
    DeleteFileW(notpe);
    run(NULL, child_cmd(L"cwd"), NULL, 0, L"C:\\no\\such\\directory", &r);
    ok(!r.created && r.error == ERROR_DIRECTORY, "a missing current directory: ERROR_DIRECTORY (%lu)", r.error);

    /* Handles and pointers that are wrong. */
    {
        DWORD code = 0;
        SetLastError(0);
        ok(!GetExitCodeProcess((HANDLE)(ULONG_PTR)0x7ffc, &code) && GetLastError() == ERROR_INVALID_HANDLE,
           "GetExitCodeProcess on a bad handle: ERROR_INVALID_HANDLE (%lu)", GetLastError());
        ok(GetExitCodeProcess(GetCurrentProcess(), &code) && code == STILL_ACTIVE, "the current process is STILL_ACTIVE");
        PROCESS_INFORMATION pi = start(L"exit 3");
        WaitForSingleObject(pi.hProcess, 10000);
        SetLastError(0);
        ok(!TerminateProcess(pi.hProcess, 5) && GetLastError() == ERROR_ACCESS_DENIED,
           "TerminateProcess on a process that has ended: ERROR_ACCESS_DENIED (%lu)", GetLastError());
        ok(GetExitCodeProcess(pi.hProcess, &code) && code == 3, "... and its exit code stays (%lu)", code);
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);

        /* NtCreateUserProcess probes its pointers. */
        typedef LONG(NTAPI * create_fn)(HANDLE *, HANDLE *, ACCESS_MASK, ACCESS_MASK, void *, void *, ULONG, ULONG,
                                        void *, void *, void *);
        create_fn create = (create_fn)GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtCreateUserProcess");
        WCHAR nt[MAX_PATH + 8] = L"\\??\\";
        wcscat(nt, child);
        struct { SIZE_T total; struct { ULONG_PTR attribute; SIZE_T size; void *value; SIZE_T *ret; } a[1]; } attrs = {
            sizeof attrs, {{0x20005, wcslen(nt) * 2, nt, NULL}}};
        SIZE_T info[11] = {88};
        HANDLE ph = 0, th = 0;
        ok(create && create(&ph, &th, PROCESS_ALL_ACCESS, THREAD_ALL_ACCESS, NULL, NULL, 0, 0, (void *)(ULONG_PTR)0x10, info,
                            &attrs) == (LONG)0xC0000005,
           "NtCreateUserProcess with bad process parameters: STATUS_ACCESS_VIOLATION");
        ok(create && create((HANDLE *)(ULONG_PTR)0x10, &th, PROCESS_ALL_ACCESS, THREAD_ALL_ACCESS, NULL, NULL, 0, 0,
                            (void *)(ULONG_PTR)0x10, info, &attrs) == (LONG)0xC0000005,
           "... with a bad handle pointer: STATUS_ACCESS_VIOLATION");
    }

    return done();
}
