// msvc_cxx_dll.cpp - a DLL for msvc_cxx_modules.cpp, built the same way:
// its exceptions carry its own image base (the ThrowInfo's RVAs are
// relative to it), and it catches what its callers' callbacks throw.

extern "C" int printf(const char *, ...);

struct DllError {
    int code;
    explicit DllError(int c) : code(c) { printf("DLL constructs error %d\n", code); }
    DllError(const DllError &o) : code(o.code) { printf("DLL copies error %d\n", code); }
    virtual ~DllError() { printf("DLL destroys error %d\n", code); }
};

struct DllGuard {
    ~DllGuard() { printf("DLL guard released\n"); }
};

extern "C" __declspec(dllexport) void dll_throw(int code)
{
    DllGuard guard;
    throw DllError(code);
}

// Calls back into the program; catches an int it throws.
extern "C" __declspec(dllexport) int dll_call(void (*callback)(int), int v)
{
    DllGuard guard;
    try {
        callback(v);
    } catch (int e) {
        printf("DLL caught %d from the callback\n", e);
        return e;
    }
    return -1;
}
