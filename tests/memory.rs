//! The memory manager's testbins (issue 4): virtual memory semantics and
//! the 1 GiB reserve/free run, sections and views, heaps, memory
//! information. Each prints TAP and is run under casement.

mod common;

use common::*;

const VIRTUAL_MEMORY: Testbin = Testbin::plain("virtual_memory");

#[test]
fn virtual_memory() {
    let exe = build(&VIRTUAL_MEMORY);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

const HEAP: Testbin = Testbin::plain("heap");

#[test]
fn heap() {
    let exe = build(&HEAP);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

/// HeapEnableTerminationOnCorruption, then a double free: the process ends
/// with STATUS_HEAP_CORRUPTION (0xC0000374; Linux keeps the low byte).
#[test]
fn heap_termination_on_corruption() {
    let exe = build(&HEAP);
    run(&exe, &["corrupt"], &RunOptions::default()).expect_status(0x74);
}

const SECTIONS: Testbin = Testbin::plain("sections");

/// One file through two views and a second handle, every write seen
/// everywhere; offsets, protections, copy-on-write, named mappings.
#[test]
fn sections() {
    let exe = build(&SECTIONS);
    let dir = std::env::temp_dir().join(format!("casement-sections-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    let options = RunOptions {
        cwd: Some(dir.clone()),
        ..RunOptions::default()
    };
    run(&exe, &[], &options).expect_tap();
    let _ = std::fs::remove_dir_all(&dir);
}

const MEMORY_INFO: Testbin = Testbin::plain("memory_info");

/// KUSER_SHARED_DATA, GlobalMemoryStatusEx, GetProcessMemoryInfo,
/// GetSystemInfo, pointer probing.
#[test]
fn memory_info() {
    let exe = build(&MEMORY_INFO);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

const PSAPI_V1: Testbin = Testbin {
    libs: &["-lpsapi"],
    ..Testbin::plain("psapi_v1")
};

/// psapi.dll forwards to kernel32's K32* functions.
#[test]
fn psapi_v1() {
    let exe = build(&PSAPI_V1);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

const GUARD_PAGE: Testbin = Testbin::plain("guard_page");

/// PAGE_GUARD's one-shot STATUS_GUARD_PAGE_VIOLATION, seen by a vectored
/// handler and continued.
#[test]
fn guard_page() {
    let exe = build(&GUARD_PAGE);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

/// An unhandled guard-page violation ends the process with
/// STATUS_GUARD_PAGE_VIOLATION (0x80000001; Linux keeps the low byte).
#[test]
fn guard_page_unhandled() {
    let exe = build(&GUARD_PAGE);
    run(&exe, &["unhandled"], &RunOptions::default()).expect_status(0x01);
}

/// HEAP_GENERATE_EXCEPTIONS: a request a fixed heap cannot satisfy raises
/// STATUS_NO_MEMORY (0xC0000017), here unhandled.
#[test]
fn heap_generate_exceptions() {
    let exe = build(&HEAP);
    run(&exe, &["generate-exceptions"], &RunOptions::default()).expect_status(0x17);
}
