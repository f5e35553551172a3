//! Builtin vcruntime140.dll: the part of the Visual C++ runtime that
//! programs built with MSVC 2015 and later import for structured and C++
//! exception handling and the memory and string primitives. casement's
//! msvcrt implements the same routines with the same contracts, so these
//! exports forward to it (as Windows forwards API-set names). The rest of
//! the DLL is declared: each function says it is unimplemented and fails
//! as Windows fails.

use loader::{forward, BuiltinDll, Export, Failure};

static EXPORTS: &[Export] = &[
    forward!("__C_specific_handler" => "MSVCRT.__C_specific_handler"),
    forward!("_CxxThrowException" => "MSVCRT._CxxThrowException"),
    forward!("__CxxFrameHandler" => "MSVCRT.__CxxFrameHandler"),
    forward!("__CxxFrameHandler2" => "MSVCRT.__CxxFrameHandler2"),
    forward!("__CxxFrameHandler3" => "MSVCRT.__CxxFrameHandler3"),
    forward!("__CxxDetectRethrow" => "MSVCRT.__CxxDetectRethrow"),
    forward!("__CxxExceptionFilter" => "MSVCRT.__CxxExceptionFilter"),
    forward!("__CxxQueryExceptionSize" => "MSVCRT.__CxxQueryExceptionSize"),
    forward!("__CxxRegisterExceptionObject" => "MSVCRT.__CxxRegisterExceptionObject"),
    forward!("__CxxUnregisterExceptionObject" => "MSVCRT.__CxxUnregisterExceptionObject"),
    forward!("__uncaught_exception" => "MSVCRT.__uncaught_exception"),
    forward!("_get_unexpected" => "MSVCRT._get_unexpected"),
    forward!("memchr" => "MSVCRT.memchr"),
    forward!("memcmp" => "MSVCRT.memcmp"),
    forward!("memcpy" => "MSVCRT.memcpy"),
    forward!("memmove" => "MSVCRT.memmove"),
    forward!("memset" => "MSVCRT.memset"),
    forward!("strchr" => "MSVCRT.strchr"),
    forward!("strrchr" => "MSVCRT.strrchr"),
    forward!("strstr" => "MSVCRT.strstr"),
    forward!("wcschr" => "MSVCRT.wcschr"),
    forward!("wcsrchr" => "MSVCRT.wcsrchr"),
    forward!("wcsstr" => "MSVCRT.wcsstr"),
];

/// vcruntime140's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "vcruntime140.dll",
    exports: EXPORTS,
    depends: &["msvcrt.dll"],
    init: None,
    detach: None,
    failure: Failure::Win32,
    declared: include_str!("../../declared/lists/vcruntime140.txt"),
};
