//! Thread-pool timers: TpAllocTimer, TpSetTimer, TpIsTimerSet,
//! TpWaitForTimer, TpReleaseTimer (CreateThreadpoolTimer and its family).
//!
//! One timer thread (a Windows thread, started with the first timer that is
//! set) sleeps on a condition variable until the earliest due time and
//! queues each expired timer's callback on the pool's workers. The window
//! length is accepted and not used for coalescing: timers fire at their due
//! time.

use crate::threadpool::{
    alloc_checks, lock, post_task, start_thread_with, CallbackInstance, Outstanding,
};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use syscalls::{args, nr, syscall, NtStatus, STATUS_SUCCESS};

/// PTP_TIMER_CALLBACK(Instance, Context, Timer).
type TimerCallback = extern "win64" fn(*mut CallbackInstance, u64, u64);

/// A TP_TIMER: the guest's PTP_TIMER is `Arc::into_raw` of it.
pub struct Timer {
    callback: TimerCallback,
    context: u64,
    calls: Outstanding,
}

/// A set timer.
struct Entry {
    timer: Arc<Timer>,
    /// The next expiration; None once a one-shot timer has fired (the
    /// timer stays set until it is set again or cancelled).
    due: Option<Instant>,
    period: Duration,
}

struct Timers {
    entries: Vec<Entry>,
    thread: bool,
}

static TIMERS: Mutex<Timers> = Mutex::new(Timers {
    entries: Vec::new(),
    thread: false,
});
/// Signalled for the timer thread when the earliest due time may have
/// changed.
static CHANGED: Condvar = Condvar::new();

/// An NT due time (negative: relative, in 100 ns units; positive: absolute
/// system time; 0: now) as an instant.
pub(crate) fn due_instant(due: i64) -> Instant {
    let now = Instant::now();
    let ticks = if due < 0 {
        due.unsigned_abs()
    } else {
        let mut system = 0i64;
        syscall(
            nr::NtQuerySystemTime,
            &args([&mut system as *mut i64 as u64]),
        );
        due.saturating_sub(system).max(0) as u64
    };
    // Far-off times are capped so that the arithmetic cannot overflow.
    let ticks = ticks.min(100 * 365 * 86_400 * 10_000_000);
    now + Duration::from_nanos(ticks * 100)
}

/// The due time a guest's PLARGE_INTEGER (or PFILETIME) gives, if any.
///
/// # Safety
/// `due` must be NULL or point to 8 readable bytes (only 4-byte alignment
/// is needed: a FILETIME's).
pub unsafe fn read_due(due: *const i64) -> Option<i64> {
    (!due.is_null()).then(|| due.read_unaligned())
}

fn timer_ref<'a>(timer: u64) -> &'a Timer {
    // SAFETY: a PTP_TIMER from TpAllocTimer that the caller has not
    // released.
    unsafe { &*(timer as *const Timer) }
}

/// The guest's reference as a new Arc of its own.
fn timer_arc(timer: u64) -> Arc<Timer> {
    let t = timer as *const Timer;
    // SAFETY: the guest's reference stays; this takes another.
    unsafe {
        Arc::increment_strong_count(t);
        Arc::from_raw(t)
    }
}

/// Implements TpAllocTimer(Timer, Callback, Context, CallbackEnviron).
pub extern "win64" fn TpAllocTimer(
    out: *mut u64,
    function: u64,
    context: u64,
    _environ: u64,
) -> NtStatus {
    let callback = match alloc_checks(out, function) {
        Ok(c) => c,
        Err(st) => return st,
    };
    let timer = Arc::new(Timer {
        callback,
        context,
        calls: Outstanding::default(),
    });
    // SAFETY: the caller's PTP_TIMER output.
    unsafe { *out = Arc::into_raw(timer) as u64 };
    STATUS_SUCCESS
}

/// Sets (`due` Some) or cancels the timer; true when an expiration was
/// pending and has been replaced or cancelled (SetThreadpoolTimerEx).
pub fn set_timer(timer: u64, due: Option<i64>, period_ms: u32) -> bool {
    let mut t = lock(&TIMERS);
    let old = t
        .entries
        .iter()
        .position(|e| Arc::as_ptr(&e.timer) as u64 == timer)
        .map(|i| t.entries.swap_remove(i));
    let was_pending = old.as_ref().is_some_and(|e| e.due.is_some());
    if let Some(due) = due {
        t.entries.push(Entry {
            timer: old.map_or_else(|| timer_arc(timer), |e| e.timer),
            due: Some(due_instant(due)),
            period: Duration::from_millis(period_ms.into()),
        });
        if !t.thread {
            t.thread = true;
            if start_thread_with(timer_thread, 0).is_err() {
                t.thread = false;
            }
        }
    }
    CHANGED.notify_one();
    was_pending
}

/// Implements TpSetTimer(Timer, DueTime, Period, WindowLength) (and, as
/// kernel32's forward, SetThreadpoolTimer with its PFILETIME): a NULL due
/// time cancels the timer; callbacks already queued still run.
pub extern "win64" fn TpSetTimer(timer: u64, due: *const i64, period: u32, _window: u32) {
    // SAFETY: the caller's due time or NULL.
    set_timer(timer, unsafe { read_due(due) }, period);
}

/// Implements TpIsTimerSet(Timer).
pub extern "win64" fn TpIsTimerSet(timer: u64) -> u32 {
    lock(&TIMERS)
        .entries
        .iter()
        .any(|e| Arc::as_ptr(&e.timer) as u64 == timer) as u32
}

/// Implements TpWaitForTimer(Timer, CancelPendingCallbacks): waits for the
/// callbacks that are running, and for the queued ones unless told to
/// cancel them.
pub extern "win64" fn TpWaitForTimer(timer: u64, cancel: u32) {
    timer_ref(timer).calls.wait(cancel != 0);
}

/// Implements TpReleaseTimer(Timer) (CloseThreadpoolTimer): cancels the
/// timer; the object goes once its outstanding callbacks have run.
pub extern "win64" fn TpReleaseTimer(timer: u64) {
    set_timer(timer, None, 0);
    // SAFETY: the guest's reference from TpAllocTimer, given back.
    drop(unsafe { Arc::from_raw(timer as *const Timer) });
}

/// The timer thread's start routine: queues the callbacks of timers as
/// they expire, sleeping until the earliest due time in between.
extern "win64" fn timer_thread(_: u64) -> u32 {
    let mut t = lock(&TIMERS);
    loop {
        let now = Instant::now();
        let mut fired = Vec::new();
        for e in t.entries.iter_mut() {
            let Some(due) = e.due.filter(|&d| d <= now) else {
                continue;
            };
            e.timer.calls.queue();
            fired.push(e.timer.clone());
            e.due = if e.period.is_zero() {
                None
            } else {
                // Expirations missed while late are not made up.
                let next = due + e.period;
                Some(if next > now { next } else { now + e.period })
            };
        }
        if !fired.is_empty() {
            drop(t);
            for timer in fired {
                post_task(Box::new(move |instance| run(&timer, instance)));
            }
            t = lock(&TIMERS);
            continue;
        }
        let next = t.entries.iter().filter_map(|e| e.due).min();
        t = match next {
            None => CHANGED.wait(t).unwrap_or_else(|e| e.into_inner()),
            Some(due) => {
                CHANGED
                    .wait_timeout(t, due.saturating_duration_since(now))
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
        };
    }
}

fn run(timer: &Arc<Timer>, instance: &mut CallbackInstance) {
    if !timer.calls.start() {
        // Cancelled by TpWaitForTimer.
        return;
    }
    (timer.callback)(instance, timer.context, Arc::as_ptr(timer) as u64);
    instance.complete();
    timer.calls.finish();
}
