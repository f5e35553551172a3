//! Job objects: NtCreateJobObject, NtOpenJobObject, NtAssignProcessToJobObject,
//! NtSetInformationJobObject / NtQueryInformationJobObject (basic and
//! extended limits, basic accounting), NtTerminateJobObject and
//! NtIsProcessInJob.
//!
//! A job's members are child processes this executive created (pidfd-backed
//! Process objects) and, possibly, the current process itself. What is
//! enforced: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE (the member children are
//! killed when the job object goes away with its last handle) and
//! NtTerminateJobObject. The other limit flags and values are stored and
//! reported back but not enforced: there is no scheduler, working-set or
//! memory accounting to hold them to. BREAKAWAY_OK / SILENT_BREAKAWAY_OK
//! need nothing: a child's own children live in the child's executive and
//! are never made members here (so no process breaks away or is held).
//! CPU times in the accounting information are not collected (0).

use super::{child, Process};
use crate::ob;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use syscalls::*;

pub const JOB_OBJECT_ASSIGN_PROCESS: u32 = 0x1;
pub const JOB_OBJECT_QUERY: u32 = 0x4;
pub const JOB_OBJECT_TERMINATE: u32 = 0x8;
pub const JOB_OBJECT_SET_ATTRIBUTES: u32 = 0x10;

const JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: u32 = 0x2000;
/// JOB_OBJECT_BASIC_LIMIT_VALID_FLAGS and JOB_OBJECT_EXTENDED_LIMIT_VALID_FLAGS.
const BASIC_VALID_FLAGS: u32 = 0xFF;
const EXTENDED_VALID_FLAGS: u32 = 0x7FFF;

/// JOBOBJECTINFOCLASS values served here.
const BASIC_ACCOUNTING: u32 = 1;
const BASIC_LIMIT: u32 = 2;
const EXTENDED_LIMIT: u32 = 9;

/// sizeof(JOBOBJECT_BASIC_LIMIT_INFORMATION) on x64; LimitFlags is at 16.
const BASIC_LIMIT_SIZE: usize = 64;
const LIMIT_FLAGS_AT: usize = 16;
/// sizeof(JOBOBJECT_EXTENDED_LIMIT_INFORMATION): the basic limits, an
/// IO_COUNTERS (48, output only), ProcessMemoryLimit and JobMemoryLimit
/// (at 112 and 120, stored), PeakProcessMemoryUsed and PeakJobMemoryUsed
/// (output only).
const EXTENDED_LIMIT_SIZE: usize = 144;
const MEMORY_LIMITS: core::ops::Range<usize> = 112..128;
/// sizeof(JOBOBJECT_BASIC_ACCOUNTING_INFORMATION).
const ACCOUNTING_SIZE: usize = 48;

pub const STATUS_PROCESS_NOT_IN_JOB: NtStatus = NtStatus(0x0000_0123);
pub const STATUS_PROCESS_IN_JOB: NtStatus = NtStatus(0x0000_0124);
/// A process that has ended cannot join a job.
pub const STATUS_PROCESS_IS_TERMINATING: NtStatus = NtStatus(0xC000_010A);

#[derive(Default)]
struct JobState {
    /// The limits as last set: JOBOBJECT_EXTENDED_LIMIT_INFORMATION's
    /// bytes, with the output-only fields zero.
    limits: Vec<u8>,
    children: Vec<Arc<Process>>,
    /// The current process is a member.
    includes_self: bool,
    total_processes: u32,
    terminated_processes: u32,
}

impl JobState {
    fn limit_flags(&self) -> u32 {
        u32::from_le_bytes(
            self.limits[LIMIT_FLAGS_AT..LIMIT_FLAGS_AT + 4]
                .try_into()
                .unwrap_or([0; 4]),
        )
    }

    fn active(&self) -> u32 {
        let live = self
            .children
            .iter()
            .filter(|p| p.ended.load(Ordering::Acquire) == 0)
            .count() as u32;
        live + self.includes_self as u32
    }

    fn has(&self, p: &Arc<Process>) -> bool {
        if p.child.is_none() {
            self.includes_self
        } else {
            self.children.iter().any(|c| Arc::ptr_eq(c, p))
        }
    }

    /// Kills every live member child with `code`; returns how many.
    fn kill_children(&mut self, code: u32) -> u32 {
        let mut killed = 0;
        for p in &self.children {
            if p.ended.load(Ordering::Acquire) == 0 && child::terminate(p, code).is_success() {
                killed += 1;
            }
        }
        self.terminated_processes += killed;
        killed
    }
}

pub struct Job {
    state: Mutex<JobState>,
}
crate::object_type!(Job, "Job");

impl Job {
    fn new() -> Job {
        Job {
            state: Mutex::new(JobState {
                limits: vec![0; EXTENDED_LIMIT_SIZE],
                ..JobState::default()
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, JobState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Job {
    /// The object goes when its last handle closes (services hold their
    /// references only while they run): KILL_ON_JOB_CLOSE ends the
    /// member children then. The current process is not ended here.
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if state.limit_flags() & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE != 0 {
            state.kill_children(0);
        }
    }
}

/// Every job made, for NtIsProcessInJob without a job handle.
static JOBS: Mutex<Vec<Weak<Job>>> = Mutex::new(Vec::new());

fn live_jobs() -> Vec<Arc<Job>> {
    let mut jobs = JOBS.lock().unwrap_or_else(|e| e.into_inner());
    jobs.retain(|w| w.strong_count() > 0);
    jobs.iter().filter_map(Weak::upgrade).collect()
}

/// Implements NtCreateJobObject(JobHandle, DesiredAccess, ObjectAttributes).
pub fn NtCreateJobObject(a: &Args) -> NtStatus {
    let job = Arc::new(Job::new());
    let weak = Arc::downgrade(&job);
    match ob::create::create_object(a[0], a[2], a[1] as u32, job) {
        Ok(status) => {
            // An existing job opened by name is in the list already.
            if status == STATUS_SUCCESS {
                JOBS.lock().unwrap_or_else(|e| e.into_inner()).push(weak);
            }
            status
        }
        Err(e) => e,
    }
}

/// Implements NtOpenJobObject(JobHandle, DesiredAccess, ObjectAttributes).
pub fn NtOpenJobObject(a: &Args) -> NtStatus {
    NtStatus::from_result(ob::create::open_object::<Job>(a[0], a[2], a[1] as u32))
}

/// Implements NtAssignProcessToJobObject(JobHandle, ProcessHandle).
pub fn NtAssignProcessToJobObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let job = ob::handle::reference_typed_access::<Job>(a[0], JOB_OBJECT_ASSIGN_PROCESS)?;
        let process = ob::reference_typed::<Process>(a[1])?;
        if process.ended.load(Ordering::Acquire) != 0 {
            return Err(STATUS_PROCESS_IS_TERMINATING);
        }
        let mut s = job.state();
        if s.has(&process) {
            // Already a member: nothing changes.
            return Ok(());
        }
        if process.child.is_none() {
            s.includes_self = true;
        } else {
            s.children.push(process);
        }
        s.total_processes += 1;
        Ok(())
    };
    NtStatus::from_result(run())
}

/// Implements NtSetInformationJobObject(JobHandle, JobObjectInformationClass,
/// JobObjectInformation, JobObjectInformationLength).
pub fn NtSetInformationJobObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let class = a[1] as u32;
        let len = a[3] as u32 as usize;
        let (size, valid) = match class {
            BASIC_LIMIT => (BASIC_LIMIT_SIZE, BASIC_VALID_FLAGS),
            EXTENDED_LIMIT => (EXTENDED_LIMIT_SIZE, EXTENDED_VALID_FLAGS),
            BASIC_ACCOUNTING => return Err(STATUS_INVALID_INFO_CLASS),
            _ => {
                log::warn!("NtSetInformationJobObject: class {class} unimplemented or invalid");
                return Err(STATUS_INVALID_INFO_CLASS);
            }
        };
        let job = ob::handle::reference_typed_access::<Job>(a[0], JOB_OBJECT_SET_ATTRIBUTES)?;
        if len != size {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let data = user::read_bytes(a[2], size)?;
        let flags = u32::from_le_bytes(
            data[LIMIT_FLAGS_AT..LIMIT_FLAGS_AT + 4]
                .try_into()
                .unwrap_or([0; 4]),
        );
        if flags & !valid != 0 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        let mut s = job.state();
        s.limits[..BASIC_LIMIT_SIZE].copy_from_slice(&data[..BASIC_LIMIT_SIZE]);
        if class == EXTENDED_LIMIT {
            s.limits[MEMORY_LIMITS].copy_from_slice(&data[MEMORY_LIMITS]);
        } else {
            // The basic class sets LimitFlags as a whole (extended-only
            // flags were refused above), so the memory limits those flags
            // governed go too.
            s.limits[MEMORY_LIMITS].fill(0);
        }
        Ok(())
    };
    NtStatus::from_result(run())
}

/// Implements NtQueryInformationJobObject(JobHandle, JobObjectInformationClass,
/// JobObjectInformation, JobObjectInformationLength, ReturnLength).
pub fn NtQueryInformationJobObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let class = a[1] as u32;
        let len = a[3] as u32 as usize;
        let size = match class {
            BASIC_ACCOUNTING => ACCOUNTING_SIZE,
            BASIC_LIMIT => BASIC_LIMIT_SIZE,
            EXTENDED_LIMIT => EXTENDED_LIMIT_SIZE,
            _ => {
                log::warn!("NtQueryInformationJobObject: class {class} unimplemented or invalid");
                return Err(STATUS_INVALID_INFO_CLASS);
            }
        };
        let job = query_target(a[0])?;
        if len < size {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let out = {
            let s = job.state();
            match class {
                BASIC_ACCOUNTING => {
                    // Four LARGE_INTEGER CPU times (not collected), the
                    // page fault count (not collected), then the counts.
                    let mut b = vec![0u8; ACCOUNTING_SIZE];
                    b[36..40].copy_from_slice(&s.total_processes.to_le_bytes());
                    b[40..44].copy_from_slice(&s.active().to_le_bytes());
                    b[44..48].copy_from_slice(&s.terminated_processes.to_le_bytes());
                    b
                }
                _ => s.limits[..size].to_vec(),
            }
        };
        user::write_from(a[2], &out)?;
        user::write_opt(a[4], &(size as u32))
    };
    NtStatus::from_result(run())
}

/// The job a query is about: the handle's, or for NULL the job the current
/// process is in (STATUS_ACCESS_DENIED when it is in none, as Windows).
fn query_target(handle: u64) -> NtResult<Arc<Job>> {
    if handle != 0 {
        return ob::handle::reference_typed_access::<Job>(handle, JOB_OBJECT_QUERY);
    }
    live_jobs()
        .into_iter()
        .find(|j| j.state().includes_self)
        .ok_or(STATUS_ACCESS_DENIED)
}

/// Implements NtTerminateJobObject(JobHandle, ExitStatus): every member
/// ends with ExitStatus, the caller too when it is a member.
pub fn NtTerminateJobObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let job = ob::handle::reference_typed_access::<Job>(a[0], JOB_OBJECT_TERMINATE)?;
        let code = a[1] as u32;
        let includes_self = {
            let mut s = job.state();
            s.kill_children(code);
            s.includes_self
        };
        if includes_self {
            if let Some(p) = super::current_process() {
                p.exit_status.store(code, Ordering::SeqCst);
            }
            super::terminate_self(code);
        }
        Ok(())
    };
    NtStatus::from_result(run())
}

/// Implements NtIsProcessInJob(ProcessHandle, JobHandle): STATUS_PROCESS_IN_JOB
/// or STATUS_PROCESS_NOT_IN_JOB; a NULL job means any job.
pub fn NtIsProcessInJob(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let process = ob::reference_typed::<Process>(a[0])?;
        let member = if a[1] != 0 {
            let job = ob::handle::reference_typed_access::<Job>(a[1], JOB_OBJECT_QUERY)?;
            let yes = job.state().has(&process);
            yes
        } else {
            live_jobs().iter().any(|j| j.state().has(&process))
        };
        Ok(if member {
            STATUS_PROCESS_IN_JOB
        } else {
            STATUS_PROCESS_NOT_IN_JOB
        })
    };
    run().unwrap_or_else(|e| e)
}

/// The process is ending and its handles close with it: every job with
/// KILL_ON_JOB_CLOSE ends its member children (all of a job's handles are
/// in this process).
pub fn close_all() {
    for job in live_jobs() {
        let mut s = job.state();
        if s.limit_flags() & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE != 0 {
            s.kill_children(0);
        }
    }
}
