//! Threads in user mode: the thread-start dispatcher the executive enters a
//! new thread through (RtlUserThreadStart), thread and process exit.

use syscalls::nt::{NT_CURRENT_PROCESS, NT_CURRENT_THREAD};
use syscalls::{args, nr, syscall};

/// RtlUserThreadStart: thread attach for the loaded modules, the start
/// routine, then the thread's exit with its result.
pub extern "C" fn user_thread_start(start: u64, parameter: u64) -> ! {
    loader::ldr::initialize_thread();
    // APCs queued before the thread first ran (to a thread created
    // suspended) run before its start routine, as LdrInitializeThunk's
    // NtTestAlert has them do on Windows.
    let _ = syscall(nr::NtTestAlert, &args([]));
    // SAFETY: the start routine the thread was created with, a
    // LPTHREAD_START_ROUTINE in the Windows x64 convention.
    let routine: extern "win64" fn(u64) -> u32 = unsafe { core::mem::transmute(start) };
    let code = routine(parameter);
    RtlExitUserThread(code)
}

/// KiUserApcDispatcher: runs one user APC, `routine(arg1, arg2, arg3)`.
pub extern "C" fn user_apc_dispatcher(routine: u64, arg1: u64, arg2: u64, arg3: u64) {
    // SAFETY: the routine was queued with NtQueueApcThread as a
    // PKNORMAL_ROUTINE in the Windows x64 convention (QueueUserAPC's
    // PAPCFUNC takes the first argument only; the others are ignored).
    let routine: extern "win64" fn(u64, u64, u64) = unsafe { core::mem::transmute(routine) };
    routine(arg1, arg2, arg3);
}

/// True if the calling thread is the process's last (ThreadAmILastThread).
fn last_thread() -> bool {
    let mut last = 0u32;
    let st = syscall(
        nr::NtQueryInformationThread,
        &args([NT_CURRENT_THREAD, 12, &mut last as *mut u32 as u64, 4, 0]),
    );
    st.is_success() && last != 0
}

/// Implements RtlExitUserThread(ExitStatus): the last thread ends the
/// process (with DLL process detach), any other only itself (with DLL
/// thread detach).
pub extern "win64" fn RtlExitUserThread(code: u32) -> ! {
    if last_thread() {
        RtlExitUserProcess(code);
    }
    crate::fls::thread_cleanup();
    loader::ldr::shutdown_thread();
    loop {
        let _ = syscall(
            nr::NtTerminateThread,
            &args([NT_CURRENT_THREAD, code as u64]),
        );
    }
}

/// Implements RtlExitUserProcess(ExitStatus): DLL process detach, then the
/// end of the process.
pub extern "win64" fn RtlExitUserProcess(code: u32) -> ! {
    log::debug!(target: "loader", "process exit with {code:#x}");
    crate::fls::thread_cleanup();
    loader::ldr::shutdown_process();
    loop {
        let _ = syscall(
            nr::NtTerminateProcess,
            &args([NT_CURRENT_PROCESS, code as u64]),
        );
    }
}

/// Implements LdrDisableThreadCalloutsForDll(DllHandle).
pub extern "win64" fn LdrDisableThreadCalloutsForDll(module: u64) -> u32 {
    syscalls::NtStatus::from_result(loader::ldr::disable_thread_calls(module)).0
}
