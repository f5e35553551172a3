//! Files, names, directories and volumes (issue 6, points 1 and 2): the
//! files_* testbins, each in a fresh working directory that it must leave
//! empty, with a private prefix so that C: starts out as a new one.

mod common;
use common::*;

const FILES_NAMES: Testbin = Testbin::plain("files_names");
const FILES_IO: Testbin = Testbin::plain("files_io");
const FILES_FIND: Testbin = Testbin::plain("files_find");
const FILES_NOTIFY: Testbin = Testbin::plain("files_notify");
const FILES_NTPATH: Testbin = Testbin::plain("files_ntpath");
const FILES_LINKS: Testbin = Testbin::plain("files_links");
const FILES_THREADS: Testbin = Testbin::plain("files_threads");

fn run_in_workdir(bin: &Testbin, name: &str) {
    let exe = build(bin);
    let dir = WorkDir::new(name);
    let prefix = dir.path().with_extension("prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    let prefix_str: &'static str =
        Box::leak(prefix.to_string_lossy().into_owned().into_boxed_str());
    let options = RunOptions {
        cwd: Some(dir.path().to_owned()),
        env: vec![("CASEMENT_PREFIX", prefix_str)],
        ..RunOptions::default()
    };
    let out = run(&exe, &[], &options);
    out.expect_tap();
    dir.expect_empty(&out);
    let _ = std::fs::remove_dir_all(&prefix);
}

#[test]
fn files_names() {
    run_in_workdir(&FILES_NAMES, "files_names");
}

#[test]
fn files_io() {
    run_in_workdir(&FILES_IO, "files_io");
}

#[test]
fn files_find() {
    run_in_workdir(&FILES_FIND, "files_find");
}

#[test]
fn files_notify() {
    run_in_workdir(&FILES_NOTIFY, "files_notify");
}

#[test]
fn files_ntpath() {
    run_in_workdir(&FILES_NTPATH, "files_ntpath");
}

#[test]
fn files_links() {
    run_in_workdir(&FILES_LINKS, "files_links");
}

#[test]
fn files_threads() {
    run_in_workdir(&FILES_THREADS, "files_threads");
}

/// The prefix is made on first use, in milliseconds (no boot). The bound
/// is a whole run's, loose enough for a loaded machine.
#[test]
fn prefix_is_created_lazily_and_fast() {
    let exe = build(&FILES_NAMES);
    let dir = WorkDir::new("files_prefix");
    let prefix = dir.path().join("new-prefix");
    let prefix_str: &'static str =
        Box::leak(prefix.to_string_lossy().into_owned().into_boxed_str());
    let options = RunOptions {
        cwd: Some(dir.path().to_owned()),
        env: vec![("CASEMENT_PREFIX", prefix_str)],
        ..RunOptions::default()
    };
    let start = std::time::Instant::now();
    let out = run(&exe, &[], &options);
    let elapsed = start.elapsed();
    out.expect_tap();
    assert!(
        prefix.join("drive_c/windows/system32").is_dir(),
        "the prefix's drive_c was not created"
    );
    assert!(
        elapsed < std::time::Duration::from_secs(10),
        "a run with a new prefix took {elapsed:?}"
    );
    let _ = std::fs::remove_dir_all(&prefix);
    dir.expect_empty(&out);
}

const FILES_CRASH: Testbin = Testbin::plain("files_crash");

/// A crash right after WriteFile loses nothing WriteFile reported as
/// written: the data is in the host's page cache, not in a private buffer.
#[test]
fn data_written_survives_a_crash() {
    let exe = build(&FILES_CRASH);
    let dir = WorkDir::new("files_crash");
    let options = RunOptions {
        cwd: Some(dir.path().to_owned()),
        ..RunOptions::default()
    };
    let out = run(&exe, &["record.txt"], &options);
    // STATUS_ACCESS_VIOLATION (0xC0000005): Linux keeps the low byte.
    out.expect_status(5);
    let data = std::fs::read(dir.path().join("record.txt")).unwrap_or_default();
    if data != b"committed before the crash\n" {
        out.fail(&format!(
            "the file holds {:?}",
            String::from_utf8_lossy(&data)
        ));
    }
    let _ = std::fs::remove_file(dir.path().join("record.txt"));
    dir.expect_empty(&out);
}

const FILES_CASE: Testbin = Testbin::plain("files_case");

/// Names that differ only in case on the host: the exact spelling wins,
/// any other spelling finds one of them, always the same.
#[test]
fn case_insensitive_lookup_finds_the_right_file() {
    let exe = build(&FILES_CASE);
    let dir = WorkDir::new("files_case");
    std::fs::write(dir.path().join("Data.txt"), b"upper").unwrap();
    std::fs::write(dir.path().join("data.TXT"), b"lower").unwrap();
    let options = RunOptions {
        cwd: Some(dir.path().to_owned()),
        ..RunOptions::default()
    };
    let out = run(&exe, &[], &options);
    out.expect_tap();
    let _ = std::fs::remove_file(dir.path().join("Data.txt"));
    let _ = std::fs::remove_file(dir.path().join("data.TXT"));
    dir.expect_empty(&out);
}

/// A TMP inherited from Linux as a host path is used through Z:.
#[test]
fn temp_path_from_a_host_tmp_variable() {
    let exe = build(&FILES_NAMES);
    let dir = WorkDir::new("files_names_host_tmp");
    let options = RunOptions {
        cwd: Some(dir.path().to_owned()),
        env: vec![("TMP", "/tmp")],
        ..RunOptions::default()
    };
    let out = run(&exe, &[], &options);
    out.expect_tap();
    dir.expect_empty(&out);
}
