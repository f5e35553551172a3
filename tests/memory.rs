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
