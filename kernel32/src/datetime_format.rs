//! GetDateFormatA/W and GetTimeFormatA/W for the locales casement knows
//! (en-US and the invariant locale): format pictures as documented under
//! "Day, Month, Year, and Era Format Pictures" and "Hour, Minute, and Second
//! Format Pictures".

use crate::error::*;
use crate::message::{guest_string, Width};
use crate::systime::*;
use syscalls::*;

const ERROR_INVALID_FLAGS: u32 = 1004;
const LOCALE_INVARIANT: u32 = 0x7F;
const LOCALE_NOUSEROVERRIDE: u32 = 0x8000_0000;
const LOCALE_USE_CP_ACP: u32 = 0x4000_0000;
const DATE_SHORTDATE: u32 = 1;
const DATE_LONGDATE: u32 = 2;
const DATE_YEARMONTH: u32 = 8;
const TIME_NOMINUTESORSECONDS: u32 = 1;
const TIME_NOSECONDS: u32 = 2;
const TIME_NOTIMEMARKER: u32 = 4;
const TIME_FORCE24HOURFORMAT: u32 = 8;

/// The English day names (the invariant and en-US locales').
pub const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
/// The English month names.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Splits a picture into runs: ('x', n) for n repeats of picture letter x,
/// ('\0', text) for literal text (quoted with '', '' being a quote).
fn runs(picture: &[u16], letters: &str) -> Vec<(char, usize, String)> {
    let chars: Vec<char> = char::decode_utf16(picture.iter().copied())
        .map(|c| c.unwrap_or('\u{FFFD}'))
        .collect();
    let mut out: Vec<(char, usize, String)> = Vec::new();
    let mut i = 0;
    let literal = |out: &mut Vec<(char, usize, String)>, c: char| match out.last_mut() {
        Some(('\0', _, s)) => s.push(c),
        _ => out.push(('\0', 0, c.to_string())),
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        literal(&mut out, '\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                literal(&mut out, chars[i]);
                i += 1;
            }
            i += 1;
        } else if letters.contains(c) {
            let mut n = 1;
            while chars.get(i + n) == Some(&c) {
                n += 1;
            }
            out.push((c, n, String::new()));
            i += n;
        } else {
            literal(&mut out, c);
            i += 1;
        }
    }
    out
}

fn format_date(st: &SystemTime, picture: &[u16]) -> String {
    let [year, month, dow, day, ..] = *st;
    let mut out = String::new();
    for (c, n, text) in runs(picture, "dMyg") {
        match (c, n) {
            ('\0', _) => out.push_str(&text),
            ('d', 1) => out.push_str(&day.to_string()),
            ('d', 2) => out.push_str(&format!("{day:02}")),
            ('d', 3) => out.push_str(&DAYS[dow as usize % 7][..3]),
            ('d', _) => out.push_str(DAYS[dow as usize % 7]),
            ('M', 1) => out.push_str(&month.to_string()),
            ('M', 2) => out.push_str(&format!("{month:02}")),
            ('M', 3) => out.push_str(&MONTHS[(month as usize + 11) % 12][..3]),
            ('M', _) => out.push_str(MONTHS[(month as usize + 11) % 12]),
            ('y', 1) => out.push_str(&(year % 100).to_string()),
            ('y', 2) => out.push_str(&format!("{:02}", year % 100)),
            ('y', _) => out.push_str(&year.to_string()),
            _ => out.push_str("A.D."),
        }
    }
    out
}

fn format_time(st: &SystemTime, picture: &[u16], flags: u32) -> String {
    let [.., hour, minute, second, _] = *st;
    let mut out = String::new();
    // Literal text before a dropped element is dropped with it.
    let mut pending = String::new();
    for (c, n, text) in runs(picture, "hHmst") {
        let dropped = match c {
            'm' => flags & TIME_NOMINUTESORSECONDS != 0,
            's' => flags & (TIME_NOMINUTESORSECONDS | TIME_NOSECONDS) != 0,
            't' => flags & TIME_NOTIMEMARKER != 0,
            _ => false,
        };
        if c == '\0' {
            pending.push_str(&text);
            continue;
        }
        if dropped {
            pending.clear();
            continue;
        }
        out.push_str(&pending);
        pending.clear();
        let h12 = if hour % 12 == 0 { 12 } else { hour % 12 };
        let force24 = flags & TIME_FORCE24HOURFORMAT != 0;
        match (c, n) {
            ('h', 1) if !force24 => out.push_str(&h12.to_string()),
            ('h', _) if !force24 => out.push_str(&format!("{h12:02}")),
            ('h' | 'H', 1) => out.push_str(&hour.to_string()),
            ('h' | 'H', _) => out.push_str(&format!("{hour:02}")),
            ('m', 1) => out.push_str(&minute.to_string()),
            ('m', _) => out.push_str(&format!("{minute:02}")),
            ('s', 1) => out.push_str(&second.to_string()),
            ('s', _) => out.push_str(&format!("{second:02}")),
            ('t', 1) => out.push(if hour < 12 { 'A' } else { 'P' }),
            _ => out.push_str(if hour < 12 { "AM" } else { "PM" }),
        }
    }
    out.push_str(&pending);
    out.trim_end().to_string()
}

/// The time to format: the caller's, or the current local time.
fn time_arg(st: u64) -> Result<SystemTime, u32> {
    if st == 0 {
        let mut t = [0u16; 8];
        crate::timezone::GetLocalTime(&mut t as *mut SystemTime as u64);
        return Ok(t);
    }
    user::read::<SystemTime>(st).map_err(|_| ERROR_NOACCESS)
}

fn valid_locale(lcid: u32) -> bool {
    matches!(lcid, 0 | 0x409 | 0x400 | 0x800 | LOCALE_INVARIANT)
}

/// Copies the result Win32-style: cch 0 asks for the size (with the NUL).
fn copy_result(text: &str, out: u64, cch: i32, ansi: bool) -> Result<i32, u32> {
    let mut bytes: Vec<u8>;
    let count;
    if ansi {
        bytes = crate::nls::wide_to_ansi(&text.encode_utf16().collect::<Vec<_>>());
        bytes.push(0);
        count = bytes.len();
    } else {
        let units: Vec<u16> = text.encode_utf16().chain([0]).collect();
        count = units.len();
        bytes = units.iter().flat_map(|u| u.to_le_bytes()).collect();
    }
    if cch < 0 {
        return Err(ERROR_INVALID_PARAMETER);
    }
    if cch == 0 {
        return Ok(count as i32);
    }
    if (cch as usize) < count {
        return Err(ERROR_INSUFFICIENT_BUFFER);
    }
    user::write_from(out, &bytes).map_err(|_| ERROR_NOACCESS)?;
    Ok(count as i32)
}

fn picture(p: u64, ansi: bool) -> Result<Option<Vec<u16>>, u32> {
    if p == 0 {
        return Ok(None);
    }
    let width = if ansi { Width::Ansi } else { Width::Wide };
    guest_string(p, width).map(Some)
}

fn date_format(
    lcid: u32,
    flags: u32,
    st: u64,
    fmt: u64,
    out: u64,
    cch: i32,
    ansi: bool,
) -> Result<i32, u32> {
    if !valid_locale(lcid) {
        return Err(ERROR_INVALID_PARAMETER);
    }
    let kind = flags & !(LOCALE_NOUSEROVERRIDE | LOCALE_USE_CP_ACP);
    if kind & !(DATE_SHORTDATE | DATE_LONGDATE | DATE_YEARMONTH) != 0 || kind.count_ones() > 1 {
        return Err(ERROR_INVALID_FLAGS);
    }
    let picture = picture(fmt, ansi)?;
    if picture.is_some() && kind != 0 {
        return Err(ERROR_INVALID_FLAGS);
    }
    let mut t = time_arg(st)?;
    // The date must be valid; the weekday is computed, not trusted.
    let date = [t[0], t[1], 0, t[3], 0, 0, 0, 0];
    let ticks = from_system_time(&date).ok_or(ERROR_INVALID_PARAMETER)?;
    t[2] = to_system_time(ticks)[2];
    let invariant = lcid == LOCALE_INVARIANT;
    let default = match (kind, invariant) {
        (DATE_LONGDATE, false) => "dddd, MMMM d, yyyy",
        (DATE_LONGDATE, true) => "dddd, dd MMMM yyyy",
        (DATE_YEARMONTH, false) => "MMMM yyyy",
        (DATE_YEARMONTH, true) => "yyyy MMMM",
        (_, false) => "M/d/yyyy",
        (_, true) => "MM/dd/yyyy",
    };
    let picture = picture.unwrap_or_else(|| default.encode_utf16().collect());
    copy_result(&format_date(&t, &picture), out, cch, ansi)
}

fn time_format(
    lcid: u32,
    flags: u32,
    st: u64,
    fmt: u64,
    out: u64,
    cch: i32,
    ansi: bool,
) -> Result<i32, u32> {
    if !valid_locale(lcid) {
        return Err(ERROR_INVALID_PARAMETER);
    }
    let kind = flags & !(LOCALE_NOUSEROVERRIDE | LOCALE_USE_CP_ACP);
    if kind
        & !(TIME_NOMINUTESORSECONDS | TIME_NOSECONDS | TIME_NOTIMEMARKER | TIME_FORCE24HOURFORMAT)
        != 0
    {
        return Err(ERROR_INVALID_FLAGS);
    }
    let picture = picture(fmt, ansi)?;
    let t = time_arg(st)?;
    if t[4] > 23 || t[5] > 59 || t[6] > 59 || t[7] > 999 {
        return Err(ERROR_INVALID_PARAMETER);
    }
    let default = if lcid == LOCALE_INVARIANT {
        "HH:mm:ss"
    } else {
        "h:mm:ss tt"
    };
    let picture = picture.unwrap_or_else(|| default.encode_utf16().collect());
    copy_result(&format_time(&t, &picture, kind), out, cch, ansi)
}

fn finish(r: Result<i32, u32>) -> i32 {
    r.unwrap_or_else(|code| {
        set_error(code);
        0
    })
}

/// Implements GetDateFormatW(Locale, dwFlags, lpDate, lpFormat, lpDateStr,
/// cchDate).
pub extern "win64" fn GetDateFormatW(
    lcid: u32,
    flags: u32,
    st: u64,
    fmt: u64,
    out: u64,
    cch: i32,
) -> i32 {
    finish(date_format(lcid, flags, st, fmt, out, cch, false))
}

/// Implements GetDateFormatA.
pub extern "win64" fn GetDateFormatA(
    lcid: u32,
    flags: u32,
    st: u64,
    fmt: u64,
    out: u64,
    cch: i32,
) -> i32 {
    finish(date_format(lcid, flags, st, fmt, out, cch, true))
}

/// Implements GetTimeFormatW(Locale, dwFlags, lpTime, lpFormat, lpTimeStr,
/// cchTime).
pub extern "win64" fn GetTimeFormatW(
    lcid: u32,
    flags: u32,
    st: u64,
    fmt: u64,
    out: u64,
    cch: i32,
) -> i32 {
    finish(time_format(lcid, flags, st, fmt, out, cch, false))
}

/// Implements GetTimeFormatA.
pub extern "win64" fn GetTimeFormatA(
    lcid: u32,
    flags: u32,
    st: u64,
    fmt: u64,
    out: u64,
    cch: i32,
) -> i32 {
    finish(time_format(lcid, flags, st, fmt, out, cch, true))
}
