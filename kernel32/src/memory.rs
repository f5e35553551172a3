//! Virtual memory and heaps: VirtualAlloc/Free/Protect/Query, the process
//! heap, HeapCreate, and the Local/Global families over the process heap.

use crate::error::*;
use ntdll::heap;
use syscalls::nt::NT_CURRENT_PROCESS;
use syscalls::*;

/// Copies bytes to a fresh process-heap block (for strings kernel32 hands
/// out and keeps alive).
pub fn leak_guest(bytes: &[u8]) -> u64 {
    let Some(h) = heap::process_heap() else {
        return 0;
    };
    match h.alloc(bytes.len().max(1), 0) {
        Ok(p) => {
            // SAFETY: a fresh block of at least bytes.len() bytes.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p as *mut u8, bytes.len()) };
            p
        }
        Err(_) => 0,
    }
}

pub fn leak_guest_units(units: &[u16]) -> u64 {
    // SAFETY: u16s viewed as bytes.
    leak_guest(unsafe { core::slice::from_raw_parts(units.as_ptr() as *const u8, units.len() * 2) })
}

pub fn free_guest(p: u64) -> i32 {
    heap::process_heap().map_or(0, |h| h.free(p).is_ok() as i32)
}

/// Implements VirtualAlloc(lpAddress, dwSize, flAllocationType, flProtect).
pub extern "win64" fn VirtualAlloc(address: u64, size: u64, kind: u32, protect: u32) -> u64 {
    VirtualAllocEx(NT_CURRENT_PROCESS, address, size, kind, protect)
}

/// Implements VirtualAllocEx.
pub extern "win64" fn VirtualAllocEx(
    process: u64,
    address: u64,
    size: u64,
    kind: u32,
    protect: u32,
) -> u64 {
    let (mut base, mut region) = (address, size);
    let st = syscall(
        nr::NtAllocateVirtualMemory,
        &args([
            process,
            &mut base as *mut u64 as u64,
            0,
            &mut region as *mut u64 as u64,
            kind as u64,
            protect as u64,
        ]),
    );
    if st.is_success() {
        base
    } else {
        fail(st, 0)
    }
}

/// Implements VirtualFree(lpAddress, dwSize, dwFreeType).
pub extern "win64" fn VirtualFree(address: u64, size: u64, kind: u32) -> i32 {
    // MEM_RELEASE takes the whole allocation: the size must be 0
    // (documented; NtFreeVirtualMemory itself accepts the exact size).
    if kind == 0x8000 && size != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let (mut base, mut region) = (address, size);
    let st = syscall(
        nr::NtFreeVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            &mut base as *mut u64 as u64,
            &mut region as *mut u64 as u64,
            kind as u64,
        ]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements VirtualProtect(lpAddress, dwSize, flNewProtect, lpflOldProtect).
pub extern "win64" fn VirtualProtect(address: u64, size: u64, protect: u32, old: *mut u32) -> i32 {
    if old.is_null() {
        // The old-protection pointer is required (documented).
        set_error(998);
        return 0;
    }
    let (mut base, mut region) = (address, size);
    let st = syscall(
        nr::NtProtectVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            &mut base as *mut u64 as u64,
            &mut region as *mut u64 as u64,
            protect as u64,
            old as u64,
        ]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements VirtualQuery(lpAddress, lpBuffer, dwLength): bytes written.
pub extern "win64" fn VirtualQuery(address: u64, buffer: u64, length: u64) -> u64 {
    let mut written = 0u64;
    let st = syscall(
        nr::NtQueryVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            address,
            0,
            buffer,
            length,
            &mut written as *mut u64 as u64,
        ]),
    );
    if st.is_success() {
        written
    } else {
        fail(st, 0)
    }
}

/// Implements GetProcessHeap().
pub extern "win64" fn GetProcessHeap() -> u64 {
    heap::process_heap().map_or(0, |h| h.handle)
}

/// Implements HeapDestroy(hHeap).
pub extern "win64" fn HeapDestroy(h: u64) -> i32 {
    if heap::RtlDestroyHeap(h) == 0 {
        1
    } else {
        set_error(ERROR_INVALID_HANDLE);
        0
    }
}

/// Implements HeapFree(hHeap, dwFlags, lpMem) with a Win32 error on failure.
pub extern "win64" fn HeapFree(h: u64, flags: u32, p: u64) -> i32 {
    heap::RtlFreeHeap(h, flags, p) as i32
}

pub use crate::localmem::{
    LocalAlloc, LocalFlags, LocalFree, LocalHandle, LocalLock, LocalReAlloc, LocalSize, LocalUnlock,
};
