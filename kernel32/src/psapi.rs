//! Builtin psapi.dll. Since Windows 7 psapi.dll is a shim: every function
//! forwards to its K32-prefixed twin in kernel32 (programs built with
//! PSAPI_VERSION=1 import psapi.dll, those built with version 2 import the
//! K32 names directly). Twins kernel32 does not implement yet resolve to
//! its unimplemented stubs, which fail the way Windows fails.

use loader::{forward, BuiltinDll, Export, Failure};

static EXPORTS: &[Export] = &[
    forward!("EmptyWorkingSet" => "KERNEL32.K32EmptyWorkingSet"),
    forward!("EnumDeviceDrivers" => "KERNEL32.K32EnumDeviceDrivers"),
    forward!("EnumPageFilesA" => "KERNEL32.K32EnumPageFilesA"),
    forward!("EnumPageFilesW" => "KERNEL32.K32EnumPageFilesW"),
    forward!("EnumProcessModules" => "KERNEL32.K32EnumProcessModules"),
    forward!("EnumProcessModulesEx" => "KERNEL32.K32EnumProcessModulesEx"),
    forward!("EnumProcesses" => "KERNEL32.K32EnumProcesses"),
    forward!("GetDeviceDriverBaseNameA" => "KERNEL32.K32GetDeviceDriverBaseNameA"),
    forward!("GetDeviceDriverBaseNameW" => "KERNEL32.K32GetDeviceDriverBaseNameW"),
    forward!("GetDeviceDriverFileNameA" => "KERNEL32.K32GetDeviceDriverFileNameA"),
    forward!("GetDeviceDriverFileNameW" => "KERNEL32.K32GetDeviceDriverFileNameW"),
    forward!("GetMappedFileNameA" => "KERNEL32.K32GetMappedFileNameA"),
    forward!("GetMappedFileNameW" => "KERNEL32.K32GetMappedFileNameW"),
    forward!("GetModuleBaseNameA" => "KERNEL32.K32GetModuleBaseNameA"),
    forward!("GetModuleBaseNameW" => "KERNEL32.K32GetModuleBaseNameW"),
    forward!("GetModuleFileNameExA" => "KERNEL32.K32GetModuleFileNameExA"),
    forward!("GetModuleFileNameExW" => "KERNEL32.K32GetModuleFileNameExW"),
    forward!("GetModuleInformation" => "KERNEL32.K32GetModuleInformation"),
    forward!("GetPerformanceInfo" => "KERNEL32.K32GetPerformanceInfo"),
    forward!("GetProcessImageFileNameA" => "KERNEL32.K32GetProcessImageFileNameA"),
    forward!("GetProcessImageFileNameW" => "KERNEL32.K32GetProcessImageFileNameW"),
    forward!("GetProcessMemoryInfo" => "KERNEL32.K32GetProcessMemoryInfo"),
    forward!("GetWsChanges" => "KERNEL32.K32GetWsChanges"),
    forward!("GetWsChangesEx" => "KERNEL32.K32GetWsChangesEx"),
    forward!("InitializeProcessForWsWatch" => "KERNEL32.K32InitializeProcessForWsWatch"),
    forward!("QueryWorkingSet" => "KERNEL32.K32QueryWorkingSet"),
    forward!("QueryWorkingSetEx" => "KERNEL32.K32QueryWorkingSetEx"),
];

pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "psapi.dll",
    exports: EXPORTS,
    depends: &["kernel32.dll"],
    init: None,
    detach: None,
    failure: Failure::Win32,
    declared: include_str!("../../dlls/declared/lists/psapi.txt"),
};
