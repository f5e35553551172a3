//! Virtual address descriptors: one per allocation, with per-page state.

use super::*;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Per-page state: 0 = reserved, otherwise the committed page's protection.
pub type PageState = u32;

pub struct Vad {
    pub base: u64,
    pub size: u64,
    /// MEM_PRIVATE, MEM_MAPPED or MEM_IMAGE.
    pub kind: u32,
    pub allocation_protect: u32,
    pub pages: Vec<PageState>,
}

impl Vad {
    pub fn end(&self) -> u64 {
        self.base + self.size
    }
    pub fn page_index(&self, addr: u64) -> usize {
        ((addr - self.base) / PAGE_SIZE) as usize
    }
}

/// The process's VAD tree, keyed by base address.
pub static VADS: Mutex<BTreeMap<u64, Vad>> = Mutex::new(BTreeMap::new());

pub fn lock() -> std::sync::MutexGuard<'static, BTreeMap<u64, Vad>> {
    VADS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The VAD containing `addr`, if any.
pub fn find(map: &BTreeMap<u64, Vad>, addr: u64) -> Option<&Vad> {
    map.range(..=addr)
        .next_back()
        .map(|(_, v)| v)
        .filter(|v| addr < v.end())
}

pub fn find_mut(map: &mut BTreeMap<u64, Vad>, addr: u64) -> Option<&mut Vad> {
    map.range_mut(..=addr)
        .next_back()
        .map(|(_, v)| v)
        .filter(|v| addr < v.end())
}

/// True if [base, base+size) overlaps no VAD.
pub fn is_free(map: &BTreeMap<u64, Vad>, base: u64, size: u64) -> bool {
    let end = base + size;
    if let Some((_, v)) = map.range(..end).next_back() {
        if v.end() > base {
            return false;
        }
    }
    true
}

/// Reserves host address space at exactly `base` if nothing (guest or host)
/// is there. Returns false if the range is taken.
pub fn host_reserve(base: u64, size: u64) -> bool {
    // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping.
    let p = unsafe {
        libc::mmap(
            base as *mut libc::c_void,
            size as usize,
            libc::PROT_NONE,
            libc::MAP_PRIVATE
                | libc::MAP_ANONYMOUS
                | libc::MAP_NORESERVE
                | libc::MAP_FIXED_NOREPLACE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
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

/// Finds and reserves a free range of `size` bytes aligned to the allocation
/// granularity: bottom-up from `from`, or top-down below `from` when
/// `top_down`.
pub fn find_and_reserve(
    map: &BTreeMap<u64, Vad>,
    size: u64,
    from: u64,
    top_down: bool,
) -> Option<u64> {
    let step = ALLOCATION_GRANULARITY;
    if top_down {
        let mut candidate = round_down(from.saturating_sub(size), step);
        while candidate >= LOWEST_ADDRESS {
            if let Some((_, v)) = map
                .range(..candidate + size)
                .next_back()
                .filter(|(_, v)| v.end() > candidate)
            {
                candidate = round_down(v.base.saturating_sub(size), step);
                continue;
            }
            if host_reserve(candidate, size) {
                return Some(candidate);
            }
            candidate = candidate.checked_sub(step)?;
        }
        None
    } else {
        let mut candidate = round_up(from.max(LOWEST_ADDRESS), step);
        while candidate + size <= HIGHEST_ADDRESS {
            if let Some((_, v)) = map
                .range(..candidate + size)
                .next_back()
                .filter(|(_, v)| v.end() > candidate)
            {
                candidate = round_up(v.end(), step);
                continue;
            }
            if host_reserve(candidate, size) {
                return Some(candidate);
            }
            candidate += step;
        }
        None
    }
}

/// True if `addr` lies in any VAD. Used by the fault handler, so it never
/// blocks: a VAD tree locked by the faulting thread counts as "yes".
pub fn contains(addr: u64) -> bool {
    match VADS.try_lock() {
        Ok(map) => find(&map, addr).is_some(),
        Err(_) => true,
    }
}
