//! IsBadReadPtr and its family: pointer probing from the VAD tree.
//!
//! Windows answers these by touching the memory under an exception
//! handler; the answer is the same as asking the memory manager whether
//! every page in the range is committed with a protection that allows the
//! access, which is what these do (through NtQueryVirtualMemory), without
//! the side effect of setting off guard pages. A guard page counts as bad,
//! as the touch would have faulted.

use syscalls::nt::{MEMORY_BASIC_INFORMATION, NT_CURRENT_PROCESS};
use syscalls::*;

const PAGE: u64 = 0x1000;
const MEM_COMMIT: u32 = 0x1000;
const PAGE_NOACCESS: u32 = 0x01;
const PAGE_GUARD: u32 = 0x100;

fn query(addr: u64) -> Option<MEMORY_BASIC_INFORMATION> {
    let mut info = MEMORY_BASIC_INFORMATION::default();
    let st = syscall(
        nr::NtQueryVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            addr,
            0,
            &mut info as *mut MEMORY_BASIC_INFORMATION as u64,
            core::mem::size_of::<MEMORY_BASIC_INFORMATION>() as u64,
            0,
        ]),
    );
    st.is_success().then_some(info)
}

fn readable(protect: u32) -> bool {
    protect & PAGE_GUARD == 0 && protect & 0xFF != PAGE_NOACCESS && protect != 0
}

fn writable(protect: u32) -> bool {
    // PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READWRITE,
    // PAGE_EXECUTE_WRITECOPY.
    protect & PAGE_GUARD == 0 && protect & 0xCC != 0
}

/// True if every byte of [addr, addr+len) is in committed memory whose
/// protection passes `allows`.
fn range_ok(addr: u64, len: u64, allows: fn(u32) -> bool) -> bool {
    let Some(end) = addr.checked_add(len) else {
        return false;
    };
    let mut p = addr & !(PAGE - 1);
    while p < end {
        let Some(info) = query(p) else {
            return false;
        };
        if info.State != MEM_COMMIT || !allows(info.Protect) {
            return false;
        }
        p = info.BaseAddress + info.RegionSize;
    }
    true
}

/// Implements IsBadReadPtr(lp, ucb) (and IsBadHugeReadPtr).
pub extern "win64" fn IsBadReadPtr(p: u64, len: u64) -> i32 {
    (len != 0 && !range_ok(p, len, readable)) as i32
}

/// Implements IsBadWritePtr(lp, ucb) (and IsBadHugeWritePtr).
pub extern "win64" fn IsBadWritePtr(p: u64, len: u64) -> i32 {
    (len != 0 && !range_ok(p, len, writable)) as i32
}

/// Implements IsBadCodePtr(lpfn): can the byte at lpfn be read?
pub extern "win64" fn IsBadCodePtr(p: u64) -> i32 {
    !range_ok(p, 1, readable) as i32
}

/// Scans a string of `unit`-byte characters for its terminator, page by
/// page, checking each page before reading it.
fn bad_string(p: u64, max: u64, unit: u64) -> bool {
    if max == 0 {
        return false;
    }
    let mut addr = p;
    let mut left = max;
    while left > 0 {
        let page_end = (addr & !(PAGE - 1)) + PAGE;
        if !range_ok(addr, unit, readable) {
            return true;
        }
        while left > 0 && addr + unit <= page_end {
            // SAFETY: the page holding [addr, addr+unit) is committed and
            // readable, checked just above.
            let zero = unsafe {
                if unit == 2 {
                    core::ptr::read_volatile(addr as *const u16) == 0
                } else {
                    core::ptr::read_volatile(addr as *const u8) == 0
                }
            };
            if zero {
                return false;
            }
            addr += unit;
            left -= 1;
        }
    }
    false
}

/// Implements IsBadStringPtrA(lpsz, ucchMax).
pub extern "win64" fn IsBadStringPtrA(p: u64, max: u64) -> i32 {
    bad_string(p, max, 1) as i32
}

/// Implements IsBadStringPtrW(lpsz, ucchMax).
pub extern "win64" fn IsBadStringPtrW(p: u64, max: u64) -> i32 {
    bad_string(p, max, 2) as i32
}
