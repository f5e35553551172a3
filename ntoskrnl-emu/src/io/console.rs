//! The console device's controls: the terminal's size and its input modes.
//!
//! Windows' console driver (condrv) speaks an undocumented protocol with
//! its host; casement's console is the Linux terminal, and kernel32 asks
//! the executive about it with two controls of its own, through
//! NtDeviceIoControlFile on a console handle, as Win32 reaches any device.
//! The terminal's settings as they were before the first change are put
//! back when the process ends.

use super::{last_errno, status_from_errno, FileObject, FILE_DEVICE_CONSOLE};
use crate::ob;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use syscalls::nt::IO_STATUS_BLOCK;
use syscalls::*;

const fn ctl_code(function: u32) -> u32 {
    // CTL_CODE(FILE_DEVICE_CONSOLE, function, METHOD_BUFFERED, FILE_ANY_ACCESS)
    (FILE_DEVICE_CONSOLE << 16) | (function << 2)
}

/// Output: { u16 columns, u16 rows } of the terminal.
pub const IOCTL_CASEMENT_CONSOLE_GET_SIZE: u32 = ctl_code(0x800);
/// Input: the console input mode (ENABLE_PROCESSED_INPUT 1,
/// ENABLE_LINE_INPUT 2, ENABLE_ECHO_INPUT 4) to put the terminal in; with
/// bit 31 (CASEMENT_INPUT_NO_WAIT) and no line input, a read returns at
/// once with what is there, possibly nothing.
pub const IOCTL_CASEMENT_CONSOLE_SET_INPUT_MODE: u32 = ctl_code(0x801);

/// Input: the address of the routine (kernel32's CtrlRoutine) that a new
/// thread runs, with CTRL_C_EVENT as its parameter, when Ctrl-C reaches
/// the process (SIGINT), CTRL_BREAK_EVENT for the terminal's other
/// interrupt key (Ctrl-\, SIGQUIT) — as the console host starts one on
/// Windows.
pub const IOCTL_CASEMENT_CONSOLE_SET_CTRL_ROUTINE: u32 = ctl_code(0x802);

/// Output: u32, 1 for a console input handle (CONIN$), 0 for an output
/// one (CONOUT$). The standard handles share one read-write terminal
/// descriptor: kernel32 knows them by their place.
pub const IOCTL_CASEMENT_CONSOLE_IS_INPUT: u32 = ctl_code(0x803);

pub const CASEMENT_INPUT_NO_WAIT: u32 = 0x8000_0000;

const ENABLE_PROCESSED_INPUT: u32 = 1;
const ENABLE_LINE_INPUT: u32 = 2;
const ENABLE_ECHO_INPUT: u32 = 4;

/// The terminal settings before casement first changed them, with the
/// descriptor they belong to.
static SAVED: Mutex<Option<(i32, libc::termios)>> = Mutex::new(None);

/// Puts the terminal back as it was (at process exit).
pub fn restore_terminal() {
    if let Some((fd, t)) = SAVED.lock().unwrap_or_else(|e| e.into_inner()).take() {
        // SAFETY: tcsetattr with settings tcgetattr gave for this terminal.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) };
    }
}

fn set_input_mode(fd: i32, mode: u32) -> NtResult<()> {
    // SAFETY: tcgetattr into a zeroed termios.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
        return Err(status_from_errno(last_errno()));
    }
    {
        let mut saved = SAVED.lock().unwrap_or_else(|e| e.into_inner());
        if saved.is_none() {
            // Dup'd so the settings can be restored whatever handle closes.
            // SAFETY: dup of a descriptor we hold.
            let keep = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
            if keep >= 0 {
                *saved = Some((keep, t));
            }
        }
    }
    let mut flags = |bit: libc::tcflag_t, on: bool| {
        if on {
            t.c_lflag |= bit;
        } else {
            t.c_lflag &= !bit;
        }
    };
    flags(libc::ICANON, mode & ENABLE_LINE_INPUT != 0);
    flags(libc::ECHO, mode & ENABLE_ECHO_INPUT != 0);
    flags(libc::ISIG, mode & ENABLE_PROCESSED_INPUT != 0);
    if mode & ENABLE_LINE_INPUT == 0 {
        // Character input: a read returns as soon as one byte is there,
        // or at once when asked not to wait.
        t.c_cc[libc::VMIN] = (mode & CASEMENT_INPUT_NO_WAIT == 0) as libc::cc_t;
        t.c_cc[libc::VTIME] = 0;
    }
    // SAFETY: tcsetattr with settings derived from tcgetattr's.
    if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) } != 0 {
        return Err(status_from_errno(last_errno()));
    }
    Ok(())
}

static CTRL_ROUTINE: AtomicU64 = AtomicU64::new(0);
/// Signals taken and not yet dispatched (a futex word), and of them the
/// SIGQUITs.
static SIGNALS: AtomicU32 = AtomicU32::new(0);
static BREAKS: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    // Only atomics and a futex wake: safe in a signal handler.
    if signal == libc::SIGQUIT {
        BREAKS.fetch_add(1, Ordering::Release);
    }
    SIGNALS.fetch_add(1, Ordering::Release);
    crate::ke::futex::wake_only(&SIGNALS, 1);
}

/// Starts a thread at the control routine for one control event
/// (CTRL_C_EVENT 0, CTRL_BREAK_EVENT 1).
fn dispatch_ctrl(event: u64) {
    let routine = CTRL_ROUTINE.load(Ordering::Acquire);
    if routine == 0 {
        return;
    }
    let mut handle = 0u64;
    let status = crate::ps::thread::NtCreateThreadEx(&args([
        &mut handle as *mut u64 as u64,
        0x1F_FFFF,
        0,
        nt::NT_CURRENT_PROCESS,
        routine,
        event,
        0,
        0,
        0,
        0,
        0,
    ]));
    if status.is_success() {
        let _ = ob::close_handle(handle);
    } else {
        log::warn!("Ctrl-C: cannot start the control thread: {status:?}");
    }
}

/// Takes SIGINT and SIGQUIT over, once.
fn install_sigint() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let watcher = std::thread::Builder::new()
            .name("casement-ctrl".into())
            .spawn(|| {
                let mut seen = 0u32;
                loop {
                    let now = SIGNALS.load(Ordering::Acquire);
                    if now == seen {
                        crate::ke::futex::wait(&SIGNALS, now, None);
                        continue;
                    }
                    let breaks = BREAKS.swap(0, Ordering::AcqRel);
                    let all = now.wrapping_sub(seen);
                    for _ in 0..breaks.min(all) {
                        dispatch_ctrl(1);
                    }
                    for _ in 0..all.saturating_sub(breaks) {
                        dispatch_ctrl(0);
                    }
                    seen = now;
                }
            });
        if watcher.is_err() {
            return;
        }
        // SAFETY: installs a handler that only touches an atomic and a
        // futex.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
            libc::sigaction(libc::SIGQUIT, &sa, std::ptr::null_mut());
        }
    });
}

/// Implements NtDeviceIoControlFile(FileHandle, Event, ApcRoutine,
/// ApcContext, IoStatusBlock, IoControlCode, InputBuffer,
/// InputBufferLength, OutputBuffer, OutputBufferLength) for the console.
pub fn NtDeviceIoControlFile(a: &Args) -> NtStatus {
    let run = || -> NtResult<u64> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        if file.device_type != FILE_DEVICE_CONSOLE {
            return Err(STATUS_INVALID_DEVICE_REQUEST);
        }
        let (code, input, in_len, output, out_len) =
            (a[5] as u32, a[6], a[7] as u32, a[8], a[9] as u32);
        match code {
            IOCTL_CASEMENT_CONSOLE_GET_SIZE => {
                if out_len < 4 {
                    return Err(STATUS_BUFFER_TOO_SMALL);
                }
                // SAFETY: TIOCGWINSZ into a zeroed winsize.
                let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
                if unsafe { libc::ioctl(file.raw(), libc::TIOCGWINSZ, &mut ws) } != 0
                    || ws.ws_col == 0
                {
                    // A terminal that does not know its size: the classic 80x25.
                    ws.ws_col = 80;
                    ws.ws_row = 25;
                }
                user::write(output, &[ws.ws_col, ws.ws_row])?;
                Ok(4)
            }
            IOCTL_CASEMENT_CONSOLE_SET_INPUT_MODE => {
                if in_len < 4 {
                    return Err(STATUS_INVALID_PARAMETER);
                }
                let mode: u32 = user::read(input)?;
                set_input_mode(file.raw(), mode)?;
                Ok(0)
            }
            IOCTL_CASEMENT_CONSOLE_IS_INPUT => {
                if out_len < 4 {
                    return Err(STATUS_BUFFER_TOO_SMALL);
                }
                // CONIN$ is the terminal opened for reading, CONOUT$ for
                // writing, whatever access the handle was asked with.
                // SAFETY: F_GETFL on a descriptor we hold.
                let flags = unsafe { libc::fcntl(file.raw(), libc::F_GETFL) };
                let input = flags >= 0 && flags & libc::O_ACCMODE == libc::O_RDONLY;
                user::write(output, &(input as u32))?;
                Ok(4)
            }
            IOCTL_CASEMENT_CONSOLE_SET_CTRL_ROUTINE => {
                if in_len < 8 {
                    return Err(STATUS_INVALID_PARAMETER);
                }
                let routine: u64 = user::read(input)?;
                CTRL_ROUTINE.store(routine, Ordering::Release);
                install_sigint();
                Ok(0)
            }
            _ => Err(STATUS_INVALID_DEVICE_REQUEST),
        }
    };
    match run() {
        Ok(info) => {
            let io = IO_STATUS_BLOCK {
                Status: 0,
                _pad: 0,
                Information: info,
            };
            NtStatus::from_result(user::write(a[4], &io))
        }
        Err(e) => e,
    }
}
