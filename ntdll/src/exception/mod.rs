//! Structured exception handling in user mode: KiUserExceptionDispatcher
//! (where the executive sends a faulting thread), RtlDispatchException
//! (vectored handlers, then the frame handlers found through each image's
//! unwind data), RtlRaiseException, RtlUnwindEx and the unhandled end.
//!
//! Guest frames are walked with their unwind tables. casement's own frames
//! (the dispatcher calling a handler, say) have none; a walk that reaches
//! one continues where the enclosing dispatch or unwind stood, which this
//! thread records in [`walks`] — the frames between are the dispatch
//! machinery that Windows' own walks pass through.

pub mod context;
pub mod lookup;
pub mod target;
pub mod unwind;
pub mod vectored;
mod walks;

use std::sync::atomic::{AtomicU64, Ordering};
use syscalls::exception::*;
use syscalls::nt::{current_teb, teb};
use syscalls::*;
use walks::Walk;

/// Calls a language handler: EXCEPTION_DISPOSITION (EXCEPTION_RECORD*,
/// EstablisherFrame, CONTEXT*, DISPATCHER_CONTEXT*).
pub(crate) fn call_handler(
    handler: u64,
    rec: &mut EXCEPTION_RECORD,
    frame: u64,
    ctx: &mut CONTEXT,
    dc: &mut DISPATCHER_CONTEXT,
) -> u32 {
    type Handler =
        extern "win64" fn(*mut EXCEPTION_RECORD, u64, *mut CONTEXT, *mut DISPATCHER_CONTEXT) -> u32;
    if let Some((dll, name)) = unimplemented_handler(handler) {
        // A stub's failure value (0) would read as "continue execution"
        // and retry the fault forever: the frame has no handler instead.
        log::error!(target: "unimplemented", "the frame handler {dll}!{name} is not implemented: its frame is passed over");
        return EXCEPTION_CONTINUE_SEARCH_DISPOSITION;
    }
    // SAFETY: the handler an image's unwind data names for this frame.
    let f: Handler = unsafe { core::mem::transmute(handler) };
    f(rec, frame, ctx, dc)
}

/// If `handler` is (an import jump to) a stub of an unimplemented export,
/// its DLL and name.
fn unimplemented_handler(handler: u64) -> Option<(&'static str, &'static str)> {
    if let Some(found) = loader::stubs::at(handler) {
        return Some(found);
    }
    // `jmp [rip+disp32]`: an image's jump to its import slot.
    let code = user::read::<[u8; 6]>(handler).ok()?;
    if code[0] != 0xFF || code[1] != 0x25 {
        return None;
    }
    let disp = i32::from_le_bytes(code[2..6].try_into().ok()?) as i64;
    let slot = (handler as i64 + 6 + disp) as u64;
    loader::stubs::at(user::read::<u64>(slot).ok()?)
}

/// The calling thread's stack bounds (StackLimit, StackBase).
pub(crate) fn stack_limits() -> (u64, u64) {
    let t = current_teb();
    let low = user::read::<u64>(t + teb::DEALLOCATION_STACK as u64).unwrap_or(0);
    let high = user::read::<u64>(t + teb::STACK_BASE as u64).unwrap_or(u64::MAX);
    (low, high)
}

/// RtlDispatchException: finds a handler that continues execution; false
/// if none does.
pub fn dispatch(rec: &mut EXCEPTION_RECORD, ctx: &mut CONTEXT) -> bool {
    if vectored::call_exception_handlers(rec, ctx) {
        vectored::call_continue_handlers(rec, ctx);
        return true;
    }
    let sp = walks::stack_marker();
    let mut outer = walks::Enclosing::new(sp);
    let (low, high) = stack_limits();
    let mut walk = *ctx;
    let mut nested_frame = 0u64;
    loop {
        if walk.Rip == 0 {
            return false;
        }
        if user::is_host_code(walk.Rip) {
            // Past the guest frames: on with the enclosing walk, if any.
            let Some(w) = outer.next() else { return false };
            walk = w.resume;
            if w.dispatch {
                rec.ExceptionFlags |= EXCEPTION_NESTED_CALL;
                nested_frame = nested_frame.max(w.frame);
            }
            continue;
        }
        let pc = walk.Rip;
        let Ok((found, u)) = unwind::unwind_frame(UNW_FLAG_EHANDLER, &mut walk) else {
            rec.ExceptionFlags |= EXCEPTION_STACK_INVALID;
            return false;
        };
        if u.establisher < low || u.establisher >= high || u.establisher & 7 != 0 {
            rec.ExceptionFlags |= EXCEPTION_STACK_INVALID;
            return false;
        }
        if let (Some(found), true) = (found, u.handler != 0) {
            let mut dc = DISPATCHER_CONTEXT {
                ControlPc: pc,
                ImageBase: found.image_base,
                FunctionEntry: found.entry,
                EstablisherFrame: u.establisher,
                TargetIp: 0,
                ContextRecord: &mut walk as *mut CONTEXT as u64,
                LanguageHandler: u.handler,
                HandlerData: u.handler_data,
                HistoryTable: 0,
                ScopeIndex: 0,
                Fill0: 0,
            };
            let disposition = walks::during(
                Walk {
                    owner_sp: sp,
                    resume: *ctx,
                    frame: u.establisher,
                    dispatch: true,
                    consolidate: false,
                },
                || call_handler(u.handler, rec, u.establisher, ctx, &mut dc),
            );
            if nested_frame != 0 && u.establisher == nested_frame {
                rec.ExceptionFlags &= !EXCEPTION_NESTED_CALL;
                nested_frame = 0;
            }
            match disposition {
                EXCEPTION_CONTINUE_EXECUTION_DISPOSITION => {
                    if rec.ExceptionFlags & EXCEPTION_NONCONTINUABLE != 0 {
                        raise_chained(STATUS_NONCONTINUABLE_EXCEPTION, rec, ctx);
                    }
                    vectored::call_continue_handlers(rec, ctx);
                    return true;
                }
                EXCEPTION_CONTINUE_SEARCH_DISPOSITION => {}
                EXCEPTION_NESTED_EXCEPTION => {
                    rec.ExceptionFlags |= EXCEPTION_NESTED_CALL;
                    nested_frame = nested_frame.max(dc.EstablisherFrame);
                }
                _ => raise_chained(STATUS_INVALID_DISPOSITION, rec, ctx),
            }
        }
        if walk.rsp() >= high {
            return false;
        }
    }
}

/// Raises a noncontinuable exception about another one (an invalid
/// disposition, continuing a noncontinuable exception), at the same place.
fn raise_chained(code: NtStatus, original: &EXCEPTION_RECORD, ctx: &CONTEXT) -> ! {
    let mut rec = EXCEPTION_RECORD {
        ExceptionCode: code.0,
        ExceptionFlags: EXCEPTION_NONCONTINUABLE,
        ExceptionRecord: original as *const _ as u64,
        ExceptionAddress: original.ExceptionAddress,
        ..Default::default()
    };
    let mut c = *ctx;
    raise(&mut rec, &mut c)
}

/// Dispatches an exception raised in software at the state `ctx`: continues
/// there if a handler says so, or ends as an unhandled exception.
pub fn raise(rec: &mut EXCEPTION_RECORD, ctx: &mut CONTEXT) -> ! {
    if dispatch(rec, ctx) {
        context::restore(ctx);
    }
    unhandled(rec, ctx)
}

/// Raises `status` as a noncontinuable exception from casement code (a
/// bad argument to an API that raises, like RtlRaiseStatus).
pub fn raise_status(status: NtStatus) -> ! {
    let mut ctx = CONTEXT::zeroed();
    // SAFETY: fills the local CONTEXT.
    unsafe { context::casement_capture_context(&mut ctx) };
    let mut rec = EXCEPTION_RECORD {
        ExceptionCode: status.0,
        ExceptionFlags: EXCEPTION_NONCONTINUABLE,
        ExceptionAddress: ctx.Rip,
        ..Default::default()
    };
    raise(&mut rec, &mut ctx)
}

/// The filter an unhandled exception goes to (kernel32's
/// UnhandledExceptionFilter, registered at its attach).
static UNHANDLED_FILTER: AtomicU64 = AtomicU64::new(0);

/// RtlSetUnhandledExceptionFilter(Filter).
pub extern "win64" fn RtlSetUnhandledExceptionFilter(filter: u64) {
    UNHANDLED_FILTER.store(filter, Ordering::Release);
}

/// The end of an exception no handler took: the unhandled-exception
/// filter decides (continue, or end the process quietly); otherwise the
/// second chance goes to the executive, which ends the process with the
/// exception code.
pub fn unhandled(rec: &mut EXCEPTION_RECORD, ctx: &mut CONTEXT) -> ! {
    let filter = UNHANDLED_FILTER.load(Ordering::Acquire);
    if filter != 0 {
        let mut pointers = EXCEPTION_POINTERS {
            ExceptionRecord: rec as *mut _ as u64,
            ContextRecord: ctx as *mut _ as u64,
        };
        // SAFETY: kernel32's UnhandledExceptionFilter (or its stand-in).
        let f: extern "win64" fn(*mut EXCEPTION_POINTERS) -> i32 =
            unsafe { core::mem::transmute(filter) };
        match f(&mut pointers) {
            EXCEPTION_CONTINUE_EXECUTION if rec.ExceptionFlags & EXCEPTION_NONCONTINUABLE == 0 => {
                context::restore(ctx)
            }
            EXCEPTION_EXECUTE_HANDLER => {
                syscall(
                    nr::NtTerminateProcess,
                    &args([u64::MAX, rec.ExceptionCode as u64]),
                );
            }
            _ => {}
        }
    }
    syscall(
        nr::NtRaiseException,
        &args([rec as *mut _ as u64, ctx as *mut _ as u64, 0]),
    );
    // The executive ends the process; should it return, end it here.
    syscall(
        nr::NtTerminateProcess,
        &args([u64::MAX, rec.ExceptionCode as u64]),
    );
    unreachable!("NtTerminateProcess returned")
}

/// KiUserExceptionDispatcher: the executive points a faulting thread here
/// with the record and CONTEXT it wrote to the thread's stack.
pub extern "win64" fn user_exception_dispatcher(record: u64, context: u64) -> ! {
    // SAFETY: the executive wrote both structures just above this frame.
    let (rec, ctx) = unsafe {
        (
            &mut *(record as *mut EXCEPTION_RECORD),
            &mut *(context as *mut CONTEXT),
        )
    };
    raise(rec, ctx)
}

/// Registers the dispatcher with the executive (at process attach).
pub fn register() {
    upcall::set_user_exception_dispatcher(user_exception_dispatcher);
}

/// Reads a guest EXCEPTION_RECORD.
pub fn read_record_at(at: u64) -> NtResult<EXCEPTION_RECORD> {
    user::read::<EXCEPTION_RECORD>(at)
}

/// The body of RtlRaiseException(ExceptionRecord): the record's address
/// becomes the caller's, the caller's state is what handlers see and
/// where execution continues.
extern "win64" fn raise_exception_with_context(
    record: u64,
    _: u64,
    _: u64,
    _: u64,
    ctx: *mut CONTEXT,
) {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let ctx = unsafe { &mut *ctx };
    let mut rec = match read_record_at(record) {
        Ok(r) => r,
        Err(_) => {
            let mut r = EXCEPTION_RECORD {
                ExceptionCode: STATUS_ACCESS_VIOLATION.0,
                ExceptionFlags: EXCEPTION_NONCONTINUABLE,
                ExceptionAddress: ctx.Rip,
                NumberParameters: 2,
                ..Default::default()
            };
            r.ExceptionInformation[1] = record;
            raise(&mut r, ctx)
        }
    };
    rec.ExceptionAddress = ctx.Rip;
    if dispatch(&mut rec, ctx) {
        // Handlers may have changed the record; the caller's copy follows.
        let _ = write_record(record, &rec);
        context::restore(ctx);
    }
    unhandled(&mut rec, ctx)
}

pub(crate) fn write_record(at: u64, rec: &EXCEPTION_RECORD) -> NtResult<()> {
    user::write(at, rec)
}

context::caller_context_entry! {
    RtlRaiseException => raise_exception_with_context,
}

/// The return addresses of the frames above `ctx`, innermost first: the
/// frame at `ctx` itself, then each caller found by unwinding, up to
/// casement's own code or `max` frames.
pub fn backtrace(ctx: &CONTEXT, max: usize) -> Vec<u64> {
    let (low, high) = stack_limits();
    let mut walk = *ctx;
    let mut out = Vec::new();
    while out.len() < max && walk.Rip != 0 && !user::is_host_code(walk.Rip) {
        out.push(walk.Rip);
        let before = walk.rsp();
        if unwind::unwind_frame(0, &mut walk).is_err() {
            break;
        }
        if walk.rsp() <= before || walk.rsp() < low || walk.rsp() > high {
            break;
        }
    }
    out
}

/// RtlCaptureStackBackTrace(FramesToSkip, FramesToCapture, BackTrace,
/// BackTraceHash) -> frames captured; frame 0 is the caller's own.
extern "win64" fn capture_back_trace_with_context(
    skip: u32,
    count: u32,
    out: u64,
    hash: u64,
    ctx: *mut CONTEXT,
) -> u16 {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let ctx = unsafe { &*ctx };
    // The captured state is the caller's, after the call: unwinding its
    // frame gives its caller; the caller's own address comes first.
    let frames = backtrace(ctx, skip as usize + count as usize);
    let mut sum = 0u32;
    let mut n = 0u16;
    for (i, &pc) in frames
        .iter()
        .skip(skip as usize)
        .take(count.min(u16::MAX as u32) as usize)
        .enumerate()
    {
        if user::write(out + i as u64 * 8, &pc).is_err() {
            break;
        }
        sum = sum.wrapping_add(pc as u32);
        n += 1;
    }
    let _ = user::write_opt(hash, &sum);
    n
}

context::caller_context_entry! {
    RtlCaptureStackBackTrace => capture_back_trace_with_context,
}

use context::{NtContinue, RtlCaptureContext, RtlRestoreContext};
use loader::{export, Export};
use lookup::*;
use target::{RtlUnwind, RtlUnwindEx};
use unwind::RtlVirtualUnwind;
use vectored::*;

/// ntdll's exception exports.
pub static EXPORTS: &[Export] = &[
    export!(RtlCaptureContext(Ptr)),
    export!(RtlRestoreContext(Ptr, Ptr)),
    export!(NtContinue(Ptr, Int)),
    loader::forward!("ZwContinue" => "NTDLL.NtContinue"),
    export!(RtlRaiseException(Ptr)),
    export!(RtlRaiseStatus(Int)),
    export!(RtlUnwindEx(Ptr, Ptr, Ptr, Ptr, Ptr, Ptr)),
    export!(RtlUnwind(Ptr, Ptr, Ptr, Ptr)),
    export!(RtlVirtualUnwind(Int, Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Ptr)),
    export!(RtlLookupFunctionEntry(Ptr, Ptr, Ptr)),
    export!(RtlPcToFileHeader(Ptr, Ptr)),
    export!(RtlAddFunctionTable(Ptr, Int, Ptr)),
    export!(RtlDeleteFunctionTable(Ptr)),
    export!(RtlInstallFunctionTableCallback(
        Ptr, Ptr, Int, Ptr, Ptr, Ptr
    )),
    export!(RtlCaptureStackBackTrace(Int, Int, Ptr, Ptr)),
    export!(RtlAddVectoredExceptionHandler(Int, Ptr)),
    export!(RtlRemoveVectoredExceptionHandler(Ptr)),
    export!(RtlAddVectoredContinueHandler(Int, Ptr)),
    export!(RtlRemoveVectoredContinueHandler(Ptr)),
    export!(RtlSetUnhandledExceptionFilter(Ptr)),
    export!(KiUserExceptionDispatcher(Ptr, Ptr)),
];

/// RtlRaiseStatus(Status): raises a noncontinuable exception.
pub extern "win64" fn RtlRaiseStatus(status: u32) {
    raise_status(NtStatus(status))
}

/// The dispatcher under its Windows name, for programs that look it up
/// (it is entered only by the executive).
pub use user_exception_dispatcher as KiUserExceptionDispatcher;

/// Runs `f`, which calls back into guest code on behalf of a builtin
/// function (a qsort comparator), so that an exception raised in the
/// callback can be handled by the builtin's caller: walks reaching the
/// builtin's own frames go on from `caller`, the caller's state as the
/// builtin's entry stub recorded it. An unwind to a frame of the caller
/// abandons the builtin's frames, as it abandons any frame it passes.
pub fn with_callback_frames<T>(caller: &CONTEXT, f: impl FnOnce() -> T) -> T {
    walks::during(
        Walk {
            owner_sp: walks::stack_marker(),
            resume: *caller,
            frame: caller.rsp(),
            dispatch: false,
            consolidate: false,
        },
        f,
    )
}
