//! File services: NtCreateFile, NtOpenFile, NtReadFile, NtWriteFile,
//! NtFlushBuffersFile.

use super::names::{self, Target};
use super::{
    last_errno, share, status_from_errno, FileObject, FILE_DEVICE_DISK, FILE_DEVICE_NAMED_PIPE,
};
use crate::ob;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use syscalls::nt::{IO_STATUS_BLOCK, OBJECT_ATTRIBUTES, UNICODE_STRING};
use syscalls::*;

// Access rights (winnt.h).
pub const FILE_READ_DATA: u32 = 0x0001;
pub const FILE_WRITE_DATA: u32 = 0x0002;
pub const FILE_APPEND_DATA: u32 = 0x0004;
pub const FILE_EXECUTE: u32 = 0x0020;
pub const FILE_WRITE_ATTRIBUTES: u32 = 0x0100;
pub const DELETE: u32 = 0x0001_0000;
pub const GENERIC_READ: u32 = 0x8000_0000;
pub const GENERIC_WRITE: u32 = 0x4000_0000;
pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
pub const GENERIC_ALL: u32 = 0x1000_0000;
pub const FILE_GENERIC_READ: u32 = 0x0012_0089;
pub const FILE_GENERIC_WRITE: u32 = 0x0012_0116;
pub const FILE_GENERIC_EXECUTE: u32 = 0x0012_00A0;
pub const FILE_ALL_ACCESS: u32 = 0x001F_01FF;

// Create dispositions and their IO_STATUS_BLOCK.Information results.
pub const FILE_SUPERSEDE: u32 = 0;
pub const FILE_OPEN: u32 = 1;
pub const FILE_CREATE: u32 = 2;
pub const FILE_OPEN_IF: u32 = 3;
pub const FILE_OVERWRITE: u32 = 4;
pub const FILE_OVERWRITE_IF: u32 = 5;
const FILE_SUPERSEDED: u64 = 0;
const FILE_OPENED: u64 = 1;
const FILE_CREATED: u64 = 2;
const FILE_OVERWRITTEN: u64 = 3;

// Create options.
pub const FILE_DIRECTORY_FILE: u32 = 0x0001;
pub const FILE_WRITE_THROUGH: u32 = 0x0002;
pub const FILE_SEQUENTIAL_ONLY: u32 = 0x0004;
pub const FILE_RANDOM_ACCESS: u32 = 0x0800;
pub const FILE_SYNCHRONOUS_IO_ALERT: u32 = 0x0010;
pub const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x0020;
pub const FILE_NON_DIRECTORY_FILE: u32 = 0x0040;
pub const FILE_DELETE_ON_CLOSE: u32 = 0x1000;
pub const FILE_OPEN_FOR_BACKUP_INTENT: u32 = 0x4000;
pub const FILE_OPEN_REPARSE_POINT: u32 = 0x0020_0000;

/// Maps GENERIC_* rights to the file-specific ones.
pub fn map_generic(access: u32) -> u32 {
    let mut a = access & !(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
    if access & GENERIC_READ != 0 {
        a |= FILE_GENERIC_READ;
    }
    if access & GENERIC_WRITE != 0 {
        a |= FILE_GENERIC_WRITE;
    }
    if access & GENERIC_EXECUTE != 0 {
        a |= FILE_GENERIC_EXECUTE;
    }
    if access & GENERIC_ALL != 0 {
        a |= FILE_ALL_ACCESS;
    }
    a
}

/// Reads the object name of an OBJECT_ATTRIBUTES and resolves it, relative
/// to its RootDirectory when there is one.
pub fn resolve_attributes(oa_ptr: u64) -> NtResult<(Target, Vec<u16>)> {
    let oa: OBJECT_ATTRIBUTES = user::read(oa_ptr)?;
    if oa.Length as usize != core::mem::size_of::<OBJECT_ATTRIBUTES>() {
        return Err(STATUS_INVALID_PARAMETER);
    }
    if oa.ObjectName == 0 {
        return Err(STATUS_OBJECT_NAME_INVALID);
    }
    let us: UNICODE_STRING = user::read(oa.ObjectName)?;
    if us.Length % 2 != 0 || us.Length > us.MaximumLength && us.MaximumLength != 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let name = user::read_u16s(us.Buffer, us.Length as usize / 2)?;
    if oa.RootDirectory != 0 {
        let dir = ob::reference_typed::<FileObject>(oa.RootDirectory)?;
        let dir_path = dir
            .path()
            .filter(|_| dir.is_directory)
            .ok_or(STATUS_INVALID_HANDLE)?;
        let path = names::resolve_relative(&dir_path, &name)?;
        let mut full = names::nt_name_of_host(&path);
        full.shrink_to_fit();
        return Ok((Target::Host(path), full));
    }
    Ok((names::resolve(&name)?, name))
}

fn host_open(path: &Path, flags: i32, mode: u32) -> NtResult<OwnedFd> {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    // SAFETY: open with a NUL-terminated path; the result is checked.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC, mode) };
    if fd < 0 {
        return Err(status_from_errno(last_errno()));
    }
    // SAFETY: fd is a fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The common body of NtCreateFile and NtOpenFile: opens or creates the
/// object and returns it with the IO_STATUS_BLOCK Information value.
pub fn create_file(
    oa: u64,
    access: u32,
    disposition: u32,
    options: u32,
    attributes: u32,
    share: u32,
) -> NtResult<(Arc<FileObject>, u64)> {
    let access = map_generic(access);
    if disposition > FILE_OVERWRITE_IF {
        return Err(STATUS_INVALID_PARAMETER);
    }
    if options & FILE_DIRECTORY_FILE != 0 && options & FILE_NON_DIRECTORY_FILE != 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let (target, nt_name) = resolve_attributes(oa)?;
    let path: PathBuf = match target {
        Target::Host(p) => p,
        Target::Null => {
            // The NUL device: a character device, not a disk file.
            let fd = host_open(Path::new("/dev/null"), libc::O_RDWR, 0)?;
            return Ok((Arc::new(FileObject::from_host_fd(fd, access)), FILE_OPENED));
        }
        Target::Console { output } => {
            let tty = Path::new("/dev/tty");
            let fd = host_open(
                tty,
                if output {
                    libc::O_WRONLY
                } else {
                    libc::O_RDONLY
                },
                0,
            )
            .or_else(|_| dup_std(if output { 1 } else { 0 }))?;
            return Ok((Arc::new(FileObject::from_host_fd(fd, access)), FILE_OPENED));
        }
    };
    let read = access & (FILE_READ_DATA | FILE_EXECUTE) != 0;
    let write = access & (FILE_WRITE_DATA | FILE_APPEND_DATA) != 0;
    let mut flags = match (read, write) {
        (_, false) => libc::O_RDONLY,
        (false, true) => libc::O_WRONLY,
        (true, true) => libc::O_RDWR,
    };
    if write && access & FILE_WRITE_DATA == 0 {
        flags |= libc::O_APPEND;
    }
    // The lookup's lstat, when it made one: a link must be followed (or
    // opened itself) with a stat of its own.
    let looked_up = names::take_looked_up(&path);
    let link = match &looked_up {
        Some(Some(m)) => m.file_type().is_symlink(),
        Some(None) => false,
        None => {
            options & FILE_OPEN_REPARSE_POINT != 0
                && path
                    .symlink_metadata()
                    .is_ok_and(|m| m.file_type().is_symlink())
        }
    };
    if options & FILE_OPEN_REPARSE_POINT != 0 && link {
        return open_link(path, nt_name, access, disposition, options, share);
    }
    let meta = match looked_up {
        Some(Some(m)) if !link => Ok(m),
        Some(None) => Err(std::io::Error::from_raw_os_error(libc::ENOENT)),
        _ => std::fs::metadata(&path),
    };
    let exists = meta.is_ok();
    let is_dir = meta.as_ref().is_ok_and(|m| m.is_dir());
    // An existing name fails FILE_CREATE whatever it is.
    let information;
    match disposition {
        FILE_OPEN | FILE_OVERWRITE if !exists => {
            // A missing parent directory has already been reported by the
            // name lookup as STATUS_OBJECT_PATH_NOT_FOUND.
            return Err(STATUS_OBJECT_NAME_NOT_FOUND);
        }
        FILE_CREATE if exists => {
            // The name of a file marked for deletion is still taken, but
            // the answer is that it is being deleted.
            use std::os::unix::fs::MetadataExt;
            let pending = meta.as_ref().is_ok_and(|m| {
                share::is_pending(share::FileId {
                    dev: m.dev(),
                    ino: m.ino(),
                })
            });
            return Err(if pending {
                STATUS_DELETE_PENDING
            } else {
                STATUS_OBJECT_NAME_COLLISION
            });
        }
        _ => {}
    }
    if exists && is_dir && options & FILE_NON_DIRECTORY_FILE != 0 {
        return Err(STATUS_FILE_IS_A_DIRECTORY);
    }
    if exists && !is_dir && options & FILE_DIRECTORY_FILE != 0 {
        return Err(STATUS_NOT_A_DIRECTORY);
    }
    // A trailing backslash names a directory: on a file, or on a new
    // non-directory, the name is invalid.
    let trailing = nt_name.last() == Some(&(b'\\' as u16)) && nt_name.len() > 7;
    if trailing && !is_dir && (exists || options & FILE_DIRECTORY_FILE == 0) {
        return Err(STATUS_OBJECT_NAME_INVALID);
    }
    if options & FILE_DELETE_ON_CLOSE != 0 && access & DELETE == 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    if exists && !is_dir && write {
        // A read-only file cannot be opened for writing, even by a host
        // user (root) whom the permission bits would not stop.
        if meta.as_ref().is_ok_and(|m| m.permissions().readonly()) {
            return Err(STATUS_ACCESS_DENIED);
        }
    }
    if options & FILE_DIRECTORY_FILE != 0 && !exists {
        // Creating a directory.
        let c =
            CString::new(path.as_os_str().as_bytes()).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
        // SAFETY: mkdir with a NUL-terminated path.
        if unsafe { libc::mkdir(c.as_ptr(), 0o777) } != 0 {
            return Err(status_from_errno(last_errno()));
        }
    }
    let mut truncate = false;
    let fd = if is_dir || options & FILE_DIRECTORY_FILE != 0 {
        information = if exists { FILE_OPENED } else { FILE_CREATED };
        host_open(&path, libc::O_RDONLY | libc::O_DIRECTORY, 0)?
    } else {
        let (extra, info) = match disposition {
            FILE_OPEN => (0, FILE_OPENED),
            FILE_CREATE => (libc::O_CREAT | libc::O_EXCL, FILE_CREATED),
            FILE_OPEN_IF if exists => (0, FILE_OPENED),
            FILE_OPEN_IF => (libc::O_CREAT, FILE_CREATED),
            FILE_OVERWRITE => (libc::O_TRUNC, FILE_OVERWRITTEN),
            FILE_OVERWRITE_IF if exists => (libc::O_TRUNC, FILE_OVERWRITTEN),
            FILE_OVERWRITE_IF => (libc::O_CREAT, FILE_CREATED),
            FILE_SUPERSEDE if exists => (libc::O_TRUNC, FILE_SUPERSEDED),
            _ => (libc::O_CREAT, FILE_CREATED),
        };
        information = info;
        // Truncation waits until the share check has passed: an open
        // refused with a sharing violation must leave the file alone.
        truncate = extra & libc::O_TRUNC != 0;
        let mut f = flags | (extra & !libc::O_TRUNC);
        if truncate && f & libc::O_ACCMODE == libc::O_RDONLY {
            // Overwriting needs write access on the host even when the
            // caller asked only for read access.
            f = (f & !libc::O_ACCMODE) | libc::O_RDWR;
        }
        if options & FILE_WRITE_THROUGH != 0 && write {
            // Each write reaches the disk before it completes.
            f |= libc::O_DSYNC;
        }
        // FILE_ATTRIBUTE_READONLY on a new file: no write bits.
        let mode = if attributes & 0x1 != 0 { 0o444 } else { 0o666 };
        match host_open(&path, f, mode) {
            Ok(fd) => fd,
            // Asked only for attributes or delete access on a file we may
            // not read: open it as a path.
            Err(STATUS_ACCESS_DENIED) if !read && !write => host_open(&path, libc::O_PATH, 0)?,
            Err(e) => return Err(e),
        }
    };
    // SAFETY: fstat on the descriptor just opened, into a zeroed stat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return Err(status_from_errno(last_errno()));
    }
    let id = share::FileId::of(&st);
    share::check(id, access, share)?;
    if truncate {
        // SAFETY: ftruncate on the descriptor just opened for writing.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), 0) } != 0 {
            return Err(status_from_errno(last_errno()));
        }
    }
    if information != FILE_OPENED && attributes & 0x06 != 0 && !is_dir {
        // FILE_ATTRIBUTE_HIDDEN / SYSTEM on a new or replaced file.
        super::dosattr::write_fd(fd.as_raw_fd(), attributes | 0x20);
    }
    // The access pattern the caller announced, passed on to the host's
    // read-ahead.
    let advice = if options & FILE_SEQUENTIAL_ONLY != 0 {
        libc::POSIX_FADV_SEQUENTIAL
    } else if options & FILE_RANDOM_ACCESS != 0 {
        libc::POSIX_FADV_RANDOM
    } else {
        libc::POSIX_FADV_NORMAL
    };
    if advice != libc::POSIX_FADV_NORMAL && !is_dir {
        // SAFETY: posix_fadvise on the descriptor just opened; advice only.
        unsafe { libc::posix_fadvise(fd.as_raw_fd(), 0, 0, advice) };
    }
    let object = FileObject {
        fd,
        path: std::sync::Mutex::new(Some(path.clone())),
        nt_name,
        access,
        options,
        device_type: FILE_DEVICE_DISK,
        is_directory: is_dir || options & FILE_DIRECTORY_FILE != 0,
        delete_on_close: AtomicU32::new((options & FILE_DELETE_ON_CLOSE != 0) as u32),
        event: crate::io::file_event::FileEvent::new(),
    };
    let object = Arc::new(object);
    share::add(&object, id, share, &path)?;
    Ok((object, information))
}

/// Opens a symbolic link itself (FILE_OPEN_REPARSE_POINT): a link to a
/// directory is a directory, as a directory symlink is on NTFS.
fn open_link(
    path: PathBuf,
    nt_name: Vec<u16>,
    access: u32,
    disposition: u32,
    options: u32,
    share: u32,
) -> NtResult<(Arc<FileObject>, u64)> {
    match disposition {
        FILE_OPEN | FILE_OPEN_IF => {}
        FILE_CREATE => return Err(STATUS_OBJECT_NAME_COLLISION),
        // Overwriting goes to the link's target, as without the option.
        _ => return Err(STATUS_INVALID_PARAMETER),
    }
    let is_dir = path.is_dir();
    if is_dir && options & FILE_NON_DIRECTORY_FILE != 0 {
        return Err(STATUS_FILE_IS_A_DIRECTORY);
    }
    if !is_dir && options & FILE_DIRECTORY_FILE != 0 {
        return Err(STATUS_NOT_A_DIRECTORY);
    }
    let fd = host_open(&path, libc::O_PATH | libc::O_NOFOLLOW, 0)?;
    // SAFETY: fstat on the descriptor just opened, into a zeroed stat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return Err(status_from_errno(last_errno()));
    }
    let id = share::FileId::of(&st);
    share::check(id, access, share)?;
    let object = Arc::new(FileObject {
        fd,
        path: std::sync::Mutex::new(Some(path.clone())),
        nt_name,
        access,
        options,
        device_type: FILE_DEVICE_DISK,
        is_directory: is_dir,
        delete_on_close: AtomicU32::new((options & FILE_DELETE_ON_CLOSE != 0) as u32),
        event: crate::io::file_event::FileEvent::new(),
    });
    share::add(&object, id, share, &path)?;
    Ok((object, FILE_OPENED))
}

fn dup_std(fd: i32) -> NtResult<OwnedFd> {
    // SAFETY: dup of a standard descriptor; the result is checked.
    let d = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if d < 0 {
        return Err(status_from_errno(last_errno()));
    }
    // SAFETY: d is a fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(d) })
}

fn finish_open(
    handle_out: u64,
    iosb: u64,
    object: Arc<FileObject>,
    information: u64,
    attributes: u32,
) -> NtResult<()> {
    let access = object.access;
    let handle = ob::insert_object(object, access, attributes)?;
    let io = IO_STATUS_BLOCK {
        Status: 0,
        _pad: 0,
        Information: information,
    };
    if let Err(e) = user::write(handle_out, &handle).and_then(|_| user::write(iosb, &io)) {
        let _ = ob::close_handle(handle);
        return Err(e);
    }
    Ok(())
}

fn handle_attributes(oa: u64) -> u32 {
    user::read::<OBJECT_ATTRIBUTES>(oa).map_or(0, |o| o.Attributes & syscalls::nt::OBJ_INHERIT)
}

/// Implements NtCreateFile(FileHandle, DesiredAccess, ObjectAttributes,
/// IoStatusBlock, AllocationSize, FileAttributes, ShareAccess,
/// CreateDisposition, CreateOptions, EaBuffer, EaLength).
pub fn NtCreateFile(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let (object, info) = create_file(
            a[2],
            a[1] as u32,
            a[7] as u32,
            a[8] as u32,
            a[5] as u32,
            a[6] as u32,
        )?;
        finish_open(a[0], a[3], object, info, handle_attributes(a[2]))
    };
    NtStatus::from_result(run())
}

/// Implements NtOpenFile(FileHandle, DesiredAccess, ObjectAttributes,
/// IoStatusBlock, ShareAccess, OpenOptions).
pub fn NtOpenFile(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let (object, info) =
            create_file(a[2], a[1] as u32, FILE_OPEN, a[5] as u32, 0, a[4] as u32)?;
        finish_open(a[0], a[3], object, info, handle_attributes(a[2]))
    };
    NtStatus::from_result(run())
}

/// Checks a buffer the host kernel will read or write directly (it reports
/// EFAULT rather than faulting), and pages in any demand-paged image data
/// in it, which the host kernel cannot fault in itself.
fn prepare_user_buffer(buffer: u64, length: usize) -> NtResult<()> {
    if length == 0 {
        return Ok(());
    }
    if buffer < user::LOWEST_USER_ADDRESS || buffer.saturating_add(length as u64) > user::USER_LIMIT
    {
        return Err(STATUS_ACCESS_VIOLATION);
    }
    crate::mm::lazy::fill_range(buffer, buffer + length as u64);
    Ok(())
}

/// FILE_USE_FILE_POINTER_POSITION and FILE_WRITE_TO_END_OF_FILE as
/// LARGE_INTEGERs.
const USE_FILE_POINTER: i64 = -2;
const WRITE_TO_END: i64 = -1;

fn read_offset(ptr: u64) -> NtResult<Option<i64>> {
    if ptr == 0 {
        return Ok(None);
    }
    let v: i64 = user::read(ptr)?;
    Ok(if v == USE_FILE_POINTER { None } else { Some(v) })
}

fn complete(
    file: &FileObject,
    iosb: u64,
    event: u64,
    status: NtStatus,
    information: u64,
) -> NtStatus {
    let io = IO_STATUS_BLOCK {
        Status: status.0,
        _pad: 0,
        Information: information,
    };
    if let Err(e) = user::write(iosb, &io) {
        return e;
    }
    if event != 0 {
        if let Ok(ev) = ob::reference_typed::<crate::ke::event::Event>(event) {
            ev.set();
        }
    } else if file.options & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT) != 0 {
        // A synchronous request without an event signals the file object
        // as it completes, as on Windows; asynchronous handles come here
        // from io::dispatch, whose request (irp::finish) does it.
        file.event.set();
    }
    status
}

/// Implements NtReadFile(FileHandle, Event, ApcRoutine, ApcContext,
/// IoStatusBlock, Buffer, Length, ByteOffset, Key).
pub fn NtReadFile(a: &Args) -> NtStatus {
    let (iosb, buffer, length) = (a[4], a[5], a[6] as u32 as usize);
    let file = match ob::reference_typed::<FileObject>(a[0]) {
        Ok(f) => f,
        Err(e) => return e,
    };
    // Pipes and asynchronous I/O: io::dispatch.
    if let Some(status) = super::dispatch::transfer_hook(&file, a, false) {
        return status;
    }
    if file.is_directory {
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    let offset = match read_offset(a[7]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    if let Err(e) = prepare_user_buffer(buffer, length) {
        return e;
    }
    if let Err(e) = super::lock::check_io(&file, offset, length, false) {
        return e;
    }
    // SAFETY: the kernel copies into the guest buffer and reports EFAULT for
    // bad addresses instead of faulting.
    let n = unsafe {
        match offset {
            Some(off) if off >= 0 => {
                libc::pread(file.raw(), buffer as *mut libc::c_void, length, off)
            }
            Some(_) => return STATUS_INVALID_PARAMETER,
            None => libc::read(file.raw(), buffer as *mut libc::c_void, length),
        }
    };
    if n < 0 {
        let errno = last_errno();
        return complete(&file, iosb, 0, io_error(&file, errno, FILE_READ_DATA), 0);
    }
    if let Some(off) = offset {
        sync_position(&file, off + n as i64);
    }
    if n == 0 && length != 0 {
        let status = match file.device_type {
            FILE_DEVICE_NAMED_PIPE => STATUS_PIPE_BROKEN,
            FILE_DEVICE_DISK => STATUS_END_OF_FILE,
            // A terminal at end of input reads zero bytes successfully.
            _ => STATUS_SUCCESS,
        };
        return complete(&file, iosb, a[1], status, 0);
    }
    complete(&file, iosb, a[1], STATUS_SUCCESS, n as u64)
}

/// Implements NtWriteFile(FileHandle, Event, ApcRoutine, ApcContext,
/// IoStatusBlock, Buffer, Length, ByteOffset, Key).
pub fn NtWriteFile(a: &Args) -> NtStatus {
    let (iosb, buffer, length) = (a[4], a[5], a[6] as u32 as usize);
    let file = match ob::reference_typed::<FileObject>(a[0]) {
        Ok(f) => f,
        Err(e) => return e,
    };
    // Pipes and asynchronous I/O: io::dispatch.
    if let Some(status) = super::dispatch::transfer_hook(&file, a, true) {
        return status;
    }
    if file.is_directory {
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    let mut offset = match read_offset(a[7]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    if offset == Some(WRITE_TO_END) {
        // SAFETY: lseek on a descriptor we hold.
        offset = Some(unsafe { libc::lseek(file.raw(), 0, libc::SEEK_END) });
    }
    if let Err(e) = prepare_user_buffer(buffer, length) {
        return e;
    }
    if let Err(e) = super::lock::check_io(&file, offset, length, true) {
        return e;
    }
    let mut done = 0usize;
    // Synchronous writes complete fully or fail: loop over short writes.
    while done < length {
        let p = (buffer + done as u64) as *const libc::c_void;
        // SAFETY: the kernel copies from the guest buffer (EFAULT on bad
        // addresses).
        let n = unsafe {
            match offset {
                Some(off) if off >= 0 => {
                    libc::pwrite(file.raw(), p, length - done, off + done as i64)
                }
                Some(_) => return STATUS_INVALID_PARAMETER,
                None => libc::write(file.raw(), p, length - done),
            }
        };
        if n < 0 {
            let errno = last_errno();
            if errno == libc::EINTR {
                continue;
            }
            let status = io_error(&file, errno, FILE_WRITE_DATA | FILE_APPEND_DATA);
            return complete(&file, iosb, 0, status, done as u64);
        }
        done += n as usize;
    }
    if let Some(off) = offset {
        sync_position(&file, off + done as i64);
    }
    complete(&file, iosb, a[1], STATUS_SUCCESS, done as u64)
}

/// The status of a failed host read or write: a handle opened without the
/// right to it is refused (the host descriptor, opened without it, reports
/// EBADF).
fn io_error(file: &FileObject, errno: i32, right: u32) -> NtStatus {
    if errno == libc::EBADF && map_generic(file.access) & right == 0 {
        STATUS_ACCESS_DENIED
    } else {
        status_from_errno(errno)
    }
}

/// A synchronous handle's file pointer follows an I/O at an explicit
/// offset (documented for ReadFile and WriteFile with an OVERLAPPED on a
/// non-overlapped handle).
fn sync_position(file: &FileObject, end: i64) {
    if file.options & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT) != 0 {
        // SAFETY: lseek on a descriptor we hold.
        unsafe { libc::lseek(file.raw(), end, libc::SEEK_SET) };
    }
}

/// Implements NtFlushBuffersFile(FileHandle, IoStatusBlock).
pub fn NtFlushBuffersFile(a: &Args) -> NtStatus {
    let file = match ob::reference_typed::<FileObject>(a[0]) {
        Ok(f) => f,
        Err(e) => return e,
    };
    if file.device_type == FILE_DEVICE_DISK
        && file.path().is_some()
        && map_generic(file.access) & (FILE_WRITE_DATA | FILE_APPEND_DATA) == 0
    {
        // Flushing a file is a write: a read-only handle may not.
        return STATUS_ACCESS_DENIED;
    }
    // SAFETY: fsync on a descriptor we hold. Pipes and terminals have
    // nothing to flush (EINVAL), which Windows reports as success.
    let r = unsafe { libc::fsync(file.raw()) };
    let status = if r != 0 && last_errno() != libc::EINVAL {
        status_from_errno(last_errno())
    } else {
        STATUS_SUCCESS
    };
    complete(&file, a[1], 0, status, 0)
}
