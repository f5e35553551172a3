//! DOS attributes the host has no mode bits for (hidden, system, archive),
//! kept in the `user.DOSATTRIB` extended attribute as `0x…` hex text, the
//! form Samba (before 4.x's binary one) and Wine use, so the three
//! understand each other's files. Read-only stays the host's write bits.
//! A file system without user extended attributes keeps none of them.

use super::info::{
    FILE_ATTRIBUTE_ARCHIVE, FILE_ATTRIBUTE_DIRECTORY, FILE_ATTRIBUTE_HIDDEN, FILE_ATTRIBUTE_NORMAL,
};
use std::ffi::CStr;

const FILE_ATTRIBUTE_SYSTEM: u32 = 0x04;
/// The attributes kept in the extended attribute.
pub const KEPT: u32 = FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_ARCHIVE;
const NAME: &CStr = c"user.DOSATTRIB";

fn parse(buf: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(buf).ok()?;
    let text = text.trim_end_matches('\0').trim();
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    u32::from_str_radix(hex, 16).ok()
}

/// The stored attributes of an open file, if any.
pub fn read_fd(fd: i32) -> Option<u32> {
    let mut buf = [0u8; 32];
    // SAFETY: fgetxattr into a buffer we own, its size given.
    let n = unsafe {
        libc::fgetxattr(
            fd,
            NAME.as_ptr(),
            buf.as_mut_ptr() as *mut libc::c_void,
            buf.len(),
        )
    };
    (n > 0).then(|| parse(&buf[..n as usize])).flatten()
}

/// The stored attributes of a file by host path (following links).
pub fn read_path(path: &CStr) -> Option<u32> {
    let mut buf = [0u8; 32];
    // SAFETY: getxattr with a C string into a buffer we own.
    let n = unsafe {
        libc::getxattr(
            path.as_ptr(),
            NAME.as_ptr(),
            buf.as_mut_ptr() as *mut libc::c_void,
            buf.len(),
        )
    };
    (n > 0).then(|| parse(&buf[..n as usize])).flatten()
}

/// Passed to `write_fd` for a directory: its read-only attribute is kept
/// too (a directory's mode bits stay writable).
pub const DIRECTORY_READONLY: u32 = 0x8000_0000;
const FILE_ATTRIBUTE_READONLY: u32 = 0x01;

/// Stores the kept part of `attributes` on an open file.
pub fn write_fd(fd: i32, attributes: u32) {
    let kept = if attributes & DIRECTORY_READONLY != 0 {
        KEPT | FILE_ATTRIBUTE_READONLY
    } else {
        KEPT
    };
    let text = format!("0x{:x}", attributes & kept);
    // SAFETY: fsetxattr with a buffer we own, its size given.
    let r = unsafe {
        libc::fsetxattr(
            fd,
            NAME.as_ptr(),
            text.as_ptr() as *const libc::c_void,
            text.len(),
            0,
        )
    };
    if r != 0 {
        log::debug!(
            "DOS attributes {attributes:#x} not kept: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// The attributes to report: the host's (directory, read-only, and archive
/// for files by default) with the stored ones in place of the defaults.
pub fn combine(host: u32, stored: Option<u32>) -> u32 {
    match stored {
        None => host,
        Some(s) => {
            // A directory's read-only attribute is the stored one; a
            // file's is its mode bits.
            let readonly = if host & FILE_ATTRIBUTE_DIRECTORY != 0 {
                s & FILE_ATTRIBUTE_READONLY
            } else {
                host & FILE_ATTRIBUTE_READONLY
            };
            let host = host & !FILE_ATTRIBUTE_READONLY;
            let a = (host & !FILE_ATTRIBUTE_ARCHIVE) | (s & KEPT) | readonly;
            if a == 0 {
                FILE_ATTRIBUTE_NORMAL
            } else {
                a
            }
        }
    }
}

/// struct xattr_args of getxattrat(2).
#[repr(C)]
struct XattrArgs {
    value: u64,
    size: u32,
    flags: u32,
}

/// getxattrat(2) (Linux 6.13): x86-64 system call 464.
const SYS_GETXATTRAT: libc::c_long = 464;
static NO_GETXATTRAT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The stored attributes of `name` in the directory `dirfd` (following
/// links), resolving only the last component where the host can;
/// `full` is the whole path for hosts without getxattrat.
pub fn read_at(
    dirfd: i32,
    name: &CStr,
    full: impl FnOnce() -> Option<std::ffi::CString>,
) -> Option<u32> {
    use std::sync::atomic::Ordering;
    if !NO_GETXATTRAT.load(Ordering::Relaxed) {
        let mut buf = [0u8; 32];
        let mut args = XattrArgs {
            value: buf.as_mut_ptr() as u64,
            size: buf.len() as u32,
            flags: 0,
        };
        // SAFETY: getxattrat with C strings, an args structure of the
        // size given, pointing at a buffer we own.
        let n = unsafe {
            libc::syscall(
                SYS_GETXATTRAT,
                dirfd,
                name.as_ptr(),
                0,
                NAME.as_ptr(),
                &mut args as *mut XattrArgs,
                std::mem::size_of::<XattrArgs>(),
            )
        };
        if n > 0 {
            return parse(&buf[..n as usize]);
        }
        if super::last_errno() != libc::ENOSYS {
            return None;
        }
        NO_GETXATTRAT.store(true, Ordering::Relaxed);
    }
    read_path(&full()?)
}
