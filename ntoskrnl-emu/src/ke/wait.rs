//! Waits: NtWaitForSingleObject, NtWaitForMultipleObjects,
//! NtSignalAndWaitForSingleObject, NtDelayExecution, NtYieldExecution.

use super::waitlist::{Registration, WaitBlock};
use super::{Acquired, Waitable};
use crate::ob;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use syscalls::*;

/// MAXIMUM_WAIT_OBJECTS.
pub const MAXIMUM_WAIT_OBJECTS: usize = 64;
/// WAIT_TYPE.
pub const WAIT_ALL: u32 = 0;
pub const WAIT_ANY: u32 = 1;
/// STATUS_ABANDONED_WAIT_0 (= STATUS_ABANDONED).
pub const STATUS_ABANDONED_WAIT_0: u32 = 0x80;
/// WaitAll given the same object twice.
pub const STATUS_INVALID_PARAMETER_MIX: NtStatus = NtStatus(0xC000_0030);

/// A wait deadline decoded from an NT timeout (100-ns units; negative is
/// relative, positive absolute system time, NULL infinite).
pub enum Deadline {
    Infinite,
    At(Instant),
}

impl Deadline {
    pub fn from_user(timeout: u64) -> NtResult<Deadline> {
        if timeout == 0 {
            return Ok(Deadline::Infinite);
        }
        let t: i64 = user::read(timeout)?;
        let relative = if t < 0 {
            Duration::from_nanos(
                (t as i128)
                    .unsigned_abs()
                    .saturating_mul(100)
                    .min(u64::MAX as u128) as u64,
            )
        } else {
            let now = crate::ex::time::system_time_100ns();
            Duration::from_nanos((t.saturating_sub(now).max(0) as u64).saturating_mul(100))
        };
        Ok(Instant::now()
            .checked_add(relative)
            .map_or(Deadline::Infinite, Deadline::At))
    }
    /// None when the deadline has passed; otherwise how long is left
    /// (None inside for an infinite wait).
    fn remaining(&self) -> Option<Option<Duration>> {
        match self {
            Deadline::Infinite => Some(None),
            Deadline::At(t) => t
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .map(Some),
        }
    }
}

fn status_of(how: Acquired, index: usize) -> NtStatus {
    match how {
        Acquired::Abandoned => NtStatus(STATUS_ABANDONED_WAIT_0 + index as u32),
        _ => NtStatus(index as u32),
    }
}

/// KeWaitForSingleObject on a dispatcher object: sleeps on the object's
/// own futex word.
pub fn wait_single(object: &dyn Waitable, deadline: &Deadline) -> NtStatus {
    let mut seen = object.futex().load(Ordering::Acquire);
    loop {
        let (how, now) = object.acquire(seen);
        if how != Acquired::No {
            return status_of(how, 0);
        }
        seen = now;
        match deadline.remaining() {
            None => return STATUS_TIMEOUT,
            Some(rest) => super::futex::wait(object.futex(), seen, rest),
        }
    }
}

/// WaitAny: the lowest index whose object is signalled wins.
fn satisfy_any(objects: &[&dyn Waitable], since: &mut [u32]) -> Option<NtStatus> {
    for (i, o) in objects.iter().enumerate() {
        let (how, now) = o.acquire(since[i]);
        if how != Acquired::No {
            return Some(status_of(how, i));
        }
        since[i] = now;
    }
    None
}

/// WaitAll: all the objects or none. Every object is looked at first;
/// then each is taken, in a fixed (address) order so that two such waits
/// do not keep taking each other's objects; if one is lost to another
/// thread in between, those already taken are given back.
fn satisfy_all(objects: &[&dyn Waitable], order: &[usize]) -> Option<NtStatus> {
    if !objects.iter().all(|o| o.is_signalled()) {
        return None;
    }
    let mut taken: Vec<(usize, Acquired)> = Vec::with_capacity(objects.len());
    for &i in order {
        let o = objects[i];
        let (how, _) = o.acquire(o.futex().load(Ordering::Acquire));
        if how == Acquired::No {
            for &(j, how) in taken.iter().rev() {
                objects[j].undo_acquire(how);
            }
            return None;
        }
        taken.push((i, how));
    }
    let abandoned = taken
        .iter()
        .filter(|(_, how)| *how == Acquired::Abandoned)
        .map(|(i, _)| *i)
        .min();
    Some(match abandoned {
        Some(i) => status_of(Acquired::Abandoned, i),
        None => STATUS_SUCCESS,
    })
}

/// KeWaitForMultipleObjects: sleeps on a wait block registered under every
/// object's futex word.
pub fn wait_multiple(objects: &[&dyn Waitable], wait_all: bool, deadline: &Deadline) -> NtStatus {
    wait_multiple_alertable(objects, wait_all, deadline, None)
}

/// [`wait_multiple`], also ended by `alert` (a thread's APC queue) becoming
/// signalled: then it returns STATUS_USER_APC. Objects already signalled
/// satisfy the wait first, as in NT.
pub fn wait_multiple_alertable(
    objects: &[&dyn Waitable],
    wait_all: bool,
    deadline: &Deadline,
    alert: Option<&dyn Waitable>,
) -> NtStatus {
    let alerted = || alert.is_some_and(|a| a.is_signalled());
    let mut order: Vec<usize> = (0..objects.len()).collect();
    order.sort_by_key(|&i| objects[i].futex() as *const _ as usize);
    let mut since: Vec<u32> = objects
        .iter()
        .map(|o| o.futex().load(Ordering::Acquire))
        .collect();
    let attempt = |since: &mut [u32]| {
        if wait_all {
            satisfy_all(objects, &order)
        } else {
            satisfy_any(objects, since)
        }
    };
    // Satisfied already, or a poll: no need to register.
    if let Some(status) = attempt(&mut since) {
        return status;
    }
    if alerted() {
        return STATUS_USER_APC;
    }
    if deadline.remaining().is_none() {
        return STATUS_TIMEOUT;
    }
    let block = Arc::new(WaitBlock::default());
    let words = objects.iter().chain(alert.as_ref()).map(|o| o.futex());
    let _registration = Registration::new(&block, words);
    loop {
        let generation = block.word.load(Ordering::Acquire);
        if let Some(status) = attempt(&mut since) {
            return status;
        }
        if alerted() {
            return STATUS_USER_APC;
        }
        match deadline.remaining() {
            None => return STATUS_TIMEOUT,
            Some(rest) => super::futex::wait(&block.word, generation, rest),
        }
    }
}

/// Runs a wait that is alertable when `alertable` is set and the caller is
/// a Windows thread: a user APC queued to the thread ends it, the thread
/// runs its APCs, and the wait returns STATUS_USER_APC.
fn with_alerts(alertable: bool, wait: impl FnOnce(Option<&dyn Waitable>) -> NtStatus) -> NtStatus {
    let thread = if alertable {
        crate::ps::current_thread()
    } else {
        None
    };
    let status = wait(thread.as_ref().map(|t| &t.apcs as &dyn Waitable));
    if status == STATUS_USER_APC {
        if let Some(t) = &thread {
            crate::ps::apc::deliver(t);
        }
    }
    status
}

/// A wait on one object, alertable or not.
fn wait_one(waitable: &dyn Waitable, deadline: &Deadline, alertable: bool) -> NtStatus {
    with_alerts(alertable, |alert| match alert {
        None => wait_single(waitable, deadline),
        Some(alert) => wait_multiple_alertable(&[waitable], false, deadline, Some(alert)),
    })
}

/// Implements NtWaitForSingleObject(Handle, Alertable, Timeout).
pub fn NtWaitForSingleObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let object = ob::handle::reference_waitable(a[0])?;
        let waitable = object.waitable().ok_or(STATUS_OBJECT_TYPE_MISMATCH)?;
        let deadline = Deadline::from_user(a[2])?;
        Ok(wait_one(waitable, &deadline, a[1] as u8 != 0))
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtWaitForMultipleObjects(Count, Handles, WaitType,
/// Alertable, Timeout).
pub fn NtWaitForMultipleObjects(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let count = a[0] as u32 as usize;
        if count == 0 || count > MAXIMUM_WAIT_OBJECTS {
            return Err(STATUS_INVALID_PARAMETER_1);
        }
        let wait_type = a[2] as u32;
        if wait_type != WAIT_ALL && wait_type != WAIT_ANY {
            return Err(STATUS_INVALID_PARAMETER_3);
        }
        let raw = user::read_bytes(a[1], count * 8)?;
        let objects = raw
            .chunks_exact(8)
            .map(|h| ob::handle::reference_waitable(u64::from_le_bytes(h.try_into().unwrap())))
            .collect::<NtResult<Vec<_>>>()?;
        if wait_type == WAIT_ALL {
            let mut addrs: Vec<*const ()> = objects
                .iter()
                .map(|o| Arc::as_ptr(o) as *const ())
                .collect();
            addrs.sort_unstable();
            if addrs.windows(2).any(|w| w[0] == w[1]) {
                return Err(STATUS_INVALID_PARAMETER_MIX);
            }
        }
        let waitables = objects
            .iter()
            .map(|o| o.waitable().ok_or(STATUS_OBJECT_TYPE_MISMATCH))
            .collect::<NtResult<Vec<_>>>()?;
        let deadline = Deadline::from_user(a[4])?;
        Ok(with_alerts(a[3] as u8 != 0, |alert| {
            wait_multiple_alertable(&waitables, wait_type == WAIT_ALL, &deadline, alert)
        }))
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtSignalAndWaitForSingleObject(SignalHandle, WaitHandle,
/// Alertable, Timeout): signals an event, semaphore (by one) or mutant
/// (releases it), then waits.
pub fn NtSignalAndWaitForSingleObject(a: &Args) -> NtStatus {
    use super::{event, mutant, semaphore};
    let run = || -> NtResult<NtStatus> {
        let signal = ob::handle::reference_entry(a[0])?;
        let object = ob::handle::reference_waitable(a[1])?;
        let waitable = object.waitable().ok_or(STATUS_OBJECT_TYPE_MISMATCH)?;
        let deadline = Deadline::from_user(a[3])?;
        let any = signal.object.as_any();
        if let Some(e) = any.downcast_ref::<event::Event>() {
            ob::handle::check_access(&signal, event::EVENT_MODIFY_STATE)?;
            e.set();
        } else if let Some(s) = any.downcast_ref::<semaphore::Semaphore>() {
            ob::handle::check_access(&signal, semaphore::SEMAPHORE_MODIFY_STATE)?;
            s.release(1)?;
        } else if let Some(m) = any.downcast_ref::<mutant::Mutant>() {
            m.release()?;
        } else {
            return Err(STATUS_OBJECT_TYPE_MISMATCH);
        }
        Ok(wait_one(waitable, &deadline, a[2] as u8 != 0))
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtDelayExecution(Alertable, DelayInterval).
pub fn NtDelayExecution(a: &Args) -> NtStatus {
    if a[0] as u8 != 0 {
        if let Some(thread) = crate::ps::current_thread() {
            return match Deadline::from_user(a[1]) {
                Ok(deadline) => alertable_delay(&thread, &deadline),
                Err(e) => e,
            };
        }
    }
    let run = || -> NtResult<()> {
        match Deadline::from_user(a[1])? {
            Deadline::Infinite => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            Deadline::At(t) => {
                match t.checked_duration_since(Instant::now()) {
                    Some(d) if !d.is_zero() => std::thread::sleep(d),
                    // Sleep(0): give up the rest of the time slice.
                    _ => std::thread::yield_now(),
                }
                Ok(())
            }
        }
    };
    NtStatus::from_result(run())
}

/// An alertable sleep: until the deadline, or until a user APC is queued
/// to the thread (the APCs then run and it returns STATUS_USER_APC).
fn alertable_delay(thread: &crate::ps::Thread, deadline: &Deadline) -> NtStatus {
    if matches!(deadline, Deadline::At(t) if *t <= Instant::now()) && !thread.apcs.pending() {
        // SleepEx(0, TRUE) with nothing queued: give up the time slice.
        std::thread::yield_now();
        return STATUS_SUCCESS;
    }
    match with_alerts(true, |alert| {
        wait_multiple_alertable(&[], false, deadline, alert)
    }) {
        STATUS_TIMEOUT => STATUS_SUCCESS,
        status => status,
    }
}

/// Implements NtYieldExecution().
pub fn NtYieldExecution(_a: &Args) -> NtStatus {
    std::thread::yield_now();
    STATUS_SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ke::event::Event;
    use crate::ke::mutant::Mutant;
    use crate::ke::semaphore::Semaphore;

    fn after(ms: u64) -> Deadline {
        Deadline::At(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn any_reports_the_lowest_signalled_index() {
        let e = [
            Event::new(true, false),
            Event::new(true, true),
            Event::new(true, true),
        ];
        let w: Vec<&dyn Waitable> = e.iter().map(|e| e as &dyn Waitable).collect();
        assert_eq!(wait_multiple(&w, false, &after(0)), NtStatus(1));
        assert_eq!(wait_multiple(&w, false, &after(0)), NtStatus(2));
        assert_eq!(wait_multiple(&w, false, &after(0)), STATUS_TIMEOUT);
    }

    #[test]
    fn all_takes_nothing_unless_it_takes_everything() {
        let s = Semaphore::new(1, 1);
        let e = Event::new(true, false);
        let w: [&dyn Waitable; 2] = [&s, &e];
        assert_eq!(wait_multiple(&w, true, &after(20)), STATUS_TIMEOUT);
        assert_eq!(s.count(), 1, "the semaphore was not taken");
        e.set();
        assert_eq!(wait_multiple(&w, true, &after(0)), STATUS_SUCCESS);
        assert_eq!(s.count(), 0);
        assert!(!e.is_set());
    }

    #[test]
    fn a_signal_from_another_thread_ends_a_multiple_wait() {
        for wait_all in [false, true] {
            let a = Arc::new(Event::new(false, wait_all));
            let b = Arc::new(Semaphore::new(0, 10));
            let signaller = {
                let b = b.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(50));
                    b.release(1).unwrap();
                })
            };
            let w: [&dyn Waitable; 2] = [&*a, &*b];
            let expect = if wait_all {
                STATUS_SUCCESS
            } else {
                NtStatus(1)
            };
            assert_eq!(wait_multiple(&w, wait_all, &after(10_000)), expect);
            signaller.join().unwrap();
        }
    }

    #[test]
    fn wait_all_with_a_mutant_owned_elsewhere_waits_for_its_release() {
        let m = Mutant::new(false);
        let e = Arc::new(Event::new(false, true));
        let (taken_tx, taken_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let owner = {
            let m = m.clone();
            std::thread::spawn(move || {
                assert!(m.try_acquire());
                taken_tx.send(()).unwrap();
                go_rx.recv().unwrap();
                m.release().unwrap();
            })
        };
        taken_rx.recv().unwrap();
        let w: [&dyn Waitable; 2] = [&*e, &*m];
        assert_eq!(wait_multiple(&w, true, &after(30)), STATUS_TIMEOUT);
        go_tx.send(()).unwrap();
        assert_eq!(wait_multiple(&w, true, &after(10_000)), STATUS_SUCCESS);
        assert_eq!(m.owner(), crate::ke::current_thread_id());
        owner.join().unwrap();
    }

    #[test]
    fn wait_all_excludes_and_makes_progress_under_contention() {
        // Two semaphores of one count each: a WaitAll on both (in either
        // order) is a critical section; single waits on one of them
        // compete for the same counts.
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let a = Arc::new(Semaphore::new(1, 1));
        let b = Arc::new(Semaphore::new(1, 1));
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..6)
            .map(|n| {
                let (a, b, inside) = (a.clone(), b.clone(), inside.clone());
                std::thread::spawn(move || {
                    for _ in 0..500 {
                        if n % 3 == 2 {
                            assert_eq!(wait_single(&*a, &after(20_000)), STATUS_SUCCESS);
                            a.release(1).unwrap();
                            continue;
                        }
                        let w: [&dyn Waitable; 2] =
                            if n % 2 == 0 { [&*a, &*b] } else { [&*b, &*a] };
                        assert_eq!(wait_multiple(&w, true, &after(20_000)), STATUS_SUCCESS);
                        assert_eq!(inside.fetch_add(1, SeqCst), 0);
                        inside.fetch_sub(1, SeqCst);
                        a.release(1).unwrap();
                        b.release(1).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!((a.count(), b.count()), (1, 1));
    }

    #[test]
    fn no_lost_wakeups_under_contention() {
        // Producers release a semaphore; consumers take it with
        // WaitAny(event that never fires, semaphore).
        const N: usize = 4000;
        let s = Arc::new(Semaphore::new(0, u32::MAX >> 1));
        let never = Arc::new(Event::new(false, false));
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let (s, never) = (s.clone(), never.clone());
                std::thread::spawn(move || {
                    for _ in 0..N / 4 {
                        let w: [&dyn Waitable; 2] = [&*never, &*s];
                        assert_eq!(wait_multiple(&w, false, &after(20_000)), NtStatus(1));
                    }
                })
            })
            .collect();
        let producers: Vec<_> = (0..4)
            .map(|_| {
                let s = s.clone();
                std::thread::spawn(move || {
                    for _ in 0..N / 4 {
                        s.release(1).unwrap();
                    }
                })
            })
            .collect();
        for t in producers.into_iter().chain(consumers) {
            t.join().unwrap();
        }
        assert_eq!(s.count(), 0);
    }
}
