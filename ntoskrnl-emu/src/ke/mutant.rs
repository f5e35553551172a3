//! Mutant objects (Win32 mutexes): NtCreateMutant, NtOpenMutant,
//! NtReleaseMutant, NtQueryMutant, and abandonment when an owner ends.
//!
//! A mutant is owned by a thread, recursively: its owner's waits on it
//! succeed at once and count up, and each release counts down. Only the
//! owner may release it (STATUS_MUTANT_NOT_OWNED otherwise). When the owner
//! ends without releasing it the mutant is abandoned: it becomes free, and
//! the wait that takes it next reports STATUS_ABANDONED_WAIT_0 + index.

use super::{current_thread_id, futex, Acquired, Waitable};
use crate::ob;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use syscalls::*;

/// MUTANT_QUERY_STATE.
pub const MUTANT_QUERY_STATE: u32 = 0x1;

pub struct Mutant {
    /// The owner's thread id, 0 when free. Also the futex word.
    owner: AtomicU32,
    /// How many times the owner holds it. Only the owner changes it (and
    /// abandonment, once the owner has ended).
    recursion: AtomicU32,
    /// Set when the owner ended holding it; cleared by the next acquirer,
    /// whose wait reports the abandonment.
    abandoned: AtomicBool,
}
crate::object_type!(Mutant, "Mutant", waitable);

/// Every live mutant, for abandonment at thread exit (which is rare; mutant
/// creation is not on any hot path).
static MUTANTS: Mutex<Registry> = Mutex::new(Registry {
    list: Vec::new(),
    prune_at: 64,
});

struct Registry {
    list: Vec<Weak<Mutant>>,
    prune_at: usize,
}

impl Mutant {
    /// A new mutant, owned by the calling thread if `owned`.
    pub fn new(owned: bool) -> Arc<Mutant> {
        let m = Arc::new(Mutant {
            owner: AtomicU32::new(if owned { current_thread_id() } else { 0 }),
            recursion: AtomicU32::new(owned as u32),
            abandoned: AtomicBool::new(false),
        });
        let mut r = MUTANTS.lock().unwrap_or_else(|e| e.into_inner());
        if r.list.len() >= r.prune_at {
            r.list.retain(|w| w.strong_count() > 0);
            r.prune_at = (r.list.len() * 2).max(64);
        }
        r.list.push(Arc::downgrade(&m));
        m
    }

    /// KeReleaseMutant: returns the previous count (1 - recursion, as
    /// Windows reports a mutant's signal state: 0 when held once).
    pub fn release(&self) -> NtResult<i32> {
        let me = current_thread_id();
        if self.owner.load(Ordering::Acquire) != me {
            return Err(STATUS_MUTANT_NOT_OWNED);
        }
        let held = self.recursion.load(Ordering::Relaxed);
        if held <= 1 {
            self.recursion.store(0, Ordering::Relaxed);
            self.owner.store(0, Ordering::Release);
            futex::wake(&self.owner, 1);
        } else {
            self.recursion.store(held - 1, Ordering::Relaxed);
        }
        Ok(1 - held as i32)
    }

    /// The signal state as NtQueryMutant reports it: 1 when free, 0 when
    /// held once, negative when held recursively.
    pub fn count(&self) -> i32 {
        if self.owner.load(Ordering::Acquire) == 0 {
            1
        } else {
            1 - self.recursion.load(Ordering::Relaxed) as i32
        }
    }

    pub fn owner(&self) -> u32 {
        self.owner.load(Ordering::Acquire)
    }

    /// Frees the mutant held by `thread_id`, which has ended.
    fn abandon(&self, thread_id: u32) {
        if self.owner.load(Ordering::Acquire) != thread_id {
            return;
        }
        self.abandoned.store(true, Ordering::Relaxed);
        self.recursion.store(0, Ordering::Relaxed);
        if self
            .owner
            .compare_exchange(thread_id, 0, Ordering::Release, Ordering::Relaxed)
            .is_ok()
        {
            futex::wake(&self.owner, 1);
        }
    }
}

/// Abandons every mutant `thread_id` still owns; called when that thread
/// ends (ExitThread, TerminateThread, the end of its start routine).
pub fn abandon_owned_by(thread_id: u32) {
    if thread_id == 0 {
        return;
    }
    let live: Vec<Arc<Mutant>> = {
        let r = MUTANTS.lock().unwrap_or_else(|e| e.into_inner());
        r.list.iter().filter_map(Weak::upgrade).collect()
    };
    for m in live {
        m.abandon(thread_id);
    }
}

impl Waitable for Mutant {
    fn futex(&self) -> &AtomicU32 {
        &self.owner
    }

    fn try_acquire(&self) -> bool {
        self.acquire(0).0 != Acquired::No
    }

    fn acquire(&self, _since: u32) -> (Acquired, u32) {
        let me = current_thread_id();
        let owner = self.owner.load(Ordering::Acquire);
        if owner == me {
            let held = self.recursion.load(Ordering::Relaxed);
            self.recursion
                .store(held.saturating_add(1), Ordering::Relaxed);
            return (Acquired::Yes, owner);
        }
        if owner != 0 {
            return (Acquired::No, owner);
        }
        match self
            .owner
            .compare_exchange(0, me, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => {
                self.recursion.store(1, Ordering::Relaxed);
                if self.abandoned.swap(false, Ordering::Relaxed) {
                    (Acquired::Abandoned, me)
                } else {
                    (Acquired::Yes, me)
                }
            }
            Err(now) => (Acquired::No, now),
        }
    }

    fn is_signalled(&self) -> bool {
        let owner = self.owner.load(Ordering::Acquire);
        owner == 0 || owner == current_thread_id()
    }

    fn undo_acquire(&self, how: Acquired) {
        if how == Acquired::No {
            return;
        }
        let held = self.recursion.load(Ordering::Relaxed);
        if held > 1 {
            self.recursion.store(held - 1, Ordering::Relaxed);
            return;
        }
        if how == Acquired::Abandoned {
            self.abandoned.store(true, Ordering::Relaxed);
        }
        self.recursion.store(0, Ordering::Relaxed);
        self.owner.store(0, Ordering::Release);
        futex::wake(&self.owner, 1);
    }
}

/// Implements NtCreateMutant(MutantHandle, DesiredAccess, ObjectAttributes,
/// InitialOwner).
pub fn NtCreateMutant(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        // The initial owner is ignored when the name exists: the caller
        // opens the existing mutant without owning it.
        let mutant = Mutant::new(a[3] as u8 != 0);
        ob::create::create_object(a[0], a[2], a[1] as u32, mutant)
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtOpenMutant(MutantHandle, DesiredAccess, ObjectAttributes).
pub fn NtOpenMutant(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> { ob::create::open_object::<Mutant>(a[0], a[2], a[1] as u32) };
    NtStatus::from_result(run())
}

/// Implements NtReleaseMutant(MutantHandle, PreviousCount).
pub fn NtReleaseMutant(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        // Releasing needs no particular access right.
        let mutant = ob::handle::reference_typed_access::<Mutant>(a[0], 0)?;
        // Probe the out-parameter first: a bad pointer changes nothing.
        user::write_opt(a[1], &0i32)?;
        let previous = mutant.release()?;
        user::write_opt(a[1], &previous)
    };
    NtStatus::from_result(run())
}

/// MUTANT_INFORMATION_CLASS.
const MUTANT_BASIC_INFORMATION: u32 = 0;
const MUTANT_OWNER_INFORMATION: u32 = 1;

/// Implements NtQueryMutant(MutantHandle, MutantInformationClass,
/// MutantInformation, MutantInformationLength, ReturnLength).
pub fn NtQueryMutant(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let (class, buf, len, ret) = (a[1] as u32, a[2], a[3] as u32, a[4]);
        let mutant = ob::handle::reference_typed_access::<Mutant>(a[0], MUTANT_QUERY_STATE)?;
        match class {
            MUTANT_BASIC_INFORMATION => {
                // { LONG CurrentCount; BOOLEAN OwnedByCaller; BOOLEAN
                //   AbandonedState; }
                if len != 8 {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let mut info = [0u8; 8];
                info[..4].copy_from_slice(&mutant.count().to_le_bytes());
                info[4] = (mutant.owner() == current_thread_id()) as u8;
                info[5] = mutant.abandoned.load(Ordering::Relaxed) as u8;
                user::write(buf, &info)?;
                user::write_opt(ret, &8u32)
            }
            MUTANT_OWNER_INFORMATION => {
                // { CLIENT_ID ClientId; }
                if len != 16 {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let owner = mutant.owner() as u64;
                let process = if owner == 0 {
                    0
                } else {
                    std::process::id() as u64
                };
                user::write(buf, &[process, owner])?;
                user::write_opt(ret, &16u32)
            }
            _ => Err(STATUS_INVALID_INFO_CLASS),
        }
    };
    NtStatus::from_result(run())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ke::wait::{wait_single, Deadline};

    #[test]
    fn recursion_and_ownership() {
        let m = Mutant::new(true);
        assert_eq!(m.count(), 0);
        assert!(m.try_acquire(), "the owner acquires again");
        assert_eq!(m.count(), -1);
        let other = {
            let m = m.clone();
            std::thread::spawn(move || (m.try_acquire(), m.release()))
                .join()
                .unwrap()
        };
        assert_eq!(other, (false, Err(STATUS_MUTANT_NOT_OWNED)));
        assert_eq!(m.release(), Ok(-1));
        assert_eq!(m.release(), Ok(0));
        assert_eq!(m.count(), 1);
        assert_eq!(m.release(), Err(STATUS_MUTANT_NOT_OWNED));
    }

    #[test]
    fn abandonment_is_reported_once() {
        let m = Mutant::new(false);
        let tid = {
            let m = m.clone();
            std::thread::spawn(move || {
                assert!(m.try_acquire());
                current_thread_id()
            })
            .join()
            .unwrap()
        };
        assert_eq!(
            wait_single(&*m, &Deadline::At(std::time::Instant::now())),
            STATUS_TIMEOUT
        );
        abandon_owned_by(tid);
        assert_eq!(wait_single(&*m, &Deadline::Infinite), STATUS_ABANDONED);
        assert_eq!(m.release(), Ok(0));
        assert_eq!(wait_single(&*m, &Deadline::Infinite), STATUS_SUCCESS);
        assert_eq!(m.release(), Ok(0));
    }
}
