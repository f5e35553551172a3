//! kernel32's edge: NTSTATUS to Win32 error in one place, and string helpers
//! for the A/W pairs.

use syscalls::NtStatus;

/// Sets the last error from a failed status and returns `fail`.
pub fn fail<T>(status: NtStatus, fail: T) -> T {
    ntdll::rtl::set_last_status(status);
    fail
}

pub fn set_error(code: u32) {
    syscalls::nt::set_last_error(code);
}

pub const ERROR_FILE_NOT_FOUND: u32 = 2;
pub const ERROR_INVALID_HANDLE: u32 = 6;
pub const ERROR_NOT_ENOUGH_MEMORY: u32 = 8;
pub const ERROR_INVALID_PARAMETER: u32 = 87;
pub const ERROR_INSUFFICIENT_BUFFER: u32 = 122;
pub const ERROR_MOD_NOT_FOUND: u32 = 126;
pub const ERROR_PROC_NOT_FOUND: u32 = 127;
pub const ERROR_ENVVAR_NOT_FOUND: u32 = 203;
pub const ERROR_NO_UNICODE_TRANSLATION: u32 = 1113;
pub const ERROR_CALL_NOT_IMPLEMENTED: u32 = 120;

/// A NUL-terminated UTF-16 string from guest memory.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated UTF-16 string.
pub unsafe fn wstr(p: *const u16) -> Option<Vec<u16>> {
    if p.is_null() {
        return None;
    }
    let mut n = 0;
    while *p.add(n) != 0 {
        n += 1;
    }
    Some(core::slice::from_raw_parts(p, n).to_vec())
}

/// A NUL-terminated narrow string from guest memory, in the ANSI code page.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string.
pub unsafe fn astr(p: *const u8) -> Option<Vec<u16>> {
    if p.is_null() {
        return None;
    }
    let mut n = 0;
    while *p.add(n) != 0 {
        n += 1;
    }
    Some(crate::nls::ansi_to_wide(core::slice::from_raw_parts(p, n)))
}

/// Copies `s` plus a NUL into a caller buffer of `size` units, Win32 style:
/// returns the length without the NUL on success, or the size needed
/// (including the NUL) when the buffer is too small.
///
/// # Safety
/// `buf` must have room for `size` units.
pub unsafe fn copy_out<T: Copy + Default>(s: &[T], buf: *mut T, size: u32) -> u32 {
    if (s.len() as u32) < size && !buf.is_null() {
        core::ptr::copy_nonoverlapping(s.as_ptr(), buf, s.len());
        *buf.add(s.len()) = T::default();
        s.len() as u32
    } else {
        s.len() as u32 + 1
    }
}

/// Copies `s` into a caller buffer of `size` units, the counted-string way
/// (MultiByteToWideChar, LCMapString, ...): `size` 0 asks for the length
/// needed; a buffer too small is ERROR_INSUFFICIENT_BUFFER and 0; else the
/// units written. No terminator is added.
///
/// # Safety
/// `dst` must have room for `size` units when `size` is not 0.
pub unsafe fn copy_counted<T: Copy>(s: &[T], dst: *mut T, size: i32) -> i32 {
    if size == 0 {
        return s.len() as i32;
    }
    if s.len() > size as usize {
        set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    core::ptr::copy_nonoverlapping(s.as_ptr(), dst, s.len());
    s.len() as i32
}

/// A Win32 counted-string argument (MultiByteToWideChar, GetStringType,
/// LCMapString, ...): `len` units, or for a negative `len` the
/// NUL-terminated string with its NUL, as those functions count it.
///
/// # Safety
/// `p` points at `len` units, or at a NUL-terminated string when `len` is
/// negative.
pub unsafe fn counted_with_nul<'a, T: Copy + Default + PartialEq>(
    p: *const T,
    len: i32,
) -> &'a [T] {
    let n = if len < 0 {
        (0..).take_while(|&i| *p.add(i) != T::default()).count() + 1
    } else {
        len as usize
    };
    core::slice::from_raw_parts(p, n)
}
