//! Virtual memory services: NtAllocateVirtualMemory, NtFreeVirtualMemory,
//! NtProtectVirtualMemory, NtQueryVirtualMemory.

use super::vad::{self, Vad};
use super::*;
use syscalls::nt::{MEMORY_BASIC_INFORMATION, NT_CURRENT_PROCESS};
use syscalls::*;

/// Where bottom-up searches start when the caller gives no address.
const BOTTOM_UP_START: u64 = 0x1_0000;
/// Where top-down searches start (below the host's own high mappings).
const TOP_DOWN_START: u64 = 0x7000_0000_0000;

fn check_process(handle: u64) -> NtResult<()> {
    if handle == NT_CURRENT_PROCESS {
        return Ok(());
    }
    // Another process's memory needs cross-process support.
    let object = crate::ob::reference_object_by_handle(handle)?;
    match object.as_any().downcast_ref::<crate::ps::Process>() {
        Some(_) => Ok(()),
        None => Err(STATUS_OBJECT_TYPE_MISMATCH),
    }
}

fn commit_pages(v: &mut Vad, start: u64, end: u64, protect: u32) -> NtResult<()> {
    let prot = host_protection(protect)?;
    // SAFETY: the range lies inside a VAD this process owns.
    if unsafe { libc::mprotect(start as *mut libc::c_void, (end - start) as usize, prot) } != 0 {
        return Err(STATUS_NO_MEMORY);
    }
    let (a, b) = (v.page_index(start), v.page_index(end - 1) + 1);
    v.pages[a..b].iter_mut().for_each(|p| *p = protect);
    Ok(())
}

/// Reserves (and optionally commits) a new private region. `base` 0 picks an
/// address. Used by the services and by the executive itself (PEB, TEB,
/// stacks).
pub fn allocate(base: u64, size: u64, kind: u32, protect: u32) -> NtResult<(u64, u64)> {
    let committed = host_protection(protect)?;
    if size == 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    // Reserve-and-commit maps the pages with their protection in one call.
    let commit = kind & MEM_COMMIT != 0;
    let prot = if commit { committed } else { libc::PROT_NONE };
    let mut map = vad::lock();
    let (start, len) = if base == 0 {
        let len = round_up(size, PAGE_SIZE);
        let top_down = kind & MEM_TOP_DOWN != 0;
        let from = if top_down {
            TOP_DOWN_START
        } else {
            BOTTOM_UP_START
        };
        let start = vad::find_and_map(&map, len, from, top_down, prot).ok_or(STATUS_NO_MEMORY)?;
        (start, len)
    } else {
        let start = round_down(base, ALLOCATION_GRANULARITY);
        let end = round_up(
            base.checked_add(size).ok_or(STATUS_INVALID_PARAMETER)?,
            PAGE_SIZE,
        );
        if start < LOWEST_ADDRESS || end > HIGHEST_ADDRESS + 1 {
            return Err(STATUS_INVALID_PARAMETER_2);
        }
        let len = end - start;
        if !vad::is_free(&map, start, round_up(len, ALLOCATION_GRANULARITY))
            || !vad::host_map(start, len, prot)
        {
            return Err(STATUS_CONFLICTING_ADDRESSES);
        }
        (start, len)
    };
    let state = if commit { protect } else { 0 };
    let v = Vad {
        base: start,
        size: len,
        kind: MEM_PRIVATE,
        allocation_protect: protect,
        pages: vec![state; (len / PAGE_SIZE) as usize],
    };
    map.insert(start, v);
    Ok((start, len))
}

/// Commits pages inside an existing reservation.
fn commit_existing(base: u64, size: u64, protect: u32) -> NtResult<(u64, u64)> {
    let start = round_down(base, PAGE_SIZE);
    let end = round_up(
        base.checked_add(size.max(1))
            .ok_or(STATUS_INVALID_PARAMETER)?,
        PAGE_SIZE,
    );
    let mut map = vad::lock();
    let v = vad::find_mut(&mut map, start).ok_or(STATUS_CONFLICTING_ADDRESSES)?;
    if end > v.end() || v.kind != MEM_PRIVATE {
        return Err(STATUS_CONFLICTING_ADDRESSES);
    }
    commit_pages(v, start, end, protect)?;
    Ok((start, end - start))
}

/// Changes the protection of committed pages; returns the old protection of
/// the first page.
pub fn protect(base: u64, size: u64, new: u32) -> NtResult<(u64, u64, u32)> {
    let prot = host_protection(new)?;
    let start = round_down(base, PAGE_SIZE);
    let end = round_up(
        base.checked_add(size.max(1))
            .ok_or(STATUS_INVALID_PARAMETER)?,
        PAGE_SIZE,
    );
    let mut map = vad::lock();
    let v = vad::find_mut(&mut map, start).ok_or(STATUS_MEMORY_NOT_ALLOCATED)?;
    if end > v.end() {
        return Err(STATUS_CONFLICTING_ADDRESSES);
    }
    let (a, b) = (v.page_index(start), v.page_index(end - 1) + 1);
    if v.pages[a..b].iter().any(|&p| p == 0) {
        return Err(NtStatus(0xC000_002D)); // STATUS_NOT_COMMITTED
    }
    let old = v.pages[a];
    // Demand-paged image pages are filled first: they must not turn
    // readable before their data is there.
    super::lazy::fill_range(start, end);
    // SAFETY: the range lies inside a VAD this process owns.
    if unsafe { libc::mprotect(start as *mut libc::c_void, (end - start) as usize, prot) } != 0 {
        return Err(STATUS_NO_MEMORY);
    }
    v.pages[a..b].iter_mut().for_each(|p| *p = new);
    Ok((start, end - start, old))
}

/// Releases a whole private allocation the executive made (a thread's
/// stack and TEB when it ends).
pub fn release(base: u64) {
    let mut map = vad::lock();
    if let Some(v) = map.remove(&base) {
        // SAFETY: the range was this VAD's, now removed.
        unsafe { libc::munmap(v.base as *mut libc::c_void, v.size as usize) };
    }
}

/// Registers an already-mapped range as a VAD (views and images).
pub fn insert_vad(v: Vad) {
    vad::lock().insert(v.base, v);
}

/// Implements NtAllocateVirtualMemory(ProcessHandle, *BaseAddress, ZeroBits,
/// *RegionSize, AllocationType, Protect).
pub fn NtAllocateVirtualMemory(a: &Args) -> NtStatus {
    let (base_ptr, size_ptr, kind, prot) = (a[1], a[3], a[4] as u32, a[5] as u32);
    let run = || -> NtResult<()> {
        check_process(a[0])?;
        let base: u64 = user::read(base_ptr)?;
        let size: u64 = user::read(size_ptr)?;
        if kind
            & !(MEM_COMMIT
                | MEM_RESERVE
                | MEM_TOP_DOWN
                | MEM_RESET
                | MEM_RESET_UNDO
                | 0x2000_0000
                | 0x40_0000)
            != 0
        {
            return Err(STATUS_INVALID_PARAMETER_5);
        }
        let (start, len) = if kind & MEM_RESET != 0 {
            // The contents become undefined; we leave them as they are.
            (round_down(base, PAGE_SIZE), round_up(size, PAGE_SIZE))
        } else if kind & MEM_RESERVE != 0 {
            allocate(base, size, kind, prot)?
        } else if kind & MEM_COMMIT != 0 {
            if base == 0 {
                return Err(STATUS_INVALID_PARAMETER);
            }
            host_protection(prot)?;
            commit_existing(base, size, prot)?
        } else {
            return Err(STATUS_INVALID_PARAMETER_5);
        };
        user::write(base_ptr, &start)?;
        user::write(size_ptr, &len)
    };
    NtStatus::from_result(run())
}

const STATUS_INVALID_PARAMETER_5: NtStatus = NtStatus(0xC000_00F3);
const STATUS_INVALID_PARAMETER_4: NtStatus = NtStatus(0xC000_00F2);

/// Implements NtFreeVirtualMemory(ProcessHandle, *BaseAddress, *RegionSize,
/// FreeType).
pub fn NtFreeVirtualMemory(a: &Args) -> NtStatus {
    let (base_ptr, size_ptr, kind) = (a[1], a[2], a[3] as u32);
    let run = || -> NtResult<()> {
        check_process(a[0])?;
        let base: u64 = user::read(base_ptr)?;
        let size: u64 = user::read(size_ptr)?;
        let mut map = vad::lock();
        let v = vad::find_mut(&mut map, base).ok_or(STATUS_MEMORY_NOT_ALLOCATED)?;
        if v.kind != MEM_PRIVATE {
            return Err(STATUS_UNABLE_TO_FREE_VM);
        }
        match kind {
            MEM_RELEASE => {
                // Only whole allocations are released: size 0, the base.
                if size != 0 && !(base == v.base && size == v.size) {
                    return Err(STATUS_UNABLE_TO_FREE_VM);
                }
                if base != v.base {
                    return Err(STATUS_FREE_VM_NOT_AT_BASE);
                }
                let (start, len) = (v.base, v.size);
                map.remove(&start);
                // SAFETY: the range was this VAD's, now removed.
                unsafe {
                    libc::munmap(
                        start as *mut libc::c_void,
                        round_up(len, ALLOCATION_GRANULARITY) as usize,
                    )
                };
                user::write(base_ptr, &start)?;
                user::write(size_ptr, &len)
            }
            MEM_DECOMMIT => {
                let (start, end) = if size == 0 {
                    (round_down(base, PAGE_SIZE), v.end())
                } else {
                    (
                        round_down(base, PAGE_SIZE),
                        round_up(base + size, PAGE_SIZE),
                    )
                };
                if end > v.end() {
                    return Err(STATUS_UNABLE_TO_FREE_VM);
                }
                // SAFETY: the range lies in this VAD; MADV_DONTNEED zeroes it
                // so a later commit sees zero pages, as Windows guarantees.
                unsafe {
                    libc::madvise(
                        start as *mut libc::c_void,
                        (end - start) as usize,
                        libc::MADV_DONTNEED,
                    );
                    libc::mprotect(
                        start as *mut libc::c_void,
                        (end - start) as usize,
                        libc::PROT_NONE,
                    );
                }
                let (i, j) = (v.page_index(start), v.page_index(end - 1) + 1);
                v.pages[i..j].iter_mut().for_each(|p| *p = 0);
                user::write(base_ptr, &start)?;
                user::write(size_ptr, &(end - start))
            }
            _ => Err(STATUS_INVALID_PARAMETER_4),
        }
    };
    NtStatus::from_result(run())
}

const STATUS_FREE_VM_NOT_AT_BASE: NtStatus = NtStatus(0xC000_009F);

/// Implements NtProtectVirtualMemory(ProcessHandle, *BaseAddress,
/// *RegionSize, NewProtect, OldProtect).
pub fn NtProtectVirtualMemory(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        check_process(a[0])?;
        let base: u64 = user::read(a[1])?;
        let size: u64 = user::read(a[2])?;
        let (start, len, old) = protect(base, size, a[3] as u32)?;
        user::write(a[4], &old)?;
        user::write(a[1], &start)?;
        user::write(a[2], &len)
    };
    NtStatus::from_result(run())
}

/// MEMORY_BASIC_INFORMATION for `addr`.
pub fn query(addr: u64) -> NtResult<MEMORY_BASIC_INFORMATION> {
    if addr > HIGHEST_ADDRESS {
        return Err(STATUS_INVALID_PARAMETER_2);
    }
    let page = round_down(addr, PAGE_SIZE);
    let map = vad::lock();
    if let Some(v) = vad::find(&map, page) {
        let i = v.page_index(page);
        let state = v.pages[i];
        let run = v.pages[i..].iter().take_while(|&&p| p == state).count() as u64;
        return Ok(MEMORY_BASIC_INFORMATION {
            BaseAddress: page,
            AllocationBase: v.base,
            AllocationProtect: v.allocation_protect,
            RegionSize: run * PAGE_SIZE,
            State: if state == 0 { MEM_RESERVE } else { MEM_COMMIT },
            Protect: state,
            Type: v.kind,
            ..Default::default()
        });
    }
    let next = map
        .range(page..)
        .next()
        .map_or(HIGHEST_ADDRESS + 1, |(b, _)| *b);
    Ok(MEMORY_BASIC_INFORMATION {
        BaseAddress: page,
        RegionSize: next - page,
        State: MEM_FREE,
        Protect: PAGE_NOACCESS,
        ..Default::default()
    })
}

/// Implements NtQueryVirtualMemory(ProcessHandle, BaseAddress, Class, Buffer,
/// Length, ReturnLength).
pub fn NtQueryVirtualMemory(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        check_process(a[0])?;
        if a[2] != 0 {
            log::warn!("unimplemented NtQueryVirtualMemory class {}", a[2]);
            return Err(STATUS_INVALID_INFO_CLASS);
        }
        let size = core::mem::size_of::<MEMORY_BASIC_INFORMATION>() as u64;
        if a[4] < size {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let info = query(a[1])?;
        user::write(a[3], &info)?;
        user::write_opt(a[5], &size)
    };
    NtStatus::from_result(run())
}
