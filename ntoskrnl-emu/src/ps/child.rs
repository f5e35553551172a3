//! Child processes seen from their parent, and the private channel between
//! the two.
//!
//! One Windows process is one Linux process with its own executive. The
//! parent holds a child as a pidfd: a watcher thread waits in epoll for the
//! pidfds of live children, reaps each child when it ends and signals its
//! process and thread objects. A Linux exit status keeps only 8 bits, so
//! the child reports its full 32-bit exit code through a side channel: a
//! pipe whose write end it inherits and writes 4 bytes to just before it
//! exits ([`report_exit`]).
//!
//! The creation spec (image, command line, environment, current directory,
//! inherited handles) reaches the child in a memfd whose descriptor number
//! is in the environment variable [`SPEC_ENV`]; the child reads it and
//! removes the variable before anything else runs (see src/spawned.rs).

use super::{Process, Thread};
use crate::ke::futex;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The environment variable that tells a casement started by CreateProcess
/// where its creation spec is. Users never set it; the child removes it.
pub const SPEC_ENV: &str = "CASEMENT_SPAWN_SPEC_FD";

/// A handle the child inherits: its value (the same as in the parent, as on
/// Windows), the descriptor the child finds it at, and its access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InheritedHandle {
    pub value: u64,
    pub fd: i32,
    pub access: u32,
}

/// What the parent passes to the child.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChildSpec {
    /// Host path of the image.
    pub image_file: Vec<u8>,
    /// The image's DOS path.
    pub image_path: String,
    pub command_line: String,
    /// DOS form with a trailing backslash.
    pub current_directory: String,
    /// UTF-16 `NAME=value\0...\0\0`.
    pub environment: Vec<u16>,
    /// The standard handles' values in the parent's parameters; descriptors
    /// 0, 1 and 2 hold them (0: none).
    pub std_values: [u64; 3],
    pub handles: Vec<InheritedHandle>,
    /// Where the child writes its exit code.
    pub exit_fd: i32,
    /// A child created suspended waits for a byte on this descriptor
    /// before it runs anything (-1: not suspended).
    pub resume_fd: i32,
}

const SPEC_MAGIC: u32 = 0x4353_5043; // "CPSC"

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend((b.len() as u32).to_le_bytes());
    out.extend(b);
}

impl ChildSpec {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.environment.len() * 2);
        out.extend(SPEC_MAGIC.to_le_bytes());
        put_bytes(&mut out, &self.image_file);
        put_bytes(&mut out, self.image_path.as_bytes());
        put_bytes(&mut out, self.command_line.as_bytes());
        put_bytes(&mut out, self.current_directory.as_bytes());
        let env: Vec<u8> = self
            .environment
            .iter()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        put_bytes(&mut out, &env);
        for v in self.std_values {
            out.extend(v.to_le_bytes());
        }
        out.extend((self.handles.len() as u32).to_le_bytes());
        for h in &self.handles {
            out.extend(h.value.to_le_bytes());
            out.extend(h.fd.to_le_bytes());
            out.extend(h.access.to_le_bytes());
        }
        out.extend(self.exit_fd.to_le_bytes());
        out.extend(self.resume_fd.to_le_bytes());
        out
    }

    /// Parses a spec; None when it is malformed (every length checked).
    pub fn decode(data: &[u8]) -> Option<ChildSpec> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Option<&[u8]> {
            let s = data.get(at..at.checked_add(n)?)?;
            at += n;
            Some(s)
        };
        let u32_of = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap_or([0; 4]));
        let u64_of = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
        if u32_of(take(4)?) != SPEC_MAGIC {
            return None;
        }
        let mut bytes = || -> Option<Vec<u8>> {
            let n = u32_of(take(4)?) as usize;
            take(n).map(<[u8]>::to_vec)
        };
        let image_file = bytes()?;
        let image_path = String::from_utf8(bytes()?).ok()?;
        let command_line = String::from_utf8(bytes()?).ok()?;
        let current_directory = String::from_utf8(bytes()?).ok()?;
        let env = bytes()?;
        if env.len() % 2 != 0 {
            return None;
        }
        let environment = env
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let mut std_values = [0u64; 3];
        for v in &mut std_values {
            *v = u64_of(take(8)?);
        }
        let count = u32_of(take(4)?) as usize;
        if count > data.len() / 16 {
            return None;
        }
        let mut handles = Vec::with_capacity(count);
        for _ in 0..count {
            let value = u64_of(take(8)?);
            let fd = u32_of(take(4)?) as i32;
            let access = u32_of(take(4)?);
            handles.push(InheritedHandle { value, fd, access });
        }
        let exit_fd = u32_of(take(4)?) as i32;
        let resume_fd = u32_of(take(4)?) as i32;
        Some(ChildSpec {
            image_file,
            image_path,
            command_line,
            current_directory,
            environment,
            std_values,
            handles,
            exit_fd,
            resume_fd,
        })
    }
}

/// The side-channel descriptor of this process when a casement parent
/// started it (-1 otherwise).
static EXIT_FD: AtomicI32 = AtomicI32::new(-1);

/// Records the descriptor this process reports its exit code on (kept out
/// of the process's own children).
pub fn set_exit_report_fd(fd: i32) {
    // SAFETY: fcntl on a descriptor number; a bad one only fails.
    if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == 0 {
        EXIT_FD.store(fd, Ordering::Relaxed);
    }
}

/// Tells the parent the full exit code (called on the way out).
pub fn report_exit(status: u32) {
    let fd = EXIT_FD.swap(-1, Ordering::Relaxed);
    if fd >= 0 {
        let b = status.to_le_bytes();
        // SAFETY: writing 4 bytes from a local buffer; a pipe takes them
        // at once (PIPE_BUF).
        unsafe { libc::write(fd, b.as_ptr().cast(), 4) };
    }
}

/// The parent's link to a running child.
pub struct ChildLink {
    pub pidfd: OwnedFd,
    /// The read end of the exit-code side channel.
    exit_read: OwnedFd,
    /// The code TerminateProcess gave, for a child it killed.
    terminate_code: Mutex<Option<u32>>,
}

impl ChildLink {
    pub fn new(pidfd: OwnedFd, exit_read: OwnedFd) -> ChildLink {
        ChildLink {
            pidfd,
            exit_read,
            terminate_code: Mutex::new(None),
        }
    }
}

struct Watched {
    process: Arc<Process>,
    thread: Arc<Thread>,
}

struct Watcher {
    epfd: OwnedFd,
    children: Mutex<HashMap<u64, Watched>>,
}

static WATCHER: OnceLock<Watcher> = OnceLock::new();

fn watcher() -> Option<&'static Watcher> {
    if let Some(w) = WATCHER.get() {
        return Some(w);
    }
    // SAFETY: epoll_create1 returns a new descriptor or -1.
    let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if fd < 0 {
        return None;
    }
    // SAFETY: a fresh descriptor we own.
    let epfd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut started = false;
    let w = WATCHER.get_or_init(|| {
        started = true;
        Watcher {
            epfd,
            children: Mutex::new(HashMap::new()),
        }
    });
    if started {
        std::thread::Builder::new()
            .name("casement-children".into())
            .spawn(watch)
            .ok()?;
    }
    Some(w)
}

/// Starts watching a child: its process and first thread objects are
/// signalled when it ends.
pub fn watch_child(process: Arc<Process>, thread: Arc<Thread>) -> bool {
    let Some(w) = watcher() else {
        return false;
    };
    let Some(link) = process.child.as_ref() else {
        return false;
    };
    let key = link.pidfd.as_raw_fd() as u64;
    let mut ev = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: key,
    };
    let mut children = w.children.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: registering a descriptor the Process keeps open while it is
    // in the map.
    let r =
        unsafe { libc::epoll_ctl(w.epfd.as_raw_fd(), libc::EPOLL_CTL_ADD, key as i32, &mut ev) };
    if r != 0 {
        return false;
    }
    children.insert(key, Watched { process, thread });
    true
}

/// The watcher thread: reaps each child that ends and signals its objects.
fn watch() {
    let Some(w) = WATCHER.get() else { return };
    let mut events = [libc::epoll_event { events: 0, u64: 0 }; 16];
    loop {
        // SAFETY: epoll_wait into a local array of 16 events.
        let n = unsafe { libc::epoll_wait(w.epfd.as_raw_fd(), events.as_mut_ptr(), 16, -1) };
        for ev in events.iter().take(n.max(0) as usize) {
            let key = ev.u64;
            let watched = w
                .children
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&key);
            if let Some(c) = watched {
                // SAFETY: removing a descriptor that is still open.
                unsafe {
                    libc::epoll_ctl(
                        w.epfd.as_raw_fd(),
                        libc::EPOLL_CTL_DEL,
                        key as i32,
                        core::ptr::null_mut(),
                    )
                };
                ended(&c);
            }
        }
    }
}

/// Reaps an ended child and records its exit code: the one it reported,
/// else the one TerminateProcess gave, else what Linux kept of it.
fn ended(c: &Watched) {
    let Some(link) = c.process.child.as_ref() else {
        return;
    };
    // SAFETY: a zeroed siginfo filled by waitid on our pidfd (P_PIDFD = 3).
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let r = unsafe {
        libc::waitid(
            3,
            link.pidfd.as_raw_fd() as libc::id_t,
            &mut info,
            libc::WEXITED,
        )
    };
    let mut reported = [0u8; 4];
    // SAFETY: reading up to 4 bytes into a local buffer; the descriptor is
    // non-blocking, and the child has ended so all its bytes are there.
    let got = unsafe { libc::read(link.exit_read.as_raw_fd(), reported.as_mut_ptr().cast(), 4) };
    let terminated = *link
        .terminate_code
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let code = if got == 4 {
        u32::from_le_bytes(reported)
    } else if let Some(t) = terminated {
        t
    } else if r == 0 && info.si_code == libc::CLD_EXITED {
        // SAFETY: si_status is valid for a CLD_EXITED siginfo.
        unsafe { info.si_status() as u32 }
    } else {
        // Killed by a signal nobody in this process sent: Ctrl+C's code
        // for SIGINT, otherwise a generic failure.
        // SAFETY: si_status holds the signal for CLD_KILLED/CLD_DUMPED.
        let sig = if r == 0 {
            unsafe { info.si_status() }
        } else {
            0
        };
        if sig == libc::SIGINT {
            0xC000_013A // STATUS_CONTROL_C_EXIT
        } else {
            1
        }
    };
    // The thread ends before the process is signalled, as on Windows: a
    // waiter the process wakes finds the thread ended too.
    c.thread.exit_status.store(code, Ordering::SeqCst);
    c.thread.state.store(1, Ordering::Release);
    futex::wake(&c.thread.state, i32::MAX);
    c.process.exit_status.store(code, Ordering::SeqCst);
    c.process.ended.store(1, Ordering::Release);
    futex::wake(&c.process.ended, i32::MAX);
    forget_suspended(&c.thread);
}

/// Fails for the first thread of a child process (a Thread object with no
/// TEB here): suspending it, its context, APCs, its settings would need
/// cross-process support.
pub fn local_only(t: &Thread) -> syscalls::NtResult<()> {
    if t.teb == 0 {
        log::warn!("unimplemented: acting on a thread of another process");
        return Err(syscalls::STATUS_NOT_IMPLEMENTED);
    }
    Ok(())
}

/// The resume channels of children created suspended, by their first
/// thread object's address: ResumeThread writes a byte to let one run.
static SUSPENDED: Mutex<Vec<(usize, OwnedFd)>> = Mutex::new(Vec::new());

/// Records the resume channel of a child created suspended.
pub fn add_suspended(thread: &Arc<Thread>, resume_write: OwnedFd) {
    SUSPENDED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((Arc::as_ptr(thread) as usize, resume_write));
}

/// ResumeThread on a child's first thread: the previous suspend count
/// (1 when this lets it run, 0 when it was running).
pub fn resume(thread: &Arc<Thread>) -> u32 {
    let key = Arc::as_ptr(thread) as usize;
    let mut s = SUSPENDED.lock().unwrap_or_else(|e| e.into_inner());
    let Some(i) = s.iter().position(|(k, _)| *k == key) else {
        return 0;
    };
    let (_, fd) = s.swap_remove(i);
    // SAFETY: writing one byte from a static buffer to our pipe end.
    unsafe { libc::write(fd.as_raw_fd(), b"R".as_ptr().cast(), 1) };
    1
}

/// Drops the resume channel of a child that ended (its thread object goes).
fn forget_suspended(thread: &Arc<Thread>) {
    let key = Arc::as_ptr(thread) as usize;
    SUSPENDED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(k, _)| *k != key);
}

/// In a child created suspended: waits until the parent resumes it. If
/// the parent ends first nobody can resume it any more, and it ends.
pub fn wait_for_resume(fd: i32) {
    if fd < 0 {
        return;
    }
    let mut b = [0u8; 1];
    let n = loop {
        // SAFETY: a blocking read of one byte into a local buffer.
        let n = unsafe { libc::read(fd, b.as_mut_ptr().cast(), 1) };
        if n >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            break n;
        }
    };
    // SAFETY: the descriptor was passed for this wait alone.
    unsafe { libc::close(fd) };
    if n != 1 {
        super::terminate_self(syscalls::STATUS_UNSUCCESSFUL.0);
    }
}

/// TerminateProcess on a child: it ends with `code` (SIGKILL through its
/// pidfd; the watcher records the code when it reaps it).
pub fn terminate(process: &Process, code: u32) -> syscalls::NtStatus {
    let Some(link) = process.child.as_ref() else {
        return syscalls::STATUS_INVALID_HANDLE;
    };
    if process.ended.load(Ordering::Acquire) != 0 {
        // Windows: TerminateProcess on a process that has ended fails
        // with ERROR_ACCESS_DENIED.
        return syscalls::STATUS_ACCESS_DENIED;
    }
    {
        let mut t = link
            .terminate_code
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        t.get_or_insert(code);
    }
    // SAFETY: pidfd_send_signal(pidfd, SIGKILL, NULL, 0).
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            link.pidfd.as_raw_fd(),
            libc::SIGKILL,
            core::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if r != 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH) {
        return syscalls::STATUS_ACCESS_DENIED;
    }
    syscalls::STATUS_SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_round_trips_and_rejects_truncation() {
        let spec = ChildSpec {
            image_file: b"/tmp/a b.exe".to_vec(),
            image_path: "Z:\\tmp\\a b.exe".into(),
            command_line: "\"a b\" \"x\\\"y\"".into(),
            current_directory: "Z:\\tmp\\".into(),
            environment: "A=1\0B=2\0\0".encode_utf16().collect(),
            std_values: [4, 8, 0],
            handles: vec![InheritedHandle {
                value: 0x40,
                fd: 5,
                access: 0x12_0089,
            }],
            exit_fd: 4,
            resume_fd: -1,
        };
        let bytes = spec.encode();
        assert_eq!(ChildSpec::decode(&bytes), Some(spec));
        for n in 0..bytes.len() {
            assert_eq!(ChildSpec::decode(&bytes[..n]), None);
        }
    }
}
