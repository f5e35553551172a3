//! The start of a process a casement parent created with CreateProcess:
//! the creation spec comes from the memfd named by
//! `ntoskrnl_emu::ps::child::SPEC_ENV` (an internal channel users never
//! see; the variable is removed at once so the program and its own
//! children do not see it), the standard handles are descriptors 0-2, the
//! inherited handles further descriptors given in the spec.

use ntoskrnl_emu::io::FileObject;
use ntoskrnl_emu::ps::child::{self, ChildSpec};
use std::ffi::OsString;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::sync::Arc;

/// The spec, if a casement parent started this process. Reads and closes
/// the memfd and removes the variable.
pub fn take() -> Option<Result<ChildSpec, String>> {
    let fd = std::env::var_os(child::SPEC_ENV)?;
    // SAFETY: still single-threaded: nothing else reads the environment.
    unsafe { std::env::remove_var(child::SPEC_ENV) };
    let Some(fd) = fd.to_str().and_then(|s| s.parse::<i32>().ok()) else {
        return Some(Err("bad creation spec descriptor".into()));
    };
    // SAFETY: fcntl only checks that the descriptor is open.
    if fd < 3 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return Some(Err("no creation spec descriptor".into()));
    }
    // SAFETY: the parent passed this descriptor for us alone; we own it now.
    let mut file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    let mut data = Vec::new();
    if file.read_to_end(&mut data).is_err() {
        return Some(Err("cannot read the creation spec".into()));
    }
    Some(ChildSpec::decode(&data).ok_or_else(|| "malformed creation spec".to_string()))
}

/// Wraps descriptor `fd` (which this process owns) as a handle at `value`.
fn adopt(fd: i32, value: u64, access: u32) -> bool {
    // SAFETY: fcntl on a descriptor number; a bad one only fails.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
        return false;
    }
    // SAFETY: the parent passed this descriptor for this handle alone.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    let object = Arc::new(FileObject::from_host_fd(owned, access));
    ntoskrnl_emu::ob::handle::insert_object_at(value, object, access, 2).is_ok()
}

/// Creates and runs the process the spec describes.
pub fn run(spec: ChildSpec) -> u8 {
    child::set_exit_report_fd(spec.exit_fd);
    // CREATE_SUSPENDED: nothing of the program runs before ResumeThread.
    child::wait_for_resume(spec.resume_fd);
    // Inherited handles first: they keep their values.
    for h in &spec.handles {
        if !adopt(h.fd, h.value, h.access) {
            log::warn!("inherited handle {:#x} could not be kept", h.value);
        }
    }
    const GENERIC_READ: u32 = 0x8000_0000;
    const GENERIC_WRITE: u32 = 0x4000_0000;
    let mut std_handles = [0u64; 3];
    for (i, &value) in spec.std_values.iter().enumerate() {
        if value == 0 {
            continue;
        }
        let access = if i == 0 {
            GENERIC_READ | 0x0010_0080
        } else {
            GENERIC_WRITE | GENERIC_READ | 0x0010_0080
        };
        // A standard handle that is also an inherited handle is that
        // handle, as on Windows; otherwise a handle of its own.
        std_handles[i] = if spec.handles.iter().any(|h| h.value == value) {
            value
        } else {
            crate::process::std_handle(i as i32, access)
        };
    }
    let path = PathBuf::from(OsString::from_vec(spec.image_file));
    crate::process::start(
        &path,
        &path,
        spec.image_path,
        &spec.command_line,
        &spec.current_directory,
        &spec.environment,
        std_handles,
    )
}
