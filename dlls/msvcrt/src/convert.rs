//! Integer to text in any radix from 2 to 36: _itoa, _i64toa, _ultoa...
//! and their wide and bounds-checked (`_s`) forms. A negative value is
//! written with a '-' in radix 10 only; in other radixes its two's
//! complement bits (of the argument's width) are written as unsigned.

use crate::errno::{self, EINVAL, ERANGE};

/// The digits of `value` in `radix` (2..=36), with '-' when `negative`.
pub fn digits(value: u64, negative: bool, radix: u32) -> Vec<u8> {
    let mut n = if negative {
        (value as i64).unsigned_abs()
    } else {
        value
    };
    let mut out = Vec::new();
    loop {
        let d = (n % u64::from(radix)) as u8;
        out.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
        n /= u64::from(radix);
        if n == 0 {
            break;
        }
    }
    if negative {
        out.push(b'-');
    }
    out.reverse();
    out
}

/// Writes the text and its NUL into `buf` (`size` units): Err(EINVAL) for
/// a NULL buffer, a zero size or a bad radix, Err(ERANGE) when it does
/// not fit (the buffer then emptied when it has room for that).
pub fn put<T: Copy + From<u8>>(text: &[u8], buf: *mut T, size: u64, radix: i32) -> Result<(), i32> {
    if buf.is_null() || size == 0 {
        return Err(EINVAL);
    }
    let empty = || {
        // SAFETY: size > 0: the buffer's first unit.
        unsafe { *buf = T::from(0) };
    };
    if !(2..=36).contains(&radix) {
        empty();
        return Err(EINVAL);
    }
    if text.len() as u64 >= size {
        empty();
        return Err(ERANGE);
    }
    // SAFETY: the text and its NUL fit in the caller's `size` units.
    unsafe {
        for (i, &c) in text.iter().enumerate() {
            *buf.add(i) = T::from(c);
        }
        *buf.add(text.len()) = T::from(0);
    }
    Ok(())
}

/// The room the unbounded forms assume: 64 binary digits, a sign, a NUL.
const UNBOUNDED: u64 = 66;

/// (value bits, negative) for a signed argument of `bits` width.
fn signed(v: i64, bits: u32, radix: i32) -> (u64, bool) {
    if radix == 10 && v < 0 {
        (v as u64, true)
    } else {
        (v as u64 & (u64::MAX >> (64 - bits)), false)
    }
}

macro_rules! xtoa {
    ($($name:ident, $name_s:ident: $arg:ty, $unit:ty, $conv:expr;)*) => {
        $(
            #[doc = concat!("Implements ", stringify!($name), "(value, buffer, radix): the buffer.")]
            pub extern "win64" fn $name(value: $arg, buf: *mut $unit, radix: i32) -> *mut $unit {
                let (bits, negative): (u64, bool) = $conv(value, radix);
                let text = digits(bits, negative, radix.clamp(2, 36) as u32);
                if let Err(e) = put(&text, buf, UNBOUNDED, radix) {
                    errno::set(e);
                }
                buf
            }

            #[doc = concat!("Implements ", stringify!($name_s), "(value, buffer, size, radix): 0 or the errno value.")]
            pub extern "win64" fn $name_s(value: $arg, buf: *mut $unit, size: u64, radix: i32) -> i32 {
                let (bits, negative): (u64, bool) = $conv(value, radix);
                let text = digits(bits, negative, radix.clamp(2, 36) as u32);
                match put(&text, buf, size, radix) {
                    Ok(()) => 0,
                    Err(e) => {
                        errno::set(e);
                        e
                    }
                }
            }
        )*
    };
}

xtoa! {
    _itoa, _itoa_s: i32, u8, |v: i32, r| signed(i64::from(v), 32, r);
    _ltoa, _ltoa_s: i32, u8, |v: i32, r| signed(i64::from(v), 32, r);
    _ultoa, _ultoa_s: u32, u8, |v: u32, _| (u64::from(v), false);
    _i64toa, _i64toa_s: i64, u8, |v: i64, r| signed(v, 64, r);
    _ui64toa, _ui64toa_s: u64, u8, |v: u64, _| (v, false);
    _itow, _itow_s: i32, u16, |v: i32, r| signed(i64::from(v), 32, r);
    _ltow, _ltow_s: i32, u16, |v: i32, r| signed(i64::from(v), 32, r);
    _ultow, _ultow_s: u32, u16, |v: u32, _| (u64::from(v), false);
    _i64tow, _i64tow_s: i64, u16, |v: i64, r| signed(v, 64, r);
    _ui64tow, _ui64tow_s: u64, u16, |v: u64, _| (v, false);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: i64, bits: u32, radix: i32) -> String {
        let (b, n) = signed(v, bits, radix);
        String::from_utf8(digits(b, n, radix as u32)).unwrap()
    }

    #[test]
    fn radixes_and_signs() {
        assert_eq!(text(-255, 32, 10), "-255");
        assert_eq!(text(-1, 32, 16), "ffffffff");
        assert_eq!(text(-1, 64, 16), "ffffffffffffffff");
        assert_eq!(text(255, 32, 2), "11111111");
        assert_eq!(text(35, 32, 36), "z");
        assert_eq!(text(0, 32, 10), "0");
        assert_eq!(text(i64::MIN, 64, 10), "-9223372036854775808");
    }

    #[test]
    fn bounded_forms() {
        let mut buf = [b'x'; 4];
        assert_eq!(put(b"123", buf.as_mut_ptr(), 4, 10), Ok(()));
        assert_eq!(&buf, b"123\0");
        assert_eq!(put(b"1234", buf.as_mut_ptr(), 4, 10), Err(ERANGE));
        assert_eq!(buf[0], 0);
        assert_eq!(put(b"1", buf.as_mut_ptr(), 4, 1), Err(EINVAL));
    }
}
