//! Code pages: GetACP/GetOEMCP, MultiByteToWideChar, WideCharToMultiByte.
//! The ANSI code page is 1252 and the OEM code page 437, as on a US-English
//! Windows; UTF-8 (65001) is supported everywhere, and the table-driven
//! pages of `codepages` (850, 932, 936, 949, 950) too. There are no
//! best-fit tables: characters a page cannot hold always become the
//! default character, as with WC_NO_BEST_FIT_CHARS.

use crate::error::*;

pub const CP_ACP: u32 = 0;
pub const CP_OEMCP: u32 = 1;
pub const CP_THREAD_ACP: u32 = 3;
pub const CP_UTF8: u32 = 65001;
const MB_PRECOMPOSED: u32 = 0x1;
const MB_COMPOSITE: u32 = 0x2;
const MB_USEGLYPHCHARS: u32 = 0x4;
const MB_ERR_INVALID_CHARS: u32 = 0x8;
const WC_COMPOSITECHECK: u32 = 0x200;
const WC_DISCARDNS: u32 = 0x10;
const WC_SEPCHARS: u32 = 0x20;
const WC_DEFAULTCHAR: u32 = 0x40;
const WC_ERR_INVALID_CHARS: u32 = 0x80;
const WC_NO_BEST_FIT_CHARS: u32 = 0x400;
const ERROR_INVALID_FLAGS: u32 = 1004;

pub const ANSI_CODE_PAGE: u32 = 1252;
pub const OEM_CODE_PAGE: u32 = 437;

/// Windows-1252's 0x80..0x9F (the rest is Latin-1); undefined bytes map to
/// the same-valued control characters, as Windows does.
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
];

/// Code page 437's 0x80..0xFF.
const CP437_HIGH: [u16; 128] = [
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557,
    0x255D, 0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559,
    0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4,
    0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
];

fn resolve(cp: u32) -> u32 {
    match cp {
        CP_ACP | CP_THREAD_ACP => ANSI_CODE_PAGE,
        CP_OEMCP => OEM_CODE_PAGE,
        c => c,
    }
}

/// Decodes bytes in a single-byte code page.
fn sbcs_table(cp: u32) -> Option<fn(u8) -> u16> {
    match cp {
        1252 => Some(|b| {
            if (0x80..0xA0).contains(&b) {
                CP1252_HIGH[(b - 0x80) as usize]
            } else {
                b as u16
            }
        }),
        437 => Some(|b| {
            if b >= 0x80 {
                CP437_HIGH[(b - 0x80) as usize]
            } else {
                b as u16
            }
        }),
        28591 => Some(|b| b as u16),
        20127 => Some(|b| if b < 0x80 { b as u16 } else { b'?' as u16 }),
        _ => None,
    }
}

/// Converts ANSI (code page 1252) text to UTF-16.
pub fn ansi_to_wide(bytes: &[u8]) -> Vec<u16> {
    decode(ANSI_CODE_PAGE, bytes, false).unwrap_or_default()
}

/// Converts UTF-16 to ANSI, with '?' for unmappable characters.
pub fn wide_to_ansi(units: &[u16]) -> Vec<u8> {
    encode(ANSI_CODE_PAGE, units, b'?', false).0
}

/// Converts text in code page `cp` to UTF-16 (undecodable bytes as
/// MultiByteToWideChar without MB_ERR_INVALID_CHARS gives them).
pub fn to_wide(cp: u32, bytes: &[u8]) -> Vec<u16> {
    decode(cp, bytes, false).unwrap_or_else(|| ansi_to_wide(bytes))
}

/// Converts UTF-16 to code page `cp`, with '?' for what it cannot hold.
pub fn from_wide(cp: u32, units: &[u16]) -> Vec<u8> {
    encode(cp, units, b'?', false).0
}

fn decode(cp: u32, bytes: &[u8], strict: bool) -> Option<Vec<u16>> {
    match resolve(cp) {
        CP_UTF8 => {
            let mut out = Vec::with_capacity(bytes.len());
            let mut rest = bytes;
            loop {
                match std::str::from_utf8(rest) {
                    Ok(s) => {
                        out.extend(s.encode_utf16());
                        return Some(out);
                    }
                    Err(e) => {
                        let (good, bad) = rest.split_at(e.valid_up_to());
                        out.extend(std::str::from_utf8(good).unwrap_or("").encode_utf16());
                        if strict {
                            return None;
                        }
                        // Each invalid sequence becomes U+FFFD.
                        out.push(0xFFFD);
                        rest = &bad[e.error_len().unwrap_or(bad.len()).max(1).min(bad.len())..];
                        if rest.is_empty() {
                            return Some(out);
                        }
                    }
                }
            }
        }
        c => match sbcs_table(c) {
            Some(f) => Some(bytes.iter().map(|&b| f(b)).collect()),
            None => crate::codepages::table(c)?.decode(bytes, strict),
        },
    }
}

/// Returns the encoded bytes and whether a default character was used.
fn encode(cp: u32, units: &[u16], default: u8, no_best_fit: bool) -> (Vec<u8>, bool) {
    let _ = no_best_fit;
    match resolve(cp) {
        CP_UTF8 => (
            char::decode_utf16(units.iter().copied())
                .map(|r| r.unwrap_or('\u{FFFD}'))
                .collect::<String>()
                .into_bytes(),
            false,
        ),
        c => {
            let Some(f) = sbcs_table(c) else {
                return match crate::codepages::table(c) {
                    Some(t) => t.encode(units, &[default]),
                    None => (Vec::new(), false),
                };
            };
            let mut used = false;
            let out = units
                .iter()
                .map(|&u| {
                    // Every supported single-byte page is ASCII below 0x80.
                    if u < 0x80 {
                        return u as u8;
                    }
                    match (0x80..=255u8).find(|&b| f(b) == u) {
                        Some(b) => b,
                        None => {
                            used = true;
                            default
                        }
                    }
                })
                .collect();
            (out, used)
        }
    }
}

fn supported(cp: u32) -> bool {
    let c = resolve(cp);
    c == CP_UTF8 || sbcs_table(c).is_some() || crate::codepages::table(c).is_some()
}

/// Implements GetACP().
pub extern "win64" fn GetACP() -> u32 {
    ANSI_CODE_PAGE
}

/// Implements GetOEMCP().
pub extern "win64" fn GetOEMCP() -> u32 {
    OEM_CODE_PAGE
}

/// Implements IsValidCodePage(CodePage).
pub extern "win64" fn IsValidCodePage(cp: u32) -> i32 {
    (cp != CP_ACP && cp != CP_OEMCP && supported(cp)) as i32
}

/// Implements IsDBCSLeadByteEx(CodePage, TestChar).
pub extern "win64" fn IsDBCSLeadByteEx(cp: u32, c: u8) -> i32 {
    if !supported(cp) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    crate::codepages::table(resolve(cp)).is_some_and(|t| t.is_lead_byte(c)) as i32
}

/// Implements IsDBCSLeadByte(TestChar): in the ANSI code page.
pub extern "win64" fn IsDBCSLeadByte(c: u8) -> i32 {
    IsDBCSLeadByteEx(CP_ACP, c)
}

/// Implements GetCPInfo(CodePage, lpCPInfo).
pub extern "win64" fn GetCPInfo(cp: u32, info: *mut u8) -> i32 {
    if !supported(cp) || info.is_null() {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    // CPINFO: MaxCharSize, DefaultChar[2], LeadByte[12] (pairs of range
    // ends, ending with a 0,0 pair).
    let mut cpinfo = [0u8; 20];
    let table = crate::codepages::table(resolve(cp)).filter(|t| t.is_double_byte());
    let max: u32 = match (resolve(cp), table) {
        (CP_UTF8, _) => 4,
        (_, Some(_)) => 2,
        _ => 1,
    };
    cpinfo[..4].copy_from_slice(&max.to_le_bytes());
    cpinfo[4] = b'?';
    if let Some(t) = table {
        for (i, (start, end)) in t.lead_ranges().into_iter().take(5).enumerate() {
            cpinfo[6 + 2 * i] = start;
            cpinfo[7 + 2 * i] = end;
        }
    }
    match syscalls::user::write(info as u64, &cpinfo) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements MultiByteToWideChar(CodePage, Flags, lpMultiByteStr, cbMultiByte,
/// lpWideCharStr, cchWideChar).
pub extern "win64" fn MultiByteToWideChar(
    cp: u32,
    flags: u32,
    src: *const u8,
    len: i32,
    dst: *mut u16,
    size: i32,
) -> i32 {
    if src.is_null() || len == 0 || size < 0 || (size > 0 && dst.is_null()) || !supported(cp) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    // UTF-8 takes MB_ERR_INVALID_CHARS only; the other pages the MB_ flags.
    let valid = if resolve(cp) == CP_UTF8 {
        MB_ERR_INVALID_CHARS
    } else {
        MB_PRECOMPOSED | MB_COMPOSITE | MB_USEGLYPHCHARS | MB_ERR_INVALID_CHARS
    };
    if flags & !valid != 0 || flags & MB_PRECOMPOSED != 0 && flags & MB_COMPOSITE != 0 {
        set_error(ERROR_INVALID_FLAGS);
        return 0;
    }
    // SAFETY: the caller passes `len` bytes, or a NUL-terminated string for -1.
    let bytes = unsafe { counted_with_nul(src, len) };
    let Some(units) = decode(cp, bytes, flags & MB_ERR_INVALID_CHARS != 0) else {
        set_error(ERROR_NO_UNICODE_TRANSLATION);
        return 0;
    };
    // SAFETY: the caller's buffer holds `size` units.
    unsafe { copy_counted(&units, dst, size) }
}

/// Implements WideCharToMultiByte(CodePage, Flags, lpWideCharStr,
/// cchWideChar, lpMultiByteStr, cbMultiByte, lpDefaultChar,
/// lpUsedDefaultChar).
pub extern "win64" fn WideCharToMultiByte(
    cp: u32,
    flags: u32,
    src: *const u16,
    len: i32,
    dst: *mut u8,
    size: i32,
    default: *const u8,
    used_default: *mut i32,
) -> i32 {
    if src.is_null() || len == 0 || size < 0 || (size > 0 && dst.is_null()) || !supported(cp) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if resolve(cp) == CP_UTF8 && (!default.is_null() || !used_default.is_null()) {
        // UTF-8 has no default character (documented).
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    // UTF-8 takes WC_ERR_INVALID_CHARS only; the other pages the WC_ flags.
    let valid = if resolve(cp) == CP_UTF8 {
        WC_ERR_INVALID_CHARS
    } else {
        WC_COMPOSITECHECK | WC_DISCARDNS | WC_SEPCHARS | WC_DEFAULTCHAR | WC_NO_BEST_FIT_CHARS
    };
    if flags & !valid != 0 {
        set_error(ERROR_INVALID_FLAGS);
        return 0;
    }
    // SAFETY: the caller passes `len` units, or a NUL-terminated string for -1.
    let units = unsafe { counted_with_nul(src, len) };
    // SAFETY: lpDefaultChar, when given, points at a character.
    let d = if default.is_null() {
        b'?'
    } else {
        unsafe { *default }
    };
    if flags & WC_ERR_INVALID_CHARS != 0
        && char::decode_utf16(units.iter().copied()).any(|r| r.is_err())
    {
        // A lone surrogate has no UTF-8 form.
        set_error(ERROR_NO_UNICODE_TRANSLATION);
        return 0;
    }
    let (bytes, used) = encode(cp, units, d, flags & WC_NO_BEST_FIT_CHARS != 0);
    if !used_default.is_null() {
        // SAFETY: the caller passes a BOOL to fill.
        unsafe { *used_default = used as i32 };
    }
    // SAFETY: the caller's buffer holds `size` bytes.
    unsafe { copy_counted(&bytes, dst, size) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1252_round_trip() {
        assert_eq!(ansi_to_wide(&[0x80, 0x41, 0xE9]), vec![0x20AC, 0x41, 0xE9]);
        assert_eq!(
            wide_to_ansi(&[0x20AC, 0x41, 0xE9, 0x4E2D]),
            vec![0x80, 0x41, 0xE9, b'?']
        );
    }

    #[test]
    fn utf8_invalid_sequences() {
        assert_eq!(
            decode(CP_UTF8, b"a\xFFb", false),
            Some(vec![0x61, 0xFFFD, 0x62])
        );
        assert_eq!(decode(CP_UTF8, b"a\xFFb", true), None);
    }

    #[test]
    fn cp437_box_drawing() {
        assert_eq!(
            decode(437, &[0xC4, 0xB3], false),
            Some(vec![0x2500, 0x2502])
        );
    }
}
