//! System DLLs casement declares but does not implement yet. Each is a
//! builtin DLL with no exports of its own and the real DLL's export names
//! (lists/, from tools/gen-declared-exports): a program that imports it
//! loads, and each function it calls says `unimplemented DLL.Function` and
//! fails the way Windows fails.

use loader::{BuiltinDll, Failure};

macro_rules! declared {
    ($($name:literal, $list:literal, $failure:ident;)*) => {
        /// The declared-only DLLs, for the loader's registry.
        pub static DLLS: &[BuiltinDll] = &[
            $(loader::builtin_dll! {
                name: $name,
                exports: &[],
                depends: &[],
                init: None,
                detach: None,
                failure: Failure::$failure,
                declared: include_str!(concat!("../lists/", $list, ".txt")),
            },)*
        ];
    };
}

declared! {
    "comctl32.dll", "comctl32", Win32;
    "comdlg32.dll", "comdlg32", Win32;
    "crypt32.dll", "crypt32", Win32;
    "dbghelp.dll", "dbghelp", Win32;
    "dnsapi.dll", "dnsapi", Win32;
    "gdi32.dll", "gdi32", Win32;
    "imm32.dll", "imm32", Win32;
    "iphlpapi.dll", "iphlpapi", Win32;
    "msvcp140.dll", "msvcp140", Win32;
    "mswsock.dll", "mswsock", Socket;
    "netapi32.dll", "netapi32", Win32;
    "normaliz.dll", "normaliz", Win32;
    "ole32.dll", "ole32", HResult;
    "powrprof.dll", "powrprof", Win32;
    "rpcrt4.dll", "rpcrt4", Win32;
    "secur32.dll", "secur32", Win32;
    "setupapi.dll", "setupapi", Win32;
    "userenv.dll", "userenv", Win32;
    "version.dll", "version", Win32;
    "winmm.dll", "winmm", Win32;
    "wsock32.dll", "wsock32", Socket;
}
