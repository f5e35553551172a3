//! Vectored exception and continue handlers: process-wide lists called
//! before any frame-based handler (exception handlers) and whenever
//! dispatch decides to continue execution (continue handlers).

use std::sync::Mutex;
use syscalls::exception::*;

struct Handler {
    /// The handle given back to the program (a unique heap address).
    handle: u64,
    routine: u64,
}

static EXCEPTION_HANDLERS: Mutex<Vec<Handler>> = Mutex::new(Vec::new());
static CONTINUE_HANDLERS: Mutex<Vec<Handler>> = Mutex::new(Vec::new());

fn add(list: &Mutex<Vec<Handler>>, first: u32, routine: u64) -> u64 {
    if routine == 0 {
        return 0;
    }
    let handle = Box::into_raw(Box::new(routine)) as u64;
    let mut l = list.lock().unwrap_or_else(|e| e.into_inner());
    let h = Handler { handle, routine };
    if first != 0 {
        l.insert(0, h);
    } else {
        l.push(h);
    }
    handle
}

fn remove(list: &Mutex<Vec<Handler>>, handle: u64) -> u32 {
    let mut l = list.lock().unwrap_or_else(|e| e.into_inner());
    match l.iter().position(|h| h.handle == handle) {
        Some(i) => {
            l.remove(i);
            // SAFETY: the handle came from Box::into_raw in `add` and is
            // freed once, here.
            drop(unsafe { Box::from_raw(handle as *mut u64) });
            1
        }
        None => 0,
    }
}

/// Calls the handlers of a list in order until one answers
/// EXCEPTION_CONTINUE_EXECUTION; true if one did. The list is copied
/// first: a handler may add or remove handlers.
fn call(list: &Mutex<Vec<Handler>>, rec: &mut EXCEPTION_RECORD, ctx: &mut CONTEXT) -> bool {
    let routines: Vec<u64> = list
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|h| h.routine)
        .collect();
    let mut pointers = EXCEPTION_POINTERS {
        ExceptionRecord: rec as *mut _ as u64,
        ContextRecord: ctx as *mut _ as u64,
    };
    for r in routines {
        // PVECTORED_EXCEPTION_HANDLER: LONG (EXCEPTION_POINTERS *).
        // SAFETY: a handler the program registered.
        let f: extern "win64" fn(*mut EXCEPTION_POINTERS) -> i32 =
            unsafe { core::mem::transmute(r) };
        if f(&mut pointers) == EXCEPTION_CONTINUE_EXECUTION {
            return true;
        }
    }
    false
}

/// Runs the vectored exception handlers; true if one continues execution.
pub fn call_exception_handlers(rec: &mut EXCEPTION_RECORD, ctx: &mut CONTEXT) -> bool {
    call(&EXCEPTION_HANDLERS, rec, ctx)
}

/// Runs the vectored continue handlers before execution continues.
pub fn call_continue_handlers(rec: &mut EXCEPTION_RECORD, ctx: &mut CONTEXT) {
    call(&CONTINUE_HANDLERS, rec, ctx);
}

/// RtlAddVectoredExceptionHandler(First, Handler) -> handle.
pub extern "win64" fn RtlAddVectoredExceptionHandler(first: u32, routine: u64) -> u64 {
    add(&EXCEPTION_HANDLERS, first, routine)
}

/// RtlRemoveVectoredExceptionHandler(Handle) -> nonzero if removed.
pub extern "win64" fn RtlRemoveVectoredExceptionHandler(handle: u64) -> u32 {
    remove(&EXCEPTION_HANDLERS, handle)
}

/// RtlAddVectoredContinueHandler(First, Handler) -> handle.
pub extern "win64" fn RtlAddVectoredContinueHandler(first: u32, routine: u64) -> u64 {
    add(&CONTINUE_HANDLERS, first, routine)
}

/// RtlRemoveVectoredContinueHandler(Handle) -> nonzero if removed.
pub extern "win64" fn RtlRemoveVectoredContinueHandler(handle: u64) -> u32 {
    remove(&CONTINUE_HANDLERS, handle)
}
