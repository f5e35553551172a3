//! The UCRT's forms of msvcrt's time conversions that validate their
//! parameters through the invalid-parameter handler.

use crate::invalid;
use msvcrt::ctime::{self, Tm};
use msvcrt::errno::EINVAL;

/// Implements _gmtime64_s(tm, ptime): a NULL argument is an invalid
/// parameter; a time out of range is EINVAL with the tm all -1.
pub extern "win64" fn gmtime64_s(out: *mut Tm, t: *const i64) -> i32 {
    if out.is_null() || t.is_null() {
        if !out.is_null() {
            ctime::_gmtime64_s(out, t);
        }
        invalid::fail(EINVAL);
        return EINVAL;
    }
    ctime::_gmtime64_s(out, t)
}

/// Implements _localtime64_s(tm, ptime).
pub extern "win64" fn localtime64_s(out: *mut Tm, t: *const i64) -> i32 {
    if out.is_null() || t.is_null() {
        if !out.is_null() {
            ctime::_localtime64_s(out, t);
        }
        invalid::fail(EINVAL);
        return EINVAL;
    }
    ctime::_localtime64_s(out, t)
}

/// Implements strftime(buffer, max, format, tm): a NULL argument or an
/// unknown conversion is an invalid parameter (EINVAL, 0).
pub extern "win64" fn strftime(buf: *mut u8, max: u64, fmt: *const u8, tm: *const Tm) -> u64 {
    if buf.is_null() || max == 0 || fmt.is_null() || tm.is_null() {
        invalid::fail(EINVAL);
        return 0;
    }
    // SAFETY: a NUL-terminated format and the caller's struct tm.
    let (f, t) = unsafe {
        (
            std::ffi::CStr::from_ptr(fmt as *const std::ffi::c_char).to_bytes(),
            *tm,
        )
    };
    match ctime::strftime_into(buf, max, f, &t) {
        Some(n) => n,
        None => {
            // SAFETY: max > 0: the caller's buffer has a first byte.
            unsafe { *buf = 0 };
            invalid::fail(EINVAL);
            0
        }
    }
}
