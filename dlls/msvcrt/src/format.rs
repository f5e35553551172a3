//! The printf and scanf families: the formatting engines (`printf`,
//! `scanf`) applied to streams, buffers and strings.
//!
//! Variadic exports receive a pointer to their argument slots (see the
//! loader's variadic thunks); `v*` functions receive the va_list, which on
//! Win64 is the same kind of pointer.

use crate::printf::{self, RawMem, SlotArgs};
use crate::scanf;
use crate::stdio::{std_stream, write_stream};

fn cstr(p: u64) -> &'static [u8] {
    if p == 0 {
        return &[];
    }
    // SAFETY: a NUL-terminated format string from the caller.
    unsafe { std::ffi::CStr::from_ptr(p as *const std::ffi::c_char).to_bytes() }
}

fn wcstr(p: u64) -> &'static [u16] {
    if p == 0 {
        return &[];
    }
    // SAFETY: a NUL-terminated wide string from the caller.
    unsafe {
        let s = p as *const u16;
        let mut n = 0;
        while *s.add(n) != 0 {
            n += 1;
        }
        core::slice::from_raw_parts(s, n)
    }
}

/// Formats a narrow format with arguments at `va`; None when msvcrt fails
/// the call (an unconvertible wide string).
fn format(fmt: u64, va: u64) -> Option<Vec<u8>> {
    // SAFETY: va points at the caller's argument slots.
    let mut args = unsafe { SlotArgs::new(va as *const u64) };
    let out = printf::format_narrow_ex(cstr(fmt), &mut args, &RawMem, &printf::Options::default());
    (out.status != printf::Status::Failed).then_some(out.text)
}

fn format_wide(fmt: u64, va: u64) -> Option<Vec<u16>> {
    // SAFETY: va points at the caller's argument slots.
    let mut args = unsafe { SlotArgs::new(va as *const u64) };
    let out = printf::format_wide_ex(wcstr(fmt), &mut args, &RawMem, &printf::Options::default());
    (out.status != printf::Status::Failed).then_some(out.text)
}

fn to_stream(file: u64, fmt: u64, va: u64) -> i32 {
    match format(fmt, va) {
        Some(text) => {
            if write_stream(file, &text) == text.len() {
                text.len() as i32
            } else {
                -1
            }
        }
        None => -1,
    }
}

/// Wide output to a stream: the text in the ANSI code page, as msvcrt's
/// wide stdio writes in text mode.
fn to_stream_wide(file: u64, fmt: u64, va: u64) -> i32 {
    match format_wide(fmt, va) {
        Some(text) => {
            let bytes = kernel32::nls::wide_to_ansi(&text);
            if write_stream(file, &bytes) == bytes.len() {
                text.len() as i32
            } else {
                -1
            }
        }
        None => -1,
    }
}

/// Copies a formatted result into a caller buffer with the `_snprintf`
/// contract: the length when it fits (NUL added when there is room), -1
/// when truncated.
fn to_buffer<T: Copy + Default>(text: &[T], buf: *mut T, count: Option<usize>) -> i32 {
    match count {
        None => {
            // SAFETY: sprintf: the caller promises room for the result.
            unsafe {
                core::ptr::copy_nonoverlapping(text.as_ptr(), buf, text.len());
                *buf.add(text.len()) = T::default();
            }
            text.len() as i32
        }
        Some(n) => {
            let take = text.len().min(n);
            // SAFETY: the caller's buffer holds `n` units.
            unsafe {
                core::ptr::copy_nonoverlapping(text.as_ptr(), buf, take);
                if text.len() < n {
                    *buf.add(text.len()) = T::default();
                }
            }
            if text.len() > n {
                -1
            } else {
                text.len() as i32
            }
        }
    }
}

/// Slot `i` of a variadic call's arguments.
fn arg(args: *const u64, i: usize) -> u64 {
    // SAFETY: the variadic thunk passes a pointer to the argument slots.
    unsafe { *args.add(i) }
}

fn rest(args: *const u64, i: usize) -> u64 {
    // SAFETY: as in `arg`.
    unsafe { args.add(i) as u64 }
}

/// Implements printf(format, ...).
pub extern "win64" fn printf(args: *const u64) -> i32 {
    to_stream(std_stream(1), arg(args, 0), rest(args, 1))
}

/// Implements fprintf(stream, format, ...).
pub extern "win64" fn fprintf(args: *const u64) -> i32 {
    to_stream(arg(args, 0), arg(args, 1), rest(args, 2))
}

/// Implements sprintf(buffer, format, ...).
pub extern "win64" fn sprintf(args: *const u64) -> i32 {
    match format(arg(args, 1), rest(args, 2)) {
        Some(t) => to_buffer(&t, arg(args, 0) as *mut u8, None),
        None => -1,
    }
}

/// Implements _snprintf(buffer, count, format, ...).
pub extern "win64" fn _snprintf(args: *const u64) -> i32 {
    match format(arg(args, 2), rest(args, 3)) {
        Some(t) => to_buffer(&t, arg(args, 0) as *mut u8, Some(arg(args, 1) as usize)),
        None => -1,
    }
}

/// Implements _scprintf(format, ...): the length the output would have.
pub extern "win64" fn _scprintf(args: *const u64) -> i32 {
    format(arg(args, 0), rest(args, 1)).map_or(-1, |t| t.len() as i32)
}

/// Implements vprintf(format, argptr).
pub extern "win64" fn vprintf(fmt: u64, va: u64) -> i32 {
    to_stream(std_stream(1), fmt, va)
}

/// Implements vfprintf(stream, format, argptr).
pub extern "win64" fn vfprintf(file: u64, fmt: u64, va: u64) -> i32 {
    to_stream(file, fmt, va)
}

/// Implements vsprintf(buffer, format, argptr).
pub extern "win64" fn vsprintf(buf: *mut u8, fmt: u64, va: u64) -> i32 {
    format(fmt, va).map_or(-1, |t| to_buffer(&t, buf, None))
}

/// Implements _vsnprintf(buffer, count, format, argptr).
pub extern "win64" fn _vsnprintf(buf: *mut u8, count: u64, fmt: u64, va: u64) -> i32 {
    format(fmt, va).map_or(-1, |t| to_buffer(&t, buf, Some(count as usize)))
}

/// Implements _vscprintf(format, argptr).
pub extern "win64" fn _vscprintf(fmt: u64, va: u64) -> i32 {
    format(fmt, va).map_or(-1, |t| t.len() as i32)
}

/// Implements wprintf(format, ...).
pub extern "win64" fn wprintf(args: *const u64) -> i32 {
    to_stream_wide(std_stream(1), arg(args, 0), rest(args, 1))
}

/// Implements fwprintf(stream, format, ...).
pub extern "win64" fn fwprintf(args: *const u64) -> i32 {
    to_stream_wide(arg(args, 0), arg(args, 1), rest(args, 2))
}

/// Implements vwprintf(format, argptr).
pub extern "win64" fn vwprintf(fmt: u64, va: u64) -> i32 {
    to_stream_wide(std_stream(1), fmt, va)
}

/// Implements vfwprintf(stream, format, argptr).
pub extern "win64" fn vfwprintf(file: u64, fmt: u64, va: u64) -> i32 {
    to_stream_wide(file, fmt, va)
}

/// Implements swprintf(buffer, format, ...) — msvcrt.dll's form without a
/// count (also exported as _swprintf).
pub extern "win64" fn swprintf(args: *const u64) -> i32 {
    format_wide(arg(args, 1), rest(args, 2))
        .map_or(-1, |t| to_buffer(&t, arg(args, 0) as *mut u16, None))
}

/// Implements _snwprintf(buffer, count, format, ...).
pub extern "win64" fn _snwprintf(args: *const u64) -> i32 {
    format_wide(arg(args, 2), rest(args, 3)).map_or(-1, |t| {
        to_buffer(&t, arg(args, 0) as *mut u16, Some(arg(args, 1) as usize))
    })
}

/// Implements _vsnwprintf(buffer, count, format, argptr).
pub extern "win64" fn _vsnwprintf(buf: *mut u16, count: u64, fmt: u64, va: u64) -> i32 {
    format_wide(fmt, va).map_or(-1, |t| to_buffer(&t, buf, Some(count as usize)))
}

/// Implements vswprintf(buffer, format, argptr) (msvcrt's count-less form).
pub extern "win64" fn vswprintf(buf: *mut u16, fmt: u64, va: u64) -> i32 {
    format_wide(fmt, va).map_or(-1, |t| to_buffer(&t, buf, None))
}

/// Implements sscanf(buffer, format, ...).
pub extern "win64" fn sscanf(args: *const u64) -> i32 {
    let mut input = scanf::SliceInput::new(cstr(arg(args, 0)));
    // SAFETY: the argument slots after the format hold the pointers.
    let mut va = unsafe { SlotArgs::new(rest(args, 2) as *const u64) };
    scanf::scan_narrow(cstr(arg(args, 1)), &mut input, &mut va, &mut scanf::RawOut)
}

/// Implements swscanf(buffer, format, ...).
pub extern "win64" fn swscanf(args: *const u64) -> i32 {
    let mut input = scanf::SliceInput::new(wcstr(arg(args, 0)));
    // SAFETY: as in sscanf.
    let mut va = unsafe { SlotArgs::new(rest(args, 2) as *const u64) };
    scanf::scan_wide(wcstr(arg(args, 1)), &mut input, &mut va, &mut scanf::RawOut)
}
