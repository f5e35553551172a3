//! __CxxFrameHandler4's compressed tables (MSVC 2019+, /d2FH4, the x64
//! default; ehdata4_export.h): a FuncInfo4 of a header byte and the
//! optional fields it announces, image-relative 32-bit displacements to
//! the unwind map, try-block map and IP-to-state map (or, for a function
//! whose code is split into separate segments, a table of per-segment
//! IP-to-state maps), and everything else as compressed unsigned
//! integers. States are stored as state+1, IPs as deltas from the
//! previous entry, relative to the function's (segment's) start.
//!
//! Decoded into the frame handler's one form (tables.rs); any unreadable
//! or inconsistent part makes the whole table unreadable (None), and the
//! frame is passed over.

use super::data::{HandlerType, MAX_ENTRIES, MAX_STATES};
use super::tables::*;
use syscalls::user;

// FuncInfo4 header bits.
pub const FI4_IS_CATCH: u8 = 0x01;
pub const FI4_IS_SEPARATED: u8 = 0x02;
pub const FI4_BBT: u8 = 0x04;
pub const FI4_UNWIND_MAP: u8 = 0x08;
pub const FI4_TRY_BLOCK_MAP: u8 = 0x10;
pub const FI4_EHS: u8 = 0x20;
pub const FI4_NO_EXCEPT: u8 = 0x40;
/// Must be 0: a set bit would be a format this runtime does not know.
pub const FI4_RESERVED: u8 = 0x80;

// UnwindMapEntry4 types (the low two bits of its first field).
pub const UW4_NONE: u32 = 0;
pub const UW4_DTOR_WITH_OBJ: u32 = 1;
pub const UW4_DTOR_WITH_PTR_TO_OBJ: u32 = 2;
pub const UW4_RVA: u32 = 3;

// HandlerType4 header bits.
pub const HT4_ADJECTIVES: u8 = 0x01;
pub const HT4_DISP_TYPE: u8 = 0x02;
pub const HT4_DISP_CATCH_OBJ: u8 = 0x04;
pub const HT4_CONT_IS_RVA: u8 = 0x08;
/// Bits 4-5: how many continuation addresses follow (0, 1 or 2; 3 is
/// reserved).
pub const HT4_CONT_ADDR_SHIFT: u8 = 4;

/// Decodes one compressed unsigned integer from the start of `bytes`:
/// the low bits of the first byte say how long it is (xxx0: 1 byte, 7
/// bits; xx01: 2 bytes, 14 bits; x011: 3 bytes, 21 bits; 0111: 4 bytes,
/// 28 bits; 1111: the 4 bytes after it). Returns the value and its length.
pub fn decode_compressed(bytes: &[u8]) -> Option<(u32, usize)> {
    let first = *bytes.first()?;
    let len = match first & 0x0F {
        0x0F => 5,
        0x07 => 4,
        l if l & 0x07 == 0x03 => 3,
        l if l & 0x03 == 0x01 => 2,
        _ => 1,
    };
    let raw = bytes.get(..len)?;
    let value = if len == 5 {
        u32::from_le_bytes([raw[1], raw[2], raw[3], raw[4]])
    } else {
        let mut v = 0u32;
        for (i, b) in raw.iter().enumerate() {
            v |= (*b as u32) << (8 * i);
        }
        v >> len
    };
    Some((value, len))
}

/// Reads the encoded tables of guest memory, front to back.
struct Cursor {
    at: u64,
}

impl Cursor {
    fn byte(&mut self) -> Option<u8> {
        let b = user::read::<u8>(self.at).ok()?;
        self.at += 1;
        Some(b)
    }

    fn int(&mut self) -> Option<i32> {
        let v = user::read::<i32>(self.at).ok()?;
        self.at += 4;
        Some(v)
    }

    fn compressed(&mut self) -> Option<u32> {
        let mut bytes = [0u8; 5];
        bytes[0] = user::read::<u8>(self.at).ok()?;
        // Only the bytes the first one announces are read: the table may
        // end at the end of its section.
        let len = decode_compressed(&[bytes[0], 0, 0, 0, 0])?.1;
        for (i, b) in bytes.iter_mut().enumerate().take(len).skip(1) {
            *b = user::read::<u8>(self.at + i as u64).ok()?;
        }
        self.at += len as u64;
        decode_compressed(&bytes[..len]).map(|(v, _)| v)
    }

    /// A compressed count, refused past `max` (the tables are untrusted).
    fn count(&mut self, max: u32) -> Option<u32> {
        self.compressed().filter(|&n| n <= max)
    }
}

/// An image-relative displacement, 0 for none.
fn rva(base: u64, disp: i32) -> u64 {
    if disp == 0 {
        0
    } else {
        base.wrapping_add(disp as i64 as u64)
    }
}

/// Decodes the FuncInfo4 at `at`, the handler data of the function (or
/// segment, or funclet) that starts at `function_start` (an RVA), in the
/// image at `base`.
pub fn decode_func_info4(at: u64, base: u64, function_start: u32) -> Option<EhTables> {
    let mut c = Cursor { at };
    let header = c.byte()?;
    if header & FI4_RESERVED != 0 {
        return None;
    }
    if header & FI4_BBT != 0 {
        c.compressed()?;
    }
    let unwind_map = if header & FI4_UNWIND_MAP != 0 {
        c.int()?
    } else {
        0
    };
    let try_map = if header & FI4_TRY_BLOCK_MAP != 0 {
        c.int()?
    } else {
        0
    };
    let mut ip_map = c.int()?;
    let mut ip_start = function_start;
    if header & FI4_IS_SEPARATED != 0 {
        // A table of (segment start, its IP-to-state map); a segment not
        // listed has no states.
        if ip_map == 0 {
            return None;
        }
        let mut seg = Cursor {
            at: rva(base, ip_map),
        };
        let n = seg.count(MAX_ENTRIES)?;
        ip_map = 0;
        for _ in 0..n {
            let (start, map) = (seg.int()?, seg.int()?);
            if start as u32 == function_start {
                ip_map = map;
                ip_start = start as u32;
                break;
            }
        }
    }
    let catch_frame = if header & FI4_IS_CATCH != 0 {
        Some(c.compressed()?)
    } else {
        None
    };
    let mut flags = 0;
    if header & FI4_EHS != 0 {
        flags |= EH_FLAG_EHS;
    }
    if header & FI4_NO_EXCEPT != 0 {
        flags |= EH_FLAG_NOEXCEPT;
    }
    Some(EhTables {
        id: at,
        unwind: decode_unwind_map(rva(base, unwind_map), base)?,
        try_blocks: decode_try_blocks(rva(base, try_map), base, function_start)?,
        ip_map: decode_ip_map(rva(base, ip_map), ip_start)?,
        flags,
        catch_frame,
    })
}

/// UWMap4: each entry's first field is (nextOffset << 2 | type), where
/// nextOffset goes back from the entry's start to the entry of the state
/// it leads to (to before the first entry for state -1).
fn decode_unwind_map(at: u64, base: u64) -> Option<Vec<UnwindEntry>> {
    if at == 0 {
        return Some(Vec::new());
    }
    let mut c = Cursor { at };
    let n = c.count(MAX_STATES as u32)?;
    let first = c.at;
    let mut starts: Vec<u64> = Vec::new();
    let mut entries = Vec::new();
    for _ in 0..n {
        let start = c.at - first;
        let head = c.compressed()?;
        let back = (head >> 2) as u64;
        let action = match head & 3 {
            UW4_NONE => UnwindAction::Nothing,
            UW4_RVA => match rva(base, c.int()?) {
                0 => UnwindAction::Nothing,
                a => UnwindAction::Funclet(a),
            },
            kind => {
                let function = rva(base, c.int()?);
                let object = c.compressed()?;
                if function == 0 {
                    UnwindAction::Nothing
                } else {
                    UnwindAction::Destructor {
                        function,
                        object,
                        indirect: kind == UW4_DTOR_WITH_PTR_TO_OBJ,
                    }
                }
            }
        };
        let to_state = if back > start {
            -1
        } else {
            // The state it leads to is an earlier one, where an entry starts.
            let target = start - back;
            starts.iter().position(|&s| s == target)? as i32
        };
        starts.push(start);
        entries.push(UnwindEntry { to_state, action });
    }
    Some(entries)
}

/// TryBlockMap4 and each try block's HandlerMap4.
fn decode_try_blocks(at: u64, base: u64, function_start: u32) -> Option<Vec<TryBlock>> {
    if at == 0 {
        return Some(Vec::new());
    }
    let mut c = Cursor { at };
    let n = c.count(MAX_ENTRIES)?;
    let mut blocks = Vec::new();
    for _ in 0..n {
        let try_low = c.count(MAX_STATES as u32)? as i32;
        let try_high = c.count(MAX_STATES as u32)? as i32;
        let catch_high = c.count(MAX_STATES as u32)? as i32;
        let handlers = decode_handlers(rva(base, c.int()?), base, function_start)?;
        blocks.push(TryBlock {
            try_low,
            try_high,
            catch_high,
            handlers,
        });
    }
    Some(blocks)
}

fn decode_handlers(at: u64, base: u64, function_start: u32) -> Option<Vec<HandlerType>> {
    if at == 0 {
        return Some(Vec::new());
    }
    let mut c = Cursor { at };
    let n = c.count(MAX_ENTRIES)?;
    let mut handlers = Vec::new();
    for _ in 0..n {
        let header = c.byte()?;
        let adjectives = if header & HT4_ADJECTIVES != 0 {
            c.compressed()?
        } else {
            0
        };
        let type_descriptor = if header & HT4_DISP_TYPE != 0 {
            rva(base, c.int()?)
        } else {
            0
        };
        let catch_object = if header & HT4_DISP_CATCH_OBJ != 0 {
            c.compressed()? as i32
        } else {
            0
        };
        let handler = rva(base, c.int()?);
        let count = (header >> HT4_CONT_ADDR_SHIFT) & 3;
        if count == 3 || header & 0xC0 != 0 || handler == 0 {
            return None;
        }
        let mut continuations = [0u64; 2];
        for slot in continuations.iter_mut().take(count as usize) {
            *slot = if header & HT4_CONT_IS_RVA != 0 {
                rva(base, c.int()?)
            } else {
                base + function_start as u64 + c.compressed()? as u64
            };
        }
        handlers.push(HandlerType {
            adjectives,
            type_descriptor,
            catch_object,
            handler,
            frame_offset: 0,
            continuations,
        });
    }
    Some(handlers)
}

/// IPtoStateMap4: (IP delta, state+1) pairs.
fn decode_ip_map(at: u64, start: u32) -> Option<Vec<(u32, i32)>> {
    if at == 0 {
        return Some(Vec::new());
    }
    let mut c = Cursor { at };
    let n = c.count(MAX_ENTRIES)?;
    let mut ip = start;
    let mut map = Vec::new();
    for _ in 0..n {
        ip = ip.checked_add(c.compressed()?)?;
        let state = c.compressed()? as i64 - 1;
        if state > MAX_STATES as i64 {
            return None;
        }
        map.push((ip, state as i32));
    }
    Some(map)
}
