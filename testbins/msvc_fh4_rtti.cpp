// msvc_fh4_rtti.cpp - run-time type information in msvcrt.dll (__RTDynamicCast,
// __RTCastToVoid, __RTtypeid), built like msvc_cxx.cpp (clang for the MSVC
// target, no standard header, mingw-w64 links against msvcrt.dll):
// dynamic_cast up, down and across single, multiple and virtual
// inheritance, to void *, failing with NULL (unrelated and ambiguous
// targets) and, for references, throwing bad_cast; typeid of objects
// through base pointers; typeid of NULL throwing bad_typeid; an object
// without RTTI throwing __non_rtti_object. The exceptions are msvcrt's
// own classes (global namespace, as its headers declare them), caught by
// reference, by base class and by value. Output compared byte for byte
// with testbins/expected/msvc_fh4_rtti.out.

extern "C" int printf(const char *, ...);

class type_info {
  public:
    virtual ~type_info();
    const char *raw_name() const;
    const char *name() const;
    int operator==(const type_info &) const;

  private:
    void *data;
    char decorated[1];
};
namespace std {
using ::type_info;
}

// msvcrt.dll's exception classes.
class exception {
  public:
    exception(const exception &);
    virtual ~exception();
    virtual const char *what() const;

  private:
    const char *m_what;
    int m_do_free;
};
class bad_cast : public exception {
  public:
    bad_cast(const bad_cast &);
    virtual ~bad_cast();
};
class bad_typeid : public exception {
  public:
    bad_typeid(const bad_typeid &);
    virtual ~bad_typeid();
};
class __non_rtti_object : public bad_typeid {
  public:
    __non_rtti_object(const __non_rtti_object &);
    virtual ~__non_rtti_object();
};

static int checks, failures;

static void check(bool ok, const char *what)
{
    checks++;
    if (!ok) {
        failures++;
        printf("FAILED: %s\n", what);
    }
}

// Single inheritance.
struct A {
    int a = 1;
    virtual ~A() {}
};
struct B : A {
    int b = 2;
};
// Multiple inheritance: D has A (through B) and C.
struct C {
    int c = 3;
    virtual ~C() {}
};
struct D : B, C {
    int d = 4;
};
// A virtual diamond.
struct E : virtual A {
    int e = 5;
};
struct F : virtual A {
    int f = 6;
};
struct G : E, F {
    int g = 7;
};
// Two X in W: a cast to X from a third base is ambiguous.
struct X {
    int x = 8;
    virtual ~X() {}
};
struct Y : X {};
struct Z : X {};
struct V {
    int v = 9;
    virtual ~V() {}
};
struct W : Y, Z, V {};
// Unrelated.
struct U {
    virtual ~U() {}
};

// Opaque to the optimizer: the casts are made at run time.
template <class T> __declspec(noinline) T *hide(T *p)
{
    __asm__ volatile("" : "+r"(p));
    return p;
}

static void single_inheritance()
{
    B b;
    A a;
    A *pa = hide<A>(&b);
    check(dynamic_cast<B *>(pa) == &b, "A* to B*, a B");
    check(dynamic_cast<B *>(hide<A>(&a)) == nullptr, "A* to B*, an A");
    check(dynamic_cast<A *>(pa) == pa, "A* to A*");
    check(dynamic_cast<U *>(pa) == nullptr, "A* to unrelated U*");
    check(dynamic_cast<void *>(pa) == &b, "A* to void*");
    A *none = hide<A>(nullptr);
    check(dynamic_cast<B *>(none) == nullptr, "NULL stays NULL");
    check(dynamic_cast<void *>(none) == nullptr, "NULL to void* stays NULL");
    A *pplain = hide<A>(&a);
    printf("single: %s %s\n", typeid(*pa).raw_name(), typeid(*pplain).raw_name());
}

static void multiple_inheritance()
{
    D d;
    A *pa = hide<A>(&d);
    C *pc = hide<C>(&d);
    check((void *)pc != (void *)&d, "C is not at the start of D");
    check(dynamic_cast<D *>(pa) == &d, "A* to D*");
    check(dynamic_cast<D *>(pc) == &d, "C* to D*");
    check(dynamic_cast<C *>(pa) == static_cast<C *>(&d), "A* across to C*");
    check(dynamic_cast<B *>(pc) == static_cast<B *>(&d), "C* across to B*");
    check(dynamic_cast<A *>(pc) == static_cast<A *>(&d), "C* across to A*");
    check(dynamic_cast<void *>(pc) == &d, "C* to void*");
    check(dynamic_cast<U *>(pc) == nullptr, "C* to unrelated U*");
    C c;
    check(dynamic_cast<A *>(hide<C>(&c)) == nullptr, "a plain C is no A");
    printf("multiple: %s %s\n", typeid(*pa).raw_name(), typeid(*pc).name());
}

static void virtual_inheritance()
{
    G g;
    A *pa = hide<A>(&g);
    F *pf = hide<F>(&g);
    check(dynamic_cast<G *>(pa) == &g, "virtual base A* to G*");
    check(dynamic_cast<F *>(pa) == static_cast<F *>(&g), "virtual base A* to F*");
    check(dynamic_cast<E *>(pf) == static_cast<E *>(&g), "F* across to E*");
    check(dynamic_cast<void *>(pa) == &g, "virtual base A* to void*");
    E e;
    check(dynamic_cast<F *>(hide<A>(&e)) == nullptr, "a plain E has no F");
    check(dynamic_cast<E *>(hide<A>(&e)) == &e, "an E's A* to E*");
    printf("virtual: %s\n", typeid(*pa).raw_name());
}

static void ambiguous_bases()
{
    W w;
    V *pv = hide<V>(&w);
    X *py = hide<X>(static_cast<Y *>(&w));
    check(dynamic_cast<X *>(pv) == nullptr, "V* to X*: two X in W");
    check(dynamic_cast<W *>(py) == &w, "Y's X* to W*");
    check(dynamic_cast<Z *>(py) == static_cast<Z *>(&w), "Y's X* across to Z*");
    check(dynamic_cast<Y *>(pv) == static_cast<Y *>(&w), "V* across to Y*");
    printf("ambiguous: %s\n", typeid(*pv).raw_name());
}

static void failed_references()
{
    A a;
    A &ra = *hide<A>(&a);
    try {
        B &rb = dynamic_cast<B &>(ra);
        printf("wrong: cast to %d\n", rb.b);
    } catch (bad_cast &e) {
        printf("bad_cast: %s\n", e.what());
    }
    try {
        (void)dynamic_cast<C &>(ra);
        printf("wrong: no exception\n");
    } catch (exception &e) {
        // msvcrt's own classes have type information too.
        printf("as exception: %s, a %s\n", e.what(), typeid(e).raw_name());
        check(dynamic_cast<bad_cast *>(&e) == &e, "exception& to bad_cast*");
        check(dynamic_cast<bad_typeid *>(&e) == nullptr, "a bad_cast is no bad_typeid");
    }
    try {
        (void)dynamic_cast<D &>(ra);
        printf("wrong: no exception\n");
    } catch (bad_cast e) {
        printf("by value: %s\n", e.what());
    }
    D d;
    B &rb = dynamic_cast<B &>(*hide<C>(&d));
    check(&rb == static_cast<B *>(&d), "C& across to B&");
}

struct NoRtti {
    void **vftable;
};

static void typeid_failures()
{
    try {
        A *none = hide<A>(nullptr);
        printf("wrong: %s\n", typeid(*none).name());
    } catch (bad_typeid &e) {
        printf("bad_typeid: %s\n", e.what());
    }
    // A vftable with no locator before it.
    static void *table[2] = {nullptr, nullptr};
    NoRtti bogus = {&table[1]};
    A *pa = hide<A>(reinterpret_cast<A *>(&bogus));
    try {
        printf("wrong: %s\n", typeid(*pa).raw_name());
    } catch (__non_rtti_object &e) {
        printf("__non_rtti_object: %s\n", e.what());
    }
    try {
        printf("wrong: %p\n", (void *)dynamic_cast<B *>(pa));
    } catch (bad_typeid &e) {
        printf("dynamic_cast, as bad_typeid: %s\n", e.what());
    }
    B b;
    A *pb = hide<A>(&b);
    check(typeid(*pb) == typeid(B), "typeid(*(A *)&b) == typeid(B)");
}

int main()
{
    single_inheritance();
    multiple_inheritance();
    virtual_inheritance();
    ambiguous_bases();
    failed_references();
    typeid_failures();
    printf("%d checks, %d failed\n", checks, failures);
    return failures != 0;
}
