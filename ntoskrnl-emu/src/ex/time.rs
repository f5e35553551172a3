//! Time services: NtQuerySystemTime, NtQueryPerformanceCounter.

use syscalls::*;

/// 100-ns intervals between 1601-01-01 (FILETIME epoch) and 1970-01-01.
pub const EPOCH_DIFFERENCE_100NS: i64 = 116_444_736_000_000_000;
/// The performance counter ticks at 10 MHz, as on Windows 10.
pub const PERFORMANCE_FREQUENCY: i64 = 10_000_000;

fn clock(id: libc::clockid_t) -> libc::timespec {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes a timespec we own.
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts
}

/// The current system time as a FILETIME value (100 ns since 1601, UTC).
pub fn system_time_100ns() -> i64 {
    let ts = clock(libc::CLOCK_REALTIME);
    ts.tv_sec as i64 * 10_000_000 + ts.tv_nsec as i64 / 100 + EPOCH_DIFFERENCE_100NS
}

/// Monotonic time in 100-ns units (the interrupt time / performance counter).
pub fn interrupt_time_100ns() -> i64 {
    let ts = clock(libc::CLOCK_MONOTONIC);
    ts.tv_sec as i64 * 10_000_000 + ts.tv_nsec as i64 / 100
}

/// Implements NtQuerySystemTime(SystemTime).
pub fn NtQuerySystemTime(a: &Args) -> NtStatus {
    NtStatus::from_result(user::write(a[0], &system_time_100ns()))
}

/// Implements NtQueryPerformanceCounter(PerformanceCounter, PerformanceFrequency).
pub fn NtQueryPerformanceCounter(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        user::write(a[0], &interrupt_time_100ns())?;
        user::write_opt(a[1], &PERFORMANCE_FREQUENCY)
    };
    NtStatus::from_result(run())
}
