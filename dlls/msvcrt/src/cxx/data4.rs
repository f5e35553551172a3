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

/// Where the tables are read from: guest memory, or in tests a byte
/// string standing for an image.
pub trait Memory {
    fn byte(&self, at: u64) -> Option<u8>;
}

/// Guest memory, through the fault-safe accessors.
pub struct Guest;

impl Memory for Guest {
    fn byte(&self, at: u64) -> Option<u8> {
        user::read::<u8>(at).ok()
    }
}

/// Reads the encoded tables front to back.
struct Cursor<'m, M: Memory> {
    mem: &'m M,
    at: u64,
}

impl<M: Memory> Cursor<'_, M> {
    fn byte(&mut self) -> Option<u8> {
        let b = self.mem.byte(self.at)?;
        self.at = self.at.checked_add(1)?;
        Some(b)
    }

    fn int(&mut self) -> Option<i32> {
        let mut bytes = [0u8; 4];
        for b in &mut bytes {
            *b = self.byte()?;
        }
        Some(i32::from_le_bytes(bytes))
    }

    fn compressed(&mut self) -> Option<u32> {
        let mut bytes = [0u8; 5];
        bytes[0] = self.byte()?;
        // Only the bytes the first one announces are read: the table may
        // end at the end of its section.
        let len = decode_compressed(&[bytes[0], 0, 0, 0, 0])?.1;
        for b in bytes.iter_mut().take(len).skip(1) {
            *b = self.byte()?;
        }
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
    decode_func_info4_in(&Guest, at, base, function_start)
}

/// decode_func_info4 over any memory.
pub fn decode_func_info4_in<M: Memory>(
    mem: &M,
    at: u64,
    base: u64,
    function_start: u32,
) -> Option<EhTables> {
    let mut c = Cursor { mem, at };
    let header = c.byte()?;
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
            mem,
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
        unwind: decode_unwind_map(mem, rva(base, unwind_map), base)?,
        try_blocks: decode_try_blocks(mem, rva(base, try_map), base, function_start)?,
        ip_map: decode_ip_map(mem, rva(base, ip_map), ip_start)?,
        flags,
        catch_frame,
    })
}

/// UWMap4: each entry's first field is (nextOffset << 2 | type), where
/// nextOffset goes back from the entry's start to the entry of the state
/// it leads to (to before the first entry for state -1).
fn decode_unwind_map<M: Memory>(mem: &M, at: u64, base: u64) -> Option<Vec<UnwindEntry>> {
    if at == 0 {
        return Some(Vec::new());
    }
    let mut c = Cursor { mem, at };
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
fn decode_try_blocks<M: Memory>(
    mem: &M,
    at: u64,
    base: u64,
    function_start: u32,
) -> Option<Vec<TryBlock>> {
    if at == 0 {
        return Some(Vec::new());
    }
    let mut c = Cursor { mem, at };
    let n = c.count(MAX_ENTRIES)?;
    let mut blocks = Vec::new();
    for _ in 0..n {
        let try_low = c.count(MAX_STATES as u32)? as i32;
        let try_high = c.count(MAX_STATES as u32)? as i32;
        let catch_high = c.count(MAX_STATES as u32)? as i32;
        let handlers = decode_handlers(mem, rva(base, c.int()?), base, function_start)?;
        blocks.push(TryBlock {
            try_low,
            try_high,
            catch_high,
            handlers,
        });
    }
    Some(blocks)
}

fn decode_handlers<M: Memory>(
    mem: &M,
    at: u64,
    base: u64,
    function_start: u32,
) -> Option<Vec<HandlerType>> {
    if at == 0 {
        return Some(Vec::new());
    }
    let mut c = Cursor { mem, at };
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
                base.wrapping_add(function_start as u64 + c.compressed()? as u64)
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
fn decode_ip_map<M: Memory>(mem: &M, at: u64, start: u32) -> Option<Vec<(u32, i32)>> {
    if at == 0 {
        return Some(Vec::new());
    }
    let mut c = Cursor { mem, at };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An image as a byte string at a made-up base: any address outside
    /// it is unreadable, as past the end of a section.
    struct Image {
        base: u64,
        bytes: Vec<u8>,
    }

    impl Memory for Image {
        fn byte(&self, at: u64) -> Option<u8> {
            let i = at.checked_sub(self.base)?;
            self.bytes.get(usize::try_from(i).ok()?).copied()
        }
    }

    const BASE: u64 = 0x1_4000_0000;

    impl Image {
        fn new(size: usize) -> Image {
            Image {
                base: BASE,
                bytes: vec![0; size],
            }
        }
        fn put(&mut self, at: usize, bytes: &[u8]) {
            self.bytes[at..at + bytes.len()].copy_from_slice(bytes);
        }
        fn decode(&self, at: u64, start: u32) -> Option<EhTables> {
            decode_func_info4_in(self, BASE + at, BASE, start)
        }
    }

    fn le(v: u32) -> [u8; 4] {
        v.to_le_bytes()
    }

    #[test]
    fn decodes_compressed_integers_of_every_length() {
        // 1 byte: value << 1.
        assert_eq!(decode_compressed(&[0x0A]), Some((5, 1)));
        assert_eq!(decode_compressed(&[0xFE]), Some((127, 1)));
        // 2 bytes: value << 2 | 0b01.
        assert_eq!(decode_compressed(&[0x21, 0x03]), Some((200, 2)));
        // 3 bytes: value << 3 | 0b011.
        assert_eq!(decode_compressed(&[0x03, 0x71, 0x02]), Some((20_000, 3)));
        // 4 bytes: value << 4 | 0b0111.
        assert_eq!(
            decode_compressed(&[0x07, 0x6C, 0xDC, 0x02]),
            Some((3_000_000, 4))
        );
        // 5 bytes: 0b1111, then the value.
        assert_eq!(
            decode_compressed(&[0x0F, 0x78, 0x56, 0x34, 0x12]),
            Some((0x1234_5678, 5))
        );
        // Only the announced bytes count.
        assert_eq!(decode_compressed(&[0x0A, 0xFF, 0xFF]), Some((5, 1)));
    }

    #[test]
    fn refuses_truncated_compressed_integers() {
        assert_eq!(decode_compressed(&[]), None);
        assert_eq!(decode_compressed(&[0x01]), None);
        assert_eq!(decode_compressed(&[0x03, 0x71]), None);
        assert_eq!(decode_compressed(&[0x07, 0, 0]), None);
        assert_eq!(decode_compressed(&[0x0F, 0x78, 0x56, 0x34]), None);
    }

    /// A function at RVA 0x1000 with three states and one try block:
    /// state 0 destroys an object at E+32 (to -1), state 1 nothing (to 0),
    /// state 2 calls a cleanup funclet (to 1); try 0..0, its catch state 1,
    /// with catch (Base &) at E+40, continuing at function+0x25, and
    /// catch (...) with two continuations as RVAs.
    fn image() -> Image {
        let mut img = Image::new(0x100);
        // FuncInfo4: UnwindMap | TryBlockMap | EHs.
        img.put(0x00, &[0x38]);
        img.put(0x01, &le(0x40));
        img.put(0x05, &le(0x60));
        img.put(0x09, &le(0x90));
        // UWMap4: 3 entries.
        img.put(0x40, &[3 << 1]);
        // DtorWithObj, back 1 (before the map: -1), dtor, object 32.
        img.put(0x41, &[((1 << 2) | 1) << 1]);
        img.put(0x42, &le(0x5000));
        img.put(0x46, &[32 << 1]);
        // NoUW at offset 6, back 6: state 0.
        img.put(0x47, &[(6 << 2) << 1]);
        // RVA at offset 7, back 1: state 1.
        img.put(0x48, &[((1 << 2) | 3) << 1]);
        img.put(0x49, &le(0x6000));
        // TryBlockMap4: 1 block, 0..0, catch high 1, handlers at 0x70.
        img.put(0x60, &[1 << 1, 0, 0, 1 << 1]);
        img.put(0x64, &le(0x70));
        // HandlerMap4: 2 handlers.
        img.put(0x70, &[2 << 1]);
        // adjectives | dispType | dispCatchObj | one continuation.
        img.put(0x71, &[0x17, 8 << 1]);
        img.put(0x73, &le(0x100));
        img.put(0x77, &[40 << 1]);
        img.put(0x78, &le(0x3000));
        img.put(0x7C, &[0x25 << 1]);
        // contIsRVA | two continuations.
        img.put(0x7D, &[0x28]);
        img.put(0x7E, &le(0x3100));
        img.put(0x82, &le(0x1500));
        img.put(0x86, &le(0x1600));
        // IPtoStateMap4: +0x10 state 0, +0x20 state 1, +0x200 state -1.
        img.put(0x90, &[3 << 1, 0x10 << 1, 1 << 1, 0x20 << 1, 2 << 1]);
        img.put(0x95, &(((0x200u16) << 2) | 1).to_le_bytes());
        img.put(0x97, &[0]);
        img
    }

    #[test]
    fn decodes_a_func_info4() {
        let t = image().decode(0, 0x1000).unwrap();
        assert_eq!(t.flags, EH_FLAG_EHS);
        assert_eq!(t.catch_frame, None);
        assert_eq!(
            t.unwind,
            vec![
                UnwindEntry {
                    to_state: -1,
                    action: UnwindAction::Destructor {
                        function: BASE + 0x5000,
                        object: 32,
                        indirect: false
                    }
                },
                UnwindEntry {
                    to_state: 0,
                    action: UnwindAction::Nothing
                },
                UnwindEntry {
                    to_state: 1,
                    action: UnwindAction::Funclet(BASE + 0x6000)
                },
            ]
        );
        assert_eq!(t.try_blocks.len(), 1);
        let tb = &t.try_blocks[0];
        assert_eq!((tb.try_low, tb.try_high, tb.catch_high), (0, 0, 1));
        assert_eq!(tb.handlers.len(), 2);
        let h = &tb.handlers[0];
        assert_eq!(h.adjectives, 8);
        assert_eq!(h.type_descriptor, BASE + 0x100);
        assert_eq!(h.catch_object, 40);
        assert_eq!(h.handler, BASE + 0x3000);
        // Function-relative.
        assert_eq!(h.continuations, [BASE + 0x1025, 0]);
        let h = &tb.handlers[1];
        assert_eq!((h.adjectives, h.type_descriptor, h.catch_object), (0, 0, 0));
        assert_eq!(h.continuations, [BASE + 0x1500, BASE + 0x1600]);
        assert_eq!(t.ip_map, vec![(0x1010, 0), (0x1030, 1), (0x1230, -1)]);
        assert_eq!(t.state_at(0x1000), -1);
        assert_eq!(t.state_at(0x1010), 0);
        assert_eq!(t.state_at(0x102F), 0);
        assert_eq!(t.state_at(0x1030), 1);
        assert_eq!(t.state_at(0x1230), -1);
    }

    #[test]
    fn decodes_catch_and_separated_func_infos() {
        let mut img = image();
        // A catch funclet's: isCatch | UnwindMap, dispFrame 56, BBT flags.
        img.put(0xA0, &[0x01 | 0x04 | 0x08, 3 << 1]);
        img.put(0xA2, &le(0x40));
        img.put(0xA6, &le(0));
        img.put(0xAA, &[56 << 1]);
        let t = img.decode(0xA0, 0x2000).unwrap();
        assert_eq!(t.catch_frame, Some(56));
        assert_eq!(t.unwind.len(), 3);
        assert!(t.try_blocks.is_empty() && t.ip_map.is_empty());
        // A separated function: segments at 0x1000 and 0x4000, each with
        // its own map; NoExcept.
        img.put(0xB0, &[0x02 | 0x40]);
        img.put(0xB1, &le(0xC0));
        img.put(0xC0, &[2 << 1]);
        img.put(0xC1, &le(0x1000));
        img.put(0xC5, &le(0x90));
        img.put(0xC9, &le(0x4000));
        img.put(0xCD, &le(0xE0));
        img.put(0xE0, &[1 << 1, 4 << 1, 5 << 1]);
        let first = img.decode(0xB0, 0x1000).unwrap();
        assert_eq!(first.flags, EH_FLAG_NOEXCEPT);
        assert_eq!(first.ip_map.len(), 3);
        let second = img.decode(0xB0, 0x4000).unwrap();
        assert_eq!(second.ip_map, vec![(0x4004, 4)]);
        // A segment the table does not list has no states.
        assert!(img.decode(0xB0, 0x7000).unwrap().ip_map.is_empty());
        // A separated function with no segment table is malformed.
        img.put(0xB1, &le(0));
        assert!(img.decode(0xB0, 0x1000).is_none());
    }

    #[test]
    fn refuses_malformed_func_info4() {
        // An unwind entry leading into the middle of another.
        let mut img = image();
        img.put(0x47, &[(5 << 2) << 1]);
        assert!(img.decode(0, 0x1000).is_none());
        // An entry leading to itself.
        let mut img = image();
        img.put(0x47, &[0]);
        assert!(img.decode(0, 0x1000).is_none());
        // A handler with the reserved continuation count.
        let mut img = image();
        img.put(0x7D, &[0x38]);
        assert!(img.decode(0, 0x1000).is_none());
        // A handler with no catch code.
        let mut img = image();
        img.put(0x78, &le(0));
        assert!(img.decode(0, 0x1000).is_none());
        // A count far larger than any function's.
        let mut img = image();
        img.put(0x60, &[0x0F, 0xFF, 0xFF, 0xFF, 0x7F]);
        assert!(img.decode(0, 0x1000).is_none());
        // Tables pointing outside the image.
        let mut img = image();
        img.put(0x05, &le(0x10_0000));
        assert!(img.decode(0, 0x1000).is_none());
        let mut img = image();
        img.put(0x01, &le(0xFFFF_FF00));
        assert!(img.decode(0, 0x1000).is_none());
    }

    #[test]
    fn refuses_every_truncation() {
        // The image cut anywhere before the end of its last table (the
        // IP-to-state map, 0x90..0x98): the decoder fails, without
        // panicking or reading past the cut.
        let whole = image();
        for cut in 0..0x98 {
            let img = Image {
                base: BASE,
                bytes: whole.bytes[..cut].to_vec(),
            };
            assert!(img.decode(0, 0x1000).is_none(), "cut at {cut:#x}");
        }
        let img = Image {
            base: BASE,
            bytes: whole.bytes[..0x98].to_vec(),
        };
        assert!(img.decode(0, 0x1000).is_some());
    }

    #[test]
    fn survives_arbitrary_bytes() {
        // Random images (a fixed xorshift sequence), with table RVAs drawn
        // mostly inside them: decoding fails or succeeds, never panics.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let mut img = Image::new(0x80);
            for b in img.bytes.iter_mut() {
                *b = next() as u8;
            }
            for at in [1usize, 5, 9] {
                let r = next();
                if r & 3 != 0 {
                    img.put(at, &le((r >> 8) as u32 % 0x80));
                }
            }
            let _ = img.decode(0, (next() as u32) & 0xFF);
        }
    }
}
