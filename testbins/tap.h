/*
 * tap.h - a tiny Test Anything Protocol helper for casement's testbins.
 *
 *   plan(3);                          -> "1..3"
 *   ok(x == 1, "x is %d", 1);         -> "ok 1 - x is 1" / "not ok 1 - x is 1"
 *   is_int(got, want, "desc");        -> also prints got/want on failure
 *   is_str(got, want, "desc");        -> strings shown escaped on failure
 *   diag("note %d", n);               -> "# note 7"
 *   return done();                    -> 0 when every test passed and the
 *                                        count matches the plan, else 1
 *
 * Output goes through the C runtime's printf (msvcrt), so under Windows a
 * redirected stdout is text mode and each "\n" reaches the pipe as "\r\n".
 * Every line is flushed so that a program that crashes midway still shows
 * how far it got.
 */
#ifndef CASEMENT_TAP_H
#define CASEMENT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TAP_FN static __attribute__((unused))
#define TAP_PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))

static int tap_planned = -1;
static int tap_run;
static int tap_failed;

TAP_FN void plan(int n)
{
    tap_planned = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

TAP_FN TAP_PRINTF(1, 2) void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static int tap_vresult(int pass, const char *fmt, va_list ap)
{
    ++tap_run;
    if (!pass)
        ++tap_failed;
    printf("%s %d - ", pass ? "ok" : "not ok", tap_run);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    return pass;
}

TAP_FN TAP_PRINTF(2, 3) int ok(int pass, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vresult(pass, fmt, ap);
    va_end(ap);
    return pass;
}

TAP_FN TAP_PRINTF(3, 4) int is_int(long long got, long long want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vresult(got == want, fmt, ap);
    va_end(ap);
    if (got != want) {
        diag("       got: %lld (0x%llx)", got, got);
        diag("  expected: %lld (0x%llx)", want, want);
    }
    return got == want;
}

/* Prints s as a C string literal, so tabs, quotes and CRs are visible. */
static void tap_print_escaped(const char *s)
{
    if (!s) {
        printf("(null)");
        return;
    }
    putchar('"');
    for (; *s; ++s) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\t')
            printf("\\t");
        else if (c == '\r')
            printf("\\r");
        else if (c == '\n')
            printf("\\n");
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    putchar('"');
}

TAP_FN TAP_PRINTF(3, 4) int is_str(const char *got, const char *want, const char *fmt, ...)
{
    int pass = got && want ? strcmp(got, want) == 0 : got == want;
    va_list ap;
    va_start(ap, fmt);
    tap_vresult(pass, fmt, ap);
    va_end(ap);
    if (!pass) {
        printf("#        got: ");
        tap_print_escaped(got);
        printf("\n#   expected: ");
        tap_print_escaped(want);
        printf("\n");
        fflush(stdout);
    }
    return pass;
}

/* Ends the run: the program's exit code is 0 only if all planned tests ran
 * and passed. Without a plan() call the plan is printed here instead. */
TAP_FN int done(void)
{
    int mismatch = 0;
    if (tap_planned < 0) {
        printf("1..%d\n", tap_run);
    } else if (tap_run != tap_planned) {
        diag("planned %d tests but ran %d", tap_planned, tap_run);
        mismatch = 1;
    }
    if (tap_failed)
        diag("failed %d of %d tests", tap_failed, tap_run);
    fflush(stdout);
    return tap_failed || mismatch ? 1 : 0;
}

#endif /* CASEMENT_TAP_H */
