//! SearchPathW/A: a file looked for in a list of directories.

use crate::create_process::{has_extension, unicode};
use crate::error::*;
use crate::paths::{copy_full_path, current_directory};
use crate::process::parameters;
use ntdll::path;

/// An existing file or directory at DOS path `full` (SearchPath finds
/// either).
fn exists(full: &str) -> bool {
    let Ok(nt) = path::dos_to_nt(full, &current_directory()) else {
        return false;
    };
    let units: Vec<u16> = nt.encode_utf16().collect();
    loader::nt::query_attributes(&units).is_ok()
}

/// The default search order with safe search mode (Windows' default): the
/// program's directory, the system directories, the Windows directory, the
/// current directory, then PATH.
fn default_directories() -> Vec<String> {
    let image = String::from_utf16_lossy(&unicode(&parameters().ImagePathName));
    let image_dir = image
        .rfind('\\')
        .map_or(String::new(), |i| image[..i].to_string());
    let mut dirs = vec![
        image_dir,
        "C:\\windows\\system32".to_string(),
        "C:\\windows\\system".to_string(),
        "C:\\windows".to_string(),
        current_directory(),
    ];
    if let Some(p) = crate::env::get(&"PATH".encode_utf16().collect::<Vec<u16>>()) {
        dirs.extend(String::from_utf16_lossy(&p).split(';').map(String::from));
    }
    dirs
}

/// The full path of `name` (with `extension` added when it has none), or
/// None.
fn search(dirs: Option<&str>, name: &str, extension: Option<&str>) -> Option<String> {
    let name = match extension {
        Some(e) if !has_extension(name) => format!("{name}{e}"),
        _ => name.to_string(),
    };
    let cwd = current_directory();
    // A name with a path part is only looked for where it says.
    if name.contains(['\\', '/', ':']) {
        let full = path::full_path(&name, &cwd).ok()?;
        return exists(&full).then_some(full);
    }
    let list: Vec<String> = match dirs {
        Some(d) => d.split(';').map(String::from).collect(),
        None => default_directories(),
    };
    list.iter().filter(|d| !d.is_empty()).find_map(|d| {
        let sep = if d.ends_with('\\') { "" } else { "\\" };
        let full = path::full_path(&format!("{d}{sep}{name}"), &cwd).ok()?;
        exists(&full).then_some(full)
    })
}

/// Implements SearchPathW(lpPath, lpFileName, lpExtension, nBufferLength,
/// lpBuffer, lpFilePart): the length copied, or the size needed with
/// the NUL when the buffer is too small; 0 and ERROR_FILE_NOT_FOUND when
/// nothing is found.
pub extern "win64" fn SearchPathW(
    dirs: *const u16,
    name: *const u16,
    extension: *const u16,
    size: u32,
    buf: *mut u16,
    file_part: *mut *mut u16,
) -> u32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (dirs, name, extension) = unsafe { (wstr(dirs), wstr(name), wstr(extension)) };
    match search_units(dirs, name, extension) {
        // SAFETY: the caller's buffer holds `size` units; file_part is
        // NULL or writable.
        Some(full) => unsafe { copy_full_path(&full, b'\\' as u16, buf, size, file_part) },
        None => 0,
    }
}

/// SearchPath's search over strings already read as UTF-16; None (with
/// the last error set) for an empty name or nothing found.
fn search_units(
    dirs: Option<Vec<u16>>,
    name: Option<Vec<u16>>,
    extension: Option<Vec<u16>>,
) -> Option<Vec<u16>> {
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        set_error(ERROR_INVALID_PARAMETER);
        return None;
    };
    let dirs = dirs.map(|d| String::from_utf16_lossy(&d));
    let extension = extension.map(|e| String::from_utf16_lossy(&e));
    let found = search(
        dirs.as_deref(),
        &String::from_utf16_lossy(&name),
        extension.as_deref(),
    );
    if found.is_none() {
        set_error(ERROR_FILE_NOT_FOUND);
    }
    found.map(|full| full.encode_utf16().collect())
}

/// Implements SearchPathA.
pub extern "win64" fn SearchPathA(
    dirs: *const u8,
    name: *const u8,
    extension: *const u8,
    size: u32,
    buf: *mut u8,
    file_part: *mut *mut u8,
) -> u32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (dirs, name, extension) = unsafe { (astr(dirs), astr(name), astr(extension)) };
    match search_units(dirs, name, extension) {
        Some(full) => {
            let bytes = crate::nls::wide_to_ansi(&full);
            // SAFETY: as in SearchPathW.
            unsafe { copy_full_path(&bytes, b'\\', buf, size, file_part) }
        }
        None => 0,
    }
}
