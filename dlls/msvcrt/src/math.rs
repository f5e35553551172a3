//! <math.h>: the C library's floating-point functions with the C
//! standard's and Microsoft's error reporting — a domain error sets errno
//! to EDOM and returns the "indefinite" NaN (what x64 hardware produces,
//! printed "-nan(ind)"); a pole or an overflow sets ERANGE and returns
//! ±HUGE_VAL (infinity). The values are the host libm's (Rust's f64 and
//! f32 methods), correctly rounded or within an ulp as the CRT's are.

use crate::errno::{self, EDOM, ERANGE};

/// The x64 "indefinite" quiet NaN (sign set, payload zero).
const INDEFINITE: f64 = f64::from_bits(0xFFF8_0000_0000_0000);

fn domain() -> f64 {
    errno::set(EDOM);
    INDEFINITE
}

fn range(v: f64) -> f64 {
    errno::set(ERANGE);
    v
}

/// A result that overflowed from finite arguments is a range error.
fn check_overflow(args_finite: bool, r: f64) -> f64 {
    if args_finite && r.is_infinite() {
        range(r)
    } else {
        r
    }
}

macro_rules! unary {
    ($($name:ident => $body:expr;)*) => {
        $(
            #[doc = concat!("Implements ", stringify!($name), "(x).")]
            pub extern "win64" fn $name(x: f64) -> f64 {
                let f: fn(f64) -> f64 = $body;
                f(x)
            }
        )*
    };
}

unary! {
    sqrt => |x| if x < 0.0 { domain() } else { x.sqrt() };
    exp => |x| check_overflow(x.is_finite(), x.exp());
    exp2 => |x| check_overflow(x.is_finite(), x.exp2());
    expm1 => |x| check_overflow(x.is_finite(), x.exp_m1());
    log => |x| log_like(x, f64::ln);
    log10 => |x| log_like(x, f64::log10);
    log2 => |x| log_like(x, f64::log2);
    log1p => |x| {
        if x == -1.0 {
            range(f64::NEG_INFINITY)
        } else if x < -1.0 {
            domain()
        } else {
            x.ln_1p()
        }
    };
    sin => |x| if x.is_infinite() { domain() } else { x.sin() };
    cos => |x| if x.is_infinite() { domain() } else { x.cos() };
    tan => |x| if x.is_infinite() { domain() } else { x.tan() };
    asin => |x| if x.abs() > 1.0 { domain() } else { x.asin() };
    acos => |x| if x.abs() > 1.0 { domain() } else { x.acos() };
    atan => |x| x.atan();
    sinh => |x| check_overflow(x.is_finite(), x.sinh());
    cosh => |x| check_overflow(x.is_finite(), x.cosh());
    tanh => |x| x.tanh();
    cbrt => cube_root;
    fabs => |x| x.abs();
    floor => |x| x.floor();
    ceil => |x| x.ceil();
    trunc => |x| x.trunc();
    round => |x| x.round();
    // Round to nearest, ties to even (the default rounding mode).
    rint => |x| x.round_ties_even();
    nearbyint => |x| x.round_ties_even();
    _chgsign => |x| -x;
}

/// The host's cbrt can be an ulp off (cbrt(27) = 3.0000000000000004); a
/// Newton step on its result makes exact cubes exact, as the CRT's are.
fn cube_root(x: f64) -> f64 {
    let r = x.cbrt();
    if !r.is_finite() || r == 0.0 {
        return r;
    }
    r - (r * r * r - x) / (3.0 * r * r)
}

/// log, log10, log2: a pole at 0 (ERANGE, -inf), a domain error below.
fn log_like(x: f64, f: fn(f64) -> f64) -> f64 {
    if x == 0.0 {
        range(f64::NEG_INFINITY)
    } else if x < 0.0 {
        domain()
    } else {
        f(x)
    }
}

/// Implements pow(x, y).
pub extern "win64" fn pow(x: f64, y: f64) -> f64 {
    if x.is_finite() && x < 0.0 && y.is_finite() && y.fract() != 0.0 {
        return domain();
    }
    if x == 0.0 && y < 0.0 {
        // A pole: ±infinity by the sign rules of pow.
        return range(x.powf(y));
    }
    check_overflow(x.is_finite() && y.is_finite(), x.powf(y))
}

/// Implements atan2(y, x).
pub extern "win64" fn atan2(y: f64, x: f64) -> f64 {
    y.atan2(x)
}

/// Implements fmod(x, y): a domain error for y = 0 or infinite x.
pub extern "win64" fn fmod(x: f64, y: f64) -> f64 {
    if y == 0.0 || x.is_infinite() {
        return domain();
    }
    x % y
}

/// Implements _hypot(x, y) (and hypot).
pub extern "win64" fn _hypot(x: f64, y: f64) -> f64 {
    check_overflow(x.is_finite() && y.is_finite(), x.hypot(y))
}

/// Implements _copysign(x, y) (and copysign).
pub extern "win64" fn _copysign(x: f64, y: f64) -> f64 {
    x.copysign(y)
}

/// Implements fmin(x, y): a NaN argument gives the other one.
pub extern "win64" fn fmin(x: f64, y: f64) -> f64 {
    x.min(y)
}

/// Implements fmax(x, y).
pub extern "win64" fn fmax(x: f64, y: f64) -> f64 {
    x.max(y)
}

/// Implements modf(x, intpart): the fraction, the integer part stored.
pub extern "win64" fn modf(x: f64, ip: *mut f64) -> f64 {
    let int = x.trunc();
    if !ip.is_null() {
        // SAFETY: the caller's double.
        unsafe { *ip = int };
    }
    if x.is_infinite() {
        0.0f64.copysign(x)
    } else {
        x - int
    }
}

/// Implements frexp(x, exp): mantissa in [0.5, 1) and power of two.
pub extern "win64" fn frexp(x: f64, e: *mut i32) -> f64 {
    let (m, p) = if x == 0.0 || !x.is_finite() {
        (x, 0)
    } else {
        let bits = x.to_bits();
        let raw = ((bits >> 52) & 0x7ff) as i32;
        if raw == 0 {
            // Subnormal: scale into the normal range first.
            let y = x * f64::from_bits(0x4350_0000_0000_0000); // 2^54
            let raw = ((y.to_bits() >> 52) & 0x7ff) as i32;
            let m = f64::from_bits((y.to_bits() & !(0x7ff << 52)) | (1022 << 52));
            (m, raw - 1022 - 54)
        } else {
            let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
            (m, raw - 1022)
        }
    };
    if !e.is_null() {
        // SAFETY: the caller's int.
        unsafe { *e = p };
    }
    m
}

/// Implements ldexp(x, exp): x * 2^exp, ERANGE on overflow.
pub extern "win64" fn ldexp(x: f64, e: i32) -> f64 {
    let mut r = x;
    let mut n = e;
    // Scale in steps that stay exact (powers of two within range).
    while n > 1000 {
        r *= 2f64.powi(1000);
        n -= 1000;
    }
    while n < -1000 {
        r *= 2f64.powi(-1000);
        n += 1000;
    }
    r *= 2f64.powi(n);
    check_overflow(x.is_finite(), r)
}

/// Implements lround(x): a long (32-bit), EDOM when it does not fit.
pub extern "win64" fn lround(x: f64) -> i32 {
    let r = x.round();
    if r.is_nan() || r < i32::MIN as f64 || r > i32::MAX as f64 {
        errno::set(EDOM);
        return 0;
    }
    r as i32
}

/// Implements llround(x).
pub extern "win64" fn llround(x: f64) -> i64 {
    let r = x.round();
    if r.is_nan() || r < -9.223_372_036_854_776e18 || r >= 9.223_372_036_854_776e18 {
        errno::set(EDOM);
        return 0;
    }
    r as i64
}

/// Implements _isnan(x).
pub extern "win64" fn _isnan(x: f64) -> i32 {
    i32::from(x.is_nan())
}

/// Implements _finite(x).
pub extern "win64" fn _finite(x: f64) -> i32 {
    i32::from(x.is_finite())
}

macro_rules! float_of {
    ($($name:ident => $double:ident;)*) => {
        $(
            #[doc = concat!("Implements ", stringify!($name), "(x): ", stringify!($double), " in float.")]
            pub extern "win64" fn $name(x: f32) -> f32 {
                $double(f64::from(x)) as f32
            }
        )*
    };
}

// float forms: computed in double and rounded once, which is at least as
// accurate as the float routines (a float result overflowing is ERANGE too).
float_of! {
    sqrtf => sqrt;
    expf => exp;
    logf => log;
    log10f => log10;
    sinf => sin;
    cosf => cos;
    tanf => tan;
    asinf => asin;
    acosf => acos;
    atanf => atan;
    sinhf => sinh;
    coshf => cosh;
    tanhf => tanh;
    floorf => floor;
    ceilf => ceil;
}

/// Implements powf(x, y).
pub extern "win64" fn powf(x: f32, y: f32) -> f32 {
    let r = pow(f64::from(x), f64::from(y)) as f32;
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        errno::set(ERANGE);
    }
    r
}

/// Implements atan2f(y, x).
pub extern "win64" fn atan2f(y: f32, x: f32) -> f32 {
    atan2(f64::from(y), f64::from(x)) as f32
}

/// Implements fmodf(x, y).
pub extern "win64" fn fmodf(x: f32, y: f32) -> f32 {
    fmod(f64::from(x), f64::from(y)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_errors_return_the_indefinite_nan() {
        assert_eq!(sqrt(-1.0).to_bits(), INDEFINITE.to_bits());
        assert_eq!(log(-1.0).to_bits(), INDEFINITE.to_bits());
        assert_eq!(pow(-8.0, 1.0 / 3.0).to_bits(), INDEFINITE.to_bits());
        assert_eq!(acos(2.0).to_bits(), INDEFINITE.to_bits());
    }

    #[test]
    fn poles_and_overflow_are_infinite() {
        assert_eq!(log(0.0), f64::NEG_INFINITY);
        assert_eq!(pow(0.0, -1.0), f64::INFINITY);
        assert_eq!(pow(-0.0, -1.0), f64::NEG_INFINITY);
        assert_eq!(exp(1000.0), f64::INFINITY);
        assert_eq!(ldexp(1.0, 2000), f64::INFINITY);
    }

    #[test]
    fn exact_results() {
        assert_eq!(pow(2.0, 10.0), 1024.0);
        assert_eq!(pow(-2.0, 3.0), -8.0);
        assert_eq!(sqrt(2.25), 1.5);
        assert_eq!(floor(-1.5), -2.0);
        assert_eq!(ceil(-1.5), -1.0);
        assert_eq!(fmod(7.5, 2.0), 1.5);
        assert_eq!(ldexp(0.75, 4), 12.0);
        assert_eq!(ldexp(1.0, -1074), f64::from_bits(1));
        let mut e = 0;
        assert_eq!(frexp(12.0, &mut e), 0.75);
        assert_eq!(e, 4);
        assert_eq!(frexp(f64::from_bits(1), &mut e), 0.5);
        assert_eq!(e, -1073);
        let mut ip = 0.0;
        assert_eq!(modf(-3.25, &mut ip), -0.25);
        assert_eq!(ip, -3.0);
        assert_eq!(lround(2.5), 3);
        assert_eq!(rint(2.5), 2.0);
        assert_eq!(cbrt(27.0), 3.0);
        assert_eq!(cbrt(-8.0), -2.0);
    }
}

// fpclassify's values in the UCRT's math.h.
const FP_SUBNORMAL: i16 = -2;
const FP_NORMAL: i16 = -1;
const FP_ZERO: i16 = 0;
const FP_INFINITE: i16 = 1;
const FP_NAN: i16 = 2;

fn classify(x: f64) -> i16 {
    match x.classify() {
        std::num::FpCategory::Nan => FP_NAN,
        std::num::FpCategory::Infinite => FP_INFINITE,
        std::num::FpCategory::Zero => FP_ZERO,
        std::num::FpCategory::Subnormal => FP_SUBNORMAL,
        std::num::FpCategory::Normal => FP_NORMAL,
    }
}

/// Implements _dclass(x): the UCRT's fpclassify for double.
pub extern "win64" fn _dclass(x: f64) -> i16 {
    classify(x)
}

/// Implements _fdclass(x): fpclassify for float.
pub extern "win64" fn _fdclass(x: f32) -> i16 {
    // Widening keeps the class except for float subnormals.
    if x != 0.0 && x.is_subnormal() {
        FP_SUBNORMAL
    } else {
        classify(f64::from(x))
    }
}

/// Implements _dtest(px): the class of *px (what isnan/isinf test).
pub extern "win64" fn _dtest(p: *const f64) -> i16 {
    // SAFETY: the caller's double.
    classify(unsafe { *p })
}

/// Implements _fdtest(px).
pub extern "win64" fn _fdtest(p: *const f32) -> i16 {
    // SAFETY: the caller's float.
    _fdclass(unsafe { *p })
}
