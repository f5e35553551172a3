//! File information by handle and by name: GetFileInformationByHandle(Ex),
//! SetFileInformationByHandle, GetFileAttributesEx, SetFileAttributes,
//! Get/SetFileTime.

use crate::error::*;
use crate::file::{nt_create, query_info, set_info, CloseHandle};
use syscalls::nt::IO_STATUS_BLOCK;
use syscalls::*;

const SYNCHRONIZE: u32 = 0x10_0000;
const FILE_READ_ATTRIBUTES: u32 = 0x80;
const FILE_WRITE_ATTRIBUTES: u32 = 0x100;
const FILE_OPEN: u32 = 1;
const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x20;
const FILE_OPEN_FOR_BACKUP_INTENT: u32 = 0x4000;
const ERROR_NOACCESS: u32 = 998;

// NT information classes used here.
const FILE_BASIC_INFORMATION: u32 = 4;
const FILE_STANDARD_INFORMATION: u32 = 5;
const FILE_NAME_INFORMATION: u32 = 9;
const FILE_RENAME_INFORMATION: u32 = 10;
const FILE_DISPOSITION_INFORMATION: u32 = 13;
const FILE_ALL_INFORMATION: u32 = 18;
const FILE_ALLOCATION_INFORMATION: u32 = 19;
const FILE_END_OF_FILE_INFORMATION: u32 = 20;
const FILE_ATTRIBUTE_TAG_INFORMATION: u32 = 35;
const FILE_FS_VOLUME_INFORMATION: u64 = 1;

/// Opens a name for attribute access only (it shares everything and
/// conflicts with nothing).
fn open_attributes(name: &[u16], write: bool) -> Result<u64, NtStatus> {
    let access = SYNCHRONIZE | FILE_READ_ATTRIBUTES | if write { FILE_WRITE_ATTRIBUTES } else { 0 };
    nt_create(
        name,
        access,
        0x7,
        FILE_OPEN,
        FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_FOR_BACKUP_INTENT,
        0,
    )
    .map(|(h, _)| h)
}

/// The volume serial number of the volume holding `h`.
fn volume_serial(h: u64) -> Result<u32, NtStatus> {
    let mut iosb = IO_STATUS_BLOCK::default();
    let mut info = [0u8; 24];
    let st = syscall(
        nr::NtQueryVolumeInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            info.as_mut_ptr() as u64,
            info.len() as u64,
            FILE_FS_VOLUME_INFORMATION,
        ]),
    );
    if st.is_success() || st == STATUS_BUFFER_OVERFLOW {
        Ok(u32::from_le_bytes(info[8..12].try_into().unwrap_or([0; 4])))
    } else {
        Err(st)
    }
}

fn write_user(ptr: u64, data: &[u8]) -> bool {
    if user::write_from(ptr, data).is_ok() {
        true
    } else {
        set_error(ERROR_NOACCESS);
        false
    }
}

/// Implements GetFileInformationByHandle(hFile, lpFileInformation): a
/// BY_HANDLE_FILE_INFORMATION (52 bytes).
pub extern "win64" fn GetFileInformationByHandle(h: u64, out: u64) -> i32 {
    let mut all = [0u8; 100 + 1024];
    if let Err(st) = query_info(h, FILE_ALL_INFORMATION, &mut all) {
        return fail(st, 0);
    }
    let serial = match volume_serial(h) {
        Ok(s) => s,
        Err(st) => return fail(st, 0),
    };
    let mut d = [0u8; 52];
    d[0..4].copy_from_slice(&all[32..36]); // FileAttributes
    d[4..12].copy_from_slice(&all[0..8]); // CreationTime
    d[12..20].copy_from_slice(&all[8..16]); // LastAccessTime
    d[20..28].copy_from_slice(&all[16..24]); // LastWriteTime
    d[28..32].copy_from_slice(&serial.to_le_bytes());
    // FileStandardInformation at 40: AllocationSize, EndOfFile,
    // NumberOfLinks; FileInternalInformation at 64.
    d[32..36].copy_from_slice(&all[52..56]); // nFileSizeHigh
    d[36..40].copy_from_slice(&all[48..52]); // nFileSizeLow
    d[40..44].copy_from_slice(&all[56..60]); // nNumberOfLinks
    d[44..48].copy_from_slice(&all[68..72]); // nFileIndexHigh
    d[48..52].copy_from_slice(&all[64..68]); // nFileIndexLow
    write_user(out, &d) as i32
}

/// WIN32_FILE_ATTRIBUTE_DATA (36 bytes) of a name.
fn attribute_data(name: &[u16]) -> Result<[u8; 36], NtStatus> {
    // NtQueryFullAttributesFile: by name, without an open (and, for a
    // symbolic link, about the link).
    let nt = crate::file::nt_name(name)?;
    let us = syscalls::nt::UNICODE_STRING::over(&nt);
    let oa = syscalls::nt::OBJECT_ATTRIBUTES::named(Some(&us), syscalls::nt::OBJ_CASE_INSENSITIVE);
    let mut net = [0u8; 56];
    syscall(
        nr::NtQueryFullAttributesFile,
        &args([
            &oa as *const syscalls::nt::OBJECT_ATTRIBUTES as u64,
            net.as_mut_ptr() as u64,
        ]),
    )
    .ok()?;
    // FILE_NETWORK_OPEN_INFORMATION: four times, AllocationSize,
    // EndOfFile, FileAttributes.
    let mut d = [0u8; 36];
    d[0..4].copy_from_slice(&net[48..52]);
    d[4..12].copy_from_slice(&net[0..8]);
    d[12..20].copy_from_slice(&net[8..16]);
    d[20..28].copy_from_slice(&net[16..24]);
    let size = u64::from_le_bytes(net[40..48].try_into().unwrap_or([0; 8]));
    let attributes = u32::from_le_bytes(net[48..52].try_into().unwrap_or([0; 4]));
    // Directories report no size.
    let size = if attributes & 0x10 != 0 { 0 } else { size };
    d[28..32].copy_from_slice(&((size >> 32) as u32).to_le_bytes());
    d[32..36].copy_from_slice(&(size as u32).to_le_bytes());
    Ok(d)
}

fn get_attributes_ex(name: Option<Vec<u16>>, level: u32, out: u64) -> i32 {
    let Some(name) = name else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    if level != 0 {
        // GetFileExInfoStandard is the only level.
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    match attribute_data(&name) {
        Ok(d) => write_user(out, &d) as i32,
        Err(st) => fail(st, 0),
    }
}

/// Implements GetFileAttributesExW(lpFileName, fInfoLevelId,
/// lpFileInformation).
pub extern "win64" fn GetFileAttributesExW(name: *const u16, level: u32, out: u64) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    get_attributes_ex(unsafe { wstr(name) }, level, out)
}

/// Implements GetFileAttributesExA.
pub extern "win64" fn GetFileAttributesExA(name: *const u8, level: u32, out: u64) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    get_attributes_ex(unsafe { astr(name) }, level, out)
}

/// FILE_BASIC_INFORMATION with only the attributes set (times 0: keep).
fn basic_with_attributes(attributes: u32) -> [u8; 40] {
    let mut b = [0u8; 40];
    // FILE_ATTRIBUTE_NORMAL alone clears the others; NT takes 0 as "leave
    // unchanged", so NORMAL is passed through.
    let a = if attributes == 0 { 0x80 } else { attributes };
    b[32..36].copy_from_slice(&a.to_le_bytes());
    b
}

fn set_attributes(name: Option<Vec<u16>>, attributes: u32) -> i32 {
    let Some(name) = name else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let h = match open_attributes(&name, true) {
        Ok(h) => h,
        Err(st) => return fail(st, 0),
    };
    let r = set_info(
        h,
        FILE_BASIC_INFORMATION,
        &basic_with_attributes(attributes),
    );
    CloseHandle(h);
    match r {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements SetFileAttributesW(lpFileName, dwFileAttributes).
pub extern "win64" fn SetFileAttributesW(name: *const u16, attributes: u32) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    set_attributes(unsafe { wstr(name) }, attributes)
}

/// Implements SetFileAttributesA.
pub extern "win64" fn SetFileAttributesA(name: *const u8, attributes: u32) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    set_attributes(unsafe { astr(name) }, attributes)
}

/// Implements GetFileTime(hFile, lpCreationTime, lpLastAccessTime,
/// lpLastWriteTime); NULL pointers are skipped.
pub extern "win64" fn GetFileTime(h: u64, creation: u64, access: u64, write: u64) -> i32 {
    let mut b = [0u8; 40];
    if let Err(st) = query_info(h, FILE_BASIC_INFORMATION, &mut b) {
        return fail(st, 0);
    }
    for (i, p) in [creation, access, write].into_iter().enumerate() {
        if p != 0 && !write_user(p, &b[i * 8..i * 8 + 8]) {
            return 0;
        }
    }
    1
}

/// Implements SetFileTime(hFile, lpCreationTime, lpLastAccessTime,
/// lpLastWriteTime); NULL leaves a time unchanged.
pub extern "win64" fn SetFileTime(h: u64, creation: u64, access: u64, write: u64) -> i32 {
    let mut b = [0u8; 40];
    for (i, p) in [creation, access, write].into_iter().enumerate() {
        if p != 0 {
            match user::read::<[u8; 8]>(p) {
                Ok(t) => b[i * 8..i * 8 + 8].copy_from_slice(&t),
                Err(_) => {
                    set_error(ERROR_NOACCESS);
                    return 0;
                }
            }
        }
    }
    match set_info(h, FILE_BASIC_INFORMATION, &b) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

// FILE_INFO_BY_HANDLE_CLASS values.
const FILE_BASIC_INFO: u32 = 0;
const FILE_STANDARD_INFO: u32 = 1;
const FILE_NAME_INFO: u32 = 2;
const FILE_RENAME_INFO: u32 = 3;
const FILE_DISPOSITION_INFO: u32 = 4;
const FILE_ALLOCATION_INFO: u32 = 5;
const FILE_END_OF_FILE_INFO: u32 = 6;
const FILE_ATTRIBUTE_TAG_INFO: u32 = 9;

/// Implements GetFileInformationByHandleEx(hFile, FileInformationClass,
/// lpFileInformation, dwBufferSize).
pub extern "win64" fn GetFileInformationByHandleEx(h: u64, class: u32, out: u64, size: u32) -> i32 {
    match class {
        FILE_ID_BOTH_DIRECTORY_INFO
        | FILE_ID_BOTH_DIRECTORY_RESTART_INFO
        | FILE_FULL_DIRECTORY_INFO
        | FILE_FULL_DIRECTORY_RESTART_INFO => return directory_info(h, class, out, size),
        FILE_ID_INFO => return id_info(h, out, size),
        FILE_STORAGE_INFO => return storage_info(h, out, size),
        _ => {}
    }
    let (nt_class, fixed) = match class {
        FILE_BASIC_INFO => (FILE_BASIC_INFORMATION, 40),
        FILE_STANDARD_INFO => (FILE_STANDARD_INFORMATION, 24),
        FILE_NAME_INFO => (FILE_NAME_INFORMATION, 4),
        FILE_ATTRIBUTE_TAG_INFO => (FILE_ATTRIBUTE_TAG_INFORMATION, 8),
        FILE_ALIGNMENT_INFO => (FILE_ALIGNMENT_INFORMATION, 4),
        _ => {
            set_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
    };
    if (size as usize) < fixed {
        set_error(ERROR_BAD_LENGTH);
        return 0;
    }
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtQueryInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            out,
            size as u64,
            nt_class as u64,
        ]),
    );
    if st == STATUS_BUFFER_OVERFLOW {
        // FileNameInfo that does not fit: ERROR_MORE_DATA, with the length.
        set_error(234);
        return 0;
    }
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

const ERROR_BAD_LENGTH: u32 = 24;
const FILE_ID_BOTH_DIRECTORY_INFO: u32 = 10;
const FILE_ID_BOTH_DIRECTORY_RESTART_INFO: u32 = 11;
const FILE_FULL_DIRECTORY_INFO: u32 = 14;
const FILE_FULL_DIRECTORY_RESTART_INFO: u32 = 15;
const FILE_ID_INFO: u32 = 18;
const FILE_STORAGE_INFO: u32 = 16;
const FILE_ALIGNMENT_INFO: u32 = 17;
const FILE_ALIGNMENT_INFORMATION: u32 = 17;
const FILE_FS_SECTOR_SIZE_INFORMATION: u64 = 11;

/// FILE_STORAGE_INFO: the volume's FILE_FS_SECTOR_SIZE_INFORMATION.
fn storage_info(h: u64, out: u64, size: u32) -> i32 {
    if size < 28 {
        set_error(ERROR_BAD_LENGTH);
        return 0;
    }
    let mut iosb = IO_STATUS_BLOCK::default();
    let mut info = [0u8; 28];
    let st = syscall(
        nr::NtQueryVolumeInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            info.as_mut_ptr() as u64,
            info.len() as u64,
            FILE_FS_SECTOR_SIZE_INFORMATION,
        ]),
    );
    if !st.is_success() {
        return fail(st, 0);
    }
    write_user(out, &info) as i32
}
const FILE_DISPOSITION_INFO_EX: u32 = 21;
const FILE_DISPOSITION_INFORMATION_EX: u32 = 64;
const FILE_RENAME_INFO_EX: u32 = 22;
const FILE_RENAME_INFORMATION_EX: u32 = 65;
const FILE_INTERNAL_INFORMATION: u32 = 6;

/// The directory classes: the next entries of the handle's directory
/// (NtQueryDirectoryFile), from the start for the Restart classes.
fn directory_info(h: u64, class: u32, out: u64, size: u32) -> i32 {
    let (nt_class, restart) = match class {
        FILE_ID_BOTH_DIRECTORY_INFO => (37u64, false),
        FILE_ID_BOTH_DIRECTORY_RESTART_INFO => (37, true),
        FILE_FULL_DIRECTORY_INFO => (2, false),
        _ => (2, true),
    };
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtQueryDirectoryFile,
        &args([
            h,
            0,
            0,
            0,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            out,
            size as u64,
            nt_class,
            0,
            0,
            restart as u64,
        ]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// FILE_ID_INFO: the volume serial number and a 128-bit file id (the
/// host inode in its low half).
fn id_info(h: u64, out: u64, size: u32) -> i32 {
    if size < 24 {
        set_error(ERROR_BAD_LENGTH);
        return 0;
    }
    let serial = match volume_serial(h) {
        Ok(s) => s,
        Err(st) => return fail(st, 0),
    };
    let mut internal = [0u8; 8];
    if let Err(st) = query_info(h, FILE_INTERNAL_INFORMATION, &mut internal) {
        return fail(st, 0);
    }
    let mut d = [0u8; 24];
    d[0..8].copy_from_slice(&(serial as u64).to_le_bytes());
    d[8..16].copy_from_slice(&internal);
    write_user(out, &d) as i32
}

/// Implements SetFileInformationByHandle(hFile, FileInformationClass,
/// lpFileInformation, dwBufferSize). The by-handle structures have the
/// layouts of their NT counterparts.
pub extern "win64" fn SetFileInformationByHandle(h: u64, class: u32, info: u64, size: u32) -> i32 {
    let (nt_class, fixed) = match class {
        FILE_BASIC_INFO => (FILE_BASIC_INFORMATION, 40),
        FILE_RENAME_INFO => (FILE_RENAME_INFORMATION, 20),
        FILE_DISPOSITION_INFO => (FILE_DISPOSITION_INFORMATION, 1),
        FILE_ALLOCATION_INFO => (FILE_ALLOCATION_INFORMATION, 8),
        FILE_END_OF_FILE_INFO => (FILE_END_OF_FILE_INFORMATION, 8),
        FILE_DISPOSITION_INFO_EX => (FILE_DISPOSITION_INFORMATION_EX, 4),
        FILE_RENAME_INFO_EX => (FILE_RENAME_INFORMATION_EX, 20),
        _ => {
            set_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
    };
    if (size as usize) < fixed {
        set_error(ERROR_BAD_LENGTH);
        return 0;
    }
    let Ok(mut data) = user::read_bytes(info, size as usize) else {
        set_error(ERROR_NOACCESS);
        return 0;
    };
    if class == FILE_RENAME_INFO || class == FILE_RENAME_INFO_EX {
        // A DOS name without a root directory becomes an NT name.
        match rename_to_nt(&data) {
            Ok(Some(d)) => data = d,
            Ok(None) => {}
            Err(st) => return fail(st, 0),
        }
    }
    match set_info(h, nt_class, &data) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// FILE_RENAME_INFO with its DOS FileName turned into an NT name (None
/// when it is relative to a RootDirectory or already an NT name).
fn rename_to_nt(data: &[u8]) -> Result<Option<Vec<u8>>, NtStatus> {
    let root = u64::from_le_bytes(data[8..16].try_into().unwrap_or([0; 8]));
    let len = u32::from_le_bytes(data[16..20].try_into().unwrap_or([0; 4])) as usize;
    let name: Vec<u16> = data
        .get(20..20 + len)
        .ok_or(STATUS_INVALID_PARAMETER)?
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let name = String::from_utf16(&name).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    if root != 0 || name.starts_with("\\??\\") {
        return Ok(None);
    }
    let nt = ntdll::path::dos_to_nt(&name, &crate::file::current_directory())?;
    let units: Vec<u16> = nt.encode_utf16().collect();
    let mut out = data[..16].to_vec();
    out.extend(((units.len() * 2) as u32).to_le_bytes());
    for u in units {
        out.extend(u.to_le_bytes());
    }
    Ok(Some(out))
}

const LOCKFILE_FAIL_IMMEDIATELY: u32 = 0x1;
const LOCKFILE_EXCLUSIVE_LOCK: u32 = 0x2;

fn lock(h: u64, offset: u64, length: u64, fail_now: bool, exclusive: bool) -> i32 {
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtLockFile,
        &args([
            h,
            0,
            0,
            0,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            &offset as *const u64 as u64,
            &length as *const u64 as u64,
            0,
            fail_now as u64,
            exclusive as u64,
        ]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

fn unlock(h: u64, offset: u64, length: u64) -> i32 {
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtUnlockFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            &offset as *const u64 as u64,
            &length as *const u64 as u64,
            0,
        ]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

fn join(low: u32, high: u32) -> u64 {
    (high as u64) << 32 | low as u64
}

/// The offset an OVERLAPPED carries (Offset, OffsetHigh at 16 and 20).
fn overlapped_offset(ov: u64) -> Option<u64> {
    let parts: [u32; 2] = user::read(ov + 16).ok()?;
    Some(join(parts[0], parts[1]))
}

/// Implements LockFile(hFile, dwFileOffsetLow, dwFileOffsetHigh,
/// nNumberOfBytesToLockLow, nNumberOfBytesToLockHigh): an exclusive lock
/// that fails at once if it cannot be granted.
pub extern "win64" fn LockFile(
    h: u64,
    off_low: u32,
    off_high: u32,
    len_low: u32,
    len_high: u32,
) -> i32 {
    lock(
        h,
        join(off_low, off_high),
        join(len_low, len_high),
        true,
        true,
    )
}

/// Implements LockFileEx(hFile, dwFlags, dwReserved,
/// nNumberOfBytesToLockLow, nNumberOfBytesToLockHigh, lpOverlapped).
pub extern "win64" fn LockFileEx(
    h: u64,
    flags: u32,
    reserved: u32,
    len_low: u32,
    len_high: u32,
    ov: u64,
) -> i32 {
    if reserved != 0 || flags & !(LOCKFILE_FAIL_IMMEDIATELY | LOCKFILE_EXCLUSIVE_LOCK) != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let Some(offset) = overlapped_offset(ov) else {
        set_error(ERROR_NOACCESS);
        return 0;
    };
    lock(
        h,
        offset,
        join(len_low, len_high),
        flags & LOCKFILE_FAIL_IMMEDIATELY != 0,
        flags & LOCKFILE_EXCLUSIVE_LOCK != 0,
    )
}

/// Implements UnlockFile(hFile, dwFileOffsetLow, dwFileOffsetHigh,
/// nNumberOfBytesToUnlockLow, nNumberOfBytesToUnlockHigh).
pub extern "win64" fn UnlockFile(
    h: u64,
    off_low: u32,
    off_high: u32,
    len_low: u32,
    len_high: u32,
) -> i32 {
    unlock(h, join(off_low, off_high), join(len_low, len_high))
}

/// Implements UnlockFileEx(hFile, dwReserved, nNumberOfBytesToUnlockLow,
/// nNumberOfBytesToUnlockHigh, lpOverlapped).
pub extern "win64" fn UnlockFileEx(
    h: u64,
    reserved: u32,
    len_low: u32,
    len_high: u32,
    ov: u64,
) -> i32 {
    if reserved != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let Some(offset) = overlapped_offset(ov) else {
        set_error(ERROR_NOACCESS);
        return 0;
    };
    unlock(h, offset, join(len_low, len_high))
}

const VOLUME_NAME_DOS: u32 = 0x0;
const VOLUME_NAME_NONE: u32 = 0x4;
const FILE_NAME_OPENED: u32 = 0x8;

/// The file's name on its volume (FileNameInformation: `\dir\file`).
fn name_on_volume(h: u64) -> Result<Vec<u16>, NtStatus> {
    let mut buf = vec![0u8; 4 + 65536];
    query_info(h, FILE_NAME_INFORMATION, &mut buf)?;
    let len = (u32::from_le_bytes(buf[0..4].try_into().unwrap_or([0; 4])) as usize).min(65536);
    Ok(buf[4..4 + len]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect())
}

/// The host identity of an open file: volume serial and file index.
fn identity(h: u64) -> Option<(u32, [u8; 8])> {
    let mut internal = [0u8; 8];
    query_info(h, FILE_INTERNAL_INFORMATION, &mut internal).ok()?;
    Some((volume_serial(h).ok()?, internal))
}

/// The drive letter whose `name` is the file `h` is open on.
fn drive_of(h: u64, name: &[u16]) -> Option<u8> {
    let want = identity(h)?;
    let drives = crate::volume::GetLogicalDrives();
    (0..26u8).filter(|i| drives & (1 << i) != 0).find_map(|i| {
        let letter = b'A' + i;
        let mut path: Vec<u16> = format!("\\\\?\\{}:", letter as char)
            .encode_utf16()
            .collect();
        path.extend_from_slice(name);
        let other = open_attributes(&path, false).ok()?;
        let same = identity(other) == Some(want);
        CloseHandle(other);
        same.then_some(letter)
    })
}

/// Implements GetFinalPathNameByHandleW(hFile, lpszFilePath, cchFilePath,
/// dwFlags) for VOLUME_NAME_DOS (`\\?\C:\dir\file`) and VOLUME_NAME_NONE
/// (`\dir\file`): the length without the NUL, or the size needed with it.
pub extern "win64" fn GetFinalPathNameByHandleW(
    h: u64,
    buf: *mut u16,
    size: u32,
    flags: u32,
) -> u32 {
    let volume = flags & 0x7;
    if flags & !(0x7 | FILE_NAME_OPENED) != 0 || volume > VOLUME_NAME_NONE {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let name = match name_on_volume(h) {
        Ok(n) => n,
        Err(st) => return fail(st, 0),
    };
    let full = match volume {
        VOLUME_NAME_NONE => name,
        VOLUME_NAME_DOS => match drive_of(h, &name) {
            Some(letter) => {
                let mut p: Vec<u16> = format!("\\\\?\\{}:", letter as char)
                    .encode_utf16()
                    .collect();
                p.extend(name);
                p
            }
            None => {
                set_error(3); // ERROR_PATH_NOT_FOUND
                return 0;
            }
        },
        _ => {
            // VOLUME_NAME_GUID and VOLUME_NAME_NT need the mount manager's
            // device names, which the drive map does not give yet.
            log::warn!("unimplemented: GetFinalPathNameByHandleW with volume name kind {volume}");
            set_error(ERROR_CALL_NOT_IMPLEMENTED);
            return 0;
        }
    };
    // SAFETY: the caller's buffer holds `size` characters (or is NULL).
    unsafe { copy_out(&full, buf, size) }
}

/// Implements GetFinalPathNameByHandleA.
pub extern "win64" fn GetFinalPathNameByHandleA(
    h: u64,
    buf: *mut u8,
    size: u32,
    flags: u32,
) -> u32 {
    let mut wide = vec![0u16; 32768];
    let n = GetFinalPathNameByHandleW(h, wide.as_mut_ptr(), wide.len() as u32, flags);
    if n == 0 || n as usize >= wide.len() {
        return n;
    }
    let bytes = crate::nls::wide_to_ansi(&wide[..n as usize]);
    // SAFETY: the caller's buffer holds `size` bytes (or is NULL).
    unsafe { copy_out(&bytes, buf, size) }
}

fn compressed_size(name: Option<Vec<u16>>, high: u64) -> u32 {
    let Some(name) = name else {
        set_error(ERROR_INVALID_PARAMETER);
        return u32::MAX;
    };
    let h = match open_attributes(&name, false) {
        Ok(h) => h,
        Err(st) => return fail(st, u32::MAX),
    };
    let mut standard = [0u8; 24];
    let r = query_info(h, FILE_STANDARD_INFORMATION, &mut standard);
    CloseHandle(h);
    if let Err(st) = r {
        return fail(st, u32::MAX);
    }
    // The storage used: the allocation, but not the block rounding past
    // the end (a sparse file uses less than its size).
    let allocation = u64::from_le_bytes(standard[0..8].try_into().unwrap_or([0; 8]));
    let size = u64::from_le_bytes(standard[8..16].try_into().unwrap_or([0; 8]));
    let used = allocation.min(size);
    if user::write_opt(high, &((used >> 32) as u32)).is_err() {
        set_error(ERROR_NOACCESS);
        return u32::MAX;
    }
    set_error(0);
    used as u32
}

/// Implements GetCompressedFileSizeW(lpFileName, lpFileSizeHigh): the
/// bytes of storage the file uses (no volume here compresses).
pub extern "win64" fn GetCompressedFileSizeW(name: *const u16, high: u64) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    compressed_size(unsafe { wstr(name) }, high)
}

/// Implements GetCompressedFileSizeA.
pub extern "win64" fn GetCompressedFileSizeA(name: *const u8, high: u64) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    compressed_size(unsafe { astr(name) }, high)
}

/// Implements CreateDirectoryExW(lpTemplateDirectory, lpNewDirectory,
/// lpSecurityAttributes): the template's attributes that matter here
/// (none of compression or encryption exist on the host) leave a plain
/// new directory; the template must exist.
pub extern "win64" fn CreateDirectoryExW(template: *const u16, new: *const u16, sa: u64) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(template) = (unsafe { wstr(template) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    match open_attributes(&template, false) {
        Ok(h) => {
            CloseHandle(h);
        }
        Err(st) => return fail(st, 0),
    }
    crate::file::CreateDirectoryW(new, sa)
}

/// Implements CreateDirectoryExA.
pub extern "win64" fn CreateDirectoryExA(template: *const u8, new: *const u8, sa: u64) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (t, n) = unsafe { (astr(template), astr(new)) };
    let (Some(mut t), Some(mut n)) = (t, n) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    t.push(0);
    n.push(0);
    CreateDirectoryExW(t.as_ptr(), n.as_ptr(), sa)
}
