//! Child processes: CreateProcessW/A, process handles (waits, exit codes,
//! TerminateProcess), environments, current directories, standard handles
//! on pipes. The proc_spawn testbin starts proc_child, built next to it.

mod common;

use common::*;

const PROC_CHILD: Testbin = Testbin::plain("proc_child");
const PROC_SPAWN: Testbin = Testbin::plain("proc_spawn");

#[test]
fn create_process_and_process_handles() {
    build(&PROC_CHILD);
    let exe = build(&PROC_SPAWN);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}
