//! __C_specific_handler: the language handler of C structured exception
//! handling (`__try` / `__except` / `__finally`), as MSVC and clang emit
//! it. A function's handler data is its scope table: a count, then one
//! entry per guarded range (BeginAddress, EndAddress, HandlerAddress,
//! JumpTarget as image RVAs). JumpTarget 0 marks a `__finally` (Handler is
//! the termination handler); otherwise Handler is the `__except` filter
//! (or 1, EXCEPTION_EXECUTE_HANDLER, for a constant filter) and
//! JumpTarget the `__except` block.

use ntdll::exception::target::unwind_from_handler;
use syscalls::exception::*;
use syscalls::user;

#[derive(Clone, Copy)]
struct Scope {
    begin: u32,
    end: u32,
    handler: u32,
    target: u32,
}

fn scope(table: u64, i: u32) -> Option<Scope> {
    let e = user::read::<[u32; 4]>(table + 4 + 16 * i as u64).ok()?;
    Some(Scope {
        begin: e[0],
        end: e[1],
        handler: e[2],
        target: e[3],
    })
}

/// EXCEPTION_DISPOSITION __C_specific_handler(ExceptionRecord,
/// EstablisherFrame, ContextRecord, DispatcherContext).
pub extern "win64" fn __C_specific_handler(
    rec: *mut EXCEPTION_RECORD,
    frame: u64,
    ctx: *mut CONTEXT,
    dc: *mut DISPATCHER_CONTEXT,
) -> u32 {
    // SAFETY: the dispatcher passes its own live record, context and
    // dispatcher context.
    let (rec, dc) = unsafe { (&mut *rec, &mut *dc) };
    let base = dc.ImageBase;
    let pc = dc.ControlPc.wrapping_sub(base) as u32;
    let table = dc.HandlerData;
    let Ok(count) = user::read::<u32>(table) else {
        return EXCEPTION_CONTINUE_SEARCH_DISPOSITION;
    };
    let unwinding = rec.ExceptionFlags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND) != 0;
    let mut i = dc.ScopeIndex;
    while i < count {
        let Some(s) = scope(table, i) else { break };
        i += 1;
        if pc < s.begin || pc >= s.end {
            continue;
        }
        if !unwinding {
            if s.target == 0 {
                continue;
            }
            let verdict = if s.handler == EXCEPTION_EXECUTE_HANDLER as u32 {
                EXCEPTION_EXECUTE_HANDLER
            } else {
                let mut pointers = EXCEPTION_POINTERS {
                    ExceptionRecord: rec as *mut _ as u64,
                    ContextRecord: ctx as u64,
                };
                // LONG filter(EXCEPTION_POINTERS *, ULONG64 EstablisherFrame)
                // SAFETY: the filter the image's scope table names.
                let filter: extern "win64" fn(*mut EXCEPTION_POINTERS, u64) -> i32 =
                    unsafe { core::mem::transmute(base + s.handler as u64) };
                filter(&mut pointers, frame)
            };
            if verdict < 0 {
                return EXCEPTION_CONTINUE_EXECUTION_DISPOSITION;
            }
            if verdict > 0 {
                // Into the __except block, with the code in eax, once the
                // frames below (and this one's inner __finally blocks) are
                // unwound.
                let code = rec.ExceptionCode as u64;
                unwind_from_handler(frame, base + s.target as u64, rec, code, dc.HistoryTable);
            }
        } else {
            if rec.ExceptionFlags & EXCEPTION_TARGET_UNWIND != 0
                && base + s.target as u64 == dc.TargetIp
            {
                // The __except block being unwound to: stop here.
                break;
            }
            if s.target == 0 {
                // A __finally: run it as an abnormal termination. The next
                // scope is recorded first, for an unwind that collides.
                dc.ScopeIndex = i;
                // void termination(BOOLEAN AbnormalTermination, ULONG64 frame)
                // SAFETY: the termination handler the scope table names.
                let termination: extern "win64" fn(u8, u64) =
                    unsafe { core::mem::transmute(base + s.handler as u64) };
                termination(1, frame);
            }
        }
    }
    EXCEPTION_CONTINUE_SEARCH_DISPOSITION
}
