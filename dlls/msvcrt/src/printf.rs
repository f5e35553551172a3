//! The printf engine of the builtin msvcrt.dll, shared by the narrow
//! (`printf`, `sprintf`, `fprintf`, ...) and wide (`wprintf`, `swprintf`, ...)
//! families through one implementation generic over the code unit.
//!
//! It follows the system msvcrt.dll (what mingw-w64 programs link to), not the
//! UCRT. Sources, in order of authority: Microsoft's format-specification
//! documentation, msvcrt.dll behaviour recorded by Wine's conformance tests
//! (which run on Windows), then Wine's msvcrt as a probe. The msvcrt.dll
//! behaviours reproduced here that a C99 printf would not show:
//! - Exponents have at least three digits (`1.000000e+000`); two with
//!   `_set_output_format(_TWO_DIGIT_EXPONENT)` ([`Options::two_digit_exponent`]).
//! - A double is first converted to 17 significant digits; further digits are
//!   zeros, and rounding to the precision is half away from zero on those
//!   digits: `%.20f` of 0.1 is `0.10000000000000001000`, `%.0f` of 2.5 is `3`.
//! - Infinities and NaNs print as `1.#INF`, `1.#QNAN`, `1.#SNAN`, `-1.#IND`,
//!   and the text is "rounded" like digits: `%.2f` of INF is `1.#J`.
//! - `%p` is 16 upper-case hex digits without `0x`; `F` and `N` are (ignored)
//!   size prefixes, so `%F` is not a conversion; `hh` means `h`; `I`, `z`, `t`
//!   are size prefixes only before `d i o u x X`; an unknown conversion prints
//!   its character and consumes no argument; the `0` flag pads strings and
//!   characters too.
//! - A wide string that the code page cannot represent fails the whole call
//!   (msvcrt returns -1); an unrepresentable `%C` character prints nothing.
//! - `z`, `t`, `j` are accepted as 64-bit prefixes as current msvcrt.dll does
//!   (older Windows printed "zu"; Microsoft's pre-2015 docs list them as
//!   unsupported). An explicit precision cancels the `0` flag for integers.
//! - `%n` is honoured (Vista+ msvcrt.dll may refuse it by default; Wine's
//!   tests accept both) and stores a short for `h`, 8 bytes for 64-bit
//!   prefixes, else an int.

/// Win64 variadic arguments: consecutive 8-byte slots (register arguments
/// homed to the stack, doubles passed as their bit patterns).
pub trait VaArgs {
    fn next_u64(&mut self) -> u64;
    fn next_f64(&mut self) -> f64 {
        f64::from_bits(self.next_u64())
    }
}

/// A `va_list` over guest memory.
pub struct SlotArgs {
    ptr: *const u64,
}

impl SlotArgs {
    /// # Safety
    /// `ptr` must point at the homed variadic slots and stay readable for as
    /// many slots as the format consumes (as with a real `va_list`).
    pub unsafe fn new(ptr: *const u64) -> Self {
        SlotArgs { ptr }
    }
}

impl VaArgs for SlotArgs {
    fn next_u64(&mut self) -> u64 {
        // SAFETY: the caller of `SlotArgs::new` vouched for the slots; like the
        // real va_arg, reading past the caller's arguments is the guest's bug.
        let v = unsafe { self.ptr.read_unaligned() };
        self.ptr = self.ptr.wrapping_add(1);
        v
    }
}

/// Arguments from a slice (tests, and callers that marshal their own); past
/// the end every slot reads as 0.
impl VaArgs for std::slice::Iter<'_, u64> {
    fn next_u64(&mut self) -> u64 {
        self.next().copied().unwrap_or(0)
    }
}

/// Access to guest memory and the current code page for the conversions that
/// dereference pointers (`%s %S %Z %n`) or change character width.
pub trait GuestMem {
    /// The narrow string at `p`, up to its NUL or `max` bytes.
    fn narrow_str(&self, p: u64, max: Option<usize>) -> Vec<u8>;
    /// The wide string at `p`, up to its NUL or `max` units.
    fn wide_str(&self, p: u64, max: Option<usize>) -> Vec<u16>;
    /// Stores the low `size_bytes` bytes of `v` at `p`.
    fn write_int(&self, p: u64, size_bytes: usize, v: i64);
    /// `len` raw bytes at `p` (for `%Z`'s ANSI_STRING/UNICODE_STRING).
    fn read_bytes(&self, p: u64, len: usize) -> Vec<u8>;
    fn wide_to_narrow(&self, w: &[u16]) -> Vec<u8>;
    fn narrow_to_wide(&self, n: &[u8]) -> Vec<u16>;
    /// `wide_to_narrow`, or None when a character has no mapping (msvcrt's
    /// wctomb fails). The default detects substitutions by round-tripping.
    fn wide_to_narrow_exact(&self, w: &[u16]) -> Option<Vec<u8>> {
        let n = self.wide_to_narrow(w);
        (self.narrow_to_wide(&n) == w).then_some(n)
    }
}

/// The "C" locale code page as msvcrt.dll has it: bytes are Latin-1.
pub fn latin1_to_wide(n: &[u8]) -> Vec<u16> {
    n.iter().map(|&b| u16::from(b)).collect()
}

/// Latin-1 back to bytes; characters above U+00FF become `?`.
pub fn wide_to_latin1(w: &[u16]) -> Vec<u8> {
    w.iter().map(|&u| u8::try_from(u).unwrap_or(b'?')).collect()
}

/// The real [`GuestMem`]: guest pointers are host pointers (the guest runs
/// in-process), code page is the "C" locale.
pub struct RawMem;

impl GuestMem for RawMem {
    fn narrow_str(&self, p: u64, max: Option<usize>) -> Vec<u8> {
        let mut v = Vec::new();
        if p == 0 {
            return v;
        }
        let base = p as usize as *const u8;
        while max.is_none_or(|m| v.len() < m) {
            // SAFETY: the guest passed this as a string pointer; it is read up
            // to its terminator like msvcrt does, and a bad pointer faults the
            // guest as it would on Windows.
            let b = unsafe { base.add(v.len()).read() };
            if b == 0 {
                break;
            }
            v.push(b);
        }
        v
    }

    fn wide_str(&self, p: u64, max: Option<usize>) -> Vec<u16> {
        let mut v = Vec::new();
        if p == 0 {
            return v;
        }
        let base = p as usize as *const u16;
        while max.is_none_or(|m| v.len() < m) {
            // SAFETY: as for narrow_str; unaligned reads are allowed on x86-64.
            let u = unsafe { base.add(v.len()).read_unaligned() };
            if u == 0 {
                break;
            }
            v.push(u);
        }
        v
    }

    fn write_int(&self, p: u64, size_bytes: usize, v: i64) {
        if p == 0 {
            return;
        }
        let bytes = v.to_le_bytes();
        let n = size_bytes.min(8);
        // SAFETY: the guest passed `p` as a pointer to an integer of this size.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p as usize as *mut u8, n) };
    }

    fn read_bytes(&self, p: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        if p == 0 {
            return v;
        }
        // SAFETY: the guest passed `p` as a pointer to at least `len` bytes.
        unsafe { std::ptr::copy_nonoverlapping(p as usize as *const u8, v.as_mut_ptr(), len) };
        v
    }

    fn wide_to_narrow(&self, w: &[u16]) -> Vec<u8> {
        wide_to_latin1(w)
    }

    fn narrow_to_wide(&self, n: &[u8]) -> Vec<u16> {
        latin1_to_wide(n)
    }
}

/// Settings that msvcrt.dll keeps per process or per call.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// `_set_output_format(_TWO_DIGIT_EXPONENT)`.
    pub two_digit_exponent: bool,
    /// Stop after this many code units (`_snprintf`'s count); more output
    /// makes the status [`Status::Truncated`].
    pub limit: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Complete,
    /// The output reached [`Options::limit`].
    Truncated,
    /// msvcrt returns -1: a wide string had no narrow form, or the output
    /// passed INT_MAX units (the count printf returns is an int).
    Failed,
}

/// The output of one printf call: what was written before any stop, and why
/// it stopped.
#[derive(Debug)]
pub struct Formatted<C> {
    pub text: Vec<C>,
    pub status: Status,
}

/// printf, sprintf, fprintf...: the formatted text.
pub fn format_narrow(fmt: &[u8], args: &mut dyn VaArgs, mem: &dyn GuestMem) -> Vec<u8> {
    format_narrow_ex(fmt, args, mem, &Options::default()).text
}

/// wprintf, swprintf...: the formatted text.
pub fn format_wide(fmt: &[u16], args: &mut dyn VaArgs, mem: &dyn GuestMem) -> Vec<u16> {
    format_wide_ex(fmt, args, mem, &Options::default()).text
}

pub fn format_narrow_ex(
    fmt: &[u8],
    args: &mut dyn VaArgs,
    mem: &dyn GuestMem,
    opts: &Options,
) -> Formatted<u8> {
    format_units(fmt, args, mem, opts)
}

pub fn format_wide_ex(
    fmt: &[u16],
    args: &mut dyn VaArgs,
    mem: &dyn GuestMem,
    opts: &Options,
) -> Formatted<u16> {
    format_units(fmt, args, mem, opts)
}

/// A character type of the format and the output: `u8` or `u16`.
pub trait CodeUnit: Copy + PartialEq + Default + std::fmt::Debug + 'static {
    /// True for the wide (wprintf/wscanf) family.
    const WIDE: bool;
    fn from_ascii(b: u8) -> Self;
    fn to_u32(self) -> u32;
    /// Converts narrow text to this unit type (mbtowc in the wide family).
    fn from_narrow(mem: &dyn GuestMem, n: &[u8]) -> Vec<Self>;
    /// Converts wide text to this unit type; None when wctomb fails.
    fn from_wide(mem: &dyn GuestMem, w: &[u16]) -> Option<Vec<Self>>;
}

impl CodeUnit for u8 {
    const WIDE: bool = false;
    fn from_ascii(b: u8) -> Self {
        b
    }
    fn to_u32(self) -> u32 {
        u32::from(self)
    }
    fn from_narrow(_: &dyn GuestMem, n: &[u8]) -> Vec<Self> {
        n.to_vec()
    }
    fn from_wide(mem: &dyn GuestMem, w: &[u16]) -> Option<Vec<Self>> {
        mem.wide_to_narrow_exact(w)
    }
}

impl CodeUnit for u16 {
    const WIDE: bool = true;
    fn from_ascii(b: u8) -> Self {
        u16::from(b)
    }
    fn to_u32(self) -> u32 {
        u32::from(self)
    }
    fn from_narrow(mem: &dyn GuestMem, n: &[u8]) -> Vec<Self> {
        mem.narrow_to_wide(n)
    }
    fn from_wide(_: &dyn GuestMem, w: &[u16]) -> Option<Vec<Self>> {
        Some(w.to_vec())
    }
}

/// Output buffer that enforces the limit and INT_MAX.
struct Out<C> {
    buf: Vec<C>,
    limit: usize,
    status: Status,
}

impl<C: CodeUnit> Out<C> {
    fn stopped(&self) -> bool {
        self.status != Status::Complete
    }

    /// Room for `n` more units; records why not if there is none.
    fn room(&mut self, n: usize) -> usize {
        if self.stopped() {
            return 0;
        }
        let left = self.limit - self.buf.len();
        let take = n.min(left);
        if self.buf.try_reserve(take).is_err() {
            self.status = Status::Failed;
            return 0;
        }
        if take < n {
            self.status = if self.limit == i32::MAX as usize {
                Status::Failed
            } else {
                Status::Truncated
            };
        }
        take
    }

    fn unit(&mut self, c: C) {
        if self.room(1) == 1 {
            self.buf.push(c);
        }
    }

    fn units(&mut self, s: &[C]) {
        let n = self.room(s.len());
        self.buf.extend_from_slice(&s[..n]);
    }

    fn ascii(&mut self, s: &[u8]) {
        let n = self.room(s.len());
        self.buf.extend(s[..n].iter().map(|&b| C::from_ascii(b)));
    }

    fn fill(&mut self, count: usize, b: u8) {
        let n = self.room(count);
        self.buf.resize(self.buf.len() + n, C::from_ascii(b));
    }
}

#[derive(Clone, Copy, Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: i32,
    /// -1: not given.
    precision: i32,
    h: bool,
    l: bool,
    w: bool,
    /// 64-bit integer argument (ll, I64, I, j, z, t).
    big: bool,
}

impl Spec {
    fn new() -> Self {
        Spec {
            precision: -1,
            ..Spec::default()
        }
    }

    fn pad_len(&self, len: usize) -> usize {
        usize::try_from(i64::from(self.width) - len as i64).unwrap_or(0)
    }
}

/// Where the parser is inside a conversion specification. Order matters: a
/// character class is accepted only up to a certain state.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    Percent,
    Flag,
    Width,
    Dot,
    Precision,
    Size,
}

fn is_int_conv(c: u32) -> bool {
    matches!(char::from_u32(c), Some('d' | 'i' | 'o' | 'u' | 'x' | 'X'))
}

fn format_units<C: CodeUnit>(
    fmt: &[C],
    args: &mut dyn VaArgs,
    mem: &dyn GuestMem,
    opts: &Options,
) -> Formatted<C> {
    let limit = opts.limit.unwrap_or(usize::MAX).min(i32::MAX as usize);
    let mut out = Out {
        buf: Vec::new(),
        limit,
        status: Status::Complete,
    };
    // The format ends at its NUL if the caller passed one.
    let at = |i: usize| fmt.get(i).map(|c| c.to_u32()).filter(|&c| c != 0);
    let mut i = 0;
    'directives: while let Some(c) = at(i) {
        if out.stopped() {
            break;
        }
        i += 1;
        if c != u32::from(b'%') {
            out.unit(fmt[i - 1]);
            continue;
        }
        let mut spec = Spec::new();
        let mut state = State::Percent;
        loop {
            // A format ending inside a specification prints nothing for it.
            let Some(c) = at(i) else { break 'directives };
            i += 1;
            let ch = char::from_u32(c).unwrap_or('\u{fffd}');
            match ch {
                '%' if state == State::Percent => {
                    out.ascii(b"%");
                    break;
                }
                // A '%' inside a specification starts a new one (Wine; "%5%d" prints the int).
                '%' => {
                    spec = Spec::new();
                    state = State::Percent;
                }
                '-' | '+' | ' ' | '#' | '0' if state <= State::Flag => {
                    match ch {
                        '-' => spec.left = true,
                        '+' => spec.plus = true,
                        ' ' => spec.space = true,
                        '#' => spec.alt = true,
                        _ => spec.zero = true,
                    }
                    state = State::Flag;
                }
                '*' if state <= State::Flag => {
                    spec.width = args.next_u64() as i32;
                    if spec.width < 0 {
                        spec.left = true;
                        spec.width = spec.width.wrapping_neg();
                    }
                    state = State::Width;
                }
                '*' if state == State::Dot => {
                    spec.precision = (args.next_u64() as i32).max(-1);
                    state = State::Precision;
                }
                // Digits after '*' keep accumulating: "%*1d" with 1 is width 11.
                '0'..='9' if state <= State::Width => {
                    spec.width = spec
                        .width
                        .wrapping_mul(10)
                        .wrapping_add(c as i32 - '0' as i32);
                    state = State::Width;
                }
                '0'..='9' if state == State::Dot || state == State::Precision => {
                    spec.precision = spec
                        .precision
                        .wrapping_mul(10)
                        .wrapping_add(c as i32 - '0' as i32);
                    state = State::Precision;
                }
                '.' if state <= State::Width => {
                    spec.precision = 0;
                    state = State::Dot;
                }
                'h' | 'l' | 'w' | 'L' | 'F' | 'N' | 'j' | 'I' | 'z' | 't' => {
                    match ch {
                        'h' => spec.h = true,
                        'w' => spec.w = true,
                        'j' => spec.big = true,
                        'l' if at(i) == Some(u32::from(b'l')) => {
                            i += 1;
                            spec.big = true;
                        }
                        'l' => spec.l = true,
                        'I' if at(i) == Some(u32::from(b'6'))
                            && at(i + 1) == Some(u32::from(b'4')) =>
                        {
                            i += 2;
                            spec.big = true;
                        }
                        'I' if at(i) == Some(u32::from(b'3'))
                            && at(i + 1) == Some(u32::from(b'2')) =>
                        {
                            i += 2;
                            spec.big = false;
                        }
                        // I, z, t (size_t/ptrdiff_t) only before an integer conversion;
                        // otherwise the letter prints ("%Iq" -> "Iq", "%z" -> "z").
                        'I' | 'z' | 't' if at(i).is_some_and(is_int_conv) => spec.big = true,
                        'I' | 'z' | 't' => {
                            out.unit(fmt[i - 1]);
                            break;
                        }
                        // L (long double == double), F and N (far/near) change nothing.
                        _ => {}
                    }
                    state = State::Size;
                }
                'd' | 'i' | 'u' | 'o' | 'x' | 'X' | 'p' => {
                    format_int(&mut out, ch, &spec, args);
                    break;
                }
                'c' | 'C' => {
                    format_char(&mut out, ch == 'C', &spec, args, mem);
                    break;
                }
                's' | 'S' => {
                    format_str(&mut out, ch == 'S', &spec, args, mem);
                    break;
                }
                'Z' => {
                    format_counted(&mut out, &spec, args, mem);
                    break;
                }
                'n' => {
                    // msvcrt stores short for h; the docs say the size prefix
                    // selects the size, so 64-bit prefixes store 8 bytes (Wine
                    // always stores an int).
                    let size = if spec.big {
                        8
                    } else if spec.h {
                        2
                    } else {
                        4
                    };
                    mem.write_int(args.next_u64(), size, out.buf.len() as i64);
                    break;
                }
                'e' | 'E' | 'f' | 'g' | 'G' | 'a' | 'A' => {
                    let v = args.next_f64();
                    let text = format_float(v, ch as u8, &spec, opts.two_digit_exponent);
                    emit_number(&mut out, &spec, &text.sign, &text.prefix, &text.body, true);
                    break;
                }
                // Anything else (or a misplaced flag, '*', '.' or digit) ends the
                // specification and prints itself, consuming no argument.
                _ => {
                    out.unit(fmt[i - 1]);
                    break;
                }
            }
        }
    }
    Formatted {
        text: out.buf,
        status: out.status,
    }
}

/// A number's digits as `head`, then `zeros` zeros, then `tail`, so that a
/// huge precision costs no memory until it is written (and is cut by the limit).
#[derive(Default)]
struct Body {
    head: Vec<u8>,
    zeros: usize,
    tail: Vec<u8>,
}

impl Body {
    fn len(&self) -> usize {
        self.head
            .len()
            .saturating_add(self.zeros)
            .saturating_add(self.tail.len())
    }
}

/// Lays out `[sign][prefix][zeros]body` in the field. Zero padding goes after
/// the sign and prefix, as msvcrt does for every conversion.
fn emit_number<C: CodeUnit>(
    out: &mut Out<C>,
    spec: &Spec,
    sign: &[u8],
    prefix: &[u8],
    body: &Body,
    zero_ok: bool,
) {
    let len = (sign.len() + prefix.len()).saturating_add(body.len());
    let pad = spec.pad_len(len);
    let zero = spec.zero && zero_ok && !spec.left;
    if !spec.left && !zero {
        out.fill(pad, b' ');
    }
    out.ascii(sign);
    out.ascii(prefix);
    if zero {
        out.fill(pad, b'0');
    }
    out.ascii(&body.head);
    out.fill(body.zeros, b'0');
    out.ascii(&body.tail);
    if spec.left {
        out.fill(pad, b' ');
    }
}

/// Pads text (strings and characters) in the field; `len` is the source
/// length msvcrt pads by, which can differ from the output length under a
/// multi-byte code page.
fn emit_text<C: CodeUnit>(out: &mut Out<C>, spec: &Spec, text: &[C], len: usize) {
    let pad = spec.pad_len(len);
    if !spec.left {
        out.fill(pad, if spec.zero { b'0' } else { b' ' });
    }
    out.units(text);
    if spec.left {
        out.fill(pad, b' ');
    }
}

fn format_int<C: CodeUnit>(out: &mut Out<C>, conv: char, spec: &Spec, args: &mut dyn VaArgs) {
    let raw = args.next_u64();
    let signed = matches!(conv, 'd' | 'i');
    let (negative, magnitude) = if conv == 'p' || spec.big {
        if signed && (raw as i64) < 0 {
            (true, (raw as i64).unsigned_abs())
        } else {
            (false, raw)
        }
    } else if spec.h {
        let v = raw as u16;
        if signed && (v as i16) < 0 {
            (true, u64::from((v as i16).unsigned_abs()))
        } else {
            (false, u64::from(v))
        }
    } else {
        // int and long are both 32-bit on Windows.
        let v = raw as u32;
        if signed && (v as i32) < 0 {
            (true, u64::from((v as i32).unsigned_abs()))
        } else {
            (false, u64::from(v))
        }
    };
    let mut spec = *spec;
    if conv == 'p' {
        spec.precision = 16;
    }
    // An explicit precision turns off the 0 flag (docs; also why "%#020p"
    // pads with spaces on Windows).
    let zero_ok = spec.precision < 0;
    let precision = if spec.precision < 0 {
        1
    } else {
        spec.precision as usize
    };
    let (radix, upper) = match conv {
        'o' => (8, false),
        'x' => (16, false),
        'X' | 'p' => (16, true),
        _ => (10, false),
    };
    let mut digits = Vec::new();
    let mut n = magnitude;
    while n != 0 {
        let d = (n % radix) as u8;
        digits.push(match d {
            0..=9 => b'0' + d,
            _ if upper => b'A' + d - 10,
            _ => b'a' + d - 10,
        });
        n /= radix;
    }
    digits.reverse();
    // Zero with precision 0 prints no digits.
    let mut body = Body {
        zeros: precision.saturating_sub(digits.len()),
        tail: digits,
        ..Body::default()
    };
    if conv == 'o'
        && spec.alt
        && magnitude != 0
        && body.zeros == 0
        && body.tail.first() != Some(&b'0')
    {
        body.tail.insert(0, b'0');
    }
    let sign: &[u8] = if !signed {
        b""
    } else if negative {
        b"-"
    } else if spec.plus {
        b"+"
    } else if spec.space {
        b" "
    } else {
        b""
    };
    let prefix: &[u8] = match conv {
        'x' if spec.alt && magnitude != 0 => b"0x",
        'X' | 'p' if spec.alt && magnitude != 0 => b"0X",
        _ => b"",
    };
    emit_number(out, &spec, sign, prefix, &body, zero_ok);
}

/// Whether %s/%c (or %S/%C when `upper`) take a wide argument.
fn wide_arg<C: CodeUnit>(upper: bool, spec: &Spec) -> bool {
    if C::WIDE {
        // wprintf: h forces narrow; S/C without a size prefix are narrow.
        !spec.h && (spec.l || spec.w || !upper)
    } else {
        // printf: l or w force wide; S/C without a size prefix are wide.
        spec.l || spec.w || (upper && !spec.h)
    }
}

fn format_char<C: CodeUnit>(
    out: &mut Out<C>,
    upper: bool,
    spec: &Spec,
    args: &mut dyn VaArgs,
    mem: &dyn GuestMem,
) {
    let raw = args.next_u64();
    let text = if wide_arg::<C>(upper, spec) {
        // An unrepresentable character prints nothing, padding included.
        match C::from_wide(mem, &[raw as u16]) {
            Some(t) => t,
            None => return,
        }
    } else {
        C::from_narrow(mem, &[raw as u8])
    };
    emit_text(out, spec, &text, 1);
}

fn format_str<C: CodeUnit>(
    out: &mut Out<C>,
    upper: bool,
    spec: &Spec,
    args: &mut dyn VaArgs,
    mem: &dyn GuestMem,
) {
    let p = args.next_u64();
    let max = usize::try_from(spec.precision).ok();
    let wide = wide_arg::<C>(upper, spec);
    let src_null: &[u8] = b"(null)";
    let null = &src_null[..max.map_or(src_null.len(), |m| m.min(src_null.len()))];
    if wide {
        let s = if p == 0 {
            latin1_to_wide(null)
        } else {
            mem.wide_str(p, max)
        };
        match C::from_wide(mem, &s) {
            Some(t) => emit_text(out, spec, &t, s.len()),
            // msvcrt's wctomb failed: the whole call fails with -1.
            None => out.status = Status::Failed,
        }
    } else {
        let s = if p == 0 {
            null.to_vec()
        } else {
            mem.narrow_str(p, max)
        };
        emit_text(out, spec, &C::from_narrow(mem, &s), s.len());
    }
}

/// %Z: ANSI_STRING, or UNICODE_STRING with w/l. Layout on Win64: USHORT
/// Length (bytes), USHORT MaximumLength, 4 bytes padding, PCHAR Buffer.
fn format_counted<C: CodeUnit>(
    out: &mut Out<C>,
    spec: &Spec,
    args: &mut dyn VaArgs,
    mem: &dyn GuestMem,
) {
    let p = args.next_u64();
    let header = if p == 0 {
        Vec::new()
    } else {
        mem.read_bytes(p, 16)
    };
    let (len, buffer) = match header.as_slice() {
        [l0, l1, _, _, _, _, _, _, b @ ..] if b.len() == 8 => {
            let mut ptr = [0u8; 8];
            ptr.copy_from_slice(b);
            (
                usize::from(u16::from_le_bytes([*l0, *l1])),
                u64::from_le_bytes(ptr),
            )
        }
        _ => (0, 0),
    };
    if buffer == 0 {
        emit_text(out, spec, &C::from_narrow(mem, b"(null)"), 6);
        return;
    }
    let bytes = mem.read_bytes(buffer, len);
    if spec.w || spec.l {
        let w: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        match C::from_wide(mem, &w) {
            Some(t) => emit_text(out, spec, &t, w.len()),
            None => out.status = Status::Failed,
        }
    } else {
        emit_text(out, spec, &C::from_narrow(mem, &bytes), bytes.len());
    }
}

struct FloatText {
    sign: Vec<u8>,
    /// "0x"/"0X" for %a: zero padding goes after it.
    prefix: Vec<u8>,
    body: Body,
}

/// A decimal significand as msvcrt's converter leaves it: ASCII "digits"
/// (or the `1#INF`-style text of a special value) with the value being
/// 0.d1d2... * 10^decpt; digits past the end are zeros.
struct Decimal {
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
fn special_digits(v: f64) -> Option<&'static [u8]> {
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

/// Splits Rust's `{:e}` output ("d.ddde-5") into digits and exponent.
fn parse_sci(s: &str) -> (Vec<u8>, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let digits = mant.bytes().filter(u8::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Rounds `d` to `n` leading digits, half away from zero on the digit text
/// (msvcrt's _fptostr): digit n >= '5' bumps the previous one, '9' carries.
/// Non-digit text bumps too ('#' -> '$', 'I' -> 'J'), which is where `1.#J`
/// comes from. `n < 0` leaves no digits (the value is below the precision).
fn round_digits(d: &Decimal, n: i32) -> Decimal {
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

/// |v| to 17 significant digits, correctly rounded with ties away from zero,
/// as msvcrt's converter does before padding with zeros.
fn decimal17(a: f64) -> Decimal {
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
fn digit_run(d: &Decimal, pos: i64, count: usize, head: &mut Vec<u8>) -> usize {
    let known = (d.digits.len() as i64 - pos).clamp(0, count as i64) as usize;
    head.extend((0..known as i64).map(|k| d.at(pos + k)));
    count - known
}

fn fixed_body(d: &Decimal, precision: usize, alt: bool) -> Body {
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

fn exp_body(d: &Decimal, precision: usize, alt: bool, e: u8, two_digit: bool) -> Body {
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
fn crop_zeros(body: &mut Body) {
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

fn format_float(v: f64, conv: u8, spec: &Spec, two_digit: bool) -> FloatText {
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
        None => decimal17(v.abs()),
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
fn hex_body(v: f64, spec: &Spec, upper: bool) -> Body {
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

#[cfg(test)]
// Test values are the literal arguments of Windows/Wine probes.
#[allow(clippy::approx_constant, clippy::excessive_precision)]
mod tests {
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
            ("%f|%e|%E|%.2E", &[f(1.0), f(1.0), f(123.456), f(0.000123456)], "1.000000|1.000000e+000|1.234560E+002|1.23E-004"),
            ("%.3e|%+.3e|%e|%e|%e", &[f(12345.6789), f(12345.6789), f(1e-310), f(0.0), f(1e100)], "1.235e+004|+1.235e+004|1.000000e-310|0.000000e+000|1.000000e+100"),
            ("%+#23.15e|%-#23.15e|%#23.15e", &[f(789456123.0); 3], "+7.894561230000000e+008|7.894561230000000e+008 | 7.894561230000000e+008"),
            ("%2.4f|%0f|%.0f|%2.4e|% 2.4e|% 014.4e|% 2.4e|%+2.4e", &[f(8.6), f(0.6), f(0.6), f(8.6), f(8.6), f(8.6), f(-8.6), f(8.6)], "8.6000|0.600000|1|8.6000e+000| 8.6000e+000| 008.6000e+000|-8.6000e+000|+8.6000e+000"),
            // Half away from zero on the decimal digits (before Windows 10 2004's UCRT change).
            ("%.0f|%.0f|%.0f|%.0f|%.0f|%.0f|%.0f", &[f(0.5), f(1.5), f(2.5), f(3.5), f(-0.5), f(-1.5), f(-2.5)], "1|2|3|4|-1|-2|-3"),
            ("%.2f|%.1f|%.0e", &[f(0.125), f(0.25), f(2.5)], "0.13|0.3|3e+000"),
            ("%f|%e|%g|%f|%.0f|%.1f|%.0e", &[f(-0.0), f(-0.0), f(-0.0), f(-0.4), f(-0.4), f(-0.04), f(-0.4)], "-0.000000|-0.000000e+000|-0|-0.400000|-0|-0.0|-4e-001"),
            ("%010.3f|%-10.3f|%+010.3f|% 010.3f|%010.3e", &[f(3.14159), f(3.14159), f(3.14159), f(3.14159), f(-3.14159)], "000003.142|3.142     |+00003.142| 00003.142|-3.142e+000"),
            ("%Lf|%lf|%hf|%Le|%I64f|%llf|%wf", &[f(1.5); 7], "1.500000|1.500000|1.500000|1.500000e+000|1.500000|1.500000|1.500000"),
            ("%#.0f|%#.0e|%.0f|%.1f", &[f(1.0), f(1.0), f(9.5), f(9.96)], "1.|1.e+000|10|10.0"),
            ("%.10f|%.11f|%.15f|%.15f", &[f(3.14159265359), f(3.14159265359), f(3.14159265359), f(std::f64::consts::PI)], "3.1415926536|3.14159265359|3.141592653590000|3.141592653589793"),
            ("%.13f|%.14f|%.15f", &[f(37.866261574537077); 3], "37.8662615745371|37.86626157453708|37.866261574537077"),
        ]);
    }

    #[test]
    fn seventeen_digit_conversion() {
        check(&[
            // msvcrt converts to 17 significant digits and pads with zeros.
            ("%.20f|%.30f", &[f(0.1), f(1.0 / 3.0)], "0.10000000000000001000|0.333333333333333310000000000000"),
            ("%.30f|%.17g|%.25e", &[f(2f64.sqrt()), f(0.1), f(1.0 / 3.0)], "1.414213562373095100000000000000|0.10000000000000001|3.3333333333333331000000000e-001"),
            ("%.0f|%.0f", &[f(2f64.powi(64)), f(1e23)], "18446744073709552000|99999999999999992000000"),
            // An exact tie at the 17th digit rounds away from zero.
            ("%.16e|%.16e", &[f(1000000000000000.25), f(1000000000000000.75)], "1.0000000000000003e+015|1.0000000000000008e+015"),
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
}
