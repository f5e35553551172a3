//! The environment: GetEnvironmentVariable, SetEnvironmentVariable,
//! GetEnvironmentStrings. The block in the process parameters is the truth
//! (runtimes read it directly); names compare case-insensitively.

use crate::error::*;
use crate::process::parameters;
use std::sync::Mutex;

static LOCK: Mutex<()> = Mutex::new(());

/// The current environment block's entries (without the final NUL).
pub fn entries() -> Vec<Vec<u16>> {
    let env = parameters().Environment;
    let mut out = Vec::new();
    if env == 0 {
        return out;
    }
    let mut at = env as *const u16;
    // SAFETY: the block is a sequence of NUL-terminated strings ending with
    // an empty one.
    unsafe {
        loop {
            let mut n = 0;
            while *at.add(n) != 0 {
                n += 1;
            }
            if n == 0 {
                return out;
            }
            out.push(core::slice::from_raw_parts(at, n).to_vec());
            at = at.add(n + 1);
        }
    }
}

fn upper(u: u16) -> u16 {
    if (b'a' as u16..=b'z' as u16).contains(&u) {
        u - 32
    } else {
        u
    }
}

fn name_eq(a: &[u16], b: &[u16]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| upper(x) == upper(y))
}

/// Splits `NAME=value`; names may start with '=' (`=C:=C:\dir`).
fn split(entry: &[u16]) -> (&[u16], &[u16]) {
    let eq = entry
        .iter()
        .skip(1)
        .position(|&u| u == b'=' as u16)
        .map(|i| i + 1);
    match eq {
        Some(i) => (&entry[..i], &entry[i + 1..]),
        None => (entry, &[]),
    }
}

pub fn get(name: &[u16]) -> Option<Vec<u16>> {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    entries().into_iter().find_map(|e| {
        let (n, v) = split(&e);
        name_eq(n, name).then(|| v.to_vec())
    })
}

/// Writes a new block to the process heap and points the parameters at it.
fn store(list: &[Vec<u16>]) -> bool {
    let mut block: Vec<u16> = Vec::new();
    for e in list {
        block.extend(e);
        block.push(0);
    }
    block.push(0);
    if list.is_empty() {
        block.push(0);
    }
    let p = crate::memory::leak_guest_units(&block);
    if p == 0 {
        return false;
    }
    let params = parameters() as *const _ as *mut syscalls::nt::RTL_USER_PROCESS_PARAMETERS;
    // SAFETY: the parameters are writable guest memory owned by the process;
    // the old block is left alone (other threads may still be reading it).
    unsafe {
        (*params).Environment = p;
        (*params).EnvironmentSize = block.len() as u64 * 2;
    }
    true
}

/// RtlSetEnvironmentVariable: `None` removes the variable. Entries stay
/// sorted by name, case-insensitively, as Windows keeps them.
pub fn set(name: &[u16], value: Option<&[u16]>) -> bool {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut list = entries();
    list.retain(|e| !name_eq(split(e).0, name));
    if let Some(v) = value {
        let mut e = name.to_vec();
        e.push(b'=' as u16);
        e.extend(v);
        let key: Vec<u16> = name.iter().map(|&u| upper(u)).collect();
        let at = list.iter().position(|x| {
            let k: Vec<u16> = split(x).0.iter().map(|&u| upper(u)).collect();
            k > key
        });
        list.insert(at.unwrap_or(list.len()), e);
    }
    store(&list)
}

fn valid_name(name: &[u16]) -> bool {
    !name.is_empty() && !name.iter().skip(1).any(|&u| u == b'=' as u16)
}

/// Implements GetEnvironmentVariableW(lpName, lpBuffer, nSize).
pub extern "win64" fn GetEnvironmentVariableW(name: *const u16, buf: *mut u16, size: u32) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    match get(&name) {
        Some(v) => {
            // SAFETY: the caller's buffer holds `size` units.
            let n = unsafe { copy_out(&v, buf, size) };
            if n <= v.len() as u32 {
                set_error(0);
            }
            n
        }
        None => {
            set_error(ERROR_ENVVAR_NOT_FOUND);
            0
        }
    }
}

/// Implements GetEnvironmentVariableA(lpName, lpBuffer, nSize).
pub extern "win64" fn GetEnvironmentVariableA(name: *const u8, buf: *mut u8, size: u32) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { astr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    match get(&name) {
        Some(v) => {
            let bytes = crate::nls::wide_to_ansi(&v);
            // SAFETY: the caller's buffer holds `size` bytes.
            let n = unsafe { copy_out(&bytes, buf, size) };
            if n <= bytes.len() as u32 {
                set_error(0);
            }
            n
        }
        None => {
            set_error(ERROR_ENVVAR_NOT_FOUND);
            0
        }
    }
}

/// Implements SetEnvironmentVariableW(lpName, lpValue): NULL deletes.
pub extern "win64" fn SetEnvironmentVariableW(name: *const u16, value: *const u16) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (name, value) = unsafe { (wstr(name), wstr(value)) };
    let Some(name) = name.filter(|n| valid_name(n)) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    if value.is_none() && get(&name).is_none() {
        set_error(ERROR_ENVVAR_NOT_FOUND);
        return 0;
    }
    if set(&name, value.as_deref()) {
        1
    } else {
        set_error(ERROR_NOT_ENOUGH_MEMORY);
        0
    }
}

/// Implements SetEnvironmentVariableA(lpName, lpValue).
pub extern "win64" fn SetEnvironmentVariableA(name: *const u8, value: *const u8) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (mut n, v) = unsafe { (astr(name), astr(value)) };
    let mut v = v;
    let np = n.as_mut().map_or(core::ptr::null(), |n| {
        n.push(0);
        n.as_ptr()
    });
    let vp = v.as_mut().map_or(core::ptr::null(), |v| {
        v.push(0);
        v.as_ptr()
    });
    SetEnvironmentVariableW(np, vp)
}

/// Implements GetEnvironmentStringsW(): a copy of the block, freed with
/// FreeEnvironmentStringsW.
pub extern "win64" fn GetEnvironmentStringsW() -> *mut u16 {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut block: Vec<u16> = Vec::new();
    for e in entries() {
        block.extend(e);
        block.push(0);
    }
    block.push(0);
    if block.len() == 1 {
        block.push(0);
    }
    crate::memory::leak_guest_units(&block) as *mut u16
}

/// Implements GetEnvironmentStringsA() (also exported as GetEnvironmentStrings).
pub extern "win64" fn GetEnvironmentStringsA() -> *mut u8 {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut block: Vec<u8> = Vec::new();
    for e in entries() {
        block.extend(crate::nls::wide_to_ansi(&e));
        block.push(0);
    }
    block.push(0);
    if block.len() == 1 {
        block.push(0);
    }
    crate::memory::leak_guest(&block) as *mut u8
}

/// Implements FreeEnvironmentStringsW(penv).
pub extern "win64" fn FreeEnvironmentStringsW(p: u64) -> i32 {
    crate::memory::free_guest(p)
}

/// Implements FreeEnvironmentStringsA(penv).
pub extern "win64" fn FreeEnvironmentStringsA(p: u64) -> i32 {
    crate::memory::free_guest(p)
}

/// Implements ExpandEnvironmentStringsW(lpSrc, lpDst, nSize): %NAME% is
/// replaced when NAME is set and kept as is otherwise; the result counts the
/// terminating NUL.
pub extern "win64" fn ExpandEnvironmentStringsW(src: *const u16, dst: *mut u16, size: u32) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(src) = (unsafe { wstr(src) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let pct = b'%' as u16;
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        if src[i] == pct {
            if let Some(j) = src[i + 1..].iter().position(|&u| u == pct) {
                let name = &src[i + 1..i + 1 + j];
                if let Some(v) = (!name.is_empty()).then(|| get(name)).flatten() {
                    out.extend(v);
                    i += j + 2;
                    continue;
                }
            }
        }
        out.push(src[i]);
        i += 1;
    }
    out.push(0);
    if (out.len() as u32) <= size && !dst.is_null() {
        // SAFETY: the caller's buffer holds `size` units.
        unsafe { core::ptr::copy_nonoverlapping(out.as_ptr(), dst, out.len()) };
    }
    out.len() as u32
}
