//! RtlUnwindEx and RtlUnwind: unwinding the stack to a target frame,
//! calling each frame's termination handler on the way (C `__finally`,
//! C++ destructors), then continuing in the target frame at the target
//! address with the return value in rax.

use super::walks::{self, Walk};
use super::{call_handler, context, raise_chained, read_record_at, stack_limits, unwind};
use syscalls::exception::*;
use syscalls::*;

/// Unwinds from the state `start` (the caller of the unwind) to the frame
/// `target_frame` (0: to the end of the stack), then continues at
/// `target_ip` there.
pub fn unwind_to(
    target_frame: u64,
    target_ip: u64,
    rec: &mut EXCEPTION_RECORD,
    return_value: u64,
    start: &CONTEXT,
    history: u64,
) -> ! {
    rec.ExceptionFlags |= EXCEPTION_UNWINDING;
    if target_frame == 0 {
        rec.ExceptionFlags |= EXCEPTION_EXIT_UNWIND;
    }
    let sp = walks::stack_marker();
    let mut outer = walks::Enclosing::new(sp);
    let (low, high) = stack_limits();
    // The state at the frame being unwound and its caller's, in two slots
    // that trade roles at each frame (one CONTEXT copy per frame).
    let mut slots = [*start, CONTEXT::zeroed()];
    let mut at = 0usize;
    loop {
        let (low_slot, high_slot) = slots.split_at_mut(1);
        let (current, caller) = if at == 0 {
            (&mut low_slot[0], &mut high_slot[0])
        } else {
            (&mut high_slot[0], &mut low_slot[0])
        };
        if current.Rip == 0 || user::is_host_code(current.Rip) {
            match outer.next() {
                Some(w) => {
                    *current = w.resume;
                    continue;
                }
                None => {
                    // Walked off the guest frames: an exit unwind ends
                    // here, any other unwind lost its target.
                    let code = if target_frame == 0 {
                        STATUS_UNWIND
                    } else {
                        STATUS_INVALID_UNWIND_TARGET
                    };
                    raise_chained(code, rec, current);
                }
            }
        }
        let pc = current.Rip;
        *caller = *current;
        let (found, u) = match unwind::unwind_frame(UNW_FLAG_UHANDLER, caller) {
            Ok(r) => r,
            Err(_) => raise_chained(STATUS_BAD_STACK, rec, current),
        };
        let frame = u.establisher;
        if frame < low || frame >= high || frame & 7 != 0 {
            raise_chained(STATUS_BAD_STACK, rec, current);
        }
        if target_frame != 0 && frame > target_frame {
            raise_chained(STATUS_INVALID_UNWIND_TARGET, rec, current);
        }
        if let (Some(found), true) = (found, u.handler != 0) {
            if frame == target_frame {
                rec.ExceptionFlags |= EXCEPTION_TARGET_UNWIND;
            }
            let mut scratch = *current;
            let mut dc = DISPATCHER_CONTEXT {
                ControlPc: pc,
                ImageBase: found.image_base,
                FunctionEntry: found.entry,
                EstablisherFrame: frame,
                TargetIp: target_ip,
                ContextRecord: &mut *current as *mut CONTEXT as u64,
                LanguageHandler: u.handler,
                HandlerData: u.handler_data,
                HistoryTable: history,
                ScopeIndex: 0,
                Fill0: 0,
            };
            let resume = *current;
            let disposition = walks::during(
                Walk {
                    owner_sp: sp,
                    resume,
                    frame,
                    dispatch: false,
                    consolidate: false,
                },
                || call_handler(u.handler, rec, frame, &mut scratch, &mut dc),
            );
            rec.ExceptionFlags &= !(EXCEPTION_TARGET_UNWIND | EXCEPTION_COLLIDED_UNWIND);
            if disposition != EXCEPTION_CONTINUE_SEARCH_DISPOSITION {
                raise_chained(STATUS_INVALID_DISPOSITION, rec, current);
            }
        }
        if frame == target_frame {
            // `current` is the state inside the target frame (a handler
            // there may have set registers in it).
            current.Gpr[reg::RAX] = return_value;
            current.Rip = target_ip;
            if rec.ExceptionCode == STATUS_UNWIND_CONSOLIDATE.0 && rec.NumberParameters >= 1 {
                // A consolidating unwind (a C++ catch block): the callback
                // in ExceptionInformation[0] runs here, below the unwound
                // frames — they stay intact, the thrown object with them —
                // and returns where the target frame continues. A walk
                // from inside it goes on in the target frame, at TargetIp.
                let resume = *current;
                // PCONSOLIDATE_CALLBACK: PVOID (EXCEPTION_RECORD *).
                // SAFETY: the callback the unwind's caller put in its record.
                let callback: extern "win64" fn(*mut EXCEPTION_RECORD) -> u64 =
                    unsafe { core::mem::transmute(rec.ExceptionInformation[0]) };
                current.Rip = walks::during(
                    Walk {
                        owner_sp: sp,
                        resume,
                        frame,
                        dispatch: false,
                        consolidate: true,
                    },
                    || callback(rec),
                );
            }
            context::restore(current);
        }
        at = 1 - at;
    }
}

/// The record an unwind uses when the caller passes none.
fn unwind_record(at: u64, caller_pc: u64) -> EXCEPTION_RECORD {
    if at != 0 {
        if let Ok(r) = read_record_at(at) {
            return r;
        }
    }
    EXCEPTION_RECORD {
        ExceptionCode: STATUS_UNWIND.0,
        ExceptionAddress: caller_pc,
        ..Default::default()
    }
}

/// RtlUnwindEx(TargetFrame, TargetIp, ExceptionRecord, ReturnValue,
/// ContextRecord, HistoryTable). Handlers see the caller's record (with
/// the unwinding flags), so it is written back as it changes.
extern "win64" fn unwind_ex_with_context(
    target_frame: u64,
    target_ip: u64,
    record: u64,
    return_value: u64,
    ctx: *mut CONTEXT,
    _context_record: u64,
    history: u64,
) {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let start = unsafe { *ctx };
    let mut rec = unwind_record(record, start.Rip);
    unwind_to(
        target_frame,
        target_ip,
        &mut rec,
        return_value,
        &start,
        history,
    )
}

/// RtlUnwind(TargetFrame, TargetIp, ExceptionRecord, ReturnValue).
extern "win64" fn unwind_with_context(
    target_frame: u64,
    target_ip: u64,
    record: u64,
    return_value: u64,
    ctx: *mut CONTEXT,
) {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let start = unsafe { *ctx };
    let mut rec = unwind_record(record, start.Rip);
    unwind_to(target_frame, target_ip, &mut rec, return_value, &start, 0)
}

context::caller_context_entry! {
    RtlUnwindEx => unwind_ex_with_context,
    RtlUnwind => unwind_with_context,
}

/// RtlUnwindEx for a language handler written in Rust (msvcrt's
/// __C_specific_handler): it runs inside a dispatch or an unwind, so the
/// walk starts where that one stands.
pub fn unwind_from_handler(
    target_frame: u64,
    target_ip: u64,
    rec: &mut EXCEPTION_RECORD,
    return_value: u64,
    history: u64,
) -> ! {
    let mut start = CONTEXT::zeroed();
    // Any address in casement's code: the walk goes straight on with the
    // enclosing one.
    start.Rip = unwind_from_handler as *const () as u64;
    unwind_to(target_frame, target_ip, rec, return_value, &start, history)
}
