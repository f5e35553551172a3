//! CreateProcessW/A over NtCreateUserProcess, and the process-handle
//! queries GetExitCodeProcess and GetProcessId.
//!
//! kernel32's part is the Win32 one: the module found from the
//! application name or the command line's first token (the documented
//! search), the environment and current directory chosen, the standard
//! handles picked from STARTUPINFO or the parent's, all put in process
//! parameters for the service.

use crate::error::*;
use crate::paths::current_directory;
use crate::process::parameters;
use ntdll::path;
use syscalls::nt::{RTL_USER_PROCESS_PARAMETERS, UNICODE_STRING};
use syscalls::*;

const DEBUG_PROCESS: u32 = 0x1;
const DEBUG_ONLY_THIS_PROCESS: u32 = 0x2;
const CREATE_SUSPENDED: u32 = 0x4;
const CREATE_UNICODE_ENVIRONMENT: u32 = 0x400;
const STARTF_USESTDHANDLES: u32 = 0x100;
const THREAD_CREATE_FLAGS_CREATE_SUSPENDED: u64 = 0x1;
const PROCESS_CREATE_FLAGS_INHERIT_HANDLES: u64 = 0x4;
const PS_ATTRIBUTE_IMAGE_NAME: u64 = 0x20005;
const PS_ATTRIBUTE_CLIENT_ID: u64 = 0x10003;
const PROCESS_ALL_ACCESS: u64 = 0x1F_FFFF;
const THREAD_ALL_ACCESS: u64 = 0x1F_FFFF;
const FILE_ATTRIBUTE_DIRECTORY: u32 = 0x10;

const ERROR_NOT_SUPPORTED: u32 = 50;
const ERROR_DIRECTORY: u32 = 267;
const ERROR_NOACCESS: u32 = 998;

/// A NUL-terminated UTF-16 string from guest memory (fault-safe).
fn read_wstr(p: u64) -> NtResult<Vec<u16>> {
    let mut out = Vec::new();
    let mut at = p;
    loop {
        let chunk = ((0x1000 - (at & 0xFFF)) / 2).max(1) as usize;
        let units = user::read_u16s(at, chunk)?;
        if let Some(n) = units.iter().position(|&u| u == 0) {
            out.extend_from_slice(&units[..n]);
            return Ok(out);
        }
        out.extend_from_slice(&units);
        if out.len() > 1 << 20 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        at += chunk as u64 * 2;
    }
}

/// A NUL-terminated byte string from guest memory (fault-safe).
fn read_astr(p: u64) -> NtResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = p;
    loop {
        let chunk = (0x1000 - (at & 0xFFF)).max(1) as usize;
        let bytes = user::read_bytes(at, chunk)?;
        if let Some(n) = bytes.iter().position(|&b| b == 0) {
            out.extend_from_slice(&bytes[..n]);
            return Ok(out);
        }
        out.extend_from_slice(&bytes);
        if out.len() > 1 << 20 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        at += chunk as u64;
    }
}

/// An environment block up to and including its final empty string, as
/// UTF-16 (`wide`) or in the ANSI code page.
fn read_environment(p: u64, wide: bool) -> NtResult<Vec<u16>> {
    let unit = if wide { 2 } else { 1 };
    let mut raw = Vec::new();
    let mut at = p;
    loop {
        let chunk = (0x1000 - (at & 0xFFF)).max(2) as usize;
        raw.extend(user::read_bytes(at, chunk)?);
        let units = raw.len() / unit;
        let get = |i: usize| -> u16 {
            if wide {
                u16::from_le_bytes([raw[2 * i], raw[2 * i + 1]])
            } else {
                raw[i] as u16
            }
        };
        // The block ends at the first empty string: a NUL right after a
        // NUL, or at the very start.
        let end = (0..units).find(|&i| get(i) == 0 && (i == 0 || get(i - 1) == 0));
        if let Some(end) = end {
            let mut block: Vec<u16> = if wide {
                (0..end).map(get).collect()
            } else {
                crate::nls::ansi_to_wide(&raw[..end])
            };
            if block.is_empty() {
                block.push(0);
            }
            block.push(0);
            return Ok(block);
        }
        if raw.len() > 64 << 20 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        at += chunk as u64;
    }
}

/// The current environment block.
fn current_environment() -> Vec<u16> {
    let mut block = Vec::new();
    for e in crate::env::entries() {
        block.extend(e);
        block.push(0);
    }
    if block.is_empty() {
        block.push(0);
    }
    block.push(0);
    block
}

/// An existing file (not a directory) at DOS path `full`.
pub(crate) fn is_file(full: &str) -> bool {
    let Ok(nt) = path::dos_to_nt(full, &current_directory()) else {
        return false;
    };
    let units: Vec<u16> = nt.encode_utf16().collect();
    matches!(loader::nt::query_attributes(&units), Ok(a) if a & FILE_ATTRIBUTE_DIRECTORY == 0)
}

pub(crate) fn has_extension(name: &str) -> bool {
    let last = name.rsplit(['\\', '/']).next().unwrap_or(name);
    last.contains('.')
}

/// Finds a module named on a command line: a name with a path is taken
/// as it is, relative to the current directory; a bare name is looked for
/// in the parent's image directory, the current directory, the system
/// directories, the Windows directory and PATH. ".exe" is appended when
/// the name has no extension (the CreateProcess documentation).
fn search_module(name: &str) -> Option<String> {
    let name = if has_extension(name) {
        name.to_string()
    } else {
        format!("{name}.exe")
    };
    let cwd = current_directory();
    if name.contains(['\\', '/', ':']) {
        let full = path::full_path(&name, &cwd).ok()?;
        return is_file(&full).then_some(full);
    }
    let image = String::from_utf16_lossy(&unicode(&parameters().ImagePathName));
    let image_dir = image
        .rfind('\\')
        .map_or(String::new(), |i| image[..=i].to_string());
    let path_var = crate::env::get(&"PATH".encode_utf16().collect::<Vec<u16>>())
        .map(|v| String::from_utf16_lossy(&v))
        .unwrap_or_default();
    let mut dirs = vec![
        image_dir,
        cwd.clone(),
        "C:\\windows\\system32".to_string(),
        "C:\\windows\\system".to_string(),
        "C:\\windows".to_string(),
    ];
    dirs.extend(
        path_var
            .split(';')
            .filter(|d| !d.is_empty())
            .map(String::from),
    );
    dirs.into_iter().filter(|d| !d.is_empty()).find_map(|d| {
        let sep = if d.ends_with('\\') { "" } else { "\\" };
        let full = path::full_path(&format!("{d}{sep}{name}"), &cwd).ok()?;
        is_file(&full).then_some(full)
    })
}

pub(crate) fn unicode(us: &UNICODE_STRING) -> Vec<u16> {
    if us.Buffer == 0 {
        return Vec::new();
    }
    // SAFETY: the process's own parameter strings live as long as it does.
    unsafe { core::slice::from_raw_parts(us.Buffer as *const u16, us.Length as usize / 2) }.to_vec()
}

/// The module a command line names: its first token, quoted, or for an
/// unquoted one each longer prefix ending at a blank in turn
/// ("c:\program files\a b" tries c:\program, c:\program files\a, ...).
fn module_from_command_line(line: &str) -> Option<String> {
    let line = line.trim_start_matches([' ', '\t']);
    if let Some(rest) = line.strip_prefix('"') {
        let name = rest.split('"').next().unwrap_or(rest);
        return search_module(name);
    }
    let mut ends: Vec<usize> = line
        .char_indices()
        .filter(|&(_, c)| c == ' ' || c == '\t')
        .map(|(i, _)| i)
        .collect();
    ends.push(line.len());
    ends.into_iter()
        .filter(|&e| e > 0)
        .find_map(|e| search_module(&line[..e]))
}

/// STARTUPINFO (W and A have one layout on x64): dwFlags at 0x3C, the
/// standard handles at 0x50, 0x58 and 0x60.
struct StartupInfo {
    flags: u32,
    std: [u64; 3],
}

fn read_startup_info(si: u64) -> NtResult<StartupInfo> {
    let raw = user::read::<[u64; 13]>(si)?;
    Ok(StartupInfo {
        flags: (raw[7] >> 32) as u32,
        std: [raw[10], raw[11], raw[12]],
    })
}

struct Request {
    application: Option<Vec<u16>>,
    command_line: Option<Vec<u16>>,
    inherit: bool,
    flags: u32,
    environment: Option<Vec<u16>>,
    current_directory: Option<Vec<u16>>,
    startup_info: u64,
    process_information: u64,
}

fn create_process(r: Request) -> Result<(), u32> {
    let err = ntdll::rtl::status_to_dos_error;
    if r.flags & (DEBUG_PROCESS | DEBUG_ONLY_THIS_PROCESS) != 0 {
        return Err(ERROR_NOT_SUPPORTED);
    }
    let si = read_startup_info(r.startup_info).map_err(|_| ERROR_NOACCESS)?;
    // PROCESS_INFORMATION must be writable before anything starts.
    user::write(r.process_information, &[0u64; 3]).map_err(|_| ERROR_NOACCESS)?;

    let cwd = current_directory();
    let command_line = match (&r.command_line, &r.application) {
        (Some(c), _) => String::from_utf16_lossy(c),
        (None, Some(a)) => String::from_utf16_lossy(a),
        (None, None) => return Err(ERROR_INVALID_PARAMETER),
    };
    let module = match &r.application {
        Some(a) => {
            let full = path::full_path(&String::from_utf16_lossy(a), &cwd).map_err(err)?;
            if !is_file(&full) {
                return Err(ERROR_FILE_NOT_FOUND);
            }
            full
        }
        None => module_from_command_line(&command_line).ok_or(ERROR_FILE_NOT_FOUND)?,
    };
    let mut directory = match &r.current_directory {
        Some(d) => {
            let full =
                path::full_path(&String::from_utf16_lossy(d), &cwd).map_err(|_| ERROR_DIRECTORY)?;
            let nt = path::dos_to_nt(&full, &cwd).map_err(|_| ERROR_DIRECTORY)?;
            let units: Vec<u16> = nt.encode_utf16().collect();
            match loader::nt::query_attributes(&units) {
                Ok(a) if a & FILE_ATTRIBUTE_DIRECTORY != 0 => full,
                _ => return Err(ERROR_DIRECTORY),
            }
        }
        None => cwd.clone(),
    };
    if !directory.ends_with('\\') {
        directory.push('\\');
    }
    let environment = r.environment.unwrap_or_else(current_environment);

    let std = if si.flags & STARTF_USESTDHANDLES != 0 && r.inherit {
        si.std
    } else {
        [
            crate::GetStdHandle(-10i32 as u32),
            crate::GetStdHandle(-11i32 as u32),
            crate::GetStdHandle(-12i32 as u32),
        ]
    };
    let image: Vec<u16> = module.encode_utf16().collect();
    let nt_image: Vec<u16> = path::dos_to_nt(&module, &cwd)
        .map_err(err)?
        .encode_utf16()
        .collect();
    let line: Vec<u16> = command_line.encode_utf16().collect();
    let dir: Vec<u16> = directory.encode_utf16().collect();
    if line.len() >= 32767 || dir.len() >= 32767 || image.len() >= 32767 {
        return Err(ERROR_INVALID_PARAMETER);
    }
    // SAFETY: all-zero bytes are a valid RTL_USER_PROCESS_PARAMETERS
    // (integers and null pointers).
    let mut params: RTL_USER_PROCESS_PARAMETERS = unsafe { core::mem::zeroed() };
    let size = core::mem::size_of::<RTL_USER_PROCESS_PARAMETERS>() as u32;
    params.MaximumLength = size;
    params.Length = size;
    params.Flags = syscalls::nt::RTL_USER_PROC_PARAMS_NORMALIZED;
    params.StandardInput = std[0];
    params.StandardOutput = std[1];
    params.StandardError = std[2];
    params.CurrentDirectory.DosPath = UNICODE_STRING::over(&dir);
    params.ImagePathName = UNICODE_STRING::over(&image);
    params.CommandLine = UNICODE_STRING::over(&line);
    params.Environment = environment.as_ptr() as u64;
    params.EnvironmentSize = environment.len() as u64 * 2;
    params.WindowFlags = si.flags;

    let mut client_id = [0u64; 2];
    let attributes: [u64; 9] = [
        8 + 32 * 2,
        PS_ATTRIBUTE_IMAGE_NAME,
        nt_image.len() as u64 * 2,
        nt_image.as_ptr() as u64,
        0,
        PS_ATTRIBUTE_CLIENT_ID,
        16,
        client_id.as_mut_ptr() as u64,
        0,
    ];
    // PS_CREATE_INFO: Size, then the state the service reports.
    let mut create_info = [0u64; 11];
    create_info[0] = 88;
    let (mut process, mut thread) = (0u64, 0u64);
    let st = syscall(
        nr::NtCreateUserProcess,
        &args([
            &mut process as *mut u64 as u64,
            &mut thread as *mut u64 as u64,
            PROCESS_ALL_ACCESS,
            THREAD_ALL_ACCESS,
            0,
            0,
            if r.inherit {
                PROCESS_CREATE_FLAGS_INHERIT_HANDLES
            } else {
                0
            },
            if r.flags & CREATE_SUSPENDED != 0 {
                THREAD_CREATE_FLAGS_CREATE_SUSPENDED
            } else {
                0
            },
            &params as *const RTL_USER_PROCESS_PARAMETERS as u64,
            create_info.as_mut_ptr() as u64,
            attributes.as_ptr() as u64,
        ]),
    );
    if !st.is_success() {
        return Err(err(st));
    }
    let info = [process, thread, client_id[0] | client_id[1] << 32];
    if user::write(r.process_information, &info).is_err() {
        let _ = syscall(nr::NtClose, &args([process]));
        let _ = syscall(nr::NtClose, &args([thread]));
        return Err(ERROR_NOACCESS);
    }
    Ok(())
}

fn finish(r: Result<(), u32>) -> i32 {
    match r {
        Ok(()) => {
            set_error(0);
            1
        }
        Err(e) => {
            set_error(e);
            0
        }
    }
}

/// What CreateProcessW and CreateProcessA share: `read_str` reads one of
/// their strings as UTF-16 (None for a bad pointer).
#[allow(clippy::too_many_arguments)]
fn create_process_from(
    read_str: impl Fn(u64) -> Option<Vec<u16>>,
    application: u64,
    command_line: u64,
    inherit: i32,
    flags: u32,
    environment: u64,
    current_directory: u64,
    startup_info: u64,
    process_information: u64,
) -> i32 {
    let opt = |p: u64| -> Result<Option<Vec<u16>>, u32> {
        if p == 0 {
            Ok(None)
        } else {
            read_str(p).map(Some).ok_or(ERROR_NOACCESS)
        }
    };
    let read = || -> Result<Request, u32> {
        Ok(Request {
            application: opt(application)?,
            command_line: opt(command_line)?,
            inherit: inherit != 0,
            flags,
            environment: if environment == 0 {
                None
            } else {
                Some(
                    read_environment(environment, flags & CREATE_UNICODE_ENVIRONMENT != 0)
                        .map_err(|_| ERROR_NOACCESS)?,
                )
            },
            current_directory: opt(current_directory)?,
            startup_info,
            process_information,
        })
    };
    finish(read().and_then(create_process))
}

/// Implements CreateProcessW(lpApplicationName, lpCommandLine,
/// lpProcessAttributes, lpThreadAttributes, bInheritHandles,
/// dwCreationFlags, lpEnvironment, lpCurrentDirectory, lpStartupInfo,
/// lpProcessInformation).
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn CreateProcessW(
    application: *const u16,
    command_line: *mut u16,
    _process_attributes: u64,
    _thread_attributes: u64,
    inherit: i32,
    flags: u32,
    environment: u64,
    current_directory: *const u16,
    startup_info: u64,
    process_information: u64,
) -> i32 {
    create_process_from(
        |p| read_wstr(p).ok(),
        application as u64,
        command_line as u64,
        inherit,
        flags,
        environment,
        current_directory as u64,
        startup_info,
        process_information,
    )
}

/// Implements CreateProcessA: the strings and an ANSI environment block
/// converted from the ANSI code page (STARTUPINFOA's layout is
/// STARTUPINFOW's).
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn CreateProcessA(
    application: *const u8,
    command_line: *mut u8,
    _process_attributes: u64,
    _thread_attributes: u64,
    inherit: i32,
    flags: u32,
    environment: u64,
    current_directory: *const u8,
    startup_info: u64,
    process_information: u64,
) -> i32 {
    create_process_from(
        |p| read_astr(p).ok().map(|b| crate::nls::ansi_to_wide(&b)),
        application as u64,
        command_line as u64,
        inherit,
        flags,
        environment,
        current_directory as u64,
        startup_info,
        process_information,
    )
}

/// PROCESS_BASIC_INFORMATION of a process handle: (ExitStatus,
/// UniqueProcessId).
fn basic_information(h: u64) -> Result<(u32, u32), NtStatus> {
    let mut info = [0u64; 6];
    let st = syscall(
        nr::NtQueryInformationProcess,
        &args([h, 0, info.as_mut_ptr() as u64, 48, 0]),
    );
    if st.is_success() {
        Ok((info[0] as u32, info[4] as u32))
    } else {
        Err(st)
    }
}

/// Implements GetExitCodeProcess(hProcess, lpExitCode): STILL_ACTIVE
/// (259) while the process runs, then its exit code.
pub extern "win64" fn GetExitCodeProcess(h: u64, code: u64) -> i32 {
    match basic_information(h) {
        Ok((status, _)) => {
            if user::write(code, &status).is_err() {
                set_error(ERROR_NOACCESS);
                return 0;
            }
            1
        }
        Err(st) => fail(st, 0),
    }
}

/// Implements GetProcessId(Process).
pub extern "win64" fn GetProcessId(h: u64) -> u32 {
    match basic_information(h) {
        Ok((_, id)) => id,
        Err(st) => fail(st, 0),
    }
}
