//! The current time zone, as SystemCurrentTimeZoneInformation (class 44 of
//! NtQuerySystemInformation) reports it: computed from the host's zone (TZ,
//! /etc/localtime) through libc, for the current year.
//!
//! Windows describes a zone by a bias and two yearly rules; the rules are
//! found here by walking the current year with localtime_r and locating the
//! instants where tm_isdst changes.

use syscalls::*;

/// sizeof(RTL_TIME_ZONE_INFORMATION): the layout of TIME_ZONE_INFORMATION.
pub const TIME_ZONE_INFORMATION_SIZE: u32 = 172;

/// RTL_TIME_ZONE_INFORMATION. The two dates use the SYSTEMTIME field order
/// (wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond,
/// wMilliseconds) so that kernel32's GetTimeZoneInformation can hand the
/// structure out unchanged as a TIME_ZONE_INFORMATION.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RtlTimeZoneInformation {
    pub bias: i32,
    pub standard_name: [u16; 32],
    pub standard_date: [u16; 8],
    pub standard_bias: i32,
    pub daylight_name: [u16; 32],
    pub daylight_date: [u16; 8],
    pub daylight_bias: i32,
}
// SAFETY: integers and integer arrays only; every bit pattern is valid.
unsafe impl user::Pod for RtlTimeZoneInformation {}
const _: () = assert!(core::mem::size_of::<RtlTimeZoneInformation>() == 172);

extern "C" {
    // The libc crate does not declare it.
    fn tzset();
}

/// What localtime_r says about one instant.
struct Local {
    tm: libc::tm,
}

fn local(t: i64) -> Local {
    // SAFETY: localtime_r writes only the tm we own; the zero tm is valid.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&(t as libc::time_t), &mut tm);
        tm
    };
    Local { tm }
}

impl Local {
    fn dst(&self) -> bool {
        self.tm.tm_isdst > 0
    }
    fn offset(&self) -> i64 {
        self.tm.tm_gmtoff
    }
    fn name(&self) -> [u16; 32] {
        let mut out = [0u16; 32];
        if self.tm.tm_zone.is_null() {
            return out;
        }
        // SAFETY: tm_zone points at a NUL-terminated zone abbreviation
        // owned by libc (tzname storage), valid while the zone is set.
        let s = unsafe { std::ffi::CStr::from_ptr(self.tm.tm_zone) };
        for (o, c) in out
            .iter_mut()
            .take(31)
            .zip(s.to_string_lossy().encode_utf16())
        {
            *o = c;
        }
        out
    }
}

/// The first instant in (lo, hi] whose UTC offset differs from lo's.
fn transition(mut lo: i64, mut hi: i64) -> i64 {
    let d = local(lo).offset();
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local(mid).offset() == d {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A transition as Windows' yearly "day-in-month" rule: wYear 0, wMonth,
/// wDayOfWeek, wDay = which occurrence of that weekday (5 = the last), and
/// the wall-clock time before the change (`offset_before` is the UTC offset
/// in force until then).
fn rule(at: i64, offset_before: i64) -> [u16; 8] {
    let wall = at + offset_before;
    let days = wall.div_euclid(86_400);
    let secs = wall.rem_euclid(86_400);
    // SAFETY: gmtime_r writes only the tm we own.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::gmtime_r(&((days * 86_400) as libc::time_t), &mut tm);
        tm
    };
    let (year, month, day) = (
        tm.tm_year as i64 + 1900,
        tm.tm_mon as u32 + 1,
        tm.tm_mday as u32,
    );
    let occurrence = if day + 7 > days_in_month(year, month) {
        5
    } else {
        (day - 1) / 7 + 1
    };
    [
        0,
        month as u16,
        tm.tm_wday as u16,
        occurrence as u16,
        (secs / 3600) as u16,
        (secs / 60 % 60) as u16,
        (secs % 60) as u16,
        0,
    ]
}

/// The last zone computed: (year, TZ, information). Working out the rules
/// walks the whole year, so GetLocalTime would pay for it on every call.
static CACHE: std::sync::Mutex<Option<(i32, Option<std::ffi::OsString>, RtlTimeZoneInformation)>> =
    std::sync::Mutex::new(None);

/// The host zone's information for the year holding `now` (seconds since
/// 1970).
pub fn current(now: i64) -> RtlTimeZoneInformation {
    // SAFETY: tzset has no memory-safety preconditions; it (re)reads TZ.
    unsafe { tzset() };
    let year = local(now).tm.tm_year;
    let tz = std::env::var_os("TZ");
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((y, t, info)) = cache.as_ref() {
        if *y == year && *t == tz {
            return *info;
        }
    }
    let info = compute(now, year);
    *cache = Some((year, tz, info));
    info
}

fn compute(now: i64, year: i32) -> RtlTimeZoneInformation {
    // Midnight UTC of 1 January of that year, found from the day count.
    let start = {
        // SAFETY: timegm reads the tm we own.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        tm.tm_year = year;
        tm.tm_mday = 1;
        // SAFETY: as above.
        unsafe { libc::timegm(&mut tm) as i64 }
    };
    let end = {
        // SAFETY: as above.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        tm.tm_year = year + 1;
        tm.tm_mday = 1;
        // SAFETY: as above.
        unsafe { libc::timegm(&mut tm) as i64 }
    };
    // Every change of offset in the year, walking a day at a time. The
    // offsets decide which period is daylight time (the later one), not
    // tm_isdst: tzdata flags Ireland's winter as its "daylight" time.
    let mut changes = Vec::new();
    let mut t = start;
    while t < end {
        let next = (t + 86_400).min(end);
        if local(t).offset() != local(next).offset() {
            let at = transition(t, next);
            changes.push((at, local(at).offset() > local(at - 1).offset()));
        }
        t = next;
    }
    let sample = local(start);
    let mut info = RtlTimeZoneInformation {
        bias: 0,
        standard_name: [0; 32],
        standard_date: [0; 8],
        standard_bias: 0,
        daylight_name: [0; 32],
        daylight_date: [0; 8],
        daylight_bias: 0,
    };
    let to_dst = changes.iter().find(|c| c.1).map(|c| c.0);
    let to_std = changes.iter().find(|c| !c.1).map(|c| c.0);
    match (to_dst, to_std) {
        (Some(on), Some(off)) => {
            let (std, dst) = (local(off), local(on));
            info.bias = (-std.offset() / 60) as i32;
            info.daylight_bias = (-(dst.offset() - std.offset()) / 60) as i32;
            info.standard_name = std.name();
            info.daylight_name = dst.name();
            info.daylight_date = rule(on, std.offset());
            info.standard_date = rule(off, dst.offset());
        }
        _ => {
            // No daylight saving this year: one offset, no rules.
            let now = local(now);
            let std = if now.dst() { sample } else { now };
            info.bias = (-std.offset() / 60) as i32;
            info.standard_name = std.name();
            info.daylight_name = std.name();
        }
    }
    if let Some((_, standard, daylight)) = super::timezone_names::windows_names() {
        info.standard_name = super::timezone_names::wide(&standard);
        info.daylight_name = super::timezone_names::wide(&daylight);
    }
    info
}

/// sizeof(RTL_DYNAMIC_TIME_ZONE_INFORMATION).
pub const DYNAMIC_TIME_ZONE_INFORMATION_SIZE: u32 = 432;

/// RTL_DYNAMIC_TIME_ZONE_INFORMATION: the zone, its Windows registry key
/// name and whether dynamic daylight time is disabled.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RtlDynamicTimeZoneInformation {
    pub tz: RtlTimeZoneInformation,
    pub time_zone_key_name: [u16; 128],
    pub dynamic_daylight_time_disabled: u8,
    pub _pad: [u8; 3],
}
// SAFETY: integers and integer arrays only; every bit pattern is valid.
unsafe impl user::Pod for RtlDynamicTimeZoneInformation {}
const _: () = assert!(core::mem::size_of::<RtlDynamicTimeZoneInformation>() == 432);

/// The host zone with its Windows key name (the standard name when the
/// zone has no known Windows key).
pub fn dynamic(now: i64) -> RtlDynamicTimeZoneInformation {
    let tz = current(now);
    let mut key = [0u16; 128];
    match super::timezone_names::windows_names() {
        Some((name, _, _)) => key = super::timezone_names::wide(name),
        None => key[..32].copy_from_slice(&tz.standard_name),
    }
    RtlDynamicTimeZoneInformation {
        tz,
        time_zone_key_name: key,
        dynamic_daylight_time_disabled: 0,
        _pad: [0; 3],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_occurrences() {
        // 2026-03-08 07:00 UTC is 02:00 EST, the second Sunday of March.
        let r = rule(1_772_953_200, -5 * 3600);
        assert_eq!(r, [0, 3, 0, 2, 2, 0, 0, 0]);
        // 2026-10-25 01:00 UTC is 03:00 CEST, the last Sunday of October.
        let r = rule(1_792_890_000, 2 * 3600);
        assert_eq!(r, [0, 10, 0, 5, 3, 0, 0, 0]);
    }
}
