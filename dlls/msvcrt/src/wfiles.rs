//! The wide (UTF-16 path) forms of the file-system functions: _wremove,
//! _wrename, _wmkdir, _wrmdir, _wchdir, _wgetcwd, _waccess, on kernel32's
//! W functions, with errno from the Win32 error as the narrow forms do.

use crate::errno::{self, EACCES, EINVAL, ERANGE};
use crate::heap::malloc;

fn done(ok: bool) -> i32 {
    if ok {
        0
    } else {
        errno::set_from_win32(kernel32::process::GetLastError());
        -1
    }
}

/// Implements _wremove(path) (and _wunlink).
pub extern "win64" fn _wremove(path: *const u16) -> i32 {
    done(kernel32::file::DeleteFileW(path) != 0)
}

/// Implements _wrename(old, new): fails when `new` exists.
pub extern "win64" fn _wrename(old: *const u16, new: *const u16) -> i32 {
    // MOVEFILE_COPY_ALLOWED, no replacing.
    done(kernel32::file::MoveFileExW(old, new, 0x2) != 0)
}

/// Implements _wmkdir(dirname).
pub extern "win64" fn _wmkdir(dir: *const u16) -> i32 {
    done(kernel32::file::CreateDirectoryW(dir, 0) != 0)
}

/// Implements _wrmdir(dirname).
pub extern "win64" fn _wrmdir(dir: *const u16) -> i32 {
    done(kernel32::file::RemoveDirectoryW(dir) != 0)
}

/// Implements _wchdir(dirname).
pub extern "win64" fn _wchdir(dir: *const u16) -> i32 {
    done(kernel32::paths::SetCurrentDirectoryW(dir) != 0)
}

/// Implements _wgetcwd(buffer, maxlen): allocates when buffer is NULL.
pub extern "win64" fn _wgetcwd(buf: *mut u16, size: i32) -> u64 {
    let need = kernel32::paths::GetCurrentDirectoryW(0, core::ptr::null_mut());
    let (dst, cap) = if buf.is_null() {
        let cap = need.max(size.max(0) as u32);
        (malloc(2 * u64::from(cap)) as *mut u16, cap)
    } else {
        (buf, size.max(0) as u32)
    };
    if dst.is_null() {
        return 0;
    }
    if need > cap {
        errno::set(ERANGE);
        return 0;
    }
    kernel32::paths::GetCurrentDirectoryW(cap, dst);
    dst as u64
}

/// Implements _waccess(path, mode): 0 existence, 2 write, 4 read, 6 both.
pub extern "win64" fn _waccess(path: *const u16, mode: i32) -> i32 {
    if mode & !6 != 0 {
        errno::set(EINVAL);
        return -1;
    }
    let attrs = kernel32::file::GetFileAttributesW(path);
    if attrs == u32::MAX {
        return done(false);
    }
    // A read-only file (not a directory) cannot be opened for writing.
    if mode & 2 != 0 && attrs & 0x1 != 0 && attrs & 0x10 == 0 {
        errno::set(EACCES);
        return -1;
    }
    0
}
