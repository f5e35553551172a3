//! Environment, locale, time, random numbers, sorting and directory helpers.

use crate::errno::{self, EINVAL};
use crate::heap::malloc;
use crate::startup::DATA;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use syscalls::exception::CONTEXT;

fn cstr<'a>(p: *const u8) -> &'a [u8] {
    // SAFETY: a NUL-terminated string from the caller.
    unsafe { std::ffi::CStr::from_ptr(p as *const std::ffi::c_char).to_bytes() }
}

fn environ_table() -> u64 {
    let p = DATA.lock().unwrap_or_else(|e| e.into_inner()).environ;
    // SAFETY: the `_environ` data export.
    if p == 0 {
        0
    } else {
        unsafe { *(p as *const u64) }
    }
}

/// Implements getenv(varname): from the runtime's copy of the environment,
/// names compared case-insensitively.
pub extern "win64" fn getenv(name: *const u8) -> u64 {
    if name.is_null() {
        errno::set(EINVAL);
        return 0;
    }
    let name = cstr(name);
    if name.is_empty() || name.contains(&b'=') {
        return 0;
    }
    let table = environ_table();
    let mut i = 0;
    // SAFETY: `_environ` is a NULL-terminated table of strings.
    unsafe {
        while table != 0 && *(table as *const u64).add(i) != 0 {
            let entry = *(table as *const u64).add(i);
            let e = cstr(entry as *const u8);
            if e.len() > name.len()
                && e[name.len()] == b'='
                && e[..name.len()].eq_ignore_ascii_case(name)
            {
                return entry + name.len() as u64 + 1;
            }
            i += 1;
        }
    }
    0
}

/// Implements _putenv(envstring): "NAME=value" sets, "NAME=" removes; the
/// runtime's copy and the process environment both change.
pub extern "win64" fn _putenv(s: *const u8) -> i32 {
    if s.is_null() {
        errno::set(EINVAL);
        return -1;
    }
    let entry = cstr(s);
    let Some(eq) = entry.iter().position(|&b| b == b'=').filter(|&i| i > 0) else {
        errno::set(EINVAL);
        return -1;
    };
    let (name, value) = (&entry[..eq], &entry[eq + 1..]);
    let mut n = name.to_vec();
    n.push(0);
    let mut v = value.to_vec();
    v.push(0);
    let vp = if value.is_empty() {
        core::ptr::null()
    } else {
        v.as_ptr()
    };
    if kernel32::env::SetEnvironmentVariableA(n.as_ptr(), vp) == 0 && !value.is_empty() {
        errno::set(crate::errno::ENOMEM);
        return -1;
    }
    // Rebuild the runtime's table from the old one, replacing the entry.
    let old = environ_table();
    let mut entries: Vec<u64> = Vec::new();
    let mut i = 0;
    // SAFETY: walking the NULL-terminated `_environ` table.
    unsafe {
        while old != 0 && *(old as *const u64).add(i) != 0 {
            let e = *(old as *const u64).add(i);
            let b = cstr(e as *const u8);
            let same = b.len() > name.len()
                && b[name.len()] == b'='
                && b[..name.len()].eq_ignore_ascii_case(name);
            if !same {
                entries.push(e);
            }
            i += 1;
        }
    }
    if !value.is_empty() {
        let copy = crate::heap::_strdup(s);
        if copy == 0 {
            return -1;
        }
        entries.push(copy);
    }
    let table = malloc((entries.len() as u64 + 1) * 8);
    if table == 0 {
        return -1;
    }
    // SAFETY: a fresh table with room for the entries and the NULL.
    unsafe {
        for (k, e) in entries.iter().enumerate() {
            *(table as *mut u64).add(k) = *e;
        }
        *(table as *mut u64).add(entries.len()) = 0;
        let d = DATA.lock().unwrap_or_else(|e| e.into_inner());
        *(d.environ as *mut u64) = table;
    }
    0
}

/// Implements _wgetenv(varname) from the process environment (the wide
/// copy is built on first use of this function).
pub extern "win64" fn _wgetenv(name: *const u16) -> u64 {
    // SAFETY: a NUL-terminated wide string or NULL.
    let Some(name) = (unsafe { kernel32::error::wstr(name) }) else {
        errno::set(EINVAL);
        return 0;
    };
    let p = crate::startup::wenviron();
    // SAFETY: the `_wenviron` data export and its NULL-terminated table.
    unsafe {
        let table = if p == 0 { 0 } else { *(p as *const u64) };
        let mut i = 0;
        while table != 0 && *(table as *const u64).add(i) != 0 {
            let entry = *(table as *const u64).add(i);
            let e = kernel32::error::wstr(entry as *const u16).unwrap_or_default();
            if e.len() > name.len()
                && e[name.len()] == b'=' as u16
                && e[..name.len()].iter().zip(&name).all(|(a, b)| {
                    (*a as u8).eq_ignore_ascii_case(&(*b as u8)) && (*a < 128) == (*b < 128)
                })
            {
                return entry + 2 * (name.len() as u64 + 1);
            }
            i += 1;
        }
    }
    0
}

/// Implements ___lc_codepage_func(): 0 in the "C" locale.
pub extern "win64" fn ___lc_codepage_func() -> u32 {
    0
}

/// Implements ___mb_cur_max_func(): 1 in the "C" locale.
pub extern "win64" fn ___mb_cur_max_func() -> i32 {
    1
}

/// Implements __lconv_init-free localeconv(): the "C" locale's lconv.
pub extern "win64" fn localeconv() -> u64 {
    static LCONV: AtomicU64 = AtomicU64::new(0);
    let p = LCONV.load(Ordering::Acquire);
    if p != 0 {
        return p;
    }
    // struct lconv: ten char* fields, then eight chars (CHAR_MAX = 127).
    let strings = kernel32::memory::leak_guest(b".\0\0");
    let empty = strings + 2;
    let lconv = malloc(10 * 8 + 8);
    // SAFETY: a fresh block for the struct.
    unsafe {
        let f = lconv as *mut u64;
        *f = strings;
        for i in 1..10 {
            *f.add(i) = empty;
        }
        core::ptr::write_bytes((lconv + 80) as *mut u8, 127, 8);
    }
    LCONV.store(lconv, Ordering::Release);
    lconv
}

/// Implements setlocale(category, locale): only the "C" locale exists here;
/// queries answer "C" and other locales are refused with NULL.
pub extern "win64" fn setlocale(category: i32, locale: *const u8) -> u64 {
    static C_NAME: AtomicU64 = AtomicU64::new(0);
    if !(0..=5).contains(&category) {
        errno::set(EINVAL);
        return 0;
    }
    let name = {
        let p = C_NAME.load(Ordering::Acquire);
        if p != 0 {
            p
        } else {
            let p = kernel32::memory::leak_guest(b"C\0");
            C_NAME.store(p, Ordering::Release);
            p
        }
    };
    if locale.is_null() {
        return name;
    }
    match cstr(locale) {
        b"C" => name,
        other => {
            log::warn!(
                "setlocale({category}, {:?}): only the \"C\" locale is available",
                String::from_utf8_lossy(other)
            );
            0
        }
    }
}

/// Implements _time64(timer): seconds since 1970.
pub extern "win64" fn _time64(out: *mut i64) -> i64 {
    let mut ft = 0i64;
    kernel32::time::GetSystemTimeAsFileTime(&mut ft);
    let t = (ft - 116_444_736_000_000_000) / 10_000_000;
    if !out.is_null() {
        // SAFETY: the caller passes storage for the time.
        unsafe { *out = t };
    }
    t
}

static START_TICKS: AtomicU64 = AtomicU64::new(0);

pub fn init_clock() {
    START_TICKS.store(kernel32::time::GetTickCount64(), Ordering::Relaxed);
}

/// Implements clock(): milliseconds since the process started
/// (CLOCKS_PER_SEC is 1000).
pub extern "win64" fn clock() -> i32 {
    (kernel32::time::GetTickCount64() - START_TICKS.load(Ordering::Relaxed)) as i32
}

static SEED: AtomicU32 = AtomicU32::new(1);

/// Implements srand(seed).
pub extern "win64" fn srand(seed: u32) {
    SEED.store(seed, Ordering::Relaxed);
}

/// Implements rand(): msvcrt's linear congruential generator.
pub extern "win64" fn rand() -> i32 {
    let next = SEED
        .load(Ordering::Relaxed)
        .wrapping_mul(214_013)
        .wrapping_add(2_531_011);
    SEED.store(next, Ordering::Relaxed);
    ((next >> 16) & 0x7FFF) as i32
}

/// A comparison function of the program: int (const void *, const void *)
/// in the Windows x64 convention.
type Compare = extern "win64" fn(*const u8, *const u8) -> i32;

/// Swaps two elements of `width` bytes.
///
/// # Safety
/// Both point at `width` readable and writable bytes.
unsafe fn swap(a: *mut u8, b: *mut u8, width: usize) {
    if a != b {
        core::ptr::swap_nonoverlapping(a, b, width);
    }
}

/// Sorts in place, as msvcrt does: the comparison function sees pointers
/// into the array itself, and nothing it answers (even an inconsistent
/// order) can do more than leave the elements in some order. Quicksort
/// with a median-of-three pivot, insertion sort for short runs; the
/// smaller side is sorted first, recursion on it only, so the depth stays
/// logarithmic.
///
/// # Safety
/// `base` holds `num` elements of `width` bytes.
unsafe fn sort(base: *mut u8, mut num: usize, width: usize, cmp: Compare) {
    let at = |i: usize| base.add(i * width);
    let mut lo = 0usize;
    loop {
        if num <= 8 {
            for i in lo + 1..lo + num {
                let mut j = i;
                while j > lo && cmp(at(j - 1), at(j)) > 0 {
                    swap(at(j - 1), at(j), width);
                    j -= 1;
                }
            }
            return;
        }
        let (first, mid, last) = (lo, lo + num / 2, lo + num - 1);
        // Median of three to the front: first <= mid <= last, then mid is
        // the pivot, kept at `first`.
        if cmp(at(mid), at(first)) < 0 {
            swap(at(mid), at(first), width);
        }
        if cmp(at(last), at(mid)) < 0 {
            swap(at(last), at(mid), width);
            if cmp(at(mid), at(first)) < 0 {
                swap(at(mid), at(first), width);
            }
        }
        swap(at(first), at(mid), width);
        let (mut i, mut j) = (first + 1, last);
        loop {
            while i <= j && cmp(at(i), at(first)) < 0 {
                i += 1;
            }
            while j > first && cmp(at(j), at(first)) > 0 {
                j -= 1;
            }
            if i >= j {
                break;
            }
            swap(at(i), at(j), width);
            i += 1;
            j -= 1;
        }
        swap(at(first), at(j), width);
        // [lo, j) and (j, lo + num): sort the smaller by recursion.
        let left = j - lo;
        let right = lo + num - j - 1;
        if left < right {
            sort(at(lo), left, width, cmp);
            lo = j + 1;
            num = right;
        } else {
            sort(at(j + 1), right, width, cmp);
            num = left;
        }
    }
}

/// qsort(base, num, width, compare); `caller` is the caller's state (see
/// the entry stubs below).
extern "win64" fn qsort_with_context(
    base: *mut u8,
    num: u64,
    width: u64,
    compare: u64,
    caller: *mut CONTEXT,
) {
    if num < 2 || width == 0 || compare == 0 || base.is_null() {
        return;
    }
    // SAFETY: the program's comparison function.
    let cmp: Compare = unsafe { core::mem::transmute(compare) };
    // SAFETY: the entry stub's CONTEXT; the caller passes num * width
    // bytes (as on Windows, a bad array faults in the caller's name).
    ntdll::exception::with_callback_frames(unsafe { &*caller }, || unsafe {
        sort(base, num as usize, width as usize, cmp)
    })
}

/// bsearch(key, base, num, width, compare).
extern "win64" fn bsearch_with_context(
    key: *const u8,
    base: *const u8,
    num: u64,
    width: u64,
    caller: *mut CONTEXT,
    compare: u64,
) -> u64 {
    if compare == 0 {
        return 0;
    }
    // SAFETY: the program's comparison function.
    let cmp: Compare = unsafe { core::mem::transmute(compare) };
    // SAFETY: the entry stub's CONTEXT.
    ntdll::exception::with_callback_frames(unsafe { &*caller }, || {
        let (mut lo, mut hi) = (0u64, num);
        while lo < hi {
            let mid = (lo + hi) / 2;
            // SAFETY: mid < num; the caller passes num * width bytes.
            let p = unsafe { base.add((mid * width) as usize) };
            match cmp(key, p) {
                0 => return p as u64,
                r if r < 0 => hi = mid,
                _ => lo = mid + 1,
            }
        }
        0
    })
}

// qsort and bsearch call back into the program: their entry stubs record
// the caller's state, so an exception thrown by the comparison function
// can reach the caller's handlers.
// (The stubs' own names differ from the C library's, which this binary
// links too.)
ntdll::caller_context_entry! {
    msvcrt_qsort => qsort_with_context,
    msvcrt_bsearch => bsearch_with_context,
}

fn win32_fail() -> i32 {
    errno::set_from_win32(kernel32::process::GetLastError());
    -1
}

/// Implements _getcwd(buffer, maxlen): allocates when buffer is NULL.
pub extern "win64" fn _getcwd(buf: *mut u8, size: i32) -> u64 {
    let need = kernel32::file::GetCurrentDirectoryA(0, core::ptr::null_mut());
    let (dst, cap) = if buf.is_null() {
        let cap = need.max(size.max(0) as u32);
        (malloc(cap as u64) as *mut u8, cap)
    } else {
        (buf, size.max(0) as u32)
    };
    if dst.is_null() {
        return 0;
    }
    if need > cap {
        errno::set(crate::errno::ERANGE);
        return 0;
    }
    kernel32::file::GetCurrentDirectoryA(cap, dst);
    dst as u64
}

/// Implements _chdir(dirname).
pub extern "win64" fn _chdir(dir: *const u8) -> i32 {
    if kernel32::file::SetCurrentDirectoryA(dir) == 0 {
        return win32_fail();
    }
    0
}

/// Implements _mkdir(dirname).
pub extern "win64" fn _mkdir(dir: *const u8) -> i32 {
    if kernel32::file::CreateDirectoryA(dir, 0) == 0 {
        return win32_fail();
    }
    0
}

/// Implements _rmdir(dirname).
pub extern "win64" fn _rmdir(dir: *const u8) -> i32 {
    if kernel32::file::RemoveDirectoryA(dir) == 0 {
        return win32_fail();
    }
    0
}

/// Implements _unlink(filename).
pub extern "win64" fn _unlink(name: *const u8) -> i32 {
    crate::stdio::remove(name)
}

/// Implements _access(path, mode): 0 existence, 2 write, 4 read, 6 both.
pub extern "win64" fn _access(path: *const u8, mode: i32) -> i32 {
    if mode & !6 != 0 {
        errno::set(EINVAL);
        return -1;
    }
    let attrs = kernel32::file::GetFileAttributesA(path);
    if attrs == u32::MAX {
        return win32_fail();
    }
    if mode & 2 != 0 && attrs & 0x1 != 0 && attrs & 0x10 == 0 {
        errno::set(crate::errno::EACCES);
        return -1;
    }
    0
}

/// Implements _getpid().
pub extern "win64" fn _getpid() -> i32 {
    kernel32::process::GetCurrentProcessId() as i32
}
