//! Builtin bcrypt.dll and bcryptprimitives.dll (CNG). Implemented: the
//! system random number generator — BCryptGenRandom with
//! BCRYPT_USE_SYSTEM_PREFERRED_RNG and bcryptprimitives' ProcessPrng, which
//! Rust's standard library uses. Algorithm providers are not implemented
//! (BCryptOpenAlgorithmProvider and the rest fail as unimplemented).
#![allow(non_snake_case)]

use loader::{export, BuiltinDll, Export, Failure};
use syscalls::{NtStatus, STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER, STATUS_SUCCESS};

/// BCRYPT_USE_SYSTEM_PREFERRED_RNG.
const USE_SYSTEM_PREFERRED_RNG: u32 = 0x2;

/// BCryptGenRandom(hAlgorithm, pbBuffer, cbBuffer, dwFlags) -> NTSTATUS.
/// Only the system-preferred generator exists: no algorithm handle can be
/// opened yet, so one passed in is invalid.
pub extern "win64" fn BCryptGenRandom(algorithm: u64, buffer: u64, length: u32, flags: u32) -> u32 {
    let status: NtStatus = if flags & !USE_SYSTEM_PREFERRED_RNG != 0 {
        STATUS_INVALID_PARAMETER
    } else if flags & USE_SYSTEM_PREFERRED_RNG == 0 || algorithm != 0 {
        STATUS_INVALID_HANDLE
    } else {
        ntdll::rtl::fill_random(buffer, length as u64).map_or_else(|s| s, |()| STATUS_SUCCESS)
    };
    status.0
}

/// ProcessPrng(pbData, cbData) -> BOOL: documented never to fail.
pub extern "win64" fn ProcessPrng(buffer: u64, length: u64) -> i32 {
    if ntdll::rtl::fill_random(buffer, length).is_err() {
        // The buffer was not writable: Windows would fault in the caller.
        ntdll::exception::raise_status(syscalls::STATUS_ACCESS_VIOLATION);
    }
    1
}

static BCRYPT_EXPORTS: &[Export] = &[export!(BCryptGenRandom(Ptr, Ptr, Int, Int))];
static PRIMITIVES_EXPORTS: &[Export] = &[export!(ProcessPrng(Ptr, Int))];

/// bcrypt's declaration for the loader.
pub static BCRYPT: BuiltinDll = loader::builtin_dll! {
    name: "bcrypt.dll",
    exports: BCRYPT_EXPORTS,
    depends: &["ntdll.dll"],
    init: None,
    detach: None,
    failure: Failure::NtStatus,
    declared: include_str!("../../declared/lists/bcrypt.txt"),
};

/// bcryptprimitives' declaration for the loader.
pub static BCRYPT_PRIMITIVES: BuiltinDll = loader::builtin_dll! {
    name: "bcryptprimitives.dll",
    exports: PRIMITIVES_EXPORTS,
    depends: &["ntdll.dll"],
    init: None,
    detach: None,
    failure: Failure::NtStatus,
    declared: "",
};
