//! Pipes, overlapped I/O and completion ports: the testbins of issue 6
//! points 4 and 5, run under casement (or under
//! CASEMENT_TESTBIN_RUNNER, e.g. Wine, to check the expectations).

mod common;

use common::*;

const PIPES: Testbin = Testbin::plain("pipes");
const OVERLAPPED: Testbin = Testbin::plain("overlapped");

#[test]
fn pipes() {
    let exe = build(&PIPES);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

#[test]
fn overlapped() {
    let exe = build(&OVERLAPPED);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}
