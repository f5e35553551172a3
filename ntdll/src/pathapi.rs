//! The path exports of ntdll on `path`: RtlDetermineDosPathNameType_U,
//! RtlDosPathNameToNtPathName_U (and _WithStatus, Relative),
//! RtlReleaseRelativeName, RtlGetFullPathName_U, RtlGetCurrentDirectory_U,
//! RtlIsDosDeviceName_U, RtlFreeUnicodeString.
//!
//! Strings come from guest memory and results go back through the
//! fault-safe user-memory accessors.

use crate::path::{self, PathType};
use syscalls::nt::peb;
use syscalls::*;

/// The longest DOS name read from a NUL-terminated guest string (32767
/// characters, the NT limit, plus one to detect overlong names).
const MAX_UNITS: usize = 32768;

/// A NUL-terminated UTF-16 string from guest memory.
fn read_wstr(p: u64) -> NtResult<Vec<u16>> {
    if p == 0 {
        return Err(STATUS_OBJECT_NAME_INVALID);
    }
    let mut out = Vec::new();
    let mut at = p;
    loop {
        // Read up to the end of the page, then look for the NUL.
        let chunk = ((0x1000 - (at & 0xFFF)) / 2).max(1) as usize;
        let units = user::read_u16s(at, chunk)?;
        if let Some(n) = units.iter().position(|&u| u == 0) {
            out.extend_from_slice(&units[..n]);
            return Ok(out);
        }
        out.extend_from_slice(&units);
        if out.len() > MAX_UNITS {
            return Err(STATUS_NAME_TOO_LONG);
        }
        at += chunk as u64 * 2;
    }
}

/// The current directory (DOS form, with its trailing backslash).
fn current_directory() -> String {
    let read = || -> NtResult<String> {
        let params: u64 = user::read(nt::current_peb() + peb::PROCESS_PARAMETERS as u64)?;
        // RTL_USER_PROCESS_PARAMETERS.CurrentDirectory.DosPath at 0x38.
        let length: u16 = user::read(params + 0x38)?;
        let buffer: u64 = user::read(params + 0x40)?;
        Ok(String::from_utf16_lossy(&user::read_u16s(
            buffer,
            length as usize / 2,
        )?))
    };
    read().unwrap_or_else(|_| "C:\\".to_string())
}

fn process_heap() -> u64 {
    user::read(nt::current_peb() + peb::PROCESS_HEAP as u64).unwrap_or(0)
}

/// A UNICODE_STRING (16 bytes) as written to guest memory.
fn unicode_string(length_bytes: usize, max_bytes: usize, buffer: u64) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0..2].copy_from_slice(&(length_bytes as u16).to_le_bytes());
    b[2..4].copy_from_slice(&(max_bytes as u16).to_le_bytes());
    b[8..16].copy_from_slice(&buffer.to_le_bytes());
    b
}

/// Implements RtlDetermineDosPathNameType_U(Path): an RTL_PATH_TYPE.
pub extern "win64" fn RtlDetermineDosPathNameType_U(p: u64) -> u32 {
    let Ok(units) = read_wstr(p) else {
        return 0; // RtlPathTypeUnknown
    };
    match path::path_type(&units) {
        PathType::UncAbsolute => 1,
        PathType::DriveAbsolute => 2,
        PathType::DriveRelative => 3,
        PathType::Rooted => 4,
        PathType::Relative => 5,
        PathType::LocalDevice => 6,
        PathType::RootLocalDevice => 7,
    }
}

/// The body of the RtlDosPathNameToNtPathName_U family: the NT name in a
/// process-heap buffer (freed with RtlFreeUnicodeString), FilePart at its
/// last component, RelativeName cleared (the name is never given relative
/// to a held current-directory handle).
fn dos_to_nt_name(dos: u64, nt_out: u64, file_part: u64, relative: u64) -> NtResult<()> {
    let units = read_wstr(dos)?;
    let s = String::from_utf16(&units).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    if s.is_empty() {
        return Err(STATUS_OBJECT_NAME_INVALID);
    }
    let nt: Vec<u16> = path::dos_to_nt(&s, &current_directory())?
        .encode_utf16()
        .collect();
    let bytes = nt.len() * 2;
    if bytes + 2 > u16::MAX as usize {
        return Err(STATUS_NAME_TOO_LONG);
    }
    let buffer = crate::heap::RtlAllocateHeap(process_heap(), 0, (bytes + 2) as u64);
    if buffer == 0 {
        return Err(STATUS_NO_MEMORY);
    }
    let mut data: Vec<u8> = nt.iter().flat_map(|u| u.to_le_bytes()).collect();
    data.extend([0, 0]);
    let part = match nt.iter().rposition(|&u| u == b'\\' as u16) {
        Some(i) if i + 1 < nt.len() => buffer + (i as u64 + 1) * 2,
        _ => 0,
    };
    let written = user::write_from(buffer, &data)
        .and_then(|_| user::write_from(nt_out, &unicode_string(bytes, bytes + 2, buffer)))
        .and_then(|_| user::write_opt(file_part, &part))
        .and_then(|_| {
            if relative != 0 {
                user::write_from(relative, &[0u8; 32])
            } else {
                Ok(())
            }
        });
    if let Err(e) = written {
        crate::heap::RtlFreeHeap(process_heap(), 0, buffer);
        return Err(e);
    }
    Ok(())
}

/// Implements RtlDosPathNameToNtPathName_U_WithStatus(DosFileName,
/// NtFileName, FilePart, RelativeName).
pub extern "win64" fn RtlDosPathNameToNtPathName_U_WithStatus(
    dos: u64,
    nt_out: u64,
    file_part: u64,
    relative: u64,
) -> u32 {
    NtStatus::from_result(dos_to_nt_name(dos, nt_out, file_part, relative)).0
}

/// Implements RtlDosPathNameToNtPathName_U: TRUE on success.
pub extern "win64" fn RtlDosPathNameToNtPathName_U(
    dos: u64,
    nt_out: u64,
    file_part: u64,
    relative: u64,
) -> u8 {
    dos_to_nt_name(dos, nt_out, file_part, relative).is_ok() as u8
}

/// Implements RtlDosPathNameToRelativeNtPathName_U_WithStatus: as the
/// absolute form, with RelativeName cleared.
pub extern "win64" fn RtlDosPathNameToRelativeNtPathName_U_WithStatus(
    dos: u64,
    nt_out: u64,
    file_part: u64,
    relative: u64,
) -> u32 {
    RtlDosPathNameToNtPathName_U_WithStatus(dos, nt_out, file_part, relative)
}

/// Implements RtlDosPathNameToRelativeNtPathName_U.
pub extern "win64" fn RtlDosPathNameToRelativeNtPathName_U(
    dos: u64,
    nt_out: u64,
    file_part: u64,
    relative: u64,
) -> u8 {
    RtlDosPathNameToNtPathName_U(dos, nt_out, file_part, relative)
}

/// Implements RtlReleaseRelativeName(RelativeName): the names made here
/// hold no current-directory reference, so there is nothing to release
/// but the structure itself, which is cleared.
pub extern "win64" fn RtlReleaseRelativeName(relative: u64) {
    if relative != 0 {
        let _ = user::write_from(relative, &[0u8; 32]);
    }
}

/// Implements RtlFreeUnicodeString(UnicodeString): frees a buffer the
/// process heap holds and clears the string.
pub extern "win64" fn RtlFreeUnicodeString(us: u64) {
    if let Ok(buffer) = user::read::<u64>(us + 8) {
        if buffer != 0 {
            crate::heap::RtlFreeHeap(process_heap(), 0, buffer);
        }
        let _ = user::write_from(us, &[0u8; 16]);
    }
}

/// Copies `units` and a NUL into a guest buffer of `size` bytes: the
/// length in bytes without the NUL, or the bytes needed with it.
fn copy_units(units: &[u16], buffer: u64, size: u32) -> NtResult<u32> {
    let bytes = units.len() * 2;
    if bytes + 2 > size as usize || buffer == 0 {
        return Ok((bytes + 2) as u32);
    }
    let mut data: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
    data.extend([0, 0]);
    user::write_from(buffer, &data)?;
    Ok(bytes as u32)
}

/// Implements RtlGetFullPathName_U(FileName, Size, Buffer, ShortName):
/// the length in bytes, the size needed when the buffer is too small, 0 on
/// failure.
pub extern "win64" fn RtlGetFullPathName_U(name: u64, size: u32, buffer: u64, part: u64) -> u32 {
    let run = || -> NtResult<u32> {
        let units = read_wstr(name)?;
        let s = String::from_utf16(&units).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
        let full: Vec<u16> = path::full_path(&s, &current_directory())?
            .encode_utf16()
            .collect();
        let n = copy_units(&full, buffer, size)?;
        if part != 0 {
            let p = match full.iter().rposition(|&u| u == b'\\' as u16) {
                Some(i) if i + 1 < full.len() && (n as usize) < full.len() * 2 + 2 => {
                    buffer + (i as u64 + 1) * 2
                }
                _ => 0,
            };
            user::write(part, &p)?;
        }
        Ok(n)
    };
    run().unwrap_or(0)
}

/// Implements RtlGetCurrentDirectory_U(BufferLength, Buffer): the length
/// in bytes (without the trailing backslash but for a root), or the size
/// needed.
pub extern "win64" fn RtlGetCurrentDirectory_U(size: u32, buffer: u64) -> u32 {
    let cwd = current_directory();
    let trimmed = if cwd.len() > 3 {
        cwd.trim_end_matches('\\')
    } else {
        &cwd
    };
    let units: Vec<u16> = trimmed.encode_utf16().collect();
    copy_units(&units, buffer, size).unwrap_or(0)
}

/// Implements RtlIsDosDeviceName_U(DosFileName): 0, or the byte offset of
/// the device name in the high word and its byte length in the low word.
pub extern "win64" fn RtlIsDosDeviceName_U(name: u64) -> u32 {
    let Ok(units) = read_wstr(name) else {
        return 0;
    };
    let s = String::from_utf16_lossy(&units);
    if matches!(
        path::path_type(&units),
        PathType::LocalDevice | PathType::RootLocalDevice | PathType::UncAbsolute
    ) {
        return 0;
    }
    let Some(device) = path::dos_device(&s) else {
        return 0;
    };
    let start = s.rfind(['\\', '/']).map_or(
        if s.as_bytes().get(1) == Some(&b':') {
            2
        } else {
            0
        },
        |i| i + 1,
    );
    ((start as u32 * 2) << 16) | (device.len() as u32 * 2)
}
