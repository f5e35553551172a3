// msvc_cxx_terminate.cpp - the ends of MSVC C++ exceptions nothing
// catches, built like msvc_cxx.cpp. `uncaught`: a throw no try block takes
// reaches the unhandled-exception end (exit code 0xE06D7363, whose low
// byte Linux keeps) without unwinding. `rethrow`: `throw;` with no
// exception being handled propagates as it is (no object, no ThrowInfo)
// and no catch(...) takes it, as in Microsoft's runtime; it ends the same
// way (Wine 8 faults in its frame handler). `terminate`: terminate()
// aborts (exit code 3). `handler`: terminate() calls the set_terminate
// handler first. `destructor`: an exception leaving a destructor that
// unwinding called terminates the program ([except.terminate]), through
// the handler, as Microsoft's runtime does (Wine 8 loops, unwinding into
// it again). `copy`: so does an exception leaving the copy constructor of
// a catch object ([except.handle]; Wine 8 lets the outer catch take it).
// `unexpected`: unexpected() calls the set_unexpected handler, then
// terminate().
// Markers are written with _write, unbuffered, so an abrupt end keeps them.

extern "C" int _write(int, const void *, unsigned);
extern "C" void _exit(int);
extern "C" int strcmp(const char *, const char *);
extern "C" unsigned long strlen(const char *);
typedef void (*terminate_function)();
terminate_function set_terminate(terminate_function); // msvcrt's
void terminate();
terminate_function set_unexpected(terminate_function);
void unexpected();

extern "C" void __std_terminate() { terminate(); }

static void say(const char *s) { _write(1, s, (unsigned)strlen(s)); }

struct Guard {
    ~Guard() { say("guard destroyed\n"); }
};

__attribute__((noinline)) static void thrower()
{
    Guard g;
    throw 99;
}

__attribute__((noinline)) static void rethrow_nothing()
{
    try {
        throw;
    } catch (...) {
        say("wrong: catch(...) took a rethrow of nothing\n");
    }
}

struct Bad {
    ~Bad() noexcept(false)
    {
        say("destructor throws while unwinding\n");
        throw 2;
    }
};

__attribute__((noinline)) static void unwind_into_bad()
{
    Bad b;
    throw 1;
}

struct BadCopy {
    BadCopy() {}
    BadCopy(const BadCopy &)
    {
        say("copy constructor throws\n");
        throw 3;
    }
};

static void on_unexpected() { say("unexpected handler\n"); }

static void on_terminate()
{
    say("terminate handler\n");
    _exit(42);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (!strcmp(argv[1], "uncaught")) {
        say("throwing\n");
        thrower();
    } else if (!strcmp(argv[1], "rethrow")) {
        say("rethrowing nothing\n");
        rethrow_nothing();
    } else if (!strcmp(argv[1], "terminate")) {
        say("terminating\n");
        terminate();
    } else if (!strcmp(argv[1], "handler")) {
        terminate_function previous = set_terminate(on_terminate);
        say(previous ? "a handler was set\n" : "no handler was set\n");
        if (set_terminate(on_terminate) != on_terminate)
            say("wrong: set_terminate did not return the handler set\n");
        terminate();
    } else if (!strcmp(argv[1], "destructor")) {
        set_terminate(on_terminate);
        try {
            unwind_into_bad();
        } catch (int i) {
            say("wrong: caught\n");
        }
    } else if (!strcmp(argv[1], "unexpected")) {
        set_terminate(on_terminate);
        if (set_unexpected(on_unexpected))
            say("wrong: an unexpected handler was set\n");
        unexpected();
    } else if (!strcmp(argv[1], "copy")) {
        set_terminate(on_terminate);
        try {
            try {
                throw BadCopy();
            } catch (BadCopy b) {
                say("wrong: in the catch block\n");
            }
        } catch (int) {
            say("wrong: the copy constructor's exception was caught\n");
        }
    }
    say("not reached\n");
    return 1;
}
