//! Job objects (kernel32 over the executive's ps/job.rs) with proc_child
//! as the member process, and shlwapi's string helpers.

mod common;

use common::*;

const PROC_CHILD: Testbin = Testbin::plain("proc_child");
const JOB_OBJECTS: Testbin = Testbin::plain("job_objects");
const JOB_STRINGS: Testbin = Testbin {
    libs: &["-lshlwapi"],
    ..Testbin::plain("job_strings")
};

#[test]
fn job_objects() {
    build(&PROC_CHILD);
    let exe = build(&JOB_OBJECTS);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

#[test]
fn shlwapi_strings() {
    let exe = build(&JOB_STRINGS);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}
