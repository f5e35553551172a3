//! The scanf engine of the builtin msvcrt.dll (sscanf, swscanf, fscanf,
//! fwscanf...), one implementation generic over the code unit.
//!
//! It follows the system msvcrt.dll: Microsoft's scanf documentation first,
//! then msvcrt.dll behaviour recorded by Wine's conformance tests (which run
//! on Windows), then Wine as a probe. msvcrt.dll traits reproduced here:
//! - Size prefixes count like msvcrt's `longone`: `h` stores a short, but
//!   `hh` stores an int (not a char); `l` and `L` make e/f/g store a double,
//!   while `ll`/`I64` only widen integers; `I`, `j`, `z`, `t` are 64-bit.
//!   Width digits may appear between prefixes (`%h02d` has width 2).
//! - Integers wrap on overflow; every integer conversion accepts a sign
//!   (`%u` of "-1" is 0xffffffff); `%p` reads hex without a `0x` prefix.
//! - `a` is not a conversion; a `%` followed by any unknown character matches
//!   that character literally and consumes no argument.
//! - Floats are [sign]digits[.digits][e[sign]digits]; an `e` after digits is
//!   consumed even without exponent digits ("1ex" leaves "x"); no inf/nan.
//! - Return value: EOF when the input ends before the first conversion (docs);
//!   the wide functions return 0 instead once any input was consumed
//!   (Windows: swscanf(L" \t\n", L"%s") is 0 while sscanf gives EOF).

use super::printf::{latin1_to_wide, wide_to_latin1, CodeUnit, VaArgs};

pub const EOF: i32 = -1;

/// Where scanf reads from: a string (sscanf) or a stream (fscanf).
pub trait ScanInput<C> {
    /// The next unit, or None at the end of the input.
    fn next(&mut self) -> Option<C>;
    /// Pushes back the unit `next` just returned (one at a time, like ungetc).
    fn unget(&mut self, c: C);
}

/// The input of sscanf/swscanf: a string, ending at its NUL or the slice end.
pub struct SliceInput<'a, C> {
    data: &'a [C],
    pos: usize,
}

impl<'a, C> SliceInput<'a, C> {
    pub fn new(data: &'a [C]) -> Self {
        SliceInput { data, pos: 0 }
    }

    /// Units consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl<C: CodeUnit> ScanInput<C> for SliceInput<'_, C> {
    fn next(&mut self) -> Option<C> {
        let c = *self.data.get(self.pos)?;
        if c.to_u32() == 0 {
            return None;
        }
        self.pos += 1;
        Some(c)
    }

    fn unget(&mut self, _c: C) {
        self.pos = self.pos.saturating_sub(1);
    }
}

/// Where conversions are stored; pointers come from the variadic slots.
pub trait ScanOut {
    /// Stores the low `size` bytes of `v` (1, 2, 4 or 8).
    fn store_int(&mut self, ptr: u64, size: usize, v: u64);
    fn store_f32(&mut self, ptr: u64, v: f32);
    fn store_f64(&mut self, ptr: u64, v: f64);
    /// Stores characters: 16-bit units when `wide`, else the low byte of each
    /// unit; then a terminating NUL of that width when `nul`.
    fn store_units(&mut self, ptr: u64, units: &[u16], wide: bool, nul: bool);
    /// mbtowc for narrow input stored wide; default the "C" locale (Latin-1).
    fn narrow_to_wide(&self, n: &[u8]) -> Vec<u16> {
        latin1_to_wide(n)
    }
    /// wctomb for wide input stored narrow; default the "C" locale.
    fn wide_to_narrow(&self, w: &[u16]) -> Vec<u8> {
        wide_to_latin1(w)
    }
}

/// The real [`ScanOut`]: guest pointers are host pointers.
pub struct RawOut;

impl RawOut {
    fn write(ptr: u64, bytes: &[u8]) {
        if ptr == 0 {
            return;
        }
        // SAFETY: the guest passed `ptr` for a store of this type; a bad
        // pointer faults the guest as it would under msvcrt.dll.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr as usize as *mut u8, bytes.len())
        };
    }
}

impl ScanOut for RawOut {
    fn store_int(&mut self, ptr: u64, size: usize, v: u64) {
        RawOut::write(ptr, &v.to_le_bytes()[..size.min(8)]);
    }

    fn store_f32(&mut self, ptr: u64, v: f32) {
        RawOut::write(ptr, &v.to_le_bytes());
    }

    fn store_f64(&mut self, ptr: u64, v: f64) {
        RawOut::write(ptr, &v.to_le_bytes());
    }

    fn store_units(&mut self, ptr: u64, units: &[u16], wide: bool, nul: bool) {
        let mut bytes = Vec::new();
        for &u in units.iter().chain(nul.then_some(&0)) {
            if wide {
                bytes.extend(u.to_le_bytes());
            } else {
                bytes.push(u as u8);
            }
        }
        RawOut::write(ptr, &bytes);
    }
}

/// sscanf, fscanf, scanf: the number of fields assigned, or [`EOF`].
pub fn scan_narrow(
    fmt: &[u8],
    input: &mut dyn ScanInput<u8>,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
) -> i32 {
    scan(fmt, input, args, out)
}

/// swscanf, fwscanf, wscanf: the number of fields assigned, or [`EOF`].
pub fn scan_wide(
    fmt: &[u16],
    input: &mut dyn ScanInput<u16>,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
) -> i32 {
    scan(fmt, input, args, out)
}

/// isspace in the "C" locale; iswspace (Windows' C1_SPACE set) for wide.
fn is_space(c: u32, wide: bool) -> bool {
    matches!(c, 0x09..=0x0d | 0x20)
        || (wide
            && matches!(
                c,
                0xa0 | 0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000
            ))
}

fn digit_value(c: u32) -> u32 {
    match char::from_u32(c) {
        Some(d @ '0'..='9') => d as u32 - '0' as u32,
        Some(d @ 'a'..='f') => d as u32 - 'a' as u32 + 10,
        Some(d @ 'A'..='F') => d as u32 - 'A' as u32 + 10,
        _ => u32::MAX,
    }
}

fn is(c: u32, ch: char) -> bool {
    c == ch as u32
}

/// Input with a count of units consumed (for %n) and a field width.
struct Reader<'a, C> {
    input: &'a mut dyn ScanInput<C>,
    consumed: usize,
}

impl<C: CodeUnit> Reader<'_, C> {
    fn get(&mut self) -> Option<C> {
        let c = self.input.next()?;
        self.consumed += 1;
        Some(c)
    }

    fn unget(&mut self, c: C) {
        self.consumed -= 1;
        self.input.unget(c);
    }

    fn at_end(&mut self) -> bool {
        match self.get() {
            Some(c) => {
                self.unget(c);
                false
            }
            None => true,
        }
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.get() {
            if !is_space(c.to_u32(), C::WIDE) {
                self.unget(c);
                break;
            }
        }
    }

    /// Consumes the next unit if the field width allows and `want` accepts it.
    fn take(&mut self, left: &mut Option<usize>, want: impl Fn(u32) -> bool) -> Option<C> {
        if *left == Some(0) {
            return None;
        }
        let c = self.get()?;
        if !want(c.to_u32()) {
            self.unget(c);
            return None;
        }
        if let Some(n) = left {
            *n -= 1;
        }
        Some(c)
    }
}

/// Why a directive stopped the scan.
enum Stop {
    /// The input ended where a character was needed.
    Input,
    /// The input did not match.
    Matching,
}

/// The parsed part of a specification that decides what is stored.
struct Spec {
    suppress: bool,
    width: Option<usize>,
    /// msvcrt's counter: starts at 1, h subtracts, l and L add; 0 is short.
    longone: i32,
    /// >0 wide, <0 narrow, 0 the function's default for the conversion.
    widechar: i32,
    int64: bool,
}

impl Spec {
    fn int_size(&self) -> usize {
        if self.int64 {
            8
        } else if self.longone == 0 {
            2
        } else {
            4
        }
    }
}

fn scan<C: CodeUnit>(
    fmt: &[C],
    input: &mut dyn ScanInput<C>,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
) -> i32 {
    let mut r = Reader { input, consumed: 0 };
    let mut assigned = 0;
    let mut converted = false;
    let stop = run(fmt, &mut r, args, out, &mut assigned, &mut converted);
    match stop {
        Some(Stop::Input) if !converted && (!C::WIDE || r.consumed == 0) => EOF,
        _ => assigned,
    }
}

/// Runs the format; returns why it stopped early, if it did.
fn run<C: CodeUnit>(
    fmt: &[C],
    r: &mut Reader<'_, C>,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
    assigned: &mut i32,
    converted: &mut bool,
) -> Option<Stop> {
    // The format ends at its NUL if the caller passed one.
    let at = |i: usize| fmt.get(i).map(|c| c.to_u32()).filter(|&c| c != 0);
    let mut i = 0;
    while let Some(f) = at(i) {
        i += 1;
        // Whitespace in the format matches any amount, including none.
        if is_space(f, C::WIDE) {
            while at(i).is_some_and(|c| is_space(c, C::WIDE)) {
                i += 1;
            }
            r.skip_space();
            continue;
        }
        if !is(f, '%') {
            match r.get() {
                None => return Some(Stop::Input),
                Some(c) if c.to_u32() == f => continue,
                Some(c) => {
                    r.unget(c);
                    return Some(Stop::Matching);
                }
            }
        }
        let mut spec = Spec {
            suppress: false,
            width: None,
            longone: 1,
            widechar: 0,
            int64: false,
        };
        let mut width = 0usize;
        while let Some(c) = at(i) {
            match char::from_u32(c) {
                Some('*') => spec.suppress = true,
                Some(d @ '0'..='9') => {
                    width = width
                        .saturating_mul(10)
                        .saturating_add(d as usize - '0' as usize)
                }
                Some('h') => {
                    spec.longone -= 1;
                    spec.widechar -= 1;
                }
                Some('l') if at(i + 1).is_some_and(|n| is(n, 'l')) => {
                    i += 1;
                    spec.int64 = true;
                }
                Some('l') => {
                    spec.longone += 1;
                    spec.widechar += 1;
                }
                Some('w') => spec.widechar += 1,
                Some('L') => spec.longone += 1,
                Some('I')
                    if at(i + 1).is_some_and(|n| is(n, '6'))
                        && at(i + 2).is_some_and(|n| is(n, '4')) =>
                {
                    i += 2;
                    spec.int64 = true;
                }
                Some('I')
                    if at(i + 1).is_some_and(|n| is(n, '3'))
                        && at(i + 2).is_some_and(|n| is(n, '2')) =>
                {
                    i += 2
                }
                // Pointer-sized; j, z and t likewise on Win64 (Windows accepts %jx).
                Some('I' | 'j' | 'z' | 't') => spec.int64 = true,
                // Far/near pointer prefixes, ignored.
                Some('F' | 'N') => {}
                _ => break,
            }
            i += 1;
        }
        // Width 0 means no width, as in msvcrt.
        spec.width = (width > 0).then_some(width);
        let conv = at(i);
        if conv.is_some() {
            i += 1;
        }
        let conv = conv.and_then(char::from_u32).unwrap_or('\0');
        if conv == 'n' {
            if !spec.suppress {
                out.store_int(args.next_u64(), spec.int_size(), r.consumed as u64);
            }
            continue;
        }
        if !matches!(conv, 'c' | 'C' | '[') {
            r.skip_space();
        }
        if r.at_end() {
            return Some(Stop::Input);
        }
        let result = match conv {
            'd' => scan_int(r, &spec, 10, true, false, args, out),
            'i' => scan_int(r, &spec, 0, true, false, args, out),
            'u' => scan_int(r, &spec, 10, false, false, args, out),
            'o' => scan_int(r, &spec, 8, false, false, args, out),
            'x' | 'X' => scan_int(r, &spec, 16, false, false, args, out),
            'p' | 'P' => scan_int(
                r,
                &Spec {
                    int64: true,
                    ..spec
                },
                16,
                false,
                true,
                args,
                out,
            ),
            'e' | 'E' | 'f' | 'g' | 'G' => scan_float(r, &spec, args, out),
            'c' | 'C' | 's' | 'S' | '[' => {
                let upper = conv == 'C' || conv == 'S';
                let wide = if spec.widechar != 0 {
                    spec.widechar > 0
                } else {
                    C::WIDE != upper
                };
                let set = if conv == '[' {
                    Some(parse_set(fmt, &mut i))
                } else {
                    None
                };
                scan_text(r, &spec, conv, set.as_ref(), wide, args, out)
            }
            // '%', an unknown letter (including 'a'), or a format ending after
            // '%': the character must appear in the input.
            other => match r.get() {
                Some(c) if other != '\0' && c.to_u32() == other as u32 => Ok(false),
                Some(c) => {
                    r.unget(c);
                    Err(Stop::Matching)
                }
                None => Err(Stop::Input),
            },
        };
        match result {
            Ok(true) => {
                *converted = true;
                if !spec.suppress {
                    *assigned += 1;
                }
            }
            Ok(false) => {}
            Err(stop) => return Some(stop),
        }
    }
    None
}

/// Reads an integer; `base` 0 is %i's prefix-selected base. Returns
/// Ok(true) when a field was converted.
fn scan_int<C: CodeUnit>(
    r: &mut Reader<'_, C>,
    spec: &Spec,
    base: u32,
    _signed: bool,
    pointer: bool,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
) -> Result<bool, Stop> {
    let mut left = spec.width;
    let negative = r
        .take(&mut left, |c| is(c, '+') || is(c, '-'))
        .is_some_and(|c| is(c.to_u32(), '-'));
    let mut base = base;
    let mut seen = false;
    if base == 0 || (base == 16 && !pointer) {
        if r.take(&mut left, |c| is(c, '0')).is_some() {
            seen = true;
            if r.take(&mut left, |c| is(c, 'x') || is(c, 'X')).is_some() {
                // "0x" needs a hex digit after it (Wine: "0x" and "%2x" of "0x1" fail).
                base = 16;
                seen = false;
            } else if base == 0 {
                base = 8;
            }
        } else if base == 0 {
            base = 10;
        }
    }
    let mut value = 0u64;
    while let Some(c) = r.take(&mut left, |c| digit_value(c) < base) {
        value = value
            .wrapping_mul(u64::from(base))
            .wrapping_add(u64::from(digit_value(c.to_u32())));
        seen = true;
    }
    if !seen {
        return Err(Stop::Matching);
    }
    if negative {
        value = value.wrapping_neg();
    }
    if !spec.suppress {
        out.store_int(args.next_u64(), spec.int_size(), value);
    }
    Ok(true)
}

fn scan_float<C: CodeUnit>(
    r: &mut Reader<'_, C>,
    spec: &Spec,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
) -> Result<bool, Stop> {
    let mut left = spec.width;
    let digit = |c: u32| (0x30..=0x39).contains(&c);
    let mut text = String::new();
    if r.take(&mut left, |c| is(c, '+') || is(c, '-'))
        .is_some_and(|c| is(c.to_u32(), '-'))
    {
        text.push('-');
    }
    let mut mantissa = 0usize;
    let mut int_part = String::new();
    while let Some(c) = r.take(&mut left, digit) {
        int_part.push(char::from(c.to_u32() as u8));
        mantissa += 1;
    }
    let mut frac = String::new();
    if r.take(&mut left, |c| is(c, '.')).is_some() {
        while let Some(c) = r.take(&mut left, digit) {
            frac.push(char::from(c.to_u32() as u8));
            mantissa += 1;
        }
    }
    if mantissa == 0 {
        return Err(Stop::Matching);
    }
    let mut exponent: i64 = 0;
    if r.take(&mut left, |c| is(c, 'e') || is(c, 'E')).is_some() {
        let negative = r
            .take(&mut left, |c| is(c, '+') || is(c, '-'))
            .is_some_and(|c| is(c.to_u32(), '-'));
        while let Some(c) = r.take(&mut left, digit) {
            // Far past any double's range the value no longer changes.
            exponent = (exponent * 10 + i64::from(c.to_u32() - 0x30)).min(1 << 40);
        }
        if negative {
            exponent = -exponent;
        }
    }
    text.push_str(if int_part.is_empty() { "0" } else { &int_part });
    text.push('.');
    text.push_str(if frac.is_empty() { "0" } else { &frac });
    text.push_str(&format!("e{exponent}"));
    let value: f64 = text.parse().unwrap_or(0.0);
    if !spec.suppress {
        // l and L store a double; the float is the double rounded again, as
        // msvcrt converts through double.
        if spec.longone > 1 {
            out.store_f64(args.next_u64(), value);
        } else {
            out.store_f32(args.next_u64(), value as f32);
        }
    }
    Ok(true)
}

/// A %[...] set: ranges of code units, possibly inverted.
struct ScanSet {
    invert: bool,
    ranges: Vec<(u32, u32)>,
}

impl ScanSet {
    fn contains(&self, c: u32) -> bool {
        self.ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) != self.invert
    }
}

/// Parses the set after "%[" and moves `i` past its ']'. A ']' first (after
/// any '^') is a member; '-' is a range between its neighbours unless it is
/// first, last, or follows a range; reversed ranges are accepted (docs:
/// "%[z-a]" is "%[a-z]"). An unterminated set runs to the end of the format.
fn parse_set<C: CodeUnit>(fmt: &[C], i: &mut usize) -> ScanSet {
    let at = |i: usize| fmt.get(i).map(|c| c.to_u32()).filter(|&c| c != 0);
    let mut set = ScanSet {
        invert: false,
        ranges: Vec::new(),
    };
    if at(*i).is_some_and(|c| is(c, '^')) {
        set.invert = true;
        *i += 1;
    }
    let mut prev = None;
    if at(*i).is_some_and(|c| is(c, ']')) {
        set.ranges.push((']' as u32, ']' as u32));
        prev = Some(']' as u32);
        *i += 1;
    }
    while let Some(c) = at(*i) {
        if is(c, ']') {
            *i += 1;
            break;
        }
        match (prev, at(*i + 1)) {
            (Some(lo), Some(hi)) if is(c, '-') && !is(hi, ']') => {
                set.ranges.push((lo.min(hi), lo.max(hi)));
                prev = None;
                *i += 2;
            }
            _ => {
                set.ranges.push((c, c));
                prev = Some(c);
                *i += 1;
            }
        }
    }
    set
}

/// %c (no skipping, no NUL, width default 1), %s (up to whitespace), %[.
fn scan_text<C: CodeUnit>(
    r: &mut Reader<'_, C>,
    spec: &Spec,
    conv: char,
    set: Option<&ScanSet>,
    wide: bool,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
) -> Result<bool, Stop> {
    let is_char = conv == 'c' || conv == 'C';
    let mut left = if is_char {
        Some(spec.width.unwrap_or(1))
    } else {
        spec.width
    };
    let mut got: Vec<C> = Vec::new();
    while let Some(c) = r.take(&mut left, |c| match set {
        Some(set) => set.contains(c),
        None => is_char || !is_space(c, C::WIDE),
    }) {
        got.push(c);
    }
    if got.is_empty() {
        return Err(Stop::Matching);
    }
    if !spec.suppress {
        let units: Vec<u16> = got.iter().map(|c| c.to_u32() as u16).collect();
        let stored = match (C::WIDE, wide) {
            (false, true) => {
                out.narrow_to_wide(&got.iter().map(|c| c.to_u32() as u8).collect::<Vec<u8>>())
            }
            (true, false) => out
                .wide_to_narrow(&units)
                .into_iter()
                .map(u16::from)
                .collect(),
            _ => units,
        };
        out.store_units(args.next_u64(), &stored, wide, !is_char);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
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
}
