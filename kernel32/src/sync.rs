//! Events and waits, thread-local storage slots, Sleep.

use crate::error::*;
use std::sync::Mutex;
use syscalls::nt::{teb, OBJECT_ATTRIBUTES};
use syscalls::*;

pub const WAIT_OBJECT_0: u32 = 0;
pub const WAIT_ABANDONED: u32 = 0x80;
pub const WAIT_IO_COMPLETION: u32 = 0xC0;
pub const WAIT_TIMEOUT: u32 = 0x102;
pub const WAIT_FAILED: u32 = u32::MAX;
const INFINITE: u32 = u32::MAX;

/// Implements CreateEventW(lpEventAttributes, bManualReset, bInitialState,
/// lpName).
pub extern "win64" fn CreateEventW(sa: u64, manual: i32, initial: i32, name: *const u16) -> u64 {
    if !name.is_null() {
        // Named objects need \BaseNamedObjects in the object namespace.
        log::warn!("unimplemented: named events");
        set_error(ERROR_CALL_NOT_IMPLEMENTED);
        return 0;
    }
    let inherit = sa != 0 && {
        // SAFETY: SECURITY_ATTRIBUTES.bInheritHandle at offset 16.
        unsafe { *((sa + 16) as *const i32) != 0 }
    };
    let oa = OBJECT_ATTRIBUTES {
        Length: core::mem::size_of::<OBJECT_ATTRIBUTES>() as u32,
        Attributes: if inherit {
            syscalls::nt::OBJ_INHERIT
        } else {
            0
        },
        ..Default::default()
    };
    let mut h = 0u64;
    // NotificationEvent (0) for manual reset, SynchronizationEvent (1) for
    // auto reset.
    let kind = if manual != 0 { 0 } else { 1 };
    const EVENT_ALL_ACCESS: u64 = 0x1F_0003;
    let st = syscall(
        nr::NtCreateEvent,
        &args([
            &mut h as *mut u64 as u64,
            EVENT_ALL_ACCESS,
            &oa as *const OBJECT_ATTRIBUTES as u64,
            kind,
            (initial != 0) as u64,
        ]),
    );
    if st.is_success() {
        set_error(0);
        h
    } else {
        fail(st, 0)
    }
}

/// Implements CreateEventA.
pub extern "win64" fn CreateEventA(sa: u64, manual: i32, initial: i32, name: *const u8) -> u64 {
    CreateEventW(
        sa,
        manual,
        initial,
        if name.is_null() {
            core::ptr::null()
        } else {
            name as *const u16
        },
    )
}

fn bool_status(st: NtStatus) -> i32 {
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements SetEvent(hEvent).
pub extern "win64" fn SetEvent(h: u64) -> i32 {
    bool_status(syscall(nr::NtSetEvent, &args([h, 0])))
}

/// Implements ResetEvent(hEvent).
pub extern "win64" fn ResetEvent(h: u64) -> i32 {
    bool_status(syscall(nr::NtClearEvent, &args([h])))
}

fn timeout_arg(ms: u32, storage: &mut i64) -> u64 {
    if ms == INFINITE {
        0
    } else {
        // Relative, in 100-ns units.
        *storage = -(ms as i64) * 10_000;
        storage as *mut i64 as u64
    }
}

/// Implements WaitForSingleObjectEx(hHandle, dwMilliseconds, bAlertable).
pub extern "win64" fn WaitForSingleObjectEx(h: u64, ms: u32, alertable: i32) -> u32 {
    let mut t = 0i64;
    let st = syscall(
        nr::NtWaitForSingleObject,
        &args([h, (alertable != 0) as u64, timeout_arg(ms, &mut t)]),
    );
    match st.0 {
        0..=0x3F => st.0,
        0x80..=0xBF | 0xC0 | 0x102 => st.0,
        _ => fail(st, WAIT_FAILED),
    }
}

/// Implements WaitForSingleObject(hHandle, dwMilliseconds).
pub extern "win64" fn WaitForSingleObject(h: u64, ms: u32) -> u32 {
    WaitForSingleObjectEx(h, ms, 0)
}

/// Implements SleepEx(dwMilliseconds, bAlertable).
pub extern "win64" fn SleepEx(ms: u32, alertable: i32) -> u32 {
    let mut t = 0i64;
    let st = syscall(
        nr::NtDelayExecution,
        &args([(alertable != 0) as u64, timeout_arg(ms, &mut t)]),
    );
    if st == STATUS_USER_APC || st == STATUS_ALERTED {
        WAIT_IO_COMPLETION
    } else {
        0
    }
}

/// Implements Sleep(dwMilliseconds).
pub extern "win64" fn Sleep(ms: u32) {
    SleepEx(ms, 0);
}

/// Implements SwitchToThread().
pub extern "win64" fn SwitchToThread() -> i32 {
    let _ = syscall(nr::NtYieldExecution, &args([]));
    1
}

// --- TLS slots ------------------------------------------------------------

/// TLS_MINIMUM_AVAILABLE slots in the TEB plus the expansion slots.
const TLS_SLOTS: usize = 64;
const TLS_EXPANSION_SLOTS: usize = 1024;
pub const TLS_OUT_OF_INDEXES: u32 = u32::MAX;

static TLS_USED: Mutex<[bool; TLS_SLOTS + TLS_EXPANSION_SLOTS]> =
    Mutex::new([false; TLS_SLOTS + TLS_EXPANSION_SLOTS]);

fn slot(index: u32, create: bool) -> Option<*mut u64> {
    let t = syscalls::nt::current_teb();
    let i = index as usize;
    if i < TLS_SLOTS {
        return Some((t + teb::TLS_SLOTS as u64 + 8 * i as u64) as *mut u64);
    }
    if i >= TLS_SLOTS + TLS_EXPANSION_SLOTS {
        return None;
    }
    let exp = (t + teb::TLS_EXPANSION_SLOTS as u64) as *mut u64;
    // SAFETY: the calling thread's TEB; the expansion array is allocated on
    // first use from the process heap, zeroed.
    unsafe {
        if *exp == 0 {
            if !create {
                return Some(core::ptr::null_mut());
            }
            let h = ntdll::heap::process_heap()?;
            *exp = h
                .alloc(TLS_EXPANSION_SLOTS * 8, ntdll::heap::HEAP_ZERO_MEMORY)
                .ok()?;
        }
        Some((*exp as *mut u64).add(i - TLS_SLOTS))
    }
}

/// Implements TlsAlloc(): the lowest free index; the slot reads as NULL in
/// every thread.
pub extern "win64" fn TlsAlloc() -> u32 {
    let mut used = TLS_USED.lock().unwrap_or_else(|e| e.into_inner());
    match used.iter().position(|&u| !u) {
        Some(i) => {
            used[i] = true;
            if let Some(p) = slot(i as u32, false).filter(|p| !p.is_null()) {
                // SAFETY: the calling thread's slot.
                unsafe { *p = 0 };
            }
            i as u32
        }
        None => {
            set_error(8); // ERROR_NOT_ENOUGH_MEMORY
            TLS_OUT_OF_INDEXES
        }
    }
}

/// Implements TlsFree(dwTlsIndex).
pub extern "win64" fn TlsFree(index: u32) -> i32 {
    let mut used = TLS_USED.lock().unwrap_or_else(|e| e.into_inner());
    match used.get_mut(index as usize) {
        Some(u) if *u => {
            *u = false;
            1
        }
        _ => {
            set_error(ERROR_INVALID_PARAMETER);
            0
        }
    }
}

/// Implements TlsGetValue(dwTlsIndex): clears the last error on success, as
/// documented, so a NULL value can be told from a failure.
pub extern "win64" fn TlsGetValue(index: u32) -> u64 {
    match slot(index, false) {
        Some(p) => {
            set_error(0);
            if p.is_null() {
                0
            } else {
                // SAFETY: the calling thread's slot.
                unsafe { *p }
            }
        }
        None => {
            set_error(ERROR_INVALID_PARAMETER);
            0
        }
    }
}

/// Implements TlsSetValue(dwTlsIndex, lpTlsValue).
pub extern "win64" fn TlsSetValue(index: u32, value: u64) -> i32 {
    match slot(index, true) {
        Some(p) if !p.is_null() => {
            // SAFETY: the calling thread's slot.
            unsafe { *p = value };
            1
        }
        _ => {
            set_error(ERROR_INVALID_PARAMETER);
            0
        }
    }
}
