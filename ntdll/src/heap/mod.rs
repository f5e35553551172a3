//! The heap: RtlCreateHeap, RtlAllocateHeap, RtlFreeHeap, RtlReAllocateHeap,
//! RtlSizeHeap, RtlDestroyHeap, and the lock, validation and walking the
//! Heap* functions of kernel32 use.
//!
//! Small blocks come from per-size-class free lists carved out of 1-MiB
//! segments the heap commits through NtAllocateVirtualMemory; blocks past
//! the largest class get their own allocation. Every block has a 16-byte
//! header whose tag tells a live block from a freed one, so double frees
//! and pointers the heap never handed out are detected and reported, never
//! silently corrupting the heap; which heap owns an address is known
//! without a lock (`chunks`), so a wild pointer is refused before its
//! header is read.
//!
//! The process heap is what msvcrt's malloc uses, so it keeps a per-thread
//! cache of free small blocks (`cache`): most allocations and frees take no
//! lock at all and threads do not contend. Other heaps take their (recursive)
//! lock on each call unless HEAP_NO_SERIALIZE says not to.

mod cache;
pub mod chunks;
mod lock;
pub mod walk;

use core::cell::UnsafeCell;
use lock::HeapLock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use syscalls::nt::NT_CURRENT_PROCESS;
use syscalls::*;

pub const HEAP_NO_SERIALIZE: u32 = 0x0000_0001;
pub const HEAP_GROWABLE: u32 = 0x0000_0002;
pub const HEAP_GENERATE_EXCEPTIONS: u32 = 0x0000_0004;
pub const HEAP_ZERO_MEMORY: u32 = 0x0000_0008;
pub const HEAP_REALLOC_IN_PLACE_ONLY: u32 = 0x0000_0010;
pub const HEAP_CREATE_ENABLE_EXECUTE: u32 = 0x0004_0000;

pub(crate) const HEADER: usize = 16;
pub(crate) const TAG_BUSY: u32 = 0xB10C_B5B5;
pub(crate) const TAG_FREE: u32 = 0xB10C_F4EE;
pub(crate) const TAG_LARGE: u32 = 0xB10C_1A46;
/// Size classes: 16-byte steps to 1 KiB, then powers of two to 256 KiB.
const SMALL_LIMIT: usize = 1024;
const LARGE_LIMIT: usize = 256 * 1024;
const SEGMENT: usize = 1 << 20;
/// The descriptor page at the start of a heap's first segment.
const DESCRIPTOR: u64 = 0x1000;
/// The largest block a fixed-size heap gives out: "slightly less than
/// 1,024 KB" for a 64-bit process (HeapCreate).
const FIXED_BLOCK_LIMIT: usize = 0xF_F000 - HEADER;

pub(crate) fn class_of(size: usize) -> (usize, usize) {
    if size <= SMALL_LIMIT {
        let c = size.max(1).div_ceil(16);
        (c - 1, c * 16)
    } else {
        let cap = size.next_power_of_two();
        (64 + (cap.trailing_zeros() as usize - 11), cap)
    }
}
pub(crate) const CLASSES: usize = 64 + 8;

/// The capacity of size class `class`.
pub(crate) fn class_size(class: usize) -> usize {
    if class < 64 {
        (class + 1) * 16
    } else {
        1 << (class - 64 + 11)
    }
}

/// The block header, just before the user pointer.
#[repr(C)]
pub(crate) struct Header {
    /// Requested size.
    size: AtomicU64,
    tag: AtomicU32,
    class: u16,
    _pad: u16,
}

pub(crate) fn header(p: u64) -> &'static Header {
    // SAFETY: callers pass a block pointer whose header lies in committed
    // heap memory (checked through `chunks`).
    unsafe { &*((p - HEADER as u64) as *const Header) }
}

fn write_header(p: u64, size: u64, tag: u32, class: u16) {
    // SAFETY: p is a block of a heap segment or large allocation; its
    // header is committed memory of that heap.
    unsafe {
        core::ptr::write(
            (p - HEADER as u64) as *mut Header,
            Header {
                size: AtomicU64::new(size),
                tag: AtomicU32::new(tag),
                class,
                _pad: 0,
            },
        )
    };
}

pub(crate) struct Segment {
    pub base: u64,
    pub size: u64,
    /// End of the blocks carved so far (the bump pointer for the current
    /// segment).
    pub used: u64,
}

pub(crate) struct HeapState {
    free: [u64; CLASSES],
    pub(crate) segments: Vec<Segment>,
    pub(crate) large: HashMap<u64, u64>,
    /// Bytes of segments and large blocks (for fixed-size heaps).
    pub(crate) committed: u64,
}

pub struct Heap {
    lock: HeapLock,
    state: UnsafeCell<HeapState>,
    pub flags: u32,
    /// The heap's handle: the address of its guest-visible descriptor page.
    pub handle: u64,
    /// The heap's id in the registry and in `chunks`.
    id: u16,
    /// Most bytes a fixed-size heap may hold; 0 for a growable heap.
    pub(crate) limit: u64,
    /// HeapLock depth: while a thread holds the heap through HeapLock, no
    /// other thread may allocate or free (documented), so the per-thread
    /// caches stand aside.
    user_locks: AtomicU32,
}

// SAFETY: `state` is only touched with `lock` held (or, for
// HEAP_NO_SERIALIZE calls, under the caller's promise of no concurrency,
// as on Windows).
unsafe impl Sync for Heap {}

fn vm_alloc(size: usize, protect: u32) -> Option<u64> {
    let (mut base, mut region) = (0u64, size as u64);
    let st = syscall(
        nr::NtAllocateVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            &mut base as *mut u64 as u64,
            0,
            &mut region as *mut u64 as u64,
            0x3000,
            protect as u64,
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
#[derive(Debug, PartialEq)]
pub enum HeapError {
    NoMemory,
    InvalidPointer(u64),
    DoubleFree(u64),
}

impl Heap {
    fn protect(&self) -> u32 {
        if self.flags & HEAP_CREATE_ENABLE_EXECUTE != 0 {
            0x40
        } else {
            0x04
        }
    }

    /// Runs `f` on the heap's state, holding the lock unless
    /// HEAP_NO_SERIALIZE is in the heap's or the call's flags.
    pub(crate) fn with<R>(&self, flags: u32, f: impl FnOnce(&mut HeapState) -> R) -> R {
        let serialize = (flags | self.flags) & HEAP_NO_SERIALIZE == 0;
        if serialize {
            self.lock.lock();
        }
        // SAFETY: the lock is held, or the caller promised no concurrency.
        let r = f(unsafe { &mut *self.state.get() });
        if serialize {
            self.lock.unlock();
        }
        r
    }

    /// HeapLock / HeapUnlock.
    pub fn lock(&self) {
        self.lock.lock();
        self.user_locks.fetch_add(1, Ordering::SeqCst);
    }
    pub fn unlock(&self) -> bool {
        if !self.lock.held() {
            return false;
        }
        self.user_locks.fetch_sub(1, Ordering::SeqCst);
        self.lock.unlock()
    }

    /// May this call use the per-thread cache?
    #[inline]
    fn cached(&self) -> bool {
        self.is_process_heap() && self.user_locks.load(Ordering::Acquire) == 0
    }

    fn new_segment(&self, s: &mut HeapState) -> Option<()> {
        if self.limit != 0 && s.committed + SEGMENT as u64 > self.limit {
            return None;
        }
        let seg = vm_alloc(SEGMENT, self.protect())?;
        chunks::set(seg, SEGMENT as u64, self.id);
        // The old segment's uncarved tail stays unused (HeapWalk shows it
        // as a free entry).
        s.segments.push(Segment {
            base: seg,
            size: SEGMENT as u64,
            used: seg,
        });
        s.committed += SEGMENT as u64;
        Some(())
    }

    /// Takes a free block of `class` (its header still says free), carving
    /// a new one from the current segment when the list is empty.
    pub(crate) fn take(&self, s: &mut HeapState, class: usize) -> Option<u64> {
        let b = s.free[class];
        if b != 0 {
            // SAFETY: free blocks keep the next pointer in their first word.
            s.free[class] = unsafe { *(b as *const u64) };
            return Some(b);
        }
        let need = (class_size(class) + HEADER) as u64;
        let fits = s
            .segments
            .last()
            .is_some_and(|g| g.used + need <= g.base + g.size);
        if !fits {
            self.new_segment(s)?;
        }
        let g = s.segments.last_mut().expect("a segment");
        let b = g.used + HEADER as u64;
        g.used += need;
        write_header(b, 0, TAG_FREE, class as u16);
        Some(b)
    }

    /// Puts a block (already tagged free) back on its class's list.
    pub(crate) fn give(&self, s: &mut HeapState, b: u64, class: usize) {
        // SAFETY: the block is ours and at least 16 bytes.
        unsafe { *(b as *mut u64) = s.free[class] };
        s.free[class] = b;
    }

    fn alloc_large(&self, size: usize, flags: u32) -> Result<u64, HeapError> {
        let total = size.checked_add(HEADER).ok_or(HeapError::NoMemory)?;
        if self.limit != 0 && size > FIXED_BLOCK_LIMIT {
            return Err(HeapError::NoMemory);
        }
        let span = (total as u64).div_ceil(0x1_0000) * 0x1_0000;
        let fits = self.with(flags, |s| {
            if self.limit != 0 && s.committed + span > self.limit {
                return false;
            }
            s.committed += span;
            true
        });
        if !fits {
            return Err(HeapError::NoMemory);
        }
        let Some(base) = vm_alloc(total, self.protect()) else {
            self.with(flags, |s| s.committed -= span);
            return Err(HeapError::NoMemory);
        };
        // Fresh committed memory is already zero.
        let p = base + HEADER as u64;
        write_header(p, size as u64, TAG_LARGE, u16::MAX);
        self.with(flags, |s| s.large.insert(p, total as u64));
        chunks::set(base, span, self.id | chunks::LARGE);
        Ok(p)
    }

    pub fn alloc(&self, size: usize, flags: u32) -> Result<u64, HeapError> {
        if size > LARGE_LIMIT {
            return self.alloc_large(size, flags);
        }
        let (class, _) = class_of(size);
        let cached = if self.cached() {
            cache::take(self, class)
        } else {
            None
        };
        let b = match cached {
            Some(b) => b,
            None => self
                .with(flags, |s| self.take(s, class))
                .ok_or(HeapError::NoMemory)?,
        };
        let h = header(b);
        // SAFETY: the block is ours (taken from a free list); nothing else
        // reads its size until it is handed out.
        h.size.store(size as u64, Ordering::Relaxed);
        h.tag.store(TAG_BUSY, Ordering::Release);
        if (flags | self.flags) & HEAP_ZERO_MEMORY != 0 {
            // SAFETY: the block has at least `size` bytes.
            unsafe { core::ptr::write_bytes(b as *mut u8, 0, size) };
        }
        Ok(b)
    }

    fn is_process_heap(&self) -> bool {
        PROCESS_HEAP.get().is_some_and(|h| core::ptr::eq(*h, self))
    }

    /// The header of a live block of this heap, checked: the address must
    /// lie in this heap's memory before its header is read.
    fn live_header(&self, p: u64) -> Result<&'static Header, HeapError> {
        if !p.is_multiple_of(16) || p < HEADER as u64 {
            return Err(HeapError::InvalidPointer(p));
        }
        let owner = chunks::get(p);
        if owner & !chunks::LARGE != self.id
            || (p & 0xFFFF < HEADER as u64 && chunks::get(p - HEADER as u64) != owner)
        {
            return Err(HeapError::InvalidPointer(p));
        }
        if owner & chunks::LARGE != 0 {
            // The tail of a large block's last chunk is not committed: ask
            // the list before reading.
            if !self.with(0, |s| s.large.contains_key(&p)) {
                return Err(HeapError::InvalidPointer(p));
            }
        }
        let h = header(p);
        match h.tag.load(Ordering::Acquire) {
            TAG_BUSY | TAG_LARGE => Ok(h),
            TAG_FREE => Err(HeapError::DoubleFree(p)),
            _ => Err(HeapError::InvalidPointer(p)),
        }
    }

    pub fn free(&self, p: u64) -> Result<(), HeapError> {
        self.free_flags(p, 0)
    }

    pub fn free_flags(&self, p: u64, flags: u32) -> Result<(), HeapError> {
        let h = self.live_header(p)?;
        if h.tag.load(Ordering::Relaxed) == TAG_LARGE {
            let total = self.with(flags, |s| s.large.remove(&p));
            let Some(total) = total else {
                return Err(HeapError::DoubleFree(p));
            };
            let span = total.div_ceil(0x1_0000) * 0x1_0000;
            let base = p - HEADER as u64;
            chunks::set(base, span, 0);
            vm_free(base);
            self.with(flags, |s| s.committed -= span);
            return Ok(());
        }
        // Claim the block: of two threads freeing it at once, one wins.
        if h.tag
            .compare_exchange(TAG_BUSY, TAG_FREE, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            return Err(HeapError::DoubleFree(p));
        }
        let class = h.class as usize;
        if class >= CLASSES {
            return Err(HeapError::InvalidPointer(p));
        }
        if self.cached() && cache::give(self, p, class) {
            return Ok(());
        }
        self.with(flags, |s| self.give(s, p, class));
        Ok(())
    }

    pub fn size(&self, p: u64) -> Result<usize, HeapError> {
        Ok(self.live_header(p)?.size.load(Ordering::Relaxed) as usize)
    }

    /// True if `p` is a live block of this heap.
    pub fn is_live(&self, p: u64) -> bool {
        self.live_header(p).is_ok()
    }

    pub fn realloc(&self, p: u64, size: usize, flags: u32) -> Result<u64, HeapError> {
        let h = self.live_header(p)?;
        let large = h.tag.load(Ordering::Relaxed) == TAG_LARGE;
        let old = h.size.load(Ordering::Relaxed) as usize;
        let capacity = if large {
            self.with(flags, |s| s.large.get(&p).copied()).unwrap_or(0) as usize - HEADER
        } else {
            class_size(h.class as usize)
        };
        let zero = (flags | self.flags) & HEAP_ZERO_MEMORY != 0;
        // In place when it fits (small stays small, large stays large).
        if size <= capacity && (size > LARGE_LIMIT) == large {
            // SAFETY: the block is live and ours; its size field is ours to
            // update.
            h.size.store(size as u64, Ordering::Relaxed);
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
        self.free_flags(p, flags)?;
        Ok(q)
    }
}

/// Every heap of the process by id (index + 1), the process heap first.
static HEAPS: Mutex<Vec<Option<&'static Heap>>> = Mutex::new(Vec::new());
static PROCESS_HEAP: OnceLock<&'static Heap> = OnceLock::new();

fn heaps() -> std::sync::MutexGuard<'static, Vec<Option<&'static Heap>>> {
    HEAPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The handles of every heap of the process, the process heap first
/// (GetProcessHeaps).
pub fn all_handles() -> Vec<u64> {
    heaps().iter().flatten().map(|h| h.handle).collect()
}

/// Creates the process heap and records it in the PEB.
pub fn create_process_heap() -> u64 {
    let h = create(HEAP_GROWABLE, 0);
    if let Some(heap) = lookup(h) {
        let _ = PROCESS_HEAP.set(heap);
    }
    let peb = syscalls::nt::current_peb();
    // SAFETY: the PEB is the process's.
    unsafe { *((peb + syscalls::nt::peb::PROCESS_HEAP as u64) as *mut u64) = h };
    h
}

#[inline]
pub fn process_heap() -> Option<&'static Heap> {
    PROCESS_HEAP.get().copied()
}

/// Creates a heap; `limit` is the most it may hold (0: growable).
fn create(flags: u32, limit: u64) -> u64 {
    let mut list = heaps();
    let id = match list.iter().position(|h| h.is_none()) {
        Some(i) => i + 1,
        None => list.len() + 1,
    };
    if id >= chunks::LARGE as usize {
        return 0;
    }
    let protect = if flags & HEAP_CREATE_ENABLE_EXECUTE != 0 {
        0x40
    } else {
        0x04
    };
    let first = if limit != 0 {
        (limit.max(DESCRIPTOR + 0x1000) as usize).min(SEGMENT)
    } else {
        SEGMENT
    };
    // The first segment also holds the descriptor page, so the handle is an
    // address like on Windows.
    let Some(segment) = vm_alloc(first, protect) else {
        return 0;
    };
    chunks::set(segment, first as u64, id as u16);
    let heap: &'static Heap = Box::leak(Box::new(Heap {
        lock: HeapLock::new(),
        state: UnsafeCell::new(HeapState {
            free: [0; CLASSES],
            segments: vec![Segment {
                base: segment,
                size: first as u64,
                used: segment + DESCRIPTOR,
            }],
            large: HashMap::new(),
            committed: first as u64,
        }),
        flags,
        handle: segment,
        id: id as u16,
        limit,
        user_locks: AtomicU32::new(0),
    }));
    if id > list.len() {
        list.push(Some(heap));
    } else {
        list[id - 1] = Some(heap);
    }
    heap.handle
}

/// Resolves a heap handle (the process heap without a lock).
#[inline]
pub fn lookup(handle: u64) -> Option<&'static Heap> {
    if let Some(h) = PROCESS_HEAP.get() {
        if h.handle == handle {
            return Some(h);
        }
    }
    let id = chunks::get(handle) & !chunks::LARGE;
    if id == 0 {
        return None;
    }
    heaps()
        .get(id as usize - 1)
        .copied()
        .flatten()
        .filter(|h| h.handle == handle)
}

pub(crate) fn report(op: &str, e: &HeapError) {
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
    if !matches!(e, HeapError::NoMemory)
        && walk::TERMINATE_ON_CORRUPTION.load(std::sync::atomic::Ordering::Relaxed)
    {
        const STATUS_HEAP_CORRUPTION: u64 = 0xC000_0374;
        let _ = syscall(
            nr::NtTerminateProcess,
            &args([NT_CURRENT_PROCESS, STATUS_HEAP_CORRUPTION]),
        );
    }
}

/// HEAP_GENERATE_EXCEPTIONS (on the heap or the call): a failure raises
/// `status` (STATUS_NO_MEMORY) instead of returning NULL, as HeapAlloc
/// and HeapReAlloc document.
fn generate_exception(heap: &Heap, flags: u32, status: NtStatus) {
    if (flags | heap.flags) & HEAP_GENERATE_EXCEPTIONS != 0 {
        crate::exception::raise_status(status);
    }
}

/// Implements RtlCreateHeap(Flags, HeapBase, ReserveSize, CommitSize, Lock,
/// Parameters): a heap without HEAP_GROWABLE holds at most ReserveSize
/// bytes.
pub extern "win64" fn RtlCreateHeap(
    flags: u32,
    base: u64,
    reserve: u64,
    _commit: u64,
    _lock: u64,
    _params: u64,
) -> u64 {
    if base != 0 {
        log::warn!(target: "unimplemented", "unimplemented: RtlCreateHeap over caller memory");
        return 0;
    }
    let limit = if flags & HEAP_GROWABLE != 0 {
        0
    } else {
        reserve.max(0x1_0000).div_ceil(0x1000) * 0x1000
    };
    create(flags, limit)
}

/// Implements RtlDestroyHeap(HeapHandle): NULL on success.
pub extern "win64" fn RtlDestroyHeap(handle: u64) -> u64 {
    if process_heap().is_some_and(|h| h.handle == handle) {
        return handle;
    }
    let Some(heap) = lookup(handle) else {
        return handle;
    };
    heaps()[heap.id as usize - 1] = None;
    heap.with(0, |s| {
        for g in &s.segments {
            chunks::set(g.base, g.size, 0);
            vm_free(g.base);
        }
        for (&p, &total) in s.large.iter() {
            chunks::set(p - HEADER as u64, total.div_ceil(0x1_0000) * 0x1_0000, 0);
            vm_free(p - HEADER as u64);
        }
        s.segments.clear();
        s.large.clear();
    });
    0
}

/// The process heap when `handle` is it and its per-thread caches are in
/// use (no HeapLock held).
#[inline(always)]
fn cached_process_heap(handle: u64) -> Option<&'static Heap> {
    PROCESS_HEAP
        .get()
        .copied()
        .filter(|h| h.handle == handle && h.user_locks.load(Ordering::Relaxed) == 0)
}

/// Implements RtlAllocateHeap(HeapHandle, Flags, Size).
///
/// The common case — a small block of the process heap that this thread's
/// cache holds — is handled here without a call, so this function saves no
/// registers beyond what it uses; everything else goes to
/// [`allocate_slow`] (a win64 function too, which preserves the caller's
/// xmm6-15 itself).
pub extern "win64" fn RtlAllocateHeap(handle: u64, flags: u32, size: u64) -> u64 {
    if let Some(heap) = cached_process_heap(handle) {
        if size as usize <= SMALL_LIMIT && (flags | heap.flags) & HEAP_ZERO_MEMORY == 0 {
            let (class, _) = class_of(size as usize);
            if let Some(b) = cache::pop(class) {
                let h = header(b);
                h.size.store(size, Ordering::Relaxed);
                h.tag.store(TAG_BUSY, Ordering::Release);
                return b;
            }
        }
    }
    allocate_slow(handle, flags, size)
}

#[cold]
#[inline(never)]
extern "win64" fn allocate_slow(handle: u64, flags: u32, size: u64) -> u64 {
    let Some(heap) = lookup(handle) else {
        report("RtlAllocateHeap", &HeapError::InvalidPointer(handle));
        return 0;
    };
    match heap.alloc(size as usize, flags) {
        Ok(p) => p,
        Err(_) => {
            generate_exception(heap, flags, STATUS_NO_MEMORY);
            crate::rtl::set_last_status(STATUS_NO_MEMORY);
            0
        }
    }
}

/// Implements RtlFreeHeap(HeapHandle, Flags, BaseAddress): TRUE on success.
///
/// As for RtlAllocateHeap, a small live block of the process heap going
/// back to a cache with room is handled here without a call; the checks
/// are those of [`Heap::live_header`] for a block whose header lies in the
/// same 64-KiB chunk.
pub extern "win64" fn RtlFreeHeap(handle: u64, flags: u32, p: u64) -> u32 {
    if let Some(heap) = cached_process_heap(handle) {
        if p.is_multiple_of(16) && p & 0xFFFF >= HEADER as u64 && chunks::get(p) == heap.id {
            let h = header(p);
            let class = h.class as usize;
            if class < cache::CACHED && h.tag.load(Ordering::Acquire) == TAG_BUSY {
                h.tag.store(TAG_FREE, Ordering::Release);
                if cache::push(p, class) {
                    return 1;
                }
                // The cache is full: the slow path gives half of it back.
                h.tag.store(TAG_BUSY, Ordering::Relaxed);
            }
        }
    }
    free_slow(handle, flags, p)
}

#[cold]
#[inline(never)]
extern "win64" fn free_slow(handle: u64, flags: u32, p: u64) -> u32 {
    if p == 0 {
        return 1;
    }
    let Some(heap) = lookup(handle) else {
        crate::rtl::set_last_status(STATUS_INVALID_HANDLE);
        return 0;
    };
    match heap.free_flags(p, flags) {
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
            if e == HeapError::NoMemory {
                generate_exception(heap, flags, STATUS_NO_MEMORY);
                crate::rtl::set_last_status(STATUS_NO_MEMORY);
            } else {
                crate::rtl::set_last_status(STATUS_INVALID_PARAMETER);
            }
            0
        }
    }
}

/// Implements RtlLockHeap(HeapHandle).
pub extern "win64" fn RtlLockHeap(handle: u64) -> u32 {
    match lookup(handle) {
        Some(h) => {
            h.lock();
            1
        }
        None => 0,
    }
}

/// Implements RtlUnlockHeap(HeapHandle): FALSE if the caller does not
/// hold the lock.
pub extern "win64" fn RtlUnlockHeap(handle: u64) -> u32 {
    lookup(handle).is_some_and(|h| h.unlock()) as u32
}

/// Implements RtlGetProcessHeaps(NumberOfHeaps, ProcessHeaps): the number
/// of heaps; the handles are stored only if they all fit.
pub extern "win64" fn RtlGetProcessHeaps(count: u32, out: u64) -> u32 {
    let all = all_handles();
    if all.len() <= count as usize {
        for (i, h) in all.iter().enumerate() {
            if user::write(out + i as u64 * 8, h).is_err() {
                return 0;
            }
        }
    }
    all.len() as u32
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
        for c in 0..CLASSES {
            assert_eq!(class_of(class_size(c)), (c, class_size(c)));
        }
    }
}
