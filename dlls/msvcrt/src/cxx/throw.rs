//! Throwing: _CxxThrowException, and the runtime's exception queries and
//! terminate handling.

use super::data::*;
use super::frame::{build_catch_object, end_catch, is_eh_magic, is_rethrow};
use super::{current_catch, pop_catch, push_catch, uncaught_count, ActiveCatch};
use std::cell::Cell;
use syscalls::exception::*;
use syscalls::user;

/// What a C++ exception record carries.
#[derive(Clone, Copy, Debug)]
pub struct CxxParts {
    pub object: u64,
    pub throw_info: u64,
    pub image_base: u64,
}

/// The object, ThrowInfo and image base of a C++ exception; None for
/// any other exception, and for a rethrow not yet resolved.
pub fn cxx_parts(rec: &EXCEPTION_RECORD) -> Option<CxxParts> {
    if rec.ExceptionCode != EH_EXCEPTION_NUMBER
        || rec.NumberParameters < 3
        || !is_eh_magic(rec.ExceptionInformation[0])
        || rec.ExceptionInformation[2] == 0
    {
        return None;
    }
    Some(CxxParts {
        object: rec.ExceptionInformation[1],
        throw_info: rec.ExceptionInformation[2],
        image_base: if rec.NumberParameters >= 4 {
            rec.ExceptionInformation[3]
        } else {
            0
        },
    })
}

/// Runs the thrown object's destructor (ThrowInfo's pmfnUnwind), if any.
pub fn destroy_object(parts: &CxxParts) {
    let Some(ti) = ThrowInfo::read(parts.throw_info, parts.image_base) else {
        return;
    };
    if ti.destructor != 0 && parts.object != 0 {
        // SAFETY: the destructor the thrower's ThrowInfo names, on its object.
        let dtor: extern "win64" fn(u64) = unsafe { core::mem::transmute(ti.destructor) };
        dtor(parts.object);
    }
}

/// _CxxThrowException's body: raises the C++ exception from the caller's
/// state. `throw;` (no object, no ThrowInfo) rethrows the exception of the
/// innermost running catch block (the frame handler resolves it).
extern "win64" fn throw_with_context(
    object: u64,
    throw_info: u64,
    _: u64,
    _: u64,
    ctx: *mut CONTEXT,
) {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let ctx = unsafe { &mut *ctx };
    if throw_info == 0 {
        match current_catch() {
            // Nothing to rethrow: like Microsoft's runtime, the exception
            // goes out as it is (no object, no ThrowInfo), which no catch
            // clause takes.
            None => {}
            Some(c) if cxx_parts(&c.record).is_none() => {
                // A structured exception caught by catch(...) goes on as
                // itself.
                let mut rec = c.record;
                rec.ExceptionAddress = ctx.Rip;
                ntdll::exception::raise(&mut rec, ctx)
            }
            Some(_) => {}
        }
    }
    let image_base = if throw_info == 0 {
        0
    } else {
        loader::images::image_bounds(throw_info).map_or(0, |(base, _)| base)
    };
    raise_cxx(object, throw_info, image_base, ctx)
}

/// Raises the C++ exception a `throw` makes, from the program's state
/// `ctx`: the object and its ThrowInfo, whose RVAs are relative to
/// `image_base`.
pub fn raise_cxx(object: u64, throw_info: u64, image_base: u64, ctx: &mut CONTEXT) -> ! {
    let pure = throw_info != 0
        && user::read::<u32>(throw_info).is_ok_and(|attributes| attributes & TI_IS_PURE != 0);
    let mut rec = EXCEPTION_RECORD {
        ExceptionCode: EH_EXCEPTION_NUMBER,
        ExceptionFlags: EXCEPTION_NONCONTINUABLE,
        ExceptionAddress: ctx.Rip,
        NumberParameters: 4,
        ..Default::default()
    };
    rec.ExceptionInformation[0] = if pure {
        EH_PURE_MAGIC_NUMBER1
    } else {
        EH_MAGIC_NUMBER1
    };
    rec.ExceptionInformation[1] = object;
    rec.ExceptionInformation[2] = throw_info;
    rec.ExceptionInformation[3] = image_base;
    ntdll::exception::raise(&mut rec, ctx)
}

ntdll::exception::context::caller_context_entry! {
    _CxxThrowException => throw_with_context,
}

thread_local! {
    /// The terminate handler (set_terminate); per thread, as msvcrt keeps it.
    static TERMINATE_HANDLER: Cell<u64> = const { Cell::new(0) };
}

/// std::terminate: the terminate handler, then abort().
pub fn terminate_now() -> ! {
    let handler = TERMINATE_HANDLER.with(|h| h.get());
    if handler != 0 {
        // SAFETY: the handler the program installed with set_terminate.
        let f: extern "win64" fn() = unsafe { core::mem::transmute(handler) };
        f();
    }
    crate::startup::abort()
}

/// `void terminate()`.
pub extern "win64" fn terminate() {
    terminate_now()
}

/// `terminate_function set_terminate(terminate_function)`: installs a
/// handler (0 for none), returns the previous one.
pub extern "win64" fn set_terminate(handler: u64) -> u64 {
    TERMINATE_HANDLER.with(|h| h.replace(handler))
}

/// `terminate_function _get_terminate(void)`.
pub extern "win64" fn _get_terminate() -> u64 {
    TERMINATE_HANDLER.with(|h| h.get())
}

thread_local! {
    /// The unexpected handler (set_unexpected); per thread, like terminate's.
    static UNEXPECTED_HANDLER: Cell<u64> = const { Cell::new(0) };
}

/// `void unexpected()`: the unexpected handler, then terminate().
pub extern "win64" fn unexpected() {
    let handler = UNEXPECTED_HANDLER.with(|h| h.get());
    if handler != 0 {
        // SAFETY: the handler the program installed with set_unexpected.
        let f: extern "win64" fn() = unsafe { core::mem::transmute(handler) };
        f();
    }
    terminate_now()
}

/// `unexpected_function set_unexpected(unexpected_function)`: installs a
/// handler (0 for none), returns the previous one.
pub extern "win64" fn set_unexpected(handler: u64) -> u64 {
    UNEXPECTED_HANDLER.with(|h| h.replace(handler))
}

/// `unexpected_function _get_unexpected(void)`.
pub extern "win64" fn _get_unexpected() -> u64 {
    UNEXPECTED_HANDLER.with(|h| h.get())
}

/// `bool __uncaught_exception(void)`: whether the caller runs for an
/// exception that has not reached its catch block (a destructor called by
/// unwinding, a catch object's copy constructor).
pub extern "win64" fn __uncaught_exception() -> u32 {
    (uncaught_count() > 0) as u32
}

/// `int __CxxDetectRethrow(EXCEPTION_POINTERS *)`: whether the exception
/// is a C++ rethrow (`throw;`).
pub extern "win64" fn __CxxDetectRethrow(pointers: u64) -> i32 {
    let Ok(record) = user::read::<u64>(pointers) else {
        return 0;
    };
    match ntdll::exception::read_record_at(record) {
        Ok(rec) => is_rethrow(&rec) as i32,
        Err(_) => 0,
    }
}

/// `int __CxxExceptionFilter(EXCEPTION_POINTERS *, TypeDescriptor *type,
/// int adjectives, void *catch_object)`: the filter of a catch clause
/// written as an SEH filter. EXCEPTION_EXECUTE_HANDLER when the C++
/// exception (a rethrow: the one being handled) is of that type (no type:
/// catch(...)), after building the catch object when asked; otherwise
/// EXCEPTION_CONTINUE_SEARCH.
pub extern "win64" fn __CxxExceptionFilter(
    pointers: u64,
    type_descriptor: u64,
    adjectives: i32,
    catch_object: u64,
) -> i32 {
    let Ok(record) = user::read::<u64>(pointers) else {
        return EXCEPTION_CONTINUE_SEARCH;
    };
    let Ok(mut rec) = ntdll::exception::read_record_at(record) else {
        return EXCEPTION_CONTINUE_SEARCH;
    };
    if is_rethrow(&rec) {
        match current_catch() {
            Some(c) => rec = c.record,
            None => return EXCEPTION_CONTINUE_SEARCH,
        }
    }
    let Some(parts) = cxx_parts(&rec) else {
        return EXCEPTION_CONTINUE_SEARCH;
    };
    if type_descriptor == 0 {
        return EXCEPTION_EXECUTE_HANDLER;
    }
    let Some(ti) = ThrowInfo::read(parts.throw_info, parts.image_base) else {
        return EXCEPTION_CONTINUE_SEARCH;
    };
    let clause = HandlerType {
        adjectives: adjectives as u32,
        type_descriptor,
        catch_object: 0,
        ..Default::default()
    };
    for ct in ti.catchable(parts.image_base) {
        if type_matches(&clause, &ct, ti.attributes) {
            if catch_object != 0 {
                build_catch_object(catch_object, &clause, &ct, parts.object);
            }
            return EXCEPTION_EXECUTE_HANDLER;
        }
    }
    EXCEPTION_CONTINUE_SEARCH
}

/// What __CxxRegisterExceptionObject keeps in the caller's storage: a
/// marker and the registered record's address.
const REGISTRATION_MAGIC: u64 = 0x5245_4745_5843_5054; // "REGEXCPT"
const REGISTRATION_SIZE: u32 = 16;

/// `int __CxxQueryExceptionSize(void)`: how much storage the caller gives
/// __CxxRegisterExceptionObject.
pub extern "win64" fn __CxxQueryExceptionSize() -> u32 {
    REGISTRATION_SIZE
}

/// `int __CxxRegisterExceptionObject(EXCEPTION_POINTERS *, void *storage)`:
/// makes the exception the one being handled, as a catch block does, for
/// code that handles it outside one (exception_ptr, C++/CLI): `throw;`
/// rethrows it until it is unregistered. FALSE when there is no record.
pub extern "win64" fn __CxxRegisterExceptionObject(pointers: u64, storage: u64) -> i32 {
    let Ok(record) = user::read::<u64>(pointers) else {
        return 0;
    };
    let Ok(rec) = ntdll::exception::read_record_at(record) else {
        return 0;
    };
    if user::write(storage, &[REGISTRATION_MAGIC, record]).is_err() {
        return 0;
    }
    push_catch(ActiveCatch {
        record: rec,
        root: storage,
        funclet: 0,
    });
    1
}

/// `void __CxxUnregisterExceptionObject(void *storage, int rethrow)`: ends
/// a registration; unless the exception is being rethrown, its object is
/// destroyed when nothing else holds it.
pub extern "win64" fn __CxxUnregisterExceptionObject(storage: u64, rethrow: i32) {
    match user::read::<[u64; 2]>(storage) {
        Ok([REGISTRATION_MAGIC, _]) => {}
        _ => return,
    }
    let _ = user::write(storage, &[0u64, 0u64]);
    if let Some(done) = pop_catch(storage, 0) {
        if rethrow == 0 {
            end_catch(&done, None);
        }
    }
}
