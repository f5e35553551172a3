//! The process's default thread pool: work objects (TpAllocWork,
//! TpPostWork, TpWaitForWork, TpReleaseWork), simple callbacks
//! (TpSimpleTryPost), RtlQueueWorkItem, and the callback-instance
//! completion actions (TpCallbackSetEventOnCompletion, …).
//!
//! Workers are ordinary Windows threads made with NtCreateThreadEx, so
//! callbacks run with a TEB and DLL thread attach like on Windows. A post
//! that finds no idle worker starts one, up to one per processor; past
//! that a monitor thread adds workers while the queue is stalled (every
//! worker blocked in a callback), up to the default pool's maximum of 512,
//! so callbacks that wait for one another do not starve.
//! Callback environments are accepted and ignored: every callback runs in
//! the default pool. Timers (timer.rs) and waits (wait.rs) queue their
//! callbacks here as tasks.

pub mod timer;
pub mod wait;

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use syscalls::nt::{NT_CURRENT_PROCESS, OBJECT_ATTRIBUTES};
use syscalls::{
    args, nr, syscall, NtStatus, STATUS_INVALID_PARAMETER_1, STATUS_INVALID_PARAMETER_2,
    STATUS_SUCCESS,
};

/// The default pool's maximum number of threads on Windows.
const MAX_THREADS: usize = 512;
const THREAD_ALL_ACCESS: u64 = 0x1F_FFFF;

/// PTP_WORK_CALLBACK(Instance, Context, Work).
type WorkCallback = extern "win64" fn(*mut CallbackInstance, u64, u64);
/// PTP_SIMPLE_CALLBACK(Instance, Context).
type SimpleCallback = extern "win64" fn(*mut CallbackInstance, u64);
/// WORKERCALLBACKFUNC(Context) (QueueUserWorkItem's LPTHREAD_START_ROUTINE
/// has the same convention; its result is ignored).
type LegacyCallback = extern "win64" fn(u64) -> u32;

/// A guest callback address as a function; None for NULL.
pub(crate) fn callback<F: Copy>(address: u64) -> Option<F> {
    debug_assert_eq!(core::mem::size_of::<F>(), 8);
    // SAFETY: a non-NULL code address the guest passed as a callback of
    // type F (an `extern "win64" fn`, pointer-sized).
    (address != 0).then(|| unsafe { core::mem::transmute_copy::<u64, F>(&address) })
}

/// A TP_WORK: the guest's PTP_WORK is `Arc::into_raw` of it.
pub struct Work {
    callback: WorkCallback,
    context: u64,
    counts: Mutex<WorkCounts>,
    /// Signalled when nothing is pending or running.
    quiet: Condvar,
}

#[derive(Default)]
struct WorkCounts {
    /// Posted and not yet started (or cancelled).
    pending: usize,
    running: usize,
}

/// A callback queued by a timer or a wait; it runs the instance's
/// completion actions itself.
pub(crate) type Task = Box<dyn FnOnce(&mut CallbackInstance) + Send>;

enum Item {
    Work(Arc<Work>),
    Task(Task),
    Simple(SimpleCallback, u64),
    Legacy(LegacyCallback, u64),
}

struct Queue {
    items: VecDeque<Item>,
    /// Workers waiting for an item.
    idle: usize,
    threads: usize,
    /// Items taken off the queue so far: the monitor's measure of progress.
    taken: u64,
    monitor: bool,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    items: VecDeque::new(),
    idle: 0,
    threads: 0,
    taken: 0,
    monitor: false,
});
/// Signalled for idle workers when an item is queued.
static READY: Condvar = Condvar::new();
/// Signalled for the monitor when an item is queued beyond the soft limit.
static BACKLOG: Condvar = Condvar::new();
/// How often the monitor looks for a stalled queue.
const STALL: Duration = Duration::from_millis(50);

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Workers started on demand without delay: one per processor. Beyond
/// that the monitor adds workers only while the queue makes no progress
/// (callbacks that block), as Windows' pool injects threads over time.
fn soft_limit() -> usize {
    static LIMIT: OnceLock<usize> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, MAX_THREADS)
    })
}

/// TP_CALLBACK_INSTANCE: what a callback asked to be done when it returns.
#[derive(Default)]
pub struct CallbackInstance {
    event: u64,
    semaphore: u64,
    semaphore_count: u32,
    mutex: u64,
    critical_section: u64,
}

impl CallbackInstance {
    /// Runs the completion actions, as the pool does after the callback.
    pub(crate) fn complete(&self) {
        if self.critical_section != 0 {
            crate::sync::RtlLeaveCriticalSection(self.critical_section as *mut _);
        }
        if self.mutex != 0 {
            syscall(nr::NtReleaseMutant, &args([self.mutex, 0]));
        }
        if self.semaphore != 0 {
            syscall(
                nr::NtReleaseSemaphore,
                &args([self.semaphore, self.semaphore_count as u64, 0]),
            );
        }
        if self.event != 0 {
            syscall(nr::NtSetEvent, &args([self.event, 0]));
        }
    }
}

/// What a post decided to start.
enum Start {
    Nothing,
    Worker,
    Monitor,
}

/// Queues `item`, starting a worker when no idle one is left for it.
fn post(item: Item) -> NtStatus {
    let start = {
        let mut q = lock(&QUEUE);
        q.items.push_back(item);
        if q.items.len() <= q.idle {
            Start::Nothing
        } else if q.threads < soft_limit() {
            q.threads += 1;
            Start::Worker
        } else if !q.monitor {
            q.monitor = true;
            Start::Monitor
        } else {
            BACKLOG.notify_one();
            Start::Nothing
        }
    };
    READY.notify_one();
    match start {
        Start::Nothing => {}
        Start::Worker => {
            if let Err(st) = start_thread(worker) {
                let mut q = lock(&QUEUE);
                q.threads -= 1;
                if q.threads == 0 {
                    // Nobody would ever run it.
                    q.items.pop_back();
                    return st;
                }
            }
        }
        Start::Monitor => {
            if start_thread(monitor).is_err() {
                lock(&QUEUE).monitor = false;
            }
        }
    }
    STATUS_SUCCESS
}

/// Queues a timer's or a wait's callback.
pub(crate) fn post_task(task: Task) -> NtStatus {
    post(Item::Task(task))
}

/// Starts a Windows thread of this process at `routine`(`parameter`).
pub(crate) fn start_thread_with(
    routine: extern "win64" fn(u64) -> u32,
    parameter: u64,
) -> Result<(), NtStatus> {
    let oa = OBJECT_ATTRIBUTES {
        Length: core::mem::size_of::<OBJECT_ATTRIBUTES>() as u32,
        ..Default::default()
    };
    let mut h = 0u64;
    let st = syscall(
        nr::NtCreateThreadEx,
        &args([
            &mut h as *mut u64 as u64,
            THREAD_ALL_ACCESS,
            &oa as *const OBJECT_ATTRIBUTES as u64,
            NT_CURRENT_PROCESS,
            routine as usize as u64,
            parameter,
            0,
            0,
            0,
            0,
            0,
        ]),
    );
    if !st.is_success() {
        log::warn!("thread pool: cannot start a thread: {st:?}");
        return Err(st);
    }
    syscall(nr::NtClose, &args([h]));
    Ok(())
}

/// Starts a Windows thread of this process at `routine`.
fn start_thread(routine: extern "win64" fn(u64) -> u32) -> Result<(), NtStatus> {
    start_thread_with(routine, 0)
}

/// The monitor thread's start routine: while items wait and none has been
/// taken for a while (every worker is blocked in a callback), adds a
/// worker, up to the pool's maximum.
extern "win64" fn monitor(_: u64) -> u32 {
    let mut q = lock(&QUEUE);
    loop {
        while q.items.is_empty() || q.idle >= q.items.len() {
            q = BACKLOG.wait(q).unwrap_or_else(|e| e.into_inner());
        }
        // Posts wake this early; the queue must stall for all of STALL.
        let taken = q.taken;
        let deadline = Instant::now() + STALL;
        while let Some(left) = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
        {
            q = BACKLOG
                .wait_timeout(q, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        if q.taken == taken && q.items.len() > q.idle && q.threads < MAX_THREADS {
            q.threads += 1;
            drop(q);
            if start_thread(worker).is_err() {
                lock(&QUEUE).threads -= 1;
            }
            q = lock(&QUEUE);
        }
    }
}

/// A worker thread's start routine: runs queued callbacks forever.
extern "win64" fn worker(_: u64) -> u32 {
    loop {
        let item = {
            let mut q = lock(&QUEUE);
            q.idle += 1;
            while q.items.is_empty() {
                q = READY.wait(q).unwrap_or_else(|e| e.into_inner());
            }
            q.idle -= 1;
            q.taken += 1;
            q.items.pop_front()
        };
        let mut instance = CallbackInstance::default();
        match item {
            Some(Item::Work(work)) => run_work(&work, &mut instance),
            Some(Item::Task(task)) => task(&mut instance),
            Some(Item::Simple(callback, context)) => {
                callback(&mut instance, context);
                instance.complete();
            }
            Some(Item::Legacy(callback, context)) => {
                callback(context);
            }
            None => {}
        }
    }
}

fn run_work(work: &Arc<Work>, instance: &mut CallbackInstance) {
    {
        let mut c = lock(&work.counts);
        if c.pending == 0 {
            // Cancelled by TpWaitForWork.
            return;
        }
        c.pending -= 1;
        c.running += 1;
    }
    (work.callback)(instance, work.context, Arc::as_ptr(work) as u64);
    instance.complete();
    let mut c = lock(&work.counts);
    c.running -= 1;
    if c.pending == 0 && c.running == 0 {
        work.quiet.notify_all();
    }
}

/// The callbacks of one timer or wait that are queued or running, for
/// TpWaitForTimer/TpWaitForWait and RtlDeregisterWaitEx.
#[derive(Default)]
pub(crate) struct Outstanding {
    counts: Mutex<OutstandingCounts>,
    /// Signalled when nothing is pending or running.
    quiet: Condvar,
}

#[derive(Default)]
struct OutstandingCounts {
    pending: usize,
    running: usize,
    /// An event to set once nothing is pending or running (0: none).
    notify: u64,
}

impl Outstanding {
    /// One more callback queued.
    pub(crate) fn queue(&self) {
        lock(&self.counts).pending += 1;
    }

    /// A queued callback is about to run; false when it was cancelled.
    pub(crate) fn start(&self) -> bool {
        let mut c = lock(&self.counts);
        if c.pending == 0 {
            return false;
        }
        c.pending -= 1;
        c.running += 1;
        true
    }

    /// A callback (and its completion actions) returned.
    pub(crate) fn finish(&self) {
        let mut c = lock(&self.counts);
        c.running -= 1;
        self.settle(&mut c);
    }

    fn settle(&self, c: &mut OutstandingCounts) {
        if c.pending == 0 && c.running == 0 {
            self.quiet.notify_all();
            if c.notify != 0 {
                syscall(nr::NtSetEvent, &args([c.notify, 0]));
                c.notify = 0;
            }
        }
    }

    /// Waits until nothing is running, discarding the queued callbacks
    /// first when `cancel`, else waiting for them too.
    pub(crate) fn wait(&self, cancel: bool) {
        let mut c = lock(&self.counts);
        if cancel && c.pending != 0 {
            c.pending = 0;
            self.settle(&mut c);
        }
        while c.pending > 0 || c.running > 0 {
            c = self.quiet.wait(c).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// True when nothing is queued or running; otherwise `event` (if not
    /// 0) is set when that becomes so.
    pub(crate) fn quiet_or_notify(&self, event: u64) -> bool {
        let mut c = lock(&self.counts);
        let quiet = c.pending == 0 && c.running == 0;
        if !quiet {
            c.notify = event;
        }
        quiet
    }
}

fn work_ref(work: u64) -> &'static Work {
    // SAFETY: a PTP_WORK from TpAllocWork that the caller has not released.
    unsafe { &*(work as *const Work) }
}

/// The checks every TpAlloc* makes first: somewhere to put the object
/// (parameter 1) and a callback (parameter 2).
pub(crate) fn alloc_checks<F: Copy>(out: *mut u64, function: u64) -> Result<F, NtStatus> {
    if out.is_null() {
        return Err(STATUS_INVALID_PARAMETER_1);
    }
    callback(function).ok_or(STATUS_INVALID_PARAMETER_2)
}

/// Implements TpAllocWork(WorkReturn, Callback, Context, CallbackEnviron).
pub extern "win64" fn TpAllocWork(
    out: *mut u64,
    function: u64,
    context: u64,
    _environ: u64,
) -> NtStatus {
    let callback = match alloc_checks(out, function) {
        Ok(c) => c,
        Err(st) => return st,
    };
    let work = Arc::new(Work {
        callback,
        context,
        counts: Mutex::new(WorkCounts::default()),
        quiet: Condvar::new(),
    });
    // SAFETY: the caller's PTP_WORK output.
    unsafe { *out = Arc::into_raw(work) as u64 };
    STATUS_SUCCESS
}

/// Implements TpPostWork(Work): one more run of the callback.
pub extern "win64" fn TpPostWork(work: u64) {
    let w = work_ref(work);
    lock(&w.counts).pending += 1;
    // SAFETY: the guest's reference stays; the queue takes its own.
    let arc = unsafe {
        Arc::increment_strong_count(w);
        Arc::from_raw(w)
    };
    post(Item::Work(arc));
}

/// Implements TpWaitForWork(Work, CancelPendingCallbacks): waits for the
/// callbacks that have started, after discarding the ones not yet started
/// when asked to, or for all of them otherwise.
pub extern "win64" fn TpWaitForWork(work: u64, cancel: u32) {
    let w = work_ref(work);
    let mut c = lock(&w.counts);
    if cancel != 0 {
        c.pending = 0;
    }
    while c.pending > 0 || c.running > 0 {
        c = w.quiet.wait(c).unwrap_or_else(|e| e.into_inner());
    }
}

/// Implements TpReleaseWork(Work): the object goes once its outstanding
/// callbacks have run (CloseThreadpoolWork).
pub extern "win64" fn TpReleaseWork(work: u64) {
    // SAFETY: the guest's reference from TpAllocWork, given back.
    drop(unsafe { Arc::from_raw(work as *const Work) });
}

/// Implements TpSimpleTryPost(Callback, Context, CallbackEnviron).
pub extern "win64" fn TpSimpleTryPost(function: u64, context: u64, _environ: u64) -> NtStatus {
    match callback(function) {
        Some(f) => post(Item::Simple(f, context)),
        None => STATUS_INVALID_PARAMETER_1,
    }
}

/// Implements RtlQueueWorkItem(Function, Context, Flags). The WT_* flags
/// are hints about the kind of thread; every callback runs in the pool.
pub extern "win64" fn RtlQueueWorkItem(function: u64, context: u64, _flags: u32) -> NtStatus {
    match callback(function) {
        Some(f) => post(Item::Legacy(f, context)),
        None => STATUS_INVALID_PARAMETER_1,
    }
}

fn instance<'a>(i: *mut CallbackInstance) -> &'a mut CallbackInstance {
    // SAFETY: the PTP_CALLBACK_INSTANCE the pool passed to the running
    // callback.
    unsafe { &mut *i }
}

/// Implements TpCallbackSetEventOnCompletion(Instance, Event).
pub extern "win64" fn TpCallbackSetEventOnCompletion(i: *mut CallbackInstance, event: u64) {
    instance(i).event = event;
}

/// Implements TpCallbackReleaseSemaphoreOnCompletion(Instance, Semaphore,
/// ReleaseCount).
pub extern "win64" fn TpCallbackReleaseSemaphoreOnCompletion(
    i: *mut CallbackInstance,
    semaphore: u64,
    count: u32,
) {
    let i = instance(i);
    i.semaphore = semaphore;
    i.semaphore_count = count;
}

/// Implements TpCallbackReleaseMutexOnCompletion(Instance, Mutex).
pub extern "win64" fn TpCallbackReleaseMutexOnCompletion(i: *mut CallbackInstance, mutex: u64) {
    instance(i).mutex = mutex;
}

/// Implements TpCallbackLeaveCriticalSectionOnCompletion(Instance,
/// CriticalSection).
pub extern "win64" fn TpCallbackLeaveCriticalSectionOnCompletion(
    i: *mut CallbackInstance,
    cs: u64,
) {
    instance(i).critical_section = cs;
}

/// Implements TpCallbackMayRunLong(Instance): the caller will be busy for
/// a while, so queued items get a new worker now rather than when the
/// monitor notices; another thread can always be had.
pub extern "win64" fn TpCallbackMayRunLong(_i: *mut CallbackInstance) -> NtStatus {
    let start = {
        let mut q = lock(&QUEUE);
        let start = q.items.len() > q.idle && q.threads < MAX_THREADS;
        if start {
            q.threads += 1;
        }
        start
    };
    if start && start_thread(worker).is_err() {
        lock(&QUEUE).threads -= 1;
    }
    STATUS_SUCCESS
}
