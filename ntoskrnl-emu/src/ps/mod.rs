//! Processes and threads.

pub mod apc;
pub mod child;
pub mod create;
pub mod info;
pub mod job;
pub mod spawn;
pub mod suspend;
pub mod thread;
pub mod times;

use crate::ob::Object;
use std::cell::RefCell;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::sync::{Arc, OnceLock};
use syscalls::*;

/// The process object. One Windows process is one Linux process, so there
/// is exactly one of these per executive.
pub struct Process {
    pub id: u32,
    pub parent_id: u32,
    pub peb: u64,
    pub image_base: u64,
    pub exit_status: AtomicU32,
    /// The image's SizeOfStackReserve: the default for new threads.
    pub default_stack_reserve: u64,
    /// The process affinity mask (stored and reported; 0 means all of
    /// the system's processors).
    pub affinity: AtomicU64,
    /// 1 once the process has ended (the wait state; a futex word). A
    /// process's own threads never see it set: the end of the process
    /// ends them too, so waiting on the current process waits for ever
    /// (or times out), as on Windows.
    pub ended: AtomicU32,
    /// A child process (another Linux process) this executive created:
    /// its pidfd and exit-code channel. None for the process itself.
    pub child: Option<Arc<child::ChildLink>>,
}
crate::object_type!(Process, "Process", waitable);

impl crate::ke::Waitable for Process {
    fn futex(&self) -> &AtomicU32 {
        &self.ended
    }
    fn try_acquire(&self) -> bool {
        self.ended.load(std::sync::atomic::Ordering::Acquire) != 0
    }
}

/// Threads that have not ended yet; the last one to end ends the process.
pub static LIVE_THREADS: AtomicUsize = AtomicUsize::new(0);

/// A thread object: a pthread with its TEB and Windows stack.
pub struct Thread {
    /// The Linux thread id (0 until the thread has started).
    pub id: AtomicU32,
    pub teb: u64,
    pub stack_base: u64,
    /// The lowest address of the stack reservation (TEB DeallocationStack;
    /// the TEB's StackLimit is above the guard zone).
    pub stack_limit: u64,
    pub exit_status: AtomicU32,
    /// 0 while the thread runs, 1 once it has ended (the wait state; a
    /// futex word).
    pub state: AtomicU32,
    /// Suspend count of a thread created suspended (a futex word).
    pub suspend_count: AtomicU32,
    /// Priority as set by NtSetInformationThread (stored and reported).
    pub priority: AtomicI32,
    /// Affinity mask as set by NtSetInformationThread (stored and
    /// reported; 0 means the process's).
    pub affinity: AtomicU64,
    /// SetThreadDescription.
    pub description: Mutex<Vec<u16>>,
    pub times: times::ThreadTimes,
    /// Queued user APCs.
    pub apcs: apc::ApcQueue,
    /// SuspendThread and the register context of a suspended thread.
    pub suspend: suspend::SuspendState,
}
crate::object_type!(Thread, "Thread", waitable);

/// STILL_ACTIVE / STATUS_PENDING: the exit code of a running thread/process.
pub const STILL_ACTIVE: u32 = 0x103;

static PROCESS: OnceLock<Arc<Process>> = OnceLock::new();

thread_local! {
    static CURRENT_THREAD: RefCell<Option<Arc<Thread>>> = const { RefCell::new(None) };
}

pub fn current_process() -> Option<&'static Arc<Process>> {
    PROCESS.get()
}

pub fn current_process_object() -> Arc<dyn Object> {
    match PROCESS.get() {
        Some(p) => p.clone(),
        // Before process creation there is nothing to refer to; a dummy keeps
        // the pseudo-handle resolvable for the executive's own early calls.
        None => Arc::new(Process {
            id: std::process::id(),
            parent_id: 0,
            peb: 0,
            image_base: 0,
            exit_status: AtomicU32::new(STILL_ACTIVE),
            default_stack_reserve: 0,
            affinity: AtomicU64::new(0),
            ended: AtomicU32::new(0),
            child: None,
        }),
    }
}

/// Windows thread ids: multiples of 4, as on Windows, assigned when a
/// thread is created (so CreateThread can return one without waiting for
/// the thread to run).
static NEXT_THREAD_ID: AtomicU32 = AtomicU32::new(0x104);

pub fn new_thread_id() -> u32 {
    NEXT_THREAD_ID.fetch_add(4, Ordering::Relaxed)
}

/// The calling thread's Windows thread id. A host thread that is no
/// Windows thread (the executive's own tests) gets an id of its own, outside
/// the range Windows threads use.
pub fn current_thread_id() -> u32 {
    CURRENT_THREAD.with(|t| {
        t.borrow()
            .as_ref()
            .map_or_else(|| gettid() | 0x8000_0000, |t| t.id.load(Ordering::Relaxed))
    })
}

/// Every thread object made, for the services that act on all of them.
static ALL_THREADS: Mutex<Vec<std::sync::Weak<Thread>>> = Mutex::new(Vec::new());

/// Records a new thread in the process's thread list.
pub fn register_thread(t: &Arc<Thread>) {
    let mut all = ALL_THREADS.lock().unwrap_or_else(|e| e.into_inner());
    all.retain(|w| {
        w.upgrade()
            .is_some_and(|t| t.state.load(Ordering::Acquire) == 0)
    });
    all.push(Arc::downgrade(t));
}

/// The threads that have not ended.
pub fn live_threads() -> Vec<Arc<Thread>> {
    ALL_THREADS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter_map(|w| w.upgrade())
        .filter(|t| t.state.load(Ordering::Acquire) == 0)
        .collect()
}

pub fn current_thread() -> Option<Arc<Thread>> {
    CURRENT_THREAD.with(|t| t.borrow().clone())
}

pub fn current_thread_object() -> NtResult<Arc<dyn Object>> {
    current_thread()
        .map(|t| t as Arc<dyn Object>)
        .ok_or(STATUS_INVALID_HANDLE)
}

/// The Linux thread id of the calling thread (the Windows thread id).
pub fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

/// Points GS at `teb` for the calling thread, as Windows x64 guest code reads
/// gs:[0x30] (TEB), gs:[0x58] (TLS array) and gs:[0x60] (PEB). glibc keeps FS.
pub fn set_gs_base(teb: u64) -> NtResult<()> {
    const ARCH_SET_GS: libc::c_int = 0x1001;
    // SAFETY: arch_prctl(ARCH_SET_GS) only changes this thread's GS base,
    // which neither Rust nor glibc uses on x86-64.
    let r = unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_SET_GS, teb) };
    if r != 0 {
        return Err(STATUS_UNSUCCESSFUL);
    }
    Ok(())
}

/// Implements NtTerminateProcess(ProcessHandle, ExitStatus).
///
/// User mode has already run DLL detach routines and flushed its buffers
/// (ExitProcess does that before entering here).
pub fn NtTerminateProcess(a: &Args) -> NtStatus {
    let handle = a[0];
    let status = a[1] as u32;
    // NULL means "every thread but the caller" (part of ExitProcess); with
    // one thread per process so far there is nothing to do.
    if handle == 0 {
        return STATUS_SUCCESS;
    }
    match crate::ob::reference_typed::<Process>(handle) {
        Ok(p) if p.child.is_some() => child::terminate(&p, status),
        Ok(p) => {
            p.exit_status.store(status, Ordering::SeqCst);
            terminate_self(status)
        }
        Err(e) => e,
    }
}

/// Ends the process with a Windows exit code; Linux keeps its low 8 bits.
pub fn terminate_self(status: u32) -> ! {
    crate::io::console::restore_terminal();
    // The process's handles close with it: KILL_ON_JOB_CLOSE jobs end
    // their member children.
    job::close_all();
    child::report_exit(status);
    // SAFETY: _exit ends the process without running host atexit handlers,
    // as NtTerminateProcess does not run anything in user mode either.
    unsafe { libc::_exit(status as i32) }
}
