//! Streams: FILE over C runtime descriptors. The stream layer buffers raw
//! file bytes and translates text mode itself, so ftell and fseek see file
//! offsets as msvcrt's do.

use crate::errno::{self, EBADF, EINVAL};
use crate::lowio;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// sizeof(FILE) in msvcrt (struct _iobuf).
pub const FILE_SIZE: usize = 48;
/// struct _iobuf's `_file` field.
const FILE_FD_OFFSET: u64 = 28;
/// Streams outside `_iob` are a _FILEX: the FILE followed by the critical
/// section that _lock_file (in mingw's static runtime, too) enters.
const FILEX_SIZE: usize = FILE_SIZE + 40;
/// _IOB_ENTRIES: the static stream array `_iob`.
pub const IOB_ENTRIES: usize = 20;
const BUFSIZ: usize = 4096;
pub const EOF: i32 = -1;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Buffering {
    Full,
    Line,
    None,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    None,
    Read,
    Write,
}

pub struct Stream {
    fd: i32,
    read: bool,
    write: bool,
    text: bool,
    /// Raw bytes waiting to be written.
    wbuf: Vec<u8>,
    /// Raw bytes read ahead, and how many are consumed.
    rbuf: Vec<u8>,
    rpos: usize,
    ungot: Vec<u8>,
    eof: bool,
    err: bool,
    buffering: Buffering,
    last: Op,
    /// The FILE struct came from the heap (fopen) rather than `_iob`.
    heap_struct: bool,
}

static STREAMS: Mutex<Option<HashMap<u64, Stream>>> = Mutex::new(None);
/// Address of the `_iob` array.
pub static IOB: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn streams() -> MutexGuard<'static, Option<HashMap<u64, Stream>>> {
    STREAMS.lock().unwrap_or_else(|e| e.into_inner())
}

fn iob() -> u64 {
    IOB.load(std::sync::atomic::Ordering::Relaxed)
}

/// The FILE* of stdin (0), stdout (1) or stderr (2).
pub fn std_stream(i: usize) -> u64 {
    iob() + (i * FILE_SIZE) as u64
}

fn new_stream(fd: i32, read: bool, write: bool, heap_struct: bool) -> Stream {
    let e = lowio::get(fd);
    let text = e.is_some_and(|e| e.text);
    let device = e.is_some_and(|e| e.device);
    // Output to a terminal appears at once (msvcrt's temporary buffering);
    // files and pipes are fully buffered; stderr is unbuffered.
    let buffering = if fd == 2 {
        Buffering::None
    } else if device && kernel32::file::GetFileType(e.map_or(0, |e| e.handle)) == 2 {
        Buffering::Line
    } else {
        Buffering::Full
    };
    Stream {
        fd,
        read,
        write,
        text,
        wbuf: Vec::new(),
        rbuf: Vec::new(),
        rpos: 0,
        ungot: Vec::new(),
        eof: false,
        err: false,
        buffering,
        last: Op::None,
        heap_struct,
    }
}

/// Sets up stdin, stdout and stderr in `_iob`.
pub fn init(iob_address: u64) {
    IOB.store(iob_address, std::sync::atomic::Ordering::Relaxed);
    let mut map = HashMap::new();
    for (i, (r, w)) in [(true, false), (false, true), (false, true)]
        .into_iter()
        .enumerate()
    {
        // _file in the FILE struct (offset 28), for code that reads it.
        // SAFETY: _iob is our data export of IOB_ENTRIES FILE structs.
        unsafe { *((std_stream(i) + FILE_FD_OFFSET) as *mut i32) = i as i32 };
        map.insert(std_stream(i), new_stream(i as i32, r, w, false));
    }
    *streams() = Some(map);
}

fn raw_write(fd: i32, data: &[u8]) -> bool {
    let Some(e) = lowio::get(fd) else {
        return false;
    };
    let mut done = 0u32;
    let mut off = 0;
    while off < data.len() {
        if kernel32::file::WriteFile(
            e.handle,
            data[off..].as_ptr() as u64,
            (data.len() - off) as u32,
            &mut done,
            core::ptr::null_mut(),
        ) == 0
        {
            errno::set_from_win32(kernel32::process::GetLastError());
            return false;
        }
        if done == 0 {
            return false;
        }
        off += done as usize;
    }
    true
}

fn raw_read(fd: i32, buf: &mut [u8]) -> Result<usize, ()> {
    let Some(e) = lowio::get(fd) else {
        return Err(());
    };
    let mut got = 0u32;
    if kernel32::file::ReadFile(
        e.handle,
        buf.as_mut_ptr() as u64,
        buf.len() as u32,
        &mut got,
        core::ptr::null_mut(),
    ) == 0
    {
        let err = kernel32::process::GetLastError();
        if err == 109 {
            return Ok(0); // broken pipe: end of input
        }
        errno::set_from_win32(err);
        return Err(());
    }
    Ok(got as usize)
}

impl Stream {
    fn flush(&mut self) -> bool {
        if self.wbuf.is_empty() {
            return true;
        }
        if lowio::get(self.fd).is_some_and(|e| e.append) {
            lowio::seek(self.fd, 0, 2);
        }
        let ok = raw_write(self.fd, &self.wbuf);
        self.wbuf.clear();
        if !ok {
            self.err = true;
        }
        ok
    }

    /// Gives read-ahead back to the file so its position is the stream's.
    fn drop_read_ahead(&mut self) {
        let unread = (self.rbuf.len() - self.rpos) as i64 + self.ungot.len() as i64;
        if unread > 0 {
            lowio::seek(self.fd, -unread, 1);
        }
        self.rbuf.clear();
        self.rpos = 0;
        self.ungot.clear();
    }

    fn put(&mut self, data: &[u8]) -> usize {
        if !self.write {
            self.err = true;
            errno::set(EBADF);
            return 0;
        }
        if self.last == Op::Read {
            self.drop_read_ahead();
        }
        self.last = Op::Write;
        for &b in data {
            if self.text && b == b'\n' {
                self.wbuf.push(b'\r');
            }
            self.wbuf.push(b);
        }
        let flush_now = match self.buffering {
            Buffering::None => true,
            Buffering::Line => true,
            Buffering::Full => self.wbuf.len() >= BUFSIZ,
        };
        if flush_now && !self.flush() {
            return 0;
        }
        data.len()
    }

    fn fill(&mut self) -> bool {
        let mut buf = vec![0u8; BUFSIZ];
        match raw_read(self.fd, &mut buf) {
            Ok(0) => {
                self.eof = true;
                false
            }
            Ok(n) => {
                buf.truncate(n);
                // Keep an unconsumed '\r' that may pair with a '\n'.
                let mut rest: Vec<u8> = self.rbuf[self.rpos..].to_vec();
                rest.extend(buf);
                self.rbuf = rest;
                self.rpos = 0;
                true
            }
            Err(()) => {
                self.err = true;
                false
            }
        }
    }

    fn getc(&mut self) -> i32 {
        if !self.read {
            self.err = true;
            errno::set(EBADF);
            return EOF;
        }
        if self.last == Op::Write {
            self.flush();
        }
        self.last = Op::Read;
        if let Some(b) = self.ungot.pop() {
            return b as i32;
        }
        loop {
            if self.rpos >= self.rbuf.len() {
                self.rbuf.clear();
                self.rpos = 0;
                if self.eof || !self.fill() {
                    return EOF;
                }
            }
            let b = self.rbuf[self.rpos];
            if !self.text {
                self.rpos += 1;
                return b as i32;
            }
            match b {
                0x1A if !lowio::get(self.fd).is_some_and(|e| e.device) => {
                    self.eof = true;
                    return EOF;
                }
                b'\r' => {
                    if self.rpos + 1 >= self.rbuf.len() && !self.eof && self.fill() {
                        continue;
                    }
                    self.rpos += 1;
                    if self.rbuf.get(self.rpos) == Some(&b'\n') {
                        self.rpos += 1;
                        return b'\n' as i32;
                    }
                    return b'\r' as i32;
                }
                _ => {
                    self.rpos += 1;
                    return b as i32;
                }
            }
        }
    }

    fn tell(&mut self) -> i64 {
        let pos = lowio::seek(self.fd, 0, 1);
        if pos < 0 {
            return -1;
        }
        match self.last {
            Op::Write => pos + self.wbuf.len() as i64,
            _ => pos - (self.rbuf.len() - self.rpos) as i64 - self.ungot.len() as i64,
        }
    }
}

/// Runs `f` on the stream behind a FILE*.
fn with<T>(file: u64, fail: T, f: impl FnOnce(&mut Stream) -> T) -> T {
    let mut guard = streams();
    match guard.as_mut().and_then(|m| m.get_mut(&file)) {
        Some(s) => f(s),
        None => {
            errno::set(EINVAL);
            fail
        }
    }
}

/// Flushes every stream (exit, _flushall, fflush(NULL)).
pub fn flush_all() -> i32 {
    let mut guard = streams();
    let mut n = 0;
    if let Some(m) = guard.as_mut() {
        for s in m.values_mut() {
            if !s.wbuf.is_empty() {
                s.flush();
                n += 1;
            }
        }
    }
    n
}

/// Parses an fopen mode: (lowio flags, read, write).
fn parse_mode(mode: &[u8]) -> Option<(i32, bool, bool)> {
    let (mut flags, mut r, mut w) = match mode.first()? {
        b'r' => (lowio::O_RDONLY, true, false),
        b'w' => (
            lowio::O_WRONLY | lowio::O_CREAT | lowio::O_TRUNC,
            false,
            true,
        ),
        b'a' => (
            lowio::O_WRONLY | lowio::O_CREAT | lowio::O_APPEND,
            false,
            true,
        ),
        _ => return None,
    };
    for &c in &mode[1..] {
        match c {
            b'+' => {
                flags = (flags & !3) | lowio::O_RDWR;
                r = true;
                w = true;
            }
            b'b' => flags |= lowio::O_BINARY,
            b't' => flags |= lowio::O_TEXT,
            b' ' | b'c' | b'n' | b'N' | b'S' | b'R' | b'T' | b'D' => {}
            b',' => break, // ccs=...
            _ => return None,
        }
    }
    Some((flags, r, w))
}

fn cstr(p: *const u8) -> &'static [u8] {
    if p.is_null() {
        return &[];
    }
    // SAFETY: a NUL-terminated string from the caller.
    unsafe { std::ffi::CStr::from_ptr(p as *const std::ffi::c_char).to_bytes() }
}

fn register_stream(fd: i32, read: bool, write: bool) -> u64 {
    let Some(h) = ntdll::heap::process_heap() else {
        return 0;
    };
    let Ok(file) = h.alloc(FILEX_SIZE, ntdll::heap::HEAP_ZERO_MEMORY) else {
        return 0;
    };
    // SAFETY: a fresh _FILEX.
    unsafe { *((file + FILE_FD_OFFSET) as *mut i32) = fd };
    ntdll::sync::RtlInitializeCriticalSection(
        (file + FILE_SIZE as u64) as *mut ntdll::sync::CriticalSection,
    );
    if let Some(m) = streams().as_mut() {
        m.insert(file, new_stream(fd, read, write, true));
    }
    file
}

/// Implements fopen(filename, mode).
pub extern "win64" fn fopen(name: *const u8, mode: *const u8) -> u64 {
    if name.is_null() || mode.is_null() {
        errno::set(EINVAL);
        return 0;
    }
    let Some((flags, r, w)) = parse_mode(cstr(mode)) else {
        errno::set(EINVAL);
        return 0;
    };
    let fd = lowio::_open(name, flags, 0x180);
    if fd < 0 {
        return 0;
    }
    register_stream(fd, r, w)
}

/// Implements _wfopen(filename, mode).
pub extern "win64" fn _wfopen(name: *const u16, mode: *const u16) -> u64 {
    // SAFETY: NUL-terminated wide strings from the caller.
    let (Some(n), Some(m)) = (unsafe { kernel32::error::wstr(name) }, unsafe {
        kernel32::error::wstr(mode)
    }) else {
        errno::set(EINVAL);
        return 0;
    };
    let mut n = kernel32::nls::wide_to_ansi(&n);
    n.push(0);
    let mut m: Vec<u8> = m.iter().map(|&u| u as u8).collect();
    m.push(0);
    fopen(n.as_ptr(), m.as_ptr())
}

/// Implements _fdopen(fd, mode).
pub extern "win64" fn _fdopen(fd: i32, mode: *const u8) -> u64 {
    let Some((_, r, w)) = parse_mode(cstr(mode)) else {
        errno::set(EINVAL);
        return 0;
    };
    if lowio::get(fd).is_none() {
        errno::set(EBADF);
        return 0;
    }
    register_stream(fd, r, w)
}

/// Implements fclose(stream).
pub extern "win64" fn fclose(file: u64) -> i32 {
    let stream = {
        let mut guard = streams();
        guard.as_mut().and_then(|m| m.remove(&file))
    };
    let Some(mut s) = stream else {
        errno::set(EINVAL);
        return EOF;
    };
    let ok = s.flush();
    let closed = lowio::_close(s.fd) == 0;
    if s.heap_struct {
        if let Some(h) = ntdll::heap::process_heap() {
            let _ = h.free(file);
        }
    }
    if ok && closed {
        0
    } else {
        EOF
    }
}

/// Implements fflush(stream); NULL flushes every stream.
pub extern "win64" fn fflush(file: u64) -> i32 {
    if file == 0 {
        flush_all();
        return 0;
    }
    with(file, EOF, |s| {
        if s.last == Op::Read {
            s.drop_read_ahead();
            s.last = Op::None;
            return 0;
        }
        if s.flush() {
            0
        } else {
            EOF
        }
    })
}

/// Implements _flushall(): the number of streams flushed.
pub extern "win64" fn _flushall() -> i32 {
    flush_all()
}

/// Writes bytes to a stream (the common body of fwrite, fputs, printf...).
pub fn write_stream(file: u64, data: &[u8]) -> usize {
    with(file, 0, |s| s.put(data))
}

/// Implements fwrite(buffer, size, count, stream).
pub extern "win64" fn fwrite(buf: *const u8, size: u64, count: u64, file: u64) -> u64 {
    let Some(total) = size.checked_mul(count) else {
        errno::set(EINVAL);
        return 0;
    };
    if total == 0 {
        return 0;
    }
    // SAFETY: the caller passes size*count bytes.
    let data = unsafe { core::slice::from_raw_parts(buf, total as usize) };
    let n = write_stream(file, data) as u64;
    n / size
}

/// Implements fread(buffer, size, count, stream).
pub extern "win64" fn fread(buf: *mut u8, size: u64, count: u64, file: u64) -> u64 {
    let Some(total) = size.checked_mul(count) else {
        errno::set(EINVAL);
        return 0;
    };
    if total == 0 {
        return 0;
    }
    with(file, 0, |s| {
        let mut n = 0u64;
        while n < total {
            // Bulk copy when binary and buffered data is available.
            if !s.text && s.ungot.is_empty() && s.rpos < s.rbuf.len() && s.last != Op::Write {
                let take = ((total - n) as usize).min(s.rbuf.len() - s.rpos);
                // SAFETY: the caller's buffer holds `total` bytes.
                unsafe {
                    core::ptr::copy_nonoverlapping(
                        s.rbuf[s.rpos..].as_ptr(),
                        buf.add(n as usize),
                        take,
                    )
                };
                s.rpos += take;
                n += take as u64;
                continue;
            }
            let c = s.getc();
            if c == EOF {
                break;
            }
            // SAFETY: as above.
            unsafe { *buf.add(n as usize) = c as u8 };
            n += 1;
        }
        n / size
    })
}

/// Implements fgetc(stream) (also getc).
pub extern "win64" fn fgetc(file: u64) -> i32 {
    with(file, EOF, |s| s.getc())
}

/// Implements getchar().
pub extern "win64" fn getchar() -> i32 {
    fgetc(std_stream(0))
}

/// Implements fputc(c, stream) (also putc).
pub extern "win64" fn fputc(c: i32, file: u64) -> i32 {
    if write_stream(file, &[c as u8]) == 1 {
        c & 0xFF
    } else {
        EOF
    }
}

/// Implements putchar(c).
pub extern "win64" fn putchar(c: i32) -> i32 {
    fputc(c, std_stream(1))
}

/// Implements fputs(str, stream).
pub extern "win64" fn fputs(s: *const u8, file: u64) -> i32 {
    let data = cstr(s);
    if write_stream(file, data) == data.len() {
        0
    } else {
        EOF
    }
}

/// Implements puts(str): the string and a newline.
pub extern "win64" fn puts(s: *const u8) -> i32 {
    let mut data = cstr(s).to_vec();
    data.push(b'\n');
    if write_stream(std_stream(1), &data) == data.len() {
        0
    } else {
        EOF
    }
}

/// Implements fgets(str, numChars, stream).
pub extern "win64" fn fgets(buf: *mut u8, n: i32, file: u64) -> *mut u8 {
    if buf.is_null() || n <= 0 {
        errno::set(EINVAL);
        return core::ptr::null_mut();
    }
    with(file, core::ptr::null_mut(), |s| {
        let mut i = 0usize;
        while i + 1 < n as usize {
            let c = s.getc();
            if c == EOF {
                break;
            }
            // SAFETY: the caller's buffer holds n bytes.
            unsafe { *buf.add(i) = c as u8 };
            i += 1;
            if c == b'\n' as i32 {
                break;
            }
        }
        if i == 0 && n > 1 {
            return core::ptr::null_mut();
        }
        // SAFETY: as above.
        unsafe { *buf.add(i) = 0 };
        buf
    })
}

/// Implements ungetc(c, stream).
pub extern "win64" fn ungetc(c: i32, file: u64) -> i32 {
    if c == EOF {
        return EOF;
    }
    with(file, EOF, |s| {
        if !s.read {
            return EOF;
        }
        if s.last == Op::Write {
            s.flush();
        }
        s.last = Op::Read;
        s.ungot.push(c as u8);
        s.eof = false;
        c & 0xFF
    })
}

/// Implements feof(stream).
pub extern "win64" fn feof(file: u64) -> i32 {
    with(file, 0, |s| {
        (s.eof && s.ungot.is_empty() && s.rpos >= s.rbuf.len()) as i32 * 0x10
    })
}

/// Implements ferror(stream).
pub extern "win64" fn ferror(file: u64) -> i32 {
    with(file, 0, |s| s.err as i32 * 0x20)
}

/// Implements clearerr(stream).
pub extern "win64" fn clearerr(file: u64) {
    with(file, (), |s| {
        s.err = false;
        s.eof = false;
    })
}

/// Implements _fseeki64(stream, offset, origin).
pub extern "win64" fn _fseeki64(file: u64, offset: i64, whence: i32) -> i32 {
    if !(0..=2).contains(&whence) {
        errno::set(EINVAL);
        return -1;
    }
    with(file, -1, |s| {
        let target_offset = if whence == 1 {
            s.tell() + offset
        } else {
            offset
        };
        if !s.flush() {
            return -1;
        }
        s.rbuf.clear();
        s.rpos = 0;
        s.ungot.clear();
        s.eof = false;
        s.last = Op::None;
        let w = if whence == 1 { 0 } else { whence };
        if lowio::seek(s.fd, target_offset, w) < 0 {
            return -1;
        }
        0
    })
}

/// Implements fseek(stream, offset, origin).
pub extern "win64" fn fseek(file: u64, offset: i32, whence: i32) -> i32 {
    _fseeki64(file, offset as i64, whence)
}

/// Implements _ftelli64(stream).
pub extern "win64" fn _ftelli64(file: u64) -> i64 {
    with(file, -1, |s| s.tell())
}

/// Implements ftell(stream).
pub extern "win64" fn ftell(file: u64) -> i32 {
    let p = _ftelli64(file);
    if p > i32::MAX as i64 {
        errno::set(EINVAL);
        return -1;
    }
    p as i32
}

/// Implements rewind(stream).
pub extern "win64" fn rewind(file: u64) {
    _fseeki64(file, 0, 0);
    clearerr(file);
}

/// Implements fgetpos(stream, pos).
pub extern "win64" fn fgetpos(file: u64, pos: *mut i64) -> i32 {
    let p = _ftelli64(file);
    if p < 0 {
        return -1;
    }
    // SAFETY: the caller passes an fpos_t.
    unsafe { *pos = p };
    0
}

/// Implements fsetpos(stream, pos).
pub extern "win64" fn fsetpos(file: u64, pos: *const i64) -> i32 {
    // SAFETY: the caller passes an fpos_t.
    _fseeki64(file, unsafe { *pos }, 0)
}

/// Implements _fileno(stream).
pub extern "win64" fn _fileno(file: u64) -> i32 {
    with(file, -1, |s| s.fd)
}

/// Implements setvbuf(stream, buffer, mode, size): _IOFBF 0, _IOLBF 0x40,
/// _IONBF 4. The stream keeps its own buffer.
pub extern "win64" fn setvbuf(file: u64, _buf: *mut u8, mode: i32, size: u64) -> i32 {
    let buffering = match mode {
        0 => Buffering::Full,
        0x40 => Buffering::Line,
        4 => Buffering::None,
        _ => {
            errno::set(EINVAL);
            return -1;
        }
    };
    if mode != 4 && !(2..=i32::MAX as u64).contains(&size) {
        errno::set(EINVAL);
        return -1;
    }
    with(file, -1, |s| {
        s.flush();
        s.buffering = buffering;
        0
    })
}

/// Implements setbuf(stream, buffer).
pub extern "win64" fn setbuf(file: u64, buf: *mut u8) {
    setvbuf(file, buf, if buf.is_null() { 4 } else { 0 }, BUFSIZ as u64);
}

/// Implements __iob_func(): the `_iob` array.
pub extern "win64" fn __iob_func() -> u64 {
    iob()
}

/// Implements remove(path).
pub extern "win64" fn remove(path: *const u8) -> i32 {
    if kernel32::file::DeleteFileA(path) == 0 {
        errno::set_from_win32(kernel32::process::GetLastError());
        return -1;
    }
    0
}

/// Implements rename(old, new): fails if `new` exists, as msvcrt does.
pub extern "win64" fn rename(old: *const u8, new: *const u8) -> i32 {
    if kernel32::file::MoveFileExA(old, new, 0x2) == 0 {
        errno::set_from_win32(kernel32::process::GetLastError());
        return -1;
    }
    0
}

/// Implements perror(message): "message: strerror(errno)\n" on stderr.
pub extern "win64" fn perror(msg: *const u8) {
    let e = errno::get();
    let mut out = Vec::new();
    let m = cstr(msg);
    if !m.is_empty() {
        out.extend(m);
        out.extend(b": ");
    }
    out.extend(errno::message(e).as_bytes());
    out.push(b'\n');
    write_stream(std_stream(2), &out);
}
