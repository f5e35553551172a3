//! Event objects: NtCreateEvent, NtOpenEvent, NtSetEvent, NtClearEvent,
//! NtResetEvent, NtPulseEvent, NtQueryEvent.

use super::{futex, Acquired, Waitable};
use crate::ob;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use syscalls::*;

/// EVENT_TYPE.
pub const NOTIFICATION_EVENT: u64 = 0;
pub const SYNCHRONIZATION_EVENT: u64 = 1;

/// Event access rights.
pub const EVENT_QUERY_STATE: u32 = 0x1;
pub const EVENT_MODIFY_STATE: u32 = 0x2;

/// The signalled bit of the state word; the bits above count pulses.
const SIGNALLED: u32 = 1;

pub struct Event {
    /// Bit 0: signalled. Bits 1..31: how many PulseEvents there have been
    /// (wrapping), so that a waiter can tell that a pulse came and went
    /// while it slept. Also the futex word.
    state: AtomicU32,
    /// Auto-reset: a satisfied wait clears the signal.
    synchronization: bool,
    /// Auto-reset events: the state word a pulse left, with bit 0 set,
    /// while no waiter has taken that pulse yet; 0 when there is none.
    pulse: AtomicU32,
}
crate::object_type!(Event, "Event", waitable);

impl Event {
    pub fn new(synchronization: bool, signalled: bool) -> Event {
        Event {
            state: AtomicU32::new(signalled as u32),
            synchronization,
            pulse: AtomicU32::new(0),
        }
    }

    pub fn is_synchronization(&self) -> bool {
        self.synchronization
    }

    /// KeSetEvent: returns the previous state.
    pub fn set(&self) -> bool {
        let previous = self.state.fetch_or(SIGNALLED, Ordering::AcqRel);
        if previous & SIGNALLED == 0 {
            futex::wake(&self.state, if self.synchronization { 1 } else { i32::MAX });
        }
        previous & SIGNALLED != 0
    }

    /// KeResetEvent / KeClearEvent: returns the previous state.
    pub fn clear(&self) -> bool {
        self.state.fetch_and(!SIGNALLED, Ordering::AcqRel) & SIGNALLED != 0
    }

    /// KePulseEvent: releases the threads waiting now (one of them for an
    /// auto-reset event) and leaves the event not signalled. Returns the
    /// previous state.
    pub fn pulse(&self) -> bool {
        let mut v = self.state.load(Ordering::Acquire);
        loop {
            // A new pulse number, not signalled.
            let next = v.wrapping_add(2) & !SIGNALLED;
            if self.synchronization {
                // Published before the state word, which is what waiters
                // look at first.
                self.pulse.store(next | SIGNALLED, Ordering::Release);
            }
            match self
                .state
                .compare_exchange_weak(v, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(now) => v = now,
            }
        }
        futex::wake(&self.state, if self.synchronization { 1 } else { i32::MAX });
        v & SIGNALLED != 0
    }

    /// KeReadStateEvent.
    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SIGNALLED != 0
    }
}

impl Waitable for Event {
    fn futex(&self) -> &AtomicU32 {
        &self.state
    }

    fn try_acquire(&self) -> bool {
        self.acquire(self.state.load(Ordering::Relaxed)).0 == Acquired::Yes
    }

    fn acquire(&self, since: u32) -> (Acquired, u32) {
        let mut v = self.state.load(Ordering::Acquire);
        loop {
            if v & SIGNALLED != 0 {
                if !self.synchronization {
                    return (Acquired::Yes, v);
                }
                match self.state.compare_exchange_weak(
                    v,
                    v & !SIGNALLED,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return (Acquired::Yes, v & !SIGNALLED),
                    Err(now) => {
                        v = now;
                        continue;
                    }
                }
            }
            // Not signalled now; but if a pulse came since the waiter
            // started watching, the waiter was waiting when it came.
            if (v ^ since) & !SIGNALLED != 0 {
                if !self.synchronization {
                    return (Acquired::Yes, v);
                }
                // One waiter takes an auto-reset pulse.
                if self
                    .pulse
                    .compare_exchange(v | SIGNALLED, 0, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    return (Acquired::Yes, v);
                }
            }
            return (Acquired::No, v);
        }
    }

    fn is_signalled(&self) -> bool {
        self.is_set()
    }

    fn undo_acquire(&self, how: Acquired) {
        if how != Acquired::No && self.synchronization {
            self.set();
        }
    }
}

/// Implements NtCreateEvent(EventHandle, DesiredAccess, ObjectAttributes,
/// EventType, InitialState).
pub fn NtCreateEvent(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let kind = a[3] as u32 as u64;
        if kind > SYNCHRONIZATION_EVENT {
            return Err(STATUS_INVALID_PARAMETER);
        }
        let event = Arc::new(Event::new(kind == SYNCHRONIZATION_EVENT, a[4] as u8 != 0));
        ob::create::create_object(a[0], a[2], a[1] as u32, event)
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtOpenEvent(EventHandle, DesiredAccess, ObjectAttributes).
pub fn NtOpenEvent(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> { ob::create::open_object::<Event>(a[0], a[2], a[1] as u32) };
    NtStatus::from_result(run())
}

fn with_event(handle: u64, previous_out: u64, f: impl FnOnce(&Event) -> bool) -> NtStatus {
    let run = || -> NtResult<()> {
        let event = ob::handle::reference_typed_access::<Event>(handle, EVENT_MODIFY_STATE)?;
        // Probe the out-parameter first: a bad pointer changes nothing.
        user::write_opt(previous_out, &0u32)?;
        let previous = f(&event) as u32;
        user::write_opt(previous_out, &previous)
    };
    NtStatus::from_result(run())
}

/// Implements NtSetEvent(EventHandle, PreviousState).
pub fn NtSetEvent(a: &Args) -> NtStatus {
    with_event(a[0], a[1], Event::set)
}

/// Implements NtClearEvent(EventHandle).
pub fn NtClearEvent(a: &Args) -> NtStatus {
    with_event(a[0], 0, Event::clear)
}

/// Implements NtResetEvent(EventHandle, PreviousState).
pub fn NtResetEvent(a: &Args) -> NtStatus {
    with_event(a[0], a[1], Event::clear)
}

/// Implements NtPulseEvent(EventHandle, PreviousState).
pub fn NtPulseEvent(a: &Args) -> NtStatus {
    with_event(a[0], a[1], Event::pulse)
}

/// EVENT_INFORMATION_CLASS EventBasicInformation: EVENT_BASIC_INFORMATION
/// { EVENT_TYPE EventType; LONG EventState; }.
const EVENT_BASIC_INFORMATION: u32 = 0;

/// Implements NtQueryEvent(EventHandle, EventInformationClass,
/// EventInformation, EventInformationLength, ReturnLength).
pub fn NtQueryEvent(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        if a[1] as u32 != EVENT_BASIC_INFORMATION {
            return Err(STATUS_INVALID_INFO_CLASS);
        }
        if a[3] as u32 != 8 {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let event = ob::handle::reference_typed_access::<Event>(a[0], EVENT_QUERY_STATE)?;
        let info: [u32; 2] = [event.synchronization as u32, event.is_set() as u32];
        user::write(a[2], &info)?;
        user::write_opt(a[4], &8u32)
    };
    NtStatus::from_result(run())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ke::wait::{wait_single, Deadline};
    use std::time::{Duration, Instant};

    fn soon(ms: u64) -> Deadline {
        Deadline::At(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn auto_reset_consumes_manual_does_not() {
        let auto = Event::new(true, true);
        assert!(auto.try_acquire());
        assert!(!auto.try_acquire());
        let manual = Event::new(false, true);
        assert!(manual.try_acquire());
        assert!(manual.try_acquire());
        assert!(manual.clear());
        assert!(!manual.try_acquire());
    }

    #[test]
    fn pulse_with_no_waiter_leaves_it_reset() {
        for sync in [false, true] {
            let e = Event::new(sync, false);
            assert!(!e.pulse());
            assert!(!e.is_set());
            assert_eq!(wait_single(&e, &soon(0)), STATUS_TIMEOUT);
            let e = Event::new(sync, true);
            assert!(e.pulse(), "previous state");
            assert!(!e.is_set());
        }
    }

    #[test]
    fn pulse_releases_all_waiters_of_a_manual_event() {
        let e = Arc::new(Event::new(false, false));
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let e = e.clone();
                std::thread::spawn(move || wait_single(&*e, &soon(10_000)))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        e.pulse();
        for w in waiters {
            assert_eq!(w.join().unwrap(), STATUS_SUCCESS);
        }
        assert!(!e.is_set());
    }

    #[test]
    fn pulse_releases_one_waiter_of_an_auto_event() {
        let e = Arc::new(Event::new(true, false));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let e = e.clone();
                std::thread::spawn(move || wait_single(&*e, &soon(500)))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        e.pulse();
        let released = waiters
            .into_iter()
            .map(|w| w.join().unwrap())
            .filter(|s| *s == STATUS_SUCCESS)
            .count();
        assert_eq!(released, 1);
    }
}
