//! The bounds-checked ("secure") string, memory and file functions MSVC
//! steers programs to: each validates its arguments as documented, reports
//! bad ones to the invalid-parameter handler, and returns the errno value.

use crate::invalid;
use msvcrt::errno::{self, EINVAL, ERANGE};

/// STRUNCATE: what the `_TRUNCATE` forms return when they cut the string.
const STRUNCATE: i32 = 80;
/// `_TRUNCATE`.
const TRUNCATE: u64 = u64::MAX;

/// Reports `e` as an invalid parameter and returns it (`_VALIDATE_RETURN_ERRCODE`).
fn fail(e: i32) -> i32 {
    invalid::fail(e);
    e
}

/// A code unit of the narrow or wide string functions.
trait Unit: Copy + Default + PartialEq {}
impl Unit for u8 {}
impl Unit for u16 {}

/// Length of the string at `p`, looking at no more than `max` units.
fn len_within<T: Unit>(p: *const T, max: usize) -> usize {
    let mut n = 0;
    // SAFETY: the caller's string, read no further than its NUL or `max`.
    unsafe {
        while n < max && *p.add(n) != T::default() {
            n += 1;
        }
    }
    n
}

fn strlen_of<T: Unit>(p: *const T) -> usize {
    len_within(p, usize::MAX)
}

/// Copies `n` units then a NUL to `dest`.
fn put<T: Unit>(dest: *mut T, src: *const T, n: usize) {
    // SAFETY: the caller checked that dest holds n + 1 units; the source
    // has n units; the regions are the caller's (overlap is undefined for
    // these functions, as in C).
    unsafe {
        core::ptr::copy(src, dest, n);
        *dest.add(n) = T::default();
    }
}

fn clear<T: Unit>(dest: *mut T) {
    // SAFETY: dest holds at least one unit (size was checked non-zero).
    unsafe { *dest = T::default() };
}

/// strcpy_s / wcscpy_s.
fn copy_s<T: Unit>(dest: *mut T, size: u64, src: *const T) -> i32 {
    if dest.is_null() || size == 0 {
        return fail(EINVAL);
    }
    if src.is_null() {
        clear(dest);
        return fail(EINVAL);
    }
    let n = strlen_of(src);
    if n as u64 >= size {
        clear(dest);
        return fail(ERANGE);
    }
    put(dest, src, n);
    0
}

/// strcat_s / wcscat_s.
fn cat_s<T: Unit>(dest: *mut T, size: u64, src: *const T) -> i32 {
    if dest.is_null() || size == 0 {
        return fail(EINVAL);
    }
    if src.is_null() {
        clear(dest);
        return fail(EINVAL);
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let have = len_within(dest as *const T, size);
    if have == size {
        // The destination is not terminated within its size.
        clear(dest);
        return fail(EINVAL);
    }
    let n = strlen_of(src);
    if have + n >= size {
        clear(dest);
        return fail(ERANGE);
    }
    // SAFETY: have < size, so dest + have is inside the buffer.
    put(unsafe { dest.add(have) }, src, n);
    0
}

/// strncpy_s / wcsncpy_s: at most `count` units (or as many as fit with
/// `_TRUNCATE`, returning STRUNCATE when that cut the string).
fn ncopy_s<T: Unit>(dest: *mut T, size: u64, src: *const T, count: u64) -> i32 {
    if count == 0 && dest.is_null() && size == 0 {
        return 0;
    }
    if dest.is_null() || size == 0 {
        return fail(EINVAL);
    }
    if count == 0 {
        clear(dest);
        return 0;
    }
    if src.is_null() {
        clear(dest);
        return fail(EINVAL);
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    if count == TRUNCATE {
        let n = len_within(src, size);
        if n < size {
            put(dest, src, n);
            return 0;
        }
        put(dest, src, size - 1);
        return STRUNCATE;
    }
    let n = len_within(src, usize::try_from(count).unwrap_or(usize::MAX));
    if n >= size {
        clear(dest);
        return fail(ERANGE);
    }
    put(dest, src, n);
    0
}

/// Implements strcpy_s(dest, size, src).
pub extern "win64" fn strcpy_s(dest: *mut u8, size: u64, src: *const u8) -> i32 {
    copy_s(dest, size, src)
}

/// Implements wcscpy_s(dest, size, src).
pub extern "win64" fn wcscpy_s(dest: *mut u16, size: u64, src: *const u16) -> i32 {
    copy_s(dest, size, src)
}

/// Implements strcat_s(dest, size, src).
pub extern "win64" fn strcat_s(dest: *mut u8, size: u64, src: *const u8) -> i32 {
    cat_s(dest, size, src)
}

/// Implements wcscat_s(dest, size, src).
pub extern "win64" fn wcscat_s(dest: *mut u16, size: u64, src: *const u16) -> i32 {
    cat_s(dest, size, src)
}

/// Implements strncpy_s(dest, size, src, count).
pub extern "win64" fn strncpy_s(dest: *mut u8, size: u64, src: *const u8, count: u64) -> i32 {
    ncopy_s(dest, size, src, count)
}

/// Implements wcsncpy_s(dest, size, src, count).
pub extern "win64" fn wcsncpy_s(dest: *mut u16, size: u64, src: *const u16, count: u64) -> i32 {
    ncopy_s(dest, size, src, count)
}

/// Implements memcpy_s(dest, size, src, count): a bad source or a short
/// destination zeroes the destination.
pub extern "win64" fn memcpy_s(dest: *mut u8, size: u64, src: *const u8, count: u64) -> i32 {
    if count == 0 {
        return 0;
    }
    if dest.is_null() {
        return fail(EINVAL);
    }
    if src.is_null() || size < count {
        // SAFETY: the caller's destination of `size` bytes.
        unsafe { core::ptr::write_bytes(dest, 0, size as usize) };
        return fail(if src.is_null() { EINVAL } else { ERANGE });
    }
    // SAFETY: count <= size; both regions are the caller's.
    unsafe { core::ptr::copy_nonoverlapping(src, dest, count as usize) };
    0
}

/// Implements memmove_s(dest, size, src, count).
pub extern "win64" fn memmove_s(dest: *mut u8, size: u64, src: *const u8, count: u64) -> i32 {
    if count == 0 {
        return 0;
    }
    if dest.is_null() || src.is_null() {
        return fail(EINVAL);
    }
    if size < count {
        return fail(ERANGE);
    }
    // SAFETY: count <= size; overlapping regions are allowed.
    unsafe { core::ptr::copy(src, dest, count as usize) };
    0
}

/// Implements fopen_s(pfile, name, mode): 0, or the errno fopen left.
pub extern "win64" fn fopen_s(out: *mut u64, name: *const u8, mode: *const u8) -> i32 {
    if out.is_null() || name.is_null() || mode.is_null() {
        return fail(EINVAL);
    }
    let f = msvcrt::stdio::fopen(name, mode);
    // SAFETY: the caller's FILE* slot.
    unsafe { *out = f };
    if f == 0 {
        errno::get()
    } else {
        0
    }
}

/// Implements _wfopen_s(pfile, name, mode).
pub extern "win64" fn _wfopen_s(out: *mut u64, name: *const u16, mode: *const u16) -> i32 {
    if out.is_null() || name.is_null() || mode.is_null() {
        return fail(EINVAL);
    }
    let f = msvcrt::stdio::_wfopen(name, mode);
    // SAFETY: the caller's FILE* slot.
    unsafe { *out = f };
    if f == 0 {
        errno::get()
    } else {
        0
    }
}

/// Implements _dupenv_s(pbuffer, plength, name): a malloc'd copy of the
/// variable's value, or NULL and 0 when it is not set.
pub extern "win64" fn _dupenv_s(out: *mut u64, len: *mut u64, name: *const u8) -> i32 {
    if out.is_null() || name.is_null() {
        return fail(EINVAL);
    }
    // SAFETY: the caller's slots (len may be NULL).
    unsafe {
        *out = 0;
        if !len.is_null() {
            *len = 0;
        }
    }
    let value = msvcrt::misc::getenv(name);
    if value == 0 {
        return 0;
    }
    let n = strlen_of(value as *const u8) + 1;
    let copy = msvcrt::heap::malloc(n as u64);
    if copy == 0 {
        errno::set(errno::ENOMEM);
        return errno::ENOMEM;
    }
    // SAFETY: a fresh block of n bytes; the value is n bytes with its NUL.
    unsafe {
        core::ptr::copy_nonoverlapping(value as *const u8, copy as *mut u8, n);
        *out = copy;
        if !len.is_null() {
            *len = n as u64;
        }
    }
    0
}

/// Implements strerror_s(buffer, size, errnum): the message, truncated to
/// the buffer.
pub extern "win64" fn strerror_s(buf: *mut u8, size: u64, e: i32) -> i32 {
    if buf.is_null() || size == 0 {
        return fail(EINVAL);
    }
    let msg = msvcrt::string::strerror(e) as *const u8;
    let n = strlen_of(msg).min(size as usize - 1);
    put(buf, msg, n);
    0
}

fn write_stderr(text: &[u8]) {
    let err = msvcrt::stdio::std_stream(2);
    msvcrt::stdio::write_stream(err, text);
    msvcrt::stdio::fflush(err);
}

/// Implements _assert(message, file, line): the console form of the
/// message on stderr, then abort().
pub extern "win64" fn _assert(msg: *const u8, file: *const u8, line: u32) -> ! {
    let text = |p: *const u8| {
        if p.is_null() {
            Vec::new()
        } else {
            // SAFETY: a NUL-terminated string from the assert macro.
            unsafe { std::slice::from_raw_parts(p, strlen_of(p)) }.to_vec()
        }
    };
    let mut out = b"Assertion failed: ".to_vec();
    out.extend(text(msg));
    out.extend(b", file ");
    out.extend(text(file));
    out.extend(format!(", line {line}\n").as_bytes());
    write_stderr(&out);
    crate::startup::abort()
}

/// Implements _wassert(message, file, line).
pub extern "win64" fn _wassert(msg: *const u16, file: *const u16, line: u32) -> ! {
    let text = |p: *const u16| {
        if p.is_null() {
            Vec::new()
        } else {
            // SAFETY: a NUL-terminated wide string from the assert macro.
            let w = unsafe { std::slice::from_raw_parts(p, strlen_of(p)) };
            kernel32::nls::wide_to_ansi(w)
        }
    };
    let mut out = b"Assertion failed: ".to_vec();
    out.extend(text(msg));
    out.extend(b", file ");
    out.extend(text(file));
    out.extend(format!(", line {line}\n").as_bytes());
    write_stderr(&out);
    crate::startup::abort()
}

/// Implements _aligned_malloc(size, alignment): an alignment that is not a
/// power of two is an invalid parameter (EINVAL, NULL).
pub extern "win64" fn _aligned_malloc(size: u64, alignment: u64) -> u64 {
    match msvcrt::aligned::alloc(size, alignment) {
        Ok(p) => p,
        Err(EINVAL) => {
            invalid::fail(EINVAL);
            0
        }
        Err(e) => {
            errno::set(e);
            0
        }
    }
}

/// Implements _aligned_realloc(block, size, alignment).
pub extern "win64" fn _aligned_realloc(p: u64, size: u64, alignment: u64) -> u64 {
    match msvcrt::aligned::resize(p, size, alignment) {
        Ok(p) => p,
        Err(EINVAL) => {
            invalid::fail(EINVAL);
            0
        }
        Err(e) => {
            errno::set(e);
            0
        }
    }
}

macro_rules! xtoa_s {
    ($($name:ident: $arg:ty, $unit:ty;)*) => {
        $(
            #[doc = concat!("Implements ", stringify!($name), "(value, buffer, size, radix): msvcrt's, with its errors reported as invalid parameters.")]
            pub extern "win64" fn $name(value: $arg, buf: *mut $unit, size: u64, radix: i32) -> i32 {
                let e = msvcrt::convert::$name(value, buf, size, radix);
                if e != 0 {
                    invalid::report();
                }
                e
            }
        )*
    };
}

xtoa_s! {
    _itoa_s: i32, u8;
    _ltoa_s: i32, u8;
    _ultoa_s: u32, u8;
    _i64toa_s: i64, u8;
    _ui64toa_s: u64, u8;
    _itow_s: i32, u16;
    _ltow_s: i32, u16;
    _ultow_s: u32, u16;
    _i64tow_s: i64, u16;
    _ui64tow_s: u64, u16;
}

/// Implements rand_s(randomValue): a random unsigned int from the system
/// generator (what RtlGenRandom returns), independent of rand()'s seed.
pub extern "win64" fn rand_s(out: *mut u32) -> i32 {
    if out.is_null() {
        return fail(EINVAL);
    }
    let mut v = [0u8; 4];
    if ntdll::rtl::fill_random(v.as_mut_ptr() as u64, 4).is_err() {
        return fail(EINVAL);
    }
    // SAFETY: the caller's unsigned int.
    unsafe { *out = u32::from_le_bytes(v) };
    0
}

/// getenv_s / _wgetenv_s: the value's size (with its NUL) in *ret, the
/// value copied when a buffer is given; an unset variable is size 0.
fn getenv_into<T: Unit>(ret: *mut u64, buf: *mut T, size: u64, value: *const T) -> i32 {
    let need = if value.is_null() {
        0
    } else {
        strlen_of(value) as u64 + 1
    };
    // SAFETY: the caller's size_t.
    unsafe { *ret = need };
    if buf.is_null() {
        return 0;
    }
    if need == 0 {
        clear(buf);
        return 0;
    }
    if size < need {
        clear(buf);
        return fail(ERANGE);
    }
    put(buf, value, need as usize - 1);
    0
}

/// Implements getenv_s(pReturnValue, buffer, numberOfElements, varname).
pub extern "win64" fn getenv_s(ret: *mut u64, buf: *mut u8, size: u64, name: *const u8) -> i32 {
    if ret.is_null() || name.is_null() || (buf.is_null() && size != 0) {
        return fail(EINVAL);
    }
    if !buf.is_null() && size == 0 {
        return fail(EINVAL);
    }
    let value = msvcrt::misc::getenv(name) as *const u8;
    getenv_into(ret, buf, size, value)
}

/// Implements _wgetenv_s(pReturnValue, buffer, numberOfElements, varname).
pub extern "win64" fn _wgetenv_s(ret: *mut u64, buf: *mut u16, size: u64, name: *const u16) -> i32 {
    if ret.is_null() || name.is_null() || (buf.is_null() && size != 0) {
        return fail(EINVAL);
    }
    if !buf.is_null() && size == 0 {
        return fail(EINVAL);
    }
    let value = msvcrt::misc::_wgetenv(name) as *const u16;
    getenv_into(ret, buf, size, value)
}

/// Implements _wdupenv_s(pbuffer, plength, name): a malloc'd copy of the
/// wide value (length in characters with the NUL), NULL and 0 when unset.
pub extern "win64" fn _wdupenv_s(out: *mut u64, len: *mut u64, name: *const u16) -> i32 {
    if out.is_null() || name.is_null() {
        return fail(EINVAL);
    }
    // SAFETY: the caller's slots (len may be NULL).
    unsafe {
        *out = 0;
        if !len.is_null() {
            *len = 0;
        }
    }
    let value = msvcrt::misc::_wgetenv(name) as *const u16;
    if value.is_null() {
        return 0;
    }
    let n = strlen_of(value) + 1;
    let copy = msvcrt::heap::malloc(2 * n as u64);
    if copy == 0 {
        errno::set(errno::ENOMEM);
        return errno::ENOMEM;
    }
    put(copy as *mut u16, value, n - 1);
    // SAFETY: the caller's slots.
    unsafe {
        *out = copy;
        if !len.is_null() {
            *len = n as u64;
        }
    }
    0
}

/// Implements _putenv_s(name, value): sets the variable ("" removes it).
pub extern "win64" fn _putenv_s(name: *const u8, value: *const u8) -> i32 {
    if name.is_null() || value.is_null() {
        return fail(EINVAL);
    }
    // SAFETY: NUL-terminated strings from the caller.
    let (n, v) = unsafe {
        (
            std::slice::from_raw_parts(name, strlen_of(name)),
            std::slice::from_raw_parts(value, strlen_of(value)),
        )
    };
    if n.is_empty() || n.contains(&b'=') {
        return fail(EINVAL);
    }
    let mut entry = n.to_vec();
    entry.push(b'=');
    entry.extend_from_slice(v);
    entry.push(0);
    if msvcrt::misc::_putenv(entry.as_ptr()) != 0 {
        return errno::get();
    }
    0
}
