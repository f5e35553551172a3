// cxx_throw.cpp - the cost of a C++ exception: throw an int three frames
// deep (each frame with a destructor), catch it, N times; prints the time
// per throw. Built with mingw-w64 g++ (libgcc's SEH unwinder over
// RaiseException and RtlUnwindEx) for Windows, and with the host g++ for
// the native reference (DWARF unwinding).
#include <chrono>
#include <cstdio>
#include <cstdlib>

struct Counted {
    int *count;
    ~Counted() { ++*count; }
};

__attribute__((noinline)) void depth3(int i, int *count)
{
    Counted c{count};
    if (i >= 0)
        throw i;
}
__attribute__((noinline)) void depth2(int i, int *count)
{
    Counted c{count};
    depth3(i, count);
}
__attribute__((noinline)) void depth1(int i, int *count)
{
    Counted c{count};
    depth2(i, count);
}

int main(int argc, char **argv)
{
    const int n = argc > 1 ? std::atoi(argv[1]) : 100000;
    int destroyed = 0, caught = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; i++) {
        try {
            depth1(i, &destroyed);
        } catch (int) {
            caught++;
        }
    }
    auto end = std::chrono::steady_clock::now();
    if (caught != n || destroyed != 3 * n) {
        std::printf("FAIL caught %d destroyed %d of %d\n", caught, destroyed, n);
        return 1;
    }
    std::printf("cxx_throw %.2f us per throw+catch (3 frames, 3 destructors)\n",
                std::chrono::duration<double, std::micro>(end - start).count() / n);
    return 0;
}
