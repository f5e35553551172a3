//! Console control events: SetConsoleCtrlHandler and
//! GenerateConsoleCtrlEvent, with Ctrl-C arriving as SIGINT.
//!
//! As on Windows, each event runs the handlers on a new thread of the
//! process, most recently added first, until one returns TRUE; when none
//! does, the default handler ends the process with STATUS_CONTROL_C_EXIT.
//! Ctrl-C on the terminal (SIGINT) reaches the executive's console, which
//! starts the thread at the routine kernel32 gave it, as the console host
//! does on Windows.

use crate::console::IOCTL_CASEMENT_CONSOLE_SET_CTRL_ROUTINE;
use crate::error::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

pub const CTRL_C_EVENT: u32 = 0;
pub const CTRL_BREAK_EVENT: u32 = 1;
const STATUS_CONTROL_C_EXIT: u32 = 0xC000_013A;

static HANDLERS: Mutex<Vec<u64>> = Mutex::new(Vec::new());
/// SetConsoleCtrlHandler(NULL, TRUE): Ctrl-C is ignored.
static IGNORE_CTRL_C: AtomicBool = AtomicBool::new(false);

/// The thread routine of a control event: the handlers, newest first.
extern "win64" fn ctrl_routine(event: u64) -> u32 {
    let event = event as u32;
    if event == CTRL_C_EVENT && IGNORE_CTRL_C.load(Ordering::Acquire) {
        return 0;
    }
    let handlers: Vec<u64> = HANDLERS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for &h in handlers.iter().rev() {
        // SAFETY: a PHANDLER_ROUTINE the program registered.
        let handler: extern "win64" fn(u32) -> i32 = unsafe { core::mem::transmute(h) };
        if handler(event) != 0 {
            return 0;
        }
    }
    crate::process::ExitProcess(STATUS_CONTROL_C_EXIT)
}

fn dispatch(event: u32) -> bool {
    let h = crate::thread::CreateThread(
        0,
        0,
        ctrl_routine as *const () as u64,
        event as u64,
        0,
        core::ptr::null_mut(),
    );
    if h == 0 {
        return false;
    }
    syscalls::syscall(syscalls::nr::NtClose, &syscalls::args([h]));
    true
}

/// Tells the console (once) to start `ctrl_routine` on Ctrl-C: through
/// a standard handle that is the console, or CONIN$. Without a terminal
/// there is no Ctrl-C to deliver.
fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let routine = (ctrl_routine as *const () as u64).to_le_bytes();
        let p = crate::process::parameters();
        for h in [p.StandardInput, p.StandardOutput, p.StandardError] {
            if crate::console::is_console(h)
                && crate::console::console_control(
                    h,
                    IOCTL_CASEMENT_CONSOLE_SET_CTRL_ROUTINE,
                    &routine,
                    &mut [],
                )
                .is_ok()
            {
                return;
            }
        }
        let name: Vec<u16> = "CONIN$".encode_utf16().collect();
        if let Ok((h, _)) = crate::file::nt_create(&name, 0x8010_0080, 3, 1, 0x20, 0) {
            let _ = crate::console::console_control(
                h,
                IOCTL_CASEMENT_CONSOLE_SET_CTRL_ROUTINE,
                &routine,
                &mut [],
            );
            syscalls::syscall(syscalls::nr::NtClose, &syscalls::args([h]));
        }
    });
}

/// Implements SetConsoleCtrlHandler(HandlerRoutine, Add).
pub extern "win64" fn SetConsoleCtrlHandler(handler: u64, add: i32) -> i32 {
    install();
    if handler == 0 {
        IGNORE_CTRL_C.store(add != 0, Ordering::Release);
        return 1;
    }
    let mut handlers = HANDLERS.lock().unwrap_or_else(|e| e.into_inner());
    if add != 0 {
        handlers.push(handler);
        return 1;
    }
    match handlers.iter().rposition(|&h| h == handler) {
        Some(i) => {
            handlers.remove(i);
            1
        }
        None => {
            set_error(ERROR_INVALID_PARAMETER);
            0
        }
    }
}

/// Implements GenerateConsoleCtrlEvent(dwCtrlEvent, dwProcessGroupId): the
/// event reaches this process (the other processes of the terminal are
/// not Windows processes to signal).
pub extern "win64" fn GenerateConsoleCtrlEvent(event: u32, _group: u32) -> i32 {
    if event != CTRL_C_EVENT && event != CTRL_BREAK_EVENT {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if dispatch(event) {
        1
    } else {
        0
    }
}
