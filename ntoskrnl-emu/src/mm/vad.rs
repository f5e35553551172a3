//! Virtual address descriptors: one per allocation, with per-page state.
//!
//! The tree is the truth for every region the guest can see; the host
//! mappings follow it. Its lock records its owner so the fault handler can
//! tell "another thread holds it: wait" from "the faulting thread holds it:
//! never wait" (a guard-page or demand-paging fault inside the executive).

use super::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Per-page state: 0 = reserved, otherwise the committed page's protection
/// (PAGE_* with PAGE_GUARD and the other modifiers as the guest set them).
pub type PageState = u32;

pub struct Vad {
    pub base: u64,
    pub size: u64,
    /// MEM_PRIVATE, MEM_MAPPED or MEM_IMAGE.
    pub kind: u32,
    pub allocation_protect: u32,
    pub pages: Vec<PageState>,
    /// The system's own (KUSER_SHARED_DATA): the guest may look, not
    /// change or free.
    pub secured: bool,
}

impl Vad {
    pub fn end(&self) -> u64 {
        self.base + self.size
    }
    pub fn page_index(&self, addr: u64) -> usize {
        ((addr - self.base) / PAGE_SIZE) as usize
    }
    /// The pages of [start, end) (page-aligned, inside the VAD).
    pub fn pages_of(&mut self, start: u64, end: u64) -> &mut [PageState] {
        let (a, b) = (self.page_index(start), self.page_index(end - 1) + 1);
        &mut self.pages[a..b]
    }
}

pub type VadMap = BTreeMap<u64, Vad>;

/// The process's VAD tree, keyed by base address.
static VADS: Mutex<VadMap> = Mutex::new(BTreeMap::new());
/// Host thread id of the lock's holder, 0 when free.
static OWNER: AtomicU32 = AtomicU32::new(0);

/// The locked VAD tree.
pub struct VadLock {
    guard: MutexGuard<'static, VadMap>,
}

impl std::ops::Deref for VadLock {
    type Target = VadMap;
    fn deref(&self) -> &VadMap {
        &self.guard
    }
}
impl std::ops::DerefMut for VadLock {
    fn deref_mut(&mut self) -> &mut VadMap {
        &mut self.guard
    }
}
impl Drop for VadLock {
    fn drop(&mut self) {
        OWNER.store(0, Ordering::Release);
    }
}

/// The calling host thread's id, asked of the kernel once per thread.
fn tid() -> u32 {
    thread_local!(static TID: core::cell::Cell<u32> = const { core::cell::Cell::new(0) });
    TID.with(|t| {
        if t.get() == 0 {
            // SAFETY: gettid has no preconditions.
            t.set(unsafe { libc::gettid() } as u32);
        }
        t.get()
    })
}

pub fn lock() -> VadLock {
    let guard = VADS.lock().unwrap_or_else(|e| e.into_inner());
    OWNER.store(tid(), Ordering::Release);
    VadLock { guard }
}

/// Locks the tree from the fault handler: waits for another thread that
/// holds it, but returns None if the faulting thread itself does.
pub fn lock_from_fault() -> Option<VadLock> {
    let me = tid();
    loop {
        match VADS.try_lock() {
            Ok(guard) => {
                OWNER.store(me, Ordering::Release);
                return Some(VadLock { guard });
            }
            Err(std::sync::TryLockError::Poisoned(e)) => {
                OWNER.store(me, Ordering::Release);
                return Some(VadLock {
                    guard: e.into_inner(),
                });
            }
            Err(std::sync::TryLockError::WouldBlock) => {
                if OWNER.load(Ordering::Acquire) == me {
                    return None;
                }
                // SAFETY: sched_yield has no preconditions.
                unsafe { libc::sched_yield() };
            }
        }
    }
}

/// The VAD containing `addr`, if any.
pub fn find(map: &VadMap, addr: u64) -> Option<&Vad> {
    map.range(..=addr)
        .next_back()
        .map(|(_, v)| v)
        .filter(|v| addr < v.end())
}

pub fn find_mut(map: &mut VadMap, addr: u64) -> Option<&mut Vad> {
    map.range_mut(..=addr)
        .next_back()
        .map(|(_, v)| v)
        .filter(|v| addr < v.end())
}

/// True if [base, base+size) overlaps no VAD (nor the unusable rest of a
/// VAD's last 64-KiB block).
pub fn is_free(map: &VadMap, base: u64, size: u64) -> bool {
    let end = base + size;
    if let Some((_, v)) = map.range(..end).next_back() {
        if round_up(v.end(), ALLOCATION_GRANULARITY) > base {
            return false;
        }
    }
    true
}

/// Maps host address space at exactly `base` if nothing (guest or host) is
/// there, with protection `prot` (PROT_NONE for a reservation, the final
/// protection when the range is committed at once; small committed ranges
/// are populated in the same call, since they are about to be touched).
/// Returns false if the range is taken.
pub fn host_map(base: u64, size: u64, prot: i32) -> bool {
    let populate = if prot != libc::PROT_NONE && size <= 0x1_0000 {
        libc::MAP_POPULATE
    } else {
        0
    };
    // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping.
    let p = unsafe {
        libc::mmap(
            base as *mut libc::c_void,
            size as usize,
            prot,
            libc::MAP_PRIVATE
                | libc::MAP_ANONYMOUS
                | libc::MAP_NORESERVE
                | libc::MAP_FIXED_NOREPLACE
                | populate,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        // Taken: if by the host, VirtualQuery's picture of it is stale.
        super::query::forget_host_ranges();
        return false;
    }
    if p as u64 != base {
        // Old kernels ignore MAP_FIXED_NOREPLACE and treat it as a hint.
        // SAFETY: unmapping what we just mapped.
        unsafe { libc::munmap(p, size as usize) };
        return false;
    }
    true
}

/// Counts host ranges the memory manager has unmapped: VirtualQuery's
/// cached picture of the host's mappings is stale once it moves.
pub static UNMAPPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Unmaps a guest range [base, base+size) the VAD tree no longer holds.
pub fn host_unmap(base: u64, size: u64) {
    // SAFETY: callers pass a range of a VAD (or reservation) of their own
    // that nothing refers to any more.
    unsafe { libc::munmap(base as *mut libc::c_void, size as usize) };
    UNMAPPED.fetch_add(1, Ordering::Release);
    FIRST_FREE.fetch_min(round_down(base, ALLOCATION_GRANULARITY), Ordering::Relaxed);
}

/// No 64-KiB block below this address is free (every one holds a VAD or a
/// host mapping): bottom-up searches start here instead of walking every
/// VAD from the bottom each time. Raised by a 64-KiB bottom-up placement,
/// lowered by every unmapping. Changed only with the VAD tree locked.
static FIRST_FREE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(LOWEST_ADDRESS);

/// Reserves host address space (inaccessible) at exactly `base`.
pub fn host_reserve(base: u64, size: u64) -> bool {
    host_map(base, size, libc::PROT_NONE)
}

/// Finds a free range of `size` bytes at an allocation-granularity boundary
/// (bottom-up from `from`, or top-down below `from` when `top_down`) and
/// maps it with `prot`. Only the `size` bytes are mapped: the rest of the
/// last 64-KiB block stays unusable by the VAD tree's rounding, as on
/// Windows. A candidate the host already uses is skipped (its mapping is
/// the host's, reported as reserved by VirtualQuery).
pub fn find_and_map(map: &VadMap, size: u64, from: u64, top_down: bool, prot: i32) -> Option<u64> {
    let step = ALLOCATION_GRANULARITY;
    let span = round_up(size, step);
    if top_down {
        let mut candidate = round_down(from.min(HIGHEST_ADDRESS + 1).saturating_sub(span), step);
        while candidate >= LOWEST_ADDRESS {
            if let Some((_, v)) = map
                .range(..candidate + span)
                .next_back()
                .filter(|(_, v)| round_up(v.end(), step) > candidate)
            {
                candidate = round_down(v.base.checked_sub(span)?, step);
                continue;
            }
            if host_map(candidate, size, prot) {
                return Some(candidate);
            }
            candidate = candidate.checked_sub(step)?;
        }
        None
    } else {
        let start = round_up(from.max(LOWEST_ADDRESS), step);
        let hint = FIRST_FREE.load(Ordering::Relaxed);
        let mut candidate = start.max(hint);
        // Only a one-block search from below the hint proves every block
        // up to what it finds is taken.
        let proves = span == step && start <= hint;
        while candidate + span <= HIGHEST_ADDRESS + 1 {
            if let Some((_, v)) = map
                .range(..candidate + span)
                .next_back()
                .filter(|(_, v)| round_up(v.end(), step) > candidate)
            {
                candidate = round_up(v.end(), step);
                continue;
            }
            if host_map(candidate, size, prot) {
                if proves {
                    FIRST_FREE.store(candidate + step, Ordering::Relaxed);
                }
                return Some(candidate);
            }
            candidate += step;
        }
        None
    }
}

/// Finds and reserves (inaccessible) a free range; see [`find_and_map`].
pub fn find_and_reserve(map: &VadMap, size: u64, from: u64, top_down: bool) -> Option<u64> {
    find_and_map(map, size, from, top_down, libc::PROT_NONE)
}

/// True if `addr` lies in any VAD. Used by the fault handler, so it never
/// blocks on itself: a VAD tree locked by the faulting thread counts as
/// "yes".
pub fn contains(addr: u64) -> bool {
    match lock_from_fault() {
        Some(map) => find(&map, addr).is_some(),
        None => true,
    }
}
