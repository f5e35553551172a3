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
    /// The Universal CRT's text for infinities and NaNs ("inf", "nan",
    /// "nan(ind)", "nan(snan)") instead of msvcrt's "1.#INF" family.
    pub ucrt_specials: bool,
    /// The ISO C meaning of %s/%c in the wide family (the UCRT's default):
    /// narrow unless l/w says wide, %S/%C the other width.
    pub iso_wide_specifiers: bool,
    /// %n is refused: the call fails as an invalid parameter (the UCRT's
    /// default until `_set_printf_count_output(1)`).
    pub refuse_count: bool,
    /// The UCRT's C99 conformance: `hh` (char-sized integers; msvcrt reads
    /// it as `h`), `%F`, and floating-point digits from the exact binary
    /// value with exact ties rounded to even (Windows 10 2004 and later)
    /// instead of msvcrt's 17 digits with ties away from zero.
    pub c99: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Complete,
    /// The output reached [`Options::limit`].
    Truncated,
    /// msvcrt returns -1: a wide string had no narrow form, or the output
    /// passed INT_MAX units (the count printf returns is an int).
    Failed,
    /// The format itself was refused ([`Options::refuse_count`]): the
    /// caller reports an invalid parameter.
    InvalidFormat,
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
    /// `hh` under [`Options::char_size_hh`].
    hh: bool,
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
                'F' if opts.c99 => {
                    let v = args.next_f64();
                    if opts.ucrt_specials && !v.is_finite() {
                        let text = ucrt_special(v, true, &spec);
                        emit_number(&mut out, &spec, &text.sign, &[], &text.body, false);
                    } else {
                        let text = format_float(v, b'f', &spec, opts.two_digit_exponent, true);
                        emit_number(&mut out, &spec, &text.sign, &text.prefix, &text.body, true);
                    }
                    break;
                }
                'h' | 'l' | 'w' | 'L' | 'F' | 'N' | 'j' | 'I' | 'z' | 't' => {
                    match ch {
                        'h' if opts.c99 && at(i) == Some(u32::from(b'h')) => {
                            i += 1;
                            spec.hh = true;
                        }
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
                    format_char(&mut out, ch == 'C', &spec, args, mem, opts);
                    break;
                }
                's' | 'S' => {
                    format_str(&mut out, ch == 'S', &spec, args, mem, opts);
                    break;
                }
                'Z' => {
                    format_counted(&mut out, &spec, args, mem);
                    break;
                }
                'n' if opts.refuse_count => {
                    out.status = Status::InvalidFormat;
                    break 'directives;
                }
                'n' => {
                    // msvcrt stores short for h; the docs say the size prefix
                    // selects the size, so 64-bit prefixes store 8 bytes (Wine
                    // always stores an int).
                    let size = if spec.big {
                        8
                    } else if spec.hh {
                        1
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
                    if opts.ucrt_specials && !v.is_finite() {
                        let text = ucrt_special(v, ch.is_ascii_uppercase(), &spec);
                        emit_number(&mut out, &spec, &text.sign, &[], &text.body, false);
                        break;
                    }
                    let text = format_float(v, ch as u8, &spec, opts.two_digit_exponent, opts.c99);
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
    } else if spec.hh {
        let v = raw as u8;
        if signed && (v as i8) < 0 {
            (true, u64::from((v as i8).unsigned_abs()))
        } else {
            (false, u64::from(v))
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
fn wide_arg<C: CodeUnit>(upper: bool, spec: &Spec, opts: &Options) -> bool {
    if C::WIDE && !opts.iso_wide_specifiers {
        // wprintf: h forces narrow; S/C without a size prefix are narrow.
        !spec.h && (spec.l || spec.w || !upper)
    } else {
        // printf (and ISO wprintf): l or w force wide; S/C without a size
        // prefix are the other width.
        spec.l || spec.w || (upper && !spec.h)
    }
}

fn format_char<C: CodeUnit>(
    out: &mut Out<C>,
    upper: bool,
    spec: &Spec,
    args: &mut dyn VaArgs,
    mem: &dyn GuestMem,
    opts: &Options,
) {
    let raw = args.next_u64();
    let text = if wide_arg::<C>(upper, spec, opts) {
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
    opts: &Options,
) {
    let p = args.next_u64();
    let max = usize::try_from(spec.precision).ok();
    let wide = wide_arg::<C>(upper, spec, opts);
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

mod float;
use float::*;

#[cfg(test)]
mod tests;
