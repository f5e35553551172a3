//! _beginthreadex, _endthreadex, _beginthread, _endthread.

use crate::errno::{self, EINVAL};

/// Implements _beginthreadex(security, stack_size, start_address, arglist,
/// initflag, thrdaddr): CreateThread with errno on failure.
pub extern "win64" fn _beginthreadex(
    sa: u64,
    stack: u32,
    start: u64,
    arg: u64,
    flags: u32,
    id: *mut u32,
) -> u64 {
    if start == 0 {
        errno::set(EINVAL);
        return 0;
    }
    let h = kernel32::thread::CreateThread(sa, stack as u64, start, arg, flags, id);
    if h == 0 {
        errno::set_from_win32(kernel32::process::GetLastError());
    }
    h
}

/// Implements _endthreadex(retval).
pub extern "win64" fn _endthreadex(code: u32) -> ! {
    kernel32::thread::ExitThread(code)
}

/// What a thread started by _beginthread runs: the routine returns nothing,
/// the thread's exit code is 0, and its handle closes itself.
struct Plain {
    start: u64,
    arg: u64,
}

extern "win64" fn plain_thread(p: *mut Plain) -> u32 {
    // SAFETY: the Box leaked by _beginthread, owned by this thread now.
    let p = unsafe { Box::from_raw(p) };
    // SAFETY: a void(void*) routine of the program, Windows x64 convention.
    let f: extern "win64" fn(u64) = unsafe { core::mem::transmute(p.start) };
    f(p.arg);
    _endthread()
}

/// Implements _beginthread(start_address, stack_size, arglist): the handle
/// is closed when the thread ends (the documented difference from
/// _beginthreadex); -1 on failure.
pub extern "win64" fn _beginthread(start: u64, stack: u32, arg: u64) -> u64 {
    if start == 0 {
        errno::set(EINVAL);
        return u64::MAX;
    }
    let p = Box::into_raw(Box::new(Plain { start, arg }));
    // Created suspended so the handle is on record before the thread can
    // reach _endthread.
    let h = kernel32::thread::CreateThread(
        0,
        stack as u64,
        plain_thread as *const () as u64,
        p as u64,
        0x4,
        core::ptr::null_mut(),
    );
    if h == 0 {
        // SAFETY: the thread was not created; the Box is still ours.
        drop(unsafe { Box::from_raw(p) });
        errno::set_from_win32(kernel32::process::GetLastError());
        return u64::MAX;
    }
    OWN_HANDLES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((kernel32::thread::GetThreadId(h), h));
    kernel32::thread::ResumeThread(h);
    h
}

/// Handles of _beginthread threads, closed by the thread at its end.
static OWN_HANDLES: std::sync::Mutex<Vec<(u32, u64)>> = std::sync::Mutex::new(Vec::new());

/// Implements _endthread(): ends a thread started by _beginthread, closing
/// its handle.
pub extern "win64" fn _endthread() -> ! {
    let me = kernel32::process::GetCurrentThreadId();
    let handle = {
        let mut v = OWN_HANDLES.lock().unwrap_or_else(|e| e.into_inner());
        v.iter()
            .position(|&(id, _)| id == me)
            .map(|i| v.swap_remove(i).1)
    };
    if let Some(h) = handle {
        kernel32::file::CloseHandle(h);
    }
    kernel32::thread::ExitThread(0)
}
