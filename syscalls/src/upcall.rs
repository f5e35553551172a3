//! The executive's calls up into user mode, through the dispatchers NT has
//! for that. User mode (ntdll) registers them once; the executive never
//! calls any other user-mode code.

use std::sync::OnceLock;

/// Starts a new thread in user mode (RtlUserThreadStart): thread attach
/// for the loaded modules, the start routine, then the thread's exit. Runs
/// on the thread's Windows stack and never returns.
pub type UserThreadStart = extern "C" fn(start_routine: u64, parameter: u64) -> !;

static USER_THREAD_START: OnceLock<UserThreadStart> = OnceLock::new();

/// Registers the thread-start dispatcher (ntdll, at process attach).
pub fn set_user_thread_start(f: UserThreadStart) {
    let _ = USER_THREAD_START.set(f);
}

pub fn user_thread_start() -> Option<UserThreadStart> {
    USER_THREAD_START.get().copied()
}

/// Runs one user APC (KiUserApcDispatcher): calls `routine(arg1, arg2,
/// arg3)` in the Windows x64 convention on the calling thread, and returns.
/// The executive calls it on the thread the APC was queued to, when that
/// thread is in an alertable wait or tests for alerts.
pub type UserApcDispatcher = extern "C" fn(routine: u64, arg1: u64, arg2: u64, arg3: u64);

static USER_APC_DISPATCHER: OnceLock<UserApcDispatcher> = OnceLock::new();

/// Registers the APC dispatcher (ntdll, at process attach).
pub fn set_user_apc_dispatcher(f: UserApcDispatcher) {
    let _ = USER_APC_DISPATCHER.set(f);
}

pub fn user_apc_dispatcher() -> Option<UserApcDispatcher> {
    USER_APC_DISPATCHER.get().copied()
}

/// Dispatches an exception in user mode (KiUserExceptionDispatcher): the
/// executive points a faulting thread here, on its own stack, with the
/// exception record and the CONTEXT of the fault written below the faulting
/// frame. Windows x64 convention; never returns.
pub type UserExceptionDispatcher = extern "win64" fn(record: u64, context: u64) -> !;

static USER_EXCEPTION_DISPATCHER: OnceLock<UserExceptionDispatcher> = OnceLock::new();

/// Registers the exception dispatcher (ntdll, at process attach).
pub fn set_user_exception_dispatcher(f: UserExceptionDispatcher) {
    let _ = USER_EXCEPTION_DISPATCHER.set(f);
}

pub fn user_exception_dispatcher() -> Option<UserExceptionDispatcher> {
    USER_EXCEPTION_DISPATCHER.get().copied()
}
