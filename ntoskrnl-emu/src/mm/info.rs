//! Memory counters from the host: the process's VM_COUNTERS_EX
//! (NtQueryInformationProcess ProcessVmCounters) and the system's memory
//! figures of SYSTEM_PERFORMANCE_INFORMATION, read from /proc.

use super::vad;
use super::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// The `name:` line of a /proc file, in kB, as bytes.
fn proc_kb(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Bytes of committed private memory in the VAD tree: what Windows charges
/// the process's commit for (PagefileUsage, PrivateUsage).
pub fn committed_private() -> u64 {
    let map = vad::lock();
    map.values()
        .filter(|v| v.kind == MEM_PRIVATE)
        .map(|v| v.pages.iter().filter(|&&p| p != 0).count() as u64 * PAGE_SIZE)
        .sum()
}

static PEAK_PRIVATE: AtomicU64 = AtomicU64::new(0);

/// VM_COUNTERS_EX (x64, 96 bytes): PeakVirtualSize, VirtualSize,
/// PageFaultCount, PeakWorkingSetSize, WorkingSetSize, four quota pool
/// figures (the host has no paged pool: 0), PagefileUsage,
/// PeakPagefileUsage, PrivateUsage.
pub fn vm_counters() -> [u8; 96] {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    // SAFETY: getrusage fills a struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let private = committed_private();
    let peak_private = PEAK_PRIVATE
        .fetch_max(private, Ordering::Relaxed)
        .max(private);
    let mut out = [0u8; 96];
    let mut put = |off: usize, v: u64| out[off..off + 8].copy_from_slice(&v.to_le_bytes());
    put(0, proc_kb(&status, "VmPeak"));
    put(8, proc_kb(&status, "VmSize"));
    put(
        16,
        (usage.ru_minflt + usage.ru_majflt).min(u32::MAX as i64) as u64,
    );
    put(24, proc_kb(&status, "VmHWM"));
    put(32, proc_kb(&status, "VmRSS"));
    put(72, private);
    put(80, peak_private);
    put(88, private);
    out
}

static PEAK_COMMIT: AtomicU64 = AtomicU64::new(0);

/// (AvailablePages, CommittedPages, CommitLimit, PeakCommitment) for
/// SYSTEM_PERFORMANCE_INFORMATION: available RAM, the system's committed
/// address space, RAM plus swap (Windows' RAM plus paging file).
pub fn system_pages() -> (u64, u64, u64, u64) {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let available = proc_kb(&meminfo, "MemAvailable") / PAGE_SIZE;
    let committed = proc_kb(&meminfo, "Committed_AS") / PAGE_SIZE;
    let limit = (proc_kb(&meminfo, "MemTotal") + proc_kb(&meminfo, "SwapTotal")) / PAGE_SIZE;
    let peak = PEAK_COMMIT
        .fetch_max(committed, Ordering::Relaxed)
        .max(committed);
    (available, committed, limit, peak)
}
