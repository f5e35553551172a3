//! Directory enumeration: NtQueryDirectoryFile, with the file system's DOS
//! wildcard rules (FsRtlIsNameInExpression: `*`, `?`, and the DOS_STAR `<`,
//! DOS_QM `>`, DOS_DOT `"` that kernel32 translates its patterns to).

use super::info::{attributes_of, filetime};
use super::{last_errno, status_from_errno, FileObject};
use crate::ob;
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::{Arc, Mutex};
use syscalls::*;

// FILE_INFORMATION_CLASS values of the directory queries.
const FILE_DIRECTORY_INFORMATION: u32 = 1;
const FILE_FULL_DIRECTORY_INFORMATION: u32 = 2;
const FILE_BOTH_DIRECTORY_INFORMATION: u32 = 3;
const FILE_NAMES_INFORMATION: u32 = 12;
const FILE_ID_BOTH_DIRECTORY_INFORMATION: u32 = 37;
const FILE_ID_FULL_DIRECTORY_INFORMATION: u32 = 38;

/// Offset of FileName in each class's entry (ntifs.h layouts, 8-aligned
/// LARGE_INTEGERs).
fn name_offset(class: u32) -> Option<usize> {
    Some(match class {
        FILE_DIRECTORY_INFORMATION => 64,
        FILE_FULL_DIRECTORY_INFORMATION => 68,
        FILE_BOTH_DIRECTORY_INFORMATION => 94,
        FILE_NAMES_INFORMATION => 12,
        FILE_ID_BOTH_DIRECTORY_INFORMATION => 104,
        FILE_ID_FULL_DIRECTORY_INFORMATION => 80,
        _ => return None,
    })
}

/// One enumeration in progress on a directory handle: the names read at
/// the first query (sorted as NTFS returns them), the mask, the cursor.
struct Scan {
    names: Vec<Vec<u16>>,
    mask: Vec<u16>,
    next: usize,
}

/// Scans by file object (its address; the object forgets its scan when it
/// is closed, see `forget`).
/// Each scan has its own lock, so that queries on different handles do not
/// wait for each other's host I/O.
static SCANS: Mutex<Option<HashMap<usize, Arc<Mutex<Scan>>>>> = Mutex::new(None);

pub fn forget(file: &FileObject) {
    let key = file as *const FileObject as usize;
    if let Some(m) = SCANS.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        m.remove(&key);
    }
}

fn upcase(u: u16) -> u16 {
    if u < 0x80 {
        return (u as u8).to_ascii_uppercase() as u16;
    }
    // Characters of the BMP with a one-character upper case; surrogates
    // and the rest stay as they are.
    match char::from_u32(u as u32) {
        Some(c) => {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(x), None) if (x as u32) < 0x10000 => x as u32 as u16,
                _ => u,
            }
        }
        None => u,
    }
}

const STAR: u16 = b'*' as u16;
const QM: u16 = b'?' as u16;
const DOS_STAR: u16 = b'<' as u16;
const DOS_QM: u16 = b'>' as u16;
const DOS_DOT: u16 = b'"' as u16;
const DOT: u16 = b'.' as u16;

/// FsRtlIsNameInExpression with IgnoreCase: `expr` is already upcased.
pub fn name_matches(expr: &[u16], name: &[u16]) -> bool {
    let name: Vec<u16> = name.iter().map(|&u| upcase(u)).collect();
    // memo[e][n]: does expr[e..] match name[n..]? Both are short (a file
    // name component), so a table is cheap and avoids exponential
    // backtracking on patterns like "*a*a*a*b".
    let (el, nl) = (expr.len(), name.len());
    let mut memo = vec![None::<bool>; (el + 1) * (nl + 1)];
    fn go(
        e: usize,
        n: usize,
        expr: &[u16],
        name: &[u16],
        memo: &mut Vec<Option<bool>>,
        nl: usize,
    ) -> bool {
        if let Some(v) = memo[e * (nl + 1) + n] {
            return v;
        }
        let r = if e == expr.len() {
            n == name.len()
        } else {
            let c = expr[e];
            match c {
                STAR => (n..=name.len()).any(|k| go(e + 1, k, expr, name, memo, nl)),
                DOS_STAR => {
                    // Zero or more characters, never past the last dot.
                    let last_dot = name.iter().rposition(|&u| u == DOT);
                    let limit = match last_dot {
                        Some(d) if d >= n => d,
                        _ => name.len(),
                    };
                    (n..=limit).any(|k| go(e + 1, k, expr, name, memo, nl))
                }
                QM => n < name.len() && go(e + 1, n + 1, expr, name, memo, nl),
                DOS_QM => {
                    if n < name.len() && name[n] != DOT {
                        go(e + 1, n + 1, expr, name, memo, nl)
                    } else {
                        // At a dot or the end: matches nothing.
                        go(e + 1, n, expr, name, memo, nl)
                    }
                }
                DOS_DOT => {
                    (n < name.len() && name[n] == DOT && go(e + 1, n + 1, expr, name, memo, nl))
                        || (n == name.len() && go(e + 1, n, expr, name, memo, nl))
                }
                _ => n < name.len() && name[n] == c && go(e + 1, n + 1, expr, name, memo, nl),
            }
        };
        memo[e * (nl + 1) + n] = Some(r);
        r
    }
    go(0, 0, expr, &name, &mut memo, nl)
}

/// The entries of a directory, "." and ".." first (not at a drive root),
/// then by upcased name as NTFS orders them.
fn read_names(file: &FileObject) -> NtResult<Vec<Vec<u16>>> {
    let path = file.path().ok_or(STATUS_INVALID_PARAMETER)?;
    let rd =
        std::fs::read_dir(&path).map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))?;
    let mut names: Vec<Vec<u16>> = Vec::new();
    for e in rd.flatten() {
        let n = e.file_name();
        // Names that are not UTF-8 cannot be given a UTF-16 form; Windows
        // has no such names, so they are not listed.
        let Some(s) = n.to_str() else { continue };
        names.push(s.encode_utf16().collect());
    }
    // By upcased name, as NTFS orders a directory (exact names break ties).
    names.sort_unstable_by(|a, b| {
        a.iter()
            .map(|&u| upcase(u))
            .cmp(b.iter().map(|&u| upcase(u)))
            .then_with(|| a.cmp(b))
    });
    let root =
        path == std::path::Path::new("/") || super::names::dos_name_of_host(&path).len() <= 3;
    let mut out = Vec::with_capacity(names.len() + 2);
    if !root {
        out.push(vec![DOT]);
        out.push(vec![DOT, DOT]);
    }
    out.extend(names);
    Ok(out)
}

fn has_wildcards(mask: &[u16]) -> bool {
    mask.iter()
        .any(|&u| matches!(u, STAR | QM | DOS_STAR | DOS_QM | DOS_DOT))
}

/// The entry a wildcard-free mask names, in its on-disk spelling: the
/// exact one when it exists, else the one found case-insensitively.
fn one_name(file: &FileObject, mask: &[u16]) -> Vec<Vec<u16>> {
    let Ok(name) = String::from_utf16(mask) else {
        return Vec::new();
    };
    let Some(dir) = file.path() else {
        return Vec::new();
    };
    if name == "." || name == ".." {
        let root =
            dir == std::path::Path::new("/") || super::names::dos_name_of_host(&dir).len() <= 3;
        return if root {
            Vec::new()
        } else {
            vec![mask.to_vec()]
        };
    }
    if name.contains(['/', '\\', '\0']) {
        return Vec::new();
    }
    match super::names::resolve_relative(&dir, mask) {
        Ok(p) if p.symlink_metadata().is_ok() => p
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| vec![n.encode_utf16().collect()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// One entry in `class`'s layout, without its NextEntryOffset.
fn entry(
    dirfd: i32,
    dir_path: &std::path::Path,
    name: &[u16],
    class: u32,
    index: u32,
) -> NtResult<Vec<u8>> {
    let off = name_offset(class).ok_or(STATUS_INVALID_INFO_CLASS)?;
    let mut b = vec![0u8; off];
    b[4..8].copy_from_slice(&index.to_le_bytes());
    let name_len = (name.len() * 2) as u32;
    if class == FILE_NAMES_INFORMATION {
        b[8..12].copy_from_slice(&name_len.to_le_bytes());
    } else {
        let host = String::from_utf16_lossy(name);
        let c = CString::new(host.as_bytes()).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
        // SAFETY: fstatat relative to a directory descriptor we hold, into
        // a zeroed stat: the entry itself, a symbolic link as a link.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstatat(dirfd, c.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
            return Err(status_from_errno(last_errno()));
        }
        let link = st.st_mode & libc::S_IFMT == libc::S_IFLNK;
        // Directories and links have no data size on NTFS.
        let dir = link || st.st_mode & libc::S_IFMT == libc::S_IFDIR;
        let put =
            |b: &mut Vec<u8>, at: usize, v: i64| b[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put(&mut b, 8, filetime(st.st_ctime, st.st_ctime_nsec));
        put(&mut b, 16, filetime(st.st_atime, st.st_atime_nsec));
        put(&mut b, 24, filetime(st.st_mtime, st.st_mtime_nsec));
        put(&mut b, 32, filetime(st.st_ctime, st.st_ctime_nsec));
        put(&mut b, 40, if dir { 0 } else { st.st_size });
        put(&mut b, 48, if dir { 0 } else { st.st_blocks * 512 });
        let attributes = if link {
            // Listed as a reparse point (a directory one when its target is
            // a directory), with its tag where the entry has an EaSize.
            // SAFETY: a zeroed stat is a valid value; fstatat follows the
            // link relative to a directory descriptor we hold.
            let mut target: libc::stat = unsafe { std::mem::zeroed() };
            let is_dir = unsafe { libc::fstatat(dirfd, c.as_ptr(), &mut target, 0) } == 0
                && target.st_mode & libc::S_IFMT == libc::S_IFDIR;
            if class != FILE_DIRECTORY_INFORMATION {
                b[64..68].copy_from_slice(&super::reparse::IO_REPARSE_TAG_SYMLINK.to_le_bytes());
            }
            super::info::link_attributes_for(is_dir)
        } else {
            let stored = super::dosattr::read_at(dirfd, &c, || {
                CString::new(dir_path.join(&host).as_os_str().as_encoded_bytes()).ok()
            });
            super::dosattr::combine(attributes_of(&st), stored)
        };
        b[56..60].copy_from_slice(&attributes.to_le_bytes());
        b[60..64].copy_from_slice(&name_len.to_le_bytes());
        match class {
            FILE_ID_BOTH_DIRECTORY_INFORMATION => put(&mut b, 96, st.st_ino as i64),
            FILE_ID_FULL_DIRECTORY_INFORMATION => put(&mut b, 72, st.st_ino as i64),
            _ => {}
        }
        // ShortNameLength stays 0: the host volumes have no 8.3 names.
    }
    for u in name {
        b.extend(u.to_le_bytes());
    }
    Ok(b)
}

fn write_iosb(iosb: u64, status: NtStatus, information: u64) -> NtStatus {
    let io = nt::IO_STATUS_BLOCK {
        Status: status.0,
        _pad: 0,
        Information: information,
    };
    match user::write(iosb, &io) {
        Ok(()) => status,
        Err(e) => e,
    }
}

/// Implements NtQueryDirectoryFileEx(FileHandle, Event, ApcRoutine,
/// ApcContext, IoStatusBlock, FileInformation, Length,
/// FileInformationClass, QueryFlags, FileName): NtQueryDirectoryFile with
/// SL_RESTART_SCAN (1) and SL_RETURN_SINGLE_ENTRY (2) as flags.
pub fn NtQueryDirectoryFileEx(a: &Args) -> NtStatus {
    let flags = a[8] as u32;
    if flags & !0xF != 0 {
        return STATUS_INVALID_PARAMETER;
    }
    let mut b = *a;
    b[8] = (flags & 0x2 != 0) as u64;
    b[9] = a[9];
    b[10] = (flags & 0x1 != 0) as u64;
    NtQueryDirectoryFile(&b)
}

/// Implements NtQueryDirectoryFile(FileHandle, Event, ApcRoutine,
/// ApcContext, IoStatusBlock, FileInformation, Length,
/// FileInformationClass, ReturnSingleEntry, FileName, RestartScan).
pub fn NtQueryDirectoryFile(a: &Args) -> NtStatus {
    let (iosb, buffer, length, class) = (a[4], a[5], a[6] as u32 as usize, a[7] as u32);
    let (single, mask_ptr, restart) = (a[8] as u8 != 0, a[9], a[10] as u8 != 0);
    let run = || -> NtResult<(NtStatus, u64)> {
        let file: Arc<FileObject> = ob::reference_typed::<FileObject>(a[0])?;
        let fixed = name_offset(class).ok_or(STATUS_INVALID_INFO_CLASS)?;
        if !file.is_directory {
            return Err(STATUS_INVALID_PARAMETER);
        }
        if length < fixed {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let key = Arc::as_ptr(&file) as usize;
        let existing = SCANS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(HashMap::new)
            .get(&key)
            .cloned();
        let first = existing.is_none();
        if first || restart {
            // The mask is taken on the first query only (later ones ignore
            // FileName unless the scan restarts).
            let mask = if mask_ptr != 0 {
                let us: nt::UNICODE_STRING = user::read(mask_ptr)?;
                user::read_u16s(us.Buffer, us.Length as usize / 2)?
            } else {
                Vec::new()
            };
            // A name without wildcards is looked up, not searched for: a
            // stat, not a read of the whole directory.
            let names = if !mask.is_empty() && !has_wildcards(&mask) {
                one_name(&file, &mask)
            } else {
                read_names(&file)?
            };
            let mask = if mask.is_empty() {
                existing.as_ref().map_or(vec![STAR], |s| {
                    s.lock().unwrap_or_else(|e| e.into_inner()).mask.clone()
                })
            } else {
                mask.iter().map(|&u| upcase(u)).collect()
            };
            let fresh = Scan {
                names,
                mask,
                next: 0,
            };
            match &existing {
                Some(s) => *s.lock().unwrap_or_else(|e| e.into_inner()) = fresh,
                None => {
                    SCANS
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert_with(HashMap::new)
                        .insert(key, Arc::new(Mutex::new(fresh)));
                }
            }
        }
        let scan_lock = SCANS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(|m| m.get(&key).cloned())
            .ok_or(STATUS_INVALID_PARAMETER)?;
        let mut guard = scan_lock.lock().unwrap_or_else(|e| e.into_inner());
        let scan = &mut *guard;
        let resume = scan.next;
        let dir_path = file.path().unwrap_or_default();
        let match_all = scan.mask == [STAR];
        let mut out: Vec<u8> = Vec::new();
        let mut last_entry: Option<usize> = None;
        let mut status = STATUS_SUCCESS;
        while scan.next < scan.names.len() {
            let name = &scan.names[scan.next];
            if !match_all && !name_matches(&scan.mask, name) {
                scan.next += 1;
                continue;
            }
            let e = match entry(file.raw(), &dir_path, name, class, scan.next as u32) {
                Ok(e) => e,
                // Removed since the scan began: skip it.
                Err(STATUS_OBJECT_NAME_NOT_FOUND) => {
                    scan.next += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let start = (out.len() + 7) & !7;
            if start + e.len() > length {
                if last_entry.is_none() {
                    // Not even one entry fits: what fits of it, and the
                    // entry stays for the next query.
                    out = e[..length].to_vec();
                    status = STATUS_BUFFER_OVERFLOW;
                }
                break;
            }
            if let Some(prev) = last_entry {
                let delta = (start - prev) as u32;
                out[prev..prev + 4].copy_from_slice(&delta.to_le_bytes());
            }
            out.resize(start, 0);
            out.extend_from_slice(&e);
            last_entry = Some(start);
            scan.next += 1;
            if single {
                break;
            }
        }
        if out.is_empty() {
            return Err(if first || restart {
                STATUS_NO_SUCH_FILE
            } else {
                STATUS_NO_MORE_FILES
            });
        }
        if let Err(e) = user::write_from(buffer, &out) {
            // Entries that did not reach the caller are returned again.
            scan.next = resume;
            return Err(e);
        }
        Ok((status, out.len() as u64))
    };
    match run() {
        Ok((status, n)) => write_iosb(iosb, status, n),
        // The end of a scan is a warning that still fills the I/O status.
        Err(STATUS_NO_MORE_FILES) => write_iosb(iosb, STATUS_NO_MORE_FILES, 0),
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(expr: &str, name: &str) -> bool {
        let e: Vec<u16> = expr.encode_utf16().map(upcase).collect();
        name_matches(&e, &name.encode_utf16().collect::<Vec<_>>())
    }

    #[test]
    fn wildcards() {
        assert!(m("*", "anything.txt"));
        assert!(m("*", "."));
        assert!(m("*.TXT", "a.txt"));
        assert!(!m("*.TXT", "a.txt.bak"));
        assert!(m("A?C", "abc"));
        assert!(!m("A?C", "ac"));
        // kernel32's "*.*" becomes `<"*`: everything, with or without a dot.
        assert!(m("<\"*", "noext"));
        assert!(m("<\"*", "a.b.c"));
        // "*." becomes `<"`: names without an extension only.
        assert!(m("<\"", "noext"));
        assert!(!m("<\"", "a.txt"));
        // "a?.txt" with DOS_QM: "a.txt" and "ab.txt" both match.
        assert!(m("A>.TXT", "a.txt"));
        assert!(m("A>.TXT", "ab.txt"));
        assert!(!m("A>.TXT", "abc.txt"));
        // Upper case beyond ASCII; lone surrogates are left alone.
        assert!(m("ÄÖ*", "äöx"));
        assert_eq!(upcase(0xD861), 0xD861);
    }
}
