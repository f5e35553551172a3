//! File information services: NtQueryInformationFile, NtSetInformationFile,
//! NtQueryVolumeInformationFile, NtQueryAttributesFile.

use super::file::resolve_attributes;
use super::names::Target;
use super::{last_errno, status_from_errno, FileObject, FILE_DEVICE_DISK};
use crate::ex::time::EPOCH_DIFFERENCE_100NS;
use crate::ob;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;

use syscalls::*;

pub const FILE_ATTRIBUTE_READONLY: u32 = 0x01;
pub const FILE_ATTRIBUTE_HIDDEN: u32 = 0x02;
pub const FILE_ATTRIBUTE_DIRECTORY: u32 = 0x10;
pub const FILE_ATTRIBUTE_ARCHIVE: u32 = 0x20;
pub const FILE_ATTRIBUTE_NORMAL: u32 = 0x80;
pub const FILE_ATTRIBUTE_REPARSE_POINT: u32 = 0x400;

// FILE_INFORMATION_CLASS values.
const FILE_BASIC_INFORMATION: u32 = 4;
const FILE_STANDARD_INFORMATION: u32 = 5;
const FILE_INTERNAL_INFORMATION: u32 = 6;
const FILE_NAME_INFORMATION: u32 = 9;
const FILE_RENAME_INFORMATION: u32 = 10;
const FILE_LINK_INFORMATION: u32 = 11;
const FILE_DISPOSITION_INFORMATION: u32 = 13;
const FILE_DISPOSITION_INFORMATION_EX: u32 = 64;
const FILE_RENAME_INFORMATION_EX: u32 = 65;
// FILE_DISPOSITION_INFORMATION_EX flags.
const DISPOSITION_DELETE: u32 = 0x1;
const DISPOSITION_POSIX_SEMANTICS: u32 = 0x2;
const DISPOSITION_IGNORE_READONLY_ATTRIBUTE: u32 = 0x10;
const FILE_POSITION_INFORMATION: u32 = 14;
const FILE_MODE_INFORMATION: u32 = 16;
const FILE_ALIGNMENT_INFORMATION: u32 = 17;
const FILE_ALL_INFORMATION: u32 = 18;
const FILE_ALLOCATION_INFORMATION: u32 = 19;
const FILE_END_OF_FILE_INFORMATION: u32 = 20;
const FILE_NETWORK_OPEN_INFORMATION: u32 = 34;
const FILE_ATTRIBUTE_TAG_INFORMATION: u32 = 35;

// FS_INFORMATION_CLASS values.
const FILE_FS_VOLUME_INFORMATION: u32 = 1;
const FILE_FS_SIZE_INFORMATION: u32 = 3;
const FILE_FS_DEVICE_INFORMATION: u32 = 4;
const FILE_FS_ATTRIBUTE_INFORMATION: u32 = 5;
const FILE_FS_FULL_SIZE_INFORMATION: u32 = 7;
const FILE_FS_SECTOR_SIZE_INFORMATION: u32 = 11;

fn fstat(fd: i32) -> NtResult<libc::stat> {
    // SAFETY: fstat into a zeroed stat we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(status_from_errno(last_errno()));
    }
    Ok(st)
}

pub fn filetime(sec: i64, nsec: i64) -> i64 {
    sec * 10_000_000 + nsec / 100 + EPOCH_DIFFERENCE_100NS
}

/// Windows attributes of a host file.
pub fn attributes_of(st: &libc::stat) -> u32 {
    let mut a = if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
        FILE_ATTRIBUTE_DIRECTORY
    } else {
        FILE_ATTRIBUTE_ARCHIVE
    };
    if st.st_mode & 0o222 == 0 {
        a |= FILE_ATTRIBUTE_READONLY;
    }
    a
}

/// The attributes of an open file: the host's, with the stored DOS ones.
fn attributes_fd(fd: i32, st: &libc::stat) -> u32 {
    if st.st_mode & libc::S_IFMT == libc::S_IFLNK {
        // A symbolic link opened itself (FILE_OPEN_REPARSE_POINT); O_PATH
        // descriptors have no extended attributes to read.
        return link_attributes(fd);
    }
    super::dosattr::combine(attributes_of(st), super::dosattr::read_fd(fd))
}

/// The attributes of a symbolic link: a reparse point, and a directory
/// when its target is one.
fn link_attributes(fd: i32) -> u32 {
    let target_is_dir = CString::new(format!("/proc/self/fd/{fd}")).is_ok_and(|c| {
        // SAFETY: stat through the link's O_PATH descriptor's /proc name
        // (which follows the link), into a zeroed stat.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let found = unsafe { libc::stat(c.as_ptr(), &mut st) } == 0;
        found && st.st_mode & libc::S_IFMT == libc::S_IFDIR
    });
    link_attributes_for(target_is_dir)
}

pub fn link_attributes_for(target_is_dir: bool) -> u32 {
    FILE_ATTRIBUTE_REPARSE_POINT
        | if target_is_dir {
            FILE_ATTRIBUTE_DIRECTORY
        } else {
            FILE_ATTRIBUTE_ARCHIVE
        }
}

/// FILE_BASIC_INFORMATION as bytes (40).
fn basic(st: &libc::stat, attributes: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(40);
    // Linux has no creation time in stat; the change time stands in for it.
    b.extend(filetime(st.st_ctime, st.st_ctime_nsec).to_le_bytes());
    b.extend(filetime(st.st_atime, st.st_atime_nsec).to_le_bytes());
    b.extend(filetime(st.st_mtime, st.st_mtime_nsec).to_le_bytes());
    b.extend(filetime(st.st_ctime, st.st_ctime_nsec).to_le_bytes());
    b.extend(attributes.to_le_bytes());
    b.extend([0u8; 4]);
    b
}

/// FILE_STANDARD_INFORMATION as bytes (24).
fn standard(st: &libc::stat, delete_pending: bool) -> Vec<u8> {
    let mut b = Vec::with_capacity(24);
    b.extend((st.st_blocks * 512).to_le_bytes());
    b.extend((st.st_size).to_le_bytes());
    let dir = st.st_mode & libc::S_IFMT == libc::S_IFDIR;
    // A directory has one link on NTFS (its subdirectories' ".." are not
    // links to it there).
    let links = if dir { 1 } else { st.st_nlink as u32 };
    b.extend(links.to_le_bytes());
    b.push(delete_pending as u8);
    b.push(dir as u8);
    b.extend([0u8; 2]);
    b
}

fn position(fd: i32) -> NtResult<i64> {
    // SAFETY: lseek on a descriptor we hold.
    let p = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
    if p < 0 {
        // Pipes and terminals have no position; Windows reports 0.
        return Ok(0);
    }
    Ok(p)
}

fn name_info(file: &FileObject) -> Vec<u8> {
    // The name without the volume: `\dir\file`.
    let dos = file
        .path()
        .map(|p| super::names::dos_name_of_host(&p))
        .unwrap_or_default();
    let tail: Vec<u16> = dos.get(2..).unwrap_or("").encode_utf16().collect();
    let mut b = Vec::new();
    b.extend(((tail.len() * 2) as u32).to_le_bytes());
    for u in tail {
        b.extend(u.to_le_bytes());
    }
    b
}

/// Writes `data` to the caller's buffer; a buffer shorter than the fixed
/// part gives STATUS_INFO_LENGTH_MISMATCH, a variable tail that does not fit
/// gives STATUS_BUFFER_OVERFLOW with what fits.
fn copy_out(buffer: u64, length: usize, data: &[u8], fixed: usize) -> NtResult<(NtStatus, u64)> {
    if length < fixed {
        return Err(STATUS_INFO_LENGTH_MISMATCH);
    }
    let n = data.len().min(length);
    user::write_from(buffer, &data[..n])?;
    Ok((
        if n < data.len() {
            STATUS_BUFFER_OVERFLOW
        } else {
            STATUS_SUCCESS
        },
        n as u64,
    ))
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

/// Implements NtQueryInformationFile(FileHandle, IoStatusBlock, Buffer,
/// Length, FileInformationClass).
pub fn NtQueryInformationFile(a: &Args) -> NtStatus {
    let (iosb, buffer, length, class) = (a[1], a[2], a[3] as u32 as usize, a[4] as u32);
    let run = || -> NtResult<(NtStatus, u64)> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        let fd = file.raw();
        let pending = super::share::is_delete_pending(&file);
        match class {
            FILE_BASIC_INFORMATION => {
                let st = fstat(fd)?;
                copy_out(buffer, length, &basic(&st, attributes_fd(fd, &st)), 40)
            }
            FILE_STANDARD_INFORMATION => {
                copy_out(buffer, length, &standard(&fstat(fd)?, pending), 24)
            }
            FILE_INTERNAL_INFORMATION => {
                copy_out(buffer, length, &(fstat(fd)?.st_ino as u64).to_le_bytes(), 8)
            }
            FILE_POSITION_INFORMATION => copy_out(buffer, length, &position(fd)?.to_le_bytes(), 8),
            // FILE_MODE_INFORMATION: the create options that describe
            // the handle's I/O.
            FILE_MODE_INFORMATION => {
                copy_out(buffer, length, &(file.options & 0x103E).to_le_bytes(), 4)
            }
            // FILE_BYTE_ALIGNMENT: buffered host I/O takes any buffer.
            FILE_ALIGNMENT_INFORMATION => copy_out(buffer, length, &0u32.to_le_bytes(), 4),
            FILE_NAME_INFORMATION => copy_out(buffer, length, &name_info(&file), 4),
            FILE_NETWORK_OPEN_INFORMATION => {
                let st = fstat(fd)?;
                let b = basic(&st, attributes_fd(fd, &st));
                let mut d = b[..32].to_vec();
                d.extend((st.st_blocks * 512).to_le_bytes());
                d.extend(st.st_size.to_le_bytes());
                d.extend(&b[32..40]);
                copy_out(buffer, length, &d, 56)
            }
            FILE_ATTRIBUTE_TAG_INFORMATION => {
                let st = fstat(fd)?;
                let mut d = attributes_fd(fd, &st).to_le_bytes().to_vec();
                let tag = if st.st_mode & libc::S_IFMT == libc::S_IFLNK {
                    super::reparse::IO_REPARSE_TAG_SYMLINK
                } else {
                    0
                };
                d.extend(tag.to_le_bytes());
                copy_out(buffer, length, &d, 8)
            }
            FILE_ALL_INFORMATION => {
                let st = fstat(fd)?;
                let mut d = basic(&st, attributes_fd(fd, &st));
                d.extend(standard(&st, pending));
                d.extend((st.st_ino as u64).to_le_bytes()); // Internal
                d.extend(0u32.to_le_bytes()); // EaSize
                d.extend(file.access.to_le_bytes()); // AccessFlags
                d.extend(position(fd)?.to_le_bytes());
                d.extend((file.options & 0x103E).to_le_bytes()); // Mode
                d.extend(0u32.to_le_bytes()); // AlignmentRequirement
                d.extend(name_info(&file));
                copy_out(buffer, length, &d, 100)
            }
            _ => {
                log::warn!("unimplemented NtQueryInformationFile class {class}");
                Err(STATUS_INVALID_INFO_CLASS)
            }
        }
    };
    match run() {
        Ok((status, n)) => write_iosb(iosb, status, n),
        Err(e) => e,
    }
}

fn set_times(file: &FileObject, info: &[u8]) -> NtResult<()> {
    let t = |i: usize| i64::from_le_bytes(info[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
    // 0 means "do not change", -1 "stop updating" (treated the same here).
    let conv = |v: i64| -> libc::timespec {
        if v <= 0 {
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            }
        } else {
            let u = v - EPOCH_DIFFERENCE_100NS;
            libc::timespec {
                tv_sec: u.div_euclid(10_000_000),
                tv_nsec: u.rem_euclid(10_000_000) * 100,
            }
        }
    };
    let times = [conv(t(1)), conv(t(2))];
    // SAFETY: futimens with two valid timespecs on a descriptor we hold.
    if unsafe { libc::futimens(file.raw(), times.as_ptr()) } != 0 {
        return Err(status_from_errno(last_errno()));
    }
    let attrs = u32::from_le_bytes(info[32..36].try_into().unwrap_or([0; 4]));
    if attrs != 0 {
        let st = fstat(file.raw())?;
        if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
            // On a directory read-only is a mark, not a lock (files can
            // still be made in it): kept with the other DOS attributes,
            // not in the mode bits.
            super::dosattr::write_fd(file.raw(), attrs | super::dosattr::DIRECTORY_READONLY);
            return Ok(());
        }
        super::dosattr::write_fd(file.raw(), attrs);
        let mode = if attrs & FILE_ATTRIBUTE_READONLY != 0 {
            st.st_mode & !0o222
        } else {
            st.st_mode | 0o200
        };
        // SAFETY: fchmod on a descriptor we hold.
        unsafe { libc::fchmod(file.raw(), mode & 0o7777) };
    }
    Ok(())
}

/// The target of FILE_RENAME_INFORMATION / FILE_LINK_INFORMATION
/// (ReplaceIfExists, RootDirectory, FileNameLength, FileName), as a host
/// path.
fn link_target(info: &[u8]) -> NtResult<std::path::PathBuf> {
    let name = link_name(info)?;
    let root = u64::from_le_bytes(info[8..16].try_into().unwrap_or([0; 8]));
    if root != 0 {
        let dir = ob::reference_typed::<FileObject>(root)?;
        let dir_path = dir.path().ok_or(STATUS_INVALID_HANDLE)?;
        super::names::resolve_relative(&dir_path, &name)
    } else {
        match super::names::resolve(&name)? {
            Target::Host(p) => Ok(p),
            _ => Err(STATUS_OBJECT_NAME_INVALID),
        }
    }
}

/// The FileName of FILE_RENAME_INFORMATION / FILE_LINK_INFORMATION.
fn link_name(info: &[u8]) -> NtResult<Vec<u16>> {
    let len = u32::from_le_bytes(info[16..20].try_into().unwrap_or([0; 4])) as usize;
    let name_bytes = info.get(20..20 + len).ok_or(STATUS_INFO_LENGTH_MISMATCH)?;
    Ok(name_bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect())
}

/// FileLinkInformation: a new name (hard link) for the file.
fn link(file: &FileObject, info: &[u8]) -> NtResult<()> {
    let replace = info[0] != 0;
    let target = link_target(info)?;
    let source = file.path().ok_or(STATUS_INVALID_PARAMETER)?;
    if file.is_directory {
        // Directories cannot have hard links.
        return Err(STATUS_FILE_IS_A_DIRECTORY);
    }
    if target.symlink_metadata().is_ok() {
        if !replace {
            return Err(STATUS_OBJECT_NAME_COLLISION);
        }
        std::fs::remove_file(&target)
            .map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))?;
    }
    std::fs::hard_link(&source, &target)
        .map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))
}

/// FileRenameInformation, or FileRenameInformationEx (`ex`: Flags with
/// FILE_RENAME_REPLACE_IF_EXISTS and FILE_RENAME_POSIX_SEMANTICS).
fn rename(file: &FileObject, info: &[u8], ex: bool) -> NtResult<()> {
    let flags = u32::from_le_bytes(info[..4].try_into().unwrap_or([0; 4]));
    let (replace, posix) = if ex {
        (flags & 0x1 != 0, flags & 0x2 != 0)
    } else {
        (info[0] != 0, false)
    };
    let mut target = link_target(info)?;
    let source = file.path().ok_or(STATUS_INVALID_PARAMETER)?;
    if target == source {
        // The name found case-insensitively is the file's own: a rename
        // that changes only the case takes the spelling asked for.
        let name = String::from_utf16_lossy(&link_name(info)?);
        let last = name.rsplit('\\').next().unwrap_or("").to_string();
        if !last.is_empty()
            && target
                .file_name()
                .is_some_and(|f| f.to_str() != Some(last.as_str()))
        {
            target.set_file_name(last);
        }
    }
    if target.symlink_metadata().is_ok() && source != target {
        if !replace {
            return Err(STATUS_OBJECT_NAME_COLLISION);
        }
        if target.is_dir() {
            return Err(STATUS_ACCESS_DENIED);
        }
    }
    if let Ok(st) = target.symlink_metadata() {
        use std::os::unix::fs::MetadataExt;
        let id = super::share::FileId {
            dev: st.dev(),
            ino: st.ino(),
        };
        // Replacing a file that is open elsewhere is refused, unless with
        // POSIX semantics.
        if source != target && !posix && super::share::is_open_elsewhere(id, None) {
            return Err(STATUS_ACCESS_DENIED);
        }
    }
    std::fs::rename(&source, &target)
        .map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)))?;
    super::share::renamed(file, &target);
    *file.path.lock().unwrap_or_else(|e| e.into_inner()) = Some(target);
    Ok(())
}

/// FileDispositionInformation(Ex): marks the file for deletion when its
/// last handle closes, or with POSIX semantics removes the name at once
/// (open handles keep working on the unnamed file).
fn set_disposition(file: &FileObject, delete: bool, flags: u32) -> NtResult<()> {
    if file.device_type != FILE_DEVICE_DISK {
        return Err(STATUS_INVALID_PARAMETER);
    }
    if super::file::map_generic(file.access) & super::file::DELETE == 0 {
        return Err(STATUS_ACCESS_DENIED);
    }
    if delete {
        let st = fstat(file.raw())?;
        let is_dir = st.st_mode & libc::S_IFMT == libc::S_IFDIR;
        if st.st_mode & 0o222 == 0 && !is_dir && flags & DISPOSITION_IGNORE_READONLY_ATTRIBUTE == 0
        {
            // A read-only file cannot be deleted.
            return Err(STATUS_CANNOT_DELETE);
        }
        if is_dir {
            if let Some(p) = file.path() {
                if std::fs::read_dir(&p)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(false)
                {
                    return Err(STATUS_DIRECTORY_NOT_EMPTY);
                }
            }
        }
        if flags & DISPOSITION_POSIX_SEMANTICS != 0 {
            let path = file.path().ok_or(STATUS_INVALID_PARAMETER)?;
            let r = if is_dir {
                std::fs::remove_dir(&path)
            } else {
                std::fs::remove_file(&path)
            };
            return r.map_err(|e| status_from_errno(e.raw_os_error().unwrap_or(0)));
        }
    }
    super::share::set_delete_pending(file, delete)
}

/// Implements NtSetInformationFile(FileHandle, IoStatusBlock, Buffer,
/// Length, FileInformationClass).
pub fn NtSetInformationFile(a: &Args) -> NtStatus {
    let (iosb, buffer, length, class) = (a[1], a[2], a[3] as u32 as usize, a[4] as u32);
    let run = || -> NtResult<()> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        let fixed = match class {
            FILE_BASIC_INFORMATION => 40,
            FILE_POSITION_INFORMATION
            | FILE_END_OF_FILE_INFORMATION
            | FILE_ALLOCATION_INFORMATION => 8,
            FILE_DISPOSITION_INFORMATION => 1,
            FILE_DISPOSITION_INFORMATION_EX => 4,
            FILE_RENAME_INFORMATION | FILE_RENAME_INFORMATION_EX | FILE_LINK_INFORMATION => 20,
            _ => {
                log::warn!("unimplemented NtSetInformationFile class {class}");
                return Err(STATUS_INVALID_INFO_CLASS);
            }
        };
        if length < fixed {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        // The right each class needs on the handle.
        let right = match class {
            FILE_BASIC_INFORMATION => super::file::FILE_WRITE_ATTRIBUTES,
            FILE_END_OF_FILE_INFORMATION | FILE_ALLOCATION_INFORMATION => {
                super::file::FILE_WRITE_DATA
            }
            FILE_RENAME_INFORMATION | FILE_RENAME_INFORMATION_EX => super::file::DELETE,
            _ => 0,
        };
        let granted = super::file::map_generic(file.access);
        if right != 0 && granted & right == 0 && file.device_type == FILE_DEVICE_DISK {
            return Err(STATUS_ACCESS_DENIED);
        }
        let info = user::read_bytes(buffer, length.min(fixed + 0x10000))?;
        let int = || i64::from_le_bytes(info[..8].try_into().unwrap_or([0; 8]));
        match class {
            FILE_BASIC_INFORMATION => set_times(&file, &info),
            FILE_POSITION_INFORMATION => {
                let p = int();
                if p < 0 {
                    return Err(STATUS_INVALID_PARAMETER);
                }
                // SAFETY: lseek on a descriptor we hold.
                if unsafe { libc::lseek(file.raw(), p, libc::SEEK_SET) } < 0 {
                    return Err(status_from_errno(last_errno()));
                }
                Ok(())
            }
            FILE_END_OF_FILE_INFORMATION | FILE_ALLOCATION_INFORMATION => {
                let size = int();
                if class == FILE_ALLOCATION_INFORMATION && size >= fstat(file.raw())?.st_size {
                    // Growing the allocation does not change the file size.
                    return Ok(());
                }
                // SAFETY: ftruncate on a descriptor we hold.
                if size < 0 || unsafe { libc::ftruncate(file.raw(), size) } != 0 {
                    return Err(if size < 0 {
                        STATUS_INVALID_PARAMETER
                    } else {
                        status_from_errno(last_errno())
                    });
                }
                Ok(())
            }
            FILE_DISPOSITION_INFORMATION => set_disposition(&file, info[0] != 0, 0),
            FILE_DISPOSITION_INFORMATION_EX => {
                let flags = u32::from_le_bytes(info[..4].try_into().unwrap_or([0; 4]));
                set_disposition(&file, flags & DISPOSITION_DELETE != 0, flags)
            }
            FILE_RENAME_INFORMATION => rename(&file, &info, false),
            FILE_RENAME_INFORMATION_EX => rename(&file, &info, true),
            FILE_LINK_INFORMATION => link(&file, &info),
            _ => Err(STATUS_INVALID_INFO_CLASS),
        }
    };
    match run() {
        Ok(()) => write_iosb(iosb, STATUS_SUCCESS, 0),
        Err(e) => e,
    }
}

fn statvfs(fd: i32) -> NtResult<libc::statvfs> {
    // SAFETY: fstatvfs into a zeroed struct we own.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatvfs(fd, &mut s) } != 0 {
        return Err(status_from_errno(last_errno()));
    }
    Ok(s)
}

/// A volume's serial number: the host file system's id, folded to 32 bits.
pub fn volume_serial(s: &libc::statvfs) -> u32 {
    let id = s.f_fsid as u64;
    (id as u32) ^ ((id >> 32) as u32)
}

/// Implements NtQueryVolumeInformationFile(FileHandle, IoStatusBlock,
/// FsInformation, Length, FsInformationClass).
pub fn NtQueryVolumeInformationFile(a: &Args) -> NtStatus {
    let (iosb, buffer, length, class) = (a[1], a[2], a[3] as u32 as usize, a[4] as u32);
    let run = || -> NtResult<(NtStatus, u64)> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        match class {
            FILE_FS_VOLUME_INFORMATION => {
                // VolumeCreationTime, VolumeSerialNumber, VolumeLabelLength,
                // SupportsObjects, VolumeLabel (none: host volumes have no
                // DOS label).
                let s = statvfs(file.raw())?;
                let mut d = Vec::new();
                d.extend(0i64.to_le_bytes());
                d.extend(volume_serial(&s).to_le_bytes());
                d.extend(0u32.to_le_bytes());
                d.extend([0u8; 2]);
                // The structure is 24 bytes with its one-character label.
                d.extend([0u8; 2]);
                copy_out(buffer, length, &d[..18], 18)
            }
            FILE_FS_SECTOR_SIZE_INFORMATION => {
                // Logical sectors of 512 bytes; the host's block size for
                // the physical ones; no offsets; SSINFO_FLAGS_ALIGNED_DEVICE
                // | SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE.
                let s = statvfs(file.raw())?;
                let physical = (s.f_bsize as u32).clamp(512, 65536);
                let mut d = Vec::new();
                for v in [512u32, physical, physical, physical, 0x3, 0, 0] {
                    d.extend(v.to_le_bytes());
                }
                copy_out(buffer, length, &d, 28)
            }
            FILE_FS_DEVICE_INFORMATION => {
                let mut d = file.device_type.to_le_bytes().to_vec();
                d.extend(0u32.to_le_bytes());
                copy_out(buffer, length, &d, 8)
            }
            FILE_FS_SIZE_INFORMATION | FILE_FS_FULL_SIZE_INFORMATION => {
                let s = statvfs(file.raw())?;
                let unit = (s.f_frsize as u64).max(512);
                let sectors_per_unit = (unit / 512) as u32;
                let mut d = Vec::new();
                d.extend((s.f_blocks as u64).to_le_bytes());
                d.extend((s.f_bavail as u64).to_le_bytes());
                if class == FILE_FS_FULL_SIZE_INFORMATION {
                    d.extend((s.f_bfree as u64).to_le_bytes());
                }
                d.extend(sectors_per_unit.to_le_bytes());
                d.extend(512u32.to_le_bytes());
                let fixed = d.len();
                copy_out(buffer, length, &d, fixed)
            }
            FILE_FS_ATTRIBUTE_INFORMATION => {
                // Case-preserving, Unicode names, persistent ACLs: what NTFS
                // reports (the lookup is case-insensitive on our side).
                let name: Vec<u16> = "NTFS".encode_utf16().collect();
                let mut d = Vec::new();
                // FILE_CASE_PRESERVED_NAMES, FILE_UNICODE_ON_DISK,
                // FILE_SUPPORTS_HARD_LINKS.
                d.extend(0x0040_0006u32.to_le_bytes());
                d.extend(255i32.to_le_bytes());
                d.extend(((name.len() * 2) as u32).to_le_bytes());
                for u in name {
                    d.extend(u.to_le_bytes());
                }
                copy_out(buffer, length, &d, 12)
            }
            _ => {
                log::warn!("unimplemented NtQueryVolumeInformationFile class {class}");
                Err(STATUS_INVALID_INFO_CLASS)
            }
        }
    };
    match run() {
        Ok((status, n)) => write_iosb(iosb, status, n),
        Err(e) => e,
    }
}

/// Implements NtQueryAttributesFile(ObjectAttributes, FileInformation).
pub fn NtQueryAttributesFile(a: &Args) -> NtStatus {
    NtStatus::from_result(query_attributes_by_name(a[0], a[1], false))
}

/// Implements NtQueryFullAttributesFile(ObjectAttributes, FileInformation):
/// FILE_NETWORK_OPEN_INFORMATION by name, without opening the file.
pub fn NtQueryFullAttributesFile(a: &Args) -> NtStatus {
    NtStatus::from_result(query_attributes_by_name(a[0], a[1], true))
}

/// The body of NtQuery(Full)AttributesFile: FILE_BASIC_INFORMATION, or
/// FILE_NETWORK_OPEN_INFORMATION when `full`.
fn query_attributes_by_name(oa: u64, out: u64, full: bool) -> NtResult<()> {
    let a = [oa, out];
    let run = || -> NtResult<()> {
        let (target, _) = resolve_attributes(a[0])?;
        let path = match target {
            Target::Host(p) => p,
            _ => return Err(STATUS_INVALID_DEVICE_REQUEST),
        };
        let c =
            CString::new(path.as_os_str().as_bytes()).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
        // SAFETY: stat with a NUL-terminated path into a zeroed struct.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // The name itself: a symbolic link reports as a reparse point.
        if unsafe { libc::lstat(c.as_ptr(), &mut st) } != 0 {
            return Err(status_from_errno(last_errno()));
        }
        if super::share::is_pending(super::share::FileId::of(&st)) {
            return Err(STATUS_DELETE_PENDING);
        }
        let attributes = if st.st_mode & libc::S_IFMT == libc::S_IFLNK {
            link_attributes_for(path.is_dir())
        } else {
            super::dosattr::combine(attributes_of(&st), super::dosattr::read_path(&c))
        };
        let b = basic(&st, attributes);
        if !full {
            return user::write_from(a[1], &b);
        }
        let dir_or_link =
            attributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT) != 0;
        let mut d = b[..32].to_vec();
        d.extend((if dir_or_link { 0 } else { st.st_blocks * 512 }).to_le_bytes());
        d.extend((if dir_or_link { 0 } else { st.st_size }).to_le_bytes());
        d.extend(&b[32..40]);
        user::write_from(a[1], &d)
    };
    run()
}
