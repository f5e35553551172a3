//! The scanf engine against msvcrt's behaviour.

use super::*;

/// Records stores as (pointer, value) with the value rendered as text.
#[derive(Default)]
struct Rec {
    stores: Vec<(u64, String)>,
}

impl ScanOut for Rec {
    fn store_int(&mut self, ptr: u64, size: usize, v: u64) {
        let v = if size < 8 {
            v & ((1u64 << (size * 8)) - 1)
        } else {
            v
        };
        self.stores.push((ptr, format!("i{size}:{v:x}")));
    }
    fn store_f32(&mut self, ptr: u64, v: f32) {
        self.stores.push((ptr, format!("f:{v:?}")));
    }
    fn store_f64(&mut self, ptr: u64, v: f64) {
        self.stores.push((ptr, format!("d:{v:?}")));
    }
    fn store_units(&mut self, ptr: u64, units: &[u16], wide: bool, nul: bool) {
        let text: String = units
            .iter()
            .map(|&u| char::from_u32(u32::from(u)).unwrap_or('?'))
            .collect();
        let kind = if wide { "w" } else { "s" };
        self.stores
            .push((ptr, format!("{kind}{}:{text}", if nul { "" } else { "!" })));
    }
}

const ARGS: [u64; 6] = [1, 2, 3, 4, 5, 6];

fn sscanf(input: &str, fmt: &str) -> (i32, String) {
    // Test strings use chars U+0000..U+00FF for bytes.
    let bytes: Vec<u8> = input.chars().map(|c| c as u8).collect();
    let fmt: Vec<u8> = fmt.chars().map(|c| c as u8).collect();
    let mut rec = Rec::default();
    let n = scan_narrow(
        &fmt,
        &mut SliceInput::new(&bytes),
        &mut ARGS.iter(),
        &mut rec,
    );
    (n, render(&rec))
}

fn swscanf(input: &str, fmt: &str) -> (i32, String) {
    let w: Vec<u16> = input.encode_utf16().collect();
    let f: Vec<u16> = fmt.encode_utf16().collect();
    let mut rec = Rec::default();
    let n = scan_wide(&f, &mut SliceInput::new(&w), &mut ARGS.iter(), &mut rec);
    (n, render(&rec))
}

fn render(rec: &Rec) -> String {
    rec.stores
        .iter()
        .map(|(p, v)| format!("{p}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn check(scan: fn(&str, &str) -> (i32, String), cases: &[(&str, &str, i32, &str)]) {
    for &(input, fmt, n, stores) in cases {
        assert_eq!(
            scan(input, fmt),
            (n, stores.to_string()),
            "input {input:?} format {fmt:?}"
        );
    }
}

#[test]
fn return_values() {
    check(
        sscanf,
        &[
            ("", "%d", EOF, ""),
            // Docs: EOF if the end is reached before the first conversion (Wine says 0 here).
            ("   ", "%d", EOF, ""),
            (" \t\n\n", "%s", EOF, ""),
            ("abc", "%d", 0, ""),
            ("", "abc%d", EOF, ""),
            ("ab", "abc%d", EOF, ""),
            ("abx", "abc%d", 0, ""),
            ("1", "%d %d", 1, "1=i4:1"),
            ("1 x", "%d %d", 1, "1=i4:1"),
            ("a", "%s%s", 1, "1=s:a"),
            ("test\n", "%s%c", 2, "1=s:test 2=s!:\n"),
            ("18:59", "%d:%d%c", 2, "1=i4:12 2=i4:3b"),
            // %n and suppressed fields are not counted, but a suppressed
            // conversion still prevents EOF.
            ("5", "%*d%n", 0, "1=i4:1"),
            ("5 6", "%*d %d", 1, "1=i4:6"),
            ("", "%*d", EOF, ""),
            ("x", "%n", 0, "1=i4:0"),
            ("  ", " %n", 0, "1=i4:2"),
            ("12", "%d%n", 1, "1=i4:c 2=i4:2"),
            ("abc   def", "%s %n%s", 2, "1=s:abc 2=i4:6 3=s:def"),
            ("3:45", "%d:%d%n", 2, "1=i4:3 2=i4:2d 3=i4:4"),
            ("abc", "%*s%n", 0, "1=i4:3"),
            ("abc", "abc", 0, ""),
            ("", "", 0, ""),
        ],
    );
}

#[test]
fn integers() {
    check(
        sscanf,
        &[
            ("-1", "%u", 1, "1=i4:ffffffff"),
            ("-1", "%x", 1, "1=i4:ffffffff"),
            ("-1", "%o", 1, "1=i4:ffffffff"),
            ("-1", "%i", 1, "1=i4:ffffffff"),
            ("-ff", "%x", 1, "1=i4:ffffff01"),
            ("+5", "%d", 1, "1=i4:5"),
            ("-", "%d", 0, ""),
            ("+", "%d", 0, ""),
            ("- 5", "%d", 0, ""),
            // Overflow wraps.
            ("99999999999", "%d", 1, "1=i4:4876e7ff"),
            ("99999999999", "%lld", 1, "1=i8:174876e7ff"),
            ("99999999999", "%I64d", 1, "1=i8:174876e7ff"),
            ("4294967296", "%u", 1, "1=i4:0"),
            ("18446744073709551616", "%llu", 1, "1=i8:0"),
            ("-9223372036854775808", "%lld", 1, "1=i8:8000000000000000"),
            ("0x1f 017", "%i %i", 2, "1=i4:1f 2=i4:f"),
            (
                "0x17|123|-1",
                "%i|%i|%d",
                3,
                "1=i4:17 2=i4:7b 3=i4:ffffffff",
            ),
            (
                "0x519|0x51g 0X1F|ff",
                "%x|%x%*s%x|%X",
                4,
                "1=i4:519 2=i4:51 3=i4:1f 4=i4:ff",
            ),
            ("0x", "%i", 0, ""),
            ("0x", "%x", 0, ""),
            ("08", "%i", 1, "1=i4:0"),
            ("8", "%o", 0, ""),
            ("12345", "%3d%d", 2, "1=i4:7b 2=i4:2d"),
            ("-5", "%1d", 0, ""),
            ("0x12", "%2x", 0, ""),
            ("0x12", "%3x", 1, "1=i4:1"),
            ("0x12", "%3i", 1, "1=i4:1"),
        ],
    );
}

#[test]
fn size_prefixes() {
    check(
        sscanf,
        &[
            // Windows (Wine's conformance tests): h stores a short, hh an int.
            ("12345678", "%hd", 1, "1=i2:614e"),
            ("12345678", "%hhd", 1, "1=i4:bc614e"),
            // Width digits may sit before or after the prefixes.
            ("12345678", "%02hd", 1, "1=i2:c"),
            ("12345678", "%h02d", 1, "1=i2:c"),
            ("12345678", "%000h02d", 1, "1=i2:c"),
            ("12345678", "%2h0d", 1, "1=i2:614e"),
            ("70000 -1", "%hd %hx", 2, "1=i2:1170 2=i2:ffff"),
            (
                "1 2 3 4",
                "%ld %I32d %Ld %hld",
                4,
                "1=i4:1 2=i4:2 3=i4:3 4=i4:4",
            ),
            ("12345678901234", "%lld", 1, "1=i8:b3a73ce2ff2"),
            ("0xfefefefefefefefe", "%jx", 1, "1=i8:fefefefefefefefe"),
            ("5 6 7", "%Id %zd %td", 3, "1=i8:5 2=i8:6 3=i8:7"),
            ("5", "%Fd", 1, "1=i4:5"),
            ("12 34", "%hn%d%lln", 1, "1=i2:0 2=i4:c 3=i8:2"),
        ],
    );
}

#[test]
fn pointers() {
    check(
        sscanf,
        &[
            ("000000000046F170", "%p", 1, "1=i8:46f170"),
            ("46F172", "%p", 1, "1=i8:46f172"),
            // No 0x prefix: the 'x' stops the field after "0".
            ("0x46F173", "%p", 1, "1=i8:0"),
            ("-46F174", "%p", 1, "1=i8:ffffffffffb90e8c"),
            ("+46F175", "%p", 1, "1=i8:46f175"),
            ("1234", "%P", 1, "1=i8:1234"),
        ],
    );
}

#[test]
fn literals_and_unknown_conversions() {
    check(
        sscanf,
        &[
            ("%5", "%%%d", 1, "1=i4:5"),
            (" %5", "%%%d", 1, "1=i4:5"),
            ("5%", "%d%%", 1, "1=i4:5"),
            ("5", "%5%%d", 0, ""),
            // '%' with an unknown character matches it (Windows: "%\"%%%d%@").
            ("\"%12@", "%\"%%%d%@", 1, "1=i4:c"),
            ("k5", "%k%d", 1, "1=i4:5"),
            ("5", "%", 0, ""),
            ("", "%", EOF, ""),
            // 'a' is not a scanf conversion in msvcrt.
            ("1.5", "%la", 0, ""),
            ("1 2", "%d\n%d", 2, "1=i4:1 2=i4:2"),
            ("\u{b}\u{c}\r\n\t42", "%d", 1, "1=i4:2a"),
            // NBSP is not a space in the "C" locale.
            ("\u{a0}42", "%d", 0, ""),
            ("\u{81}\u{82}test", "\u{81}%\u{82}%s", 1, "1=s:test"),
        ],
    );
}

#[test]
fn floats() {
    check(
        sscanf,
        &[
            ("1.5 2", "%lf %lf", 2, "1=d:1.5 2=d:2.0"),
            ("1.5 0.1", "%f %f", 2, "1=f:1.5 2=f:0.1"),
            (
                "1e5|.5|1.|-.5e-2|+1.5",
                "%lf|%lf|%lf|%lf|%lf",
                5,
                "1=d:100000.0 2=d:0.5 3=d:1.0 4=d:-0.005 5=d:1.5",
            ),
            (
                "1.5 1.5 1.5 1.5 1.5",
                "%Lf %le %lg %lE %lG",
                5,
                "1=d:1.5 2=d:1.5 3=d:1.5 4=d:1.5 5=d:1.5",
            ),
            // h and hh keep float; I64 and ll do not make a double.
            (
                "1.5 1.5 1.5 1.5",
                "%hf %hhf %I64f %llf",
                4,
                "1=f:1.5 2=f:1.5 3=f:1.5 4=f:1.5",
            ),
            // An 'e' after digits is taken even with no exponent digits.
            ("1ex", "%lf%s", 2, "1=d:1.0 2=s:x"),
            ("1e", "%lf%n", 1, "1=d:1.0 2=i4:2"),
            ("1e+", "%lf%n", 1, "1=d:1.0 2=i4:3"),
            (".", "%lf", 0, ""),
            ("-", "%lf", 0, ""),
            ("e5", "%lf", 0, ""),
            ("inf", "%lf", 0, ""),
            ("nan", "%lf", 0, ""),
            ("0x1p3", "%lf%s", 2, "1=d:0.0 2=s:x1p3"),
            ("1.#INF", "%lf%s", 2, "1=d:1.0 2=s:#INF"),
            ("12345", "%3lf%lf", 2, "1=d:123.0 2=d:45.0"),
            (
                "0.1|1.1e-30|32.715",
                "%lf|%lf|%lf",
                3,
                "1=d:0.1 2=d:1.1e-30 3=d:32.715",
            ),
            (
                "1e400 1e-400 1e99999999999999999999",
                "%lf %lf %lf",
                3,
                "1=d:inf 2=d:0.0 3=d:inf",
            ),
            (
                "2.2250738585072011e-308",
                "%lf",
                1,
                "1=d:2.225073858507201e-308",
            ),
            (
                "123456789012345678901234567890",
                "%lf",
                1,
                "1=d:1.2345678901234568e29",
            ),
            (
                "1e40 16777217 3.4028235677973366e38",
                "%f %f %f",
                3,
                "1=f:inf 2=f:16777216.0 3=f:inf",
            ),
            ("-82.626701 27.760000", "%f%f", 2, "1=f:-82.6267 2=f:27.76"),
        ],
    );
}

#[test]
fn strings_and_sets() {
    check(
        sscanf,
        &[
            ("hello world", "%s %s", 2, "1=s:hello 2=s:world"),
            ("hello world", "%3s%s", 2, "1=s:hel 2=s:lo"),
            ("xyz", "%0s", 1, "1=s:xyz"),
            ("  ab", "%c%c", 2, "1=s!:  2=s!: "),
            (" a", "%c", 1, "1=s!: "),
            ("abcdef", "%3c%s", 2, "1=s!:abc 2=s:def"),
            ("ab", "%5c", 1, "1=s!:ab"),
            ("abc123", "%[a-z]%s", 2, "1=s:abc 2=s:123"),
            ("abc,def", "%[^,],%s", 2, "1=s:abc 2=s:def"),
            ("]ab]c", "%[]ab]%s", 2, "1=s:]ab] 2=s:c"),
            ("a-b", "%[a-]%s", 2, "1=s:a- 2=s:b"),
            ("zyx", "%[z-x]", 1, "1=s:zyx"),
            ("abc", "%[^]", 1, "1=s:abc"),
            ("abc", "%[abc", 1, "1=s:abc"),
            ("123", "%[a-z]", 0, ""),
            ("", "%[a-z]", EOF, ""),
            (" abc", "%[a-z]", 0, ""),
            ("a^b", "%[^^]%s", 2, "1=s:a 2=s:^b"),
            ("ab-cd", "%[b-a-d]%s", 2, "1=s:ab- 2=s:cd"),
            ("abcdef", "%2[a-z]%s", 2, "1=s:ab 2=s:cdef"),
            ("AbC", "%[A-Z]%s", 2, "1=s:A 2=s:bC"),
            // Windows cases: ranges, '-' first, last, and after a range.
            ("abcefgdh", "%*[a-cg-e]%c", 1, "1=s!:d"),
            ("abcefgdh", "%*[a-cd-dg-e]%c", 1, "1=s!:h"),
            ("-123", "%[-0-9]", 1, "1=s:-123"),
            ("-321", "%[0-9-]", 1, "1=s:-321"),
            ("-4123", "%[1-2-4]", 1, "1=s:-412"),
            ("-456123", "%[1-2-45-6]", 1, "1=s:-45612"),
            (
                "test=value\u{da}",
                "%[^=] = %[^;]",
                2,
                "1=s:test 2=s:value\u{da}",
            ),
            (
                " St. Petersburg, Florida\n",
                "%*c%[^\n]",
                1,
                "1=s:St. Petersburg, Florida",
            ),
            // %S/%C and l/w prefixes store wide characters, through mbtowc.
            ("ab\u{e9} c", "%S %C", 2, "1=w:ab\u{e9} 2=w!:c"),
            ("ab c", "%ls %lc", 2, "1=w:ab 2=w!:c"),
            ("abc", "%2wc%hS", 2, "1=w!:ab 2=s:c"),
            ("ab c", "%l[a-z]", 1, "1=w:ab"),
        ],
    );
}

#[test]
fn wide_functions() {
    check(
        swscanf,
        &[
            ("", "%d", EOF, ""),
            // Windows: the wide functions do not return EOF once input was read.
            (" \t\n\n", "%s", 0, ""),
            ("  42", "%d", 1, "1=i4:2a"),
            ("\u{3000}42", "%d", 1, "1=i4:2a"),
            ("\u{a0}42", "%d", 1, "1=i4:2a"),
            // Only ASCII digits count.
            ("\u{661}\u{662}", "%d", 0, ""),
            // %s is wide here, %S narrow (through wctomb: "C" locale maps U+0141 to '?').
            ("ab\u{141} c", "%s %S", 2, "1=w:ab\u{141} 2=s:c"),
            ("a\u{e9}\u{141} c", "%S", 1, "1=s:a\u{e9}?"),
            ("\u{141}", "%C", 1, "1=s!:?"),
            ("\u{141}z", "%[^z]", 1, "1=w:\u{141}"),
            (
                "\u{100}\u{141}z",
                "%[\u{100}-\u{200}]",
                1,
                "1=w:\u{100}\u{141}",
            ),
            ("a\u{1234}\u{1234}b", "a\u{1234}%\u{1234}%c", 1, "1=w!:b"),
            ("1.5 7", "%lf %hs", 2, "1=d:1.5 2=s:7"),
        ],
    );
}

#[test]
fn raw_stores() {
    let (mut i, mut h, mut d, mut fl) = (-1i64, -1i64, 0f64, 0f32);
    let mut text = [0xffu8; 8];
    let mut wide = [0xffffu16; 4];
    let slots = [
        &mut i as *mut i64 as u64,
        &mut h as *mut i64 as u64,
        &mut d as *mut f64 as u64,
        &mut fl as *mut f32 as u64,
        text.as_mut_ptr() as u64,
        wide.as_mut_ptr() as u64,
    ];
    // SAFETY: the slots point at live locals of the stored types and sizes.
    let mut args = unsafe { super::super::printf::SlotArgs::new(slots.as_ptr()) };
    let input = b"7 9 2.5 0.5 abc xy";
    let n = scan_narrow(
        b"%d %hd %lf %f %s %lS",
        &mut SliceInput::new(input.as_slice()),
        &mut args,
        &mut RawOut,
    );
    assert_eq!(n, 6);
    // int and short stores leave the rest of the 64-bit variables alone.
    assert_eq!(
        (i, h),
        (
            0xffff_ffff_0000_0007u64 as i64,
            0xffff_ffff_ffff_0009u64 as i64
        )
    );
    assert_eq!((d, fl), (2.5, 0.5));
    assert_eq!(text, [b'a', b'b', b'c', 0, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(wide, [u16::from(b'x'), u16::from(b'y'), 0, 0xffff]);
}

#[test]
fn input_is_left_after_the_last_match() {
    let data = b"12abc";
    let mut input = SliceInput::new(data.as_slice());
    let n = scan_narrow(b"%d", &mut input, &mut ARGS.iter(), &mut Rec::default());
    assert_eq!((n, input.position()), (1, 2));
}

/// Malformed and random formats and inputs never panic.
#[test]
fn garbage_does_not_panic() {
    let alphabet = b"%%%%* 0123456789hlLwIjztFN64[]^-cCsSdiuoxXpPneEfgGa.+\0";
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let inputs = [
        b"".as_slice(),
        b"  12 0x1f -3.5e+2 abc,def",
        b"-",
        b"0x",
        b"1e",
        b"\xff\x80 9999999999999999999999",
    ];
    for _ in 0..20000 {
        let len = (rnd() % 16) as usize;
        let fmt: Vec<u8> = (0..len)
            .map(|_| {
                let r = rnd();
                if r % 6 == 0 {
                    r as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect();
        let input = inputs[(rnd() % inputs.len() as u64) as usize];
        let n = scan_narrow(
            &fmt,
            &mut SliceInput::new(input),
            &mut ARGS.iter(),
            &mut Rec::default(),
        );
        assert!((-1..=16).contains(&n));
        let wfmt: Vec<u16> = fmt.iter().map(|&b| u16::from(b)).collect();
        let winput: Vec<u16> = input.iter().map(|&b| u16::from(b) << (b >> 7)).collect();
        let n = scan_wide(
            &wfmt,
            &mut SliceInput::new(&winput),
            &mut ARGS.iter(),
            &mut Rec::default(),
        );
        assert!((-1..=16).contains(&n));
    }
}
