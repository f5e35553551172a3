//! The heap lock: a recursive lock, as a Windows heap's is (HeapLock, then
//! HeapAlloc on the same thread, must not deadlock). Uncontended, it is
//! one compare-and-swap; contended, waiters sleep on a futex.

use core::cell::UnsafeCell;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// An identity for the calling host thread that costs no system call: the
/// address of a thread-local.
fn me() -> usize {
    thread_local!(static ID: u8 = const { 0 });
    ID.with(|b| b as *const u8 as usize)
}

pub struct HeapLock {
    /// 0 free, 1 held, 2 held with waiters.
    state: AtomicU32,
    owner: AtomicUsize,
    /// Recursion depth; only the owner touches it.
    depth: UnsafeCell<u32>,
}

// SAFETY: `depth` is only read and written by the thread that holds the
// lock.
unsafe impl Sync for HeapLock {}

fn futex(word: &AtomicU32, op: i32, val: u32) {
    // SAFETY: a futex operation on an aligned 32-bit word we own.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            op | libc::FUTEX_PRIVATE_FLAG,
            val,
            0usize,
        )
    };
}

impl HeapLock {
    pub const fn new() -> HeapLock {
        HeapLock {
            state: AtomicU32::new(0),
            owner: AtomicUsize::new(0),
            depth: UnsafeCell::new(0),
        }
    }

    pub fn lock(&self) {
        let me = me();
        if self.owner.load(Ordering::Relaxed) == me {
            // SAFETY: we hold the lock.
            unsafe { *self.depth.get() += 1 };
            return;
        }
        if self
            .state
            .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            let mut spins = 100;
            loop {
                if spins > 0 {
                    spins -= 1;
                    core::hint::spin_loop();
                    if self
                        .state
                        .compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                    {
                        break;
                    }
                    continue;
                }
                if self.state.swap(2, Ordering::Acquire) == 0 {
                    break;
                }
                futex(&self.state, libc::FUTEX_WAIT, 2);
            }
        }
        self.owner.store(me, Ordering::Relaxed);
        // SAFETY: we hold the lock.
        unsafe { *self.depth.get() = 1 };
    }

    /// True if the calling thread holds the lock.
    pub fn held(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == me()
    }

    /// Releases one level; false if the calling thread does not hold it.
    pub fn unlock(&self) -> bool {
        if self.owner.load(Ordering::Relaxed) != me() {
            return false;
        }
        // SAFETY: we hold the lock.
        let depth = unsafe { &mut *self.depth.get() };
        *depth -= 1;
        if *depth > 0 {
            return true;
        }
        self.owner.store(0, Ordering::Relaxed);
        if self.state.swap(0, Ordering::Release) == 2 {
            futex(&self.state, libc::FUTEX_WAKE, 1);
        }
        true
    }
}
