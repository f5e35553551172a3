//! Semaphore objects: NtCreateSemaphore, NtOpenSemaphore,
//! NtReleaseSemaphore, NtQuerySemaphore.

use super::{futex, Acquired, Waitable};
use crate::ob;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use syscalls::*;

/// Semaphore access rights.
pub const SEMAPHORE_QUERY_STATE: u32 = 0x1;
pub const SEMAPHORE_MODIFY_STATE: u32 = 0x2;

pub struct Semaphore {
    /// The current count; also the futex word.
    count: AtomicU32,
    maximum: u32,
}
crate::object_type!(Semaphore, "Semaphore", waitable);

impl Semaphore {
    /// A semaphore; the caller has checked 0 <= initial <= maximum, 0 < maximum.
    pub fn new(initial: u32, maximum: u32) -> Semaphore {
        Semaphore {
            count: AtomicU32::new(initial),
            maximum,
        }
    }

    /// KeReleaseSemaphore: adds `n` to the count and returns the previous
    /// count; a count that would pass the maximum is left as it is.
    pub fn release(&self, n: u32) -> NtResult<u32> {
        let previous = self
            .count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                c.checked_add(n).filter(|&v| v <= self.maximum)
            })
            .map_err(|_| STATUS_SEMAPHORE_LIMIT_EXCEEDED)?;
        // Every release wakes: a waiter woken by an earlier release may not
        // have taken its count yet, and waiters never count themselves.
        futex::wake(&self.count, n.min(i32::MAX as u32) as i32);
        Ok(previous)
    }

    pub fn count(&self) -> u32 {
        self.count.load(Ordering::Acquire)
    }

    pub fn maximum(&self) -> u32 {
        self.maximum
    }
}

impl Waitable for Semaphore {
    fn futex(&self) -> &AtomicU32 {
        &self.count
    }

    fn try_acquire(&self) -> bool {
        self.acquire(0).0 == Acquired::Yes
    }

    fn acquire(&self, _since: u32) -> (Acquired, u32) {
        match self
            .count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_sub(1))
        {
            Ok(previous) => (Acquired::Yes, previous - 1),
            Err(now) => (Acquired::No, now),
        }
    }

    fn is_signalled(&self) -> bool {
        self.count() > 0
    }

    fn undo_acquire(&self, how: Acquired) {
        if how != Acquired::No {
            let _ = self.release(1);
        }
    }
}

/// Implements NtCreateSemaphore(SemaphoreHandle, DesiredAccess,
/// ObjectAttributes, InitialCount, MaximumCount).
pub fn NtCreateSemaphore(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let (initial, maximum) = (a[3] as i32, a[4] as i32);
        if maximum <= 0 || initial < 0 || initial > maximum {
            return Err(STATUS_INVALID_PARAMETER);
        }
        let semaphore = Arc::new(Semaphore::new(initial as u32, maximum as u32));
        ob::create::create_object(a[0], a[2], a[1] as u32, semaphore)
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtOpenSemaphore(SemaphoreHandle, DesiredAccess,
/// ObjectAttributes).
pub fn NtOpenSemaphore(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> { ob::create::open_object::<Semaphore>(a[0], a[2], a[1] as u32) };
    NtStatus::from_result(run())
}

/// Implements NtReleaseSemaphore(SemaphoreHandle, ReleaseCount,
/// PreviousCount).
pub fn NtReleaseSemaphore(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let n = a[1] as i32;
        if n <= 0 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        let semaphore =
            ob::handle::reference_typed_access::<Semaphore>(a[0], SEMAPHORE_MODIFY_STATE)?;
        // Probe the out-parameter first: a bad pointer changes nothing.
        user::write_opt(a[2], &0u32)?;
        let previous = semaphore.release(n as u32)?;
        user::write_opt(a[2], &previous)
    };
    NtStatus::from_result(run())
}

/// SEMAPHORE_INFORMATION_CLASS SemaphoreBasicInformation:
/// SEMAPHORE_BASIC_INFORMATION { LONG CurrentCount; LONG MaximumCount; }.
const SEMAPHORE_BASIC_INFORMATION: u32 = 0;

/// Implements NtQuerySemaphore(SemaphoreHandle, SemaphoreInformationClass,
/// SemaphoreInformation, SemaphoreInformationLength, ReturnLength).
pub fn NtQuerySemaphore(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        if a[1] as u32 != SEMAPHORE_BASIC_INFORMATION {
            return Err(STATUS_INVALID_INFO_CLASS);
        }
        if a[3] as u32 != 8 {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let s = ob::handle::reference_typed_access::<Semaphore>(a[0], SEMAPHORE_QUERY_STATE)?;
        user::write(a[2], &[s.count(), s.maximum()])?;
        user::write_opt(a[4], &8u32)
    };
    NtStatus::from_result(run())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_limit() {
        let s = Semaphore::new(1, 2);
        assert!(s.try_acquire());
        assert!(!s.try_acquire());
        assert_eq!(s.release(2), Ok(0));
        assert_eq!(s.release(1), Err(STATUS_SEMAPHORE_LIMIT_EXCEEDED));
        assert_eq!(s.count(), 2, "a failed release changes nothing");
        assert!(s.try_acquire() && s.try_acquire() && !s.try_acquire());
    }
}
