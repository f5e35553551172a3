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
