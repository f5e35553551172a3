//! The current directory and full path names: GetCurrentDirectory,
//! SetCurrentDirectory, GetFullPathName (A and W).

use crate::error::*;
use crate::file::nt_create;
use crate::process::parameters;
use ntdll::path;
use syscalls::*;

const FILE_OPEN: u32 = 1;
const FILE_DIRECTORY_FILE: u32 = 0x1;
const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x20;
const SYNCHRONIZE: u32 = 0x10_0000;

/// The current directory (DOS form, ends with a backslash).
pub fn current_directory() -> String {
    let us = &parameters().CurrentDirectory.DosPath;
    // SAFETY: the current-directory buffer lives as long as the process.
    let units =
        unsafe { core::slice::from_raw_parts(us.Buffer as *const u16, us.Length as usize / 2) };
    String::from_utf16_lossy(units)
}

/// Implements GetCurrentDirectoryW(nBufferLength, lpBuffer).
pub extern "win64" fn GetCurrentDirectoryW(size: u32, buf: *mut u16) -> u32 {
    let cwd = current_directory();
    // Without its trailing backslash, except for a drive root.
    let trimmed = if cwd.len() > 3 {
        cwd.trim_end_matches('\\')
    } else {
        &cwd
    };
    let units: Vec<u16> = trimmed.encode_utf16().collect();
    // SAFETY: the caller's buffer holds `size` units.
    unsafe { copy_out(&units, buf, size) }
}

/// Implements GetCurrentDirectoryA(nBufferLength, lpBuffer).
pub extern "win64" fn GetCurrentDirectoryA(size: u32, buf: *mut u8) -> u32 {
    let cwd = current_directory();
    let trimmed = if cwd.len() > 3 {
        cwd.trim_end_matches('\\')
    } else {
        &cwd
    };
    let bytes = crate::nls::wide_to_ansi(&trimmed.encode_utf16().collect::<Vec<_>>());
    // SAFETY: the caller's buffer holds `size` bytes.
    unsafe { copy_out(&bytes, buf, size) }
}

/// Implements SetCurrentDirectoryW(lpPathName): the directory must exist.
pub extern "win64" fn SetCurrentDirectoryW(name: *const u16) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let full = match path::full_path(&String::from_utf16_lossy(&name), &current_directory()) {
        Ok(f) => f,
        Err(st) => return fail(st, 0),
    };
    let full_units: Vec<u16> = full.encode_utf16().collect();
    match nt_create(
        &full_units,
        SYNCHRONIZE | 0x20,
        0x7,
        FILE_OPEN,
        FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT,
        0,
    ) {
        Ok((h, _)) => {
            let _ = syscall(nr::NtClose, &args([h]));
        }
        Err(st) => return fail(st, 0),
    }
    let mut units = full_units;
    if units.last() != Some(&(b'\\' as u16)) {
        units.push(b'\\' as u16);
    }
    let p = parameters() as *const _ as *mut syscalls::nt::RTL_USER_PROCESS_PARAMETERS;
    // SAFETY: the current-directory buffer has MaximumLength bytes.
    unsafe {
        let us = &mut (*p).CurrentDirectory.DosPath;
        if units.len() * 2 + 2 > us.MaximumLength as usize {
            set_error(206); // ERROR_FILENAME_EXCED_RANGE
            return 0;
        }
        core::ptr::copy_nonoverlapping(units.as_ptr(), us.Buffer as *mut u16, units.len());
        *(us.Buffer as *mut u16).add(units.len()) = 0;
        us.Length = (units.len() * 2) as u16;
    }
    1
}

/// Implements GetFullPathNameW(lpFileName, nBufferLength, lpBuffer,
/// lpFilePart).
pub extern "win64" fn GetFullPathNameW(
    name: *const u16,
    size: u32,
    buf: *mut u16,
    file_part: *mut *mut u16,
) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let full = match path::full_path(&String::from_utf16_lossy(&name), &current_directory()) {
        Ok(f) => f,
        Err(st) => return fail(st, 0),
    };
    let units: Vec<u16> = full.encode_utf16().collect();
    // SAFETY: the caller's buffer holds `size` units; file_part is NULL or
    // points at a pointer to fill.
    unsafe { copy_full_path(&units, b'\\' as u16, buf, size, file_part) }
}

/// Copies a full path out as GetFullPathName does (A and W): the length
/// copied or the size needed, and *file_part at the last component (NULL
/// when the path ends in a backslash or did not fit).
///
/// # Safety
/// `buf` holds `size` elements; `file_part` is NULL or writable.
pub(crate) unsafe fn copy_full_path<T: Copy + Default + PartialEq>(
    path: &[T],
    backslash: T,
    buf: *mut T,
    size: u32,
    file_part: *mut *mut T,
) -> u32 {
    let n = copy_out(path, buf, size);
    if !file_part.is_null() && n <= path.len() as u32 {
        let slash = path.iter().rposition(|&c| c == backslash);
        *file_part = match slash {
            Some(i) if i + 1 < path.len() => buf.add(i + 1),
            _ => core::ptr::null_mut(),
        };
    }
    n
}

/// Implements GetFullPathNameA.
pub extern "win64" fn GetFullPathNameA(
    name: *const u8,
    size: u32,
    buf: *mut u8,
    file_part: *mut *mut u8,
) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { astr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let full = match path::full_path(&String::from_utf16_lossy(&name), &current_directory()) {
        Ok(f) => f,
        Err(st) => return fail(st, 0),
    };
    let bytes = crate::nls::wide_to_ansi(&full.encode_utf16().collect::<Vec<_>>());
    // SAFETY: as in GetFullPathNameW.
    unsafe { copy_full_path(&bytes, b'\\', buf, size, file_part) }
}

/// Implements SetCurrentDirectoryA.
pub extern "win64" fn SetCurrentDirectoryA(name: *const u8) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    match unsafe { astr(name) } {
        None => SetCurrentDirectoryW(core::ptr::null()),
        Some(mut w) => {
            w.push(0);
            SetCurrentDirectoryW(w.as_ptr())
        }
    }
}
