/*
 * ucrt_math.c - <math.h> of a UCRT program: exact results, domain errors
 * (EDOM and the indefinite NaN, printed "-nan(ind)"), poles and overflow
 * (ERANGE and infinity), the float forms, the C99 functions and the
 * classification helpers behind MSVC's fpclassify/isnan (_dclass,
 * _dtest). mingw-w64 links most of <math.h> from its own static library,
 * so every function is taken from ucrtbase.dll with GetProcAddress, as
 * an MSVC program imports it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>
#include "tap.h"

/* MSVC's fpclassify values (the UCRT's math.h). */
enum { MS_FP_SUBNORMAL = -2, MS_FP_NORMAL = -1, MS_FP_ZERO = 0, MS_FP_INFINITE = 1, MS_FP_NAN = 2 };

typedef double (*d_d)(double);
typedef double (*d_dd)(double, double);
typedef float (*f_f)(float);
typedef float (*f_ff)(float, float);
static HMODULE ucrt;
#define FN(type, name) ((type)GetProcAddress(ucrt, #name))
#define sqrt FN(d_d, sqrt)
#define pow FN(d_dd, pow)
#define floor FN(d_d, floor)
#define ceil FN(d_d, ceil)
#define fmod FN(d_dd, fmod)
#define frexp FN(double (*)(double, int *), frexp)
#define ldexp FN(double (*)(double, int), ldexp)
#define modf FN(double (*)(double, double *), modf)
#define atan2 FN(d_dd, atan2)
#define sin FN(d_d, sin)
#define cos FN(d_d, cos)
#define exp FN(d_d, exp)
#define log FN(d_d, log)
#define fabs FN(d_d, fabs)
#define tanh FN(d_d, tanh)
#define atan FN(d_d, atan)
#define acos FN(d_d, acos)
#define sqrtf FN(f_f, sqrtf)
#define powf FN(f_ff, powf)
#define floorf FN(f_f, floorf)
#define round FN(d_d, round)
#define trunc FN(d_d, trunc)
#define lround FN(long (*)(double), lround)
#define rint FN(d_d, rint)
#define hypot FN(d_dd, hypot)
#define cbrt FN(d_d, cbrt)
#define log2 FN(d_d, log2)
#define exp2 FN(d_d, exp2)
#define fmin FN(d_dd, fmin)
#define fmax FN(d_dd, fmax)
#define copysign FN(d_dd, copysign)
#define _dclass FN(short (*)(double), _dclass)
#define _dtest FN(short (*)(double *), _dtest)
#define _fdclass FN(short (*)(float), _fdclass)

static char text[64];
static const char *show(double v)
{
    snprintf(text, sizeof text, "%g", v);
    return text;
}

int main(void)
{
    volatile double two = 2.0, m1 = -1.0, zero = 0.0, big = 1000.0, x225 = 2.25;
    volatile float twof = 2.0f;
    plan(30);
    ucrt = LoadLibraryA("ucrtbase.dll");
    if (!ucrt) {
        diag("ucrtbase.dll did not load");
        return 1;
    }

    ok(sqrt(x225) == 1.5, "sqrt(2.25)");
    ok(pow(two, 10.0) == 1024.0 && pow(-two, 3.0) == -8.0, "pow");
    ok(floor(-1.5 * two / 2) == -2.0 && ceil(-1.5 * two / 2) == -1.0, "floor and ceil");
    ok(fmod(7.5 * two / 2, two) == 1.5, "fmod");
    int e = 0;
    ok(frexp(12.0 * two / 2, &e) == 0.75 && e == 4, "frexp");
    ok(ldexp(0.75 * two / 2, 4) == 12.0, "ldexp");
    double ip = 0;
    ok(modf(-3.25 * two / 2, &ip) == -0.25 && ip == -3.0, "modf");
    ok(atan2(two, two) * 4 == 3.141592653589793, "atan2(1,1) is pi/4");
    ok(sin(zero) == 0.0 && cos(zero) == 1.0 && exp(zero) == 1.0 && log(two / 2) == 0.0,
       "sin, cos, exp, log at exact points");
    ok(fabs(m1) == 1.0 && tanh(zero) == 0.0 && atan(zero) == 0.0, "fabs, tanh, atan");

    errno = 0;
    double r = sqrt(m1);
    ok(isnan(r) && errno == EDOM, "sqrt(-1): NaN, EDOM");
    is_str(show(r), "-nan(ind)", "... the indefinite NaN");
    errno = 0;
    r = log(m1);
    ok(isnan(r) && errno == EDOM, "log(-1): NaN, EDOM");
    errno = 0;
    r = log(zero);
    ok(r == -INFINITY && errno == ERANGE, "log(0): -inf, ERANGE");
    errno = 0;
    r = exp(big);
    ok(r == INFINITY && errno == ERANGE, "exp(1000): inf, ERANGE");
    errno = 0;
    r = pow(-two, 0.5);
    ok(isnan(r) && errno == EDOM, "pow(-2, 0.5): NaN, EDOM");
    errno = 0;
    r = pow(zero, -1.0);
    ok(r == INFINITY && errno == ERANGE, "pow(0, -1): inf, ERANGE");
    errno = 0;
    r = acos(two);
    ok(isnan(r) && errno == EDOM, "acos(2): NaN, EDOM");

    ok(sqrtf(twof * twof) == 2.0f && powf(twof, 3.0f) == 8.0f && floorf(twof / 4) == 0.0f,
       "float forms");
    ok(round(2.5 * two / 2) == 3.0 && trunc(-2.7 * two / 2) == -2.0 && lround(-2.5 * two / 2) == -3,
       "round, trunc, lround (halves away from zero)");
    ok(rint(2.5 * two / 2) == 2.0, "rint rounds ties to even");
    ok(hypot(3 * two / 2, 4 * two / 2) == 5.0, "hypot");
    ok(cbrt(27 * two / 2) == 3.0 && log2(8 * two / 2) == 3.0 && exp2(3 * two / 2) == 8.0,
       "cbrt, log2, exp2");
    ok(fmin(two, m1) == -1.0 && fmax(two, m1) == 2.0 && copysign(two, m1) == -2.0,
       "fmin, fmax, copysign");

    volatile double inf = INFINITY, nan = NAN, tiny = 4.9e-324;
    is_int(_dclass(inf), MS_FP_INFINITE, "_dclass(inf)");
    is_int(_dclass(nan), MS_FP_NAN, "_dclass(nan)");
    is_int(_dclass(zero), MS_FP_ZERO, "_dclass(0)");
    is_int(_dclass(tiny), MS_FP_SUBNORMAL, "_dclass(subnormal)");
    double one = 1.0;
    is_int(_dtest(&one), MS_FP_NORMAL, "_dtest(1.0)");
    is_int(_fdclass((float)tiny), MS_FP_ZERO, "_fdclass");
    return done();
}
