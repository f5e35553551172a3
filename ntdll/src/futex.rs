//! Parking on host futexes with NT timeouts, shared by the user-mode
//! synchronization primitives (condition variables, run-once, address
//! waits). Windows' ntdll parks such waits with NtWaitForAlertByThreadId;
//! casement parks them on a futex word, as sync.rs does for locks.

use core::sync::atomic::AtomicU32;

/// Seconds between 1601-01-01 (the NT epoch) and 1970-01-01.
const NT_EPOCH_OFFSET_SECS: i64 = 11_644_473_600;

/// When a wait gives up: an absolute point on one of the host's clocks.
#[derive(Clone, Copy)]
pub enum Deadline {
    Never,
    /// A relative NT timeout, counted on CLOCK_MONOTONIC.
    Monotonic(libc::timespec),
    /// An absolute NT system time, counted on CLOCK_REALTIME.
    Realtime(libc::timespec),
}

fn now(clock: libc::clockid_t) -> libc::timespec {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts
}

fn add_100ns(ts: libc::timespec, units: i64) -> libc::timespec {
    let total = ts.tv_nsec + (units % 10_000_000) * 100;
    libc::timespec {
        tv_sec: ts.tv_sec + units / 10_000_000 + total / 1_000_000_000,
        tv_nsec: total % 1_000_000_000,
    }
}

impl Deadline {
    /// The deadline of an NT timeout (a PLARGE_INTEGER as NtWaitFor* take
    /// it): NULL waits forever, a negative value is relative in 100-ns
    /// units, zero or a positive value an absolute system time (100-ns units
    /// since 1601).
    pub fn from_nt_timeout(timeout: *const i64) -> Deadline {
        if timeout.is_null() {
            return Deadline::Never;
        }
        // SAFETY: the caller passes a LARGE_INTEGER.
        let t = unsafe { core::ptr::read_volatile(timeout) };
        if t < 0 {
            // -i64::MIN overflows: clamp to the longest relative wait.
            Deadline::Monotonic(add_100ns(now(libc::CLOCK_MONOTONIC), t.saturating_neg()))
        } else {
            let secs = t / 10_000_000 - NT_EPOCH_OFFSET_SECS;
            // A time before 1970 has passed already; the host rejects
            // negative times.
            Deadline::Realtime(libc::timespec {
                tv_sec: secs.max(0),
                tv_nsec: if secs < 0 { 0 } else { (t % 10_000_000) * 100 },
            })
        }
    }

    /// The deadline `ms` milliseconds from now; INFINITE waits forever.
    pub fn from_millis(ms: u32) -> Deadline {
        if ms == u32::MAX {
            Deadline::Never
        } else {
            Deadline::Monotonic(add_100ns(now(libc::CLOCK_MONOTONIC), ms as i64 * 10_000))
        }
    }
}

/// Why a wait returned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Wake {
    /// Woken, the word no longer held the expected value, or spuriously:
    /// the caller re-checks its condition.
    Woken,
    TimedOut,
}

/// Sleeps while `word` holds `expected`, until woken or `deadline`.
pub fn wait(word: &AtomicU32, expected: u32, deadline: Deadline) -> Wake {
    let (op, ts) = match &deadline {
        Deadline::Never => (libc::FUTEX_WAIT_BITSET, core::ptr::null()),
        Deadline::Monotonic(ts) => (libc::FUTEX_WAIT_BITSET, ts as *const libc::timespec),
        Deadline::Realtime(ts) => (
            libc::FUTEX_WAIT_BITSET | libc::FUTEX_CLOCK_REALTIME,
            ts as *const libc::timespec,
        ),
    };
    // SAFETY: FUTEX_WAIT_BITSET on a valid, aligned 32-bit word with an
    // absolute timeout we own (or none).
    let r = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            op | libc::FUTEX_PRIVATE_FLAG,
            expected,
            ts,
            0usize,
            libc::FUTEX_BITSET_MATCH_ANY,
        )
    };
    if r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ETIMEDOUT) {
        Wake::TimedOut
    } else {
        Wake::Woken
    }
}

/// Wakes up to `n` threads sleeping on `word`.
pub fn wake(word: *const AtomicU32, n: i32) {
    // SAFETY: FUTEX_WAKE only uses the address as a key; it never touches
    // memory, so a word whose owner has since returned is harmless.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word as *const u32,
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            n,
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_deadline_passes() {
        let word = AtomicU32::new(0);
        let t = -10_000i64; // 1 ms
        assert_eq!(
            wait(&word, 0, Deadline::from_nt_timeout(&t)),
            Wake::TimedOut
        );
    }

    #[test]
    fn absolute_deadline_in_the_past_times_out_at_once() {
        let word = AtomicU32::new(0);
        let t = 0i64; // 1601
        assert_eq!(
            wait(&word, 0, Deadline::from_nt_timeout(&t)),
            Wake::TimedOut
        );
    }

    #[test]
    fn changed_word_returns_at_once() {
        let word = AtomicU32::new(1);
        assert_eq!(wait(&word, 0, Deadline::Never), Wake::Woken);
    }

    #[test]
    fn carries_nanoseconds() {
        let ts = add_100ns(
            libc::timespec {
                tv_sec: 1,
                tv_nsec: 999_999_900,
            },
            1,
        );
        assert_eq!((ts.tv_sec, ts.tv_nsec), (2, 0));
    }
}
