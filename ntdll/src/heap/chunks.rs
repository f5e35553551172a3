//! Which heap owns an address, answered without a lock: every 64-KiB chunk
//! of a heap's segments and large blocks is recorded in a two-level table
//! (like a page table: 2^15 leaves of 2^16 chunks cover the 47-bit user
//! address space). A pointer handed to HeapFree is checked here before its
//! header is read, so a pointer into unmapped memory is refused instead of
//! faulting.

use std::sync::atomic::{AtomicPtr, AtomicU16, Ordering};
use std::sync::Mutex;

const CHUNK_SHIFT: u32 = 16;
const LEAF_BITS: u32 = 16;
const LEAVES: usize = 1 << 15;
type Leaf = [AtomicU16; 1 << LEAF_BITS];

/// A chunk's entry: the owning heap's id, with this bit for chunks of a
/// large (separately allocated) block.
pub const LARGE: u16 = 0x8000;

static TOP: [AtomicPtr<Leaf>; LEAVES] = [const { AtomicPtr::new(core::ptr::null_mut()) }; LEAVES];
/// Serializes leaf creation.
static GROW: Mutex<()> = Mutex::new(());

fn split(addr: u64) -> Option<(usize, usize)> {
    let chunk = addr >> CHUNK_SHIFT;
    let top = (chunk >> LEAF_BITS) as usize;
    (top < LEAVES).then_some((top, (chunk & ((1 << LEAF_BITS) - 1)) as usize))
}

/// Records [base, base+size) (64-KiB aligned base) as `value`'s, or clears
/// it with 0.
pub fn set(base: u64, size: u64, value: u16) {
    let mut addr = base;
    while addr < base + size {
        let Some((t, i)) = split(addr) else { return };
        let mut leaf = TOP[t].load(Ordering::Acquire);
        if leaf.is_null() {
            let _g = GROW.lock().unwrap_or_else(|e| e.into_inner());
            leaf = TOP[t].load(Ordering::Acquire);
            if leaf.is_null() {
                let layout = std::alloc::Layout::new::<Leaf>();
                // SAFETY: a zeroed leaf is 65536 AtomicU16 zeros, a valid
                // value; it is never freed.
                leaf = unsafe { std::alloc::alloc_zeroed(layout) } as *mut Leaf;
                if leaf.is_null() {
                    std::alloc::handle_alloc_error(layout);
                }
                TOP[t].store(leaf, Ordering::Release);
            }
        }
        // SAFETY: leaves are never freed once published.
        unsafe { (*leaf)[i].store(value, Ordering::Release) };
        addr += 1 << CHUNK_SHIFT;
    }
}

/// The entry for the chunk holding `addr` (0: no heap's).
#[inline]
pub fn get(addr: u64) -> u16 {
    let Some((t, i)) = split(addr) else { return 0 };
    let leaf = TOP[t].load(Ordering::Acquire);
    if leaf.is_null() {
        return 0;
    }
    // SAFETY: leaves are never freed once published.
    unsafe { (*leaf)[i].load(Ordering::Acquire) }
}
