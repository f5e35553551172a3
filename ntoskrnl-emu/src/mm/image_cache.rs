//! The image cache: each mapped PE file laid out once by RVA in a file under
//! the prefix (`cache/images/`), so later runs map an image straight from
//! the page cache, shared and copy-on-write, as Windows shares the pages of
//! an image section between processes. Nothing is copied or zeroed for
//! pages a program never writes, and sections it never reads (debug data)
//! are never read at all.
//!
//! A cache entry is named after the file's identity (device, inode, size,
//! modification and change times), so a changed file never maps a stale
//! entry; entries are written to a temporary name and renamed into place.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// Bump when the layout of entries changes.
const FORMAT: u32 = 1;

fn directory() -> PathBuf {
    crate::io::names::prefix().join("cache").join("images")
}

/// The entry name for the image file open at `fd`.
fn entry_path(fd: i32) -> Option<PathBuf> {
    // SAFETY: fstat into a zeroed struct we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return None;
    }
    let name = format!(
        "v{FORMAT}-{:x}-{:x}-{:x}-{:x}.{:x}-{:x}.{:x}.img",
        st.st_dev,
        st.st_ino,
        st.st_size,
        st.st_mtime,
        st.st_mtime_nsec,
        st.st_ctime,
        st.st_ctime_nsec
    );
    Some(directory().join(name))
}

/// Opens the cache entry of the image file at `fd` if there is one of the
/// expected size.
pub fn open(fd: i32, size: u64) -> Option<OwnedFd> {
    let path = entry_path(fd)?;
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: open with a NUL-terminated path; the result is checked.
    let entry = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if entry < 0 {
        return None;
    }
    // SAFETY: a fresh descriptor we own.
    let entry = unsafe { OwnedFd::from_raw_fd(entry) };
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat into a zeroed struct.
    if unsafe { libc::fstat(entry.as_raw_fd(), &mut st) } != 0 || st.st_size as u64 != size {
        return None;
    }
    Some(entry)
}

/// Writes the cache entry for the image file at `fd`: `layout` gives, for
/// each section, (RVA, file offset, bytes); the headers are the first
/// `headers` bytes. Failures only mean there is no entry.
pub fn store(fd: i32, size: u64, headers: &[u8], layout: &[(u64, u64, u64)]) {
    let Some(path) = entry_path(fd) else { return };
    let mut image = vec![0u8; size as usize];
    image[..headers.len()].copy_from_slice(headers);
    for &(rva, offset, n) in layout {
        let dst = &mut image[rva as usize..(rva + n) as usize];
        let mut done = 0;
        while done < dst.len() {
            // SAFETY: pread into the part of our buffer still to fill.
            let r = unsafe {
                libc::pread(
                    fd,
                    dst[done..].as_mut_ptr() as *mut libc::c_void,
                    dst.len() - done,
                    (offset + done as u64) as i64,
                )
            };
            if r <= 0 {
                return;
            }
            done += r as usize;
        }
    }
    let dir = directory();
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        std::process::id(),
        path.file_name().map_or(0, |n| n.len())
    ));
    if std::fs::write(&temporary, &image).is_ok() && std::fs::rename(&temporary, &path).is_ok() {
        log::debug!(target: "loader", "image cache: stored {}", path.display());
    } else {
        let _ = std::fs::remove_file(&temporary);
    }
}
