/*
 * ucrt_printf.c - the UCRT printf family through its common entry points
 * (__stdio_common_vsprintf & co.): C99 sizes and conversions, the UCRT's
 * inf/nan text and two-digit exponents, the options word, snprintf /
 * _snprintf / sprintf_s / _snprintf_s truncation, %n refusal, wide
 * specifiers. Built against ucrtbase (tests/ucrt.rs). Expectations from
 * Microsoft's documentation of the format specification and of each
 * function's return value.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "tap.h"

static int handler_calls;

static void handler(const wchar_t *expr, const wchar_t *func, const wchar_t *file,
                    unsigned line, uintptr_t reserved)
{
    (void)expr; (void)func; (void)file; (void)line; (void)reserved;
    ++handler_calls;
}

static char out[256];

/* Formats with the given options word, C99 snprintf semantics on top. */
static const char *fmt_opts(unsigned long long options, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    __stdio_common_vsprintf(options | _CRT_INTERNAL_PRINTF_STANDARD_SNPRINTF_BEHAVIOR, out,
                            sizeof out, format, NULL, ap);
    va_end(ap);
    return out;
}

#define F(...) fmt_opts(0, __VA_ARGS__)

static int common_wide(unsigned long long options, wchar_t *buf, size_t n, const wchar_t *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int r = __stdio_common_vswprintf(options, buf, n, format, NULL, ap);
    va_end(ap);
    return r;
}

static int common_narrow(unsigned long long options, char *buf, size_t n, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int r = __stdio_common_vsprintf(options, buf, n, format, NULL, ap);
    va_end(ap);
    return r;
}

static int scan_opts(unsigned long long options, const char *in, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int r = __stdio_common_vsscanf(options, in, (size_t)-1, format, NULL, ap);
    va_end(ap);
    return r;
}

static int wscan_opts(unsigned long long options, const wchar_t *in, const wchar_t *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int r = __stdio_common_vswscanf(options, in, (size_t)-1, format, NULL, ap);
    va_end(ap);
    return r;
}

int main(void)
{
    char buf[16];
    int r;
    plan(52);
    _set_invalid_parameter_handler(handler);

    /* C99 sizes. */
    is_str(F("%zu|%zd", (size_t)123456, (ptrdiff_t)-7), "123456|-7", "%%zu and %%zd");
    is_str(F("%lld|%llu", -9223372036854775807LL - 1, 18446744073709551615ULL),
           "-9223372036854775808|18446744073709551615", "%%lld/%%llu at the limits");
    is_str(F("%jd|%td", (intmax_t)-5, (ptrdiff_t)77), "-5|77", "%%jd and %%td");
    is_str(F("%hhd|%hhu|%hd", 300, 256 + 255, 70000), "44|255|4464", "%%hhd/%%hhu are char-sized");
    is_str(F("%I64d|%I32u", -1LL, 4294967295u), "-1|4294967295", "Microsoft's I64/I32 sizes");
    /* Floating point: two-digit exponents, %a, inf and nan. */
    is_str(F("%e|%E|%g", 1.0, 1e100, 1e-5), "1.000000e+00|1.000000E+100|1e-05",
           "exponents have at least two digits");
    is_str(F("%a|%A", 1.0, -0.5), "0x1.0000000000000p+0|-0X1.0000000000000P-1", "%%a and %%A");
    is_str(F("%f|%f|%F|%e", INFINITY, -INFINITY, INFINITY, INFINITY), "inf|-inf|INF|inf",
           "infinities print as inf");
    volatile double zero = 0.0;
    is_str(F("%f|%f", NAN, zero / zero), "nan|-nan(ind)", "NaN and the indefinite NaN");
    is_str(F("%8.3f|%-6f|%+f", INFINITY, INFINITY, INFINITY), "     inf|inf   |+inf",
           "inf takes width and flags, not precision");
    is_str(F("%.3f|%10.4e|%#g", 3.14159, 12345.678, 2.0), "3.142|1.2346e+04|2.00000",
           "precision, width and #");
    /* Windows 10 2004+: exact values, exact ties to even (printf docs). */
    is_str(F("%1.0f|%1.0f|%.1f|%.1f", 1.5, 2.5, 0.25, 2.35), "2|2|0.2|2.4",
           "exactly representable ties round to even");
    is_str(F("%.20f", 0.1), "0.10000000000000000555", "digits of the exact binary value");
    /* Options word. */
    is_str(fmt_opts(_CRT_INTERNAL_PRINTF_LEGACY_THREE_DIGIT_EXPONENTS, "%e", 1.0), "1.000000e+000",
           "LEGACY_THREE_DIGIT_EXPONENTS");
    is_str(fmt_opts(_CRT_INTERNAL_PRINTF_LEGACY_MSVCRT_COMPATIBILITY, "%f", INFINITY), "1.#INF00",
           "LEGACY_MSVCRT_COMPATIBILITY prints msvcrt's 1.#INF");
    /* Strings and characters. */
    is_str(F("[%5.2s|%-4s|%c%c]", "abc", "x", 'y', 'z'), "[   ab|x   |yz]", "%%s width, precision, %%c");
    is_str(F("%ls|%S|%hs|%wc", L"wide", L"also", "narrow", L'w'), "wide|also|narrow|w",
           "%%ls, %%S, %%hs and %%wc in the narrow family");
    is_str(F("%s|%p", (char *)NULL, (void *)0x1234), "(null)|0000000000001234", "NULL %%s and %%p");

    /* snprintf: C99 - truncates, terminates, returns the full length. */
    memset(buf, 'X', sizeof buf);
    r = snprintf(buf, 8, "%zu-%lld-%s", (size_t)123456, -5LL, "hello");
    is_int(r, 15, "snprintf returns the untruncated length");
    is_str(buf, "123456-", "snprintf truncates and terminates");
    is_int(snprintf(NULL, 0, "%d", 12345), 5, "snprintf(NULL, 0) measures");
    /* _snprintf: no terminator when full, -1 when it does not fit. */
    memset(buf, 'X', sizeof buf);
    r = _snprintf(buf, 5, "%s", "12345");
    ok(r == 5 && memcmp(buf, "12345X", 6) == 0, "_snprintf exactly full: 5, no NUL (got %d)", r);
    memset(buf, 'X', sizeof buf);
    r = _snprintf(buf, 4, "%s", "12345");
    ok(r == -1 && memcmp(buf, "1234X", 5) == 0, "_snprintf too long: -1, no NUL (got %d)", r);
    r = _snprintf(buf, 6, "%s", "12345");
    ok(r == 5 && strcmp(buf, "12345") == 0, "_snprintf with room: terminated");
    /* The bare options word: too long is -2 and terminated (what the _s
       functions test for). */
    memset(buf, 'X', sizeof buf);
    r = common_narrow(0, buf, 4, "%s", "12345");
    ok(r == -2 && strcmp(buf, "123") == 0, "options 0, too long: -2 and terminated (got %d)", r);
    is_int(common_narrow(0, NULL, 0, "%s", "abc"), 3, "NULL buffer, count 0: the length");
    /* sprintf_s: must fit, else empty buffer, ERANGE, invalid parameter. */
    handler_calls = 0;
    errno = 0;
    memset(buf, 'X', sizeof buf);
    r = sprintf_s(buf, 4, "%s", "12345");
    ok(r == -1 && buf[0] == 0 && errno == ERANGE && handler_calls == 1,
       "sprintf_s too long: -1, empty, ERANGE, handler (r=%d errno=%d calls=%d)", r, errno,
       handler_calls);
    is_int(sprintf_s(buf, 6, "%s", "12345"), 5, "sprintf_s that fits");
    /* _snprintf_s: _TRUNCATE and count. */
    handler_calls = 0;
    r = _snprintf_s(buf, 4, _TRUNCATE, "%s", "12345");
    ok(r == -1 && strcmp(buf, "123") == 0 && handler_calls == 0, "_snprintf_s _TRUNCATE");
    r = _snprintf_s(buf, 10, 3, "%s", "12345");
    ok(r == -1 && strcmp(buf, "123") == 0 && handler_calls == 0, "_snprintf_s count < size");
    r = _snprintf_s(buf, 10, 8, "%s", "12345");
    ok(r == 5 && strcmp(buf, "12345") == 0, "_snprintf_s that fits");
    errno = 0;
    r = _snprintf_s(buf, 4, 8, "%s", "12345");
    ok(r == -1 && buf[0] == 0 && errno == ERANGE && handler_calls == 1,
       "_snprintf_s count >= size, too long: ERANGE and the handler");

    /* %n is refused until _set_printf_count_output(1). */
    int n = -1;
    handler_calls = 0;
    errno = 0;
    r = common_narrow(0, out, sizeof out, "ab%n", &n);
    ok(r == -1 && n == -1 && handler_calls == 1 && errno == EINVAL,
       "%%n refused by default (r=%d calls=%d)", r, handler_calls);
    is_int(_get_printf_count_output(), 0, "_get_printf_count_output is 0 by default");
    is_int(_set_printf_count_output(1), 0, "_set_printf_count_output returns the old value");
    r = common_narrow(0, out, sizeof out, "abc%n", &n);
    ok(r == 3 && n == 3, "%%n once enabled");
    _set_printf_count_output(0);
    /* NULL format: invalid parameter, EINVAL, -1. */
    handler_calls = 0;
    errno = 0;
    r = common_narrow(0, out, sizeof out, NULL);
    ok(r == -1 && errno == EINVAL && handler_calls == 1, "NULL format");

    /* Wide family: ISO specifiers by default, Microsoft's with the option. */
    wchar_t w[32];
    r = common_wide(0, w, 32, L"%s|%ls|%S|%c", "nar", L"wid", L"wS", 'c');
    ok(r == 12 && wcscmp(w, L"nar|wid|wS|c") == 0, "ISO wide specifiers: %%s narrow, %%S wide");
    r = common_wide(_CRT_INTERNAL_PRINTF_LEGACY_WIDE_SPECIFIERS, w, 32, L"%s|%hs|%S|%c", L"wid",
                    "nar", "nS", L'c');
    ok(r == 12 && wcscmp(w, L"wid|nar|nS|c") == 0, "legacy wide specifiers: %%s wide, %%S narrow");
    r = common_wide(_CRT_INTERNAL_PRINTF_STANDARD_SNPRINTF_BEHAVIOR, w, 4, L"%d", 123456);
    ok(r == 6 && wcscmp(w, L"123") == 0, "wide snprintf behaviour");
    r = common_wide(0, w, 32, L"%e|%f", 1.5, -INFINITY);
    ok(wcscmp(w, L"1.500000e+00|-inf") == 0, "wide floats");
    r = swprintf(w, 32, L"%d-%ls", 42, L"x");
    ok(r == 4 && wcscmp(w, L"42-x") == 0, "swprintf");

    /* sscanf through __stdio_common_vsscanf. */
    int a = 0;
    unsigned long long big = 0;
    char word[16] = "";
    double d = 0;
    r = sscanf("17 18446744073709551615 word 2.5", "%d %llu %15s %lf", &a, &big, word, &d);
    ok(r == 4 && a == 17 && big == 18446744073709551615ULL && strcmp(word, "word") == 0 && d == 2.5,
       "sscanf with C99 sizes");
    r = sscanf("", "%d", &a);
    is_int(r, EOF, "sscanf of empty input is EOF");
    wchar_t ww[8];
    r = swscanf(L"12 ab", L"%d %7ls", &a, ww);
    ok(r == 2 && a == 12 && wcscmp(ww, L"ab") == 0, "swscanf");

    /* The secure form: buffer sizes follow %s and %c pointers; a field
       that does not fit leaves an empty string and ends the scan. */
    char s4[4] = "zzz", s8[8] = "zzzzzzz", c2[2];
    r = scan_opts(_CRT_INTERNAL_SCANF_SECURECRT, "abc defghijk", "%s %s", s4, (unsigned)sizeof s4,
                  s8, (unsigned)sizeof s8);
    ok(r == 1 && !strcmp(s4, "abc") && s8[0] == 0, "secure %%s: a field too long is refused (r=%d)", r);
    r = scan_opts(_CRT_INTERNAL_SCANF_SECURECRT, "xyz", "%2c", c2, (unsigned)sizeof c2);
    ok(r == 1 && c2[0] == 'x' && c2[1] == 'y', "secure %%2c fills the buffer exactly");
    char nar[4] = "";
    r = wscan_opts(0, L"ab cd", L"%s %ls", nar, ww);
    ok(r == 2 && !strcmp(nar, "ab") && !wcscmp(ww, L"cd"), "ISO wide scanf: %%s stores narrow");

    /* Streams: printf to stdout counts what it wrote. */
    r = printf("# %s %05d\n", "stdout", 42);
    is_int(r, 15, "printf returns the count");
    r = fprintf(stdout, "# %.2f\n", 0.375);
    is_int(r, 7, "fprintf returns the count");
    r = wprintf(L"# %ls\n", L"wide out");
    is_int(r, 11, "wprintf returns the count");
    is_int(fflush(stdout), 0, "fflush(stdout)");
    return done();
}
