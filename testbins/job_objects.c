/*
 * job_objects.c - job objects as Windows documents them: CreateJobObject,
 * OpenJobObject, Set/QueryInformationJobObject (basic and extended limits,
 * basic accounting), AssignProcessToJobObject, TerminateJobObject,
 * IsProcessInJob, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, and their errors.
 * Starts proc_child.exe ("sleep MS"), which must sit next to this program.
 *
 * Wine differs (checked with Debian's wine64): it does not report limits
 * back, does not count terminated processes, and answers a short
 * SetInformationJobObject structure with ERROR_INVALID_PARAMETER where
 * Windows' NtSetInformationJobObject gives STATUS_INFO_LENGTH_MISMATCH
 * (ERROR_BAD_LENGTH).
 */
#include <windows.h>
#include "tap.h"

/* Checks that a call (already made, its result in `result`) failed with
 * `want` as its last error. */
static void fails_with(BOOL result, DWORD want, const char *what)
{
    DWORD err = GetLastError();
    ok(!result && err == want, "%s (%lu)", what, err);
}

static WCHAR child[MAX_PATH];

/* Starts "proc_child sleep 30000"; returns its process information. */
static BOOL start_sleeper(PROCESS_INFORMATION *pi)
{
    WCHAR cmd[MAX_PATH + 64];
    STARTUPINFOW si = {sizeof si};
    wcscpy(cmd, L"\"");
    wcscat(cmd, child);
    wcscat(cmd, L"\" sleep 30000");
    return CreateProcessW(child, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, pi);
}

static JOBOBJECT_BASIC_ACCOUNTING_INFORMATION accounting(HANDLE job)
{
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION a;
    memset(&a, 0xCC, sizeof a);
    QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &a, sizeof a, NULL);
    return a;
}

int main(void)
{
    plan(47);
    WCHAR here[MAX_PATH];
    GetModuleFileNameW(NULL, here, MAX_PATH);
    *(wcsrchr(here, L'\\') + 1) = 0;
    wcscpy(child, here);
    wcscat(child, L"proc_child.exe");

    /* A new job has no limits. */
    HANDLE job = CreateJobObjectW(NULL, NULL);
    ok(job != NULL, "CreateJobObjectW(NULL, NULL) makes a job");
    JOBOBJECT_BASIC_LIMIT_INFORMATION basic;
    DWORD len = 0;
    memset(&basic, 0xCC, sizeof basic);
    ok(QueryInformationJobObject(job, JobObjectBasicLimitInformation, &basic, sizeof basic, &len),
       "QueryInformationJobObject(JobObjectBasicLimitInformation) succeeds");
    is_int(len, sizeof basic, "... and returns the structure's size");
    is_int(basic.LimitFlags, 0, "... a new job has no limit flags");

    /* Extended limits as distlib's launcher sets them. */
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION ext;
    memset(&ext, 0, sizeof ext);
    ext.BasicLimitInformation.LimitFlags =
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK;
    ext.JobMemoryLimit = 1 << 30;
    ok(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &ext, sizeof ext),
       "SetInformationJobObject(extended limits: kill on close, silent breakaway)");
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION back;
    memset(&back, 0xCC, sizeof back);
    len = 0;
    ok(QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &back, sizeof back, &len),
       "QueryInformationJobObject(JobObjectExtendedLimitInformation) succeeds");
    is_int(len, sizeof back, "... returning the extended structure's size");
    is_int(back.BasicLimitInformation.LimitFlags, ext.BasicLimitInformation.LimitFlags,
           "... with the flags that were set");
    ok(back.JobMemoryLimit == ext.JobMemoryLimit, "... and the job memory limit");
    memset(&basic, 0xCC, sizeof basic);
    QueryInformationJobObject(job, JobObjectBasicLimitInformation, &basic, sizeof basic, NULL);
    is_int(basic.LimitFlags, ext.BasicLimitInformation.LimitFlags,
           "the basic limits show the same flags");

    /* A sleeping child joins; closing the job's last handle kills it. */
    PROCESS_INFORMATION pi;
    ok(start_sleeper(&pi), "the sleeping child starts");
    BOOL in = 2;
    ok(IsProcessInJob(pi.hProcess, job, &in) && in == FALSE, "IsProcessInJob: not yet in the job");
    ok(AssignProcessToJobObject(job, pi.hProcess), "AssignProcessToJobObject(child)");
    in = 2;
    ok(IsProcessInJob(pi.hProcess, job, &in) && in == TRUE, "IsProcessInJob: now in the job");
    in = 2;
    ok(IsProcessInJob(pi.hProcess, NULL, &in) && in == TRUE, "IsProcessInJob(NULL job): in a job");
    in = 2;
    ok(IsProcessInJob(GetCurrentProcess(), job, &in) && in == FALSE,
       "IsProcessInJob: this process is not in the job");
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc = accounting(job);
    is_int(acc.ActiveProcesses, 1, "accounting: one active process");
    is_int(acc.TotalProcesses, 1, "accounting: one process in all");
    is_int(acc.TotalTerminatedProcesses, 0, "accounting: none terminated");
    is_int(WaitForSingleObject(pi.hProcess, 200), WAIT_TIMEOUT, "the child still runs");
    ok(CloseHandle(job), "CloseHandle(job)");
    is_int(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0,
           "closing a kill-on-close job ends its child");
    DWORD code = 0;
    ok(GetExitCodeProcess(pi.hProcess, &code) && code != STILL_ACTIVE && code != 7,
       "... which did not finish its sleep (exit code %#lx)", code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);

    /* TerminateJobObject gives every member its exit code. */
    job = CreateJobObjectA(NULL, NULL);
    ok(job != NULL, "CreateJobObjectA(NULL, NULL) makes a job");
    ok(start_sleeper(&pi) && AssignProcessToJobObject(job, pi.hProcess),
       "a second sleeping child joins it");
    ok(TerminateJobObject(job, 42), "TerminateJobObject(job, 42)");
    is_int(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0, "the child ends");
    code = 0;
    ok(GetExitCodeProcess(pi.hProcess, &code), "GetExitCodeProcess succeeds");
    is_int(code, 42, "... the exit code is TerminateJobObject's");
    acc = accounting(job);
    is_int(acc.ActiveProcesses, 0, "accounting: no active process left");
    is_int(acc.TotalTerminatedProcesses, 1, "accounting: one terminated");
    SetLastError(0xdeadbeef);
    fails_with(AssignProcessToJobObject(job, pi.hProcess), ERROR_ACCESS_DENIED,
               "a process that has ended cannot join: ERROR_ACCESS_DENIED");
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);

    /* Errors. */
    SetLastError(0xdeadbeef);
    fails_with(SetInformationJobObject(job, JobObjectBasicLimitInformation, &basic, sizeof basic - 1), ERROR_BAD_LENGTH,
               "a short basic limit structure: ERROR_BAD_LENGTH");
    SetLastError(0xdeadbeef);
    fails_with(QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &back, sizeof back - 8, NULL), ERROR_BAD_LENGTH,
               "a short query buffer: ERROR_BAD_LENGTH");
    memset(&basic, 0, sizeof basic);
    basic.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE; /* an extended-only flag */
    SetLastError(0xdeadbeef);
    fails_with(SetInformationJobObject(job, JobObjectBasicLimitInformation, &basic, sizeof basic), ERROR_INVALID_PARAMETER,
               "an extended flag in the basic limits: ERROR_INVALID_PARAMETER");
    SetLastError(0xdeadbeef);
    fails_with(QueryInformationJobObject(job, (JOBOBJECTINFOCLASS)1000, &back, sizeof back, NULL), ERROR_INVALID_PARAMETER,
               "an unknown information class: ERROR_INVALID_PARAMETER");
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    SetLastError(0xdeadbeef);
    fails_with(AssignProcessToJobObject(event, GetCurrentProcess()), ERROR_INVALID_HANDLE,
               "an event as the job: ERROR_INVALID_HANDLE");
    SetLastError(0xdeadbeef);
    fails_with(AssignProcessToJobObject(job, event), ERROR_INVALID_HANDLE,
               "an event as the process: ERROR_INVALID_HANDLE");
    SetLastError(0xdeadbeef);
    fails_with(TerminateJobObject((HANDLE)(ULONG_PTR)0x12340, 1), ERROR_INVALID_HANDLE,
               "a bad handle: ERROR_INVALID_HANDLE");
    CloseHandle(event);
    CloseHandle(job);

    /* Named jobs. */
    job = CreateJobObjectA(NULL, "casement-job-test");
    ok(job != NULL, "CreateJobObjectA with a new name");
    HANDLE again = CreateJobObjectW(NULL, L"casement-job-test");
    DWORD err = GetLastError();
    ok(again != NULL && err == ERROR_ALREADY_EXISTS,
       "the same name again opens it: ERROR_ALREADY_EXISTS (%lu)", err);
    HANDLE opened = OpenJobObjectW(JOB_OBJECT_QUERY, FALSE, L"casement-job-test");
    ok(opened != NULL, "OpenJobObjectW finds it");
    SetLastError(0xdeadbeef);
    fails_with(OpenJobObjectA(JOB_OBJECT_QUERY, FALSE, "casement-job-missing") != NULL, ERROR_FILE_NOT_FOUND,
               "OpenJobObjectA of a missing name: ERROR_FILE_NOT_FOUND");

    /* This process as a member. */
    ok(AssignProcessToJobObject(job, GetCurrentProcess()), "AssignProcessToJobObject(current process)");
    in = 2;
    ok(IsProcessInJob(GetCurrentProcess(), again, &in) && in == TRUE,
       "IsProcessInJob: this process is in the job (through another handle)");
    acc = accounting(opened);
    is_int(acc.ActiveProcesses, 1, "accounting: this process is active in it");
    LONG (WINAPI *is_in_job)(HANDLE, HANDLE) =
        (void *)GetProcAddress(GetModuleHandleA("ntdll.dll"), "NtIsProcessInJob");
    ok(is_in_job && is_in_job(GetCurrentProcess(), NULL) == 0x124,
       "ntdll's NtIsProcessInJob(NULL job): STATUS_PROCESS_IN_JOB");
    CloseHandle(opened);
    CloseHandle(again);
    CloseHandle(job);
    return done();
}
