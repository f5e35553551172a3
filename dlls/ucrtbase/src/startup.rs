//! Start-up and exit as the Visual C++ start code (and mingw-w64's UCRT
//! start code) drive them: argv and environment configuration, onexit
//! tables, the exit paths, and the exception filter of `main`'s caller.
//! The process-wide data (argv, environ, the atexit list, signal handlers)
//! is msvcrt's: one C runtime state per process.

use crate::invalid;
use msvcrt::errno::{self, EINVAL};
use msvcrt::heap::{free, realloc};
use msvcrt::startup as crt;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Mutex;

// _crt_argv_mode.
const ARGV_NO_ARGUMENTS: i32 = 0;
const ARGV_UNEXPANDED: i32 = 1;
const ARGV_EXPANDED: i32 = 2;

fn check_argv_mode(mode: i32) -> Result<(), i32> {
    match mode {
        ARGV_NO_ARGUMENTS | ARGV_UNEXPANDED | ARGV_EXPANDED => Ok(()),
        _ => {
            invalid::fail(EINVAL);
            Err(EINVAL)
        }
    }
}

/// Implements _configure_narrow_argv(mode): __argc/__argv are built at
/// process attach from the command line; with
/// _crt_argv_expanded_arguments (setargv.obj) wildcards are expanded.
pub extern "win64" fn _configure_narrow_argv(mode: i32) -> i32 {
    if let Err(e) = check_argv_mode(mode) {
        return e;
    }
    if mode == ARGV_EXPANDED {
        return expand_argv(false);
    }
    0
}

/// Implements _configure_wide_argv(mode): builds __wargv.
pub extern "win64" fn _configure_wide_argv(mode: i32) -> i32 {
    if let Err(e) = check_argv_mode(mode) {
        return e;
    }
    if mode != ARGV_NO_ARGUMENTS && crt::__p___wargv() == 0 {
        return errno::ENOMEM;
    }
    if mode == ARGV_EXPANDED {
        return expand_argv(true);
    }
    0
}

static EXPANDED: Mutex<[bool; 2]> = Mutex::new([false; 2]);

/// Replaces `__argv` (or `__wargv`) and `__argc` with the arguments after
/// wildcard expansion: an argument (not the program name) with `*` or `?`
/// becomes the names it matches, with its directory part, in
/// case-insensitive order; one that matches nothing stays as it is.
fn expand_argv(wide: bool) -> i32 {
    let mut done = EXPANDED.lock().unwrap_or_else(|e| e.into_inner());
    if done[usize::from(wide)] {
        return 0;
    }
    let slot = if wide {
        crt::__p___wargv()
    } else {
        crt::__p___argv()
    };
    // SAFETY: msvcrt's argc and argv slots; argv is a NULL-terminated array
    // of argc strings.
    let args: Vec<Vec<u16>> = unsafe {
        let argc = *(crt::__p___argc() as *const i32);
        let argv = *(slot as *const u64) as *const u64;
        (0..argc as usize)
            .map(|i| {
                let p = *argv.add(i);
                if wide {
                    units::<u16>(p).to_vec()
                } else {
                    kernel32::nls::ansi_to_wide(units::<u8>(p))
                }
            })
            .collect()
    };
    let wildcard = |c: &u16| *c == u16::from(b'*') || *c == u16::from(b'?');
    let mut out: Vec<Vec<u16>> = Vec::new();
    for (i, arg) in args.into_iter().enumerate() {
        let matches = if i > 0 && arg.iter().any(wildcard) {
            find_matches(&arg)
        } else {
            Vec::new()
        };
        if matches.is_empty() {
            out.push(arg);
        } else {
            out.extend(matches);
        }
    }
    let table = if wide {
        string_table(&out)
    } else {
        let narrow: Vec<Vec<u8>> = out.iter().map(|a| kernel32::nls::wide_to_ansi(a)).collect();
        string_table(&narrow)
    };
    if table == 0 {
        return errno::ENOMEM;
    }
    // SAFETY: msvcrt's argc and argv slots.
    unsafe {
        *(crt::__p___argc() as *mut i32) = out.len() as i32;
        *(slot as *mut u64) = table;
    }
    done[usize::from(wide)] = true;
    0
}

fn units<T: Copy + Default + PartialEq>(p: u64) -> &'static [T] {
    let mut n = 0;
    // SAFETY: a NUL-terminated string of the runtime's argv.
    unsafe {
        while *(p as *const T).add(n) != T::default() {
            n += 1;
        }
        std::slice::from_raw_parts(p as *const T, n)
    }
}

/// A NULL-terminated array of NUL-terminated strings on the C heap.
fn string_table<T: Copy + Default>(items: &[Vec<T>]) -> u64 {
    let unit = core::mem::size_of::<T>() as u64;
    let table = msvcrt::heap::malloc((items.len() as u64 + 1) * 8);
    if table == 0 {
        return 0;
    }
    for (i, s) in items.iter().enumerate() {
        let p = msvcrt::heap::malloc((s.len() as u64 + 1) * unit);
        if p == 0 {
            return 0;
        }
        // SAFETY: fresh blocks of the right sizes.
        unsafe {
            core::ptr::copy_nonoverlapping(s.as_ptr(), p as *mut T, s.len());
            *(p as *mut T).add(s.len()) = T::default();
            *(table as *mut u64).add(i) = p;
        }
    }
    // SAFETY: the table has items.len() + 1 slots.
    unsafe { *(table as *mut u64).add(items.len()) = 0 };
    table
}

/// The names a wildcard argument matches, each with the argument's
/// directory part; "." and ".." are left out.
fn find_matches(pattern: &[u16]) -> Vec<Vec<u16>> {
    let separator = |c: &u16| matches!(char::from_u32(u32::from(*c)), Some('\\' | '/' | ':'));
    let dir_len = pattern.iter().rposition(separator).map_or(0, |i| i + 1);
    let mut name: Vec<u16> = pattern.to_vec();
    name.push(0);
    // WIN32_FIND_DATAW: cFileName (260 units) at offset 44; 592 bytes.
    let mut data = vec![0u8; 592];
    let h = kernel32::find::FindFirstFileW(name.as_ptr(), data.as_mut_ptr() as u64);
    if h == u64::MAX {
        return Vec::new();
    }
    let mut found = Vec::new();
    loop {
        let file: Vec<u16> = data[44..44 + 520]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|&c| c != 0)
            .collect();
        let dots = file == [u16::from(b'.')] || file == [u16::from(b'.'), u16::from(b'.')];
        if !dots {
            let mut full = pattern[..dir_len].to_vec();
            full.extend(file);
            found.push(full);
        }
        if kernel32::find::FindNextFileW(h, data.as_mut_ptr() as u64) == 0 {
            break;
        }
    }
    kernel32::find::FindClose(h);
    found.sort_by_key(|n| {
        n.iter()
            .map(|&c| if (97..=122).contains(&c) { c - 32 } else { c })
            .collect::<Vec<u16>>()
    });
    found
}

/// Implements _initialize_narrow_environment(): 0 when `_environ` exists
/// (msvcrt builds it at process attach), -1 when it could not be built.
pub extern "win64" fn _initialize_narrow_environment() -> i32 {
    // SAFETY: __p__environ returns msvcrt's `_environ` slot.
    if unsafe { *(crt::__p__environ() as *const u64) } == 0 {
        -1
    } else {
        0
    }
}

/// Implements _initialize_wide_environment(): builds `_wenviron`.
pub extern "win64" fn _initialize_wide_environment() -> i32 {
    // SAFETY: __p__wenviron builds and returns msvcrt's `_wenviron` slot.
    if unsafe { *(crt::__p__wenviron() as *const u64) } == 0 {
        -1
    } else {
        0
    }
}

/// Implements _get_initial_narrow_environment(): the environment `main`
/// receives (`__initenv`).
pub extern "win64" fn _get_initial_narrow_environment() -> u64 {
    // SAFETY: msvcrt's `__initenv` slot.
    unsafe { *(crt::__p___initenv() as *const u64) }
}

/// Implements _get_initial_wide_environment() (`__winitenv`).
pub extern "win64" fn _get_initial_wide_environment() -> u64 {
    // SAFETY: msvcrt's `__winitenv` slot, built on first use.
    unsafe { *(crt::__p___winitenv() as *const u64) }
}

/// Implements _get_narrow_winmain_command_line(): the command line after
/// the program name and the blanks that follow it.
pub extern "win64" fn _get_narrow_winmain_command_line() -> u64 {
    // SAFETY: msvcrt's `_acmdln` slot, a NUL-terminated string.
    let line = unsafe { *(crt::__p__acmdln() as *const u64) };
    line + skip_program_name(|i| unsafe { u32::from(*((line + i) as *const u8)) })
}

/// Implements _get_wide_winmain_command_line().
pub extern "win64" fn _get_wide_winmain_command_line() -> u64 {
    // SAFETY: msvcrt's `_wcmdln` slot, a NUL-terminated wide string.
    let line = unsafe { *(crt::__p__wcmdln() as *const u64) };
    line + 2 * skip_program_name(|i| unsafe { u32::from(*((line + 2 * i) as *const u16)) })
}

/// Units before WinMain's lpCmdLine: the program name (quoted or up to a
/// blank), then blanks.
fn skip_program_name(at: impl Fn(u64) -> u32) -> u64 {
    let (space, tab, quote) = (u32::from(b' '), u32::from(b'\t'), u32::from(b'"'));
    let mut i = 0;
    let mut quoted = false;
    loop {
        let c = at(i);
        if c == 0 || (!quoted && (c == space || c == tab)) {
            break;
        }
        if c == quote {
            quoted = !quoted;
        }
        i += 1;
    }
    while at(i) == space || at(i) == tab {
        i += 1;
    }
    i
}

static NEW_MODE: AtomicI32 = AtomicI32::new(0);

/// Implements _set_new_mode(mode): whether malloc failures call the new
/// handler (0 or 1); returns the previous mode.
pub extern "win64" fn _set_new_mode(mode: i32) -> i32 {
    if mode != 0 && mode != 1 {
        invalid::fail(EINVAL);
        return -1;
    }
    NEW_MODE.swap(mode, Ordering::Relaxed)
}

/// Implements _query_new_mode().
pub extern "win64" fn _query_new_mode() -> i32 {
    NEW_MODE.load(Ordering::Relaxed)
}

// _O_TEXT, _O_BINARY and the Unicode text modes _set_fmode accepts.
const FMODES: [i32; 5] = [0x4000, 0x8000, 0x1_0000, 0x2_0000, 0x4_0000];

/// Implements _set_fmode(mode): the default translation mode of files.
pub extern "win64" fn _set_fmode(mode: i32) -> i32 {
    if !FMODES.contains(&mode) {
        invalid::fail(EINVAL);
        return EINVAL;
    }
    // SAFETY: msvcrt's `_fmode` slot.
    unsafe { *(crt::__p__fmode() as *mut i32) = mode };
    0
}

/// Implements _get_fmode(pmode).
pub extern "win64" fn _get_fmode(out: *mut i32) -> i32 {
    if out.is_null() {
        invalid::fail(EINVAL);
        return EINVAL;
    }
    // SAFETY: msvcrt's `_fmode` slot and the caller's int.
    unsafe { *out = *(crt::__p__fmode() as *const i32) };
    0
}

/// `_onexit_table_t`: three pointers into an array of function pointers.
#[repr(C)]
pub struct OnexitTable {
    pub first: u64,
    pub last: u64,
    pub end: u64,
}

/// One lock for every onexit table, as the UCRT takes its CRT lock.
static ONEXIT_LOCK: Mutex<()> = Mutex::new(());

/// Implements _initialize_onexit_table(table): empties a table that has no
/// array yet; 0, or -1 for a NULL table.
pub extern "win64" fn _initialize_onexit_table(table: *mut OnexitTable) -> i32 {
    if table.is_null() {
        return -1;
    }
    // SAFETY: the caller's table.
    unsafe {
        if (*table).first == 0 {
            (*table).last = 0;
            (*table).end = 0;
        }
    }
    0
}

/// Implements _register_onexit_function(table, function): appends,
/// growing the array (32 entries first, then doubling); 0 or -1.
pub extern "win64" fn _register_onexit_function(table: *mut OnexitTable, f: u64) -> i32 {
    if table.is_null() {
        return -1;
    }
    let _guard = ONEXIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: the caller's table, whose array this runtime allocated.
    unsafe {
        let t = &mut *table;
        if t.last == t.end {
            let count = if t.first == 0 {
                0
            } else {
                (t.end - t.first) / 8
            };
            let new_count = if count == 0 { 32 } else { count * 2 };
            let array = realloc(t.first, new_count * 8);
            if array == 0 {
                return -1;
            }
            t.last = array + (t.last - t.first);
            t.first = array;
            t.end = array + new_count * 8;
        }
        *(t.last as *mut u64) = f;
        t.last += 8;
    }
    0
}

/// Implements _execute_onexit_table(table): calls the functions, last
/// registered first (including ones registered while it runs), then frees
/// the array and leaves the table empty.
pub extern "win64" fn _execute_onexit_table(table: *mut OnexitTable) -> i32 {
    if table.is_null() {
        return -1;
    }
    loop {
        let f = {
            let _guard = ONEXIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
            // SAFETY: the caller's table.
            unsafe {
                let t = &mut *table;
                if t.last <= t.first {
                    free(t.first);
                    *t = OnexitTable {
                        first: 0,
                        last: 0,
                        end: 0,
                    };
                    return 0;
                }
                t.last -= 8;
                *(t.last as *const u64)
            }
        };
        if f != 0 {
            // SAFETY: a registered function, void(void).
            let f: extern "win64" fn() = unsafe { core::mem::transmute(f) };
            f();
        }
    }
}

static TLS_EXIT_CALLBACK: AtomicU64 = AtomicU64::new(0);

/// Implements _register_thread_local_exe_atexit_callback(callback): the
/// exe's TLS destructor runner, called at exit; registering twice ends
/// the program (the UCRT calls terminate()).
pub extern "win64" fn _register_thread_local_exe_atexit_callback(cb: u64) {
    if TLS_EXIT_CALLBACK
        .compare_exchange(0, cb, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        msvcrt::cxx::throw::terminate();
    }
}

/// Runs the exe's TLS callback once, as a PIMAGE_TLS_CALLBACK with
/// DLL_PROCESS_DETACH.
fn run_tls_exit_callback() {
    let cb = TLS_EXIT_CALLBACK.swap(0, Ordering::AcqRel);
    if cb != 0 {
        // SAFETY: the callback the exe registered, a PIMAGE_TLS_CALLBACK.
        let f: extern "win64" fn(u64, u32, u64) = unsafe { core::mem::transmute(cb) };
        f(0, 0, 0);
    }
}

/// Implements exit(status): TLS destructors, the atexit functions, stream
/// flush, process exit.
pub extern "win64" fn exit(code: i32) -> ! {
    run_tls_exit_callback();
    crt::exit(code)
}

/// Implements _cexit(): exit's clean-up without exiting.
pub extern "win64" fn _cexit() {
    run_tls_exit_callback();
    crt::_cexit();
}

static QUICK_EXIT_FUNCTIONS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// Implements _crt_at_quick_exit(function): 0 on success.
pub extern "win64" fn _crt_at_quick_exit(f: u64) -> i32 {
    if f == 0 {
        return -1;
    }
    QUICK_EXIT_FUNCTIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(f);
    0
}

/// Implements quick_exit(status): the at_quick_exit functions, last
/// first, then _exit (no atexit functions, no flush).
pub extern "win64" fn quick_exit(code: i32) -> ! {
    loop {
        let f = QUICK_EXIT_FUNCTIONS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop();
        let Some(f) = f else { break };
        // SAFETY: a registered function, void(void).
        let f: extern "win64" fn() = unsafe { core::mem::transmute(f) };
        f();
    }
    crt::_exit(code)
}

// _set_abort_behavior flags.
const WRITE_ABORT_MSG: u32 = 1;
const CALL_REPORTFAULT: u32 = 2;
static ABORT_BEHAVIOR: std::sync::atomic::AtomicU32 =
    std::sync::atomic::AtomicU32::new(WRITE_ABORT_MSG | CALL_REPORTFAULT);

/// Implements _set_abort_behavior(flags, mask): the previous flags.
pub extern "win64" fn _set_abort_behavior(flags: u32, mask: u32) -> u32 {
    let mut old = ABORT_BEHAVIOR.load(Ordering::Relaxed);
    loop {
        let new = (old & !mask) | (flags & mask);
        match ABORT_BEHAVIOR.compare_exchange(old, new, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => return old,
            Err(o) => old = o,
        }
    }
}

const SIGABRT: i32 = 22;

/// The handler installed for `sig` (0 is SIG_DFL), read without changing it.
fn current_handler(sig: i32) -> u64 {
    let handler = crt::signal(sig, 0);
    crt::signal(sig, handler);
    handler
}

/// Implements raise(sig): msvcrt's, except that the default action ends
/// the program with exit code 3 and no message, as the UCRT's does.
pub extern "win64" fn raise(sig: i32) -> i32 {
    const SIG_ERR: u64 = u64::MAX;
    let handler = crt::signal(sig, 0);
    if handler == SIG_ERR {
        // Not a signal: msvcrt's raise reports it (EINVAL, -1).
        return crt::raise(sig);
    }
    crt::signal(sig, handler);
    if handler == 0 {
        crt::_exit(3);
    }
    crt::raise(sig)
}

/// Implements abort(): a SIGABRT handler runs if there is one; then, with
/// _CALL_REPORTFAULT (the default), a fast fail (FAST_FAIL_FATAL_APP_EXIT),
/// else _exit(3). The release UCRT writes no message.
pub extern "win64" fn abort() -> ! {
    if current_handler(SIGABRT) != 0 {
        crt::raise(SIGABRT);
    }
    if ABORT_BEHAVIOR.load(Ordering::Relaxed) & CALL_REPORTFAULT != 0 {
        invalid::fast_fail();
    }
    crt::_exit(3)
}

/// Implements _set_app_type(type): _crt_console_app (1) or _crt_gui_app
/// (2), kept where msvcrt's __set_app_type keeps it.
pub extern "win64" fn _set_app_type(kind: i32) {
    crt::__set_app_type(kind);
}

// Exception codes the exception filter maps to signals, and the _FPE_
// sub-codes SIGFPE handlers receive.
const SIGILL: i32 = 4;
const SIGFPE: i32 = 8;
const SIGSEGV: i32 = 11;
const EXCEPTION_CONTINUE_SEARCH: i32 = 0;
const EXCEPTION_CONTINUE_EXECUTION: i32 = -1;

fn signal_of(code: u32) -> Option<(i32, i32)> {
    Some(match code {
        0xC000_0005 => (SIGSEGV, 0),   // STATUS_ACCESS_VIOLATION
        0xC000_001D => (SIGILL, 0),    // STATUS_ILLEGAL_INSTRUCTION
        0xC000_0096 => (SIGILL, 0),    // STATUS_PRIVILEGED_INSTRUCTION
        0xC000_008D => (SIGFPE, 0x82), // FLOAT_DENORMAL_OPERAND: _FPE_DENORMAL
        0xC000_008E => (SIGFPE, 0x83), // FLOAT_DIVIDE_BY_ZERO: _FPE_ZERODIVIDE
        0xC000_008F => (SIGFPE, 0x86), // FLOAT_INEXACT_RESULT: _FPE_INEXACT
        0xC000_0090 => (SIGFPE, 0x81), // FLOAT_INVALID_OPERATION: _FPE_INVALID
        0xC000_0091 => (SIGFPE, 0x84), // FLOAT_OVERFLOW: _FPE_OVERFLOW
        0xC000_0092 => (SIGFPE, 0x8A), // FLOAT_STACK_CHECK: _FPE_STACKOVERFLOW
        0xC000_0093 => (SIGFPE, 0x85), // FLOAT_UNDERFLOW: _FPE_UNDERFLOW
        0xC000_02B4 => (SIGFPE, 0x8E), // FLOAT_MULTIPLE_FAULTS
        0xC000_02B5 => (SIGFPE, 0x8D), // FLOAT_MULTIPLE_TRAPS
        _ => return None,
    })
}

/// Implements _seh_filter_exe(code, pointers): the filter around `main`.
/// An exception with a signal equivalent runs that signal's handler and
/// continues execution (SIG_IGN just continues); with no handler (SIG_DFL)
/// or no equivalent the search goes on to the unhandled-exception filter.
pub extern "win64" fn _seh_filter_exe(code: u32, _pointers: u64) -> i32 {
    let Some((sig, fpe)) = signal_of(code) else {
        return EXCEPTION_CONTINUE_SEARCH;
    };
    match crt::take_exception_action(sig) {
        0 => EXCEPTION_CONTINUE_SEARCH,
        1 => EXCEPTION_CONTINUE_EXECUTION,
        f => {
            if sig == SIGFPE {
                // SAFETY: the program's handler, void(int, int) for SIGFPE.
                let f: extern "win64" fn(i32, i32) = unsafe { core::mem::transmute(f) };
                f(sig, fpe);
            } else {
                // SAFETY: the program's handler, void(int).
                let f: extern "win64" fn(i32) = unsafe { core::mem::transmute(f) };
                f(sig);
            }
            EXCEPTION_CONTINUE_EXECUTION
        }
    }
}

/// Implements _seh_filter_dll(code, pointers): a DLL's start code only
/// filters C++ exceptions, which have no signal: the search goes on.
pub extern "win64" fn _seh_filter_dll(code: u32, pointers: u64) -> i32 {
    const CXX_EXCEPTION: u32 = 0xE06D_7363;
    if code != CXX_EXCEPTION {
        return EXCEPTION_CONTINUE_SEARCH;
    }
    _seh_filter_exe(code, pointers)
}
