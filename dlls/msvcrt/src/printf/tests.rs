//! The printf engines against msvcrt's output. Test values are the
//! literal arguments of Windows/Wine probes.
#![allow(clippy::approx_constant, clippy::excessive_precision)]

use super::*;
use std::cell::RefCell;
use std::collections::HashMap;

/// Fake guest memory: strings and structs by address, integer stores recorded.
#[derive(Default)]
struct Mem {
    narrow: HashMap<u64, Vec<u8>>,
    wide: HashMap<u64, Vec<u16>>,
    raw: HashMap<u64, Vec<u8>>,
    writes: RefCell<Vec<(u64, usize, i64)>>,
}

impl GuestMem for Mem {
    fn narrow_str(&self, p: u64, max: Option<usize>) -> Vec<u8> {
        let s = self.narrow.get(&p).cloned().unwrap_or_default();
        s[..max.map_or(s.len(), |m| m.min(s.len()))].to_vec()
    }
    fn wide_str(&self, p: u64, max: Option<usize>) -> Vec<u16> {
        let s = self.wide.get(&p).cloned().unwrap_or_default();
        s[..max.map_or(s.len(), |m| m.min(s.len()))].to_vec()
    }
    fn write_int(&self, p: u64, size: usize, v: i64) {
        self.writes.borrow_mut().push((p, size, v));
    }
    fn read_bytes(&self, p: u64, len: usize) -> Vec<u8> {
        let mut v = self.raw.get(&p).cloned().unwrap_or_default();
        v.resize(len, 0);
        v
    }
    fn wide_to_narrow(&self, w: &[u16]) -> Vec<u8> {
        wide_to_latin1(w)
    }
    fn narrow_to_wide(&self, n: &[u8]) -> Vec<u16> {
        latin1_to_wide(n)
    }
}

const NARROW: u64 = 0x1000;
const WIDE: u64 = 0x2000;

fn mem() -> Mem {
    let mut m = Mem::default();
    m.narrow.insert(NARROW, b"hello".to_vec());
    m.narrow.insert(NARROW + 1, b"foo".to_vec());
    m.narrow.insert(NARROW + 2, vec![0xe9, 0x80]);
    m.wide.insert(WIDE, "wide".encode_utf16().collect());
    m.wide
        .insert(WIDE + 1, vec![u16::from(b'x'), 0x141, u16::from(b'y')]);
    m.wide.insert(WIDE + 2, vec![0xe9]);
    m
}

fn f(v: f64) -> u64 {
    v.to_bits()
}

fn sprintf(fmt: &str, args: &[u64]) -> String {
    let out = format_narrow(fmt.as_bytes(), &mut args.iter(), &mem());
    out.iter().map(|&b| char::from(b)).collect()
}

fn swprintf(fmt: &str, args: &[u64]) -> Vec<u16> {
    let fmt: Vec<u16> = fmt.encode_utf16().collect();
    format_wide(&fmt, &mut args.iter(), &mem())
}

fn check(cases: &[(&str, &[u64], &str)]) {
    for (fmt, args, want) in cases {
        assert_eq!(sprintf(fmt, args), *want, "format {fmt:?}");
    }
}

const INF: u64 = 0x7ff0_0000_0000_0000;
const NINF: u64 = 0xfff0_0000_0000_0000;
const QNAN: u64 = 0x7ff8_0000_0000_0000;
const IND: u64 = 0xfff8_0000_0000_0000;
const NQNAN: u64 = 0xfff8_0000_0000_0001;
const SNAN: u64 = 0x7ff0_0000_0000_0001;

#[test]
fn integers() {
    let m1 = u64::MAX; // -1 in any width
    check(&[
        ("%d|%i|%u|%o|%x|%X", &[m1, m1, m1, m1, m1, m1], "-1|-1|4294967295|37777777777|ffffffff|FFFFFFFF"),
        ("%lld|%I64d|%I64u|%Id|%Iu", &[1 << 63; 5], "-9223372036854775808|-9223372036854775808|9223372036854775808|-9223372036854775808|9223372036854775808"),
        // l is 32-bit; I32 selects 32 bits; L does nothing to integers.
        ("%ld|%I32d|%Ld|%lx", &[0x1_ffff_ffff; 4], "-1|-1|-1|ffffffff"),
        ("%llld|%lI64x|%I64lx", &[0x1_ffff_ffff; 3], "8589934591|1ffffffff|1ffffffff"),
        // Windows: hh is h.
        ("%hd|%hu|%hx|%hhx|%hhx", &[70000, 70000, 0x12345, 0x123, 0x12345], "4464|4464|2345|123|2345"),
        ("%d|%hd", &[0x8000_0000, 0x8000], "-2147483648|-32768"),
        ("%u|%llu", &[3_000_000_000, u64::MAX], "3000000000|18446744073709551615"),
        // Modern msvcrt.dll: z, t, j select 64 bits.
        ("%zx|%tx|%jd|%zu", &[1, 1, m1, 5], "1|1|-1|5"),
        ("%Ix %d", &[0x12345678123456, 1], "12345678123456 1"),
        ("%-8.5I64d|%05I64d|% .5I64d|%#+21.18I64x", &[(-100i64) as u64, (-100i64) as u64, 100, (-100i64) as u64], "-00100  |-0100| 00100| 0x00ffffffffffffff9c"),
        ("%#+25.22I64u|%+#25.22I64d", &[m1, m1], "   0018446744073709551615|  -0000000000000000000001"),
        ("%#.25I64o", &[(-100i64) as u64], "0001777777777777777777634"),
        ("% .80d", &[1], " 00000000000000000000000000000000000000000000000000000000000000000000000000000001"),
    ]);
}

#[test]
fn integer_flags_and_precision() {
    check(&[
        ("%.0d|%.0x|%.d|%.0I64d", &[0, 0, 0, 0], "|||"),
        (
            "%#o|%#o|%#x|%#X|%#.0x|%#.0x",
            &[0, 8, 0, 255, 1, 0],
            "0|010|0|0XFF|0x1|",
        ),
        // Docs: '#' prefixes only nonzero values, so %#.0o of 0 is empty (Wine agrees).
        (
            "%#.0o|%#.3o|%#5o|%#08o",
            &[0, 7, 7, 1],
            "|007|   07|00000001",
        ),
        (
            "%-08d|%08d|%+d|% d|%+ d|% +d|%+u|% u",
            &[42, (-42i64) as u64, 42, 42, 42, 42, 42, 42],
            "42      |-0000042|+42| 42|+42|+42|42|42",
        ),
        // Docs: with a precision the 0 flag is ignored for integers (Wine
        // zero-pads here; the docs win).
        (
            "%08.3d|%05.3d|%-5.3d|%5.3d",
            &[42, 7, 7, 7],
            "     042|  007|007  |  007",
        ),
        (
            "%#012x|%#012x|%#04.8x|%#04.8x|%#-08.2x|%#-08.2x",
            &[1, 0, 1, 0, 1, 0],
            "0x0000000001|000000000000|0x00000001|00000000|0x01    |00      ",
        ),
        ("%#.3x|%#05x|%#-8x", &[7, 7, 7], "0x007|0x007|0x7     "),
        (
            "%5d|%-5d|%05d|%-1d|%3d",
            &[1, 1, (-1i64) as u64, 2, 1234],
            "    1|1    |-0001|2|1234",
        ),
        (
            "%--5d|%-0-5d|%0-5d|%005d|%00d",
            &[1, 2, 3, 4, 5],
            "1    |2    |3    |00004|5",
        ),
    ]);
}

#[test]
fn star_width_and_precision() {
    let neg = |v: i64| v as u64;
    check(&[
        (
            "%*d|%-*d|%*d|%.*d|%.*d",
            &[4, 2, 4, 2, neg(-4), 2, 3, 5, neg(-3), 5],
            "   2|2   |2   |005|5",
        ),
        (
            "%.*s|%*s|%-*s",
            &[1, NARROW + 1, neg(-5), NARROW + 1, neg(-4), NARROW + 1],
            "f|foo  |foo ",
        ),
        // Digits after '*' keep accumulating (Windows: width 11, 10, 2).
        (
            "%*1d|%0*0d|% *2d",
            &[1, 3, 1, 2, 0, 7],
            "          3|0000000002| 7",
        ),
        // Overflowing widths wrap like msvcrt's int arithmetic.
        ("%4294967297d|%.4294967298d", &[7, 7], "7|07"),
        ("%*d", &[neg(i64::from(i32::MIN)), 5], "5"),
    ]);
    assert_eq!(sprintf("%300d", &[1]).len(), 300);
    assert_eq!(
        sprintf("%-300s|", &[NARROW]),
        format!("hello{}|", " ".repeat(295))
    );
}

#[test]
fn pointers() {
    check(&[
        ("%p|%p", &[0x1234, 0], "0000000000001234|0000000000000000"),
        // Precision is forced to 16, which also cancels the 0 flag.
        ("%#020p|%#-020p|%.3p|%20p", &[57, 57, 0x1234, 57], "  0X0000000000000039|0X0000000000000039  |0000000000001234|    0000000000000039"),
        ("%Fp|%Np|%lp|%hp|%+p|% p", &[57, 57, 57, 57, 57, 57], "0000000000000039|0000000000000039|0000000000000039|0000000000000039|0000000000000039|0000000000000039"),
    ]);
}

#[test]
fn strings_and_chars() {
    check(&[
        (
            "%s|%5.2s|%-5s|%.0s|%.1s|%04s|%05s",
            &[
                NARROW,
                NARROW,
                NARROW + 1,
                NARROW,
                NARROW + 1,
                NARROW + 1,
                NARROW + 1,
            ],
            "hello|   he|foo  ||f|0foo|00foo",
        ),
        (
            "%s|%.3s|%S|%.2S|%ls|%8s",
            &[0, 0, 0, 0, 0, 0],
            "(null)|(nu|(null)|(n|(null)|  (null)",
        ),
        (
            "%S|%ls|%ws|%hs|%hS|%lS|%wS|%Ls",
            &[
                WIDE,
                WIDE,
                WIDE,
                NARROW + 1,
                NARROW + 1,
                WIDE,
                WIDE,
                NARROW + 1,
            ],
            "wide|wide|wide|foo|foo|wide|wide|foo",
        ),
        (
            "%-10ws|%10ws|%#+ -03whlls",
            &[WIDE, WIDE, WIDE],
            "wide      |      wide|wide",
        ),
        (
            "%c|%3c|%-3c|%hc|%lc|%wc|%C|%hC|%lC",
            &[97, 98, 99, 100, 101, 102, 103, 104, 105],
            "a|  b|c  |d|e|f|g|h|i",
        ),
        ("%04c|%-04c|x%cx", &[49, 49, 0x158], "0001|1   |xXx"),
        // A wide character with no narrow form prints nothing, not even padding.
        (
            "%C|a%Cb|%5C|%C|%c",
            &[0x3042, 0x3042, 0x3042, 0xe9, 0xa082],
            "|ab||\u{e9}|\u{82}",
        ),
    ]);
    // %c of 0 writes a NUL.
    assert_eq!(format_narrow(b"%c", &mut [0u64].iter(), &mem()), vec![0]);
    assert_eq!(
        format_narrow(b"%S", &mut [WIDE + 2].iter(), &mem()),
        vec![0xe9]
    );
}

#[test]
fn unconvertible_wide_string_fails_the_call() {
    let r = format_narrow_ex(b"A%SB", &mut [WIDE + 1].iter(), &mem(), &Options::default());
    assert_eq!((r.text, r.status), (b"A".to_vec(), Status::Failed));
}

#[test]
fn counted_strings() {
    let mut m = mem();
    // ANSI_STRING { Length 3, MaximumLength 10, Buffer -> "abcdef" }.
    let mut a = vec![3, 0, 10, 0, 0, 0, 0, 0];
    a.extend(0x5000u64.to_le_bytes());
    m.raw.insert(0x4000, a);
    m.raw.insert(0x5000, b"abcdef".to_vec());
    let mut u = vec![4, 0, 10, 0, 0, 0, 0, 0];
    u.extend(0x7000u64.to_le_bytes());
    m.raw.insert(0x6000, u);
    m.raw.insert(0x7000, b"w\0x\0y\0z\0".to_vec());
    let mut empty = vec![4, 0, 4, 0, 0, 0, 0, 0];
    empty.extend(0u64.to_le_bytes());
    m.raw.insert(0x8000, empty);
    let out = format_narrow(
        b"%Z|%wZ|%5Z|%-5Z|%Z|%Z",
        &mut [0x4000, 0x6000, 0x4000, 0x4000, 0, 0x8000].iter(),
        &m,
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        "abc|wx|  abc|abc  |(null)|(null)"
    );
}

#[test]
fn count_stores() {
    let m = mem();
    format_narrow(
        b"abc%n de%hn fgh%lln%hhn%ln%I64n",
        &mut [1, 2, 3, 4, 5, 6].iter(),
        &m,
    );
    assert_eq!(
        *m.writes.borrow(),
        vec![
            (1, 4, 3),
            (2, 2, 6),
            (3, 8, 10),
            (4, 2, 10),
            (5, 4, 10),
            (6, 8, 10)
        ]
    );
}

#[test]
fn unknown_and_incomplete_specifications() {
    check(&[
        // Windows: unknown conversions print their character and take no argument.
        ("%k|%5k|%-5y|%b|%H|%z|%d", &[7], "k|k|y|b|H|z|7"),
        ("%k%m%q%r%t%v%y%z", &[], "kmqrtvyz"),
        (
            "%_1I64d|%I|%Iq|%Ihd|%I0d|%I64D|%Is|%I6d",
            &[100],
            "_1I64d|I|Iq|Ihd|I0d|D|Is|I6d",
        ),
        // Flags or digits after a size prefix end the specification.
        ("%w0s|%w-s", &[WIDE, WIDE], "0s|-s"),
        // F and N are size prefixes, so %F is not a conversion.
        ("%F|%d|%Ff|%Nd", &[7, f(1.5), 2], "|7|1.500000|2"),
        ("%%|%%0|%5%d|%-5%|%%d", &[42], "%|%0|42||%d"),
        ("%", &[], ""),
        ("%5", &[], ""),
        ("%-", &[], ""),
        ("%3h", &[], ""),
        ("%l", &[], ""),
        ("%j", &[], ""),
        ("%w", &[], ""),
        ("abc%", &[], "abc"),
        ("%.", &[], ""),
        ("%d %d", &[1], "1 0"),
    ]);
}

#[test]
fn special_values() {
    check(&[
        ("%f|%e|%g|%E|%G", &[INF; 5], "1.#INF00|1.#INF00e+000|1.#INF|1.#INF00E+000|1.#INF"),
        // The documented "1.#J" effect: the text rounds like digits.
        ("%.0f|%.1f|%.2f|%.3f|%.4f|%.5f|%.7f", &[INF; 7], "1|1.$|1.#J|1.#IO|1.#INF|1.#INF0|1.#INF000"),
        ("%.0e|%.1e|%.2e|%.3e", &[INF; 4], "1e+000|1.$e+000|1.#Je+000|1.#IOe+000"),
        ("%.1g|%.2g|%.3g|%#.2g", &[INF; 4], "1|1.$|1.#J|1.$"),
        ("%f|%e|%g|%.2f", &[NINF; 4], "-1.#INF00|-1.#INF00e+000|-1.#INF|-1.#J"),
        ("%f|%e|%g|%.2f|%.3f|%.4f", &[QNAN; 6], "1.#QNAN0|1.#QNAN0e+000|1.#QNAN|1.#R|1.#QO|1.#QNB"),
        ("%f|%e|%g|%.2f|%.3f", &[IND; 5], "-1.#IND00|-1.#IND00e+000|-1.#IND|-1.#J|-1.#IO"),
        // Only the exact indefinite pattern is IND; other NaNs keep their kind
        // (Wine prints every negative NaN as IND and every NaN as QNAN).
        ("%f|%f", &[NQNAN, SNAN], "-1.#QNAN0|1.#SNAN0"),
        ("%010.2f|%010.2f|%010.2f|%012f|%-12f|%+f|% f|%12.2f", &[IND, QNAN, INF, INF, INF, INF, INF, INF], "-000001.#J|0000001.#R|0000001.#J|00001.#INF00|1.#INF00    |+1.#INF00| 1.#INF00|        1.#J"),
        ("%a|%A", &[INF, QNAN], "0x1.#INF000000000p+0|0X1.#QNAN00000000P+0"),
    ]);
}

#[test]
fn fixed_and_exponent() {
    check(&[
        (
            "%f|%e|%E|%.2E",
            &[f(1.0), f(1.0), f(123.456), f(0.000123456)],
            "1.000000|1.000000e+000|1.234560E+002|1.23E-004",
        ),
        (
            "%.3e|%+.3e|%e|%e|%e",
            &[f(12345.6789), f(12345.6789), f(1e-310), f(0.0), f(1e100)],
            "1.235e+004|+1.235e+004|1.000000e-310|0.000000e+000|1.000000e+100",
        ),
        (
            "%+#23.15e|%-#23.15e|%#23.15e",
            &[f(789456123.0); 3],
            "+7.894561230000000e+008|7.894561230000000e+008 | 7.894561230000000e+008",
        ),
        (
            "%2.4f|%0f|%.0f|%2.4e|% 2.4e|% 014.4e|% 2.4e|%+2.4e",
            &[
                f(8.6),
                f(0.6),
                f(0.6),
                f(8.6),
                f(8.6),
                f(8.6),
                f(-8.6),
                f(8.6),
            ],
            "8.6000|0.600000|1|8.6000e+000| 8.6000e+000| 008.6000e+000|-8.6000e+000|+8.6000e+000",
        ),
        // Half away from zero on the decimal digits (before Windows 10 2004's UCRT change).
        (
            "%.0f|%.0f|%.0f|%.0f|%.0f|%.0f|%.0f",
            &[f(0.5), f(1.5), f(2.5), f(3.5), f(-0.5), f(-1.5), f(-2.5)],
            "1|2|3|4|-1|-2|-3",
        ),
        (
            "%.2f|%.1f|%.0e",
            &[f(0.125), f(0.25), f(2.5)],
            "0.13|0.3|3e+000",
        ),
        (
            "%f|%e|%g|%f|%.0f|%.1f|%.0e",
            &[
                f(-0.0),
                f(-0.0),
                f(-0.0),
                f(-0.4),
                f(-0.4),
                f(-0.04),
                f(-0.4),
            ],
            "-0.000000|-0.000000e+000|-0|-0.400000|-0|-0.0|-4e-001",
        ),
        (
            "%010.3f|%-10.3f|%+010.3f|% 010.3f|%010.3e",
            &[f(3.14159), f(3.14159), f(3.14159), f(3.14159), f(-3.14159)],
            "000003.142|3.142     |+00003.142| 00003.142|-3.142e+000",
        ),
        (
            "%Lf|%lf|%hf|%Le|%I64f|%llf|%wf",
            &[f(1.5); 7],
            "1.500000|1.500000|1.500000|1.500000e+000|1.500000|1.500000|1.500000",
        ),
        (
            "%#.0f|%#.0e|%.0f|%.1f",
            &[f(1.0), f(1.0), f(9.5), f(9.96)],
            "1.|1.e+000|10|10.0",
        ),
        (
            "%.10f|%.11f|%.15f|%.15f",
            &[
                f(3.14159265359),
                f(3.14159265359),
                f(3.14159265359),
                f(std::f64::consts::PI),
            ],
            "3.1415926536|3.14159265359|3.141592653590000|3.141592653589793",
        ),
        (
            "%.13f|%.14f|%.15f",
            &[f(37.866261574537077); 3],
            "37.8662615745371|37.86626157453708|37.866261574537077",
        ),
    ]);
}

#[test]
fn seventeen_digit_conversion() {
    check(&[
        // msvcrt converts to 17 significant digits and pads with zeros.
        (
            "%.20f|%.30f",
            &[f(0.1), f(1.0 / 3.0)],
            "0.10000000000000001000|0.333333333333333310000000000000",
        ),
        (
            "%.30f|%.17g|%.25e",
            &[f(2f64.sqrt()), f(0.1), f(1.0 / 3.0)],
            "1.414213562373095100000000000000|0.10000000000000001|3.3333333333333331000000000e-001",
        ),
        (
            "%.0f|%.0f",
            &[f(2f64.powi(64)), f(1e23)],
            "18446744073709552000|99999999999999992000000",
        ),
        // An exact tie at the 17th digit rounds away from zero.
        (
            "%.16e|%.16e",
            &[f(1000000000000000.25), f(1000000000000000.75)],
            "1.0000000000000003e+015|1.0000000000000008e+015",
        ),
    ]);
    let big = sprintf("%.0f", &[f(2f64.powi(500))]);
    assert_eq!(big, format!("32733906078961419{}", "0".repeat(134)));
    let long = sprintf("%.600f", &[f(1.0)]);
    assert_eq!(long, format!("1.{}", "0".repeat(600)));
}

#[test]
fn general_format() {
    check(&[
        (
            "%g|%g|%g|%g|%g|%g|%g",
            &[
                f(100000.0),
                f(1e6),
                f(0.0001),
                f(0.00001),
                f(123456789.0),
                f(1.5),
                f(0.0),
            ],
            "100000|1e+006|0.0001|1e-005|1.23457e+008|1.5|0",
        ),
        (
            "%g|%g|%g|%g|%g",
            &[
                f(0.0005),
                f(0.00005),
                f(0.000005),
                f(999999999999999.0),
                f(1e15),
            ],
            "0.0005|5e-005|5e-006|1e+015|1e+015",
        ),
        (
            "%.15g|%.15g|%.15g|%.15g|%.15g",
            &[
                f(0.0005),
                f(0.00005),
                f(0.000005),
                f(999999999999999.0),
                f(1e15),
            ],
            "0.0005|5e-005|5e-006|999999999999999|1e+015",
        ),
        (
            "%#g|%#.0g|%#.1g|%#.3g|%#1.1g|%#g",
            &[f(1.0), f(1.0), f(1.0), f(100.0), f(789456123.0), f(0.0)],
            "1.00000|1.|1.|100.|8.e+008|0.00000",
        ),
        (
            "%.0g|%.1g|%.2g|%G|%G|%2.4g",
            &[f(123.0), f(123.0), f(99.9), f(1e-10), f(1e20), f(8.6)],
            "1e+002|1e+002|1e+002|1E-010|1E+020|8.6",
        ),
        (
            "%g|%g|%e",
            &[f(1e300), f(1e-300), f(5e-324)],
            "1e+300|1e-300|4.940656e-324",
        ),
    ]);
}

#[test]
fn hex_floats() {
    check(&[
        ("%a|%A|%.2a|%a|%a|%a", &[f(1.0), f(255.5), f(1.0 / 3.0), f(0.0), f(-2.5), 1], "0x1.0000000000000p+0|0X1.FF00000000000P+7|0x1.55p-2|0x0.0000000000000p+0|-0x1.4000000000000p+1|0x0.0000000000001p-1022"),
        ("%.0a|%#.0a|%.1a|%.15a|%012.1a", &[f(1.0), f(1.0), f(1.96875), f(1.0), f(1.0)], "0x1p+0|0x1.p+0|0x2.0p+0|0x1.000000000000000p+0|0x00001.0p+0"),
    ]);
}

#[test]
fn two_digit_exponent() {
    let opts = Options {
        two_digit_exponent: true,
        ..Options::default()
    };
    let r = format_narrow_ex(
        b"%E|%g|%e",
        &mut [f(1.23), f(1e-5), f(1e100)].iter(),
        &mem(),
        &opts,
    );
    assert_eq!(
        String::from_utf8_lossy(&r.text),
        "1.230000E+00|1e-05|1.000000e+100"
    );
}

#[test]
fn limit_truncates() {
    let opts = Options {
        limit: Some(5),
        ..Options::default()
    };
    let r = format_narrow_ex(b"%s%n", &mut [NARROW + 1, 9].iter(), &mem(), &opts);
    assert_eq!(
        (r.text.as_slice(), r.status),
        (b"foo".as_slice(), Status::Complete)
    );
    let m = mem();
    let r = format_narrow_ex(b"%2000000000d%n", &mut [1, 9].iter(), &m, &opts);
    assert_eq!(
        (r.text.as_slice(), r.status),
        (b"     ".as_slice(), Status::Truncated)
    );
    // msvcrt stops at the full buffer: later %n never runs.
    assert!(m.writes.borrow().is_empty());
    let r = format_narrow_ex(b"%.2000000000d", &mut [1].iter(), &m, &opts);
    assert_eq!((r.text.len(), r.status), (5, Status::Truncated));
}

#[test]
fn wide_family() {
    let w = |s: &str| -> Vec<u16> { s.encode_utf16().collect() };
    // In the wide functions %s is wide and %S narrow; h/l/w force a width.
    assert_eq!(
        swprintf(
            "%s|%S|%hs|%ls|%ws|%c|%C|%hc|%lc",
            &[WIDE, NARROW + 1, NARROW + 1, WIDE, WIDE, 97, 98, 99, 100]
        ),
        w("wide|foo|foo|wide|wide|a|b|c|d")
    );
    assert_eq!(
        swprintf("%s|%S|%c|%C", &[0, 0, 0x141, 0x1e9]),
        w("(null)|(null)|\u{141}|\u{e9}")
    );
    // Narrow text converts through the code page ("C" locale: Latin-1, so 0x80 is U+0080).
    assert_eq!(
        swprintf("%S|%C", &[NARROW + 2, 0x80]),
        vec![0xe9, 0x80, u16::from(b'|'), 0x80]
    );
    assert_eq!(
        swprintf(
            "%d|%5.2f|%e|%g|%p|%x",
            &[(-5i64) as u64, f(3.14159), f(1.0), f(1e-5), 0xabc, 255]
        ),
        w("-5| 3.14|1.000000e+000|1e-005|0000000000000ABC|ff")
    );
    assert_eq!(
        swprintf("%f|%.2f|%k|%I6d|%5%d", &[INF, IND, 2]),
        w("1.#INF00|-1.#J|k|I6d|2")
    );
    assert_eq!(
        swprintf("%5c|%-5C|%05s", &[u64::from(b'x'), u64::from(b'y'), WIDE]),
        w("    x|y    |0wide")
    );
    // Wide formats may hold any code unit; a U+0100 conversion letter is unknown.
    assert_eq!(swprintf("\u{3042}%\u{100}%d", &[3]), w("\u{3042}\u{100}3"));
}

#[test]
fn raw_guest_memory() {
    let text = b"guest\0";
    let wide: Vec<u16> = "w\u{e9}\0".encode_utf16().collect();
    let mut count: [u16; 4] = [0xffff; 4];
    let slots = [
        text.as_ptr() as u64,
        text.as_ptr() as u64,
        wide.as_ptr() as u64,
        count.as_mut_ptr() as u64,
        f(2.5),
    ];
    // SAFETY: the slots outlive the call and hold as many arguments as the format reads.
    let mut args = unsafe { SlotArgs::new(slots.as_ptr()) };
    let out = format_narrow(b"%s|%.3s|%S%hn|%.0f", &mut args, &RawMem);
    assert_eq!(out, b"guest|gue|w\xe9|3".to_vec());
    assert_eq!(count, [12, 0xffff, 0xffff, 0xffff]);
}

#[test]
fn format_stops_at_nul() {
    assert_eq!(
        format_narrow(b"ab\0%d", &mut [1].iter(), &mem()),
        b"ab".to_vec()
    );
}

/// Malformed and random formats never panic.
#[test]
fn garbage_formats_do_not_panic() {
    let alphabet = b"%%%%-+ #0123456789.*hlLwIjztFNqdiuoxXpcCsSZneEfgGaA6432k\0";
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let m = mem();
    let opts = Options {
        limit: Some(4096),
        ..Options::default()
    };
    for _ in 0..20000 {
        let len = (rnd() % 24) as usize;
        let fmt: Vec<u8> = (0..len)
            .map(|_| {
                let r = rnd();
                if r % 5 == 0 {
                    r as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect();
        let args: Vec<u64> = (0..8)
            .map(|_| {
                let r = rnd();
                match r % 4 {
                    0 => NARROW + (r >> 8) % 3,
                    1 => WIDE + (r >> 8) % 3,
                    _ => rnd(),
                }
            })
            .collect();
        let r = format_narrow_ex(&fmt, &mut args.iter(), &m, &opts);
        assert!(r.text.len() <= 4096);
        let wfmt: Vec<u16> = fmt
            .iter()
            .map(|&b| u16::from(b) | if b > 0x7f { 0x3000 } else { 0 })
            .collect();
        let r = format_wide_ex(&wfmt, &mut args.iter(), &m, &opts);
        assert!(r.text.len() <= 4096);
    }
    // Every double in every float conversion.
    for _ in 0..20000 {
        let v = rnd();
        for fmt in ["%e", "%.3f", "%#g", "%.0G", "%a", "%.3A", "%.40e"] {
            format_narrow(fmt.as_bytes(), &mut [v].iter(), &m);
        }
    }
}

fn ucrt() -> Options {
    Options {
        two_digit_exponent: true,
        ucrt_specials: true,
        iso_wide_specifiers: true,
        refuse_count: true,
        c99: true,
        ..Options::default()
    }
}

#[test]
fn ucrt_specials_and_c99() {
    let r = format_narrow_ex(
        b"%f|%F|%e|%hhd|%hhu",
        &mut [f(f64::INFINITY), f(-f64::INFINITY), f(f64::NAN), 300, 511].iter(),
        &mem(),
        &ucrt(),
    );
    assert_eq!(String::from_utf8_lossy(&r.text), "inf|-INF|nan|44|255");
    // 0.0/0.0 on x86 is the negative "indefinite" NaN.
    let ind = f64::from_bits(0xfff8_0000_0000_0000);
    let r = format_narrow_ex(b"%f|%G", &mut [f(ind), f(ind)].iter(), &mem(), &ucrt());
    assert_eq!(String::from_utf8_lossy(&r.text), "-nan(ind)|-NAN(IND)");
}

#[test]
fn ucrt_rounds_exact_ties_to_even() {
    // The printf documentation's examples (Windows 10 2004 and later).
    let r = format_narrow_ex(
        b"%1.0f|%1.0f|%.1f|%.20f",
        &mut [f(1.5), f(2.5), f(2.35), f(0.1)].iter(),
        &mem(),
        &ucrt(),
    );
    assert_eq!(
        String::from_utf8_lossy(&r.text),
        "2|2|2.4|0.10000000000000000555"
    );
    // Values below the precision: an exact half rounds to even (0), a
    // value just above half rounds up.
    let r = format_narrow_ex(
        b"%.0f|%.2f|%.2f|%.3e|%g",
        &mut [f(0.5), f(0.005), f(0.004), f(1e23), f(1e23)].iter(),
        &mem(),
        &ucrt(),
    );
    assert_eq!(
        String::from_utf8_lossy(&r.text),
        "0|0.01|0.00|1.000e+23|1e+23"
    );
}

#[test]
fn ucrt_refuses_count() {
    let r = format_narrow_ex(b"ab%n", &mut [NARROW + 1].iter(), &mem(), &ucrt());
    assert_eq!(r.status, Status::InvalidFormat);
}
