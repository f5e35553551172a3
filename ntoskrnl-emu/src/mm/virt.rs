//! Virtual memory services: NtAllocateVirtualMemory, NtFreeVirtualMemory,
//! NtProtectVirtualMemory, and the guard-page fault the exception path asks
//! about. NtQueryVirtualMemory is in `query`.

use super::vad::{self, Vad};
use super::*;
use syscalls::nt::NT_CURRENT_PROCESS;
use syscalls::*;

/// Where bottom-up searches start when the caller gives no address.
const BOTTOM_UP_START: u64 = 0x1_0000;
/// Where top-down searches start: the top of the user address space; the
/// host's own mappings up there are skipped one by one.
const TOP_DOWN_START: u64 = HIGHEST_ADDRESS + 1;

const MEM_WRITE_WATCH: u32 = 0x20_0000;
const MEM_PHYSICAL: u32 = 0x40_0000;
const MEM_LARGE_PAGES: u32 = 0x2000_0000;

const STATUS_INVALID_PARAMETER_5: NtStatus = NtStatus(0xC000_00F3);
const STATUS_FREE_VM_NOT_AT_BASE: NtStatus = NtStatus(0xC000_009F);
const STATUS_NOT_COMMITTED: NtStatus = NtStatus(0xC000_002D);
const STATUS_PRIVILEGE_NOT_HELD: NtStatus = NtStatus(0xC000_0061);

pub(super) fn check_process(handle: u64) -> NtResult<()> {
    if handle == NT_CURRENT_PROCESS {
        return Ok(());
    }
    // Another process's memory needs cross-process support.
    let object = crate::ob::reference_object_by_handle(handle)?;
    match object.as_any().downcast_ref::<crate::ps::Process>() {
        Some(_) => {
            log::warn!("unimplemented: virtual memory of another process");
            Err(STATUS_NOT_IMPLEMENTED)
        }
        None => Err(STATUS_OBJECT_TYPE_MISMATCH),
    }
}

/// Checks a protection for private memory: write-copy has no meaning
/// there (winnt.h: "not supported by VirtualAlloc").
fn private_protection(protect: u32) -> NtResult<i32> {
    if matches!(protect & 0xFF, PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY) {
        return Err(STATUS_INVALID_PAGE_PROTECTION);
    }
    host_protection(protect)
}

fn host_protect(start: u64, end: u64, prot: i32) -> NtResult<()> {
    // SAFETY: the range lies inside a VAD this process owns.
    if unsafe { libc::mprotect(start as *mut libc::c_void, (end - start) as usize, prot) } != 0 {
        return Err(STATUS_NO_MEMORY);
    }
    Ok(())
}

/// The page range [start, end) a (base, size) pair covers.
fn page_range(base: u64, size: u64) -> NtResult<(u64, u64)> {
    let end = base.checked_add(size).ok_or(STATUS_INVALID_PARAMETER)?;
    let (start, end) = (round_down(base, PAGE_SIZE), round_up(end, PAGE_SIZE));
    if end > HIGHEST_ADDRESS + 1 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    Ok((start, end))
}

/// The highest address an allocation may end at for NtAllocateVirtualMemory's
/// ZeroBits: a count of high address bits that must be zero (counted from
/// bit 31 on 64-bit Windows), or, past 32, a mask of the allowed bits.
fn zero_bits_limit(zero_bits: u64) -> NtResult<u64> {
    match zero_bits {
        0 => Ok(HIGHEST_ADDRESS + 1),
        1..=21 => Ok((u64::MAX >> (32 + zero_bits)) + 1),
        22..=32 => Err(STATUS_INVALID_PARAMETER_3),
        mask => Ok((u64::MAX >> mask.leading_zeros()).min(HIGHEST_ADDRESS) + 1),
    }
}

/// Reserves (and optionally commits) a new private region. `base` 0 picks an
/// address. Used by the services and by the executive itself (PEB, TEB,
/// stacks).
pub fn allocate(base: u64, size: u64, kind: u32, protect: u32) -> NtResult<(u64, u64)> {
    allocate_below(base, size, kind, protect, HIGHEST_ADDRESS + 1)
}

fn allocate_below(
    base: u64,
    size: u64,
    kind: u32,
    protect: u32,
    limit: u64,
) -> NtResult<(u64, u64)> {
    let committed = private_protection(protect)?;
    if size == 0 {
        return Err(STATUS_INVALID_PARAMETER_4);
    }
    // Reserve-and-commit maps the pages with their protection in one call.
    let commit = kind & MEM_COMMIT != 0;
    let prot = if commit { committed } else { libc::PROT_NONE };
    let mut map = vad::lock();
    let (start, len) = if base == 0 {
        let len = round_up(size, PAGE_SIZE);
        if len > limit {
            return Err(STATUS_NO_MEMORY);
        }
        let top_down = kind & MEM_TOP_DOWN != 0;
        let from = if top_down {
            TOP_DOWN_START.min(limit)
        } else {
            BOTTOM_UP_START
        };
        let start = vad::find_and_map(&map, len, from, top_down, prot).ok_or(STATUS_NO_MEMORY)?;
        if start + len > limit {
            // Bottom-up found room only past ZeroBits' limit.
            // Unmapping what find_and_map just mapped.
            vad::host_unmap(start, len);
            return Err(STATUS_NO_MEMORY);
        }
        (start, len)
    } else {
        if base < LOWEST_ADDRESS {
            return Err(STATUS_INVALID_PARAMETER_2);
        }
        let start = round_down(base, ALLOCATION_GRANULARITY);
        let (_, end) = page_range(base, size)?;
        if end > limit {
            return Err(STATUS_INVALID_PARAMETER_2);
        }
        let len = end - start;
        if !vad::is_free(&map, start, len) || !vad::host_map(start, len, prot) {
            return Err(STATUS_CONFLICTING_ADDRESSES);
        }
        (start, len)
    };
    let state = if commit { protect } else { 0 };
    map.insert(
        start,
        Vad {
            base: start,
            size: len,
            kind: MEM_PRIVATE,
            allocation_protect: protect,
            pages: vec![state; (len / PAGE_SIZE) as usize],
            secured: false,
        },
    );
    Ok((start, len))
}

/// Commits pages inside an existing reservation; committed pages stay as
/// they are (contents kept) but take the new protection, as on Windows.
fn commit_existing(base: u64, size: u64, protect: u32) -> NtResult<(u64, u64)> {
    let prot = host_protection(protect)?;
    let (start, end) = page_range(base, size.max(1))?;
    let mut map = vad::lock();
    let v = vad::find_mut(&mut map, start).ok_or(STATUS_CONFLICTING_ADDRESSES)?;
    if end > v.end() || v.kind == MEM_IMAGE || v.secured {
        return Err(STATUS_CONFLICTING_ADDRESSES);
    }
    // Private pages cannot be write-copy; a view's pages (SEC_RESERVE
    // sections) take what the section allows.
    if v.kind == MEM_PRIVATE {
        private_protection(protect)?;
    } else if !super::section::view_allows(v, protect) {
        return Err(STATUS_INVALID_PAGE_PROTECTION);
    }
    host_protect(start, end, prot)?;
    v.pages_of(start, end).iter_mut().for_each(|p| *p = protect);
    Ok((start, end - start))
}

/// MEM_RESET and MEM_RESET_UNDO: the pages must be committed. MEM_RESET only
/// tells the system the contents are no longer of interest, so the pages
/// are moved to the inactive list (MADV_COLD), contents kept; MEM_RESET_UNDO
/// then always finds them intact.
fn reset(base: u64, size: u64, kind: u32) -> NtResult<(u64, u64)> {
    let (start, end) = page_range(base, size)?;
    let mut map = vad::lock();
    let v = vad::find_mut(&mut map, start).ok_or(STATUS_CONFLICTING_ADDRESSES)?;
    if end > v.end() {
        return Err(STATUS_CONFLICTING_ADDRESSES);
    }
    if v.pages_of(start, end).contains(&0) {
        return Err(STATUS_CONFLICTING_ADDRESSES);
    }
    if kind == MEM_RESET {
        const MADV_COLD: libc::c_int = 20;
        // SAFETY: committed pages of this VAD; MADV_COLD keeps contents.
        unsafe {
            libc::madvise(
                start as *mut libc::c_void,
                (end - start) as usize,
                MADV_COLD,
            )
        };
    }
    Ok((start, end - start))
}

/// Changes the protection of committed pages; returns the range and the
/// old protection of the first page.
pub fn protect(base: u64, size: u64, new: u32) -> NtResult<(u64, u64, u32)> {
    let prot = host_protection(new)?;
    let (start, end) = page_range(base, size.max(1))?;
    let mut map = vad::lock();
    let v = vad::find_mut(&mut map, start).ok_or(STATUS_MEMORY_NOT_ALLOCATED)?;
    if end > v.end() {
        return Err(STATUS_CONFLICTING_ADDRESSES);
    }
    if v.secured {
        return Err(STATUS_INVALID_PAGE_PROTECTION);
    }
    if v.kind == MEM_PRIVATE && matches!(new & 0xFF, PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY) {
        return Err(STATUS_INVALID_PAGE_PROTECTION);
    }
    if v.kind == MEM_MAPPED && !super::section::view_allows(v, new) {
        return Err(STATUS_INVALID_PAGE_PROTECTION);
    }
    let pages = v.pages_of(start, end);
    if pages.contains(&0) {
        return Err(STATUS_NOT_COMMITTED);
    }
    let old = pages[0];
    // Demand-paged image pages are filled first: they must not turn
    // readable before their data is there.
    super::lazy::fill_range(start, end);
    host_protect(start, end, prot)?;
    v.pages_of(start, end).iter_mut().for_each(|p| *p = new);
    Ok((start, end - start, old))
}

/// Releases a whole private allocation the executive made (a thread's
/// stack and TEB when it ends).
pub fn release(base: u64) {
    let mut map = vad::lock();
    if let Some(v) = map.remove(&base) {
        // The range was this VAD's, now removed.
        vad::host_unmap(v.base, v.size);
    }
}

/// Registers an already-mapped range as a VAD (views and images).
pub fn insert_vad(v: Vad) {
    vad::lock().insert(v.base, v);
}

/// The guard-page half of a fault: if `addr` lies in a committed page that
/// still has PAGE_GUARD, clears the guard (one shot, as on Windows: the
/// page takes its base protection) and returns true — the fault is then
/// STATUS_GUARD_PAGE_VIOLATION, and the access succeeds when retried.
/// Returns false for any other fault. Called from the fault handler: it
/// never waits on a VAD lock the faulting thread holds.
pub fn take_guard_fault(addr: u64) -> bool {
    let Some(mut map) = vad::lock_from_fault() else {
        return false;
    };
    let page = round_down(addr, PAGE_SIZE);
    let Some(v) = vad::find_mut(&mut map, page) else {
        return false;
    };
    let i = v.page_index(page);
    let state = v.pages[i];
    if state == 0 || state & PAGE_GUARD == 0 {
        return false;
    }
    let unguarded = state & !PAGE_GUARD;
    let Ok(prot) = host_protection(unguarded) else {
        return false;
    };
    if host_protect(page, page + PAGE_SIZE, prot).is_err() {
        return false;
    }
    v.pages[i] = unguarded;
    true
}

/// Implements NtAllocateVirtualMemory(ProcessHandle, *BaseAddress, ZeroBits,
/// *RegionSize, AllocationType, Protect).
pub fn NtAllocateVirtualMemory(a: &Args) -> NtStatus {
    let (base_ptr, zero_bits, size_ptr, kind, prot) = (a[1], a[2], a[3], a[4] as u32, a[5] as u32);
    let run = || -> NtResult<()> {
        check_process(a[0])?;
        let base: u64 = user::read(base_ptr)?;
        let size: u64 = user::read(size_ptr)?;
        let limit = zero_bits_limit(zero_bits)?;
        let known = MEM_COMMIT
            | MEM_RESERVE
            | MEM_TOP_DOWN
            | MEM_RESET
            | MEM_RESET_UNDO
            | MEM_WRITE_WATCH
            | MEM_PHYSICAL
            | MEM_LARGE_PAGES;
        if kind & !known != 0 || kind == 0 {
            return Err(STATUS_INVALID_PARAMETER_5);
        }
        if size == 0 {
            return Err(STATUS_INVALID_PARAMETER_4);
        }
        if kind & MEM_LARGE_PAGES != 0 {
            // Large pages need SeLockMemoryPrivilege, which the token lacks.
            return Err(STATUS_PRIVILEGE_NOT_HELD);
        }
        if kind & (MEM_WRITE_WATCH | MEM_PHYSICAL) != 0 {
            log::warn!("unimplemented: NtAllocateVirtualMemory type {kind:#x}");
            return Err(STATUS_NOT_IMPLEMENTED);
        }
        let (start, len) = if kind & (MEM_RESET | MEM_RESET_UNDO) != 0 {
            // Either reset flag stands alone.
            if kind != MEM_RESET && kind != MEM_RESET_UNDO {
                return Err(STATUS_INVALID_PARAMETER_5);
            }
            host_protection(prot)?;
            reset(base, size, kind)?
        } else if kind & MEM_RESERVE != 0 || base == 0 {
            // MEM_COMMIT with no address reserves too.
            allocate_below(base, size, kind, prot, limit)?
        } else {
            commit_existing(base, size, prot)?
        };
        user::write(base_ptr, &start)?;
        user::write(size_ptr, &len)
    };
    NtStatus::from_result(run())
}

/// Implements NtFreeVirtualMemory(ProcessHandle, *BaseAddress, *RegionSize,
/// FreeType).
pub fn NtFreeVirtualMemory(a: &Args) -> NtStatus {
    let (base_ptr, size_ptr, kind) = (a[1], a[2], a[3] as u32);
    let run = || -> NtResult<()> {
        check_process(a[0])?;
        let base: u64 = user::read(base_ptr)?;
        let size: u64 = user::read(size_ptr)?;
        if kind != MEM_RELEASE && kind != MEM_DECOMMIT {
            return Err(STATUS_INVALID_PARAMETER_4);
        }
        let (start, end) = page_range(base, size)?;
        let mut map = vad::lock();
        let v = vad::find_mut(&mut map, start).ok_or(STATUS_MEMORY_NOT_ALLOCATED)?;
        if v.kind != MEM_PRIVATE || v.secured {
            return Err(STATUS_UNABLE_TO_FREE_VM);
        }
        if size == 0 && start != v.base {
            return Err(STATUS_FREE_VM_NOT_AT_BASE);
        }
        let end = if size == 0 { v.end() } else { end };
        if end > v.end() {
            return Err(STATUS_UNABLE_TO_FREE_VM);
        }
        if kind == MEM_RELEASE {
            // Only whole allocations are released.
            if start != v.base || end != v.end() {
                return Err(STATUS_UNABLE_TO_FREE_VM);
            }
            map.remove(&start);
            // The range was this VAD's, now removed.
            vad::host_unmap(start, end - start);
        } else {
            // SAFETY: the range lies in this VAD; MADV_DONTNEED zeroes it so
            // a later commit sees zero pages, as Windows guarantees.
            unsafe {
                libc::madvise(
                    start as *mut libc::c_void,
                    (end - start) as usize,
                    libc::MADV_DONTNEED,
                );
            }
            host_protect(start, end, libc::PROT_NONE)?;
            v.pages_of(start, end).iter_mut().for_each(|p| *p = 0);
        }
        drop(map);
        user::write(base_ptr, &start)?;
        user::write(size_ptr, &(end - start))
    };
    NtStatus::from_result(run())
}

/// Implements NtProtectVirtualMemory(ProcessHandle, *BaseAddress,
/// *RegionSize, NewProtect, OldProtect).
pub fn NtProtectVirtualMemory(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        check_process(a[0])?;
        let base: u64 = user::read(a[1])?;
        let size: u64 = user::read(a[2])?;
        // The old protection is written before anything changes, so a bad
        // pointer leaves the pages as they were.
        let old: u32 = user::read(a[4])?;
        user::write(a[4], &old)?;
        let (start, len, old) = protect(base, size, a[3] as u32)?;
        user::write(a[4], &old)?;
        user::write(a[1], &start)?;
        user::write(a[2], &len)
    };
    NtStatus::from_result(run())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_page_is_one_shot() {
        let (base, _) =
            allocate(0, 2 * PAGE_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).unwrap();
        protect(base + PAGE_SIZE, PAGE_SIZE, PAGE_READWRITE | PAGE_GUARD).unwrap();
        assert!(!take_guard_fault(base), "an ordinary page is no guard page");
        assert!(take_guard_fault(base + PAGE_SIZE + 8));
        assert!(
            !take_guard_fault(base + PAGE_SIZE + 8),
            "the guard is one-shot"
        );
        let info = super::super::query::query(base + PAGE_SIZE).unwrap();
        assert_eq!(info.Protect, PAGE_READWRITE);
        // SAFETY: the page is read-write again.
        unsafe { core::ptr::write_volatile((base + PAGE_SIZE) as *mut u8, 1) };
        release(base);
    }

    #[test]
    fn zero_bits() {
        assert_eq!(zero_bits_limit(1).unwrap(), 0x8000_0000);
        assert_eq!(zero_bits_limit(0x7FFF_FFFF).unwrap(), 0x8000_0000);
        assert!(zero_bits_limit(25).is_err());
    }
}
