//! The Local* and Global* memory families over the process heap.
//!
//! Fixed memory (LMEM_FIXED / GMEM_FIXED) is a heap block and its handle is
//! its address. Moveable memory gets a handle that points at a pointer to
//! the data, as on Windows (programs that read `*(void **)hMem` see the
//! data): a small heap block holding {data pointer, lock count, flags},
//! whose handle is the address of the data pointer — 8 bytes into a 16-byte
//! aligned block, so it can never be mistaken for a fixed block's address.
//! Lock counts and discarded (size 0) moveable objects behave as
//! documented for GlobalLock, GlobalUnlock, GlobalFlags and GlobalHandle.

use crate::error::*;
use ntdll::heap::{self, Heap};

const LMEM_MOVEABLE: u32 = 0x2;
const LMEM_NOCOMPACT: u32 = 0x10;
const LMEM_NODISCARD: u32 = 0x20;
const LMEM_ZEROINIT: u32 = 0x40;
const LMEM_MODIFY: u32 = 0x80;
const LMEM_DISCARDABLE: u32 = 0xF00;
const LMEM_DISCARDED: u32 = 0x4000;
const LMEM_INVALID_HANDLE: u32 = 0x8000;
/// The flags GlobalAlloc and LocalAlloc accept (GMEM_* share the values;
/// GMEM_SHARE/DDESHARE 0x2000, GMEM_NOT_BANKED 0x1000, GMEM_NOTIFY 0x4000
/// are accepted and mean nothing on Win32).
const VALID: u32 = 0x7F72;
const ERROR_NOT_LOCKED: u32 = 158;
const MAGIC: u32 = 0x4D4F_5645; // "MOVE"

/// The block behind a moveable handle; the handle is `&data`.
#[repr(C)]
struct Moveable {
    magic: u32,
    locks: u32,
    data: u64,
    flags: u32,
    _pad: u32,
}

fn process_heap() -> Option<&'static Heap> {
    heap::process_heap()
}

/// The entry of a moveable handle, if `h` is one.
fn moveable(h: u64) -> Option<&'static mut Moveable> {
    if h % 16 != 8 {
        return None;
    }
    let entry = h - 8;
    if !process_heap()?.is_live(entry) {
        return None;
    }
    // SAFETY: a live process-heap block at least as big as Moveable (the
    // header check passed), 16-byte aligned.
    let m = unsafe { &mut *(entry as *mut Moveable) };
    (m.magic == MAGIC).then_some(m)
}

fn alloc_data(heap: &Heap, size: u64, flags: u32) -> Option<u64> {
    let zero = if flags & LMEM_ZEROINIT != 0 {
        heap::HEAP_ZERO_MEMORY
    } else {
        0
    };
    heap.alloc(size.max(1) as usize, zero).ok()
}

/// Implements LocalAlloc(uFlags, uBytes) and GlobalAlloc.
pub extern "win64" fn LocalAlloc(flags: u32, size: u64) -> u64 {
    let Some(heap) = process_heap() else { return 0 };
    if flags & !VALID != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if flags & LMEM_MOVEABLE == 0 {
        return alloc_data(heap, size, flags).unwrap_or_else(|| {
            set_error(ERROR_NOT_ENOUGH_MEMORY);
            0
        });
    }
    // Moveable: size 0 makes an object that starts out discarded.
    let data = if size == 0 {
        0
    } else {
        match alloc_data(heap, size, flags) {
            Some(d) => d,
            None => {
                set_error(ERROR_NOT_ENOUGH_MEMORY);
                return 0;
            }
        }
    };
    let Ok(entry) = heap.alloc(core::mem::size_of::<Moveable>(), 0) else {
        if data != 0 {
            let _ = heap.free(data);
        }
        set_error(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    };
    // SAFETY: a fresh block of the entry's size.
    unsafe {
        core::ptr::write(
            entry as *mut Moveable,
            Moveable {
                magic: MAGIC,
                locks: 0,
                data,
                flags: flags & LMEM_DISCARDABLE,
                _pad: 0,
            },
        )
    };
    entry + 8
}

/// Implements LocalFree(hMem) and GlobalFree: NULL on success, the handle
/// on failure.
pub extern "win64" fn LocalFree(h: u64) -> u64 {
    if h == 0 {
        return 0;
    }
    let Some(heap) = process_heap() else { return h };
    if let Some(m) = moveable(h) {
        let data = m.data;
        m.magic = 0;
        if data != 0 {
            let _ = heap.free(data);
        }
        let _ = heap.free(h - 8);
        return 0;
    }
    match heap.free(h) {
        Ok(()) => 0,
        Err(_) => {
            set_error(ERROR_INVALID_HANDLE);
            h
        }
    }
}

/// Implements LocalLock(hMem) and GlobalLock: the data's address; for
/// moveable memory the lock count goes up (NULL if discarded).
pub extern "win64" fn LocalLock(h: u64) -> u64 {
    if let Some(m) = moveable(h) {
        if m.data == 0 {
            set_error(ERROR_DISCARDED);
            return 0;
        }
        if m.locks < 0xFF {
            m.locks += 1;
        }
        return m.data;
    }
    if h == 0 || !process_heap().is_some_and(|p| p.is_live(h)) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    h
}

const ERROR_DISCARDED: u32 = 157;

/// Implements LocalUnlock(hMem) and GlobalUnlock: nonzero while still
/// locked; 0 with NO_ERROR when the count reaches zero, with
/// ERROR_NOT_LOCKED if it was not locked.
pub extern "win64" fn LocalUnlock(h: u64) -> i32 {
    match moveable(h) {
        Some(m) if m.locks > 0 => {
            m.locks -= 1;
            if m.locks > 0 {
                return 1;
            }
            set_error(0);
            0
        }
        Some(_) => {
            set_error(ERROR_NOT_LOCKED);
            0
        }
        None => {
            // Fixed memory has no lock count.
            set_error(0);
            0
        }
    }
}

/// Implements LocalSize(hMem) and GlobalSize: 0 for a discarded or invalid
/// object.
pub extern "win64" fn LocalSize(h: u64) -> u64 {
    let Some(heap) = process_heap() else { return 0 };
    let data = match moveable(h) {
        Some(m) if m.data == 0 => return 0,
        Some(m) => m.data,
        None => h,
    };
    match heap.size(data) {
        Ok(n) => n as u64,
        Err(_) => {
            set_error(ERROR_INVALID_HANDLE);
            0
        }
    }
}

/// Implements LocalFlags(hMem) and GlobalFlags: the lock count in the low
/// byte, LMEM_DISCARDABLE / LMEM_DISCARDED above it.
pub extern "win64" fn LocalFlags(h: u64) -> u32 {
    if let Some(m) = moveable(h) {
        let mut f = m.locks | m.flags;
        if m.data == 0 {
            f |= LMEM_DISCARDED;
        }
        return f;
    }
    if process_heap().is_some_and(|p| p.is_live(h)) {
        return 0;
    }
    set_error(ERROR_INVALID_HANDLE);
    LMEM_INVALID_HANDLE
}

/// Implements LocalHandle(pMem) and GlobalHandle: the handle of the object
/// whose data is at `p` (fixed memory is its own handle).
pub extern "win64" fn LocalHandle(p: u64) -> u64 {
    if moveable(p).is_some() {
        return p;
    }
    let Some(heap) = process_heap() else { return 0 };
    if !heap.is_live(p) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    // A moveable object's data does not know its handle; look through the
    // heap's entry-sized blocks for the entry that points at it.
    let entry_size = core::mem::size_of::<Moveable>() as u64;
    for entry in heap.busy_blocks_of_size(entry_size) {
        if let Some(m) = moveable(entry + 8) {
            if m.data == p {
                return entry + 8;
            }
        }
    }
    p
}

/// Implements LocalReAlloc(hMem, uBytes, uFlags) and GlobalReAlloc.
pub extern "win64" fn LocalReAlloc(h: u64, size: u64, flags: u32) -> u64 {
    let Some(heap) = process_heap() else { return 0 };
    let zero = if flags & LMEM_ZEROINIT != 0 {
        heap::HEAP_ZERO_MEMORY
    } else {
        0
    };
    if let Some(m) = moveable(h) {
        if flags & LMEM_MODIFY != 0 {
            m.flags = flags & LMEM_DISCARDABLE;
            return h;
        }
        if size == 0 {
            // Discard (only when unlocked).
            if m.locks > 0 {
                set_error(ERROR_NOT_ENOUGH_MEMORY);
                return 0;
            }
            if m.data != 0 {
                let _ = heap.free(m.data);
            }
            m.data = 0;
            return h;
        }
        let moved = if m.data == 0 {
            alloc_data(heap, size, flags).ok_or(heap::HeapError::NoMemory)
        } else {
            // A locked object may not move.
            let in_place = if m.locks > 0 {
                heap::HEAP_REALLOC_IN_PLACE_ONLY
            } else {
                0
            };
            heap.realloc(m.data, size as usize, in_place | zero)
        };
        return match moved {
            Ok(d) => {
                m.data = d;
                h
            }
            Err(_) => {
                set_error(ERROR_NOT_ENOUGH_MEMORY);
                0
            }
        };
    }
    if flags & LMEM_MODIFY != 0 {
        return h;
    }
    // Fixed memory moves only with LMEM_MOVEABLE.
    let in_place = if flags & LMEM_MOVEABLE == 0 {
        heap::HEAP_REALLOC_IN_PLACE_ONLY
    } else {
        0
    };
    match heap.realloc(h, size.max(1) as usize, in_place | zero) {
        Ok(q) => q,
        Err(heap::HeapError::NoMemory) => {
            set_error(ERROR_NOT_ENOUGH_MEMORY);
            0
        }
        Err(_) => {
            set_error(ERROR_INVALID_HANDLE);
            0
        }
    }
}

// LMEM_NOCOMPACT and LMEM_NODISCARD are accepted by VALID; nothing on
// Win32 compacts or discards behind the program's back.
const _: u32 = LMEM_NOCOMPACT | LMEM_NODISCARD;
