//! Threads: CreateThread, ExitThread, GetExitCodeThread, ResumeThread,
//! thread ids and priorities, DisableThreadLibraryCalls.

use crate::error::*;
use syscalls::nt::{NT_CURRENT_PROCESS, OBJECT_ATTRIBUTES};
use syscalls::*;

const CREATE_SUSPENDED: u32 = 0x4;
const STACK_SIZE_PARAM_IS_A_RESERVATION: u32 = 0x1_0000;
const THREAD_ALL_ACCESS: u64 = 0x1F_FFFF;

/// THREAD_BASIC_INFORMATION of a thread handle.
fn basic_information(h: u64) -> Result<[u64; 6], NtStatus> {
    let mut info = [0u64; 6];
    let st = syscall(
        nr::NtQueryInformationThread,
        &args([h, 0, info.as_mut_ptr() as u64, 48, 0]),
    );
    if st.is_success() {
        Ok(info)
    } else {
        Err(st)
    }
}

/// Implements CreateRemoteThread(hProcess, lpThreadAttributes, dwStackSize,
/// lpStartAddress, lpParameter, dwCreationFlags, lpThreadId) for the
/// current process.
pub extern "win64" fn CreateRemoteThread(
    process: u64,
    sa: u64,
    stack: u64,
    start: u64,
    param: u64,
    flags: u32,
    id: *mut u32,
) -> u64 {
    if flags & !(CREATE_SUSPENDED | STACK_SIZE_PARAM_IS_A_RESERVATION) != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let inherit = sa != 0 && {
        // SAFETY: SECURITY_ATTRIBUTES.bInheritHandle at offset 16.
        unsafe { *((sa + 16) as *const i32) != 0 }
    };
    let oa = OBJECT_ATTRIBUTES {
        Length: core::mem::size_of::<OBJECT_ATTRIBUTES>() as u32,
        Attributes: if inherit {
            syscalls::nt::OBJ_INHERIT
        } else {
            0
        },
        ..Default::default()
    };
    let (commit, reserve) = if flags & STACK_SIZE_PARAM_IS_A_RESERVATION != 0 {
        (0, stack)
    } else {
        (stack, 0)
    };
    let mut h = 0u64;
    let st = syscall(
        nr::NtCreateThreadEx,
        &args([
            &mut h as *mut u64 as u64,
            THREAD_ALL_ACCESS,
            &oa as *const OBJECT_ATTRIBUTES as u64,
            process,
            start,
            param,
            (flags & CREATE_SUSPENDED != 0) as u64,
            0,
            commit,
            reserve,
            0,
        ]),
    );
    if !st.is_success() {
        return fail(st, 0);
    }
    if !id.is_null() {
        if let Ok(info) = basic_information(h) {
            // SAFETY: the caller passes storage for the id.
            unsafe { *id = info[3] as u32 };
        }
    }
    h
}

/// Implements CreateThread(lpThreadAttributes, dwStackSize, lpStartAddress,
/// lpParameter, dwCreationFlags, lpThreadId).
pub extern "win64" fn CreateThread(
    sa: u64,
    stack: u64,
    start: u64,
    param: u64,
    flags: u32,
    id: *mut u32,
) -> u64 {
    CreateRemoteThread(NT_CURRENT_PROCESS, sa, stack, start, param, flags, id)
}

/// Implements ExitThread(dwExitCode).
pub extern "win64" fn ExitThread(code: u32) -> ! {
    ntdll::thread::RtlExitUserThread(code)
}

/// Implements TerminateThread(hThread, dwExitCode).
pub extern "win64" fn TerminateThread(h: u64, code: u32) -> i32 {
    if h == 0 {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let st = syscall(nr::NtTerminateThread, &args([h, code as u64]));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements GetExitCodeThread(hThread, lpExitCode): STILL_ACTIVE (259)
/// while the thread runs.
pub extern "win64" fn GetExitCodeThread(h: u64, code: *mut u32) -> i32 {
    match basic_information(h) {
        Ok(info) => {
            // SAFETY: the caller passes storage for the code.
            unsafe { *code = info[0] as u32 };
            1
        }
        Err(st) => fail(st, 0),
    }
}

/// Implements GetThreadId(Thread).
pub extern "win64" fn GetThreadId(h: u64) -> u32 {
    match basic_information(h) {
        Ok(info) => info[3] as u32,
        Err(st) => fail(st, 0),
    }
}

/// Implements ResumeThread(hThread): the previous suspend count, or -1.
pub extern "win64" fn ResumeThread(h: u64) -> u32 {
    let mut previous = 0u32;
    let st = syscall(
        nr::NtResumeThread,
        &args([h, &mut previous as *mut u32 as u64]),
    );
    if st.is_success() {
        previous
    } else {
        fail(st, u32::MAX)
    }
}

/// Implements GetThreadPriority(hThread).
pub extern "win64" fn GetThreadPriority(h: u64) -> i32 {
    match basic_information(h) {
        // BasePriority is 8 (normal class) + the thread's priority.
        Ok(info) => (info[5] as u32 as i32) - 8,
        Err(st) => fail(st, 0x7FFF_FFFF), // THREAD_PRIORITY_ERROR_RETURN
    }
}

/// Implements SetThreadPriority(hThread, nPriority): -15..15 (idle,
/// lowest..highest, time critical).
pub extern "win64" fn SetThreadPriority(h: u64, priority: i32) -> i32 {
    if !(-15..=15).contains(&priority) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let st = syscall(
        nr::NtSetInformationThread,
        &args([h, 3, &priority as *const i32 as u64, 4]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements DisableThreadLibraryCalls(hLibModule).
pub extern "win64" fn DisableThreadLibraryCalls(module: u64) -> i32 {
    let st = NtStatus(ntdll::thread::LdrDisableThreadCalloutsForDll(module));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// FLS_OUT_OF_INDEXES.
const FLS_OUT_OF_INDEXES: u32 = u32::MAX;

/// Implements FlsAlloc(lpCallback).
pub extern "win64" fn FlsAlloc(callback: u64) -> u32 {
    let mut index = 0u32;
    let st = NtStatus(ntdll::fls::RtlFlsAlloc(callback, &mut index));
    if st.is_success() {
        index
    } else {
        set_error(259); // ERROR_NO_MORE_ITEMS
        FLS_OUT_OF_INDEXES
    }
}

/// Implements FlsFree(dwFlsIndex).
pub extern "win64" fn FlsFree(index: u32) -> i32 {
    let st = NtStatus(ntdll::fls::RtlFlsFree(index));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements FlsGetValue(dwFlsIndex): clears the last error on success so
/// a NULL value can be told from a failure.
pub extern "win64" fn FlsGetValue(index: u32) -> u64 {
    let mut value = 0u64;
    let st = NtStatus(ntdll::fls::RtlFlsGetValue(index, &mut value));
    if st.is_success() {
        set_error(0);
        value
    } else {
        fail(st, 0)
    }
}

/// Implements FlsSetValue(dwFlsIndex, lpFlsData).
pub extern "win64" fn FlsSetValue(index: u32, value: u64) -> i32 {
    let st = NtStatus(ntdll::fls::RtlFlsSetValue(index, value));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements InitializeCriticalSectionAndSpinCount: TRUE (it cannot fail
/// since Windows Vista).
pub extern "win64" fn InitializeCriticalSectionAndSpinCount(
    cs: *mut ntdll::sync::CriticalSection,
    spin: u32,
) -> i32 {
    ntdll::sync::RtlInitializeCriticalSectionAndSpinCount(cs, spin);
    1
}

/// Implements InitializeCriticalSectionEx(lpCriticalSection, dwSpinCount,
/// Flags): TRUE.
pub extern "win64" fn InitializeCriticalSectionEx(
    cs: *mut ntdll::sync::CriticalSection,
    spin: u32,
    flags: u32,
) -> i32 {
    ntdll::sync::RtlInitializeCriticalSectionEx(cs, spin, flags);
    1
}
