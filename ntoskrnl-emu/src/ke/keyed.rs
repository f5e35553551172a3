//! Keyed events: NtCreateKeyedEvent, NtOpenKeyedEvent,
//! NtWaitForKeyedEvent, NtReleaseKeyedEvent.
//!
//! A keyed event is a rendezvous: a wait on a key blocks until some thread
//! releases that key, and a release blocks until some thread waits on it;
//! each release pairs with exactly one wait, first come first served. A
//! NULL handle names the process-wide keyed event ntdll uses
//! (\KernelObjects\CritSecOutOfMemoryEvent on Windows).

use super::futex;
use super::wait::Deadline;
use crate::ob;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use syscalls::*;

/// One thread parked on a key, waiting for its partner.
#[derive(Default)]
struct Parked {
    /// 0 while alone, 1 once paired (a futex word).
    paired: AtomicU32,
}

#[derive(Default)]
struct Queues {
    waiters: HashMap<u64, VecDeque<Arc<Parked>>>,
    releasers: HashMap<u64, VecDeque<Arc<Parked>>>,
}

#[derive(Default)]
pub struct KeyedEvent {
    queues: Mutex<Queues>,
}
crate::object_type!(KeyedEvent, "KeyedEvent");

impl KeyedEvent {
    /// Meets a partner on `key`: a releaser for a wait (`release` false) or
    /// a waiter for a release. STATUS_SUCCESS once paired, STATUS_TIMEOUT
    /// if none came before the deadline.
    pub fn meet(&self, key: u64, release: bool, deadline: &Deadline) -> NtStatus {
        let me = Arc::new(Parked::default());
        {
            let mut guard = self.queues.lock().unwrap_or_else(|e| e.into_inner());
            let q = &mut *guard;
            let (mine, theirs) = if release {
                (&mut q.releasers, &mut q.waiters)
            } else {
                (&mut q.waiters, &mut q.releasers)
            };
            if let Some(partner) = theirs.get_mut(&key).and_then(|v| v.pop_front()) {
                if theirs.get(&key).is_some_and(|v| v.is_empty()) {
                    theirs.remove(&key);
                }
                partner.paired.store(1, Ordering::Release);
                futex::wake_only(&partner.paired, 1);
                return STATUS_SUCCESS;
            }
            mine.entry(key).or_default().push_back(me.clone());
        }
        loop {
            if me.paired.load(Ordering::Acquire) != 0 {
                return STATUS_SUCCESS;
            }
            let rest = match deadline {
                Deadline::Infinite => None,
                Deadline::At(t) => match t.checked_duration_since(std::time::Instant::now()) {
                    Some(d) if !d.is_zero() => Some(d),
                    _ => break,
                },
            };
            futex::wait(&me.paired, 0, rest);
        }
        // Timed out: leave the queue, unless a partner took us meanwhile.
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if me.paired.load(Ordering::Acquire) != 0 {
            return STATUS_SUCCESS;
        }
        let mine = if release {
            &mut q.releasers
        } else {
            &mut q.waiters
        };
        if let Some(v) = mine.get_mut(&key) {
            v.retain(|p| !Arc::ptr_eq(p, &me));
            if v.is_empty() {
                mine.remove(&key);
            }
        }
        STATUS_TIMEOUT
    }
}

/// Keyed event access rights.
const KEYEDEVENT_WAIT: u32 = 0x1;
const KEYEDEVENT_WAKE: u32 = 0x2;

/// The keyed event a NULL handle stands for.
fn global() -> Arc<KeyedEvent> {
    static GLOBAL: OnceLock<Arc<KeyedEvent>> = OnceLock::new();
    GLOBAL.get_or_init(Default::default).clone()
}

fn reference(handle: u64, access: u32) -> NtResult<Arc<KeyedEvent>> {
    if handle == 0 {
        return Ok(global());
    }
    ob::handle::reference_typed_access::<KeyedEvent>(handle, access)
}

/// Implements NtCreateKeyedEvent(KeyedEventHandle, DesiredAccess,
/// ObjectAttributes, Flags).
pub fn NtCreateKeyedEvent(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        if a[3] as u32 != 0 {
            return Err(STATUS_INVALID_PARAMETER_4);
        }
        ob::create::create_object(a[0], a[2], a[1] as u32, Arc::new(KeyedEvent::default()))
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtOpenKeyedEvent(KeyedEventHandle, DesiredAccess,
/// ObjectAttributes).
pub fn NtOpenKeyedEvent(a: &Args) -> NtStatus {
    NtStatus::from_result(ob::create::open_object::<KeyedEvent>(
        a[0],
        a[2],
        a[1] as u32,
    ))
}

fn meet(a: &Args, release: bool) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let access = if release {
            KEYEDEVENT_WAKE
        } else {
            KEYEDEVENT_WAIT
        };
        let event = reference(a[0], access)?;
        // Keys are addresses; the low bit is reserved.
        if a[1] & 1 != 0 {
            return Err(STATUS_INVALID_PARAMETER_1);
        }
        let deadline = Deadline::from_user(a[3])?;
        Ok(event.meet(a[1], release, &deadline))
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtWaitForKeyedEvent(KeyedEventHandle, Key, Alertable,
/// Timeout). Alertable is not honoured: keyed-event waits are not ended by
/// APCs here.
pub fn NtWaitForKeyedEvent(a: &Args) -> NtStatus {
    meet(a, false)
}

/// Implements NtReleaseKeyedEvent(KeyedEventHandle, Key, Alertable,
/// Timeout).
pub fn NtReleaseKeyedEvent(a: &Args) -> NtStatus {
    meet(a, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn soon(ms: u64) -> Deadline {
        Deadline::At(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn a_release_waits_for_a_waiter_and_pairs_with_one() {
        let k = Arc::new(KeyedEvent::default());
        assert_eq!(k.meet(8, true, &soon(20)), STATUS_TIMEOUT, "nobody waits");
        assert_eq!(
            k.meet(8, false, &soon(20)),
            STATUS_TIMEOUT,
            "the timed-out release left"
        );
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let k = k.clone();
                std::thread::spawn(move || k.meet(16, false, &soon(10_000)))
            })
            .collect();
        for _ in 0..3 {
            assert_eq!(k.meet(16, true, &soon(10_000)), STATUS_SUCCESS);
        }
        for w in waiters {
            assert_eq!(w.join().unwrap(), STATUS_SUCCESS);
        }
        assert_eq!(
            k.meet(24, true, &soon(0)),
            STATUS_TIMEOUT,
            "other keys are apart"
        );
    }
}
