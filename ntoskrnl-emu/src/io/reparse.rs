//! Symbolic links and junctions as reparse points: FSCTL_SET_REPARSE_POINT,
//! FSCTL_GET_REPARSE_POINT and FSCTL_DELETE_REPARSE_POINT on host symbolic
//! links. A symbolic-link or mount-point reparse point set on an empty
//! file or directory turns it into a host symlink to the target's host
//! path (relative targets stay relative); reading one back gives the
//! target as an NT name again.

use super::names::{self, Target};
use super::{status_from_errno, FileObject};
use crate::ob;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use syscalls::*;

pub const FSCTL_SET_REPARSE_POINT: u32 = 0x0009_00A4;
pub const FSCTL_GET_REPARSE_POINT: u32 = 0x0009_00A8;
pub const FSCTL_DELETE_REPARSE_POINT: u32 = 0x0009_00AC;
pub const IO_REPARSE_TAG_MOUNT_POINT: u32 = 0xA000_0003;
pub const IO_REPARSE_TAG_SYMLINK: u32 = 0xA000_000C;
const SYMLINK_FLAG_RELATIVE: u32 = 1;
const STATUS_NOT_A_REPARSE_POINT: NtStatus = NtStatus(0xC000_0275);
const STATUS_IO_REPARSE_TAG_INVALID: NtStatus = NtStatus(0xC000_0276);
const STATUS_IO_REPARSE_DATA_INVALID: NtStatus = NtStatus(0xC000_0278);
/// MAXIMUM_REPARSE_DATA_BUFFER_SIZE.
const MAX_REPARSE_SIZE: usize = 16 * 1024;

fn u16_at(b: &[u8], at: usize) -> NtResult<u16> {
    Ok(u16::from_le_bytes(
        b.get(at..at + 2)
            .ok_or(STATUS_IO_REPARSE_DATA_INVALID)?
            .try_into()
            .unwrap_or([0; 2]),
    ))
}

fn units_at(b: &[u8], at: usize, len: usize) -> NtResult<Vec<u16>> {
    Ok(b.get(at..at + len)
        .ok_or(STATUS_IO_REPARSE_DATA_INVALID)?
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect())
}

/// The host target of a link to `substitute` (an NT name, or a relative
/// one), placed in `dir`.
fn host_target(substitute: &[u16], relative: bool) -> NtResult<PathBuf> {
    if relative {
        let s = String::from_utf16(substitute).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
        return Ok(PathBuf::from(s.replace('\\', "/")));
    }
    match names::resolve(substitute)? {
        Target::Host(p) => Ok(p),
        _ => Err(STATUS_IO_REPARSE_DATA_INVALID),
    }
}

/// FSCTL_SET_REPARSE_POINT: the file or directory (which must be empty)
/// becomes a symbolic link.
fn set(file: &FileObject, data: &[u8]) -> NtResult<()> {
    if data.len() < 8 {
        return Err(STATUS_IO_REPARSE_DATA_INVALID);
    }
    let tag = u32::from_le_bytes(data[0..4].try_into().unwrap_or([0; 4]));
    // SubstituteNameOffset/Length, PrintNameOffset/Length, then (symlinks
    // only) Flags, then the PathBuffer.
    let (buffer, relative) = match tag {
        IO_REPARSE_TAG_SYMLINK => {
            let flags = u32::from_le_bytes(
                data.get(16..20)
                    .ok_or(STATUS_IO_REPARSE_DATA_INVALID)?
                    .try_into()
                    .unwrap_or([0; 4]),
            );
            (20, flags & SYMLINK_FLAG_RELATIVE != 0)
        }
        IO_REPARSE_TAG_MOUNT_POINT => (16, false),
        _ => return Err(STATUS_IO_REPARSE_TAG_INVALID),
    };
    let offset = u16_at(data, 8)? as usize;
    let length = u16_at(data, 10)? as usize;
    let substitute = units_at(data, buffer + offset, length)?;
    let target = host_target(&substitute, relative)?;
    let path = file.path().ok_or(STATUS_INVALID_PARAMETER)?;
    let meta = path
        .symlink_metadata()
        .map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))?;
    // Only a new, empty file or directory is replaced.
    let emptied = if meta.is_dir() {
        std::fs::remove_dir(&path)
    } else if meta.file_type().is_symlink() || meta.len() == 0 {
        std::fs::remove_file(&path)
    } else {
        return Err(STATUS_DIRECTORY_NOT_EMPTY);
    };
    emptied.map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))?;
    std::os::unix::fs::symlink(&target, &path)
        .map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))
}

/// REPARSE_DATA_BUFFER of the symbolic link at `path`.
fn get(path: &Path) -> NtResult<Vec<u8>> {
    let target = std::fs::read_link(path).map_err(|e| match e.raw_os_error() {
        Some(libc::EINVAL) => STATUS_NOT_A_REPARSE_POINT,
        Some(n) => status_from_errno(n),
        None => STATUS_UNSUCCESSFUL,
    })?;
    let (substitute, print, flags): (Vec<u16>, Vec<u16>, u32) = if target.is_absolute() {
        let nt = names::nt_name_of_host(&target);
        let dos: Vec<u16> = names::dos_name_of_host(&target).encode_utf16().collect();
        (nt, dos, 0)
    } else {
        let rel: Vec<u16> = String::from_utf8_lossy(target.as_os_str().as_bytes())
            .replace('/', "\\")
            .encode_utf16()
            .collect();
        (rel.clone(), rel, SYMLINK_FLAG_RELATIVE)
    };
    let mut names_bytes: Vec<u8> = substitute.iter().flat_map(|u| u.to_le_bytes()).collect();
    let print_offset = names_bytes.len();
    names_bytes.extend(print.iter().flat_map(|u| u.to_le_bytes()));
    let mut b = Vec::with_capacity(20 + names_bytes.len());
    b.extend(IO_REPARSE_TAG_SYMLINK.to_le_bytes());
    b.extend(((12 + names_bytes.len()) as u16).to_le_bytes()); // ReparseDataLength
    b.extend(0u16.to_le_bytes());
    b.extend(0u16.to_le_bytes()); // SubstituteNameOffset
    b.extend(((substitute.len() * 2) as u16).to_le_bytes());
    b.extend((print_offset as u16).to_le_bytes());
    b.extend(((print.len() * 2) as u16).to_le_bytes());
    b.extend(flags.to_le_bytes());
    b.extend(names_bytes);
    Ok(b)
}

/// The reparse FSCTLs on a file object: None for other control codes.
/// Returns the bytes written to the output buffer.
pub fn fs_control(
    file: &FileObject,
    code: u32,
    input: u64,
    input_length: usize,
    output: u64,
    output_length: usize,
) -> Option<NtResult<u64>> {
    let run = || -> NtResult<u64> {
        match code {
            FSCTL_SET_REPARSE_POINT => {
                if input_length > MAX_REPARSE_SIZE {
                    return Err(STATUS_IO_REPARSE_DATA_INVALID);
                }
                let data = user::read_bytes(input, input_length)?;
                set(file, &data).map(|_| 0)
            }
            FSCTL_GET_REPARSE_POINT => {
                let path = file.path().ok_or(STATUS_NOT_A_REPARSE_POINT)?;
                let data = get(&path)?;
                if output_length < 8 {
                    return Err(STATUS_BUFFER_TOO_SMALL);
                }
                if output_length < data.len() {
                    user::write_from(output, &data[..output_length])?;
                    return Err(STATUS_BUFFER_OVERFLOW);
                }
                user::write_from(output, &data)?;
                Ok(data.len() as u64)
            }
            FSCTL_DELETE_REPARSE_POINT => {
                let path = file.path().ok_or(STATUS_NOT_A_REPARSE_POINT)?;
                let meta = path
                    .symlink_metadata()
                    .map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))?;
                if !meta.file_type().is_symlink() {
                    return Err(STATUS_NOT_A_REPARSE_POINT);
                }
                // What stays is an empty file or directory, as on NTFS.
                let was_dir = path.is_dir();
                std::fs::remove_file(&path)
                    .map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))?;
                let made = if was_dir {
                    std::fs::create_dir(&path)
                } else {
                    std::fs::File::create(&path).map(|_| ())
                };
                made.map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))
                    .map(|_| 0)
            }
            _ => Err(STATUS_INVALID_DEVICE_REQUEST),
        }
    };
    match code {
        FSCTL_SET_REPARSE_POINT | FSCTL_GET_REPARSE_POINT | FSCTL_DELETE_REPARSE_POINT => {
            Some(run())
        }
        _ => None,
    }
}

/// Implements NtFsControlFile(FileHandle, Event, ApcRoutine, ApcContext,
/// IoStatusBlock, FsControlCode, InputBuffer, InputBufferLength,
/// OutputBuffer, OutputBufferLength) for the reparse-point FSCTLs of disk
/// files; other codes are STATUS_INVALID_DEVICE_REQUEST.
pub fn NtFsControlFile(a: &Args) -> NtStatus {
    let file = match ob::reference_typed::<FileObject>(a[0]) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let result = fs_control(
        &file,
        a[5] as u32,
        a[6],
        a[7] as u32 as usize,
        a[8],
        a[9] as u32 as usize,
    )
    .unwrap_or(Err(STATUS_INVALID_DEVICE_REQUEST));
    let (status, information) = match result {
        Ok(n) => (STATUS_SUCCESS, n),
        Err(STATUS_BUFFER_OVERFLOW) => (STATUS_BUFFER_OVERFLOW, a[9] as u32 as u64),
        Err(e) => return e,
    };
    let io = nt::IO_STATUS_BLOCK {
        Status: status.0,
        _pad: 0,
        Information: information,
    };
    if let Err(e) = user::write(a[4], &io) {
        return e;
    }
    if a[1] != 0 {
        if let Ok(ev) = ob::reference_typed::<crate::ke::event::Event>(a[1]) {
            ev.set();
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_of(b: &[u8]) -> (String, String, u32) {
        let u = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
        let text =
            |off: usize, len: usize| String::from_utf16_lossy(&units_at(b, 20 + off, len).unwrap());
        let flags = u32::from_le_bytes(b[16..20].try_into().unwrap());
        (text(u(8), u(10)), text(u(12), u(14)), flags)
    }

    #[test]
    fn get_reads_links_back_as_nt_names() {
        let dir = std::env::temp_dir().join(format!("casement-reparse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink("/tmp", dir.join("abs")).unwrap();
        std::os::unix::fs::symlink("../up/x", dir.join("rel")).unwrap();
        std::fs::write(dir.join("plain"), b"").unwrap();

        let abs = get(&dir.join("abs")).unwrap();
        assert_eq!(
            u32::from_le_bytes(abs[0..4].try_into().unwrap()),
            IO_REPARSE_TAG_SYMLINK
        );
        assert_eq!(
            names_of(&abs),
            ("\\??\\Z:\\tmp".into(), "Z:\\tmp".into(), 0)
        );
        let rel = get(&dir.join("rel")).unwrap();
        assert_eq!(
            names_of(&rel),
            (
                "..\\up\\x".into(),
                "..\\up\\x".into(),
                SYMLINK_FLAG_RELATIVE
            )
        );
        assert_eq!(get(&dir.join("plain")), Err(STATUS_NOT_A_REPARSE_POINT));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
