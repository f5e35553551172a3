//! Thread-pool waits: TpAllocWait, TpSetWait, TpWaitForWait, TpReleaseWait
//! (CreateThreadpoolWait and its family), and the registered waits of
//! RtlRegisterWait/RtlDeregisterWait(Ex) (RegisterWaitForSingleObject).
//!
//! Wait threads (Windows threads) each block in NtWaitForMultipleObjects
//! (WaitAny) on their control event and up to 63 armed waits, with the
//! nearest timeout; a wait that is satisfied or times out has its callback
//! queued on the pool's workers. Each armed wait holds a duplicate of the
//! guest's handle, closed by its wait thread (never while it waits on it).

use super::timer::{due_instant, read_due};
use crate::threadpool::{
    alloc_checks, callback, lock, post_task, start_thread_with, CallbackInstance, Outstanding,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use syscalls::nt::NT_CURRENT_PROCESS;
use syscalls::{
    args, nr, syscall, NtStatus, STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER_1,
    STATUS_INVALID_PARAMETER_3, STATUS_PENDING, STATUS_SUCCESS, STATUS_TIMEOUT,
};

/// PTP_WAIT_CALLBACK(Instance, Context, Wait, WaitResult).
type WaitCallback = extern "win64" fn(*mut CallbackInstance, u64, u64, u32);
/// WAITORTIMERCALLBACK(Context, TimerOrWaitFired).
type LegacyCallback = extern "win64" fn(u64, u8);

const WAIT_OBJECT_0: u32 = 0;
const WAIT_TIMEOUT: u32 = 258;
/// MAXIMUM_WAIT_OBJECTS less the control event.
const WAITS_PER_THREAD: usize = 63;
const EVENT_ALL_ACCESS: u64 = 0x1F_0003;
const SYNCHRONIZATION_EVENT: u64 = 1;
const DUPLICATE_SAME_ACCESS: u64 = 2;
const WAIT_ANY: u64 = 1;
const STATUS_ABANDONED_WAIT_0: u32 = 0x80;
/// WT_EXECUTEONLYONCE.
pub const WT_EXECUTEONLYONCE: u32 = 0x8;
const INFINITE: u32 = u32::MAX;

enum Kind {
    Tp(WaitCallback),
    /// A registered wait: re-armed after each callback unless `once`.
    Legacy {
        callback: LegacyCallback,
        once: bool,
    },
}

/// A TP_WAIT or a registered wait: the guest's PTP_WAIT (or wait handle)
/// is `Arc::into_raw` of it.
pub struct Wait {
    kind: Kind,
    context: u64,
    calls: Outstanding,
}

/// An armed wait.
struct Entry {
    wait: Arc<Wait>,
    /// Our duplicate of the guest's handle.
    handle: u64,
    /// For re-arming a registered wait.
    timeout: Option<Duration>,
    deadline: Option<Instant>,
    /// Tells this arming from a later one of the same wait.
    serial: u64,
}

/// One wait thread's share.
struct Slot {
    /// Auto-reset: wakes the thread to look at `entries` again.
    event: u64,
    entries: Vec<Entry>,
    /// Handle duplicates of disarmed waits, for the thread to close.
    closing: Vec<u64>,
}

struct Registry {
    slots: Vec<Slot>,
    serial: u64,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    slots: Vec::new(),
    serial: 0,
});

fn wait_arc(wait: u64) -> Arc<Wait> {
    let w = wait as *const Wait;
    // SAFETY: the guest's reference stays; this takes another.
    unsafe {
        Arc::increment_strong_count(w);
        Arc::from_raw(w)
    }
}

fn wait_ref<'a>(wait: u64) -> &'a Wait {
    // SAFETY: a PTP_WAIT (or registered wait handle) the caller has not
    // released.
    unsafe { &*(wait as *const Wait) }
}

fn new_wait(kind: Kind, context: u64) -> u64 {
    Arc::into_raw(Arc::new(Wait {
        kind,
        context,
        calls: Outstanding::default(),
    })) as u64
}

/// Takes the wait out of its wait thread's list; true when it was armed.
fn disarm(r: &mut Registry, wait: u64) -> bool {
    for slot in r.slots.iter_mut() {
        if let Some(i) = slot
            .entries
            .iter()
            .position(|e| Arc::as_ptr(&e.wait) as u64 == wait)
        {
            let e = slot.entries.swap_remove(i);
            slot.closing.push(e.handle);
            syscall(nr::NtSetEvent, &args([slot.event, 0]));
            return true;
        }
    }
    false
}

/// Creates a wait thread with its control event; its index.
fn new_slot(r: &mut Registry) -> Result<usize, NtStatus> {
    let mut event = 0u64;
    let st = syscall(
        nr::NtCreateEvent,
        &args([
            &mut event as *mut u64 as u64,
            EVENT_ALL_ACCESS,
            0,
            SYNCHRONIZATION_EVENT,
            0,
        ]),
    );
    if !st.is_success() {
        return Err(st);
    }
    let index = r.slots.len();
    r.slots.push(Slot {
        event,
        entries: Vec::new(),
        closing: Vec::new(),
    });
    if let Err(st) = start_thread_with(wait_thread, index as u64) {
        r.slots.pop();
        syscall(nr::NtClose, &args([event]));
        return Err(st);
    }
    Ok(index)
}

/// Arms (`handle` not 0) or disarms the wait. Returns whether it was armed
/// before, or the failure.
fn set_wait(
    wait: u64,
    handle: u64,
    deadline: Option<Instant>,
    timeout: Option<Duration>,
) -> Result<bool, NtStatus> {
    let mut r = lock(&REGISTRY);
    let was_armed = disarm(&mut r, wait);
    if handle == 0 {
        return Ok(was_armed);
    }
    let mut dup = 0u64;
    let st = syscall(
        nr::NtDuplicateObject,
        &args([
            NT_CURRENT_PROCESS,
            handle,
            NT_CURRENT_PROCESS,
            &mut dup as *mut u64 as u64,
            0,
            0,
            DUPLICATE_SAME_ACCESS,
        ]),
    );
    if !st.is_success() {
        return Err(st);
    }
    let index = match r
        .slots
        .iter()
        .position(|s| s.entries.len() < WAITS_PER_THREAD)
    {
        Some(i) => i,
        None => match new_slot(&mut r) {
            Ok(i) => i,
            Err(st) => {
                syscall(nr::NtClose, &args([dup]));
                return Err(st);
            }
        },
    };
    r.serial += 1;
    let serial = r.serial;
    let slot = &mut r.slots[index];
    slot.entries.push(Entry {
        wait: wait_arc(wait),
        handle: dup,
        timeout,
        deadline,
        serial,
    });
    syscall(nr::NtSetEvent, &args([slot.event, 0]));
    Ok(was_armed)
}

/// A wait thread's start routine (`parameter` is its slot): waits on its
/// armed waits and queues their callbacks.
extern "win64" fn wait_thread(parameter: u64) -> u32 {
    let index = parameter as usize;
    loop {
        let (handles, serials, deadline) = {
            let mut r = lock(&REGISTRY);
            let slot = &mut r.slots[index];
            for h in slot.closing.drain(..) {
                syscall(nr::NtClose, &args([h]));
            }
            let mut handles = vec![slot.event];
            handles.extend(slot.entries.iter().map(|e| e.handle));
            let serials: Vec<u64> = slot.entries.iter().map(|e| e.serial).collect();
            let deadline = slot.entries.iter().filter_map(|e| e.deadline).min();
            (handles, serials, deadline)
        };
        // A relative NT timeout, in 100 ns units, rounded up.
        let mut timeout: i64 = deadline.map_or(0, |d| {
            let left = d.saturating_duration_since(Instant::now());
            -(left.as_nanos().div_ceil(100).min(i64::MAX as u128) as i64)
        });
        let st = syscall(
            nr::NtWaitForMultipleObjects,
            &args([
                handles.len() as u64,
                handles.as_ptr() as u64,
                WAIT_ANY,
                0,
                if deadline.is_some() {
                    &mut timeout as *mut i64 as u64
                } else {
                    0
                },
            ]),
        );
        let mut fired = Vec::new();
        let mut r = lock(&REGISTRY);
        let slot = &mut r.slots[index];
        let signalled = match st.0 {
            n @ 1..=63 => Some(n as usize),
            n if (STATUS_ABANDONED_WAIT_0 + 1..STATUS_ABANDONED_WAIT_0 + 64).contains(&n) => {
                Some((n - STATUS_ABANDONED_WAIT_0) as usize)
            }
            _ => None,
        };
        if let Some(serial) = signalled.and_then(|i| serials.get(i - 1)) {
            if let Some(i) = slot.entries.iter().position(|e| e.serial == *serial) {
                fire(slot, i, WAIT_OBJECT_0, &mut fired);
            }
        } else if !st.is_success() && st != STATUS_TIMEOUT {
            // A handle went bad under us (it is our own duplicate, so this
            // should not happen): drop the waits whose handle fails alone.
            log::warn!("thread pool: wait thread: {st:?}");
            let mut i = 0;
            while i < slot.entries.len() {
                let mut zero = 0i64;
                let st = syscall(
                    nr::NtWaitForSingleObject,
                    &args([slot.entries[i].handle, 0, &mut zero as *mut i64 as u64]),
                );
                if st.is_success() || st == STATUS_TIMEOUT {
                    i += 1;
                } else {
                    let e = slot.entries.swap_remove(i);
                    slot.closing.push(e.handle);
                }
            }
        }
        let now = Instant::now();
        let mut i = 0;
        while i < slot.entries.len() {
            if slot.entries[i].deadline.is_some_and(|d| d <= now) {
                // fire() removes the entry or re-arms it in place.
                let before = slot.entries.len();
                fire(slot, i, WAIT_TIMEOUT, &mut fired);
                if slot.entries.len() < before {
                    continue;
                }
            }
            i += 1;
        }
        drop(r);
        for (wait, result) in fired {
            post_task(Box::new(move |instance| run(&wait, result, instance)));
        }
    }
}

/// Queues the callback of `slot.entries[i]` with `result`, then disarms
/// the wait or, for a registered wait without WT_EXECUTEONLYONCE, re-arms
/// it.
fn fire(slot: &mut Slot, i: usize, result: u32, fired: &mut Vec<(Arc<Wait>, u32)>) {
    let e = &mut slot.entries[i];
    e.wait.calls.queue();
    fired.push((e.wait.clone(), result));
    if let Kind::Legacy { once: false, .. } = e.wait.kind {
        e.deadline = e.timeout.map(|t| Instant::now() + t);
    } else {
        let e = slot.entries.swap_remove(i);
        slot.closing.push(e.handle);
    }
}

fn run(wait: &Arc<Wait>, result: u32, instance: &mut CallbackInstance) {
    if !wait.calls.start() {
        // Cancelled by TpWaitForWait.
        return;
    }
    match wait.kind {
        Kind::Tp(callback) => {
            callback(instance, wait.context, Arc::as_ptr(wait) as u64, result);
            instance.complete();
        }
        Kind::Legacy { callback, .. } => callback(wait.context, (result == WAIT_TIMEOUT) as u8),
    }
    wait.calls.finish();
}

/// Implements TpAllocWait(Wait, Callback, Context, CallbackEnviron).
pub extern "win64" fn TpAllocWait(
    out: *mut u64,
    function: u64,
    context: u64,
    _environ: u64,
) -> NtStatus {
    let callback = match alloc_checks(out, function) {
        Ok(c) => c,
        Err(st) => return st,
    };
    // SAFETY: the caller's PTP_WAIT output.
    unsafe { *out = new_wait(Kind::Tp(callback), context) };
    STATUS_SUCCESS
}

/// Arms the wait on `handle` until `timeout` (NULL: no timeout), or
/// disarms it when `handle` is NULL; true when it was armed before
/// (SetThreadpoolWaitEx).
pub fn set_threadpool_wait(wait: u64, handle: u64, timeout: Option<i64>) -> Result<bool, NtStatus> {
    let deadline = if handle == 0 {
        None
    } else {
        timeout.map(due_instant)
    };
    set_wait(wait, handle, deadline, None)
}

/// Implements TpSetWait(Wait, Handle, Timeout) (and, as kernel32's
/// forward, SetThreadpoolWait with its PFILETIME): the callback runs once,
/// when the handle is signalled or the timeout passes.
pub extern "win64" fn TpSetWait(wait: u64, handle: u64, timeout: *const i64) {
    // SAFETY: the caller's timeout or NULL.
    let timeout = unsafe { read_due(timeout) };
    if let Err(st) = set_threadpool_wait(wait, handle, timeout) {
        log::warn!("TpSetWait({handle:#x}): {st:?}");
    }
}

/// Implements TpWaitForWait(Wait, CancelPendingCallbacks).
pub extern "win64" fn TpWaitForWait(wait: u64, cancel: u32) {
    wait_ref(wait).calls.wait(cancel != 0);
}

/// Implements TpReleaseWait(Wait) (CloseThreadpoolWait): disarms the wait;
/// the object goes once its outstanding callbacks have run.
pub extern "win64" fn TpReleaseWait(wait: u64) {
    disarm(&mut lock(&REGISTRY), wait);
    // SAFETY: the guest's reference from TpAllocWait, given back.
    drop(unsafe { Arc::from_raw(wait as *const Wait) });
}

/// Implements RtlRegisterWait(WaitHandle, Handle, Function, Context,
/// Milliseconds, Flags). The WT_EXECUTEIN* flags and the thread-limit bits
/// are hints about the kind of thread; every callback runs in the pool.
pub extern "win64" fn RtlRegisterWait(
    out: *mut u64,
    handle: u64,
    function: u64,
    context: u64,
    milliseconds: u32,
    flags: u32,
) -> NtStatus {
    if out.is_null() {
        return STATUS_INVALID_PARAMETER_1;
    }
    if handle == 0 {
        return STATUS_INVALID_HANDLE;
    }
    let Some(callback) = callback(function) else {
        return STATUS_INVALID_PARAMETER_3;
    };
    let once = flags & WT_EXECUTEONLYONCE != 0;
    let wait = new_wait(Kind::Legacy { callback, once }, context);
    let timeout = (milliseconds != INFINITE).then(|| Duration::from_millis(milliseconds.into()));
    let deadline = timeout.map(|t| Instant::now() + t);
    if let Err(st) = set_wait(wait, handle, deadline, timeout) {
        // SAFETY: our only reference to the wait made above.
        drop(unsafe { Arc::from_raw(wait as *const Wait) });
        return st;
    }
    // SAFETY: the caller's output handle.
    unsafe { *out = wait };
    STATUS_SUCCESS
}

/// Implements RtlDeregisterWaitEx(WaitHandle, CompletionEvent): disarms
/// the wait, then with CompletionEvent INVALID_HANDLE_VALUE waits for its
/// callbacks, with an event sets it when they are done, and with NULL
/// returns STATUS_PENDING if any is still queued or running.
pub extern "win64" fn RtlDeregisterWaitEx(wait: u64, event: u64) -> NtStatus {
    if wait == 0 {
        return STATUS_INVALID_HANDLE;
    }
    disarm(&mut lock(&REGISTRY), wait);
    let w = wait_ref(wait);
    let st = match event {
        u64::MAX => {
            w.calls.wait(false);
            STATUS_SUCCESS
        }
        0 if !w.calls.quiet_or_notify(0) => STATUS_PENDING,
        0 => STATUS_SUCCESS,
        event => {
            if w.calls.quiet_or_notify(event) {
                syscall(nr::NtSetEvent, &args([event, 0]));
            }
            STATUS_SUCCESS
        }
    };
    // SAFETY: the reference RtlRegisterWait gave the caller, given back.
    drop(unsafe { Arc::from_raw(wait as *const Wait) });
    st
}

/// Implements RtlDeregisterWait(WaitHandle).
pub extern "win64" fn RtlDeregisterWait(wait: u64) -> NtStatus {
    RtlDeregisterWaitEx(wait, 0)
}
