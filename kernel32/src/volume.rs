//! Drives and volumes: GetLogicalDrives, GetDriveType, GetDiskFreeSpace(Ex),
//! GetVolumeInformation (A and W), answered from the drive map through the
//! native API.

use crate::error::*;
use crate::file::{current_directory, nt_create, CloseHandle};
use syscalls::nt::IO_STATUS_BLOCK;
use syscalls::*;

const SYNCHRONIZE: u32 = 0x10_0000;
const FILE_READ_ATTRIBUTES: u32 = 0x80;
const FILE_OPEN: u32 = 1;
const FILE_DIRECTORY_FILE: u32 = 0x1;
const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x20;
const FILE_OPEN_FOR_BACKUP_INTENT: u32 = 0x4000;
const ERROR_NOACCESS: u32 = 998;
const ERROR_INVALID_NAME: u32 = 123;
const ERROR_DIR_NOT_ROOT: u32 = 144;

// FS_INFORMATION_CLASS values.
const FILE_FS_VOLUME_INFORMATION: u64 = 1;
const FILE_FS_DEVICE_INFORMATION: u64 = 4;
const FILE_FS_ATTRIBUTE_INFORMATION: u64 = 5;
const FILE_FS_FULL_SIZE_INFORMATION: u64 = 7;

fn open_dir(name: &[u16]) -> Result<u64, NtStatus> {
    nt_create(
        name,
        SYNCHRONIZE | FILE_READ_ATTRIBUTES,
        0x7,
        FILE_OPEN,
        FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_FOR_BACKUP_INTENT,
        0,
    )
    .map(|(h, _)| h)
}

fn query_volume(h: u64, class: u64, buf: &mut [u8]) -> Result<(), NtStatus> {
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtQueryVolumeInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            buf.as_mut_ptr() as u64,
            buf.len() as u64,
            class,
        ]),
    );
    if st.is_success() || st == STATUS_BUFFER_OVERFLOW {
        Ok(())
    } else {
        Err(st)
    }
}

/// The root a volume function works on: the given one, or the current
/// directory's drive root when NULL.
fn root_or_current(name: Option<Vec<u16>>) -> Vec<u16> {
    name.unwrap_or_else(|| {
        let cwd = current_directory();
        cwd.get(..3).unwrap_or("C:\\").encode_utf16().collect()
    })
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}

/// Implements GetLogicalDrives(): a bit per drive letter whose root opens.
pub extern "win64" fn GetLogicalDrives() -> u32 {
    let mut mask = 0;
    for (i, letter) in (b'A'..=b'Z').enumerate() {
        let nt: Vec<u16> = format!("\\??\\{}:\\", letter as char)
            .encode_utf16()
            .collect();
        if loader::nt::query_attributes(&nt).is_ok() {
            mask |= 1 << i;
        }
    }
    set_error(0);
    mask
}

fn drive_type(root: Vec<u16>) -> u32 {
    const DRIVE_NO_ROOT_DIR: u32 = 1;
    const DRIVE_FIXED: u32 = 3;
    const DRIVE_REMOTE: u32 = 4;
    let Ok(h) = open_dir(&root) else {
        return DRIVE_NO_ROOT_DIR;
    };
    let mut info = [0u8; 8];
    let r = query_volume(h, FILE_FS_DEVICE_INFORMATION, &mut info);
    CloseHandle(h);
    match r {
        // FILE_DEVICE_DISK, FILE_REMOTE_DEVICE characteristic.
        Ok(()) if u32_at(&info, 4) & 0x10 != 0 => DRIVE_REMOTE,
        Ok(()) => DRIVE_FIXED,
        Err(_) => DRIVE_NO_ROOT_DIR,
    }
}

/// Implements GetDriveTypeW(lpRootPathName).
pub extern "win64" fn GetDriveTypeW(root: *const u16) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    drive_type(root_or_current(unsafe { wstr(root) }))
}

/// Implements GetDriveTypeA.
pub extern "win64" fn GetDriveTypeA(root: *const u8) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    drive_type(root_or_current(unsafe { astr(root) }))
}

/// (bytes available to the caller, total bytes, free bytes, bytes per
/// cluster, sectors per cluster, bytes per sector) of a directory's volume.
fn space(dir: &[u16]) -> Result<[u64; 6], NtStatus> {
    let h = open_dir(dir)?;
    let mut full = [0u8; 32];
    let r = query_volume(h, FILE_FS_FULL_SIZE_INFORMATION, &mut full);
    CloseHandle(h);
    r?;
    // TotalAllocationUnits, CallerAvailableAllocationUnits,
    // ActualAvailableAllocationUnits, SectorsPerAllocationUnit,
    // BytesPerSector.
    let (total, caller, actual) = (u64_at(&full, 0), u64_at(&full, 8), u64_at(&full, 16));
    let (spu, bps) = (u32_at(&full, 24) as u64, u32_at(&full, 28) as u64);
    let unit = spu * bps;
    Ok([caller * unit, total * unit, actual * unit, unit, spu, bps])
}

fn disk_free_ex(dir: Option<Vec<u16>>, avail: u64, total: u64, free: u64) -> i32 {
    let dir = root_or_current(dir);
    let s = match space(&dir) {
        Ok(s) => s,
        Err(st) => return fail(st, 0),
    };
    for (p, v) in [(avail, s[0]), (total, s[1]), (free, s[2])] {
        if user::write_opt(p, &v).is_err() {
            set_error(ERROR_NOACCESS);
            return 0;
        }
    }
    1
}

/// Implements GetDiskFreeSpaceExW(lpDirectoryName,
/// lpFreeBytesAvailableToCaller, lpTotalNumberOfBytes,
/// lpTotalNumberOfFreeBytes); any directory of the volume will do.
pub extern "win64" fn GetDiskFreeSpaceExW(
    dir: *const u16,
    avail: u64,
    total: u64,
    free: u64,
) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    disk_free_ex(unsafe { wstr(dir) }, avail, total, free)
}

/// Implements GetDiskFreeSpaceExA.
pub extern "win64" fn GetDiskFreeSpaceExA(
    dir: *const u8,
    avail: u64,
    total: u64,
    free: u64,
) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    disk_free_ex(unsafe { astr(dir) }, avail, total, free)
}

fn disk_free(root: Option<Vec<u16>>, spc: u64, bps: u64, free: u64, total: u64) -> i32 {
    let root = root_or_current(root);
    let s = match space(&root) {
        Ok(s) => s,
        Err(st) => return fail(st, 0),
    };
    // Cluster counts are 32-bit here; larger volumes report the maximum.
    let clusters = |bytes: u64| (bytes / s[3].max(1)).min(u32::MAX as u64) as u32;
    let values = [
        (spc, s[4] as u32),
        (bps, s[5] as u32),
        (free, clusters(s[0])),
        (total, clusters(s[1])),
    ];
    for (p, v) in values {
        if user::write_opt(p, &v).is_err() {
            set_error(ERROR_NOACCESS);
            return 0;
        }
    }
    1
}

/// Implements GetDiskFreeSpaceW(lpRootPathName, lpSectorsPerCluster,
/// lpBytesPerSector, lpNumberOfFreeClusters, lpTotalNumberOfClusters).
pub extern "win64" fn GetDiskFreeSpaceW(
    root: *const u16,
    spc: u64,
    bps: u64,
    free: u64,
    total: u64,
) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    disk_free(unsafe { wstr(root) }, spc, bps, free, total)
}

/// Implements GetDiskFreeSpaceA.
pub extern "win64" fn GetDiskFreeSpaceA(
    root: *const u8,
    spc: u64,
    bps: u64,
    free: u64,
    total: u64,
) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    disk_free(unsafe { astr(root) }, spc, bps, free, total)
}

/// What GetVolumeInformation reports: label, serial, maximum component
/// length, file system flags, file system name.
struct Volume {
    label: Vec<u16>,
    serial: u32,
    max_component: u32,
    flags: u32,
    fs_name: Vec<u16>,
}

fn volume(root: &[u16]) -> Result<Volume, u32> {
    // The root must be a root directory with its trailing backslash.
    let s = String::from_utf16_lossy(root);
    if !s.ends_with('\\') && !s.ends_with('/') {
        return Err(ERROR_INVALID_NAME);
    }
    let full = ntdll::path::full_path(&s, &current_directory())
        .map_err(ntdll::rtl::status_to_dos_error)?;
    if full.len() > 3 && !full.starts_with("\\\\") {
        return Err(ERROR_DIR_NOT_ROOT);
    }
    let h = open_dir(root).map_err(ntdll::rtl::status_to_dos_error)?;
    let v = volume_of_handle(h);
    CloseHandle(h);
    v
}

/// What GetVolumeInformation reports for the volume holding `h`.
fn volume_of_handle(h: u64) -> Result<Volume, u32> {
    let mut vol = [0u8; 24 + 64];
    let mut attr = [0u8; 12 + 64];
    let r = query_volume(h, FILE_FS_VOLUME_INFORMATION, &mut vol)
        .and_then(|_| query_volume(h, FILE_FS_ATTRIBUTE_INFORMATION, &mut attr));
    r.map_err(ntdll::rtl::status_to_dos_error)?;
    let units = |b: &[u8]| -> Vec<u16> {
        b.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    };
    let label_len = (u32_at(&vol, 12) as usize).min(64);
    let name_len = (u32_at(&attr, 8) as usize).min(64);
    Ok(Volume {
        label: units(&vol[18..18 + label_len]),
        serial: u32_at(&vol, 8),
        max_component: u32_at(&attr, 4),
        flags: u32_at(&attr, 0),
        fs_name: units(&attr[12..12 + name_len]),
    })
}

/// Copies a string into an optional buffer of `size` characters: false
/// (ERROR_BAD_LENGTH) when it does not fit.
fn put_str<T: Copy + Default>(s: &[T], buf: *mut T, size: u32) -> bool {
    if buf.is_null() {
        return true;
    }
    if s.len() + 1 > size as usize {
        set_error(24); // ERROR_BAD_LENGTH
        return false;
    }
    let mut v = s.to_vec();
    v.push(T::default());
    // SAFETY: plain data viewed as bytes for the fault-safe copy.
    let bytes = unsafe {
        core::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(&v[..]))
    };
    if user::write_from(buf as u64, bytes).is_err() {
        set_error(ERROR_NOACCESS);
        return false;
    }
    true
}

#[allow(clippy::too_many_arguments)]
fn volume_information<T: Copy + Default>(
    volume: Result<Volume, u32>,
    label: *mut T,
    label_size: u32,
    serial: u64,
    max_component: u64,
    flags: u64,
    fs_name: *mut T,
    fs_size: u32,
    convert: fn(&[u16]) -> Vec<T>,
) -> i32 {
    let v = match volume {
        Ok(v) => v,
        Err(e) => {
            set_error(e);
            return 0;
        }
    };
    if !put_str(&convert(&v.label), label, label_size)
        || !put_str(&convert(&v.fs_name), fs_name, fs_size)
    {
        return 0;
    }
    for (p, x) in [
        (serial, v.serial),
        (max_component, v.max_component),
        (flags, v.flags),
    ] {
        if user::write_opt(p, &x).is_err() {
            set_error(ERROR_NOACCESS);
            return 0;
        }
    }
    1
}

/// Implements GetVolumeInformationW(lpRootPathName, lpVolumeNameBuffer,
/// nVolumeNameSize, lpVolumeSerialNumber, lpMaximumComponentLength,
/// lpFileSystemFlags, lpFileSystemNameBuffer, nFileSystemNameSize).
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn GetVolumeInformationW(
    root: *const u16,
    label: *mut u16,
    label_size: u32,
    serial: u64,
    max_component: u64,
    flags: u64,
    fs_name: *mut u16,
    fs_size: u32,
) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    let root = root_or_current(unsafe { wstr(root) });
    volume_information(
        volume(&root),
        label,
        label_size,
        serial,
        max_component,
        flags,
        fs_name,
        fs_size,
        |s| s.to_vec(),
    )
}

/// Implements GetVolumeInformationA.
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn GetVolumeInformationA(
    root: *const u8,
    label: *mut u8,
    label_size: u32,
    serial: u64,
    max_component: u64,
    flags: u64,
    fs_name: *mut u8,
    fs_size: u32,
) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    let root = root_or_current(unsafe { astr(root) });
    volume_information(
        volume(&root),
        label,
        label_size,
        serial,
        max_component,
        flags,
        fs_name,
        fs_size,
        crate::nls::wide_to_ansi,
    )
}

/// Implements GetVolumeInformationByHandleW(hFile, lpVolumeNameBuffer,
/// nVolumeNameSize, lpVolumeSerialNumber, lpMaximumComponentLength,
/// lpFileSystemFlags, lpFileSystemNameBuffer, nFileSystemNameSize).
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn GetVolumeInformationByHandleW(
    h: u64,
    label: *mut u16,
    label_size: u32,
    serial: u64,
    max_component: u64,
    flags: u64,
    fs_name: *mut u16,
    fs_size: u32,
) -> i32 {
    volume_information(
        volume_of_handle(h),
        label,
        label_size,
        serial,
        max_component,
        flags,
        fs_name,
        fs_size,
        |s| s.to_vec(),
    )
}

/// The root of the volume a full path is on: `C:\`, `\\server\share\`, or
/// the same under `\\?\`.
fn volume_root(full: &str) -> Option<String> {
    let (prefix, rest) = match full.strip_prefix("\\\\?\\") {
        Some(r) => ("\\\\?\\", r),
        None => ("", full),
    };
    let b = rest.as_bytes();
    if b.len() >= 2 && b[1] == b':' {
        return Some(format!("{prefix}{}\\", &rest[..2]));
    }
    let unc = rest
        .strip_prefix("\\\\")
        .or_else(|| rest.strip_prefix("UNC\\").filter(|_| !prefix.is_empty()))?;
    let mut parts = unc.splitn(3, '\\');
    let (server, share) = (parts.next()?, parts.next()?);
    let lead = if rest.starts_with("UNC\\") {
        "UNC\\"
    } else {
        "\\\\"
    };
    Some(format!("{prefix}{lead}{server}\\{share}\\"))
}

fn volume_path_name(name: Option<Vec<u16>>) -> Result<Vec<u16>, u32> {
    let name = name.ok_or(ERROR_INVALID_PARAMETER)?;
    let s = String::from_utf16(&name).map_err(|_| ERROR_INVALID_NAME)?;
    let full = ntdll::path::full_path(&s, &current_directory())
        .map_err(ntdll::rtl::status_to_dos_error)?;
    let root = volume_root(&full).ok_or(ERROR_INVALID_NAME)?;
    Ok(root.encode_utf16().collect())
}

/// Implements GetVolumePathNameW(lpszFileName, lpszVolumePathName,
/// cchBufferLength): the root of the volume the path is on, with its
/// trailing backslash (each drive is one volume).
pub extern "win64" fn GetVolumePathNameW(name: *const u16, buf: *mut u16, size: u32) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    match volume_path_name(unsafe { wstr(name) }) {
        Ok(root) => {
            if root.len() + 1 > size as usize {
                set_error(206); // ERROR_FILENAME_EXCED_RANGE
                return 0;
            }
            put_str(&root, buf, size) as i32
        }
        Err(e) => {
            set_error(e);
            0
        }
    }
}

/// Implements GetVolumePathNameA.
pub extern "win64" fn GetVolumePathNameA(name: *const u8, buf: *mut u8, size: u32) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    match volume_path_name(unsafe { astr(name) }) {
        Ok(root) => {
            let bytes = crate::nls::wide_to_ansi(&root);
            if bytes.len() + 1 > size as usize {
                set_error(206);
                return 0;
            }
            put_str(&bytes, buf, size) as i32
        }
        Err(e) => {
            set_error(e);
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::volume_root;

    #[test]
    fn roots() {
        assert_eq!(volume_root("C:\\x\\y").as_deref(), Some("C:\\"));
        assert_eq!(
            volume_root("\\\\srv\\share\\x").as_deref(),
            Some("\\\\srv\\share\\")
        );
        assert_eq!(
            volume_root("\\\\?\\Z:\\tmp").as_deref(),
            Some("\\\\?\\Z:\\")
        );
    }
}
