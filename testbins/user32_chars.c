/*
 * user32_chars.c - user32's character helpers as documented: CharUpper/
 * CharLower on strings and on a single character in the pointer,
 * CharUpperBuff/CharLowerBuff, CharNext/CharPrev (W, A, ExA with a
 * double-byte code page).
 */
#include <windows.h>
#include "tap.h"

int main(void)
{
    plan(14);
    WCHAR s[] = L"Hello, \x00e9t\x00e9!";
    ok(CharUpperW(s) == s && !wcscmp(s, L"HELLO, \x00c9T\x00c9!"), "CharUpperW maps a string in place");
    ok(CharLowerW(s) == s && !wcscmp(s, L"hello, \x00e9t\x00e9!"), "CharLowerW maps it back");
    ok((ULONG_PTR)CharUpperW((LPWSTR)(ULONG_PTR)L'q') == L'Q', "a character in the pointer's low word comes back mapped");
    ok((ULONG_PTR)CharLowerW((LPWSTR)(ULONG_PTR)0x00C9) == 0x00E9, "also for a non-ASCII character");
    WCHAR b[] = L"abcdef";
    is_int(CharUpperBuffW(b, 3), 3, "CharUpperBuffW maps the count given");
    ok(!wcscmp(b, L"ABCdef"), "and nothing past it");
    is_int(CharLowerBuffW(b, 2), 2, "CharLowerBuffW");
    ok(!wcscmp(b, L"abCdef"), "lower-cases the first two");
    WCHAR w[] = L"ab";
    ok(CharNextW(w) == w + 1 && CharNextW(w + 2) == w + 2, "CharNextW stops at the terminating NUL");
    ok(CharPrevW(w, w + 2) == w + 1 && CharPrevW(w, w) == w, "CharPrevW never goes before the start");
    char a[] = "xyz";
    ok(CharNextA(a) == a + 1 && CharPrevA(a, a + 2) == a + 1, "CharNextA/CharPrevA in a single-byte code page");
    /* Shift-JIS (932): 0x82 0xA0 is one character; 0x41 is 'A'. */
    char sj[] = "\x82\xa0\x41\x82\xa0";
    ok(CharNextExA(932, sj, 0) == sj + 2, "CharNextExA skips a lead byte and its trail byte");
    ok(CharPrevExA(932, sj, sj + 5, 0) == sj + 3, "CharPrevExA finds the start of a double-byte character");
    ok(CharPrevExA(932, sj, sj + 2, 0) == sj, "and the one before a single-byte character");
    return done();
}
