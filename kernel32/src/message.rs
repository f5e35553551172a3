//! FormatMessageA/W: the system message table, message strings with
//! inserts (%1..%99 with !printf! specs), escapes, line width and buffer
//! allocation.
//!
//! Arguments: with FORMAT_MESSAGE_ARGUMENT_ARRAY, `Arguments` is an array
//! of DWORD_PTRs; otherwise it is a `va_list *`. On x64 a va_list is a
//! pointer to consecutive 8-byte slots, so both are read as arrays of
//! 64-bit slots - the va_list one through one more indirection. Insert %n
//! reads slot n-1; a `*` width or precision reads the slots after it.

use crate::error::*;
use crate::localmem::LocalAlloc;
use crate::message_table::system_message;
use syscalls::*;

const FORMAT_MESSAGE_ALLOCATE_BUFFER: u32 = 0x100;
const FORMAT_MESSAGE_IGNORE_INSERTS: u32 = 0x200;
const FORMAT_MESSAGE_FROM_STRING: u32 = 0x400;
const FORMAT_MESSAGE_FROM_HMODULE: u32 = 0x800;
const FORMAT_MESSAGE_FROM_SYSTEM: u32 = 0x1000;
const FORMAT_MESSAGE_ARGUMENT_ARRAY: u32 = 0x2000;
const FORMAT_MESSAGE_MAX_WIDTH_MASK: u32 = 0xFF;

const ERROR_NOACCESS: u32 = 998;
const ERROR_MORE_DATA: u32 = 234;
const ERROR_MR_MID_NOT_FOUND: u32 = 317;
const ERROR_RESOURCE_TYPE_NOT_FOUND: u32 = 1813;
const ERROR_RESOURCE_LANG_NOT_FOUND: u32 = 1815;
const LANG_ENGLISH: u32 = 0x09;

/// Which API is asking: the A one takes and gives ANSI text, and its %s
/// inserts are narrow strings (%S wide), the W one the other way round.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Width {
    Ansi,
    Wide,
}

/// A failure, as the Win32 error it sets.
type Fail = u32;

/// Where insert values come from.
struct Inserts {
    slots: u64,
}

impl Inserts {
    fn slot(&self, index: usize) -> Result<u64, Fail> {
        if self.slots == 0 {
            return Err(ERROR_INVALID_PARAMETER);
        }
        user::read::<u64>(self.slots + 8 * index as u64).map_err(|_| ERROR_NOACCESS)
    }
}

/// A NUL-terminated guest string, as UTF-16.
pub(crate) fn guest_string(p: u64, width: Width) -> Result<Vec<u16>, Fail> {
    const LIMIT: usize = 1 << 20;
    let mut out = Vec::new();
    match width {
        Width::Wide => {
            while out.len() < LIMIT {
                let c: u16 = user::read(p + 2 * out.len() as u64).map_err(|_| ERROR_NOACCESS)?;
                if c == 0 {
                    break;
                }
                out.push(c);
            }
            Ok(out)
        }
        Width::Ansi => {
            let mut bytes = Vec::new();
            while bytes.len() < LIMIT {
                let c: u8 = user::read(p + bytes.len() as u64).map_err(|_| ERROR_NOACCESS)?;
                if c == 0 {
                    break;
                }
                bytes.push(c);
            }
            Ok(crate::nls::ansi_to_wide(&bytes))
        }
    }
}

/// One !printf! spec applied to the slots from `index`.
fn format_insert(
    spec: &str,
    inserts: &Inserts,
    index: usize,
    width: Width,
) -> Result<Vec<u16>, Fail> {
    let mut chars = spec.chars().peekable();
    let mut next = index;
    let (mut left, mut plus, mut space, mut alt, mut zero) = (false, false, false, false, false);
    while let Some(&c) = chars.peek() {
        match c {
            '-' => left = true,
            '+' => plus = true,
            ' ' => space = true,
            '#' => alt = true,
            '0' => zero = true,
            _ => break,
        }
        chars.next();
    }
    let mut number =
        |chars: &mut std::iter::Peekable<std::str::Chars>| -> Result<Option<usize>, Fail> {
            if chars.peek() == Some(&'*') {
                chars.next();
                let v = inserts.slot(next)? as u32 as i32;
                next += 1;
                return Ok(Some(v.max(0) as usize));
            }
            let mut n = None;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = Some(n.unwrap_or(0) * 10 + d as usize);
                chars.next();
            }
            Ok(n)
        };
    let field = number(&mut chars)?;
    let precision = if chars.peek() == Some(&'.') {
        chars.next();
        Some(number(&mut chars)?.unwrap_or(0))
    } else {
        None
    };
    // Size prefixes: h, l, ll, w, I, I32, I64.
    let rest: String = chars.collect();
    let (wide64, narrow, wide_str, conv) = {
        let mut r = rest.as_str();
        let (mut big, mut short, mut wide) = (false, false, false);
        loop {
            if let Some(x) = r.strip_prefix("I64").or_else(|| r.strip_prefix("ll")) {
                big = true;
                r = x;
            } else if let Some(x) = r.strip_prefix("I32") {
                r = x;
            } else if let Some(x) = r.strip_prefix('I') {
                big = true;
                r = x;
            } else if let Some(x) = r.strip_prefix('h') {
                short = true;
                r = x;
            } else if let Some(x) = r.strip_prefix('l').or_else(|| r.strip_prefix('w')) {
                wide = true;
                r = x;
            } else {
                break;
            }
        }
        (big, short, wide, r)
    };
    let mut conv = conv.chars();
    let (Some(kind), None) = (conv.next(), conv.next()) else {
        return Err(ERROR_INVALID_PARAMETER);
    };
    let value = inserts.slot(next)?;
    let mut sign = String::new();
    let body: Vec<u16> = match kind {
        's' | 'S' => {
            // %s follows the API's width, %S the other; h and l force one.
            let w = if narrow {
                Width::Ansi
            } else if wide_str {
                Width::Wide
            } else if (kind == 's') == (width == Width::Wide) {
                Width::Wide
            } else {
                Width::Ansi
            };
            let mut s = if value == 0 {
                "(null)".encode_utf16().collect()
            } else {
                guest_string(value, w)?
            };
            if let Some(p) = precision {
                s.truncate(p);
            }
            s
        }
        'c' | 'C' => vec![value as u16],
        'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'p' => {
            let (neg, magnitude) = match kind {
                'd' | 'i' if wide64 => ((value as i64) < 0, (value as i64).unsigned_abs()),
                'd' | 'i' => ((value as i32) < 0, (value as i32).unsigned_abs() as u64),
                'p' => (false, value),
                _ if wide64 => (false, value),
                _ => (false, value as u32 as u64),
            };
            let mut digits = match kind {
                'x' => format!("{magnitude:x}"),
                'X' => format!("{magnitude:X}"),
                'o' => format!("{magnitude:o}"),
                'p' => format!("{magnitude:016X}"),
                _ => format!("{magnitude}"),
            };
            if let Some(p) = precision {
                if p == 0 && magnitude == 0 {
                    digits.clear();
                }
                while digits.len() < p {
                    digits.insert(0, '0');
                }
            }
            if neg {
                sign.push('-');
            } else if matches!(kind, 'd' | 'i') && plus {
                sign.push('+');
            } else if matches!(kind, 'd' | 'i') && space {
                sign.push(' ');
            }
            if alt && magnitude != 0 {
                match kind {
                    'x' => sign.push_str("0x"),
                    'X' => sign.push_str("0X"),
                    'o' => sign.push('0'),
                    _ => {}
                }
            }
            if zero && !left && precision.is_none() {
                while sign.len() + digits.len() < field.unwrap_or(0) {
                    digits.insert(0, '0');
                }
            }
            digits.encode_utf16().collect()
        }
        // FormatMessage documents no floating-point conversions.
        _ => return Err(ERROR_INVALID_PARAMETER),
    };
    let mut out: Vec<u16> = sign.encode_utf16().collect();
    out.extend(body);
    let pad = field.unwrap_or(0).saturating_sub(out.len());
    if left {
        out.extend(std::iter::repeat(b' ' as u16).take(pad));
    } else {
        out.splice(0..0, std::iter::repeat(b' ' as u16).take(pad));
    }
    Ok(out)
}

/// Output with line-width control: `max` 0 keeps the message's own line
/// breaks; otherwise they become spaces, hard breaks (%n) stay, and with
/// 1..=254 lines are broken at white space to at most `max` characters.
struct Output {
    text: Vec<u16>,
    line_start: usize,
    max: u32,
}

impl Output {
    fn push(&mut self, units: &[u16]) {
        for &u in units {
            self.text.push(u);
            self.wrap();
        }
    }
    fn hard_break(&mut self) {
        self.text.extend([13, 10]);
        self.line_start = self.text.len();
    }
    fn wrap(&mut self) {
        if self.max == 0 || self.max == FORMAT_MESSAGE_MAX_WIDTH_MASK {
            return;
        }
        let max = self.max as usize;
        if self.text.len() - self.line_start <= max {
            return;
        }
        let line = &self.text[self.line_start..];
        match line.iter().rposition(|&c| c == b' ' as u16) {
            Some(at) if at > 0 => {
                let at = self.line_start + at;
                self.text.splice(at..at + 1, [13, 10]);
                self.line_start = at + 2;
            }
            _ => {
                let at = self.line_start + max;
                self.text.splice(at..at, [13, 10]);
                self.line_start = at + 2;
            }
        }
    }
}

/// Formats `message` (UTF-16) as FormatMessage does.
fn format(message: &[u16], flags: u32, inserts: &Inserts, width: Width) -> Result<Vec<u16>, Fail> {
    let max = flags & FORMAT_MESSAGE_MAX_WIDTH_MASK;
    let mut out = Output {
        text: Vec::new(),
        line_start: 0,
        max,
    };
    let ignore = flags & FORMAT_MESSAGE_IGNORE_INSERTS != 0;
    let mut i = 0;
    let at = |i: usize| message.get(i).copied().unwrap_or(0);
    while i < message.len() {
        let c = message[i];
        if c == b'%' as u16 {
            let n = at(i + 1);
            match char::from_u32(n as u32).unwrap_or('\0') {
                '1'..='9' => {
                    let mut index = (n - b'0' as u16) as usize;
                    let mut end = i + 2;
                    if let Some(d) = char::from_u32(at(end) as u32).and_then(|c| c.to_digit(10)) {
                        index = index * 10 + d as usize;
                        end += 1;
                    }
                    let mut spec = None;
                    if at(end) == b'!' as u16 {
                        let close = message[end + 1..]
                            .iter()
                            .position(|&c| c == b'!' as u16)
                            .ok_or(ERROR_INVALID_PARAMETER)?;
                        spec = Some(String::from_utf16_lossy(&message[end + 1..end + 1 + close]));
                        end += close + 2;
                    }
                    if ignore {
                        out.push(&message[i..end]);
                    } else {
                        let spec = spec.unwrap_or_else(|| "s".into());
                        out.push(&format_insert(&spec, inserts, index - 1, width)?);
                    }
                    i = end;
                    continue;
                }
                '0' => break,
                'n' => out.hard_break(),
                'r' => out.text.push(13),
                't' => out.push(&[9]),
                'b' => out.push(&[b' ' as u16]),
                '\0' => out.push(&[c]),
                _ => out.push(&[n]),
            }
            i += 2;
            continue;
        }
        // A line break of the message text itself.
        if max != 0 && (c == 13 || c == 10) {
            if c == 13 && at(i + 1) == 10 {
                i += 1;
            }
            out.push(&[b' ' as u16]);
        } else {
            out.push(&[c]);
        }
        i += 1;
    }
    Ok(out.text)
}

/// The message text the flags select.
fn source_text(
    flags: u32,
    source: u64,
    id: u32,
    language: u32,
    width: Width,
) -> Result<Vec<u16>, Fail> {
    if flags & FORMAT_MESSAGE_FROM_STRING != 0 {
        return guest_string(source, width);
    }
    let primary = language & 0x3FF;
    if language != 0 && primary != LANG_ENGLISH && language != 0x400 && language != 0x800 {
        return Err(ERROR_RESOURCE_LANG_NOT_FOUND);
    }
    if flags & FORMAT_MESSAGE_FROM_HMODULE != 0 {
        log::warn!("FormatMessage: no message tables in modules yet (module {source:#x}, id {id})");
        if flags & FORMAT_MESSAGE_FROM_SYSTEM == 0 {
            return Err(ERROR_RESOURCE_TYPE_NOT_FOUND);
        }
    }
    if flags & FORMAT_MESSAGE_FROM_SYSTEM != 0 {
        return system_message(id)
            .map(|t| t.encode_utf16().collect())
            .ok_or(ERROR_MR_MID_NOT_FOUND);
    }
    Err(ERROR_INVALID_PARAMETER)
}

fn format_message(
    flags: u32,
    source: u64,
    id: u32,
    language: u32,
    buffer: u64,
    size: u32,
    arguments: u64,
    width: Width,
) -> Result<u32, Fail> {
    let slots = if arguments == 0 || flags & FORMAT_MESSAGE_ARGUMENT_ARRAY != 0 {
        arguments
    } else {
        user::read::<u64>(arguments).map_err(|_| ERROR_NOACCESS)?
    };
    let text = source_text(flags, source, id, language, width)?;
    let mut wide = format(&text, flags, &Inserts { slots }, width)?;
    let out: Vec<u8> = match width {
        Width::Wide => {
            wide.push(0);
            wide.iter().flat_map(|u| u.to_le_bytes()).collect()
        }
        Width::Ansi => {
            let mut a = crate::nls::wide_to_ansi(&wide);
            a.push(0);
            a
        }
    };
    let unit = if width == Width::Wide { 2 } else { 1 };
    let count = (out.len() / unit) as u32;
    if flags & FORMAT_MESSAGE_ALLOCATE_BUFFER != 0 {
        // Documented: an allocated message past 128K bytes fails.
        if out.len() > 128 * 1024 {
            return Err(ERROR_MORE_DATA);
        }
        let bytes = (count.max(size) as u64) * unit as u64;
        let block = LocalAlloc(0, bytes);
        if block == 0 {
            return Err(ERROR_NOT_ENOUGH_MEMORY);
        }
        user::write_from(block, &out).map_err(|_| ERROR_NOACCESS)?;
        if user::write(buffer, &block).is_err() {
            crate::localmem::LocalFree(block);
            return Err(ERROR_NOACCESS);
        }
    } else {
        if count > size {
            return Err(ERROR_INSUFFICIENT_BUFFER);
        }
        user::write_from(buffer, &out).map_err(|_| ERROR_NOACCESS)?;
    }
    Ok(count - 1)
}

fn finish(r: Result<u32, Fail>) -> u32 {
    r.unwrap_or_else(|code| {
        set_error(code);
        0
    })
}

/// Implements FormatMessageW(dwFlags, lpSource, dwMessageId, dwLanguageId,
/// lpBuffer, nSize, Arguments).
pub extern "win64" fn FormatMessageW(
    flags: u32,
    source: u64,
    id: u32,
    language: u32,
    buffer: u64,
    size: u32,
    arguments: u64,
) -> u32 {
    finish(format_message(
        flags,
        source,
        id,
        language,
        buffer,
        size,
        arguments,
        Width::Wide,
    ))
}

/// Implements FormatMessageA: as FormatMessageW in the ANSI code page.
pub extern "win64" fn FormatMessageA(
    flags: u32,
    source: u64,
    id: u32,
    language: u32,
    buffer: u64,
    size: u32,
    arguments: u64,
) -> u32 {
    finish(format_message(
        flags,
        source,
        id,
        language,
        buffer,
        size,
        arguments,
        Width::Ansi,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str, flags: u32) -> String {
        let units: Vec<u16> = text.encode_utf16().collect();
        let out = format(&units, flags, &Inserts { slots: 0 }, Width::Wide).unwrap();
        String::from_utf16(&out).unwrap()
    }

    #[test]
    fn escapes_and_widths() {
        assert_eq!(fmt("a%%b%nc%td%be%r%.%!", 0), "a%b\r\nc\td e\r.!");
        assert_eq!(fmt("one\r\ntwo%nthree", 0xFF), "one two\r\nthree");
        assert_eq!(fmt("aaaa bbbb cccc dddd", 10), "aaaa bbbb\r\ncccc dddd");
        assert_eq!(fmt("abcdefghijkl", 5), "abcde\r\nfghij\r\nkl");
        assert_eq!(
            fmt("x %1 %2!d! y", FORMAT_MESSAGE_IGNORE_INSERTS),
            "x %1 %2!d! y"
        );
        assert_eq!(fmt("stop%0here", 0), "stop");
    }
}
