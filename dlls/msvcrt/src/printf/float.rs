//! Floating-point conversions (%e, %f, %g, %a) as msvcrt renders them:
//! its 17-digit decimal converter, rounding, 3-digit exponents and the
//! 1.#INF family.

use super::*;

pub(super) struct FloatText {
    pub(super) sign: Vec<u8>,
    /// "0x"/"0X" for %a: zero padding goes after it.
    pub(super) prefix: Vec<u8>,
    pub(super) body: Body,
}

/// A decimal significand as msvcrt's converter leaves it: ASCII "digits"
/// (or the `1#INF`-style text of a special value) with the value being
/// 0.d1d2... * 10^decpt; digits past the end are zeros.
pub(super) struct Decimal {
    digits: Vec<u8>,
    decpt: i32,
}

impl Decimal {
    /// Digit at `pos` (0 is the first significant one); zero outside.
    fn at(&self, pos: i64) -> u8 {
        usize::try_from(pos)
            .ok()
            .and_then(|p| self.digits.get(p).copied())
            .unwrap_or(b'0')
    }

    fn is_zero(&self) -> bool {
        self.digits.iter().all(|&c| c == b'0')
    }
}

/// The text msvcrt's converter produces for non-finite values.
pub(super) fn special_digits(v: f64) -> Option<&'static [u8]> {
    if v.is_infinite() {
        return Some(b"1#INF");
    }
    if !v.is_nan() {
        return None;
    }
    let bits = v.to_bits();
    let quiet = bits & (1 << 51) != 0;
    let payload = bits & ((1 << 51) - 1);
    Some(if quiet && payload == 0 && v.is_sign_negative() {
        // The x87/SSE "indefinite" NaN (what 0.0/0.0 produces).
        b"1#IND"
    } else if quiet {
        b"1#QNAN"
    } else {
        b"1#SNAN"
    })
}

/// A non-finite value as the Universal CRT prints it: "inf", "nan",
/// "nan(ind)" (the indefinite NaN 0.0/0.0 makes, which has the sign bit
/// set, so it prints "-nan(ind)") or "nan(snan)"; upper case for E/F/G/A.
pub(super) fn ucrt_special(v: f64, upper: bool, spec: &Spec) -> FloatText {
    let sign = if v.is_sign_negative() {
        b"-".to_vec()
    } else if spec.plus {
        b"+".to_vec()
    } else if spec.space {
        b" ".to_vec()
    } else {
        Vec::new()
    };
    let bits = v.to_bits();
    let quiet = bits & (1 << 51) != 0;
    let payload = bits & ((1 << 51) - 1);
    let text: &[u8] = if v.is_infinite() {
        b"inf"
    } else if !quiet {
        b"nan(snan)"
    } else if payload == 0 && v.is_sign_negative() {
        b"nan(ind)"
    } else {
        b"nan"
    };
    let head = if upper {
        text.to_ascii_uppercase()
    } else {
        text.to_vec()
    };
    FloatText {
        sign,
        prefix: Vec::new(),
        body: Body {
            head,
            ..Body::default()
        },
    }
}

/// Splits Rust's `{:e}` output ("d.ddde-5") into digits and exponent.
pub(super) fn parse_sci(s: &str) -> (Vec<u8>, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let digits = mant.bytes().filter(u8::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Rounds `d` to `n` leading digits, half away from zero on the digit text
/// (msvcrt's _fptostr): digit n >= '5' bumps the previous one, '9' carries.
/// Non-digit text bumps too ('#' -> '$', 'I' -> 'J'), which is where `1.#J`
/// comes from. `n < 0` leaves no digits (the value is below the precision).
pub(super) fn round_digits(d: &Decimal, n: i32) -> Decimal {
    let Ok(n) = usize::try_from(n) else {
        return Decimal {
            digits: Vec::new(),
            decpt: d.decpt,
        };
    };
    let mut digits: Vec<u8> = d.digits.iter().copied().take(n).collect();
    let mut decpt = d.decpt;
    if d.digits.get(n).is_some_and(|&c| c >= b'5') {
        let mut k = n;
        loop {
            if k == 0 {
                digits.insert(0, b'1');
                decpt += 1;
                break;
            }
            k -= 1;
            if digits[k] == b'9' {
                digits[k] = b'0';
            } else {
                digits[k] += 1;
                break;
            }
        }
    }
    Decimal { digits, decpt }
}

/// |v|'s exact decimal expansion (a double has at most 767 significant
/// digits), for the UCRT's conversions.
pub(super) fn exact_decimal(a: f64) -> Decimal {
    if a == 0.0 {
        return Decimal {
            digits: b"0".to_vec(),
            decpt: 1,
        };
    }
    let (mut digits, exp) = parse_sci(&format!("{:.800e}", a));
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    Decimal {
        digits,
        decpt: exp + 1,
    }
}

/// |v|'s first 26 significant digits, correctly rounded: enough to place
/// its decimal point (a double is never that close to a power of ten).
fn leading_digits(a: f64) -> Decimal {
    if a == 0.0 {
        return Decimal {
            digits: b"0".to_vec(),
            decpt: 1,
        };
    }
    let (digits, exp) = parse_sci(&format!("{a:.25e}"));
    Decimal {
        digits,
        decpt: exp + 1,
    }
}

/// |v| rounded to `n` significant digits from its exact binary value, an
/// exact tie to even: Rust's exact formatting does precisely that, at
/// the cost of the digits asked for only. `n <= 0` (the value is below
/// the precision) takes the full expansion to decide between 0 and 1.
pub(super) fn exact_rounded(a: f64, n: i32) -> Decimal {
    if a == 0.0 {
        return Decimal {
            digits: b"0".to_vec(),
            decpt: 1,
        };
    }
    if n <= 0 {
        return round_half_even(&exact_decimal(a), n);
    }
    let (digits, exp) = parse_sci(&format!("{:.*e}", (n - 1) as usize, a));
    Decimal {
        digits,
        decpt: exp + 1,
    }
}

/// Rounds exact digits to `n` leading digits as IEEE 754 says (and the
/// UCRT does since Windows 10 2004): to nearest, an exact tie to even.
pub(super) fn round_half_even(d: &Decimal, n: i32) -> Decimal {
    let Ok(k) = usize::try_from(n) else {
        return Decimal {
            digits: Vec::new(),
            decpt: d.decpt,
        };
    };
    let tie = d.digits.get(k) == Some(&b'5') && d.digits[k + 1..].iter().all(|&c| c == b'0');
    let prev_even = || k == 0 || d.digits.get(k - 1).is_none_or(|&c| c % 2 == 0);
    if tie && prev_even() {
        // Round down: keep the first k digits.
        return Decimal {
            digits: d.digits.iter().copied().take(k).collect(),
            decpt: d.decpt,
        };
    }
    round_digits(d, n)
}

/// |v| to 17 significant digits, correctly rounded with ties away from zero,
/// as msvcrt's converter does before padding with zeros.
pub(super) fn decimal17(a: f64) -> Decimal {
    if a == 0.0 {
        return Decimal {
            digits: b"0".to_vec(),
            decpt: 1,
        };
    }
    let (digits, exp) = parse_sci(&format!("{:.24e}", a));
    // 25 correctly rounded digits decide the rounding at 17 unless they sit
    // on the tie; then the exact expansion (at most 767 digits) decides.
    let digits = if digits.get(17..25) == Some(b"50000000".as_slice()) {
        parse_sci(&format!("{:.800e}", a)).0
    } else {
        digits
    };
    let exact = Decimal {
        digits,
        decpt: exp + 1,
    };
    round_digits(&exact, 17)
}

/// `count` digits of `d` from `pos`: the known ones as text, the rest as a
/// zero count.
pub(super) fn digit_run(d: &Decimal, pos: i64, count: usize, head: &mut Vec<u8>) -> usize {
    let known = (d.digits.len() as i64 - pos).clamp(0, count as i64) as usize;
    head.extend((0..known as i64).map(|k| d.at(pos + k)));
    count - known
}

pub(super) fn fixed_body(d: &Decimal, precision: usize, alt: bool) -> Body {
    let mut head = Vec::new();
    if d.decpt <= 0 {
        head.push(b'0');
    } else {
        head.extend((0..i64::from(d.decpt)).map(|k| d.at(k)));
    }
    if precision > 0 || alt {
        head.push(b'.');
    }
    let zeros = digit_run(d, i64::from(d.decpt), precision, &mut head);
    Body {
        head,
        zeros,
        tail: Vec::new(),
    }
}

pub(super) fn exp_body(d: &Decimal, precision: usize, alt: bool, e: u8, two_digit: bool) -> Body {
    let mut head = vec![d.at(0)];
    if precision > 0 || alt {
        head.push(b'.');
    }
    let zeros = digit_run(d, 1, precision, &mut head);
    // Zero prints with exponent 0; a special value's decpt of 1 does too.
    let x = if d.is_zero() { 0 } else { d.decpt - 1 };
    let mut tail = vec![e, if x < 0 { b'-' } else { b'+' }];
    let width = if two_digit { 2 } else { 3 };
    tail.extend(format!("{:0width$}", x.unsigned_abs()).bytes());
    Body { head, zeros, tail }
}

/// %g's trailing-zero removal (not with '#'), up to and including the point.
pub(super) fn crop_zeros(body: &mut Body) {
    if !body.head.contains(&b'.') {
        return;
    }
    body.zeros = 0;
    while body.head.last() == Some(&b'0') {
        body.head.pop();
    }
    if body.head.last() == Some(&b'.') {
        body.head.pop();
    }
}

pub(super) fn format_float(
    v: f64,
    conv: u8,
    spec: &Spec,
    two_digit: bool,
    exact: bool,
) -> FloatText {
    let sign = if v.is_sign_negative() {
        b"-".to_vec()
    } else if spec.plus {
        b"+".to_vec()
    } else if spec.space {
        b" ".to_vec()
    } else {
        Vec::new()
    };
    let upper = conv.is_ascii_uppercase();
    let e = if upper { b'E' } else { b'e' };
    if conv.eq_ignore_ascii_case(&b'a') {
        let prefix = if upper {
            b"0X".to_vec()
        } else {
            b"0x".to_vec()
        };
        return FloatText {
            sign,
            prefix,
            body: hex_body(v, spec, upper),
        };
    }
    let dec = match special_digits(v) {
        Some(text) => Decimal {
            digits: text.to_vec(),
            decpt: 1,
        },
        // The leading digits only place the decimal point; the digits
        // are produced at the precision asked for (below).
        None if exact => leading_digits(v.abs()),
        None => decimal17(v.abs()),
    };
    let round_digits = |d: &Decimal, n: i32| {
        if exact && v.is_finite() {
            exact_rounded(v.abs(), n)
        } else if exact {
            round_half_even(d, n)
        } else {
            round_digits(d, n)
        }
    };
    // 0 <= precision <= i32::MAX, so the digit counts below cannot overflow.
    let precision = if spec.precision < 0 {
        6
    } else {
        spec.precision
    };
    let body = match conv.to_ascii_lowercase() {
        b'f' => fixed_body(
            &round_digits(&dec, dec.decpt.saturating_add(precision)),
            precision as usize,
            spec.alt,
        ),
        b'e' => exp_body(
            &round_digits(&dec, precision.saturating_add(1)),
            precision as usize,
            spec.alt,
            e,
            two_digit,
        ),
        _ => {
            let p = precision.max(1);
            let d = round_digits(&dec, p);
            let x = if d.is_zero() { 0 } else { d.decpt - 1 };
            let mut body = if x < -4 || x >= p {
                exp_body(&d, (p - 1) as usize, spec.alt, e, two_digit)
            } else {
                fixed_body(
                    &Decimal { decpt: x + 1, ..d },
                    (p - 1 - x) as usize,
                    spec.alt,
                )
            };
            if !spec.alt {
                crop_zeros(&mut body);
            }
            body
        }
    };
    FloatText {
        sign,
        prefix: Vec::new(),
        body,
    }
}

/// %a body after "0x": h.hhhp+d (msvcrt: 13 hex digits by default, half-up
/// rounding, a carry into the leading digit is not renormalized).
pub(super) fn hex_body(v: f64, spec: &Spec, upper: bool) -> Body {
    let p = if spec.precision < 0 {
        13
    } else {
        spec.precision as usize
    };
    let pexp = if upper { b'P' } else { b'p' };
    if let Some(text) = special_digits(v) {
        // Like Wine: the special text takes the place of the digits.
        let d = round_digits(
            &Decimal {
                digits: text.to_vec(),
                decpt: 1,
            },
            (p as i32).saturating_add(1),
        );
        let mut head = vec![d.at(0), b'.'];
        let zeros = digit_run(&d, 1, p, &mut head);
        return Body {
            head,
            zeros,
            tail: vec![pexp, b'+', b'0'],
        };
    }
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1 << 52) - 1);
    let (mut lead, exp) = match (biased, mant) {
        (0, 0) => (0u64, 0),
        (0, _) => (0, -1022),
        _ => (1, biased - 1023),
    };
    let shown = p.min(13);
    if shown < 13 {
        let shift = (13 - shown) * 4;
        let rest = mant & ((1u64 << shift) - 1);
        mant >>= shift;
        if rest >= 1u64 << (shift - 1) {
            mant += 1;
            if mant >> (shown * 4) != 0 {
                mant = 0;
                lead += 1;
            }
        }
    }
    let hex = |d: u64| -> u8 {
        let d = d as u8;
        match d {
            0..=9 => b'0' + d,
            _ if upper => b'A' + d - 10,
            _ => b'a' + d - 10,
        }
    };
    let mut head = vec![hex(lead)];
    if p > 0 || spec.alt {
        head.push(b'.');
    }
    head.extend((0..shown).rev().map(|k| hex((mant >> (k * 4)) & 0xf)));
    let mut tail = vec![pexp];
    tail.extend(format!("{:+}", exp).bytes());
    Body {
        head,
        zeros: p - shown,
        tail,
    }
}
