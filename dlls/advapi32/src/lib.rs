//! Builtin advapi32.dll. Implemented: RtlGenRandom (exported under its
//! ordinal-era name SystemFunction036), which language runtimes (Go, older
//! Rust, the C runtime's rand_s) use for random seeds. The rest of the
//! DLL is declared: each function says it is unimplemented and fails as
//! Windows fails.
#![allow(non_snake_case)]

use loader::{export, BuiltinDll, Export, Failure};

/// SystemFunction036 (RtlGenRandom)(RandomBuffer, RandomBufferLength) ->
/// BOOLEAN.
pub extern "win64" fn SystemFunction036(buffer: u64, length: u32) -> u8 {
    ntdll::rtl::fill_random(buffer, length as u64).is_ok() as u8
}

static EXPORTS: &[Export] = &[export!(SystemFunction036(Ptr, Int))];

/// advapi32's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "advapi32.dll",
    exports: EXPORTS,
    depends: &["ntdll.dll"],
    init: None,
    detach: None,
    failure: Failure::Win32,
    declared: include_str!("../../declared/lists/advapi32.txt"),
};
