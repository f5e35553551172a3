//! Interlocked singly linked lists (SLIST_HEADER, SLIST_ENTRY).
//!
//! The x64 header is 16 bytes, 16-byte aligned (winnt.h, `union
//! DECLSPEC_ALIGN(16) _SLIST_HEADER`, its `HeaderX64` view):
//!
//! ```text
//! low qword:  ULONGLONG Depth : 16;  ULONGLONG Sequence : 48;
//! high qword: ULONGLONG Reserved : 4; ULONGLONG NextEntry : 60;
//! ```
//!
//! NextEntry is the first entry's address shifted right by 4 (entries are
//! 16-byte aligned, `DECLSPEC_ALIGN(16) _SLIST_ENTRY`), so the high qword
//! reads as the address itself. Every change replaces both qwords at once
//! with `lock cmpxchg16b` and bumps Sequence, so a pop that read a stale
//! first entry (the ABA problem) fails its exchange and retries.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// SLIST_ENTRY: the next entry, NULL at the end.
#[repr(C, align(16))]
pub struct SListEntry {
    pub next: *mut SListEntry,
}

/// SLIST_HEADER as its two qwords.
#[repr(C, align(16))]
pub struct SListHeader {
    /// Depth (bits 0..16) and Sequence (bits 16..64).
    low: AtomicU64,
    /// Reserved (bits 0..4) and NextEntry (bits 4..64).
    high: AtomicU64,
}

const DEPTH_MASK: u64 = 0xFFFF;
const SEQUENCE_ONE: u64 = 1 << 16;
const ENTRY_MASK: u64 = !0xF;

/// A header value: (low, high).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Value(u64, u64);

impl Value {
    fn depth(self) -> u64 {
        self.0 & DEPTH_MASK
    }
    fn first(self) -> *mut SListEntry {
        (self.1 & ENTRY_MASK) as *mut SListEntry
    }
    /// A successor with `depth` and `first`, and the next sequence number.
    fn next(self, depth: u64, first: *mut SListEntry) -> Value {
        let sequence = (self.0 & !DEPTH_MASK).wrapping_add(SEQUENCE_ONE);
        Value(sequence | (depth & DEPTH_MASK), first as u64 & ENTRY_MASK)
    }
}

fn header(h: *mut SListHeader) -> &'static SListHeader {
    // SAFETY: the caller passes an initialized, 16-byte aligned header.
    unsafe { &*h }
}

impl SListHeader {
    /// A snapshot of the header. The two halves are read separately; a torn
    /// snapshot only makes the following exchange fail and retry.
    fn read(&self) -> Value {
        Value(self.low.load(Relaxed), self.high.load(Relaxed))
    }

    /// Replaces `old` with `new` if the header still holds `old`; returns
    /// the value found otherwise.
    fn compare_exchange(&self, old: Value, new: Value) -> Result<(), Value> {
        let (found_low, found_high): (u64, u64);
        // SAFETY: `self` is a 16-byte aligned SLIST_HEADER. rbx cannot be
        // named as an operand, so the new low qword is swapped into it
        // around the instruction and the register restored.
        unsafe {
            core::arch::asm!(
                "xchg {new_low}, rbx",
                "lock cmpxchg16b xmmword ptr [{p}]",
                "mov rbx, {new_low}",
                p = in(reg) self as *const SListHeader,
                new_low = inout(reg) new.0 => _,
                in("rcx") new.1,
                inout("rax") old.0 => found_low,
                inout("rdx") old.1 => found_high,
                options(nostack),
            );
        }
        let found = Value(found_low, found_high);
        if found == old {
            Ok(())
        } else {
            Err(found)
        }
    }
}

/// Implements RtlInitializeSListHead(ListHead).
pub extern "win64" fn RtlInitializeSListHead(h: *mut SListHeader) {
    let h = header(h);
    h.low.store(0, Relaxed);
    h.high.store(0, Relaxed);
}

/// Implements RtlFirstEntrySList(ListHead): the first entry, not removed.
pub extern "win64" fn RtlFirstEntrySList(h: *mut SListHeader) -> *mut SListEntry {
    header(h).read().first()
}

/// Implements RtlQueryDepthSList(ListHead): the number of entries (modulo
/// 65536, as the 16-bit Depth field holds it).
pub extern "win64" fn RtlQueryDepthSList(h: *mut SListHeader) -> u16 {
    header(h).read().depth() as u16
}

/// Implements RtlInterlockedPushEntrySList(ListHead, ListEntry): returns the
/// previous first entry.
pub extern "win64" fn RtlInterlockedPushEntrySList(
    h: *mut SListHeader,
    entry: *mut SListEntry,
) -> *mut SListEntry {
    push_chain(header(h), entry, entry, 1)
}

/// Implements RtlInterlockedPushListSListEx(ListHead, List, ListEnd, Count):
/// pushes the chain List..ListEnd of Count entries that the caller linked;
/// returns the previous first entry.
pub extern "win64" fn RtlInterlockedPushListSListEx(
    h: *mut SListHeader,
    list: *mut SListEntry,
    end: *mut SListEntry,
    count: u32,
) -> *mut SListEntry {
    push_chain(header(h), list, end, count as u64)
}

fn push_chain(
    h: &SListHeader,
    first: *mut SListEntry,
    last: *mut SListEntry,
    count: u64,
) -> *mut SListEntry {
    let mut old = h.read();
    loop {
        // SAFETY: the caller's entry, which it hands to the list.
        unsafe { core::ptr::write_volatile(&mut (*last).next, old.first()) };
        match h.compare_exchange(old, old.next(old.depth() + count, first)) {
            Ok(()) => return old.first(),
            Err(found) => old = found,
        }
    }
}

/// Implements RtlInterlockedPopEntrySList(ListHead): removes and returns
/// the first entry, or NULL when the list is empty.
pub extern "win64" fn RtlInterlockedPopEntrySList(h: *mut SListHeader) -> *mut SListEntry {
    let h = header(h);
    let mut old = h.read();
    loop {
        let first = old.first();
        if first.is_null() {
            return first;
        }
        // The entry may have been popped by another thread since `old` was
        // read; then the sequence has moved on and the exchange fails. (On
        // Windows the read may even fault on freed memory, which the kernel
        // resumes at the retry; entries here come from heaps that keep their
        // pages mapped.)
        // SAFETY: an entry that is, or was a moment ago, on the list.
        let next = unsafe { core::ptr::read_volatile(&(*first).next) };
        match h.compare_exchange(old, old.next(old.depth().wrapping_sub(1), next)) {
            Ok(()) => return first,
            Err(found) => old = found,
        }
    }
}

/// Implements RtlInterlockedFlushSList(ListHead): empties the list and
/// returns its former first entry (the rest still linked from it).
pub extern "win64" fn RtlInterlockedFlushSList(h: *mut SListHeader) -> *mut SListEntry {
    let h = header(h);
    let mut old = h.read();
    loop {
        if old.first().is_null() {
            return core::ptr::null_mut();
        }
        match h.compare_exchange(old, old.next(0, core::ptr::null_mut())) {
            Ok(()) => return old.first(),
            Err(found) => old = found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        assert_eq!(core::mem::size_of::<SListHeader>(), 16);
        assert_eq!(core::mem::align_of::<SListHeader>(), 16);
        assert_eq!(core::mem::size_of::<SListEntry>(), 16);
    }

    #[test]
    fn push_pop_flush() {
        let mut h = SListHeader {
            low: AtomicU64::new(1),
            high: AtomicU64::new(1),
        };
        RtlInitializeSListHead(&mut h);
        let mut e: Vec<SListEntry> = (0..3)
            .map(|_| SListEntry {
                next: core::ptr::null_mut(),
            })
            .collect();
        let p: Vec<*mut SListEntry> = e.iter_mut().map(|x| x as *mut SListEntry).collect();
        assert!(RtlInterlockedPushEntrySList(&mut h, p[0]).is_null());
        assert_eq!(RtlInterlockedPushEntrySList(&mut h, p[1]), p[0]);
        assert_eq!(RtlQueryDepthSList(&mut h), 2);
        assert_eq!(h.high.load(Relaxed), p[1] as u64);
        assert_eq!(h.low.load(Relaxed) >> 16, 2, "each push bumps the sequence");
        assert_eq!(RtlInterlockedPopEntrySList(&mut h), p[1]);
        assert_eq!(RtlInterlockedPushEntrySList(&mut h, p[2]), p[0]);
        assert_eq!(RtlInterlockedFlushSList(&mut h), p[2]);
        assert_eq!(RtlQueryDepthSList(&mut h), 0);
        assert!(RtlInterlockedPopEntrySList(&mut h).is_null());
        // SAFETY: the entries pushed above.
        unsafe { assert_eq!((*p[2]).next, p[0]) };
    }

    #[test]
    fn threads_push_and_pop() {
        static mut HEAD: SListHeader = SListHeader {
            low: AtomicU64::new(0),
            high: AtomicU64::new(0),
        };
        let head = &raw mut HEAD;
        let per = 10_000usize;
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let head = head as usize;
                std::thread::spawn(move || {
                    let head = head as *mut SListHeader;
                    let entries: Vec<SListEntry> = (0..per)
                        .map(|_| SListEntry {
                            next: core::ptr::null_mut(),
                        })
                        .collect();
                    let entries = Box::leak(entries.into_boxed_slice());
                    for e in entries.iter_mut() {
                        RtlInterlockedPushEntrySList(head, e);
                        let x = RtlInterlockedPopEntrySList(head);
                        assert!(!x.is_null());
                        RtlInterlockedPushEntrySList(head, x);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let mut n = 0;
        while !RtlInterlockedPopEntrySList(head).is_null() {
            n += 1;
        }
        assert_eq!(n, 4 * per);
    }
}
