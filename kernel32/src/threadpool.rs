//! Thread-pool timers and waits, and registered waits: the Win32 faces of
//! ntdll's TpAllocTimer/TpAllocWait/RtlRegisterWait families. The plain
//! Set/Wait/Close calls are forwarders to ntdll (see lib.rs).

use crate::error::fail;
use ntdll::threadpool::timer::{read_due, set_timer, TpAllocTimer};
use ntdll::threadpool::wait::{
    set_threadpool_wait, RtlDeregisterWaitEx, RtlRegisterWait, TpAllocWait,
};
use syscalls::{STATUS_INVALID_PARAMETER, STATUS_SUCCESS};

/// Implements CreateThreadpoolTimer(pfnti, pv, pcbe).
pub extern "win64" fn CreateThreadpoolTimer(callback: u64, context: u64, environ: u64) -> u64 {
    let mut timer = 0u64;
    match TpAllocTimer(&mut timer, callback, context, environ) {
        STATUS_SUCCESS => timer,
        st => fail(st, 0),
    }
}

/// Implements SetThreadpoolTimerEx(pti, pftDueTime, msPeriod,
/// msWindowLength): TRUE when an expiration was pending and this replaced
/// or cancelled it.
pub extern "win64" fn SetThreadpoolTimerEx(
    timer: u64,
    due: *const i64,
    period: u32,
    _window: u32,
) -> i32 {
    // SAFETY: the caller's FILETIME or NULL.
    set_timer(timer, unsafe { read_due(due) }, period) as i32
}

/// Implements CreateThreadpoolWait(pfnwa, pv, pcbe).
pub extern "win64" fn CreateThreadpoolWait(callback: u64, context: u64, environ: u64) -> u64 {
    let mut wait = 0u64;
    match TpAllocWait(&mut wait, callback, context, environ) {
        STATUS_SUCCESS => wait,
        st => fail(st, 0),
    }
}

/// Implements SetThreadpoolWaitEx(pwa, h, pftTimeout, Reserved): TRUE when
/// the wait was armed and this replaced or cancelled it.
pub extern "win64" fn SetThreadpoolWaitEx(
    wait: u64,
    handle: u64,
    timeout: *const i64,
    reserved: u64,
) -> i32 {
    if reserved != 0 {
        return fail(STATUS_INVALID_PARAMETER, 0);
    }
    // SAFETY: the caller's FILETIME or NULL.
    match set_threadpool_wait(wait, handle, unsafe { read_due(timeout) }) {
        Ok(was_armed) => was_armed as i32,
        Err(st) => fail(st, 0),
    }
}

/// Implements RegisterWaitForSingleObject(phNewWaitObject, hObject,
/// Callback, Context, dwMilliseconds, dwFlags).
pub extern "win64" fn RegisterWaitForSingleObject(
    out: *mut u64,
    handle: u64,
    callback: u64,
    context: u64,
    milliseconds: u32,
    flags: u32,
) -> i32 {
    match RtlRegisterWait(out, handle, callback, context, milliseconds, flags) {
        STATUS_SUCCESS => 1,
        st => fail(st, 0),
    }
}

/// Implements UnregisterWait(WaitHandle): FALSE with ERROR_IO_PENDING when
/// a callback is still queued or running (the wait is unregistered all
/// the same).
pub extern "win64" fn UnregisterWait(wait: u64) -> i32 {
    UnregisterWaitEx(wait, 0)
}

/// Implements UnregisterWaitEx(WaitHandle, CompletionEvent).
pub extern "win64" fn UnregisterWaitEx(wait: u64, event: u64) -> i32 {
    match RtlDeregisterWaitEx(wait, event) {
        STATUS_SUCCESS => 1,
        st => fail(st, 0),
    }
}
