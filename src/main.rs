//! casement: runs x86-64 Windows console programs on Linux.
//!
//! `casement PROG.exe [ARGS...]` maps the program into this process and runs
//! it natively; `casement inspect FILE` dumps a PE image. This root package
//! wires the executive's services into the system-service table, registers
//! the builtin DLLs with the loader, creates the process and starts thread 1.
//!
//! The entry point is C's `main`, not Rust's: the Rust runtime's start-up
//! (main-thread stack guard discovery through /proc/self/maps, a signal
//! stack and handlers that casement replaces anyway, standard-descriptor
//! checks) costs a visible share of a Windows program's start-up, which is
//! the figure casement is judged by.
#![cfg_attr(not(test), no_main)]

mod crash;
mod inspect;
mod process;
mod spawned;

use std::ffi::OsString;

const USAGE: &str = "usage: casement PROGRAM.exe [ARGS...]\n       casement inspect FILE\n\n\
Runs an x86-64 Windows console program natively on Linux.\n\
Environment: CASEMENT_DEBUG=loader,relay,syscall (env_logger syntax) traces the loader,\n\
every API call, every system service; CASEMENT_PREFIX sets the prefix (default ~/.casement).";

#[cfg(not(test))]
#[no_mangle]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // Arguments come from std (glibc hands them to its initializer).
    // std::process::exit flushes Rust's stdout first.
    std::process::exit(run_command() as i32)
}

fn run_command() -> u8 {
    init_logging();
    // Started by a casement parent's CreateProcess.
    match spawned::take() {
        Some(Ok(spec)) => return spawned::run(spec),
        Some(Err(e)) => {
            eprintln!("casement: {e}");
            return 1;
        }
        None => {}
    }
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let Some(first) = args.first() else {
        eprintln!("{USAGE}");
        return 2;
    };
    match first.to_str() {
        Some("-h") | Some("--help") => {
            println!("{USAGE}");
            0
        }
        Some("--version") => {
            println!("casement {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Some("inspect") => {
            let cli = clap::Command::new("casement inspect")
                .about("Print a PE image's headers, sections, imports, exports, relocations, TLS, exception and debug directories")
                .arg(clap::Arg::new("FILE").required(true).value_parser(clap::value_parser!(std::path::PathBuf)));
            let m = match cli.try_get_matches_from(
                std::iter::once(OsString::from("casement inspect"))
                    .chain(args[1..].iter().cloned()),
            ) {
                Ok(m) => m,
                Err(e) => {
                    let _ = e.print();
                    return 2;
                }
            };
            let path = m.get_one::<std::path::PathBuf>("FILE").expect("required");
            // Like any Unix tool, stop quietly when the reader goes away
            // (`casement inspect x.exe | head`).
            // SAFETY: restoring the default disposition of SIGPIPE.
            unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            match inspect::run(path, &mut out) {
                Ok(()) => 0,
                Err(e) => {
                    drop(out);
                    eprintln!("casement inspect: {e}");
                    1
                }
            }
        }
        // `--` lets a program named like a subcommand run.
        Some("--") if args.len() > 1 => process::run(&args[1], &args[2..]),
        _ => process::run(first, &args[1..]),
    }
}

/// CASEMENT_DEBUG selects trace channels with env_logger's syntax
/// (`loader`, `relay`, `syscall`, `loader,relay=trace`, ...). A bare channel
/// name means all of its messages.
fn init_logging() {
    let Ok(spec) = std::env::var("CASEMENT_DEBUG") else {
        // Warnings and unimplemented-API errors still reach stderr.
        let _ = env_logger::Builder::new()
            .filter_level(log::LevelFilter::Warn)
            .format_timestamp(None)
            .try_init();
        return;
    };
    let spec: Vec<String> = spec
        .split(',')
        .map(|s| {
            if s.contains('=') || s.is_empty() {
                s.to_string()
            } else {
                format!("{s}=trace")
            }
        })
        .collect();
    let _ = env_logger::Builder::new()
        .parse_filters(&format!("warn,{}", spec.join(",")))
        .format_timestamp(None)
        .format_module_path(false)
        .try_init();
}
