//! Structured exception handling: hardware faults, vectored and frame
//! handlers, C `__try` (clang, MSVC target), mingw C++ exceptions across a
//! native DLL, and the report of an exception nothing handles.

mod common;

use common::*;
use std::ffi::OsString;
use std::path::PathBuf;

const SEH_HARDWARE: Testbin = Testbin::plain("seh_hardware");

/// The C++ cross compiler (mingw-w64's g++).
const CXX: &str = "x86_64-w64-mingw32-g++";
/// clang: the compiler whose `__try` emits real SEH scope tables (for the
/// MSVC target); its objects are linked with mingw-w64.
const CLANG: &str = "clang";

fn harness() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file!())
}

fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

#[test]
fn seh_hardware() {
    let exe = build(&SEH_HARDWARE);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

#[test]
fn seh_try_except_finally() {
    require_compiler();
    require_tool(CLANG, "clang");
    let out = build_dir();
    std::fs::create_dir_all(&out).expect("create the testbins build directory");
    let src = source_dir().join("seh_try.c");
    let obj = out.join("seh_try.obj");
    compile(
        CLANG,
        &[src, harness()],
        &obj,
        None,
        &args(&["--target=x86_64-pc-windows-msvc", "-fms-extensions", "-c"]),
    );
    let exe = out.join("seh_try.exe");
    compile(CC, &[obj.clone(), harness()], &exe, None, &[]);
    run(&exe, &[], &RunOptions::default()).expect_tap();

    // The same program taking __C_specific_handler from vcruntime140.dll,
    // as MSVC-built programs do.
    require_tool(DLLTOOL, "binutils-mingw-w64-x86-64");
    let def = source_dir().join("vcruntime140_imports.def");
    let implib = out.join("libvcruntime140_imports.a");
    if mtime(&implib).is_none_or(|t| mtime(&def).is_some_and(|d| d > t)) {
        let made = std::process::Command::new(DLLTOOL)
            .arg("-d")
            .arg(&def)
            .arg("-l")
            .arg(&implib)
            .status()
            .expect("run dlltool");
        assert!(made.success(), "dlltool failed on {}", def.display());
    }
    let exe = out.join("seh_try_vcruntime.exe");
    compile(
        CC,
        &[obj, implib.clone(), harness()],
        &exe,
        None,
        &[implib.into()],
    );
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

#[test]
fn cxx_exceptions() {
    require_tool(CXX, "g++-mingw-w64-x86-64");
    let out = build_dir();
    std::fs::create_dir_all(&out).expect("create the testbins build directory");
    let src = source_dir();
    let dll = out.join("cxx_exceptions_dll.dll");
    let implib = out.join("libcxx_exceptions_dll.dll.a");
    compile(
        CXX,
        &[src.join("cxx_exceptions_dll.cpp"), harness()],
        &dll,
        Some(&implib),
        &args(&["-shared", "-static-libgcc", "-static-libstdc++"]),
    );
    let exe = out.join("cxx_exceptions.exe");
    let mut link = args(&["-static"]);
    link.push(implib.clone().into());
    compile(
        CXX,
        &[src.join("cxx_exceptions.cpp"), implib, harness()],
        &exe,
        None,
        &link,
    );
    let run = run(&exe, &[], &RunOptions::default());
    run.expect_status(0);
    run.expect_stdout_file("cxx_exceptions.out");
    // The relay trace calls every API through a frame of its own: the
    // exceptions must still find the program's handlers.
    let traced = common::run(
        &exe,
        &[],
        &RunOptions {
            env: vec![("CASEMENT_DEBUG", "relay")],
            ..Default::default()
        },
    );
    traced.expect_status(0);
    traced.expect_stdout_file("cxx_exceptions.out");
}

/// seh_unhandled.exe, built with DWARF line tables.
fn unhandled_exe() -> PathBuf {
    require_compiler();
    let out = build_dir();
    std::fs::create_dir_all(&out).expect("create the testbins build directory");
    let exe = out.join("seh_unhandled.exe");
    compile(
        CC,
        &[source_dir().join("seh_unhandled.c"), harness()],
        &exe,
        None,
        &args(&["-g"]),
    );
    exe
}

/// The line of seh_unhandled.c that contains `text`.
fn source_line(text: &str) -> usize {
    let src = std::fs::read_to_string(source_dir().join("seh_unhandled.c"))
        .expect("read seh_unhandled.c");
    src.lines()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("seh_unhandled.c has no line with {text:?}"))
        + 1
}

#[test]
fn unhandled_exception_report() {
    let out = run(&unhandled_exe(), &["report"], &RunOptions::default());
    // The exit code is the exception code; Linux keeps its low byte.
    out.expect_status(0x05);
    if !out.stdout.is_empty() {
        out.fail("nothing is written to stdout");
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    let first = lines.first().copied().unwrap_or("");
    if !(first.starts_with("casement: unhandled exception 0xc0000005 (EXCEPTION_ACCESS_VIOLATION) at seh_unhandled.exe+0x")
        && first.ends_with(", writing 0x30"))
    {
        out.fail("the first line names the code, the module+offset and the access");
    }
    for (i, start) in [
        "  rax=",
        "  rsi=",
        "  r8 =",
        "  r12=",
        "  rip=",
        "  backtrace:",
    ]
    .iter()
    .enumerate()
    {
        if !lines.get(i + 1).is_some_and(|l| l.starts_with(start)) {
            out.fail(&format!("line {} starts with {start:?}", i + 2));
        }
    }
    let frames = [
        format!("fault_here (seh_unhandled.c:{})", source_line("*p = 42;")),
        format!(
            "call_fault (seh_unhandled.c:{})",
            source_line("    fault_here(p);")
        ),
        format!(
            "main (seh_unhandled.c:{})",
            source_line("call_fault((int *)0x30);")
        ),
    ];
    for (i, want) in frames.iter().enumerate() {
        let line = lines.get(7 + i).copied().unwrap_or("");
        if !(line.starts_with(&format!("    #{i:<2} 0x"))
            && line.contains(" seh_unhandled.exe+0x")
            && line.ends_with(want.as_str()))
        {
            out.fail(&format!("backtrace frame {i} is {want:?}"));
        }
    }
}

#[test]
fn unhandled_stack_overflow() {
    let out = run(&unhandled_exe(), &["overflow"], &RunOptions::default());
    out.expect_status(0xFD);
    let err = String::from_utf8_lossy(&out.stderr);
    if !err.starts_with("casement: unhandled exception 0xc00000fd (EXCEPTION_STACK_OVERFLOW) at seh_unhandled.exe+0x")
        || !err.contains(&format!("recurse (seh_unhandled.c:{})", source_line("return recurse(buf)")))
        || !err.contains("    ... the frame above ")
    {
        out.fail("a stack overflow is reported, its recursion folded");
    }
}

#[test]
fn unhandled_filter_execute_handler() {
    let out = run(&unhandled_exe(), &["execute"], &RunOptions::default());
    out.expect_status(0x05);
    out.expect_stdout(b"filter saw 0xc0000005\r\n");
    if !out.stderr.is_empty() {
        out.fail("a filter answering EXCEPTION_EXECUTE_HANDLER ends the process without a report");
    }
}

#[test]
fn unhandled_filter_continue_execution() {
    let out = run(&unhandled_exe(), &["continue"], &RunOptions::default());
    out.expect_status(0);
    out.expect_stdout(b"continued, spare=42, previous filter returned\r\n");
}

#[test]
fn unhandled_raise_exception() {
    let out = run(&unhandled_exe(), &["raise"], &RunOptions::default());
    out.expect_status(0xEF);
    let err = String::from_utf8_lossy(&out.stderr);
    let mut lines = err.lines();
    let first = lines.next().unwrap_or("");
    if !first.starts_with("casement: unhandled exception 0xe0abcdef at seh_unhandled.exe+0x")
        || lines.next() != Some("  parameters: 0x1234 0x5678")
    {
        out.fail("a software exception is reported with its parameters");
    }
}
