//! Waits: NtWaitForSingleObject, NtDelayExecution, NtYieldExecution.

use crate::ob;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use syscalls::*;

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
            Duration::from_nanos(((t - now).max(0) as u64).saturating_mul(100))
        };
        Ok(Instant::now()
            .checked_add(relative)
            .map_or(Deadline::Infinite, Deadline::At))
    }
    fn remaining(&self) -> Option<Option<Duration>> {
        match self {
            Deadline::Infinite => Some(None),
            Deadline::At(t) => t.checked_duration_since(Instant::now()).map(Some),
        }
    }
}

/// KeWaitForSingleObject on a dispatcher object.
pub fn wait_single(object: &dyn super::Waitable, deadline: &Deadline) -> NtStatus {
    loop {
        let seen = object.futex().load(Ordering::Acquire);
        if object.try_acquire() {
            return STATUS_SUCCESS;
        }
        match deadline.remaining() {
            None => return STATUS_TIMEOUT,
            Some(Some(d)) if d.is_zero() => return STATUS_TIMEOUT,
            Some(rest) => super::futex::wait(object.futex(), seen, rest),
        }
    }
}

/// Implements NtWaitForSingleObject(Handle, Alertable, Timeout).
pub fn NtWaitForSingleObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let object = ob::reference_object_by_handle(a[0])?;
        let waitable = object.waitable().ok_or(STATUS_OBJECT_TYPE_MISMATCH)?;
        let deadline = Deadline::from_user(a[2])?;
        Ok(wait_single(waitable, &deadline))
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtDelayExecution(Alertable, DelayInterval).
pub fn NtDelayExecution(a: &Args) -> NtStatus {
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

/// Implements NtYieldExecution().
pub fn NtYieldExecution(_a: &Args) -> NtStatus {
    std::thread::yield_now();
    STATUS_SUCCESS
}
