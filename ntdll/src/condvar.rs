//! Condition variables: RTL_CONDITION_VARIABLE (CONDITION_VARIABLE), one
//! pointer, used with a critical section or an SRW lock.
//!
//! The pointer is two 32-bit words: a sequence number that every wake
//! bumps, which is the futex word sleepers park on, and the number of
//! sleepers, so that a wake with nobody asleep stays in user mode. A sleeper
//! reads the sequence before it releases its lock; a wake that comes after
//! the release has changed the sequence, so the futex wait returns at once
//! and no wake-up is lost. Wake-ups may be spurious, as Windows documents
//! for SleepConditionVariableCS/SRW.

use crate::futex::{self, Deadline, Wake};
use crate::sync::{
    CriticalSection, RtlAcquireSRWLockExclusive, RtlAcquireSRWLockShared, RtlEnterCriticalSection,
    RtlLeaveCriticalSection, RtlReleaseSRWLockExclusive, RtlReleaseSRWLockShared,
};
use core::sync::atomic::{AtomicI32, AtomicU32, Ordering::Relaxed, Ordering::SeqCst};
use syscalls::{NtStatus, STATUS_SUCCESS, STATUS_TIMEOUT};

/// CONDITION_VARIABLE_LOCKMODE_SHARED (winbase.h): the SRW lock is held
/// shared.
pub const CONDITION_VARIABLE_LOCKMODE_SHARED: u32 = 1;

/// RTL_CONDITION_VARIABLE seen as casement uses its one pointer.
#[repr(C)]
struct CondVar {
    sequence: AtomicU32,
    sleepers: AtomicU32,
}

fn condvar(cv: *mut u64) -> &'static CondVar {
    // SAFETY: a CONDITION_VARIABLE is an aligned pointer-sized word owned
    // by the caller, viewed as two 32-bit atomics.
    unsafe { &*(cv as *const CondVar) }
}

/// Implements RtlInitializeConditionVariable(ConditionVariable).
pub extern "win64" fn RtlInitializeConditionVariable(cv: *mut u64) {
    // SAFETY: the caller passes storage for a CONDITION_VARIABLE;
    // CONDITION_VARIABLE_INIT is all zeroes.
    unsafe { core::ptr::write_volatile(cv, 0) };
}

/// Implements RtlWakeConditionVariable(ConditionVariable).
pub extern "win64" fn RtlWakeConditionVariable(cv: *mut u64) {
    wake(condvar(cv), 1);
}

/// Implements RtlWakeAllConditionVariable(ConditionVariable).
pub extern "win64" fn RtlWakeAllConditionVariable(cv: *mut u64) {
    wake(condvar(cv), i32::MAX);
}

fn wake(cv: &CondVar, n: i32) {
    // Sequentially consistent against the sleeper's count-then-read: either
    // it sees the new sequence, or this sees it counted.
    cv.sequence.fetch_add(1, SeqCst);
    if cv.sleepers.load(SeqCst) != 0 {
        futex::wake(&cv.sequence, n);
    }
}

/// Releases a lock, sleeps until woken or `deadline`, reacquires the lock.
fn sleep(
    cv: &CondVar,
    deadline: Deadline,
    release: impl FnOnce(),
    reacquire: impl FnOnce(),
) -> NtStatus {
    cv.sleepers.fetch_add(1, SeqCst);
    let seen = cv.sequence.load(SeqCst);
    release();
    let woke = futex::wait(&cv.sequence, seen, deadline);
    cv.sleepers.fetch_sub(1, SeqCst);
    reacquire();
    match woke {
        Wake::Woken => STATUS_SUCCESS,
        Wake::TimedOut => STATUS_TIMEOUT,
    }
}

/// The RecursionCount field of an RTL_CRITICAL_SECTION (winnt.h: DebugInfo,
/// LockCount, RecursionCount, OwningThread, LockSemaphore, SpinCount).
fn recursion_count(cs: *mut CriticalSection) -> &'static AtomicI32 {
    // SAFETY: RecursionCount is the aligned LONG at offset 12 of the
    // caller's critical section.
    unsafe { &*((cs as *mut u8).add(12) as *const AtomicI32) }
}

/// Implements RtlSleepConditionVariableCS(ConditionVariable,
/// CriticalSection, Timeout). The caller owns the critical section, perhaps
/// recursively: it is released completely while asleep and re-entered to
/// the same depth before returning, also on timeout.
pub extern "win64" fn RtlSleepConditionVariableCS(
    cv: *mut u64,
    cs: *mut CriticalSection,
    timeout: *const i64,
) -> NtStatus {
    let deadline = Deadline::from_nt_timeout(timeout);
    let recursion = recursion_count(cs);
    let depth = recursion.load(Relaxed);
    sleep(
        condvar(cv),
        deadline,
        || {
            recursion.store(1, Relaxed);
            RtlLeaveCriticalSection(cs);
        },
        || {
            RtlEnterCriticalSection(cs);
            recursion.store(depth.max(1), Relaxed);
        },
    )
}

/// Implements RtlSleepConditionVariableSRW(ConditionVariable, SRWLock,
/// Timeout, Flags): the lock is held exclusive, or shared with
/// CONDITION_VARIABLE_LOCKMODE_SHARED, and is reacquired the same way.
pub extern "win64" fn RtlSleepConditionVariableSRW(
    cv: *mut u64,
    lock: *mut u64,
    timeout: *const i64,
    flags: u32,
) -> NtStatus {
    let deadline = Deadline::from_nt_timeout(timeout);
    if flags & CONDITION_VARIABLE_LOCKMODE_SHARED != 0 {
        sleep(
            condvar(cv),
            deadline,
            || RtlReleaseSRWLockShared(lock),
            || RtlAcquireSRWLockShared(lock),
        )
    } else {
        sleep(
            condvar(cv),
            deadline,
            || RtlReleaseSRWLockExclusive(lock),
            || RtlAcquireSRWLockExclusive(lock),
        )
    }
}
