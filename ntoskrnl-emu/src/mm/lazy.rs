//! Demand paging of image sections nothing needs at start: the discardable,
//! read-only sections (DWARF `.debug_*` in mingw images, often most of the
//! file) are reserved inaccessible and filled from the file on first touch,
//! as Windows pages image sections in on demand. The fault handler calls
//! [`resolve`]; the executive calls [`fill_range`] before it changes a
//! range's protection or lets the host kernel read it.

use super::PAGE_SIZE;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

struct LazySection {
    start: u64,
    end: u64,
    file: Arc<OwnedFd>,
    /// File offset of `start`.
    offset: u64,
    /// Bytes of file data from `start` (the rest of the range reads zero).
    data_len: u64,
    /// Host protection once filled.
    prot: i32,
    /// Pages filled so far, one bit each.
    filled: Mutex<Vec<bool>>,
}

static SECTIONS: RwLock<Vec<LazySection>> = RwLock::new(Vec::new());
/// Fast path: no lazy section at all.
static COUNT: AtomicUsize = AtomicUsize::new(0);

/// Registers [start, end) (page-aligned, reserved PROT_NONE) to be filled
/// from `file` at `offset` (`data_len` bytes of data).
pub fn register(start: u64, end: u64, file: Arc<OwnedFd>, offset: u64, data_len: u64, prot: i32) {
    let pages = ((end - start) / PAGE_SIZE) as usize;
    let mut s = SECTIONS.write().unwrap_or_else(|e| e.into_inner());
    s.push(LazySection {
        start,
        end,
        file,
        offset,
        data_len,
        prot,
        filled: Mutex::new(vec![false; pages]),
    });
    COUNT.store(s.len(), Ordering::Release);
}

/// Forgets lazy sections inside [start, end) (the view is being unmapped).
pub fn forget(start: u64, end: u64) {
    if COUNT.load(Ordering::Acquire) == 0 {
        return;
    }
    let mut s = SECTIONS.write().unwrap_or_else(|e| e.into_inner());
    s.retain(|l| l.end <= start || l.start >= end);
    COUNT.store(s.len(), Ordering::Release);
}

fn fill_page(l: &LazySection, page: u64) {
    let index = ((page - l.start) / PAGE_SIZE) as usize;
    let mut filled = l.filled.lock().unwrap_or_else(|e| e.into_inner());
    if filled[index] {
        return;
    }
    let within = page - l.start;
    // SAFETY: the page belongs to an image reservation of this process; it
    // is made writable, filled from the file and given its final protection.
    unsafe {
        libc::mprotect(
            page as *mut libc::c_void,
            PAGE_SIZE as usize,
            libc::PROT_READ | libc::PROT_WRITE,
        );
        if within < l.data_len {
            let n = (l.data_len - within).min(PAGE_SIZE) as usize;
            let mut done = 0;
            while done < n {
                let r = libc::pread(
                    l.file.as_raw_fd(),
                    (page + done as u64) as *mut libc::c_void,
                    n - done,
                    (l.offset + within + done as u64) as i64,
                );
                if r <= 0 {
                    break;
                }
                done += r as usize;
            }
        }
        libc::mprotect(page as *mut libc::c_void, PAGE_SIZE as usize, l.prot);
    }
    filled[index] = true;
}

/// True if `addr` lies in a lazy section (filled or not).
pub fn is_lazy(addr: u64) -> bool {
    if COUNT.load(Ordering::Acquire) == 0 {
        return false;
    }
    let s = SECTIONS.read().unwrap_or_else(|e| e.into_inner());
    s.iter().any(|l| addr >= l.start && addr < l.end)
}

/// Fills the page holding `addr` if it is lazy; true if it was (the
/// faulting access can be retried). Called from the fault handler.
pub fn resolve(addr: u64) -> bool {
    if COUNT.load(Ordering::Acquire) == 0 {
        return false;
    }
    let Ok(s) = SECTIONS.try_read() else {
        return false;
    };
    let page = addr & !(PAGE_SIZE - 1);
    match s.iter().find(|l| page >= l.start && page < l.end) {
        Some(l) => {
            let index = ((page - l.start) / PAGE_SIZE) as usize;
            if l.filled.lock().map(|f| f[index]).unwrap_or(true) {
                // Already filled: the fault is a real one.
                return false;
            }
            fill_page(l, page);
            true
        }
        None => false,
    }
}

/// Fills every lazy page in [start, end): before a protection change, or
/// before the host kernel reads or writes the range for a system service.
pub fn fill_range(start: u64, end: u64) {
    if COUNT.load(Ordering::Acquire) == 0 {
        return;
    }
    let s = SECTIONS.read().unwrap_or_else(|e| e.into_inner());
    for l in s.iter().filter(|l| l.start < end && l.end > start) {
        let mut page = start.max(l.start) & !(PAGE_SIZE - 1);
        while page < end.min(l.end) {
            fill_page(l, page);
            page += PAGE_SIZE;
        }
    }
}
