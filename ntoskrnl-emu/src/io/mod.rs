//! The I/O manager: file objects over host file descriptors, the drive map
//! from NT names to host paths, and the file services.

pub mod dir;
pub mod dosattr;
pub mod file;
pub mod file_event;
pub mod info;
pub mod lock;
pub mod names;
pub mod notify;
pub mod reparse;
pub mod share;
// The asynchronous side and the named-pipe file system.
pub mod attach;
pub mod completion;
pub mod console;
pub mod dispatch;
pub mod irp;
pub mod pipe;
pub mod reactor;

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::AtomicU32;
use std::sync::Mutex;

/// DEVICE_TYPE values (FILE_DEVICE_*) reported by FileFsDeviceInformation.
pub const FILE_DEVICE_DISK: u32 = 0x07;
pub const FILE_DEVICE_NAMED_PIPE: u32 = 0x11;
pub const FILE_DEVICE_NULL: u32 = 0x15;
pub const FILE_DEVICE_CONSOLE: u32 = 0x50;

/// A file object: an open host file descriptor plus the NT view of it.
pub struct FileObject {
    pub fd: OwnedFd,
    /// Host path, when the object was opened by name (changes on rename).
    pub path: Mutex<Option<PathBuf>>,
    /// The NT name it was opened with (for FileNameInformation).
    pub nt_name: Vec<u16>,
    pub access: u32,
    pub options: u32,
    pub device_type: u32,
    pub is_directory: bool,
    /// FILE_DELETE_ON_CLOSE / FileDispositionInformation.
    pub delete_on_close: AtomicU32,
    /// The file object's own event, which a wait on the handle waits for
    /// (see `file_event`).
    pub event: file_event::FileEvent,
}

impl crate::ob::Object for FileObject {
    fn type_name(&self) -> &'static str {
        "File"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn into_any(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn std::any::Any + Send + Sync> {
        self
    }
    /// Console handles are signalled by pending input on Windows, which
    /// this event does not track: a wait on one keeps failing
    /// (STATUS_OBJECT_TYPE_MISMATCH) rather than never ending.
    fn waitable(&self) -> Option<&dyn crate::ke::Waitable> {
        (self.device_type != FILE_DEVICE_CONSOLE).then_some(self as &dyn crate::ke::Waitable)
    }
}

/// A wait on a file handle is a wait on its event.
impl crate::ke::Waitable for FileObject {
    fn futex(&self) -> &AtomicU32 {
        crate::ke::Waitable::futex(&self.event)
    }
    fn try_acquire(&self) -> bool {
        crate::ke::Waitable::try_acquire(&self.event)
    }
    fn acquire(&self, since: u32) -> (crate::ke::Acquired, u32) {
        crate::ke::Waitable::acquire(&self.event, since)
    }
    fn is_signalled(&self) -> bool {
        crate::ke::Waitable::is_signalled(&self.event)
    }
}

impl FileObject {
    pub fn raw(&self) -> i32 {
        self.fd.as_raw_fd()
    }
    pub fn path(&self) -> Option<PathBuf> {
        self.path.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// Wraps a host descriptor (the standard handles), classifying it the
    /// way Windows would see it.
    pub fn from_host_fd(fd: OwnedFd, access: u32) -> FileObject {
        // SAFETY: fstat on a descriptor we own into a zeroed stat.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        unsafe { libc::fstat(fd.as_raw_fd(), &mut st) };
        let device_type = match st.st_mode & libc::S_IFMT {
            libc::S_IFIFO | libc::S_IFSOCK => FILE_DEVICE_NAMED_PIPE,
            libc::S_IFCHR => {
                // SAFETY: isatty only inspects the descriptor.
                if unsafe { libc::isatty(fd.as_raw_fd()) } == 1 {
                    FILE_DEVICE_CONSOLE
                } else {
                    FILE_DEVICE_NULL
                }
            }
            _ => FILE_DEVICE_DISK,
        };
        FileObject {
            fd,
            path: Mutex::new(None),
            nt_name: Vec::new(),
            access,
            options: file::FILE_SYNCHRONOUS_IO_NONALERT,
            device_type,
            is_directory: false,
            delete_on_close: AtomicU32::new(0),
            event: crate::io::file_event::FileEvent::new(),
        }
    }
}

impl Drop for FileObject {
    fn drop(&mut self) {
        // Share access, delete-on-close and delete-pending are per file.
        lock::release_all(self);
        share::close(self);
        dir::forget(self);
        notify::forget(self);
    }
}

/// Maps a host errno to the NTSTATUS Windows gives for the same condition.
pub fn status_from_errno(errno: i32) -> syscalls::NtStatus {
    use syscalls::*;
    match errno {
        libc::ENOENT => STATUS_OBJECT_NAME_NOT_FOUND,
        libc::ENOTDIR => STATUS_OBJECT_PATH_NOT_FOUND,
        libc::EEXIST => STATUS_OBJECT_NAME_COLLISION,
        libc::EACCES | libc::EPERM | libc::EROFS => STATUS_ACCESS_DENIED,
        libc::EISDIR => STATUS_FILE_IS_A_DIRECTORY,
        libc::ENAMETOOLONG => STATUS_OBJECT_NAME_INVALID,
        libc::ENOSPC | libc::EDQUOT => STATUS_DISK_FULL,
        libc::EBADF => STATUS_INVALID_HANDLE,
        libc::EFAULT => STATUS_ACCESS_VIOLATION,
        libc::EINVAL => STATUS_INVALID_PARAMETER,
        libc::ENOTEMPTY => STATUS_DIRECTORY_NOT_EMPTY,
        libc::EPIPE => STATUS_PIPE_BROKEN,
        libc::ENOMEM => STATUS_NO_MEMORY,
        libc::EMFILE | libc::ENFILE => STATUS_INSUFFICIENT_RESOURCES,
        libc::ESPIPE => STATUS_INVALID_PARAMETER,
        libc::EXDEV => STATUS_NOT_SAME_DEVICE,
        libc::ELOOP => STATUS_OBJECT_PATH_NOT_FOUND,
        _ => STATUS_UNSUCCESSFUL,
    }
}

pub fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
