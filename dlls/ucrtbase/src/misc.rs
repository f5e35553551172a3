//! UCRT functions msvcrt.dll lacks: per-thread locale mode, path splitting
//! and joining.

use crate::invalid;
use msvcrt::errno::EINVAL;
use std::cell::Cell;
use std::sync::atomic::{AtomicI32, Ordering};

// _configthreadlocale values.
const ENABLE_PER_THREAD_LOCALE: i32 = 0x1;
const DISABLE_PER_THREAD_LOCALE: i32 = 0x2;
const ENABLE_PER_THREAD_LOCALE_GLOBAL: i32 = 0x10;
const DISABLE_PER_THREAD_LOCALE_GLOBAL: i32 = 0x20;
const ENABLE_PER_THREAD_LOCALE_NEW: i32 = 0x100;
const DISABLE_PER_THREAD_LOCALE_NEW: i32 = 0x200;

/// The mode new threads start with (changed by the _GLOBAL/_NEW values).
static NEW_THREAD_MODE: AtomicI32 = AtomicI32::new(DISABLE_PER_THREAD_LOCALE);

thread_local! {
    static THREAD_MODE: Cell<i32> = const { Cell::new(0) };
}

fn thread_mode() -> i32 {
    THREAD_MODE.with(|m| {
        if m.get() == 0 {
            m.set(NEW_THREAD_MODE.load(Ordering::Relaxed));
        }
        m.get()
    })
}

/// Implements _configthreadlocale(type): whether setlocale changes this
/// thread's locale or the process's; returns the previous setting.
/// (casement's runtime runs in the "C" locale either way.)
pub extern "win64" fn _configthreadlocale(kind: i32) -> i32 {
    let old = thread_mode();
    match kind {
        0 => {}
        ENABLE_PER_THREAD_LOCALE | DISABLE_PER_THREAD_LOCALE => {
            THREAD_MODE.with(|m| m.set(kind));
        }
        ENABLE_PER_THREAD_LOCALE_GLOBAL | ENABLE_PER_THREAD_LOCALE_NEW => {
            NEW_THREAD_MODE.store(ENABLE_PER_THREAD_LOCALE, Ordering::Relaxed);
        }
        DISABLE_PER_THREAD_LOCALE_GLOBAL | DISABLE_PER_THREAD_LOCALE_NEW => {
            NEW_THREAD_MODE.store(DISABLE_PER_THREAD_LOCALE, Ordering::Relaxed);
        }
        // -1 sets the process back to the global locale for every thread.
        -1 => {
            NEW_THREAD_MODE.store(DISABLE_PER_THREAD_LOCALE, Ordering::Relaxed);
            THREAD_MODE.with(|m| m.set(DISABLE_PER_THREAD_LOCALE));
        }
        _ => {
            invalid::fail(EINVAL);
            return -1;
        }
    }
    old
}

/// `_pgmptr` and `_wpgmptr`: the program's full path, from
/// GetModuleFileName, in guest memory (filled on first use).
fn program_paths() -> &'static [u64; 2] {
    static PATHS: std::sync::OnceLock<[u64; 2]> = std::sync::OnceLock::new();
    PATHS.get_or_init(|| {
        let mut w = vec![0u16; 32768];
        let n = kernel32::process::GetModuleFileNameW(0, w.as_mut_ptr(), w.len() as u32) as usize;
        w.truncate(n);
        let mut a = kernel32::nls::wide_to_ansi(&w);
        a.push(0);
        w.push(0);
        let slots = [
            kernel32::memory::leak_guest(&a),
            kernel32::memory::leak_guest_units(&w),
        ];
        // The data slots the __p__ functions point at.
        [
            kernel32::memory::leak_guest(&slots[0].to_le_bytes()),
            kernel32::memory::leak_guest(&slots[1].to_le_bytes()),
        ]
    })
}

/// Implements __p__pgmptr(): the address of `_pgmptr`.
pub extern "win64" fn __p__pgmptr() -> u64 {
    program_paths()[0]
}

/// Implements __p__wpgmptr(): the address of `_wpgmptr`.
pub extern "win64" fn __p__wpgmptr() -> u64 {
    program_paths()[1]
}

fn get_path(out: *mut u64, slot: u64) -> i32 {
    if out.is_null() {
        invalid::fail(EINVAL);
        return EINVAL;
    }
    // SAFETY: a slot from program_paths and the caller's pointer slot.
    unsafe { *out = *(slot as *const u64) };
    0
}

/// Implements _get_pgmptr(pValue).
pub extern "win64" fn _get_pgmptr(out: *mut u64) -> i32 {
    get_path(out, program_paths()[0])
}

/// Implements _get_wpgmptr(pValue).
pub extern "win64" fn _get_wpgmptr(out: *mut u64) -> i32 {
    get_path(out, program_paths()[1])
}

// Component sizes from stdlib.h, terminators included.
const MAX_DRIVE: usize = 3;
const MAX_DIR: usize = 256;
const MAX_FNAME: usize = 256;
const MAX_EXT: usize = 256;

fn cstr(p: u64) -> &'static [u8] {
    if p == 0 {
        return &[];
    }
    // SAFETY: a NUL-terminated string from the caller.
    unsafe { std::ffi::CStr::from_ptr(p as *const std::ffi::c_char).to_bytes() }
}

/// Stores a component (at most `max - 1` bytes) and its NUL in an optional
/// output buffer.
fn store(out: u64, s: &[u8], max: usize) {
    if out == 0 {
        return;
    }
    let n = s.len().min(max - 1);
    // SAFETY: the caller's buffer of (at least) the documented _MAX_* size.
    unsafe {
        core::ptr::copy_nonoverlapping(s.as_ptr(), out as *mut u8, n);
        *(out as *mut u8).add(n) = 0;
    }
}

/// The parts of a path: drive ("C:"), directory (through the last slash),
/// file name, extension (from the last '.' of the last component).
fn split(path: &[u8]) -> [&[u8]; 4] {
    let (drive, rest) = if path.len() >= 2 && path[1] == b':' {
        path.split_at(2)
    } else {
        (&path[..0], path)
    };
    let dir_end = rest
        .iter()
        .rposition(|&c| c == b'\\' || c == b'/')
        .map_or(0, |i| i + 1);
    let (dir, last) = rest.split_at(dir_end);
    let (fname, ext) = match last.iter().rposition(|&c| c == b'.') {
        Some(i) => last.split_at(i),
        None => (last, &last[last.len()..]),
    };
    [drive, dir, fname, ext]
}

/// Implements _splitpath(path, drive, dir, fname, ext); NULL outputs are
/// skipped.
pub extern "win64" fn _splitpath(path: u64, drive: u64, dir: u64, fname: u64, ext: u64) {
    if path == 0 {
        invalid::fail(EINVAL);
        return;
    }
    let [d, di, f, e] = split(cstr(path));
    store(drive, d, MAX_DRIVE);
    store(dir, di, MAX_DIR);
    store(fname, f, MAX_FNAME);
    store(ext, e, MAX_EXT);
}

/// The path _makepath builds: the drive letter and a colon, the directory
/// with a trailing backslash unless it ends in a slash, the name, and the
/// extension with a leading '.' unless it has one.
fn join(drive: &[u8], dir: &[u8], fname: &[u8], ext: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    if let Some(&letter) = drive.first() {
        p.push(letter);
        p.push(b':');
    }
    if !dir.is_empty() {
        p.extend_from_slice(dir);
        if !matches!(dir.last(), Some(b'\\' | b'/')) {
            p.push(b'\\');
        }
    }
    p.extend_from_slice(fname);
    if !ext.is_empty() {
        if ext[0] != b'.' {
            p.push(b'.');
        }
        p.extend_from_slice(ext);
    }
    p
}

/// Implements _makepath(path, drive, dir, fname, ext); NULL parts are empty.
pub extern "win64" fn _makepath(path: u64, drive: u64, dir: u64, fname: u64, ext: u64) {
    if path == 0 {
        invalid::fail(EINVAL);
        return;
    }
    let p = join(cstr(drive), cstr(dir), cstr(fname), cstr(ext));
    // _MAX_PATH: the buffer the caller must provide.
    store(path, &p, 260);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_documented_example() {
        // The _splitpath documentation's example path.
        let [d, di, f, e] = split(b"c:\\sample\\crt\\makepath.c");
        assert_eq!(
            (d, di, f, e),
            (
                &b"c:"[..],
                &b"\\sample\\crt\\"[..],
                &b"makepath"[..],
                &b".c"[..]
            )
        );
    }

    #[test]
    fn split_without_drive_or_extension() {
        let [d, di, f, e] = split(b"dir.x/name");
        assert_eq!(
            (d, di, f, e),
            (&b""[..], &b"dir.x/"[..], &b"name"[..], &b""[..])
        );
        let [_, _, f, e] = split(b"a.b.c");
        assert_eq!((f, e), (&b"a.b"[..], &b".c"[..]));
    }

    #[test]
    fn join_adds_separators() {
        assert_eq!(
            join(b"c", b"\\sample\\crt", b"makepath", b"c"),
            b"c:\\sample\\crt\\makepath.c"
        );
        assert_eq!(join(b"", b"d/", b"f", b".e"), b"d/f.e");
        assert_eq!(join(b"", b"", b"f", b""), b"f");
    }
}
