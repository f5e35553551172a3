//! The process heap's per-thread cache of free small blocks, so that
//! malloc and free on many threads take no lock in the common case: each
//! thread keeps up to [`LIMIT`] free blocks per size class, refills
//! about [`BATCH_BYTES`] at a time from the heap (at most [`BATCH`] blocks)
//! and gives half back when it holds too many. Blocks in a cache are tagged free like any other free block, so
//! double frees, HeapWalk and HeapValidate see them as what they are.
//!
//! A thread finds its cache through its TEB (two loads); a Rust
//! thread-local, touched only when the cache is created, gives the blocks
//! back when the thread ends.

use super::{Heap, HeapState};

/// Classes up to 1 KiB are cached.
pub const CACHED: usize = 64;
const LIMIT: u32 = 64;
const BATCH: usize = 16;
/// A refill carves this much: sixteen blocks of the smallest classes, one
/// of the largest. Carving writes each block's header, so a fixed count of
/// large blocks would touch pages a short program never uses.
const BATCH_BYTES: usize = 2048;

struct Cache {
    heads: [u64; CACHED],
    counts: [u32; CACHED],
}

impl Cache {
    #[inline(always)]
    fn push(&mut self, b: u64, class: usize) {
        // SAFETY: a free block of at least 16 bytes; its first word links
        // the list.
        unsafe { *(b as *mut u64) = self.heads[class] };
        self.heads[class] = b;
        self.counts[class] += 1;
    }
    #[inline(always)]
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

/// Where a thread finds its cache: TEB.DeallocationBStore (x64 TEB offset
/// 0x1788), an IA-64 field that x64 Windows leaves unused. A TEB is zeroed
/// when it is given to a new thread, so a new thread starts with none.
const TEB_SLOT: u64 = 0x1788;

/// The calling thread's cache, if it has one yet. Inline assembly rather
/// than a Rust thread-local: a thread-local access in a library crate is a
/// call to __tls_get_addr until the linker relaxes it, and that call alone
/// makes every win64 function around it save xmm6-15.
#[inline(always)]
fn current() -> *mut Cache {
    let teb: u64;
    // SAFETY: GS holds the thread's TEB whenever API code runs on it
    // (syscalls::nt::current_teb).
    unsafe {
        core::arch::asm!("mov {}, gs:[0x30]", out(reg) teb, options(nostack, readonly, preserves_flags))
    };
    // SAFETY: the TEB is the calling thread's; the slot holds a cache
    // pointer or 0.
    unsafe { *((teb + TEB_SLOT) as *const *mut Cache) }
}

/// The thread's cache, created on first use; the thread-local below owns
/// it and gives its blocks back when the thread ends (by then the TEB may
/// already belong to another thread, so it is not consulted).
fn current_or_new() -> *mut Cache {
    let c = current();
    if !c.is_null() {
        return c;
    }
    // The thread's own cache if it made one (its TEB slot was cleared
    // behind its back), else a new one.
    let Ok(cache) = OWNER.try_with(|o| {
        if o.0.get().is_null() {
            o.0.set(Box::into_raw(Box::new(Cache {
                heads: [0; CACHED],
                counts: [0; CACHED],
            })));
        }
        o.0.get()
    }) else {
        // The thread is ending: no cache.
        return core::ptr::null_mut();
    };
    let fresh = cache;
    let teb = syscalls::nt::current_teb();
    // SAFETY: the calling thread's TEB.
    unsafe { *((teb + TEB_SLOT) as *mut *mut Cache) = fresh };
    fresh
}

/// Owns a thread's cache; at thread exit gives its blocks to the process
/// heap and frees it.
struct Owner(core::cell::Cell<*mut Cache>);

impl Drop for Owner {
    fn drop(&mut self) {
        let c = self.0.get();
        if c.is_null() {
            return;
        }
        // SAFETY: the cache this thread created; the thread is ending and
        // uses it no more.
        let mut cache = unsafe { Box::from_raw(c) };
        if let Some(heap) = super::process_heap() {
            heap.with(0, |s| {
                for class in 0..CACHED {
                    let n = cache.counts[class];
                    cache.drain(heap, s, class, n);
                }
            });
        }
    }
}

thread_local! {
    static OWNER: Owner = const { Owner(core::cell::Cell::new(core::ptr::null_mut())) };
}

/// A cached free block of `class` (< CACHED), if the cache has one.
#[inline(always)]
pub fn pop(class: usize) -> Option<u64> {
    let c = current();
    if c.is_null() {
        return None;
    }
    // SAFETY: this thread's cache; nothing re-enters it meanwhile.
    unsafe { (*c).pop(class) }
}

/// Caches a just-freed block of `class` (< CACHED, tagged free) unless the
/// cache is full or missing.
#[inline(always)]
pub fn push(b: u64, class: usize) -> bool {
    let c = current();
    if c.is_null() {
        return false;
    }
    // SAFETY: as in pop.
    let c = unsafe { &mut *c };
    if c.counts[class] >= LIMIT {
        return false;
    }
    c.push(b, class);
    true
}

/// A free block of `class` from this thread's cache, refilled from the
/// heap when empty; None if the class is not cached or the heap is full.
pub fn take(heap: &Heap, class: usize) -> Option<u64> {
    if class >= CACHED {
        return None;
    }
    if let Some(b) = pop(class) {
        return Some(b);
    }
    let c = current_or_new();
    if c.is_null() {
        return None;
    }
    // SAFETY: this thread's cache; the heap's lock does not call back here.
    let c = unsafe { &mut *c };
    let batch = (BATCH_BYTES / (super::class_size(class) + super::HEADER)).clamp(1, BATCH);
    heap.with(0, |s| {
        for _ in 0..batch {
            match heap.take(s, class) {
                Some(b) => c.push(b, class),
                None => break,
            }
        }
    });
    c.pop(class)
}

/// Keeps a just-freed block (already tagged free) in this thread's cache,
/// giving half the class back to the heap when it is full; false if the
/// class is not cached (the caller gives it to the heap).
pub fn give(heap: &Heap, b: u64, class: usize) -> bool {
    if class >= CACHED {
        return false;
    }
    let c = current_or_new();
    if c.is_null() {
        return false;
    }
    // SAFETY: as in take.
    let c = unsafe { &mut *c };
    if c.counts[class] >= LIMIT {
        heap.with(0, |s| c.drain(heap, s, class, LIMIT / 2));
    }
    c.push(b, class);
    true
}
