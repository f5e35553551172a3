//! Directory change notifications: ReadDirectoryChangesW, and the
//! change-notification handles of FindFirstChangeNotification(A/W),
//! FindNextChangeNotification and FindCloseChangeNotification, over
//! NtNotifyChangeDirectoryFile.
//!
//! A change-notification handle is, as on Windows, the directory handle
//! itself, opened for asynchronous I/O with a change request pending on
//! it: the request's completion signals the file object, which is what a
//! wait on the handle waits for. Each FindNextChangeNotification issues
//! the next request, which resets the signal until a change completes it.

use crate::aio::{io_completion_apc, wait_for_status_block};
use crate::error::*;
use crate::file::{nt_create, INVALID_HANDLE_VALUE};
use std::sync::atomic::AtomicU64;
use syscalls::nt::IO_STATUS_BLOCK;
use syscalls::*;

const FILE_LIST_DIRECTORY: u32 = 0x1;
const SYNCHRONIZE: u32 = 0x10_0000;
const FILE_SHARE_ALL: u32 = 0x7;
const FILE_OPEN: u32 = 1;
const FILE_DIRECTORY_FILE: u32 = 0x1;
const FILE_OPEN_FOR_BACKUP_INTENT: u32 = 0x4000;
/// FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME: a valid
/// filter for the requests after the first, whose filter and subtree flag
/// the directory keeps.
const FILE_NOTIFY_CHANGE_NAME: u64 = 0x3;
const ERROR_NOACCESS: u32 = 998;

/// Implements ReadDirectoryChangesW(hDirectory, lpBuffer, nBufferLength,
/// bWatchSubtree, dwNotifyFilter, lpBytesReturned, lpOverlapped,
/// lpCompletionRoutine). With no OVERLAPPED it waits for a change; more
/// changes than fit succeed with 0 bytes (enumerate the directory
/// instead). With one, on a handle opened with FILE_FLAG_OVERLAPPED, it
/// returns TRUE once the request is queued ("for asynchronous calls, this
/// indicates that the operation was successfully queued"); the request
/// completes through the OVERLAPPED's event (or the handle when it has
/// none), the handle's completion port, or lpCompletionRoutine as an APC
/// of this thread, whose hEvent is then the caller's to use.
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn ReadDirectoryChangesW(
    h: u64,
    buf: u64,
    len: u32,
    subtree: i32,
    filter: u32,
    returned: u64,
    ov: u64,
    routine: u64,
) -> i32 {
    let mut iosb = IO_STATUS_BLOCK {
        Status: STATUS_PENDING.0,
        ..Default::default()
    };
    let (mut event, mut apc_routine, mut apc_context) = (0u64, 0u64, 0u64);
    let iosb_ptr = if ov == 0 {
        &mut iosb as *mut IO_STATUS_BLOCK as u64
    } else {
        // OVERLAPPED: Internal/InternalHigh are the IO_STATUS_BLOCK,
        // hEvent is at 24.
        let h_event = match user::read::<u64>(ov + 24) {
            Ok(e) => e,
            Err(_) => {
                set_error(ERROR_NOACCESS);
                return 0;
            }
        };
        if routine != 0 {
            apc_routine = io_completion_apc as *const () as u64;
            apc_context = routine;
        } else {
            event = h_event & !1;
            // The low bit of hEvent: no completion packet.
            if h_event & 1 == 0 {
                apc_context = ov;
            }
        }
        if user::write(ov, &(STATUS_PENDING.0 as u64)).is_err() {
            set_error(ERROR_NOACCESS);
            return 0;
        }
        ov
    };
    let st = syscall(
        nr::NtNotifyChangeDirectoryFile,
        &args([
            h,
            event,
            apc_routine,
            apc_context,
            iosb_ptr,
            buf,
            len as u64,
            filter as u64,
            (subtree != 0) as u64,
        ]),
    );
    if ov != 0 {
        if !st.is_success() {
            return fail(st, 0);
        }
        set_error(0);
        return 1;
    }
    if st == STATUS_PENDING {
        // An asynchronous handle used without an OVERLAPPED: wait here.
        wait_for_status_block(iosb_ptr, ntdll::futex::Deadline::from_millis(u32::MAX));
    }
    // Read back through the pointer the executive wrote through.
    let done = user::read::<IO_STATUS_BLOCK>(iosb_ptr).unwrap_or_default();
    let st = if st == STATUS_PENDING {
        NtStatus(done.Status)
    } else {
        st
    };
    if !st.is_success() {
        return fail(st, 0);
    }
    if user::write_opt(returned, &(done.Information as u32)).is_err() {
        set_error(ERROR_NOACCESS);
        return 0;
    }
    set_error(0);
    1
}

/// The status block of change-notification requests: nobody reads it (the
/// handle's signal is the result), so one serves them all.
static CHANGE_IOSB: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// Issues the next change request on a change-notification handle.
fn request_change(h: u64, filter: u64, subtree: bool) -> NtStatus {
    let st = syscall(
        nr::NtNotifyChangeDirectoryFile,
        &args([
            h,
            0,
            0,
            0,
            CHANGE_IOSB.as_ptr() as u64,
            0,
            0,
            filter,
            subtree as u64,
        ]),
    );
    if st.is_error() {
        st
    } else {
        STATUS_SUCCESS
    }
}

fn find_first_change(name: Option<Vec<u16>>, subtree: i32, filter: u32) -> u64 {
    let Some(name) = name else {
        set_error(ERROR_PATH_NOT_FOUND);
        return INVALID_HANDLE_VALUE;
    };
    // Asynchronous (no FILE_SYNCHRONOUS_IO_*): the request stays pending.
    let h = match nt_create(
        &name,
        FILE_LIST_DIRECTORY | SYNCHRONIZE,
        FILE_SHARE_ALL,
        FILE_OPEN,
        FILE_DIRECTORY_FILE | FILE_OPEN_FOR_BACKUP_INTENT,
        0,
    ) {
        Ok((h, _)) => h,
        Err(st) => return fail(st, INVALID_HANDLE_VALUE),
    };
    let st = request_change(h, filter as u64, subtree != 0);
    if st.is_error() {
        syscall(nr::NtClose, &args([h]));
        return fail(st, INVALID_HANDLE_VALUE);
    }
    set_error(0);
    h
}

const ERROR_PATH_NOT_FOUND: u32 = 3;

/// Implements FindFirstChangeNotificationW(lpPathName, bWatchSubtree,
/// dwNotifyFilter): a handle signalled when the directory changes.
pub extern "win64" fn FindFirstChangeNotificationW(
    name: *const u16,
    subtree: i32,
    filter: u32,
) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    find_first_change(unsafe { wstr(name) }, subtree, filter)
}

/// Implements FindFirstChangeNotificationA(lpPathName, bWatchSubtree,
/// dwNotifyFilter).
pub extern "win64" fn FindFirstChangeNotificationA(
    name: *const u8,
    subtree: i32,
    filter: u32,
) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    find_first_change(unsafe { astr(name) }, subtree, filter)
}

/// Implements FindNextChangeNotification(hChangeHandle): asks for the next
/// change; changes made since the last one was reported complete it at
/// once.
pub extern "win64" fn FindNextChangeNotification(h: u64) -> i32 {
    let st = request_change(h, FILE_NOTIFY_CHANGE_NAME, false);
    if st.is_error() {
        return fail(st, 0);
    }
    set_error(0);
    1
}

/// Implements FindCloseChangeNotification(hChangeHandle): closing the
/// directory handle ends its pending request.
pub extern "win64" fn FindCloseChangeNotification(h: u64) -> i32 {
    let st = syscall(nr::NtClose, &args([h]));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}
