//! Bad input: what casement cannot run it refuses with a clear message and a
//! non-zero exit, never with a panic, a crash of its own or a hang.
//!
//! Covered: files that are not PE images; PE images truncated at each part
//! of the file; corrupted headers (chosen fields, then a few hundred
//! deterministic random byte flips); a 32-bit image; a missing DLL; a
//! missing import; an API declared but not implemented; the trace
//! channels; `casement inspect`; the command line itself.
//!
//! A Windows process that cannot start ends with the NTSTATUS of the
//! failure as its exit code, of which Linux keeps the low 8 bits:
//! STATUS_DLL_NOT_FOUND (0xC0000135) is 0x35, STATUS_ENTRYPOINT_NOT_FOUND
//! (0xC0000139) is 0x39. Messages are matched on their key words only (the
//! file's name, "not a PE", "malformed", the DLL and function), not their
//! exact wording.
//!
//! Every run here goes to casement itself, never CASEMENT_TESTBIN_RUNNER:
//! these are casement's own diagnostics. Derived files (truncated and
//! corrupted copies) are written under `$CARGO_TARGET_TMPDIR/bad_input/`
//! and kept there when a test fails.

mod common;

use common::*;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

/// No run here may take longer: a hang is a failure.
const TIMEOUT: Duration = Duration::from_secs(10);

/// STATUS_DLL_NOT_FOUND (0xC0000135), low 8 bits.
const EXIT_DLL_NOT_FOUND: i32 = 0x35;
/// STATUS_ENTRYPOINT_NOT_FOUND (0xC0000139), low 8 bits.
const EXIT_ENTRYPOINT_NOT_FOUND: i32 = 0x39;

/// What casement prints only when something in casement itself went wrong:
/// a Rust panic, or a fault in its own code (src/crash.rs).
const OWN_BUG_MARKERS: &[&str] = &["panicked", "internal error", "RUST_BACKTRACE"];

// ---------------------------------------------------------------------------
// Helpers.

/// A run of casement with the trace channels off and [`TIMEOUT`].
fn options() -> RunOptions {
    RunOptions {
        env_remove: vec!["CASEMENT_DEBUG", "RUST_BACKTRACE"],
        timeout: Some(TIMEOUT),
        ..RunOptions::default()
    }
}

fn stderr_of(out: &RunOutput) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The run ended by itself (no timeout, no signal) and printed nothing that
/// reports a bug in casement. Returns the exit status.
fn expect_no_own_bug(out: &RunOutput) -> i32 {
    let Some(status) = out.status else {
        out.fail("casement did not finish in time (a hang)");
    };
    let Some(code) = status.code() else {
        out.fail("casement was killed by a signal (a crash of its own)");
    };
    let stderr = stderr_of(out);
    for marker in OWN_BUG_MARKERS {
        if stderr.contains(marker) {
            out.fail(&format!("stderr reports a casement bug ({marker:?})"));
        }
    }
    code
}

/// `haystack` contains `needle`, ignoring ASCII case.
fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// casement refused to run the file: a non-zero exit, nothing on stdout and
/// exactly one line on stderr that names `file` and contains, ignoring
/// case, one of each group of `keywords`.
fn expect_refusal(out: &RunOutput, file: &Path, keywords: &[&[&str]]) -> i32 {
    let code = expect_no_own_bug(out);
    if code == 0 {
        out.fail("exit status 0 for a file that cannot run");
    }
    if !out.stdout.is_empty() {
        out.fail("output on stdout: the program must not have run");
    }
    let stderr = stderr_of(out);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let [line] = lines[..] else {
        out.fail(&format!(
            "expected a one-line message on stderr, got {} lines",
            lines.len()
        ));
    };
    let name = file.file_name().expect("a file name").to_string_lossy();
    if !line.contains(&*name) {
        out.fail(&format!("the message does not name the file {name:?}"));
    }
    // The key words must be in what the message says, not in the file's
    // path (in whatever form it is shown).
    let said: Vec<&str> = line
        .split_whitespace()
        .filter(|word| !word.contains(&*name))
        .collect();
    let said = said.join(" ");
    for group in keywords {
        if !group.iter().any(|k| contains_ci(&said, k)) {
            out.fail(&format!("the message says none of {group:?}"));
        }
    }
    code
}

/// A fresh directory for one test's derived files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bad_input")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// Where the programs of `testbins/bad/` are built.
fn bad_build_dir() -> PathBuf {
    let dir = build_dir().join("bad");
    fs::create_dir_all(&dir).expect("create the build directory");
    dir
}

/// The inputs besides its source that a program of `testbins/bad/` is
/// rebuilt for: this file and the shared harness hold the build flags.
fn harness_inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    vec![
        root.join(file!()),
        root.join("tests/common/mod.rs"),
        source_dir().join("tap.h"),
    ]
}

/// Builds `testbins/bad/<stem>.c` with `cc` into `<stem>.<ext>` in
/// [`bad_build_dir`].
fn build_bad(cc: &str, stem: &str, ext: &str, extra_inputs: &[PathBuf], args: &[&str]) -> PathBuf {
    require_compiler();
    let mut inputs = vec![source_dir().join("bad").join(format!("{stem}.c"))];
    inputs.extend(harness_inputs());
    inputs.extend(extra_inputs.iter().cloned());
    let output = bad_build_dir().join(format!("{stem}.{ext}"));
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    compile(cc, &inputs, &output, None, &args);
    output
}

/// Makes the import library `lib<stem>.a` in [`bad_build_dir`] from
/// `testbins/bad/<stem>.def`, unless it is newer than the .def file.
fn import_library(stem: &str) -> PathBuf {
    require_tool(DLLTOOL, "binutils-mingw-w64-x86-64");
    let def = source_dir().join("bad").join(format!("{stem}.def"));
    let lib = bad_build_dir().join(format!("lib{stem}.a"));
    let newest = harness_inputs()
        .iter()
        .chain([&def])
        .filter_map(|p| mtime(p))
        .max()
        .expect("the .def file exists");
    if mtime(&lib).is_some_and(|t| t >= newest) {
        return lib;
    }
    // Written under a private name and renamed, so that a concurrent run
    // never links against half a file.
    let tmp = lib.with_extension(format!("a.{}", std::process::id()));
    let out = Command::new(DLLTOOL)
        .arg("-d")
        .arg(&def)
        .arg("-l")
        .arg(&tmp)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {DLLTOOL}: {e}"));
    assert!(
        out.status.success(),
        "{DLLTOOL} -d {} failed ({}):\n{}",
        def.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    fs::rename(&tmp, &lib).expect("move the import library into place");
    lib
}

/// Runs a test's cases one by one and fails at the end with the names of
/// all that failed; each failure's details are printed as it happens.
#[derive(Default)]
struct Cases(Vec<String>);

impl Cases {
    fn check(&mut self, name: &str, case: impl FnOnce()) {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(case)).is_err() {
            self.0.push(name.to_owned());
        }
    }

    fn finish(self) {
        assert!(
            self.0.is_empty(),
            "{} case(s) failed (details above): {:?}",
            self.0.len(),
            self.0
        );
    }
}

/// A small deterministic generator (SplitMix64): the same cases every run,
/// so a failure can be reproduced.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn u16_at(d: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([d[at], d[at + 1]])
}

fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(d[at..at + 4].try_into().unwrap())
}

fn put_u16(d: &mut [u8], at: usize, v: u16) {
    d[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Where things are in a PE32+ file (offsets from winnt.h's layouts).
struct Layout {
    /// IMAGE_NT_HEADERS64 (e_lfanew).
    nt: usize,
    /// IMAGE_OPTIONAL_HEADER64.
    opt: usize,
    /// The section table.
    sections: usize,
    section_count: usize,
    len: usize,
}

const SECTION_HEADER_SIZE: usize = 40;
/// IMAGE_OPTIONAL_HEADER64 field offsets.
const OPT_ENTRY_POINT: usize = 16;
const OPT_SIZE_OF_IMAGE: usize = 56;
const OPT_DATA_DIRECTORY: usize = 112;
const DIRECTORY_IMPORT: usize = 1;
/// IMAGE_SECTION_HEADER field offsets.
const SECTION_SIZE_OF_RAW_DATA: usize = 16;
const SECTION_POINTER_TO_RAW_DATA: usize = 20;
const SECTION_CHARACTERISTICS: usize = 36;

impl Layout {
    fn of(d: &[u8]) -> Layout {
        assert_eq!(&d[..2], b"MZ");
        let nt = u32_at(d, 0x3C) as usize;
        assert_eq!(&d[nt..nt + 4], b"PE\0\0");
        let opt = nt + 4 + 20;
        assert_eq!(u16_at(d, opt), 0x20B, "a PE32+ image");
        let section_count = u16_at(d, nt + 4 + 2) as usize;
        let sections = opt + u16_at(d, nt + 4 + 16) as usize;
        Layout {
            nt,
            opt,
            sections,
            section_count,
            len: d.len(),
        }
    }

    fn section(&self, d: &[u8], name: &str) -> usize {
        (0..self.section_count)
            .map(|i| self.sections + i * SECTION_HEADER_SIZE)
            .find(|&s| d[s..s + 8].split(|&b| b == 0).next() == Some(name.as_bytes()))
            .unwrap_or_else(|| panic!("no {name} section"))
    }

    fn section_table_end(&self) -> usize {
        self.sections + self.section_count * SECTION_HEADER_SIZE
    }

    /// The end of the section whose raw data ends last.
    fn raw_data_end(&self, d: &[u8]) -> usize {
        (0..self.section_count)
            .map(|i| self.sections + i * SECTION_HEADER_SIZE)
            .map(|s| {
                (u32_at(d, s + SECTION_POINTER_TO_RAW_DATA)
                    + u32_at(d, s + SECTION_SIZE_OF_RAW_DATA)) as usize
            })
            .max()
            .unwrap_or(0)
    }
}

fn hello_bytes() -> Vec<u8> {
    fs::read(build(&HELLO)).expect("read hello.exe")
}

// ---------------------------------------------------------------------------
// 1. Files that are not PE images.

#[test]
fn not_a_pe_file() {
    let dir = scratch("foreign");
    let mut rng = SplitMix64(0x6361_7365_6d65_6e74);
    let mut random = rng.bytes(4096);
    assert_ne!(&random[..2], b"MZ");
    random[0] = b'R'; // never "MZ", whatever the generator gives
    let mut dos_only = hello_bytes();
    let nt = Layout::of(&dos_only).nt;
    dos_only[nt..nt + 4].copy_from_slice(b"NE\0\0");

    let files: Vec<(&str, Vec<u8>)> = vec![
        ("script.sh", b"#!/bin/sh\necho not windows\n".to_vec()),
        ("elf-true", fs::read("/bin/true").expect("read /bin/true")),
        ("empty.exe", Vec::new()),
        ("random.bin", random),
        ("text.exe", b"This is not a program.\r\n".to_vec()),
        ("mz-without-pe.exe", dos_only),
    ];
    let mut cases = Cases::default();
    for (name, bytes) in files {
        let path = dir.join(name);
        fs::write(&path, bytes).expect("write a test file");
        cases.check(name, || {
            let out = run_casement(&[&path], &options());
            expect_refusal(&out, &path, &[&["not a PE"]]);
        });
    }
    cases.finish();
}

// ---------------------------------------------------------------------------
// 2. Truncated images.

#[test]
fn truncated_pe() {
    let dir = scratch("cut");
    let hello = hello_bytes();
    let l = Layout::of(&hello);
    let text = l.section(&hello, ".text");
    let text_raw = u32_at(&hello, text + SECTION_POINTER_TO_RAW_DATA) as usize;
    let text_size = u32_at(&hello, text + SECTION_SIZE_OF_RAW_DATA) as usize;
    let cuts: &[(&str, usize)] = &[
        ("dos-header-2", 2),
        ("dos-header-30", 30),
        ("dos-header-63", 63),
        ("dos-stub", 64),
        ("pe-signature", l.nt + 2),
        ("file-header", l.nt + 4 + 10),
        ("optional-header", l.opt + 40),
        ("data-directories", l.opt + OPT_DATA_DIRECTORY + 20),
        ("section-table-first", l.sections + 13),
        (
            "section-table-second",
            l.sections + SECTION_HEADER_SIZE + 20,
        ),
        ("section-table-last-byte", l.section_table_end() - 1),
        ("text-middle", text_raw + text_size / 2),
        ("last-section-raw-data", l.raw_data_end(&hello) - 1),
    ];
    let mut cases = Cases::default();
    for &(what, len) in cuts {
        assert!(len < hello.len());
        let path = dir.join(format!("cut-{what}.exe"));
        fs::write(&path, &hello[..len]).expect("write a truncated copy");
        cases.check(what, || {
            let out = run_casement(&[&path], &options());
            expect_refusal(&out, &path, &[&["malformed", "truncated"]]);
        });
    }
    cases.finish();
}

// ---------------------------------------------------------------------------
// 3. Corrupted images.

/// How a corrupted image must fail.
enum Expect {
    /// Refused before it runs: the message says it is malformed.
    Malformed,
    /// Refused, or started and ended by an exception as on Windows: a
    /// non-zero exit (this one, when given) and something said on stderr.
    FailsCleanly(Option<i32>),
}

/// STATUS_ACCESS_VIOLATION (0xC0000005), low 8 bits: an unhandled access
/// violation ends a Windows process with that code.
const EXIT_ACCESS_VIOLATION: i32 = 0x05;

#[test]
fn corrupted_headers() {
    let dir = scratch("damaged");
    let hello = hello_bytes();
    let l = Layout::of(&hello);
    let text = l.section(&hello, ".text");
    let bss = l.section(&hello, ".bss");
    let idata = l.section(&hello, ".idata");
    let size_of_image = u32_at(&hello, l.opt + OPT_SIZE_OF_IMAGE);
    let import_dir = l.opt + OPT_DATA_DIRECTORY + DIRECTORY_IMPORT * 8;
    type Corruption = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, Corruption, Expect)> = vec![
        (
            "e_lfanew-past-eof",
            Box::new(move |d| put_u32(d, 0x3C, l.len as u32 + 0x1000)),
            Expect::Malformed,
        ),
        (
            "e_lfanew-huge",
            Box::new(|d| put_u32(d, 0x3C, 0xFFFF_FFF0)),
            Expect::Malformed,
        ),
        (
            "text-raw-data-past-eof",
            Box::new(move |d| put_u32(d, text + SECTION_POINTER_TO_RAW_DATA, 0x7FFF_0000)),
            Expect::Malformed,
        ),
        (
            "text-raw-size-huge",
            Box::new(move |d| put_u32(d, text + SECTION_SIZE_OF_RAW_DATA, 0xFFFF_F000)),
            Expect::Malformed,
        ),
        (
            "import-directory-outside-image",
            Box::new(move |d| put_u32(d, import_dir, size_of_image + 0x10000)),
            Expect::Malformed,
        ),
        (
            "import-directory-rva-huge",
            Box::new(move |d| put_u32(d, import_dir, 0xFFFF_FFF0)),
            Expect::Malformed,
        ),
        (
            "size-of-image-zero",
            Box::new(move |d| put_u32(d, l.opt + OPT_SIZE_OF_IMAGE, 0)),
            Expect::Malformed,
        ),
        (
            "section-count-huge",
            Box::new(move |d| put_u16(d, l.nt + 4 + 2, 0xFFFF)),
            Expect::Malformed,
        ),
        // Whether Windows checks the entry point when it maps the image is
        // not documented: refused, or an access violation at the entry.
        (
            "entry-point-outside-image",
            Box::new(move |d| put_u32(d, l.opt + OPT_ENTRY_POINT, size_of_image + 0x1000)),
            Expect::FailsCleanly(None),
        ),
        // .bss mapped read-only (IMAGE_SCN_MEM_READ only): the C runtime's
        // first write to its globals is an access violation.
        (
            "bss-read-only",
            Box::new(move |d| put_u32(d, bss + SECTION_CHARACTERISTICS, 0x4000_0080)),
            Expect::FailsCleanly(Some(EXIT_ACCESS_VIOLATION)),
        ),
        // .idata mapped with no access at all: reading the import
        // directory faults, in the loader, before the program runs.
        (
            "idata-no-access",
            Box::new(move |d| put_u32(d, idata + SECTION_CHARACTERISTICS, 0x0000_0040)),
            Expect::FailsCleanly(None),
        ),
    ];
    let mut results = Cases::default();
    for (what, corrupt, expect) in cases {
        let mut bytes = hello.clone();
        corrupt(&mut bytes);
        let path = dir.join(format!("bad-{what}.exe"));
        fs::write(&path, &bytes).expect("write a corrupted copy");
        results.check(what, || {
            let out = run_casement(&[&path], &options());
            match expect {
                Expect::Malformed => {
                    expect_refusal(&out, &path, &[&["malformed", "truncated"]]);
                }
                Expect::FailsCleanly(code) => {
                    let got = expect_no_own_bug(&out);
                    if got == 0 || code.is_some_and(|c| c != got) {
                        out.fail(&format!("exit status {got}, expected {code:?} (non-zero)"));
                    }
                    if out.stderr.is_empty() {
                        out.fail("nothing on stderr says why the program failed");
                    }
                }
            }
        });
    }
    results.finish();
}

/// A few hundred copies of hello.exe with one to three random bytes of its
/// headers (DOS header, NT headers, section table) changed. Each may run or
/// be refused; none may hang, crash casement or make it report a bug of its
/// own. The cases are the same every run.
#[test]
fn random_header_flips() {
    const CASES: usize = 300;
    let dir = scratch("flips");
    let hello = hello_bytes();
    let end = Layout::of(&hello).section_table_end();
    let mut rng = SplitMix64(0x00C0_FFEE);
    let mut cases = Vec::new();
    for i in 0..CASES {
        let mut bytes = hello.clone();
        let mut flips = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(end);
            let xor = 1 + rng.below(255) as u8;
            bytes[at] ^= xor;
            flips.push(format!("[{at:#x}]^={xor:#04x}"));
        }
        let path = dir.join(format!("flip-{i:03}.exe"));
        fs::write(&path, &bytes).expect("write a corrupted copy");
        cases.push((path, flips.join(" ")));
    }

    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = thread::available_parallelism().map_or(4, |n| n.get() * 2);
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, flips)) = cases.get(i) else {
                    break;
                };
                let out = run_casement(&[path], &options());
                let why = match out.status.map(|s| s.code()) {
                    None => Some("did not finish in time (a hang)".to_string()),
                    Some(None) => Some(format!("killed by a signal ({:?})", out.status)),
                    Some(Some(_)) => {
                        let stderr = stderr_of(&out);
                        OWN_BUG_MARKERS
                            .iter()
                            .find(|m| stderr.contains(*m))
                            .map(|m| format!("reports a casement bug ({m:?})"))
                    }
                };
                if let Some(why) = why {
                    let stderr = stderr_of(&out);
                    let first: String = stderr.lines().take(3).collect::<Vec<_>>().join(" | ");
                    failures.lock().unwrap().push(format!(
                        "{} ({flips}): {why}; stderr: {first}",
                        path.display()
                    ));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {CASES} corrupted images made casement fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// 4. A 32-bit image.

#[test]
fn pe32_is_not_supported_yet() {
    require_tool(CC32, "gcc-mingw-w64-i686");
    let src = source_dir().join("hello.c");
    let exe = bad_build_dir().join("hello32.exe");
    let mut inputs = vec![src];
    inputs.extend(harness_inputs());
    compile(CC32, &inputs, &exe, None, &[]);
    let out = run_casement(&[&exe], &options());
    expect_refusal(&out, &exe, &[&["32-bit", "PE32"], &["support"]]);
}

// ---------------------------------------------------------------------------
// 5 and 6. Missing DLLs and imports.

#[test]
fn missing_dll() {
    let built = build(&DLL);
    let dir = scratch("missing_dll");
    let exe = dir.join("dll.exe");
    fs::copy(&built, &exe).expect("copy dll.exe");
    // Run from that directory too: dll_lib.dll is neither beside the
    // program nor in the current directory.
    let out = run_casement(
        &[&exe],
        &RunOptions {
            cwd: Some(dir.clone()),
            ..options()
        },
    );
    let code = expect_no_own_bug(&out);
    if !contains_ci(&stderr_of(&out), "dll_lib.dll") {
        out.fail("stderr does not name dll_lib.dll");
    }
    if !out.stdout.is_empty() {
        out.fail("output on stdout: main must not have run");
    }
    if code != EXIT_DLL_NOT_FOUND {
        out.fail(&format!(
            "exit status {code}, expected {EXIT_DLL_NOT_FOUND} (STATUS_DLL_NOT_FOUND)"
        ));
    }
}

/// Runs `exe`, which imports `dll!function` that `dll` does not export.
fn expect_missing_import(exe: &Path, dll: &str, function: &str) {
    let out = run_casement(&[exe], &options());
    let code = expect_no_own_bug(&out);
    let stderr = stderr_of(&out);
    let named = stderr
        .lines()
        .any(|line| contains_ci(line, &format!("{dll}!{function}")) && line.contains(function));
    if !named {
        out.fail(&format!("stderr does not name {dll}!{function}"));
    }
    if !out.stdout.is_empty() {
        out.fail("output on stdout: main must not have run");
    }
    if code != EXIT_ENTRYPOINT_NOT_FOUND {
        out.fail(&format!(
            "exit status {code}, expected {EXIT_ENTRYPOINT_NOT_FOUND} (STATUS_ENTRYPOINT_NOT_FOUND)"
        ));
    }
}

#[test]
fn missing_import_from_native_dll() {
    let implib = import_library("imp_lib");
    // imp_lib.dll, built beside the program, exports imp_f1 only.
    build_bad(CC, "imp_lib", "dll", &[], &["-shared"]);
    let dir = bad_build_dir();
    let exe = build_bad(
        CC,
        "missing_import",
        "exe",
        &[implib],
        &[&format!("-L{}", dir.display()), "-limp_lib"],
    );
    expect_missing_import(&exe, "imp_lib.dll", "imp_f2");
}

#[test]
fn missing_import_from_kernel32() {
    let implib = import_library("kernel32_nosuch");
    let dir = bad_build_dir();
    let exe = build_bad(
        CC,
        "missing_k32_import",
        "exe",
        &[implib],
        &[&format!("-L{}", dir.display()), "-lkernel32_nosuch"],
    );
    expect_missing_import(&exe, "KERNEL32.dll", "CasementNoSuchFunction");
}

// ---------------------------------------------------------------------------
// 7. An API declared but not implemented.

/// The program calls CallNamedPipeA and GetSystemTimeAdjustment, both declared
/// with `unimplemented_export!` in kernel32/src/lib.rs today; it checks
/// that they fail with ERROR_CALL_NOT_IMPLEMENTED. When either is
/// implemented, testbins/bad/unimpl.c and this list need another API.
#[test]
fn unimplemented_api_fails_and_says_so() {
    const UNIMPLEMENTED: &[&str] = &["CallNamedPipeA", "GetSystemTimeAdjustment"];
    let exe = build_bad(CC, "unimpl", "exe", &[], &[]);
    let out = run_casement(&[&exe], &options());
    expect_no_own_bug(&out);
    out.expect_tap();
    let stderr = stderr_of(&out);
    for name in UNIMPLEMENTED {
        if !contains_ci(&stderr, &format!("unimplemented KERNEL32.{name}")) {
            out.fail(&format!(
                "stderr does not say unimplemented KERNEL32.{name}"
            ));
        }
    }
}

// ---------------------------------------------------------------------------
// 8. Trace channels.

fn traced_hello(channels: &'static str) -> (RunOutput, Vec<String>) {
    let exe = build(&HELLO);
    let mut opts = options();
    opts.env_remove.retain(|k| *k != "CASEMENT_DEBUG");
    opts.env.push(("CASEMENT_DEBUG", channels));
    let out = run_casement(&[&exe], &opts);
    expect_no_own_bug(&out);
    out.expect_status(0);
    // Tracing goes to stderr only: the program's output is unchanged.
    out.expect_stdout_file("hello.out");
    let lines = stderr_of(&out).lines().map(str::to_owned).collect();
    (out, lines)
}

fn expect_line(out: &RunOutput, lines: &[String], what: &str, words: &[&str]) -> usize {
    lines
        .iter()
        .position(|l| words.iter().all(|w| contains_ci(l, w)))
        .unwrap_or_else(|| out.fail(&format!("no trace line for {what} (with {words:?})")))
}

#[test]
fn loader_trace() {
    let (out, lines) = traced_hello("loader");
    expect_line(
        &out,
        &lines,
        "mapping the program",
        &["hello.exe", "mapped"],
    );
    for dll in ["ntdll.dll", "kernel32.dll", "msvcrt.dll"] {
        expect_line(&out, &lines, "a builtin DLL", &[dll, "synthesized"]);
    }
    expect_line(
        &out,
        &lines,
        "an import bound",
        &["msvcrt.dll!__getmainargs"],
    );
    expect_line(
        &out,
        &lines,
        "DllMain / process attach",
        &["process attach"],
    );
    expect_line(&out, &lines, "the entry point", &["entry point"]);
}

#[test]
fn relay_trace() {
    let (out, lines) = traced_hello("relay");
    // __getmainargs(int *argc, char ***argv, char ***envp, int glob,
    // _startupinfo *si): five arguments, then its result.
    let call = expect_line(&out, &lines, "the call", &["Call MSVCRT.__getmainargs("]);
    let args = lines[call]
        .split_once("__getmainargs(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(args, _)| args)
        .unwrap_or_else(|| out.fail("the call line has no argument list"));
    if args.split(',').count() != 5 {
        out.fail(&format!(
            "__getmainargs was traced with arguments {args:?}, not five"
        ));
    }
    let ret = expect_line(
        &out,
        &lines,
        "its return",
        &["Ret ", "MSVCRT.__getmainargs("],
    );
    if ret < call || !lines[ret].contains('=') {
        out.fail("the return line of __getmainargs comes before its call or has no value");
    }
    // Some KERNEL32 function, called and returned.
    let kernel32_call = lines
        .iter()
        .find_map(|l| {
            let (_, rest) = l.split_once("Call KERNEL32.")?;
            Some(rest.split_once('(')?.0.to_owned())
        })
        .unwrap_or_else(|| out.fail("no Call KERNEL32. line"));
    expect_line(
        &out,
        &lines,
        "a KERNEL32 return",
        &["Ret ", &format!("KERNEL32.{kernel32_call}(")],
    );
}

#[test]
fn syscall_trace() {
    let (out, lines) = traced_hello("syscall");
    // printf reaches the console or the pipe through NtWriteFile; one line
    // per service call names it and gives its NTSTATUS.
    expect_line(
        &out,
        &lines,
        "NtWriteFile",
        &["NtWriteFile", "STATUS_SUCCESS"],
    );
}

// ---------------------------------------------------------------------------
// 9. casement inspect.

#[test]
fn inspect() {
    let exe = build(&HELLO);
    let out = run_casement(&[OsString::from("inspect"), exe.into()], &options());
    expect_no_own_bug(&out);
    out.expect_status(0);
    let listing = String::from_utf8_lossy(&out.stdout);
    for word in [
        "PE32+",
        "AddressOfEntryPoint",
        ".text",
        ".idata",
        "KERNEL32.dll",
        "msvcrt.dll",
        "__getmainargs",
    ] {
        if !contains_ci(&listing, word) {
            out.fail(&format!("the listing does not show {word:?}"));
        }
    }

    let dir = scratch("inspect");
    let script = dir.join("script.sh");
    fs::write(&script, "#!/bin/sh\necho not windows\n").expect("write a test file");
    let out = run_casement(
        &[OsString::from("inspect"), script.clone().into()],
        &options(),
    );
    let code = expect_refusal(&out, &script, &[&["not a PE"]]);
    if code != 1 {
        out.fail(&format!("exit status {code}, expected 1"));
    }
}

// ---------------------------------------------------------------------------
// 10. The command line.

#[test]
fn no_arguments_prints_usage() {
    let out = run_casement::<&str>(&[], &options());
    let code = expect_no_own_bug(&out);
    if !contains_ci(&stderr_of(&out), "usage") {
        out.fail("no usage message on stderr");
    }
    if code != 2 {
        out.fail(&format!("exit status {code}, expected 2"));
    }
}

#[test]
fn nonexistent_program() {
    let dir = scratch("nonexistent");
    let missing = dir.join("nonexistent.exe");
    let out = run_casement(&[&missing], &options());
    expect_refusal(&out, &missing, &[]);
}
