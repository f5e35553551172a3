//! errno, per thread, and the mapping from Win32 errors (_dosmaperr).

use std::cell::Cell;

pub const EPERM: i32 = 1;
pub const ENOENT: i32 = 2;
pub const EBADF: i32 = 9;
pub const EAGAIN: i32 = 11;
pub const ENOMEM: i32 = 12;
pub const EACCES: i32 = 13;
pub const EEXIST: i32 = 17;
pub const EXDEV: i32 = 18;
pub const ENOTDIR: i32 = 20;
pub const EISDIR: i32 = 21;
pub const EINVAL: i32 = 22;
pub const EMFILE: i32 = 24;
pub const ENOSPC: i32 = 28;
pub const ESPIPE: i32 = 29;
pub const EPIPE: i32 = 32;
pub const EDOM: i32 = 33;
pub const ERANGE: i32 = 34;
pub const ENOTEMPTY: i32 = 41;
pub const EILSEQ: i32 = 42;

thread_local! {
    static ERRNO: Cell<u64> = const { Cell::new(0) };
    static DOSERRNO: Cell<u64> = const { Cell::new(0) };
}

/// The calling thread's errno cell, in guest memory so programs can take its
/// address (`_errno()`).
fn cell(key: &'static std::thread::LocalKey<Cell<u64>>) -> *mut i32 {
    key.with(|c| {
        if c.get() == 0 {
            let p = ntdll::heap::process_heap()
                .and_then(|h| h.alloc(4, ntdll::heap::HEAP_ZERO_MEMORY).ok())
                .unwrap_or(0);
            c.set(p);
        }
        c.get() as *mut i32
    })
}

pub fn errno_ptr() -> *mut i32 {
    cell(&ERRNO)
}

pub fn set(e: i32) {
    let p = errno_ptr();
    if !p.is_null() {
        // SAFETY: the thread's errno cell.
        unsafe { *p = e };
    }
}

pub fn get() -> i32 {
    let p = errno_ptr();
    // SAFETY: the thread's errno cell.
    if p.is_null() {
        0
    } else {
        unsafe { *p }
    }
}

/// _dosmaperr: sets errno (and _doserrno) from a Win32 error.
pub fn set_from_win32(error: u32) {
    let p = cell(&DOSERRNO);
    if !p.is_null() {
        // SAFETY: the thread's _doserrno cell.
        unsafe { *p = error as i32 };
    }
    set(match error {
        2 | 3 | 15 | 18 | 53 | 161 | 206 => ENOENT,
        4 => EMFILE,
        5 | 19 | 32 | 33 | 65 | 82 | 89 => EACCES,
        6 => EBADF,
        8 | 14 => ENOMEM,
        17 => EXDEV,
        80 | 183 => EEXIST,
        109 => EPIPE,
        112 => ENOSPC,
        145 => ENOTEMPTY,
        _ => EINVAL,
    });
}

/// Implements _errno().
pub extern "win64" fn _errno() -> *mut i32 {
    errno_ptr()
}

/// Implements __doserrno().
pub extern "win64" fn __doserrno() -> *mut i32 {
    cell(&DOSERRNO)
}

/// The msvcrt.dll messages for errno values (_sys_errlist).
pub fn message(e: i32) -> &'static str {
    const LIST: [&str; 43] = [
        "No error",
        "Operation not permitted",
        "No such file or directory",
        "No such process",
        "Interrupted function call",
        "Input/output error",
        "No such device or address",
        "Arg list too long",
        "Exec format error",
        "Bad file descriptor",
        "No child processes",
        "Resource temporarily unavailable",
        "Not enough space",
        "Permission denied",
        "Bad address",
        "Unknown error",
        "Resource device",
        "File exists",
        "Improper link",
        "No such device",
        "Not a directory",
        "Is a directory",
        "Invalid argument",
        "Too many open files in system",
        "Too many open files",
        "Inappropriate I/O control operation",
        "Unknown error",
        "File too large",
        "No space left on device",
        "Invalid seek",
        "Read-only file system",
        "Too many links",
        "Broken pipe",
        "Domain error",
        "Result too large",
        "Unknown error",
        "Resource deadlock avoided",
        "Unknown error",
        "Filename too long",
        "No locks available",
        "Function not implemented",
        "Directory not empty",
        "Illegal byte sequence",
    ];
    LIST.get(e as usize).copied().unwrap_or("Unknown error")
}
