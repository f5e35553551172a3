//! Threads: every Windows thread is a pthread with its own TEB and Windows
//! stack. NtCreateThreadEx, NtTerminateThread, NtResumeThread; the switch
//! from a thread's host stack to its Windows stack and back at its end.

use super::{set_gs_base, Thread, LIVE_THREADS, STILL_ACTIVE};
use crate::ke::futex;
use crate::ob;
use std::cell::Cell;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use syscalls::nt::{teb, NT_CURRENT_PROCESS, NT_CURRENT_THREAD};
use syscalls::*;

/// THREAD_CREATE_FLAGS_CREATE_SUSPENDED.
const CREATE_SUSPENDED: u64 = 0x1;
/// Host stack of a thread: only the executive's thread entry runs on it;
/// guest code and the APIs it calls run on the Windows stack.
const HOST_STACK: usize = 256 * 1024;

core::arch::global_asm!(
    ".pushsection .text.casement_user_switch,\"ax\",@progbits",
    // System V: rdi = Windows stack top, rsi = user-mode entry (System V,
    // never returns), rdx = its first argument, rcx = its second, r8 = where
    // to save the host stack pointer for casement_leave_user.
    ".globl casement_enter_user",
    "casement_enter_user:",
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "mov [r8], rsp",
    "mov rax, rsi",
    "mov rsp, rdi",
    "and rsp, -16",
    "xor ebp, ebp",
    "mov rdi, rdx",
    "mov rsi, rcx",
    "call rax",
    "ud2",
    // rdi = the host stack pointer saved by casement_enter_user: returns
    // from casement_enter_user on the host stack.
    ".globl casement_leave_user",
    "casement_leave_user:",
    "mov rsp, rdi",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".popsection",
);

extern "C" {
    fn casement_enter_user(
        stack_top: u64,
        entry: extern "C" fn(u64, u64) -> !,
        a: u64,
        b: u64,
        saved: *mut u64,
    );
    fn casement_leave_user(saved: u64) -> !;
}

thread_local! {
    /// The host stack pointer to return to when this thread's user mode ends.
    static HOST_RSP: Cell<u64> = const { Cell::new(0) };
}

/// Runs `entry(a, b)` on the Windows stack at `stack_top`; returns when the
/// thread's user mode ends ([`exit_current_thread`]).
pub fn run_user(stack_top: u64, entry: extern "C" fn(u64, u64) -> !, a: u64, b: u64) {
    // SAFETY: the stack is this thread's committed Windows stack; the
    // callee-saved registers and the host stack pointer are restored by
    // casement_leave_user, which makes this call return.
    unsafe {
        let slot = HOST_RSP.with(|c| c.as_ptr());
        casement_enter_user(stack_top, entry, a, b, slot);
    }
}

/// Ends the calling thread: its exit status is set, waiters wake, and the
/// thread leaves user mode. The last thread to end ends the process, with
/// its exit status as the process's.
pub fn exit_current_thread(status: u32) -> ! {
    let last = match super::current_thread() {
        Some(t) => end_thread(&t, status),
        None => LIVE_THREADS.fetch_sub(1, Ordering::AcqRel) == 1,
    };
    if last {
        super::terminate_self(status);
    }
    let saved = HOST_RSP.with(|c| c.get());
    if saved == 0 {
        // A thread that did not enter user mode through run_user (cannot
        // happen for guest threads) parks for good.
        loop {
            // SAFETY: pause only sleeps until a signal.
            unsafe { libc::pause() };
        }
    }
    // SAFETY: `saved` is this thread's host stack pointer from run_user.
    unsafe { casement_leave_user(saved) }
}

/// The end of a thread, on that thread: its exit status is set and its
/// waiters wake. Returns whether it was the process's last thread.
fn end_thread(t: &Thread, status: u32) -> bool {
    // Mutexes the thread still owns become abandoned: their next waiter
    // gets WAIT_ABANDONED.
    crate::ke::mutant::abandon_owned_by(t.id.load(Ordering::Acquire));
    t.exit_status.store(status, Ordering::Release);
    t.times.ended();
    t.state.store(1, Ordering::Release);
    futex::wake(&t.state, i32::MAX);
    LIVE_THREADS.fetch_sub(1, Ordering::AcqRel) == 1
}

/// Implements NtCreateThreadEx(ThreadHandle, DesiredAccess,
/// ObjectAttributes, ProcessHandle, StartRoutine, Argument, CreateFlags,
/// ZeroBits, StackSize, MaximumStackSize, AttributeList).
pub fn NtCreateThreadEx(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        if a[3] != NT_CURRENT_PROCESS {
            let p = ob::reference_typed::<super::Process>(a[3])?;
            if p.id != std::process::id() {
                return Err(STATUS_NOT_IMPLEMENTED);
            }
        }
        let (start, argument, flags) = (a[4], a[5], a[6]);
        if start == 0 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        let process = super::current_process().ok_or(STATUS_UNSUCCESSFUL)?;
        let reserve = a[9].max(a[8]).max(process.default_stack_reserve);
        let entry = syscalls::upcall::user_thread_start().ok_or(STATUS_UNSUCCESSFUL)?;
        let thread = Arc::new(super::create::create_thread_context(process.peb, reserve)?);
        super::register_thread(&thread);
        let id = super::new_thread_id();
        thread.id.store(id, Ordering::Release);
        // SAFETY: the new thread's TEB; ClientId.UniqueThread.
        unsafe { *((thread.teb + teb::CLIENT_ID as u64 + 8) as *mut u64) = id as u64 };
        thread
            .suspend_count
            .store((flags & CREATE_SUSPENDED != 0) as u32, Ordering::Relaxed);
        let attributes = if a[2] != 0 {
            user::read::<nt::OBJECT_ATTRIBUTES>(a[2])?.Attributes & nt::OBJ_INHERIT
        } else {
            0
        };
        let handle = ob::insert_object(thread.clone(), a[1] as u32, attributes)?;
        if let Err(e) = user::write(a[0], &handle) {
            let _ = ob::close_handle(handle);
            return Err(e);
        }
        LIVE_THREADS.fetch_add(1, Ordering::AcqRel);
        if start_host_thread(Job {
            thread,
            entry,
            start,
            argument,
        })
        .is_err()
        {
            LIVE_THREADS.fetch_sub(1, Ordering::AcqRel);
            let _ = ob::close_handle(handle);
            return Err(STATUS_INSUFFICIENT_RESOURCES);
        }
        Ok(())
    };
    NtStatus::from_result(run())
}

/// What a host thread is asked to run: a Windows thread.
struct Job {
    thread: Arc<Thread>,
    entry: syscalls::upcall::UserThreadStart,
    start: u64,
    argument: u64,
}

/// A host thread waiting for its next Windows thread.
struct Parked {
    /// 1 once a job is there (a futex word).
    ready: std::sync::atomic::AtomicU32,
    job: std::sync::Mutex<Option<Job>>,
}

/// Host threads whose Windows thread ended, kept to run new ones: creating
/// a thread is then a hand-over instead of a clone, a stack mapping and
/// their undoing.
static PARKED: std::sync::Mutex<Vec<Arc<Parked>>> = std::sync::Mutex::new(Vec::new());
const PARKED_MAX: usize = 16;
/// How long an idle host thread waits for work before it ends.
const PARKED_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn start_host_thread(job: Job) -> std::io::Result<()> {
    let parked = PARKED.lock().unwrap_or_else(|e| e.into_inner()).pop();
    if let Some(p) = parked {
        *p.job.lock().unwrap_or_else(|e| e.into_inner()) = Some(job);
        p.ready.store(1, Ordering::Release);
        futex::wake(&p.ready, 1);
        return Ok(());
    }
    std::thread::Builder::new()
        .stack_size(HOST_STACK)
        .spawn(move || host_thread(job))
        .map(|_| ())
}

/// A host thread: runs Windows threads one after another.
fn host_thread(first: Job) {
    crate::ke::trap::install_signal_stack();
    let mut job = first;
    loop {
        run_windows_thread(job);
        let me = Arc::new(Parked {
            ready: std::sync::atomic::AtomicU32::new(0),
            job: std::sync::Mutex::new(None),
        });
        {
            let mut parked = PARKED.lock().unwrap_or_else(|e| e.into_inner());
            if parked.len() >= PARKED_MAX {
                return;
            }
            parked.push(me.clone());
        }
        let deadline = std::time::Instant::now() + PARKED_TIMEOUT;
        while me.ready.load(Ordering::Acquire) == 0 {
            let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else {
                break;
            };
            futex::wait(&me.ready, 0, Some(left));
        }
        let taken = me.job.lock().unwrap_or_else(|e| e.into_inner()).take();
        match taken {
            Some(j) => job = j,
            None => {
                // Idle too long: leave, unless a job arrives as we go.
                let mut parked = PARKED.lock().unwrap_or_else(|e| e.into_inner());
                parked.retain(|p| !Arc::ptr_eq(p, &me));
                drop(parked);
                match me.job.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    Some(j) => job = j,
                    None => return,
                }
            }
        }
    }
}

/// Runs one Windows thread on the calling host thread, to its end.
fn run_windows_thread(job: Job) {
    let Job {
        thread,
        entry,
        start,
        argument,
    } = job;
    if set_gs_base(thread.teb).is_err() {
        return;
    }
    super::CURRENT_THREAD.with(|t| *t.borrow_mut() = Some(thread.clone()));
    thread.times.started(super::gettid());
    // A thread created suspended waits for NtResumeThread (or its end).
    loop {
        let count = thread.suspend_count.load(Ordering::Acquire);
        if count == 0 || super::suspend::termination(&thread).is_some() {
            break;
        }
        futex::wait(&thread.suspend_count, count, None);
    }
    if let Some(code) = super::suspend::termination(&thread) {
        // Terminated before it ever ran: it ends without entering user mode.
        if end_thread(&thread, code) {
            super::terminate_self(code);
        }
    } else {
        super::suspend::running(&thread);
        let top = thread.stack_base - 0x100;
        run_user(top, entry, start, argument);
        super::suspend::stopped(&thread);
    }
    // User mode has ended (exit_current_thread): the Windows stack and the
    // TEB go back for reuse.
    super::CURRENT_THREAD.with(|t| *t.borrow_mut() = None);
    super::create::retire_thread_context(
        thread.stack_limit,
        thread.stack_base - thread.stack_limit,
        thread.teb,
    );
}

/// Implements NtTerminateThread(ThreadHandle, ExitStatus). A handle of NULL
/// or NtCurrentThread() ends the caller.
pub fn NtTerminateThread(a: &Args) -> NtStatus {
    let me = super::current_thread();
    let target = match a[0] {
        0 | NT_CURRENT_THREAD => match me.clone() {
            Some(t) => t,
            None => return STATUS_INVALID_HANDLE,
        },
        h => match ob::reference_typed::<Thread>(h) {
            Ok(t) => match super::child::local_only(&t) {
                Ok(()) => t,
                Err(e) => return e,
            },
            Err(e) => return e,
        },
    };
    if me.is_some_and(|m| Arc::ptr_eq(&m, &target)) {
        exit_current_thread(a[1] as u32);
    }
    if target.state.load(Ordering::Acquire) == 0 {
        super::suspend::terminate(&target, a[1] as u32);
    }
    STATUS_SUCCESS
}

/// Implements NtResumeThread(ThreadHandle, PreviousSuspendCount).
pub fn NtResumeThread(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let t = ob::reference_typed::<Thread>(a[0])?;
        user::write_opt(a[1], &0u32)?;
        // A child process's first thread, created suspended.
        let previous = if t.teb == 0 {
            super::child::resume(&t)
        } else {
            super::suspend::resume(&t)
        };
        user::write_opt(a[1], &previous)
    };
    NtStatus::from_result(run())
}

impl crate::ke::Waitable for Thread {
    fn futex(&self) -> &std::sync::atomic::AtomicU32 {
        &self.state
    }
    fn try_acquire(&self) -> bool {
        self.state.load(Ordering::Acquire) != 0
    }
}

/// The exit code of a thread: STILL_ACTIVE while it runs.
pub fn exit_code(t: &Thread) -> u32 {
    if t.state.load(Ordering::Acquire) == 0 {
        STILL_ACTIVE
    } else {
        t.exit_status.load(Ordering::Acquire)
    }
}
