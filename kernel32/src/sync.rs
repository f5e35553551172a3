//! Events, mutexes, semaphores and waits, handle duplication and handle
//! flags, thread-local storage slots, Sleep.
//!
//! Named objects: a name becomes `\Sessions\<session>\BaseNamedObjects\<name>`
//! (`\BaseNamedObjects\<name>` in session 0), and the object manager
//! resolves `Global\` and `Local\` through the links it keeps there, as
//! Windows does from the session's directory. Names are case-sensitive,
//! as the documentation says: no OBJ_CASE_INSENSITIVE.

use crate::error::*;
use std::sync::Mutex;
use syscalls::nt::{peb, teb, OBJECT_ATTRIBUTES, UNICODE_STRING};
use syscalls::*;

pub const WAIT_OBJECT_0: u32 = 0;
pub const WAIT_ABANDONED: u32 = 0x80;
pub const WAIT_IO_COMPLETION: u32 = 0xC0;
pub const WAIT_TIMEOUT: u32 = 0x102;
pub const WAIT_FAILED: u32 = u32::MAX;
const INFINITE: u32 = u32::MAX;

const EVENT_ALL_ACCESS: u32 = 0x1F_0003;
const MUTEX_ALL_ACCESS: u32 = 0x1F_0001;
const SEMAPHORE_ALL_ACCESS: u32 = 0x1F_0003;
const CREATE_EVENT_MANUAL_RESET: u32 = 0x1;
const CREATE_EVENT_INITIAL_SET: u32 = 0x2;
const CREATE_MUTEX_INITIAL_OWNER: u32 = 0x1;
const OBJ_INHERIT: u32 = 0x2;
const OBJ_OPENIF: u32 = 0x80;
const ERROR_ALREADY_EXISTS: u32 = 183;

/// SECURITY_ATTRIBUTES.bInheritHandle.
pub(crate) fn inherits(sa: u64) -> bool {
    // SAFETY: a SECURITY_ATTRIBUTES from the caller; bInheritHandle is at
    // offset 16.
    sa != 0 && unsafe { *((sa + 16) as *const i32) != 0 }
}

/// The NT name of a Win32 named object (see the module comment).
pub(crate) fn object_name(name: &[u16]) -> Vec<u16> {
    // SAFETY: the PEB of this process; SessionId is a ULONG.
    let session =
        unsafe { *((syscalls::nt::current_peb() + peb::SESSION_ID as u64) as *const u32) };
    let prefix = if session == 0 {
        "\\BaseNamedObjects\\".to_string()
    } else {
        format!("\\Sessions\\{session}\\BaseNamedObjects\\")
    };
    let mut nt: Vec<u16> = prefix.encode_utf16().collect();
    nt.extend_from_slice(name);
    nt
}

/// Runs `f` with OBJECT_ATTRIBUTES for an optional Win32 object name.
pub(crate) fn with_attributes<R>(
    name: Option<&[u16]>,
    attributes: u32,
    f: impl FnOnce(u64) -> R,
) -> Result<R, NtStatus> {
    let nt = name.map(object_name);
    let us = match &nt {
        Some(n) => {
            if n.len() * 2 > 0xFFFC {
                // A name that does not fit a UNICODE_STRING.
                return Err(STATUS_NAME_TOO_LONG);
            }
            Some(UNICODE_STRING::over(n))
        }
        None => None,
    };
    let oa = OBJECT_ATTRIBUTES::named(us.as_ref(), attributes);
    Ok(f(&oa as *const OBJECT_ATTRIBUTES as u64))
}

/// NtCreateX with a name: OBJ_OPENIF, so an existing object of the type is
/// opened, which is success with ERROR_ALREADY_EXISTS.
pub(crate) fn create_named(
    service: u32,
    sa: u64,
    name: Option<&[u16]>,
    access: u32,
    rest: [u64; 2],
) -> u64 {
    let attributes = OBJ_OPENIF | if inherits(sa) { OBJ_INHERIT } else { 0 };
    let mut h = 0u64;
    let st = with_attributes(name, attributes, |oa| {
        syscall(
            service,
            &args([
                &mut h as *mut u64 as u64,
                access as u64,
                oa,
                rest[0],
                rest[1],
            ]),
        )
    })
    .unwrap_or_else(|e| e);
    if st.is_success() {
        set_error(if st == STATUS_OBJECT_NAME_EXISTS {
            ERROR_ALREADY_EXISTS
        } else {
            0
        });
        h
    } else {
        fail(st, 0)
    }
}

/// NtOpenX of a Win32 name.
pub(crate) fn open_named(service: u32, access: u32, inherit: i32, name: Option<Vec<u16>>) -> u64 {
    let Some(name) = name else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let attributes = if inherit != 0 { OBJ_INHERIT } else { 0 };
    let mut h = 0u64;
    let st = with_attributes(Some(&name), attributes, |oa| {
        syscall(
            service,
            &args([&mut h as *mut u64 as u64, access as u64, oa]),
        )
    })
    .unwrap_or_else(|e| e);
    if st.is_success() {
        h
    } else {
        fail(st, 0)
    }
}

pub(crate) fn wide(name: *const u16) -> Option<Vec<u16>> {
    // SAFETY: a NUL-terminated UTF-16 name from the caller, or NULL.
    unsafe { wstr(name) }
}

pub(crate) fn narrow(name: *const u8) -> Option<Vec<u16>> {
    // SAFETY: a NUL-terminated ANSI name from the caller, or NULL.
    unsafe { astr(name) }
}

// --- Events ---------------------------------------------------------------

fn create_event(sa: u64, name: Option<Vec<u16>>, flags: u32, access: u32) -> u64 {
    if flags & !(CREATE_EVENT_MANUAL_RESET | CREATE_EVENT_INITIAL_SET) != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    // NotificationEvent (0) for manual reset, SynchronizationEvent (1) for
    // auto reset.
    let kind = if flags & CREATE_EVENT_MANUAL_RESET != 0 {
        0
    } else {
        1
    };
    let initial = (flags & CREATE_EVENT_INITIAL_SET != 0) as u64;
    create_named(
        nr::NtCreateEvent,
        sa,
        name.as_deref(),
        access,
        [kind, initial],
    )
}

fn event_flags(manual: i32, initial: i32) -> u32 {
    (if manual != 0 {
        CREATE_EVENT_MANUAL_RESET
    } else {
        0
    }) | (if initial != 0 {
        CREATE_EVENT_INITIAL_SET
    } else {
        0
    })
}

/// Implements CreateEventW(lpEventAttributes, bManualReset, bInitialState,
/// lpName).
pub extern "win64" fn CreateEventW(sa: u64, manual: i32, initial: i32, name: *const u16) -> u64 {
    create_event(
        sa,
        wide(name),
        event_flags(manual, initial),
        EVENT_ALL_ACCESS,
    )
}

/// Implements CreateEventA.
pub extern "win64" fn CreateEventA(sa: u64, manual: i32, initial: i32, name: *const u8) -> u64 {
    create_event(
        sa,
        narrow(name),
        event_flags(manual, initial),
        EVENT_ALL_ACCESS,
    )
}

/// Implements CreateEventExW(lpEventAttributes, lpName, dwFlags,
/// dwDesiredAccess).
pub extern "win64" fn CreateEventExW(sa: u64, name: *const u16, flags: u32, access: u32) -> u64 {
    create_event(sa, wide(name), flags, access)
}

/// Implements CreateEventExA.
pub extern "win64" fn CreateEventExA(sa: u64, name: *const u8, flags: u32, access: u32) -> u64 {
    create_event(sa, narrow(name), flags, access)
}

/// Implements OpenEventW(dwDesiredAccess, bInheritHandle, lpName).
pub extern "win64" fn OpenEventW(access: u32, inherit: i32, name: *const u16) -> u64 {
    open_named(nr::NtOpenEvent, access, inherit, wide(name))
}

/// Implements OpenEventA.
pub extern "win64" fn OpenEventA(access: u32, inherit: i32, name: *const u8) -> u64 {
    open_named(nr::NtOpenEvent, access, inherit, narrow(name))
}

pub(crate) fn bool_status(st: NtStatus) -> i32 {
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

/// Implements PulseEvent(hEvent).
pub extern "win64" fn PulseEvent(h: u64) -> i32 {
    bool_status(syscall(nr::NtPulseEvent, &args([h, 0])))
}

// --- Mutexes --------------------------------------------------------------

fn create_mutex(sa: u64, name: Option<Vec<u16>>, flags: u32, access: u32) -> u64 {
    if flags & !CREATE_MUTEX_INITIAL_OWNER != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let owner = (flags & CREATE_MUTEX_INITIAL_OWNER != 0) as u64;
    create_named(nr::NtCreateMutant, sa, name.as_deref(), access, [owner, 0])
}

fn owner_flag(owner: i32) -> u32 {
    if owner != 0 {
        CREATE_MUTEX_INITIAL_OWNER
    } else {
        0
    }
}

/// Implements CreateMutexW(lpMutexAttributes, bInitialOwner, lpName).
pub extern "win64" fn CreateMutexW(sa: u64, owner: i32, name: *const u16) -> u64 {
    create_mutex(sa, wide(name), owner_flag(owner), MUTEX_ALL_ACCESS)
}

/// Implements CreateMutexA.
pub extern "win64" fn CreateMutexA(sa: u64, owner: i32, name: *const u8) -> u64 {
    create_mutex(sa, narrow(name), owner_flag(owner), MUTEX_ALL_ACCESS)
}

/// Implements CreateMutexExW(lpMutexAttributes, lpName, dwFlags,
/// dwDesiredAccess).
pub extern "win64" fn CreateMutexExW(sa: u64, name: *const u16, flags: u32, access: u32) -> u64 {
    create_mutex(sa, wide(name), flags, access)
}

/// Implements CreateMutexExA.
pub extern "win64" fn CreateMutexExA(sa: u64, name: *const u8, flags: u32, access: u32) -> u64 {
    create_mutex(sa, narrow(name), flags, access)
}

/// Implements OpenMutexW(dwDesiredAccess, bInheritHandle, lpName).
pub extern "win64" fn OpenMutexW(access: u32, inherit: i32, name: *const u16) -> u64 {
    open_named(nr::NtOpenMutant, access, inherit, wide(name))
}

/// Implements OpenMutexA.
pub extern "win64" fn OpenMutexA(access: u32, inherit: i32, name: *const u8) -> u64 {
    open_named(nr::NtOpenMutant, access, inherit, narrow(name))
}

/// Implements ReleaseMutex(hMutex).
pub extern "win64" fn ReleaseMutex(h: u64) -> i32 {
    bool_status(syscall(nr::NtReleaseMutant, &args([h, 0])))
}

// --- Semaphores -----------------------------------------------------------

fn create_semaphore(
    sa: u64,
    initial: i32,
    maximum: i32,
    name: Option<Vec<u16>>,
    flags: u32,
    access: u32,
) -> u64 {
    if flags != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let counts = [initial as u32 as u64, maximum as u32 as u64];
    create_named(nr::NtCreateSemaphore, sa, name.as_deref(), access, counts)
}

/// Implements CreateSemaphoreW(lpSemaphoreAttributes, lInitialCount,
/// lMaximumCount, lpName).
pub extern "win64" fn CreateSemaphoreW(
    sa: u64,
    initial: i32,
    maximum: i32,
    name: *const u16,
) -> u64 {
    create_semaphore(sa, initial, maximum, wide(name), 0, SEMAPHORE_ALL_ACCESS)
}

/// Implements CreateSemaphoreA.
pub extern "win64" fn CreateSemaphoreA(
    sa: u64,
    initial: i32,
    maximum: i32,
    name: *const u8,
) -> u64 {
    create_semaphore(sa, initial, maximum, narrow(name), 0, SEMAPHORE_ALL_ACCESS)
}

/// Implements CreateSemaphoreExW(lpSemaphoreAttributes, lInitialCount,
/// lMaximumCount, lpName, dwFlags, dwDesiredAccess).
pub extern "win64" fn CreateSemaphoreExW(
    sa: u64,
    initial: i32,
    maximum: i32,
    name: *const u16,
    flags: u32,
    access: u32,
) -> u64 {
    create_semaphore(sa, initial, maximum, wide(name), flags, access)
}

/// Implements CreateSemaphoreExA.
pub extern "win64" fn CreateSemaphoreExA(
    sa: u64,
    initial: i32,
    maximum: i32,
    name: *const u8,
    flags: u32,
    access: u32,
) -> u64 {
    create_semaphore(sa, initial, maximum, narrow(name), flags, access)
}

/// Implements OpenSemaphoreW(dwDesiredAccess, bInheritHandle, lpName).
pub extern "win64" fn OpenSemaphoreW(access: u32, inherit: i32, name: *const u16) -> u64 {
    open_named(nr::NtOpenSemaphore, access, inherit, wide(name))
}

/// Implements OpenSemaphoreA.
pub extern "win64" fn OpenSemaphoreA(access: u32, inherit: i32, name: *const u8) -> u64 {
    open_named(nr::NtOpenSemaphore, access, inherit, narrow(name))
}

/// Implements ReleaseSemaphore(hSemaphore, lReleaseCount,
/// lpPreviousCount).
pub extern "win64" fn ReleaseSemaphore(h: u64, count: i32, previous: *mut i32) -> i32 {
    bool_status(syscall(
        nr::NtReleaseSemaphore,
        &args([h, count as u32 as u64, previous as u64]),
    ))
}

// --- Waits ----------------------------------------------------------------

fn timeout_arg(ms: u32, storage: &mut i64) -> u64 {
    if ms == INFINITE {
        0
    } else {
        // Relative, in 100-ns units.
        *storage = -(ms as i64) * 10_000;
        storage as *mut i64 as u64
    }
}

/// A wait's NTSTATUS as the Win32 wait functions return it.
fn wait_result(st: NtStatus) -> u32 {
    match st.0 {
        0..=0x3F | 0x80..=0xBF | 0xC0 | 0x102 => st.0,
        _ => fail(st, WAIT_FAILED),
    }
}

/// Implements WaitForSingleObjectEx(hHandle, dwMilliseconds, bAlertable).
pub extern "win64" fn WaitForSingleObjectEx(h: u64, ms: u32, alertable: i32) -> u32 {
    let mut t = 0i64;
    wait_result(syscall(
        nr::NtWaitForSingleObject,
        &args([h, (alertable != 0) as u64, timeout_arg(ms, &mut t)]),
    ))
}

/// Implements WaitForSingleObject(hHandle, dwMilliseconds).
pub extern "win64" fn WaitForSingleObject(h: u64, ms: u32) -> u32 {
    WaitForSingleObjectEx(h, ms, 0)
}

/// Implements WaitForMultipleObjectsEx(nCount, lpHandles, bWaitAll,
/// dwMilliseconds, bAlertable).
pub extern "win64" fn WaitForMultipleObjectsEx(
    count: u32,
    handles: u64,
    wait_all: i32,
    ms: u32,
    alertable: i32,
) -> u32 {
    let mut t = 0i64;
    // WAIT_TYPE: WaitAll is 0, WaitAny 1.
    let wait_type = if wait_all != 0 { 0 } else { 1 };
    wait_result(syscall(
        nr::NtWaitForMultipleObjects,
        &args([
            count as u64,
            handles,
            wait_type,
            (alertable != 0) as u64,
            timeout_arg(ms, &mut t),
        ]),
    ))
}

/// Implements WaitForMultipleObjects(nCount, lpHandles, bWaitAll,
/// dwMilliseconds).
pub extern "win64" fn WaitForMultipleObjects(
    count: u32,
    handles: u64,
    wait_all: i32,
    ms: u32,
) -> u32 {
    WaitForMultipleObjectsEx(count, handles, wait_all, ms, 0)
}

/// Implements SignalObjectAndWait(hObjectToSignal, hObjectToWaitOn,
/// dwMilliseconds, bAlertable).
pub extern "win64" fn SignalObjectAndWait(signal: u64, wait: u64, ms: u32, alertable: i32) -> u32 {
    let mut t = 0i64;
    wait_result(syscall(
        nr::NtSignalAndWaitForSingleObject,
        &args([
            signal,
            wait,
            (alertable != 0) as u64,
            timeout_arg(ms, &mut t),
        ]),
    ))
}

// --- Handles --------------------------------------------------------------

const HANDLE_FLAG_INHERIT: u32 = 0x1;
const HANDLE_FLAG_PROTECT_FROM_CLOSE: u32 = 0x2;
/// OBJECT_INFORMATION_CLASS ObjectHandleFlagInformation.
const OBJECT_HANDLE_FLAG_INFORMATION: u64 = 4;

/// Implements DuplicateHandle(hSourceProcessHandle, hSourceHandle,
/// hTargetProcessHandle, lpTargetHandle, dwDesiredAccess, bInheritHandle,
/// dwOptions).
pub extern "win64" fn DuplicateHandle(
    source_process: u64,
    source: u64,
    target_process: u64,
    target: *mut u64,
    access: u32,
    inherit: i32,
    options: u32,
) -> i32 {
    bool_status(syscall(
        nr::NtDuplicateObject,
        &args([
            source_process,
            source,
            target_process,
            target as u64,
            access as u64,
            if inherit != 0 { OBJ_INHERIT as u64 } else { 0 },
            options as u64,
        ]),
    ))
}

fn handle_flags(h: u64) -> Result<[u8; 2], NtStatus> {
    let mut info = [0u8; 2];
    let st = syscall(
        nr::NtQueryObject,
        &args([
            h,
            OBJECT_HANDLE_FLAG_INFORMATION,
            info.as_mut_ptr() as u64,
            2,
            0,
        ]),
    );
    if st.is_success() {
        Ok(info)
    } else {
        Err(st)
    }
}

/// Implements GetHandleInformation(hObject, lpdwFlags).
pub extern "win64" fn GetHandleInformation(h: u64, flags: *mut u32) -> i32 {
    match handle_flags(h) {
        Ok([inherit, protect]) => {
            let f = (if inherit != 0 { HANDLE_FLAG_INHERIT } else { 0 })
                | (if protect != 0 {
                    HANDLE_FLAG_PROTECT_FROM_CLOSE
                } else {
                    0
                });
            if !flags.is_null() {
                // SAFETY: the caller's DWORD.
                unsafe { *flags = f };
            }
            1
        }
        Err(st) => fail(st, 0),
    }
}

/// Implements SetHandleInformation(hObject, dwMask, dwFlags).
pub extern "win64" fn SetHandleInformation(h: u64, mask: u32, flags: u32) -> i32 {
    let mut info = match handle_flags(h) {
        Ok(info) => info,
        Err(st) => return fail(st, 0),
    };
    if mask & HANDLE_FLAG_INHERIT != 0 {
        info[0] = (flags & HANDLE_FLAG_INHERIT != 0) as u8;
    }
    if mask & HANDLE_FLAG_PROTECT_FROM_CLOSE != 0 {
        info[1] = (flags & HANDLE_FLAG_PROTECT_FROM_CLOSE != 0) as u8;
    }
    bool_status(syscall(
        nr::NtSetInformationObject,
        &args([h, OBJECT_HANDLE_FLAG_INFORMATION, info.as_ptr() as u64, 2]),
    ))
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
            // Clear the slot in every thread (ThreadZeroTlsCell), so the
            // next TlsAlloc of this index starts from zero everywhere.
            let st = syscall(
                nr::NtSetInformationThread,
                &args([
                    syscalls::nt::NT_CURRENT_THREAD,
                    10,
                    &index as *const u32 as u64,
                    4,
                ]),
            );
            debug_assert!(st.is_success());
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
