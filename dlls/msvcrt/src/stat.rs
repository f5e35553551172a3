//! _stat and _fstat: a file's type, permissions, size and times in the
//! C runtime's struct, from the file system attributes (Windows has no
//! inode, owner or group: those are 0). The 64-bit layouts of x64:
//! `_stat64` (64-bit size and times, 56 bytes) and `_stat64i32` (32-bit
//! size, 48 bytes; msvcrt's `_stat`).

use crate::errno::{self, EBADF, ENOENT};

// st_mode bits (sys/stat.h).
const S_IFIFO: u16 = 0x1000;
const S_IFCHR: u16 = 0x2000;
const S_IFDIR: u16 = 0x4000;
const S_IFREG: u16 = 0x8000;
const S_IREAD: u16 = 0x0100;
const S_IWRITE: u16 = 0x0080;
const S_IEXEC: u16 = 0x0040;
/// EOVERFLOW: a size that does not fit the 32-bit st_size.
const EOVERFLOW: i32 = 132;

const FILE_ATTRIBUTE_READONLY: u32 = 0x1;
const FILE_ATTRIBUTE_DIRECTORY: u32 = 0x10;
/// FILETIME of 1970-01-01.
const EPOCH: i64 = 116_444_736_000_000_000;

#[derive(Default, Debug, PartialEq, Eq)]
pub struct Stat {
    pub dev: u32,
    pub mode: u16,
    pub nlink: i16,
    pub size: i64,
    pub atime: i64,
    pub mtime: i64,
    pub ctime: i64,
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

fn time_at(b: &[u8], o: usize) -> i64 {
    let ft = u64::from(u32_at(b, o)) | u64::from(u32_at(b, o + 4)) << 32;
    (ft as i64 - EPOCH).div_euclid(10_000_000)
}

/// Read for everyone; write unless read-only; the owner bits copied to
/// group and others as the CRT does.
fn permissions(attrs: u32, exec: bool) -> u16 {
    let mut m = S_IREAD;
    if attrs & FILE_ATTRIBUTE_READONLY == 0 {
        m |= S_IWRITE;
    }
    if exec {
        m |= S_IEXEC;
    }
    m | (m & 0x1c0) >> 3 | (m & 0x1c0) >> 6
}

fn is_program(path: &[u16]) -> bool {
    let name: String = char::decode_utf16(path.iter().copied())
        .map(|c| c.unwrap_or('?'))
        .collect::<String>()
        .to_ascii_lowercase();
    [".exe", ".com", ".bat", ".cmd"]
        .iter()
        .any(|e| name.ends_with(e))
}

/// The drive number of a path (0 for A:), the current drive's when it
/// names none.
fn drive_of(path: &[u16]) -> u32 {
    let letter = |c: u16| char::from_u32(u32::from(c)).filter(char::is_ascii_alphabetic);
    if path.len() >= 2 && path[1] == u16::from(b':') {
        if let Some(l) = letter(path[0]) {
            return u32::from(l.to_ascii_uppercase() as u8 - b'A');
        }
    }
    let mut cwd = [0u16; 4];
    kernel32::paths::GetCurrentDirectoryW(cwd.len() as u32, cwd.as_mut_ptr());
    letter(cwd[0]).map_or(0, |l| u32::from(l.to_ascii_uppercase() as u8 - b'A'))
}

/// _stat of a path (UTF-16, no NUL).
pub fn stat_path(path: &[u16]) -> Result<Stat, i32> {
    if path.is_empty()
        || path
            .iter()
            .any(|&c| c == u16::from(b'*') || c == u16::from(b'?'))
    {
        return Err(ENOENT);
    }
    let mut name = path.to_vec();
    name.push(0);
    // WIN32_FILE_ATTRIBUTE_DATA: attributes, three FILETIMEs, size high/low.
    let mut data = [0u8; 36];
    if kernel32::fileinfo::GetFileAttributesExW(name.as_ptr(), 0, data.as_mut_ptr() as u64) == 0 {
        errno::set_from_win32(kernel32::process::GetLastError());
        return Err(errno::get());
    }
    let attrs = u32_at(&data, 0);
    let dir = attrs & FILE_ATTRIBUTE_DIRECTORY != 0;
    let drive = drive_of(path);
    Ok(Stat {
        dev: drive,
        mode: if dir { S_IFDIR } else { S_IFREG } | permissions(attrs, dir || is_program(path)),
        nlink: 1,
        size: if dir {
            0
        } else {
            i64::from(u32_at(&data, 28)) << 32 | i64::from(u32_at(&data, 32))
        },
        atime: time_at(&data, 12),
        mtime: time_at(&data, 20),
        ctime: time_at(&data, 4),
    })
}

/// _fstat of a descriptor.
pub fn stat_fd(fd: i32) -> Result<Stat, i32> {
    let Some(e) = crate::lowio::get(fd) else {
        return Err(EBADF);
    };
    match kernel32::file::GetFileType(e.handle) {
        // A character device or a pipe: its type, the descriptor as device.
        2 | 3 => {
            let kind = if kernel32::file::GetFileType(e.handle) == 2 {
                S_IFCHR
            } else {
                S_IFIFO
            };
            Ok(Stat {
                dev: fd as u32,
                mode: kind | permissions(0, false),
                nlink: 1,
                ..Stat::default()
            })
        }
        _ => {
            // BY_HANDLE_FILE_INFORMATION: attributes, three FILETIMEs,
            // volume serial, size high/low, links, index.
            let mut info = [0u8; 52];
            if kernel32::fileinfo::GetFileInformationByHandle(e.handle, info.as_mut_ptr() as u64)
                == 0
            {
                errno::set_from_win32(kernel32::process::GetLastError());
                return Err(errno::get());
            }
            let attrs = u32_at(&info, 0);
            let dir = attrs & FILE_ATTRIBUTE_DIRECTORY != 0;
            Ok(Stat {
                dev: 0,
                mode: if dir { S_IFDIR } else { S_IFREG } | permissions(attrs, false),
                nlink: u32_at(&info, 40) as i16,
                size: i64::from(u32_at(&info, 32)) << 32 | i64::from(u32_at(&info, 36)),
                atime: time_at(&info, 12),
                mtime: time_at(&info, 20),
                ctime: time_at(&info, 4),
            })
        }
    }
}

/// Writes `struct _stat64` (56 bytes).
fn write64(out: *mut u8, s: &Stat) {
    let mut b = [0u8; 56];
    b[0..4].copy_from_slice(&s.dev.to_le_bytes());
    b[6..8].copy_from_slice(&s.mode.to_le_bytes());
    b[8..10].copy_from_slice(&s.nlink.to_le_bytes());
    b[16..20].copy_from_slice(&s.dev.to_le_bytes());
    b[24..32].copy_from_slice(&s.size.to_le_bytes());
    b[32..40].copy_from_slice(&s.atime.to_le_bytes());
    b[40..48].copy_from_slice(&s.mtime.to_le_bytes());
    b[48..56].copy_from_slice(&s.ctime.to_le_bytes());
    // SAFETY: the caller's struct _stat64.
    unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), out, b.len()) };
}

/// Writes `struct _stat64i32` (48 bytes); EOVERFLOW past 2 GiB.
fn write64i32(out: *mut u8, s: &Stat) -> Result<(), i32> {
    let size = i32::try_from(s.size).map_err(|_| EOVERFLOW)?;
    let mut b = [0u8; 48];
    b[0..4].copy_from_slice(&s.dev.to_le_bytes());
    b[6..8].copy_from_slice(&s.mode.to_le_bytes());
    b[8..10].copy_from_slice(&s.nlink.to_le_bytes());
    b[16..20].copy_from_slice(&s.dev.to_le_bytes());
    b[20..24].copy_from_slice(&size.to_le_bytes());
    b[24..32].copy_from_slice(&s.atime.to_le_bytes());
    b[32..40].copy_from_slice(&s.mtime.to_le_bytes());
    b[40..48].copy_from_slice(&s.ctime.to_le_bytes());
    // SAFETY: the caller's struct _stat64i32.
    unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), out, b.len()) };
    Ok(())
}

fn finish(r: Result<(), i32>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => {
            errno::set(e);
            -1
        }
    }
}

fn narrow_path(p: *const u8) -> Option<Vec<u16>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated path from the caller.
    let b = unsafe { std::ffi::CStr::from_ptr(p as *const std::ffi::c_char) }.to_bytes();
    Some(kernel32::nls::ansi_to_wide(b))
}

fn wide_path(p: *const u16) -> Option<Vec<u16>> {
    // SAFETY: a NUL-terminated wide path or NULL.
    unsafe { kernel32::error::wstr(p) }
}

/// Implements _stat64(path, buffer) (msvcrt's _stati64 too).
pub extern "win64" fn _stat64(path: *const u8, out: *mut u8) -> i32 {
    finish(
        narrow_path(path)
            .ok_or(crate::errno::EINVAL)
            .and_then(|p| stat_path(&p))
            .map(|s| write64(out, &s)),
    )
}

/// Implements _wstat64(path, buffer).
pub extern "win64" fn _wstat64(path: *const u16, out: *mut u8) -> i32 {
    finish(
        wide_path(path)
            .ok_or(crate::errno::EINVAL)
            .and_then(|p| stat_path(&p))
            .map(|s| write64(out, &s)),
    )
}

/// Implements _stat64i32(path, buffer) (msvcrt's _stat).
pub extern "win64" fn _stat64i32(path: *const u8, out: *mut u8) -> i32 {
    finish(
        narrow_path(path)
            .ok_or(crate::errno::EINVAL)
            .and_then(|p| stat_path(&p))
            .and_then(|s| write64i32(out, &s)),
    )
}

/// Implements _wstat64i32(path, buffer).
pub extern "win64" fn _wstat64i32(path: *const u16, out: *mut u8) -> i32 {
    finish(
        wide_path(path)
            .ok_or(crate::errno::EINVAL)
            .and_then(|p| stat_path(&p))
            .and_then(|s| write64i32(out, &s)),
    )
}

/// Implements _fstat64(fd, buffer) (msvcrt's _fstati64 too).
pub extern "win64" fn _fstat64(fd: i32, out: *mut u8) -> i32 {
    finish(stat_fd(fd).map(|s| write64(out, &s)))
}

/// Implements _fstat64i32(fd, buffer) (msvcrt's _fstat).
pub extern "win64" fn _fstat64i32(fd: i32, out: *mut u8) -> i32 {
    finish(stat_fd(fd).and_then(|s| write64i32(out, &s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_bits() {
        assert_eq!(permissions(0, false), 0o666 & 0x1b6);
        assert_eq!(
            permissions(FILE_ATTRIBUTE_READONLY, true),
            0x100 | 0x40 | 0x20 | 0x8 | 0x4 | 0x1
        );
        let p: Vec<u16> = "C:\\X\\Run.EXE".encode_utf16().collect();
        assert!(is_program(&p));
        assert_eq!(drive_of(&p), 2);
    }
}
