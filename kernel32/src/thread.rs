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

/// NtResumeThread or NtSuspendThread: the previous suspend count, or -1.
fn change_suspend_count(service: u32, h: u64) -> u32 {
    let mut previous = 0u32;
    let st = syscall(service, &args([h, &mut previous as *mut u32 as u64]));
    if st.is_success() {
        previous
    } else {
        fail(st, u32::MAX)
    }
}

/// Implements ResumeThread(hThread): the previous suspend count, or -1.
pub extern "win64" fn ResumeThread(h: u64) -> u32 {
    change_suspend_count(nr::NtResumeThread, h)
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

/// KERNEL_USER_TIMES from NtQueryInformationThread(ThreadTimes) or
/// NtQueryInformationProcess(ProcessTimes), copied into the four FILETIMEs
/// of GetThreadTimes/GetProcessTimes (all four are required).
fn times(service: u32, h: u64, class: u64, out: [*mut u64; 4]) -> i32 {
    let mut t = [0u64; 4];
    let st = syscall(service, &args([h, class, t.as_mut_ptr() as u64, 32, 0]));
    if !st.is_success() {
        return fail(st, 0);
    }
    if out.iter().any(|p| p.is_null()) {
        return fail(STATUS_ACCESS_VIOLATION, 0);
    }
    for (p, v) in out.into_iter().zip(t) {
        // SAFETY: the caller passes storage for each FILETIME.
        unsafe { p.write_unaligned(v) };
    }
    1
}

/// Implements GetThreadTimes(hThread, lpCreationTime, lpExitTime,
/// lpKernelTime, lpUserTime). The exit time is 0 while the thread runs.
pub extern "win64" fn GetThreadTimes(
    h: u64,
    create: *mut u64,
    exit: *mut u64,
    kernel: *mut u64,
    user: *mut u64,
) -> i32 {
    times(
        nr::NtQueryInformationThread,
        h,
        1,
        [create, exit, kernel, user],
    )
}

/// Implements GetProcessTimes(hProcess, lpCreationTime, lpExitTime,
/// lpKernelTime, lpUserTime).
pub extern "win64" fn GetProcessTimes(
    h: u64,
    create: *mut u64,
    exit: *mut u64,
    kernel: *mut u64,
    user: *mut u64,
) -> i32 {
    times(
        nr::NtQueryInformationProcess,
        h,
        4,
        [create, exit, kernel, user],
    )
}

const THREAD_NAME_INFORMATION: u64 = 38;

/// HRESULT_FROM_NT. Set/GetThreadDescription return it for success too:
/// Windows reports success as HRESULT_FROM_NT(STATUS_SUCCESS), 0x10000000,
/// not S_OK (SUCCEEDED() holds for both).
fn hresult_from_nt(st: NtStatus) -> u32 {
    st.0 | 0x1000_0000
}

/// Implements SetThreadDescription(hThread, lpThreadDescription): an
/// HRESULT. A NULL description clears it.
pub extern "win64" fn SetThreadDescription(h: u64, text: *const u16) -> u32 {
    let len = if text.is_null() {
        0
    } else {
        // SAFETY: the caller passes a NUL-terminated string.
        unsafe { (0..).take_while(|&i| *text.add(i) != 0).count() }
    };
    if len * 2 > 0xfffe {
        return hresult_from_nt(STATUS_INVALID_PARAMETER);
    }
    let name = nt::UNICODE_STRING {
        Length: (len * 2) as u16,
        MaximumLength: (len * 2) as u16,
        _pad: 0,
        Buffer: text as u64,
    };
    let st = syscall(
        nr::NtSetInformationThread,
        &args([h, THREAD_NAME_INFORMATION, &name as *const _ as u64, 16]),
    );
    hresult_from_nt(st)
}

/// Implements GetThreadDescription(hThread, ppszThreadDescription): the
/// description in a LocalAlloc'd NUL-terminated string the caller frees
/// with LocalFree; an empty string for a thread without one.
pub extern "win64" fn GetThreadDescription(h: u64, out: *mut u64) -> u32 {
    let mut needed = 0u32;
    let mut buf: Vec<u64> = vec![0; 4];
    loop {
        let st = syscall(
            nr::NtQueryInformationThread,
            &args([
                h,
                THREAD_NAME_INFORMATION,
                buf.as_mut_ptr() as u64,
                (buf.len() * 8) as u64,
                &mut needed as *mut u32 as u64,
            ]),
        );
        if st == STATUS_BUFFER_TOO_SMALL && needed as usize > buf.len() * 8 {
            buf.resize((needed as usize).div_ceil(8), 0);
            continue;
        }
        if !st.is_success() {
            if !out.is_null() {
                // SAFETY: the caller passes storage for the pointer.
                unsafe { *out = 0 };
            }
            return hresult_from_nt(st);
        }
        break;
    }
    if out.is_null() {
        return hresult_from_nt(STATUS_ACCESS_VIOLATION);
    }
    let bytes = (buf[0] & 0xffff) as usize;
    let copy = crate::memory::LocalAlloc(0x40, (bytes + 2) as u64);
    if copy == 0 {
        return hresult_from_nt(STATUS_NO_MEMORY);
    }
    // SAFETY: the name follows the UNICODE_STRING in `buf`; `copy` has room
    // for it and a zeroed terminator.
    unsafe {
        let src = (buf.as_ptr() as *const u8).add(16);
        core::ptr::copy_nonoverlapping(src, copy as *mut u8, bytes);
        *out = copy;
    }
    hresult_from_nt(STATUS_SUCCESS)
}

/// Implements QueueUserAPC(pfnAPC, hThread, dwData): nonzero on success.
/// The APC runs when the thread next enters an alertable wait (SleepEx,
/// WaitFor*Ex, SignalObjectAndWait with bAlertable).
pub extern "win64" fn QueueUserAPC(routine: u64, h: u64, data: u64) -> u32 {
    let st = syscall(nr::NtQueueApcThread, &args([h, routine, data, 0, 0]));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements SuspendThread(hThread): the previous suspend count, or -1.
pub extern "win64" fn SuspendThread(h: u64) -> u32 {
    change_suspend_count(nr::NtSuspendThread, h)
}

/// Implements GetThreadContext(hThread, lpContext).
pub extern "win64" fn GetThreadContext(h: u64, context: u64) -> i32 {
    let st = syscall(nr::NtGetContextThread, &args([h, context]));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements SetThreadContext(hThread, lpContext).
pub extern "win64" fn SetThreadContext(h: u64, context: u64) -> i32 {
    let st = syscall(nr::NtSetContextThread, &args([h, context]));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// The system's processors as an affinity mask (SYSTEM_BASIC_INFORMATION
/// ActiveProcessorsAffinityMask).
fn system_affinity() -> u64 {
    let mut basic = [0u64; 8];
    let _ = syscall(
        nr::NtQuerySystemInformation,
        &args([0, basic.as_mut_ptr() as u64, 64, 0]),
    );
    basic[6]
}

/// Implements GetProcessAffinityMask(hProcess, lpProcessAffinityMask,
/// lpSystemAffinityMask).
pub extern "win64" fn GetProcessAffinityMask(h: u64, process: *mut u64, system: *mut u64) -> i32 {
    let mut info = [0u64; 6];
    let st = syscall(
        nr::NtQueryInformationProcess,
        &args([h, 0, info.as_mut_ptr() as u64, 48, 0]),
    );
    if !st.is_success() {
        return fail(st, 0);
    }
    if process.is_null() || system.is_null() {
        return fail(STATUS_ACCESS_VIOLATION, 0);
    }
    // SAFETY: the caller passes storage for both masks.
    unsafe {
        *process = info[2];
        *system = system_affinity();
    }
    1
}

/// Implements SetProcessAffinityMask(hProcess, dwProcessAffinityMask): a
/// non-empty subset of the system's processors.
pub extern "win64" fn SetProcessAffinityMask(h: u64, mask: u64) -> i32 {
    let st = syscall(
        nr::NtSetInformationProcess,
        &args([h, 21, &mask as *const u64 as u64, 8]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements SetThreadAffinityMask(hThread, dwThreadAffinityMask): the
/// previous mask, or 0. The mask must be a non-empty subset of the
/// process's.
pub extern "win64" fn SetThreadAffinityMask(h: u64, mask: u64) -> u64 {
    let previous = match basic_information(h) {
        Ok(info) => info[4],
        Err(st) => return fail(st, 0),
    };
    let st = syscall(
        nr::NtSetInformationThread,
        &args([h, 4, &mask as *const u64 as u64, 8]),
    );
    if st.is_success() {
        previous
    } else {
        fail(st, 0)
    }
}
