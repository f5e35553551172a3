/* files_threads.c - files from several threads at once: each thread
 * creates, writes, reads back, renames and deletes its own files while
 * another enumerates the directory and a third holds and releases locks;
 * everything must succeed and nothing may be left. */
#include <windows.h>
#include <wchar.h>
#include <stdio.h>
#include "tap.h"

#define THREADS 4
#define ROUNDS 150

static volatile LONG failures;
static volatile LONG stop;

static DWORD WINAPI worker(void *arg)
{
    int id = (int)(INT_PTR)arg;
    WCHAR name[64], moved[64];
    char data[64], back[64];
    DWORD n;
    for (int i = 0; i < ROUNDS; i++) {
        swprintf(name, 64, L"t\\w%d-%d.txt", id, i);
        swprintf(moved, 64, L"t\\m%d-%d.txt", id, i);
        int len = sprintf(data, "thread %d round %d", id, i);
        HANDLE h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
        if (h == INVALID_HANDLE_VALUE) { InterlockedIncrement(&failures); continue; }
        if (!WriteFile(h, data, len, &n, NULL) || n != (DWORD)len) InterlockedIncrement(&failures);
        SetFilePointer(h, 0, NULL, FILE_BEGIN);
        if (!ReadFile(h, back, sizeof back, &n, NULL) || n != (DWORD)len || memcmp(back, data, len))
            InterlockedIncrement(&failures);
        CloseHandle(h);
        if (!MoveFileW(name, moved)) InterlockedIncrement(&failures);
        if (!DeleteFileW(moved)) InterlockedIncrement(&failures);
    }
    return 0;
}

static DWORD WINAPI enumerator(void *arg)
{
    (void)arg;
    WIN32_FIND_DATAW fd;
    while (!stop) {
        HANDLE f = FindFirstFileW(L"t\\*", &fd);
        if (f == INVALID_HANDLE_VALUE) { InterlockedIncrement(&failures); break; }
        while (FindNextFileW(f, &fd))
            ;
        if (GetLastError() != ERROR_NO_MORE_FILES) InterlockedIncrement(&failures);
        FindClose(f);
    }
    return 0;
}

static DWORD WINAPI locker(void *arg)
{
    HANDLE h = (HANDLE)arg;
    OVERLAPPED ov = {0};
    while (!stop) {
        if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK, 0, 10, 0, &ov)) { InterlockedIncrement(&failures); break; }
        UnlockFileEx(h, 0, 10, 0, &ov);
    }
    return 0;
}

int main(void)
{
    HANDLE t[THREADS + 3];
    ok(CreateDirectoryW(L"t", NULL), "make t");
    HANDLE lf = CreateFileW(L"lockme", GENERIC_READ | GENERIC_WRITE, 3, NULL, CREATE_NEW, FILE_FLAG_DELETE_ON_CLOSE, NULL);
    HANDLE lf2 = CreateFileW(L"lockme", GENERIC_READ | GENERIC_WRITE, 7, NULL, OPEN_EXISTING, 0, NULL);
    ok(lf != INVALID_HANDLE_VALUE && lf2 != INVALID_HANDLE_VALUE, "two handles on lockme");
    for (int i = 0; i < THREADS; i++)
        t[i] = CreateThread(NULL, 0, worker, (void *)(INT_PTR)i, 0, NULL);
    t[THREADS] = CreateThread(NULL, 0, enumerator, NULL, 0, NULL);
    t[THREADS + 1] = CreateThread(NULL, 0, locker, lf, 0, NULL);
    t[THREADS + 2] = CreateThread(NULL, 0, locker, lf2, 0, NULL);
    WaitForMultipleObjects(THREADS, t, TRUE, INFINITE);
    stop = 1;
    WaitForMultipleObjects(3, t + THREADS, TRUE, INFINITE);
    for (int i = 0; i < THREADS + 3; i++)
        CloseHandle(t[i]);
    is_int(failures, 0, "%d threads x %d create/write/read/rename/delete rounds, a scanner and two lockers: no failure",
           THREADS, ROUNDS);
    CloseHandle(lf2);
    CloseHandle(lf);
    ok(GetFileAttributesW(L"lockme") == INVALID_FILE_ATTRIBUTES, "lockme went with its last handle");
    ok(RemoveDirectoryW(L"t"), "and t is empty");
    return done();
}
