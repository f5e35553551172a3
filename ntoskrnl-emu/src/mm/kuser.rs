//! KUSER_SHARED_DATA: the page at 0x7FFE0000 every Windows process can read
//! and none can write, with the version numbers of Windows 10 22H2 and the
//! clocks (interrupt time, system time, tick count) that runtimes such as
//! Go read directly instead of calling an API.
//!
//! The page is a memfd mapped twice: read-only at 0x7FFE0000 for the guest,
//! read-write at a host address for the executive, where a host thread
//! keeps the clocks current every millisecond (Windows updates them on each
//! clock interrupt: 15.6 ms by default, 1 ms once a program asks for it).
//! The clocks are KSYSTEM_TIMEs, written High2Time, LowPart, High1Time, so a
//! reader that sees High1Time == High2Time has a consistent value.

use super::vad::{self, Vad};
use super::*;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use syscalls::nt;
use syscalls::*;

/// KUSER_SHARED_DATA's fixed address.
pub const KUSER_SHARED_DATA: u64 = 0x7FFE_0000;

// Field offsets (ntddk.h, x64).
const TICK_COUNT_MULTIPLIER: u64 = 0x004;
const INTERRUPT_TIME: u64 = 0x008;
const SYSTEM_TIME: u64 = 0x014;
const IMAGE_NUMBER_LOW: u64 = 0x02C;
const IMAGE_NUMBER_HIGH: u64 = 0x02E;
const NT_SYSTEM_ROOT: u64 = 0x030;
const NT_BUILD_NUMBER: u64 = 0x260;
const NT_PRODUCT_TYPE: u64 = 0x264;
const PRODUCT_TYPE_IS_VALID: u64 = 0x268;
const NT_MAJOR_VERSION: u64 = 0x26C;
const NT_MINOR_VERSION: u64 = 0x270;
const NUMBER_OF_PHYSICAL_PAGES: u64 = 0x2E8;
const TICK_COUNT: u64 = 0x320;
const ACTIVE_PROCESSOR_COUNT: u64 = 0x3C0;

/// TickCountMultiplier: 15.625 ms per tick in 8.24 fixed point, so that
/// GetTickCount = TickCount * multiplier >> 24.
const MULTIPLIER: u32 = 0x0FA0_0000;

fn w32(page: u64, off: u64, v: u32) {
    // SAFETY: `page` is the executive's writable alias of the shared page.
    unsafe { core::ptr::write_volatile((page + off) as *mut u32, v) };
}

/// Writes a KSYSTEM_TIME in the order readers rely on.
fn write_time(page: u64, off: u64, v: i64) {
    let high = (v >> 32) as u32;
    w32(page, off + 8, high);
    std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
    w32(page, off, v as u32);
    std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
    w32(page, off + 4, high);
}

/// Brings the clocks of the page at `page` up to date.
fn update(page: u64) {
    let interrupt = crate::ex::time::interrupt_time_100ns();
    write_time(page, INTERRUPT_TIME, interrupt);
    write_time(page, SYSTEM_TIME, crate::ex::time::system_time_100ns());
    // Ticks of 15.625 ms = 156250 units of 100 ns.
    let ticks = interrupt / 156_250;
    // TickCountQuad: the high half is written first, like a KSYSTEM_TIME's
    // High2Time (the low half is what GetTickCount reads).
    w32(page, TICK_COUNT + 8, (ticks >> 32) as u32);
    w32(page, TICK_COUNT, ticks as u32);
    w32(page, TICK_COUNT + 4, (ticks >> 32) as u32);
}

/// Maps the page, fills it and starts the thread that keeps it current.
pub fn create() -> NtResult<()> {
    // SAFETY: memfd_create with a static name; the descriptor is ours.
    let fd = unsafe { libc::memfd_create(c"casement-kuser".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(STATUS_INSUFFICIENT_RESOURCES);
    }
    // SAFETY: a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: sizing our own memfd.
    if unsafe { libc::ftruncate(fd.as_raw_fd(), PAGE_SIZE as i64) } != 0 {
        return Err(STATUS_INSUFFICIENT_RESOURCES);
    }
    // SAFETY: a shared mapping of our memfd at an address the host picks.
    let alias = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            PAGE_SIZE as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        )
    };
    if alias == libc::MAP_FAILED {
        return Err(STATUS_INSUFFICIENT_RESOURCES);
    }
    let page = alias as u64;
    w32(page, TICK_COUNT_MULTIPLIER, MULTIPLIER);
    for (i, unit) in "C:\\windows".encode_utf16().enumerate() {
        // SAFETY: NtSystemRoot (260 WCHARs) of the alias.
        unsafe { core::ptr::write((page + NT_SYSTEM_ROOT + 2 * i as u64) as *mut u16, unit) };
    }
    // SAFETY: 16-bit fields of the alias.
    unsafe {
        core::ptr::write((page + IMAGE_NUMBER_LOW) as *mut u16, 0x8664);
        core::ptr::write((page + IMAGE_NUMBER_HIGH) as *mut u16, 0x8664);
        core::ptr::write((page + PRODUCT_TYPE_IS_VALID) as *mut u8, 1);
    }
    w32(page, NT_BUILD_NUMBER, nt::OS_BUILD);
    w32(page, NT_PRODUCT_TYPE, 1); // NtProductWinNt
    w32(page, NT_MAJOR_VERSION, nt::OS_MAJOR);
    w32(page, NT_MINOR_VERSION, nt::OS_MINOR);
    // SAFETY: sysconf has no memory-safety preconditions.
    let phys = unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) }.max(0) as u64;
    w32(
        page,
        NUMBER_OF_PHYSICAL_PAGES,
        phys.min(u32::MAX as u64) as u32,
    );
    w32(
        page,
        ACTIVE_PROCESSOR_COUNT,
        crate::ex::sysinfo::processor_count(),
    );
    update(page);

    let mut map = vad::lock();
    if !vad::is_free(&map, KUSER_SHARED_DATA, PAGE_SIZE) {
        return Err(STATUS_CONFLICTING_ADDRESSES);
    }
    // SAFETY: maps our memfd read-only where nothing is (NOREPLACE).
    let p = unsafe {
        libc::mmap(
            KUSER_SHARED_DATA as *mut libc::c_void,
            PAGE_SIZE as usize,
            libc::PROT_READ,
            libc::MAP_SHARED | libc::MAP_FIXED_NOREPLACE,
            fd.as_raw_fd(),
            0,
        )
    };
    if p as u64 != KUSER_SHARED_DATA {
        return Err(STATUS_CONFLICTING_ADDRESSES);
    }
    map.insert(
        KUSER_SHARED_DATA,
        Vad {
            base: KUSER_SHARED_DATA,
            size: PAGE_SIZE,
            kind: MEM_PRIVATE,
            allocation_protect: PAGE_READONLY,
            pages: vec![PAGE_READONLY],
            secured: true,
        },
    );
    drop(map);
    std::thread::Builder::new()
        .name("kuser-clock".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_millis(1));
            update(page);
        })
        .map_err(|_| STATUS_INSUFFICIENT_RESOURCES)?;
    Ok(())
}
