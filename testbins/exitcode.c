/*
 * exitcode.c - how a Windows process's exit code is produced.
 *
 * argv[1] selects the way out; each prints "exitcode MODE" first (without
 * flushing: exit() and returning from main flush the C runtime's streams).
 *   N               return N from main (the exit code is N as a DWORD;
 *                   Linux keeps its low 8 bits, so 256 -> 0, -1 -> 255)
 *   exitN           exit(N)
 *   exitprocessN    ExitProcess(N) (stdout flushed by hand first: the C
 *                   runtime's buffers are not the kernel's business)
 *   atexit          registers three atexit handlers, returns 5 from main;
 *                   the handlers run in reverse order of registration
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static void handler1(void) { printf("atexit handler 1\n"); }
static void handler2(void) { printf("atexit handler 2\n"); }
static void handler3(void) { printf("atexit handler 3\n"); }

int main(int argc, char **argv)
{
    const char *mode;

    if (argc != 2) {
        fprintf(stderr, "usage: exitcode N|exitN|exitprocessN|atexit\n");
        return 100;
    }
    mode = argv[1];
    printf("exitcode %s\n", mode);

    if (strncmp(mode, "exitprocess", 11) == 0) {
        fflush(stdout);
        ExitProcess((UINT)strtoul(mode + 11, NULL, 10));
    }
    if (strncmp(mode, "exit", 4) == 0)
        exit(atoi(mode + 4));
    if (strcmp(mode, "atexit") == 0) {
        atexit(handler1);
        atexit(handler2);
        atexit(handler3);
        printf("main returns 5\n");
        return 5;
    }
    return atoi(mode);
}
