//! Pipes, overlapped I/O and completion ports: the testbins of issue 6
//! points 4 and 5, run under casement (or under
//! CASEMENT_TESTBIN_RUNNER, e.g. Wine, to check the expectations).

mod common;

use common::*;

const PIPES: Testbin = Testbin::plain("pipes");
const OVERLAPPED: Testbin = Testbin::plain("overlapped");

/// Under Wine 8 (CASEMENT_TESTBIN_RUNNER) every check passes but check
/// 52: Wine lets FILE_FLAG_FIRST_PIPE_INSTANCE create a second instance,
/// which the documentation says fails with ERROR_ACCESS_DENIED (and that
/// extra instance then makes checks 53 and 55 fail there too).
#[test]
fn pipes() {
    let exe = build(&PIPES);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

/// Under Wine 8 every check passes but one: after
/// GetQueuedCompletionStatusEx into a bad array, Wine has taken the packet
/// (check 57); Windows probes the array first.
#[test]
fn overlapped() {
    let exe = build(&OVERLAPPED);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}

const STDIN_PIPE: Testbin = Testbin::plain("stdin_pipe");

/// A standard input that is a host pipe: PeekNamedPipe, then the broken
/// pipe once the writer is gone. (Wine 8 cannot peek at a Unix pipe and
/// reads its end as success with 0 bytes: checks 2, 3, 5 and 6 fail
/// there.)
#[test]
fn peek_at_a_piped_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let exe = build(&STDIN_PIPE);
    let (runner, _) = runner();
    let mut child = Command::new(runner)
        .arg(&exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the testbin");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"abc").unwrap();
    drop(stdin);
    // The output is a few lines: it fits in the pipe while we wait.
    let deadline = std::time::Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the testbin") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the testbin did not end within {RUN_TIMEOUT:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = child.wait_with_output().expect("collect the output");
    let text = String::from_utf8_lossy(&out.stdout);
    if let Err(why) = check_tap(&text) {
        panic!("{why}\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(status.success(), "exit status {status}");
}
