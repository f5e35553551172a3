//! Wait blocks of multiple-object waits.
//!
//! A thread in NtWaitForMultipleObjects (or any wait on more than one
//! object) sleeps on a futex word of its own, its wait block, and registers
//! the block under the signal word of each object it waits on. Signal
//! paths end in [`super::futex::wake`], which calls [`notify`]: every block
//! registered under that word is bumped and woken, and its waiter re-checks
//! its objects.
//!
//! Registrations live in a small table hashed by the address of the
//! object's signal word (the objects stay referenced for the whole wait, so
//! the address is stable and unique), one lock per bucket. A signal with no
//! multiple-object waiter in its bucket reads one counter and returns.

use std::sync::atomic::{fence, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The futex word of one multiple-object wait.
#[derive(Default)]
pub struct WaitBlock {
    /// Bumped by every notification; the waiter sleeps while it holds the
    /// value read before its last check of the objects.
    pub word: AtomicU32,
}

struct Bucket {
    /// Registrations in this bucket, read without the lock by [`notify`].
    count: AtomicUsize,
    entries: Mutex<Vec<(usize, Arc<WaitBlock>)>>,
}

const BUCKETS: usize = 64;

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Bucket = Bucket {
    count: AtomicUsize::new(0),
    entries: Mutex::new(Vec::new()),
};

static TABLE: [Bucket; BUCKETS] = [EMPTY; BUCKETS];

fn bucket(addr: usize) -> &'static Bucket {
    // Fibonacci hashing of the word address (4-byte aligned).
    let h = ((addr >> 2) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58;
    &TABLE[h as usize % BUCKETS]
}

fn address(word: &AtomicU32) -> usize {
    word as *const AtomicU32 as usize
}

/// Wakes the multiple-object waits registered under `word`.
pub fn notify(word: &AtomicU32) {
    // Pairs with the fence in `Registration::new`: either this sees the
    // registration, or the waiter's check after registering sees the state
    // change that preceded this call.
    fence(Ordering::SeqCst);
    let addr = address(word);
    let b = bucket(addr);
    if b.count.load(Ordering::Relaxed) == 0 {
        return;
    }
    let entries = b.entries.lock().unwrap_or_else(|e| e.into_inner());
    for (a, block) in entries.iter() {
        if *a == addr {
            block.word.fetch_add(1, Ordering::Release);
            super::futex::wake_only(&block.word, 1);
        }
    }
}

/// A wait block registered under a set of signal words; dropping it
/// unregisters the block.
pub struct Registration {
    block: Arc<WaitBlock>,
    addrs: Vec<usize>,
}

impl Registration {
    pub fn new<'a>(
        block: &Arc<WaitBlock>,
        words: impl Iterator<Item = &'a AtomicU32>,
    ) -> Registration {
        let mut addrs: Vec<usize> = words.map(address).collect();
        addrs.sort_unstable();
        addrs.dedup();
        for &addr in &addrs {
            let b = bucket(addr);
            let mut entries = b.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.push((addr, block.clone()));
            b.count.fetch_add(1, Ordering::Relaxed);
        }
        fence(Ordering::SeqCst);
        Registration {
            block: block.clone(),
            addrs,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        for &addr in &self.addrs {
            let b = bucket(addr);
            let mut entries = b.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = entries
                .iter()
                .position(|(a, blk)| *a == addr && Arc::ptr_eq(blk, &self.block))
            {
                entries.swap_remove(i);
                b.count.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_bumps_registered_blocks_only() {
        let a = AtomicU32::new(0);
        let b = AtomicU32::new(0);
        let block = Arc::new(WaitBlock::default());
        {
            let _r = Registration::new(&block, [&a].into_iter());
            notify(&b);
            assert_eq!(block.word.load(Ordering::Relaxed), 0);
            notify(&a);
            assert_eq!(block.word.load(Ordering::Relaxed), 1);
        }
        notify(&a);
        assert_eq!(
            block.word.load(Ordering::Relaxed),
            1,
            "unregistered on drop"
        );
    }
}
