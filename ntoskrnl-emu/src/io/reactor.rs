//! The reactor: one host thread that waits in epoll for the descriptors
//! of pending requests to become ready, then moves the data and completes
//! the requests. Requests on one file queue behind each other in issue
//! order, reads apart from writes, as a pipe keeps them.

use super::irp::{complete_attempt, Irp, Op};
use super::FileObject;
use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex, OnceLock};
use syscalls::*;

/// The outcome of one try at a request.
pub enum Attempt {
    Done(NtStatus, u64),
    WouldBlock,
}

struct Watch {
    /// Keeps the file object, and with it the descriptor waited on, alive
    /// while the watch is registered.
    _file: Arc<FileObject>,
    /// The descriptor waited on: the file's own, or for change
    /// notifications the directory watch's inotify descriptor.
    fd: i32,
    reads: VecDeque<Arc<Irp>>,
    writes: VecDeque<Arc<Irp>>,
    registered: bool,
}

struct Reactor {
    epfd: OwnedFd,
    watches: Mutex<HashMap<usize, Watch>>,
}

static REACTOR: OnceLock<Reactor> = OnceLock::new();

fn reactor() -> &'static Reactor {
    REACTOR.get_or_init(|| {
        // SAFETY: epoll_create1 returns a new descriptor or -1.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(
            fd >= 0,
            "epoll_create1: {}",
            std::io::Error::last_os_error()
        );
        std::thread::Builder::new()
            .name("casement-io".into())
            .spawn(run)
            .expect("start the I/O reactor thread");
        Reactor {
            // SAFETY: a fresh descriptor we own.
            epfd: unsafe { OwnedFd::from_raw_fd(fd) },
            watches: Mutex::new(HashMap::new()),
        }
    })
}

fn key(file: &Arc<FileObject>) -> usize {
    Arc::as_ptr(file) as usize
}

/// Reads, and change notifications, wait for their descriptor to be
/// readable.
fn is_read(irp: &Irp) -> bool {
    matches!(irp.op, Op::Read { .. } | Op::Notify { .. })
}

fn fd_of(irp: &Irp) -> i32 {
    match irp.op {
        Op::Notify { inotify, .. } => inotify,
        _ => irp.file.raw(),
    }
}

/// Updates the epoll interest of a watch; returns false when the watch has
/// nothing left to wait for (the caller removes it).
fn rearm(r: &Reactor, key: usize, w: &mut Watch) -> bool {
    let mut events = 0u32;
    if !w.reads.is_empty() {
        events |= (libc::EPOLLIN | libc::EPOLLRDHUP) as u32;
    }
    if !w.writes.is_empty() {
        events |= libc::EPOLLOUT as u32;
    }
    let fd = w.fd;
    if events == 0 {
        if w.registered {
            // SAFETY: removing a descriptor we registered; errors (it may
            // have been replaced or closed) leave nothing to undo.
            unsafe {
                libc::epoll_ctl(
                    r.epfd.as_raw_fd(),
                    libc::EPOLL_CTL_DEL,
                    fd,
                    std::ptr::null_mut(),
                )
            };
        }
        return false;
    }
    let mut ev = libc::epoll_event {
        events,
        u64: key as u64,
    };
    let ops = if w.registered {
        [libc::EPOLL_CTL_MOD, libc::EPOLL_CTL_ADD]
    } else {
        [libc::EPOLL_CTL_ADD, libc::EPOLL_CTL_MOD]
    };
    for op in ops {
        // SAFETY: epoll_ctl with a valid event structure.
        if unsafe { libc::epoll_ctl(r.epfd.as_raw_fd(), op, fd, &mut ev) } == 0 {
            w.registered = true;
            return true;
        }
    }
    log::warn!("epoll_ctl({fd}): {}", std::io::Error::last_os_error());
    true
}

/// Whether requests of this direction are queued on the file: a new one
/// must queue behind them instead of trying at once.
pub fn has_queued(file: &Arc<FileObject>, read: bool) -> bool {
    let Some(r) = REACTOR.get() else {
        return false;
    };
    let w = r.watches.lock().unwrap_or_else(|e| e.into_inner());
    w.get(&key(file)).is_some_and(|w| {
        if read {
            !w.reads.is_empty()
        } else {
            !w.writes.is_empty()
        }
    })
}

/// Queues a pending read or write until its descriptor is ready.
pub fn submit(irp: Arc<Irp>) {
    let r = reactor();
    let k = key(&irp.file);
    let mut watches = r.watches.lock().unwrap_or_else(|e| e.into_inner());
    if irp.is_done() {
        // Cancelled before it got here.
        return;
    }
    let w = watches.entry(k).or_insert_with(|| Watch {
        _file: irp.file.clone(),
        fd: fd_of(&irp),
        reads: VecDeque::new(),
        writes: VecDeque::new(),
        registered: false,
    });
    if is_read(&irp) {
        w.reads.push_back(irp);
    } else {
        w.writes.push_back(irp);
    }
    if !rearm(r, k, w) {
        watches.remove(&k);
    }
}

/// Drops a request from the queues (it was cancelled or failed).
pub fn forget(irp: &Arc<Irp>) {
    let Some(r) = REACTOR.get() else {
        return;
    };
    let k = key(&irp.file);
    let mut watches = r.watches.lock().unwrap_or_else(|e| e.into_inner());
    let Some(w) = watches.get_mut(&k) else {
        return;
    };
    w.reads.retain(|i| !Arc::ptr_eq(i, irp));
    w.writes.retain(|i| !Arc::ptr_eq(i, irp));
    if !rearm(r, k, w) {
        watches.remove(&k);
    }
}

/// Moves what can be moved for the pending requests of a file now, in
/// the calling thread: a write to a pipe completes the reads waiting at its
/// other end in the writer's context, as the pipe file system does on
/// Windows, instead of a round trip through the reactor thread.
pub fn drive(file: &Arc<FileObject>) {
    let Some(r) = REACTOR.get() else {
        return;
    };
    let k = key(file);
    let mut watches = r.watches.lock().unwrap_or_else(|e| e.into_inner());
    let Some(w) = watches.get_mut(&k) else {
        return;
    };
    drain(&mut w.reads);
    drain(&mut w.writes);
    if !rearm(r, k, w) {
        watches.remove(&k);
    }
}

fn drain(queue: &mut VecDeque<Arc<Irp>>) {
    while let Some(front) = queue.front() {
        if !front.begin_attempt() {
            // Completed (cancelled) meanwhile.
            queue.pop_front();
            continue;
        }
        match super::dispatch::attempt(front) {
            Attempt::Done(status, info) => {
                let irp = queue.pop_front().expect("front exists");
                complete_attempt(&irp, status, info, false);
            }
            Attempt::WouldBlock => {
                front.end_attempt();
                break;
            }
        }
    }
}

fn run() {
    let r = loop {
        // The thread starts inside REACTOR's initialisation.
        if let Some(r) = REACTOR.get() {
            break r;
        }
        std::thread::yield_now();
    };
    let mut events = [libc::epoll_event { events: 0, u64: 0 }; 64];
    loop {
        // SAFETY: epoll_wait into our array.
        let n = unsafe {
            libc::epoll_wait(
                r.epfd.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as i32,
                -1,
            )
        };
        if n < 0 {
            continue; // EINTR
        }
        for ev in &events[..n as usize] {
            let k = ev.u64 as usize;
            let mut watches = r.watches.lock().unwrap_or_else(|e| e.into_inner());
            let Some(w) = watches.get_mut(&k) else {
                continue;
            };
            drain(&mut w.reads);
            drain(&mut w.writes);
            if !rearm(r, k, w) {
                watches.remove(&k);
            }
        }
    }
}
