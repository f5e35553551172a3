//! Pipes, overlapped I/O and completion ports: the testbins of issue 6
//! points 4 and 5, run under casement (or under
//! CASEMENT_TESTBIN_RUNNER, e.g. Wine, to check the expectations).

mod common;

use common::*;

const PIPES: Testbin = Testbin::plain("pipes");
const OVERLAPPED: Testbin = Testbin::plain("overlapped");

/// Passes under Wine 8 as well (CASEMENT_TESTBIN_RUNNER).
#[test]
fn pipes() {
    let exe = build(&PIPES);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

/// Under Wine 8 every check passes but one: after
/// GetQueuedCompletionStatusEx into a bad array, Wine has taken the packet
/// (check 54); Windows probes the array first.
#[test]
fn overlapped() {
    let exe = build(&OVERLAPPED);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}
