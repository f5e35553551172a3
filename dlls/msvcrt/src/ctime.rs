//! <time.h> conversions: time_t to broken-down time (UTC and local),
//! back again, asctime/ctime text and strftime in the "C" locale. Local
//! time is the system time zone's (kernel32's SystemTimeToTzSpecificLocalTime
//! and its inverse, which apply the zone's daylight rules for the date);
//! the CRT's own TZ environment variable rules are not read.

use crate::errno::{self, EINVAL};
use std::cell::Cell;

/// _MAX__TIME64_T: 3000-12-31 23:59:59 UTC, the last time the 64-bit
/// functions accept.
pub const MAX_TIME64: i64 = 32_535_215_999;

/// `struct tm`: nine ints.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tm {
    pub sec: i32,
    pub min: i32,
    pub hour: i32,
    pub mday: i32,
    pub mon: i32,
    pub year: i32,
    pub wday: i32,
    pub yday: i32,
    pub isdst: i32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month 1..=12, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The broken-down form of `t` seconds since the epoch (no zone).
pub fn breakdown(t: i64) -> Tm {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    Tm {
        sec: (secs % 60) as i32,
        min: (secs / 60 % 60) as i32,
        hour: (secs / 3600) as i32,
        mday: d as i32,
        mon: (m - 1) as i32,
        year: (y - 1900) as i32,
        wday: (days + 4).rem_euclid(7) as i32,
        yday: (days - days_from_civil(y, 1, 1)) as i32,
        isdst: 0,
    }
}

/// Seconds since the epoch of a broken-down time whose fields may be out
/// of range (mktime's normalisation: 61 seconds carry into the minute,
/// month 12 into the next year...).
pub fn compose(tm: &Tm) -> i64 {
    let mon = i64::from(tm.mon);
    let year = 1900 + i64::from(tm.year) + mon.div_euclid(12);
    let days = days_from_civil(year, mon.rem_euclid(12) + 1, 1) + i64::from(tm.mday) - 1;
    days * 86_400 + i64::from(tm.hour) * 3600 + i64::from(tm.min) * 60 + i64::from(tm.sec)
}

thread_local! {
    /// The per-thread tm that gmtime, localtime and mktime results share,
    /// and the asctime/ctime buffer, in guest memory.
    static TM_BUF: Cell<u64> = const { Cell::new(0) };
    static TEXT_BUF: Cell<u64> = const { Cell::new(0) };
}

fn thread_buffer(key: &'static std::thread::LocalKey<Cell<u64>>, size: usize) -> u64 {
    key.with(|c| {
        if c.get() == 0 {
            let p = ntdll::heap::process_heap()
                .and_then(|h| h.alloc(size, ntdll::heap::HEAP_ZERO_MEMORY).ok())
                .unwrap_or(0);
            c.set(p);
        }
        c.get()
    })
}

fn put_tm(out: *mut Tm, tm: Tm) {
    // SAFETY: the caller's struct tm (or the thread's buffer).
    unsafe { *out = tm };
}

fn read_tm(p: *const Tm) -> Tm {
    // SAFETY: the caller's struct tm.
    unsafe { *p }
}

/// UTC breakdown, or EINVAL outside 1970..=3000.
pub fn gmtime_checked(t: i64) -> Result<Tm, i32> {
    if !(0..=MAX_TIME64).contains(&t) {
        return Err(EINVAL);
    }
    Ok(breakdown(t))
}

const TIME_ZONE_ID_INVALID: u32 = u32::MAX;

/// The system zone's offset (seconds to add to UTC) at UTC time `t`, and
/// whether daylight time applies then.
fn local_offset(t: i64) -> Option<(i64, bool)> {
    let st = system_time(t);
    let mut local = [0u16; 8];
    if kernel32::timezone::SystemTimeToTzSpecificLocalTime(
        0,
        st.as_ptr() as u64,
        local.as_mut_ptr() as u64,
    ) == 0
    {
        return None;
    }
    let offset = from_system_time(&local) - t;
    // TIME_ZONE_INFORMATION: Bias (LONG) first, DaylightBias at offset 168.
    let mut tzi = [0u8; 172];
    if kernel32::timezone::GetTimeZoneInformation(tzi.as_mut_ptr() as u64) == TIME_ZONE_ID_INVALID {
        return None;
    }
    let bias = i64::from(i32::from_le_bytes([tzi[0], tzi[1], tzi[2], tzi[3]]));
    let daylight_bias = i64::from(i32::from_le_bytes([tzi[168], tzi[169], tzi[170], tzi[171]]));
    let dst = daylight_bias != 0 && offset == -(bias + daylight_bias) * 60;
    Some((offset, dst))
}

/// SYSTEMTIME for `t`: year, month, day of week, day, hour, minute,
/// second, milliseconds.
fn system_time(t: i64) -> [u16; 8] {
    let tm = breakdown(t);
    [
        (tm.year + 1900) as u16,
        (tm.mon + 1) as u16,
        tm.wday as u16,
        tm.mday as u16,
        tm.hour as u16,
        tm.min as u16,
        tm.sec as u16,
        0,
    ]
}

fn from_system_time(st: &[u16; 8]) -> i64 {
    days_from_civil(i64::from(st[0]), i64::from(st[1]), i64::from(st[3])) * 86_400
        + i64::from(st[4]) * 3600
        + i64::from(st[5]) * 60
        + i64::from(st[6])
}

/// Local breakdown, or EINVAL outside the range.
pub fn localtime_checked(t: i64) -> Result<Tm, i32> {
    if !(0..=MAX_TIME64).contains(&t) {
        return Err(EINVAL);
    }
    let (offset, dst) = local_offset(t).ok_or(EINVAL)?;
    let mut tm = breakdown(t + offset);
    tm.isdst = i32::from(dst);
    Ok(tm)
}

/// mktime: the local time in `tm` (normalised, and its wday, yday and
/// isdst filled in) as a time_t, or -1. Whether daylight time applies is
/// the zone's rule for that date; the tm_isdst hint is not consulted.
pub fn mktime_local(tm: &mut Tm) -> i64 {
    let local = compose(tm);
    let mut st = system_time(local);
    if !(1601..=30827).contains(&st[0]) {
        return -1;
    }
    let mut utc = [0u16; 8];
    if kernel32::timezone::TzSpecificLocalTimeToSystemTime(
        0,
        st.as_mut_ptr() as u64,
        utc.as_mut_ptr() as u64,
    ) == 0
    {
        return -1;
    }
    let t = from_system_time(&utc);
    match localtime_checked(t) {
        Ok(norm) => {
            *tm = norm;
            t
        }
        Err(_) => -1,
    }
}

/// Implements _gmtime64_s(tm, ptime): 0 or EINVAL (the tm then all -1).
pub extern "win64" fn _gmtime64_s(out: *mut Tm, t: *const i64) -> i32 {
    if out.is_null() {
        errno::set(EINVAL);
        return EINVAL;
    }
    let all_bad = Tm {
        sec: -1,
        min: -1,
        hour: -1,
        mday: -1,
        mon: -1,
        year: -1,
        wday: -1,
        yday: -1,
        isdst: -1,
    };
    // SAFETY: the caller's time_t.
    match (!t.is_null()).then(|| unsafe { *t }).map(gmtime_checked) {
        Some(Ok(tm)) => {
            put_tm(out, tm);
            0
        }
        _ => {
            put_tm(out, all_bad);
            errno::set(EINVAL);
            EINVAL
        }
    }
}

fn to_thread_tm(r: Result<Tm, i32>) -> u64 {
    match r {
        Ok(tm) => {
            let p = thread_buffer(&TM_BUF, core::mem::size_of::<Tm>());
            put_tm(p as *mut Tm, tm);
            p
        }
        Err(e) => {
            errno::set(e);
            0
        }
    }
}

fn time_arg(t: *const i64) -> Result<i64, i32> {
    if t.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: the caller's time_t.
    Ok(unsafe { *t })
}

fn time32_arg(t: *const i32) -> Result<i64, i32> {
    if t.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: the caller's __time32_t.
    Ok(i64::from(unsafe { *t }))
}

/// Implements _gmtime64(ptime) (gmtime on x64): the thread's tm, or NULL.
pub extern "win64" fn _gmtime64(t: *const i64) -> u64 {
    to_thread_tm(time_arg(t).and_then(gmtime_checked))
}

/// Implements _gmtime32(ptime).
pub extern "win64" fn _gmtime32(t: *const i32) -> u64 {
    to_thread_tm(time32_arg(t).and_then(gmtime_checked))
}

/// Implements _localtime64(ptime) (localtime on x64).
pub extern "win64" fn _localtime64(t: *const i64) -> u64 {
    to_thread_tm(time_arg(t).and_then(localtime_checked))
}

/// Implements _localtime32(ptime).
pub extern "win64" fn _localtime32(t: *const i32) -> u64 {
    to_thread_tm(time32_arg(t).and_then(localtime_checked))
}

/// Implements _localtime64_s(tm, ptime).
pub extern "win64" fn _localtime64_s(out: *mut Tm, t: *const i64) -> i32 {
    if out.is_null() {
        errno::set(EINVAL);
        return EINVAL;
    }
    match time_arg(t).and_then(localtime_checked) {
        Ok(tm) => {
            put_tm(out, tm);
            0
        }
        Err(e) => {
            put_tm(
                out,
                Tm {
                    sec: -1,
                    min: -1,
                    hour: -1,
                    mday: -1,
                    mon: -1,
                    year: -1,
                    wday: -1,
                    yday: -1,
                    isdst: -1,
                },
            );
            errno::set(e);
            e
        }
    }
}

/// Implements _mktime64(tm) (mktime on x64).
pub extern "win64" fn _mktime64(tm: *mut Tm) -> i64 {
    if tm.is_null() {
        errno::set(EINVAL);
        return -1;
    }
    let mut v = read_tm(tm);
    let t = mktime_local(&mut v);
    if t >= 0 {
        put_tm(tm, v);
    }
    t
}

/// Implements _mktime32(tm): -1 past 2038.
pub extern "win64" fn _mktime32(tm: *mut Tm) -> i32 {
    let t = _mktime64(tm);
    if t > i64::from(i32::MAX) {
        return -1;
    }
    t as i32
}

/// Implements _mkgmtime64(tm): the UTC time in `tm` (normalised) as a
/// time_t, or -1 outside 1970..=3000.
pub extern "win64" fn _mkgmtime64(tm: *mut Tm) -> i64 {
    if tm.is_null() {
        errno::set(EINVAL);
        return -1;
    }
    let t = compose(&read_tm(tm));
    match gmtime_checked(t) {
        Ok(norm) => {
            put_tm(tm, norm);
            t
        }
        Err(e) => {
            errno::set(e);
            -1
        }
    }
}

/// Implements _mkgmtime32(tm).
pub extern "win64" fn _mkgmtime32(tm: *mut Tm) -> i32 {
    let t = _mkgmtime64(tm);
    if t > i64::from(i32::MAX) {
        return -1;
    }
    t as i32
}

/// Implements _difftime64(t1, t0) (difftime on x64).
pub extern "win64" fn _difftime64(t1: i64, t0: i64) -> f64 {
    (t1 - t0) as f64
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// asctime's text: "Wed Jan 02 02:03:55 1980\n" (day of the month
/// zero-padded, as Microsoft's asctime writes it).
pub fn asctime_text(tm: &Tm) -> Option<String> {
    let wday = DAYS.get(usize::try_from(tm.wday).ok()?)?;
    let mon = MONTHS.get(usize::try_from(tm.mon).ok()?)?;
    Some(format!(
        "{wday} {mon} {:02} {:02}:{:02}:{:02} {}\n",
        tm.mday,
        tm.hour,
        tm.min,
        tm.sec,
        1900 + tm.year
    ))
}

fn to_thread_text(s: Option<String>) -> u64 {
    let Some(s) = s else {
        errno::set(EINVAL);
        return 0;
    };
    let p = thread_buffer(&TEXT_BUF, 26);
    let bytes = s.as_bytes();
    let n = bytes.len().min(25);
    // SAFETY: the thread's 26-byte buffer.
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), p as *mut u8, n);
        *((p as *mut u8).add(n)) = 0;
    }
    p
}

/// Implements asctime(tm).
pub extern "win64" fn asctime(tm: *const Tm) -> u64 {
    if tm.is_null() {
        errno::set(EINVAL);
        return 0;
    }
    to_thread_text(asctime_text(&read_tm(tm)))
}

/// Implements _ctime64(ptime) (ctime on x64): asctime(localtime(t)).
pub extern "win64" fn _ctime64(t: *const i64) -> u64 {
    match time_arg(t).and_then(localtime_checked) {
        Ok(tm) => to_thread_text(asctime_text(&tm)),
        Err(e) => {
            errno::set(e);
            0
        }
    }
}

/// strftime in the "C" locale: the text, or None for a bad specifier.
pub fn strftime_text(fmt: &[u8], tm: &Tm) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    let year = 1900 + i64::from(tm.year);
    let day = |n: i32| DAYS.get(usize::try_from(n).ok()?).copied();
    let full_day = |n: i32| {
        kernel32::datetime_format::DAYS
            .get(usize::try_from(n).ok()?)
            .copied()
    };
    let mon = |n: i32| MONTHS.get(usize::try_from(n).ok()?).copied();
    let full_mon = |n: i32| {
        kernel32::datetime_format::MONTHS
            .get(usize::try_from(n).ok()?)
            .copied()
    };
    // ISO 8601 week-based year and week number.
    let iso = || {
        let wday = i64::from((tm.wday + 6) % 7); // Monday = 0
        let yday = i64::from(tm.yday);
        let mut y = year;
        let mut week = (yday - wday + 10) / 7;
        if week < 1 {
            y -= 1;
            let prev_days = if is_leap(y) { 366 } else { 365 };
            week = (yday + prev_days - wday + 10) / 7;
        } else {
            let days = if is_leap(y) { 366 } else { 365 };
            if week == 53 && yday - wday + 3 >= days {
                y += 1;
                week = 1;
            }
        }
        (y, week)
    };
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        // '#' removes leading zeros (and lengthens %c/%x), Microsoft's flag.
        let alt = fmt.get(i) == Some(&b'#');
        if alt {
            i += 1;
        }
        let conv = *fmt.get(i)?;
        i += 1;
        let num = |v: i64, width: usize| {
            if alt {
                v.to_string()
            } else {
                format!("{v:0width$}")
            }
        };
        let hour12 = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
        let text: String = match conv {
            b'a' => day(tm.wday)?.to_string(),
            b'A' => full_day(tm.wday)?.to_string(),
            b'b' | b'h' => mon(tm.mon)?.to_string(),
            b'B' => full_mon(tm.mon)?.to_string(),
            b'c' if alt => format!(
                "{}, {} {}, {}, {}",
                full_day(tm.wday)?,
                full_mon(tm.mon)?,
                num(i64::from(tm.mday), 2),
                year,
                String::from_utf8(strftime_text(b"%H:%M:%S", tm)?).ok()?
            ),
            b'c' => String::from_utf8(strftime_text(b"%m/%d/%y %H:%M:%S", tm)?).ok()?,
            b'C' => num(year / 100, 2),
            b'd' => num(i64::from(tm.mday), 2),
            b'D' => String::from_utf8(strftime_text(b"%m/%d/%y", tm)?).ok()?,
            b'e' => format!("{:2}", tm.mday),
            b'F' => String::from_utf8(strftime_text(b"%Y-%m-%d", tm)?).ok()?,
            b'g' => num(iso().0 % 100, 2),
            b'G' => iso().0.to_string(),
            b'H' => num(i64::from(tm.hour), 2),
            b'I' => num(i64::from(hour12), 2),
            b'j' => num(i64::from(tm.yday) + 1, 3),
            b'm' => num(i64::from(tm.mon) + 1, 2),
            b'M' => num(i64::from(tm.min), 2),
            b'n' => "\n".to_string(),
            b'p' => if tm.hour < 12 { "AM" } else { "PM" }.to_string(),
            b'r' => String::from_utf8(strftime_text(b"%I:%M:%S %p", tm)?).ok()?,
            b'R' => String::from_utf8(strftime_text(b"%H:%M", tm)?).ok()?,
            b'S' => num(i64::from(tm.sec), 2),
            b't' => "\t".to_string(),
            b'T' => String::from_utf8(strftime_text(b"%H:%M:%S", tm)?).ok()?,
            b'u' => (if tm.wday == 0 { 7 } else { tm.wday }).to_string(),
            b'U' => num(i64::from((tm.yday + 7 - tm.wday) / 7), 2),
            b'V' => num(iso().1, 2),
            b'w' => tm.wday.to_string(),
            b'W' => num(i64::from((tm.yday + 7 - (tm.wday + 6) % 7) / 7), 2),
            b'x' if alt => format!(
                "{}, {} {}, {}",
                full_day(tm.wday)?,
                full_mon(tm.mon)?,
                num(i64::from(tm.mday), 2),
                year
            ),
            b'x' => String::from_utf8(strftime_text(b"%m/%d/%y", tm)?).ok()?,
            b'X' => String::from_utf8(strftime_text(b"%H:%M:%S", tm)?).ok()?,
            b'y' => num(year.rem_euclid(100), 2),
            b'Y' => num(year, 4),
            // The zone: strftime has only the tm; the UTC offset and name
            // come from the system zone (as the CRT's _tzset state does).
            b'z' | b'Z' => zone_text(conv == b'z', tm.isdst > 0)?,
            b'%' => "%".to_string(),
            _ => return None,
        };
        out.extend_from_slice(text.as_bytes());
    }
    Some(out)
}

/// %z ("-0800") or %Z (the zone's standard or daylight name).
fn zone_text(offset: bool, dst: bool) -> Option<String> {
    let mut tzi = [0u8; 172];
    if kernel32::timezone::GetTimeZoneInformation(tzi.as_mut_ptr() as u64) == TIME_ZONE_ID_INVALID {
        return Some(String::new());
    }
    let int_at = |o: usize| {
        i64::from(i32::from_le_bytes([
            tzi[o],
            tzi[o + 1],
            tzi[o + 2],
            tzi[o + 3],
        ]))
    };
    if offset {
        // Bias is minutes to add to local time for UTC.
        let bias = int_at(0) + if dst { int_at(168) } else { int_at(84) };
        let east = -bias;
        let sign = if east < 0 { '-' } else { '+' };
        return Some(format!(
            "{sign}{:02}{:02}",
            east.abs() / 60,
            east.abs() % 60
        ));
    }
    // StandardName at 4, DaylightName at 88: 32 WCHARs each.
    let at = if dst { 88 } else { 4 };
    let name: Vec<u16> = tzi[at..at + 64]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&c| c != 0)
        .collect();
    Some(String::from_utf8_lossy(&kernel32::nls::wide_to_ansi(&name)).into_owned())
}

/// strftime's contract on a buffer: the length without the NUL, or 0 when
/// the text (with its NUL) does not fit; None for a bad specifier.
pub fn strftime_into(buf: *mut u8, max: u64, fmt: &[u8], tm: &Tm) -> Option<u64> {
    let text = strftime_text(fmt, tm)?;
    if text.len() as u64 >= max {
        if max > 0 {
            // SAFETY: the caller's buffer of `max` bytes.
            unsafe { *buf = 0 };
        }
        return Some(0);
    }
    // SAFETY: the text and its NUL fit in the caller's buffer.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), buf, text.len());
        *buf.add(text.len()) = 0;
    }
    Some(text.len() as u64)
}

/// Implements strftime(buffer, max, format, tm).
pub extern "win64" fn strftime(buf: *mut u8, max: u64, fmt: *const u8, tm: *const Tm) -> u64 {
    if buf.is_null() || fmt.is_null() || tm.is_null() {
        errno::set(EINVAL);
        return 0;
    }
    // SAFETY: a NUL-terminated format from the caller.
    let f = unsafe { std::ffi::CStr::from_ptr(fmt as *const std::ffi::c_char) }.to_bytes();
    strftime_into(buf, max, f, &read_tm(tm)).unwrap_or_else(|| {
        errno::set(EINVAL);
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakdown_and_compose() {
        // 2000-02-29 12:34:56 UTC, a Tuesday, day 59 of a leap year.
        let t = 951_827_696;
        let tm = breakdown(t);
        assert_eq!(
            tm,
            Tm {
                sec: 56,
                min: 34,
                hour: 12,
                mday: 29,
                mon: 1,
                year: 100,
                wday: 2,
                yday: 59,
                isdst: 0
            }
        );
        assert_eq!(compose(&tm), t);
        // Out-of-range fields carry: month 12 is January of the next year.
        let carried = Tm {
            mon: 12,
            mday: 1,
            year: 99,
            ..Tm::default()
        };
        assert_eq!(compose(&carried), 946_684_800);
        assert_eq!(breakdown(MAX_TIME64).year, 1100);
    }

    #[test]
    fn asctime_and_strftime() {
        // The asctime documentation's example form.
        let tm = breakdown(315_626_635); // 1980-01-02 02:03:55
        assert_eq!(asctime_text(&tm).unwrap(), "Wed Jan 02 02:03:55 1980\n");
        let text = strftime_text(b"%Y-%m-%d %H:%M:%S %a %b %j %#d %I%p %y %%", &tm).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "1980-01-02 02:03:55 Wed Jan 002 2 02AM 80 %"
        );
        let text = strftime_text(b"%c|%x|%X|%A %B|%U %W %u %w", &tm).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "01/02/80 02:03:55|01/02/80|02:03:55|Wednesday January|00 00 3 3"
        );
        assert!(strftime_text(b"%Q", &tm).is_none());
        // The strftime documentation's example of the long date and time.
        let doc = breakdown(days_from_civil(1995, 3, 14) * 86_400 + 12 * 3600 + 41 * 60 + 29);
        let text = strftime_text(b"%#c", &doc).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "Tuesday, March 14, 1995, 12:41:29"
        );
    }

    #[test]
    fn iso_weeks() {
        // 2021-01-01 (Friday) is in week 53 of 2020; 2018-12-31 (Monday)
        // in week 1 of 2019.
        let t = breakdown(days_from_civil(2021, 1, 1) * 86_400);
        assert_eq!(
            String::from_utf8(strftime_text(b"%G-W%V-%u", &t).unwrap()).unwrap(),
            "2020-W53-5"
        );
        let t = breakdown(days_from_civil(2018, 12, 31) * 86_400);
        assert_eq!(
            String::from_utf8(strftime_text(b"%G-W%V-%u", &t).unwrap()).unwrap(),
            "2019-W01-1"
        );
    }
}
