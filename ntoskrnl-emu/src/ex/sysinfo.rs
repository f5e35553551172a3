//! NtQuerySystemInformation.

use crate::mm;
use syscalls::*;

/// SYSTEM_INFORMATION_CLASS values served here.
const SYSTEM_BASIC_INFORMATION: u32 = 0;
const SYSTEM_PERFORMANCE_INFORMATION: u32 = 2;
const SYSTEM_CURRENT_TIME_ZONE_INFORMATION: u32 = 44;
const SYSTEM_DYNAMIC_TIME_ZONE_INFORMATION: u32 = 102;

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
/// sizeof(SYSTEM_PERFORMANCE_INFORMATION) on x64 Windows 8 and later.
const PERFORMANCE_INFORMATION_SIZE: u32 = 0x158;

/// The number of processors the process may run on (its affinity), read
/// once.
pub fn processor_count() -> u32 {
    static COUNT: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *COUNT.get_or_init(|| {
        // SAFETY: sched_getaffinity fills a cpu_set_t we own.
        let n = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
                libc::CPU_COUNT(&set)
            } else {
                1
            }
        };
        n.clamp(1, 64) as u32
    })
}

/// SYSTEM_BASIC_INFORMATION (x64 layout, 64 bytes).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SystemBasicInformation {
    reserved: u32,
    timer_resolution: u32,
    page_size: u32,
    number_of_physical_pages: u32,
    lowest_physical_page_number: u32,
    highest_physical_page_number: u32,
    allocation_granularity: u32,
    _pad: u32,
    minimum_user_mode_address: u64,
    maximum_user_mode_address: u64,
    active_processors_affinity_mask: u64,
    number_of_processors: u8,
    _pad2: [u8; 7],
}
unsafe impl user::Pod for SystemBasicInformation {}
const _: () = assert!(core::mem::size_of::<SystemBasicInformation>() == 64);

fn basic_information() -> SystemBasicInformation {
    // SAFETY: sysconf has no memory-safety preconditions.
    let pages = unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) }.max(0) as u64;
    let n = processor_count();
    SystemBasicInformation {
        timer_resolution: 156_250,
        page_size: mm::PAGE_SIZE as u32,
        number_of_physical_pages: pages.min(u32::MAX as u64) as u32,
        lowest_physical_page_number: 1,
        highest_physical_page_number: pages.min(u32::MAX as u64) as u32,
        allocation_granularity: mm::ALLOCATION_GRANULARITY as u32,
        minimum_user_mode_address: mm::LOWEST_ADDRESS,
        maximum_user_mode_address: mm::HIGHEST_ADDRESS,
        active_processors_affinity_mask: if n >= 64 { u64::MAX } else { (1u64 << n) - 1 },
        number_of_processors: n as u8,
        ..Default::default()
    }
}

/// Implements NtQuerySystemInformation(Class, Buffer, Length, ReturnLength).
pub fn NtQuerySystemInformation(a: &Args) -> NtStatus {
    let (class, buffer, length, return_length) = (a[0] as u32, a[1], a[2] as u32, a[3]);
    let run = || -> NtResult<()> {
        match class {
            SYSTEM_BASIC_INFORMATION => {
                let size = core::mem::size_of::<SystemBasicInformation>() as u32;
                user::write_opt(return_length, &size)?;
                if length != size {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                user::write(buffer, &basic_information())
            }
            // The memory figures (AvailablePages at 0x2C, CommittedPages,
            // CommitLimit, PeakCommitment); the I/O and pool counters
            // the host does not keep read zero.
            SYSTEM_PERFORMANCE_INFORMATION => {
                user::write_opt(return_length, &PERFORMANCE_INFORMATION_SIZE)?;
                if length < PERFORMANCE_INFORMATION_SIZE {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let mut d = vec![0u8; PERFORMANCE_INFORMATION_SIZE as usize];
                let (available, committed, limit, peak) = mm::info::system_pages();
                for (i, v) in [available, committed, limit, peak].into_iter().enumerate() {
                    let v = v.min(u32::MAX as u64) as u32;
                    d[0x2C + 4 * i..0x30 + 4 * i].copy_from_slice(&v.to_le_bytes());
                }
                user::write_from(buffer, &d)
            }
            // RTL_TIME_ZONE_INFORMATION of the host's zone.
            SYSTEM_CURRENT_TIME_ZONE_INFORMATION => {
                let size = super::timezone::TIME_ZONE_INFORMATION_SIZE;
                user::write_opt(return_length, &size)?;
                if length != size {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                user::write(buffer, &super::timezone::current(unix_now()))
            }
            // RTL_DYNAMIC_TIME_ZONE_INFORMATION: the same and the key name.
            SYSTEM_DYNAMIC_TIME_ZONE_INFORMATION => {
                let size = super::timezone::DYNAMIC_TIME_ZONE_INFORMATION_SIZE;
                user::write_opt(return_length, &size)?;
                if length != size {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                user::write(buffer, &super::timezone::dynamic(unix_now()))
            }
            _ => {
                log::warn!("unimplemented NtQuerySystemInformation class {class}");
                Err(STATUS_INVALID_INFO_CLASS)
            }
        }
    };
    NtStatus::from_result(run())
}
