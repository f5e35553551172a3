//! Creation, exit, kernel and user times of threads and the process
//! (NtQueryInformationThread/Process ThreadTimes/ProcessTimes, behind
//! GetThreadTimes and GetProcessTimes), from the host's CPU accounting.
//!
//! A host thread runs many Windows threads one after another (the host
//! thread pool of `thread.rs`), so a Windows thread's CPU time is the host
//! thread's accounting now minus what it was when the Windows thread
//! started there.

use crate::ex::time::system_time_100ns;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};

/// KERNEL_USER_TIMES: all four in 100-ns units; the first two are FILETIMEs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelUserTimes {
    pub create: i64,
    pub exit: i64,
    pub kernel: u64,
    pub user: u64,
}

impl KernelUserTimes {
    pub fn to_bytes(self) -> [u8; 32] {
        let mut b = [0u8; 32];
        b[0..8].copy_from_slice(&self.create.to_le_bytes());
        b[8..16].copy_from_slice(&self.exit.to_le_bytes());
        b[16..24].copy_from_slice(&self.kernel.to_le_bytes());
        b[24..32].copy_from_slice(&self.user.to_le_bytes());
        b
    }
}

/// (kernel, user) CPU time in 100-ns units from a getrusage scope.
fn rusage(who: libc::c_int) -> (u64, u64) {
    // SAFETY: getrusage fills a struct we own.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut ru);
        ru
    };
    let t = |tv: libc::timeval| tv.tv_sec as u64 * 10_000_000 + tv.tv_usec as u64 * 10;
    (t(ru.ru_stime), t(ru.ru_utime))
}

/// (kernel, user) CPU time of another host thread of this process, from
/// /proc/self/task/TID/stat (stime and utime, in clock ticks).
fn task_times(tid: u32) -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: the fields
    // after it start past the last ')'. utime and stime are fields 14 and 15
    // of the whole line, so 12 and 13 after the name.
    let mut rest = stat[stat.rfind(')')? + 1..].split_whitespace().skip(11);
    let utime: u64 = rest.next()?.parse().ok()?;
    let stime: u64 = rest.next()?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some((stime * 10_000_000 / hz, utime * 10_000_000 / hz))
}

/// The times of one thread.
#[derive(Debug, Default)]
pub struct ThreadTimes {
    create: AtomicI64,
    exit: AtomicI64,
    /// The host thread running it (0 until it starts).
    host_tid: AtomicU32,
    /// The host thread's accounting when this thread started there.
    base_kernel: AtomicU64,
    base_user: AtomicU64,
    /// Final totals, set when the thread ends.
    kernel: AtomicU64,
    user: AtomicU64,
}

impl ThreadTimes {
    /// Times of a thread created now.
    pub fn created_now() -> ThreadTimes {
        let t = ThreadTimes::default();
        t.create.store(system_time_100ns(), Ordering::Relaxed);
        t
    }

    /// Called on the host thread that is about to run the thread.
    pub fn started(&self, host_tid: u32) {
        let (k, u) = rusage(libc::RUSAGE_THREAD);
        self.base_kernel.store(k, Ordering::Relaxed);
        self.base_user.store(u, Ordering::Relaxed);
        self.host_tid.store(host_tid, Ordering::Release);
    }

    /// Called on the thread's own host thread as it ends, before waiters
    /// are woken, so they see final figures.
    pub fn ended(&self) {
        let (k, u) = rusage(libc::RUSAGE_THREAD);
        self.kernel.store(
            k.saturating_sub(self.base_kernel.load(Ordering::Relaxed)),
            Ordering::Relaxed,
        );
        self.user.store(
            u.saturating_sub(self.base_user.load(Ordering::Relaxed)),
            Ordering::Relaxed,
        );
        self.exit.store(system_time_100ns(), Ordering::Release);
    }

    /// The times now. `on_own_thread`: the caller is this thread, whose
    /// accounting getrusage reads exactly.
    pub fn query(&self, on_own_thread: bool) -> KernelUserTimes {
        let create = self.create.load(Ordering::Relaxed);
        let exit = self.exit.load(Ordering::Acquire);
        if exit != 0 {
            return KernelUserTimes {
                create,
                exit,
                kernel: self.kernel.load(Ordering::Relaxed),
                user: self.user.load(Ordering::Relaxed),
            };
        }
        let tid = self.host_tid.load(Ordering::Acquire);
        let now = if on_own_thread {
            Some(rusage(libc::RUSAGE_THREAD))
        } else if tid != 0 {
            task_times(tid)
        } else {
            None // created suspended and never run: no CPU time yet
        };
        let (k, u) = now.unwrap_or((0, 0));
        let base_k = self.base_kernel.load(Ordering::Relaxed);
        let base_u = self.base_user.load(Ordering::Relaxed);
        KernelUserTimes {
            create,
            exit: 0,
            kernel: if tid == 0 {
                0
            } else {
                k.saturating_sub(base_k)
            },
            user: if tid == 0 {
                0
            } else {
                u.saturating_sub(base_u)
            },
        }
    }
}

/// When the process was created (FILETIME), set once at process creation.
static PROCESS_CREATE_TIME: AtomicI64 = AtomicI64::new(0);

pub fn process_created_now() {
    PROCESS_CREATE_TIME.store(system_time_100ns(), Ordering::Relaxed);
}

/// The process's times: every thread's CPU time, ended or running.
pub fn process_times() -> KernelUserTimes {
    let (kernel, user) = rusage(libc::RUSAGE_SELF);
    KernelUserTimes {
        create: PROCESS_CREATE_TIME.load(Ordering::Relaxed),
        exit: 0,
        kernel,
        user,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This thread's CPU time in nanoseconds.
    fn cpu_ns() -> u64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime fills the timespec.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    }

    /// Burns `ms` milliseconds of this thread's CPU time (not wall time: on
    /// a loaded machine the two differ a lot).
    fn spin(ms: u64) {
        let end = cpu_ns() + ms * 1_000_000;
        let mut x = 0u64;
        while cpu_ns() < end {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }

    #[test]
    fn a_thread_counts_only_its_own_cpu_time() {
        // CPU time spent on the host thread before the Windows thread
        // started there is not the Windows thread's.
        spin(60);
        let t = ThreadTimes::created_now();
        t.started(super::super::gettid());
        let before = t.query(true);
        assert!(before.kernel + before.user < 300_000, "{before:?}");
        spin(60);
        let running = t.query(true);
        assert!(running.user + running.kernel >= 300_000, "{running:?}");
        assert_eq!(running.exit, 0);
        t.ended();
        let ended = t.query(false);
        assert!(ended.exit >= ended.create && ended.create > 0);
        assert!(ended.user + ended.kernel >= running.user + running.kernel);
    }

    #[test]
    fn another_threads_times_come_from_proc() {
        let tid = super::super::gettid();
        let (k, u) = task_times(tid).expect("/proc/self/task/TID/stat");
        let (k2, u2) = rusage(libc::RUSAGE_THREAD);
        // Same accounting, coarser units: never ahead of getrusage by
        // more than a tick.
        assert!(k + u <= k2 + u2 + 200_000, "{k}+{u} vs {k2}+{u2}");
    }
}
