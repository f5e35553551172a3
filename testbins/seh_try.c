/*
 * seh_try.c - C structured exception handling as compilers emit it:
 * __try / __except / __finally scope tables run by __C_specific_handler.
 *
 * Built with clang for the MSVC target (the one whose __try emits real
 * scope tables) and linked with mingw-w64; hence no Windows headers and a
 * small TAP printer of its own.
 */
int printf(const char *, ...);
int fflush(void *);
unsigned long _exception_code(void);
void *_exception_info(void);
int _abnormal_termination(void);
__declspec(dllimport) void __stdcall RaiseException(unsigned long, unsigned long, unsigned long, const unsigned long long *);

#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
#define EXCEPTION_CONTINUE_EXECUTION (-1)
#define EXCEPTION_ACCESS_VIOLATION 0xC0000005UL
#define EXCEPTION_INT_DIVIDE_BY_ZERO 0xC0000094UL
#define EXCEPTION_STACK_OVERFLOW 0xC00000FDUL

static int tests, failed;
static void ok(int pass, const char *what)
{
    tests++;
    if (!pass)
        failed++;
    printf("%s %d - %s\n", pass ? "ok" : "not ok", tests, what);
    fflush(0);
}

static char trail[64];
static int ntrail;
static void mark(char c) { trail[ntrail++] = c; trail[ntrail] = 0; }
static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

__declspec(noinline) static void poke(volatile int *p) { *p = 1; }
/* A real idiv: a C division by zero is undefined and may be compiled away. */
__declspec(noinline) static int divide(int a, int b)
{
    int q;
    __asm__ volatile("cltd\n\tidivl %2" : "=a"(q) : "a"(a), "r"(b) : "edx");
    return q;
}

__declspec(noinline) static int access_violation(void)
{
    __try {
        poke((int *)0x18);
        return 0;
    } __except (_exception_code() == EXCEPTION_ACCESS_VIOLATION ? EXCEPTION_EXECUTE_HANDLER : EXCEPTION_CONTINUE_SEARCH) {
        return 1;
    }
}

__declspec(noinline) static unsigned long code_in_except(void)
{
    __try {
        divide(1, 0);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        return _exception_code();
    }
    return 0;
}

/* A filter that declines, then an outer one that takes it. */
__declspec(noinline) static void inner_declines(void)
{
    __try {
        poke(0);
    } __except (mark('i'), EXCEPTION_CONTINUE_SEARCH) {
        mark('X');
    }
}
__declspec(noinline) static void outer_takes(void)
{
    __try {
        inner_declines();
    } __except (mark('o'), EXCEPTION_EXECUTE_HANDLER) {
        mark('h');
    }
}

/* __finally on the normal path and during an unwind, innermost first. */
__declspec(noinline) static int finally_normal(void)
{
    int abnormal = -1;
    __try {
        mark('t');
    } __finally {
        abnormal = _abnormal_termination();
        mark('f');
    }
    return abnormal;
}
static int abnormal_seen = -1;
__declspec(noinline) static void deeper_finally(void)
{
    __try {
        poke(0);
    } __finally {
        mark('1');
        abnormal_seen = _abnormal_termination();
    }
}
__declspec(noinline) static void deep_finally(void)
{
    __try {
        deeper_finally();
    } __finally {
        mark('2');
    }
}
__declspec(noinline) static void catch_after_finally(void)
{
    __try {
        deep_finally();
    } __except (mark('F'), EXCEPTION_EXECUTE_HANDLER) {
        mark('E');
    }
}

/* A filter that continues execution after pointing the faulting store
 * (poke's `mov [rcx], 1`) at a real variable in the CONTEXT. */
static int fixed_value;
static int repoint(void *pointers)
{
    /* EXCEPTION_POINTERS.ContextRecord->Rcx (CONTEXT offset 0x80) */
    char *ctx = ((char **)pointers)[1];
    *(int **)(ctx + 0x80) = &fixed_value;
    return EXCEPTION_CONTINUE_EXECUTION;
}
__declspec(noinline) static int fix_and_continue(void)
{
    __try {
        poke(0);
    } __except (repoint(_exception_info())) {
        return -1;
    }
    return fixed_value;
}

/* Software exceptions with parameters. */
static unsigned long long seen_parameter;
static int take_parameter(void *pointers)
{
    /* EXCEPTION_POINTERS.ExceptionRecord->ExceptionInformation[1] */
    unsigned long long **p = pointers;
    seen_parameter = p[0][4 + 1];
    return EXCEPTION_EXECUTE_HANDLER;
}
__declspec(noinline) static unsigned long long raised_parameter(void)
{
    unsigned long long args[2] = {0x1111, 0x2222};
    __try {
        RaiseException(0xE0001234, 0, 2, args);
    } __except (take_parameter(_exception_info())) {
        return seen_parameter;
    }
    return 0;
}

/* A filter that itself takes (and handles) an exception: a nested dispatch
 * that unwinds inside the outer one's filter. */
static int inner_caught;
__declspec(noinline) static int nested_filter(void)
{
    __try {
        poke(0);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        inner_caught = 1;
    }
    return EXCEPTION_EXECUTE_HANDLER;
}
__declspec(noinline) static int nested_in_filter(void)
{
    __try {
        divide(3, 0);
    } __except (nested_filter()) {
        return inner_caught ? 2 : 1;
    }
    return 0;
}

/* Continuing a noncontinuable exception raises
 * EXCEPTION_NONCONTINUABLE_EXCEPTION, which an outer handler can take. */
#define EXCEPTION_NONCONTINUABLE 1
#define EXCEPTION_NONCONTINUABLE_EXCEPTION 0xC0000025UL
__declspec(noinline) static void insist_on_continuing(void)
{
    __try {
        RaiseException(0xE0005555, EXCEPTION_NONCONTINUABLE, 0, 0);
    } __except (_exception_code() == 0xE0005555 ? EXCEPTION_CONTINUE_EXECUTION : EXCEPTION_CONTINUE_SEARCH) {
    }
}
__declspec(noinline) static unsigned long noncontinuable(void)
{
    __try {
        insist_on_continuing();
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        return _exception_code();
    }
    return 0;
}

/* Stack overflow caught by __except, the thread going on afterwards. */
#pragma clang diagnostic ignored "-Winfinite-recursion"
__declspec(noinline) static int recurse(volatile char *p)
{
    volatile char buf[1024];
    buf[0] = p ? p[0] : 0;
    return recurse(buf) + buf[3];
}
__declspec(noinline) static unsigned long overflow(void)
{
    __try {
        recurse(0);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        return _exception_code();
    }
    return 0;
}

int main(void)
{
    printf("1..12\n");
    ok(access_violation() == 1, "__except catches an access violation in a callee");
    ok(code_in_except() == EXCEPTION_INT_DIVIDE_BY_ZERO, "the __except block gets the exception code");
    ntrail = 0;
    outer_takes();
    ok(same(trail, "ioh"), "filters run innermost first; the one that takes it runs its block");
    ntrail = 0;
    ok(finally_normal() == 0 && same(trail, "tf"), "__finally runs on the normal path, not abnormal");
    ntrail = 0;
    catch_after_finally();
    ok(same(trail, "F12E"), "filters run first, then __finally blocks innermost first, then __except");
    ok(abnormal_seen == 1, "a __finally run by an unwind is an abnormal termination");
    ok(fix_and_continue() == 1, "EXCEPTION_CONTINUE_EXECUTION from a filter retries the fault");
    ok(raised_parameter() == 0x2222, "RaiseException parameters reach the __except block");
    ok(nested_in_filter() == 2, "an exception handled inside a filter leaves the outer dispatch going");
    ok(noncontinuable() == EXCEPTION_NONCONTINUABLE_EXCEPTION,
       "continuing a noncontinuable exception raises EXCEPTION_NONCONTINUABLE_EXCEPTION");
    ok(overflow() == EXCEPTION_STACK_OVERFLOW, "stack overflow is caught by __except");
    ok(access_violation() == 1, "and the thread goes on handling exceptions after it");
    if (failed)
        printf("# failed %d of %d tests\n", failed, tests);
    return failed != 0;
}
