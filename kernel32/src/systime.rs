//! Calendar time: FILETIME <-> SYSTEMTIME, GetSystemTime, CompareFileTime,
//! and the clock setters a program may not use.
//!
//! A FILETIME counts 100 ns intervals since 1601-01-01 00:00 UTC (a Monday);
//! a SYSTEMTIME is (wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute,
//! wSecond, wMilliseconds), years 1601-30827.

use crate::error::*;
use syscalls::*;

pub const ERROR_NOACCESS: u32 = 998;
const ERROR_PRIVILEGE_NOT_HELD: u32 = 1314;

pub const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

/// A SYSTEMTIME as its eight WORDs.
pub type SystemTime = [u16; 8];

pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i64, month: u16) -> u16 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1601-01-01 to the given date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u16, day: u16) -> i64 {
    let y = year - 1601;
    let mut days = y * 365 + y / 4 - y / 100 + y / 400;
    for m in 1..month {
        days += days_in_month(year, m) as i64;
    }
    days + day as i64 - 1
}

/// The weekday (0 = Sunday) of a day count since 1601-01-01, a Monday.
pub fn weekday(days: i64) -> u16 {
    ((days + 1).rem_euclid(7)) as u16
}

/// Converts ticks since 1601 (non-negative) to a SYSTEMTIME.
pub fn to_system_time(ticks: i64) -> SystemTime {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    let rest = ticks.rem_euclid(TICKS_PER_DAY);
    // 400-year cycles of 146 097 days, then centuries, 4-year runs, years.
    let mut year = 1601 + 400 * (days / 146_097);
    let mut d = days % 146_097;
    let centuries = (d / 36_524).min(3);
    year += 100 * centuries;
    d -= centuries * 36_524;
    year += 4 * (d / 1461);
    d %= 1461;
    let years = (d / 365).min(3);
    year += years;
    d -= years * 365;
    let mut month = 1;
    while d >= days_in_month(year, month) as i64 {
        d -= days_in_month(year, month) as i64;
        month += 1;
    }
    let ms = rest / 10_000;
    [
        year as u16,
        month,
        weekday(days),
        d as u16 + 1,
        (ms / 3_600_000) as u16,
        (ms / 60_000 % 60) as u16,
        (ms / 1000 % 60) as u16,
        (ms % 1000) as u16,
    ]
}

/// Converts a SYSTEMTIME to ticks since 1601, or None when a field is out
/// of range (wDayOfWeek is ignored, as documented).
pub fn from_system_time(st: &SystemTime) -> Option<i64> {
    let [year, month, _, day, hour, minute, second, ms] = *st;
    let valid = (1601..=30827).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year as i64, month)
        && hour < 24
        && minute < 60
        && second < 60
        && ms < 1000;
    if !valid {
        return None;
    }
    let days = days_from_civil(year as i64, month, day);
    let secs = hour as i64 * 3600 + minute as i64 * 60 + second as i64;
    Some(days * TICKS_PER_DAY + secs * TICKS_PER_SECOND + ms as i64 * 10_000)
}

/// The current time in ticks since 1601, from the executive.
pub fn now() -> i64 {
    let mut t = 0i64;
    let _ = syscall(nr::NtQuerySystemTime, &args([&mut t as *mut i64 as u64]));
    t
}

/// Writes `value` to a guest out-pointer; false (ERROR_NOACCESS) on a bad
/// pointer.
pub fn put<T: user::Pod>(ptr: u64, value: &T) -> bool {
    if user::write(ptr, value).is_ok() {
        true
    } else {
        set_error(ERROR_NOACCESS);
        false
    }
}

/// Reads a guest in-pointer; None (ERROR_NOACCESS) on a bad pointer.
pub fn get<T: user::Pod>(ptr: u64) -> Option<T> {
    match user::read(ptr) {
        Ok(v) => Some(v),
        Err(_) => {
            set_error(ERROR_NOACCESS);
            None
        }
    }
}

/// Reads a FILETIME (two DWORDs, 4-byte aligned) as one count.
pub fn get_filetime(ptr: u64) -> Option<u64> {
    get::<[u32; 2]>(ptr).map(|[lo, hi]| (hi as u64) << 32 | lo as u64)
}

pub fn put_filetime(ptr: u64, ticks: u64) -> bool {
    put(ptr, &[ticks as u32, (ticks >> 32) as u32])
}

/// Implements FileTimeToSystemTime(lpFileTime, lpSystemTime): FILETIMEs of
/// 0x8000000000000000 and above are invalid.
pub extern "win64" fn FileTimeToSystemTime(ft: u64, st: u64) -> i32 {
    let Some(ticks) = get_filetime(ft) else {
        return 0;
    };
    if ticks > i64::MAX as u64 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    put(st, &to_system_time(ticks as i64)) as i32
}

/// Implements SystemTimeToFileTime(lpSystemTime, lpFileTime).
pub extern "win64" fn SystemTimeToFileTime(st: u64, ft: u64) -> i32 {
    let Some(st) = get::<SystemTime>(st) else {
        return 0;
    };
    match from_system_time(&st) {
        Some(ticks) => put_filetime(ft, ticks as u64) as i32,
        None => {
            set_error(ERROR_INVALID_PARAMETER);
            0
        }
    }
}

/// Implements GetSystemTime(lpSystemTime): the current UTC time.
pub extern "win64" fn GetSystemTime(st: u64) {
    put(st, &to_system_time(now()));
}

/// Implements CompareFileTime(lpFileTime1, lpFileTime2): -1, 0 or 1,
/// comparing the unsigned 64-bit counts.
pub extern "win64" fn CompareFileTime(a: u64, b: u64) -> i32 {
    match (get_filetime(a), get_filetime(b)) {
        (Some(a), Some(b)) => a.cmp(&b) as i32,
        _ => 0,
    }
}

/// Implements FileTimeToDosDateTime(lpFileTime, lpFatDate, lpFatTime): MS-DOS
/// dates cover 1980-01-01 to 2107-12-31, times have 2-second resolution.
pub extern "win64" fn FileTimeToDosDateTime(ft: u64, date: u64, time: u64) -> i32 {
    let Some(ticks) = get_filetime(ft) else {
        return 0;
    };
    let [year, month, _, day, hour, minute, second, _] =
        to_system_time(ticks.min(i64::MAX as u64) as i64);
    if ticks > i64::MAX as u64 || !(1980..=2107).contains(&year) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let fat_date = (year - 1980) << 9 | month << 5 | day;
    let fat_time = hour << 11 | minute << 5 | second / 2;
    (put(date, &fat_date) && put(time, &fat_time)) as i32
}

/// Implements DosDateTimeToFileTime(wFatDate, wFatTime, lpFileTime).
pub extern "win64" fn DosDateTimeToFileTime(date: u32, time: u32, ft: u64) -> i32 {
    let (date, time) = (date as u16, time as u16);
    let st = [
        1980 + (date >> 9),
        date >> 5 & 0xF,
        0,
        date & 0x1F,
        time >> 11,
        time >> 5 & 0x3F,
        (time & 0x1F) * 2,
        0,
    ];
    match from_system_time(&st) {
        Some(ticks) => put_filetime(ft, ticks as u64) as i32,
        None => {
            set_error(ERROR_INVALID_PARAMETER);
            0
        }
    }
}

/// The check both clock setters make: a valid time, then the privilege a
/// casement process never holds (it may not set the host's clock).
fn set_clock(st: u64) -> i32 {
    let Some(st) = get::<SystemTime>(st) else {
        return 0;
    };
    if from_system_time(&st).is_none() {
        set_error(ERROR_INVALID_PARAMETER);
    } else {
        set_error(ERROR_PRIVILEGE_NOT_HELD);
    }
    0
}

/// Implements SetSystemTime(lpSystemTime): fails with
/// ERROR_PRIVILEGE_NOT_HELD (SE_SYSTEMTIME_NAME is not granted).
pub extern "win64" fn SetSystemTime(st: u64) -> i32 {
    set_clock(st)
}

/// Implements SetLocalTime(lpSystemTime): as SetSystemTime.
pub extern "win64" fn SetLocalTime(st: u64) -> i32 {
    set_clock(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(to_system_time(0), [1601, 1, 1, 1, 0, 0, 0, 0]);
        // 1970-01-01 was a Thursday.
        let unix = 116_444_736_000_000_000;
        assert_eq!(to_system_time(unix), [1970, 1, 4, 1, 0, 0, 0, 0]);
        assert_eq!(from_system_time(&[1970, 1, 0, 1, 0, 0, 0, 0]), Some(unix));
        for t in [0i64, unix, 131_000_000_000_000_123] {
            let st = to_system_time(t);
            assert_eq!(from_system_time(&st), Some(t - t % 10_000));
        }
        assert_eq!(to_system_time(0x7fff_ffff_ffff_ffff)[0], 30828);
        assert_eq!(from_system_time(&[2023, 2, 0, 29, 0, 0, 0, 0]), None);
        assert!(from_system_time(&[2024, 2, 0, 29, 23, 59, 59, 999]).is_some());
    }
}
