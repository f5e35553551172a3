//! The character-class table MSVC's <ctype.h> macros index
//! (`__pctype_func()[c] & mask`) and `_isctype`, for the "C" locale the
//! runtime runs in.

use std::sync::OnceLock;

// Class bits (ctype.h).
const UPPER: u16 = 0x1;
const LOWER: u16 = 0x2;
const DIGIT: u16 = 0x4;
const SPACE: u16 = 0x8;
const PUNCT: u16 = 0x10;
const CONTROL: u16 = 0x20;
const BLANK: u16 = 0x40;
const HEX: u16 = 0x80;
const ALPHA: u16 = 0x100;

/// The class of byte `c` in the "C" locale (nothing above 0x7F).
pub fn class(c: u8) -> u16 {
    match c {
        b'\t' => SPACE | CONTROL | BLANK,
        0x0a..=0x0d => SPACE | CONTROL,
        0x00..=0x1f | 0x7f => CONTROL,
        b' ' => SPACE | BLANK,
        b'0'..=b'9' => DIGIT | HEX,
        b'A'..=b'F' => UPPER | HEX | ALPHA,
        b'G'..=b'Z' => UPPER | ALPHA,
        b'a'..=b'f' => LOWER | HEX | ALPHA,
        b'g'..=b'z' => LOWER | ALPHA,
        0x21..=0x7e => PUNCT,
        _ => 0,
    }
}

/// The table in guest memory: 384 entries for -128..=255 so that a signed
/// char (and EOF) indexes it; the pointer handed out is entry 0.
fn table() -> u64 {
    static TABLE: OnceLock<u64> = OnceLock::new();
    *TABLE.get_or_init(|| {
        let mut t = vec![0u16; 384];
        for c in 0..=255u8 {
            t[128 + c as usize] = class(c);
        }
        kernel32::memory::leak_guest_units(&t) + 2 * 128
    })
}

/// Implements __pctype_func(): the class table for the current locale.
pub extern "win64" fn __pctype_func() -> u64 {
    table()
}

/// Implements _isctype(c, mask): the bits of `mask` that `c`'s class has;
/// 0 for values outside EOF..=255.
pub extern "win64" fn _isctype(c: i32, mask: i32) -> i32 {
    if !(0..=255).contains(&c) {
        return 0;
    }
    i32::from(class(c as u8)) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_table_values() {
        // The values of Microsoft's "C" locale table.
        assert_eq!(class(b'\t'), 0x68);
        assert_eq!(class(b'\n'), 0x28);
        assert_eq!(class(b' '), 0x48);
        assert_eq!(class(b'!'), 0x10);
        assert_eq!(class(b'5'), 0x84);
        assert_eq!(class(b'A'), 0x181);
        assert_eq!(class(b'Z'), 0x101);
        assert_eq!(class(b'a'), 0x182);
        assert_eq!(class(b'z'), 0x102);
        assert_eq!(class(0x7f), 0x20);
        assert_eq!(class(0xe9), 0);
    }
}
