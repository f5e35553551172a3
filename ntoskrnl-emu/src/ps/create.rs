//! Creation of the process and its first thread: the image section mapped,
//! the PEB with its process parameters, the TEB and the Windows stack of
//! thread 1.

use super::{set_gs_base, Process, Thread, STILL_ACTIVE};
use crate::mm::{self, section::ImageInfo, MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE};
use std::os::fd::AsRawFd;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use syscalls::nt::{self, peb, teb, CURDIR, RTL_USER_PROCESS_PARAMETERS, UNICODE_STRING};
use syscalls::*;

/// What the creator of a process passes in (the parts of
/// RtlCreateProcessParameters casement needs).
pub struct ProcessSpec<'a> {
    /// Host path of the image file.
    pub image_file: &'a std::path::Path,
    /// The image's DOS path (`Z:\dir\prog.exe`).
    pub image_path: &'a str,
    pub command_line: &'a str,
    /// The current directory, DOS form with a trailing backslash.
    pub current_directory: &'a str,
    /// Environment block: `NAME=value\0...\0\0` in UTF-16.
    pub environment: &'a [u16],
    pub std_handles: [u64; 3],
}

/// The first thread, ready to enter user mode.
pub struct InitialThread {
    pub image: ImageInfo,
    pub peb: u64,
    pub teb: u64,
    /// Highest usable stack address (16-byte aligned).
    pub stack_top: u64,
}

pub use crate::mm::kuser::KUSER_SHARED_DATA;

/// Default stack reserve when an image asks for none (the linker default).
const DEFAULT_STACK_RESERVE: u64 = 0x10_0000;

fn allocate(size: u64, protect: u32) -> NtResult<u64> {
    mm::allocate(0, size, MEM_RESERVE | MEM_COMMIT, protect).map(|(b, _)| b)
}

/// Copies UTF-16 text (NUL-terminated) to `*cursor` and returns the
/// UNICODE_STRING describing it.
///
/// # Safety
/// `*cursor` must point into writable guest memory with room for the text.
unsafe fn put_string(cursor: &mut u64, s: &str) -> UNICODE_STRING {
    let units: Vec<u16> = s.encode_utf16().collect();
    let p = *cursor as *mut u16;
    core::ptr::copy_nonoverlapping(units.as_ptr(), p, units.len());
    *p.add(units.len()) = 0;
    *cursor += (units.len() as u64 + 1) * 2;
    *cursor = (*cursor + 7) & !7;
    UNICODE_STRING {
        Length: (units.len() * 2) as u16,
        MaximumLength: (units.len() * 2 + 2) as u16,
        _pad: 0,
        Buffer: p as u64,
    }
}

fn string_bytes(s: &str) -> u64 {
    ((s.encode_utf16().count() as u64 + 1) * 2 + 7) & !7
}

/// Builds RTL_USER_PROCESS_PARAMETERS (normalized: pointers, not offsets)
/// and the environment block in guest memory.
fn create_parameters(spec: &ProcessSpec) -> NtResult<u64> {
    let fixed = core::mem::size_of::<RTL_USER_PROCESS_PARAMETERS>() as u64;
    let strings = string_bytes(spec.image_path) * 2 + string_bytes(spec.command_line) + 520 + 16;
    let env_bytes = (spec.environment.len() as u64 * 2 + 15) & !15;
    let base = allocate(fixed + strings + env_bytes, PAGE_READWRITE)?;
    // SAFETY: `base` is a fresh committed read-write region large enough for
    // the structure, the strings and the environment.
    unsafe {
        let mut cursor = base + fixed;
        let image = put_string(&mut cursor, spec.image_path);
        let command_line = put_string(&mut cursor, spec.command_line);
        // The current directory buffer has room for MAX_PATH characters.
        let cwd_buffer = cursor;
        cursor += 520 + 8;
        let mut cwd_cursor = cwd_buffer;
        let mut cwd = put_string(&mut cwd_cursor, spec.current_directory);
        cwd.MaximumLength = 520;
        let title = put_string(&mut cursor, spec.image_path);
        let env = base + fixed + strings;
        core::ptr::copy_nonoverlapping(
            spec.environment.as_ptr(),
            env as *mut u16,
            spec.environment.len(),
        );
        let params = RTL_USER_PROCESS_PARAMETERS {
            MaximumLength: (fixed + strings) as u32,
            Length: (fixed + strings) as u32,
            Flags: nt::RTL_USER_PROC_PARAMS_NORMALIZED,
            DebugFlags: 0,
            ConsoleHandle: 0,
            ConsoleFlags: 0,
            _pad: 0,
            StandardInput: spec.std_handles[0],
            StandardOutput: spec.std_handles[1],
            StandardError: spec.std_handles[2],
            CurrentDirectory: CURDIR {
                DosPath: cwd,
                Handle: 0,
            },
            DllPath: UNICODE_STRING::default(),
            ImagePathName: image,
            CommandLine: command_line,
            Environment: env,
            StartingX: 0,
            StartingY: 0,
            CountX: 0,
            CountY: 0,
            CountCharsX: 0,
            CountCharsY: 0,
            FillAttribute: 0,
            WindowFlags: 0,
            ShowWindowFlags: 1, // SW_SHOWNORMAL
            _pad2: 0,
            WindowTitle: title,
            DesktopInfo: UNICODE_STRING::default(),
            ShellInfo: UNICODE_STRING::default(),
            RuntimeData: UNICODE_STRING::default(),
            CurrentDirectories: [[0; 0x18]; 32],
            EnvironmentSize: spec.environment.len() as u64 * 2,
            EnvironmentVersion: 0,
        };
        core::ptr::write(base as *mut RTL_USER_PROCESS_PARAMETERS, params);
    }
    Ok(base)
}

/// Creates the process (its image mapped, PEB, parameters) and its first
/// thread (TEB, stack), and makes the calling host thread that first thread.
pub fn create_initial_process(spec: &ProcessSpec) -> NtResult<InitialThread> {
    let file = std::fs::File::open(spec.image_file)
        .map_err(|e| crate::io::status_from_errno(e.raw_os_error().unwrap_or(0)))?;
    let image = mm::section::map_image(file.as_raw_fd())?;
    drop(file);
    mm::kuser::create()?;

    let params = create_parameters(spec)?;
    let peb_base = allocate(mm::PAGE_SIZE, PAGE_READWRITE)?;
    // SAFETY: a fresh committed page for the PEB.
    unsafe {
        let w64 = |off: usize, v: u64| core::ptr::write((peb_base + off as u64) as *mut u64, v);
        let w32 = |off: usize, v: u32| core::ptr::write((peb_base + off as u64) as *mut u32, v);
        w64(peb::IMAGE_BASE_ADDRESS, image.base);
        w64(peb::PROCESS_PARAMETERS, params);
        w32(
            peb::NUMBER_OF_PROCESSORS,
            crate::ex::sysinfo::processor_count(),
        );
        w32(peb::OS_MAJOR_VERSION, nt::OS_MAJOR);
        w32(peb::OS_MINOR_VERSION, nt::OS_MINOR);
        core::ptr::write(
            (peb_base + peb::OS_BUILD_NUMBER as u64) as *mut u16,
            nt::OS_BUILD as u16,
        );
        w32(peb::OS_PLATFORM_ID, 2); // VER_PLATFORM_WIN32_NT
        w32(peb::IMAGE_SUBSYSTEM, image.subsystem as u32);
        w32(
            peb::IMAGE_SUBSYSTEM_MAJOR_VERSION,
            image.subsystem_major as u32,
        );
        w32(
            peb::IMAGE_SUBSYSTEM_MINOR_VERSION,
            image.subsystem_minor as u32,
        );
        w32(peb::SESSION_ID, 1);
    }

    let thread = create_thread_context(peb_base, image.stack_reserve)?;
    super::times::process_created_now();
    let process = Arc::new(Process {
        id: std::process::id(),
        // SAFETY: getppid has no preconditions.
        parent_id: unsafe { libc::getppid() } as u32,
        peb: peb_base,
        image_base: image.base,
        exit_status: AtomicU32::new(STILL_ACTIVE),
        default_stack_reserve: image.stack_reserve,
        affinity: std::sync::atomic::AtomicU64::new(0),
        ended: AtomicU32::new(0),
        child: None,
    });
    let _ = super::PROCESS.set(process);
    let teb_base = thread.teb;
    let stack_top = thread.stack_base;
    attach_thread(thread)?;
    Ok(InitialThread {
        image,
        peb: peb_base,
        teb: teb_base,
        stack_top,
    })
}

/// Stacks and TEBs of ended threads, kept for new ones: (stack, reserve,
/// TEB). Reusing them saves the mappings and the first touches of a fresh
/// stack.
static SPARE: std::sync::Mutex<Vec<(u64, u64, u64)>> = std::sync::Mutex::new(Vec::new());
const SPARE_MAX: usize = 16;

/// Keeps an ended thread's stack and TEB for reuse, or frees them.
pub fn retire_thread_context(stack: u64, reserve: u64, teb_base: u64) {
    let mut spare = SPARE.lock().unwrap_or_else(|e| e.into_inner());
    if spare.len() < SPARE_MAX {
        spare.push((stack, reserve, teb_base));
        return;
    }
    drop(spare);
    mm::virt::release(stack);
    mm::virt::release(teb_base);
}

/// Allocates a thread's TEB and stack.
pub fn create_thread_context(peb_base: u64, stack_reserve: u64) -> NtResult<Thread> {
    let reserve = mm::round_up(
        if stack_reserve == 0 {
            DEFAULT_STACK_RESERVE
        } else {
            stack_reserve
        },
        mm::ALLOCATION_GRANULARITY,
    );
    let reused = {
        let mut spare = SPARE.lock().unwrap_or_else(|e| e.into_inner());
        spare
            .iter()
            .position(|&(_, r, _)| r == reserve)
            .map(|i| spare.swap_remove(i))
    };
    let (stack, teb_base) = match reused {
        Some((stack, _, teb_base)) => {
            // SAFETY: the TEB of an ended thread, ours again: start it over.
            unsafe { core::ptr::write_bytes(teb_base as *mut u8, 0, teb::SIZE) };
            (stack, teb_base)
        }
        None => {
            // The whole reservation is committed: Linux backs it lazily.
            let stack = allocate(reserve, PAGE_READWRITE)?;
            (
                stack,
                allocate(
                    mm::round_up(teb::SIZE as u64, mm::PAGE_SIZE),
                    PAGE_READWRITE,
                )?,
            )
        }
    };
    let stack_base = stack + reserve;
    // The guard zone at the bottom turns running off the stack into
    // STATUS_STACK_OVERFLOW with room left for the handler.
    let stack_limit = crate::ke::trap::arm_stack_guard(stack, reserve);
    // SAFETY: a fresh committed region for the TEB. The thread's id
    // (ClientId.UniqueThread) is written by the thread once it runs.
    unsafe {
        let w64 = |off: usize, v: u64| core::ptr::write((teb_base + off as u64) as *mut u64, v);
        w64(teb::EXCEPTION_LIST, u64::MAX);
        w64(teb::STACK_BASE, stack_base);
        w64(teb::STACK_LIMIT, stack_limit);
        w64(teb::SELF, teb_base);
        w64(teb::CLIENT_ID, std::process::id() as u64);
        w64(teb::PROCESS_ENVIRONMENT_BLOCK, peb_base);
        w64(teb::DEALLOCATION_STACK, stack);
        // TlsLinks is an empty list that points at itself.
        w64(teb::TLS_LINKS, teb_base + teb::TLS_LINKS as u64);
        w64(teb::TLS_LINKS + 8, teb_base + teb::TLS_LINKS as u64);
        let unicode = UNICODE_STRING {
            Length: 0,
            MaximumLength: 261 * 2,
            _pad: 0,
            Buffer: teb_base + teb::STATIC_UNICODE_BUFFER as u64,
        };
        core::ptr::write(
            (teb_base + teb::STATIC_UNICODE_STRING as u64) as *mut UNICODE_STRING,
            unicode,
        );
        core::ptr::write((teb_base + teb::CURRENT_LOCALE as u64) as *mut u32, 0x409);
    }
    Ok(Thread {
        id: AtomicU32::new(0),
        teb: teb_base,
        stack_base,
        stack_limit: stack,
        exit_status: AtomicU32::new(STILL_ACTIVE),
        state: AtomicU32::new(0),
        suspend_count: AtomicU32::new(0),
        priority: std::sync::atomic::AtomicI32::new(0),
        affinity: std::sync::atomic::AtomicU64::new(0),
        description: std::sync::Mutex::new(Vec::new()),
        times: super::times::ThreadTimes::created_now(),
        apcs: Default::default(),
        suspend: Default::default(),
    })
}

/// Makes the calling host thread the process's first thread: GS points at
/// its TEB and the executive knows it as the current thread.
pub fn attach_thread(thread: Thread) -> NtResult<()> {
    let id = super::gettid();
    // SAFETY: the thread's own TEB; ClientId.UniqueThread.
    unsafe {
        core::ptr::write(
            (thread.teb + teb::CLIENT_ID as u64 + 8) as *mut u64,
            id as u64,
        )
    };
    thread.id.store(id, std::sync::atomic::Ordering::Release);
    thread.times.started(id);
    set_gs_base(thread.teb)?;
    super::LIVE_THREADS.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    let thread = Arc::new(thread);
    super::register_thread(&thread);
    super::suspend::running(&thread);
    super::CURRENT_THREAD.with(|t| *t.borrow_mut() = Some(thread));
    Ok(())
}
