//! HeapCreate's fixed-size heaps, HeapLock/HeapUnlock, HeapValidate,
//! HeapWalk, HeapCompact, GetProcessHeaps, HeapQueryInformation and
//! HeapSetInformation, over ntdll's heap.

use crate::error::*;
use ntdll::heap::{self, walk::EntryKind};

const ERROR_NO_MORE_ITEMS: u32 = 259;
const ERROR_NOACCESS: u32 = 998;
const PROCESS_HEAP_REGION: u16 = 0x0001;
const PROCESS_HEAP_ENTRY_BUSY: u16 = 0x0004;

/// Implements HeapCreate(flOptions, dwInitialSize, dwMaximumSize): a
/// maximum of 0 makes a growable heap, any other a fixed-size one.
pub extern "win64" fn HeapCreate(options: u32, initial: u64, maximum: u64) -> u64 {
    const VALID: u32 =
        heap::HEAP_NO_SERIALIZE | heap::HEAP_GENERATE_EXCEPTIONS | heap::HEAP_CREATE_ENABLE_EXECUTE;
    let options = options & VALID;
    let h = if maximum == 0 {
        heap::RtlCreateHeap(options | heap::HEAP_GROWABLE, 0, initial, initial, 0, 0)
    } else {
        if initial > maximum {
            set_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
        heap::RtlCreateHeap(options, 0, maximum, initial, 0, 0)
    };
    if h == 0 {
        set_error(ERROR_NOT_ENOUGH_MEMORY);
    }
    h
}

fn lookup(h: u64) -> Option<&'static heap::Heap> {
    let found = heap::lookup(h);
    if found.is_none() {
        set_error(ERROR_INVALID_HANDLE);
    }
    found
}

/// Implements HeapLock(hHeap).
pub extern "win64" fn HeapLock(h: u64) -> i32 {
    lookup(h).map_or(0, |heap| {
        heap.lock();
        1
    })
}

/// Implements HeapUnlock(hHeap): fails unless the caller holds the lock.
pub extern "win64" fn HeapUnlock(h: u64) -> i32 {
    match lookup(h) {
        Some(heap) if heap.unlock() => 1,
        Some(_) => {
            set_error(288); // ERROR_NOT_OWNER
            0
        }
        None => 0,
    }
}

/// Implements HeapValidate(hHeap, dwFlags, lpMem).
pub extern "win64" fn HeapValidate(h: u64, _flags: u32, p: u64) -> i32 {
    lookup(h).is_some_and(|heap| heap.validate(p)) as i32
}

/// Implements HeapCompact(hHeap, dwFlags): the largest free block.
pub extern "win64" fn HeapCompact(h: u64, _flags: u32) -> u64 {
    match lookup(h) {
        Some(heap) => {
            let n = heap.largest_free();
            set_error(0);
            n
        }
        None => 0,
    }
}

/// HEAP_SUMMARY (heapapi.h): cb, cbAllocated, cbCommitted, cbReserved,
/// cbMaxReserve.
#[repr(C)]
pub struct HeapSummaryInfo {
    cb: u32,
    allocated: u64,
    committed: u64,
    reserved: u64,
    max_reserve: u64,
}

/// Implements HeapSummary(hHeap, dwFlags, lpSummary): lpSummary->cb must
/// be the structure's size.
pub extern "win64" fn HeapSummary(h: u64, _flags: u32, out: *mut HeapSummaryInfo) -> i32 {
    let Some(heap) = lookup(h) else { return 0 };
    // SAFETY: the caller's HEAP_SUMMARY.
    let Some(s) = (unsafe { out.as_mut() }) else {
        set_error(ERROR_NOACCESS);
        return 0;
    };
    if s.cb as usize != core::mem::size_of::<HeapSummaryInfo>() {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let (allocated, committed, limit) = heap.summary();
    s.allocated = allocated;
    s.committed = committed;
    s.reserved = committed;
    s.max_reserve = if limit == 0 { committed } else { limit };
    1
}

/// PROCESS_HEAP_ENTRY (minwinbase.h), 40 bytes on x64.
#[repr(C)]
pub struct ProcessHeapEntry {
    data: u64,
    size: u32,
    overhead: u8,
    region: u8,
    flags: u16,
    /// Block: hMem, dwReserved[3]; Region: dwCommittedSize,
    /// dwUnCommittedSize, lpFirstBlock, lpLastBlock.
    union: [u32; 6],
}

/// Implements HeapWalk(hHeap, lpEntry): the entry after lpEntry (the first
/// when lpEntry->lpData is NULL); ERROR_NO_MORE_ITEMS at the end.
pub extern "win64" fn HeapWalk(h: u64, entry: *mut ProcessHeapEntry) -> i32 {
    let Some(heap) = lookup(h) else { return 0 };
    if entry.is_null() {
        set_error(ERROR_NOACCESS);
        return 0;
    }
    // SAFETY: the caller's PROCESS_HEAP_ENTRY.
    let e = unsafe { &mut *entry };
    match heap.walk_next(e.data, e.data != 0 && e.flags & PROCESS_HEAP_REGION != 0) {
        Ok(next) => {
            e.data = next.data;
            e.size = next.size.min(u32::MAX as u64) as u32;
            e.overhead = next.overhead;
            e.region = next.region;
            e.union = [0; 6];
            e.flags = match next.kind {
                EntryKind::Region {
                    committed,
                    first,
                    last,
                } => {
                    e.union = [
                        committed as u32,
                        0,
                        first as u32,
                        (first >> 32) as u32,
                        last as u32,
                        (last >> 32) as u32,
                    ];
                    PROCESS_HEAP_REGION
                }
                EntryKind::Busy => PROCESS_HEAP_ENTRY_BUSY,
                EntryKind::Free => 0,
            };
            1
        }
        Err(true) => {
            set_error(ERROR_NO_MORE_ITEMS);
            0
        }
        Err(false) => {
            set_error(ERROR_INVALID_PARAMETER);
            0
        }
    }
}

/// Implements GetProcessHeaps(NumberOfHeaps, ProcessHeaps).
pub extern "win64" fn GetProcessHeaps(count: u32, out: u64) -> u32 {
    ntdll::heap::RtlGetProcessHeaps(count, out)
}

const HEAP_COMPATIBILITY_INFORMATION: u32 = 0;
const HEAP_ENABLE_TERMINATION_ON_CORRUPTION: u32 = 1;
const HEAP_OPTIMIZE_RESOURCES: u32 = 3;
/// The low-fragmentation heap: every heap here caches small blocks by size
/// class the way the LFH does.
const HEAP_LFH: u32 = 2;

/// Implements HeapQueryInformation(HeapHandle, HeapInformationClass,
/// HeapInformation, HeapInformationLength, ReturnLength).
pub extern "win64" fn HeapQueryInformation(
    h: u64,
    class: u32,
    info: *mut u32,
    len: u64,
    ret: *mut u64,
) -> i32 {
    if class != HEAP_COMPATIBILITY_INFORMATION {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if lookup(h).is_none() {
        return 0;
    }
    if !ret.is_null() {
        // SAFETY: the caller's SIZE_T.
        unsafe { *ret = 4 };
    }
    if len < 4 || info.is_null() {
        set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    // SAFETY: the caller's ULONG.
    unsafe { *info = HEAP_LFH };
    1
}

/// Implements HeapSetInformation(HeapHandle, HeapInformationClass,
/// HeapInformation, HeapInformationLength).
pub extern "win64" fn HeapSetInformation(h: u64, class: u32, info: *const u32, len: u64) -> i32 {
    match class {
        HEAP_ENABLE_TERMINATION_ON_CORRUPTION => {
            // Process-wide; the handle is ignored (documented).
            heap::walk::TERMINATE_ON_CORRUPTION.store(true, std::sync::atomic::Ordering::Relaxed);
            1
        }
        HEAP_COMPATIBILITY_INFORMATION => {
            if lookup(h).is_none() {
                return 0;
            }
            // SAFETY: the caller's ULONG when len says it is there.
            if len < 4 || info.is_null() || unsafe { *info } != HEAP_LFH {
                set_error(ERROR_INVALID_PARAMETER);
                return 0;
            }
            1
        }
        HEAP_OPTIMIZE_RESOURCES => {
            // The version field must be HEAP_CURRENT_OPTIMIZE_RESOURCES_VERSION
            // (1); free memory stays with the heap for reuse.
            // SAFETY: the caller's HEAP_OPTIMIZE_RESOURCES_INFORMATION.
            if len < 8 || info.is_null() || unsafe { *info } != 1 {
                set_error(ERROR_INVALID_PARAMETER);
                return 0;
            }
            1
        }
        _ => {
            set_error(ERROR_INVALID_PARAMETER);
            0
        }
    }
}
