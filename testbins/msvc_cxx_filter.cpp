// msvc_cxx_filter.cpp - the runtime's helpers for C++ exceptions met in
// SEH filters, built like msvc_cxx.cpp: __CxxExceptionFilter (does the C++
// exception match a type, building the catch object) and
// __CxxDetectRethrow (is it a `throw;`), __CxxRegisterExceptionObject and
// __CxxUnregisterExceptionObject (handle it outside a catch block: `throw;`
// rethrows it, and unregistering destroys it). Wine 8 does not implement
// __CxxExceptionFilter on x64, so the expected output
// (testbins/expected/msvc_cxx_filter.out) follows Microsoft's runtime.

extern "C" int printf(const char *, ...);
extern "C" int __CxxExceptionFilter(void *pointers, const void *type, int adjectives, void *object);
extern "C" int __CxxDetectRethrow(void *pointers);
extern "C" unsigned __CxxQueryExceptionSize();
extern "C" int __CxxRegisterExceptionObject(void *pointers, void *storage);
extern "C" void __CxxUnregisterExceptionObject(void *storage, int rethrow);

class type_info {
  public:
    virtual ~type_info();
    const char *raw_name() const;

  private:
    void *data;
    char decorated[1];
};
namespace std {
using ::type_info;
}

__attribute__((noinline)) static void throw_int(int v) { throw v; }

__attribute__((noinline)) static void detect_rethrow()
{
    __try {
        throw;
    } __except (printf("rethrow detected: %d\n", __CxxDetectRethrow(__exception_info())), 1) {
        printf("rethrow taken by __except\n");
    }
}

static void runtime_queries()
{
    printf("-- __CxxExceptionFilter, __CxxDetectRethrow\n");
    int value = 0;
    int *ref = 0;
    __try {
        throw_int(42);
    } __except (__CxxExceptionFilter(__exception_info(), &typeid(int), 0, &value)) {
        printf("filter for int took it, catch object %d\n", value);
    }
    __try {
        __try {
            throw_int(43);
        } __except (__CxxExceptionFilter(__exception_info(), &typeid(double), 0, 0)) {
            printf("wrong: filter for double took an int\n");
        }
    } __except (__CxxExceptionFilter(__exception_info(), &typeid(int), 8, &ref)) {
        printf("filter for int& took it: %d\n", ref != 0);
    }
    __try {
        throw_int(44);
    } __except (printf("plain throw detected as rethrow: %d\n", __CxxDetectRethrow(__exception_info())),
                1) {
    }
}

static void rethrow_queries()
{
    try {
        throw_int(45);
    } catch (int) {
        detect_rethrow();
    }
}

struct Tracked {
    int id;
    explicit Tracked(int i) : id(i) {}
    Tracked(const Tracked &o) : id(o.id) { printf("wrong: Tracked copied\n"); }
    ~Tracked() { printf("destroy tracked %d\n", id); }
};

__attribute__((noinline)) static void throw_tracked() { throw Tracked(46); }

static char storage[256];

__attribute__((noinline)) static int handle_in_filter(void *info)
{
    unsigned size = __CxxQueryExceptionSize();
    int registered = __CxxRegisterExceptionObject(info, storage);
    try {
        throw;
    } catch (Tracked &t) {
        printf("rethrown registered exception %d\n", t.id);
    }
    printf("unregistering\n");
    __CxxUnregisterExceptionObject(storage, 0);
    printf("registered %d, storage fits %d\n", registered, size > 0 && size <= sizeof storage);
    return 1;
}

static void registration()
{
    printf("-- __CxxRegisterExceptionObject\n");
    __try {
        throw_tracked();
    } __except (handle_in_filter(__exception_info())) {
        printf("in __except\n");
    }
}

int main()
{
    runtime_queries();
    rethrow_queries();
    registration();
    return 0;
}
