/*
 * ucrt_exit.c - the UCRT's exit paths, one per argv[1]: return from main,
 * exit, _exit, quick_exit, abort (with and without a SIGABRT handler and
 * _CALL_REPORTFAULT), the exe's TLS exit callback, a failed assert, and the default invalid-parameter handler. Prints
 * what ran, in order; tests/ucrt.rs compares stdout with
 * testbins/expected/ucrt_exit_<mode>.out and checks the exit status.
 */
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void say(const char *s)
{
    printf("%s\n", s);
    fflush(stdout);
}

static void first(void) { say("atexit first (runs last)"); }
static void second(void) { say("atexit second (runs first)"); }
static void quick1(void) { say("at_quick_exit 1"); }
static void quick2(void) { say("at_quick_exit 2"); }
/* The exe's TLS destructor runner, a PIMAGE_TLS_CALLBACK. */
static void __stdcall tls_exit(void *module, unsigned long reason, void *reserved)
{
    printf("TLS exit callback: module %p, reason %lu, reserved %p\n", module, reason, reserved);
    fflush(stdout);
}
void __cdecl _register_thread_local_exe_atexit_callback(void(__stdcall *)(void *, unsigned long, void *));

static void on_abort(int sig)
{
    printf("SIGABRT handler: %d\n", sig);
    fflush(stdout);
    _exit(6);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "return";
    atexit(first);
    atexit(second);
    at_quick_exit(quick1);
    at_quick_exit(quick2);
    say(mode);
    if (!strcmp(mode, "return"))
        return 7;
    if (!strcmp(mode, "exit")) {
        printf("buffered until exit");
        exit(9);
    }
    if (!strcmp(mode, "_exit")) {
        _exit(4);
    }
    if (!strcmp(mode, "quick_exit"))
        quick_exit(5);
    if (!strcmp(mode, "abort"))
        abort();
    if (!strcmp(mode, "abort_exit3")) {
        _set_abort_behavior(0, _CALL_REPORTFAULT);
        abort();
    }
    if (!strcmp(mode, "abort_handler")) {
        signal(SIGABRT, on_abort);
        abort();
    }
    if (!strcmp(mode, "raise")) {
        /* The default action: exit code 3, no message, no atexit. */
        raise(SIGTERM);
        say("not reached");
    }
    if (!strcmp(mode, "tls_callback")) {
        /* exit runs it before the atexit functions. */
        _register_thread_local_exe_atexit_callback(tls_exit);
        return 0;
    }
    if (!strcmp(mode, "assert")) {
        assert(argc == 100);
        say("not reached");
    }
    if (!strcmp(mode, "invalid")) {
        char buf[2];
        /* mingw-w64's start code installs a handler that returns: go back
           to the UCRT's default, which ends the process. */
        _set_invalid_parameter_handler(NULL);
        sprintf_s(buf, sizeof buf, "%s", "too long");
        say("not reached");
    }
    return 1;
}
