//! Wide-character stream I/O. A text-mode stream holds bytes: wide
//! characters go out in the ANSI code page (as the UCRT's printf family
//! does here) and come back from it.

use msvcrt::stdio::{fgetc, std_stream, write_stream};

/// WEOF.
const WEOF: u16 = 0xFFFF;

fn put(file: u64, units: &[u16]) -> bool {
    let bytes = kernel32::nls::wide_to_ansi(units);
    write_stream(file, &bytes) == bytes.len()
}

/// Implements fputwc(c, stream): `c`, or WEOF on error.
pub extern "win64" fn fputwc(c: u16, file: u64) -> u16 {
    if file != 0 && put(file, &[c]) {
        c
    } else {
        WEOF
    }
}

/// Implements putwchar(c).
pub extern "win64" fn putwchar(c: u16) -> u16 {
    fputwc(c, std_stream(1))
}

fn wstr(p: *const u16) -> &'static [u16] {
    let mut n = 0;
    // SAFETY: a NUL-terminated wide string from the caller.
    unsafe {
        while *p.add(n) != 0 {
            n += 1;
        }
        std::slice::from_raw_parts(p, n)
    }
}

/// Implements fputws(string, stream): 0, or WEOF on error.
pub extern "win64" fn fputws(s: *const u16, file: u64) -> i32 {
    if s.is_null() || file == 0 {
        crate::invalid::fail(msvcrt::errno::EINVAL);
        return i32::from(WEOF);
    }
    if put(file, wstr(s)) {
        0
    } else {
        i32::from(WEOF)
    }
}

/// Implements _putws(string): the string and a newline on stdout.
pub extern "win64" fn _putws(s: *const u16) -> i32 {
    if s.is_null() {
        crate::invalid::fail(msvcrt::errno::EINVAL);
        return i32::from(WEOF);
    }
    let mut line = wstr(s).to_vec();
    line.push(u16::from(b'\n'));
    if put(std_stream(1), &line) {
        0
    } else {
        i32::from(WEOF)
    }
}

/// Implements fgetwc(stream): the next character, or WEOF. A lead byte
/// of the ANSI code page takes its trail byte with it.
pub extern "win64" fn fgetwc(file: u64) -> u16 {
    if file == 0 {
        crate::invalid::fail(msvcrt::errno::EINVAL);
        return WEOF;
    }
    let c = fgetc(file);
    if c < 0 {
        return WEOF;
    }
    let mut bytes = vec![c as u8];
    if kernel32::nls::IsDBCSLeadByte(c as u8) != 0 {
        let t = fgetc(file);
        if t >= 0 {
            bytes.push(t as u8);
        }
    }
    kernel32::nls::ansi_to_wide(&bytes)
        .first()
        .copied()
        .unwrap_or(WEOF)
}

/// Implements getwchar().
pub extern "win64" fn getwchar() -> u16 {
    fgetwc(std_stream(0))
}

/// Implements fgetws(buffer, n, stream): up to n-1 characters, through a
/// newline; NULL at end of file with nothing read.
pub extern "win64" fn fgetws(buf: *mut u16, n: i32, file: u64) -> u64 {
    if buf.is_null() || n <= 0 || file == 0 {
        crate::invalid::fail(msvcrt::errno::EINVAL);
        return 0;
    }
    let mut i = 0usize;
    while i + 1 < n as usize {
        let c = fgetwc(file);
        if c == WEOF {
            break;
        }
        // SAFETY: i < n - 1: inside the caller's buffer.
        unsafe { *buf.add(i) = c };
        i += 1;
        if c == u16::from(b'\n') {
            break;
        }
    }
    if i == 0 && n > 1 {
        return 0;
    }
    // SAFETY: i <= n - 1.
    unsafe { *buf.add(i) = 0 };
    buf as u64
}
