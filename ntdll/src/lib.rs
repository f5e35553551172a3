//! Builtin ntdll.dll: the native API gate (Nt*/Zw* enter the system-service
//! table by number), the run-time library (heap, strings, synchronization,
//! status mapping) and the loader's exports.
#![allow(non_snake_case)]

pub mod exception;
pub mod fls;
pub mod heap;
pub mod ldr;
pub mod native;
pub mod path;
pub mod pathapi;
pub mod pointer;
pub mod rtl;
pub mod sync;
pub mod thread;
// User-mode synchronization (condition variables, run-once, address waits,
// interlocked lists).
pub mod address_wait;
pub mod condvar;
pub mod futex;
pub mod once;
pub mod slist;
pub mod threadpool;

use address_wait::*;
use condvar::*;
use fls::*;
use heap::*;
use ldr::*;
use loader::{export, BuiltinDll, Export, Failure, LoadedBuiltin};
use once::*;
use pathapi::*;
use pointer::*;
use rtl::*;
use slist::*;
use sync::*;
use thread::*;
use threadpool::timer::*;
use threadpool::wait::*;
use threadpool::*;

static RTL_EXPORTS: &[Export] = &[
    export!(RtlCreateHeap(Int, Ptr, Int, Int, Ptr, Ptr)),
    export!(RtlDestroyHeap(Ptr)),
    export!(RtlAllocateHeap(Ptr, Int, Int)),
    export!(RtlFreeHeap(Ptr, Int, Ptr)),
    export!(RtlSizeHeap(Ptr, Int, Ptr)),
    export!(RtlReAllocateHeap(Ptr, Int, Ptr, Int)),
    export!(RtlLockHeap(Ptr)),
    export!(RtlUnlockHeap(Ptr)),
    export!(RtlGetProcessHeaps(Int, Ptr)),
    export!(RtlNtStatusToDosError(Int)),
    export!(RtlGetLastWin32Error()),
    export!(RtlSetLastWin32Error(Int)),
    export!(RtlInitUnicodeString(Ptr, WStr)),
    // DOS and NT path names (files block).
    export!(RtlDetermineDosPathNameType_U(WStr)),
    export!(RtlDosPathNameToNtPathName_U(WStr, Ptr, Ptr, Ptr)),
    export!(RtlDosPathNameToNtPathName_U_WithStatus(WStr, Ptr, Ptr, Ptr)),
    export!(RtlDosPathNameToRelativeNtPathName_U(WStr, Ptr, Ptr, Ptr)),
    export!(RtlDosPathNameToRelativeNtPathName_U_WithStatus(
        WStr, Ptr, Ptr, Ptr
    )),
    export!(RtlReleaseRelativeName(Ptr)),
    export!(RtlFreeUnicodeString(Ptr)),
    export!(RtlGetFullPathName_U(WStr, Int, Ptr, Ptr)),
    export!(RtlGetCurrentDirectory_U(Int, Ptr)),
    export!(RtlIsDosDeviceName_U(WStr)),
    export!(RtlGetVersion(Ptr)),
    export!(RtlGetNtVersionNumbers(Ptr, Ptr, Ptr)),
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
    // User-mode synchronization: condition variables, run-once, address
    // waits, interlocked lists.
    export!(RtlInitializeConditionVariable(Ptr)),
    export!(RtlSleepConditionVariableCS(Ptr, Ptr, Ptr)),
    export!(RtlSleepConditionVariableSRW(Ptr, Ptr, Ptr, Int)),
    export!(RtlWakeConditionVariable(Ptr)),
    export!(RtlWakeAllConditionVariable(Ptr)),
    export!(RtlRunOnceInitialize(Ptr)),
    export!(RtlRunOnceBeginInitialize(Ptr, Int, Ptr)),
    export!(RtlRunOnceComplete(Ptr, Int, Ptr)),
    export!(RtlRunOnceExecuteOnce(Ptr, Ptr, Ptr, Ptr)),
    export!(RtlWaitOnAddress(Ptr, Ptr, Int, Ptr)),
    export!(RtlWakeAddressSingle(Ptr)),
    export!(RtlWakeAddressAll(Ptr)),
    export!(RtlInitializeSListHead(Ptr)),
    export!(RtlFirstEntrySList(Ptr)),
    export!(RtlQueryDepthSList(Ptr)),
    export!(RtlInterlockedPushEntrySList(Ptr, Ptr)),
    export!(RtlInterlockedPopEntrySList(Ptr)),
    export!(RtlInterlockedFlushSList(Ptr)),
    export!(RtlInterlockedPushListSListEx(Ptr, Ptr, Ptr, Int)),
    export!(
        "RtlInterlockedPushListSList" = RtlInterlockedPushListSListEx,
        (Ptr, Ptr, Ptr, Int)
    ),
    // The default thread pool.
    export!(TpAllocWork(Ptr, Ptr, Ptr, Ptr)),
    export!(TpPostWork(Ptr)),
    export!(TpWaitForWork(Ptr, Int)),
    export!(TpReleaseWork(Ptr)),
    export!(TpSimpleTryPost(Ptr, Ptr, Ptr)),
    export!(RtlQueueWorkItem(Ptr, Ptr, Int)),
    export!(TpCallbackSetEventOnCompletion(Ptr, Ptr)),
    export!(TpCallbackReleaseSemaphoreOnCompletion(Ptr, Ptr, Int)),
    export!(TpCallbackReleaseMutexOnCompletion(Ptr, Ptr)),
    export!(TpCallbackLeaveCriticalSectionOnCompletion(Ptr, Ptr)),
    export!(TpCallbackMayRunLong(Ptr)),
    export!(TpAllocTimer(Ptr, Ptr, Ptr, Ptr)),
    export!(TpSetTimer(Ptr, Ptr, Int, Int)),
    export!(TpIsTimerSet(Ptr)),
    export!(TpWaitForTimer(Ptr, Int)),
    export!(TpReleaseTimer(Ptr)),
    export!(TpAllocWait(Ptr, Ptr, Ptr, Ptr)),
    export!(TpSetWait(Ptr, Ptr, Ptr)),
    export!(TpWaitForWait(Ptr, Int)),
    export!(TpReleaseWait(Ptr)),
    export!(RtlRegisterWait(Ptr, Ptr, Ptr, Ptr, Int, Int)),
    export!(RtlDeregisterWait(Ptr)),
    export!(RtlDeregisterWaitEx(Ptr, Ptr)),
    export!(LdrLoadDll(WStr, Ptr, Ptr, Ptr)),
    export!(LdrGetDllHandle(WStr, Ptr, Ptr, Ptr)),
    export!(LdrGetProcedureAddress(Ptr, Ptr, Int, Ptr)),
    export!(LdrUnloadDll(Ptr)),
    export!(LdrDisableThreadCalloutsForDll(Ptr)),
    export!(RtlExitUserThread(Int)),
    export!(RtlExitUserProcess(Int)),
    export!(RtlEncodePointer(Ptr)),
    export!(RtlDecodePointer(Ptr)),
    export!(RtlEncodeSystemPointer(Ptr)),
    export!(RtlDecodeSystemPointer(Ptr)),
    export!(RtlFlsAlloc(Ptr, Ptr)),
    export!(RtlFlsFree(Int)),
    export!(RtlFlsGetValue(Int, Ptr)),
    export!(RtlFlsSetValue(Int, Ptr)),
];

fn process_attach(_dll: &LoadedBuiltin) {
    heap::create_process_heap();
    syscalls::upcall::set_user_thread_start(thread::user_thread_start);
    syscalls::upcall::set_user_apc_dispatcher(thread::user_apc_dispatcher);
    exception::register();
}

const EXPORT_COUNT: usize =
    native::NATIVE_EXPORTS.len() + RTL_EXPORTS.len() + exception::EXPORTS.len();

/// ntdll's exports: the native API, the run-time library, exceptions.
static EXPORTS: [Export; EXPORT_COUNT] =
    loader::builtin::concat(&[native::NATIVE_EXPORTS, RTL_EXPORTS, exception::EXPORTS]);

/// ntdll's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "ntdll.dll",
    exports: &EXPORTS,
    depends: &[],
    init: Some(process_attach),
    detach: None,
    failure: Failure::NtStatus,
    declared: include_str!("../../dlls/declared/lists/ntdll.txt"),
};

/// ntdll's declaration for the loader.
pub fn dll() -> &'static BuiltinDll {
    &DLL
}
