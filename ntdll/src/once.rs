//! One-time initialization: RTL_RUN_ONCE (INIT_ONCE), one pointer.
//!
//! The low INIT_ONCE_CTX_RESERVED_BITS (2) bits of the pointer hold the
//! state, the rest the context of a completed initialization, which the
//! documentation of InitOnceComplete requires to have those bits clear:
//!
//! | value     | state                                              |
//! |-----------|----------------------------------------------------|
//! | 0         | not initialized (RTL_RUN_ONCE_INIT)                |
//! | 1         | a synchronous initialization is running            |
//! | 3         | asynchronous initializations are running           |
//! | ctx \| 2  | initialized, with context `ctx`                    |
//!
//! Threads that find a synchronous initialization running sleep on the
//! pointer's low 32 bits (value 1) until it completes or fails.

use crate::futex::{self, Deadline};
use core::sync::atomic::{
    AtomicU32, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};
use syscalls::{
    NtStatus, STATUS_INVALID_PARAMETER_2, STATUS_INVALID_PARAMETER_3, STATUS_PENDING,
    STATUS_SUCCESS, STATUS_UNSUCCESSFUL,
};

/// RTL_RUN_ONCE_CHECK_ONLY / INIT_ONCE_CHECK_ONLY.
pub const RTL_RUN_ONCE_CHECK_ONLY: u32 = 1;
/// RTL_RUN_ONCE_ASYNC / INIT_ONCE_ASYNC.
pub const RTL_RUN_ONCE_ASYNC: u32 = 2;
/// RTL_RUN_ONCE_INIT_FAILED / INIT_ONCE_INIT_FAILED.
pub const RTL_RUN_ONCE_INIT_FAILED: u32 = 4;
/// RTL_RUN_ONCE_CTX_RESERVED_BITS / INIT_ONCE_CTX_RESERVED_BITS.
const RESERVED: u64 = (1 << 2) - 1;

const UNINITIALIZED: u64 = 0;
const SYNC_PENDING: u64 = 1;
const DONE: u64 = 2;
const ASYNC_PENDING: u64 = 3;

/// PRTL_RUN_ONCE_INIT_FN / PINIT_ONCE_FN: (RunOnce, Parameter, Context)
/// returning nonzero on success.
type RunOnceInitFn = extern "win64" fn(*mut u64, u64, *mut u64) -> u32;

fn run_once(p: *mut u64) -> &'static AtomicU64 {
    // SAFETY: an RTL_RUN_ONCE is an aligned pointer-sized word owned by the
    // caller.
    unsafe { &*(p as *const AtomicU64) }
}

/// The low half of the word, which sleepers park on.
fn futex_word(p: *mut u64) -> &'static AtomicU32 {
    // SAFETY: the low 32 bits of the caller's aligned RTL_RUN_ONCE.
    unsafe { &*(p as *const AtomicU32) }
}

/// Implements RtlRunOnceInitialize(RunOnce).
pub extern "win64" fn RtlRunOnceInitialize(once: *mut u64) {
    run_once(once).store(UNINITIALIZED, Release);
}

/// Implements RtlRunOnceBeginInitialize(RunOnce, Flags, Context).
///
/// STATUS_SUCCESS: already initialized, `*Context` receives the context.
/// STATUS_PENDING: the caller is to initialize (for RTL_RUN_ONCE_ASYNC,
/// perhaps in parallel with others). A synchronous caller waits while
/// another thread initializes. With RTL_RUN_ONCE_CHECK_ONLY an incomplete
/// initialization is STATUS_UNSUCCESSFUL (ERROR_GEN_FAILURE); mixing
/// synchronous and asynchronous use is STATUS_INVALID_PARAMETER_2.
pub extern "win64" fn RtlRunOnceBeginInitialize(
    once: *mut u64,
    flags: u32,
    context: *mut u64,
) -> NtStatus {
    if flags & !(RTL_RUN_ONCE_CHECK_ONLY | RTL_RUN_ONCE_ASYNC) != 0
        || flags == RTL_RUN_ONCE_CHECK_ONLY | RTL_RUN_ONCE_ASYNC
    {
        return STATUS_INVALID_PARAMETER_2;
    }
    let word = run_once(once);
    let asynchronous = flags & RTL_RUN_ONCE_ASYNC != 0;
    loop {
        let v = word.load(Acquire);
        match v & RESERVED {
            DONE => {
                if !context.is_null() {
                    // SAFETY: the caller's optional context output.
                    unsafe { *context = v & !RESERVED };
                }
                return STATUS_SUCCESS;
            }
            _ if flags & RTL_RUN_ONCE_CHECK_ONLY != 0 => return STATUS_UNSUCCESSFUL,
            UNINITIALIZED => {
                let pending = if asynchronous {
                    ASYNC_PENDING
                } else {
                    SYNC_PENDING
                };
                if word.compare_exchange(v, pending, Acquire, Relaxed).is_ok() {
                    return STATUS_PENDING;
                }
            }
            ASYNC_PENDING if asynchronous => return STATUS_PENDING,
            SYNC_PENDING if !asynchronous => {
                futex::wait(futex_word(once), SYNC_PENDING as u32, Deadline::Never);
            }
            _ => return STATUS_INVALID_PARAMETER_2,
        }
    }
}

/// Implements RtlRunOnceComplete(RunOnce, Flags, Context): records the
/// context (whose reserved low bits must be clear) or, with
/// RTL_RUN_ONCE_INIT_FAILED, returns a synchronous initialization to the
/// uninitialized state; wakes the threads waiting for it. An asynchronous
/// completion that finds another one done is STATUS_UNSUCCESSFUL.
pub extern "win64" fn RtlRunOnceComplete(once: *mut u64, flags: u32, context: u64) -> NtStatus {
    let failed = flags & RTL_RUN_ONCE_INIT_FAILED != 0;
    let asynchronous = flags & RTL_RUN_ONCE_ASYNC != 0;
    if flags & !(RTL_RUN_ONCE_ASYNC | RTL_RUN_ONCE_INIT_FAILED) != 0 || (failed && asynchronous) {
        return STATUS_INVALID_PARAMETER_2;
    }
    if context & RESERVED != 0 || (failed && context != 0) {
        return STATUS_INVALID_PARAMETER_3;
    }
    let new = if failed {
        UNINITIALIZED
    } else {
        context | DONE
    };
    let word = run_once(once);
    loop {
        let v = word.load(Acquire);
        let expected = match v {
            SYNC_PENDING if !asynchronous => SYNC_PENDING,
            ASYNC_PENDING if asynchronous => ASYNC_PENDING,
            SYNC_PENDING | ASYNC_PENDING => return STATUS_INVALID_PARAMETER_2,
            _ => return STATUS_UNSUCCESSFUL,
        };
        if word
            .compare_exchange(expected, new, Release, Relaxed)
            .is_ok()
        {
            if expected == SYNC_PENDING {
                futex::wake(futex_word(once), i32::MAX);
            }
            return STATUS_SUCCESS;
        }
    }
}

/// Implements RtlRunOnceExecuteOnce(RunOnce, InitFn, Parameter, Context):
/// the first caller runs InitFn while later ones wait; its context is
/// stored and returned to every caller. When InitFn fails the object is
/// left uninitialized for the next caller and the result is
/// STATUS_UNSUCCESSFUL (the last error stays what InitFn set).
pub extern "win64" fn RtlRunOnceExecuteOnce(
    once: *mut u64,
    init: u64,
    parameter: u64,
    context: *mut u64,
) -> NtStatus {
    if init == 0 {
        return STATUS_INVALID_PARAMETER_2;
    }
    // SAFETY: the caller's PRTL_RUN_ONCE_INIT_FN, a non-NULL code address.
    let init: RunOnceInitFn = unsafe { core::mem::transmute::<u64, RunOnceInitFn>(init) };
    let st = RtlRunOnceBeginInitialize(once, 0, context);
    if st != STATUS_PENDING {
        return st;
    }
    // The callback starts from the caller's context value.
    let mut ctx = if context.is_null() {
        0
    } else {
        // SAFETY: the caller's optional context.
        unsafe { *context }
    };
    if init(once, parameter, &mut ctx) == 0 {
        RtlRunOnceComplete(once, RTL_RUN_ONCE_INIT_FAILED, 0);
        return STATUS_UNSUCCESSFUL;
    }
    let st = RtlRunOnceComplete(once, 0, ctx);
    if st != STATUS_SUCCESS {
        // A context with reserved bits set: leave the object usable.
        RtlRunOnceComplete(once, RTL_RUN_ONCE_INIT_FAILED, 0);
        return st;
    }
    if !context.is_null() {
        // SAFETY: the caller's optional context output.
        unsafe { *context = ctx };
    }
    STATUS_SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn begin_complete_and_check() {
        let mut once = 0u64;
        let mut ctx = 0u64;
        assert_eq!(
            RtlRunOnceBeginInitialize(&mut once, 1, &mut ctx),
            STATUS_UNSUCCESSFUL
        );
        assert_eq!(
            RtlRunOnceBeginInitialize(&mut once, 0, &mut ctx),
            STATUS_PENDING
        );
        assert_eq!(once, 1);
        assert_eq!(
            RtlRunOnceBeginInitialize(&mut once, 2, &mut ctx),
            STATUS_INVALID_PARAMETER_2
        );
        assert_eq!(
            RtlRunOnceComplete(&mut once, 0, 0xdead_beef),
            STATUS_INVALID_PARAMETER_3
        );
        assert_eq!(
            RtlRunOnceComplete(&mut once, 0, 0xdead_bee0),
            STATUS_SUCCESS
        );
        assert_eq!(once, 0xdead_bee2);
        assert_eq!(
            RtlRunOnceBeginInitialize(&mut once, 1, &mut ctx),
            STATUS_SUCCESS
        );
        assert_eq!(ctx, 0xdead_bee0);
    }

    #[test]
    fn async_attempts_run_in_parallel() {
        let mut once = 0u64;
        assert_eq!(
            RtlRunOnceBeginInitialize(&mut once, 2, core::ptr::null_mut()),
            STATUS_PENDING
        );
        assert_eq!(
            RtlRunOnceBeginInitialize(&mut once, 2, core::ptr::null_mut()),
            STATUS_PENDING
        );
        assert_eq!(
            RtlRunOnceBeginInitialize(&mut once, 0, core::ptr::null_mut()),
            STATUS_INVALID_PARAMETER_2
        );
        assert_eq!(
            RtlRunOnceComplete(&mut once, 4, 0),
            STATUS_INVALID_PARAMETER_2
        );
        assert_eq!(RtlRunOnceComplete(&mut once, 2, 0x40), STATUS_SUCCESS);
        assert_eq!(RtlRunOnceComplete(&mut once, 2, 0x80), STATUS_UNSUCCESSFUL);
        assert_eq!(once, 0x42);
    }

    #[test]
    fn failed_initialization_resets() {
        let mut once = 0u64;
        assert_eq!(RtlRunOnceComplete(&mut once, 4, 0), STATUS_UNSUCCESSFUL);
        assert_eq!(
            RtlRunOnceBeginInitialize(&mut once, 0, core::ptr::null_mut()),
            STATUS_PENDING
        );
        assert_eq!(
            RtlRunOnceComplete(&mut once, 4, 0x40),
            STATUS_INVALID_PARAMETER_3
        );
        assert_eq!(RtlRunOnceComplete(&mut once, 4, 0), STATUS_SUCCESS);
        assert_eq!(once, 0);
    }
}
