//! Time zones: GetTimeZoneInformation, GetDynamicTimeZoneInformation,
//! local time and the conversions between UTC and a zone's local time.
//!
//! The current zone comes from the executive (NtQuerySystemInformation,
//! SystemCurrentTimeZoneInformation), which reads the host's. A zone is a
//! TIME_ZONE_INFORMATION: local = UTC - (Bias + StandardBias or
//! DaylightBias) minutes, with daylight time between DaylightDate (in local
//! standard time) and StandardDate (in local daylight time), each a yearly
//! "day-in-month" rule (wYear 0, wDay = which occurrence of wDayOfWeek, 5 =
//! the last) or, with wYear set, an absolute date.

use crate::error::*;
use crate::systime::*;
use syscalls::*;

const SYSTEM_CURRENT_TIME_ZONE_INFORMATION: u64 = 44;
const SYSTEM_DYNAMIC_TIME_ZONE_INFORMATION: u64 = 102;
const TIME_ZONE_ID_UNKNOWN: u32 = 0;
const TIME_ZONE_ID_STANDARD: u32 = 1;
const TIME_ZONE_ID_DAYLIGHT: u32 = 2;
const TIME_ZONE_ID_INVALID: u32 = 0xFFFF_FFFF;
const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;

/// TIME_ZONE_INFORMATION (172 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TimeZoneInformation {
    pub bias: i32,
    pub standard_name: [u16; 32],
    pub standard_date: SystemTime,
    pub standard_bias: i32,
    pub daylight_name: [u16; 32],
    pub daylight_date: SystemTime,
    pub daylight_bias: i32,
}
// SAFETY: integers and integer arrays only; every bit pattern is valid.
unsafe impl user::Pod for TimeZoneInformation {}
const _: () = assert!(core::mem::size_of::<TimeZoneInformation>() == 172);

/// DYNAMIC_TIME_ZONE_INFORMATION (432 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
struct DynamicTimeZoneInformation {
    tz: TimeZoneInformation,
    _time_zone_key_name: [u16; 128],
    _dynamic_daylight_time_disabled: u8,
    _pad: [u8; 3],
}
// SAFETY: as above.
unsafe impl user::Pod for DynamicTimeZoneInformation {}
const _: () = assert!(core::mem::size_of::<DynamicTimeZoneInformation>() == 432);

/// The current zone, from the executive.
pub fn current_zone() -> Result<TimeZoneInformation, NtStatus> {
    let mut tz = [0u8; 172];
    let st = syscall(
        nr::NtQuerySystemInformation,
        &args([
            SYSTEM_CURRENT_TIME_ZONE_INFORMATION,
            tz.as_mut_ptr() as u64,
            tz.len() as u64,
            0,
        ]),
    );
    if !st.is_success() {
        return Err(st);
    }
    user::read::<TimeZoneInformation>(tz.as_ptr() as u64)
}

fn has_daylight(tz: &TimeZoneInformation) -> bool {
    tz.daylight_date[1] != 0 && tz.standard_date[1] != 0
}

/// The local wall time (ticks since 1601) at which `rule` falls in `year`.
fn rule_in_year(rule: &SystemTime, year: i64) -> Option<i64> {
    let [ryear, month, dow, day, hour, minute, second, ms] = *rule;
    if !(1..=12).contains(&month) {
        return None;
    }
    let day = if ryear == 0 {
        // The day-th occurrence of weekday dow, the last one when the
        // month has fewer.
        let first = days_from_civil(year, month, 1);
        let mut d =
            1 + (dow as i64 + 7 - weekday(first) as i64) % 7 + 7 * (day.clamp(1, 5) as i64 - 1);
        while d > days_in_month(year, month) as i64 {
            d -= 7;
        }
        d as u16
    } else {
        day.clamp(1, days_in_month(year, month))
    };
    let time = [
        year as u16,
        month,
        0,
        day,
        hour % 24,
        minute % 60,
        second % 60,
        ms % 1000,
    ];
    from_system_time(&time)
}

fn year_of(ticks: i64) -> i64 {
    to_system_time(ticks.max(0))[0] as i64
}

/// Whether daylight time is in force at the UTC instant `utc`.
fn daylight_at_utc(tz: &TimeZoneInformation, utc: i64) -> bool {
    if !has_daylight(tz) {
        return false;
    }
    let year = year_of(utc - tz.bias as i64 * TICKS_PER_MINUTE);
    let (Some(start), Some(end)) = (
        rule_in_year(&tz.daylight_date, year),
        rule_in_year(&tz.standard_date, year),
    ) else {
        return false;
    };
    let start = start + (tz.bias + tz.standard_bias) as i64 * TICKS_PER_MINUTE;
    let end = end + (tz.bias + tz.daylight_bias) as i64 * TICKS_PER_MINUTE;
    if start < end {
        start <= utc && utc < end
    } else {
        // Southern hemisphere: daylight time spans the new year.
        !(end <= utc && utc < start)
    }
}

/// Whether the local wall time `local` is daylight time (the repeated hour
/// at the end of daylight time counts as daylight time).
fn daylight_at_local(tz: &TimeZoneInformation, local: i64) -> bool {
    if !has_daylight(tz) {
        return false;
    }
    let year = year_of(local);
    let (Some(start), Some(end)) = (
        rule_in_year(&tz.daylight_date, year),
        rule_in_year(&tz.standard_date, year),
    ) else {
        return false;
    };
    if start < end {
        start <= local && local < end
    } else {
        !(end <= local && local < start)
    }
}

/// Minutes to add to local time to reach UTC.
fn bias(tz: &TimeZoneInformation, daylight: bool) -> i64 {
    (tz.bias
        + if daylight {
            tz.daylight_bias
        } else {
            tz.standard_bias
        }) as i64
}

fn zone_or_fail() -> Option<TimeZoneInformation> {
    match current_zone() {
        Ok(tz) => Some(tz),
        Err(st) => fail(st, None),
    }
}

/// Implements GetTimeZoneInformation(lpTimeZoneInformation).
pub extern "win64" fn GetTimeZoneInformation(out: u64) -> u32 {
    let Some(tz) = zone_or_fail() else {
        return TIME_ZONE_ID_INVALID;
    };
    if !put(out, &tz) {
        return TIME_ZONE_ID_INVALID;
    }
    zone_id(&tz)
}

fn zone_id(tz: &TimeZoneInformation) -> u32 {
    if !has_daylight(tz) {
        TIME_ZONE_ID_UNKNOWN
    } else if daylight_at_utc(tz, now()) {
        TIME_ZONE_ID_DAYLIGHT
    } else {
        TIME_ZONE_ID_STANDARD
    }
}

/// Implements GetDynamicTimeZoneInformation(pTimeZoneInformation), from
/// SystemDynamicTimeZoneInformation.
pub extern "win64" fn GetDynamicTimeZoneInformation(out: u64) -> u32 {
    let mut info = [0u8; 432];
    let st = syscall(
        nr::NtQuerySystemInformation,
        &args([
            SYSTEM_DYNAMIC_TIME_ZONE_INFORMATION,
            info.as_mut_ptr() as u64,
            info.len() as u64,
            0,
        ]),
    );
    if !st.is_success() {
        return fail(st, TIME_ZONE_ID_INVALID);
    }
    let Ok(info) = user::read::<DynamicTimeZoneInformation>(info.as_ptr() as u64) else {
        return TIME_ZONE_ID_INVALID;
    };
    if !put(out, &info) {
        return TIME_ZONE_ID_INVALID;
    }
    zone_id(&info.tz)
}

/// The zone a conversion names: the given one, or the current one for NULL.
fn zone_arg(tz: u64) -> Option<TimeZoneInformation> {
    if tz == 0 {
        zone_or_fail()
    } else {
        get(tz)
    }
}

fn read_time(st: u64) -> Option<i64> {
    let st = get::<SystemTime>(st)?;
    let t = from_system_time(&st);
    if t.is_none() {
        set_error(ERROR_INVALID_PARAMETER);
    }
    t
}

fn write_time(st: u64, ticks: i64) -> i32 {
    if !(0..=0x7FFF_FFFF_FFFF_FFFF).contains(&ticks) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    put(st, &to_system_time(ticks)) as i32
}

/// Implements SystemTimeToTzSpecificLocalTime(lpTimeZoneInformation,
/// lpUniversalTime, lpLocalTime): daylight time as the zone's rules give it
/// for the date converted.
pub extern "win64" fn SystemTimeToTzSpecificLocalTime(tz: u64, utc: u64, local: u64) -> i32 {
    let Some(tz) = zone_arg(tz) else { return 0 };
    let Some(t) = read_time(utc) else { return 0 };
    write_time(
        local,
        t - bias(&tz, daylight_at_utc(&tz, t)) * TICKS_PER_MINUTE,
    )
}

/// Implements TzSpecificLocalTimeToSystemTime(lpTimeZoneInformation,
/// lpLocalTime, lpUniversalTime).
pub extern "win64" fn TzSpecificLocalTimeToSystemTime(tz: u64, local: u64, utc: u64) -> i32 {
    let Some(tz) = zone_arg(tz) else { return 0 };
    let Some(t) = read_time(local) else { return 0 };
    write_time(
        utc,
        t + bias(&tz, daylight_at_local(&tz, t)) * TICKS_PER_MINUTE,
    )
}

/// Implements GetLocalTime(lpSystemTime).
pub extern "win64" fn GetLocalTime(st: u64) {
    let t = now();
    let b = current_zone().map_or(0, |tz| bias(&tz, daylight_at_utc(&tz, t)));
    put(st, &to_system_time(t - b * TICKS_PER_MINUTE));
}

/// The bias in force now, in ticks. FileTimeToLocalFileTime and its inverse
/// use it whatever the date converted (as documented).
fn current_bias_ticks() -> Option<i64> {
    let tz = zone_or_fail()?;
    Some(bias(&tz, daylight_at_utc(&tz, now())) * TICKS_PER_MINUTE)
}

/// Implements FileTimeToLocalFileTime(lpFileTime, lpLocalFileTime).
pub extern "win64" fn FileTimeToLocalFileTime(ft: u64, out: u64) -> i32 {
    let Some(t) = get_filetime(ft) else { return 0 };
    let Some(b) = current_bias_ticks() else {
        return 0;
    };
    put_filetime(out, (t as i64).wrapping_sub(b) as u64) as i32
}

/// Implements LocalFileTimeToFileTime(lpLocalFileTime, lpFileTime).
pub extern "win64" fn LocalFileTimeToFileTime(ft: u64, out: u64) -> i32 {
    let Some(t) = get_filetime(ft) else { return 0 };
    let Some(b) = current_bias_ticks() else {
        return 0;
    };
    put_filetime(out, (t as i64).wrapping_add(b) as u64) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_york() -> TimeZoneInformation {
        TimeZoneInformation {
            bias: 300,
            standard_name: [0; 32],
            standard_date: [0, 11, 0, 1, 2, 0, 0, 0],
            standard_bias: 0,
            daylight_name: [0; 32],
            daylight_date: [0, 3, 0, 2, 2, 0, 0, 0],
            daylight_bias: -60,
        }
    }

    fn t(y: u16, mo: u16, d: u16, h: u16, mi: u16) -> i64 {
        from_system_time(&[y, mo, 0, d, h, mi, 0, 0]).unwrap()
    }

    #[test]
    fn rules() {
        // 2026: second Sunday of March is the 8th, first of November the 1st.
        assert_eq!(
            rule_in_year(&[0, 3, 0, 2, 2, 0, 0, 0], 2026),
            Some(t(2026, 3, 8, 2, 0))
        );
        assert_eq!(
            rule_in_year(&[0, 11, 0, 1, 2, 0, 0, 0], 2026),
            Some(t(2026, 11, 1, 2, 0))
        );
        // Last Sunday of March 2026 is the 29th.
        assert_eq!(
            rule_in_year(&[0, 3, 0, 5, 2, 0, 0, 0], 2026),
            Some(t(2026, 3, 29, 2, 0))
        );
        let ny = new_york();
        assert!(!daylight_at_utc(&ny, t(2026, 3, 8, 6, 59)));
        assert!(daylight_at_utc(&ny, t(2026, 3, 8, 7, 0)));
        assert!(daylight_at_utc(&ny, t(2026, 11, 1, 5, 59)));
        assert!(!daylight_at_utc(&ny, t(2026, 11, 1, 6, 0)));
        assert!(daylight_at_local(&ny, t(2026, 7, 1, 12, 0)));
        assert!(!daylight_at_local(&ny, t(2026, 1, 1, 12, 0)));
    }
}
