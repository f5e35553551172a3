//! Asynchronous I/O the Win32 way: GetOverlappedResult(Ex), ReadFileEx /
//! WriteFileEx with completion routines (user APCs), CancelIo(Ex),
//! CancelSynchronousIo, and I/O completion ports (CreateIoCompletionPort,
//! GetQueuedCompletionStatus(Ex), PostQueuedCompletionStatus,
//! SetFileCompletionNotificationModes).

use crate::error::*;
use crate::file::Overlapped;
use ntdll::futex::{self, Deadline, Wake};
use std::sync::atomic::AtomicU32;
use syscalls::nt::IO_STATUS_BLOCK;
use syscalls::*;

pub const ERROR_IO_INCOMPLETE: u32 = 996;
pub const ERROR_IO_PENDING: u32 = 997;
pub const WAIT_TIMEOUT: u32 = 258;
pub const WAIT_IO_COMPLETION: u32 = 192;
const INVALID_HANDLE_VALUE: u64 = u64::MAX;
const FILE_COMPLETION_INFORMATION: u64 = 30;
const FILE_IO_COMPLETION_NOTIFICATION_INFORMATION: u64 = 41;

fn ov_status(ov: u64) -> NtResult<NtStatus> {
    Ok(NtStatus(user::read::<u32>(ov)?))
}

/// Waits until the I/O manager has written a final status into an
/// IO_STATUS_BLOCK (it wakes the futex at its address after writing it).
/// Returns false if `deadline` passed first.
pub fn wait_for_status_block(iosb: u64, deadline: Deadline) -> bool {
    // SAFETY: the status word of a caller's IO_STATUS_BLOCK / OVERLAPPED,
    // which stays valid while its request is pending (a Win32 rule).
    let word = unsafe { &*(iosb as *const AtomicU32) };
    loop {
        let s = word.load(std::sync::atomic::Ordering::Acquire);
        if s != STATUS_PENDING.0 {
            return true;
        }
        if futex::wait(word, s, deadline) == Wake::TimedOut {
            return word.load(std::sync::atomic::Ordering::Acquire) != STATUS_PENDING.0;
        }
    }
}

/// The result of a finished request as GetOverlappedResult reports it.
fn finish(ov: u64, transferred: *mut u32) -> i32 {
    let io: IO_STATUS_BLOCK = match user::read(ov) {
        Ok(io) => io,
        Err(st) => return fail(st, 0),
    };
    if !transferred.is_null() {
        if let Err(st) = user::write(transferred as u64, &(io.Information as u32)) {
            return fail(st, 0);
        }
    }
    let st = NtStatus(io.Status);
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements GetOverlappedResultEx(hFile, lpOverlapped,
/// lpNumberOfBytesTransferred, dwMilliseconds, bAlertable).
pub extern "win64" fn GetOverlappedResultEx(
    h: u64,
    ov: *mut Overlapped,
    transferred: *mut u32,
    ms: u32,
    alertable: i32,
) -> i32 {
    let _ = h;
    let ov = ov as u64;
    let status = match ov_status(ov) {
        Ok(s) => s,
        Err(st) => return fail(st, 0),
    };
    if status == STATUS_PENDING {
        if ms == 0 {
            set_error(ERROR_IO_INCOMPLETE);
            return 0;
        }
        let event = user::read::<u64>(ov + 24).unwrap_or(0) & !1;
        if event != 0 {
            match crate::sync::WaitForSingleObjectEx(event, ms, alertable) {
                0 => {}
                WAIT_IO_COMPLETION => {
                    set_error(WAIT_IO_COMPLETION);
                    return 0;
                }
                WAIT_TIMEOUT => {
                    set_error(WAIT_TIMEOUT);
                    return 0;
                }
                _ => return 0,
            }
            // The event may belong to more than one request: the status
            // block is what says this one is done.
            wait_for_status_block(ov, Deadline::from_millis(u32::MAX));
        } else if alertable != 0 {
            // No event: the status block's futex, in slices, so that APCs
            // queued meanwhile still end the wait.
            let end =
                std::time::Instant::now().checked_add(std::time::Duration::from_millis(ms as u64));
            loop {
                if wait_for_status_block(ov, Deadline::from_millis(1)) {
                    break;
                }
                if crate::sync::SleepEx(0, 1) == WAIT_IO_COMPLETION {
                    set_error(WAIT_IO_COMPLETION);
                    return 0;
                }
                if ms != u32::MAX && end.is_some_and(|e| std::time::Instant::now() >= e) {
                    set_error(WAIT_TIMEOUT);
                    return 0;
                }
            }
        } else if !wait_for_status_block(ov, Deadline::from_millis(ms)) {
            set_error(WAIT_TIMEOUT);
            return 0;
        }
    }
    finish(ov, transferred)
}

/// Implements GetOverlappedResult(hFile, lpOverlapped,
/// lpNumberOfBytesTransferred, bWait).
pub extern "win64" fn GetOverlappedResult(
    h: u64,
    ov: *mut Overlapped,
    transferred: *mut u32,
    wait: i32,
) -> i32 {
    GetOverlappedResultEx(h, ov, transferred, if wait != 0 { u32::MAX } else { 0 }, 0)
}

/// The user APC of ReadFileEx/WriteFileEx: calls the completion routine
/// with the Win32 error, the byte count and the OVERLAPPED.
pub(crate) extern "win64" fn io_completion_apc(routine: u64, ov: u64, _reserved: u64) {
    let (status, information) = match user::read::<IO_STATUS_BLOCK>(ov) {
        Ok(io) => (io.Status, io.Information),
        Err(_) => return,
    };
    let error = ntdll::rtl::status_to_dos_error(NtStatus(status));
    // SAFETY: the routine is the caller's LPOVERLAPPED_COMPLETION_ROUTINE.
    let routine: extern "win64" fn(u32, u32, u64) = unsafe { core::mem::transmute(routine) };
    routine(error, information as u32, ov);
}

fn io_ex(service: u32, h: u64, buf: u64, len: u32, ov: *mut Overlapped, routine: u64) -> i32 {
    let ov = ov as u64;
    let head: [u32; 6] = match user::read(ov) {
        Ok(v) => v,
        Err(st) => return fail(st, 0),
    };
    let offset = (head[5] as i64) << 32 | head[4] as i64;
    if let Err(st) = user::write(ov, &(STATUS_PENDING.0 as u64)) {
        return fail(st, 0);
    }
    let st = syscall(
        service,
        &args([
            h,
            0,
            io_completion_apc as *const () as u64,
            routine,
            ov,
            buf,
            len as u64,
            &offset as *const i64 as u64,
            0,
        ]),
    );
    if st.is_error() {
        return fail(st, 0);
    }
    set_error(0);
    1
}

/// Implements ReadFileEx(hFile, lpBuffer, nNumberOfBytesToRead,
/// lpOverlapped, lpCompletionRoutine): the routine runs as a user APC in
/// an alertable wait of this thread.
pub extern "win64" fn ReadFileEx(
    h: u64,
    buf: u64,
    len: u32,
    ov: *mut Overlapped,
    routine: u64,
) -> i32 {
    io_ex(nr::NtReadFile, h, buf, len, ov, routine)
}

/// Implements WriteFileEx(hFile, lpBuffer, nNumberOfBytesToWrite,
/// lpOverlapped, lpCompletionRoutine).
pub extern "win64" fn WriteFileEx(
    h: u64,
    buf: u64,
    len: u32,
    ov: *mut Overlapped,
    routine: u64,
) -> i32 {
    io_ex(nr::NtWriteFile, h, buf, len, ov, routine)
}

fn bool_result(st: NtStatus) -> i32 {
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements CancelIo(hFile): the calling thread's requests on the file.
pub extern "win64" fn CancelIo(h: u64) -> i32 {
    let mut iosb = IO_STATUS_BLOCK::default();
    bool_result(syscall(
        nr::NtCancelIoFile,
        &args([h, &mut iosb as *mut IO_STATUS_BLOCK as u64]),
    ))
}

/// Implements CancelIoEx(hFile, lpOverlapped): ERROR_NOT_FOUND when there
/// was nothing to cancel.
pub extern "win64" fn CancelIoEx(h: u64, ov: u64) -> i32 {
    let mut iosb = IO_STATUS_BLOCK::default();
    bool_result(syscall(
        nr::NtCancelIoFileEx,
        &args([h, ov, &mut iosb as *mut IO_STATUS_BLOCK as u64]),
    ))
}

/// Implements CancelSynchronousIo(hThread).
pub extern "win64" fn CancelSynchronousIo(thread: u64) -> i32 {
    let mut iosb = IO_STATUS_BLOCK::default();
    bool_result(syscall(
        nr::NtCancelSynchronousIoFile,
        &args([thread, 0, &mut iosb as *mut IO_STATUS_BLOCK as u64]),
    ))
}

/// Implements CreateIoCompletionPort(FileHandle, ExistingCompletionPort,
/// CompletionKey, NumberOfConcurrentThreads).
pub extern "win64" fn CreateIoCompletionPort(
    file: u64,
    existing: u64,
    key: u64,
    threads: u32,
) -> u64 {
    let port = if existing != 0 {
        if file == INVALID_HANDLE_VALUE {
            set_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
        existing
    } else {
        let mut h = 0u64;
        let st = syscall(
            nr::NtCreateIoCompletion,
            &args([&mut h as *mut u64 as u64, 0x1F_0003, 0, threads as u64]),
        );
        if !st.is_success() {
            return fail(st, 0);
        }
        h
    };
    if file != INVALID_HANDLE_VALUE {
        let info: [u64; 2] = [port, key];
        let mut iosb = IO_STATUS_BLOCK::default();
        let st = syscall(
            nr::NtSetInformationFile,
            &args([
                file,
                &mut iosb as *mut IO_STATUS_BLOCK as u64,
                info.as_ptr() as u64,
                16,
                FILE_COMPLETION_INFORMATION,
            ]),
        );
        if !st.is_success() {
            if existing == 0 {
                syscall(nr::NtClose, &args([port]));
            }
            return fail(st, 0);
        }
    }
    set_error(0);
    port
}

/// Implements GetQueuedCompletionStatus(CompletionPort,
/// lpNumberOfBytesTransferred, lpCompletionKey, lpOverlapped,
/// dwMilliseconds).
pub extern "win64" fn GetQueuedCompletionStatus(
    port: u64,
    transferred: *mut u32,
    key: *mut u64,
    ov: *mut u64,
    ms: u32,
) -> i32 {
    let t: i64 = -(ms as i64) * 10_000;
    let timeout = if ms == u32::MAX {
        0
    } else {
        &t as *const i64 as u64
    };
    let (mut k, mut ctx) = (0u64, 0u64);
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtRemoveIoCompletion,
        &args([
            port,
            &mut k as *mut u64 as u64,
            &mut ctx as *mut u64 as u64,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            timeout,
        ]),
    );
    let out = |v: u64, p: u64| user::write_opt(p, &v);
    if st == STATUS_TIMEOUT {
        let _ = out(0, ov as u64);
        set_error(WAIT_TIMEOUT);
        return 0;
    }
    if !st.is_success() {
        let _ = out(0, ov as u64);
        return fail(st, 0);
    }
    let written = user::write_opt(transferred as u64, &(iosb.Information as u32))
        .and_then(|_| out(k, key as u64))
        .and_then(|_| out(ctx, ov as u64));
    if let Err(e) = written {
        return fail(e, 0);
    }
    let status = NtStatus(iosb.Status);
    if status.is_success() {
        1
    } else {
        fail(status, 0)
    }
}

/// Implements GetQueuedCompletionStatusEx(CompletionPort,
/// lpCompletionPortEntries, ulCount, ulNumEntriesRemoved,
/// dwMilliseconds, fAlertable): OVERLAPPED_ENTRY and
/// FILE_IO_COMPLETION_INFORMATION have the same layout.
pub extern "win64" fn GetQueuedCompletionStatusEx(
    port: u64,
    entries: u64,
    count: u32,
    removed: *mut u32,
    ms: u32,
    alertable: i32,
) -> i32 {
    let t: i64 = -(ms as i64) * 10_000;
    let timeout = if ms == u32::MAX {
        0
    } else {
        &t as *const i64 as u64
    };
    let st = syscall(
        nr::NtRemoveIoCompletionEx,
        &args([
            port,
            entries,
            count as u64,
            removed as u64,
            timeout,
            (alertable != 0) as u64,
        ]),
    );
    match st {
        STATUS_SUCCESS => 1,
        STATUS_TIMEOUT => {
            set_error(WAIT_TIMEOUT);
            0
        }
        STATUS_USER_APC => {
            set_error(WAIT_IO_COMPLETION);
            0
        }
        st => fail(st, 0),
    }
}

/// Implements PostQueuedCompletionStatus(CompletionPort,
/// dwNumberOfBytesTransferred, dwCompletionKey, lpOverlapped).
pub extern "win64" fn PostQueuedCompletionStatus(port: u64, bytes: u32, key: u64, ov: u64) -> i32 {
    bool_result(syscall(
        nr::NtSetIoCompletion,
        &args([port, key, ov, 0, bytes as u64]),
    ))
}

/// Implements SetFileCompletionNotificationModes(FileHandle, Flags).
pub extern "win64" fn SetFileCompletionNotificationModes(h: u64, flags: u32) -> i32 {
    let mut iosb = IO_STATUS_BLOCK::default();
    bool_result(syscall(
        nr::NtSetInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            &flags as *const u32 as u64,
            4,
            FILE_IO_COMPLETION_NOTIFICATION_INFORMATION,
        ]),
    ))
}

/// The completion port of BindIoCompletionCallback's thread pool, made
/// with its worker threads on first use.
fn callback_port() -> Option<u64> {
    static PORT: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *PORT.get_or_init(|| {
        let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, 0, 0, 0);
        if port == 0 {
            return None;
        }
        // A small pool of waiting threads, not a thread per request.
        for _ in 0..2 {
            let t = crate::thread::CreateThread(
                0,
                0,
                callback_worker as *const () as u64,
                port,
                0,
                core::ptr::null_mut(),
            );
            if t == 0 {
                return None;
            }
            syscall(nr::NtClose, &args([t]));
        }
        Some(port)
    })
}

/// A worker of the BindIoCompletionCallback pool: each packet's key is the
/// routine to call with the request's error, byte count and OVERLAPPED.
extern "win64" fn callback_worker(port: u64) -> u32 {
    loop {
        let (mut n, mut key, mut ov) = (0u32, 0u64, 0u64);
        let ok = GetQueuedCompletionStatus(port, &mut n, &mut key, &mut ov, u32::MAX);
        if ov == 0 || key == 0 {
            continue;
        }
        let error = if ok != 0 {
            0
        } else {
            syscalls::nt::last_error()
        };
        // SAFETY: the key is the LPOVERLAPPED_COMPLETION_ROUTINE the
        // program bound to the handle.
        let routine: extern "win64" fn(u32, u32, u64) = unsafe { core::mem::transmute(key) };
        routine(error, n, ov);
    }
}

/// Implements BindIoCompletionCallback(FileHandle, Function, Flags): the
/// handle's requests complete by calling Function on a thread of a pool
/// that waits on one completion port.
pub extern "win64" fn BindIoCompletionCallback(h: u64, function: u64, flags: u32) -> i32 {
    if flags != 0 || function == 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let Some(port) = callback_port() else {
        return 0;
    };
    if CreateIoCompletionPort(h, port, function, 0) == 0 {
        return 0;
    }
    1
}
