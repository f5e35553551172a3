//! Programs linked against the Universal C Runtime (ucrtbase.dll through
//! the api-ms-win-crt-* API sets) instead of msvcrt.dll: start-up, the
//! printf/scanf families through `__stdio_common_*`, file I/O, the exit
//! paths and the invalid-parameter handler.
//!
//! mingw-w64's GCC links msvcrt by default; these testbins are built with
//! a copy of its specs that links `-lucrt` instead, and `-D_UCRT` so the
//! headers declare the UCRT's functions. The build checks that the result
//! imports the UCRT and not msvcrt.
//!
//! Expectations come from Microsoft's documentation; Wine (a second
//! opinion) differs where its ucrtbase does: it reads `hh` as `h`, rounds
//! exact ties up (Windows 10 2004 rounds them to even), calls no handler
//! for sprintf_s overflow or a NULL format, leaves `_seh_filter_exe`
//! without signal dispatch, and its default invalid-parameter handler and
//! abort() return or exit with 3 where Windows fast-fails.
mod common;
use common::*;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// GCC's specs with the C runtime library switched from msvcrt to ucrt.
fn ucrt_specs() -> PathBuf {
    static SPECS: OnceLock<PathBuf> = OnceLock::new();
    SPECS
        .get_or_init(|| {
            require_compiler();
            let out = Command::new(CC)
                .arg("-dumpspecs")
                .output()
                .expect("run the compiler for its specs");
            assert!(out.status.success(), "{CC} -dumpspecs failed");
            let specs = String::from_utf8_lossy(&out.stdout).replace("-lmsvcrt", "-lucrt");
            assert!(
                specs.contains("-lucrt"),
                "{CC}'s specs do not name -lmsvcrt"
            );
            let dir = build_dir();
            std::fs::create_dir_all(&dir).expect("create the testbins build directory");
            let path = dir.join(format!("ucrt-{}.specs", std::process::id()));
            std::fs::write(&path, specs).expect("write the ucrt specs");
            path
        })
        .clone()
}

/// Builds `testbins/<stem>.c` against the UCRT into `<stem>.exe`.
fn build_ucrt(stem: &str) -> PathBuf {
    build_ucrt_with(stem, &[])
}

/// As [`build_ucrt`], with more compiler arguments.
fn build_ucrt_with(stem: &str, extra: &[&str]) -> PathBuf {
    let src = source_dir();
    let exe = build_dir().join(format!("{stem}.exe"));
    let mut specs = OsString::from("-specs=");
    specs.push(ucrt_specs());
    compile(
        CC,
        &[
            src.join(format!("{stem}.c")),
            src.join("tap.h"),
            PathBuf::from(file!()),
        ],
        &exe,
        None,
        &[
            &["-D_UCRT".into(), specs][..],
            &extra.iter().map(OsString::from).collect::<Vec<_>>(),
        ]
        .concat(),
    );
    check_imports(&exe);
    exe
}

/// The program imports the UCRT (through API sets) and not msvcrt.dll.
fn check_imports(exe: &PathBuf) {
    let out = Command::new("x86_64-w64-mingw32-objdump")
        .arg("-p")
        .arg(exe)
        .output()
        .expect("run x86_64-w64-mingw32-objdump");
    let text = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    let dlls: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("dll name: "))
        .collect();
    assert!(
        dlls.iter().any(|d| d.starts_with("api-ms-win-crt-")),
        "{} does not import the UCRT: {dlls:?}",
        exe.display()
    );
    assert!(
        !dlls.contains(&"msvcrt.dll"),
        "{} imports msvcrt.dll: {dlls:?}",
        exe.display()
    );
}

#[test]
fn ucrt_startup() {
    let exe = build_ucrt("ucrt_startup");
    let options = RunOptions {
        env: vec![("UCRT_TEST_VAR", "forty-two")],
        ..RunOptions::default()
    };
    run(&exe, &["one", "two words"], &options).expect_tap();
}

/// MSVC's console start-up sequence, called from a bare entry point (no
/// mingw-w64 start code): what a program built by Visual C++ does.
#[test]
fn ucrt_msvc_start() {
    let exe = build_ucrt_with("ucrt_msvc_start", &["-nostartfiles", "-Wl,-e,start"]);
    let options = RunOptions {
        env: vec![("UCRT_TEST_VAR", "start")],
        ..RunOptions::default()
    };
    let out = run(&exe, &["one", "two x"], &options);
    out.expect_status(3);
    out.expect_stdout_file("ucrt_msvc_start.out");
}

#[test]
fn ucrt_printf() {
    let exe = build_ucrt("ucrt_printf");
    let out = run(&exe, &[], &RunOptions::default());
    out.expect_tap();
    // What printf, fprintf and wprintf wrote between the checks.
    let text = String::from_utf8_lossy(&out.stdout);
    for line in ["# stdout 00042\r\n", "# 0.38\r\n", "# wide out\r\n"] {
        if !text.contains(line) {
            out.fail(&format!("stdout lacks {line:?}"));
        }
    }
}

#[test]
fn ucrt_fileio() {
    let exe = build_ucrt("ucrt_fileio");
    let dir = WorkDir::new("ucrt_fileio");
    let options = RunOptions {
        cwd: Some(dir.path().to_path_buf()),
        ..RunOptions::default()
    };
    let out = run(&exe, &[], &options);
    out.expect_tap();
    if out.stderr != b"to stderr\r\n" {
        out.fail("stderr is not \"to stderr\\r\\n\"");
    }
    dir.expect_empty(&out);
}

/// Each exit path: what ran (testbins/expected/ucrt_exit_<mode>.out) and
/// the exit status (Linux keeps its low byte).
#[test]
fn ucrt_exit_paths() {
    let exe = build_ucrt("ucrt_exit");
    // STATUS_STACK_BUFFER_OVERRUN (0xC0000409): a fast fail, what abort()
    // and the default invalid-parameter handler end with.
    const FAST_FAIL: i32 = 0x09;
    let cases: &[(&str, i32)] = &[
        ("return", 7),
        ("exit", 9),
        ("_exit", 4),
        ("quick_exit", 5),
        ("abort", FAST_FAIL),
        ("abort_exit3", 3),
        ("abort_handler", 6),
        ("invalid", FAST_FAIL),
        ("assert", FAST_FAIL),
        ("tls_callback", 0),
        ("raise", 3),
    ];
    for &(mode, status) in cases {
        let out = run(&exe, &[mode], &RunOptions::default());
        out.expect_status(status);
        out.expect_stdout_file(&format!("ucrt_exit_{mode}.out"));
        if mode == "raise" && !out.stderr.is_empty() {
            out.fail("raise's default action wrote to stderr");
        }
        if mode == "assert" {
            // The console form of the message, then abort().
            let err = String::from_utf8_lossy(&out.stderr);
            if !(err.starts_with("Assertion failed: argc == 100, file ")
                && err.contains("ucrt_exit.c, line ")
                && err.ends_with("\r\n"))
            {
                out.fail("stderr is not the assertion message");
            }
        }
    }
}

#[test]
fn ucrt_secure() {
    let exe = build_ucrt("ucrt_secure");
    let dir = WorkDir::new("ucrt_secure");
    let options = RunOptions {
        cwd: Some(dir.path().to_path_buf()),
        env: vec![("UCRT_TEST_VAR", "seven")],
        ..RunOptions::default()
    };
    let out = run(&exe, &[], &options);
    out.expect_tap();
    dir.expect_empty(&out);
}

/// setuptools' cli-64.exe launcher (an MSVC program on the UCRT) with no
/// script next to it: "Cannot open <path>-script.py" on stderr, exit 2.
/// Needs the corpus cache, which CI does not have.
#[test]
fn ucrt_setuptools_launcher_without_script() {
    let cache = std::env::var_os("CORPUS_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/corpus-cache"));
    let launcher = cache.join("bin/cli-64.exe");
    if !launcher.exists() {
        eprintln!(
            "skipped: {} is absent (no corpus cache)",
            launcher.display()
        );
        return;
    }
    let dir = WorkDir::new("ucrt_cli64");
    let exe = dir.path().join("bar.exe");
    std::fs::copy(&launcher, &exe).expect("copy the launcher");
    let out = run(&exe, &[], &RunOptions::default());
    out.expect_status(2);
    let err = String::from_utf8_lossy(&out.stderr);
    if !(err.starts_with("Cannot open ") && err.trim_end().ends_with("\\bar-script.py")) {
        out.fail("stderr is not \"Cannot open ...\\bar-script.py\"");
    }
}

#[test]
fn ucrt_wildcard() {
    let exe = build_ucrt("ucrt_wildcard");
    let dir = WorkDir::new("ucrt_wildcard");
    for name in ["wa.txt", "WB.txt", "c.dat", "sub/x.c"] {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create sub");
        std::fs::write(path, b"x").expect("create a file to match");
    }
    let options = RunOptions {
        cwd: Some(dir.path().to_path_buf()),
        ..RunOptions::default()
    };
    run(
        &exe,
        &["w*.txt", "none*.zzz", "sub\\?.c", "plain"],
        &options,
    )
    .expect_tap();
}

#[test]
fn ucrt_math() {
    let exe = build_ucrt("ucrt_math");
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

#[test]
fn ucrt_time() {
    let exe = build_ucrt("ucrt_time");
    let options = RunOptions {
        env: vec![("TZ", "America/New_York")],
        ..RunOptions::default()
    };
    run(&exe, &[], &options).expect_tap();
}
