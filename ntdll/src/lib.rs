//! Builtin ntdll.dll: the native API gate (Nt*/Zw* enter the system-service
//! table by number), the run-time library (heap, strings, synchronization,
//! status mapping) and the loader's exports.
#![allow(non_snake_case)]

pub mod heap;
pub mod ldr;
pub mod native;
pub mod path;
pub mod rtl;
pub mod sync;
pub mod thread;

use heap::*;
use ldr::*;
use loader::{export, unimplemented_export, BuiltinDll, Export, Failure, LoadedBuiltin};
use rtl::*;
use std::sync::OnceLock;
use sync::*;
use thread::*;

static RTL_EXPORTS: &[Export] = &[
    export!(RtlCreateHeap(Int, Ptr, Int, Int, Ptr, Ptr)),
    export!(RtlDestroyHeap(Ptr)),
    export!(RtlAllocateHeap(Ptr, Int, Int)),
    export!(RtlFreeHeap(Ptr, Int, Ptr)),
    export!(RtlSizeHeap(Ptr, Int, Ptr)),
    export!(RtlReAllocateHeap(Ptr, Int, Ptr, Int)),
    export!(RtlNtStatusToDosError(Int)),
    export!(RtlGetLastWin32Error()),
    export!(RtlSetLastWin32Error(Int)),
    export!(RtlInitUnicodeString(Ptr, WStr)),
    export!(RtlGetVersion(Ptr)),
    export!(RtlGetCurrentPeb()),
    export!(RtlInitializeCriticalSection(Ptr)),
    export!(RtlInitializeCriticalSectionAndSpinCount(Ptr, Int)),
    export!(RtlInitializeCriticalSectionEx(Ptr, Int, Int)),
    export!(RtlDeleteCriticalSection(Ptr)),
    export!(RtlEnterCriticalSection(Ptr)),
    export!(RtlTryEnterCriticalSection(Ptr)),
    export!(RtlLeaveCriticalSection(Ptr)),
    export!(RtlInitializeSRWLock(Ptr)),
    export!(RtlAcquireSRWLockExclusive(Ptr)),
    export!(RtlTryAcquireSRWLockExclusive(Ptr)),
    export!(RtlReleaseSRWLockExclusive(Ptr)),
    export!(RtlAcquireSRWLockShared(Ptr)),
    export!(RtlTryAcquireSRWLockShared(Ptr)),
    export!(RtlReleaseSRWLockShared(Ptr)),
    export!(LdrLoadDll(WStr, Ptr, Ptr, Ptr)),
    export!(LdrGetDllHandle(WStr, Ptr, Ptr, Ptr)),
    export!(LdrGetProcedureAddress(Ptr, Ptr, Int, Ptr)),
    export!(LdrUnloadDll(Ptr)),
    export!(LdrDisableThreadCalloutsForDll(Ptr)),
    export!(RtlExitUserThread(Int)),
    export!(RtlExitUserProcess(Int)),
    // Exception dispatch and unwinding arrive with structured exception
    // handling.
    unimplemented_export!("RtlCaptureContext"),
    unimplemented_export!("RtlLookupFunctionEntry"),
    unimplemented_export!("RtlVirtualUnwind"),
    unimplemented_export!("RtlUnwindEx"),
    unimplemented_export!("RtlUnwind"),
    unimplemented_export!("RtlRaiseException"),
    unimplemented_export!("RtlAddFunctionTable"),
    unimplemented_export!("RtlDeleteFunctionTable"),
    unimplemented_export!("RtlAddVectoredExceptionHandler"),
    unimplemented_export!("RtlRemoveVectoredExceptionHandler"),
    unimplemented_export!("RtlPcToFileHeader"),
    unimplemented_export!("RtlCaptureStackBackTrace"),
    unimplemented_export!("RtlDosPathNameToNtPathName_U"),
];

fn process_attach(_dll: &LoadedBuiltin) {
    heap::create_process_heap();
    syscalls::upcall::set_user_thread_start(thread::user_thread_start);
}

/// ntdll's declaration for the loader.
pub fn dll() -> &'static BuiltinDll {
    static DLL: OnceLock<BuiltinDll> = OnceLock::new();
    DLL.get_or_init(|| {
        let exports: Vec<Export> = native::NATIVE_EXPORTS
            .iter()
            .chain(RTL_EXPORTS)
            .copied()
            .collect();
        BuiltinDll {
            name: "ntdll.dll",
            exports: Box::leak(exports.into_boxed_slice()),
            depends: &[],
            init: Some(process_attach),
            detach: None,
            failure: Failure::NtStatus,
        }
    })
}
