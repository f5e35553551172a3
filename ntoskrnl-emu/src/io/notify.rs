//! Directory change notification: NtNotifyChangeDirectoryFile over inotify.
//!
//! The first request on a directory handle starts watching (the whole tree
//! when asked); changes that happen between requests are kept for the next
//! one, as Windows keeps them. A request on a synchronous handle waits for
//! a change in the calling thread. An asynchronous request is completed at
//! once when changes are already queued; otherwise it is an I/O request
//! packet left pending, whose watch's inotify descriptor the reactor waits
//! on (epoll), and it completes the asynchronous way (status block, event,
//! file object event, completion port, APC) when a change comes, is
//! cancelled (CancelIo/CancelIoEx: STATUS_CANCELLED), or ends with
//! STATUS_NOTIFY_CLEANUP when the last handle to the directory is closed.

use super::irp::{self, Irp, Op};
use super::reactor::{self, Attempt};
use super::{last_errno, status_from_errno, FileObject};
use crate::ob;
use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use syscalls::*;

// FILE_NOTIFY_CHANGE_* filter bits.
const CHANGE_FILE_NAME: u32 = 0x001;
const CHANGE_DIR_NAME: u32 = 0x002;
const CHANGE_ATTRIBUTES: u32 = 0x004;
const CHANGE_SIZE: u32 = 0x008;
const CHANGE_LAST_WRITE: u32 = 0x010;
const CHANGE_LAST_ACCESS: u32 = 0x020;
const CHANGE_CREATION: u32 = 0x040;
const CHANGE_SECURITY: u32 = 0x100;
const CHANGE_VALID: u32 = 0x17F;

// FILE_ACTION_* values.
const ACTION_ADDED: u32 = 1;
const ACTION_REMOVED: u32 = 2;
const ACTION_MODIFIED: u32 = 3;
const ACTION_RENAMED_OLD_NAME: u32 = 4;
const ACTION_RENAMED_NEW_NAME: u32 = 5;

/// STATUS_NOTIFY_ENUM_DIR: more changes than the buffer holds; the caller
/// should enumerate the directory instead.
const STATUS_NOTIFY_ENUM_DIR: NtStatus = NtStatus(0x0000_010C);
/// STATUS_NOTIFY_CLEANUP: the handle was closed while a request waited.
pub const STATUS_NOTIFY_CLEANUP: NtStatus = NtStatus(0x0000_010B);

struct Watch {
    inotify: OwnedFd,
    filter: u32,
    tree: bool,
    /// Watch descriptor to the directory's path relative to the root.
    dirs: HashMap<i32, PathBuf>,
    root: PathBuf,
    /// (action, relative name) not yet reported.
    pending: Vec<(u32, Vec<u16>)>,
}

static WATCHES: Mutex<Option<HashMap<usize, Arc<Mutex<Watch>>>>> = Mutex::new(None);

pub fn forget(file: &FileObject) {
    let key = file as *const FileObject as usize;
    if let Some(m) = WATCHES.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
        m.remove(&key);
    }
}

fn inotify_mask(filter: u32) -> u32 {
    let mut m = libc::IN_CREATE | libc::IN_DELETE | libc::IN_MOVED_FROM | libc::IN_MOVED_TO;
    if filter & (CHANGE_SIZE | CHANGE_LAST_WRITE) != 0 {
        m |= libc::IN_MODIFY;
    }
    if filter & (CHANGE_ATTRIBUTES | CHANGE_SECURITY | CHANGE_LAST_WRITE | CHANGE_CREATION) != 0 {
        m |= libc::IN_ATTRIB;
    }
    if filter & CHANGE_LAST_ACCESS != 0 {
        m |= libc::IN_ACCESS;
    }
    m | libc::IN_ONLYDIR
}

impl Watch {
    fn add(&mut self, relative: PathBuf) {
        let full = self.root.join(&relative);
        let Ok(c) = CString::new(full.as_os_str().as_bytes()) else {
            return;
        };
        // SAFETY: inotify_add_watch on our descriptor with a C string.
        let wd = unsafe {
            libc::inotify_add_watch(
                self.inotify.as_raw_fd(),
                c.as_ptr(),
                inotify_mask(self.filter),
            )
        };
        if wd < 0 {
            return;
        }
        self.dirs.insert(wd, relative.clone());
        if self.tree {
            if let Ok(rd) = std::fs::read_dir(&full) {
                for e in rd.flatten() {
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        self.add(relative.join(e.file_name()));
                    }
                }
            }
        }
    }

    /// Reads what inotify has (waiting when `wait`), turning it into
    /// pending actions.
    /// `closed` says whether the handle waited on has been closed, which
    /// ends a wait with STATUS_NOTIFY_CLEANUP as on Windows.
    fn collect(&mut self, wait: bool, closed: impl Fn() -> bool) -> NtResult<()> {
        let fd = self.inotify.as_raw_fd();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            let waiting = wait && self.pending.is_empty();
            // Waits look at the handle four times a second.
            let timeout = if waiting { 250 } else { 0 };
            // SAFETY: poll on one pollfd we own.
            let r = unsafe { libc::poll(&mut pfd, 1, timeout) };
            if r < 0 {
                if last_errno() == libc::EINTR {
                    continue;
                }
                return Err(status_from_errno(last_errno()));
            }
            if r == 0 {
                if waiting {
                    if closed() {
                        return Err(STATUS_NOTIFY_CLEANUP);
                    }
                    continue;
                }
                return Ok(());
            }
            // SAFETY: read into a buffer we own.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
            if n <= 0 {
                return Ok(());
            }
            self.decode(&buf[..n as usize]);
        }
    }

    fn decode(&mut self, mut data: &[u8]) {
        const HEADER: usize = 16;
        while data.len() >= HEADER {
            let wd = i32::from_ne_bytes(data[0..4].try_into().unwrap_or([0; 4]));
            let mask = u32::from_ne_bytes(data[4..8].try_into().unwrap_or([0; 4]));
            let len = u32::from_ne_bytes(data[12..16].try_into().unwrap_or([0; 4])) as usize;
            let name_bytes = data.get(HEADER..HEADER + len).unwrap_or(&[]);
            data = data.get(HEADER + len..).unwrap_or(&[]);
            let name_end = name_bytes
                .iter()
                .position(|&b| b == 0)
                .unwrap_or(name_bytes.len());
            let name = std::ffi::OsStr::from_bytes(&name_bytes[..name_end]);
            let Some(dir) = self.dirs.get(&wd).cloned() else {
                continue;
            };
            if mask & libc::IN_IGNORED != 0 {
                self.dirs.remove(&wd);
                continue;
            }
            if name.is_empty() {
                continue;
            }
            let relative = dir.join(name);
            let is_dir = mask & libc::IN_ISDIR != 0;
            let names_wanted = if is_dir {
                self.filter & CHANGE_DIR_NAME != 0
            } else {
                self.filter & CHANGE_FILE_NAME != 0
            };
            let action = if mask & libc::IN_CREATE != 0 {
                if is_dir && self.tree {
                    self.add(relative.clone());
                }
                names_wanted.then_some(ACTION_ADDED)
            } else if mask & libc::IN_DELETE != 0 {
                names_wanted.then_some(ACTION_REMOVED)
            } else if mask & libc::IN_MOVED_FROM != 0 {
                names_wanted.then_some(ACTION_RENAMED_OLD_NAME)
            } else if mask & libc::IN_MOVED_TO != 0 {
                if is_dir && self.tree {
                    self.add(relative.clone());
                }
                names_wanted.then_some(ACTION_RENAMED_NEW_NAME)
            } else if mask & (libc::IN_MODIFY | libc::IN_ATTRIB | libc::IN_ACCESS) != 0 {
                // Directories' own attribute changes are reported only
                // when directory names are watched too.
                (!is_dir || self.filter & CHANGE_DIR_NAME != 0).then_some(ACTION_MODIFIED)
            } else {
                None
            };
            if let Some(action) = action {
                let text = relative.to_string_lossy().replace('/', "\\");
                self.pending.push((action, text.encode_utf16().collect()));
            }
        }
    }

    /// The pending actions as FILE_NOTIFY_INFORMATION records, or None
    /// when they do not fit in `length` bytes (they are dropped then).
    fn take(&mut self, length: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut last: Option<usize> = None;
        for (action, name) in self.pending.drain(..) {
            let start = (out.len() + 3) & !3;
            if let Some(prev) = last {
                let delta = (start - prev) as u32;
                out[prev..prev + 4].copy_from_slice(&delta.to_le_bytes());
            }
            out.resize(start, 0);
            out.extend(0u32.to_le_bytes());
            out.extend(action.to_le_bytes());
            out.extend(((name.len() * 2) as u32).to_le_bytes());
            for u in name {
                out.extend(u.to_le_bytes());
            }
            last = Some(start);
        }
        (out.len() <= length).then_some(out)
    }
}

fn watch_for(
    file: &Arc<FileObject>,
    path: &Path,
    filter: u32,
    tree: bool,
) -> NtResult<Arc<Mutex<Watch>>> {
    let key = Arc::as_ptr(file) as usize;
    let mut g = WATCHES.lock().unwrap_or_else(|e| e.into_inner());
    let map = g.get_or_insert_with(HashMap::new);
    if let Some(w) = map.get(&key) {
        return Ok(w.clone());
    }
    // SAFETY: inotify_init1 returns a fresh descriptor or -1.
    let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
    if fd < 0 {
        return Err(status_from_errno(last_errno()));
    }
    let mut w = Watch {
        // SAFETY: fd is a fresh descriptor we own.
        inotify: unsafe { OwnedFd::from_raw_fd(fd) },
        filter,
        tree,
        dirs: HashMap::new(),
        root: path.to_path_buf(),
        pending: Vec::new(),
    };
    w.add(PathBuf::new());
    let w = Arc::new(Mutex::new(w));
    map.insert(key, w.clone());
    Ok(w)
}

/// The pending changes written to the caller's buffer as (status, bytes),
/// or None when there are none.
fn deliver(w: &mut Watch, buffer: u64, length: usize) -> Option<NtResult<(NtStatus, u64)>> {
    if w.pending.is_empty() {
        return None;
    }
    Some(match w.take(length) {
        Some(records) => {
            user::write_from(buffer, &records).map(|_| (STATUS_SUCCESS, records.len() as u64))
        }
        None => Ok((STATUS_NOTIFY_ENUM_DIR, 0)),
    })
}

/// Checks that the caller's buffer can be written, a byte of each page read
/// and written back (ProbeForWrite): a bad buffer fails the call, not the
/// request later.
fn probe_for_write(buffer: u64, length: usize) -> NtResult<()> {
    super::dispatch::prepare_user_buffer(buffer, length)?;
    let end = buffer + length as u64;
    let mut at = buffer;
    while at < end {
        let b: u8 = user::read(at)?;
        user::write(at, &b)?;
        at = (at & !0xFFF) + 0x1000;
    }
    Ok(())
}

/// An asynchronous request: completed now when changes are queued, else
/// left pending for the reactor. Returns the service's status.
fn issue_async(a: &Args, file: &Arc<FileObject>, watch: &Arc<Mutex<Watch>>) -> NtStatus {
    let (iosb, buffer, length) = (a[4], a[5], a[6] as u32 as usize);
    let run = || -> NtResult<NtStatus> {
        let event = match a[1] {
            0 => None,
            h => Some(ob::reference_typed::<crate::ke::event::Event>(h)?),
        };
        // The status block must be writable before anything happens.
        user::read::<[u64; 2]>(iosb)?;
        probe_for_write(buffer, length)?;
        if let Some(e) = &event {
            // The I/O manager resets the caller's event as the request
            // starts.
            e.clear();
        }
        let inotify = watch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .inotify
            .as_raw_fd();
        let op = Op::Notify {
            buffer,
            length,
            inotify,
        };
        let irp = Irp::new(file.clone(), op, iosb, event, a[2], a[3], false);
        // Requests complete in the order they were issued: with others
        // pending, this one queues behind them.
        let ready = if reactor::has_queued(file, true) {
            None
        } else {
            let mut w = watch.lock().unwrap_or_else(|e| e.into_inner());
            w.collect(false, || false)?;
            deliver(&mut w, buffer, length)
        };
        if let Some(result) = ready {
            let (status, n) = result?;
            irp::complete(&irp, status, n, true);
            return Ok(status);
        }
        // A change that comes from now on leaves the descriptor readable,
        // which the reactor sees when it starts watching it.
        irp::mark_pending(&irp);
        reactor::submit(irp);
        Ok(STATUS_PENDING)
    };
    run().unwrap_or_else(|e| e)
}

/// One try at a pending change notification (the reactor's callback):
/// done when changes have come.
pub fn attempt(irp: &Irp) -> Attempt {
    let Op::Notify { buffer, length, .. } = irp.op else {
        return Attempt::Done(STATUS_INVALID_DEVICE_REQUEST, 0);
    };
    let key = Arc::as_ptr(&irp.file) as usize;
    let watch = WATCHES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(|m| m.get(&key).cloned());
    let Some(watch) = watch else {
        return Attempt::Done(STATUS_NOTIFY_CLEANUP, 0);
    };
    let mut w = watch.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = w.collect(false, || false) {
        return Attempt::Done(e, 0);
    }
    match deliver(&mut w, buffer, length) {
        None => Attempt::WouldBlock,
        Some(Ok((status, n))) => Attempt::Done(status, n),
        Some(Err(e)) => Attempt::Done(e, 0),
    }
}

/// Implements NtNotifyChangeDirectoryFile(FileHandle, Event, ApcRoutine,
/// ApcContext, IoStatusBlock, Buffer, Length, CompletionFilter,
/// WatchTree).
pub fn NtNotifyChangeDirectoryFile(a: &Args) -> NtStatus {
    let (iosb, buffer, length, filter, tree) = (
        a[4],
        a[5],
        a[6] as u32 as usize,
        a[7] as u32,
        a[8] as u8 != 0,
    );
    let open = || -> NtResult<(Arc<FileObject>, Arc<Mutex<Watch>>)> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        if filter == 0 || filter & !CHANGE_VALID != 0 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        let path = file
            .path()
            .filter(|_| file.is_directory)
            .ok_or(STATUS_INVALID_PARAMETER)?;
        let watch = watch_for(&file, &path, filter, tree)?;
        Ok((file, watch))
    };
    let (file, watch) = match open() {
        Ok(v) => v,
        Err(e) => return e,
    };
    let synchronous = file.options
        & (super::file::FILE_SYNCHRONOUS_IO_ALERT | super::file::FILE_SYNCHRONOUS_IO_NONALERT)
        != 0;
    if !synchronous {
        return issue_async(a, &file, &watch);
    }
    // A synchronous handle: wait here for a change.
    let run = || -> NtResult<(NtStatus, u64)> {
        let mut w = watch.lock().unwrap_or_else(|e| e.into_inner());
        // The handle table and this call hold the file object; with only
        // this call left, the handle has been closed.
        w.collect(true, || Arc::strong_count(&file) <= 1)?;
        deliver(&mut w, buffer, length).unwrap_or(Err(STATUS_UNSUCCESSFUL))
    };
    match run() {
        Ok((status, n)) => {
            let io = nt::IO_STATUS_BLOCK {
                Status: status.0,
                _pad: 0,
                Information: n,
            };
            if let Err(e) = user::write(iosb, &io) {
                return e;
            }
            if a[1] != 0 {
                if let Ok(ev) = ob::reference_typed::<crate::ke::event::Event>(a[1]) {
                    ev.set();
                }
            }
            status
        }
        // Not an error: the request completes with it.
        Err(STATUS_NOTIFY_CLEANUP) => {
            let io = nt::IO_STATUS_BLOCK {
                Status: STATUS_NOTIFY_CLEANUP.0,
                _pad: 0,
                Information: 0,
            };
            let _ = user::write(iosb, &io);
            STATUS_NOTIFY_CLEANUP
        }
        Err(e) => e,
    }
}
