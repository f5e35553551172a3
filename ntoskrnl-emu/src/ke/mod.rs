//! Dispatcher objects and waits.
//!
//! Waits park on futexes: each dispatcher object has a 32-bit signal word
//! that waiters sleep on and signallers wake. No global lock, no polling.

pub mod event;
pub mod wait;

use std::sync::atomic::AtomicU32;

/// A dispatcher object that can be waited on.
pub trait Waitable: Send + Sync {
    /// The futex word waiters sleep on; it changes whenever the object may
    /// have become signalled.
    fn futex(&self) -> &AtomicU32;
    /// Tries to satisfy a wait: returns true (and consumes the signal for
    /// auto-reset objects) if the object is signalled.
    fn try_acquire(&self) -> bool;
}

/// Host futex helpers.
pub mod futex {
    use std::sync::atomic::AtomicU32;
    use std::time::Duration;

    /// Sleeps while `*word == expected`, at most `timeout`. Spurious returns
    /// are allowed; callers re-check their condition.
    pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
        let ts = timeout.map(|d| libc::timespec {
            tv_sec: d.as_secs().min(i64::MAX as u64) as libc::time_t,
            tv_nsec: d.subsec_nanos() as libc::c_long,
        });
        let tsp = ts
            .as_ref()
            .map_or(core::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: FUTEX_WAIT on a valid, aligned u32 that outlives the call.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                expected,
                tsp,
            );
        }
    }

    /// Wakes up to `n` waiters.
    pub fn wake(word: &AtomicU32, n: i32) {
        // SAFETY: FUTEX_WAKE on a valid, aligned u32.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
                n,
            );
        }
    }
}
