//! The invalid-parameter handler and errno accessors. A UCRT function that
//! rejects its arguments sets errno and calls the handler; the default one
//! ends the process with a fast fail, as the UCRT does on Windows 8 and
//! later (`_invoke_watson` -> `__fastfail(FAST_FAIL_INVALID_ARG)`).

use msvcrt::errno;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// STATUS_STACK_BUFFER_OVERRUN: the exit status of a fast fail.
pub const STATUS_STACK_BUFFER_OVERRUN: u32 = 0xC000_0409;

static GLOBAL_HANDLER: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static THREAD_HANDLER: Cell<u64> = const { Cell::new(0) };
}

/// `void handler(const wchar_t *expression, const wchar_t *function,
/// const wchar_t *file, unsigned line, uintptr_t reserved)`; the release
/// UCRT passes NULLs and zeros.
type Handler = extern "win64" fn(u64, u64, u64, u32, u64);

/// Ends the process the way a fast fail does: no handlers, no exit code
/// of the program's choosing.
pub fn fast_fail() -> ! {
    kernel32::process::TerminateProcess(
        kernel32::process::GetCurrentProcess(),
        STATUS_STACK_BUFFER_OVERRUN,
    );
    kernel32::process::ExitProcess(STATUS_STACK_BUFFER_OVERRUN)
}

/// Reports an invalid parameter: the thread's handler, else the process's,
/// else the default (fast fail). Returns when a handler returns.
pub fn report() {
    let h = THREAD_HANDLER.with(|h| h.get());
    let h = if h != 0 {
        h
    } else {
        GLOBAL_HANDLER.load(Ordering::Relaxed)
    };
    if h == 0 {
        fast_fail();
    }
    // SAFETY: a handler the program installed, with the documented type.
    let f: Handler = unsafe { core::mem::transmute(h) };
    f(0, 0, 0, 0, 0);
}

/// Sets errno to `e` and reports an invalid parameter (the UCRT's
/// `_VALIDATE_RETURN`); the caller then returns its error value.
pub fn fail(e: i32) {
    errno::set(e);
    report();
}

/// Implements _set_invalid_parameter_handler(handler): the previous one.
pub extern "win64" fn _set_invalid_parameter_handler(handler: u64) -> u64 {
    GLOBAL_HANDLER.swap(handler, Ordering::Relaxed)
}

/// Implements _get_invalid_parameter_handler().
pub extern "win64" fn _get_invalid_parameter_handler() -> u64 {
    GLOBAL_HANDLER.load(Ordering::Relaxed)
}

/// Implements _set_thread_local_invalid_parameter_handler(handler).
pub extern "win64" fn _set_thread_local_invalid_parameter_handler(handler: u64) -> u64 {
    THREAD_HANDLER.with(|h| h.replace(handler))
}

/// Implements _get_thread_local_invalid_parameter_handler().
pub extern "win64" fn _get_thread_local_invalid_parameter_handler() -> u64 {
    THREAD_HANDLER.with(|h| h.get())
}

/// Implements _invalid_parameter_noinfo(): reports with no details.
pub extern "win64" fn _invalid_parameter_noinfo() {
    report();
}

/// Implements _invalid_parameter_noinfo_noreturn(): reports, then ends the
/// process even when a handler returns.
pub extern "win64" fn _invalid_parameter_noinfo_noreturn() -> ! {
    report();
    fast_fail()
}

/// Implements _invoke_watson(expression, function, file, line, reserved).
pub extern "win64" fn _invoke_watson(_e: u64, _f: u64, _file: u64, _line: u32, _r: u64) -> ! {
    fast_fail()
}

/// Implements _get_errno(pValue).
pub extern "win64" fn _get_errno(value: *mut i32) -> i32 {
    if value.is_null() {
        fail(errno::EINVAL);
        return errno::EINVAL;
    }
    // SAFETY: the caller's int.
    unsafe { *value = errno::get() };
    0
}

/// Implements _set_errno(value).
pub extern "win64" fn _set_errno(value: i32) -> i32 {
    errno::set(value);
    0
}

/// Implements _get_doserrno(pValue).
pub extern "win64" fn _get_doserrno(value: *mut u32) -> i32 {
    if value.is_null() {
        fail(errno::EINVAL);
        return errno::EINVAL;
    }
    let p = msvcrt::errno::__doserrno() as *const u32;
    // SAFETY: the thread's _doserrno cell and the caller's unsigned long.
    unsafe { *value = if p.is_null() { 0 } else { *p } };
    0
}

/// Implements _set_doserrno(value).
pub extern "win64" fn _set_doserrno(value: u32) -> i32 {
    let p = msvcrt::errno::__doserrno() as *mut u32;
    if !p.is_null() {
        // SAFETY: the thread's _doserrno cell.
        unsafe { *p = value };
    }
    0
}
