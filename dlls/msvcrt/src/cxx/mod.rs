//! MSVC C++ exceptions: `throw` is _CxxThrowException, which raises
//! 0xE06D7363 with the thrown object and its ThrowInfo; each function with
//! try blocks or objects to destroy names __CxxFrameHandler3 as its
//! language handler, with a FuncInfo as handler data (data.rs), or, from
//! MSVC 2019 on, __CxxFrameHandler4 with a compressed FuncInfo4 (data4.rs,
//! exported by vcruntime140_1.dll); both decode to one form (tables.rs)
//! that one algorithm works on (frame.rs). Also the runtime support such
//! code links against (type_info, terminate, __uncaught_exception), RTTI
//! (rtti.rs) and the exception classes it throws (std_exception.rs).
//!
//! Per thread, the runtime keeps the exceptions whose catch blocks are
//! running (innermost last): `throw;` rethrows the innermost, and an
//! exception object is destroyed when the last catch block holding it
//! ends other than by rethrowing it.

pub mod data;
pub mod data4;
pub mod frame;
pub mod rtti;
pub mod std_exception;
pub mod tables;
pub mod throw;
pub mod type_info;
pub mod undname;

use std::cell::{Cell, RefCell};
use syscalls::exception::EXCEPTION_RECORD;

/// A catch block that is running.
#[derive(Clone, Copy)]
pub struct ActiveCatch {
    /// The exception being handled: the dispatch's record (for a C++
    /// exception, ExceptionInformation holds the object, ThrowInfo and
    /// image base).
    pub record: EXCEPTION_RECORD,
    /// The establisher frame of the function the catch belongs to.
    pub root: u64,
    /// The catch funclet.
    pub funclet: u64,
}

impl ActiveCatch {
    /// The thrown object, when the exception is a C++ one.
    pub fn object(&self) -> Option<u64> {
        throw::cxx_parts(&self.record).map(|p| p.object)
    }
}

thread_local! {
    static CATCHES: RefCell<Vec<ActiveCatch>> = const { RefCell::new(Vec::new()) };
    /// How many calls the runtime is making for exceptions in flight:
    /// destructors run by unwinding and catch objects being copied, when
    /// __uncaught_exception is true (as in Microsoft's runtime).
    static UNCAUGHT: Cell<u32> = const { Cell::new(0) };
}

pub fn push_catch(c: ActiveCatch) {
    CATCHES.with(|l| l.borrow_mut().push(c));
}

/// Removes the innermost catch of `funclet` for the frame `root`.
pub fn pop_catch(root: u64, funclet: u64) -> Option<ActiveCatch> {
    CATCHES.with(|l| {
        let mut l = l.borrow_mut();
        let i = l
            .iter()
            .rposition(|c| c.root == root && c.funclet == funclet)?;
        Some(l.remove(i))
    })
}

/// The exception of the innermost running catch block.
pub fn current_catch() -> Option<ActiveCatch> {
    CATCHES.with(|l| l.borrow().last().copied())
}

/// Whether a running catch block still holds the object at `object`.
pub fn object_held(object: u64) -> bool {
    CATCHES.with(|l| l.borrow().iter().any(|c| c.object() == Some(object)))
}

/// Runs `f` (a call into the program on behalf of an exception in
/// flight) with __uncaught_exception true.
pub fn while_unwinding<T>(f: impl FnOnce() -> T) -> T {
    UNCAUGHT.with(|u| u.set(u.get().saturating_add(1)));
    let r = f();
    UNCAUGHT.with(|u| u.set(u.get().saturating_sub(1)));
    r
}

pub fn uncaught_count() -> u32 {
    UNCAUGHT.with(|u| u.get())
}
