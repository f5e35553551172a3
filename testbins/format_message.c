/*
 * format_message.c - FormatMessageA/W: system message texts, message
 * strings with inserts and printf specs, escapes, argument arrays and
 * va_lists, allocated buffers, line width, and the documented failures.
 */
#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tap.h"

static char buf[1024];

static const char *sys(DWORD code)
{
    buf[0] = 0;
    if (!FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                        MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), buf, sizeof buf, NULL))
        snprintf(buf, sizeof buf, "(failed, error %lu)", GetLastError());
    return buf;
}

static const char *from_array(const char *fmt, DWORD_PTR *args)
{
    buf[0] = 0;
    if (!FormatMessageA(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_ARGUMENT_ARRAY, fmt, 0, 0, buf,
                        sizeof buf, (va_list *)args))
        snprintf(buf, sizeof buf, "(failed, error %lu)", GetLastError());
    return buf;
}

static const char *from_va(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf[0] = 0;
    if (!FormatMessageA(FORMAT_MESSAGE_FROM_STRING, fmt, 0, 0, buf, sizeof buf, &ap))
        snprintf(buf, sizeof buf, "(failed, error %lu)", GetLastError());
    va_end(ap);
    return buf;
}

static const char *flags_string(DWORD flags, const char *fmt)
{
    buf[0] = 0;
    if (!FormatMessageA(FORMAT_MESSAGE_FROM_STRING | flags, fmt, 0, 0, buf, sizeof buf, NULL))
        snprintf(buf, sizeof buf, "(failed, error %lu)", GetLastError());
    return buf;
}

static void system_texts(void)
{
    static const struct {
        DWORD code;
        const char *text;
    } texts[] = {
        {0, "The operation completed successfully.\r\n"},
        {1, "Incorrect function.\r\n"},
        {2, "The system cannot find the file specified.\r\n"},
        {3, "The system cannot find the path specified.\r\n"},
        {4, "The system cannot open the file.\r\n"},
        {5, "Access is denied.\r\n"},
        {6, "The handle is invalid.\r\n"},
        {8, "Not enough memory resources are available to process this command.\r\n"},
        {13, "The data is invalid.\r\n"},
        {14, "Not enough memory resources are available to complete this operation.\r\n"},
        {15, "The system cannot find the drive specified.\r\n"},
        {17, "The system cannot move the file to a different disk drive.\r\n"},
        {18, "There are no more files.\r\n"},
        {32, "The process cannot access the file because it is being used by another process.\r\n"},
        {33, "The process cannot access the file because another process has locked a portion of "
             "the file.\r\n"},
        {80, "The file exists.\r\n"},
        {87, "The parameter is incorrect.\r\n"},
        {109, "The pipe has been ended.\r\n"},
        {111, "The file name is too long.\r\n"},
        {112, "There is not enough space on the disk.\r\n"},
        {120, "This function is not supported on this system.\r\n"},
        {122, "The data area passed to a system call is too small.\r\n"},
        {123, "The filename, directory name, or volume label syntax is incorrect.\r\n"},
        {145, "The directory is not empty.\r\n"},
        {161, "The specified path is invalid.\r\n"},
        {183, "Cannot create a file when that file already exists.\r\n"},
        {206, "The filename or extension is too long.\r\n"},
        {231, "All pipe instances are busy.\r\n"},
        {232, "The pipe is being closed.\r\n"},
        {233, "No process is on the other end of the pipe.\r\n"},
        {234, "More data is available.\r\n"},
        {267, "The directory name is invalid.\r\n"},
        {995, "The I/O operation has been aborted because of either a thread exit or an "
              "application request.\r\n"},
        {997, "Overlapped I/O operation is in progress.\r\n"},
        {1168, "Element not found.\r\n"},
    };
    for (unsigned i = 0; i < sizeof texts / sizeof texts[0]; i++)
        is_str(sys(texts[i].code), texts[i].text, "system message %lu", texts[i].code);

    /* The return value counts the characters stored, without the NUL. */
    is_int(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 5, 0, buf, sizeof buf, NULL), 19,
           "the count of \"Access is denied.\\r\\n\"");

    SetLastError(0xdeadbeef);
    DWORD r = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             0x1234567, 0, buf, sizeof buf, NULL);
    ok(r == 0 && GetLastError() == ERROR_MR_MID_NOT_FOUND,
       "an unknown code: ERROR_MR_MID_NOT_FOUND (r=%lu, error %lu)", r, GetLastError());

    SetLastError(0xdeadbeef);
    r = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 2, MAKELANGID(LANG_JAPANESE, SUBLANG_DEFAULT),
                       buf, sizeof buf, NULL);
    ok(r == 0 && GetLastError() == ERROR_RESOURCE_LANG_NOT_FOUND,
       "a language without messages: ERROR_RESOURCE_LANG_NOT_FOUND (r=%lu, error %lu)", r,
       GetLastError());
    is_str(sys(2), "The system cannot find the file specified.\r\n", "English (US) is found");

    /* Too small a buffer. */
    char small[8];
    SetLastError(0xdeadbeef);
    r = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, 5, 0, small, sizeof small, NULL);
    ok(r == 0 && GetLastError() == ERROR_INSUFFICIENT_BUFFER,
       "buffer too small: ERROR_INSUFFICIENT_BUFFER (r=%lu, error %lu)", r, GetLastError());

    /* Wide, allocated with LocalAlloc. */
    WCHAR *w = NULL;
    r = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER, NULL, 87, 0,
                       (WCHAR *)&w, 0, NULL);
    ok(r == 29 && w && !wcscmp(w, L"The parameter is incorrect.\r\n"),
       "FormatMessageW allocates the message (r=%lu)", r);
    ok(w && LocalSize(w) >= 30 * sizeof(WCHAR), "the block holds the text and NUL");
    ok(w && LocalFree(w) == NULL, "LocalFree frees it");
    char *a = NULL;
    r = FormatMessageA(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_ALLOCATE_BUFFER, "abc", 0, 0,
                       (char *)&a, 100, NULL);
    ok(r == 3 && a && !strcmp(a, "abc") && LocalSize(a) >= 100,
       "nSize is the minimum to allocate (r=%lu)", r);
    LocalFree(a);

    /* No message tables in modules: their absence is a failure. */
    SetLastError(0xdeadbeef);
    r = FormatMessageA(FORMAT_MESSAGE_FROM_HMODULE, GetModuleHandleA(NULL), 1, 0, buf, sizeof buf,
                       NULL);
    ok(r == 0 && GetLastError() == ERROR_RESOURCE_TYPE_NOT_FOUND,
       "a module without a message table: ERROR_RESOURCE_TYPE_NOT_FOUND (error %lu)",
       GetLastError());
    r = FormatMessageA(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_FROM_SYSTEM, GetModuleHandleA(NULL),
                       5, 0, buf, sizeof buf, NULL);
    ok(r == 19, "FROM_HMODULE | FROM_SYSTEM falls back to the system table (r=%lu)", r);
}

static void inserts(void)
{
    DWORD_PTR args[] = {(DWORD_PTR) "one", (DWORD_PTR) "two", 42, (DWORD_PTR)-5};
    is_str(from_array("%1 and %2", args), "one and two", "string inserts");
    is_str(from_array("%2 %1 %2", args), "two one two", "inserts in any order, repeated");
    is_str(from_array("[%3!d!] [%4!d!] [%3!04x!] [%3!-5u!] [%3!5X!]", args),
           "[42] [-5] [002a] [42   ] [   2A]", "printf specs");
    is_str(from_array("[%1!5s!] [%1!-5s!] [%2!.2s!]", args), "[  one] [one  ] [tw]",
           "string widths and precision");
    DWORD_PTR star[] = {6, (DWORD_PTR) "ab"};
    is_str(from_array("[%1!*s!]", star), "[    ab]", "a * width reads the next slot");
    DWORD_PTR big[] = {0x123456789ULL};
    is_str(from_array("%1!I64x! %1!x!", big), "123456789 23456789", "I64 and 32-bit values");
    is_str(from_array("%1!c!%2!c!", (DWORD_PTR[]){'h', 'i'}), "hi", "characters");
    is_str(from_va("%1 is %2!d! years", "Bob", 42), "Bob is 42 years", "a va_list");
    DWORD_PTR wide[] = {(DWORD_PTR)L"wide"};
    is_str(from_array("%1!S!", wide), "wide", "%%S in FormatMessageA is a wide string");
    is_str(from_array("%1%2%3!d!%4!d!%1%2%3!d!%4!d!%1%2", args),
           "onetwo42-5onetwo42-5onetwo", "many inserts");
    DWORD_PTR ten[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, (DWORD_PTR) "tenth"};
    is_str(from_array("%10", ten), "tenth", "two-digit insert numbers");

    /* Escapes. */
    is_str(from_array("a%%b%nc%td% e%r", args), "a%b\r\nc\td e\r", "%%%%, %%n, %%t, %%space, %%r");
    is_str(from_array("a%. %!", args), "a. !", "%%. and %%!");
    is_str(from_array("stop%0here", args), "stop", "%%0 ends the message");
    is_str(from_array("line\r\nbreak", args), "line\r\nbreak", "line breaks kept without a width");

    /* FORMAT_MESSAGE_IGNORE_INSERTS passes inserts through. */
    is_str(flags_string(FORMAT_MESSAGE_IGNORE_INSERTS, "x %1 %2!d! y"), "x %1 %2!d! y",
           "IGNORE_INSERTS copies inserts");

    /* Inserts without arguments. */
    SetLastError(0xdeadbeef);
    DWORD r = FormatMessageA(FORMAT_MESSAGE_FROM_STRING, "%1", 0, 0, buf, sizeof buf, NULL);
    ok(r == 0 && GetLastError() == ERROR_INVALID_PARAMETER,
       "inserts without arguments: ERROR_INVALID_PARAMETER (error %lu)", GetLastError());

    /* FormatMessageW: %s is wide there. */
    WCHAR wbuf[64];
    DWORD_PTR wargs[] = {(DWORD_PTR)L"W", (DWORD_PTR) "A"};
    r = FormatMessageW(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_ARGUMENT_ARRAY, L"%1+%2!S!", 0, 0,
                       wbuf, 64, (va_list *)wargs);
    ok(r == 3 && !wcscmp(wbuf, L"W+A"), "FormatMessageW: %%s wide, %%S narrow (r=%lu)", r);
}

static void widths(void)
{
    /* FORMAT_MESSAGE_MAX_WIDTH_MASK: regular line breaks become spaces,
     * hard-coded ones (%n) stay, no new breaks. */
    is_str(flags_string(FORMAT_MESSAGE_MAX_WIDTH_MASK, "one\r\ntwo%nthree"), "one two\r\nthree",
           "MAX_WIDTH_MASK");
    buf[0] = 0;
    FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_MAX_WIDTH_MASK, NULL, 87, 0, buf,
                   sizeof buf, NULL);
    is_str(buf, "The parameter is incorrect. ", "a system message on one line");
    /* A width: lines broken at white space. */
    is_str(flags_string(10, "aaaa bbbb cccc dddd"), "aaaa bbbb\r\ncccc dddd", "width 10");
}

int main(void)
{
    system_texts();
    inserts();
    widths();
    return done();
}
