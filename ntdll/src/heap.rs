//! The heap: RtlCreateHeap, RtlAllocateHeap, RtlFreeHeap, RtlReAllocateHeap,
//! RtlSizeHeap, RtlDestroyHeap.
//!
//! Small blocks come from per-size-class free lists carved out of segments
//! the heap commits through NtAllocateVirtualMemory; blocks past the largest
//! class get their own allocation. Every block has a 16-byte header whose
//! tag tells a live block from a freed one, so double frees and pointers the
//! heap never handed out are detected and reported, never silently
//! corrupting the heap.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use syscalls::nt::NT_CURRENT_PROCESS;
use syscalls::*;

pub const HEAP_NO_SERIALIZE: u32 = 0x0000_0001;
pub const HEAP_GROWABLE: u32 = 0x0000_0002;
pub const HEAP_GENERATE_EXCEPTIONS: u32 = 0x0000_0004;
pub const HEAP_ZERO_MEMORY: u32 = 0x0000_0008;
pub const HEAP_REALLOC_IN_PLACE_ONLY: u32 = 0x0000_0010;

const HEADER: usize = 16;
const TAG_BUSY: u32 = 0xB10C_B5B5;
const TAG_FREE: u32 = 0xB10C_F4EE;
const TAG_LARGE: u32 = 0xB10C_1A46;
/// Size classes: 16-byte steps to 1 KiB, then powers of two to 256 KiB.
const SMALL_LIMIT: usize = 1024;
const LARGE_LIMIT: usize = 256 * 1024;
const SEGMENT: usize = 1 << 20;
/// The descriptor page at the start of a heap's first segment.
const DESCRIPTOR: u64 = 0x1000;

fn class_of(size: usize) -> (usize, usize) {
    if size <= SMALL_LIMIT {
        let c = size.max(1).div_ceil(16);
        (c - 1, c * 16)
    } else {
        let cap = size.next_power_of_two();
        (64 + (cap.trailing_zeros() as usize - 11), cap)
    }
}
const CLASSES: usize = 64 + 8;

/// The block header, just before the user pointer.
#[repr(C)]
struct Header {
    /// Requested size.
    size: u64,
    tag: u32,
    class: u16,
    _pad: u16,
}

struct HeapState {
    free: [u64; CLASSES],
    bump: u64,
    bump_end: u64,
    segments: Vec<(u64, u64)>,
    large: HashMap<u64, u64>,
}

pub struct Heap {
    state: Mutex<HeapState>,
    pub flags: u32,
    /// The heap's handle: the address of its guest-visible descriptor page.
    pub handle: u64,
}

fn vm_alloc(size: usize) -> Option<u64> {
    let (mut base, mut region) = (0u64, size as u64);
    let st = syscall(
        nr::NtAllocateVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            &mut base as *mut u64 as u64,
            0,
            &mut region as *mut u64 as u64,
            0x3000,
            0x04,
        ]),
    );
    st.is_success().then_some(base)
}

fn vm_free(base: u64) {
    let (mut b, mut s) = (base, 0u64);
    let _ = syscall(
        nr::NtFreeVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            &mut b as *mut u64 as u64,
            &mut s as *mut u64 as u64,
            0x8000,
        ]),
    );
}

/// Why a heap operation refused a pointer.
#[derive(Debug)]
pub enum HeapError {
    NoMemory,
    InvalidPointer(u64),
    DoubleFree(u64),
}

impl Heap {
    fn new(flags: u32) -> Option<Heap> {
        // The heap's first segment also holds its descriptor page, so its
        // handle is an address like on Windows.
        let segment = vm_alloc(SEGMENT)?;
        Some(Heap {
            state: Mutex::new(HeapState {
                free: [0; CLASSES],
                bump: segment + DESCRIPTOR,
                bump_end: segment + SEGMENT as u64,
                segments: vec![(segment, SEGMENT as u64)],
                large: HashMap::new(),
            }),
            flags,
            handle: segment,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HeapState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn alloc(&self, size: usize, flags: u32) -> Result<u64, HeapError> {
        let zero = (flags | self.flags) & HEAP_ZERO_MEMORY != 0;
        if size > LARGE_LIMIT {
            let total = size.checked_add(HEADER).ok_or(HeapError::NoMemory)?;
            let base = vm_alloc(total).ok_or(HeapError::NoMemory)?;
            // SAFETY: fresh committed memory of `total` bytes (already zero).
            unsafe {
                core::ptr::write(
                    base as *mut Header,
                    Header {
                        size: size as u64,
                        tag: TAG_LARGE,
                        class: u16::MAX,
                        _pad: 0,
                    },
                )
            };
            self.lock().large.insert(base + HEADER as u64, total as u64);
            return Ok(base + HEADER as u64);
        }
        let (class, cap) = class_of(size);
        let mut s = self.lock();
        let block = if s.free[class] != 0 {
            let b = s.free[class];
            // SAFETY: free blocks keep the next pointer in their first word.
            s.free[class] = unsafe { *(b as *const u64) };
            b
        } else {
            let need = (cap + HEADER) as u64;
            if s.bump + need > s.bump_end {
                let seg = vm_alloc(SEGMENT).ok_or(HeapError::NoMemory)?;
                s.segments.push((seg, SEGMENT as u64));
                s.bump = seg;
                s.bump_end = seg + SEGMENT as u64;
            }
            let b = s.bump + HEADER as u64;
            s.bump += need;
            b
        };
        drop(s);
        // SAFETY: `block` is a block of this heap with `cap` bytes and a
        // header in front of it.
        unsafe {
            core::ptr::write(
                (block - HEADER as u64) as *mut Header,
                Header {
                    size: size as u64,
                    tag: TAG_BUSY,
                    class: class as u16,
                    _pad: 0,
                },
            );
            if zero {
                core::ptr::write_bytes(block as *mut u8, 0, cap);
            }
        }
        Ok(block)
    }

    fn owns(&self, s: &HeapState, p: u64) -> bool {
        // The descriptor page of the first segment holds no blocks.
        s.large.contains_key(&p)
            || s.segments.iter().any(|&(b, l)| {
                let first = if b == self.handle { b + DESCRIPTOR } else { b };
                p >= first + HEADER as u64 && p < b + l
            })
    }

    /// The header of a live block, checked.
    fn header(&self, s: &HeapState, p: u64) -> Result<&'static mut Header, HeapError> {
        if p % 16 != 0 || !self.owns(s, p) {
            return Err(HeapError::InvalidPointer(p));
        }
        // SAFETY: p lies inside one of this heap's segments or large blocks,
        // so its header is mapped memory of this heap.
        let h = unsafe { &mut *((p - HEADER as u64) as *mut Header) };
        match h.tag {
            TAG_BUSY | TAG_LARGE => Ok(h),
            TAG_FREE => Err(HeapError::DoubleFree(p)),
            _ => Err(HeapError::InvalidPointer(p)),
        }
    }

    pub fn free(&self, p: u64) -> Result<(), HeapError> {
        let mut s = self.lock();
        let h = self.header(&s, p)?;
        if h.tag == TAG_LARGE {
            s.large.remove(&p);
            drop(s);
            vm_free(p - HEADER as u64);
            return Ok(());
        }
        h.tag = TAG_FREE;
        let class = h.class as usize;
        // SAFETY: the block is ours and at least 16 bytes.
        unsafe { *(p as *mut u64) = s.free[class] };
        s.free[class] = p;
        Ok(())
    }

    pub fn size(&self, p: u64) -> Result<usize, HeapError> {
        let s = self.lock();
        Ok(self.header(&s, p)?.size as usize)
    }

    pub fn realloc(&self, p: u64, size: usize, flags: u32) -> Result<u64, HeapError> {
        let (old, capacity) = {
            let s = self.lock();
            let h = self.header(&s, p)?;
            let cap = if h.tag == TAG_LARGE {
                s.large[&p] as usize - HEADER
            } else {
                class_of(h.size as usize).1
            };
            (h.size as usize, cap)
        };
        let zero = (flags | self.flags) & HEAP_ZERO_MEMORY != 0;
        if size <= capacity && (size > LARGE_LIMIT) == (old > LARGE_LIMIT) {
            let s = self.lock();
            let h = self.header(&s, p)?;
            h.size = size as u64;
            if zero && size > old {
                // SAFETY: the grown part lies within the block's capacity.
                unsafe { core::ptr::write_bytes((p + old as u64) as *mut u8, 0, size - old) };
            }
            return Ok(p);
        }
        if flags & HEAP_REALLOC_IN_PLACE_ONLY != 0 {
            return Err(HeapError::NoMemory);
        }
        let q = self.alloc(size, flags)?;
        // SAFETY: both blocks are live and at least min(old, size) long.
        unsafe { core::ptr::copy_nonoverlapping(p as *const u8, q as *mut u8, old.min(size)) };
        self.free(p)?;
        Ok(q)
    }
}

static HEAPS: OnceLock<Mutex<HashMap<u64, &'static Heap>>> = OnceLock::new();
static PROCESS_HEAP: OnceLock<&'static Heap> = OnceLock::new();

fn heaps() -> std::sync::MutexGuard<'static, HashMap<u64, &'static Heap>> {
    HEAPS
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Creates the process heap and records it in the PEB.
pub fn create_process_heap() -> u64 {
    let h = create(HEAP_GROWABLE);
    if let Some(heap) = heaps().get(&h).copied() {
        let _ = PROCESS_HEAP.set(heap);
    }
    let peb = syscalls::nt::current_peb();
    // SAFETY: the PEB is the process's.
    unsafe { *((peb + syscalls::nt::peb::PROCESS_HEAP as u64) as *mut u64) = h };
    h
}

pub fn process_heap() -> Option<&'static Heap> {
    PROCESS_HEAP.get().copied()
}

fn create(flags: u32) -> u64 {
    match Heap::new(flags) {
        Some(heap) => {
            let heap: &'static Heap = Box::leak(Box::new(heap));
            heaps().insert(heap.handle, heap);
            heap.handle
        }
        None => 0,
    }
}

/// Resolves a heap handle (the process heap without a map lookup).
pub fn lookup(handle: u64) -> Option<&'static Heap> {
    if let Some(h) = PROCESS_HEAP.get() {
        if h.handle == handle {
            return Some(h);
        }
    }
    heaps().get(&handle).copied()
}

fn report(op: &str, e: &HeapError) {
    match e {
        HeapError::DoubleFree(p) => {
            log::error!(target: "heap", "{op}: {p:#x} was already freed (double free)")
        }
        HeapError::InvalidPointer(p) => {
            log::error!(target: "heap", "{op}: {p:#x} is not a block of this heap")
        }
        HeapError::NoMemory => {}
    }
    if !matches!(e, HeapError::NoMemory) && !log::log_enabled!(target: "heap", log::Level::Error) {
        eprintln!("casement: heap: {op}: {e:?}");
    }
}

/// Implements RtlCreateHeap(Flags, HeapBase, ReserveSize, CommitSize, Lock,
/// Parameters).
pub extern "win64" fn RtlCreateHeap(
    flags: u32,
    base: u64,
    _reserve: u64,
    _commit: u64,
    _lock: u64,
    _params: u64,
) -> u64 {
    if base != 0 {
        log::warn!(target: "heap", "unimplemented: RtlCreateHeap over caller memory");
        return 0;
    }
    create(flags)
}

/// Implements RtlDestroyHeap(HeapHandle): NULL on success.
pub extern "win64" fn RtlDestroyHeap(handle: u64) -> u64 {
    if process_heap().is_some_and(|h| h.handle == handle) {
        return handle;
    }
    match heaps().remove(&handle) {
        Some(heap) => {
            let s = heap.lock();
            for &(b, _) in &s.segments {
                vm_free(b);
            }
            for (&p, _) in s.large.iter() {
                vm_free(p - HEADER as u64);
            }
            0
        }
        None => handle,
    }
}

/// Implements RtlAllocateHeap(HeapHandle, Flags, Size).
pub extern "win64" fn RtlAllocateHeap(handle: u64, flags: u32, size: u64) -> u64 {
    let Some(heap) = lookup(handle) else {
        report("RtlAllocateHeap", &HeapError::InvalidPointer(handle));
        return 0;
    };
    match heap.alloc(size as usize, flags) {
        Ok(p) => p,
        Err(_) => {
            crate::rtl::set_last_status(STATUS_NO_MEMORY);
            0
        }
    }
}

/// Implements RtlFreeHeap(HeapHandle, Flags, BaseAddress): TRUE on success.
pub extern "win64" fn RtlFreeHeap(handle: u64, _flags: u32, p: u64) -> u32 {
    if p == 0 {
        return 1;
    }
    let Some(heap) = lookup(handle) else { return 0 };
    match heap.free(p) {
        Ok(()) => 1,
        Err(e) => {
            report("RtlFreeHeap", &e);
            crate::rtl::set_last_status(STATUS_INVALID_PARAMETER);
            0
        }
    }
}

/// Implements RtlSizeHeap(HeapHandle, Flags, BaseAddress): -1 on error.
pub extern "win64" fn RtlSizeHeap(handle: u64, _flags: u32, p: u64) -> u64 {
    let Some(heap) = lookup(handle) else {
        return u64::MAX;
    };
    match heap.size(p) {
        Ok(n) => n as u64,
        Err(e) => {
            report("RtlSizeHeap", &e);
            crate::rtl::set_last_status(STATUS_INVALID_PARAMETER);
            u64::MAX
        }
    }
}

/// Implements RtlReAllocateHeap(HeapHandle, Flags, BaseAddress, Size).
pub extern "win64" fn RtlReAllocateHeap(handle: u64, flags: u32, p: u64, size: u64) -> u64 {
    let Some(heap) = lookup(handle) else { return 0 };
    if p == 0 {
        // Windows does not allocate for a NULL pointer here.
        crate::rtl::set_last_status(STATUS_INVALID_PARAMETER);
        return 0;
    }
    match heap.realloc(p, size as usize, flags) {
        Ok(q) => q,
        Err(e) => {
            report("RtlReAllocateHeap", &e);
            crate::rtl::set_last_status(if matches!(e, HeapError::NoMemory) {
                STATUS_NO_MEMORY
            } else {
                STATUS_INVALID_PARAMETER
            });
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes() {
        assert_eq!(class_of(1), (0, 16));
        assert_eq!(class_of(16), (0, 16));
        assert_eq!(class_of(17), (1, 32));
        assert_eq!(class_of(1024), (63, 1024));
        assert_eq!(class_of(1025), (64, 2048));
        assert_eq!(class_of(LARGE_LIMIT).0, CLASSES - 1);
    }
}
