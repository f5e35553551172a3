//! The memory manager: the VAD tree, virtual memory over mmap, sections and
//! views.
//!
//! The VAD tree is the truth for every region the guest can see; mmap,
//! mprotect and munmap follow it. Regions are placed bottom-up in low memory
//! like Windows; host mappings are never handed out (MAP_FIXED_NOREPLACE).

pub mod copy;
pub mod image;
pub mod image_cache;
pub mod info;
pub mod kuser;
pub mod lazy;
pub mod query;
pub mod section;
pub mod vad;
pub mod virt;

pub const PAGE_SIZE: u64 = 0x1000;
pub const ALLOCATION_GRANULARITY: u64 = 0x1_0000;
pub const LOWEST_ADDRESS: u64 = 0x1_0000;
pub const HIGHEST_ADDRESS: u64 = 0x7FFF_FFFE_FFFF;

// Page protections (winnt.h).
pub const PAGE_NOACCESS: u32 = 0x01;
pub const PAGE_READONLY: u32 = 0x02;
pub const PAGE_READWRITE: u32 = 0x04;
pub const PAGE_WRITECOPY: u32 = 0x08;
pub const PAGE_EXECUTE: u32 = 0x10;
pub const PAGE_EXECUTE_READ: u32 = 0x20;
pub const PAGE_EXECUTE_READWRITE: u32 = 0x40;
pub const PAGE_EXECUTE_WRITECOPY: u32 = 0x80;
pub const PAGE_GUARD: u32 = 0x100;
pub const PAGE_NOCACHE: u32 = 0x200;
pub const PAGE_WRITECOMBINE: u32 = 0x400;

// Allocation types and region states.
pub const MEM_COMMIT: u32 = 0x1000;
pub const MEM_RESERVE: u32 = 0x2000;
pub const MEM_DECOMMIT: u32 = 0x4000;
pub const MEM_RELEASE: u32 = 0x8000;
pub const MEM_FREE: u32 = 0x1_0000;
pub const MEM_PRIVATE: u32 = 0x2_0000;
pub const MEM_MAPPED: u32 = 0x4_0000;
pub const MEM_RESET: u32 = 0x8_0000;
pub const MEM_TOP_DOWN: u32 = 0x10_0000;
pub const MEM_RESET_UNDO: u32 = 0x100_0000;
pub const MEM_IMAGE: u32 = 0x100_0000;

pub fn round_up(v: u64, to: u64) -> u64 {
    v.div_ceil(to) * to
}
pub fn round_down(v: u64, to: u64) -> u64 {
    v / to * to
}

/// Checks a Win32 page protection and turns it into host PROT_* bits.
pub fn host_protection(protect: u32) -> syscalls::NtResult<i32> {
    let base = protect & 0xFF;
    let modifiers = protect & !0xFF;
    if base.count_ones() != 1 || modifiers & !(PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE) != 0 {
        return Err(syscalls::STATUS_INVALID_PAGE_PROTECTION);
    }
    // winnt.h: the modifiers exclude each other, and none applies to
    // PAGE_NOACCESS.
    if modifiers.count_ones() > 1 || (modifiers != 0 && base == PAGE_NOACCESS) {
        return Err(syscalls::STATUS_INVALID_PAGE_PROTECTION);
    }
    let (r, w, x) = (libc::PROT_READ, libc::PROT_WRITE, libc::PROT_EXEC);
    let prot = match base {
        PAGE_NOACCESS => libc::PROT_NONE,
        PAGE_READONLY => r,
        PAGE_READWRITE | PAGE_WRITECOPY => r | w,
        PAGE_EXECUTE | PAGE_EXECUTE_READ => r | x,
        _ => r | w | x,
    };
    // Guard pages fault on first touch: the fault handler asks
    // virt::take_guard_fault, which lifts the guard and reports
    // STATUS_GUARD_PAGE_VIOLATION.
    Ok(if modifiers & PAGE_GUARD != 0 {
        libc::PROT_NONE
    } else {
        prot
    })
}

pub use virt::{allocate, protect};
