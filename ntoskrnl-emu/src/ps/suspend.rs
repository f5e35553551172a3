//! Suspending threads and their register context: NtSuspendThread,
//! NtGetContextThread, NtSetContextThread (NtResumeThread is in
//! `thread.rs`; a thread created suspended waits there before it starts).
//!
//! A running thread is suspended with a host signal: its handler, running
//! on the thread itself, copies the interrupted registers from the signal
//! frame into the thread's CONTEXT buffer, says it is parked, and sleeps on
//! the suspend count until NtResumeThread brings it to zero. A context set
//! meanwhile (NtSetContextThread) is written back into the signal frame
//! before the handler returns, so the thread resumes with it — what Go's
//! runtime, debuggers and profilers rely on.
//!
//! TerminateThread of another thread uses the same signal: the handler
//! sends the thread, wherever it was, to [`terminated`], which ends it as
//! ExitThread would but without DLL detach (as on Windows). Like Windows'
//! TerminateThread this can leave behind whatever the thread held in user
//! mode; unlike Windows it can also be in the middle of executive code,
//! whose locks are held only briefly and never across a wait.

use super::Thread;
use crate::ke::futex;
use crate::ob;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;
use syscalls::*;

/// Integer registers in CONTEXT order, as indices into the signal frame.
use crate::ke::trap::SIGNAL_GREGS as GREGS;

/// sizeof(CONTEXT) on x64.
pub const CONTEXT_SIZE: usize = 0x4D0;
const CONTEXT_AMD64: u32 = 0x10_0000;
const CONTEXT_CONTROL: u32 = CONTEXT_AMD64 | 0x1;
const CONTEXT_INTEGER: u32 = CONTEXT_AMD64 | 0x2;
const CONTEXT_SEGMENTS: u32 = CONTEXT_AMD64 | 0x4;
const CONTEXT_FLOATING_POINT: u32 = CONTEXT_AMD64 | 0x8;
const CONTEXT_DEBUG_REGISTERS: u32 = CONTEXT_AMD64 | 0x10;
const STATUS_DATATYPE_MISALIGNMENT: NtStatus = NtStatus(0x8000_0002);
const STATUS_SUSPEND_COUNT_EXCEEDED: NtStatus = NtStatus(0xC000_004A);
/// MAXIMUM_SUSPEND_COUNT.
const MAXIMUM_SUSPEND_COUNT: u32 = 127;

// CONTEXT field offsets.
const CONTEXT_FLAGS: usize = 0x30;
const MX_CSR: usize = 0x34;
const SEG_CS: usize = 0x38;
const EFLAGS: usize = 0x44;
const RAX: usize = 0x78;
const RSP: usize = 0x98;
const RIP: usize = 0xF8;
const FLT_SAVE: usize = 0x100;
const FLT_SAVE_SIZE: usize = 512;

/// Windows' selectors for user-mode code: CS, DS, ES, FS, GS, SS.
const SEGMENTS: [u16; 6] = [0x33, 0x2B, 0x2B, 0x53, 0x2B, 0x2B];

/// A thread's suspension state.
pub struct SuspendState {
    /// The host thread (pthread_t) running the thread, 0 when none; the
    /// lock keeps the host thread from moving on while it is signalled.
    host: Mutex<u64>,
    /// 1 while the thread is stopped in the handler with its context
    /// captured (a futex word).
    parked: AtomicU32,
    /// The next signal only captures the context (GetThreadContext on the
    /// calling thread itself).
    capture_only: AtomicBool,
    /// The captured CONTEXT, as words (written by the handler, read while
    /// parked).
    context: Box<[AtomicU64]>,
    /// Parts of `context` NtSetContextThread changed, applied on resume.
    dirty: AtomicU32,
    /// TERMINATING | exit code once TerminateThread has been called.
    terminate: AtomicU64,
}

const TERMINATING: u64 = 1 << 32;

impl Default for SuspendState {
    fn default() -> Self {
        SuspendState {
            host: Mutex::new(0),
            parked: AtomicU32::new(0),
            capture_only: AtomicBool::new(false),
            context: (0..CONTEXT_SIZE / 8).map(|_| AtomicU64::new(0)).collect(),
            dirty: AtomicU32::new(0),
            terminate: AtomicU64::new(0),
        }
    }
}

impl SuspendState {
    fn read(&self, offset: usize, out: &mut [u8]) {
        for (i, b) in out.iter_mut().enumerate() {
            let at = offset + i;
            let word = self.context[at / 8].load(Ordering::Relaxed);
            *b = (word >> ((at % 8) * 8)) as u8;
        }
    }
    fn write(&self, offset: usize, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            let at = offset + i;
            let shift = (at % 8) * 8;
            let w = &self.context[at / 8];
            let v = w.load(Ordering::Relaxed);
            w.store(
                (v & !(0xFF << shift)) | (b as u64) << shift,
                Ordering::Relaxed,
            );
        }
    }
    fn u64_at(&self, offset: usize) -> u64 {
        let mut b = [0u8; 8];
        self.read(offset, &mut b);
        u64::from_le_bytes(b)
    }
    fn set_u64(&self, offset: usize, v: u64) {
        self.write(offset, &v.to_le_bytes());
    }
}

thread_local! {
    /// The Windows thread the calling host thread runs, for the handler
    /// (a plain pointer: no lazy initialisation, no borrow flag).
    static RUNNING: Cell<*const Thread> = const { Cell::new(core::ptr::null()) };
}

/// Called on the host thread as it starts running `thread`.
pub fn running(thread: &Arc<Thread>) {
    // SAFETY: pthread_self has no preconditions.
    *thread
        .suspend
        .host
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = unsafe { libc::pthread_self() };
    RUNNING.with(|r| r.set(Arc::as_ptr(thread)));
}

/// Called on the host thread once `thread` has ended there.
pub fn stopped(thread: &Thread) {
    RUNNING.with(|r| r.set(core::ptr::null()));
    *thread
        .suspend
        .host
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = 0;
}

fn signal_number() -> libc::c_int {
    libc::SIGRTMIN() + 3
}

fn install_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: a handler for a real-time signal nothing else uses.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_suspend_signal as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(signal_number(), &sa, core::ptr::null_mut());
        }
    });
}

/// The signal handler: only atomics and futex calls (async-signal-safe).
extern "C" fn on_suspend_signal(
    _sig: libc::c_int,
    _info: *mut libc::siginfo_t,
    uc: *mut libc::c_void,
) {
    let t = RUNNING.with(|r| r.get());
    if t.is_null() {
        return;
    }
    // SAFETY: RUNNING points at the Thread this host thread runs, kept
    // alive by run_windows_thread's reference until `stopped`.
    let t = unsafe { &*t };
    // SAFETY: the kernel passes the interrupted ucontext.
    let uc = unsafe { &mut *(uc as *mut libc::ucontext_t) };
    let s = &t.suspend;
    if s.capture_only.swap(false, Ordering::AcqRel) {
        capture(s, uc);
        return;
    }
    if let Some(code) = termination(t) {
        redirect_to_end(uc, code);
        return;
    }
    if t.suspend_count.load(Ordering::Acquire) == 0 {
        return; // resumed before the signal arrived
    }
    capture(s, uc);
    s.dirty.store(0, Ordering::Relaxed);
    s.parked.store(1, Ordering::Release);
    futex::wake_only(&s.parked, i32::MAX);
    loop {
        let count = t.suspend_count.load(Ordering::Acquire);
        if count == 0 || termination(t).is_some() {
            break;
        }
        futex::wait(&t.suspend_count, count, None);
    }
    if let Some(code) = termination(t) {
        redirect_to_end(uc, code);
    } else {
        let dirty = s.dirty.swap(0, Ordering::AcqRel);
        if dirty != 0 {
            apply(s, uc, dirty);
        }
    }
    s.parked.store(0, Ordering::Release);
    futex::wake_only(&s.parked, i32::MAX);
}

/// The exit code TerminateThread gave the thread, if it did.
pub fn termination(t: &Thread) -> Option<u32> {
    let v = t.suspend.terminate.load(Ordering::Acquire);
    (v & TERMINATING != 0).then_some(v as u32)
}

/// Makes the interrupted thread continue in [`terminated`]`(code)`, on its
/// own stack below where it was (past the red zone, aligned as for a call).
fn redirect_to_end(uc: &mut libc::ucontext_t, code: u32) {
    let g = &mut uc.uc_mcontext.gregs;
    let rsp = ((g[libc::REG_RSP as usize] as u64 - 512) & !15) - 8;
    g[libc::REG_RSP as usize] = rsp as i64;
    g[libc::REG_RIP as usize] = terminated as *const () as usize as i64;
    g[libc::REG_RDI as usize] = code as i64;
}

/// Where a terminated thread goes: it ends as ExitThread would, without
/// DLL thread detach.
extern "C" fn terminated(code: u64) -> ! {
    super::thread::exit_current_thread(code as u32)
}

/// TerminateThread of another thread: it ends with `code` as soon as it
/// runs, suspended or not; a thread that never started never does.
pub fn terminate(t: &Arc<Thread>, code: u32) {
    if t.suspend
        .terminate
        .compare_exchange(
            0,
            TERMINATING | code as u64,
            Ordering::AcqRel,
            Ordering::Acquire,
        )
        .is_err()
    {
        return; // already being terminated
    }
    // Wake it where it sleeps: in the handler (parked) or waiting to start.
    futex::wake_only(&t.suspend_count, i32::MAX);
    if t.suspend.parked.load(Ordering::Acquire) != 1 {
        kick(t);
    }
}

/// Copies the interrupted registers into the CONTEXT buffer.
fn capture(s: &SuspendState, uc: &libc::ucontext_t) {
    let g = &uc.uc_mcontext.gregs;
    for (i, &r) in GREGS.iter().enumerate() {
        s.set_u64(RAX + i * 8, g[r as usize] as u64);
    }
    s.set_u64(RIP, g[libc::REG_RIP as usize] as u64);
    s.write(EFLAGS, &(g[libc::REG_EFL as usize] as u32).to_le_bytes());
    for (i, sel) in SEGMENTS.iter().enumerate() {
        s.write(SEG_CS + i * 2, &sel.to_le_bytes());
    }
    let fp = uc.uc_mcontext.fpregs;
    if !fp.is_null() {
        // SAFETY: fpregs points at the frame's FXSAVE image (512 bytes).
        let image = unsafe { core::slice::from_raw_parts(fp as *const u8, FLT_SAVE_SIZE) };
        s.write(FLT_SAVE, image);
        s.write(MX_CSR, &image[0x18..0x1C]);
    }
}

/// Writes the parts of the CONTEXT buffer named by `flags` into the frame.
fn apply(s: &SuspendState, uc: &mut libc::ucontext_t, flags: u32) {
    let g = &mut uc.uc_mcontext.gregs;
    if flags & CONTEXT_INTEGER == CONTEXT_INTEGER {
        for (i, &r) in GREGS.iter().enumerate() {
            if r != libc::REG_RSP {
                g[r as usize] = s.u64_at(RAX + i * 8) as i64;
            }
        }
    }
    if flags & CONTEXT_CONTROL == CONTEXT_CONTROL {
        g[libc::REG_RSP as usize] = s.u64_at(RSP) as i64;
        g[libc::REG_RIP as usize] = s.u64_at(RIP) as i64;
        // Only the flags user mode may change (arithmetic, TF, DF, AC, ID).
        const USER_FLAGS: u64 = 0x0025_4DD5;
        let mut e = [0u8; 4];
        s.read(EFLAGS, &mut e);
        let want = u32::from_le_bytes(e) as u64 & USER_FLAGS;
        let old = g[libc::REG_EFL as usize] as u64;
        g[libc::REG_EFL as usize] = ((old & !USER_FLAGS) | want) as i64;
    }
    let fp = uc.uc_mcontext.fpregs;
    if flags & CONTEXT_FLOATING_POINT == CONTEXT_FLOATING_POINT && !fp.is_null() {
        let mut image = [0u8; FLT_SAVE_SIZE];
        s.read(FLT_SAVE, &mut image);
        // MXCSR from its own field; reserved bits would fault on restore.
        let mut m = [0u8; 4];
        s.read(MX_CSR, &mut m);
        let mxcsr = u32::from_le_bytes(m) & 0xFFFF;
        image[0x18..0x1C].copy_from_slice(&mxcsr.to_le_bytes());
        // SAFETY: fpregs points at the frame's FXSAVE image; the kernel
        // restores it on return from the handler.
        unsafe { core::ptr::copy_nonoverlapping(image.as_ptr(), fp as *mut u8, FLT_SAVE_SIZE) };
    }
}

fn is_current(t: &Arc<Thread>) -> bool {
    super::current_thread().is_some_and(|me| Arc::ptr_eq(&me, t))
}

/// Signals the host thread running `t`; false if it runs on none.
fn kick(t: &Thread) -> bool {
    install_handler();
    let host = t.suspend.host.lock().unwrap_or_else(|e| e.into_inner());
    if *host == 0 || t.state.load(Ordering::Acquire) != 0 {
        return false;
    }
    // SAFETY: the host thread exists: it clears `host` (under this lock)
    // before it can end.
    unsafe { libc::pthread_kill(*host as libc::pthread_t, signal_number()) == 0 }
}

/// Waits until `t` is parked in the handler (or has ended).
fn wait_parked(t: &Thread) {
    loop {
        if t.suspend.parked.load(Ordering::Acquire) == 1 || t.state.load(Ordering::Acquire) != 0 {
            return;
        }
        futex::wait(&t.suspend.parked, 0, Some(Duration::from_millis(10)));
    }
}

/// Suspends `t`; returns the previous suspend count.
pub fn suspend(t: &Arc<Thread>) -> NtResult<u32> {
    let previous = t
        .suspend_count
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
            (c < MAXIMUM_SUSPEND_COUNT).then_some(c + 1)
        })
        .map_err(|_| STATUS_SUSPEND_COUNT_EXCEEDED)?;
    if is_current(t) {
        // Suspending oneself: sleep until another thread resumes us.
        loop {
            let count = t.suspend_count.load(Ordering::Acquire);
            if count == 0 {
                break;
            }
            futex::wait(&t.suspend_count, count, None);
        }
        return Ok(previous);
    }
    if kick(t) {
        wait_parked(t);
    }
    Ok(previous)
}

/// Resumes `t`; returns the previous suspend count.
pub fn resume(t: &Thread) -> u32 {
    let previous = t
        .suspend_count
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
            Some(c.saturating_sub(1))
        })
        .unwrap_or(0);
    if previous == 1 {
        futex::wake(&t.suspend_count, i32::MAX);
    }
    previous
}

/// Implements NtSuspendThread(ThreadHandle, PreviousSuspendCount).
pub fn NtSuspendThread(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let t = ob::reference_typed::<Thread>(a[0])?;
        super::child::local_only(&t)?;
        user::write_opt(a[1], &0u32)?;
        let previous = suspend(&t)?;
        user::write_opt(a[1], &previous)
    };
    NtStatus::from_result(run())
}

/// Reads the ContextFlags of a guest CONTEXT, checking its alignment.
fn context_flags(address: u64) -> NtResult<u32> {
    if address % 16 != 0 {
        return Err(STATUS_DATATYPE_MISALIGNMENT);
    }
    user::read::<u32>(address + CONTEXT_FLAGS as u64)
}

/// Byte ranges of CONTEXT each flag covers.
fn ranges(flags: u32) -> Vec<(usize, usize)> {
    let mut r = Vec::new();
    if flags & CONTEXT_CONTROL == CONTEXT_CONTROL {
        r.extend([(SEG_CS, 2), (0x42, 2), (EFLAGS, 4), (RSP, 8), (RIP, 8)]);
    }
    if flags & CONTEXT_INTEGER == CONTEXT_INTEGER {
        r.extend([(RAX, RSP - RAX), (RSP + 8, RIP - RSP - 8)]);
    }
    if flags & CONTEXT_SEGMENTS == CONTEXT_SEGMENTS {
        r.push((0x3A, 8));
    }
    if flags & CONTEXT_FLOATING_POINT == CONTEXT_FLOATING_POINT {
        r.extend([(MX_CSR, 4), (FLT_SAVE, FLT_SAVE_SIZE)]);
    }
    r
}

/// Implements NtGetContextThread(ThreadHandle, ThreadContext): fills the
/// parts ContextFlags asks for. Debug registers read as zero (no hardware
/// breakpoints are ever set).
pub fn NtGetContextThread(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let t = ob::reference_typed::<Thread>(a[0])?;
        super::child::local_only(&t)?;
        let flags = context_flags(a[1])?;
        let s = &t.suspend;
        let mut resume_after = false;
        if is_current(&t) {
            // Windows: "the context returned is not valid" for the calling
            // thread; it is where this call was made from.
            install_handler();
            s.capture_only.store(true, Ordering::Release);
            // SAFETY: signalling the calling thread runs the handler
            // before pthread_kill returns.
            unsafe { libc::pthread_kill(libc::pthread_self(), signal_number()) };
        } else if s.parked.load(Ordering::Acquire) != 1 {
            if t.state.load(Ordering::Acquire) != 0 {
                return Err(STATUS_UNSUCCESSFUL);
            }
            // A running thread: stop it for the moment it takes to copy.
            suspend(&t)?;
            resume_after = true;
            if s.parked.load(Ordering::Acquire) != 1 {
                // Suspended before it ever ran: there are no registers yet.
                resume(&t);
                log::warn!("unimplemented: NtGetContextThread on a thread that has not started");
                return Err(STATUS_NOT_IMPLEMENTED);
            }
        }
        let mut image = [0u8; CONTEXT_SIZE];
        s.read(0, &mut image);
        if resume_after {
            resume(&t);
        }
        for (offset, len) in ranges(flags) {
            user::write_from(a[1] + offset as u64, &image[offset..offset + len])?;
        }
        if flags & CONTEXT_DEBUG_REGISTERS == CONTEXT_DEBUG_REGISTERS {
            user::write_from(a[1] + 0x48, &[0u8; 48])?;
        }
        Ok(())
    };
    NtStatus::from_result(run())
}

/// Implements NtSetContextThread(ThreadHandle, ThreadContext) for a
/// suspended thread: the parts ContextFlags names take effect when it
/// resumes.
pub fn NtSetContextThread(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let t = ob::reference_typed::<Thread>(a[0])?;
        super::child::local_only(&t)?;
        let flags = context_flags(a[1])?;
        if is_current(&t) {
            log::warn!("unimplemented: NtSetContextThread on the calling thread");
            return Err(STATUS_NOT_IMPLEMENTED);
        }
        let image = user::read_bytes(a[1], CONTEXT_SIZE)?;
        let s = &t.suspend;
        if s.parked.load(Ordering::Acquire) != 1 {
            // Not stopped in user mode (running, or suspended before it
            // ever ran): there is no frame to change.
            log::warn!("unimplemented: NtSetContextThread on a thread that is not suspended");
            return Err(STATUS_NOT_IMPLEMENTED);
        }
        for (offset, len) in ranges(flags) {
            s.write(offset, &image[offset..offset + len]);
        }
        s.dirty.fetch_or(flags, Ordering::AcqRel);
        Ok(())
    };
    NtStatus::from_result(run())
}
