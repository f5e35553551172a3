/*
 * cmdline.c - the command line a Windows process receives and how it is
 * parsed back into argv.
 *
 * The harness runs this program with exactly the arguments in ARGS below.
 * Windows passes a process one command-line string; the C runtime and
 * shell32!CommandLineToArgvW split it with the rules documented in
 * "Parsing C command-line arguments" and CommandLineToArgvW:
 *   - arguments are separated by spaces or tabs outside quotes;
 *   - 2n backslashes followed by '"' give n backslashes and toggle quoting;
 *   - 2n+1 backslashes followed by '"' give n backslashes and a literal '"';
 *   - backslashes not followed by '"' are literal;
 *   - argv[0] is special: it runs to the first space or tab, or to the
 *     closing quote when it starts with one, with no escape processing.
 * The expected command line is built here from the same rules, quoting an
 * argument only when it is empty or holds a space or tab.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <shellapi.h>

#include "tap.h"

/* Keep in step with CMDLINE_ARGS in tests/testbins.rs. */
static const char *const ARGS[] = {
    "plain",
    "with space",
    "quote\"inside",
    "back\\slash",
    "trail\\",
    "two\\\\\"q",
    "",
    "tab\ttab",
    "\"already\"",
    "dir with space\\",
    "a\\\\b",
};
#define NARGS ((int)(sizeof ARGS / sizeof ARGS[0]))

/* Appends arg to out, quoted so that the documented parse gives it back. */
static void append_quoted(char *out, const char *arg)
{
    int quote = arg[0] == '\0' || strpbrk(arg, " \t") != NULL;
    char *p = out + strlen(out);
    const char *s = arg;

    if (quote)
        *p++ = '"';
    for (;;) {
        size_t backslashes = 0, i;
        while (*s == '\\') {
            ++backslashes;
            ++s;
        }
        if (*s == '\0') {
            /* Before the closing quote, backslashes must be doubled. */
            for (i = 0; i < (quote ? 2 * backslashes : backslashes); ++i)
                *p++ = '\\';
            break;
        }
        if (*s == '"') {
            /* 2n+1 backslashes and a quote give n backslashes and '"'. */
            for (i = 0; i < 2 * backslashes + 1; ++i)
                *p++ = '\\';
        } else {
            for (i = 0; i < backslashes; ++i)
                *p++ = '\\';
        }
        *p++ = *s++;
    }
    if (quote)
        *p++ = '"';
    *p = '\0';
}

/* Returns the end of argv[0] in a command line, by the argv[0] rule. */
static const char *skip_program_name(const char *cmd, char *name, size_t size)
{
    size_t n = 0;
    int quoted = 0;

    for (; *cmd; ++cmd) {
        if (*cmd == '"') {
            quoted = !quoted;
            continue;
        }
        if (!quoted && (*cmd == ' ' || *cmd == '\t'))
            break;
        if (n + 1 < size)
            name[n++] = *cmd;
    }
    name[n] = '\0';
    return cmd;
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && _stricmp(s + ls - lx, suffix) == 0;
}

int main(int argc, char **argv)
{
    char expected_tail[1024] = "";
    char name[MAX_PATH];
    char path[MAX_PATH];
    const char *cmd = GetCommandLineA();
    const char *tail;
    LPWSTR *wargv;
    int wargc = -1;
    DWORD len;
    int same;
    int i;

    plan(8 + 2 * NARGS);

    diag("GetCommandLineA: %s", cmd);
    is_int(__argc, NARGS + 1, "__argc counts argv[0] and the %d arguments", NARGS);
    /* mingw's start-up code hands main a copy of msvcrt's __argv. */
    same = argc == __argc;
    for (i = 0; same && i < argc; ++i)
        same = strcmp(argv[i], __argv[i]) == 0;
    ok(same, "main's argc/argv hold the same strings as __argc/__argv");
    for (i = 0; i < NARGS; ++i) {
        const char *got = i + 1 < __argc ? __argv[i + 1] : NULL;
        is_str(got, ARGS[i], "__argv[%d]", i + 1);
    }

    ok(__argc > 0 && ends_with_ci(__argv[0], "cmdline.exe"), "argv[0] ends with cmdline.exe");

    /* The C runtime's argv[0] is the first token of the command line. */
    tail = skip_program_name(cmd, name, sizeof name);
    is_str(name, __argv[0], "argv[0] is the command line's program name");

    /* The rest is each argument, quoted by the documented rules, after a
     * single space. */
    for (i = 0; i < NARGS; ++i) {
        strcat(expected_tail, " ");
        append_quoted(expected_tail, ARGS[i]);
    }
    is_str(tail, expected_tail, "command line after argv[0] quotes each argument minimally");

    /* shell32 parses the same line into the same list. */
    wargv = CommandLineToArgvW(GetCommandLineW(), &wargc);
    is_int(wargc, NARGS + 1, "CommandLineToArgvW finds %d arguments", NARGS + 1);
    for (i = 0; i < NARGS; ++i) {
        char narrow[256] = "";
        if (wargv && i + 1 < wargc)
            WideCharToMultiByte(CP_ACP, 0, wargv[i + 1], -1, narrow, sizeof narrow, NULL, NULL);
        is_str(narrow, ARGS[i], "CommandLineToArgvW argv[%d]", i + 1);
    }
    LocalFree(wargv);

    /* GetModuleFileName(NULL) is the fully qualified path of the exe. */
    len = GetModuleFileNameA(NULL, path, sizeof path);
    diag("GetModuleFileNameA: %s", path);
    ok(len > 3 && len == strlen(path) &&
           ((path[1] == ':' && path[2] == '\\') || (path[0] == '\\' && path[1] == '\\')),
       "GetModuleFileNameA(NULL) is an absolute path");
    ok(ends_with_ci(path, "\\cmdline.exe"), "GetModuleFileNameA(NULL) ends with \\cmdline.exe");

    return done();
}
