//! The console testbin, run on a real pseudo-terminal (util-linux
//! `script`, 100x40) that the test types into, and with stdin and stdout
//! redirected. The TAP lines are picked out of what the terminal shows
//! (echoed input and colour sequences are in between).

mod common;

use common::*;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const CONSOLE: Testbin = Testbin::plain("console");

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The TAP lines of terminal output, without escape sequences and CRs.
fn tap_lines(screen: &str) -> String {
    let mut out = String::new();
    for line in screen.split('\n') {
        let mut clean = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                match chars.peek() {
                    // CSI: ESC [ parameters final-byte.
                    Some('[') => {
                        chars.next();
                        for f in chars.by_ref() {
                            if ('@'..='~').contains(&f) {
                                break;
                            }
                        }
                    }
                    // OSC: ESC ] text BEL.
                    Some(']') => {
                        for f in chars.by_ref() {
                            if f == '\x07' {
                                break;
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            if c != '\r' {
                clean.push(c);
            }
        }
        // The terminal echoes the interrupt keys in caret notation (^C, ^\).
        let mut clean = clean.as_str();
        while clean.starts_with('^') && clean.len() >= 2 {
            clean = &clean[2..];
        }
        // Keys typed for ReadConsoleInput may arrive before the read has put
        // the terminal in character mode, and the terminal echoes them
        // ("qok 47 - ..."): casement switches the terminal's modes per read,
        // where Windows' console echoes only what a line read consumes. A
        // short prefix without blanks before a result is such an echo.
        if let Some(at) = ["not ok ", "ok "]
            .iter()
            .filter_map(|m| clean.find(m))
            .min()
        {
            if at > 0 && at <= 8 && !clean[..at].contains(' ') {
                clean = &clean[at..];
            }
        }
        if clean.starts_with("ok")
            || clean.starts_with("not ok")
            || clean.starts_with("1..")
            || clean.starts_with('#')
        {
            out.push_str(clean);
            out.push('\n');
        }
    }
    out
}

#[test]
fn console_on_a_terminal() {
    let exe = build(&CONSOLE);
    if Command::new("script").arg("--version").output().is_err() {
        panic!("this test needs util-linux's `script` (apt-get install bsdutils)");
    }
    let (runner, _) = runner();
    let command = format!(
        "stty cols 100 rows 40; exec {} {} tty",
        shell_quote(&runner.to_string_lossy()),
        shell_quote(&exe.to_string_lossy())
    );
    let mut child = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start script");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    // What to type, each after the prompt line that asks for it.
    let mut steps: Vec<(&str, &[u8])> = vec![
        ("# ready for a line", b"typed line\n"),
        ("# ready for a long line", b"abcdef\n"),
        ("# ready for ctrl-c", b"\x03"),
        ("# ready for ctrl-break", b"\x1c"),
        ("# ready for keys", b"x\x1b[A"),
        ("# ready for an ANSI key", b"q"),
    ];
    let mut screen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(chunk) => screen.extend_from_slice(&chunk),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        let text = String::from_utf8_lossy(&screen);
        if let Some((prompt, input)) = steps.first() {
            if text.contains(prompt) {
                stdin.write_all(input).expect("type into the terminal");
                stdin.flush().unwrap();
                steps.remove(0);
            }
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("timed out; the terminal showed:\n{text}");
        }
    }
    let status = child.wait().expect("wait for script");
    let text = String::from_utf8_lossy(&screen).into_owned();
    if let Err(why) = check_tap(&tap_lines(&text)) {
        panic!("{why}\nthe terminal showed:\n{text:?}");
    }
    assert!(
        status.success(),
        "exit status {status}; the terminal showed:\n{text:?}"
    );
    // What the terminal was sent: UTF-8 from WriteConsoleW and
    // WriteConsoleA in code page 65001, colours as SGR sequences (bright
    // red is 91 on black 40; blue on green 34 on 42).
    assert!(
        text.contains("# h\u{e9}llo \u{2713}"),
        "WriteConsoleW text:\n{text:?}"
    );
    assert!(
        text.contains("# \u{e9}t\u{e9}"),
        "WriteConsoleA text:\n{text:?}"
    );
    assert!(text.contains("\x1b[0;91;40m"), "bright red:\n{text:?}");
    assert!(text.contains("\x1b[0;34;42m"), "blue on green:\n{text:?}");
    // The cursor moved to column 6, row 3 (CUP is 1-based), was hidden and
    // shown (DECTCEM), and the title went to the terminal (OSC 0).
    assert!(text.contains("\x1b[3;6H"), "cursor position:\n{text:?}");
    assert!(
        text.contains("\x1b[?25l") && text.contains("\x1b[?25h"),
        "cursor visibility:\n{text:?}"
    );
    assert!(
        text.contains("\x1b]0;casement title\x07"),
        "title:\n{text:?}"
    );
    // Wrapping at the end of lines off and on: DECAWM.
    assert!(
        text.contains("\x1b[?7l") && text.contains("\x1b[?7h"),
        "line wrapping:\n{text:?}"
    );
    // The terminal echoed the typed line (ENABLE_ECHO_INPUT).
    assert!(text.contains("typed line"), "echo:\n{text:?}");
}

/// Under Wine started this way the process has no console at all, so
/// GetConsoleOutputCP answers 0 (check 11); a Windows console program
/// started with its handles redirected still has its console.
#[test]
fn console_functions_fail_on_redirected_handles() {
    let exe = build(&CONSOLE);
    run(&exe, &["redirected"], &RunOptions::default()).expect_tap();
}

const CODEPAGES: Testbin = Testbin::plain("codepages");

/// Code pages (issue 6 point 3). Wine accepts flags and a default
/// character for UTF-8 that the documentation says fail (checks 9-11).
#[test]
fn code_pages() {
    let exe = build(&CODEPAGES);
    run(&exe, &[], &RunOptions::default()).expect_tap();
}
