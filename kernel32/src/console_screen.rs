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

/// Implements GetLargestConsoleWindowSize(hConsoleOutput): the terminal's
/// size (a terminal window is as large as it is); COORD in the low and
/// high 16 bits, 0 on failure.
pub extern "win64" fn GetLargestConsoleWindowSize(h: u64) -> u32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let mut size = [0u8; 4];
    match console_control(h, IOCTL_CASEMENT_CONSOLE_GET_SIZE, &[], &mut size) {
        Ok(()) => u32::from_le_bytes(size),
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

/// Implements SetConsoleCursorPosition(hConsoleOutput, dwCursorPosition):
/// a CUP sequence. The COORD arrives packed in one register (X low).
pub extern "win64" fn SetConsoleCursorPosition(h: u64, coord: u32) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let (x, y) = (coord as u16 as i16, (coord >> 16) as u16 as i16);
    let mut size = [0u8; 4];
    if let Err(st) = console_control(h, IOCTL_CASEMENT_CONSOLE_GET_SIZE, &[], &mut size) {
        return fail(st, 0);
    }
    let (cols, rows) = (
        u16::from_le_bytes([size[0], size[1]]) as i16,
        u16::from_le_bytes([size[2], size[3]]) as i16,
    );
    if x < 0 || y < 0 || x >= cols || y >= rows {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    match write_bytes(h, format!("\x1b[{};{}H", y + 1, x + 1).as_bytes()) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

static CURSOR_SIZE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(25);
static CURSOR_VISIBLE: AtomicBool = AtomicBool::new(true);

/// Implements GetConsoleCursorInfo(hConsoleOutput, lpConsoleCursorInfo).
pub extern "win64" fn GetConsoleCursorInfo(h: u64, info: u64) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let v: [u32; 2] = [
        CURSOR_SIZE.load(Ordering::Relaxed),
        CURSOR_VISIBLE.load(Ordering::Relaxed) as u32,
    ];
    match user::write(info, &v) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements SetConsoleCursorInfo(hConsoleOutput, lpConsoleCursorInfo):
/// visibility as DECTCEM; the size (1-100) is kept.
pub extern "win64" fn SetConsoleCursorInfo(h: u64, info: u64) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let [size, visible]: [u32; 2] = match user::read(info) {
        Ok(v) => v,
        Err(st) => return fail(st, 0),
    };
    if !(1..=100).contains(&size) {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let seq: &[u8] = if visible != 0 {
        b"\x1b[?25h"
    } else {
        b"\x1b[?25l"
    };
    if let Err(st) = write_bytes(h, seq) {
        return fail(st, 0);
    }
    CURSOR_SIZE.store(size, Ordering::Relaxed);
    CURSOR_VISIBLE.store(visible != 0, Ordering::Relaxed);
    1
}

static TITLE: std::sync::Mutex<Option<Vec<u16>>> = std::sync::Mutex::new(None);

/// The console's title: the program's command line until it is set.
fn title() -> Vec<u16> {
    let mut t = TITLE.lock().unwrap_or_else(|e| e.into_inner());
    t.get_or_insert_with(|| {
        let p = crate::process::parameters();
        let us = &p.ImagePathName;
        user::read_u16s(us.Buffer, us.Length as usize / 2).unwrap_or_default()
    })
    .clone()
}

/// Implements SetConsoleTitleW(lpConsoleTitle): kept, and shown by the
/// terminal (OSC 0) when standard output or error is the console.
pub extern "win64" fn SetConsoleTitleW(s: *const u16) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(t) = (unsafe { wstr(s) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let p = crate::process::parameters();
    if let Some(h) = [p.StandardOutput, p.StandardError]
        .into_iter()
        .find(|&h| is_console(h))
    {
        let text: String = String::from_utf16_lossy(&t)
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        let _ = write_bytes(h, format!("\x1b]0;{text}\x07").as_bytes());
    }
    *TITLE.lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
    1
}

/// Implements SetConsoleTitleA.
pub extern "win64" fn SetConsoleTitleA(s: *const u8) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    match unsafe { astr(s) } {
        None => SetConsoleTitleW(core::ptr::null()),
        Some(mut w) => {
            w.push(0);
            SetConsoleTitleW(w.as_ptr())
        }
    }
}

/// Implements GetConsoleTitleW(lpConsoleTitle, nSize): the length copied
/// (truncated to fit with its NUL), 0 with the error on failure.
pub extern "win64" fn GetConsoleTitleW(buf: u64, size: u32) -> u32 {
    let t = title();
    if size == 0 {
        set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    let n = t.len().min(size as usize - 1);
    let mut out: Vec<u8> = t[..n].iter().flat_map(|u| u.to_le_bytes()).collect();
    out.extend([0, 0]);
    match user::write_from(buf, &out) {
        Ok(()) => n as u32,
        Err(st) => fail(st, 0),
    }
}

/// Implements GetConsoleTitleA.
pub extern "win64" fn GetConsoleTitleA(buf: u64, size: u32) -> u32 {
    let bytes = crate::nls::wide_to_ansi(&title());
    if size == 0 {
        set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    let n = bytes.len().min(size as usize - 1);
    let mut out = bytes[..n].to_vec();
    out.push(0);
    match user::write_from(buf, &out) {
        Ok(()) => n as u32,
        Err(st) => fail(st, 0),
    }
}
