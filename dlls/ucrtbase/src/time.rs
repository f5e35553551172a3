//! The UCRT's forms of msvcrt's time conversions that validate their
//! parameters through the invalid-parameter handler.

use crate::invalid;
use msvcrt::ctime::{self, Tm};
use msvcrt::errno::{EINVAL, ERANGE};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

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
    tzset_once();
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

/// The time-zone variables (`_timezone`, `_daylight`, `_dstbias`,
/// `_tzname`) in guest memory, with the values the documentation gives
/// before _tzset runs (Pacific time: 28800, 1, -3600, "PST"/"PDT").
struct TzVars {
    timezone: u64,
    daylight: u64,
    dstbias: u64,
    tzname: u64,
}

const NAME_SIZE: usize = 64;

fn vars() -> &'static TzVars {
    static VARS: OnceLock<TzVars> = OnceLock::new();
    VARS.get_or_init(|| {
        let name = |s: &[u8]| {
            let mut b = vec![0u8; NAME_SIZE];
            b[..s.len()].copy_from_slice(s);
            kernel32::memory::leak_guest(&b)
        };
        let names = [name(b"PST"), name(b"PDT")];
        let mut table = Vec::new();
        table.extend(names[0].to_le_bytes());
        table.extend(names[1].to_le_bytes());
        TzVars {
            timezone: kernel32::memory::leak_guest(&28_800i32.to_le_bytes()),
            daylight: kernel32::memory::leak_guest(&1i32.to_le_bytes()),
            dstbias: kernel32::memory::leak_guest(&(-3600i32).to_le_bytes()),
            tzname: kernel32::memory::leak_guest(&table),
        }
    })
}

fn write_i32(at: u64, v: i32) {
    // SAFETY: one of the variables above.
    unsafe { *(at as *mut i32) = v };
}

fn read_i32(at: u64) -> i32 {
    // SAFETY: one of the variables above.
    unsafe { *(at as *const i32) }
}

fn name_slot(index: usize) -> u64 {
    // SAFETY: the two-pointer `_tzname` table.
    unsafe { *((vars().tzname + 8 * index as u64) as *const u64) }
}

static TZSET_DONE: AtomicBool = AtomicBool::new(false);

/// Implements _tzset(): the variables from the system time zone
/// (GetTimeZoneInformation). The TZ environment variable is not read.
pub extern "win64" fn _tzset() {
    TZSET_DONE.store(true, Ordering::Release);
    // TIME_ZONE_INFORMATION: Bias 0, StandardName 4, StandardDate 68,
    // StandardBias 84, DaylightName 88, DaylightDate 152, DaylightBias 168.
    let mut tzi = [0u8; 172];
    if kernel32::timezone::GetTimeZoneInformation(tzi.as_mut_ptr() as u64) == u32::MAX {
        return;
    }
    let long_at = |o: usize| i32::from_le_bytes([tzi[o], tzi[o + 1], tzi[o + 2], tzi[o + 3]]);
    let month_at = |o: usize| u16::from_le_bytes([tzi[o + 2], tzi[o + 3]]);
    let v = vars();
    let mut timezone = long_at(0) * 60;
    if month_at(68) != 0 {
        timezone += long_at(84) * 60;
    }
    write_i32(v.timezone, timezone);
    if month_at(152) != 0 && long_at(168) != 0 {
        write_i32(v.daylight, 1);
        write_i32(v.dstbias, (long_at(168) - long_at(84)) * 60);
    } else {
        write_i32(v.daylight, 0);
        write_i32(v.dstbias, 0);
    }
    for (index, at) in [(0, 4), (1, 88)] {
        let name: Vec<u16> = tzi[at..at + 64]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|&c| c != 0)
            .collect();
        let mut bytes = kernel32::nls::wide_to_ansi(&name);
        bytes.truncate(NAME_SIZE - 1);
        bytes.push(0);
        // SAFETY: the name buffer holds NAME_SIZE bytes.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), name_slot(index) as *mut u8, bytes.len())
        };
    }
}

/// The time functions that depend on the zone run _tzset once first, as
/// the UCRT's do.
fn tzset_once() {
    if !TZSET_DONE.load(Ordering::Acquire) {
        _tzset();
    }
}

/// Implements __timezone(): the address of `_timezone` (seconds west of UTC).
pub extern "win64" fn __timezone() -> u64 {
    vars().timezone
}

/// Implements __daylight(): the address of `_daylight`.
pub extern "win64" fn __daylight() -> u64 {
    vars().daylight
}

/// Implements __dstbias(): the address of `_dstbias`.
pub extern "win64" fn __dstbias() -> u64 {
    vars().dstbias
}

/// Implements __tzname(): the address of `_tzname` (two names).
pub extern "win64" fn __tzname() -> u64 {
    vars().tzname
}

fn get_int(out: *mut i32, at: u64) -> i32 {
    if out.is_null() {
        invalid::fail(EINVAL);
        return EINVAL;
    }
    // SAFETY: the caller's int.
    unsafe { *out = read_i32(at) };
    0
}

/// Implements _get_timezone(seconds).
pub extern "win64" fn _get_timezone(out: *mut i32) -> i32 {
    get_int(out, vars().timezone)
}

/// Implements _get_daylight(hours).
pub extern "win64" fn _get_daylight(out: *mut i32) -> i32 {
    get_int(out, vars().daylight)
}

/// Implements _get_dstbias(seconds).
pub extern "win64" fn _get_dstbias(out: *mut i32) -> i32 {
    get_int(out, vars().dstbias)
}

/// Implements _get_tzname(pReturnValue, timeZoneName, sizeInBytes, index):
/// the size the name needs (with its NUL) in *pReturnValue; the name
/// copied when a buffer is given.
pub extern "win64" fn _get_tzname(ret: *mut u64, buf: *mut u8, size: u64, index: i32) -> i32 {
    if ret.is_null() || !(0..=1).contains(&index) || (buf.is_null() && size != 0) {
        invalid::fail(EINVAL);
        return EINVAL;
    }
    let name = name_slot(index as usize) as *const u8;
    // SAFETY: a NUL-terminated name of at most NAME_SIZE bytes.
    let len = unsafe { std::ffi::CStr::from_ptr(name as *const std::ffi::c_char) }
        .to_bytes()
        .len() as u64;
    // SAFETY: the caller's size_t.
    unsafe { *ret = len + 1 };
    if buf.is_null() {
        return 0;
    }
    if size < len + 1 {
        invalid::fail(ERANGE);
        return ERANGE;
    }
    // SAFETY: the caller's buffer holds size >= len + 1 bytes.
    unsafe { core::ptr::copy_nonoverlapping(name, buf, (len + 1) as usize) };
    0
}

/// Implements _localtime64(ptime), after _tzset.
pub extern "win64" fn localtime64(t: *const i64) -> u64 {
    tzset_once();
    ctime::_localtime64(t)
}

/// Implements _localtime32(ptime), after _tzset.
pub extern "win64" fn localtime32(t: *const i32) -> u64 {
    tzset_once();
    ctime::_localtime32(t)
}

/// Implements _mktime64(tm), after _tzset.
pub extern "win64" fn mktime64(tm: *mut Tm) -> i64 {
    tzset_once();
    ctime::_mktime64(tm)
}

/// Implements _mktime32(tm), after _tzset.
pub extern "win64" fn mktime32(tm: *mut Tm) -> i32 {
    tzset_once();
    ctime::_mktime32(tm)
}

/// Implements _ctime64(ptime), after _tzset.
pub extern "win64" fn ctime64(t: *const i64) -> u64 {
    tzset_once();
    ctime::_ctime64(t)
}
