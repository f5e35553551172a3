//! Console input as events: ReadConsoleInput, PeekConsoleInput,
//! GetNumberOfConsoleInputEvents, FlushConsoleInputBuffer.
//!
//! The terminal sends characters and escape sequences; they become
//! KEY_EVENT records (a key down and a key up for each key, as a console
//! reports a key typed), with the virtual-key codes of winuser.h for the
//! keys a terminal can tell apart. While events are read the terminal is
//! in character mode without echo, as console input is.

use crate::console::{console_control, is_console, IOCTL_CASEMENT_CONSOLE_SET_INPUT_MODE};
use crate::error::*;
use std::collections::VecDeque;
use std::sync::Mutex;
use syscalls::nt::IO_STATUS_BLOCK;
use syscalls::*;

const KEY_EVENT: u16 = 1;
const SHIFT_PRESSED: u32 = 0x10;
const LEFT_CTRL_PRESSED: u32 = 0x8;
const ENABLE_PROCESSED_INPUT: u32 = 1;
const NO_WAIT: u32 = 0x8000_0000;

/// One KEY_EVENT_RECORD's fields.
#[derive(Clone, Copy)]
struct Key {
    down: bool,
    vk: u16,
    ch: u16,
    state: u32,
}

impl Key {
    /// INPUT_RECORD (20 bytes): EventType, padding, KEY_EVENT_RECORD
    /// { bKeyDown, wRepeatCount, wVirtualKeyCode, wVirtualScanCode,
    /// uChar, dwControlKeyState }.
    fn record(&self, ansi: bool) -> [u8; 20] {
        let mut r = [0u8; 20];
        r[0..2].copy_from_slice(&KEY_EVENT.to_le_bytes());
        r[4..8].copy_from_slice(&(self.down as u32).to_le_bytes());
        r[8..10].copy_from_slice(&1u16.to_le_bytes());
        r[10..12].copy_from_slice(&self.vk.to_le_bytes());
        let ch = if ansi {
            // uChar.AsciiChar: the character in the console input code page.
            let b = crate::nls::from_wide(crate::console::GetConsoleCP(), &[self.ch]);
            b.first().copied().unwrap_or(0) as u16
        } else {
            self.ch
        };
        r[14..16].copy_from_slice(&ch.to_le_bytes());
        r[16..20].copy_from_slice(&self.state.to_le_bytes());
        r
    }
}

static EVENTS: Mutex<VecDeque<Key>> = Mutex::new(VecDeque::new());

fn press(q: &mut VecDeque<Key>, vk: u16, ch: u16, state: u32) {
    q.push_back(Key {
        down: true,
        vk,
        ch,
        state,
    });
    q.push_back(Key {
        down: false,
        vk,
        ch,
        state,
    });
}

/// The key of a character a terminal sends as itself.
fn char_key(c: char) -> (u16, u16, u32) {
    let ch = c as u32;
    match c {
        '\r' | '\n' => (0x0D, 0x0D, 0),     // VK_RETURN
        '\x7f' | '\x08' => (0x08, 0x08, 0), // VK_BACK
        '\t' => (0x09, 0x09, 0),
        '\x1b' => (0x1B, 0x1B, 0),
        ' ' => (0x20, 0x20, 0),
        '\x01'..='\x1a' => (0x40 + ch as u16, ch as u16, LEFT_CTRL_PRESSED),
        'a'..='z' => (c.to_ascii_uppercase() as u16, ch as u16, 0),
        'A'..='Z' => (ch as u16, ch as u16, SHIFT_PRESSED),
        '0'..='9' => (ch as u16, ch as u16, 0),
        // Other characters: no key code a terminal can tell.
        _ => (0, if ch <= 0xFFFF { ch as u16 } else { 0xFFFD }, 0),
    }
}

/// The key of an escape sequence (after ESC), and its length.
fn sequence_key(rest: &[u8]) -> Option<(u16, usize)> {
    let table: &[(&[u8], u16)] = &[
        (b"[A", 0x26),  // VK_UP
        (b"[B", 0x28),  // VK_DOWN
        (b"[C", 0x27),  // VK_RIGHT
        (b"[D", 0x25),  // VK_LEFT
        (b"[H", 0x24),  // VK_HOME
        (b"[F", 0x23),  // VK_END
        (b"[2~", 0x2D), // VK_INSERT
        (b"[3~", 0x2E), // VK_DELETE
        (b"[5~", 0x21), // VK_PRIOR
        (b"[6~", 0x22), // VK_NEXT
        (b"OP", 0x70),  // VK_F1
        (b"OQ", 0x71),
        (b"OR", 0x72),
        (b"OS", 0x73),
    ];
    table
        .iter()
        .find(|(seq, _)| rest.starts_with(seq))
        .map(|&(seq, vk)| (vk, seq.len()))
}

fn decode(bytes: &[u8], q: &mut VecDeque<Key>) {
    let text = String::from_utf8_lossy(bytes);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\x1b' {
            let rest: String = chars[i + 1..].iter().take(4).collect();
            if let Some((vk, len)) = sequence_key(rest.as_bytes()) {
                press(q, vk, 0, 0);
                i += 1 + len;
                continue;
            }
        }
        let (vk, ch, state) = char_key(chars[i]);
        press(q, vk, ch, state);
        i += 1;
    }
}

/// Reads what the terminal has (waiting for something when `wait`) into
/// the event queue, with the terminal in character mode meanwhile.
fn fill(h: u64, q: &mut VecDeque<Key>, wait: bool) -> Result<(), NtStatus> {
    let processed = crate::console::input_mode() & ENABLE_PROCESSED_INPUT;
    let raw = processed | if wait { 0 } else { NO_WAIT };
    console_control(
        h,
        IOCTL_CASEMENT_CONSOLE_SET_INPUT_MODE,
        &raw.to_le_bytes(),
        &mut [],
    )?;
    let mut buf = vec![0u8; 256];
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtReadFile,
        &args([
            h,
            0,
            0,
            0,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            buf.as_mut_ptr() as u64,
            buf.len() as u64,
            0,
            0,
        ]),
    );
    let mode = crate::console::input_mode();
    let _ = console_control(
        h,
        IOCTL_CASEMENT_CONSOLE_SET_INPUT_MODE,
        &mode.to_le_bytes(),
        &mut [],
    );
    if st.is_error() {
        return Err(st);
    }
    buf.truncate(iosb.Information as usize);
    decode(&buf, q);
    Ok(())
}

fn events(h: u64, buf: u64, n: u32, count: *mut u32, remove: bool, wait: bool, ansi: bool) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let mut q = EVENTS.lock().unwrap_or_else(|e| e.into_inner());
    let r = (|| {
        while q.is_empty() {
            fill(h, &mut q, wait)?;
            if !wait {
                break;
            }
        }
        let k = (n as usize).min(q.len());
        let bytes: Vec<u8> = q.iter().take(k).flat_map(|e| e.record(ansi)).collect();
        user::write_from(buf, &bytes)?;
        user::write_opt(count as u64, &(k as u32))?;
        if remove {
            q.drain(..k);
        }
        Ok(())
    })();
    match r {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements ReadConsoleInputW(hConsoleInput, lpBuffer, nLength,
/// lpNumberOfEventsRead): waits for at least one event.
pub extern "win64" fn ReadConsoleInputW(h: u64, buf: u64, n: u32, read: *mut u32) -> i32 {
    events(h, buf, n, read, true, true, false)
}

/// Implements ReadConsoleInputA: the characters in the input code page.
pub extern "win64" fn ReadConsoleInputA(h: u64, buf: u64, n: u32, read: *mut u32) -> i32 {
    events(h, buf, n, read, true, true, true)
}

/// Implements PeekConsoleInputW(hConsoleInput, lpBuffer, nLength,
/// lpNumberOfEventsRead): does not wait, does not remove.
pub extern "win64" fn PeekConsoleInputW(h: u64, buf: u64, n: u32, read: *mut u32) -> i32 {
    events(h, buf, n, read, false, false, false)
}

/// Implements PeekConsoleInputA.
pub extern "win64" fn PeekConsoleInputA(h: u64, buf: u64, n: u32, read: *mut u32) -> i32 {
    events(h, buf, n, read, false, false, true)
}

/// Implements GetNumberOfConsoleInputEvents(hConsoleInput,
/// lpcNumberOfEvents).
pub extern "win64" fn GetNumberOfConsoleInputEvents(h: u64, count: *mut u32) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let mut q = EVENTS.lock().unwrap_or_else(|e| e.into_inner());
    if q.is_empty() {
        if let Err(st) = fill(h, &mut q, false) {
            return fail(st, 0);
        }
    }
    match user::write(count as u64, &(q.len() as u32)) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements FlushConsoleInputBuffer(hConsoleInput).
pub extern "win64" fn FlushConsoleInputBuffer(h: u64) -> i32 {
    if !is_console(h) {
        set_error(ERROR_INVALID_HANDLE);
        return 0;
    }
    let mut q = EVENTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(st) = fill(h, &mut q, false) {
        return fail(st, 0);
    }
    q.clear();
    crate::console::discard_pending_input();
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_terminal_bytes() {
        let mut q = VecDeque::new();
        decode(b"a\x1b[A\r\x03", &mut q);
        let downs: Vec<(u16, u16, u32)> = q
            .iter()
            .filter(|k| k.down)
            .map(|k| (k.vk, k.ch, k.state))
            .collect();
        assert_eq!(
            downs,
            [
                (0x41, b'a' as u16, 0),
                (0x26, 0, 0),
                (0x0D, 0x0D, 0),
                (0x43, 3, LEFT_CTRL_PRESSED)
            ]
        );
        assert_eq!(q.len(), 8, "a key up for every key down");
    }
}
