//! Program start-up and exit: arguments and environment, _initterm, atexit
//! and _onexit, exit, abort, signals, the runtime's locks.

use crate::errno::{self, EINVAL};
use crate::heap::{free, malloc, realloc};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Addresses of msvcrt's data exports, filled at process attach.
#[derive(Default)]
pub struct Data {
    pub argc: u64,
    pub argv: u64,
    pub wargv: u64,
    pub environ: u64,
    pub wenviron: u64,
    pub initenv: u64,
    pub winitenv: u64,
    pub acmdln: u64,
    pub wcmdln: u64,
    pub fmode: u64,
    pub commode: u64,
}

pub static DATA: Mutex<Data> = Mutex::new(Data {
    argc: 0,
    argv: 0,
    wargv: 0,
    environ: 0,
    wenviron: 0,
    initenv: 0,
    winitenv: 0,
    acmdln: 0,
    wcmdln: 0,
    fmode: 0,
    commode: 0,
});

fn data() -> std::sync::MutexGuard<'static, Data> {
    DATA.lock().unwrap_or_else(|e| e.into_inner())
}

/// Builds a NULL-terminated array of NUL-terminated strings in guest memory.
fn string_array<T: Copy + Default>(items: &[Vec<T>]) -> u64 {
    let unit = core::mem::size_of::<T>();
    let table = malloc((items.len() as u64 + 1) * 8);
    if table == 0 {
        return 0;
    }
    for (i, s) in items.iter().enumerate() {
        let p = malloc(((s.len() + 1) * unit) as u64);
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

/// Process attach: the command line, argv and the environment copies the
/// C runtime keeps (entries starting with '=' are left out, as msvcrt does).
pub fn init(d: Data) {
    let line_a = kernel32::process::GetCommandLineA();
    let line_w = kernel32::process::GetCommandLineW();
    // SAFETY: the command line is NUL-terminated and lives for the process.
    let a = unsafe {
        std::ffi::CStr::from_ptr(line_a as *const std::ffi::c_char)
            .to_bytes()
            .to_vec()
    };
    let args_a = kernel32::cmdline::split(&a);
    let env_a: Vec<Vec<u8>> = environment_w()
        .iter()
        .map(|e| kernel32::nls::wide_to_ansi(e))
        .collect();
    let argv = string_array(&args_a);
    let environ = string_array(&env_a);
    // SAFETY: the data exports are slots of the right sizes in msvcrt's image.
    unsafe {
        *(d.argc as *mut i32) = args_a.len() as i32;
        *(d.argv as *mut u64) = argv;
        *(d.environ as *mut u64) = environ;
        *(d.initenv as *mut u64) = environ;
        *(d.acmdln as *mut u64) = line_a as u64;
        *(d.wcmdln as *mut u64) = line_w as u64;
    }
    crate::lowio::FMODE.store(d.fmode, Ordering::Relaxed);
    *data() = d;
}

/// The environment's entries, without the ones starting with '=' (as
/// msvcrt leaves them out).
fn environment_w() -> Vec<Vec<u16>> {
    kernel32::env::entries()
        .into_iter()
        .filter(|e| e.first() != Some(&(b'=' as u16)))
        .collect()
}

/// Builds the wide argv and environment on first use, as msvcrt does:
/// most programs are narrow and never need them (`__wargv` and
/// `_wenviron` stay NULL until then, as on Windows).
fn ensure_wide(d: &Data) {
    // SAFETY: the data exports are slots of the right sizes in msvcrt's
    // image, filled at process attach.
    unsafe {
        if d.wargv == 0 || *(d.wargv as *const u64) != 0 {
            return;
        }
        let line_w = *(d.wcmdln as *const u64);
        let w = kernel32::error::wstr(line_w as *const u16).unwrap_or_default();
        let wargv = string_array(&kernel32::cmdline::split(&w));
        let wenviron = string_array(&environment_w());
        *(d.wargv as *mut u64) = wargv;
        *(d.wenviron as *mut u64) = wenviron;
        *(d.winitenv as *mut u64) = wenviron;
    }
}

/// The address of `_wenviron`, built on first use.
pub fn wenviron() -> u64 {
    let d = data();
    ensure_wide(&d);
    d.wenviron
}

/// Implements __getmainargs(argc, argv, envp, doWildCard, startinfo).
pub extern "win64" fn __getmainargs(
    argc: *mut i32,
    argv: *mut u64,
    envp: *mut u64,
    _wildcard: i32,
    _info: u64,
) -> i32 {
    let d = data();
    // SAFETY: the caller passes storage for the three results; the data
    // exports were filled at process attach.
    unsafe {
        *argc = *(d.argc as *const i32);
        *argv = *(d.argv as *const u64);
        *envp = *(d.environ as *const u64);
    }
    0
}

/// Implements __wgetmainargs(argc, wargv, wenvp, doWildCard, startinfo).
pub extern "win64" fn __wgetmainargs(
    argc: *mut i32,
    argv: *mut u64,
    envp: *mut u64,
    _wildcard: i32,
    _info: u64,
) -> i32 {
    let d = data();
    ensure_wide(&d);
    // SAFETY: as in __getmainargs.
    unsafe {
        *argc = *(d.argc as *const i32);
        *argv = *(d.wargv as *const u64);
        *envp = *(d.wenviron as *const u64);
    }
    0
}

macro_rules! data_pointer {
    ($($name:ident => $field:ident $(, $wide:ident)?;)*) => {
        $(
            #[doc = concat!("Implements ", stringify!($name), "(): the address of a runtime global.")]
            pub extern "win64" fn $name() -> u64 {
                let d = data();
                $( $wide(&d); )?
                d.$field
            }
        )*
    };
}

data_pointer! {
    __p___argc => argc;
    __p___argv => argv;
    __p___wargv => wargv, ensure_wide;
    __p__environ => environ;
    __p__wenviron => wenviron, ensure_wide;
    __p___initenv => initenv;
    __p___winitenv => winitenv, ensure_wide;
    __p__acmdln => acmdln;
    __p__wcmdln => wcmdln;
    __p__fmode => fmode;
    __p__commode => commode;
}

static APP_TYPE: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Implements __set_app_type(type): _crt_console_app (1) or _crt_gui_app (2).
pub extern "win64" fn __set_app_type(kind: i32) {
    APP_TYPE.store(kind, Ordering::Relaxed);
}

static USER_MATHERR: AtomicU64 = AtomicU64::new(0);

/// Implements __setusermatherr(handler).
pub extern "win64" fn __setusermatherr(handler: u64) {
    USER_MATHERR.store(handler, Ordering::Relaxed);
}

/// Implements _initterm(begin, end): calls each non-NULL initializer.
pub extern "win64" fn _initterm(begin: *const u64, end: *const u64) {
    let mut p = begin;
    while p < end {
        // SAFETY: the caller passes a table of function pointers.
        let f = unsafe { *p };
        if f != 0 {
            // SAFETY: an initializer of the image, void(void) in the Windows
            // x64 convention.
            let f: extern "win64" fn() = unsafe { core::mem::transmute(f) };
            f();
        }
        // SAFETY: p stays within [begin, end].
        p = unsafe { p.add(1) };
    }
}

/// Implements _initterm_e(begin, end): stops at the first non-zero result.
pub extern "win64" fn _initterm_e(begin: *const u64, end: *const u64) -> i32 {
    let mut p = begin;
    while p < end {
        // SAFETY: as in _initterm, for int(void) initializers.
        let f = unsafe { *p };
        if f != 0 {
            let f: extern "win64" fn() -> i32 = unsafe { core::mem::transmute(f) };
            let r = f();
            if r != 0 {
                return r;
            }
        }
        p = unsafe { p.add(1) };
    }
    0
}

static EXIT_FUNCTIONS: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// Implements _onexit(function).
pub extern "win64" fn _onexit(f: u64) -> u64 {
    if f == 0 {
        return 0;
    }
    EXIT_FUNCTIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(f);
    f
}

/// Implements atexit(function): 0 on success.
pub extern "win64" fn atexit(f: u64) -> i32 {
    if _onexit(f) == 0 {
        -1
    } else {
        0
    }
}

/// Implements __dllonexit(function, pbegin, pend): appends to a DLL's own
/// onexit table, which the runtime allocates and grows.
pub extern "win64" fn __dllonexit(f: u64, begin: *mut u64, end: *mut u64) -> u64 {
    if begin.is_null() || end.is_null() {
        return 0;
    }
    // SAFETY: the caller passes its table's begin/end pointers.
    unsafe {
        let (b, e) = (*begin, *end);
        let n = if b == 0 { 0 } else { (e - b) / 8 };
        let table = if b == 0 {
            malloc(8)
        } else {
            realloc(b, (n + 1) * 8)
        };
        if table == 0 {
            return 0;
        }
        *(table as *mut u64).add(n as usize) = f;
        *begin = table;
        *end = table + (n + 1) * 8;
    }
    f
}

/// Runs the atexit/_onexit functions, last registered first.
fn run_exit_functions() {
    loop {
        let f = EXIT_FUNCTIONS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop();
        let Some(f) = f else { break };
        // SAFETY: a registered exit function, void(void) in the Windows x64
        // convention.
        let f: extern "win64" fn() = unsafe { core::mem::transmute(f) };
        f();
    }
}

/// Implements exit(status): exit functions, stream flush, ExitProcess.
pub extern "win64" fn exit(code: i32) -> ! {
    run_exit_functions();
    crate::stdio::flush_all();
    kernel32::process::ExitProcess(code as u32)
}

/// Implements _exit(status): no exit functions.
pub extern "win64" fn _exit(code: i32) -> ! {
    kernel32::process::ExitProcess(code as u32)
}

/// Implements _cexit(): exit functions and flush, without exiting.
pub extern "win64" fn _cexit() {
    run_exit_functions();
    crate::stdio::flush_all();
}

/// Implements _c_exit(): nothing to run without exiting.
pub extern "win64" fn _c_exit() {}

fn stderr_message(msg: &[u8]) {
    crate::stdio::flush_all();
    let e = crate::lowio::get(2);
    if let Some(e) = e {
        let mut done = 0u32;
        kernel32::file::WriteFile(
            e.handle,
            msg.as_ptr() as u64,
            msg.len() as u32,
            &mut done,
            core::ptr::null_mut(),
        );
    }
}

/// Implements _amsg_exit(rterrnum): "runtime error R6xxx" and exit 255.
pub extern "win64" fn _amsg_exit(n: i32) -> ! {
    stderr_message(format!("\nruntime error R60{n:02}\n").as_bytes());
    kernel32::process::ExitProcess(255)
}

// Signals (signal.h values).
const SIGINT: i32 = 2;
const SIGILL: i32 = 4;
const SIGFPE: i32 = 8;
const SIGSEGV: i32 = 11;
const SIGTERM: i32 = 15;
const SIGBREAK: i32 = 21;
const SIGABRT: i32 = 22;
const SIG_DFL: u64 = 0;
const SIG_IGN: u64 = 1;
const SIG_ERR: u64 = u64::MAX;

static HANDLERS: Mutex<[u64; 23]> = Mutex::new([0; 23]);

fn valid_signal(sig: i32) -> bool {
    matches!(
        sig,
        SIGINT | SIGILL | SIGFPE | SIGSEGV | SIGTERM | SIGBREAK | SIGABRT
    )
}

/// Implements signal(sig, func): returns the previous handler.
pub extern "win64" fn signal(sig: i32, func: u64) -> u64 {
    if !valid_signal(sig) || func == 4 {
        // SIG_SGE/SIG_ACK (3, 4) are not handlers msvcrt accepts here.
        errno::set(EINVAL);
        return SIG_ERR;
    }
    let mut h = HANDLERS.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::replace(&mut h[sig as usize], func)
}

/// Implements raise(sig).
pub extern "win64" fn raise(sig: i32) -> i32 {
    if !valid_signal(sig) {
        errno::set(EINVAL);
        return -1;
    }
    let handler = {
        let mut h = HANDLERS.lock().unwrap_or_else(|e| e.into_inner());
        let f = h[sig as usize];
        if f != SIG_IGN && f != SIG_DFL && sig != SIGFPE && sig != SIGILL && sig != SIGSEGV {
            // The handler is reset to SIG_DFL before it runs (documented).
            h[sig as usize] = SIG_DFL;
        }
        f
    };
    match handler {
        SIG_IGN => 0,
        SIG_DFL => {
            // The default action ends the program with exit code 3.
            if sig == SIGABRT {
                stderr_message(b"\nabnormal program termination\n");
            }
            kernel32::process::ExitProcess(3)
        }
        f => {
            // SAFETY: a handler the program registered, void(int).
            let f: extern "win64" fn(i32) = unsafe { core::mem::transmute(f) };
            f(sig);
            0
        }
    }
}

/// The action for a signal raised by a hardware exception (the UCRT's
/// `_seh_filter_exe`): the handler installed with `signal()` (SIG_DFL is 0,
/// SIG_IGN 1). A real handler is reset to SIG_DFL before it runs, except
/// for SIGFPE, as `raise` does for the same signals.
pub fn take_exception_action(sig: i32) -> u64 {
    if !valid_signal(sig) {
        return SIG_DFL;
    }
    let mut h = HANDLERS.lock().unwrap_or_else(|e| e.into_inner());
    let f = h[sig as usize];
    if f != SIG_IGN && f != SIG_DFL && sig != SIGFPE {
        h[sig as usize] = SIG_DFL;
    }
    f
}

/// Implements abort().
pub extern "win64" fn abort() -> ! {
    raise(SIGABRT);
    kernel32::process::ExitProcess(3)
}

/// The runtime's internal locks (_lock/_unlock), as critical sections.
const LOCKS: usize = 36;
static LOCK_TABLE: AtomicU64 = AtomicU64::new(0);

pub fn init_locks() {
    let table = malloc((LOCKS * 40) as u64);
    for i in 0..LOCKS {
        ntdll::sync::RtlInitializeCriticalSection(
            (table + 40 * i as u64) as *mut ntdll::sync::CriticalSection,
        );
    }
    LOCK_TABLE.store(table, Ordering::Relaxed);
}

fn lock_at(n: i32) -> Option<*mut ntdll::sync::CriticalSection> {
    let t = LOCK_TABLE.load(Ordering::Relaxed);
    (t != 0 && (0..LOCKS as i32).contains(&n))
        .then(|| (t + 40 * n as u64) as *mut ntdll::sync::CriticalSection)
}

/// Implements _lock(locknum).
pub extern "win64" fn _lock(n: i32) {
    match lock_at(n) {
        Some(cs) => {
            ntdll::sync::RtlEnterCriticalSection(cs);
        }
        None => _amsg_exit(17), // _RT_LOCK
    }
}

/// Implements _unlock(locknum).
pub extern "win64" fn _unlock(n: i32) {
    if let Some(cs) = lock_at(n) {
        ntdll::sync::RtlLeaveCriticalSection(cs);
    }
}

/// Frees a string array built by `string_array` (for completeness on
/// _putenv rebuilding the environment copies).
#[allow(dead_code)]
fn free_array(table: u64) {
    if table == 0 {
        return;
    }
    let mut i = 0;
    // SAFETY: a NULL-terminated table from string_array.
    unsafe {
        while *(table as *const u64).add(i) != 0 {
            free(*(table as *const u64).add(i));
            i += 1;
        }
    }
    free(table);
}
