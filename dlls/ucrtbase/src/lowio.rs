//! Low-level I/O: msvcrt's functions, after the UCRT's descriptor check —
//! a descriptor that is not open is an invalid parameter (EBADF, with
//! _doserrno cleared), where msvcrt.dll only sets errno.

use crate::invalid;
use msvcrt::errno::EBADF;
use msvcrt::lowio as crt;

/// True when `fd` is open; otherwise reports it.
fn open(fd: i32) -> bool {
    if crt::get(fd).is_some() {
        return true;
    }
    crate::invalid::_set_doserrno(0);
    invalid::fail(EBADF);
    false
}

macro_rules! checked {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $err:expr;)*) => {
        $(
            #[doc = concat!("Implements ", stringify!($name), ": msvcrt's, for an open descriptor.")]
            pub extern "win64" fn $name(fd: i32 $(, $arg: $ty)*) -> $ret {
                if !open(fd) {
                    return $err;
                }
                crt::$name(fd $(, $arg)*)
            }
        )*
    };
}

checked! {
    _close() -> i32 = -1;
    _read(buf: *mut u8, count: u32) -> i32 = -1;
    _write(buf: *const u8, count: u32) -> i32 = -1;
    _lseek(offset: i32, whence: i32) -> i32 = -1;
    _lseeki64(offset: i64, whence: i32) -> i64 = -1;
    _setmode(mode: i32) -> i32 = -1;
    _get_osfhandle() -> u64 = u64::MAX;
    _commit() -> i32 = -1;
    _eof() -> i32 = -1;
}

/// Implements _fstat64(fd, buffer).
pub extern "win64" fn _fstat64(fd: i32, out: *mut u8) -> i32 {
    if !open(fd) {
        return -1;
    }
    msvcrt::stat::_fstat64(fd, out)
}

/// Implements _fstat64i32(fd, buffer).
pub extern "win64" fn _fstat64i32(fd: i32, out: *mut u8) -> i32 {
    if !open(fd) {
        return -1;
    }
    msvcrt::stat::_fstat64i32(fd, out)
}
