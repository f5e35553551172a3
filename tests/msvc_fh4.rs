//! __CxxFrameHandler4 (vcruntime140_1.dll) end to end. No compiler here
//! emits FH4 tables (clang emits __CxxFrameHandler3; MSVC is not here), so
//! the fixture is hand-written: testbins/msvc_fh4.S holds functions whose
//! handler data are compressed FuncInfo4 tables, laid out as
//! ehdata4_export.h documents; testbins/msvc_fh4_body.cpp, compiled by
//! clang for the MSVC target, throws (real ThrowInfo and type
//! descriptors), holds what the catch funclets and unwind maps call, and
//! runs the cases. mingw-w64 links them with import libraries for the
//! names libmsvcrt.a lacks and for vcruntime140_1.dll.
//!
//! The expected output follows C++ and Windows: Windows builds a catch
//! object during the search, before unwinding (so a copy by value comes
//! before the destructors of the frames in between); destructors of the
//! frames between the throw and the catch run; an exception object is
//! destroyed once, after the last catch block holding it; an unhandled
//! exception unwinds nothing.
//!
//! Also msvcrt's run-time type information (__RTDynamicCast, __RTtypeid,
//! __RTCastToVoid) and the exceptions it throws, with a clang-built
//! testbin (testbins/msvc_fh4_rtti.cpp).

mod common;

use common::*;
use std::ffi::OsString;
use std::path::PathBuf;

const CLANGXX: &str = "clang++";

fn harness() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(file!())
}

/// The MSVC-target compiler flags.
const MSVC_CXX_FLAGS: [&str; 6] = [
    "--target=x86_64-pc-windows-msvc",
    "-fexceptions",
    "-fcxx-exceptions",
    "-fms-extensions",
    "-O1",
    "-c",
];

/// Builds msvc_fh4.exe: the C++ half by clang for the MSVC target, the
/// assembly half by the mingw-w64 assembler, linked by mingw-w64.
fn fixture() -> PathBuf {
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _building = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    require_compiler();
    require_tool(CLANGXX, "clang");
    let out = build_dir();
    std::fs::create_dir_all(&out).expect("create the testbins build directory");
    let src = source_dir();
    let body = out.join("msvc_fh4_body.obj");
    compile(
        CLANGXX,
        &[src.join("msvc_fh4_body.cpp"), harness()],
        &body,
        None,
        &MSVC_CXX_FLAGS.map(OsString::from),
    );
    let tables = out.join("msvc_fh4.o");
    compile(
        CC,
        &[src.join("msvc_fh4.S"), harness()],
        &tables,
        None,
        &["-c".into()],
    );
    let msvcrt = import_library("msvc_cxx_imports", &out);
    let vcruntime = import_library("msvc_fh4_imports", &out);
    let exe = out.join("msvc_fh4.exe");
    compile(
        CC,
        &[
            body,
            tables.clone(),
            msvcrt.clone(),
            vcruntime.clone(),
            harness(),
        ],
        &exe,
        None,
        &[tables.into(), msvcrt.into(), vcruntime.into()],
    );
    exe
}

#[test]
fn fh4_catches_unwinds_and_continues() {
    let out = run(&fixture(), &[], &RunOptions::default());
    out.expect_status(0);
    out.expect_stdout_file("msvc_fh4.out");
}

#[test]
fn fh4_uncaught_reaches_the_unhandled_exception_report() {
    let out = run(&fixture(), &["uncaught"], &RunOptions::default());
    // The exit code is the exception code, 0xE06D7363; Linux keeps 0x63.
    out.expect_status(0x63);
    // No handler: nothing is unwound, the guard is not destroyed.
    out.expect_stdout(b"guard 1\r\nthrow int 3\r\n");
    let err = String::from_utf8_lossy(&out.stderr);
    let mut lines = err.lines();
    if !lines.next().unwrap_or("").starts_with(
        "casement: unhandled exception 0xe06d7363 (C++ exception (MSVC)) at msvc_fh4.exe+0x",
    ) {
        out.fail("the report names the C++ exception and where it was thrown");
    }
    // magic, object, ThrowInfo, image base.
    if !lines
        .next()
        .unwrap_or("")
        .starts_with("  parameters: 0x19930520 0x")
    {
        out.fail("the report gives the C++ exception's parameters");
    }
}

#[test]
fn fh4_noexcept_function_terminates() {
    let out = run(&fixture(), &["noexcept"], &RunOptions::default());
    // terminate() aborts: exit code 3, before anything is unwound.
    out.expect_status(3);
    out.expect_stdout(b"throw int 4\r\n");
}

/// Builds msvc_fh4_rtti.exe: clang for the MSVC target, linked by
/// mingw-w64 against msvcrt.dll.
fn rtti_testbin() -> PathBuf {
    require_compiler();
    require_tool(CLANGXX, "clang");
    let out = build_dir();
    std::fs::create_dir_all(&out).expect("create the testbins build directory");
    let obj = out.join("msvc_fh4_rtti.obj");
    compile(
        CLANGXX,
        &[source_dir().join("msvc_fh4_rtti.cpp"), harness()],
        &obj,
        None,
        &MSVC_CXX_FLAGS.map(OsString::from),
    );
    let msvcrt = import_library("msvc_cxx_imports", &out);
    let exe = out.join("msvc_fh4_rtti.exe");
    compile(
        CC,
        &[obj, msvcrt.clone(), harness()],
        &exe,
        None,
        &[msvcrt.into()],
    );
    exe
}

#[test]
fn rtti_casts_typeid_and_their_exceptions() {
    let out = run(&rtti_testbin(), &[], &RunOptions::default());
    out.expect_status(0);
    out.expect_stdout_file("msvc_fh4_rtti.out");
}
