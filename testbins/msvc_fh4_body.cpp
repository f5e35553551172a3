// msvc_fh4_body.cpp - the C++ half of the __CxxFrameHandler4 fixture
// (testbins/msvc_fh4.S holds the functions whose exception tables are
// hand-written FuncInfo4): the thrown classes and their ThrowInfo, the
// throws (clang, MSVC target: _CxxThrowException and __CxxFrameHandler3
// frames in between), what the catch funclets and unwind maps call, and
// main, which runs each case and prints what happened (compared byte
// for byte with testbins/expected/msvc_fh4.out). `uncaught`: a throw
// nothing catches ends the process unhandled, without unwinding.
// `noexcept`: a throw out of a noexcept function terminates. No standard
// header: clang compiles it for the MSVC target, mingw-w64 links it.

extern "C" int _write(int, const void *, unsigned);
extern "C" int _vsnprintf(char *, unsigned long long, const char *, __builtin_va_list);
extern "C" int strcmp(const char *, const char *);
void terminate(); // msvcrt's ?terminate@@YAXXZ

// What clang's code calls when an exception leaves a noexcept function;
// it is vcruntime's, so this program brings its own.
extern "C" void __std_terminate() { terminate(); }

// Output goes out unbuffered, so that the ends that never return (an
// unhandled exception, terminate) keep it.
static void say(const char *format, ...)
{
    char line[256];
    __builtin_va_list args;
    __builtin_va_start(args, format);
    int n = _vsnprintf(line, sizeof line, format, args);
    __builtin_va_end(args);
    if (n < 0 || n > (int)sizeof line)
        n = sizeof line;
    _write(1, line, (unsigned)n);
}

static int live; // Base objects alive

struct Base {
    int id;
    explicit Base(int i) : id(i)
    {
        live++;
        say("construct %d\n", id);
    }
    Base(const Base &o) : id(o.id + 100)
    {
        live++;
        say("copy %d from %d\n", id, o.id);
    }
    virtual ~Base()
    {
        live--;
        say("destroy %d\n", id);
    }
};

struct Derived : Base {
    explicit Derived(int i) : Base(i) {}
    Derived(const Derived &o) : Base(o) {}
};

struct Other {
    int x;
};

// A C++ frame with a destructor of its own between the throw and the
// assembly frames.
struct Local {
    const char *name;
    ~Local() { say("leave %s\n", name); }
};

extern "C" void throw_int(int v)
{
    Local l{"throw_int"};
    say("throw int %d\n", v);
    throw v;
}

extern "C" void throw_derived(int id)
{
    Local l{"throw_derived"};
    throw Derived(id);
}

extern "C" void rethrow()
{
    say("rethrow\n");
    throw;
}

// Never thrown: its type is named by catch clauses that must not match.
extern "C" void throw_other()
{
    throw Other{1};
}

// Guards: automatic objects of the assembly functions, destroyed by
// their unwind maps (guard_destroy is the "destructor" those name).
struct Guard {
    int n;
};

extern "C" void guard_init(Guard *g, int n)
{
    g->n = n;
    say("guard %d\n", n);
}

extern "C" void guard_destroy(Guard *g) { say("destroy guard %d\n", g->n); }

// What the catch funclets call.
extern "C" void caught_int(const char *where, int v) { say("%s: caught int %d\n", where, v); }

extern "C" void caught_base(const char *where, Base *b)
{
    say("%s: caught Base %d\n", where, b->id);
}

extern "C" void caught_derived(const char *where, Derived *d)
{
    say("%s: caught Derived %d\n", where, d->id);
}

extern "C" void caught_anything(const char *where) { say("%s: caught ...\n", where); }

extern "C" void destroy_base(Base *b) { b->~Base(); }

// A structured exception, not a C++ one.
extern "C" __declspec(noinline) void fault(volatile int *p)
{
    say("fault\n");
    *p = 1;
}

// The assembly functions (msvc_fh4.S).
extern "C" int fh4_catch_int(int v);
extern "C" int fh4_catch_base(int id);
extern "C" int fh4_catch_by_value(int id);
extern "C" int fh4_catch_all(int id);
extern "C" int fh4_nested(int id);
extern "C" int fh4_inner_misses(void (*thrower)(int), int v);
extern "C" int fh4_separated(int v);
extern "C" int fh4_ehs_fault(volatile int *p);
extern "C" int fh4_eha_fault(volatile int *p);
extern "C" int fh4_uncaught(int v);
extern "C" int fh4_noexcept(int v);

static int catch_int() { return fh4_catch_int(42); }
static int catch_base() { return fh4_catch_base(7); }
static int catch_by_value() { return fh4_catch_by_value(8); }
static int catch_all() { return fh4_catch_all(9); }
static int nested() { return fh4_nested(5); }
static int inner_misses() { return fh4_inner_misses(throw_int, 6); }
static int separated() { return fh4_separated(11); }

// An access violation through a function compiled /EHs: its catch (...)
// does not take it and its guard is not destroyed on the way to the
// __except here. Through one compiled /EHa, catch (...) takes it.
static int ehs_fault()
{
    __try {
        fh4_ehs_fault(nullptr);
    } __except (_exception_code() == 0xC0000005 ? 1 : 0) {
        say("main: __except took the access violation\n");
    }
    return 0;
}

static int eha_fault() { return fh4_eha_fault(nullptr); }

// The assembly frames pass on what they do not catch.
static int passed_on()
{
    try {
        fh4_inner_misses(throw_derived, 12);
    } catch (Base &b) {
        say("main: caught Base %d\n", b.id);
    }
    return 0;
}

static const struct {
    const char *name;
    int (*run)();
} cases[] = {
    {"fh4_catch_int", catch_int},   {"fh4_catch_base", catch_base},
    {"fh4_catch_by_value", catch_by_value},
    {"fh4_catch_all", catch_all},   {"fh4_nested", nested},
    {"fh4_inner_misses", inner_misses}, {"fh4_separated", separated},
    {"passed_on", passed_on},       {"fh4_ehs_fault", ehs_fault},
    {"fh4_eha_fault", eha_fault},
};

// No argument: every case. A case's name: that case alone.
int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "uncaught") == 0) {
        fh4_uncaught(3);
        say("not reached\n");
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "noexcept") == 0) {
        fh4_noexcept(4);
        say("not reached\n");
        return 1;
    }
    for (const auto &c : cases) {
        if (argc > 1 && strcmp(argv[1], c.name) != 0)
            continue;
        int result = c.run();
        say("%s returned %d, live %d\n", c.name, result, live);
    }
    return 0;
}
