//! The wide forms of the string-to-number functions (wcstol, _wtoi,
//! wcstod...): the text is mapped unit for unit onto narrow text the
//! narrow parsers read (they accept only ASCII digits, signs, letters and
//! blanks), so the end pointer maps back by index.

use crate::string;

/// Narrow text with one byte per wide unit: ASCII as itself, a Unicode
/// blank (iswspace) as ' ', anything else as a byte no parser accepts.
fn narrow(s: *const u16) -> Vec<u8> {
    let mut out = Vec::new();
    if s.is_null() {
        out.push(0);
        return out;
    }
    let mut i = 0;
    loop {
        // SAFETY: a NUL-terminated wide string from the caller.
        let c = unsafe { *s.add(i) };
        if c == 0 {
            break;
        }
        out.push(match c {
            0x01..=0x7f => c as u8,
            0xa0 | 0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000 => b' ',
            _ => 0x7f,
        });
        i += 1;
    }
    out.push(0);
    out
}

/// Runs a narrow parser and maps its end pointer back onto the wide text.
fn with_end<R>(s: *const u16, end: *mut u64, parse: impl FnOnce(*const u8, *mut u64) -> R) -> R {
    let text = narrow(s);
    let mut narrow_end = 0u64;
    // A NULL string reads as an empty one (no conversion, end = string).
    let r = parse(text.as_ptr(), &mut narrow_end);
    if !end.is_null() {
        let idx = narrow_end.saturating_sub(text.as_ptr() as u64);
        // SAFETY: the caller's end-pointer slot.
        unsafe { *end = s as u64 + 2 * idx };
    }
    r
}

/// Implements wcstol(string, end, base).
pub extern "win64" fn wcstol(s: *const u16, end: *mut u64, base: i32) -> i32 {
    with_end(s, end, |p, e| string::strtol(p, e, base))
}

/// Implements wcstoul(string, end, base).
pub extern "win64" fn wcstoul(s: *const u16, end: *mut u64, base: i32) -> u32 {
    with_end(s, end, |p, e| string::strtoul(p, e, base))
}

/// Implements _wcstoi64(string, end, base) (and wcstoll).
pub extern "win64" fn _wcstoi64(s: *const u16, end: *mut u64, base: i32) -> i64 {
    with_end(s, end, |p, e| string::_strtoi64(p, e, base))
}

/// Implements _wcstoui64(string, end, base) (and wcstoull).
pub extern "win64" fn _wcstoui64(s: *const u16, end: *mut u64, base: i32) -> u64 {
    with_end(s, end, |p, e| string::_strtoui64(p, e, base))
}

/// Implements wcstod(string, end).
pub extern "win64" fn wcstod(s: *const u16, end: *mut u64) -> f64 {
    with_end(s, end, |p, e| string::strtod(p, e))
}

/// Implements _wtoi(string) (and _wtol).
pub extern "win64" fn _wtoi(s: *const u16) -> i32 {
    string::atoi(narrow(s).as_ptr())
}

/// Implements _wtoi64(string) (and _wtoll).
pub extern "win64" fn _wtoi64(s: *const u16) -> i64 {
    string::_atoi64(narrow(s).as_ptr())
}

/// Implements _wtof(string).
pub extern "win64" fn _wtof(s: *const u16) -> f64 {
    string::atof(narrow(s).as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().chain([0]).collect()
    }

    #[test]
    fn end_pointer_maps_back() {
        let s = w("\u{3000} -42\u{e9}x");
        let mut end = 0u64;
        assert_eq!(wcstol(s.as_ptr(), &mut end, 10), -42);
        // Past the ideographic space, the blank, '-', '4' and '2'.
        assert_eq!((end - s.as_ptr() as u64) / 2, 5);
        let s = w("0x1fz");
        assert_eq!(wcstoul(s.as_ptr(), &mut end, 16), 0x1f);
        assert_eq!((end - s.as_ptr() as u64) / 2, 4);
    }
}
