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
    let populate = if prot != libc::PROT_NONE && size <= 0x8000 {
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

/// Reserves host address space (inaccessible) at exactly `base`.
pub fn host_reserve(base: u64, size: u64) -> bool {
    host_map(base, size, libc::PROT_NONE)
}

/// Finds a free range of `size` bytes at an allocation-granularity boundary
/// (bottom-up from `from`, or top-down below `from` when `top_down`) and
/// maps it with `prot`. Only the `size` bytes are mapped: the rest of the
/// last 64-KiB block stays unusable by the VAD tree's rounding, as on
/// Windows.
pub fn find_and_map(
    map: &BTreeMap<u64, Vad>,
    size: u64,
    from: u64,
    top_down: bool,
    prot: i32,
) -> Option<u64> {
    let step = ALLOCATION_GRANULARITY;
    let span = round_up(size, step);
    if top_down {
        let mut candidate = round_down(from.saturating_sub(span), step);
        while candidate >= LOWEST_ADDRESS {
            if let Some((_, v)) = map
                .range(..candidate + span)
                .next_back()
                .filter(|(_, v)| round_up(v.end(), step) > candidate)
            {
                candidate = round_down(v.base.saturating_sub(span), step);
                continue;
            }
            if host_map(candidate, size, prot) {
                return Some(candidate);
            }
            candidate = candidate.checked_sub(step)?;
        }
        None
    } else {
        let mut candidate = round_up(from.max(LOWEST_ADDRESS), step);
        while candidate + span <= HIGHEST_ADDRESS {
            if let Some((_, v)) = map
                .range(..candidate + span)
                .next_back()
                .filter(|(_, v)| round_up(v.end(), step) > candidate)
            {
                candidate = round_up(v.end(), step);
                continue;
            }
            if host_map(candidate, size, prot) {
                return Some(candidate);
            }
            candidate += step;
        }
        None
    }
}

/// Finds and reserves (inaccessible) a free range; see [`find_and_map`].
pub fn find_and_reserve(
    map: &BTreeMap<u64, Vad>,
    size: u64,
    from: u64,
    top_down: bool,
) -> Option<u64> {
    find_and_map(map, size, from, top_down, libc::PROT_NONE)
}

/// True if `addr` lies in any VAD. Used by the fault handler, so it never
/// blocks: a VAD tree locked by the faulting thread counts as "yes".
pub fn contains(addr: u64) -> bool {
    match VADS.try_lock() {
        Ok(map) => find(&map, addr).is_some(),
        Err(_) => true,
    }
}
