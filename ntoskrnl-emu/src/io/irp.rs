//! I/O requests that do not complete at once: overlapped reads and writes
//! of pipes, ConnectNamedPipe, and the synchronous pipe I/O that waits the
//! same way.
//!
//! A request records who asked (the thread, for user APCs and CancelIo)
//! and how to report its end: the IO_STATUS_BLOCK in user memory, an
//! event, a completion packet for the file's port, a user APC
//! (ReadFileEx/WriteFileEx). Pending requests are listed for the cancel
//! services; the readiness of their descriptors is watched by the reactor
//! (epoll), not by a thread per request.

use super::attach;
use super::completion::Packet;
use super::FileObject;
use crate::ke::event::Event;
use crate::ps::apc::UserApc;
use crate::ps::Thread;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use syscalls::nt::IO_STATUS_BLOCK;
use syscalls::*;

pub const STATUS_CANCELLED: NtStatus = NtStatus(0xC000_0120);

const PENDING: u32 = 0;
const DONE: u32 = 1;
const COMPLETING: u32 = 2;
const ATTEMPTING: u32 = 3;
pub const STATUS_NOT_FOUND: NtStatus = NtStatus(0xC000_0225);

/// What a request does.
#[derive(Debug)]
pub enum Op {
    Read {
        buffer: u64,
        length: usize,
    },
    /// `done` counts the bytes a byte-mode write has passed on so far.
    Write {
        buffer: u64,
        length: usize,
        done: AtomicUsize,
    },
    /// FSCTL_PIPE_LISTEN: ends when a client connects.
    Listen,
    /// NtNotifyChangeDirectoryFile: ends when the directory changes;
    /// `inotify` is the descriptor of the directory's watch, which the
    /// reactor waits on.
    Notify {
        buffer: u64,
        length: usize,
        inotify: i32,
    },
}

pub struct Irp {
    pub file: Arc<FileObject>,
    pub op: Op,
    /// The caller's IO_STATUS_BLOCK (for Win32, the OVERLAPPED).
    pub iosb: u64,
    pub event: Option<Arc<Event>>,
    pub apc_routine: u64,
    /// The APC's first argument, and the completion packet's context.
    pub apc_context: u64,
    pub thread: Option<Arc<Thread>>,
    pub thread_id: u32,
    /// Issued on a handle opened for synchronous I/O: the issuing thread
    /// waits for it inside the service; no APC, no completion packet.
    pub synchronous: bool,
    /// PENDING, ATTEMPTING (data is being moved; a cancel must wait
    /// its turn), COMPLETING, then DONE (a futex word).
    state: AtomicU32,
    /// The waiting thread's wake-up eventfd (a synchronous request blocks
    /// in poll on its descriptor and this), or -1.
    wake_fd: AtomicI32,
    /// In the pending list.
    listed: std::sync::atomic::AtomicBool,
    status: AtomicU32,
    information: AtomicU64,
}

impl Irp {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        file: Arc<FileObject>,
        op: Op,
        iosb: u64,
        event: Option<Arc<Event>>,
        apc_routine: u64,
        apc_context: u64,
        synchronous: bool,
    ) -> Arc<Irp> {
        // A request starting resets the file object's event, as NtReadFile
        // and its kin do on Windows.
        file.event.clear();
        Arc::new(Irp {
            file,
            op,
            iosb,
            event,
            apc_routine,
            apc_context,
            thread: crate::ps::current_thread(),
            thread_id: crate::ps::current_thread_id(),
            synchronous,
            state: AtomicU32::new(PENDING),
            wake_fd: AtomicI32::new(-1),
            listed: std::sync::atomic::AtomicBool::new(false),
            status: AtomicU32::new(STATUS_PENDING.0),
            information: AtomicU64::new(0),
        })
    }

    /// Completed, or being completed.
    pub fn is_done(&self) -> bool {
        matches!(self.state.load(Ordering::Acquire), DONE | COMPLETING)
    }

    /// Claims the request for one try at moving its data: a cancel that
    /// comes meanwhile finds it busy and leaves it to finish. False when
    /// it has been completed already.
    pub fn begin_attempt(&self) -> bool {
        self.state
            .compare_exchange(PENDING, ATTEMPTING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The try moved nothing: the request is pending again.
    pub fn end_attempt(&self) {
        let _ =
            self.state
                .compare_exchange(ATTEMPTING, PENDING, Ordering::AcqRel, Ordering::Acquire);
    }

    pub fn set_wake_fd(&self, fd: i32) {
        self.wake_fd.store(fd, Ordering::Release);
    }

    pub fn result(&self) -> (NtStatus, u64) {
        (
            NtStatus(self.status.load(Ordering::Acquire)),
            self.information.load(Ordering::Acquire),
        )
    }
}

static PENDING_IRPS: Mutex<Vec<Arc<Irp>>> = Mutex::new(Vec::new());
/// Requests in PENDING_IRPS (read without the lock on every NtClose).
static PENDING_COUNT: AtomicUsize = AtomicUsize::new(0);

fn pending() -> std::sync::MutexGuard<'static, Vec<Arc<Irp>>> {
    PENDING_IRPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lists a request as pending (for the cancel services).
pub fn mark_pending(irp: &Arc<Irp>) {
    irp.listed.store(true, Ordering::Release);
    let mut p = pending();
    p.push(irp.clone());
    PENDING_COUNT.store(p.len(), Ordering::Release);
}

fn futex_wake_user(addr: u64) {
    if addr < user::LOWEST_USER_ADDRESS || !addr.is_multiple_of(4) {
        return;
    }
    // SAFETY: FUTEX_WAKE only compares the address; it never dereferences
    // it, and a bad address is an EFAULT, not a fault.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            addr as *const u32,
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            i32::MAX,
        );
    }
}

/// IoCompleteRequest: reports the end of a request, once (a request raced
/// by a cancel completes only the first time). `immediate` is a request
/// that completed inside the service that issued it, before returning.
/// Returns whether this call completed it.
pub fn complete(irp: &Arc<Irp>, status: NtStatus, information: u64, immediate: bool) -> bool {
    finish(irp, PENDING, status, information, immediate)
}

/// Completes a request claimed with `begin_attempt`.
pub fn complete_attempt(
    irp: &Arc<Irp>,
    status: NtStatus,
    information: u64,
    immediate: bool,
) -> bool {
    finish(irp, ATTEMPTING, status, information, immediate)
}

fn finish(irp: &Arc<Irp>, from: u32, status: NtStatus, information: u64, immediate: bool) -> bool {
    if irp
        .state
        .compare_exchange(from, COMPLETING, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return false;
    }
    irp.status.store(status.0, Ordering::Release);
    irp.information.store(information, Ordering::Release);
    // The status block first, then the signals: waiters read it after.
    let io = IO_STATUS_BLOCK {
        Status: status.0,
        _pad: 0,
        Information: information,
    };
    let _ = user::write(irp.iosb, &io);
    if !immediate {
        // Nobody can be waiting for a request completed before its
        // service returned.
        futex_wake_user(irp.iosb);
    }
    // Synchronous requests have no port, no notification modes.
    let ext = if irp.synchronous {
        None
    } else {
        attach::get(&irp.file)
    };
    let notification = ext
        .as_ref()
        .map_or(0, |e| e.notification.load(Ordering::Relaxed));
    let success_now = immediate && !status.is_error();
    if let Some(ev) = irp
        .event
        .as_ref()
        .filter(|_| !(immediate && status.is_error()))
    {
        ev.set();
    }
    // Without an event of the caller's, the file object's own tells that
    // the request is done, unless the file asked not to have it set
    // (FILE_SKIP_SET_EVENT_ON_HANDLE) for its asynchronous requests.
    let skip_file_event =
        !irp.synchronous && notification & attach::FILE_SKIP_SET_EVENT_ON_HANDLE != 0;
    if irp.event.is_none() && !(immediate && status.is_error()) && !skip_file_event {
        irp.file.event.set();
    }
    if !irp.synchronous {
        // A request that fails at once reports nothing but its status; one
        // that succeeds at once skips the port when the file asked to.
        let failed_now = immediate && status.is_error();
        let skip = success_now && notification & attach::FILE_SKIP_COMPLETION_PORT_ON_SUCCESS != 0;
        let to_port = !failed_now && !skip && irp.apc_context != 0;
        if to_port {
            if let Some((port, key)) = ext.as_ref().and_then(|e| {
                e.completion
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone()
            }) {
                port.post(Packet {
                    key,
                    apc_context: irp.apc_context,
                    status: status.0,
                    information,
                });
            }
        }
        if irp.apc_routine != 0 && !(immediate && status.is_error()) {
            if let Some(t) = &irp.thread {
                t.apcs.push(UserApc {
                    routine: irp.apc_routine,
                    args: [irp.apc_context, irp.iosb, 0],
                });
            }
        }
    }
    if irp.listed.load(Ordering::Acquire) {
        let mut p = pending();
        p.retain(|p| !Arc::ptr_eq(p, irp));
        PENDING_COUNT.store(p.len(), Ordering::Release);
    }
    irp.state.store(DONE, Ordering::Release);
    if immediate {
        // Completed by the thread that would wait for it.
        return true;
    }
    crate::ke::futex::wake_only(&irp.state, i32::MAX);
    let fd = irp.wake_fd.load(Ordering::Acquire);
    if fd >= 0 {
        // SAFETY: an eventfd of the thread blocked on this request (it
        // cannot go away while it waits); an 8-byte write.
        unsafe { libc::write(fd, &1u64 as *const u64 as *const libc::c_void, 8) };
    }
    true
}

/// Waits for a synchronous request and returns its status.
pub fn wait(irp: &Arc<Irp>) -> NtStatus {
    loop {
        let s = irp.state.load(Ordering::Acquire);
        if s == DONE {
            return irp.result().0;
        }
        crate::ke::futex::wait(&irp.state, s, None);
    }
}

/// Cancels the pending requests that `select` picks: each completes with
/// STATUS_CANCELLED. Returns how many were cancelled.
pub fn cancel(select: impl Fn(&Irp) -> bool) -> usize {
    end_pending(select, |_| STATUS_CANCELLED)
}

/// Ends the pending requests that `select` picks, each with the status
/// `status_of` gives it. Returns how many were ended.
fn end_pending(select: impl Fn(&Irp) -> bool, status_of: impl Fn(&Irp) -> NtStatus) -> usize {
    let chosen: Vec<Arc<Irp>> = pending().iter().filter(|i| select(i)).cloned().collect();
    let mut n = 0;
    for irp in chosen {
        super::reactor::forget(&irp);
        if let Some(end) = attach::pipe_of(&irp.file) {
            end.forget_listener(&irp);
        }
        if complete(&irp, status_of(&irp), 0, false) {
            n += 1;
        }
    }
    n
}

/// Completes every pending request of a file with `status` (a pipe
/// disconnected under them).
pub fn fail_all_of(file: &Arc<FileObject>, status: NtStatus) {
    let chosen: Vec<Arc<Irp>> = pending()
        .iter()
        .filter(|i| Arc::ptr_eq(&i.file, file))
        .cloned()
        .collect();
    for irp in chosen {
        super::reactor::forget(&irp);
        complete(&irp, status, 0, false);
    }
}

/// Implements NtClose(Handle): closing the last handle of a file object
/// cancels the requests still pending on it (IRP_MJ_CLEANUP), so that a
/// pipe end closed with a read outstanding really closes.
pub fn NtClose(a: &Args) -> NtStatus {
    let pending_file = if PENDING_COUNT.load(Ordering::Acquire) != 0 {
        crate::ob::reference_object_by_handle(a[0])
            .ok()
            .filter(|o| o.as_any().is::<FileObject>())
    } else {
        None
    };
    let status = NtStatus::from_result(crate::ob::close_handle(a[0]));
    if let Some(object) = pending_file {
        if status.is_success() && crate::ob::handle::count_handles_to(&object) == 0 {
            if let Ok(file) = object.into_any().downcast::<FileObject>() {
                // Change notifications end with STATUS_NOTIFY_CLEANUP
                // (FsRtlNotifyCleanup), the others are cancelled.
                end_pending(
                    |i| Arc::ptr_eq(&i.file, &file),
                    |i| match i.op {
                        Op::Notify { .. } => super::notify::STATUS_NOTIFY_CLEANUP,
                        _ => STATUS_CANCELLED,
                    },
                );
            }
        }
    }
    status
}

fn same_file(irp: &Irp, file: &Arc<FileObject>) -> bool {
    Arc::ptr_eq(&irp.file, file)
}

/// Implements NtCancelIoFile(FileHandle, IoStatusBlock): the calling
/// thread's requests on the file.
pub fn NtCancelIoFile(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let file = crate::ob::reference_typed::<FileObject>(a[0])?;
        user::write(a[1], &[0u64; 2])?;
        let me = crate::ps::current_thread_id();
        cancel(|i| same_file(i, &file) && i.thread_id == me && !i.synchronous);
        Ok(())
    };
    NtStatus::from_result(run())
}

/// Implements NtCancelIoFileEx(FileHandle, IoRequestToCancel,
/// IoStatusBlock): the file's requests from any thread, or only the one
/// whose IO_STATUS_BLOCK is IoRequestToCancel. STATUS_NOT_FOUND when
/// there was none.
pub fn NtCancelIoFileEx(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let file = crate::ob::reference_typed::<FileObject>(a[0])?;
        user::write(a[2], &[0u64; 2])?;
        let which = a[1];
        let n = cancel(|i| same_file(i, &file) && (which == 0 || i.iosb == which));
        if n == 0 {
            return Err(STATUS_NOT_FOUND);
        }
        Ok(())
    };
    NtStatus::from_result(run())
}

/// Implements NtCancelSynchronousIoFile(ThreadHandle, IoRequestToCancel,
/// IoStatusBlock): the synchronous request the thread is waiting in.
pub fn NtCancelSynchronousIoFile(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let thread = crate::ob::reference_typed::<Thread>(a[0])?;
        user::write(a[2], &[0u64; 2])?;
        let which = a[1];
        let n = cancel(|i| {
            i.synchronous
                && i.thread.as_ref().is_some_and(|t| Arc::ptr_eq(t, &thread))
                && (which == 0 || i.iosb == which)
        });
        if n == 0 {
            return Err(STATUS_NOT_FOUND);
        }
        Ok(())
    };
    NtStatus::from_result(run())
}
