//! Job objects: CreateJobObjectA/W, OpenJobObjectA/W, AssignProcessToJobObject,
//! SetInformationJobObject, QueryInformationJobObject, TerminateJobObject,
//! IsProcessInJob. Thin edges over the NT job services (ntoskrnl-emu's
//! ps/job.rs says what a job enforces).

use crate::error::*;
use crate::sync::{bool_status, create_named, narrow, open_named, wide};
use syscalls::*;

/// JOB_OBJECT_ALL_ACCESS.
const JOB_OBJECT_ALL_ACCESS: u32 = 0x1F_003F;
/// What NtIsProcessInJob answers.
const STATUS_PROCESS_IN_JOB: u32 = 0x124;

/// Implements CreateJobObjectW(lpJobAttributes, lpName).
pub extern "win64" fn CreateJobObjectW(sa: u64, name: *const u16) -> u64 {
    create_named(
        nr::NtCreateJobObject,
        sa,
        wide(name).as_deref(),
        JOB_OBJECT_ALL_ACCESS,
        [0, 0],
    )
}

/// Implements CreateJobObjectA.
pub extern "win64" fn CreateJobObjectA(sa: u64, name: *const u8) -> u64 {
    create_named(
        nr::NtCreateJobObject,
        sa,
        narrow(name).as_deref(),
        JOB_OBJECT_ALL_ACCESS,
        [0, 0],
    )
}

/// Implements OpenJobObjectW(dwDesiredAccess, bInheritHandle, lpName).
pub extern "win64" fn OpenJobObjectW(access: u32, inherit: i32, name: *const u16) -> u64 {
    open_named(nr::NtOpenJobObject, access, inherit, wide(name))
}

/// Implements OpenJobObjectA.
pub extern "win64" fn OpenJobObjectA(access: u32, inherit: i32, name: *const u8) -> u64 {
    open_named(nr::NtOpenJobObject, access, inherit, narrow(name))
}

/// Implements AssignProcessToJobObject(hJob, hProcess).
pub extern "win64" fn AssignProcessToJobObject(job: u64, process: u64) -> i32 {
    bool_status(syscall(
        nr::NtAssignProcessToJobObject,
        &args([job, process]),
    ))
}

/// Implements SetInformationJobObject(hJob, JobObjectInformationClass,
/// lpJobObjectInformation, cbJobObjectInformationLength).
pub extern "win64" fn SetInformationJobObject(job: u64, class: u32, info: u64, len: u32) -> i32 {
    bool_status(syscall(
        nr::NtSetInformationJobObject,
        &args([job, class as u64, info, len as u64]),
    ))
}

/// Implements QueryInformationJobObject(hJob, JobObjectInformationClass,
/// lpJobObjectInformation, cbJobObjectInformationLength, lpReturnLength).
pub extern "win64" fn QueryInformationJobObject(
    job: u64,
    class: u32,
    info: u64,
    len: u32,
    returned: u64,
) -> i32 {
    bool_status(syscall(
        nr::NtQueryInformationJobObject,
        &args([job, class as u64, info, len as u64, returned]),
    ))
}

/// Implements TerminateJobObject(hJob, uExitCode).
pub extern "win64" fn TerminateJobObject(job: u64, code: u32) -> i32 {
    bool_status(syscall(nr::NtTerminateJobObject, &args([job, code as u64])))
}

/// Implements IsProcessInJob(ProcessHandle, JobHandle, Result).
pub extern "win64" fn IsProcessInJob(process: u64, job: u64, result: u64) -> i32 {
    let st = syscall(nr::NtIsProcessInJob, &args([process, job]));
    if !st.is_success() {
        return fail(st, 0);
    }
    let member = (st.0 == STATUS_PROCESS_IN_JOB) as i32;
    if user::write(result, &member).is_err() {
        return fail(STATUS_ACCESS_VIOLATION, 0);
    }
    1
}
