//! Directory searches: FindFirstFile(Ex), FindNextFile, FindClose (A and
//! W) over NtQueryDirectoryFile.
//!
//! A find handle is not a kernel handle on Windows either: it names a
//! search kept here (the directory handle and a buffer of entries), so a
//! bad one fails with ERROR_INVALID_HANDLE instead of crashing.

use crate::error::*;
use crate::file::{current_directory, nt_create, CloseHandle, INVALID_HANDLE_VALUE};
use ntdll::path;
use std::collections::HashMap;
use std::sync::Mutex;
use syscalls::nt::{IO_STATUS_BLOCK, UNICODE_STRING};
use syscalls::*;

const FILE_LIST_DIRECTORY: u32 = 0x1;
const SYNCHRONIZE: u32 = 0x10_0000;
const FILE_OPEN: u32 = 1;
const FILE_DIRECTORY_FILE: u32 = 0x1;
const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x20;
const FILE_OPEN_FOR_BACKUP_INTENT: u32 = 0x4000;
const FILE_BOTH_DIRECTORY_INFORMATION: u64 = 3;
const ERROR_NO_MORE_FILES: u32 = 18;
const ERROR_NOACCESS: u32 = 998;
const ERROR_PATH_NOT_FOUND: u32 = 3;
/// FindExInfoStandard / FindExInfoBasic; FindExSearchNameMatch /
/// FindExSearchLimitToDirectories (a hint Windows may ignore, as here).
const FIND_EX_INFO_MAX: u32 = 1;
const FIND_EX_SEARCH_MAX: u32 = 1;
/// Bytes of entries fetched per NtQueryDirectoryFile.
const BUFFER_SIZE: usize = 64 * 1024;

struct Search {
    dir: u64,
    buf: Vec<u8>,
    /// Offset of the next entry in `buf`, None when it is used up.
    at: Option<usize>,
}

static SEARCHES: Mutex<Option<HashMap<u64, Search>>> = Mutex::new(None);
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0x5EA0_0000);

/// One FILE_BOTH_DIR_INFORMATION entry, decoded.
struct Found {
    attributes: u32,
    /// The reparse tag of a reparse point (EaSize in the entry).
    reparse_tag: u32,
    times: [u64; 3],
    size: u64,
    name: Vec<u16>,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

fn decode(b: &[u8]) -> Found {
    let len = u32_at(b, 60) as usize;
    let name = b
        .get(94..94 + len)
        .unwrap_or(&[])
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let attributes = u32_at(b, 56);
    Found {
        attributes,
        reparse_tag: if attributes & 0x400 != 0 {
            u32_at(b, 64)
        } else {
            0
        },
        times: [u64_at(b, 8), u64_at(b, 16), u64_at(b, 24)],
        size: u64_at(b, 40),
        name,
    }
}

/// Translates a Win32 pattern into the file system's DOS wildcards, as
/// FindFirstFileEx does: `?` is DOS_QM, a `.` before `?`, `*` or the end
/// is DOS_DOT, a `*` before a `.` is DOS_STAR; `*.*` means everything.
fn dos_mask(mask: &[u16]) -> Vec<u16> {
    let star_dot_star: Vec<u16> = "*.*".encode_utf16().collect();
    if mask == star_dot_star.as_slice() {
        return vec![b'*' as u16];
    }
    let mut out = Vec::with_capacity(mask.len());
    for (i, &c) in mask.iter().enumerate() {
        let next = mask.get(i + 1).copied();
        out.push(match c {
            0x3F => b'>' as u16,
            0x2E if matches!(next, None | Some(0x3F) | Some(0x2A)) => b'"' as u16,
            0x2A if next == Some(0x2E) => b'<' as u16,
            _ => c,
        });
    }
    out
}

/// Fills `search.buf` with the next entries; Err(status) at the end or on
/// failure.
fn fetch(search: &mut Search, mask: Option<&[u16]>) -> Result<(), NtStatus> {
    let mut iosb = IO_STATUS_BLOCK::default();
    let us = mask.map(UNICODE_STRING::over);
    let st = syscall(
        nr::NtQueryDirectoryFile,
        &args([
            search.dir,
            0,
            0,
            0,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            search.buf.as_mut_ptr() as u64,
            search.buf.len() as u64,
            FILE_BOTH_DIRECTORY_INFORMATION,
            0,
            us.as_ref().map_or(0, |u| u as *const UNICODE_STRING as u64),
            0,
        ]),
    );
    if !st.is_success() {
        return Err(st);
    }
    search.at = Some(0);
    Ok(())
}

/// The next entry of a search, fetching more when the buffer is used up.
fn next(search: &mut Search) -> Result<Found, NtStatus> {
    if search.at.is_none() {
        fetch(search, None)?;
    }
    let at = search.at.unwrap_or(0);
    let entry = &search.buf[at..];
    let found = decode(entry);
    let next = u32_at(entry, 0) as usize;
    search.at = (next != 0).then_some(at + next);
    Ok(found)
}

/// WIN32_FIND_DATAW (592 bytes).
fn find_data_w(f: &Found) -> Vec<u8> {
    let mut d = vec![0u8; 592];
    d[0..4].copy_from_slice(&f.attributes.to_le_bytes());
    for (i, t) in f.times.iter().enumerate() {
        d[4 + 8 * i..12 + 8 * i].copy_from_slice(&t.to_le_bytes());
    }
    d[28..32].copy_from_slice(&((f.size >> 32) as u32).to_le_bytes());
    d[32..36].copy_from_slice(&(f.size as u32).to_le_bytes());
    d[36..40].copy_from_slice(&f.reparse_tag.to_le_bytes()); // dwReserved0
    for (i, u) in f.name.iter().take(259).enumerate() {
        d[44 + 2 * i..46 + 2 * i].copy_from_slice(&u.to_le_bytes());
    }
    d
}

/// WIN32_FIND_DATAA (320 bytes).
fn find_data_a(f: &Found) -> Vec<u8> {
    let w = find_data_w(f);
    let mut d = w[..44].to_vec();
    d.resize(320, 0);
    let name = crate::nls::wide_to_ansi(&f.name);
    for (i, b) in name.iter().take(259).enumerate() {
        d[44 + i] = *b;
    }
    d
}

/// Splits a search pattern into its directory (full DOS path) and mask.
fn split(pattern: &[u16]) -> Result<(Vec<u16>, Vec<u16>), NtStatus> {
    let s = String::from_utf16(pattern).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    let cut = s.rfind(['\\', '/']);
    let (dir, mask) = match cut {
        Some(i) => (s[..=i].to_string(), &s[i + 1..]),
        // "C:*.txt": drive-relative.
        None if s.len() >= 2 && s.as_bytes()[1] == b':' => (s[..2].to_string(), &s[2..]),
        None => (".".to_string(), s.as_str()),
    };
    if mask.is_empty() {
        return Err(STATUS_OBJECT_NAME_NOT_FOUND);
    }
    let full = path::full_path(&dir, &current_directory())?;
    Ok((full.encode_utf16().collect(), mask.encode_utf16().collect()))
}

fn first(pattern: &[u16]) -> Result<(u64, Found), u32> {
    let to_err = ntdll::rtl::status_to_dos_error;
    let (dir, mask) = split(pattern).map_err(to_err)?;
    let (h, _) = nt_create(
        &dir,
        FILE_LIST_DIRECTORY | SYNCHRONIZE,
        0x7,
        FILE_OPEN,
        FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_FOR_BACKUP_INTENT,
        0,
    )
    .map_err(|st| match st {
        // The directory part names nothing: the path is not found.
        STATUS_OBJECT_NAME_NOT_FOUND => ERROR_PATH_NOT_FOUND,
        st => to_err(st),
    })?;
    let mut search = Search {
        dir: h,
        buf: vec![0u8; BUFFER_SIZE],
        at: None,
    };
    let mask = dos_mask(&mask);
    let found = fetch(&mut search, Some(&mask)).and_then(|_| next(&mut search));
    let found = match found {
        Ok(f) => f,
        Err(st) => {
            CloseHandle(h);
            return Err(to_err(st));
        }
    };
    let id = NEXT_ID.fetch_add(8, std::sync::atomic::Ordering::Relaxed);
    SEARCHES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(id, search);
    Ok((id, found))
}

fn find_first(pattern: Option<Vec<u16>>, level: u32, op: u32, data: u64, wide: bool) -> u64 {
    let Some(pattern) = pattern else {
        set_error(ERROR_PATH_NOT_FOUND);
        return INVALID_HANDLE_VALUE;
    };
    if level > FIND_EX_INFO_MAX || op > FIND_EX_SEARCH_MAX {
        set_error(ERROR_INVALID_PARAMETER);
        return INVALID_HANDLE_VALUE;
    }
    match first(&pattern) {
        Ok((id, f)) => {
            let d = if wide {
                find_data_w(&f)
            } else {
                find_data_a(&f)
            };
            if user::write_from(data, &d).is_err() {
                FindClose(id);
                set_error(ERROR_NOACCESS);
                return INVALID_HANDLE_VALUE;
            }
            set_error(0);
            id
        }
        Err(e) => {
            set_error(e);
            INVALID_HANDLE_VALUE
        }
    }
}

/// Implements FindFirstFileExW(lpFileName, fInfoLevelId, lpFindFileData,
/// fSearchOp, lpSearchFilter, dwAdditionalFlags).
pub extern "win64" fn FindFirstFileExW(
    name: *const u16,
    level: u32,
    data: u64,
    op: u32,
    _filter: u64,
    _flags: u32,
) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    find_first(unsafe { wstr(name) }, level, op, data, true)
}

/// Implements FindFirstFileExA.
pub extern "win64" fn FindFirstFileExA(
    name: *const u8,
    level: u32,
    data: u64,
    op: u32,
    _filter: u64,
    _flags: u32,
) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    find_first(unsafe { astr(name) }, level, op, data, false)
}

/// Implements FindFirstFileW(lpFileName, lpFindFileData).
pub extern "win64" fn FindFirstFileW(name: *const u16, data: u64) -> u64 {
    FindFirstFileExW(name, 0, data, 0, 0, 0)
}

/// Implements FindFirstFileA(lpFileName, lpFindFileData).
pub extern "win64" fn FindFirstFileA(name: *const u8, data: u64) -> u64 {
    FindFirstFileExA(name, 0, data, 0, 0, 0)
}

fn find_next(h: u64, data: u64, wide: bool) -> i32 {
    let mut g = SEARCHES.lock().unwrap_or_else(|e| e.into_inner());
    let Some(search) = g.as_mut().and_then(|m| m.get_mut(&h)) else {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    };
    match next(search) {
        Ok(f) => {
            let d = if wide {
                find_data_w(&f)
            } else {
                find_data_a(&f)
            };
            if user::write_from(data, &d).is_err() {
                set_error(ERROR_NOACCESS);
                return 0;
            }
            1
        }
        Err(STATUS_NO_MORE_FILES) => {
            set_error(ERROR_NO_MORE_FILES);
            0
        }
        Err(st) => fail(st, 0),
    }
}

/// Implements FindNextFileW(hFindFile, lpFindFileData).
pub extern "win64" fn FindNextFileW(h: u64, data: u64) -> i32 {
    find_next(h, data, true)
}

/// Implements FindNextFileA(hFindFile, lpFindFileData).
pub extern "win64" fn FindNextFileA(h: u64, data: u64) -> i32 {
    find_next(h, data, false)
}

/// Implements FindClose(hFindFile).
pub extern "win64" fn FindClose(h: u64) -> i32 {
    let search = SEARCHES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_mut()
        .and_then(|m| m.remove(&h));
    match search {
        Some(s) => {
            CloseHandle(s.dir);
            1
        }
        None => {
            set_error(ERROR_INVALID_HANDLE);
            0
        }
    }
}
