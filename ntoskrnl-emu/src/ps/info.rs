//! NtQueryInformationProcess, NtSetInformationProcess,
//! NtQueryInformationThread, NtSetInformationThread.

use super::{Process, Thread};
use crate::ob;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use syscalls::*;

// PROCESSINFOCLASS values.
const PROCESS_BASIC_INFORMATION: u32 = 0;
const PROCESS_VM_COUNTERS: u32 = 3;
const PROCESS_TIMES: u32 = 4;
const PROCESS_DEBUG_PORT: u32 = 7;
const PROCESS_HANDLE_COUNT: u32 = 20;
const PROCESS_AFFINITY_MASK: u32 = 21;
const PROCESS_WOW64_INFORMATION: u32 = 26;
const PROCESS_DEBUG_OBJECT_HANDLE: u32 = 30;
const PROCESS_DEBUG_FLAGS: u32 = 31;

// THREADINFOCLASS values.
const THREAD_BASIC_INFORMATION: u32 = 0;
const THREAD_TIMES: u32 = 1;
const THREAD_BASE_PRIORITY: u32 = 3;
const THREAD_AFFINITY_MASK: u32 = 4;
const THREAD_ZERO_TLS_CELL: u32 = 10;
const THREAD_AM_I_LAST_THREAD: u32 = 12;
const THREAD_HIDE_FROM_DEBUGGER: u32 = 17;
const THREAD_NAME_INFORMATION: u32 = 38;

/// The system's processors as an affinity mask.
pub fn system_affinity() -> u64 {
    let n = crate::ex::sysinfo::processor_count();
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// The process's affinity mask.
fn process_affinity(p: &Process) -> u64 {
    match p.affinity.load(Ordering::Relaxed) {
        0 => system_affinity(),
        m => m,
    }
}

/// A thread's affinity mask.
fn thread_affinity(t: &Thread) -> u64 {
    match t.affinity.load(Ordering::Relaxed) {
        0 => super::current_process().map_or_else(system_affinity, |p| process_affinity(p)),
        m => m,
    }
}

/// Writes a fixed-size information block: the length must match exactly, as
/// Windows checks for these classes.
fn put(buffer: u64, length: u32, return_length: u64, data: &[u8]) -> NtResult<()> {
    if length as usize != data.len() {
        user::write_opt(return_length, &(data.len() as u32))?;
        return Err(STATUS_INFO_LENGTH_MISMATCH);
    }
    user::write_from(buffer, data)?;
    user::write_opt(return_length, &(data.len() as u32))
}

/// Implements NtQueryInformationProcess(ProcessHandle, Class, Buffer,
/// Length, ReturnLength).
pub fn NtQueryInformationProcess(a: &Args) -> NtStatus {
    let (class, buffer, length, ret) = (a[1] as u32, a[2], a[3] as u32, a[4]);
    let run = || -> NtResult<()> {
        let process = ob::reference_typed::<Process>(a[0])?;
        if process.child.is_some() && class != PROCESS_BASIC_INFORMATION {
            // The rest describes this process's own executive.
            log::warn!("unimplemented NtQueryInformationProcess class {class} of another process");
            return Err(STATUS_NOT_IMPLEMENTED);
        }
        match class {
            PROCESS_BASIC_INFORMATION => {
                let mut d = Vec::with_capacity(48);
                d.extend((process.exit_status.load(Ordering::Relaxed) as u64).to_le_bytes());
                d.extend(process.peb.to_le_bytes());
                d.extend(process_affinity(&process).to_le_bytes());
                d.extend(8u64.to_le_bytes()); // BasePriority: NORMAL_PRIORITY_CLASS
                d.extend((process.id as u64).to_le_bytes());
                d.extend((process.parent_id as u64).to_le_bytes());
                put(buffer, length, ret, &d)
            }
            // VM_COUNTERS (88 bytes) or VM_COUNTERS_EX (96), by length.
            PROCESS_VM_COUNTERS => {
                let all = crate::mm::info::vm_counters();
                let n = if length == 88 { 88 } else { all.len() };
                put(buffer, length, ret, &all[..n])
            }
            PROCESS_TIMES => put(
                buffer,
                length,
                ret,
                &super::times::process_times().to_bytes(),
            ),
            // No debugger is ever attached.
            PROCESS_DEBUG_PORT | PROCESS_WOW64_INFORMATION => {
                put(buffer, length, ret, &0u64.to_le_bytes())
            }
            PROCESS_DEBUG_OBJECT_HANDLE => {
                put(buffer, length, ret, &0u64.to_le_bytes())?;
                Err(NtStatus(0xC000_0353)) // STATUS_PORT_NOT_SET
            }
            PROCESS_DEBUG_FLAGS => put(buffer, length, ret, &1u32.to_le_bytes()),
            PROCESS_HANDLE_COUNT => put(
                buffer,
                length,
                ret,
                &(ob::handle::handle_count() as u32).to_le_bytes(),
            ),
            _ => {
                log::warn!("unimplemented NtQueryInformationProcess class {class}");
                Err(STATUS_INVALID_INFO_CLASS)
            }
        }
    };
    NtStatus::from_result(run())
}

/// Implements NtSetInformationProcess(ProcessHandle, Class, Buffer, Length).
pub fn NtSetInformationProcess(a: &Args) -> NtStatus {
    let class = a[1] as u32;
    let process = match ob::reference_typed::<Process>(a[0]) {
        Ok(p) => p,
        Err(e) => return e,
    };
    if process.child.is_some() {
        log::warn!("unimplemented NtSetInformationProcess class {class} of another process");
        return STATUS_NOT_IMPLEMENTED;
    }
    match class {
        PROCESS_AFFINITY_MASK if a[3] == 8 => match user::read::<u64>(a[2]) {
            Ok(m) if m != 0 && m & !system_affinity() == 0 => {
                process.affinity.store(m, Ordering::Relaxed);
                STATUS_SUCCESS
            }
            Ok(_) => STATUS_INVALID_PARAMETER,
            Err(e) => e,
        },
        PROCESS_AFFINITY_MASK => STATUS_INFO_LENGTH_MISMATCH,
        _ => {
            log::warn!("unimplemented NtSetInformationProcess class {class}");
            STATUS_INVALID_INFO_CLASS
        }
    }
}

/// Implements NtQueryInformationThread(ThreadHandle, Class, Buffer, Length,
/// ReturnLength).
pub fn NtQueryInformationThread(a: &Args) -> NtStatus {
    let (class, buffer, length, ret) = (a[1] as u32, a[2], a[3] as u32, a[4]);
    let run = || -> NtResult<()> {
        let thread = ob::reference_typed::<Thread>(a[0])?;
        match class {
            THREAD_BASIC_INFORMATION => {
                let mut d = Vec::with_capacity(48);
                d.extend((super::thread::exit_code(&thread) as u64).to_le_bytes());
                d.extend(thread.teb.to_le_bytes());
                d.extend((std::process::id() as u64).to_le_bytes());
                d.extend((thread.id.load(Ordering::Acquire) as u64).to_le_bytes());
                d.extend(thread_affinity(&thread).to_le_bytes());
                let base = 8 + thread.priority.load(Ordering::Relaxed);
                d.extend(base.to_le_bytes()); // Priority
                d.extend(base.to_le_bytes()); // BasePriority
                put(buffer, length, ret, &d)
            }
            THREAD_TIMES => {
                let own = super::current_thread().is_some_and(|t| Arc::ptr_eq(&t, &thread));
                put(buffer, length, ret, &thread.times.query(own).to_bytes())
            }
            THREAD_NAME_INFORMATION => query_thread_name(&thread, buffer, length, ret),
            THREAD_AM_I_LAST_THREAD => {
                let last = (super::LIVE_THREADS.load(Ordering::Acquire) == 1) as u32;
                put(buffer, length, ret, &last.to_le_bytes())
            }
            _ => {
                log::warn!("unimplemented NtQueryInformationThread class {class}");
                Err(STATUS_INVALID_INFO_CLASS)
            }
        }
    };
    NtStatus::from_result(run())
}

/// Implements NtSetInformationThread(ThreadHandle, Class, Buffer, Length).
pub fn NtSetInformationThread(a: &Args) -> NtStatus {
    let class = a[1] as u32;
    if let Err(e) = ob::reference_typed::<Thread>(a[0]).and_then(|t| super::child::local_only(&t)) {
        return e;
    }
    match class {
        // Hiding from a debugger that can never attach is already true.
        THREAD_HIDE_FROM_DEBUGGER if a[3] == 0 => STATUS_SUCCESS,
        THREAD_HIDE_FROM_DEBUGGER => STATUS_INFO_LENGTH_MISMATCH,
        THREAD_BASE_PRIORITY if a[3] == 4 => {
            match (ob::reference_typed::<Thread>(a[0]), user::read::<i32>(a[2])) {
                (Ok(t), Ok(p)) if (-15..=15).contains(&p) => {
                    t.priority.store(p, Ordering::Relaxed);
                    STATUS_SUCCESS
                }
                (_, Err(e)) => e,
                _ => STATUS_INVALID_PARAMETER,
            }
        }
        THREAD_BASE_PRIORITY => STATUS_INFO_LENGTH_MISMATCH,
        THREAD_AFFINITY_MASK if a[3] == 8 => {
            match (ob::reference_typed::<Thread>(a[0]), user::read::<u64>(a[2])) {
                (Ok(t), Ok(m)) => {
                    let allowed = super::current_process()
                        .map_or_else(system_affinity, |p| process_affinity(p));
                    if m == 0 || m & !allowed != 0 {
                        STATUS_INVALID_PARAMETER
                    } else {
                        t.affinity.store(m, Ordering::Relaxed);
                        STATUS_SUCCESS
                    }
                }
                (Err(e), _) | (_, Err(e)) => e,
            }
        }
        THREAD_AFFINITY_MASK => STATUS_INFO_LENGTH_MISMATCH,
        THREAD_ZERO_TLS_CELL if a[3] == 4 => match user::read::<u32>(a[2]) {
            Ok(index) => zero_tls_cell(index),
            Err(e) => e,
        },
        THREAD_ZERO_TLS_CELL => STATUS_INFO_LENGTH_MISMATCH,
        THREAD_NAME_INFORMATION => NtStatus::from_result(set_thread_name(a[0], a[2], a[3] as u32)),
        _ => {
            log::warn!("unimplemented NtSetInformationThread class {class}");
            STATUS_INVALID_INFO_CLASS
        }
    }
}

/// THREAD_NAME_INFORMATION: a UNICODE_STRING whose buffer follows it.
fn query_thread_name(thread: &Thread, buffer: u64, length: u32, ret: u64) -> NtResult<()> {
    let name = thread
        .description
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let header = std::mem::size_of::<nt::UNICODE_STRING>() as u32;
    let bytes = (name.len() * 2) as u32;
    let needed = header + bytes;
    user::write_opt(ret, &needed)?;
    if length < needed {
        return Err(if length < header {
            STATUS_INFO_LENGTH_MISMATCH
        } else {
            STATUS_BUFFER_TOO_SMALL
        });
    }
    let text = buffer + header as u64;
    user::write(
        buffer,
        &nt::UNICODE_STRING {
            Length: bytes as u16,
            MaximumLength: bytes as u16,
            _pad: 0,
            Buffer: if name.is_empty() { 0 } else { text },
        },
    )?;
    let raw: Vec<u8> = name.iter().flat_map(|c| c.to_le_bytes()).collect();
    user::write_from(text, &raw)
}

/// Sets THREAD_NAME_INFORMATION (SetThreadDescription).
fn set_thread_name(handle: u64, buffer: u64, length: u32) -> NtResult<()> {
    if length as usize != std::mem::size_of::<nt::UNICODE_STRING>() {
        return Err(STATUS_INFO_LENGTH_MISMATCH);
    }
    let thread = ob::reference_typed::<Thread>(handle)?;
    let s = user::read::<nt::UNICODE_STRING>(buffer)?;
    if s.Length % 2 != 0 || s.Length > s.MaximumLength && s.MaximumLength != 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let name = if s.Length == 0 {
        Vec::new()
    } else {
        user::read_u16s(s.Buffer, s.Length as usize / 2)?
    };
    *thread.description.lock().unwrap_or_else(|e| e.into_inner()) = name;
    Ok(())
}

/// ThreadZeroTlsCell (TlsFree): clears TLS slot `index` in every thread of
/// the process, so that the index's next owner finds zero everywhere.
fn zero_tls_cell(index: u32) -> NtStatus {
    const SLOTS: u32 = 64;
    const EXPANSION_SLOTS: u32 = 1024;
    if index >= SLOTS + EXPANSION_SLOTS {
        return STATUS_INVALID_PARAMETER;
    }
    for t in super::live_threads() {
        let cell = if index < SLOTS {
            t.teb + nt::teb::TLS_SLOTS as u64 + 8 * index as u64
        } else {
            match user::read::<u64>(t.teb + nt::teb::TLS_EXPANSION_SLOTS as u64) {
                Ok(0) | Err(_) => continue,
                Ok(array) => array + 8 * (index - SLOTS) as u64,
            }
        };
        // A thread ending meanwhile has nothing left to clear.
        let _ = user::write(cell, &0u64);
    }
    STATUS_SUCCESS
}
