//! Share access and delete-pending state, per file (host device and inode):
//! what IoCheckShareAccess and the file system's FCB keep on Windows.
//!
//! Every open by name is recorded with its access and share mode. An open
//! that reads, writes or deletes conflicts with an existing one that does
//! not share that right, and the other way round (STATUS_SHARING_VIOLATION).
//! A file marked for deletion refuses new opens (STATUS_DELETE_PENDING) and
//! is removed when its last open closes.

use super::file::{DELETE, FILE_APPEND_DATA, FILE_EXECUTE, FILE_READ_DATA, FILE_WRITE_DATA};
use super::FileObject;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use syscalls::*;

pub const FILE_SHARE_READ: u32 = 1;
pub const FILE_SHARE_WRITE: u32 = 2;
pub const FILE_SHARE_DELETE: u32 = 4;

/// A file's identity on the host.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    pub fn of(st: &libc::stat) -> FileId {
        FileId {
            dev: st.st_dev,
            ino: st.st_ino,
        }
    }
}

struct Open {
    access: u32,
    share: u32,
}

struct FileState {
    opens: HashMap<usize, Open>,
    delete_pending: bool,
    path: PathBuf,
    is_directory: bool,
}

#[derive(Default)]
struct Registry {
    files: HashMap<FileId, FileState>,
    /// File object (its address) to the file it opened.
    objects: HashMap<usize, FileId>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    let mut g = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(Registry::default))
}

fn key(file: &FileObject) -> usize {
    file as *const FileObject as usize
}

/// The rights that take part in sharing, as (read, write, delete).
fn rights(access: u32) -> (bool, bool, bool) {
    (
        access & (FILE_READ_DATA | FILE_EXECUTE) != 0,
        access & (FILE_WRITE_DATA | FILE_APPEND_DATA) != 0,
        access & DELETE != 0,
    )
}

fn conflicts(access: u32, share: u32, other: &Open) -> bool {
    let (r, w, d) = rights(access);
    let (or, ow, od) = rights(other.access);
    (r && other.share & FILE_SHARE_READ == 0)
        || (w && other.share & FILE_SHARE_WRITE == 0)
        || (d && other.share & FILE_SHARE_DELETE == 0)
        || (or && share & FILE_SHARE_READ == 0)
        || (ow && share & FILE_SHARE_WRITE == 0)
        || (od && share & FILE_SHARE_DELETE == 0)
}

/// Checks a new open of `id` against the existing ones without recording
/// it (the caller has not built its file object yet).
pub fn check(id: FileId, access: u32, share: u32) -> NtResult<()> {
    with(|r| match r.files.get(&id) {
        None => Ok(()),
        Some(s) if s.delete_pending => Err(STATUS_DELETE_PENDING),
        Some(s) => {
            let (rd, wr, de) = rights(access);
            if (rd || wr || de) && s.opens.values().any(|o| conflicts(access, share, o)) {
                Err(STATUS_SHARING_VIOLATION)
            } else {
                Ok(())
            }
        }
    })
}

/// Records the open of `file` (after `check`, under the same name lookup).
/// Checks again, since another thread may have opened the file meanwhile.
pub fn add(file: &FileObject, id: FileId, share: u32, path: &Path) -> NtResult<()> {
    let access = file.access;
    with(|r| {
        let state = r.files.entry(id).or_insert_with(|| FileState {
            opens: HashMap::new(),
            delete_pending: false,
            path: path.to_path_buf(),
            is_directory: file.is_directory,
        });
        if state.delete_pending {
            return Err(STATUS_DELETE_PENDING);
        }
        let (rd, wr, de) = rights(access);
        if (rd || wr || de) && state.opens.values().any(|o| conflicts(access, share, o)) {
            if state.opens.is_empty() {
                r.files.remove(&id);
            }
            return Err(STATUS_SHARING_VIOLATION);
        }
        state.opens.insert(key(file), Open { access, share });
        r.objects.insert(key(file), id);
        Ok(())
    })
}

/// FileDispositionInformation: marks or unmarks the file for deletion.
pub fn set_delete_pending(file: &FileObject, pending: bool) -> NtResult<()> {
    with(|r| {
        let id = r.objects.get(&key(file)).ok_or(STATUS_INVALID_PARAMETER)?;
        let state = r.files.get_mut(id).ok_or(STATUS_INVALID_PARAMETER)?;
        state.delete_pending = pending;
        Ok(())
    })
}

/// Whether the file `id` is marked for deletion (opens and queries by
/// name fail with STATUS_DELETE_PENDING).
pub fn is_pending(id: FileId) -> bool {
    with(|r| r.files.get(&id).is_some_and(|s| s.delete_pending))
}

/// FileStandardInformation.DeletePending.
pub fn is_delete_pending(file: &FileObject) -> bool {
    with(|r| {
        r.objects
            .get(&key(file))
            .and_then(|id| r.files.get(id))
            .is_some_and(|s| s.delete_pending)
    })
}

/// The file was renamed through `file`: a later deletion removes the new
/// name.
pub fn renamed(file: &FileObject, to: &Path) {
    with(|r| {
        if let Some(s) = r.objects.get(&key(file)).and_then(|id| r.files.get_mut(id)) {
            s.path = to.to_path_buf();
        }
    })
}

/// Whether any open of the file (other than `file`) is recorded: renaming
/// or replacing an open file is refused on Windows.
pub fn is_open_elsewhere(id: FileId, file: Option<&FileObject>) -> bool {
    with(|r| {
        r.files
            .get(&id)
            .is_some_and(|s| s.opens.keys().any(|&k| Some(k) != file.map(key)))
    })
}

/// The last reference to `file` is gone: FILE_DELETE_ON_CLOSE marks the
/// file for deletion, and the last open of a file marked for deletion
/// removes it.
pub fn close(file: &FileObject) {
    with(|r| {
        let Some(id) = r.objects.remove(&key(file)) else {
            return;
        };
        let Some(state) = r.files.get_mut(&id) else {
            return;
        };
        state.opens.remove(&key(file));
        if file.delete_on_close.load(Ordering::Relaxed) != 0 {
            state.delete_pending = true;
        }
        if !state.opens.is_empty() {
            return;
        }
        let Some(state) = r.files.remove(&id) else {
            return;
        };
        if !state.delete_pending {
            return;
        }
        // Removed under the registry lock: no open can slip in between
        // the last close and the removal of the name.
        // A link to a directory is removed as the link it is.
        let link = state.is_directory
            && state
                .path
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink());
        let result = if state.is_directory && !link {
            std::fs::remove_dir(&state.path)
        } else {
            std::fs::remove_file(&state.path)
        };
        if let Err(e) = result {
            log::warn!("delete of {}: {e}", state.path.display());
        }
    })
}
