//! Builtin shlwapi.dll. Implemented: the string helpers console programs
//! (distlib's script launchers among them) import — StrStrW/A,
//! StrStrIW/IA, StrChrW/IW, StrRChrW, StrCmpIW, StrCmpNIW. The rest of the
//! DLL is declared: each function says it is unimplemented and fails.
//!
//! Case-insensitive means per character through the upper-case mapping
//! (CharUpper's, kernel32::locale::map_case), the same in every locale —
//! right for ASCII, Latin-1 and the scripts whose cases map one to one.
//! The A functions fold ASCII letters only: their bytes are in the ANSI
//! code page, and a byte above 0x7F is compared as it is.
//!
//! Strings are read through the fault-safe user-memory helpers: a NULL or
//! unreadable string finds nothing (NULL) rather than faulting.
#![allow(non_snake_case)]

use loader::{export, BuiltinDll, Export, Failure};
use syscalls::user;

/// The NUL-terminated UTF-16 string at `p` (None: NULL or unreadable).
fn wide(p: u64) -> Option<Vec<u16>> {
    if p == 0 {
        return None;
    }
    let mut s = Vec::new();
    loop {
        match user::read::<u16>(p + 2 * s.len() as u64) {
            Ok(0) => return Some(s),
            Ok(c) => s.push(c),
            Err(_) => return None,
        }
    }
}

/// The NUL-terminated byte string at `p` (None: NULL or unreadable).
fn narrow(p: u64) -> Option<Vec<u8>> {
    if p == 0 {
        return None;
    }
    let mut s = Vec::new();
    loop {
        match user::read::<u8>(p + s.len() as u64) {
            Ok(0) => return Some(s),
            Ok(c) => s.push(c),
            Err(_) => return None,
        }
    }
}

fn upper_w(s: &[u16]) -> Vec<u16> {
    kernel32::locale::map_case(s, true)
}

fn upper_a(s: &[u8]) -> Vec<u8> {
    s.to_ascii_uppercase()
}

/// Where `needle` first occurs in `hay`. An empty needle finds nothing,
/// as shlwapi's StrStr functions return NULL for an empty search string.
fn find<T: PartialEq>(hay: &[T], needle: &[T]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn str_str_w(s: u64, search: u64, fold: bool) -> u64 {
    let (Some(hay), Some(needle)) = (wide(s), wide(search)) else {
        return 0;
    };
    let at = if fold {
        find(&upper_w(&hay), &upper_w(&needle))
    } else {
        find(&hay, &needle)
    };
    at.map_or(0, |i| s + 2 * i as u64)
}

fn str_str_a(s: u64, search: u64, fold: bool) -> u64 {
    let (Some(hay), Some(needle)) = (narrow(s), narrow(search)) else {
        return 0;
    };
    let at = if fold {
        find(&upper_a(&hay), &upper_a(&needle))
    } else {
        find(&hay, &needle)
    };
    at.map_or(0, |i| s + i as u64)
}

/// StrStrW(pszFirst, pszSrch): the first occurrence, or NULL.
pub extern "win64" fn StrStrW(s: u64, search: u64) -> u64 {
    str_str_w(s, search, false)
}

/// StrStrIW(pszFirst, pszSrch): the first occurrence ignoring case.
pub extern "win64" fn StrStrIW(s: u64, search: u64) -> u64 {
    str_str_w(s, search, true)
}

/// StrStrA(pszFirst, pszSrch).
pub extern "win64" fn StrStrA(s: u64, search: u64) -> u64 {
    str_str_a(s, search, false)
}

/// StrStrIA(pszFirst, pszSrch).
pub extern "win64" fn StrStrIA(s: u64, search: u64) -> u64 {
    str_str_a(s, search, true)
}

fn chr_w(s: u64, c: u16, fold: bool) -> u64 {
    let Some(hay) = wide(s) else { return 0 };
    if c == 0 {
        return 0;
    }
    let at = if fold {
        let c = upper_w(&[c])[0];
        upper_w(&hay).iter().position(|&u| u == c)
    } else {
        hay.iter().position(|&u| u == c)
    };
    at.map_or(0, |i| s + 2 * i as u64)
}

/// StrChrW(pszStart, wMatch): the first occurrence, or NULL.
pub extern "win64" fn StrChrW(s: u64, c: u32) -> u64 {
    chr_w(s, c as u16, false)
}

/// StrChrIW(pszStart, wMatch): the first occurrence ignoring case.
pub extern "win64" fn StrChrIW(s: u64, c: u32) -> u64 {
    chr_w(s, c as u16, true)
}

/// StrRChrW(pszStart, pszEnd, wMatch): the last occurrence before pszEnd
/// (the whole string when pszEnd is NULL), or NULL.
pub extern "win64" fn StrRChrW(s: u64, end: u64, c: u32) -> u64 {
    let Some(hay) = wide(s) else { return 0 };
    let limit = if end == 0 {
        hay.len()
    } else if end < s {
        0
    } else {
        (((end - s) / 2) as usize).min(hay.len())
    };
    hay[..limit]
        .iter()
        .rposition(|&u| u == c as u16)
        .map_or(0, |i| s + 2 * i as u64)
}

/// Compares ignoring case, at most `limit` characters: -1, 0 or 1, as
/// CompareString's result less 2 (which StrCmpIW returns).
fn cmp_i(a: u64, b: u64, limit: Option<usize>) -> i32 {
    let (a, b) = (wide(a).unwrap_or_default(), wide(b).unwrap_or_default());
    let take = |s: &[u16]| -> Vec<u16> {
        let n = limit.map_or(s.len(), |l| l.min(s.len()));
        upper_w(&s[..n])
    };
    match take(&a).cmp(&take(&b)) {
        core::cmp::Ordering::Less => -1,
        core::cmp::Ordering::Equal => 0,
        core::cmp::Ordering::Greater => 1,
    }
}

/// StrCmpIW(psz1, psz2).
pub extern "win64" fn StrCmpIW(a: u64, b: u64) -> i32 {
    cmp_i(a, b, None)
}

/// StrCmpNIW(psz1, psz2, nChar): a negative count compares nothing.
pub extern "win64" fn StrCmpNIW(a: u64, b: u64, n: i32) -> i32 {
    cmp_i(a, b, Some(n.max(0) as usize))
}

static EXPORTS: &[Export] = &[
    export!(StrStrW(Ptr, Ptr)),
    export!(StrStrIW(Ptr, Ptr)),
    export!(StrStrA(Ptr, Ptr)),
    export!(StrStrIA(Ptr, Ptr)),
    export!(StrChrW(Ptr, Int)),
    export!(StrChrIW(Ptr, Int)),
    export!(StrRChrW(Ptr, Ptr, Int)),
    export!(StrCmpIW(Ptr, Ptr)),
    export!(StrCmpNIW(Ptr, Ptr, Int)),
];

pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "shlwapi.dll",
    exports: EXPORTS,
    depends: &["kernel32.dll"],
    init: None,
    detach: None,
    failure: Failure::Win32,
    declared: include_str!("../../declared/lists/shlwapi.txt"),
};
