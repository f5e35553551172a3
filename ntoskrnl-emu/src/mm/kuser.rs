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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    arm_clock_start(page)
}

/// The writable alias of the page, for the clock thread once it starts.
static CLOCK_PAGE: AtomicU64 = AtomicU64::new(0);
static CLOCK_STARTED: AtomicBool = AtomicBool::new(false);
/// When the clock thread starts: most short-lived programs (compilers'
/// helpers, test binaries, `--version`) end before this, and never pay
/// for it. Until then the clocks are as of start-up — no staler than
/// Windows' own 15.6 ms clock interrupt leaves them.
const CLOCK_START_DELAY_NS: i64 = 2_000_000;

/// The real-time signal of the one-shot start-up timer.
fn clock_signal() -> libc::c_int {
    libc::SIGRTMIN() + 4
}

/// Arms a one-shot timer whose signal starts the clock thread.
fn arm_clock_start(page: u64) -> NtResult<()> {
    CLOCK_PAGE.store(page, Ordering::Release);
    // SAFETY: installs a handler for a real-time signal nothing else uses
    // and creates a process timer that sends it once.
    unsafe {
        let mut sa: libc::sigaction = core::mem::zeroed();
        sa.sa_sigaction = on_clock_timer as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART | libc::SA_ONSTACK;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(clock_signal(), &sa, core::ptr::null_mut());
        let mut ev: libc::sigevent = core::mem::zeroed();
        ev.sigev_notify = libc::SIGEV_SIGNAL;
        ev.sigev_signo = clock_signal();
        let mut timer: libc::timer_t = core::mem::zeroed();
        if libc::timer_create(libc::CLOCK_MONOTONIC, &mut ev, &mut timer) != 0 {
            return start_clock_once();
        }
        let when = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: 0,
                tv_nsec: CLOCK_START_DELAY_NS,
            },
        };
        if libc::timer_settime(timer, 0, &when, core::ptr::null_mut()) != 0 {
            return start_clock_once();
        }
    }
    Ok(())
}

/// The timer's signal handler: starts the clock thread (a clone with a
/// static stack, which is safe in a signal handler).
extern "C" fn on_clock_timer(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let _ = start_clock_once();
}

/// Starts the clock thread unless it runs already.
pub fn start_clock_once() -> NtResult<()> {
    if CLOCK_STARTED.swap(true, Ordering::AcqRel) {
        return Ok(());
    }
    let page = CLOCK_PAGE.load(Ordering::Acquire);
    update(page);
    start_clock(page)
}

/// Stack of the clock thread (see [`start_clock`]).
#[repr(align(16))]
struct ClockStack(#[allow(dead_code)] [u8; CLOCK_STACK]);
const CLOCK_STACK: usize = 16 * 1024;
static mut CLOCK_STACK_MEMORY: ClockStack = ClockStack([0; CLOCK_STACK]);

/// The clock thread's body: update the page, sleep a millisecond, forever.
/// It runs without a thread-control block of its own (see
/// [`start_clock`]), so it calls nothing that touches thread-local state:
/// the clocks come from the vDSO and the sleep is a bare system call.
extern "C" fn clock_thread(page: *mut libc::c_void) -> libc::c_int {
    let page = page as u64;
    let tick = libc::timespec {
        tv_sec: 0,
        tv_nsec: 1_000_000,
    };
    loop {
        update(page);
        // SAFETY: a relative clock_nanosleep through the raw system-call
        // instruction: no errno, no cancellation point.
        unsafe {
            core::arch::asm!(
                "syscall",
                inlateout("rax") libc::SYS_clock_nanosleep => _,
                in("rdi") libc::CLOCK_MONOTONIC,
                in("rsi") 0,
                in("rdx") &tick as *const libc::timespec,
                in("r10") 0,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
    }
}

/// Starts the thread that keeps the clocks current. Every program pays for
/// this at start-up, so it is a bare Linux thread (one clone on a small
/// static stack) rather than a pthread with its own stack mapping,
/// thread-control block and allocator arena. It blocks every signal, so
/// process-directed signals (Ctrl-C) go to the program's threads.
fn start_clock(page: u64) -> NtResult<()> {
    // SAFETY: the stack is used by this one thread only, for the life of
    // the process; the signal mask is restored right after the clone,
    // which the child inherits it from.
    unsafe {
        let stack = core::ptr::addr_of_mut!(CLOCK_STACK_MEMORY) as *mut u8;
        let top = stack.add(CLOCK_STACK) as *mut libc::c_void;
        let mut all: libc::sigset_t = core::mem::zeroed();
        let mut old: libc::sigset_t = core::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        let flags = libc::CLONE_VM
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SIGHAND
            | libc::CLONE_THREAD
            | libc::CLONE_SYSVSEM;
        let tid = libc::clone(clock_thread, top, flags, page as *mut libc::c_void);
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, core::ptr::null_mut());
        if tid < 0 {
            return Err(STATUS_INSUFFICIENT_RESOURCES);
        }
    }
    Ok(())
}
