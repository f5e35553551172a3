//! The console as Windows console programs see it: modes and code pages on
//! a terminal, WriteConsole/ReadConsole, and their failure on redirected
//! handles (which programs rely on to choose WriteFile instead).

use crate::error::*;
use crate::file::device_type;
use std::sync::atomic::{AtomicU32, Ordering};
use syscalls::nt::IO_STATUS_BLOCK;
use syscalls::*;

const FILE_DEVICE_CONSOLE: u32 = 0x50;

static INPUT_MODE: AtomicU32 = AtomicU32::new(0x1F7); // ENABLE_*_INPUT defaults
static OUTPUT_MODE: AtomicU32 = AtomicU32::new(0x3); // PROCESSED | WRAP_AT_EOL
static OUTPUT_CP: AtomicU32 = AtomicU32::new(437);
static INPUT_CP: AtomicU32 = AtomicU32::new(437);

fn is_console(h: u64) -> bool {
    device_type(h) == Ok(FILE_DEVICE_CONSOLE)
}

fn is_input(h: u64) -> bool {
    h == crate::process::parameters().StandardInput
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
    // SAFETY: the caller passes storage for the mode.
    unsafe { *mode = m };
    1
}

/// Implements SetConsoleMode(hConsoleHandle, dwMode).
pub extern "win64" fn SetConsoleMode(h: u64, mode: u32) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    if is_input(h) {
        INPUT_MODE.store(mode, Ordering::Relaxed);
    } else {
        OUTPUT_MODE.store(mode, Ordering::Relaxed);
    }
    1
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

fn write_bytes(h: u64, bytes: &[u8]) -> Result<(), NtStatus> {
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
    buf: *const u16,
    n: u32,
    written: *mut u32,
    _reserved: u64,
) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    // SAFETY: the caller passes n units.
    let units = unsafe { core::slice::from_raw_parts(buf, n as usize) };
    let text = String::from_utf16_lossy(units);
    match write_bytes(h, text.as_bytes()) {
        Ok(()) => {
            if !written.is_null() {
                // SAFETY: the caller passes storage for the count.
                unsafe { *written = n };
            }
            1
        }
        Err(st) => fail(st, 0),
    }
}

/// Implements WriteConsoleA: bytes in the console output code page.
pub extern "win64" fn WriteConsoleA(
    h: u64,
    buf: *const u8,
    n: u32,
    written: *mut u32,
    reserved: u64,
) -> i32 {
    // SAFETY: the caller passes n bytes.
    let bytes = unsafe { core::slice::from_raw_parts(buf, n as usize) };
    let cp = OUTPUT_CP.load(Ordering::Relaxed);
    let len =
        crate::nls::MultiByteToWideChar(cp, 0, bytes.as_ptr(), n as i32, core::ptr::null_mut(), 0)
            .max(0) as usize;
    let mut units = vec![0u16; len];
    if n > 0 {
        crate::nls::MultiByteToWideChar(
            cp,
            0,
            bytes.as_ptr(),
            n as i32,
            units.as_mut_ptr(),
            len as i32,
        );
    }
    let mut w = 0u32;
    let ok = WriteConsoleW(h, units.as_ptr(), units.len() as u32, &mut w, reserved);
    if ok != 0 && !written.is_null() {
        // SAFETY: the caller passes storage for the count.
        unsafe { *written = n };
    }
    ok
}
