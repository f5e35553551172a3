// msvc_cxx_modules.cpp - MSVC C++ exceptions between modules: a class
// thrown in a DLL (msvc_cxx_dll.cpp) caught here by value and by
// reference, and an int thrown by this program's callback caught in the
// DLL, through the DLL's frames. Built like msvc_cxx.cpp.

extern "C" int printf(const char *, ...);
extern "C" __declspec(dllimport) void dll_throw(int code);
extern "C" __declspec(dllimport) int dll_call(void (*callback)(int), int v);

// The DLL's class, as this program sees it: the same decorated name.
struct DllError {
    int code;
    DllError(const DllError &o) : code(o.code) { printf("program copies error %d\n", code); }
    virtual ~DllError() { printf("program destroys error %d\n", code); }
};

struct Guard {
    const char *name;
    ~Guard() { printf("%s released\n", name); }
};

static void callback(int v)
{
    Guard g{"callback guard"};
    throw v * 2;
}

int main()
{
    try {
        dll_throw(1);
    } catch (DllError &e) {
        printf("caught the DLL's error %d by reference\n", e.code);
    }
    try {
        dll_throw(2);
    } catch (DllError e) {
        printf("caught the DLL's error %d by value\n", e.code);
    }
    printf("the DLL returned %d\n", dll_call(callback, 21));
    return 0;
}
