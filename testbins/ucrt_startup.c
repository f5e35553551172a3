/*
 * ucrt_startup.c - what the UCRT's start-up interface hands a program:
 * argc/argv/envp against __argc/__argv/_environ and the initial
 * environment, argv/environment configuration, _set_fmode, new mode,
 * onexit tables, the exception filter of main's caller, per-thread locale
 * mode, _splitpath/_makepath, errno accessors. Built against ucrtbase
 * (tests/ucrt.rs runs it with arguments "one" "two words" and
 * UCRT_TEST_VAR=forty-two in the environment).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <process.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include "tap.h"

/* The start-up interface (corecrt_startup.h; not all in mingw's headers). */
#include <corecrt_startup.h>
typedef _onexit_table_t onexit_table;
int __cdecl _set_new_mode(int mode);
int __cdecl _query_new_mode(void);
int __cdecl _configure_narrow_argv(int mode);
char *__cdecl _get_narrow_winmain_command_line(void);
wchar_t *__cdecl _get_wide_winmain_command_line(void);
int __cdecl _initialize_narrow_environment(void);
char **__cdecl _get_initial_narrow_environment(void);
int __cdecl _seh_filter_exe(unsigned long code, struct _EXCEPTION_POINTERS *p);
int __cdecl _seh_filter_dll(unsigned long code, struct _EXCEPTION_POINTERS *p);

static int handler_calls;
static void handler(const wchar_t *e, const wchar_t *f, const wchar_t *file, unsigned l, uintptr_t r)
{
    (void)e; (void)f; (void)file; (void)l; (void)r;
    ++handler_calls;
}

static char order[16];
static onexit_table table;
/* _onexit_t functions (the table calls them as void(void)). */
static int fa(void) { strcat(order, "a"); return 0; }
static int fb(void) { strcat(order, "b"); return 0; }
static int fd(void) { strcat(order, "d"); return 0; }
static int fc(void)
{
    strcat(order, "c");
    _register_onexit_function(&table, fd); /* registered while running */
    return 0;
}

static int last_signal, last_fpe;
static void on_segv(int sig) { last_signal = sig; }
static void on_fpe(int sig, int code) { last_signal = sig; last_fpe = code; }

int main(int argc, char **argv, char **envp)
{
    plan(42);
    _set_invalid_parameter_handler(handler);

    /* Arguments and environment. */
    is_int(argc, 3, "argc");
    is_int(__argc, argc, "__argc is argc");
    ok(!strcmp(__argv[1], argv[1]) && !strcmp(__argv[2], argv[2]), "__argv holds the arguments");
    is_str(argv[1], "one", "argv[1]");
    is_str(argv[2], "two words", "argv[2] keeps its quoted space");
    ok(argv[3] == NULL, "argv ends with NULL");
    int found = 0;
    for (char **e = envp; *e; e++)
        if (!strcmp(*e, "UCRT_TEST_VAR=forty-two"))
            found = 1;
    ok(found, "envp holds UCRT_TEST_VAR=forty-two");
    found = 0;
    for (char **e = _get_initial_narrow_environment(); *e; e++)
        if (!strcmp(*e, "UCRT_TEST_VAR=forty-two"))
            found = 1;
    ok(found, "so does _get_initial_narrow_environment()");
    ok(_get_initial_narrow_environment() == _environ, "which is _environ until it changes");
    is_str(getenv("UCRT_TEST_VAR"), "forty-two", "getenv");
    is_str(_get_narrow_winmain_command_line(), "one \"two words\"",
           "WinMain's command line: after the program name and its blanks");
    ok(!wcscmp(_get_wide_winmain_command_line(), L"one \"two words\""), "... and its wide form");
    is_int(_configure_narrow_argv(1), 0, "_configure_narrow_argv(_crt_argv_unexpanded_arguments)");
    is_int(_initialize_narrow_environment(), 0, "_initialize_narrow_environment");
    handler_calls = 0;
    is_int(_configure_narrow_argv(7), EINVAL, "_configure_narrow_argv of a bad mode is EINVAL");
    is_int(handler_calls, 1, "... after the invalid-parameter handler");

    /* _set_fmode / _get_fmode, new mode. */
    int mode = -1;
    ok(_get_fmode(&mode) == 0 && mode == *__p__fmode(), "_get_fmode reads _fmode");
    is_int(_set_fmode(_O_BINARY), 0, "_set_fmode(_O_BINARY)");
    ok(_get_fmode(&mode) == 0 && mode == _O_BINARY, "_get_fmode sees it");
    handler_calls = 0;
    ok(_set_fmode(0x1234) == EINVAL && handler_calls == 1, "_set_fmode of a bad mode");
    _set_fmode(_O_TEXT);
    is_int(_query_new_mode(), 0, "new mode starts at 0");
    ok(_set_new_mode(1) == 0 && _query_new_mode() == 1, "_set_new_mode returns the old mode");
    _set_new_mode(0);

    /* Onexit tables: reverse order, functions added while running run too. */
    ok(_initialize_onexit_table(&table) == 0 && table._first == table._last, "empty table");
    _register_onexit_function(&table, fa);
    _register_onexit_function(&table, fb);
    _register_onexit_function(&table, fc);
    is_int(_execute_onexit_table(&table), 0, "_execute_onexit_table");
    is_str(order, "cdba", "last registered first, new ones included");
    ok(table._first == NULL && table._last == NULL, "the table is empty afterwards");

    /* The exception filter around main. */
    is_int(_seh_filter_exe(EXCEPTION_ACCESS_VIOLATION, NULL), EXCEPTION_CONTINUE_SEARCH,
           "no SIGSEGV handler: continue search");
    signal(SIGSEGV, on_segv);
    is_int(_seh_filter_exe(EXCEPTION_ACCESS_VIOLATION, NULL), EXCEPTION_CONTINUE_EXECUTION,
           "SIGSEGV handler: continue execution");
    is_int(last_signal, SIGSEGV, "... after calling it with SIGSEGV");
    is_int(_seh_filter_exe(EXCEPTION_ACCESS_VIOLATION, NULL), EXCEPTION_CONTINUE_SEARCH,
           "the handler was reset to SIG_DFL");
    signal(SIGFPE, (void (*)(int))on_fpe);
    is_int(_seh_filter_exe(EXCEPTION_FLT_DIVIDE_BY_ZERO, NULL), EXCEPTION_CONTINUE_EXECUTION,
           "SIGFPE handler for a float divide by zero");
    ok(last_signal == SIGFPE && last_fpe == 0x83, "... called with SIGFPE, _FPE_ZERODIVIDE");
    signal(SIGILL, SIG_IGN);
    is_int(_seh_filter_exe(EXCEPTION_ILLEGAL_INSTRUCTION, NULL), EXCEPTION_CONTINUE_EXECUTION,
           "SIG_IGN: continue execution");
    is_int(_seh_filter_exe(0xE06D7363, NULL), EXCEPTION_CONTINUE_SEARCH,
           "an exception with no signal: continue search");

    /* Per-thread locale mode. */
    is_int(_configthreadlocale(0), _DISABLE_PER_THREAD_LOCALE, "per-thread locale off at start");
    _configthreadlocale(_ENABLE_PER_THREAD_LOCALE);
    is_int(_configthreadlocale(0), _ENABLE_PER_THREAD_LOCALE, "_configthreadlocale enables it");

    /* Paths. */
    char drive[3], dir[256], fname[256], ext[256], path[260];
    _splitpath("c:\\sample\\crt\\makepath.c", drive, dir, fname, ext);
    ok(!strcmp(drive, "c:") && !strcmp(dir, "\\sample\\crt\\") && !strcmp(fname, "makepath") &&
           !strcmp(ext, ".c"),
       "_splitpath (the documented example)");
    _makepath(path, "c", "\\sample\\crt", "makepath", "c");
    is_str(path, "c:\\sample\\crt\\makepath.c", "_makepath (the documented example)");

    /* The program's path. */
    char *pgm = NULL;
    ok(_get_pgmptr(&pgm) == 0 && pgm && strlen(pgm) > 16 &&
           !_stricmp(pgm + strlen(pgm) - 16, "ucrt_startup.exe") && pgm[1] == ':',
       "_get_pgmptr is the program's full path");

    /* The class table <ctype.h>'s macros index. */
    const unsigned short *t = __pctype_func();
    ok(t['A'] == (_UPPER | _HEX | 0x100) && t['z'] == (_LOWER | 0x100) && t['\t'] == 0x68 &&
           t[' '] == (_SPACE | _BLANK) && t['7'] == (_DIGIT | _HEX) && t[0xE9] == 0 && t[-1] == 0,
       "__pctype_func: the \"C\" locale's classes");
    ok(_isctype('5', _DIGIT) && !_isctype('x', _DIGIT) && _isctype('x', _ALPHA), "_isctype");

    /* errno accessors. */
    int e = 0;
    _set_errno(ERANGE);
    ok(_get_errno(&e) == 0 && e == ERANGE && errno == ERANGE, "_set_errno/_get_errno");
    return done();
}
