//! Waiting on an address: RtlWaitOnAddress, RtlWakeAddressSingle and
//! RtlWakeAddressAll (kernel32's WaitOnAddress, WakeByAddressSingle and
//! WakeByAddressAll).
//!
//! The value waited on is 1, 2, 4 or 8 bytes at any alignment, so it cannot
//! be a host futex itself. Waiters queue instead in a table of wait queues
//! hashed by address, as Windows keeps them, each waiter parking on a futex
//! word of its own: a wake takes exactly the waiters of its address, in
//! arrival order, and never one of another address that shares the queue.
//! A waiter compares the value under its queue's lock, and a waker takes
//! that lock after changing the value, so no wake-up is lost.

use crate::futex::{self, Deadline, Wake};
use core::sync::atomic::{
    fence, AtomicU32, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
    Ordering::SeqCst,
};
use std::sync::{Mutex, MutexGuard};
use syscalls::{NtStatus, STATUS_INVALID_PARAMETER, STATUS_SUCCESS, STATUS_TIMEOUT};

/// One thread in RtlWaitOnAddress; lives on its stack while queued.
struct Waiter {
    address: usize,
    /// Set to 1 by the waker that dequeued it: the futex word it parks on.
    woken: AtomicU32,
}

struct Queue {
    /// Queued waiters, so a wake with none skips the lock.
    waiting: AtomicUsize,
    /// The queued waiters (addresses of their `Waiter`), oldest first.
    waiters: Mutex<Vec<usize>>,
}

const QUEUES: usize = 256;
static TABLE: [Queue; QUEUES] = [const {
    Queue {
        waiting: AtomicUsize::new(0),
        waiters: Mutex::new(Vec::new()),
    }
}; QUEUES];

fn queue(address: usize) -> &'static Queue {
    // Fibonacci hashing: the top bits of the product spread neighbouring
    // addresses over the table.
    &TABLE[(address.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (usize::BITS - 8)) % QUEUES]
}

fn lock(q: &Queue) -> MutexGuard<'_, Vec<usize>> {
    q.waiters.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads the `size`-byte value at `p`, at any alignment.
///
/// # Safety
/// `p` must be readable for `size` bytes.
unsafe fn load(p: *const u8, size: usize) -> u64 {
    if (p as usize).is_multiple_of(size) {
        // An aligned load of the whole value, atomic as on Windows.
        match size {
            1 => core::ptr::read_volatile(p) as u64,
            2 => core::ptr::read_volatile(p as *const u16) as u64,
            4 => core::ptr::read_volatile(p as *const u32) as u64,
            _ => core::ptr::read_volatile(p as *const u64),
        }
    } else {
        let mut bytes = [0u8; 8];
        for (i, b) in bytes.iter_mut().enumerate().take(size) {
            *b = core::ptr::read_volatile(p.add(i));
        }
        u64::from_le_bytes(bytes)
    }
}

/// Implements RtlWaitOnAddress(Address, CompareAddress, AddressSize,
/// Timeout): sleeps while the `AddressSize` bytes at Address equal those at
/// CompareAddress, until a wake for Address or the timeout (an NT timeout:
/// NULL is infinite, negative relative, else absolute). STATUS_SUCCESS when
/// the values differ or a wake came (possibly spurious, as documented),
/// STATUS_TIMEOUT, or STATUS_INVALID_PARAMETER for a size other than 1, 2,
/// 4 or 8.
pub extern "win64" fn RtlWaitOnAddress(
    address: *const u8,
    compare: *const u8,
    size: usize,
    timeout: *const i64,
) -> NtStatus {
    if !matches!(size, 1 | 2 | 4 | 8) {
        return STATUS_INVALID_PARAMETER;
    }
    let deadline = Deadline::from_nt_timeout(timeout);
    let q = queue(address as usize);
    let me = Waiter {
        address: address as usize,
        woken: AtomicU32::new(0),
    };
    {
        let mut waiters = lock(q);
        // Counted before the value is read: a waker that changes the value
        // and then finds no one counted cannot miss this waiter (the fences
        // pair with the one in `wake`).
        q.waiting.fetch_add(1, SeqCst);
        fence(SeqCst);
        // SAFETY: the caller passes two values of `size` bytes.
        if unsafe { load(address, size) != load(compare, size) } {
            q.waiting.fetch_sub(1, Relaxed);
            return STATUS_SUCCESS;
        }
        waiters.push(&me as *const Waiter as usize);
    }
    loop {
        let result = futex::wait(&me.woken, 0, deadline);
        // The waker dequeues, sets `woken` and wakes the futex all under
        // the queue lock: once the lock is ours, `me` is no longer in use.
        let mut waiters = lock(q);
        if me.woken.load(Acquire) != 0 {
            return STATUS_SUCCESS;
        }
        if result == Wake::TimedOut {
            let at = waiters
                .iter()
                .position(|&w| w == &me as *const Waiter as usize);
            if let Some(at) = at {
                waiters.remove(at);
                q.waiting.fetch_sub(1, Relaxed);
            }
            return STATUS_TIMEOUT;
        }
        // Interrupted by a host signal: wait on.
    }
}

/// Dequeues and wakes up to `n` waiters on `address`, oldest first.
fn wake(address: usize, mut n: usize) {
    let q = queue(address);
    fence(SeqCst);
    if q.waiting.load(Relaxed) == 0 {
        return;
    }
    let mut waiters = lock(q);
    waiters.retain(|&w| {
        // SAFETY: a queued waiter stays alive until it has taken this lock
        // after being dequeued (see RtlWaitOnAddress).
        let waiter = unsafe { &*(w as *const Waiter) };
        if n == 0 || waiter.address != address {
            return true;
        }
        n -= 1;
        waiter.woken.store(1, Release);
        futex::wake(&waiter.woken, 1);
        q.waiting.fetch_sub(1, Relaxed);
        false
    });
}

/// Implements RtlWakeAddressSingle(Address).
pub extern "win64" fn RtlWakeAddressSingle(address: *const u8) {
    wake(address as usize, 1);
}

/// Implements RtlWakeAddressAll(Address).
pub extern "win64" fn RtlWakeAddressAll(address: *const u8) {
    wake(address as usize, usize::MAX);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;

    #[test]
    fn different_value_returns_at_once() {
        let v = 5u16;
        let c = 6u16;
        let st = RtlWaitOnAddress(
            &v as *const u16 as *const u8,
            &c as *const u16 as *const u8,
            2,
            core::ptr::null(),
        );
        assert_eq!(st, STATUS_SUCCESS);
    }

    #[test]
    fn bad_size_and_timeout() {
        let v = 0u64;
        let p = &v as *const u64 as *const u8;
        assert_eq!(
            RtlWaitOnAddress(p, p, 5, core::ptr::null()),
            STATUS_INVALID_PARAMETER
        );
        let t = -10_000i64;
        assert_eq!(RtlWaitOnAddress(p, p, 8, &t), STATUS_TIMEOUT);
        // The timed-out waiter left its queue. Other tests' waiters may
        // share the queue (addresses hash to queues) for a moment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while queue(p as usize).waiting.load(Relaxed) != 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "a waiter stayed queued"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    #[test]
    fn wake_single_wakes_a_waiter() {
        let v = Arc::new(AtomicU64::new(0));
        let v2 = v.clone();
        let t = std::thread::spawn(move || {
            let zero = 0u64;
            while v2.load(SeqCst) == 0 {
                RtlWaitOnAddress(
                    v2.as_ptr() as *const u8,
                    &zero as *const u64 as *const u8,
                    8,
                    core::ptr::null(),
                );
            }
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        v.store(1, SeqCst);
        RtlWakeAddressSingle(v.as_ptr() as *const u8);
        t.join().unwrap();
    }
}
