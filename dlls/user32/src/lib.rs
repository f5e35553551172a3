//! Builtin user32.dll. Implemented: the character helpers console programs
//! import from it — CharUpper/CharLower(Buff)W, CharNext/CharPrev(W, A,
//! ExA) with the ANSI code page's lead bytes. Windows, messages and the
//! rest of the DLL are declared: each function says it is unimplemented
//! and fails as Windows fails.
#![allow(non_snake_case)]

use loader::{export, BuiltinDll, Export, Failure};
use syscalls::user;

/// CharUpperW/CharLowerW: a pointer whose high bits are zero is one
/// character, mapped and returned as such; otherwise the NUL-terminated
/// string is mapped in place and returned.
fn map_string(p: u64, upper: bool) -> u64 {
    if p >> 16 == 0 {
        return kernel32::locale::map_case(&[p as u16], upper)[0] as u64;
    }
    let mut n = 0u64;
    while user::read::<u16>(p + 2 * n).is_ok_and(|c| c != 0) {
        n += 1;
    }
    map_buffer(p, n as u32, upper);
    p
}

/// Maps `count` units at `p` in place; returns how many were processed.
fn map_buffer(p: u64, count: u32, upper: bool) -> u32 {
    let Ok(units) = user::read_u16s(p, count as usize) else {
        return 0;
    };
    let mapped = kernel32::locale::map_case(&units, upper);
    let bytes: Vec<u8> = mapped.iter().flat_map(|u| u.to_le_bytes()).collect();
    if user::write_from(p, &bytes).is_err() {
        return 0;
    }
    count
}

/// CharUpperW(lpsz).
pub extern "win64" fn CharUpperW(p: u64) -> u64 {
    map_string(p, true)
}

/// CharLowerW(lpsz).
pub extern "win64" fn CharLowerW(p: u64) -> u64 {
    map_string(p, false)
}

/// CharUpperBuffW(lpsz, cchLength) -> characters processed.
pub extern "win64" fn CharUpperBuffW(p: u64, count: u32) -> u32 {
    map_buffer(p, count, true)
}

/// CharLowerBuffW(lpsz, cchLength) -> characters processed.
pub extern "win64" fn CharLowerBuffW(p: u64, count: u32) -> u32 {
    map_buffer(p, count, false)
}

/// CharNextW(lpsz): the next character, or `lpsz` itself at the
/// terminating NUL.
pub extern "win64" fn CharNextW(p: u64) -> u64 {
    match user::read::<u16>(p) {
        Ok(0) | Err(_) => p,
        Ok(_) => p + 2,
    }
}

/// CharPrevW(lpszStart, lpszCurrent): the previous character, never before
/// `lpszStart`.
pub extern "win64" fn CharPrevW(start: u64, current: u64) -> u64 {
    if current > start {
        current - 2
    } else {
        start
    }
}

fn is_lead(cp: u32, b: u8) -> bool {
    kernel32::nls::IsDBCSLeadByteEx(cp, b) != 0
}

/// CharNextExA(CodePage, lpCurrentChar, dwFlags): past a lead byte and its
/// trail byte in a double-byte code page (0: the ANSI code page).
pub extern "win64" fn CharNextExA(cp: u16, p: u64, _flags: u32) -> u64 {
    let cp = if cp == 0 {
        kernel32::nls::GetACP()
    } else {
        cp as u32
    };
    match user::read::<u8>(p) {
        Ok(0) | Err(_) => p,
        Ok(b) if is_lead(cp, b) && user::read::<u8>(p + 1).is_ok_and(|t| t != 0) => p + 2,
        Ok(_) => p + 1,
    }
}

/// CharNextA(lpsz).
pub extern "win64" fn CharNextA(p: u64) -> u64 {
    CharNextExA(0, p, 0)
}

/// CharPrevExA(CodePage, lpStart, lpCurrentChar, dwFlags): walks from the
/// start, character by character, to the one before `current` (a trail
/// byte can look like a lead byte, so only a forward walk is sure).
pub extern "win64" fn CharPrevExA(cp: u16, start: u64, current: u64, _flags: u32) -> u64 {
    if current <= start {
        return start;
    }
    let mut at = start;
    loop {
        let next = CharNextExA(cp, at, 0);
        if next >= current || next == at {
            return at;
        }
        at = next;
    }
}

/// CharPrevA(lpszStart, lpszCurrent).
pub extern "win64" fn CharPrevA(start: u64, current: u64) -> u64 {
    CharPrevExA(0, start, current, 0)
}

static EXPORTS: &[Export] = &[
    export!(CharUpperW(Ptr)),
    export!(CharLowerW(Ptr)),
    export!(CharUpperBuffW(Ptr, Int)),
    export!(CharLowerBuffW(Ptr, Int)),
    export!(CharNextW(Ptr)),
    export!(CharPrevW(Ptr, Ptr)),
    export!(CharNextA(Ptr)),
    export!(CharPrevA(Ptr, Ptr)),
    export!(CharNextExA(Int, Ptr, Int)),
    export!(CharPrevExA(Int, Ptr, Ptr, Int)),
];

/// user32's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "user32.dll",
    exports: EXPORTS,
    depends: &["kernel32.dll"],
    init: None,
    detach: None,
    failure: Failure::Win32,
    declared: include_str!("../../declared/lists/user32.txt"),
};
