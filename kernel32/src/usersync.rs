//! The Win32 face of ntdll's user-mode synchronization and thread pool:
//! condition variables, one-time initialization and address waits take
//! milliseconds, and these answer BOOL (or NULL) with the last error. (The
//! SList, wake and most thread-pool functions are plain forwarders to
//! ntdll.)

use crate::error::*;
use ntdll::condvar::{RtlSleepConditionVariableCS, RtlSleepConditionVariableSRW};
use ntdll::once::{RtlRunOnceBeginInitialize, RtlRunOnceComplete, RtlRunOnceExecuteOnce};
use ntdll::sync::CriticalSection;
use syscalls::*;

/// ERROR_TIMEOUT (winerror.h), which these functions report on timeout.
pub const ERROR_TIMEOUT: u32 = 1460;

/// The NT timeout for `ms` milliseconds, stored in `storage`; NULL for
/// INFINITE.
fn nt_timeout(ms: u32, storage: &mut i64) -> *const i64 {
    if ms == u32::MAX {
        core::ptr::null()
    } else {
        *storage = -(ms as i64) * 10_000;
        storage
    }
}

/// STATUS_TIMEOUT is FALSE with ERROR_TIMEOUT, as the documentation of
/// SleepConditionVariableCS/SRW and WaitOnAddress says; other failures
/// their mapped error.
fn timed_result(st: NtStatus) -> i32 {
    if st == STATUS_TIMEOUT {
        set_error(ERROR_TIMEOUT);
        0
    } else if st.is_error() {
        fail(st, 0)
    } else {
        1
    }
}

/// Implements SleepConditionVariableCS(ConditionVariable, CriticalSection,
/// dwMilliseconds).
pub extern "win64" fn SleepConditionVariableCS(
    cv: *mut u64,
    cs: *mut CriticalSection,
    ms: u32,
) -> i32 {
    let mut t = 0;
    timed_result(RtlSleepConditionVariableCS(cv, cs, nt_timeout(ms, &mut t)))
}

/// Implements SleepConditionVariableSRW(ConditionVariable, SRWLock,
/// dwMilliseconds, Flags).
pub extern "win64" fn SleepConditionVariableSRW(
    cv: *mut u64,
    lock: *mut u64,
    ms: u32,
    flags: u32,
) -> i32 {
    let mut t = 0;
    timed_result(RtlSleepConditionVariableSRW(
        cv,
        lock,
        nt_timeout(ms, &mut t),
        flags,
    ))
}

/// Implements WaitOnAddress(Address, CompareAddress, AddressSize,
/// dwMilliseconds).
pub extern "win64" fn WaitOnAddress(
    address: *const u8,
    compare: *const u8,
    size: usize,
    ms: u32,
) -> i32 {
    let mut t = 0;
    timed_result(ntdll::address_wait::RtlWaitOnAddress(
        address,
        compare,
        size,
        nt_timeout(ms, &mut t),
    ))
}

/// Implements InitOnceBeginInitialize(lpInitOnce, dwFlags, fPending,
/// lpContext).
pub extern "win64" fn InitOnceBeginInitialize(
    once: *mut u64,
    flags: u32,
    pending: *mut i32,
    context: *mut u64,
) -> i32 {
    let st = RtlRunOnceBeginInitialize(once, flags, context);
    if st != STATUS_SUCCESS && st != STATUS_PENDING {
        return fail(st, 0);
    }
    // SAFETY: the caller's fPending output.
    unsafe { *pending = (st == STATUS_PENDING) as i32 };
    1
}

/// Implements InitOnceComplete(lpInitOnce, dwFlags, lpContext).
pub extern "win64" fn InitOnceComplete(once: *mut u64, flags: u32, context: u64) -> i32 {
    match RtlRunOnceComplete(once, flags, context) {
        STATUS_SUCCESS => 1,
        st => fail(st, 0),
    }
}

/// Implements InitOnceExecuteOnce(InitOnce, InitFn, Parameter, Context).
/// When InitFn fails the result is FALSE and the last error is whatever
/// InitFn left (ntdll reports that case alone as STATUS_UNSUCCESSFUL).
pub extern "win64" fn InitOnceExecuteOnce(
    once: *mut u64,
    init: u64,
    parameter: u64,
    context: *mut u64,
) -> i32 {
    match RtlRunOnceExecuteOnce(once, init, parameter, context) {
        STATUS_SUCCESS => 1,
        STATUS_UNSUCCESSFUL => 0,
        st => fail(st, 0),
    }
}

/// Implements CreateThreadpoolWork(pfnwk, pv, pcbe).
pub extern "win64" fn CreateThreadpoolWork(callback: u64, context: u64, environ: u64) -> u64 {
    let mut work = 0u64;
    match ntdll::threadpool::TpAllocWork(&mut work, callback, context, environ) {
        STATUS_SUCCESS => work,
        st => fail(st, 0),
    }
}

/// Implements TrySubmitThreadpoolCallback(pfns, pv, pcbe).
pub extern "win64" fn TrySubmitThreadpoolCallback(
    callback: u64,
    context: u64,
    environ: u64,
) -> i32 {
    match ntdll::threadpool::TpSimpleTryPost(callback, context, environ) {
        STATUS_SUCCESS => 1,
        st => fail(st, 0),
    }
}

/// Implements QueueUserWorkItem(Function, Context, Flags).
pub extern "win64" fn QueueUserWorkItem(function: u64, context: u64, flags: u32) -> i32 {
    match ntdll::threadpool::RtlQueueWorkItem(function, context, flags) {
        STATUS_SUCCESS => 1,
        st => fail(st, 0),
    }
}

/// Implements CallbackMayRunLong(pci).
pub extern "win64" fn CallbackMayRunLong(
    instance: *mut ntdll::threadpool::CallbackInstance,
) -> i32 {
    match ntdll::threadpool::TpCallbackMayRunLong(instance) {
        STATUS_SUCCESS => 1,
        st => fail(st, 0),
    }
}
