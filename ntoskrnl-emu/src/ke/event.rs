//! Event objects: NtCreateEvent, NtSetEvent, NtClearEvent, NtQueryEvent.

use super::{futex, Waitable};
use crate::ob;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use syscalls::nt::OBJECT_ATTRIBUTES;
use syscalls::*;

/// EVENT_TYPE.
pub const NOTIFICATION_EVENT: u64 = 0;
pub const SYNCHRONIZATION_EVENT: u64 = 1;

pub struct Event {
    /// 1 when signalled, 0 when not; also the futex word.
    state: AtomicU32,
    /// Auto-reset: a satisfied wait clears the signal.
    synchronization: bool,
}
crate::object_type!(Event, "Event", waitable);

impl Event {
    pub fn new(synchronization: bool, signalled: bool) -> Event {
        Event {
            state: AtomicU32::new(signalled as u32),
            synchronization,
        }
    }
    /// KeSetEvent: returns the previous state.
    pub fn set(&self) -> bool {
        let previous = self.state.swap(1, Ordering::Release);
        if previous == 0 {
            futex::wake(&self.state, if self.synchronization { 1 } else { i32::MAX });
        }
        previous != 0
    }
    /// KeClearEvent: returns the previous state.
    pub fn clear(&self) -> bool {
        self.state.swap(0, Ordering::AcqRel) != 0
    }
}

impl Waitable for Event {
    fn futex(&self) -> &AtomicU32 {
        &self.state
    }
    fn try_acquire(&self) -> bool {
        if self.synchronization {
            self.state
                .compare_exchange(1, 0, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        } else {
            self.state.load(Ordering::Acquire) != 0
        }
    }
}

fn check_attributes(oa: u64) -> NtResult<u32> {
    if oa == 0 {
        return Ok(0);
    }
    let attrs: OBJECT_ATTRIBUTES = user::read(oa)?;
    if attrs.ObjectName != 0 {
        // Named objects need the namespace (\BaseNamedObjects).
        log::warn!("unimplemented: named events");
        return Err(STATUS_NOT_IMPLEMENTED);
    }
    Ok(attrs.Attributes & nt::OBJ_INHERIT)
}

/// Implements NtCreateEvent(EventHandle, DesiredAccess, ObjectAttributes,
/// EventType, InitialState).
pub fn NtCreateEvent(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let kind = a[3] as u32 as u64;
        if kind > SYNCHRONIZATION_EVENT {
            return Err(STATUS_INVALID_PARAMETER);
        }
        let attributes = check_attributes(a[2])?;
        let event = Arc::new(Event::new(kind == SYNCHRONIZATION_EVENT, a[4] as u8 != 0));
        let handle = ob::insert_object(event, a[1] as u32, attributes)?;
        if let Err(e) = user::write(a[0], &handle) {
            let _ = ob::close_handle(handle);
            return Err(e);
        }
        Ok(())
    };
    NtStatus::from_result(run())
}

fn with_event(handle: u64, previous_out: u64, f: impl FnOnce(&Event) -> bool) -> NtStatus {
    let run = || -> NtResult<()> {
        let event = ob::reference_typed::<Event>(handle)?;
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
