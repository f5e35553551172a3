/* files_notify.c - ReadDirectoryChangesW on a synchronous directory handle:
 * names added, renamed and removed, in a subtree, with the documented
 * FILE_NOTIFY_INFORMATION records; a buffer too small for the changes;
 * bad filters and handles. Runs in an empty working directory and leaves
 * it empty. */
#include <windows.h>
#include <wchar.h>
#include "tap.h"

static volatile LONG watching;

/* The watch starts with the first ReadDirectoryChangesW: until the main
 * thread has seen a change, a "ping" file comes and goes; then the changes
 * checked are made. */
static DWORD WINAPI churn(void *arg)
{
    (void)arg;
    while (!watching) {
        HANDLE p = CreateFileW(L"w\\ping", GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        CloseHandle(p);
        DeleteFileW(L"w\\ping");
        Sleep(20);
    }
    HANDLE h = CreateFileW(L"w\\new.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    CloseHandle(h);
    MoveFileW(L"w\\new.txt", L"w\\renamed.txt");
    DeleteFileW(L"w\\renamed.txt");
    h = CreateFileW(L"w\\sub\\deep.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    CloseHandle(h);
    DeleteFileW(L"w\\sub\\deep.txt");
    return 0;
}

struct seen { DWORD action; WCHAR name[64]; };

static HANDLE waiting_dir;
static volatile LONG wait_returned;

static DWORD WINAPI wait_for_change(void *arg)
{
    DWORD buf[64], got = 0;
    (void)arg;
    ReadDirectoryChangesW(waiting_dir, buf, sizeof buf, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME, &got, NULL, NULL);
    InterlockedExchange(&wait_returned, 1);
    return 0;
}

int main(void)
{
    static struct seen seen[64];
    int nseen = 0;
    ok(CreateDirectoryW(L"w", NULL) && CreateDirectoryW(L"w\\sub", NULL), "make w and w\\sub");
    HANDLE dir = CreateFileW(L"w", FILE_LIST_DIRECTORY, 7, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    ok(dir != INVALID_HANDLE_VALUE, "open the directory");
    HANDLE t = CreateThread(NULL, 0, churn, NULL, 0, NULL);
    DWORD buf[1024];
    int removed_deep = 0;
    for (int round = 0; round < 200 && !removed_deep; round++) {
        DWORD got = 0;
        if (!ReadDirectoryChangesW(dir, buf, sizeof buf, TRUE, FILE_NOTIFY_CHANGE_FILE_NAME, &got, NULL, NULL)) {
            diag("ReadDirectoryChangesW failed, error %lu", GetLastError());
            break;
        }
        BYTE *p = (BYTE *)buf;
        while (got) {
            FILE_NOTIFY_INFORMATION *fni = (FILE_NOTIFY_INFORMATION *)p;
            InterlockedExchange(&watching, 1);
            int ping = fni->FileNameLength == 8 && memcmp(fni->FileName, L"ping", 8) == 0;
            if (!ping && nseen < 64) {
                seen[nseen].action = fni->Action;
                size_t n = fni->FileNameLength / 2 < 63 ? fni->FileNameLength / 2 : 63;
                memcpy(seen[nseen].name, fni->FileName, n * 2);
                seen[nseen].name[n] = 0;
                if (fni->Action == FILE_ACTION_REMOVED && wcscmp(seen[nseen].name, L"sub\\deep.txt") == 0)
                    removed_deep = 1;
                nseen++;
            }
            if (!fni->NextEntryOffset)
                break;
            p += fni->NextEntryOffset;
        }
    }
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    for (int i = 0; i < nseen; i++)
        diag("action %lu %ls", seen[i].action, seen[i].name);
    static const struct seen want[] = {
        { FILE_ACTION_ADDED, L"new.txt" },
        { FILE_ACTION_RENAMED_OLD_NAME, L"new.txt" },
        { FILE_ACTION_RENAMED_NEW_NAME, L"renamed.txt" },
        { FILE_ACTION_REMOVED, L"renamed.txt" },
        { FILE_ACTION_ADDED, L"sub\\deep.txt" },
        { FILE_ACTION_REMOVED, L"sub\\deep.txt" },
    };
    int match = nseen == 6;
    for (int i = 0; match && i < 6; i++)
        match = seen[i].action == want[i].action && wcscmp(seen[i].name, want[i].name) == 0;
    ok(match, "added, renamed (old, new), removed, then the same in the subtree, with relative names");

    /* Changes that do not fit: success with no bytes. */
    HANDLE h = CreateFileW(L"w\\a-rather-long-file-name-to-overflow.txt", GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    CloseHandle(h);
    DWORD got = 1234;
    ok(ReadDirectoryChangesW(dir, buf, 8, TRUE, FILE_NOTIFY_CHANGE_FILE_NAME, &got, NULL, NULL) && got == 0,
       "a buffer too small for the changes: TRUE with 0 bytes (%lu)", got);
    DeleteFileW(L"w\\a-rather-long-file-name-to-overflow.txt");
    SetLastError(0);
    ok(!ReadDirectoryChangesW(dir, buf, sizeof buf, TRUE, 0, &got, NULL, NULL) && GetLastError() == ERROR_INVALID_PARAMETER,
       "a zero filter: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    CloseHandle(dir);

    /* Closing the handle ends a request waiting on it. */
    waiting_dir = CreateFileW(L"w", FILE_LIST_DIRECTORY, 7, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    HANDLE waiter = CreateThread(NULL, 0, wait_for_change, NULL, 0, NULL);
    Sleep(100);
    ok(!wait_returned, "ReadDirectoryChangesW waits for a change");
    CloseHandle(waiting_dir);
    ok(WaitForSingleObject(waiter, 5000) == WAIT_OBJECT_0 && wait_returned,
       "and returns when its handle is closed");
    CloseHandle(waiter);
    h = CreateFileW(L"w\\plain.txt", GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
    SetLastError(0);
    ok(!ReadDirectoryChangesW(h, buf, sizeof buf, TRUE, FILE_NOTIFY_CHANGE_FILE_NAME, &got, NULL, NULL)
           && GetLastError() == ERROR_INVALID_PARAMETER,
       "a file handle: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    CloseHandle(h);
    DeleteFileW(L"w\\plain.txt");
    ok(RemoveDirectoryW(L"w\\sub") && RemoveDirectoryW(L"w"), "clean up");
    return done();
}
