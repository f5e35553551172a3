/*
 * ucrt_msvc_start.c - the start-up sequence of MSVC's console start code
 * (vcstartup's exe_common.inl, mainCRTStartup), with no mingw-w64 start
 * code in between: the entry point calls the UCRT as MSVC's does. Its
 * "pre-C initializer" sets the app type, file mode, commit mode and
 * argv mode, the locale and new modes, and the environment; _initterm_e
 * runs the C initializers and stops at the first failure; _initterm runs
 * the C++ ones; main gets __argc, __argv and the initial environment;
 * exit(main's result) runs the atexit functions. tests/ucrt.rs builds it
 * with -nostartfiles and compares stdout with
 * testbins/expected/ucrt_msvc_start.out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

typedef int(__cdecl *_PIFV)(void);
typedef void(__cdecl *_PVFV)(void);

int __cdecl _configure_narrow_argv(int mode);
int __cdecl _initialize_narrow_environment(void);
char **__cdecl _get_initial_narrow_environment(void);
void __cdecl _set_app_type(int type);
int *__cdecl __p__commode(void);
int __cdecl _set_new_mode(int mode);
int __cdecl _configthreadlocale(int mode);
int __cdecl _initterm_e(_PIFV *first, _PIFV *last);
void __cdecl _initterm(_PVFV *first, _PVFV *last);
int __cdecl _seh_filter_exe(unsigned long code, struct _EXCEPTION_POINTERS *p);
int __cdecl _crt_atexit(_PVFV f);

static int order;

static int __cdecl pre_c_initialization(void)
{
    _set_app_type(1);    /* _crt_console_app */
    _set_fmode(0x4000);  /* _O_TEXT */
    *__p__commode() = 0; /* no commit on flush */
    if (_configure_narrow_argv(1) != 0)
        return 255;
    _configthreadlocale(0);
    if (_initialize_narrow_environment() != 0)
        return 255;
    _set_new_mode(0);
    order = order * 10 + 1;
    return 0;
}

static int __cdecl c_init_two(void)
{
    order = order * 10 + 2;
    return 0;
}

static void __cdecl cxx_init(void)
{
    order = order * 10 + 3;
}

static void __cdecl at_exit_fn(void)
{
    printf("atexit function after main\n");
}

static int __cdecl failing_init(void) { return 42; }
static int __cdecl never_run(void) { order = -1; return 0; }

/* The __xi_a..__xi_z and __xc_a..__xc_z tables (NULL entries are skipped). */
static _PIFV c_initializers[] = {NULL, pre_c_initialization, NULL, c_init_two};
static _PVFV cxx_initializers[] = {cxx_init, NULL};
static _PIFV stopping[] = {failing_init, never_run};

static int app_main(int argc, char **argv, char **envp)
{
    printf("initializers ran in order %d\n", order);
    printf("argc=%d argv[1]=%s argv[2]=%s\n", argc, argv[1], argv[2]);
    int found = 0;
    for (char **e = envp; *e; e++)
        if (!strcmp(*e, "UCRT_TEST_VAR=start"))
            found = 1;
    printf("environment %s\n", found ? "found" : "missing");
    printf("_initterm_e stops at the first failure: %d, later ones run: %s\n",
           _initterm_e(stopping, stopping + 2), order == -1 ? "yes" : "no");
    _crt_atexit(at_exit_fn);
    return 3;
}

void __cdecl start(void)
{
    if (_initterm_e(c_initializers, c_initializers + 4) != 0)
        ExitProcess(255);
    _initterm(cxx_initializers, cxx_initializers + 2);
    int result = app_main(*__p___argc(), *__p___argv(), _get_initial_narrow_environment());
    exit(result);
}
