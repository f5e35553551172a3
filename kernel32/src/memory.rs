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
    VirtualFreeEx(NT_CURRENT_PROCESS, address, size, kind)
}

/// Implements VirtualFreeEx(hProcess, lpAddress, dwSize, dwFreeType).
pub extern "win64" fn VirtualFreeEx(process: u64, address: u64, size: u64, kind: u32) -> i32 {
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
            process,
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
    VirtualProtectEx(NT_CURRENT_PROCESS, address, size, protect, old)
}

/// Implements VirtualProtectEx(hProcess, lpAddress, dwSize, flNewProtect,
/// lpflOldProtect).
pub extern "win64" fn VirtualProtectEx(
    process: u64,
    address: u64,
    size: u64,
    protect: u32,
    old: *mut u32,
) -> i32 {
    if old.is_null() {
        // The old-protection pointer is required (documented).
        set_error(998);
        return 0;
    }
    let (mut base, mut region) = (address, size);
    let st = syscall(
        nr::NtProtectVirtualMemory,
        &args([
            process,
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
    VirtualQueryEx(NT_CURRENT_PROCESS, address, buffer, length)
}

/// Implements VirtualQueryEx(hProcess, lpAddress, lpBuffer, dwLength).
pub extern "win64" fn VirtualQueryEx(process: u64, address: u64, buffer: u64, length: u64) -> u64 {
    let mut written = 0u64;
    let st = syscall(
        nr::NtQueryVirtualMemory,
        &args([
            process,
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

/// Implements ReadProcessMemory(hProcess, lpBaseAddress, lpBuffer, nSize,
/// lpNumberOfBytesRead): ERROR_PARTIAL_COPY, with the count, when part of
/// the range cannot be read.
pub extern "win64" fn ReadProcessMemory(
    process: u64,
    address: u64,
    buffer: u64,
    size: u64,
    done: *mut u64,
) -> i32 {
    let mut n = 0u64;
    let st = syscall(
        nr::NtReadVirtualMemory,
        &args([process, address, buffer, size, &mut n as *mut u64 as u64]),
    );
    if !done.is_null() {
        // SAFETY: the caller's SIZE_T.
        unsafe { *done = n };
    }
    if st == STATUS_SUCCESS {
        1
    } else {
        fail(st, 0)
    }
}

const PAGE_READWRITE: u32 = 0x04;
const PAGE_WRITECOPY: u32 = 0x08;
const PAGE_EXECUTE_READWRITE: u32 = 0x40;
const PAGE_EXECUTE_WRITECOPY: u32 = 0x80;

/// Implements WriteProcessMemory(hProcess, lpBaseAddress, lpBuffer, nSize,
/// lpNumberOfBytesWritten). Like Windows' own, it writes into read-only
/// and execute-only pages too (debuggers patch code this way): pages that
/// are not writable are made so for the write and given their protection
/// back afterwards.
pub extern "win64" fn WriteProcessMemory(
    process: u64,
    address: u64,
    buffer: u64,
    size: u64,
    done: *mut u64,
) -> i32 {
    let write = || {
        let mut n = 0u64;
        let st = syscall(
            nr::NtWriteVirtualMemory,
            &args([process, address, buffer, size, &mut n as *mut u64 as u64]),
        );
        (st, n)
    };
    let (mut st, mut n) = write();
    if st != STATUS_SUCCESS && size != 0 {
        // Make the committed pages writable, keeping execute access.
        let mut info = [0u64; 6];
        let q = syscall(
            nr::NtQueryVirtualMemory,
            &args([process, address, 0, info.as_mut_ptr() as u64, 48, 0]),
        );
        let protect = (info[4] >> 32) as u32 & 0xFF;
        let state = info[4] as u32;
        let writable = matches!(
            protect,
            PAGE_READWRITE | PAGE_WRITECOPY | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY
        );
        if q.is_success() && state == 0x1000 && !writable && protect != 0x01 {
            let temporary = if protect & 0xF0 != 0 {
                PAGE_EXECUTE_READWRITE
            } else {
                PAGE_READWRITE
            };
            let mut old = 0u32;
            if VirtualProtectEx(process, address, size, temporary, &mut old) != 0 {
                (st, n) = write();
                let mut ignored = 0u32;
                VirtualProtectEx(process, address, size, old, &mut ignored);
            }
        }
    }
    if !done.is_null() {
        // SAFETY: the caller's SIZE_T.
        unsafe { *done = n };
    }
    if st == STATUS_SUCCESS {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements FlushInstructionCache(hProcess, lpBaseAddress, dwSize).
pub extern "win64" fn FlushInstructionCache(process: u64, address: u64, size: u64) -> i32 {
    let st = syscall(nr::NtFlushInstructionCache, &args([process, address, size]));
    if st.is_success() {
        1
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
