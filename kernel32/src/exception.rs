//! The Win32 face of structured exception handling: RaiseException,
//! SetUnhandledExceptionFilter and UnhandledExceptionFilter — the end of
//! every exception no handler took, which gives the program's top-level
//! filter its turn and otherwise writes the crash report (what Windows
//! Error Reporting would show) and has the process end with the exception
//! code.

use crate::crash_report;
use std::sync::atomic::{AtomicU64, Ordering};
use syscalls::exception::*;
use syscalls::user;

/// RaiseException's body: `ctx` is the caller's state after the call,
/// where execution continues if a handler says so.
extern "win64" fn raise_exception_with_context(
    code: u32,
    flags: u32,
    count: u32,
    args: u64,
    ctx: *mut CONTEXT,
) {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let ctx = unsafe { &mut *ctx };
    let mut rec = EXCEPTION_RECORD {
        ExceptionCode: code,
        ExceptionFlags: flags & EXCEPTION_NONCONTINUABLE,
        ExceptionAddress: ctx.Rip,
        ..Default::default()
    };
    if args != 0 {
        // More than EXCEPTION_MAXIMUM_PARAMETERS are cut to that many.
        let n = (count as usize).min(EXCEPTION_MAXIMUM_PARAMETERS);
        for i in 0..n {
            match user::read::<u64>(args + 8 * i as u64) {
                Ok(v) => rec.ExceptionInformation[i] = v,
                Err(_) => {
                    let mut av = EXCEPTION_RECORD {
                        ExceptionCode: syscalls::STATUS_ACCESS_VIOLATION.0,
                        ExceptionAddress: ctx.Rip,
                        NumberParameters: 2,
                        ..Default::default()
                    };
                    av.ExceptionInformation[1] = args + 8 * i as u64;
                    ntdll::exception::raise(&mut av, ctx)
                }
            }
        }
        rec.NumberParameters = n as u32;
    }
    ntdll::exception::raise(&mut rec, ctx)
}

ntdll::exception::context::caller_context_entry! {
    RaiseException => raise_exception_with_context,
}

/// The program's top-level exception filter.
static TOP_LEVEL_FILTER: AtomicU64 = AtomicU64::new(0);

/// SetUnhandledExceptionFilter(lpTopLevelExceptionFilter): records the
/// filter and returns the previous one.
pub extern "win64" fn SetUnhandledExceptionFilter(filter: u64) -> u64 {
    TOP_LEVEL_FILTER.swap(filter, Ordering::AcqRel)
}

/// UnhandledExceptionFilter(ExceptionInfo): the program's top-level filter
/// first; if there is none or it passes, the crash report, and
/// EXCEPTION_EXECUTE_HANDLER (the process ends with the exception code).
pub extern "win64" fn UnhandledExceptionFilter(pointers: *mut EXCEPTION_POINTERS) -> i32 {
    let filter = TOP_LEVEL_FILTER.load(Ordering::Acquire);
    if filter != 0 {
        // LPTOP_LEVEL_EXCEPTION_FILTER: LONG (EXCEPTION_POINTERS *).
        // SAFETY: the filter the program installed.
        let f: extern "win64" fn(*mut EXCEPTION_POINTERS) -> i32 =
            unsafe { core::mem::transmute(filter) };
        match f(pointers) {
            EXCEPTION_CONTINUE_SEARCH => {}
            verdict => return verdict,
        }
    }
    let Ok(p) = user::read::<[u64; 2]>(pointers as u64) else {
        return EXCEPTION_EXECUTE_HANDLER;
    };
    if let (Ok(rec), Ok(ctx)) = (
        user::read::<EXCEPTION_RECORD>(p[0]),
        user::read::<CONTEXT>(p[1]),
    ) {
        crash_report::write(&rec, &ctx);
    }
    EXCEPTION_EXECUTE_HANDLER
}

/// Has ntdll send unhandled exceptions here (kernel32's attach).
pub fn register() {
    ntdll::exception::RtlSetUnhandledExceptionFilter(UnhandledExceptionFilter as *const () as u64);
}

/// How much of the stack the guard zone leaves a stack-overflow handler
/// (the executive's zone less its last, never-opened page).
const STACK_ZONE_FOR_HANDLER: u32 = (syscalls::exception::STACK_GUARD - 0x1000) as u32;

/// SetThreadStackGuarantee(StackSizeInBytes): the stack a handler of
/// EXCEPTION_STACK_OVERFLOW is guaranteed on this thread. In: the new
/// guarantee (0 only asks); out: the previous one. casement's guard zone
/// is fixed, so a guarantee beyond it is refused rather than promised.
pub extern "win64" fn SetThreadStackGuarantee(size: *mut u32) -> i32 {
    let Ok(want) = user::read::<u32>(size as u64) else {
        crate::error::set_error(crate::error::ERROR_INVALID_PARAMETER);
        return 0;
    };
    let at = syscalls::nt::current_teb() + syscalls::nt::teb::GUARANTEED_STACK_BYTES as u64;
    let previous = user::read::<u32>(at).unwrap_or(0);
    if want > STACK_ZONE_FOR_HANDLER {
        log::warn!(
            "SetThreadStackGuarantee({want}): more than the {STACK_ZONE_FOR_HANDLER} bytes casement's stack guard zone gives"
        );
        crate::error::set_error(crate::error::ERROR_INVALID_PARAMETER);
        return 0;
    }
    if want > previous {
        let _ = user::write(at, &want);
    }
    let _ = user::write(size as u64, &previous);
    1
}
