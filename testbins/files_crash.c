/* files_crash.c - what WriteFile reported as written survives a crash: it
 * writes a record, checks the count, then dies of an access violation.
 * The harness (tests/files.rs) reads the file back. Usage:
 * files_crash NAME */
#include <windows.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    static const char record[] = "committed before the crash\n";
    DWORD w = 0;
    if (argc < 2)
        return 2;
    HANDLE h = CreateFileA(argv[1], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return 3;
    if (!WriteFile(h, record, sizeof record - 1, &w, NULL) || w != sizeof record - 1)
        return 4;
    /* No FlushFileBuffers, no CloseHandle: the process dies here. */
    *(volatile int *)(ULONG_PTR)0x10 = 1;
    return 0;
}
