//! _aligned_malloc and its family: blocks at a power-of-two alignment,
//! carved from a malloc block. The two words before the aligned address
//! hold the malloc block and the requested size (for _aligned_realloc).

use crate::errno::{self, EINVAL, ENOMEM};
use crate::heap::{free, malloc};

const HEADER: u64 = 16;

/// Checks the arguments; `Err(EINVAL)` for an alignment that is not a
/// power of two (Microsoft's documented condition).
pub fn check_alignment(alignment: u64) -> Result<(), i32> {
    if alignment == 0 || !alignment.is_power_of_two() {
        return Err(EINVAL);
    }
    Ok(())
}

/// Allocates `size` bytes at `alignment` (a power of two).
pub fn alloc(size: u64, alignment: u64) -> Result<u64, i32> {
    check_alignment(alignment)?;
    let alignment = alignment.max(8);
    let total = size
        .checked_add(alignment)
        .and_then(|n| n.checked_add(HEADER))
        .ok_or(ENOMEM)?;
    let block = malloc(total);
    if block == 0 {
        return Err(ENOMEM);
    }
    let aligned = (block + HEADER + alignment - 1) & !(alignment - 1);
    // SAFETY: aligned - 16 .. aligned + size lies inside the new block.
    unsafe {
        *((aligned - 16) as *mut u64) = block;
        *((aligned - 8) as *mut u64) = size;
    }
    Ok(aligned)
}

/// The malloc block and size behind an aligned block.
fn header(p: u64) -> (u64, u64) {
    // SAFETY: p came from `alloc`: its header precedes it.
    unsafe { (*((p - 16) as *const u64), *((p - 8) as *const u64)) }
}

/// Frees an aligned block (NULL is allowed).
pub fn release(p: u64) {
    if p != 0 {
        free(header(p).0);
    }
}

/// Resizes an aligned block: a new block, the old contents copied.
pub fn resize(p: u64, size: u64, alignment: u64) -> Result<u64, i32> {
    if p == 0 {
        return alloc(size, alignment);
    }
    check_alignment(alignment)?;
    if size == 0 {
        release(p);
        return Ok(0);
    }
    let (_, old) = header(p);
    let new = alloc(size, alignment)?;
    // SAFETY: both blocks hold at least min(old, size) bytes.
    unsafe {
        core::ptr::copy_nonoverlapping(p as *const u8, new as *mut u8, old.min(size) as usize)
    };
    release(p);
    Ok(new)
}

/// Implements _aligned_malloc(size, alignment): NULL and errno on failure.
pub extern "win64" fn _aligned_malloc(size: u64, alignment: u64) -> u64 {
    alloc(size, alignment).unwrap_or_else(|e| {
        errno::set(e);
        0
    })
}

/// Implements _aligned_free(block).
pub extern "win64" fn _aligned_free(p: u64) {
    release(p)
}

/// Implements _aligned_realloc(block, size, alignment).
pub extern "win64" fn _aligned_realloc(p: u64, size: u64, alignment: u64) -> u64 {
    resize(p, size, alignment).unwrap_or_else(|e| {
        errno::set(e);
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_alignments_that_are_not_powers_of_two() {
        assert_eq!(check_alignment(0), Err(EINVAL));
        assert_eq!(check_alignment(24), Err(EINVAL));
        assert_eq!(check_alignment(64), Ok(()));
    }
}
