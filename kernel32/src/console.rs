//! The console as Windows console programs see it: modes and code pages on
//! a terminal, WriteConsole/ReadConsole, and their failure on redirected
//! handles (which programs rely on to choose WriteFile instead). The
//! terminal is UTF-8; console text is UTF-16 (W) or in the console code
//! pages (A).

use crate::error::*;
use crate::file::device_type;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use syscalls::nt::IO_STATUS_BLOCK;
use syscalls::*;

pub const FILE_DEVICE_CONSOLE: u32 = 0x50;
/// casement's console controls (see ntoskrnl-emu io::console).
pub const IOCTL_CASEMENT_CONSOLE_GET_SIZE: u32 = (FILE_DEVICE_CONSOLE << 16) | (0x800 << 2);
pub const IOCTL_CASEMENT_CONSOLE_SET_INPUT_MODE: u32 = (FILE_DEVICE_CONSOLE << 16) | (0x801 << 2);
pub const IOCTL_CASEMENT_CONSOLE_SET_CTRL_ROUTINE: u32 = (FILE_DEVICE_CONSOLE << 16) | (0x802 << 2);
pub const IOCTL_CASEMENT_CONSOLE_IS_INPUT: u32 = (FILE_DEVICE_CONSOLE << 16) | (0x803 << 2);

const ENABLE_LINE_INPUT: u32 = 0x2;
const ENABLE_WRAP_AT_EOL_OUTPUT: u32 = 0x2;
const ENABLE_ECHO_INPUT: u32 = 0x4;
/// Every ENABLE_* input flag, ENABLE_VIRTUAL_TERMINAL_INPUT included.
const VALID_INPUT_MODE: u32 = 0x3FF;
/// ENABLE_PROCESSED_OUTPUT .. ENABLE_LVB_GRID_WORLDWIDE.
const VALID_OUTPUT_MODE: u32 = 0x1F;

/// PROCESSED | LINE | ECHO | INSERT | QUICK_EDIT | EXTENDED_FLAGS |
/// AUTO_POSITION: a new console's input mode.
static INPUT_MODE: AtomicU32 = AtomicU32::new(0x1F7);
/// PROCESSED_OUTPUT | WRAP_AT_EOL_OUTPUT.
static OUTPUT_MODE: AtomicU32 = AtomicU32::new(0x3);
static OUTPUT_CP: AtomicU32 = AtomicU32::new(crate::nls::OEM_CODE_PAGE);
static INPUT_CP: AtomicU32 = AtomicU32::new(crate::nls::OEM_CODE_PAGE);

pub fn is_console(h: u64) -> bool {
    device_type(h) == Ok(FILE_DEVICE_CONSOLE)
}

/// Whether a console handle is the input (its modes are the input's).
fn is_input(h: u64) -> bool {
    let p = crate::process::parameters();
    if h == p.StandardInput {
        return true;
    }
    if h == p.StandardOutput || h == p.StandardError {
        return false;
    }
    let mut out = [0u8; 4];
    match console_control(h, IOCTL_CASEMENT_CONSOLE_IS_INPUT, &[], &mut out) {
        Ok(()) => u32::from_le_bytes(out) != 0,
        Err(_) => h == crate::process::parameters().StandardInput,
    }
}

/// NtDeviceIoControlFile on a console handle.
pub fn console_control(h: u64, code: u32, input: &[u8], output: &mut [u8]) -> Result<(), NtStatus> {
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtDeviceIoControlFile,
        &args([
            h,
            0,
            0,
            0,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            code as u64,
            input.as_ptr() as u64,
            input.len() as u64,
            output.as_mut_ptr() as u64,
            output.len() as u64,
        ]),
    );
    if st.is_success() {
        Ok(())
    } else {
        Err(st)
    }
}

/// Implements GetConsoleMode(hConsoleHandle, lpMode): fails with
/// ERROR_INVALID_HANDLE on anything but a console.
pub extern "win64" fn GetConsoleMode(h: u64, mode: *mut u32) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let m = if is_input(h) {
        INPUT_MODE.load(Ordering::Relaxed)
    } else {
        OUTPUT_MODE.load(Ordering::Relaxed)
    };
    match user::write(mode as u64, &m) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements SetConsoleMode(hConsoleHandle, dwMode). Input modes reach the
/// terminal (line editing, echo, Ctrl-C as a signal); output modes are
/// kept (the terminal processes control characters and VT sequences
/// itself).
pub extern "win64" fn SetConsoleMode(h: u64, mode: u32) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    if is_input(h) {
        // Echo needs line input (documented with ENABLE_ECHO_INPUT).
        if mode & !VALID_INPUT_MODE != 0
            || mode & ENABLE_ECHO_INPUT != 0 && mode & ENABLE_LINE_INPUT == 0
        {
            set_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
        if let Err(st) = console_control(
            h,
            IOCTL_CASEMENT_CONSOLE_SET_INPUT_MODE,
            &mode.to_le_bytes(),
            &mut [],
        ) {
            return fail(st, 0);
        }
        INPUT_MODE.store(mode, Ordering::Relaxed);
    } else {
        if mode & !VALID_OUTPUT_MODE != 0 {
            set_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
        let before = OUTPUT_MODE.swap(mode, Ordering::Relaxed);
        if (before ^ mode) & ENABLE_WRAP_AT_EOL_OUTPUT != 0 {
            // Wrapping at the end of a line is the terminal's DECAWM.
            let seq: &[u8] = if mode & ENABLE_WRAP_AT_EOL_OUTPUT != 0 {
                b"\x1b[?7h"
            } else {
                b"\x1b[?7l"
            };
            if let Err(st) = write_bytes(h, seq) {
                return fail(st, 0);
            }
        }
    }
    1
}

/// The console input mode (for the terminal's settings).
pub fn input_mode() -> u32 {
    INPUT_MODE.load(Ordering::Relaxed)
}

/// Drops console input read from the terminal and not handed out yet
/// (FlushConsoleInputBuffer).
pub fn discard_pending_input() {
    let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    p.text.clear();
    p.partial.clear();
}

/// Implements GetConsoleCP().
pub extern "win64" fn GetConsoleCP() -> u32 {
    INPUT_CP.load(Ordering::Relaxed)
}

/// Implements GetConsoleOutputCP().
pub extern "win64" fn GetConsoleOutputCP() -> u32 {
    OUTPUT_CP.load(Ordering::Relaxed)
}

/// Implements SetConsoleOutputCP(wCodePageID).
pub extern "win64" fn SetConsoleOutputCP(cp: u32) -> i32 {
    if crate::nls::IsValidCodePage(cp) == 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    OUTPUT_CP.store(cp, Ordering::Relaxed);
    1
}

/// Implements SetConsoleCP(wCodePageID).
pub extern "win64" fn SetConsoleCP(cp: u32) -> i32 {
    if crate::nls::IsValidCodePage(cp) == 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    INPUT_CP.store(cp, Ordering::Relaxed);
    1
}

/// Writes all of `bytes` to a handle.
pub fn write_bytes(h: u64, bytes: &[u8]) -> Result<(), NtStatus> {
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtWriteFile,
        &args([
            h,
            0,
            0,
            0,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            bytes.as_ptr() as u64,
            bytes.len() as u64,
            0,
            0,
        ]),
    );
    if st.is_success() {
        Ok(())
    } else {
        Err(st)
    }
}

/// Implements WriteConsoleW(hConsoleOutput, lpBuffer, nNumberOfCharsToWrite,
/// lpNumberOfCharsWritten, lpReserved): UTF-16 to the terminal's UTF-8.
pub extern "win64" fn WriteConsoleW(
    h: u64,
    buf: u64,
    n: u32,
    written: *mut u32,
    _reserved: u64,
) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let units = match user::read_u16s(buf, n as usize) {
        Ok(u) => u,
        Err(st) => return fail(st, 0),
    };
    let text = String::from_utf16_lossy(&units);
    match write_bytes(h, text.as_bytes()).and_then(|_| user::write_opt(written as u64, &n)) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements WriteConsoleA: bytes in the console output code page.
pub extern "win64" fn WriteConsoleA(
    h: u64,
    buf: u64,
    n: u32,
    written: *mut u32,
    reserved: u64,
) -> i32 {
    let bytes = match user::read_bytes(buf, n as usize) {
        Ok(b) => b,
        Err(st) => return fail(st, 0),
    };
    let units = crate::nls::to_wide(OUTPUT_CP.load(Ordering::Relaxed), &bytes);
    let ok = WriteConsoleW(
        h,
        units.as_ptr() as u64,
        units.len() as u32,
        core::ptr::null_mut(),
        reserved,
    );
    if ok != 0 {
        if let Err(st) = user::write_opt(written as u64, &n) {
            return fail(st, 0);
        }
    }
    ok
}

/// Console input read from the terminal and not yet handed out: the rest
/// of a line longer than the caller's buffer, and the first bytes of a
/// UTF-8 sequence cut by the end of a read.
struct Pending {
    text: Vec<u16>,
    partial: Vec<u8>,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    text: Vec::new(),
    partial: Vec::new(),
});

fn read_some(h: u64) -> Result<Vec<u8>, NtStatus> {
    let mut buf = vec![0u8; 4096];
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtReadFile,
        &args([
            h,
            0,
            0,
            0,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            buf.as_mut_ptr() as u64,
            buf.len() as u64,
            0,
            0,
        ]),
    );
    if st.is_error() {
        return Err(st);
    }
    buf.truncate(iosb.Information as usize);
    Ok(buf)
}

/// Reads console input as UTF-16: at most `max` units, the rest kept for
/// the next read. In line mode a line ends with CR LF, as the Windows
/// console gives it.
fn read_console(h: u64, max: usize) -> Result<Vec<u16>, NtStatus> {
    let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    if p.text.is_empty() {
        loop {
            let bytes = read_some(h)?;
            let eof = bytes.is_empty();
            p.partial.extend_from_slice(&bytes);
            let valid = match std::str::from_utf8(&p.partial) {
                Ok(_) => p.partial.len(),
                Err(e) if e.error_len().is_none() && !eof => e.valid_up_to(),
                Err(_) => p.partial.len(),
            };
            let head: Vec<u8> = p.partial.drain(..valid).collect();
            let line_mode = INPUT_MODE.load(Ordering::Relaxed) & ENABLE_LINE_INPUT != 0;
            for c in String::from_utf8_lossy(&head).chars() {
                if c == '\n' && line_mode {
                    p.text.push(b'\r' as u16);
                }
                let mut two = [0u16; 2];
                p.text.extend_from_slice(c.encode_utf16(&mut two));
            }
            if !p.text.is_empty() || eof {
                break;
            }
        }
    }
    let n = p.text.len().min(max);
    Ok(p.text.drain(..n).collect())
}

/// Implements ReadConsoleW(hConsoleInput, lpBuffer, nNumberOfCharsToRead,
/// lpNumberOfCharsRead, pInputControl).
pub extern "win64" fn ReadConsoleW(h: u64, buf: u64, n: u32, read: *mut u32, _control: u64) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let r = read_console(h, n as usize).and_then(|units| {
        let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        user::write_from(buf, &bytes)?;
        user::write_opt(read as u64, &(units.len() as u32))
    });
    match r {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements ReadConsoleA: the input in the console input code page.
pub extern "win64" fn ReadConsoleA(h: u64, buf: u64, n: u32, read: *mut u32, _control: u64) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let r = read_console(h, n as usize).and_then(|units| {
        let bytes = crate::nls::from_wide(INPUT_CP.load(Ordering::Relaxed), &units);
        let bytes = &bytes[..bytes.len().min(n as usize)];
        user::write_from(buf, bytes)?;
        user::write_opt(read as u64, &(bytes.len() as u32))
    });
    match r {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}
