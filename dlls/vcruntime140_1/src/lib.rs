//! Builtin vcruntime140_1.dll: the part of the Visual C++ runtime that
//! MSVC 2019 and later add for x64 code compiled with the compressed C++
//! exception tables (/d2FH4, their default): __CxxFrameHandler4, which
//! casement's msvcrt implements beside __CxxFrameHandler3 with the same
//! algorithm. Windows' msvcrt.dll has no such export, so this DLL exports
//! the function itself rather than forwarding. The rest (the debugger
//! notification hooks __NLG_Dispatch2 and __NLG_Return2) is declared: each
//! says it is unimplemented and fails as Windows fails.
#![allow(non_snake_case)]

use loader::{export, BuiltinDll, Export, Failure};
use msvcrt::cxx::frame::__CxxFrameHandler4;

static EXPORTS: &[Export] = &[export!(__CxxFrameHandler4(Ptr, Ptr, Ptr, Ptr))];

/// vcruntime140_1's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "vcruntime140_1.dll",
    exports: EXPORTS,
    // The C++ runtime state (running catch blocks, terminate handler) is
    // msvcrt's: _CxxThrowException comes from there.
    depends: &["msvcrt.dll"],
    init: None,
    detach: None,
    failure: Failure::Win32,
    declared: include_str!("../../declared/lists/vcruntime140_1.txt"),
};
