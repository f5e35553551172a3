//! What the integration tests share: the catalogue of testbins and their
//! build flags, building them with mingw-w64, running a program under
//! casement with a timeout, and checking what it printed.
//!
//! Programs are built into `$CARGO_TARGET_TMPDIR/testbins/`, again only when
//! a source is newer than the output. Each run is killed after its timeout
//! ([`RUN_TIMEOUT`] unless the caller sets another).

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// The mingw-w64 cross compiler for x86-64 Windows.
pub const CC: &str = "x86_64-w64-mingw32-gcc";
/// The mingw-w64 cross compiler for 32-bit x86 Windows (PE32 images).
pub const CC32: &str = "i686-w64-mingw32-gcc";
/// Makes import libraries from `.def` files.
pub const DLLTOOL: &str = "x86_64-w64-mingw32-dlltool";
pub const CFLAGS: &[&str] = &["-O2", "-Wall"];
/// How long one run of a testbin may take before it is killed.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// A native DLL a testbin imports; built from `testbins/<stem>.c`.
pub struct Dll {
    pub stem: &'static str,
    pub link_args: &'static [&'static str],
}

/// A test program: `testbins/<stem>.c` built into `<stem>.exe`.
pub struct Testbin {
    pub stem: &'static str,
    pub libs: &'static [&'static str],
    pub dlls: &'static [Dll],
}

impl Testbin {
    /// A program that imports only system DLLs.
    pub const fn plain(stem: &'static str) -> Testbin {
        Testbin {
            stem,
            libs: &[],
            dlls: &[],
        }
    }
}

pub const HELLO: Testbin = Testbin::plain("hello");
pub const CMDLINE: Testbin = Testbin {
    libs: &["-lshell32"],
    ..Testbin::plain("cmdline")
};
pub const ENV: Testbin = Testbin::plain("env");
pub const EXITCODE: Testbin = Testbin::plain("exitcode");
pub const FILEIO: Testbin = Testbin::plain("fileio");
pub const ARGS42: Testbin = Testbin::plain("args42");
pub const THREADS: Testbin = Testbin::plain("threads");
pub const SYNC_OBJECTS: Testbin = Testbin::plain("sync_objects");
pub const USERSYNC: Testbin = Testbin {
    // WaitOnAddress and WakeByAddress* are in API-MS-Win-Core-Synch-l1-2-0.
    libs: &["-lsynchronization"],
    ..Testbin::plain("usersync")
};
pub const THREADPOOL_TIMERS: Testbin = Testbin::plain("threadpool_timers");
/// 64 threads contending on every kind of lock at once.
pub const STRESS: Testbin = Testbin::plain("stress");
pub const THREAD_INFO: Testbin = Testbin::plain("thread_info");
pub const APC: Testbin = Testbin::plain("apc");
pub const TIMERS: Testbin = Testbin::plain("timers");
pub const SUSPEND: Testbin = Testbin::plain("suspend");
pub const KEYED: Testbin = Testbin::plain("keyed");
pub const RELOC: Testbin = Testbin {
    // Linked at the executable's own default base: it cannot load there.
    dlls: &[Dll {
        stem: "reloc_dll",
        link_args: &["-Wl,--image-base,0x140000000"],
    }],
    ..Testbin::plain("reloc")
};
pub const DLL: Testbin = Testbin {
    dlls: &[Dll {
        stem: "dll_lib",
        link_args: &[],
    }],
    ..Testbin::plain("dll")
};

// ---------------------------------------------------------------------------
// Building.

pub fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testbins")
}

pub fn build_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("testbins")
}

/// Checks once that `tool` (a mingw-w64 program) runs; the message names
/// the Debian package `package` that provides it.
pub fn require_tool(tool: &'static str, package: &str) {
    static FOUND: Mutex<BTreeMap<&'static str, Result<(), String>>> = Mutex::new(BTreeMap::new());
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    let found =
        found
            .entry(tool)
            .or_insert_with(|| match Command::new(tool).arg("--version").output() {
                Ok(out) if out.status.success() => Ok(()),
                Ok(out) => Err(format!("`{tool} --version` failed with {}", out.status)),
                Err(e) => Err(format!("cannot run {tool}: {e}")),
            });
    if let Err(why) = found {
        panic!(
            "{why}\n\
             The testbins are Windows programs built with the mingw-w64 cross compiler.\n\
             Run the set-up step in README.md (on Debian: apt-get install {package})."
        );
    }
}

/// Checks once that the x86-64 cross compiler runs.
pub fn require_compiler() {
    require_tool(CC, "gcc-mingw-w64-x86-64");
}

/// Builds a testbin and the DLLs it imports; returns the path of the exe.
pub fn build(bin: &Testbin) -> PathBuf {
    require_compiler();
    let out_dir = build_dir();
    fs::create_dir_all(&out_dir).expect("create the testbins build directory");
    let src = source_dir();
    let tap_h = src.join("tap.h");
    // This file holds the build flags: a change to it rebuilds too.
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join(file!());

    let mut exe_inputs = vec![
        src.join(format!("{}.c", bin.stem)),
        tap_h.clone(),
        harness.clone(),
    ];
    let mut exe_args: Vec<OsString> = Vec::new();
    for dll in bin.dlls {
        let source = src.join(format!("{}.c", dll.stem));
        let output = out_dir.join(format!("{}.dll", dll.stem));
        let implib = out_dir.join(format!("lib{}.dll.a", dll.stem));
        let mut args: Vec<OsString> = vec!["-shared".into()];
        args.extend(dll.link_args.iter().map(OsString::from));
        compile(
            CC,
            &[source, tap_h.clone(), harness.clone()],
            &output,
            Some(&implib),
            &args,
        );
        exe_inputs.push(implib);
        exe_args.push(format!("-l{}", dll.stem).into());
    }
    if !bin.dlls.is_empty() {
        let mut l = OsString::from("-L");
        l.push(&out_dir);
        exe_args.insert(0, l);
    }
    exe_args.extend(bin.libs.iter().map(OsString::from));

    let exe = out_dir.join(format!("{}.exe", bin.stem));
    compile(CC, &exe_inputs, &exe, None, &exe_args);
    exe
}

pub fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Compiles `inputs[0]` with compiler `cc` into `output` unless `output` (and `implib`) are
/// newer than every input. Builds in a private temporary directory under
/// the final file names (a DLL records its own name in its export
/// directory and import library) and renames into place, so a concurrent or
/// interrupted build never leaves a half-written file.
pub fn compile(
    cc: &str,
    inputs: &[PathBuf],
    output: &Path,
    implib: Option<&Path>,
    args: &[OsString],
) {
    let newest_input = inputs
        .iter()
        .map(|p| mtime(p).unwrap_or_else(|| panic!("missing testbin input {}", p.display())))
        .max()
        .expect("at least one input");
    let fresh = |p: &Path| mtime(p).is_some_and(|t| t >= newest_input);
    if fresh(output) && implib.is_none_or(fresh) {
        return;
    }

    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let out_dir = output.parent().expect("output has a directory");
    let tmp_dir = out_dir.join(format!(
        ".build-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&tmp_dir);
    fs::create_dir_all(&tmp_dir).expect("create a temporary build directory");
    let in_tmp = |p: &Path| tmp_dir.join(p.file_name().expect("a file name"));
    let tmp_output = in_tmp(output);

    let mut cmd = Command::new(cc);
    cmd.args(CFLAGS).arg("-o").arg(&tmp_output).arg(&inputs[0]);
    if let Some(implib) = implib {
        let mut arg = OsString::from("-Wl,--out-implib,");
        arg.push(in_tmp(implib));
        cmd.arg(arg);
    }
    cmd.args(args);
    let result = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    if !result.status.success() {
        let _ = fs::remove_dir_all(&tmp_dir);
        panic!(
            "building {} failed ({}):\n{:?}\n{}{}",
            output.display(),
            result.status,
            cmd,
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
    }
    if let Some(implib) = implib {
        fs::rename(in_tmp(implib), implib).expect("move the import library into place");
    }
    fs::rename(&tmp_output, output).expect("move the build output into place");
    let _ = fs::remove_dir_all(&tmp_dir);
}

// ---------------------------------------------------------------------------
// Running.

#[derive(Default)]
pub struct RunOptions {
    pub cwd: Option<PathBuf>,
    pub env: Vec<(&'static str, &'static str)>,
    pub env_remove: Vec<&'static str>,
    /// How long the run may take; [`RUN_TIMEOUT`] when `None`.
    pub timeout: Option<Duration>,
}

pub struct RunOutput {
    pub description: String,
    /// `None` when the run was killed at its timeout.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub external_runner: bool,
    pub timeout: Duration,
}

/// The program that runs the testbins: casement, or CASEMENT_TESTBIN_RUNNER.
pub fn runner() -> (OsString, bool) {
    match std::env::var_os("CASEMENT_TESTBIN_RUNNER") {
        Some(r) if !r.is_empty() => (r, true),
        _ => (env!("CARGO_BIN_EXE_casement").into(), false),
    }
}

/// One output pipe of the child, read without blocking.
struct Pipe<R> {
    reader: Option<R>,
    bytes: Vec<u8>,
}

impl<R: Read + AsRawFd> Pipe<R> {
    fn new(reader: R) -> Pipe<R> {
        let fd = reader.as_raw_fd();
        // SAFETY: fcntl(2) on a pipe descriptor this process owns; no memory
        // is involved.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        Pipe {
            reader: Some(reader),
            bytes: Vec::new(),
        }
    }

    fn pollfd(&self) -> Option<libc::pollfd> {
        let fd = self.reader.as_ref()?.as_raw_fd();
        Some(libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
    }

    /// Reads whatever is in the pipe now; closes it at end of file.
    fn read_available(&mut self) {
        let Some(reader) = &mut self.reader else {
            return;
        };
        let mut chunk = [0u8; 8192];
        loop {
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => self.bytes.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(_) => break,
            }
        }
        self.reader = None;
    }
}

/// Collects the child's output until it exits or `deadline` passes (then
/// its process group is killed). Once the child has exited, everything it
/// wrote is already in the pipes: they are drained without waiting for end
/// of file, which a helper process it left behind (Wine's services) may
/// hold off for seconds.
fn wait_and_collect(
    child: &mut Child,
    stdout: &mut Pipe<impl Read + AsRawFd>,
    stderr: &mut Pipe<impl Read + AsRawFd>,
    deadline: Instant,
) -> Option<ExitStatus> {
    let status = loop {
        let mut fds: Vec<libc::pollfd> = [stdout.pollfd(), stderr.pollfd()]
            .into_iter()
            .flatten()
            .collect();
        if fds.is_empty() {
            thread::sleep(Duration::from_millis(5));
        } else {
            // SAFETY: `fds` is a live, correctly sized array of pollfd.
            unsafe {
                libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 5);
            }
        }
        stdout.read_available();
        stderr.read_available();
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => continue,
            _ => {
                // SAFETY: kill(2) on the process group this harness made
                // for the child (process_group(0) in `run`); no memory is
                // involved.
                unsafe {
                    libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
                }
                let _ = child.wait();
                break None;
            }
        }
    };
    stdout.read_available();
    stderr.read_available();
    status
}

/// Runs `exe` with `args` under the testbin runner (casement, or
/// CASEMENT_TESTBIN_RUNNER).
pub fn run(exe: &Path, args: &[&str], options: &RunOptions) -> RunOutput {
    let (runner, external_runner) = runner();
    let mut all: Vec<OsString> = vec![exe.into()];
    all.extend(args.iter().map(OsString::from));
    run_program(&runner, external_runner, &all, options)
}

/// Runs casement itself with `args` (a program and its arguments, a
/// subcommand, or nothing), whatever CASEMENT_TESTBIN_RUNNER says.
pub fn run_casement<S: AsRef<OsStr>>(args: &[S], options: &RunOptions) -> RunOutput {
    let args: Vec<OsString> = args.iter().map(|a| a.as_ref().to_owned()).collect();
    run_program(
        OsStr::new(env!("CARGO_BIN_EXE_casement")),
        false,
        &args,
        options,
    )
}

fn run_program(
    runner: &OsStr,
    external_runner: bool,
    args: &[OsString],
    options: &RunOptions,
) -> RunOutput {
    let mut cmd = Command::new(runner);
    cmd.args(args);
    if let Some(cwd) = &options.cwd {
        cmd.current_dir(cwd);
    }
    if external_runner && std::env::var_os("WINEDEBUG").is_none() {
        cmd.env("WINEDEBUG", "-all");
    }
    for (key, value) in &options.env {
        cmd.env(key, value);
    }
    for key in &options.env_remove {
        cmd.env_remove(key);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, so a timeout kills whatever it started too.
    cmd.process_group(0);

    let description = format!(
        "{} {:?}{}",
        runner.to_string_lossy(),
        args,
        options
            .cwd
            .as_ref()
            .map(|d| format!(" in {}", d.display()))
            .unwrap_or_default()
    );
    let timeout = options.timeout.unwrap_or(RUN_TIMEOUT);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", runner.to_string_lossy()));
    let mut stdout = Pipe::new(child.stdout.take().expect("piped stdout"));
    let mut stderr = Pipe::new(child.stderr.take().expect("piped stderr"));
    let status = wait_and_collect(
        &mut child,
        &mut stdout,
        &mut stderr,
        Instant::now() + timeout,
    );
    RunOutput {
        description,
        status,
        stdout: stdout.bytes,
        stderr: stderr.bytes,
        external_runner,
        timeout,
    }
}

// ---------------------------------------------------------------------------
// Checking.

impl RunOutput {
    pub fn fail(&self, why: &str) -> ! {
        let status = match self.status {
            Some(s) => s.to_string(),
            None => format!("killed after the {}s timeout", self.timeout.as_secs()),
        };
        panic!(
            "{why}\n--- command: {}\n--- status: {status}\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.description,
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr),
        );
    }

    pub fn expect_status(&self, code: i32) {
        self.expect_status_in(&[code]);
    }

    pub fn expect_status_in(&self, accepted: &[i32]) {
        match self.status {
            None => self.fail("the program did not finish in time"),
            Some(s) => match s.code() {
                Some(c) if accepted.contains(&c) => {}
                Some(c) => self.fail(&format!("exit status {c}, expected one of {accepted:?}")),
                None => self.fail("the program was killed by a signal"),
            },
        }
    }

    pub fn expect_stdout(&self, expected: &[u8]) {
        if self.stdout != expected {
            self.fail(&format!(
                "stdout differs\n  expected: {:?}\n       got: {:?}",
                String::from_utf8_lossy(expected),
                String::from_utf8_lossy(&self.stdout)
            ));
        }
    }

    pub fn expect_stdout_file(&self, name: &str) {
        let path = source_dir().join("expected").join(name);
        let expected =
            fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        self.expect_stdout(&expected);
    }

    /// The TAP output is complete and every check passed; status 0.
    pub fn expect_tap(&self) {
        if let Err(why) = check_tap(&String::from_utf8_lossy(&self.stdout)) {
            self.fail(&why);
        }
        self.expect_status(0);
    }
}

/// Reads TAP output; returns the number of checks when it is a complete
/// run (one plan, first or last, matching the count; results numbered in
/// sequence) in which every check passed.
pub fn check_tap(text: &str) -> Result<usize, String> {
    let mut plan: Option<(usize, usize)> = None; // (count, results seen before it)
    let mut results = 0usize;
    let mut failures = Vec::new();
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if let Some(count) = line.strip_prefix("1..") {
            let count: usize = count
                .trim()
                .parse()
                .map_err(|_| format!("bad plan line {line:?}"))?;
            if plan.is_some() {
                return Err("more than one plan line".into());
            }
            plan = Some((count, results));
        } else if line.starts_with("Bail out!") {
            return Err(format!("the program bailed out: {line:?}"));
        } else if let Some((passed, rest)) = result_line(line) {
            results += 1;
            let number = rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<usize>().ok());
            if number != Some(results) {
                return Err(format!("result {results} is numbered wrongly: {line:?}"));
            }
            if !passed {
                failures.push(line.to_owned());
            }
        } else if !line.is_empty() && !line.starts_with('#') {
            return Err(format!("a line that is not TAP: {line:?}"));
        }
    }
    let Some((planned, before)) = plan else {
        return Err(format!("no plan line (1..N) after {results} results"));
    };
    if planned == 0 {
        return Err("the plan is 1..0: no checks ran".into());
    }
    if before != 0 && before != results {
        return Err("the plan is neither before nor after all results".into());
    }
    if results != planned {
        return Err(format!("planned {planned} checks but {results} ran"));
    }
    if !failures.is_empty() {
        return Err(format!(
            "{} of {results} checks failed:\n{}",
            failures.len(),
            failures.join("\n")
        ));
    }
    Ok(results)
}

/// Splits "ok …" / "not ok …" into (passed, the rest after the keyword).
pub fn result_line(line: &str) -> Option<(bool, &str)> {
    for (keyword, passed) in [("not ok", false), ("ok", true)] {
        if let Some(rest) = line.strip_prefix(keyword) {
            if rest.is_empty() || rest.starts_with(' ') {
                return Some((passed, rest));
            }
        }
    }
    None
}

/// A fresh, empty working directory for one run. It is removed when the
/// test passes and kept for inspection when it fails, until the next run.
pub struct WorkDir(PathBuf);

impl WorkDir {
    pub fn new(name: &str) -> WorkDir {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("testbins-work")
            .join(name);
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create a working directory");
        WorkDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The program cleaned up every file it made.
    pub fn expect_empty(&self, out: &RunOutput) {
        let left: Vec<_> = fs::read_dir(&self.0)
            .expect("read the working directory")
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        if !left.is_empty() {
            out.fail(&format!(
                "files left behind in {}: {left:?}",
                self.0.display()
            ));
        }
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Makes the mingw import library `lib<stem>.a` in `out` from
/// testbins/<stem>.def (for DLL exports mingw's own import libraries lack),
/// unless it is newer than the .def file. Written under a private name and
/// renamed, so that a concurrent test never links against half a file.
pub fn import_library(stem: &str, out: &Path) -> PathBuf {
    // The tests of one binary run on parallel threads; one makes each.
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _making = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    require_tool(DLLTOOL, "binutils-mingw-w64-x86-64");
    let def = source_dir().join(format!("{stem}.def"));
    let lib = out.join(format!("lib{stem}.a"));
    if mtime(&lib).is_some_and(|t| mtime(&def).is_some_and(|d| t >= d)) {
        return lib;
    }
    let tmp = out.join(format!("lib{stem}.{}.a", std::process::id()));
    let status = Command::new(DLLTOOL)
        .arg("-d")
        .arg(&def)
        .arg("-l")
        .arg(&tmp)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {DLLTOOL}: {e}"));
    assert!(status.success(), "{DLLTOOL} failed on {}", def.display());
    fs::rename(&tmp, &lib).expect("move the import library into place");
    lib
}
