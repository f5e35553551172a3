//! Temporary names and long/short names: GetTempPath, GetTempFileName,
//! GetLongPathName, GetShortPathName (A and W).

use crate::error::*;
use crate::file::{current_directory, nt_create, CloseHandle};
use ntdll::path;
use syscalls::*;

const MAX_PATH: usize = 260;
const ERROR_BUFFER_OVERFLOW: u32 = 111;
const ERROR_DIRECTORY: u32 = 267;
const ERROR_FILE_EXISTS: u32 = 80;
const FILE_OPEN: u32 = 1;
const FILE_CREATE: u32 = 2;
const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x20;
const FILE_NON_DIRECTORY_FILE: u32 = 0x40;
const FILE_DIRECTORY_FILE: u32 = 0x1;
const SYNCHRONIZE: u32 = 0x10_0000;
const FILE_READ_ATTRIBUTES: u32 = 0x80;
const GENERIC_WRITE: u32 = 0x4000_0000;

fn ascii(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// The temporary directory as GetTempPath documents it: the first of TMP,
/// TEMP, USERPROFILE, then the Windows directory; a full path with a
/// trailing backslash. The directory is not checked for existence.
pub fn temp_path() -> Vec<u16> {
    let var = ["TMP", "TEMP", "USERPROFILE"]
        .iter()
        .find_map(|v| crate::env::get(&ascii(v)).filter(|s| !s.is_empty()));
    let dir = match var {
        // A host path inherited from Linux (TMP=/tmp) names a directory of
        // the host's root, which is Z:.
        Some(v) if v.first() == Some(&(b'/' as u16)) => {
            format!("Z:{}", String::from_utf16_lossy(&v).replace('/', "\\"))
        }
        Some(v) => String::from_utf16_lossy(&v),
        None => "C:\\windows".to_string(),
    };
    let mut full = path::full_path(&dir, &current_directory()).unwrap_or(dir);
    if !full.ends_with('\\') {
        full.push('\\');
    }
    ascii(&full)
}

/// Implements GetTempPathW(nBufferLength, lpBuffer): the length copied
/// without the NUL, or the size needed with it.
pub extern "win64" fn GetTempPathW(size: u32, buf: *mut u16) -> u32 {
    let units = temp_path();
    // SAFETY: the caller's buffer holds `size` units (or is NULL).
    unsafe { copy_out(&units, buf, size) }
}

/// Implements GetTempPathA.
pub extern "win64" fn GetTempPathA(size: u32, buf: *mut u8) -> u32 {
    let bytes = crate::nls::wide_to_ansi(&temp_path());
    // SAFETY: the caller's buffer holds `size` bytes (or is NULL).
    unsafe { copy_out(&bytes, buf, size) }
}

/// Whether a DOS name is an existing directory.
fn is_directory(name: &[u16]) -> bool {
    match nt_create(
        name,
        SYNCHRONIZE | FILE_READ_ATTRIBUTES,
        0x7,
        FILE_OPEN,
        FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT,
        0,
    ) {
        Ok((h, _)) => {
            CloseHandle(h);
            true
        }
        Err(_) => false,
    }
}

/// `path\PPPXXXX.tmp`: up to three characters of the prefix and the unique
/// number in upper-case hex.
fn temp_name(dir: &[u16], prefix: &[u16], unique: u16) -> Vec<u16> {
    let mut name = dir.to_vec();
    if name
        .last()
        .is_some_and(|&c| c != b'\\' as u16 && c != b'/' as u16)
    {
        name.push(b'\\' as u16);
    }
    name.extend(prefix.iter().take(3));
    // Windows writes the extension in lower case (the documentation's
    // ".TMP" notwithstanding).
    name.extend(ascii(&format!("{unique:X}.tmp")));
    name
}

/// The body of GetTempFileName (A and W): the name and the unique number,
/// or a Win32 error. With `unique` 0 the file is created (CREATE_NEW) under
/// the first free number, starting from one derived from the time.
fn temp_file_name(dir: &[u16], prefix: &[u16], unique: u32) -> Result<(Vec<u16>, u32), u32> {
    // The name must fit in MAX_PATH: path, 3 prefix characters, 4 hex
    // digits, ".TMP" and the NUL.
    if dir.len() + 1 + 3 + 4 + 4 + 1 > MAX_PATH {
        return Err(ERROR_BUFFER_OVERFLOW);
    }
    let unique = unique & 0xFFFF;
    if unique != 0 {
        return Ok((temp_name(dir, prefix, unique as u16), unique));
    }
    if !is_directory(dir) {
        return Err(ERROR_DIRECTORY);
    }
    let mut time = 0i64;
    let _ = syscall(nr::NtQuerySystemTime, &args([&mut time as *mut i64 as u64]));
    let start = ((time / 10_000) as u32 ^ std::process::id()) & 0xFFFF;
    for i in 0..0x10000u32 {
        let n = ((start + i) & 0xFFFF).max(1);
        let name = temp_name(dir, prefix, n as u16);
        match nt_create(
            &name,
            GENERIC_WRITE | SYNCHRONIZE | FILE_READ_ATTRIBUTES,
            0,
            FILE_CREATE,
            FILE_NON_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT,
            0x80,
        ) {
            Ok((h, _)) => {
                CloseHandle(h);
                return Ok((name, n));
            }
            Err(STATUS_OBJECT_NAME_COLLISION) => continue,
            Err(st) => return Err(ntdll::rtl::status_to_dos_error(st)),
        }
    }
    Err(ERROR_FILE_EXISTS)
}

/// Implements GetTempFileNameW(lpPathName, lpPrefixString, uUnique,
/// lpTempFileName): returns the unique number used, 0 on failure.
pub extern "win64" fn GetTempFileNameW(
    dir: *const u16,
    prefix: *const u16,
    unique: u32,
    buf: *mut u16,
) -> u32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (Some(dir), prefix) = (unsafe { wstr(dir) }, unsafe { wstr(prefix) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    if buf.is_null() {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    match temp_file_name(&dir, &prefix.unwrap_or_default(), unique) {
        Ok((name, n)) => {
            // SAFETY: the documented buffer is MAX_PATH characters, which
            // temp_file_name has checked the name fits.
            unsafe { copy_out(&name, buf, MAX_PATH as u32) };
            set_error(0);
            n
        }
        Err(e) => {
            set_error(e);
            0
        }
    }
}

/// Implements GetTempFileNameA.
pub extern "win64" fn GetTempFileNameA(
    dir: *const u8,
    prefix: *const u8,
    unique: u32,
    buf: *mut u8,
) -> u32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (Some(dir), prefix) = (unsafe { astr(dir) }, unsafe { astr(prefix) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    if buf.is_null() {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    match temp_file_name(&dir, &prefix.unwrap_or_default(), unique) {
        Ok((name, n)) => {
            let bytes = crate::nls::wide_to_ansi(&name);
            // SAFETY: as in GetTempFileNameW.
            unsafe { copy_out(&bytes, buf, MAX_PATH as u32) };
            set_error(0);
            n
        }
        Err(e) => {
            set_error(e);
            0
        }
    }
}

/// The body of GetLongPathName and GetShortPathName. The host file systems
/// have no 8.3 aliases, so the long and the short form of an existing path
/// are the path itself, as on an NTFS volume with short names disabled;
/// the path must exist.
fn existing_path(name: &[u16]) -> Result<Vec<u16>, NtStatus> {
    if name.is_empty() {
        return Err(STATUS_OBJECT_PATH_NOT_FOUND);
    }
    let s = String::from_utf16(name).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    let nt = path::dos_to_nt(&s, &current_directory())?;
    let units: Vec<u16> = nt.encode_utf16().collect();
    loader::nt::query_attributes(&units)?;
    Ok(name.to_vec())
}

/// Implements GetLongPathNameW(lpszShortPath, lpszLongPath, cchBuffer).
pub extern "win64" fn GetLongPathNameW(name: *const u16, buf: *mut u16, size: u32) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    match existing_path(&name) {
        // SAFETY: the caller's buffer holds `size` units.
        Ok(p) => unsafe { copy_out(&p, buf, size) },
        Err(st) => fail(st, 0),
    }
}

/// Implements GetLongPathNameA.
pub extern "win64" fn GetLongPathNameA(name: *const u8, buf: *mut u8, size: u32) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { astr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    match existing_path(&name) {
        // SAFETY: the caller's buffer holds `size` bytes.
        Ok(p) => unsafe { copy_out(&crate::nls::wide_to_ansi(&p), buf, size) },
        Err(st) => fail(st, 0),
    }
}

/// Implements GetShortPathNameW(lpszLongPath, lpszShortPath, cchBuffer).
pub extern "win64" fn GetShortPathNameW(name: *const u16, buf: *mut u16, size: u32) -> u32 {
    GetLongPathNameW(name, buf, size)
}

/// Implements GetShortPathNameA.
pub extern "win64" fn GetShortPathNameA(name: *const u8, buf: *mut u8, size: u32) -> u32 {
    GetLongPathNameA(name, buf, size)
}
