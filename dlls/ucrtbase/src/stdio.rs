//! The UCRT's stdio entry points: `__acrt_iob_func` for stdin/stdout/
//! stderr, and the `__stdio_common_*` functions behind the printf and scanf
//! families the headers inline into every program. The options word
//! (corecrt_stdio_config.h) selects the legacy behaviours; the formatting
//! and scanning are msvcrt's engines with the UCRT's rules switched on.
//! The UCRT's FILE is opaque, so msvcrt's FILEs serve.

use crate::invalid;
use msvcrt::errno::{EINVAL, ERANGE};
use msvcrt::printf::{self, CodeUnit, Options, RawMem, SlotArgs, Status};
use msvcrt::scanf::{self, ScanInput};
use std::sync::atomic::{AtomicBool, Ordering};

// _CRT_INTERNAL_PRINTF_* option bits.
pub const LEGACY_VSPRINTF_NULL_TERMINATION: u64 = 1 << 0;
pub const STANDARD_SNPRINTF_BEHAVIOR: u64 = 1 << 1;
pub const LEGACY_WIDE_SPECIFIERS: u64 = 1 << 2;
pub const LEGACY_MSVCRT_COMPATIBILITY: u64 = 1 << 3;
pub const LEGACY_THREE_DIGIT_EXPONENTS: u64 = 1 << 4;

// _CRT_INTERNAL_SCANF_* option bits.
pub const SCANF_SECURECRT: u64 = 1 << 0;
pub const SCANF_LEGACY_WIDE_SPECIFIERS: u64 = 1 << 1;

/// `_TRUNCATE`: the count that tells the `_s` functions to truncate.
const TRUNCATE: u64 = u64::MAX;

/// Whether %n is allowed (`_set_printf_count_output`); off by default.
static COUNT_OUTPUT: AtomicBool = AtomicBool::new(false);

/// Implements _set_printf_count_output(enable): the previous setting.
pub extern "win64" fn _set_printf_count_output(enable: i32) -> i32 {
    i32::from(COUNT_OUTPUT.swap(enable != 0, Ordering::Relaxed))
}

/// Implements _get_printf_count_output().
pub extern "win64" fn _get_printf_count_output() -> i32 {
    i32::from(COUNT_OUTPUT.load(Ordering::Relaxed))
}

/// Implements __acrt_iob_func(index): stdin, stdout, stderr.
pub extern "win64" fn __acrt_iob_func(index: u32) -> u64 {
    msvcrt::stdio::std_stream(index as usize)
}

fn engine_options(options: u64) -> Options {
    Options {
        two_digit_exponent: options & LEGACY_THREE_DIGIT_EXPONENTS == 0,
        limit: None,
        ucrt_specials: options & LEGACY_MSVCRT_COMPATIBILITY == 0,
        iso_wide_specifiers: options & LEGACY_WIDE_SPECIFIERS == 0,
        refuse_count: !COUNT_OUTPUT.load(Ordering::Relaxed),
        c99: true,
    }
}

fn units<T: Copy + Default + PartialEq>(p: u64) -> &'static [T] {
    if p == 0 {
        return &[];
    }
    // SAFETY: a NUL-terminated string from the caller.
    unsafe {
        let s = p as *const T;
        let mut n = 0;
        while *s.add(n) != T::default() {
            n += 1;
        }
        core::slice::from_raw_parts(s, n)
    }
}

/// The formatted text, or the error to return: -1, after reporting an
/// invalid parameter when the format was refused.
trait Unit: Copy + Default + PartialEq + 'static {
    fn format(fmt: &[Self], va: u64, opts: &Options) -> printf::Formatted<Self>;
}

impl Unit for u8 {
    fn format(fmt: &[u8], va: u64, opts: &Options) -> printf::Formatted<u8> {
        // SAFETY: va is the caller's va_list, a pointer to argument slots.
        let mut args = unsafe { SlotArgs::new(va as *const u64) };
        printf::format_narrow_ex(fmt, &mut args, &RawMem, opts)
    }
}

impl Unit for u16 {
    fn format(fmt: &[u16], va: u64, opts: &Options) -> printf::Formatted<u16> {
        // SAFETY: as for u8.
        let mut args = unsafe { SlotArgs::new(va as *const u64) };
        printf::format_wide_ex(fmt, &mut args, &RawMem, opts)
    }
}

fn format<T: Unit>(options: u64, fmt: u64, va: u64) -> Result<Vec<T>, i32> {
    if fmt == 0 {
        invalid::fail(EINVAL);
        return Err(-1);
    }
    let out = T::format(units::<T>(fmt), va, &engine_options(options));
    match out.status {
        Status::Complete | Status::Truncated => Ok(out.text),
        Status::InvalidFormat => {
            invalid::fail(EINVAL);
            Err(-1)
        }
        Status::Failed => Err(-1),
    }
}

/// Copies `text[..n]` to the caller's buffer, then a NUL when `nul`.
fn put<T: Copy + Default>(buf: u64, text: &[T], n: usize, nul: bool) {
    // SAFETY: the caller's buffer holds at least n (+1 when nul) units; a
    // bad buffer faults in the program, as it does on Windows.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut T, n);
        if nul {
            *(buf as *mut T).add(n) = T::default();
        }
    }
}

/// `__stdio_common_vsprintf` and `__stdio_common_vswprintf`.
fn common_vsprintf<T: Unit>(options: u64, buf: u64, count: u64, fmt: u64, va: u64) -> i32 {
    if count != 0 && buf == 0 {
        invalid::fail(EINVAL);
        return -1;
    }
    let text = match format::<T>(options, fmt, va) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let len = text.len();
    if buf == 0 {
        // Nothing to write: the length the output needs.
        return len as i32;
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    if options & STANDARD_SNPRINTF_BEHAVIOR != 0 {
        // C99 snprintf: truncate, always terminate, return the full length.
        if count > 0 {
            let n = len.min(count - 1);
            put(buf, &text, n, true);
        }
        return len as i32;
    }
    if options & LEGACY_VSPRINTF_NULL_TERMINATION != 0 {
        // _snprintf: no terminator when the text fills the buffer, -1 when
        // it does not fit.
        let n = len.min(count);
        put(buf, &text, n, len < count);
        return if len > count { -1 } else { len as i32 };
    }
    if len < count {
        put(buf, &text, len, true);
        return len as i32;
    }
    if count == 0 {
        // No room even for the terminator.
        return -1;
    }
    // Too long without either option: truncated and terminated, and the
    // -2 the _s functions recognise as "buffer too small".
    put(buf, &text, count - 1, true);
    -2
}

/// `__stdio_common_vsprintf_s` and `__stdio_common_vswprintf_s`: the text
/// must fit, else the buffer is emptied and ERANGE reported.
fn common_vsprintf_s<T: Unit>(options: u64, buf: u64, count: u64, fmt: u64, va: u64) -> i32 {
    if buf == 0 || count == 0 {
        invalid::fail(EINVAL);
        return -1;
    }
    let text = match format::<T>(options, fmt, va) {
        Ok(t) => t,
        Err(e) => {
            put::<T>(buf, &[], 0, true);
            return e;
        }
    };
    if (text.len() as u64) < count {
        put(buf, &text, text.len(), true);
        return text.len() as i32;
    }
    put::<T>(buf, &[], 0, true);
    invalid::fail(ERANGE);
    -1
}

/// `__stdio_common_vsnprintf_s` and `__stdio_common_vsnwprintf_s`: at most
/// `max` units (or as many as fit with `_TRUNCATE`), always terminated.
fn common_vsnprintf_s<T: Unit>(
    options: u64,
    buf: u64,
    size: u64,
    max: u64,
    fmt: u64,
    va: u64,
) -> i32 {
    if buf == 0 && size == 0 && max == 0 && fmt != 0 {
        return 0;
    }
    if buf == 0 || size == 0 {
        invalid::fail(EINVAL);
        return -1;
    }
    let text = match format::<T>(options, fmt, va) {
        Ok(t) => t,
        Err(e) => {
            put::<T>(buf, &[], 0, true);
            return e;
        }
    };
    let len = text.len() as u64;
    if len <= max && len < size {
        put(buf, &text, text.len(), true);
        return len as i32;
    }
    if max == TRUNCATE || max < size {
        // Truncation was asked for (or max leaves room): cut and terminate.
        let n = if max == TRUNCATE {
            size - 1
        } else {
            max.min(size - 1)
        };
        put(buf, &text, n as usize, true);
        return -1;
    }
    put::<T>(buf, &[], 0, true);
    invalid::fail(ERANGE);
    -1
}

/// Implements __stdio_common_vsprintf(options, buffer, count, format, locale, va).
pub extern "win64" fn __stdio_common_vsprintf(
    options: u64,
    buf: u64,
    count: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    common_vsprintf::<u8>(options, buf, count, fmt, va)
}

/// Implements __stdio_common_vswprintf(options, buffer, count, format, locale, va).
pub extern "win64" fn __stdio_common_vswprintf(
    options: u64,
    buf: u64,
    count: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    common_vsprintf::<u16>(options, buf, count, fmt, va)
}

/// Implements __stdio_common_vsprintf_s(options, buffer, count, format, locale, va).
pub extern "win64" fn __stdio_common_vsprintf_s(
    options: u64,
    buf: u64,
    count: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    common_vsprintf_s::<u8>(options, buf, count, fmt, va)
}

/// Implements __stdio_common_vswprintf_s(options, buffer, count, format, locale, va).
pub extern "win64" fn __stdio_common_vswprintf_s(
    options: u64,
    buf: u64,
    count: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    common_vsprintf_s::<u16>(options, buf, count, fmt, va)
}

/// Implements __stdio_common_vsnprintf_s(options, buffer, size, count, format, locale, va).
pub extern "win64" fn __stdio_common_vsnprintf_s(
    options: u64,
    buf: u64,
    size: u64,
    max: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    common_vsnprintf_s::<u8>(options, buf, size, max, fmt, va)
}

/// Implements __stdio_common_vsnwprintf_s(options, buffer, size, count, format, locale, va).
pub extern "win64" fn __stdio_common_vsnwprintf_s(
    options: u64,
    buf: u64,
    size: u64,
    max: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    common_vsnprintf_s::<u16>(options, buf, size, max, fmt, va)
}

fn write_all(file: u64, bytes: &[u8]) -> bool {
    msvcrt::stdio::write_stream(file, bytes) == bytes.len()
}

/// Implements __stdio_common_vfprintf(options, stream, format, locale, va).
pub extern "win64" fn __stdio_common_vfprintf(
    options: u64,
    file: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    if file == 0 {
        invalid::fail(EINVAL);
        return -1;
    }
    match format::<u8>(options, fmt, va) {
        Ok(text) if write_all(file, &text) => text.len() as i32,
        Ok(_) => -1,
        Err(e) => e,
    }
}

/// Implements __stdio_common_vfprintf_s: as vfprintf (the secure form only
/// adds format checks the engine already makes).
pub extern "win64" fn __stdio_common_vfprintf_s(
    options: u64,
    file: u64,
    fmt: u64,
    locale: u64,
    va: u64,
) -> i32 {
    __stdio_common_vfprintf(options, file, fmt, locale, va)
}

/// Implements __stdio_common_vfwprintf(options, stream, format, locale, va):
/// the text goes to the stream in the ANSI code page, as a text-mode stream
/// writes wide output.
pub extern "win64" fn __stdio_common_vfwprintf(
    options: u64,
    file: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    if file == 0 {
        invalid::fail(EINVAL);
        return -1;
    }
    match format::<u16>(options, fmt, va) {
        Ok(text) => {
            if write_all(file, &kernel32::nls::wide_to_ansi(&text)) {
                text.len() as i32
            } else {
                -1
            }
        }
        Err(e) => e,
    }
}

/// Implements __stdio_common_vfwprintf_s.
pub extern "win64" fn __stdio_common_vfwprintf_s(
    options: u64,
    file: u64,
    fmt: u64,
    locale: u64,
    va: u64,
) -> i32 {
    __stdio_common_vfwprintf(options, file, fmt, locale, va)
}

fn scan_options(options: u64) -> scanf::ScanOptions {
    scanf::ScanOptions {
        secure: options & SCANF_SECURECRT != 0,
        iso_wide_specifiers: options & SCANF_LEGACY_WIDE_SPECIFIERS == 0,
    }
}

/// What every scanf entry point shares: the caller's va_list and options
/// word over the engine.
fn common_scan<C: CodeUnit>(options: u64, input: &mut dyn ScanInput<C>, fmt: u64, va: u64) -> i32 {
    // SAFETY: va is the caller's va_list.
    let mut args = unsafe { SlotArgs::new(va as *const u64) };
    scanf::scan_ex(
        units(fmt),
        input,
        &mut args,
        &mut scanf::RawOut,
        &scan_options(options),
    )
}

/// __stdio_common_vsscanf and __stdio_common_vswscanf: at most `count`
/// units of `buf`.
fn common_vsscanf<C: CodeUnit>(options: u64, buf: u64, count: u64, fmt: u64, va: u64) -> i32 {
    if buf == 0 || fmt == 0 {
        invalid::fail(EINVAL);
        return -1;
    }
    let s = units::<C>(buf);
    let s = &s[..s.len().min(usize::try_from(count).unwrap_or(usize::MAX))];
    common_scan(options, &mut scanf::SliceInput::new(s), fmt, va)
}

/// Implements __stdio_common_vsscanf(options, buffer, count, format, locale, va).
pub extern "win64" fn __stdio_common_vsscanf(
    options: u64,
    buf: u64,
    count: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    common_vsscanf::<u8>(options, buf, count, fmt, va)
}

/// Implements __stdio_common_vswscanf(options, buffer, count, format, locale, va).
pub extern "win64" fn __stdio_common_vswscanf(
    options: u64,
    buf: u64,
    count: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    common_vsscanf::<u16>(options, buf, count, fmt, va)
}

/// A stream as scanf input: fgetc, and ungetc for the one unit of lookahead.
struct StreamInput(u64);

impl ScanInput<u8> for StreamInput {
    fn next(&mut self) -> Option<u8> {
        let c = msvcrt::stdio::fgetc(self.0);
        (c >= 0).then_some(c as u8)
    }

    fn unget(&mut self, c: u8) {
        msvcrt::stdio::ungetc(i32::from(c), self.0);
    }
}

/// Implements __stdio_common_vfscanf(options, stream, format, locale, va).
pub extern "win64" fn __stdio_common_vfscanf(
    options: u64,
    file: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    if file == 0 || fmt == 0 {
        invalid::fail(EINVAL);
        return -1;
    }
    common_scan(options, &mut StreamInput(file), fmt, va)
}

/// A stream as wide scanf input: characters from the ANSI code page bytes
/// of a text stream (fgetwc); a character pushed back returns as its bytes.
struct WideStreamInput(u64);

impl ScanInput<u16> for WideStreamInput {
    fn next(&mut self) -> Option<u16> {
        let c = crate::wstdio::fgetwc(self.0);
        (c != 0xFFFF).then_some(c)
    }

    fn unget(&mut self, c: u16) {
        // ungetc keeps a stack: push the bytes last to first.
        for &b in kernel32::nls::wide_to_ansi(&[c]).iter().rev() {
            msvcrt::stdio::ungetc(i32::from(b), self.0);
        }
    }
}

/// Implements __stdio_common_vfwscanf(options, stream, format, locale, va).
pub extern "win64" fn __stdio_common_vfwscanf(
    options: u64,
    file: u64,
    fmt: u64,
    _locale: u64,
    va: u64,
) -> i32 {
    if file == 0 || fmt == 0 {
        invalid::fail(EINVAL);
        return -1;
    }
    common_scan(options, &mut WideStreamInput(file), fmt, va)
}
