//! MSVC C++ exceptions in the builtin msvcrt: C++ testbins compiled by
//! clang for the MSVC target (no standard headers: MSVC's STL is not
//! here), linked with mingw-w64 against msvcrt.dll. mingw-w64's
//! libmsvcrt.a lacks a few of the names such objects import; an import
//! library made from testbins/msvc_cxx_imports.def adds them.

mod common;

use common::*;
use std::ffi::OsString;
use std::path::PathBuf;

/// clang, whose MSVC-target C++ code uses _CxxThrowException and
/// __CxxFrameHandler3.
const CLANGXX: &str = "clang++";

fn harness() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file!())
}

fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

/// Compiles testbins/<stem>.cpp for the MSVC target into `<stem>.obj`.
fn compile_msvc_cxx(stem: &str) -> PathBuf {
    require_compiler();
    require_tool(CLANGXX, "clang");
    let out = build_dir();
    std::fs::create_dir_all(&out).expect("create the testbins build directory");
    let src = source_dir().join(format!("{stem}.cpp"));
    let obj = out.join(format!("{stem}.obj"));
    compile(
        CLANGXX,
        &[src, harness()],
        &obj,
        None,
        &args(&[
            "--target=x86_64-pc-windows-msvc",
            "-fexceptions",
            "-fcxx-exceptions",
            "-fms-extensions",
            "-O1",
            // Clauses after one that takes the same type are deliberate.
            "-Wno-exceptions",
            "-c",
        ]),
    );
    obj
}

/// Builds testbins/<stem>.cpp: clang compiles for the MSVC target, mingw
/// links, with `libs` (import libraries) after the object.
fn build_msvc_cxx_with(stem: &str, libs: &[PathBuf]) -> PathBuf {
    let obj = compile_msvc_cxx(stem);
    let out = build_dir();
    let imports = import_library("msvc_cxx_imports", &out);
    let exe = out.join(format!("{stem}.exe"));
    let mut inputs = vec![obj, imports.clone(), harness()];
    inputs.extend(libs.iter().cloned());
    let mut link: Vec<OsString> = libs.iter().map(|l| l.into()).collect();
    link.push(imports.into());
    compile(CC, &inputs, &exe, None, &link);
    exe
}

fn build_msvc_cxx(stem: &str) -> PathBuf {
    build_msvc_cxx_with(stem, &[])
}

#[test]
fn msvc_cxx_exceptions() {
    let exe = build_msvc_cxx("msvc_cxx");
    let out = run(&exe, &[], &RunOptions::default());
    out.expect_status(0);
    out.expect_stdout_file("msvc_cxx.out");
}

#[test]
fn msvc_cxx_across_modules() {
    let obj = compile_msvc_cxx("msvc_cxx_dll");
    let out = build_dir();
    let imports = import_library("msvc_cxx_imports", &out);
    let dll = out.join("msvc_cxx_dll.dll");
    let implib = out.join("libmsvc_cxx_dll.dll.a");
    // clang's /EXPORT directives are not GNU ld's: every symbol is exported.
    compile(
        CC,
        &[obj, imports.clone(), harness()],
        &dll,
        Some(&implib),
        &[
            "-shared".into(),
            "-Wl,--export-all-symbols".into(),
            imports.into(),
        ],
    );
    let exe = build_msvc_cxx_with("msvc_cxx_modules", &[implib]);
    let out = run(&exe, &[], &RunOptions::default());
    out.expect_status(0);
    out.expect_stdout_file("msvc_cxx_modules.out");
}

#[test]
fn msvc_cxx_filter_helpers() {
    let exe = build_msvc_cxx("msvc_cxx_filter");
    let out = run(&exe, &[], &RunOptions::default());
    out.expect_status(0);
    out.expect_stdout_file("msvc_cxx_filter.out");
}

fn terminate_exe() -> PathBuf {
    build_msvc_cxx("msvc_cxx_terminate")
}

/// The first line of the unhandled-exception report, and its parameters.
fn expect_cxx_report(out: &RunOutput, parameters: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    let mut lines = err.lines();
    let first = lines.next().unwrap_or("");
    if !first.starts_with(
        "casement: unhandled exception 0xe06d7363 (C++ exception (MSVC)) at msvc_cxx_terminate.exe+0x",
    ) {
        out.fail("the report names the C++ exception and where it was thrown");
    }
    let second = lines.next().unwrap_or("");
    if !second.starts_with(parameters) {
        out.fail(&format!(
            "the report's parameters start with {parameters:?}"
        ));
    }
}

#[test]
fn msvc_cxx_uncaught() {
    let out = run(&terminate_exe(), &["uncaught"], &RunOptions::default());
    // The exit code is the exception code, 0xE06D7363; Linux keeps 0x63.
    out.expect_status(0x63);
    // No handler: nothing is unwound, the guard is not destroyed.
    out.expect_stdout(b"throwing\r\n");
    // magic, object, ThrowInfo, image base.
    expect_cxx_report(&out, "  parameters: 0x19930520 0x");
}

#[test]
fn msvc_cxx_rethrow_with_nothing_caught() {
    let out = run(&terminate_exe(), &["rethrow"], &RunOptions::default());
    out.expect_status(0x63);
    out.expect_stdout(b"rethrowing nothing\r\n");
    expect_cxx_report(&out, "  parameters: 0x19930520 0x0 0x0 0x0");
}

#[test]
fn msvc_cxx_terminate_aborts() {
    let out = run(&terminate_exe(), &["terminate"], &RunOptions::default());
    // abort(): exit code 3.
    out.expect_status(3);
    out.expect_stdout(b"terminating\r\n");
}

#[test]
fn msvc_cxx_terminate_handler() {
    let out = run(&terminate_exe(), &["handler"], &RunOptions::default());
    out.expect_status(42);
    out.expect_stdout(b"no handler was set\r\nterminate handler\r\n");
}

#[test]
fn msvc_cxx_destructor_throws_while_unwinding() {
    let out = run(&terminate_exe(), &["destructor"], &RunOptions::default());
    out.expect_status(42);
    out.expect_stdout(b"destructor throws while unwinding\r\nterminate handler\r\n");
}

#[test]
fn msvc_cxx_copy_constructor_throws() {
    let out = run(&terminate_exe(), &["copy"], &RunOptions::default());
    out.expect_status(42);
    out.expect_stdout(b"copy constructor throws\r\nterminate handler\r\n");
}

#[test]
fn msvc_cxx_unexpected() {
    let out = run(&terminate_exe(), &["unexpected"], &RunOptions::default());
    out.expect_status(42);
    out.expect_stdout(b"unexpected handler\r\nterminate handler\r\n");
}
