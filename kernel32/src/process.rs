//! Process, module and environment functions.

use crate::error::*;
use loader::image::ImportRef;
use loader::ldr;
use std::sync::OnceLock;
use syscalls::nt::{peb, RTL_USER_PROCESS_PARAMETERS};
use syscalls::*;

pub fn parameters() -> &'static RTL_USER_PROCESS_PARAMETERS {
    // SAFETY: the executive created the parameters before any guest code ran.
    unsafe {
        let p = *((syscalls::nt::current_peb() + peb::PROCESS_PARAMETERS as u64) as *const u64);
        &*(p as *const RTL_USER_PROCESS_PARAMETERS)
    }
}

fn unicode_units(us: &syscalls::nt::UNICODE_STRING) -> &'static [u16] {
    if us.Buffer == 0 {
        return &[];
    }
    // SAFETY: process-parameter strings live as long as the process.
    unsafe { core::slice::from_raw_parts(us.Buffer as *const u16, us.Length as usize / 2) }
}

/// Implements GetCommandLineW().
pub extern "win64" fn GetCommandLineW() -> *const u16 {
    parameters().CommandLine.Buffer as *const u16
}

/// Implements GetCommandLineA(): the command line in the ANSI code page,
/// converted once like Windows does at start-up.
pub extern "win64" fn GetCommandLineA() -> *const u8 {
    static LINE: OnceLock<u64> = OnceLock::new();
    *LINE.get_or_init(|| {
        let mut bytes = crate::nls::wide_to_ansi(unicode_units(&parameters().CommandLine));
        bytes.push(0);
        crate::memory::leak_guest(&bytes)
    }) as *const u8
}

/// Implements ExitProcess(uExitCode): DLL detach routines, then the end.
pub extern "win64" fn ExitProcess(code: u32) -> ! {
    ntdll::thread::RtlExitUserProcess(code)
}

/// Implements TerminateProcess(hProcess, uExitCode).
pub extern "win64" fn TerminateProcess(process: u64, code: u32) -> i32 {
    let st = syscall(nr::NtTerminateProcess, &args([process, code as u64]));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements GetCurrentProcess(): the pseudo-handle -1.
pub extern "win64" fn GetCurrentProcess() -> u64 {
    syscalls::nt::NT_CURRENT_PROCESS
}

/// Implements GetCurrentThread(): the pseudo-handle -2.
pub extern "win64" fn GetCurrentThread() -> u64 {
    syscalls::nt::NT_CURRENT_THREAD
}

/// Implements GetCurrentProcessId() from the TEB's client id.
pub extern "win64" fn GetCurrentProcessId() -> u32 {
    syscalls::nt::teb_u32::<{ syscalls::nt::teb::CLIENT_ID }>()
}

/// Implements GetProcessHandleCount(hProcess, pdwHandleCount) through
/// NtQueryInformationProcess(ProcessHandleCount).
pub extern "win64" fn GetProcessHandleCount(h: u64, count: *mut u32) -> i32 {
    const PROCESS_HANDLE_COUNT: u64 = 20;
    let mut value = 0u32;
    let st = syscall(
        nr::NtQueryInformationProcess,
        &args([h, PROCESS_HANDLE_COUNT, &mut value as *mut u32 as u64, 4, 0]),
    );
    if !st.is_success() {
        return fail(st, 0);
    }
    if count.is_null() {
        return fail(STATUS_ACCESS_VIOLATION, 0);
    }
    // SAFETY: the caller passes storage for the count.
    unsafe { *count = value };
    1
}

/// Implements GetCurrentThreadId() from the TEB's client id.
pub extern "win64" fn GetCurrentThreadId() -> u32 {
    syscalls::nt::teb_u32::<{ syscalls::nt::teb::CLIENT_ID + 8 }>()
}

/// Implements GetLastError().
pub extern "win64" fn GetLastError() -> u32 {
    syscalls::nt::last_error()
}

/// Implements SetLastError(dwErrCode).
pub extern "win64" fn SetLastError(code: u32) {
    syscalls::nt::set_last_error(code)
}

// --- Modules -------------------------------------------------------------

fn module_name(wide: Option<Vec<u16>>) -> Option<String> {
    wide.map(|w| String::from_utf16_lossy(&w))
}

/// Implements GetModuleHandleW(lpModuleName).
pub extern "win64" fn GetModuleHandleW(name: *const u16) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    let name = module_name(unsafe { wstr(name) });
    match ldr::module_handle(name.as_deref()) {
        Some(b) => b,
        None => {
            set_error(ERROR_MOD_NOT_FOUND);
            0
        }
    }
}

/// Implements GetModuleHandleA(lpModuleName).
pub extern "win64" fn GetModuleHandleA(name: *const u8) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    match unsafe { astr(name) } {
        None => GetModuleHandleW(core::ptr::null()),
        Some(mut w) => {
            w.push(0);
            GetModuleHandleW(w.as_ptr())
        }
    }
}

/// Implements GetModuleHandleExW(dwFlags, lpModuleName, phModule).
pub extern "win64" fn GetModuleHandleExW(flags: u32, name: *const u16, out: *mut u64) -> i32 {
    const FROM_ADDRESS: u32 = 0x4;
    if out.is_null() {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let base = if flags & FROM_ADDRESS != 0 {
        ldr::module_at(name as u64).map_or(0, |(_, b)| b)
    } else {
        GetModuleHandleW(name)
    };
    // SAFETY: the caller passes storage for the handle.
    unsafe { *out = base };
    if base == 0 {
        set_error(ERROR_MOD_NOT_FOUND);
    }
    (base != 0) as i32
}

/// Implements GetModuleHandleExA.
pub extern "win64" fn GetModuleHandleExA(flags: u32, name: *const u8, out: *mut u64) -> i32 {
    if flags & 0x4 != 0 || name.is_null() {
        return GetModuleHandleExW(flags, name as *const u16, out);
    }
    // SAFETY: a NUL-terminated string.
    let mut w = unsafe { astr(name) }.unwrap_or_default();
    w.push(0);
    GetModuleHandleExW(flags, w.as_ptr(), out)
}

/// Implements LoadLibraryW(lpLibFileName).
pub extern "win64" fn LoadLibraryW(name: *const u16) -> u64 {
    LoadLibraryExW(name, 0, 0)
}

/// Implements LoadLibraryExW(lpLibFileName, hFile, dwFlags).
pub extern "win64" fn LoadLibraryExW(name: *const u16, _file: u64, _flags: u32) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = module_name(unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    match ldr::load_library(&name) {
        Ok(b) => b,
        Err(e) => {
            log::debug!(target: "loader", "LoadLibrary({name}): {e}");
            fail(e.status(), 0)
        }
    }
}

/// Implements LoadLibraryA(lpLibFileName).
pub extern "win64" fn LoadLibraryA(name: *const u8) -> u64 {
    LoadLibraryExA(name, 0, 0)
}

/// Implements LoadLibraryExA.
pub extern "win64" fn LoadLibraryExA(name: *const u8, file: u64, flags: u32) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    match unsafe { astr(name) } {
        None => LoadLibraryExW(core::ptr::null(), file, flags),
        Some(mut w) => {
            w.push(0);
            LoadLibraryExW(w.as_ptr(), file, flags)
        }
    }
}

/// Implements FreeLibrary(hLibModule).
pub extern "win64" fn FreeLibrary(module: u64) -> i32 {
    match ldr::unload(module) {
        Ok(()) => 1,
        Err(e) => fail(e, 0),
    }
}

/// Implements GetProcAddress(hModule, lpProcName): by name, or by ordinal
/// when the high bits of the pointer are zero.
pub extern "win64" fn GetProcAddress(module: u64, name: *const u8) -> u64 {
    let base = if module == 0 {
        ldr::module_handle(None).unwrap_or(0)
    } else {
        module
    };
    let what = if (name as u64) >> 16 == 0 {
        ImportRef::Ordinal(name as u16)
    } else {
        // SAFETY: a NUL-terminated string.
        let n = unsafe { std::ffi::CStr::from_ptr(name as *const std::ffi::c_char) };
        ImportRef::Name(String::from_utf8_lossy(n.to_bytes()).into_owned())
    };
    match ldr::procedure_address(base, &what) {
        Ok(a) => a,
        Err(loader::LoadError::MissingImport { .. }) => {
            set_error(ERROR_PROC_NOT_FOUND);
            0
        }
        Err(loader::LoadError::DllNotFound(_)) => {
            set_error(ERROR_MOD_NOT_FOUND);
            0
        }
        Err(e) => fail(e.status(), 0),
    }
}

/// Implements GetModuleFileNameW(hModule, lpFilename, nSize): truncates and
/// returns nSize with ERROR_INSUFFICIENT_BUFFER when the buffer is short.
pub extern "win64" fn GetModuleFileNameW(module: u64, buf: *mut u16, size: u32) -> u32 {
    let Some(path) = ldr::module_path(if module == 0 { None } else { Some(module) }) else {
        set_error(ERROR_MOD_NOT_FOUND);
        return 0;
    };
    let units: Vec<u16> = path.encode_utf16().collect();
    module_file_name(&units, buf, size)
}

fn module_file_name<T: Copy + Default>(s: &[T], buf: *mut T, size: u32) -> u32 {
    if size == 0 {
        set_error(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    let n = s.len().min(size as usize - 1);
    // SAFETY: the caller's buffer holds `size` units.
    unsafe {
        core::ptr::copy_nonoverlapping(s.as_ptr(), buf, n);
        *buf.add(n) = T::default();
    }
    if s.len() >= size as usize {
        set_error(ERROR_INSUFFICIENT_BUFFER);
        return size;
    }
    set_error(0);
    n as u32
}

/// Implements GetModuleFileNameA.
pub extern "win64" fn GetModuleFileNameA(module: u64, buf: *mut u8, size: u32) -> u32 {
    let Some(path) = ldr::module_path(if module == 0 { None } else { Some(module) }) else {
        set_error(ERROR_MOD_NOT_FOUND);
        return 0;
    };
    let units: Vec<u16> = path.encode_utf16().collect();
    module_file_name(&crate::nls::wide_to_ansi(&units), buf, size)
}

// --- Start-up information --------------------------------------------------

/// Implements GetStartupInfoW(lpStartupInfo): STARTUPINFOW (104 bytes).
pub extern "win64" fn GetStartupInfoW(info: *mut u8) {
    let p = parameters();
    // SAFETY: the caller passes a STARTUPINFOW.
    unsafe {
        core::ptr::write_bytes(info, 0, 104);
        *(info as *mut u32) = 104;
        *(info.add(24) as *mut u64) = p.WindowTitle.Buffer;
        *(info.add(60) as *mut u32) = 0x100; // STARTF_USESTDHANDLES
        *(info.add(64) as *mut u16) = p.ShowWindowFlags as u16;
        *(info.add(80) as *mut u64) = p.StandardInput;
        *(info.add(88) as *mut u64) = p.StandardOutput;
        *(info.add(96) as *mut u64) = p.StandardError;
    }
}

/// Implements GetStartupInfoA(lpStartupInfo).
pub extern "win64" fn GetStartupInfoA(info: *mut u8) {
    static TITLE: OnceLock<u64> = OnceLock::new();
    GetStartupInfoW(info);
    let title = *TITLE.get_or_init(|| {
        let mut b = crate::nls::wide_to_ansi(unicode_units(&parameters().WindowTitle));
        b.push(0);
        crate::memory::leak_guest(&b)
    });
    // SAFETY: the caller passes a STARTUPINFOA (same layout).
    unsafe { *(info.add(24) as *mut u64) = title };
}

// --- Version and system ---------------------------------------------------

/// Implements GetVersion(): 10.0, build 19045 (as an application with a
/// Windows 10 manifest sees it).
pub extern "win64" fn GetVersion() -> u32 {
    (syscalls::nt::OS_BUILD << 16) | (syscalls::nt::OS_MINOR << 8) | syscalls::nt::OS_MAJOR
}

/// Implements GetVersionExW(lpVersionInformation).
pub extern "win64" fn GetVersionExW(info: *mut u32) -> i32 {
    let st = ntdll::rtl::RtlGetVersion(info);
    if st != 0 {
        return fail(NtStatus(st), 0);
    }
    1
}

/// Implements GetVersionExA(lpVersionInformation): OSVERSIONINFOA is 148
/// bytes (156 for the Ex form).
pub extern "win64" fn GetVersionExA(info: *mut u32) -> i32 {
    // SAFETY: the caller passes an OSVERSIONINFO(EX)A whose first field is
    // its size.
    unsafe {
        let size = *info;
        if size != 148 && size != 156 {
            set_error(ERROR_INSUFFICIENT_BUFFER);
            return 0;
        }
        *info.add(1) = syscalls::nt::OS_MAJOR;
        *info.add(2) = syscalls::nt::OS_MINOR;
        *info.add(3) = syscalls::nt::OS_BUILD;
        *info.add(4) = 2;
        core::ptr::write_bytes(info.add(5) as *mut u8, 0, 128);
        if size == 156 {
            let ex = (info as *mut u8).add(148);
            core::ptr::write_bytes(ex, 0, 8);
            *ex.add(6) = 1;
        }
    }
    1
}

/// Implements GetSystemInfo(lpSystemInfo): SYSTEM_INFO (48 bytes).
pub extern "win64" fn GetSystemInfo(info: *mut u8) {
    let mut basic = [0u8; 64];
    let _ = syscall(
        nr::NtQuerySystemInformation,
        &args([0, basic.as_mut_ptr() as u64, 64, 0]),
    );
    let u32_at = |o: usize| u32::from_le_bytes(basic[o..o + 4].try_into().unwrap_or([0; 4]));
    let u64_at = |o: usize| u64::from_le_bytes(basic[o..o + 8].try_into().unwrap_or([0; 8]));
    // SAFETY: the caller passes a SYSTEM_INFO.
    unsafe {
        core::ptr::write_bytes(info, 0, 48);
        *(info as *mut u16) = 9; // PROCESSOR_ARCHITECTURE_AMD64
        *(info.add(4) as *mut u32) = u32_at(8); // dwPageSize
        *(info.add(8) as *mut u64) = u64_at(32); // lpMinimumApplicationAddress
        *(info.add(16) as *mut u64) = u64_at(40); // lpMaximumApplicationAddress
        *(info.add(24) as *mut u64) = u64_at(48); // dwActiveProcessorMask
        *(info.add(32) as *mut u32) = basic[56] as u32; // dwNumberOfProcessors
        *(info.add(36) as *mut u32) = 8664; // PROCESSOR_AMD_X8664
        *(info.add(40) as *mut u32) = u32_at(24); // dwAllocationGranularity
        *(info.add(44) as *mut u16) = 6; // wProcessorLevel
        *(info.add(46) as *mut u16) = 0;
    }
}

/// Implements IsProcessorFeaturePresent(ProcessorFeature) for the features
/// every x86-64 processor casement runs on has.
pub extern "win64" fn IsProcessorFeaturePresent(feature: u32) -> i32 {
    // PF_FLOATING_POINT_PRECISION_ERRATA 0, PF_COMPARE_EXCHANGE_DOUBLE 2,
    // PF_MMX 3, PF_XMMI 6, PF_RDTSC 8, PF_XMMI64 10, PF_NX 12,
    // PF_SSE3 13, PF_COMPARE_EXCHANGE128 14, PF_FASTFAIL 23.
    matches!(feature, 2 | 3 | 6 | 8 | 10 | 12 | 13 | 14 | 23) as i32
}

/// Implements IsDebuggerPresent(): no debugger can attach.
pub extern "win64" fn IsDebuggerPresent() -> i32 {
    0
}

/// Implements SetErrorMode(uMode): returns the previous mode.
pub extern "win64" fn SetErrorMode(mode: u32) -> u32 {
    static MODE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    MODE.swap(mode, std::sync::atomic::Ordering::Relaxed)
}

/// Implements OutputDebugStringA(lpOutputString): to the trace log.
pub extern "win64" fn OutputDebugStringA(s: *const u8) {
    // SAFETY: a NUL-terminated string or NULL.
    if let Some(w) = unsafe { astr(s) } {
        log::info!(target: "debugstr", "{}", String::from_utf16_lossy(&w).trim_end());
    }
}

/// Implements OutputDebugStringW(lpOutputString).
pub extern "win64" fn OutputDebugStringW(s: *const u16) {
    // SAFETY: a NUL-terminated string or NULL.
    if let Some(w) = unsafe { wstr(s) } {
        log::info!(target: "debugstr", "{}", String::from_utf16_lossy(&w).trim_end());
    }
}

/// Implements GetActiveProcessorCount(GroupNumber): one processor group.
pub extern "win64" fn GetActiveProcessorCount(group: u16) -> u32 {
    const ALL_PROCESSOR_GROUPS: u16 = 0xFFFF;
    if group != 0 && group != ALL_PROCESSOR_GROUPS {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let mut info = [0u8; 48];
    GetSystemInfo(info.as_mut_ptr());
    u32::from_le_bytes(info[32..36].try_into().unwrap_or([1, 0, 0, 0]))
}

/// Implements GetActiveProcessorGroupCount() / GetMaximumProcessorGroupCount().
pub extern "win64" fn GetActiveProcessorGroupCount() -> u16 {
    1
}
