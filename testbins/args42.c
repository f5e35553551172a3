/*
 * args42.c - the first-light acceptance program: prints its arguments,
 * writes a file and reads it back through the C runtime, exits with 42.
 *
 * Only argv[1..] are printed, so the output does not depend on where the
 * program lives; the harness compares stdout byte for byte against
 * expected/args42.out (recorded under Wine) and checks exit status 42.
 */
#include <stdio.h>

#define FILE_NAME "args42.txt"

int main(int argc, char **argv)
{
    char line[256];
    FILE *f;
    int i;

    printf("argc: %d\n", argc);
    for (i = 1; i < argc; ++i)
        printf("argv[%d]: [%s]\n", i, argv[i]);

    f = fopen(FILE_NAME, "w");
    if (!f) {
        perror("fopen " FILE_NAME " for writing");
        return 1;
    }
    for (i = 1; i <= 3; ++i)
        fprintf(f, "line %d of %d: %s\n", i, 3, i % 2 ? "odd" : "even");
    fputs("the end\n", f);
    if (fclose(f) != 0) {
        perror("fclose");
        return 1;
    }

    f = fopen(FILE_NAME, "r");
    if (!f) {
        perror("fopen " FILE_NAME " for reading");
        return 1;
    }
    while (fgets(line, sizeof line, f))
        printf("read: %s", line);
    fclose(f);
    remove(FILE_NAME);

    printf("exiting with 42\n");
    return 42;
}
