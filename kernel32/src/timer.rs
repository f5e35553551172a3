//! Waitable timers: CreateWaitableTimer(Ex), SetWaitableTimer(Ex),
//! CancelWaitableTimer, over NtCreateTimer, NtSetTimer and NtCancelTimer.

use crate::error::*;
use crate::sync::{bool_status, create_named, narrow, wide};
use syscalls::*;

const CREATE_WAITABLE_TIMER_MANUAL_RESET: u32 = 0x1;
const CREATE_WAITABLE_TIMER_HIGH_RESOLUTION: u32 = 0x2;
const TIMER_ALL_ACCESS: u32 = 0x1F_0003;

fn create_timer(sa: u64, name: Option<Vec<u16>>, flags: u32, access: u32) -> u64 {
    if flags & !(CREATE_WAITABLE_TIMER_MANUAL_RESET | CREATE_WAITABLE_TIMER_HIGH_RESOLUTION) != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    // NotificationTimer (0) for manual reset, SynchronizationTimer (1).
    let kind = (flags & CREATE_WAITABLE_TIMER_MANUAL_RESET == 0) as u64;
    create_named(nr::NtCreateTimer, sa, name.as_deref(), access, [kind, 0])
}

/// Implements CreateWaitableTimerW(lpTimerAttributes, bManualReset,
/// lpTimerName).
pub extern "win64" fn CreateWaitableTimerW(sa: u64, manual: i32, name: *const u16) -> u64 {
    let flags = if manual != 0 {
        CREATE_WAITABLE_TIMER_MANUAL_RESET
    } else {
        0
    };
    create_timer(sa, wide(name), flags, TIMER_ALL_ACCESS)
}

/// Implements CreateWaitableTimerA.
pub extern "win64" fn CreateWaitableTimerA(sa: u64, manual: i32, name: *const u8) -> u64 {
    let flags = if manual != 0 {
        CREATE_WAITABLE_TIMER_MANUAL_RESET
    } else {
        0
    };
    create_timer(sa, narrow(name), flags, TIMER_ALL_ACCESS)
}

/// Implements CreateWaitableTimerExW(lpTimerAttributes, lpTimerName,
/// dwFlags, dwDesiredAccess).
pub extern "win64" fn CreateWaitableTimerExW(
    sa: u64,
    name: *const u16,
    flags: u32,
    access: u32,
) -> u64 {
    create_timer(sa, wide(name), flags, access)
}

/// Implements CreateWaitableTimerExA.
pub extern "win64" fn CreateWaitableTimerExA(
    sa: u64,
    name: *const u8,
    flags: u32,
    access: u32,
) -> u64 {
    create_timer(sa, narrow(name), flags, access)
}

/// Implements SetWaitableTimer(hTimer, lpDueTime, lPeriod,
/// pfnCompletionRoutine, lpArgToCompletionRoutine, fResume). The due time
/// is in 100-ns units: negative relative, positive an absolute FILETIME;
/// the period in milliseconds.
pub extern "win64" fn SetWaitableTimer(
    h: u64,
    due: u64,
    period: i32,
    routine: u64,
    argument: u64,
    resume: i32,
) -> i32 {
    bool_status(syscall(
        nr::NtSetTimer,
        &args([
            h,
            due,
            routine,
            argument,
            (resume != 0) as u64,
            period as u32 as u64,
            0,
        ]),
    ))
}

/// Implements SetWaitableTimerEx(hTimer, lpDueTime, lPeriod,
/// pfnCompletionRoutine, lpArgToCompletionRoutine, WakeContext,
/// TolerableDelay): the wake context and tolerable delay are hints about
/// power management, which has no meaning here.
pub extern "win64" fn SetWaitableTimerEx(
    h: u64,
    due: u64,
    period: i32,
    routine: u64,
    argument: u64,
    _wake_context: u64,
    _tolerable_delay: u32,
) -> i32 {
    SetWaitableTimer(h, due, period, routine, argument, 0)
}

/// Implements CancelWaitableTimer(hTimer).
pub extern "win64" fn CancelWaitableTimer(h: u64) -> i32 {
    bool_status(syscall(nr::NtCancelTimer, &args([h, 0])))
}
