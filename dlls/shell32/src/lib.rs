//! Builtin shell32.dll: CommandLineToArgvW for console programs.
#![allow(non_snake_case)]

use loader::{export, BuiltinDll, Export, Failure};

/// Implements CommandLineToArgvW(lpCmdLine, pNumArgs): one LocalAlloc block
/// holding the pointer array and the strings, freed with LocalFree. An
/// empty command line gives the program's path as the only argument.
pub extern "win64" fn CommandLineToArgvW(line: *const u16, count: *mut i32) -> u64 {
    if count.is_null() {
        kernel32::error::set_error(kernel32::error::ERROR_INVALID_PARAMETER);
        return 0;
    }
    // SAFETY: a NUL-terminated string or NULL.
    let text = unsafe { kernel32::error::wstr(line) }.unwrap_or_default();
    let args: Vec<Vec<u16>> = if text.is_empty() {
        let mut path = vec![0u16; 32768];
        let n =
            kernel32::process::GetModuleFileNameW(0, path.as_mut_ptr(), path.len() as u32) as usize;
        path.truncate(n);
        vec![path]
    } else {
        kernel32::cmdline::split(&text)
    };
    let table = (args.len() + 1) * 8;
    let strings: usize = args.iter().map(|a| (a.len() + 1) * 2).sum();
    let block = kernel32::memory::LocalAlloc(0x40, (table + strings) as u64);
    if block == 0 {
        return 0;
    }
    let mut at = block + table as u64;
    // SAFETY: the block holds the table and every string with its NUL.
    unsafe {
        for (i, a) in args.iter().enumerate() {
            core::ptr::copy_nonoverlapping(a.as_ptr(), at as *mut u16, a.len());
            *(at as *mut u16).add(a.len()) = 0;
            *(block as *mut u64).add(i) = at;
            at += (a.len() as u64 + 1) * 2;
        }
        *(block as *mut u64).add(args.len()) = 0;
        *count = args.len() as i32;
    }
    block
}

static EXPORTS: &[Export] = &[export!(CommandLineToArgvW(WStr, Ptr))];

/// shell32's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "shell32.dll",
    exports: EXPORTS,
    depends: &["kernel32.dll"],
    init: None,
    detach: None,
    failure: Failure::Win32,
    declared: include_str!("../../../dlls/declared/lists/shell32.txt"),
};
