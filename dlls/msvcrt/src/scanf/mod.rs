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

/// What the Universal CRT's options word changes (corecrt_stdio_config.h).
#[derive(Clone, Copy, Default)]
pub struct ScanOptions {
    /// The `_s` functions: %c, %s and %[ take a buffer size (unsigned)
    /// after the pointer; a field that does not fit stores an empty string
    /// and ends the scan.
    pub secure: bool,
    /// ISO C's %s/%c/%[ in the wide family: narrow unless l/w says wide.
    pub iso_wide_specifiers: bool,
}

/// The scanf families, narrow or wide, with the UCRT's options.
pub fn scan_ex<C: CodeUnit>(
    fmt: &[C],
    input: &mut dyn ScanInput<C>,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
    opts: &ScanOptions,
) -> i32 {
    scan(fmt, input, args, out, opts)
}

/// sscanf, fscanf, scanf: the number of fields assigned, or [`EOF`].
pub fn scan_narrow(
    fmt: &[u8],
    input: &mut dyn ScanInput<u8>,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
) -> i32 {
    scan(fmt, input, args, out, &ScanOptions::default())
}

/// swscanf, fwscanf, wscanf: the number of fields assigned, or [`EOF`].
pub fn scan_wide(
    fmt: &[u16],
    input: &mut dyn ScanInput<u16>,
    args: &mut dyn VaArgs,
    out: &mut dyn ScanOut,
) -> i32 {
    scan(fmt, input, args, out, &ScanOptions::default())
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
    opts: &ScanOptions,
) -> i32 {
    let mut r = Reader { input, consumed: 0 };
    let mut assigned = 0;
    let mut converted = false;
    let stop = run(fmt, &mut r, args, out, &mut assigned, &mut converted, opts);
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
    opts: &ScanOptions,
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
                } else if opts.iso_wide_specifiers {
                    upper
                } else {
                    C::WIDE != upper
                };
                let set = if conv == '[' {
                    Some(parse_set(fmt, &mut i))
                } else {
                    None
                };
                scan_text(r, &spec, conv, set.as_ref(), wide, args, out, opts.secure)
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
    secure: bool,
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
        let ptr = args.next_u64();
        if secure {
            // The buffer's size in units (an unsigned int) follows.
            let size = args.next_u64() as u32 as usize;
            if stored.len() + usize::from(!is_char) > size {
                if size > 0 {
                    out.store_units(ptr, &[], wide, true);
                }
                return Err(Stop::Matching);
            }
        }
        out.store_units(ptr, &stored, wide, !is_char);
    }
    Ok(true)
}

#[cfg(test)]
mod tests;
