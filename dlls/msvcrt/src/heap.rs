//! malloc, calloc, realloc, free, _msize: the process heap, as msvcrt.dll
//! uses it.

use crate::errno::{self, ENOMEM};
use ntdll::heap::{process_heap, HEAP_ZERO_MEMORY};

/// The process heap's handle (0 before it exists: the heap calls then
/// fail).
#[inline(always)]
fn heap_handle() -> u64 {
    process_heap().map_or(0, |h| h.handle)
}

/// ENOMEM, out of line: malloc and free stay calls from one win64
/// function to another (RtlAllocateHeap, RtlFreeHeap), with no host call
/// that would make them save xmm6-15 on every call.
#[cold]
#[inline(never)]
extern "win64" fn out_of_memory() -> u64 {
    errno::set(ENOMEM);
    0
}

/// Implements malloc(size).
pub extern "win64" fn malloc(size: u64) -> u64 {
    let p = ntdll::heap::RtlAllocateHeap(heap_handle(), 0, size.max(1));
    if p == 0 {
        return out_of_memory();
    }
    p
}

/// Implements calloc(count, size).
pub extern "win64" fn calloc(count: u64, size: u64) -> u64 {
    let Some(total) = count.checked_mul(size) else {
        errno::set(ENOMEM);
        return 0;
    };
    match process_heap().map(|h| h.alloc(total.max(1) as usize, HEAP_ZERO_MEMORY)) {
        Some(Ok(p)) => p,
        _ => {
            errno::set(ENOMEM);
            0
        }
    }
}

/// Implements free(ptr).
pub extern "win64" fn free(p: u64) {
    if p != 0 {
        ntdll::heap::RtlFreeHeap(heap_handle(), 0, p);
    }
}

/// Implements realloc(ptr, size): NULL allocates, size 0 frees.
pub extern "win64" fn realloc(p: u64, size: u64) -> u64 {
    if p == 0 {
        return malloc(size);
    }
    if size == 0 {
        free(p);
        return 0;
    }
    let q = ntdll::heap::RtlReAllocateHeap(process_heap().map_or(0, |h| h.handle), 0, p, size);
    if q == 0 {
        errno::set(ENOMEM);
    }
    q
}

/// Implements _msize(ptr).
pub extern "win64" fn _msize(p: u64) -> u64 {
    ntdll::heap::RtlSizeHeap(process_heap().map_or(0, |h| h.handle), 0, p)
}

/// Implements _strdup(str).
pub extern "win64" fn _strdup(s: *const u8) -> u64 {
    if s.is_null() {
        return 0;
    }
    // SAFETY: a NUL-terminated string.
    let bytes =
        unsafe { std::ffi::CStr::from_ptr(s as *const std::ffi::c_char).to_bytes_with_nul() };
    let p = malloc(bytes.len() as u64);
    if p != 0 {
        // SAFETY: a fresh block of the right size.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p as *mut u8, bytes.len()) };
    }
    p
}

/// Implements _wcsdup(str).
pub extern "win64" fn _wcsdup(s: *const u16) -> u64 {
    // SAFETY: a NUL-terminated wide string or NULL.
    let Some(mut units) = (unsafe { kernel32::error::wstr(s) }) else {
        return 0;
    };
    units.push(0);
    let p = malloc(units.len() as u64 * 2);
    if p != 0 {
        // SAFETY: a fresh block of the right size.
        unsafe { core::ptr::copy_nonoverlapping(units.as_ptr(), p as *mut u16, units.len()) };
    }
    p
}
