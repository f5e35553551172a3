/*
 * ucrt_secure.c - the bounds-checked functions of the UCRT: strcpy_s,
 * strcat_s, strncpy_s (with _TRUNCATE), the wide forms, memcpy_s,
 * memmove_s, fopen_s, _dupenv_s, strerror_s; each failure reports to the
 * invalid-parameter handler and returns the errno value, as documented.
 * Built against ucrtbase (tests/ucrt.rs runs it with UCRT_TEST_VAR=seven).
 */
#define _CRT_RAND_S
#include <errno.h>
#include <io.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "tap.h"

static int calls;
static void handler(const wchar_t *e, const wchar_t *f, const wchar_t *file, unsigned l, uintptr_t r)
{
    (void)e; (void)f; (void)file; (void)l; (void)r;
    ++calls;
}

int main(void)
{
    char buf[8];
    wchar_t w[8];
    plan(49);
    _set_invalid_parameter_handler(handler);

    ok(strcpy_s(buf, sizeof buf, "1234567") == 0 && !strcmp(buf, "1234567"), "strcpy_s that fits");
    calls = 0;
    ok(strcpy_s(buf, sizeof buf, "12345678") == ERANGE && buf[0] == 0 && calls == 1,
       "strcpy_s too long: ERANGE, empty, handler");
    ok(strcpy_s(NULL, 4, "x") == EINVAL && calls == 2, "strcpy_s to NULL: EINVAL");
    ok(strcpy_s(buf, sizeof buf, NULL) == EINVAL && buf[0] == 0 && calls == 3,
       "strcpy_s from NULL: EINVAL, empty");
    strcpy_s(buf, sizeof buf, "abc");
    ok(strcat_s(buf, sizeof buf, "defg") == 0 && !strcmp(buf, "abcdefg"), "strcat_s that fits");
    calls = 0;
    ok(strcat_s(buf, sizeof buf, "h") == ERANGE && buf[0] == 0 && calls == 1, "strcat_s too long");
    memset(buf, 'x', sizeof buf);
    ok(strcat_s(buf, sizeof buf, "h") == EINVAL && buf[0] == 0 && calls == 2,
       "strcat_s to an unterminated buffer: EINVAL");
    ok(strncpy_s(buf, sizeof buf, "abcdef", 3) == 0 && !strcmp(buf, "abc"), "strncpy_s count");
    ok(strncpy_s(buf, sizeof buf, "abcdefghij", _TRUNCATE) == STRUNCATE && !strcmp(buf, "abcdefg"),
       "strncpy_s _TRUNCATE: STRUNCATE");
    calls = 0;
    ok(strncpy_s(buf, sizeof buf, "abcdefghij", 9) == ERANGE && buf[0] == 0 && calls == 1,
       "strncpy_s count past the buffer: ERANGE");
    ok(strncpy_s(buf, sizeof buf, "abcdefghij", 0) == 0 && buf[0] == 0, "strncpy_s count 0");
    ok(wcscpy_s(w, 8, L"wide") == 0 && !wcscmp(w, L"wide"), "wcscpy_s");
    ok(wcscat_s(w, 8, L"abc") == 0 && !wcscmp(w, L"wideabc"), "wcscat_s");
    calls = 0;
    ok(wcscat_s(w, 8, L"d") == ERANGE && w[0] == 0 && calls == 1, "wcscat_s too long");
    ok(wcsncpy_s(w, 8, L"abcdefghij", _TRUNCATE) == STRUNCATE && !wcscmp(w, L"abcdefg"),
       "wcsncpy_s _TRUNCATE");

    char dst[4] = "zzz";
    ok(memcpy_s(dst, sizeof dst, "ab", 2) == 0 && dst[0] == 'a' && dst[1] == 'b' && dst[2] == 'z',
       "memcpy_s");
    calls = 0;
    ok(memcpy_s(dst, sizeof dst, "abcdef", 6) == ERANGE && !memcmp(dst, "\0\0\0\0", 4) && calls == 1,
       "memcpy_s too long: ERANGE, destination zeroed");
    char mv[8] = "abcdef";
    ok(memmove_s(mv + 1, 7, mv, 5) == 0 && !strcmp(mv, "aabcde"), "memmove_s overlapping");

    FILE *f = NULL;
    ok(fopen_s(&f, "no-such-file.txt", "r") == ENOENT && f == NULL, "fopen_s of a missing file: ENOENT");
    ok(fopen_s(&f, "ucrt_secure.tmp", "w") == 0 && f != NULL, "fopen_s for writing");
    fclose(f);
    remove("ucrt_secure.tmp");
    calls = 0;
    ok(fopen_s(NULL, "x", "r") == EINVAL && calls == 1, "fopen_s with no FILE* slot: EINVAL");

    char *value = NULL;
    size_t len = 0;
    ok(_dupenv_s(&value, &len, "UCRT_TEST_VAR") == 0 && value && !strcmp(value, "seven") && len == 6,
       "_dupenv_s copies the value");
    free(value);
    value = (char *)1;
    ok(_dupenv_s(&value, &len, "UCRT_NO_SUCH_VAR") == 0 && value == NULL && len == 0,
       "_dupenv_s of an unset variable: NULL, 0");

    size_t need = 0;
    char small[4], env[16];
    ok(getenv_s(&need, NULL, 0, "UCRT_TEST_VAR") == 0 && need == 6, "getenv_s measures: 6");
    ok(getenv_s(&need, env, sizeof env, "UCRT_TEST_VAR") == 0 && !strcmp(env, "seven"), "getenv_s copies");
    calls = 0;
    ok(getenv_s(&need, small, sizeof small, "UCRT_TEST_VAR") == ERANGE && calls == 1, "getenv_s too small: ERANGE");
    ok(getenv_s(&need, env, sizeof env, "UCRT_NO_SUCH_VAR") == 0 && need == 0 && env[0] == 0,
       "getenv_s of an unset variable: 0, empty");
    ok(_putenv_s("UCRT_SET_VAR", "eight") == 0 && !strcmp(getenv("UCRT_SET_VAR"), "eight"), "_putenv_s sets");
    ok(_putenv_s("UCRT_SET_VAR", "") == 0 && getenv("UCRT_SET_VAR") == NULL, "_putenv_s with \"\" removes");
    wchar_t *wv = NULL;
    size_t wlen = 0;
    ok(_wdupenv_s(&wv, &wlen, L"UCRT_TEST_VAR") == 0 && wv && !wcscmp(wv, L"seven") && wlen == 6, "_wdupenv_s");
    free(wv);

    char msg[8];
    ok(strerror_s(msg, sizeof msg, ENOENT) == 0 && !strcmp(msg, "No such"), "strerror_s truncates");
    char big[64];
    ok(strerror_s(big, sizeof big, ENOENT) == 0 && !strcmp(big, "No such file or directory"),
       "strerror_s");
    /* Integers to text. */
    char num[40];
    is_str(_itoa(-255, num, 10), "-255", "_itoa radix 10 keeps the sign");
    is_str(_itoa(-1, num, 16), "ffffffff", "_itoa radix 16: two's complement");
    is_str(_i64toa(-1LL, num, 2), "1111111111111111111111111111111111111111111111111111111111111111",
           "_i64toa radix 2");
    is_str(_ui64toa(18446744073709551615ULL, num, 36), "3w5e11264sgsf", "_ui64toa radix 36");
    calls = 0;
    ok(_itoa_s(12345, num, 5, 10) == ERANGE && num[0] == 0 && calls == 1, "_itoa_s too small: ERANGE");
    ok(_itoa_s(1, num, sizeof num, 1) == EINVAL && calls == 2, "_itoa_s radix 1: EINVAL");
    wchar_t wnum[16];
    ok(_itow_s(-42, wnum, 16, 10) == 0 && !wcscmp(wnum, L"-42"), "_itow_s");
    wchar_t *wend = NULL;
    const wchar_t *wnumtext = L"  -1234xyz";
    ok(wcstol(wnumtext, &wend, 10) == -1234 && wend == wnumtext + 7, "wcstol and its end pointer");
    ok(_wtoi(L"42abc") == 42 && _wtoi64(L"-9000000000") == -9000000000LL && wcstoul(L"ff", NULL, 16) == 255,
       "_wtoi, _wtoi64, wcstoul");
    ok(wcstod(L"2.5e3x", &wend) == 2500.0 && *wend == L'x', "wcstod");
    unsigned int r1 = 0, r2 = 0;
    ok(rand_s(&r1) == 0 && rand_s(&r2) == 0 && r1 != r2, "rand_s gives two different values");

    /* A descriptor that is not open is an invalid parameter. */
    calls = 0;
    errno = 0;
    ok(_close(99) == -1 && errno == EBADF && calls == 1, "_close of a closed descriptor: EBADF, handler");
    ok(_get_osfhandle(99) == -1 && calls == 2, "_get_osfhandle of a closed descriptor");
    char rb[4];
    ok(_read(-5, rb, sizeof rb) == -1 && errno == EBADF && calls == 3, "_read of a negative descriptor");

    /* _aligned_malloc and family. */
    char *a = _aligned_malloc(100, 64);
    ok(a && ((uintptr_t)a & 63) == 0, "_aligned_malloc(100, 64) is 64-byte aligned");
    memset(a, 'q', 100);
    a = _aligned_realloc(a, 5000, 64);
    ok(a && ((uintptr_t)a & 63) == 0 && a[0] == 'q' && a[99] == 'q', "_aligned_realloc keeps the contents");
    _aligned_free(a);
    _aligned_free(NULL);
    calls = 0;
    errno = 0;
    ok(_aligned_malloc(10, 24) == NULL && errno == EINVAL && calls == 1,
       "_aligned_malloc with an alignment that is not a power of two");
    return done();
}
