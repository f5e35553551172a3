//! Fiber-local storage: RtlFlsAlloc, RtlFlsFree, RtlFlsGetValue,
//! RtlFlsSetValue. With no fibers, each thread is one fiber: the values live
//! in a per-thread block that TEB.FlsData points at. A slot's callback runs
//! for every non-NULL value when the slot is freed, and for the thread's own
//! values when a thread ends (and for the last thread at process exit).

use std::sync::Mutex;
use syscalls::nt::teb;
use syscalls::*;

/// FLS_MAXIMUM_AVAILABLE on Windows 10.
pub const FLS_MAXIMUM_AVAILABLE: usize = 4080;

struct Slots {
    /// None: free; Some(callback or 0).
    callbacks: Vec<Option<u64>>,
    /// Every thread's value block, for FlsFree.
    blocks: Vec<u64>,
}

static SLOTS: Mutex<Slots> = Mutex::new(Slots {
    callbacks: Vec::new(),
    blocks: Vec::new(),
});

fn slots() -> std::sync::MutexGuard<'static, Slots> {
    SLOTS.lock().unwrap_or_else(|e| e.into_inner())
}

fn teb_fls() -> *mut u64 {
    (syscalls::nt::current_teb() + teb::FLS_DATA as u64) as *mut u64
}

/// The calling thread's value block, made on first use when `create`.
fn block(create: bool) -> u64 {
    // SAFETY: the calling thread's TEB.
    let p = unsafe { *teb_fls() };
    if p != 0 || !create {
        return p;
    }
    let Some(heap) = crate::heap::process_heap() else {
        return 0;
    };
    let Ok(b) = heap.alloc(FLS_MAXIMUM_AVAILABLE * 8, crate::heap::HEAP_ZERO_MEMORY) else {
        return 0;
    };
    // SAFETY: as above.
    unsafe { *teb_fls() = b };
    slots().blocks.push(b);
    b
}

fn call(callback: u64, value: u64) {
    if callback != 0 && value != 0 {
        // SAFETY: a PFLS_CALLBACK_FUNCTION the program registered:
        // void(PVOID) in the Windows x64 convention.
        let f: extern "win64" fn(u64) = unsafe { core::mem::transmute(callback) };
        f(value);
    }
}

/// Implements RtlFlsAlloc(Callback, Index).
pub extern "win64" fn RtlFlsAlloc(callback: u64, index: *mut u32) -> u32 {
    let mut s = slots();
    let i = match s.callbacks.iter().position(|c| c.is_none()) {
        Some(i) => i,
        None if s.callbacks.len() < FLS_MAXIMUM_AVAILABLE => {
            s.callbacks.push(None);
            s.callbacks.len() - 1
        }
        None => return STATUS_NO_MEMORY.0,
    };
    s.callbacks[i] = Some(callback);
    // A reused slot starts NULL in every thread.
    for &b in &s.blocks {
        // SAFETY: a live thread's value block of FLS_MAXIMUM_AVAILABLE slots.
        unsafe { *(b as *mut u64).add(i) = 0 };
    }
    // SAFETY: the caller passes storage for the index.
    unsafe { *index = i as u32 };
    STATUS_SUCCESS.0
}

/// Implements RtlFlsFree(Index): the callback runs for each thread's
/// non-NULL value.
pub extern "win64" fn RtlFlsFree(index: u32) -> u32 {
    let (callback, values) = {
        let mut s = slots();
        let Some(Some(cb)) = s.callbacks.get(index as usize).copied() else {
            return STATUS_INVALID_PARAMETER.0;
        };
        s.callbacks[index as usize] = None;
        let values: Vec<u64> = s
            .blocks
            .iter()
            .map(|&b| {
                // SAFETY: a live thread's value block.
                unsafe { std::mem::take(&mut *(b as *mut u64).add(index as usize)) }
            })
            .collect();
        (cb, values)
    };
    for v in values {
        call(callback, v);
    }
    STATUS_SUCCESS.0
}

fn allocated(index: u32) -> bool {
    matches!(slots().callbacks.get(index as usize), Some(Some(_)))
}

/// Implements RtlFlsGetValue(Index, Value).
pub extern "win64" fn RtlFlsGetValue(index: u32, value: *mut u64) -> u32 {
    if !allocated(index) {
        return STATUS_INVALID_PARAMETER.0;
    }
    let b = block(false);
    // SAFETY: the thread's block, or NULL meaning every value is NULL.
    let v = if b == 0 {
        0
    } else {
        unsafe { *(b as *const u64).add(index as usize) }
    };
    // SAFETY: the caller passes storage for the value.
    unsafe { *value = v };
    STATUS_SUCCESS.0
}

/// Implements RtlFlsSetValue(Index, Value).
pub extern "win64" fn RtlFlsSetValue(index: u32, value: u64) -> u32 {
    if !allocated(index) {
        return STATUS_INVALID_PARAMETER.0;
    }
    let b = block(true);
    if b == 0 {
        return STATUS_NO_MEMORY.0;
    }
    // SAFETY: the thread's block.
    unsafe { *(b as *mut u64).add(index as usize) = value };
    STATUS_SUCCESS.0
}

/// Runs the callbacks for the calling thread's values and drops its block
/// (thread exit; the exiting thread at process exit).
pub fn thread_cleanup() {
    let b = block(false);
    if b == 0 {
        return;
    }
    let calls: Vec<(u64, u64)> = {
        let mut s = slots();
        s.blocks.retain(|&x| x != b);
        s.callbacks
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                // SAFETY: the thread's block.
                let v = unsafe { *(b as *const u64).add(i) };
                c.map(|cb| (cb, v))
            })
            .collect()
    };
    for (cb, v) in calls {
        call(cb, v);
    }
    // SAFETY: the calling thread's TEB.
    unsafe { *teb_fls() = 0 };
    if let Some(heap) = crate::heap::process_heap() {
        let _ = heap.free(b);
    }
}
