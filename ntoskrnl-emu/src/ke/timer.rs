//! Timer objects (waitable timers): NtCreateTimer, NtSetTimer,
//! NtCancelTimer, NtQueryTimer.
//!
//! A timer is a dispatcher object signalled when its due time comes, then
//! again every period if it has one. A notification (manual-reset) timer
//! stays signalled until it is set again; a synchronization timer releases
//! one waiter. A completion routine, if given, is queued as a user APC to
//! the thread that set the timer each time it fires.
//!
//! Due times are kept by one executive thread, the timer queue: a heap of
//! (due, timer) entries it sleeps on until the earliest is due. An entry
//! carries the generation of the NtSetTimer that made it; setting or
//! cancelling the timer again bumps the generation, which voids entries
//! already queued instead of searching the heap for them.

use super::{futex, Acquired, Waitable};
use crate::ob;
use crate::ps::apc::UserApc;
use crate::ps::Thread;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};
use syscalls::*;

/// TIMER_TYPE.
pub const NOTIFICATION_TIMER: u64 = 0;
pub const SYNCHRONIZATION_TIMER: u64 = 1;

/// Timer access rights.
pub const TIMER_QUERY_STATE: u32 = 0x1;
pub const TIMER_MODIFY_STATE: u32 = 0x2;

/// The signalled bit of the state word; the bits above count firings so
/// that every firing changes the futex word.
const SIGNALLED: u32 = 1;

/// What NtSetTimer armed.
struct Armed {
    /// Bumped by every set and cancel; a queued entry of another generation
    /// is void.
    generation: u64,
    /// Whether the timer is running (set and not cancelled, not a one-shot
    /// that has fired).
    active: bool,
    due: Instant,
    period: Duration,
    /// The completion routine, its argument and the thread it runs on.
    apc: Option<(Weak<Thread>, u64, u64)>,
}

pub struct Timer {
    /// Bit 0: signalled; bits 1..31 count firings. Also the futex word.
    state: AtomicU32,
    synchronization: bool,
    armed: Mutex<Armed>,
}
crate::object_type!(Timer, "Timer", waitable);

impl Timer {
    pub fn new(synchronization: bool) -> Timer {
        Timer {
            state: AtomicU32::new(0),
            synchronization,
            armed: Mutex::new(Armed {
                generation: 0,
                active: false,
                due: Instant::now(),
                period: Duration::ZERO,
                apc: None,
            }),
        }
    }

    fn armed(&self) -> std::sync::MutexGuard<'_, Armed> {
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SIGNALLED != 0
    }

    /// KeSetTimerEx: (re)arms the timer, not signalled, due at `due`, then
    /// every `period` if non-zero. Returns the previous signal state.
    pub fn set(
        self: &Arc<Self>,
        due: Instant,
        period: Duration,
        apc: Option<(Weak<Thread>, u64, u64)>,
    ) -> bool {
        let previous = self.state.fetch_and(!SIGNALLED, Ordering::AcqRel) & SIGNALLED != 0;
        let generation = {
            let mut a = self.armed();
            a.generation += 1;
            a.active = true;
            a.due = due;
            a.period = period;
            a.apc = apc;
            a.generation
        };
        queue().insert(due, Arc::downgrade(self), generation);
        previous
    }

    /// KeCancelTimer: stops the timer; its signal state is left as it is.
    /// Returns the signal state.
    pub fn cancel(&self) -> bool {
        let mut a = self.armed();
        a.generation += 1;
        a.active = false;
        a.apc = None;
        self.is_set()
    }

    /// Time left until the timer is next due (zero when not running).
    pub fn remaining(&self) -> Duration {
        let a = self.armed();
        if a.active {
            a.due.saturating_duration_since(Instant::now())
        } else {
            Duration::ZERO
        }
    }

    /// Called by the timer queue when an entry of `generation` is due:
    /// signals the timer, queues the completion routine, and returns when
    /// it is next due if it is periodic.
    fn fire(&self, generation: u64) -> Option<Instant> {
        let mut a = self.armed();
        if a.generation != generation || !a.active {
            return None;
        }
        // Signalled: bump the firing count and set bit 0 in one step.
        let mut v = self.state.load(Ordering::Acquire);
        loop {
            let next = (v.wrapping_add(2)) | SIGNALLED;
            match self
                .state
                .compare_exchange_weak(v, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(now) => v = now,
            }
        }
        futex::wake(&self.state, if self.synchronization { 1 } else { i32::MAX });
        if let Some((thread, routine, argument)) = &a.apc {
            // PTIMERAPCROUTINE(lpArgToCompletionRoutine, dwTimerLowValue,
            // dwTimerHighValue): the time it fired, as a FILETIME.
            let now = crate::ex::time::system_time_100ns() as u64;
            if let Some(t) = thread.upgrade() {
                if t.state.load(Ordering::Acquire) == 0 {
                    t.apcs.push(UserApc {
                        routine: *routine,
                        args: [*argument, now & 0xffff_ffff, now >> 32],
                    });
                }
            }
        }
        if a.period.is_zero() {
            a.active = false;
            return None;
        }
        // The next due time follows the schedule, not the (possibly late)
        // moment this ran, but never piles up missed periods.
        let mut next = a.due + a.period;
        let now = Instant::now();
        if next <= now {
            next = now + a.period;
        }
        a.due = next;
        Some(next)
    }
}

impl Waitable for Timer {
    fn futex(&self) -> &AtomicU32 {
        &self.state
    }
    fn try_acquire(&self) -> bool {
        if !self.synchronization {
            return self.is_set();
        }
        let mut v = self.state.load(Ordering::Acquire);
        while v & SIGNALLED != 0 {
            match self.state.compare_exchange_weak(
                v,
                v & !SIGNALLED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(now) => v = now,
            }
        }
        false
    }
    fn is_signalled(&self) -> bool {
        self.is_set()
    }
    fn undo_acquire(&self, how: Acquired) {
        if self.synchronization && how != Acquired::No {
            self.state.fetch_or(SIGNALLED, Ordering::AcqRel);
            futex::wake(&self.state, 1);
        }
    }
}

/// The timer queue: due entries in a heap, served by one thread.
struct TimerQueue {
    heap: Mutex<BinaryHeap<Reverse<Entry>>>,
    changed: Condvar,
}

struct Entry {
    due: Instant,
    /// Insertion order: equal due times fire first-set first.
    sequence: u64,
    timer: Weak<Timer>,
    generation: u64,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.sequence) == (other.due, other.sequence)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due, self.sequence).cmp(&(other.due, other.sequence))
    }
}

static QUEUE: OnceLock<Arc<TimerQueue>> = OnceLock::new();
static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The timer queue, started on first use.
fn queue() -> &'static Arc<TimerQueue> {
    QUEUE.get_or_init(|| {
        let q = Arc::new(TimerQueue {
            heap: Mutex::new(BinaryHeap::new()),
            changed: Condvar::new(),
        });
        let worker = q.clone();
        std::thread::Builder::new()
            .name("timer-queue".into())
            .stack_size(256 * 1024)
            .spawn(move || worker.run())
            .expect("cannot start the executive's timer thread");
        q
    })
}

impl TimerQueue {
    fn insert(&self, due: Instant, timer: Weak<Timer>, generation: u64) {
        let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let mut heap = self.heap.lock().unwrap_or_else(|e| e.into_inner());
        heap.push(Reverse(Entry {
            due,
            sequence,
            timer,
            generation,
        }));
        self.changed.notify_one();
    }

    fn run(&self) {
        let mut heap = self.heap.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = Instant::now();
            match heap.peek() {
                None => {
                    heap = self.changed.wait(heap).unwrap_or_else(|e| e.into_inner());
                }
                Some(Reverse(e)) if e.due > now => {
                    let wait = e.due - now;
                    heap = self
                        .changed
                        .wait_timeout(heap, wait)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                Some(_) => {
                    let Reverse(e) = heap.pop().expect("peeked");
                    // Fire without holding the heap: firing takes the
                    // timer's lock, which NtSetTimer holds while inserting.
                    drop(heap);
                    let next = e
                        .timer
                        .upgrade()
                        .and_then(|t| t.fire(e.generation).map(|due| (t, due)));
                    if let Some((t, due)) = next {
                        self.insert(due, Arc::downgrade(&t), e.generation);
                    }
                    heap = self.heap.lock().unwrap_or_else(|e| e.into_inner());
                }
            }
        }
    }
}

/// Implements NtCreateTimer(TimerHandle, DesiredAccess, ObjectAttributes,
/// TimerType).
pub fn NtCreateTimer(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let kind = a[3] as u32 as u64;
        if kind > SYNCHRONIZATION_TIMER {
            return Err(STATUS_INVALID_PARAMETER_4);
        }
        let timer = Arc::new(Timer::new(kind == SYNCHRONIZATION_TIMER));
        ob::create::create_object(a[0], a[2], a[1] as u32, timer)
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtSetTimer(TimerHandle, DueTime, TimerApcRoutine,
/// TimerContext, ResumeTimer, Period, PreviousState).
pub fn NtSetTimer(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let timer = ob::handle::reference_typed_access::<Timer>(a[0], TIMER_MODIFY_STATE)?;
        let period = a[5] as u32 as i32;
        if period < 0 {
            return Err(STATUS_INVALID_PARAMETER_6);
        }
        if a[1] == 0 {
            return Err(STATUS_ACCESS_VIOLATION);
        }
        let due = match super::wait::Deadline::from_user(a[1])? {
            super::wait::Deadline::At(t) => t,
            // Too far to represent: never due.
            super::wait::Deadline::Infinite => Instant::now() + Duration::from_secs(1 << 40),
        };
        user::write_opt(a[6], &0u8)?;
        let apc = if a[2] != 0 {
            let thread = crate::ps::current_thread().ok_or(STATUS_INVALID_PARAMETER)?;
            Some((Arc::downgrade(&thread), a[2], a[3]))
        } else {
            None
        };
        let previous = timer.set(due, Duration::from_millis(period as u64), apc);
        user::write_opt(a[6], &(previous as u8))
    };
    NtStatus::from_result(run())
}

/// Implements NtCancelTimer(TimerHandle, CurrentState).
pub fn NtCancelTimer(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let timer = ob::handle::reference_typed_access::<Timer>(a[0], TIMER_MODIFY_STATE)?;
        user::write_opt(a[1], &0u8)?;
        let state = timer.cancel();
        user::write_opt(a[1], &(state as u8))
    };
    NtStatus::from_result(run())
}

/// Implements NtQueryTimer(TimerHandle, TimerInformationClass,
/// TimerInformation, Length, ReturnLength): TimerBasicInformation, the
/// time remaining (100-ns units) and the signal state.
pub fn NtQueryTimer(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let timer = ob::handle::reference_typed_access::<Timer>(a[0], TIMER_QUERY_STATE)?;
        if a[1] as u32 != 0 {
            return Err(STATUS_INVALID_INFO_CLASS);
        }
        const SIZE: u32 = 16;
        if (a[3] as u32) < SIZE {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let mut d = [0u8; SIZE as usize];
        let remaining = (timer.remaining().as_nanos() / 100).min(i64::MAX as u128) as i64;
        d[..8].copy_from_slice(&remaining.to_le_bytes());
        d[8] = timer.is_set() as u8;
        user::write_from(a[2], &d)?;
        user::write_opt(a[4], &SIZE)
    };
    NtStatus::from_result(run())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ke::wait::{wait_single, Deadline};

    fn soon(ms: u64) -> Deadline {
        Deadline::At(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn a_notification_timer_signals_at_its_due_time_and_stays_signalled() {
        let t = Arc::new(Timer::new(false));
        let start = Instant::now();
        t.set(start + Duration::from_millis(40), Duration::ZERO, None);
        assert_eq!(wait_single(&*t, &soon(0)), STATUS_TIMEOUT);
        assert_eq!(wait_single(&*t, &soon(5_000)), STATUS_SUCCESS);
        assert!(start.elapsed() >= Duration::from_millis(40));
        assert_eq!(
            wait_single(&*t, &soon(0)),
            STATUS_SUCCESS,
            "still signalled"
        );
        assert_eq!(t.remaining(), Duration::ZERO);
    }

    #[test]
    fn a_periodic_synchronization_timer_releases_one_wait_per_period() {
        let t = Arc::new(Timer::new(true));
        let start = Instant::now();
        t.set(
            start + Duration::from_millis(10),
            Duration::from_millis(20),
            None,
        );
        for _ in 0..4 {
            assert_eq!(wait_single(&*t, &soon(5_000)), STATUS_SUCCESS);
            assert_eq!(wait_single(&*t, &soon(0)), STATUS_TIMEOUT, "auto-reset");
        }
        assert!(start.elapsed() >= Duration::from_millis(70));
        t.cancel();
        assert_eq!(wait_single(&*t, &soon(60)), STATUS_TIMEOUT, "cancelled");
    }

    #[test]
    fn setting_again_voids_the_earlier_due_time() {
        let t = Arc::new(Timer::new(false));
        let now = Instant::now();
        t.set(now + Duration::from_millis(10), Duration::ZERO, None);
        t.set(now + Duration::from_secs(3600), Duration::ZERO, None);
        assert_eq!(wait_single(&*t, &soon(80)), STATUS_TIMEOUT);
        assert!(t.remaining() > Duration::from_secs(3000));
    }
}
