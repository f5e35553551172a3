/* console.c - the console, run two ways by tests/console.rs:
 *   console tty         on a pseudo-terminal (100 columns, 40 rows) that
 *                       the test types into: "typed line", "abcdef", then
 *                       Ctrl-C, each after the "# ready ..." line asking
 *                       for it;
 *   console redirected  with stdin and stdout redirected.
 * Expected behaviour from the Microsoft documentation (GetConsoleMode,
 * SetConsoleMode, WriteConsole, ReadConsole, GetConsoleScreenBufferInfo,
 * SetConsoleTextAttribute, SetConsoleCtrlHandler, HandlerRoutine,
 * AllocConsole, FreeConsole): the console functions fail with
 * ERROR_INVALID_HANDLE on a handle that is not a console (programs rely
 * on that to choose WriteFile); ReadConsole in line mode returns the line
 * with CR LF; ENABLE_ECHO_INPUT needs ENABLE_LINE_INPUT; a control handler
 * runs on a new thread. */
#include <windows.h>
#include <string.h>
#include "tap.h"

static HANDLE handled;
static volatile DWORD handler_thread, handler_event = 99;
static BOOL WINAPI handler(DWORD event)
{
    handler_event = event;
    handler_thread = GetCurrentThreadId();
    SetEvent(handled);
    return TRUE;
}

static int redirected(void)
{
    plan(12);
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE), in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0, n = 0;
    WCHAR w[8];
    CONSOLE_SCREEN_BUFFER_INFO info;
    SetLastError(0);
    ok(!GetConsoleMode(out, &mode) && GetLastError() == ERROR_INVALID_HANDLE,
       "GetConsoleMode of a redirected stdout: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    SetLastError(0);
    ok(!WriteConsoleW(out, L"x", 1, &n, NULL) && GetLastError() == ERROR_INVALID_HANDLE,
       "WriteConsoleW to it: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    SetLastError(0);
    ok(!WriteConsoleA(out, "x", 1, &n, NULL) && GetLastError() == ERROR_INVALID_HANDLE,
       "WriteConsoleA to it: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    SetLastError(0);
    ok(!ReadConsoleW(in, w, 8, &n, NULL) && GetLastError() == ERROR_INVALID_HANDLE,
       "ReadConsoleW of a redirected stdin: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    INPUT_RECORD rec;
    SetLastError(0);
    ok(!ReadConsoleInputW(in, &rec, 1, &n) && GetLastError() == ERROR_INVALID_HANDLE,
       "ReadConsoleInputW of it: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    SetLastError(0);
    ok(!GetConsoleScreenBufferInfo(out, &info) && GetLastError() == ERROR_INVALID_HANDLE,
       "GetConsoleScreenBufferInfo: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    SetLastError(0);
    ok(!SetConsoleTextAttribute(out, FOREGROUND_RED) && GetLastError() == ERROR_INVALID_HANDLE,
       "SetConsoleTextAttribute: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    SetLastError(0);
    ok(!SetConsoleMode(out, ENABLE_PROCESSED_OUTPUT) && GetLastError() == ERROR_INVALID_HANDLE,
       "SetConsoleMode: ERROR_INVALID_HANDLE (%lu)", GetLastError());
    ok(WriteFile(out, "# WriteFile works\r\n", 19, &n, NULL) && n == 19, "WriteFile to the same handle works");
    is_int(GetFileType(out), FILE_TYPE_PIPE, "stdout is a pipe");
    is_int(GetConsoleOutputCP(), 437, "the console output code page is the OEM one, 437");
    is_int(GetACP(), 1252, "the ANSI code page is 1252");
    return done();
}

static int tty(void)
{
    plan(51);
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE), in = GetStdHandle(STD_INPUT_HANDLE);
    DWORD mode = 0, n = 0;
    WCHAR w[64];
    char a[64];
    CONSOLE_SCREEN_BUFFER_INFO info;
    handled = CreateEventW(NULL, FALSE, FALSE, NULL);

    is_int(GetFileType(out), FILE_TYPE_CHAR, "stdout is a character device");
    ok(GetConsoleMode(out, &mode) && (mode & ENABLE_PROCESSED_OUTPUT), "GetConsoleMode(stdout): %#lx", mode);
    ok(GetConsoleMode(in, &mode) && (mode & (ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_PROCESSED_INPUT))
           == (ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_PROCESSED_INPUT),
       "the input mode starts with line input, echo and processed input: %#lx", mode);
    SetLastError(0);
    ok(!SetConsoleMode(in, ENABLE_ECHO_INPUT) && GetLastError() == ERROR_INVALID_PARAMETER,
       "echo without line input: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    GetConsoleMode(out, &mode);
    ok(SetConsoleMode(out, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING), "ENABLE_VIRTUAL_TERMINAL_PROCESSING");
    DWORD now = 0;
    ok(GetConsoleMode(out, &now) && (now & ENABLE_VIRTUAL_TERMINAL_PROCESSING), "is kept (%#lx)", now);
    SetLastError(0);
    ok(!SetConsoleMode(out, 0x1000) && GetLastError() == ERROR_INVALID_PARAMETER,
       "an unknown output mode bit: ERROR_INVALID_PARAMETER (%lu)", GetLastError());

    DWORD in_mode = 0, out_mode = 0, m1 = 1, m2 = 1;
    GetConsoleMode(in, &in_mode);
    GetConsoleMode(out, &out_mode);
    HANDLE conin = CreateFileA("CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE conout = CreateFileA("CONOUT$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    ok(GetConsoleMode(conin, &m1) && m1 == in_mode, "CONIN$ has the input mode (%#lx, %#lx)", m1, in_mode);
    ok(GetConsoleMode(conout, &m2) && m2 == out_mode, "CONOUT$ has the output mode (%#lx, %#lx)", m2, out_mode);
    CloseHandle(conin);
    CloseHandle(conout);
    ok(WriteConsoleW(out, L"# h\u00e9llo \u2713\n", 10, &n, NULL) && n == 10, "WriteConsoleW of non-ASCII text (%lu)", n);
    ok(GetConsoleScreenBufferInfo(out, &info), "GetConsoleScreenBufferInfo");
    is_int(info.srWindow.Right - info.srWindow.Left + 1, 100, "the window is the terminal's 100 columns");
    is_int(info.srWindow.Bottom - info.srWindow.Top + 1, 40, "and its 40 rows");
    ok(info.dwSize.X >= 100 && info.dwSize.Y >= 40, "the buffer is at least that big (%d x %d)", info.dwSize.X, info.dwSize.Y);
    is_int(info.wAttributes, FOREGROUND_RED | FOREGROUND_GREEN | FOREGROUND_BLUE, "the attributes start as grey on black");
    ok(SetConsoleTextAttribute(out, FOREGROUND_RED | FOREGROUND_INTENSITY), "SetConsoleTextAttribute(bright red)");
    WriteConsoleW(out, L"# RED\n", 6, &n, NULL);
    GetConsoleScreenBufferInfo(out, &info);
    is_int(info.wAttributes, FOREGROUND_RED | FOREGROUND_INTENSITY, "GetConsoleScreenBufferInfo reports them");
    ok(SetConsoleTextAttribute(out, FOREGROUND_BLUE | BACKGROUND_GREEN), "blue on green");
    WriteConsoleW(out, L"# BLUE", 6, &n, NULL);
    SetConsoleTextAttribute(out, FOREGROUND_RED | FOREGROUND_GREEN | FOREGROUND_BLUE);
    WriteConsoleW(out, L"\n", 1, &n, NULL);

    COORD largest = GetLargestConsoleWindowSize(out);
    ok(largest.X == 100 && largest.Y == 40, "GetLargestConsoleWindowSize: the terminal's (%d x %d)", largest.X, largest.Y);
    GetConsoleMode(out, &mode);
    ok(SetConsoleMode(out, mode & ~ENABLE_WRAP_AT_EOL_OUTPUT) && SetConsoleMode(out, mode),
       "wrapping at the end of lines off and on again");
    COORD at = {5, 2}, outside = {200, 0};
    ok(SetConsoleCursorPosition(out, at), "SetConsoleCursorPosition(5, 2)");
    SetLastError(0);
    ok(!SetConsoleCursorPosition(out, outside) && GetLastError() == ERROR_INVALID_PARAMETER,
       "a position outside the buffer: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    CONSOLE_CURSOR_INFO cursor = {0, TRUE};
    SetLastError(0);
    ok(!SetConsoleCursorInfo(out, &cursor) && GetLastError() == ERROR_INVALID_PARAMETER,
       "a cursor size of 0: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    cursor.dwSize = 50;
    cursor.bVisible = FALSE;
    ok(SetConsoleCursorInfo(out, &cursor), "hiding the cursor");
    memset(&cursor, 0, sizeof cursor);
    ok(GetConsoleCursorInfo(out, &cursor) && cursor.dwSize == 50 && !cursor.bVisible, "GetConsoleCursorInfo");
    cursor.bVisible = TRUE;
    SetConsoleCursorInfo(out, &cursor);
    ok(SetConsoleTitleW(L"casement title"), "SetConsoleTitleW");
    memset(w, 0, sizeof w);
    ok(GetConsoleTitleW(w, 64) == 14 && !wcscmp(w, L"casement title"), "GetConsoleTitleW gives it back");
    ok(SetConsoleOutputCP(CP_UTF8) && GetConsoleOutputCP() == CP_UTF8, "SetConsoleOutputCP(65001)");
    ok(WriteConsoleA(out, "# \xc3\xa9t\xc3\xa9\n", 8, &n, NULL) && n == 8, "WriteConsoleA of UTF-8 bytes (%lu)", n);

    printf("# ready for a line\n");
    fflush(stdout);
    memset(w, 0, sizeof w);
    ok(ReadConsoleW(in, w, 64, &n, NULL) && n == 12, "ReadConsoleW reads a line (%lu)", n);
    ok(!memcmp(w, L"typed line\r\n", 12 * sizeof(WCHAR)), "ending in CR LF");
    printf("# ready for a long line\n");
    fflush(stdout);
    memset(w, 0, sizeof w);
    ok(ReadConsoleW(in, w, 3, &n, NULL) && n == 3 && !memcmp(w, L"abc", 6), "a 3-character read takes 3 (%lu)", n);
    memset(a, 0, sizeof a);
    ok(ReadConsoleA(in, a, 64, &n, NULL) && n == 5 && !strcmp(a, "def\r\n"), "the next read the rest (%lu)", n);

    SetLastError(0);
    ok(!SetConsoleCtrlHandler(handler, FALSE) && GetLastError() == ERROR_INVALID_PARAMETER,
       "removing a handler never added: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(SetConsoleCtrlHandler(handler, TRUE), "SetConsoleCtrlHandler");
    printf("# ready for ctrl-c\n");
    fflush(stdout);
    ok(WaitForSingleObject(handled, 10000) == WAIT_OBJECT_0, "Ctrl-C on the terminal runs the handler");
    ok(handler_event == CTRL_C_EVENT && handler_thread != GetCurrentThreadId(),
       "with CTRL_C_EVENT, on another thread (%lu)", handler_event);
    handler_event = 99;
    ok(GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0), "GenerateConsoleCtrlEvent");
    ok(WaitForSingleObject(handled, 10000) == WAIT_OBJECT_0 && handler_event == CTRL_C_EVENT, "runs it too");
    handler_event = 99;
    printf("# ready for ctrl-break\n");
    fflush(stdout);
    ok(WaitForSingleObject(handled, 10000) == WAIT_OBJECT_0 && handler_event == CTRL_BREAK_EVENT,
       "the terminal's quit key (Ctrl-\\) is CTRL_BREAK_EVENT (%lu)", handler_event);

    DWORD events = 99;
    ok(FlushConsoleInputBuffer(in), "FlushConsoleInputBuffer");
    ok(GetNumberOfConsoleInputEvents(in, &events) && events == 0, "no input events yet (%lu)", events);
    printf("# ready for keys\n");
    fflush(stdout);
    INPUT_RECORD rec[8];
    DWORD got = 0;
    for (int i = 0; i < 8 && got < 4; i++) {
        DWORD k = 0;
        if (!ReadConsoleInputW(in, rec + got, 8 - got, &k))
            break;
        got += k;
    }
    ok(got >= 4, "ReadConsoleInputW: two keys, down and up (%lu events)", got);
    ok(rec[0].EventType == KEY_EVENT && rec[0].Event.KeyEvent.bKeyDown
           && rec[0].Event.KeyEvent.uChar.UnicodeChar == 'x' && rec[0].Event.KeyEvent.wVirtualKeyCode == 'X',
       "x pressed: VK 'X', character 'x'");
    ok(rec[1].EventType == KEY_EVENT && !rec[1].Event.KeyEvent.bKeyDown && rec[1].Event.KeyEvent.wVirtualKeyCode == 'X',
       "x released");
    ok(rec[2].Event.KeyEvent.bKeyDown && rec[2].Event.KeyEvent.wVirtualKeyCode == VK_UP,
       "the up arrow: VK_UP (%#x)", rec[2].Event.KeyEvent.wVirtualKeyCode);
    printf("# ready for an ANSI key\n");
    fflush(stdout);
    got = 0;
    ok(ReadConsoleInputA(in, rec, 8, &got) && got >= 1 && rec[0].Event.KeyEvent.uChar.AsciiChar == 'q',
       "ReadConsoleInputA: 'q' (%lu events)", got);

    SetLastError(0);
    ok(!AllocConsole() && GetLastError() == ERROR_ACCESS_DENIED,
       "AllocConsole with a console: ERROR_ACCESS_DENIED (%lu)", GetLastError());
    ok(FreeConsole(), "FreeConsole");
    SetLastError(0);
    ok(!FreeConsole() && GetLastError() == ERROR_INVALID_PARAMETER,
       "FreeConsole without one: ERROR_INVALID_PARAMETER (%lu)", GetLastError());
    ok(AllocConsole(), "AllocConsole after it");
    return done();
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "redirected"))
        return redirected();
    return tty();
}
