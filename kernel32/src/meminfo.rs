//! Memory information: GlobalMemoryStatusEx, GlobalMemoryStatus,
//! K32GetProcessMemoryInfo (psapi's GetProcessMemoryInfo),
//! GetLargePageMinimum, GetPhysicallyInstalledSystemMemory, from the
//! executive's system and process information classes.

use crate::error::*;
use syscalls::*;

const PAGE: u64 = 0x1000;
/// The user address space: 0x10000 to 0x7FFFFFFEFFFF.
const TOTAL_VIRTUAL: u64 = 0x7FFF_FFFE_FFFF - 0x1_0000 + 1;

fn u32_at(b: &[u8], o: usize) -> u64 {
    u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes")) as u64
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}

fn system_information(class: u64, buffer: &mut [u8]) -> NtStatus {
    syscall(
        nr::NtQuerySystemInformation,
        &args([class, buffer.as_mut_ptr() as u64, buffer.len() as u64, 0]),
    )
}

fn vm_counters(process: u64) -> Result<[u8; 96], NtStatus> {
    let mut c = [0u8; 96];
    let st = syscall(
        nr::NtQueryInformationProcess,
        &args([process, 3, c.as_mut_ptr() as u64, 96, 0]),
    );
    if st.is_success() {
        Ok(c)
    } else {
        Err(st)
    }
}

/// (dwMemoryLoad, TotalPhys, AvailPhys, TotalPageFile, AvailPageFile,
/// AvailVirtual).
fn memory_status() -> Result<(u32, u64, u64, u64, u64, u64), NtStatus> {
    let mut basic = [0u8; 64];
    system_information(0, &mut basic).ok()?;
    let mut perf = [0u8; 0x158];
    system_information(2, &mut perf).ok()?;
    let total = u32_at(&basic, 12) * PAGE; // NumberOfPhysicalPages
    let available = u32_at(&perf, 0x2C) * PAGE;
    let committed = u32_at(&perf, 0x30) * PAGE;
    let limit = u32_at(&perf, 0x34) * PAGE;
    let virtual_size = vm_counters(syscalls::nt::NT_CURRENT_PROCESS).map_or(0, |c| u64_at(&c, 8));
    let load = if total == 0 {
        0
    } else {
        (100 - available.min(total) * 100 / total) as u32
    };
    Ok((
        load,
        total,
        available,
        limit,
        limit.saturating_sub(committed),
        TOTAL_VIRTUAL.saturating_sub(virtual_size),
    ))
}

/// MEMORYSTATUSEX.
#[repr(C)]
pub struct MemoryStatusEx {
    length: u32,
    memory_load: u32,
    total_phys: u64,
    avail_phys: u64,
    total_page_file: u64,
    avail_page_file: u64,
    total_virtual: u64,
    avail_virtual: u64,
    avail_extended_virtual: u64,
}

/// Implements GlobalMemoryStatusEx(lpBuffer): dwLength must be set to the
/// structure's size first (documented).
pub extern "win64" fn GlobalMemoryStatusEx(p: *mut MemoryStatusEx) -> i32 {
    // SAFETY: the caller's MEMORYSTATUSEX.
    let Some(s) = (unsafe { p.as_mut() }) else {
        set_error(998); // ERROR_NOACCESS
        return 0;
    };
    if s.length as usize != core::mem::size_of::<MemoryStatusEx>() {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    match memory_status() {
        Ok((load, total, avail, page_file, avail_page_file, avail_virtual)) => {
            s.memory_load = load;
            s.total_phys = total;
            s.avail_phys = avail;
            s.total_page_file = page_file;
            s.avail_page_file = avail_page_file;
            s.total_virtual = TOTAL_VIRTUAL;
            s.avail_virtual = avail_virtual;
            s.avail_extended_virtual = 0;
            1
        }
        Err(st) => fail(st, 0),
    }
}

/// Implements GlobalMemoryStatus(lpBuffer) (MEMORYSTATUS, SIZE_T fields,
/// dwLength set by the function).
pub extern "win64" fn GlobalMemoryStatus(p: *mut u64) {
    if p.is_null() {
        return;
    }
    if let Ok((load, total, avail, page_file, avail_page_file, avail_virtual)) = memory_status() {
        // SAFETY: the caller's MEMORYSTATUS (56 bytes).
        unsafe {
            *(p as *mut u32) = 56;
            *(p as *mut u32).add(1) = load;
            for (i, v) in [
                total,
                avail,
                page_file,
                avail_page_file,
                TOTAL_VIRTUAL,
                avail_virtual,
            ]
            .into_iter()
            .enumerate()
            {
                *p.add(1 + i) = v;
            }
        }
    }
}

/// Implements K32GetProcessMemoryInfo(Process, ppsmemCounters, cb):
/// PROCESS_MEMORY_COUNTERS (72 bytes) or PROCESS_MEMORY_COUNTERS_EX (80).
pub extern "win64" fn K32GetProcessMemoryInfo(process: u64, out: *mut u8, cb: u32) -> i32 {
    if cb < 72 {
        set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    let c = match vm_counters(process) {
        Ok(c) => c,
        Err(st) => return fail(st, 0),
    };
    let n: u32 = if cb >= 80 { 80 } else { 72 };
    let mut d = vec![0u8; n as usize];
    d[0..4].copy_from_slice(&n.to_le_bytes());
    d[4..8].copy_from_slice(&(u64_at(&c, 16) as u32).to_le_bytes()); // PageFaultCount
                                                                     // PeakWorkingSetSize .. PeakPagefileUsage follow VM_COUNTERS from 24.
    d[8..72].copy_from_slice(&c[24..88]);
    if n == 80 {
        d[72..80].copy_from_slice(&c[88..96]); // PrivateUsage
    }
    if out.is_null() {
        set_error(998);
        return 0;
    }
    // SAFETY: the caller's buffer of at least cb >= n bytes.
    unsafe { core::ptr::copy_nonoverlapping(d.as_ptr(), out, n as usize) };
    1
}

/// Implements GetLargePageMinimum(): 2 MiB on x64.
pub extern "win64" fn GetLargePageMinimum() -> u64 {
    0x20_0000
}

/// Implements GetPhysicallyInstalledSystemMemory(TotalMemoryInKilobytes).
pub extern "win64" fn GetPhysicallyInstalledSystemMemory(kb: *mut u64) -> i32 {
    if kb.is_null() {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let mut basic = [0u8; 64];
    let st = system_information(0, &mut basic);
    if st.is_error() {
        return fail(st, 0);
    }
    // SAFETY: the caller's ULONGLONG.
    unsafe { *kb = u32_at(&basic, 12) * PAGE / 1024 };
    1
}
