//! Low-level I/O: C runtime file descriptors over Win32 handles (_open,
//! _read, _write, _lseek, _close, _setmode, ...). Text mode lives here, as in
//! msvcrt: "\n" becomes "\r\n" on write, "\r\n" becomes "\n" on read, and
//! Ctrl-Z ends a text file.

use crate::errno::{self, EBADF, EINVAL, EMFILE};
use kernel32::file as k32;
use std::sync::Mutex;

pub const O_RDONLY: i32 = 0x0000;
pub const O_WRONLY: i32 = 0x0001;
pub const O_RDWR: i32 = 0x0002;
pub const O_APPEND: i32 = 0x0008;
pub const O_CREAT: i32 = 0x0100;
pub const O_TRUNC: i32 = 0x0200;
pub const O_EXCL: i32 = 0x0400;
pub const O_TEXT: i32 = 0x4000;
pub const O_BINARY: i32 = 0x8000;
pub const O_NOINHERIT: i32 = 0x0080;

#[derive(Clone, Copy)]
pub struct Fd {
    pub handle: u64,
    pub text: bool,
    pub append: bool,
    /// A character device or pipe: no Ctrl-Z end of file, no seeking.
    pub device: bool,
    /// A '\r' read at the end of a buffer, waiting to see if '\n' follows.
    pending_cr: bool,
    /// Text-mode end of file (Ctrl-Z) reached.
    eof: bool,
}

static FDS: Mutex<Vec<Option<Fd>>> = Mutex::new(Vec::new());
const MAX_FDS: usize = 2048;

/// The _fmode default translation mode (the `_fmode` data export).
pub static FMODE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn default_text() -> bool {
    let p = FMODE.load(std::sync::atomic::Ordering::Relaxed);
    // SAFETY: the address of msvcrt's `_fmode` data export.
    p == 0 || unsafe { *(p as *const i32) } & O_BINARY == 0
}

fn is_device(handle: u64) -> bool {
    kernel32::file::GetFileType(handle) != 1
}

/// Sets up descriptors 0, 1 and 2 from the standard handles.
pub fn init() {
    let mut fds = FDS.lock().unwrap_or_else(|e| e.into_inner());
    fds.clear();
    for which in [-10i32, -11, -12] {
        let h = k32::GetStdHandle(which as u32);
        let valid = h != 0 && h != u64::MAX;
        fds.push(valid.then(|| Fd {
            handle: h,
            text: true,
            append: false,
            device: is_device(h),
            pending_cr: false,
            eof: false,
        }));
    }
}

pub fn get(fd: i32) -> Option<Fd> {
    let fds = FDS.lock().unwrap_or_else(|e| e.into_inner());
    fds.get(fd as usize).copied().flatten()
}

fn update(fd: i32, f: impl FnOnce(&mut Fd)) {
    let mut fds = FDS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(Some(e)) = fds.get_mut(fd as usize) {
        f(e);
    }
}

/// Allocates the lowest free descriptor for a handle.
pub fn alloc(handle: u64, flags: i32) -> i32 {
    let mut fds = FDS.lock().unwrap_or_else(|e| e.into_inner());
    let text = if flags & O_BINARY != 0 {
        false
    } else if flags & O_TEXT != 0 {
        true
    } else {
        default_text()
    };
    let entry = Fd {
        handle,
        text,
        append: flags & O_APPEND != 0,
        device: is_device(handle),
        pending_cr: false,
        eof: false,
    };
    match fds.iter().position(|e| e.is_none()) {
        Some(i) => {
            fds[i] = Some(entry);
            i as i32
        }
        None if fds.len() < MAX_FDS => {
            fds.push(Some(entry));
            fds.len() as i32 - 1
        }
        None => {
            errno::set(EMFILE);
            -1
        }
    }
}

fn bad_fd() -> i32 {
    errno::set(EBADF);
    -1
}

/// Implements _open(filename, oflag, pmode).
pub extern "win64" fn _open(name: *const u8, flags: i32, mode: i32) -> i32 {
    let access = match flags & 3 {
        O_RDONLY => 0x8000_0000u32,
        O_WRONLY => 0x4000_0000,
        O_RDWR => 0xC000_0000,
        _ => {
            errno::set(EINVAL);
            return -1;
        }
    };
    let creation = match (
        flags & O_CREAT != 0,
        flags & O_EXCL != 0,
        flags & O_TRUNC != 0,
    ) {
        (true, true, _) => 1,      // CREATE_NEW
        (true, false, true) => 2,  // CREATE_ALWAYS
        (true, false, false) => 4, // OPEN_ALWAYS
        (false, _, true) => 5,     // TRUNCATE_EXISTING
        (false, _, false) => 3,    // OPEN_EXISTING
    };
    // _S_IWRITE (0x80) absent on a new file: read-only attribute.
    let attributes = if flags & O_CREAT != 0 && mode & 0x80 == 0 {
        0x1
    } else {
        0x80
    };
    let h = k32::CreateFileA(name, access, 0x3, 0, creation, attributes, 0);
    if h == k32::INVALID_HANDLE_VALUE {
        errno::set_from_win32(kernel32::process::GetLastError());
        return -1;
    }
    let fd = alloc(h, flags);
    if fd < 0 {
        k32::CloseHandle(h);
    }
    fd
}

/// Implements _close(fd).
pub extern "win64" fn _close(fd: i32) -> i32 {
    let entry = {
        let mut fds = FDS.lock().unwrap_or_else(|e| e.into_inner());
        match fds.get_mut(fd as usize) {
            Some(e @ Some(_)) => e.take(),
            _ => None,
        }
    };
    let Some(e) = entry else { return bad_fd() };
    if k32::CloseHandle(e.handle) == 0 {
        errno::set_from_win32(kernel32::process::GetLastError());
        return -1;
    }
    0
}

fn raw_write(h: u64, bytes: &[u8]) -> Result<usize, u32> {
    let mut done = 0u32;
    if k32::WriteFile(
        h,
        bytes.as_ptr() as u64,
        bytes.len() as u32,
        &mut done,
        core::ptr::null_mut(),
    ) == 0
    {
        return Err(kernel32::process::GetLastError());
    }
    Ok(done as usize)
}

/// Writes to a descriptor with text-mode translation; returns the number of
/// source bytes written.
pub fn write(fd: i32, data: &[u8]) -> Result<usize, i32> {
    let Some(e) = get(fd) else {
        errno::set(EBADF);
        return Err(EBADF);
    };
    if e.append {
        let mut end = 0i64;
        k32::SetFilePointerEx(e.handle, 0, &mut end, 2);
    }
    let r = if e.text {
        let mut out = Vec::with_capacity(data.len() + data.len() / 8);
        for &b in data {
            if b == b'\n' {
                out.push(b'\r');
            }
            out.push(b);
        }
        raw_write(e.handle, &out).map(|n| {
            if n == out.len() {
                data.len()
            } else {
                n.min(data.len())
            }
        })
    } else {
        raw_write(e.handle, data)
    };
    r.map_err(|err| {
        errno::set_from_win32(err);
        errno::get()
    })
}

/// Reads from a descriptor with text-mode translation. Ok(0) is end of file.
pub fn read(fd: i32, buf: &mut [u8]) -> Result<usize, i32> {
    let Some(e) = get(fd) else {
        errno::set(EBADF);
        return Err(EBADF);
    };
    if buf.is_empty() || (e.text && e.eof) {
        return Ok(0);
    }
    let mut raw = vec![0u8; buf.len()];
    let mut got = 0u32;
    if k32::ReadFile(
        e.handle,
        raw.as_mut_ptr() as u64,
        raw.len() as u32,
        &mut got,
        core::ptr::null_mut(),
    ) == 0
    {
        let err = kernel32::process::GetLastError();
        // A closed pipe is end of file.
        if err == 109 {
            return Ok(0);
        }
        errno::set_from_win32(err);
        return Err(errno::get());
    }
    raw.truncate(got as usize);
    if !e.text {
        buf[..raw.len()].copy_from_slice(&raw);
        return Ok(raw.len());
    }
    let mut n = 0;
    let mut pending = e.pending_cr;
    let mut eof = false;
    for &b in &raw {
        if pending {
            pending = false;
            if b != b'\n' {
                buf[n] = b'\r';
                n += 1;
            }
        }
        match b {
            0x1A if !e.device => {
                eof = true;
                break;
            }
            b'\r' => pending = true,
            _ => {
                buf[n] = b;
                n += 1;
            }
        }
    }
    if eof {
        // Put the file position back at the Ctrl-Z.
        let consumed = raw.iter().position(|&b| b == 0x1A).unwrap_or(raw.len()) as i64;
        k32::SetFilePointerEx(
            e.handle,
            consumed - raw.len() as i64,
            core::ptr::null_mut(),
            1,
        );
    }
    if pending && raw.len() < buf.len() {
        // A lone '\r' at the very end of the data stays a '\r'.
        buf[n] = b'\r';
        n += 1;
        pending = false;
    }
    update(fd, |f| {
        f.pending_cr = pending;
        f.eof = eof;
    });
    if n == 0 && !raw.is_empty() && !eof {
        // Only a '\r' was read; fetch what follows it.
        return read(fd, buf);
    }
    Ok(n)
}

/// Implements _write(fd, buffer, count).
pub extern "win64" fn _write(fd: i32, buf: *const u8, count: u32) -> i32 {
    // SAFETY: the caller passes `count` bytes.
    let data = unsafe { core::slice::from_raw_parts(buf, count as usize) };
    write(fd, data).map_or(-1, |n| n as i32)
}

/// Implements _read(fd, buffer, count).
pub extern "win64" fn _read(fd: i32, buf: *mut u8, count: u32) -> i32 {
    // SAFETY: the caller passes room for `count` bytes.
    let data = unsafe { core::slice::from_raw_parts_mut(buf, count as usize) };
    read(fd, data).map_or(-1, |n| n as i32)
}

/// Seeks a descriptor; clears the text-mode end-of-file state.
pub fn seek(fd: i32, offset: i64, whence: i32) -> i64 {
    let Some(e) = get(fd) else {
        errno::set(EBADF);
        return -1;
    };
    if !(0..=2).contains(&whence) {
        errno::set(EINVAL);
        return -1;
    }
    let mut new = 0i64;
    if k32::SetFilePointerEx(e.handle, offset, &mut new, whence as u32) == 0 {
        errno::set_from_win32(kernel32::process::GetLastError());
        return -1;
    }
    update(fd, |f| {
        f.eof = false;
        f.pending_cr = false;
    });
    new
}

/// Implements _lseek(fd, offset, origin).
pub extern "win64" fn _lseek(fd: i32, offset: i32, whence: i32) -> i32 {
    let r = seek(fd, offset as i64, whence);
    if r > i32::MAX as i64 {
        errno::set(EINVAL);
        return -1;
    }
    r as i32
}

/// Implements _lseeki64(fd, offset, origin).
pub extern "win64" fn _lseeki64(fd: i32, offset: i64, whence: i32) -> i64 {
    seek(fd, offset, whence)
}

/// Implements _setmode(fd, mode): returns the previous mode.
pub extern "win64" fn _setmode(fd: i32, mode: i32) -> i32 {
    if mode != O_TEXT && mode != O_BINARY && mode != 0x20000 && mode != 0x40000 {
        errno::set(EINVAL);
        return -1;
    }
    let Some(e) = get(fd) else { return bad_fd() };
    update(fd, |f| f.text = mode != O_BINARY);
    if e.text {
        O_TEXT
    } else {
        O_BINARY
    }
}

/// Implements _isatty(fd): nonzero for a character device.
pub extern "win64" fn _isatty(fd: i32) -> i32 {
    match get(fd) {
        Some(e) => (k32::GetFileType(e.handle) == 2) as i32 * 0x40,
        None => {
            errno::set(EBADF);
            0
        }
    }
}

/// Implements _get_osfhandle(fd).
pub extern "win64" fn _get_osfhandle(fd: i32) -> u64 {
    match get(fd) {
        Some(e) => e.handle,
        None => {
            errno::set(EBADF);
            u64::MAX
        }
    }
}

/// Implements _open_osfhandle(osfhandle, flags).
pub extern "win64" fn _open_osfhandle(h: u64, flags: i32) -> i32 {
    if h == 0 || h == u64::MAX {
        errno::set(EBADF);
        return -1;
    }
    alloc(h, flags)
}

/// Implements _commit(fd).
pub extern "win64" fn _commit(fd: i32) -> i32 {
    match get(fd) {
        Some(e) if k32::FlushFileBuffers(e.handle) != 0 || e.device => 0,
        Some(_) => {
            errno::set_from_win32(kernel32::process::GetLastError());
            -1
        }
        None => bad_fd(),
    }
}

/// Implements _eof(fd).
pub extern "win64" fn _eof(fd: i32) -> i32 {
    let Some(e) = get(fd) else { return bad_fd() };
    let mut here = 0i64;
    let mut size = 0i64;
    if k32::SetFilePointerEx(e.handle, 0, &mut here, 1) == 0
        || k32::GetFileSizeEx(e.handle, &mut size) == 0
    {
        return -1;
    }
    (here >= size) as i32
}
