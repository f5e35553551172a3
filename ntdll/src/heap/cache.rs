//! The process heap's per-thread cache of free small blocks, so that
//! malloc and free on many threads take no lock in the common case: each
//! thread keeps up to [`LIMIT`] free blocks per size class, refills
//! [`BATCH`] at a time from the heap and gives half back when it holds too
//! many. Blocks in a cache are tagged free like any other free block, so
//! double frees, HeapWalk and HeapValidate see them as what they are. A
//! thread's cache goes back to the heap when the thread ends.

use super::{Heap, HeapState};
use core::cell::UnsafeCell;

/// Classes up to 1 KiB are cached.
const CACHED: usize = 64;
const LIMIT: u32 = 64;
const BATCH: usize = 16;

struct Cache {
    heads: [u64; CACHED],
    counts: [u32; CACHED],
}

impl Cache {
    fn push(&mut self, b: u64, class: usize) {
        // SAFETY: a free block of at least 16 bytes; its first word links
        // the list.
        unsafe { *(b as *mut u64) = self.heads[class] };
        self.heads[class] = b;
        self.counts[class] += 1;
    }
    fn pop(&mut self, class: usize) -> Option<u64> {
        let b = self.heads[class];
        if b == 0 {
            return None;
        }
        // SAFETY: as in push.
        self.heads[class] = unsafe { *(b as *const u64) };
        self.counts[class] -= 1;
        Some(b)
    }
    /// Gives `n` blocks of `class` back to the heap.
    fn drain(&mut self, heap: &Heap, s: &mut HeapState, class: usize, n: u32) {
        for _ in 0..n {
            match self.pop(class) {
                Some(b) => heap.give(s, b, class),
                None => break,
            }
        }
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        if let Some(heap) = super::process_heap() {
            heap.with(0, |s| {
                for class in 0..CACHED {
                    let n = self.counts[class];
                    self.drain(heap, s, class, n);
                }
            });
        }
    }
}

thread_local! {
    static CACHE: UnsafeCell<Cache> = const {
        UnsafeCell::new(Cache { heads: [0; CACHED], counts: [0; CACHED] })
    };
}

/// A free block of `class` from this thread's cache (refilled from the
/// heap when empty); None if the class is not cached or the heap is full.
#[inline]
pub fn take(heap: &Heap, class: usize) -> Option<u64> {
    if class >= CACHED {
        return None;
    }
    CACHE
        .try_with(|c| {
            // SAFETY: the cache is this thread's; nothing re-enters it while
            // this borrow lives (the heap's lock does not call back here).
            let c = unsafe { &mut *c.get() };
            if let Some(b) = c.pop(class) {
                return Some(b);
            }
            heap.with(0, |s| {
                for _ in 0..BATCH {
                    match heap.take(s, class) {
                        Some(b) => c.push(b, class),
                        None => break,
                    }
                }
            });
            c.pop(class)
        })
        .ok()
        .flatten()
}

/// Keeps a just-freed block (already tagged free) in this thread's cache;
/// false if the class is not cached (the caller gives it to the heap).
#[inline]
pub fn give(heap: &Heap, b: u64, class: usize) -> bool {
    if class >= CACHED {
        return false;
    }
    CACHE
        .try_with(|c| {
            // SAFETY: as in take.
            let c = unsafe { &mut *c.get() };
            c.push(b, class);
            if c.counts[class] > LIMIT {
                heap.with(0, |s| c.drain(heap, s, class, LIMIT / 2));
            }
            true
        })
        .unwrap_or(false)
}
