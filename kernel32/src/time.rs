//! Time: performance counter, tick count, system time.

use syscalls::*;

fn performance() -> (i64, i64) {
    let (mut counter, mut frequency) = (0i64, 0i64);
    let _ = syscall(
        nr::NtQueryPerformanceCounter,
        &args([
            &mut counter as *mut i64 as u64,
            &mut frequency as *mut i64 as u64,
        ]),
    );
    (counter, frequency)
}

/// Implements QueryPerformanceCounter(lpPerformanceCount).
pub extern "win64" fn QueryPerformanceCounter(out: *mut i64) -> i32 {
    let mut counter = 0i64;
    let _ = syscall(
        nr::NtQueryPerformanceCounter,
        &args([&mut counter as *mut i64 as u64, 0]),
    );
    // SAFETY: the caller passes a LARGE_INTEGER.
    unsafe { *out = counter };
    1
}

/// Implements QueryPerformanceFrequency(lpFrequency).
pub extern "win64" fn QueryPerformanceFrequency(out: *mut i64) -> i32 {
    // SAFETY: the caller passes a LARGE_INTEGER.
    unsafe { *out = performance().1 };
    1
}

/// Implements GetTickCount64(): milliseconds since boot (the monotonic
/// clock).
pub extern "win64" fn GetTickCount64() -> u64 {
    let (c, f) = performance();
    (c / (f / 1000).max(1)) as u64
}

/// Implements GetTickCount().
pub extern "win64" fn GetTickCount() -> u32 {
    GetTickCount64() as u32
}

/// Implements GetSystemTimeAsFileTime(lpSystemTimeAsFileTime).
pub extern "win64" fn GetSystemTimeAsFileTime(out: *mut i64) {
    let _ = syscall(nr::NtQuerySystemTime, &args([out as u64]));
}

/// Implements GetSystemTimePreciseAsFileTime(lpSystemTimeAsFileTime).
pub extern "win64" fn GetSystemTimePreciseAsFileTime(out: *mut i64) {
    let _ = syscall(nr::NtQuerySystemTime, &args([out as u64]));
}
