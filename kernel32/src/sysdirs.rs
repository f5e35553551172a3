//! The Windows and system directories: GetSystemDirectory,
//! GetWindowsDirectory, GetSystemWindowsDirectory (A and W). Both live on
//! C:, the prefix's drive_c, where the executive creates them.

use crate::error::copy_out;

/// The Windows directory (the system directory is `SYSTEM_DIRECTORY`).
const WINDOWS_DIRECTORY: &str = "C:\\windows";

fn wide(dir: &str, buf: *mut u16, size: u32) -> u32 {
    let units: Vec<u16> = dir.encode_utf16().collect();
    // SAFETY: the caller's buffer holds `size` units (or is NULL).
    unsafe { copy_out(&units, buf, size) }
}

fn ansi(dir: &str, buf: *mut u8, size: u32) -> u32 {
    let bytes = crate::nls::wide_to_ansi(&dir.encode_utf16().collect::<Vec<_>>());
    // SAFETY: the caller's buffer holds `size` bytes (or is NULL).
    unsafe { copy_out(&bytes, buf, size) }
}

/// Implements GetSystemDirectoryW(lpBuffer, uSize): the length copied
/// without the NUL, or the size needed with it.
pub extern "win64" fn GetSystemDirectoryW(buf: *mut u16, size: u32) -> u32 {
    wide(loader::ldr::SYSTEM_DIRECTORY, buf, size)
}

/// Implements GetSystemDirectoryA.
pub extern "win64" fn GetSystemDirectoryA(buf: *mut u8, size: u32) -> u32 {
    ansi(loader::ldr::SYSTEM_DIRECTORY, buf, size)
}

/// Implements GetWindowsDirectoryW(lpBuffer, uSize).
pub extern "win64" fn GetWindowsDirectoryW(buf: *mut u16, size: u32) -> u32 {
    wide(WINDOWS_DIRECTORY, buf, size)
}

/// Implements GetWindowsDirectoryA.
pub extern "win64" fn GetWindowsDirectoryA(buf: *mut u8, size: u32) -> u32 {
    ansi(WINDOWS_DIRECTORY, buf, size)
}
