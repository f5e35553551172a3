//! Builtin ws2_32.dll. Implemented: the Windows Sockets start-up
//! bookkeeping — WSAStartup's version negotiation and WSADATA, the
//! per-process start count WSACleanup takes down, and the per-thread
//! error code (WSAGetLastError/WSASetLastError, the thread's last error
//! as on Windows). Runtimes call WSAStartup at start-up whether or not the
//! program uses a socket (Go's internal/poll refuses every file descriptor
//! when it fails). Sockets themselves are not implemented yet: every
//! socket function is declared and fails as unimplemented.
#![allow(non_snake_case)]

use loader::{export, BuiltinDll, Export, Failure};
use std::sync::atomic::{AtomicU32, Ordering};
use syscalls::user;

const WSAEFAULT: u32 = 10014;
const WSAVERNOTSUPPORTED: u32 = 10092;
const WSANOTINITIALISED: u32 = 10093;
const SOCKET_ERROR: i32 = -1;

/// The highest Windows Sockets version: 2.2.
const HIGHEST_VERSION: u16 = 0x0202;

/// WSAStartup calls not yet matched by WSACleanup.
static STARTED: AtomicU32 = AtomicU32::new(0);

/// WSADATA on 64-bit Windows: the version words, iMaxSockets, iMaxUdpDg,
/// lpVendorInfo, then szDescription[257] and szSystemStatus[129].
const WSADATA_SIZE: usize = 408;
const DESCRIPTION_AT: usize = 16;
const STATUS_AT: usize = DESCRIPTION_AT + 257;

/// WSAStartup(wVersionRequested, lpWSAData) -> 0 or an error code.
pub extern "win64" fn WSAStartup(requested: u16, data: u64) -> u32 {
    let (major, minor) = (requested & 0xFF, requested >> 8);
    if major == 0 {
        return WSAVERNOTSUPPORTED;
    }
    // The version used: what was asked for, capped at 2.2.
    let version = if major > 2 || (major == 2 && minor > 2) {
        HIGHEST_VERSION
    } else {
        requested
    };
    let mut out = [0u8; WSADATA_SIZE];
    out[0..2].copy_from_slice(&version.to_le_bytes());
    out[2..4].copy_from_slice(&HIGHEST_VERSION.to_le_bytes());
    let description = b"WinSock 2.0";
    out[DESCRIPTION_AT..DESCRIPTION_AT + description.len()].copy_from_slice(description);
    let status = b"Running";
    out[STATUS_AT..STATUS_AT + status.len()].copy_from_slice(status);
    if data == 0 || user::write_from(data, &out).is_err() {
        return WSAEFAULT;
    }
    STARTED.fetch_add(1, Ordering::AcqRel);
    0
}

/// WSACleanup() -> 0, or SOCKET_ERROR with WSANOTINITIALISED when there
/// is no WSAStartup to match.
pub extern "win64" fn WSACleanup() -> i32 {
    let taken = STARTED.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    if taken.is_err() {
        kernel32::error::set_error(WSANOTINITIALISED);
        return SOCKET_ERROR;
    }
    0
}

/// WSAGetLastError(): the thread's last error.
pub extern "win64" fn WSAGetLastError() -> u32 {
    kernel32::process::GetLastError()
}

/// WSASetLastError(iError).
pub extern "win64" fn WSASetLastError(code: u32) {
    kernel32::error::set_error(code)
}

static EXPORTS: &[Export] = &[
    export!(WSAStartup(Int, Ptr)),
    export!(WSACleanup()),
    export!(WSAGetLastError()),
    export!(WSASetLastError(Int)),
];

/// ws2_32's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "ws2_32.dll",
    exports: EXPORTS,
    depends: &["kernel32.dll"],
    init: None,
    detach: None,
    failure: Failure::Socket,
    declared: include_str!("../../declared/lists/ws2_32.txt"),
};
