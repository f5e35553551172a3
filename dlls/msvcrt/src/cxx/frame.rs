//! __CxxFrameHandler3 and __CxxFrameHandler4: the language handlers of
//! functions compiled for MSVC C++ exceptions (by MSVC or clang), for the
//! x64 FuncInfo of magic 0x19930520..0x19930522 (__CxxFrameHandler and
//! __CxxFrameHandler2 are the same handler for those) and for the
//! compressed FuncInfo4 of MSVC 2019's /d2FH4. Both decode their tables
//! into one form (tables.rs) and run the same algorithm on it.
//!
//! A function's code maps to states (its IP-to-state map); each state
//! names the cleanup funclet that destroys one automatic object and the
//! state it leaves (the unwind map). Try blocks cover ranges of states,
//! each with its catch clauses. Catch blocks and cleanups are funclets:
//! separate functions with their own unwind data and this same handler,
//! called with the establisher frame of the function they belong to, whose
//! locals they use.
//!
//! Catching follows Windows: the dispatch phase finds a clause whose type
//! matches, builds the catch object, and unwinds to the frame with a
//! consolidating unwind (STATUS_UNWIND_CONSOLIDATE). Every frame below runs
//! its cleanups (this handler, unwind phase), the target frame unwinds to
//! the state of the try block's parent, and the unwind's callback then
//! calls the catch funclet below all of that — the thrown object, in the
//! thrower's frame, is still intact — and the target frame continues at
//! the address the funclet returns.

use super::data::*;
use super::data4::decode_func_info4;
use super::tables::*;
use super::throw::{cxx_parts, destroy_object, terminate_now, CxxParts};
use super::{current_catch, object_held, pop_catch, push_catch, while_unwinding, ActiveCatch};
use ntdll::exception::target::unwind_from_handler;
use syscalls::exception::*;
use syscalls::{user, STATUS_UNWIND_CONSOLIDATE};

/// The consolidation record of a catch (the unwind that runs the catch
/// block) has Windows' shape: 15 parameters, the callback, the parent's
/// establisher frame, the catch funclet, the target state, the
/// continuation addresses at [5] and [9], the exception record at [6] and
/// EH_MAGIC_NUMBER1 at [8]. Code compiled /EHs with Microsoft's static
/// runtime skips its cleanups for any other unwind than a C++ exception's
/// or one of this shape. The other slots carry what this runtime needs.
const CATCH_PARAMETERS: u32 = 15;
const CR_CALLBACK: usize = 0;
const CR_ROOT: usize = 1;
const CR_FUNCLET: usize = 2;
const CR_TARGET_STATE: usize = 3;
/// The tables' identity (EhTables::id) of the frame that catches.
const CR_TABLES: usize = 4;
const CR_CONTINUATION0: usize = 5;
const CR_RECORD: usize = 6;
/// The establisher frame of the frame that catches (for a catch in a
/// catch funclet, the funclet's own).
const CR_FRAME: usize = 7;
const CR_EH_MAGIC: usize = 8;
const CR_CONTINUATION1: usize = 9;
const CR_RUNTIME_MAGIC: usize = 10;
/// What marks this runtime's records.
const CATCH_RECORD_MAGIC: u64 = 0x4341_5443_4845_5333; // "CATCHES3"

/// Where a frame stands in its function.
struct Position {
    /// The establisher frame of the function (for a funclet, its parent's).
    root: u64,
    state: i32,
    /// When the frame is a catch funclet: its try block (when the tables
    /// give it) and where the funclet starts.
    funclet: Option<(Option<TryBlock>, u64)>,
    /// The frame is a cleanup funclet (a destructor call the runtime makes
    /// while unwinding).
    cleanup: bool,
}

thread_local! {
    /// The frames one of whose catch blocks is running: (frame, FuncInfo,
    /// the state the frame is in meanwhile).
    static CATCHING: std::cell::RefCell<Vec<(u64, u64, i32)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// While a catch block runs, the pc of the frame it belongs to is still
/// where the exception left it, inside the try block; the state the frame
/// is really in is the try block's parent state, recorded here (the
/// UnwindHelp slot plays this part in Microsoft's runtime). It stays
/// recorded when the catch block is left by an exception, until the frame
/// is unwound or continues elsewhere.
fn set_catching(frame: u64, fi: u64, state: i32) {
    CATCHING.with(|l| {
        let mut l = l.borrow_mut();
        l.retain(|e| (e.0, e.1) != (frame, fi));
        l.push((frame, fi, state));
    });
}

fn clear_catching(frame: u64, fi: u64) {
    CATCHING.with(|l| l.borrow_mut().retain(|e| (e.0, e.1) != (frame, fi)));
}

fn catching_state(frame: u64, fi: u64) -> Option<i32> {
    CATCHING.with(|l| {
        l.borrow()
            .iter()
            .rev()
            .find(|e| (e.0, e.1) == (frame, fi))
            .map(|e| e.2)
    })
}

fn position(fi: &EhTables, base: u64, frame: u64, dc: &DISPATCHER_CONTEXT) -> Position {
    let ip_state = catching_state(frame, fi.id)
        .unwrap_or_else(|| fi.state_at(dc.ControlPc.wrapping_sub(base) as u32));
    // A catch funclet starts at its clause's handler address.
    if let Ok(begin) = user::read::<u32>(dc.FunctionEntry) {
        let begin = base + begin as u64;
        for tb in &fi.try_blocks {
            for ht in &tb.handlers {
                if ht.handler == begin {
                    let keeps_root = fi.catch_frame.unwrap_or(ht.frame_offset);
                    let root = user::read::<u64>(frame + keeps_root as u64).unwrap_or(frame);
                    return Position {
                        root,
                        state: ip_state,
                        funclet: Some((Some(tb.clone()), begin)),
                        cleanup: false,
                    };
                }
            }
        }
        if let Some(keeps_root) = fi.catch_frame {
            // FH4 tables of a catch funclet that do not list its clause:
            // its try block is the one whose catch states hold the
            // frame's state (so Microsoft's runtime finds it).
            let root = user::read::<u64>(frame + keeps_root as u64).unwrap_or(frame);
            let tb = fi
                .try_blocks
                .iter()
                .rev()
                .find(|tb| ip_state > tb.try_high && ip_state <= tb.catch_high);
            return Position {
                root,
                state: ip_state,
                funclet: Some((tb.cloned(), begin)),
                cleanup: false,
            };
        }
        if fi
            .unwind
            .iter()
            .any(|e| e.action == UnwindAction::Funclet(begin))
        {
            return Position {
                root: frame,
                state: -1,
                funclet: None,
                cleanup: true,
            };
        }
    }
    Position {
        root: frame,
        state: ip_state,
        funclet: None,
        cleanup: false,
    }
}

thread_local! {
    /// The frames whose cleanups this thread is running, with an address
    /// in the Rust frame making the call.
    static CLEANING: std::cell::RefCell<Vec<(u64, u64)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether an exception being dispatched to `frame` left one of the
/// frame's own cleanups: a dispatch from inside the cleanup reaches the
/// frame whose unwind called it.
fn left_a_cleanup(frame: u64) -> bool {
    let marker = 0u8;
    let here = core::hint::black_box(&marker) as *const u8 as u64;
    CLEANING.with(|l| {
        let mut l = l.borrow_mut();
        // Calls that never returned (their frames are gone) are dropped.
        l.retain(|&(_, owner)| owner > here);
        l.iter().any(|&(f, _)| f == frame)
    })
}

thread_local! {
    /// The catch objects being copied, by an address in the Rust frame
    /// making the call.
    static COPYING: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether an exception being dispatched left the copy constructor of a
/// catch object: its dispatch went on through the dispatch that was
/// copying (the dispatcher marks it nested).
fn left_a_copy(rec: &EXCEPTION_RECORD) -> bool {
    if rec.ExceptionFlags & EXCEPTION_NESTED_CALL == 0 {
        return false;
    }
    let marker = 0u8;
    let here = core::hint::black_box(&marker) as *const u8 as u64;
    COPYING.with(|l| {
        let mut l = l.borrow_mut();
        l.retain(|&owner| owner > here);
        !l.is_empty()
    })
}

/// The state a try block's function is in outside it.
fn parent_state(fi: &EhTables, tb: &TryBlock) -> i32 {
    fi.unwind_entry(tb.try_low)
        .map_or(tb.try_low - 1, |e| e.to_state)
}

/// Destroys the function's automatic objects from state `from` down to
/// state `to`, innermost first: a state's cleanup funclet is called as
/// `void cleanup(void *, void *EstablisherFrame)`, a destructor on its
/// object in (or pointed at from) the frame.
fn local_unwind(fi: &EhTables, frame: u64, root: u64, from: i32, to: i32) {
    let mut state = from;
    let mut steps = 0;
    while state > to && steps <= fi.max_state() {
        let Some(entry) = fi.unwind_entry(state) else {
            break;
        };
        state = entry.to_state;
        steps += 1;
        // A cleanup funclet takes the establisher frame second; a
        // destructor takes its object first (and ignores the second).
        let (code, first) = match entry.action {
            UnwindAction::Nothing => continue,
            UnwindAction::Funclet(action) => (action, 0),
            UnwindAction::Destructor {
                function,
                object,
                indirect,
            } => {
                let at = root.wrapping_add(object as u64);
                match indirect {
                    false => (function, at),
                    true => match user::read::<u64>(at) {
                        Ok(p) => (function, p),
                        Err(_) => continue,
                    },
                }
            }
        };
        // SAFETY: a cleanup funclet or destructor the function's unwind
        // map names.
        let call: extern "win64" fn(u64, u64) = unsafe { core::mem::transmute(code) };
        let marker = 0u8;
        let owner = core::hint::black_box(&marker) as *const u8 as u64;
        CLEANING.with(|l| l.borrow_mut().push((frame, owner)));
        while_unwinding(|| call(first, root));
        CLEANING.with(|l| {
            let mut l = l.borrow_mut();
            if let Some(i) = l.iter().rposition(|e| *e == (frame, owner)) {
                l.truncate(i);
            }
        });
    }
}

/// Copies `len` bytes of guest memory.
fn copy_guest(dst: u64, src: u64, len: u32) {
    if let Ok(bytes) = user::read_bytes(src, len as usize) {
        let _ = user::write_from(dst, &bytes);
    }
}

/// Initializes the catch object at `dst` from the thrown `object`, caught
/// through `ct`: a reference is the adjusted address; a simple type is
/// copied (a pointer then adjusted); a class through its copy
/// constructor, or bitwise when it has none.
pub fn build_catch_object(dst: u64, catch: &HandlerType, ct: &CatchableType, object: u64) {
    let pmd = ct.this_displacement;
    if catch.adjectives & HT_IS_REFERENCE != 0 {
        let _ = user::write(dst, &pmd.adjust(object));
    } else if ct.properties & CT_IS_SIMPLE_TYPE != 0 {
        copy_guest(dst, object, ct.size);
        if ct.size == 8 {
            if let Ok(p) = user::read::<u64>(dst) {
                if p != 0 {
                    let _ = user::write(dst, &pmd.adjust(p));
                }
            }
        }
    } else if ct.copy_function == 0 {
        copy_guest(dst, pmd.adjust(object), ct.size);
    } else if ct.properties & CT_HAS_VIRTUAL_BASE != 0 {
        // The copy constructor of a class with virtual bases takes a flag:
        // 1, construct the virtual bases too (a most-derived object).
        // SAFETY: the copy constructor the CatchableType names.
        let copy: extern "win64" fn(u64, u64, i32) -> u64 =
            unsafe { core::mem::transmute(ct.copy_function) };
        copy(dst, pmd.adjust(object), 1);
    } else {
        // SAFETY: the copy constructor the CatchableType names.
        let copy: extern "win64" fn(u64, u64) -> u64 =
            unsafe { core::mem::transmute(ct.copy_function) };
        copy(dst, pmd.adjust(object));
    }
}

/// The clause `catch` of try block `tb` takes the exception: builds the
/// catch object, then unwinds to `frame` and has the catch block run.
#[allow(clippy::too_many_arguments)]
fn catch_it(
    rec: &mut EXCEPTION_RECORD,
    frame: u64,
    dc: &DISPATCHER_CONTEXT,
    fi: &EhTables,
    pos: &Position,
    tb: &TryBlock,
    catch: &HandlerType,
    conversion: Option<(&CatchableType, &CxxParts)>,
) -> ! {
    if let Some((ct, parts)) = conversion {
        if catch.catch_object != 0 && catch.type_descriptor != 0 {
            let dst = pos.root.wrapping_add(catch.catch_object as i64 as u64);
            // An exception leaving the copy constructor reaches this
            // dispatch again, as a nested one (see `left_a_copy`).
            let marker = 0u8;
            let owner = core::hint::black_box(&marker) as *const u8 as u64;
            COPYING.with(|l| l.borrow_mut().push(owner));
            while_unwinding(|| build_catch_object(dst, catch, ct, parts.object));
            COPYING.with(|l| l.borrow_mut().retain(|&o| o != owner));
        }
    }
    let mut unwind = EXCEPTION_RECORD {
        ExceptionCode: STATUS_UNWIND_CONSOLIDATE.0,
        ExceptionFlags: EXCEPTION_NONCONTINUABLE,
        ExceptionAddress: rec.ExceptionAddress,
        NumberParameters: CATCH_PARAMETERS,
        ..Default::default()
    };
    let info = &mut unwind.ExceptionInformation;
    info[CR_CALLBACK] = call_catch_block as extern "win64" fn(*mut EXCEPTION_RECORD) -> u64 as u64;
    info[CR_ROOT] = pos.root;
    info[CR_FUNCLET] = catch.handler;
    info[CR_TARGET_STATE] = parent_state(fi, tb) as i64 as u64;
    info[CR_TABLES] = fi.id;
    info[CR_CONTINUATION0] = catch.continuations[0];
    info[CR_RECORD] = rec as *mut EXCEPTION_RECORD as u64;
    info[CR_FRAME] = frame;
    info[CR_EH_MAGIC] = EH_MAGIC_NUMBER1;
    info[CR_CONTINUATION1] = catch.continuations[1];
    info[CR_RUNTIME_MAGIC] = CATCH_RECORD_MAGIC;
    // The target IP is the frame's own pc: a walk from inside the catch
    // block goes on in this frame from there.
    unwind_from_handler(frame, dc.ControlPc, &mut unwind, 0, dc.HistoryTable)
}

/// The consolidation callback: runs the catch block, then ends it; returns
/// where the target frame continues.
extern "win64" fn call_catch_block(rec: *mut EXCEPTION_RECORD) -> u64 {
    // SAFETY: the unwind passes the record catch_it made.
    let info = unsafe { (*rec).ExceptionInformation };
    let (root, funclet, target_state, fi_at, frame) = (
        info[CR_ROOT],
        info[CR_FUNCLET],
        info[CR_TARGET_STATE] as i32,
        info[CR_TABLES],
        info[CR_FRAME],
    );
    let record = ntdll::exception::read_record_at(info[CR_RECORD]).unwrap_or_default();
    set_catching(frame, fi_at, target_state);
    push_catch(ActiveCatch {
        record,
        root,
        funclet,
    });
    // A catch funclet: void *catch(void *, void *EstablisherFrame), which
    // returns the address to continue at.
    // SAFETY: the catch funclet the clause names.
    let run: extern "win64" fn(u64, u64) -> u64 = unsafe { core::mem::transmute(funclet) };
    let mut continuation = run(0, root);
    // FH4: a funclet whose clause lists continuation addresses returns
    // the index of the one to take.
    let listed = [info[CR_CONTINUATION0], info[CR_CONTINUATION1]];
    if continuation < 2 && listed[continuation as usize] != 0 {
        continuation = listed[continuation as usize];
    }
    // The frame goes on at the continuation, whose state is its own.
    clear_catching(frame, fi_at);
    if let Some(done) = pop_catch(root, funclet) {
        end_catch(&done, None);
    }
    continuation
}

/// A catch block ended: its exception object is destroyed, unless it is
/// the one in flight (rethrown) or another running catch block holds it.
pub(super) fn end_catch(done: &ActiveCatch, in_flight: Option<u64>) {
    let Some(parts) = cxx_parts(&done.record) else {
        return;
    };
    if in_flight == Some(parts.object) || object_held(parts.object) {
        return;
    }
    destroy_object(&parts);
}

/// The thrown object of the exception an unwind is for, if a C++ one.
fn object_in_flight(rec: &EXCEPTION_RECORD) -> Option<u64> {
    if is_catch_record(rec) {
        let original =
            ntdll::exception::read_record_at(rec.ExceptionInformation[CR_RECORD]).ok()?;
        return cxx_parts(&original).map(|p| p.object);
    }
    cxx_parts(rec).map(|p| p.object)
}

/// ExceptionCode of longjmp's unwind (ntstatus.h).
const STATUS_LONGJUMP: u32 = 0x8000_0026;

/// What a function compiled /EHs handles: C++ exceptions, the unwind that
/// runs a catch block (this runtime's, or any of Windows' shape), and
/// longjmp's unwind.
fn is_cxx_related(rec: &EXCEPTION_RECORD) -> bool {
    rec.ExceptionCode == EH_EXCEPTION_NUMBER
        || rec.ExceptionCode == STATUS_LONGJUMP
        || (rec.ExceptionCode == STATUS_UNWIND_CONSOLIDATE.0
            && rec.NumberParameters == CATCH_PARAMETERS
            && rec.ExceptionInformation[CR_EH_MAGIC] == EH_MAGIC_NUMBER1)
}

fn is_catch_record(rec: &EXCEPTION_RECORD) -> bool {
    rec.ExceptionCode == STATUS_UNWIND_CONSOLIDATE.0
        && rec.NumberParameters == CATCH_PARAMETERS
        && rec.ExceptionInformation[CR_EH_MAGIC] == EH_MAGIC_NUMBER1
        && rec.ExceptionInformation[CR_RUNTIME_MAGIC] == CATCH_RECORD_MAGIC
}

/// The unwind phase: destroy what the frame holds.
fn unwind_frame(rec: &EXCEPTION_RECORD, frame: u64, fi: &EhTables, pos: &Position) {
    let target = rec.ExceptionFlags & EXCEPTION_TARGET_UNWIND != 0;
    let to = if target {
        if !is_catch_record(rec) || rec.ExceptionInformation[CR_FRAME] != frame {
            // Someone else's unwind to this frame (longjmp): it continues
            // there, in the state of that place.
            clear_catching(frame, fi.id);
            return;
        }
        rec.ExceptionInformation[CR_TARGET_STATE] as i64 as i32
    } else if let Some((tb, _)) = &pos.funclet {
        // A catch block left by an exception: only what the catch block
        // made; the function's own objects go with the function's frame.
        // (Without its try block, as far as the catch block's states lead:
        // FH4 tables end them at -1, and Microsoft's runtime unwinds a
        // catch funclet to -1.)
        tb.as_ref().map_or(-1, |tb| parent_state(fi, tb))
    } else {
        -1
    };
    local_unwind(fi, frame, pos.root, pos.state, to);
    if !target {
        clear_catching(frame, fi.id);
    }
    if let (false, Some((_, start))) = (target, &pos.funclet) {
        if let Some(done) = pop_catch(pos.root, *start) {
            while_unwinding(|| end_catch(&done, object_in_flight(rec)));
        }
    }
}

/// The dispatch phase: find a catch clause for the exception.
fn search(
    rec: &mut EXCEPTION_RECORD,
    frame: u64,
    dc: &DISPATCHER_CONTEXT,
    fi: &EhTables,
    pos: &Position,
) -> u32 {
    if is_rethrow(rec) {
        // `throw;`: the exception of the innermost running catch block.
        match current_catch() {
            Some(c) if cxx_parts(&c.record).is_some() => {
                rec.ExceptionInformation[1..4]
                    .copy_from_slice(&c.record.ExceptionInformation[1..4]);
                rec.NumberParameters = rec.NumberParameters.max(4);
            }
            // Nothing is being handled: the rethrow propagates, and no
            // catch clause takes it (Microsoft's runtime does the same).
            _ => return EXCEPTION_CONTINUE_SEARCH_DISPOSITION,
        }
    }
    let parts = cxx_parts(rec);
    if parts.is_none() && fi.flags & EH_FLAG_EHS != 0 {
        // Compiled for C++ exceptions only (/EHs).
        return EXCEPTION_CONTINUE_SEARCH_DISPOSITION;
    }
    let thrown = parts.and_then(|p| ThrowInfo::read(p.throw_info, p.image_base));
    let catchable = match (&parts, &thrown) {
        (Some(p), Some(ti)) => ti.catchable(p.image_base),
        _ => Vec::new(),
    };
    // Try blocks are listed innermost first.
    for tb in &fi.try_blocks {
        if pos.state < tb.try_low || pos.state > tb.try_high {
            continue;
        }
        if let Some((outer, _)) = &pos.funclet {
            // A catch funclet's frame takes only the try blocks written
            // inside that catch block; those around it belong to the
            // function's own frame, further up. (Tables that do not give
            // the funclet's own try block give none inside it.)
            let Some(outer) = outer else {
                continue;
            };
            if tb.try_low <= outer.try_high || tb.try_high > outer.catch_high {
                continue;
            }
        }
        for ht in &tb.handlers {
            match (&parts, &thrown) {
                (Some(p), Some(ti)) => {
                    if let Some(ct) = catchable
                        .iter()
                        .find(|ct| type_matches(ht, ct, ti.attributes))
                    {
                        catch_it(rec, frame, dc, fi, pos, tb, ht, Some((ct, p)));
                    }
                }
                // A structured exception (/EHa): only catch(...) takes it.
                _ if parts.is_none() && ht.type_descriptor == 0 => {
                    catch_it(rec, frame, dc, fi, pos, tb, ht, None)
                }
                _ => {}
            }
        }
    }
    if fi.flags & EH_FLAG_NOEXCEPT != 0 && pos.funclet.is_none() && parts.is_some() {
        // A C++ exception would leave a noexcept function: the program
        // ends ([except.spec]), as Microsoft's runtime does.
        terminate_now();
    }
    EXCEPTION_CONTINUE_SEARCH_DISPOSITION
}

/// A C++ exception raised by `throw;` (no object, no ThrowInfo).
pub fn is_rethrow(rec: &EXCEPTION_RECORD) -> bool {
    rec.ExceptionCode == EH_EXCEPTION_NUMBER
        && rec.NumberParameters >= 3
        && is_eh_magic(rec.ExceptionInformation[0])
        && rec.ExceptionInformation[2] == 0
}

pub fn is_eh_magic(magic: u64) -> bool {
    (FUNC_INFO_MAGIC_FIRST as u64..=FUNC_INFO_MAGIC_LAST as u64).contains(&magic)
        || magic == EH_PURE_MAGIC_NUMBER1
}

/// EXCEPTION_DISPOSITION __CxxFrameHandler3(ExceptionRecord,
/// EstablisherFrame, ContextRecord, DispatcherContext).
pub extern "win64" fn __CxxFrameHandler3(
    rec: *mut EXCEPTION_RECORD,
    frame: u64,
    _ctx: *mut CONTEXT,
    dc: *mut DISPATCHER_CONTEXT,
) -> u32 {
    // SAFETY: the dispatcher passes its own live record and dispatcher
    // context.
    let (rec, dc) = unsafe { (&mut *rec, &*dc) };
    let base = dc.ImageBase;
    let Ok(rva) = user::read::<u32>(dc.HandlerData) else {
        return EXCEPTION_CONTINUE_SEARCH_DISPOSITION;
    };
    let at = base + rva as u64;
    match FuncInfo::read(at, base).and_then(|fi| fi.decode(at, base)) {
        Some(tables) => handle(rec, frame, dc, &tables),
        None => EXCEPTION_CONTINUE_SEARCH_DISPOSITION,
    }
}

/// EXCEPTION_DISPOSITION __CxxFrameHandler4(ExceptionRecord,
/// EstablisherFrame, ContextRecord, DispatcherContext): the same handler
/// for the compressed FuncInfo4 (vcruntime140_1.dll exports it).
pub extern "win64" fn __CxxFrameHandler4(
    rec: *mut EXCEPTION_RECORD,
    frame: u64,
    _ctx: *mut CONTEXT,
    dc: *mut DISPATCHER_CONTEXT,
) -> u32 {
    // SAFETY: the dispatcher passes its own live record and dispatcher
    // context.
    let (rec, dc) = unsafe { (&mut *rec, &*dc) };
    let base = dc.ImageBase;
    let (Ok(rva), Ok(start)) = (
        user::read::<u32>(dc.HandlerData),
        user::read::<u32>(dc.FunctionEntry),
    ) else {
        return EXCEPTION_CONTINUE_SEARCH_DISPOSITION;
    };
    // The tables of a function (or of one of its segments or funclets)
    // are relative to where that piece of code starts.
    match decode_func_info4(base + rva as u64, base, start) {
        Some(tables) => handle(rec, frame, dc, &tables),
        None => EXCEPTION_CONTINUE_SEARCH_DISPOSITION,
    }
}

/// The frame handler's work on a frame whose tables are `fi`.
fn handle(rec: &mut EXCEPTION_RECORD, frame: u64, dc: &DISPATCHER_CONTEXT, fi: &EhTables) -> u32 {
    if fi.flags & EH_FLAG_EHS != 0 && !is_cxx_related(rec) {
        // Compiled /EHs: the function expects C++ exceptions only; a
        // structured exception (a fault, RaiseException) neither stops at
        // its catch(...) nor runs its cleanups on the way past, as in
        // Microsoft's runtime.
        return EXCEPTION_CONTINUE_SEARCH_DISPOSITION;
    }
    let base = dc.ImageBase;
    let pos = position(fi, base, frame, dc);
    log::trace!(
        target: "cxx",
        "{} 0x{:x} flags 0x{:x}: frame 0x{frame:x} pc 0x{:x} state {} root 0x{:x}{}{}",
        if rec.ExceptionFlags & EXCEPTION_UNWINDING != 0 { "unwind" } else { "dispatch" },
        rec.ExceptionCode,
        rec.ExceptionFlags,
        dc.ControlPc,
        pos.state,
        pos.root,
        if pos.funclet.is_some() { ", catch funclet" } else { "" },
        if pos.cleanup { ", cleanup funclet" } else { "" },
    );
    let unwinding = rec.ExceptionFlags & (EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND) != 0;
    if pos.cleanup {
        // An exception leaving a destructor that unwinding called: C++
        // ends the program ([except.terminate]).
        if !unwinding && (cxx_parts(rec).is_some() || is_rethrow(rec)) {
            terminate_now();
        }
        return EXCEPTION_CONTINUE_SEARCH_DISPOSITION;
    }
    if !unwinding
        && (cxx_parts(rec).is_some() || is_rethrow(rec))
        && (left_a_cleanup(frame) || left_a_copy(rec))
    {
        // Thrown by a destructor that unwinding called, or by the copy
        // constructor of a catch object, out of it ([except.terminate]).
        terminate_now();
    }
    if unwinding {
        if !fi.unwind.is_empty() {
            unwind_frame(rec, frame, fi, &pos);
        }
        return EXCEPTION_CONTINUE_SEARCH_DISPOSITION;
    }
    if fi.try_blocks.is_empty() && fi.flags & EH_FLAG_NOEXCEPT == 0 {
        return EXCEPTION_CONTINUE_SEARCH_DISPOSITION;
    }
    search(rec, frame, dc, fi, &pos)
}
