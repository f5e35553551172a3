/* codepages.c - MultiByteToWideChar, WideCharToMultiByte, GetCPInfo,
 * IsDBCSLeadByteEx, IsValidCodePage for UTF-8, 1252, 437, 850 and the
 * double-byte pages 932, 936, 949, 950. Expected values from the
 * Microsoft documentation (the functions' pages; "Code Page
 * Identifiers") and the code pages Microsoft published (unicode.org
 * VENDORS/MICSFT): e.g. 932's 82 A0 is U+3042, 936's C4 E3 is U+4F60. */
#include <windows.h>
#include "tap.h"

int main(void)
{
    plan(33);
    WCHAR w[16];
    char b[16];
    BOOL used = FALSE;
    int n;

    is_int(GetACP(), 1252, "GetACP is 1252");
    is_int(GetOEMCP(), 437, "GetOEMCP is 437");
    ok(IsValidCodePage(65001) && IsValidCodePage(1252) && IsValidCodePage(437) && IsValidCodePage(850),
       "UTF-8, 1252, 437 and 850 are valid");
    ok(IsValidCodePage(932) && IsValidCodePage(936) && IsValidCodePage(949) && IsValidCodePage(950),
       "932, 936, 949 and 950 are valid");
    ok(!IsValidCodePage(12345), "12345 is not");

    /* UTF-8. */
    n = MultiByteToWideChar(CP_UTF8, 0, "h\xc3\xa9\xe2\x9c\x93", 6, w, 16);
    ok(n == 3 && w[0] == 'h' && w[1] == 0xE9 && w[2] == 0x2713, "UTF-8 to UTF-16 (%d)", n);
    SetLastError(0);
    n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, "a\xff", 2, w, 16);
    ok(n == 0 && GetLastError() == ERROR_NO_UNICODE_TRANSLATION,
       "an invalid byte with MB_ERR_INVALID_CHARS: ERROR_NO_UNICODE_TRANSLATION (%lu)", GetLastError());
    n = MultiByteToWideChar(CP_UTF8, 0, "a\xff", 2, w, 16);
    ok(n == 2 && w[1] == 0xFFFD, "without it: U+FFFD (%d, %#x)", n, w[1]);
    SetLastError(0);
    ok(MultiByteToWideChar(CP_UTF8, MB_PRECOMPOSED, "a", 1, w, 16) == 0 && GetLastError() == ERROR_INVALID_FLAGS,
       "UTF-8 with MB_PRECOMPOSED: ERROR_INVALID_FLAGS (%lu)", GetLastError());
    SetLastError(0);
    ok(WideCharToMultiByte(CP_UTF8, WC_NO_BEST_FIT_CHARS, L"a", 1, b, 16, NULL, NULL) == 0
           && GetLastError() == ERROR_INVALID_FLAGS,
       "UTF-8 with WC_NO_BEST_FIT_CHARS: ERROR_INVALID_FLAGS (%lu)", GetLastError());
    SetLastError(0);
    ok(WideCharToMultiByte(CP_UTF8, 0, L"a", 1, b, 16, "?", NULL) == 0 && GetLastError() == ERROR_INVALID_PARAMETER,
       "UTF-8 with a default character: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    SetLastError(0);
    ok(WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, L"\xd800", 1, b, 16, NULL, NULL) == 0
           && GetLastError() == ERROR_NO_UNICODE_TRANSLATION,
       "a lone surrogate with WC_ERR_INVALID_CHARS: ERROR_NO_UNICODE_TRANSLATION (%lu)", GetLastError());
    is_int(MultiByteToWideChar(CP_UTF8, 0, "abc", -1, NULL, 0), 4, "the size asked with -1 counts the NUL");
    SetLastError(0);
    ok(MultiByteToWideChar(CP_UTF8, 0, "abc", 3, w, 2) == 0 && GetLastError() == ERROR_INSUFFICIENT_BUFFER,
       "a short buffer: ERROR_INSUFFICIENT_BUFFER (%lu)", GetLastError());

    /* Single-byte pages. */
    n = MultiByteToWideChar(1252, 0, "\x80\xe9", 2, w, 16);
    ok(n == 2 && w[0] == 0x20AC && w[1] == 0xE9, "1252: 80 is the euro sign, E9 is e acute");
    used = FALSE;
    n = WideCharToMultiByte(1252, WC_NO_BEST_FIT_CHARS, L"\x4e2d", 1, b, 16, "*", &used);
    ok(n == 1 && b[0] == '*' && used, "1252 cannot hold U+4E2D: the default character, used (%d)", n);
    n = MultiByteToWideChar(437, 0, "\xc4\xb3", 2, w, 16);
    ok(n == 2 && w[0] == 0x2500 && w[1] == 0x2502, "437: box drawing");
    n = MultiByteToWideChar(850, 0, "\x82\xd5", 2, w, 16);
    ok(n == 2 && w[0] == 0xE9 && w[1] == 0x131, "850: 82 is e acute, D5 dotless i");
    n = WideCharToMultiByte(850, 0, L"\xe9", 1, b, 16, NULL, NULL);
    ok(n == 1 && (unsigned char)b[0] == 0x82, "850: back");

    /* Double-byte pages. */
    n = MultiByteToWideChar(932, 0, "\x82\xa0\xb1" "A", 4, w, 16);
    ok(n == 3 && w[0] == 0x3042 && w[1] == 0xFF71 && w[2] == 'A', "932: hiragana A, half-width katakana A, ASCII");
    n = WideCharToMultiByte(932, 0, L"\x3042", 1, b, 16, NULL, NULL);
    ok(n == 2 && (unsigned char)b[0] == 0x82 && (unsigned char)b[1] == 0xA0, "932: back to 82 A0");
    SetLastError(0);
    ok(MultiByteToWideChar(932, MB_ERR_INVALID_CHARS, "\x82", 1, w, 16) == 0
           && GetLastError() == ERROR_NO_UNICODE_TRANSLATION,
       "932: a lead byte alone with MB_ERR_INVALID_CHARS: ERROR_NO_UNICODE_TRANSLATION (%lu)", GetLastError());
    ok(IsDBCSLeadByteEx(932, 0x81) && IsDBCSLeadByteEx(932, 0xE0) && !IsDBCSLeadByteEx(932, 'A')
           && !IsDBCSLeadByteEx(932, 0xA1),
       "932: lead bytes 81 and E0, not 41 or A1");
    CPINFO info;
    ok(GetCPInfo(932, &info) && info.MaxCharSize == 2, "GetCPInfo(932): MaxCharSize 2");
    ok(info.LeadByte[0] == 0x81 && info.LeadByte[1] == 0x9F && info.LeadByte[2] == 0xE0 && info.LeadByte[3] == 0xFC
           && info.LeadByte[4] == 0 && info.LeadByte[5] == 0,
       "lead byte ranges 81-9F, E0-FC");
    ok(GetCPInfo(1252, &info) && info.MaxCharSize == 1 && info.LeadByte[0] == 0, "GetCPInfo(1252): one byte");
    ok(GetCPInfo(CP_UTF8, &info) && info.MaxCharSize == 4, "GetCPInfo(65001): MaxCharSize 4");
    n = MultiByteToWideChar(936, 0, "\xc4\xe3\x80", 3, w, 16);
    ok(n == 2 && w[0] == 0x4F60 && w[1] == 0x20AC, "936: C4 E3 is U+4F60, 80 the euro sign");
    n = WideCharToMultiByte(936, 0, L"\x4f60", 1, b, 16, NULL, NULL);
    ok(n == 2 && (unsigned char)b[0] == 0xC4 && (unsigned char)b[1] == 0xE3, "936: back");
    n = MultiByteToWideChar(949, 0, "\xb0\xa1", 2, w, 16);
    ok(n == 1 && w[0] == 0xAC00, "949: B0 A1 is U+AC00");
    n = MultiByteToWideChar(950, 0, "\xa7\x41", 2, w, 16);
    ok(n == 1 && w[0] == 0x4F60, "950: A7 41 is U+4F60");
    used = FALSE;
    n = WideCharToMultiByte(950, 0, L"\x3042", 1, b, 16, NULL, &used);
    ok(n == 1 && b[0] == '?' && used, "950 has no hiragana: '?', used (%d)", n);
    ok(IsDBCSLeadByteEx(949, 0xB0) && IsDBCSLeadByteEx(950, 0xA7) && IsDBCSLeadByteEx(936, 0xC4),
       "lead bytes of 949, 950, 936");
    return done();
}
