// msvc_cxx.cpp - MSVC C++ exceptions (_CxxThrowException,
// __CxxFrameHandler3), built by clang for the MSVC target without any
// standard header and linked with mingw-w64 against msvcrt.dll: a throw
// across frames with destructors, catch by value, by reference, by base
// class, by pointer and catch(...), qualifiers, multiple and virtual
// inheritance, rethrow, nested try blocks, throws out of catch blocks,
// __uncaught_exception, an SEH __except taking a C++ exception, and the
// exception object destroyed exactly once after its catch block. The
// output is compared byte for byte with testbins/expected/msvc_cxx.out.

extern "C" int printf(const char *, ...);
extern "C" bool __uncaught_exception();
extern "C" void *__stdcall CreateThread(void *, unsigned long long, unsigned long(__stdcall *)(void *),
                                        void *, unsigned long, unsigned long *);
extern "C" unsigned long __stdcall WaitForSingleObject(void *, unsigned long);
extern "C" int __stdcall CloseHandle(void *);

// typeid yields these; msvcrt.dll implements the members.
class type_info {
  public:
    virtual ~type_info();
    const char *raw_name() const;
    const char *name() const;
    int operator==(const type_info &) const;
    int operator!=(const type_info &) const;
    int before(const type_info &) const;

  private:
    void *data;
    char decorated[1];
};
namespace std {
using ::type_info;
}
void terminate(); // msvcrt's ?terminate@@YAXXZ

// What clang's code calls when an exception leaves a noexcept function (a
// destructor); it is vcruntime's, so this program brings its own.
extern "C" void __std_terminate() { terminate(); }

static int live;   // objects of Noisy and its kind alive
static int copies; // copy constructions

struct Noisy {
    int id;
    explicit Noisy(int i) : id(i)
    {
        live++;
        printf("construct %d\n", id);
    }
    Noisy(const Noisy &o) : id(o.id + 100)
    {
        live++;
        copies++;
        printf("copy %d from %d\n", id, o.id);
    }
    virtual ~Noisy()
    {
        live--;
        printf("destroy %d%s\n", id, __uncaught_exception() ? " (unwinding)" : "");
    }
    virtual const char *what() const { return "Noisy"; }
};

struct Loud : Noisy {
    explicit Loud(int i) : Noisy(i) {}
    Loud(const Loud &o) : Noisy(o) { printf("copy Loud\n"); }
    const char *what() const override { return "Loud"; }
};

struct Other {
    int tag;
    Other() : tag(0x51) {}
    virtual ~Other() {}
};

// A class whose second base sits at a nonzero offset.
struct Both : Other, Noisy {
    explicit Both(int i) : Noisy(i) {}
};

// Virtual inheritance: the base's offset comes from the vbtable.
struct VBase {
    int v;
    VBase() : v(77) {}
    virtual ~VBase() {}
};
struct VLeft : virtual VBase {
    int l = 1;
};
struct VRight : virtual VBase {
    int r = 2;
};
struct Diamond : VLeft, VRight {
    int d = 3;
};

__attribute__((noinline)) static void depth3(int x)
{
    Noisy n(3);
    if (x)
        throw Loud(x);
}
__attribute__((noinline)) static void depth2(int x)
{
    Noisy n(2);
    depth3(x);
    printf("not reached\n");
}
__attribute__((noinline)) static void depth1(int x)
{
    Noisy n(1);
    try {
        depth2(x);
    } catch (int) {
        printf("wrong handler\n");
    }
}

static void across_frames()
{
    printf("-- across frames\n");
    try {
        depth1(7);
    } catch (Noisy &e) {
        printf("caught %s %d by reference\n", e.what(), e.id);
    }
}

static void by_value()
{
    printf("-- by value\n");
    try {
        throw Loud(8);
    } catch (Loud e) {
        printf("caught %s %d by value\n", e.what(), e.id);
    }
    printf("-- base by value\n");
    try {
        throw Loud(9);
    } catch (Noisy e) {
        printf("caught %s %d by base value\n", e.what(), e.id);
    }
}

static void first_matching_clause()
{
    printf("-- first matching clause\n");
    try {
        throw Loud(10);
    } catch (int) {
        printf("wrong: int\n");
    } catch (Other &) {
        printf("wrong: Other\n");
    } catch (Noisy &e) {
        printf("caught by Noisy& (%s %d)\n", e.what(), e.id);
    } catch (Loud &) {
        printf("wrong: Loud after Noisy\n");
    }
}

static int value = 5;

static void scalars()
{
    printf("-- scalars\n");
    try {
        throw 42;
    } catch (long) {
        printf("wrong: long\n");
    } catch (int i) {
        printf("caught int %d\n", i);
    }
    try {
        throw 2.5;
    } catch (const double &d) {
        printf("caught double %g by const reference\n", d);
    }
    try {
        throw "a string";
    } catch (char *) {
        printf("wrong: char* for a const char array\n");
    } catch (const char *s) {
        printf("caught string \"%s\"\n", s);
    }
    const int *cp = &value;
    try {
        throw cp;
    } catch (int *) {
        printf("wrong: int* for const int*\n");
    } catch (const int *p) {
        printf("caught const int* to %d\n", *p);
    }
    try {
        throw &value;
    } catch (const int *p) {
        printf("caught int* as const int*: %d\n", *p);
    }
}

static Loud loud(11);
static Both both(12);

static void pointers()
{
    printf("-- pointers\n");
    try {
        throw &loud;
    } catch (Noisy *p) {
        printf("caught Loud* as Noisy* %d, same object %d\n", p->id, p == &loud);
    }
    try {
        throw &both;
    } catch (Noisy *p) {
        printf("caught Both* as Noisy* %d, adjusted %d\n", p->id, p == static_cast<Noisy *>(&both));
    }
    try {
        throw &both;
    } catch (void *p) {
        printf("caught Both* as void*, same address %d\n", p == (void *)&both);
    }
}

static void second_base()
{
    printf("-- second base by reference\n");
    try {
        throw Both(13);
    } catch (Other &o) {
        printf("caught Both as Other, tag 0x%x\n", o.tag);
    }
    try {
        throw Both(14);
    } catch (Noisy &n) {
        printf("caught Both as Noisy %d (%s)\n", n.id, n.what());
    }
}

static void virtual_base()
{
    printf("-- virtual base\n");
    try {
        throw Diamond();
    } catch (VBase &b) {
        printf("caught Diamond as VBase, v %d\n", b.v);
    }
    try {
        throw Diamond();
    } catch (VRight r) {
        printf("caught Diamond as VRight by value, r %d v %d\n", r.r, r.v);
    }
}

static void catch_all()
{
    printf("-- catch(...)\n");
    try {
        throw Noisy(15);
    } catch (...) {
        printf("caught by catch(...)\n");
    }
}

__attribute__((noinline)) static void rethrow_from_helper()
{
    printf("helper rethrows\n");
    throw;
}

static void rethrow()
{
    printf("-- rethrow\n");
    try {
        try {
            throw Noisy(16);
        } catch (Noisy &e) {
            printf("inner caught %d, rethrowing\n", e.id);
            throw;
        }
    } catch (Noisy &e) {
        printf("outer caught %d\n", e.id);
    }
    printf("-- rethrow from a called function\n");
    try {
        try {
            throw 17;
        } catch (int) {
            rethrow_from_helper();
        }
    } catch (int i) {
        printf("caught rethrown %d\n", i);
    }
    printf("-- rethrow caught inside the catch block\n");
    try {
        throw Noisy(18);
    } catch (Noisy &outer) {
        try {
            throw;
        } catch (Noisy &inner) {
            printf("inner catch of the rethrow, same object %d\n", &inner == &outer);
        }
        printf("outer catch goes on with %d\n", outer.id);
    }
}

static void nested()
{
    printf("-- nested try blocks\n");
    try {
        Noisy a(19);
        try {
            Noisy b(20);
            throw 1.5f;
        } catch (int) {
            printf("wrong: inner int\n");
        }
        printf("not reached\n");
    } catch (float f) {
        printf("outer caught float %g\n", f);
    }
    printf("-- throw out of a catch block\n");
    try {
        try {
            throw Noisy(21);
        } catch (Noisy &e) {
            Noisy in_catch(22);
            printf("caught %d, throwing another\n", e.id);
            throw Noisy(23);
        }
    } catch (Noisy &e) {
        printf("outer caught %d\n", e.id);
    }
    printf("-- try inside a catch block\n");
    try {
        throw 24;
    } catch (int i) {
        try {
            throw Noisy(25);
        } catch (Noisy &e) {
            printf("caught %d inside the catch of %d\n", e.id, i);
        }
        printf("back in the catch of %d\n", i);
    }
}

static int seh_filter(unsigned code)
{
    printf("SEH filter sees 0x%x\n", code);
    return 1;
}

// (Whether __uncaught_exception is true in a destructor run by an SEH
// unwind is not checked: Microsoft's runtime and Wine's differ.)
struct Guard {
    ~Guard() { printf("guard destroyed\n"); }
};

__attribute__((noinline)) static void throw_with_guard()
{
    Guard guard;
    throw 26;
}

// Quiet versions for the loop: counted, not printed.
static int quiet_live;
struct Quiet {
    Quiet() { __atomic_fetch_add(&quiet_live, 1, __ATOMIC_SEQ_CST); }
    Quiet(const Quiet &) { __atomic_fetch_add(&quiet_live, 1, __ATOMIC_SEQ_CST); }
    ~Quiet() { __atomic_fetch_sub(&quiet_live, 1, __ATOMIC_SEQ_CST); }
};

__attribute__((noinline)) static void quiet_throw(int i)
{
    Quiet q;
    throw Quiet();
}

__attribute__((noinline)) static void poke(volatile int *p) { *p = 1; }

__attribute__((noinline)) static void fault_in_try(volatile int *p)
{
    try {
        poke(p);
    } catch (...) {
        // Built with /EHs semantics (FuncInfo's EHFlags): catch(...) takes
        // C++ exceptions only.
        printf("wrong: catch(...) took an access violation\n");
    }
}

static void catch_all_leaves_faults()
{
    printf("-- catch(...) leaves hardware exceptions to SEH\n");
    __try {
        fault_in_try((volatile int *)0);
    } __except (seh_filter(__exception_code())) {
        printf("in __except\n");
    }
}

static void type_infos()
{
    printf("-- type_info\n");
    printf("raw names %s %s %s\n", typeid(int).raw_name(), typeid(Loud).raw_name(),
           typeid(const char *).raw_name());
    printf("names \"%s\" \"%s\" \"%s\" \"%s\"\n", typeid(int).name(), typeid(Loud).name(),
           typeid(const char *).name(), typeid(Other **).name());
    printf("name kept: %d\n", typeid(Loud).name() == typeid(Loud).name());
    printf("int == int %d, int == Loud %d, int != Loud %d\n", typeid(int) == typeid(int),
           typeid(int) == typeid(Loud), typeid(int) != typeid(Loud));
    printf("int before Loud %d, Loud before int %d, int before int %d\n",
           typeid(int).before(typeid(Loud)), typeid(Loud).before(typeid(int)),
           typeid(int).before(typeid(int)));
}

// Each thread keeps its own exceptions: catches, rethrows and objects.
static unsigned long __stdcall thread_throws(void *arg)
{
    long count = 0;
    for (int i = 0; i < 2000; i++) {
        try {
            try {
                Quiet q;
                quiet_throw(i);
            } catch (Quiet &) {
                throw;
            }
        } catch (const Quiet &) {
            count++;
        }
    }
    *(long *)arg = count;
    return 0;
}

static void threads()
{
    printf("-- threads\n");
    long counts[4] = {0, 0, 0, 0};
    void *handles[4];
    for (int i = 0; i < 4; i++)
        handles[i] = CreateThread(0, 0, thread_throws, &counts[i], 0, 0);
    for (int i = 0; i < 4; i++) {
        WaitForSingleObject(handles[i], 0xFFFFFFFF);
        CloseHandle(handles[i]);
    }
    printf("caught per thread: %ld %ld %ld %ld\n", counts[0], counts[1], counts[2], counts[3]);
}

// A catch block that throws, in a function its caller's try block
// surrounds: the catch block's frame and its function's frame unwind.
__attribute__((noinline)) static void throw_from_catch()
{
    Noisy outside(27);
    try {
        Noisy inside(28);
        throw Noisy(29);
    } catch (Noisy &e) {
        Noisy in_catch(30);
        printf("caught %d, throwing 31 to the caller\n", e.id);
        throw Noisy(31);
    }
}

static void catch_throws_to_caller()
{
    printf("-- a catch block throws to the caller\n");
    try {
        throw_from_catch();
    } catch (Noisy &e) {
        printf("caller caught %d\n", e.id);
    }
    printf("-- a rethrow to the caller\n");
    try {
        try {
            depth1(32);
        } catch (Loud &e) {
            printf("caught %d, rethrowing to the caller\n", e.id);
            throw;
        }
    } catch (Noisy &e) {
        printf("caller caught %d (%s)\n", e.id, e.what());
    }
}

// Catch blocks three deep, each with its own try block; exceptions that
// leave two catch blocks at once; a return out of a catch block.
__attribute__((noinline)) static int deep_catches()
{
    Noisy frame_object(33);
    try {
        throw 1;
    } catch (int a) {
        Noisy level1(34);
        try {
            throw Noisy(35);
        } catch (Noisy &b) {
            try {
                throw 2.0;
            } catch (double c) {
                printf("three deep: %d %d %g\n", a, b.id, c);
                try {
                    throw;
                } catch (double) {
                    printf("rethrow inside the third\n");
                }
            }
            printf("back in the second with %d\n", b.id);
            throw Noisy(36);
        }
    } catch (Noisy &n) {
        printf("wrong: the try of a catch block takes what leaves the catch block (%d)\n", n.id);
    }
    return 0;
}

__attribute__((noinline)) static int return_from_catch(int x)
{
    for (int i = 0;; i++) {
        try {
            if (i == x)
                throw i;
        } catch (int v) {
            Noisy in_catch(37);
            if (v > 1)
                return v * 10;
            break;
        }
    }
    return -1;
}

static void deep()
{
    printf("-- catch blocks three deep\n");
    try {
        deep_catches();
    } catch (Noisy &e) {
        printf("caller caught %d out of two catch blocks\n", e.id);
    }
    printf("-- return and break out of catch blocks\n");
    printf("returned %d\n", return_from_catch(3));
    printf("returned %d\n", return_from_catch(1));
}

static void seh_takes_cxx()
{
    printf("-- SEH __except takes a C++ exception\n");
    __try {
        throw_with_guard();
    } __except (seh_filter(__exception_code())) {
        printf("in __except\n");
    }
}

static void many()
{
    int caught = 0;
    for (int i = 0; i < 1000; i++) {
        try {
            Quiet q;
            quiet_throw(i);
        } catch (const Quiet &) {
            caught += quiet_live == 1;
        }
    }
    printf("caught %d of 1000 in a loop\n", caught);
}

int main()
{
    across_frames();
    by_value();
    first_matching_clause();
    scalars();
    pointers();
    second_base();
    virtual_base();
    catch_all();
    rethrow();
    nested();
    seh_takes_cxx();
    printf("uncaught after the catches: %d\n", __uncaught_exception());
    printf("-- loop\n");
    many();
    printf("quiet objects alive after the loop: %d\n", quiet_live);
    threads();
    printf("quiet objects alive after the threads: %d\n", quiet_live);
    catch_all_leaves_faults();
    type_infos();
    catch_throws_to_caller();
    deep();
    printf("live objects at the end: %d\n", live - 2);
    return 0;
}
