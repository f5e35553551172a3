//! Dispatcher objects and waits.
//!
//! Waits park on futexes: each dispatcher object has a 32-bit signal word
//! that single-object waiters sleep on and signallers wake. A wait on
//! several objects sleeps on a word of its own, a wait block, registered
//! under the signal word of each object it waits on (see [`waitlist`]);
//! [`futex::wake`] wakes those blocks too, so every signal path reaches
//! both kinds of waiter. No global lock, no polling.

pub mod event;
pub mod keyed;
pub mod mutant;
pub mod semaphore;
pub mod timer;
pub mod trap;
pub mod wait;
pub mod waitlist;

pub use mutant::abandon_owned_by;

use std::sync::atomic::{AtomicU32, Ordering};

/// How a wait on one object was satisfied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquired {
    /// Not signalled: the wait goes on.
    No,
    /// Signalled; the wait took what it consumes (an auto-reset signal, a
    /// semaphore count, mutant ownership).
    Yes,
    /// A mutant whose owner ended without releasing it: the waiter now owns
    /// it, and the wait reports STATUS_ABANDONED_WAIT_0 + index.
    Abandoned,
}

/// A dispatcher object that can be waited on.
///
/// Only `futex` and `try_acquire` are required. The other methods have
/// defaults that are right for objects whose signal is never consumed by a
/// wait (a thread, a process); an object whose `try_acquire` consumes
/// something must also override `is_signalled` and `undo_acquire`.
pub trait Waitable: Send + Sync {
    /// The futex word waiters sleep on; it changes whenever the object may
    /// have become signalled, and the signal path wakes it with
    /// [`futex::wake`].
    fn futex(&self) -> &AtomicU32;
    /// Tries to satisfy a wait: returns true (and consumes the signal for
    /// auto-reset objects) if the object is signalled.
    fn try_acquire(&self) -> bool;
    /// Tries to satisfy a wait that has been watching the object since its
    /// futex word read `since`. Returns the outcome and the word's value the
    /// decision was based on, which the waiter sleeps on next. Objects
    /// override it to report abandonment (mutants) or to release waiters
    /// that were waiting when a PulseEvent came and went (events).
    fn acquire(&self, since: u32) -> (Acquired, u32) {
        let _ = since;
        // Read the word before testing, so that a change after the test
        // ends the sleep that follows.
        let now = self.futex().load(Ordering::Acquire);
        let got = if self.try_acquire() {
            Acquired::Yes
        } else {
            Acquired::No
        };
        (got, now)
    }
    /// Whether a wait would be satisfied now, without consuming anything
    /// (WaitAll looks at every object before it takes any).
    fn is_signalled(&self) -> bool {
        self.try_acquire()
    }
    /// Gives back what a successful `acquire` took (WaitAll lost a race for
    /// a later object and takes none).
    fn undo_acquire(&self, how: Acquired) {
        let _ = how;
    }
}

/// The calling thread's Windows thread id, as owners of mutants are
/// recorded.
pub fn current_thread_id() -> u32 {
    crate::ps::current_thread_id()
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

    /// Wakes up to `n` waiters sleeping on `word` itself, and every
    /// multiple-object wait registered under it (their wait blocks).
    pub fn wake(word: &AtomicU32, n: i32) {
        wake_only(word, n);
        super::waitlist::notify(word);
    }

    /// Wakes up to `n` waiters sleeping on `word` itself, nothing else.
    pub fn wake_only(word: &AtomicU32, n: i32) {
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
