// cxx_exceptions_dll.cpp - a native DLL whose exported function throws a
// C++ exception that its caller, in the exe, catches: the unwind crosses
// the image boundary (each image has its own unwind tables).
#include <stdexcept>
#include <cstdio>

struct DllGuard {
    ~DllGuard() { std::printf("dll guard released\n"); }
};

extern "C" __declspec(dllexport) int dll_throw(int code)
{
    DllGuard g;
    if (code)
        throw std::runtime_error("thrown in the DLL");
    return 0;
}
