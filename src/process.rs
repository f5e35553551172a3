//! Starting a Windows process in this Linux process: the image checked, the
//! command line, environment and current directory in Windows form, the
//! standard handles, the executive's process and first thread, then the
//! loader and the program's entry point on the Windows stack.

use ntoskrnl_emu::io::{names, FileObject};
use std::ffi::OsString;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use syscalls::*;

/// Exits with a failure status the way a Windows process that could not
/// start does: the NTSTATUS is its exit code (Linux keeps the low 8 bits).
fn fail(status: NtStatus, message: &str) -> u8 {
    eprintln!("casement: {message}");
    // A parent's CreateProcess gets the whole status.
    ntoskrnl_emu::ps::child::report_exit(status.0);
    status.0 as u8
}

/// Finds the program: the path as given, or with `.exe` added.
fn find_program(arg: &OsString) -> Option<PathBuf> {
    let p = PathBuf::from(arg);
    if p.is_file() {
        return Some(p);
    }
    if p.extension().is_none() {
        let mut with_ext = arg.clone();
        with_ext.push(".exe");
        let q = PathBuf::from(with_ext);
        if q.is_file() {
            return Some(q);
        }
    }
    None
}

/// Quotes one argument so that CommandLineToArgvW and the C runtime give it
/// back unchanged, as Wine and the usual argv-to-command-line conversions
/// do: surrounding quotes only for an empty argument or one with a blank;
/// a quote is escaped with a backslash, and backslashes are doubled only
/// before a quote (or before the closing quote).
pub fn quote_argument(arg: &str, out: &mut String) {
    let quoted = arg.is_empty() || arg.contains([' ', '\t']);
    if quoted {
        out.push('"');
    }
    let mut backslashes = 0;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                out.extend(std::iter::repeat_n('\\', backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            c => {
                out.extend(std::iter::repeat_n('\\', backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out.extend(std::iter::repeat_n(
        '\\',
        if quoted { backslashes * 2 } else { backslashes },
    ));
    if quoted {
        out.push('"');
    }
}

/// The command line Windows builds from argv: argv[0] (the image's Windows
/// path) and the arguments, each quoted as needed, separated by spaces.
pub fn command_line(image: &str, args: &[OsString]) -> String {
    let mut line = String::new();
    quote_argument(image, &mut line);
    for a in args {
        line.push(' ');
        quote_argument(&a.to_string_lossy(), &mut line);
    }
    line
}

/// The Windows form of a host PATH: each directory as a Z: path, after the
/// system directories.
fn windows_path(host: &str) -> String {
    let mut out = String::from("C:\\windows\\system32;C:\\windows");
    for dir in host.split(':').filter(|d| d.starts_with('/')) {
        out.push(';');
        out.push_str(&names::dos_name_of_host(Path::new(dir)));
        while out.ends_with('\\') && !out.ends_with(":\\") {
            out.pop();
        }
    }
    out
}

/// Appends `s` as UTF-16 (ASCII, the common case, without decoding).
fn push_utf16(block: &mut Vec<u16>, s: &str) {
    if s.is_ascii() {
        block.extend(s.bytes().map(u16::from));
    } else {
        block.extend(s.encode_utf16());
    }
}

/// The host's environment variables that are valid UTF-8, borrowed (the
/// environment is only read while a process is created, before any other
/// thread runs).
fn host_environment<'a>() -> Vec<(&'a str, &'a str)> {
    extern "C" {
        static environ: *const *const libc::c_char;
    }
    let mut vars = Vec::with_capacity(64);
    // SAFETY: glibc's NULL-terminated array of NUL-terminated strings;
    // casement never changes its own environment.
    unsafe {
        let mut p = environ;
        while !p.is_null() && !(*p).is_null() {
            let entry = std::ffi::CStr::from_ptr(*p).to_bytes();
            if let Some((k, v)) = std::str::from_utf8(entry)
                .ok()
                .and_then(|e| e.split_once('='))
            {
                vars.push((k, v));
            }
            p = p.add(1);
        }
    }
    vars
}

/// The environment block: the host's variables (PATH in Windows form) plus
/// the ones every Windows process has, sorted case-insensitively as Windows
/// keeps them.
pub fn environment_block() -> Vec<u16> {
    use std::borrow::Cow;
    let mut vars: Vec<(&str, Cow<str>)> = host_environment()
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| {
            (
                k,
                if k == "PATH" {
                    Cow::Owned(windows_path(v))
                } else {
                    Cow::Borrowed(v)
                },
            )
        })
        .collect();
    let defaults = [
        ("SystemRoot", "C:\\windows"),
        ("windir", "C:\\windows"),
        ("SystemDrive", "C:"),
        ("ComSpec", "C:\\windows\\system32\\cmd.exe"),
        ("PATHEXT", ".COM;.EXE;.BAT;.CMD"),
        ("OS", "Windows_NT"),
        ("PROCESSOR_ARCHITECTURE", "AMD64"),
        ("NUMBER_OF_PROCESSORS", ""),
        ("TEMP", "C:\\windows\\temp"),
        ("TMP", "C:\\windows\\temp"),
        ("PATH", ""),
    ];
    for (k, v) in defaults {
        if !vars.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)) {
            let v = match k {
                "NUMBER_OF_PROCESSORS" => {
                    Cow::Owned(ntoskrnl_emu::ex::sysinfo::processor_count().to_string())
                }
                "PATH" => Cow::Owned(windows_path("")),
                _ => Cow::Borrowed(v),
            };
            vars.push((k, v));
        }
    }
    vars.sort_unstable_by(|(a, _), (b, _)| {
        a.bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
    });
    let mut block = Vec::with_capacity(
        vars.iter()
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum::<usize>()
            + 1,
    );
    for (k, v) in &vars {
        push_utf16(&mut block, k);
        block.push(b'=' as u16);
        push_utf16(&mut block, v);
        block.push(0);
    }
    block.push(0);
    block
}

/// Wraps host descriptor `fd` as a handle, if it is open.
pub fn std_handle(fd: i32, access: u32) -> u64 {
    // SAFETY: duplicating one of our standard descriptors; the copy is ours.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if dup < 0 {
        return 0;
    }
    // SAFETY: dup is a fresh descriptor we own.
    let owned = unsafe { OwnedFd::from_raw_fd(dup) };
    let object = std::sync::Arc::new(FileObject::from_host_fd(owned, access));
    ntoskrnl_emu::ob::insert_object(object, access, 0).unwrap_or(0)
}

/// The image as a file: validated (for a precise diagnosis) from an mmap, so
/// only the pages the checks touch are read.
fn check_image(path: &Path) -> Result<(), (NtStatus, String)> {
    let file = std::fs::File::open(path).map_err(|e| {
        (
            STATUS_OBJECT_NAME_NOT_FOUND,
            format!("{}: {e}", path.display()),
        )
    })?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0) as usize;
    if len == 0 {
        return Err((
            STATUS_INVALID_IMAGE_FORMAT,
            format!("{}: not a PE image (empty file)", path.display()),
        ));
    }
    use std::os::fd::AsRawFd;
    // SAFETY: a private read-only mapping of a file we opened; unmapped below.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            file.as_raw_fd(),
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err((
            STATUS_INVALID_IMAGE_FORMAT,
            format!("{}: cannot map the file", path.display()),
        ));
    }
    // SAFETY: the mapping is `len` readable bytes until munmap.
    let data = unsafe { core::slice::from_raw_parts(p as *const u8, len) };
    let r = loader::pe::check_file(data);
    // SAFETY: unmapping our own mapping; `data` is not used after this.
    unsafe { libc::munmap(p, len) };
    match r {
        Ok(s) if s.is_dll => Err((
            STATUS_INVALID_IMAGE_FORMAT,
            format!("{}: a DLL, not a program", path.display()),
        )),
        Ok(_) => Ok(()),
        Err(e) => {
            let status = if matches!(e, loader::pe::FileError::Pe32) {
                STATUS_INVALID_IMAGE_WIN_32
            } else {
                STATUS_INVALID_IMAGE_FORMAT
            };
            Err((status, format!("{}: {e}", path.display())))
        }
    }
}

struct ThreadStart {
    image_path: String,
    peb: u64,
}

/// Thread 1, on its Windows stack: LdrInitializeThunk's work, then the
/// entry point; returning from it ends the process with its result.
extern "C" fn thread_start(start: u64, _: u64) -> ! {
    // SAFETY: the pointer is the leaked ThreadStart from `run`.
    let start = unsafe { &*(start as *const ThreadStart) };
    let entry = match loader::ldr::initialize_process(&start.image_path) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("casement: {}: {e}", start.image_path);
            ntoskrnl_emu::ps::terminate_self(e.status().0);
        }
    };
    if entry == 0 {
        eprintln!(
            "casement: {}: the image has no entry point",
            start.image_path
        );
        ntoskrnl_emu::ps::terminate_self(STATUS_INVALID_IMAGE_FORMAT.0);
    }
    log::debug!(target: "loader", "calling the entry point at {entry:#x}");
    // SAFETY: the entry point of the mapped, bound and initialized image,
    // called in the Windows x64 convention with the PEB as Windows does.
    let main: extern "win64" fn(u64) -> u32 = unsafe { core::mem::transmute(entry) };
    let code = main(start.peb);
    kernel32::process::ExitProcess(code)
}

/// Runs `program` with `args`. Returns only when the program cannot start.
pub fn run(program: &OsString, args: &[OsString]) -> u8 {
    let Some(path) = find_program(program) else {
        return fail(
            STATUS_OBJECT_NAME_NOT_FOUND,
            &format!("{}: no such file", program.to_string_lossy()),
        );
    };
    // The path as given, made absolute without resolving symbolic links:
    // the name the program was started by, as Windows reports it.
    let absolute = std::path::absolute(&path).unwrap_or(path.clone());
    let image_path = names::dos_name_of_host(&absolute);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let mut current_directory = names::dos_name_of_host(&cwd);
    if !current_directory.ends_with('\\') {
        current_directory.push('\\');
    }
    let command_line = command_line(&image_path, args);
    if command_line.encode_utf16().count() >= 32767 {
        return fail(
            STATUS_INVALID_PARAMETER,
            "the command line is longer than Windows allows (32767 characters)",
        );
    }
    let environment = environment_block();
    const GENERIC_READ: u32 = 0x8000_0000;
    const GENERIC_WRITE: u32 = 0x4000_0000;
    let std_handles = [
        std_handle(0, GENERIC_READ | 0x0010_0080),
        std_handle(1, GENERIC_WRITE | GENERIC_READ | 0x0010_0080),
        std_handle(2, GENERIC_WRITE | GENERIC_READ | 0x0010_0080),
    ];
    start(
        &path,
        &absolute,
        image_path,
        &command_line,
        &current_directory,
        &environment,
        std_handles,
    )
}

/// Creates the process from its parts and runs it (shared by a start from
/// the command line and one by a parent's CreateProcess).
pub fn start(
    path: &Path,
    absolute: &Path,
    image_path: String,
    command_line: &str,
    current_directory: &str,
    environment: &[u16],
    std_handles: [u64; 3],
) -> u8 {
    syscalls::table::install(&ntoskrnl_emu::services());
    crate::crash::install();
    let mut builtins: Vec<&'static loader::BuiltinDll> = vec![
        ntdll::dll(),
        &kernel32::DLL,
        &kernel32::psapi::DLL,
        &msvcrt::DLL,
        &shell32::DLL,
        &advapi32::DLL,
        &bcrypt::BCRYPT,
        &bcrypt::BCRYPT_PRIMITIVES,
        &ws2_32::DLL,
        &oleaut32::DLL,
        &vcruntime140::DLL,
        &ucrtbase::DLL,
        &vcruntime140_1::DLL,
        &user32::DLL,
        &shlwapi::DLL,
    ];
    builtins.extend(declared::DLLS.iter());
    loader::registry::register(&builtins);

    let spec = ntoskrnl_emu::ps::create::ProcessSpec {
        image_file: absolute,
        image_path: &image_path,
        command_line,
        current_directory,
        environment,
        std_handles,
    };
    let thread = match ntoskrnl_emu::ps::create::create_initial_process(&spec) {
        Ok(t) => t,
        Err(status) => {
            // The section mapper only says the image is bad; the file check
            // says what is wrong with it.
            return match check_image(path) {
                Err((s, msg)) => fail(s, &msg),
                Ok(()) => fail(
                    status,
                    &format!("{}: cannot create the process: {status}", path.display()),
                ),
            };
        }
    };
    if thread.image.characteristics & 0x2000 != 0 {
        return fail(
            STATUS_INVALID_IMAGE_FORMAT,
            &format!("{}: a DLL, not a program", path.display()),
        );
    }
    log::debug!(
        target: "loader",
        "process created: {} at {:#x} (preferred {:#x}), PEB {:#x}, TEB {:#x}",
        image_path,
        thread.image.base,
        thread.image.preferred_base,
        thread.peb,
        thread.teb
    );
    let start = Box::leak(Box::new(ThreadStart {
        image_path,
        peb: thread.peb,
    }));
    // Leave room above the first frame: the stack's top is never touched
    // by anything that reads past its caller's frame.
    let top = thread.stack_top - 0x100;
    ntoskrnl_emu::ps::thread::run_user(top, thread_start, start as *mut ThreadStart as u64, 0);
    // Thread 1 ended while other threads run on: the process lives until
    // the last of them ends it.
    loop {
        // SAFETY: pause only sleeps until a signal.
        unsafe { libc::pause() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(args: &[&str]) -> String {
        command_line(
            "Z:\\p.exe",
            &args.iter().map(OsString::from).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn quoting_follows_the_parsing_rules() {
        assert_eq!(line(&["a", "b c"]), r#"Z:\p.exe a "b c""#);
        assert_eq!(line(&[""]), r#"Z:\p.exe """#);
        assert_eq!(line(&[r#"d"e"#]), r#"Z:\p.exe d\"e"#);
        assert_eq!(line(&[r"back\slash"]), r"Z:\p.exe back\slash");
        assert_eq!(line(&[r"trail\ x\"]), r#"Z:\p.exe "trail\ x\\""#);
        assert_eq!(line(&[r#"two\\"q"#]), r#"Z:\p.exe two\\\\\"q"#);
    }
}
