//! The console screen buffer on a terminal: its size and window from the
//! terminal's, text attributes as ANSI SGR sequences, and the console's
//! attachment (AllocConsole, FreeConsole, GetConsoleWindow).

use crate::console::{console_control, is_console, write_bytes, IOCTL_CASEMENT_CONSOLE_GET_SIZE};
use crate::error::*;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use syscalls::*;

/// FOREGROUND_BLUE | FOREGROUND_GREEN | FOREGROUND_RED: a new console's
/// attributes.
const DEFAULT_ATTRIBUTES: u16 = 0x07;
const COMMON_LVB_REVERSE_VIDEO: u16 = 0x4000;
const COMMON_LVB_UNDERSCORE: u16 = 0x8000;
const ERROR_ACCESS_DENIED: u32 = 5;

static ATTRIBUTES: AtomicU16 = AtomicU16::new(DEFAULT_ATTRIBUTES);
/// A console program starts attached to the console it was started from.
static ATTACHED: AtomicBool = AtomicBool::new(true);

/// The ANSI colour index of a Windows colour (bit 0 blue, 1 green, 2 red;
/// ANSI has red as bit 0 and blue as bit 2).
fn ansi_index(c: u16) -> u16 {
    (c & 4) >> 2 | (c & 2) | (c & 1) << 2
}

/// The SGR sequence that shows text in `attr`.
pub fn sgr(attr: u16) -> String {
    if attr == DEFAULT_ATTRIBUTES {
        return "\x1b[0m".to_string();
    }
    let (fg, bg) = (attr & 0xF, (attr >> 4) & 0xF);
    let fg = if fg & 8 != 0 { 90 } else { 30 } + ansi_index(fg);
    let bg = if bg & 8 != 0 { 100 } else { 40 } + ansi_index(bg);
    let mut s = format!("\x1b[0;{fg};{bg}");
    if attr & COMMON_LVB_UNDERSCORE != 0 {
        s.push_str(";4");
    }
    if attr & COMMON_LVB_REVERSE_VIDEO != 0 {
        s.push_str(";7");
    }
    s.push('m');
    s
}

/// Implements SetConsoleTextAttribute(hConsoleOutput, wAttributes).
pub extern "win64" fn SetConsoleTextAttribute(h: u64, attr: u16) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    if let Err(st) = write_bytes(h, sgr(attr).as_bytes()) {
        return fail(st, 0);
    }
    ATTRIBUTES.store(attr, Ordering::Relaxed);
    1
}

/// Implements GetConsoleScreenBufferInfo(hConsoleOutput,
/// lpConsoleScreenBufferInfo): the buffer is the terminal's window (the
/// terminal keeps the scrollback). The cursor position is not tracked and
/// reads as the window's origin.
pub extern "win64" fn GetConsoleScreenBufferInfo(h: u64, info: u64) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let mut size = [0u8; 4];
    if let Err(st) = console_control(h, IOCTL_CASEMENT_CONSOLE_GET_SIZE, &[], &mut size) {
        return fail(st, 0);
    }
    let cols = u16::from_le_bytes([size[0], size[1]]).min(0x7FFF);
    let rows = u16::from_le_bytes([size[2], size[3]]).min(0x7FFF);
    // CONSOLE_SCREEN_BUFFER_INFO: dwSize, dwCursorPosition, wAttributes,
    // srWindow (Left, Top, Right, Bottom), dwMaximumWindowSize.
    let words: [u16; 11] = [
        cols,
        rows,
        0,
        0,
        ATTRIBUTES.load(Ordering::Relaxed),
        0,
        0,
        cols - 1,
        rows - 1,
        cols,
        rows,
    ];
    match user::write(info, &words) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements AllocConsole(): a process has one console at most.
pub extern "win64" fn AllocConsole() -> i32 {
    if ATTACHED.swap(true, Ordering::AcqRel) {
        set_error(ERROR_ACCESS_DENIED);
        return 0;
    }
    1
}

/// Implements FreeConsole().
pub extern "win64" fn FreeConsole() -> i32 {
    if !ATTACHED.swap(false, Ordering::AcqRel) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    1
}

/// Implements GetConsoleWindow(): a terminal is not a window this process
/// can address, so there is no console window handle (NULL, as for a
/// process without a console window).
pub extern "win64" fn GetConsoleWindow() -> u64 {
    0
}
