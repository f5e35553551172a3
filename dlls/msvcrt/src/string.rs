//! String, memory, character and conversion functions with msvcrt's
//! semantics ("C" locale): comparisons return -1/0/1, the ctype tables are
//! ASCII.

use crate::errno::{self, EINVAL, ERANGE};
use core::ffi::c_char;
use core::ptr;

type P = *const u8;
type M = *mut u8;

fn len(s: P) -> usize {
    // SAFETY: a NUL-terminated string from the caller.
    unsafe { libc::strlen(s as *const c_char) }
}

fn bytes<'a>(s: P) -> &'a [u8] {
    // SAFETY: a NUL-terminated string from the caller.
    unsafe { core::slice::from_raw_parts(s, len(s)) }
}

fn wlen(s: *const u16) -> usize {
    let mut n = 0;
    // SAFETY: a NUL-terminated wide string from the caller.
    unsafe {
        while *s.add(n) != 0 {
            n += 1;
        }
    }
    n
}

fn sign(o: core::cmp::Ordering) -> i32 {
    o as i32
}

pub extern "win64" fn strlen(s: P) -> u64 {
    len(s) as u64
}
pub extern "win64" fn strnlen(s: P, max: u64) -> u64 {
    // SAFETY: at most `max` bytes of the caller's string.
    unsafe { libc::strnlen(s as *const c_char, max as usize) as u64 }
}
pub extern "win64" fn wcslen(s: *const u16) -> u64 {
    wlen(s) as u64
}
pub extern "win64" fn strcmp(a: P, b: P) -> i32 {
    sign(bytes(a).cmp(bytes(b)))
}
pub extern "win64" fn strncmp(a: P, b: P, n: u64) -> i32 {
    let (a, b) = (bytes(a), bytes(b));
    let n = n as usize;
    sign(a[..a.len().min(n)].cmp(&b[..b.len().min(n)]))
}
fn lower(b: u8) -> u8 {
    b.to_ascii_lowercase()
}
pub extern "win64" fn _stricmp(a: P, b: P) -> i32 {
    sign(
        bytes(a)
            .iter()
            .map(|&c| lower(c))
            .cmp(bytes(b).iter().map(|&c| lower(c))),
    )
}
pub extern "win64" fn _strnicmp(a: P, b: P, n: u64) -> i32 {
    let n = n as usize;
    sign(
        bytes(a)
            .iter()
            .take(n)
            .map(|&c| lower(c))
            .cmp(bytes(b).iter().take(n).map(|&c| lower(c))),
    )
}
pub extern "win64" fn strcpy(d: M, s: P) -> M {
    // SAFETY: the caller's destination has room for the string and NUL.
    unsafe { ptr::copy(s, d, len(s) + 1) };
    d
}
pub extern "win64" fn strncpy(d: M, s: P, n: u64) -> M {
    let src = bytes(s);
    let n = n as usize;
    let k = src.len().min(n);
    // SAFETY: the destination holds n bytes; the rest is NUL-padded.
    unsafe {
        ptr::copy(s, d, k);
        ptr::write_bytes(d.add(k), 0, n - k);
    }
    d
}
pub extern "win64" fn strcat(d: M, s: P) -> M {
    let l = len(d);
    // SAFETY: the destination has room for both strings.
    unsafe { ptr::copy(s, d.add(l), len(s) + 1) };
    d
}
pub extern "win64" fn strncat(d: M, s: P, n: u64) -> M {
    let l = len(d);
    let k = len(s).min(n as usize);
    // SAFETY: the destination has room for the result and NUL.
    unsafe {
        ptr::copy(s, d.add(l), k);
        *d.add(l + k) = 0;
    }
    d
}
pub extern "win64" fn strchr(s: P, c: i32) -> u64 {
    let c = c as u8;
    let b = bytes(s);
    if c == 0 {
        return s as u64 + b.len() as u64;
    }
    b.iter()
        .position(|&x| x == c)
        .map_or(0, |i| s as u64 + i as u64)
}
pub extern "win64" fn strrchr(s: P, c: i32) -> u64 {
    let c = c as u8;
    let b = bytes(s);
    if c == 0 {
        return s as u64 + b.len() as u64;
    }
    b.iter()
        .rposition(|&x| x == c)
        .map_or(0, |i| s as u64 + i as u64)
}
pub extern "win64" fn strstr(h: P, n: P) -> u64 {
    let (hb, nb) = (bytes(h), bytes(n));
    if nb.is_empty() {
        return h as u64;
    }
    hb.windows(nb.len())
        .position(|w| w == nb)
        .map_or(0, |i| h as u64 + i as u64)
}
pub extern "win64" fn strspn(s: P, set: P) -> u64 {
    let set = bytes(set);
    bytes(s).iter().take_while(|c| set.contains(c)).count() as u64
}
pub extern "win64" fn strcspn(s: P, set: P) -> u64 {
    let set = bytes(set);
    bytes(s).iter().take_while(|c| !set.contains(c)).count() as u64
}
pub extern "win64" fn strpbrk(s: P, set: P) -> u64 {
    let set = bytes(set);
    bytes(s)
        .iter()
        .position(|c| set.contains(c))
        .map_or(0, |i| s as u64 + i as u64)
}

thread_local!(static STRTOK_NEXT: core::cell::Cell<u64> = const { core::cell::Cell::new(0) });

/// Implements strtok(str, delimiters) with per-thread state, as msvcrt.
pub extern "win64" fn strtok(s: M, delim: P) -> u64 {
    let start = if s.is_null() {
        STRTOK_NEXT.with(|c| c.get())
    } else {
        s as u64
    };
    if start == 0 {
        return 0;
    }
    let set = bytes(delim);
    let mut p = start as M;
    // SAFETY: walking the caller's NUL-terminated string.
    unsafe {
        while *p != 0 && set.contains(&*p) {
            p = p.add(1);
        }
        if *p == 0 {
            STRTOK_NEXT.with(|c| c.set(0));
            return 0;
        }
        let tok = p;
        while *p != 0 && !set.contains(&*p) {
            p = p.add(1);
        }
        if *p != 0 {
            *p = 0;
            STRTOK_NEXT.with(|c| c.set(p.add(1) as u64));
        } else {
            STRTOK_NEXT.with(|c| c.set(0));
        }
        tok as u64
    }
}
pub extern "win64" fn _strlwr(s: M) -> M {
    // SAFETY: the caller's NUL-terminated string, modified in place.
    unsafe { core::slice::from_raw_parts_mut(s, len(s)).make_ascii_lowercase() };
    s
}
pub extern "win64" fn _strupr(s: M) -> M {
    // SAFETY: as in _strlwr.
    unsafe { core::slice::from_raw_parts_mut(s, len(s)).make_ascii_uppercase() };
    s
}

pub extern "win64" fn memcpy(d: M, s: P, n: u64) -> M {
    // SAFETY: the caller passes n valid bytes at both; overlap is tolerated
    // (many programs rely on memcpy behaving like memmove).
    unsafe { ptr::copy(s, d, n as usize) };
    d
}
pub extern "win64" fn memmove(d: M, s: P, n: u64) -> M {
    // SAFETY: as in memcpy.
    unsafe { ptr::copy(s, d, n as usize) };
    d
}
pub extern "win64" fn memset(d: M, c: i32, n: u64) -> M {
    // SAFETY: the caller passes n writable bytes.
    unsafe { ptr::write_bytes(d, c as u8, n as usize) };
    d
}
pub extern "win64" fn memcmp(a: P, b: P, n: u64) -> i32 {
    // SAFETY: the caller passes n readable bytes at both.
    let (x, y) = unsafe {
        (
            core::slice::from_raw_parts(a, n as usize),
            core::slice::from_raw_parts(b, n as usize),
        )
    };
    sign(x.cmp(y))
}
pub extern "win64" fn memchr(s: P, c: i32, n: u64) -> u64 {
    // SAFETY: the caller passes n readable bytes.
    let x = unsafe { core::slice::from_raw_parts(s, n as usize) };
    x.iter()
        .position(|&b| b == c as u8)
        .map_or(0, |i| s as u64 + i as u64)
}

// --- Wide strings ----------------------------------------------------------

fn wide<'a>(s: *const u16) -> &'a [u16] {
    // SAFETY: a NUL-terminated wide string from the caller.
    unsafe { core::slice::from_raw_parts(s, wlen(s)) }
}
pub extern "win64" fn wcscmp(a: *const u16, b: *const u16) -> i32 {
    sign(wide(a).cmp(wide(b)))
}
pub extern "win64" fn wcsncmp(a: *const u16, b: *const u16, n: u64) -> i32 {
    let n = n as usize;
    let (a, b) = (wide(a), wide(b));
    sign(a[..a.len().min(n)].cmp(&b[..b.len().min(n)]))
}
fn wlower(u: u16) -> u16 {
    if (b'A' as u16..=b'Z' as u16).contains(&u) {
        u + 32
    } else {
        u
    }
}
pub extern "win64" fn _wcsicmp(a: *const u16, b: *const u16) -> i32 {
    sign(
        wide(a)
            .iter()
            .map(|&c| wlower(c))
            .cmp(wide(b).iter().map(|&c| wlower(c))),
    )
}
pub extern "win64" fn wcscpy(d: *mut u16, s: *const u16) -> *mut u16 {
    // SAFETY: the destination has room for the string and NUL.
    unsafe { ptr::copy(s, d, wlen(s) + 1) };
    d
}
pub extern "win64" fn wcsncpy(d: *mut u16, s: *const u16, n: u64) -> *mut u16 {
    let k = wlen(s).min(n as usize);
    // SAFETY: the destination holds n units.
    unsafe {
        ptr::copy(s, d, k);
        ptr::write_bytes(d.add(k), 0, n as usize - k);
    }
    d
}
pub extern "win64" fn wcscat(d: *mut u16, s: *const u16) -> *mut u16 {
    let l = wlen(d);
    // SAFETY: the destination has room for both.
    unsafe { ptr::copy(s, d.add(l), wlen(s) + 1) };
    d
}
pub extern "win64" fn wcschr(s: *const u16, c: u16) -> u64 {
    let w = wide(s);
    if c == 0 {
        return s as u64 + 2 * w.len() as u64;
    }
    w.iter()
        .position(|&x| x == c)
        .map_or(0, |i| s as u64 + 2 * i as u64)
}
pub extern "win64" fn wcsrchr(s: *const u16, c: u16) -> u64 {
    let w = wide(s);
    if c == 0 {
        return s as u64 + 2 * w.len() as u64;
    }
    w.iter()
        .rposition(|&x| x == c)
        .map_or(0, |i| s as u64 + 2 * i as u64)
}
pub extern "win64" fn wcsstr(h: *const u16, n: *const u16) -> u64 {
    let (hw, nw) = (wide(h), wide(n));
    if nw.is_empty() {
        return h as u64;
    }
    hw.windows(nw.len())
        .position(|w| w == nw)
        .map_or(0, |i| h as u64 + 2 * i as u64)
}

// --- Characters ("C" locale) ------------------------------------------------

macro_rules! ctype {
    ($($name:ident($c:ident) => $e:expr;)*) => {
        $(
            pub extern "win64" fn $name(c: i32) -> i32 {
                let $c = c;
                if !(0..=127).contains(&$c) { return 0; }
                let $c = $c as u8;
                ($e) as i32
            }
        )*
    };
}
ctype! {
    isalpha(c) => c.is_ascii_alphabetic() as i32 * 0x103;
    isdigit(c) => c.is_ascii_digit() as i32 * 0x4;
    isalnum(c) => c.is_ascii_alphanumeric() as i32 * 0x107;
    isspace(c) => (c == b' ' || (9..=13).contains(&c)) as i32 * 0x8;
    isupper(c) => c.is_ascii_uppercase() as i32 * 0x1;
    islower(c) => c.is_ascii_lowercase() as i32 * 0x2;
    isxdigit(c) => c.is_ascii_hexdigit() as i32 * 0x80;
    ispunct(c) => c.is_ascii_punctuation() as i32 * 0x10;
    isprint(c) => (c.is_ascii_graphic() || c == b' ') as i32 * 0x157;
    isgraph(c) => c.is_ascii_graphic() as i32 * 0x117;
    iscntrl(c) => c.is_ascii_control() as i32 * 0x20;
}
pub extern "win64" fn toupper(c: i32) -> i32 {
    if (b'a' as i32..=b'z' as i32).contains(&c) {
        c - 32
    } else {
        c
    }
}
pub extern "win64" fn tolower(c: i32) -> i32 {
    if (b'A' as i32..=b'Z' as i32).contains(&c) {
        c + 32
    } else {
        c
    }
}
pub extern "win64" fn towupper(c: u16) -> u16 {
    char::from_u32(c as u32)
        .and_then(|ch| ch.to_uppercase().next())
        .filter(|u| (*u as u32) < 0x10000)
        .map_or(c, |u| u as u16)
}
pub extern "win64" fn towlower(c: u16) -> u16 {
    char::from_u32(c as u32)
        .and_then(|ch| ch.to_lowercase().next())
        .filter(|u| (*u as u32) < 0x10000)
        .map_or(c, |u| u as u16)
}
pub extern "win64" fn iswspace(c: u16) -> i32 {
    char::from_u32(c as u32).is_some_and(|ch| ch.is_whitespace()) as i32 * 0x8
}
pub extern "win64" fn iswalpha(c: u16) -> i32 {
    char::from_u32(c as u32).is_some_and(|ch| ch.is_alphabetic()) as i32 * 0x103
}
pub extern "win64" fn iswdigit(c: u16) -> i32 {
    (b'0' as u16..=b'9' as u16).contains(&c) as i32 * 0x4
}

// --- Conversions ------------------------------------------------------------

/// Parses an integer prefix as strtol does: whitespace, sign, base prefix;
/// returns (value as u64 magnitude with wrap detection, negative, end index,
/// overflowed).
fn parse_int(s: &[u8], base: i32) -> Option<(u128, bool, usize)> {
    if base != 0 && !(2..=36).contains(&base) {
        return None;
    }
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || (9..=13).contains(&s[i])) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut base = base as u32;
    let hex_prefix = i + 1 < s.len() && s[i] == b'0' && (s[i + 1] | 0x20) == b'x';
    if (base == 0 || base == 16)
        && hex_prefix
        && s.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit())
    {
        base = 16;
        i += 2;
    } else if base == 0 {
        base = if i < s.len() && s[i] == b'0' { 8 } else { 10 };
    }
    let start = i;
    let mut v: u128 = 0;
    while i < s.len() {
        let Some(d) = (s[i] as char).to_digit(base) else {
            break;
        };
        v = (v * base as u128 + d as u128).min(u128::MAX / 64);
        i += 1;
    }
    if i == start {
        return Some((0, false, 0));
    }
    Some((v, neg, i))
}

fn set_end(end: *mut u64, base: P, idx: usize) {
    if !end.is_null() {
        // SAFETY: the caller passes storage for the end pointer.
        unsafe { *end = base as u64 + idx as u64 };
    }
}

fn strto_signed(s: P, end: *mut u64, base: i32, min: i128, max: i128) -> i128 {
    let Some((v, neg, idx)) = parse_int(bytes(s), base) else {
        errno::set(EINVAL);
        set_end(end, s, 0);
        return 0;
    };
    set_end(end, s, idx);
    let v = if neg { -(v as i128) } else { v as i128 };
    if v > max {
        errno::set(ERANGE);
        max
    } else if v < min {
        errno::set(ERANGE);
        min
    } else {
        v
    }
}

fn strto_unsigned(s: P, end: *mut u64, base: i32, max: u128) -> u128 {
    let Some((v, neg, idx)) = parse_int(bytes(s), base) else {
        errno::set(EINVAL);
        set_end(end, s, 0);
        return 0;
    };
    set_end(end, s, idx);
    if v > max {
        errno::set(ERANGE);
        return max;
    }
    // A negated unsigned value wraps, as the C standard says.
    if neg {
        (max + 1 - v) & max
    } else {
        v
    }
}

pub extern "win64" fn strtol(s: P, end: *mut u64, base: i32) -> i32 {
    strto_signed(s, end, base, i32::MIN as i128, i32::MAX as i128) as i32
}
pub extern "win64" fn strtoul(s: P, end: *mut u64, base: i32) -> u32 {
    strto_unsigned(s, end, base, u32::MAX as u128) as u32
}
pub extern "win64" fn _strtoi64(s: P, end: *mut u64, base: i32) -> i64 {
    strto_signed(s, end, base, i64::MIN as i128, i64::MAX as i128) as i64
}
pub extern "win64" fn _strtoui64(s: P, end: *mut u64, base: i32) -> u64 {
    strto_unsigned(s, end, base, u64::MAX as u128) as u64
}
pub extern "win64" fn atoi(s: P) -> i32 {
    parse_int(bytes(s), 10).map_or(0, |(v, neg, _)| {
        if neg {
            (v as i128).wrapping_neg() as i32
        } else {
            v as i32
        }
    })
}
pub extern "win64" fn atol(s: P) -> i32 {
    atoi(s)
}
pub extern "win64" fn _atoi64(s: P) -> i64 {
    parse_int(bytes(s), 10).map_or(0, |(v, neg, _)| {
        if neg {
            (v as i128).wrapping_neg() as i64
        } else {
            v as i64
        }
    })
}

/// strtod's decimal grammar (msvcrt.dll: no hex, no inf/nan): returns the
/// value and the length consumed.
fn parse_double(s: &[u8]) -> (f64, usize) {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || (9..=13).contains(&s[i])) {
        i += 1;
    }
    let start = i;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let mut mantissa = i - digits_start;
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let f = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        mantissa += i - f;
    }
    if mantissa == 0 {
        return (0.0, 0);
    }
    if i < s.len() && (s[i] | 0x20) == b'e' {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        if j < s.len() && s[j].is_ascii_digit() {
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    let text = std::str::from_utf8(&s[start..i]).unwrap_or("0");
    (text.parse::<f64>().unwrap_or(0.0), i)
}

pub extern "win64" fn strtod(s: P, end: *mut u64) -> f64 {
    let (v, n) = parse_double(bytes(s));
    set_end(end, s, n);
    if v.is_infinite() {
        errno::set(ERANGE);
    }
    v
}
pub extern "win64" fn atof(s: P) -> f64 {
    parse_double(bytes(s)).0
}

pub extern "win64" fn abs(v: i32) -> i32 {
    v.wrapping_abs()
}
pub extern "win64" fn labs(v: i32) -> i32 {
    v.wrapping_abs()
}
pub extern "win64" fn _abs64(v: i64) -> i64 {
    v.wrapping_abs()
}

/// strerror(errnum): msvcrt's messages, from a table in guest memory.
pub extern "win64" fn strerror(e: i32) -> u64 {
    use std::sync::OnceLock;
    static TABLE: OnceLock<Vec<u64>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..=43)
            .map(|i| {
                let mut m = crate::errno::message(i).as_bytes().to_vec();
                m.push(0);
                kernel32::memory::leak_guest(&m)
            })
            .collect()
    });
    table[(e.clamp(0, 43)) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_int(b"  -0x1F!", 0), Some((31, true, 7)));
        assert_eq!(parse_int(b"017", 0), Some((15, false, 3)));
        assert_eq!(parse_int(b"z", 36), Some((35, false, 1)));
        assert_eq!(parse_int(b"abc", 10), Some((0, false, 0)));
        assert_eq!(parse_int(b"1", 37), None);
        // "0x" with no hex digit parses the 0 only.
        assert_eq!(parse_int(b"0xg", 16), Some((0, false, 1)));
    }

    #[test]
    fn doubles() {
        assert_eq!(parse_double(b" 1.5e3x"), (1500.0, 6));
        assert_eq!(parse_double(b"-.25"), (-0.25, 4));
        assert_eq!(parse_double(b"1e+"), (1.0, 1));
        assert_eq!(parse_double(b"inf"), (0.0, 0));
        assert_eq!(parse_double(b"0x10"), (0.0, 1));
    }
}
