/*
 * job_strings.c - shlwapi's string search and comparison helpers as
 * distlib's launcher uses them (StrStrIW) and their neighbours, against
 * Windows' documented behaviour.
 */
#include <windows.h>
#include <shlwapi.h>
#include "tap.h"

int main(void)
{
    plan(21);
    const WCHAR *s = L"C:\\Python\\Scripts\\pip-script.py";
    ok(StrStrIW(s, L"SCRIPTS") == s + 10, "StrStrIW finds a match in another case");
    ok(StrStrIW(s, L"script.PY") == s + 22, "StrStrIW finds a later match");
    ok(StrStrIW(s, L"python.exe") == NULL, "StrStrIW: no match is NULL");
    ok(StrStrIW(s, L"") == NULL, "StrStrIW: an empty search string is NULL");
    ok(StrStrIW(NULL, L"a") == NULL && StrStrIW(s, NULL) == NULL, "StrStrIW: NULL strings are NULL");
    const WCHAR *latin = L"caf\x00c9 au lait";
    ok(StrStrIW(latin, L"\x00e9 AU") == latin + 3, "StrStrIW folds Latin-1 letters (e acute)");
    ok(StrStrW(s, L"scripts") == NULL, "StrStrW is case-sensitive");
    ok(StrStrW(s, L"Scripts") == s + 10, "StrStrW finds an exact match");

    const char *a = "#!C:\\Python\\python.exe";
    ok(StrStrIA(a, "PYTHON.EXE") == a + 12, "StrStrIA finds a match in another case");
    ok(StrStrIA(a, "pythonw") == NULL, "StrStrIA: no match is NULL");
    ok(StrStrIA(a, "") == NULL, "StrStrIA: an empty search string is NULL");
    ok(StrStrA(a, "python") == a + 12, "StrStrA: the first exact match");
    ok(StrStrA(a, "PYTHON") == NULL, "StrStrA is case-sensitive");

    ok(StrChrW(s, L'\\') == s + 2, "StrChrW: the first backslash");
    ok(StrChrW(s, L'Q') == NULL, "StrChrW: no match is NULL");
    ok(StrChrIW(s, L'p') == s + 3, "StrChrIW: the first p or P");
    ok(StrRChrW(s, NULL, L'\\') == s + 17, "StrRChrW: the last backslash");
    ok(StrRChrW(s, s + 10, L'\\') == s + 9, "StrRChrW: the last before the end pointer");

    ok(StrCmpIW(L"Hello", L"hELLO") == 0, "StrCmpIW: equal ignoring case");
    ok(StrCmpIW(L"apple", L"Banana") < 0, "StrCmpIW: ordered ignoring case");
    ok(StrCmpNIW(L"PIP-script", L"pip-other", 4) == 0, "StrCmpNIW compares only N characters");
    return done();
}
