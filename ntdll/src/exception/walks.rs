//! The dispatches and unwinds under way on this thread, innermost last.
//! While one calls a handler, a walk started inside that handler (a nested
//! exception, a target unwind, a collided unwind) reaches casement's own
//! frames and goes on from where the enclosing walk stood.
//!
//! A walk that never returns (a handler that unwinds or jumps elsewhere)
//! leaves its record behind; records are kept with the host stack address
//! of the walk's frame, and any record below the current stack pointer
//! belongs to a frame that no longer exists and is dropped.

use std::cell::RefCell;
use syscalls::exception::CONTEXT;

#[derive(Clone, Copy)]
pub struct Walk {
    /// Stack address inside the frame of the walk's own function.
    pub owner_sp: u64,
    /// Where a walk reaching this one continues: for a dispatch, the state
    /// at the exception; for an unwind, the state at the frame whose
    /// handler is running.
    pub resume: CONTEXT,
    /// The establisher frame whose handler is running.
    pub frame: u64,
    /// A dispatch (search for a handler) rather than an unwind.
    pub dispatch: bool,
    /// The callback of a consolidating unwind (STATUS_UNWIND_CONSOLIDATE):
    /// the frames between it and its target are already unwound, so a walk
    /// that reaches it goes on in the target frame, and the walks whose
    /// frames lie below that frame's stack pointer (the dispatch that led
    /// to the unwind) are over.
    pub consolidate: bool,
}

thread_local! {
    static WALKS: RefCell<Vec<Walk>> = const { RefCell::new(Vec::new()) };
}

/// An address in the caller's frame.
#[inline(never)]
pub fn stack_marker() -> u64 {
    let marker = 0u8;
    core::hint::black_box(&marker) as *const u8 as u64
}

/// Runs `f` (a handler call) with `w` recorded as under way.
pub fn during<T>(w: Walk, f: impl FnOnce() -> T) -> T {
    let sp = w.owner_sp;
    WALKS.with(|l| {
        let mut l = l.borrow_mut();
        l.retain(|x| x.owner_sp > sp);
        l.push(w);
    });
    let r = f();
    WALKS.with(|l| {
        let mut l = l.borrow_mut();
        if let Some(i) = l.iter().rposition(|x| x.owner_sp == sp) {
            l.truncate(i);
        }
    });
    r
}

/// The enclosing walks of a walk whose frame is at `sp`, innermost first.
///
/// The list is kept ordered by decreasing `owner_sp` (each new record
/// drops every record at or below its own frame), so the enclosing walks
/// are a prefix of it, and stay in place while the walk goes on: walks
/// started meanwhile only ever add and remove records after that prefix.
/// Nothing is copied but the record handed out (an exception must not
/// allocate: glibc's heap trimming made every C++ throw fault in fresh
/// pages).
pub struct Enclosing {
    /// Records of the prefix not yet handed out.
    left: usize,
}

/// How many records, from the start, belong to frames above `sp`.
fn prefix_above(l: &[Walk], sp: u64) -> usize {
    l.iter().take_while(|x| x.owner_sp > sp).count()
}

impl Enclosing {
    pub fn new(sp: u64) -> Enclosing {
        let left = WALKS.with(|l| {
            let mut l = l.borrow_mut();
            let n = prefix_above(&l, sp);
            l.truncate(n);
            n
        });
        Enclosing { left }
    }
}

impl Iterator for Enclosing {
    type Item = Walk;
    fn next(&mut self) -> Option<Walk> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let w = WALKS.with(|l| l.borrow().get(self.left).copied())?;
        if w.consolidate {
            let sp = w.resume.rsp();
            let n = WALKS.with(|l| prefix_above(&l.borrow()[..self.left], sp));
            self.left = n;
        }
        Some(w)
    }
}
