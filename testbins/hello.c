/*
 * hello.c - the README's sample program: one line through the C runtime.
 *
 * The harness checks its stdout byte for byte against expected/hello.out.
 * A redirected stdout is in text mode, so msvcrt turns "\n" into "\r\n".
 */
#include <stdio.h>

int main(void)
{
    printf("Hello from casement!\n");
    return 0;
}
