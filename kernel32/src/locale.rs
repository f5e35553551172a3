//! Locale and string classification for the "English (United States)"
//! locale casement reports: GetStringType, LCMapString, CompareString,
//! locale ids and names, GetLocaleInfo for the values C runtimes read.

use crate::error::*;

pub const LOCALE_EN_US: u32 = 0x0409;
const LOCALE_USER_DEFAULT: u32 = 0x0400;
const LOCALE_SYSTEM_DEFAULT: u32 = 0x0800;
const LOCALE_INVARIANT: u32 = 0x007F;

fn known_locale(lcid: u32) -> bool {
    matches!(
        lcid,
        LOCALE_EN_US | LOCALE_USER_DEFAULT | LOCALE_SYSTEM_DEFAULT | LOCALE_INVARIANT | 0
    )
}

/// Locale names accepted where a name is taken (NULL means the user's).
fn known_name(name: *const u16) -> bool {
    if name.is_null() {
        return true;
    }
    // SAFETY: a NUL-terminated wide string.
    let n = unsafe { wstr(name) }
        .map(|w| String::from_utf16_lossy(&w))
        .unwrap_or_default();
    n.is_empty() || n.eq_ignore_ascii_case("en-US") || n == "!x-sys-default-locale"
}

/// Implements AreFileApisANSI(): file functions use the ANSI code page.
pub extern "win64" fn AreFileApisANSI() -> i32 {
    1
}

/// Implements SetHandleCount(uNumber): obsolete; returns the number asked.
pub extern "win64" fn SetHandleCount(n: u32) -> u32 {
    n
}

/// Implements GetUserDefaultLCID / GetSystemDefaultLCID / GetThreadLocale.
pub extern "win64" fn GetUserDefaultLCID() -> u32 {
    LOCALE_EN_US
}

/// Implements GetUserDefaultLangID / GetSystemDefaultLangID.
pub extern "win64" fn GetUserDefaultLangID() -> u16 {
    LOCALE_EN_US as u16
}

/// Implements IsValidLocale(Locale, dwFlags).
pub extern "win64" fn IsValidLocale(lcid: u32, _flags: u32) -> i32 {
    known_locale(lcid) as i32
}

// CT_CTYPE1 classes (winnls.h).
const C1_UPPER: u16 = 0x0001;
const C1_LOWER: u16 = 0x0002;
const C1_DIGIT: u16 = 0x0004;
const C1_SPACE: u16 = 0x0008;
const C1_PUNCT: u16 = 0x0010;
const C1_CNTRL: u16 = 0x0020;
const C1_BLANK: u16 = 0x0040;
const C1_XDIGIT: u16 = 0x0080;
const C1_ALPHA: u16 = 0x0100;
const C1_DEFINED: u16 = 0x0200;

fn ctype1(u: u16) -> u16 {
    let Some(c) = char::from_u32(u as u32) else {
        return 0;
    };
    let mut t = C1_DEFINED;
    if c.is_uppercase() {
        t |= C1_UPPER;
    }
    if c.is_lowercase() {
        t |= C1_LOWER;
    }
    if c.is_ascii_digit() {
        t |= C1_DIGIT;
    }
    if c.is_whitespace() {
        t |= C1_SPACE;
    }
    if c == ' ' || c == '\t' || c == '\u{a0}' || c == '\u{3000}' {
        t |= C1_BLANK;
    }
    if c.is_control() {
        t |= C1_CNTRL;
    }
    if c.is_ascii_hexdigit() {
        t |= C1_XDIGIT;
    }
    if c.is_alphabetic() {
        t |= C1_ALPHA;
    }
    if !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control() {
        t |= C1_PUNCT;
    }
    t
}

/// CT_CTYPE2 (bidirectional layout): left-to-right for letters, European
/// number for digits, whitespace and other neutrals.
fn ctype2(u: u16) -> u16 {
    let Some(c) = char::from_u32(u as u32) else {
        return 0;
    };
    if c.is_alphabetic() {
        1 // C2_LEFTTORIGHT
    } else if c.is_ascii_digit() {
        3 // C2_EUROPENUMBER
    } else if c.is_whitespace() {
        10 // C2_WHITESPACE
    } else {
        11 // C2_OTHERNEUTRAL
    }
}

/// Implements GetStringTypeW(dwInfoType, lpSrcStr, cchSrc, lpCharType).
pub extern "win64" fn GetStringTypeW(kind: u32, src: *const u16, len: i32, out: *mut u16) -> i32 {
    if src.is_null() || out.is_null() || len == 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    // SAFETY: `len` units, or NUL-terminated for -1 (the NUL included).
    let units = unsafe { counted_with_nul(src, len) };
    let f: fn(u16) -> u16 = match kind {
        1 => ctype1,
        2 => ctype2,
        4 => |_| 0, // CT_CTYPE3: no diacritic/kana/width distinctions reported
        _ => {
            set_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
    };
    for (i, &u) in units.iter().enumerate() {
        // SAFETY: the caller's array holds one WORD per character.
        unsafe { *out.add(i) = f(u) };
    }
    1
}

/// Implements GetStringTypeExW(Locale, dwInfoType, lpSrcStr, cchSrc,
/// lpCharType).
pub extern "win64" fn GetStringTypeExW(
    _lcid: u32,
    kind: u32,
    src: *const u16,
    len: i32,
    out: *mut u16,
) -> i32 {
    GetStringTypeW(kind, src, len, out)
}

/// Implements GetStringTypeA(Locale, dwInfoType, lpSrcStr, cchSrc,
/// lpCharType): the ANSI text classified through its Unicode form.
pub extern "win64" fn GetStringTypeA(
    _lcid: u32,
    kind: u32,
    src: *const u8,
    len: i32,
    out: *mut u16,
) -> i32 {
    if src.is_null() || out.is_null() || len == 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    // SAFETY: `len` bytes, or NUL-terminated for -1.
    let bytes = unsafe { counted_with_nul(src, len) };
    let wide: Vec<u16> = bytes
        .iter()
        .map(|&b| crate::nls::ansi_to_wide(&[b]).first().copied().unwrap_or(0))
        .collect();
    GetStringTypeW(kind, wide.as_ptr(), wide.len() as i32, out)
}

const LCMAP_LOWERCASE: u32 = 0x0000_0100;
const LCMAP_UPPERCASE: u32 = 0x0000_0200;
const LCMAP_LINGUISTIC_CASING: u32 = 0x0100_0000;

/// Upper- or lower-cases UTF-16 units one for one (as LCMapString and
/// user32's Char* functions do: lengths never change).
pub fn map_case(units: &[u16], upper: bool) -> Vec<u16> {
    units
        .iter()
        .map(|&u| {
            let Some(c) = char::from_u32(u as u32) else {
                return u;
            };
            // One-to-one mappings only, as LCMapString keeps lengths.
            let one = |m: &mut dyn Iterator<Item = char>| match (m.next(), m.next()) {
                (Some(x), None) if (x as u32) < 0x10000 => x as u16,
                _ => u,
            };
            if upper {
                one(&mut c.to_uppercase())
            } else {
                one(&mut c.to_lowercase())
            }
        })
        .collect()
}

/// Implements LCMapStringEx(lpLocaleName, dwMapFlags, lpSrcStr, cchSrc,
/// lpDestStr, cchDest, ...): case mapping; sort keys and the other
/// transforms are not supported yet and fail with ERROR_INVALID_FLAGS.
pub extern "win64" fn LCMapStringEx(
    locale: *const u16,
    flags: u32,
    src: *const u16,
    len: i32,
    dst: *mut u16,
    size: i32,
    _vi: u64,
    _r: u64,
    _h: u64,
) -> i32 {
    if !known_name(locale) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if src.is_null() || len == 0 || size < 0 || (size > 0 && dst.is_null()) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let case = flags & !LCMAP_LINGUISTIC_CASING;
    let upper = match case {
        LCMAP_LOWERCASE => false,
        LCMAP_UPPERCASE => true,
        _ => {
            log::warn!("unimplemented: LCMapString flags {flags:#x}");
            set_error(1004); // ERROR_INVALID_FLAGS
            return 0;
        }
    };
    // SAFETY: `len` units, or NUL-terminated for -1 (the NUL included).
    let units = unsafe { counted_with_nul(src, len) };
    let mapped = map_case(units, upper);
    // SAFETY: the caller's buffer holds `size` units.
    unsafe { copy_counted(&mapped, dst, size) }
}

/// Implements LCMapStringW(Locale, dwMapFlags, lpSrcStr, cchSrc, lpDestStr,
/// cchDest).
pub extern "win64" fn LCMapStringW(
    lcid: u32,
    flags: u32,
    src: *const u16,
    len: i32,
    dst: *mut u16,
    size: i32,
) -> i32 {
    if !known_locale(lcid) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    LCMapStringEx(core::ptr::null(), flags, src, len, dst, size, 0, 0, 0)
}

const CSTR_LESS_THAN: i32 = 1;
const CSTR_EQUAL: i32 = 2;
const CSTR_GREATER_THAN: i32 = 3;
const NORM_IGNORECASE: u32 = 0x0000_0001;
const LINGUISTIC_IGNORECASE: u32 = 0x0000_0010;

fn compare(a: &[u16], b: &[u16], ignore_case: bool) -> i32 {
    let key = |s: &[u16]| {
        if ignore_case {
            map_case(s, true)
        } else {
            s.to_vec()
        }
    };
    match key(a).cmp(&key(b)) {
        std::cmp::Ordering::Less => CSTR_LESS_THAN,
        std::cmp::Ordering::Equal => CSTR_EQUAL,
        std::cmp::Ordering::Greater => CSTR_GREATER_THAN,
    }
}

/// A counted or NUL-terminated (-1) wide string.
///
/// # Safety
/// As the Win32 string parameters it stands for.
unsafe fn counted<'a>(p: *const u16, len: i32) -> &'a [u16] {
    let n = if len < 0 {
        (0..).take_while(|&i| *p.add(i) != 0).count()
    } else {
        len as usize
    };
    core::slice::from_raw_parts(p, n)
}

/// Implements CompareStringOrdinal(lpString1, cchCount1, lpString2,
/// cchCount2, bIgnoreCase).
pub extern "win64" fn CompareStringOrdinal(
    a: *const u16,
    la: i32,
    b: *const u16,
    lb: i32,
    ignore_case: i32,
) -> i32 {
    if a.is_null() || b.is_null() {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    // SAFETY: counted or NUL-terminated strings from the caller.
    unsafe { compare(counted(a, la), counted(b, lb), ignore_case != 0) }
}

/// Implements CompareStringEx(lpLocaleName, dwCmpFlags, ...): code-point
/// order (case-folded with NORM_IGNORECASE), not a linguistic sort.
pub extern "win64" fn CompareStringEx(
    locale: *const u16,
    flags: u32,
    a: *const u16,
    la: i32,
    b: *const u16,
    lb: i32,
    _v: u64,
    _r: u64,
    _p: u64,
) -> i32 {
    if !known_name(locale) || a.is_null() || b.is_null() {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    // SAFETY: counted or NUL-terminated strings from the caller.
    unsafe {
        compare(
            counted(a, la),
            counted(b, lb),
            flags & (NORM_IGNORECASE | LINGUISTIC_IGNORECASE) != 0,
        )
    }
}

/// Implements CompareStringW(Locale, dwCmpFlags, ...).
pub extern "win64" fn CompareStringW(
    lcid: u32,
    flags: u32,
    a: *const u16,
    la: i32,
    b: *const u16,
    lb: i32,
) -> i32 {
    if !known_locale(lcid) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    CompareStringEx(core::ptr::null(), flags, a, la, b, lb, 0, 0, 0)
}

/// Implements GetUserDefaultLocaleName(lpLocaleName, cchLocaleName).
pub extern "win64" fn GetUserDefaultLocaleName(buf: *mut u16, size: i32) -> i32 {
    let name: Vec<u16> = "en-US".encode_utf16().collect();
    if size <= name.len() as i32 || buf.is_null() {
        set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    // SAFETY: the caller's buffer holds `size` units.
    unsafe {
        core::ptr::copy_nonoverlapping(name.as_ptr(), buf, name.len());
        *buf.add(name.len()) = 0;
    }
    name.len() as i32 + 1
}

/// Implements LocaleNameToLCID(lpName, dwFlags).
pub extern "win64" fn LocaleNameToLCID(name: *const u16, _flags: u32) -> u32 {
    if known_name(name) {
        LOCALE_EN_US
    } else {
        set_error(ERROR_INVALID_PARAMETER);
        0
    }
}

/// The LCTYPE values C runtimes read, for en-US.
fn locale_info(lctype: u32) -> Option<&'static str> {
    Some(match lctype & 0x0FFF_FFFF {
        0x0001 => "0409",                    // LOCALE_ILANGUAGE
        0x0002 => "English (United States)", // LOCALE_SLANGUAGE
        0x0003 => "ENU",                     // LOCALE_SABBREVLANGNAME
        0x0007 => "en",                      // LOCALE_SISO639LANGNAME (0x59 too)
        0x000C => ",",                       // LOCALE_SLIST
        0x000E => ".",                       // LOCALE_SDECIMAL
        0x000F => ",",                       // LOCALE_STHOUSAND
        0x0010 => "3;0",                     // LOCALE_SGROUPING
        0x0014 => "$",                       // LOCALE_SCURRENCY
        0x0015 => "USD",                     // LOCALE_SINTLSYMBOL
        0x0016 => ".",                       // LOCALE_SMONDECIMALSEP
        0x0017 => ",",                       // LOCALE_SMONTHOUSANDSEP
        0x0018 => "3;0",                     // LOCALE_SMONGROUPING
        0x001D => "/",                       // LOCALE_SDATE
        0x001E => ":",                       // LOCALE_STIME
        0x0050 => "",                        // LOCALE_SPOSITIVESIGN
        0x0051 => "-",                       // LOCALE_SNEGATIVESIGN
        0x0059 => "en",                      // LOCALE_SISO639LANGNAME
        0x005A => "US",                      // LOCALE_SISO3166CTRYNAME
        0x005C => "en-US",                   // LOCALE_SNAME
        0x0B => "437",                       // LOCALE_IDEFAULTCODEPAGE
        0x1004 => "1252",                    // LOCALE_IDEFAULTANSICODEPAGE
        0x1011 => "2",                       // LOCALE_IDEFAULTEBCDICCODEPAGE? (unused)
        _ => return None,
    })
}

/// Implements GetLocaleInfoEx(lpLocaleName, LCType, lpLCData, cchData).
pub extern "win64" fn GetLocaleInfoEx(
    locale: *const u16,
    lctype: u32,
    buf: *mut u16,
    size: i32,
) -> i32 {
    if !known_name(locale) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    const LOCALE_RETURN_NUMBER: u32 = 0x2000_0000;
    if lctype & LOCALE_RETURN_NUMBER != 0 {
        let Some(v) = locale_info(lctype).and_then(|s| s.parse::<u32>().ok()) else {
            set_error(1004); // ERROR_INVALID_FLAGS
            return 0;
        };
        if size < 2 {
            set_error(ERROR_INSUFFICIENT_BUFFER);
            return if size == 0 { 2 } else { 0 };
        }
        // SAFETY: room for a DWORD (two WCHARs).
        unsafe { core::ptr::write_unaligned(buf as *mut u32, v) };
        return 2;
    }
    let Some(text) = locale_info(lctype) else {
        log::warn!("unimplemented: GetLocaleInfo LCTYPE {lctype:#x}");
        set_error(1004); // ERROR_INVALID_FLAGS
        return 0;
    };
    let units: Vec<u16> = text.encode_utf16().collect();
    if size == 0 {
        return units.len() as i32 + 1;
    }
    if size <= units.len() as i32 || buf.is_null() {
        set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    // SAFETY: the caller's buffer holds `size` units.
    unsafe {
        core::ptr::copy_nonoverlapping(units.as_ptr(), buf, units.len());
        *buf.add(units.len()) = 0;
    }
    units.len() as i32 + 1
}

/// Implements GetLocaleInfoW(Locale, LCType, lpLCData, cchData).
pub extern "win64" fn GetLocaleInfoW(lcid: u32, lctype: u32, buf: *mut u16, size: i32) -> i32 {
    if !known_locale(lcid) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    GetLocaleInfoEx(core::ptr::null(), lctype, buf, size)
}
