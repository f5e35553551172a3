// cxx_exceptions.cpp - mingw C++ exceptions (libgcc's SEH unwinder over
// RaiseException and RtlUnwindEx): a throw across several frames with
// destructors running on the way, a handler that does not match, a
// rethrow, class hierarchies, an exception out of a native DLL, a foreign
// exception raised with _Unwind_RaiseException the way a Rust panic is
// (class "MOZ\0RUST"), many throws in a loop. The output is compared byte for byte with what Wine
// prints for it (testbins/expected/cxx_exceptions.out).
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unwind.h>

extern "C" __declspec(dllimport) int dll_throw(int code);

struct Noisy {
    const char *name;
    explicit Noisy(const char *n) : name(n) { std::printf("construct %s\n", name); }
    ~Noisy() { std::printf("destroy %s\n", name); }
};

struct Base {
    virtual ~Base() {}
    virtual const char *what() const { return "Base"; }
};
struct Derived : Base {
    const char *what() const override { return "Derived"; }
};

static int depth3(int x)
{
    Noisy n("depth3");
    if (x > 0)
        throw std::runtime_error("boom " + std::to_string(x));
    return x;
}
static int depth2(int x)
{
    Noisy n("depth2");
    return depth3(x) + 1;
}
static int depth1(int x)
{
    Noisy n("depth1");
    try {
        return depth2(x);
    } catch (const std::logic_error &) {
        std::printf("wrong handler\n");
        return -1;
    }
}

static void foreign_cleanup(_Unwind_Reason_Code, _Unwind_Exception *)
{
    std::printf("foreign exception released\n");
}

__attribute__((noinline)) static void panic_like_rust()
{
    static _Unwind_Exception ex;
    ex.exception_class = 0x4d4f5a0052555354ULL; // "MOZ\0RUST"
    ex.exception_cleanup = foreign_cleanup;
    Noisy n("panicking frame");
    _Unwind_Reason_Code r = _Unwind_RaiseException(&ex);
    std::printf("_Unwind_RaiseException returned %d\n", (int)r);
}

static int throwing_compare(const void *a, const void *b)
{
    int x = *static_cast<const int *>(a), y = *static_cast<const int *>(b);
    if (x == 13 || y == 13)
        throw std::runtime_error("13 met in qsort");
    return (x > y) - (x < y);
}

static int plain_compare(const void *a, const void *b)
{
    int x = *static_cast<const int *>(a), y = *static_cast<const int *>(b);
    return (x > y) - (x < y);
}

__attribute__((noinline)) static void thrower(int i)
{
    throw i;
}

int main()
{
    std::setvbuf(stdout, nullptr, _IONBF, 0);
    try {
        depth1(7);
    } catch (const std::exception &e) {
        std::printf("caught: %s\n", e.what());
    }

    try {
        try {
            throw 42;
        } catch (int v) {
            std::printf("inner caught %d, rethrowing\n", v);
            throw;
        }
    } catch (int v) {
        std::printf("outer caught %d\n", v);
    }

    try {
        Noisy n("scope");
        throw Derived();
    } catch (const Base &b) {
        std::printf("caught by base: %s\n", b.what());
    }

    try {
        throw std::string("a string");
    } catch (const char *) {
        std::printf("wrong handler\n");
    } catch (const std::string &s) {
        std::printf("caught string: %s\n", s.c_str());
    }

    try {
        dll_throw(1);
    } catch (const std::exception &e) {
        std::printf("caught from the DLL: %s\n", e.what());
    }

    try {
        panic_like_rust();
    } catch (...) {
        std::printf("caught a foreign exception\n");
    }

    // An exception out of a callback that the C library calls: it passes
    // through qsort's frames to this function's handler.
    try {
        Noisy n("sorting");
        int v[] = {5, 3, 13, 1, 8};
        std::qsort(v, 5, sizeof v[0], throwing_compare);
        std::printf("not reached\n");
    } catch (const std::exception &e) {
        std::printf("caught from a qsort comparator: %s\n", e.what());
    }
    int sorted[64];
    for (int i = 0; i < 64; i++)
        sorted[i] = (i * 37) % 64;
    std::qsort(sorted, 64, sizeof sorted[0], plain_compare);
    int in_order = 1;
    for (int i = 0; i < 64; i++)
        in_order &= sorted[i] == i;
    int key = 42;
    const int *found = static_cast<const int *>(std::bsearch(&key, sorted, 64, sizeof sorted[0], plain_compare));
    std::printf("qsort sorted: %d, bsearch found 42 at %d\n", in_order, found ? int(found - sorted) : -1);

    int caught = 0;
    for (int i = 0; i < 1000; i++) {
        try {
            thrower(i);
        } catch (int v) {
            caught += v == i;
        }
    }
    std::printf("caught %d of 1000 in a loop\n", caught);
    std::printf("done\n");
    return 0;
}
