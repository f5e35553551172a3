//! The native API exports: each Nt* function enters the system-service table
//! by number, exactly as real ntdll's stubs do with `syscall`.

use syscalls::{args, nr, syscall};

macro_rules! native {
    ($($name:ident($($a:ident),*);)*) => {
        $(
            #[allow(non_snake_case)]
            pub extern "win64" fn $name($($a: u64),*) -> u32 {
                syscall(nr::$name, &args([$($a),*])).0
            }
        )*
    };
}

native! {
    NtWaitForSingleObject(a0, a1, a2);
    NtReadFile(a0, a1, a2, a3, a4, a5, a6, a7, a8);
    NtDeviceIoControlFile(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    NtWriteFile(a0, a1, a2, a3, a4, a5, a6, a7, a8);
    NtSetInformationThread(a0, a1, a2, a3);
    NtSetEvent(a0, a1);
    NtClose(a0);
    NtQueryObject(a0, a1, a2, a3, a4);
    NtQueryInformationFile(a0, a1, a2, a3, a4);
    NtAllocateVirtualMemory(a0, a1, a2, a3, a4, a5);
    NtQueryInformationProcess(a0, a1, a2, a3, a4);
    NtSetInformationProcess(a0, a1, a2, a3);
    NtFreeVirtualMemory(a0, a1, a2, a3);
    NtQueryVirtualMemory(a0, a1, a2, a3, a4, a5);
    NtQueryInformationThread(a0, a1, a2, a3, a4);
    NtSetInformationFile(a0, a1, a2, a3, a4);
    NtMapViewOfSection(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    NtUnmapViewOfSection(a0, a1);
    NtTerminateProcess(a0, a1);
    NtQueryPerformanceCounter(a0, a1);
    NtOpenFile(a0, a1, a2, a3, a4, a5);
    NtDelayExecution(a0, a1);
    NtQueryDirectoryFile(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
    NtQuerySystemInformation(a0, a1, a2, a3);
    NtDuplicateObject(a0, a1, a2, a3, a4, a5, a6);
    NtQueryAttributesFile(a0, a1);
    NtClearEvent(a0);
    NtOpenEvent(a0, a1, a2);
    NtYieldExecution();
    NtCreateEvent(a0, a1, a2, a3, a4);
    NtQueryVolumeInformationFile(a0, a1, a2, a3, a4);
    NtCreateSection(a0, a1, a2, a3, a4, a5, a6);
    NtOpenSection(a0, a1, a2);
    NtFlushVirtualMemory(a0, a1, a2, a3);
    NtReadVirtualMemory(a0, a1, a2, a3, a4);
    NtWriteVirtualMemory(a0, a1, a2, a3, a4);
    NtFlushInstructionCache(a0, a1, a2);
    NtFlushBuffersFile(a0, a1);
    NtProtectVirtualMemory(a0, a1, a2, a3, a4);
    NtTerminateThread(a0, a1);
    NtCreateFile(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
    NtQuerySystemTime(a0);
    NtWaitForMultipleObjects(a0, a1, a2, a3, a4);
    NtCancelIoFile(a0, a1);
    // Byte-range locks (files block).
    NtLockFile(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    NtUnlockFile(a0, a1, a2, a3, a4);
    NtNotifyChangeDirectoryFile(a0, a1, a2, a3, a4, a5, a6, a7, a8);
    NtQueryDirectoryFileEx(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    NtQueryFullAttributesFile(a0, a1);
    // Threads (lead's block).
    NtCreateThreadEx(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
    NtCreateUserProcess(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
    NtResumeThread(a0, a1);
    NtQueueApcThread(a0, a1, a2, a3, a4);
    NtTestAlert();
    NtCreateTimer(a0, a1, a2, a3);
    NtCreateKeyedEvent(a0, a1, a2, a3);
    NtOpenKeyedEvent(a0, a1, a2);
    NtWaitForKeyedEvent(a0, a1, a2, a3);
    NtReleaseKeyedEvent(a0, a1, a2, a3);
    NtSuspendThread(a0, a1);
    NtGetContextThread(a0, a1);
    NtSetContextThread(a0, a1);
    NtSetTimer(a0, a1, a2, a3, a4, a5, a6);
    NtCancelTimer(a0, a1);
    NtQueryTimer(a0, a1, a2, a3, a4);
    // Dispatcher objects, handles and the namespace (ke/ob block).
    NtResetEvent(a0, a1);
    NtPulseEvent(a0, a1);
    NtQueryEvent(a0, a1, a2, a3, a4);
    NtCreateMutant(a0, a1, a2, a3);
    NtOpenMutant(a0, a1, a2);
    NtReleaseMutant(a0, a1);
    NtQueryMutant(a0, a1, a2, a3, a4);
    NtCreateSemaphore(a0, a1, a2, a3, a4);
    NtOpenSemaphore(a0, a1, a2);
    NtReleaseSemaphore(a0, a1, a2);
    NtQuerySemaphore(a0, a1, a2, a3, a4);
    NtSignalAndWaitForSingleObject(a0, a1, a2, a3);
    NtSetInformationObject(a0, a1, a2, a3);
    NtCreateDirectoryObject(a0, a1, a2);
    NtOpenDirectoryObject(a0, a1, a2);
    NtCreateSymbolicLinkObject(a0, a1, a2, a3);
    NtOpenSymbolicLinkObject(a0, a1, a2);
    NtQuerySymbolicLinkObject(a0, a1, a2);
    // Pipes, asynchronous I/O and completion ports (aio block).
    NtFsControlFile(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    NtCreateNamedPipeFile(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13);
    NtCancelIoFileEx(a0, a1, a2);
    NtCancelSynchronousIoFile(a0, a1, a2);
    NtCreateIoCompletion(a0, a1, a2, a3);
    NtSetIoCompletion(a0, a1, a2, a3, a4);
    NtRemoveIoCompletion(a0, a1, a2, a3, a4);
    NtRemoveIoCompletionEx(a0, a1, a2, a3, a4, a5);
    // Job objects (ps block).
    NtCreateJobObject(a0, a1, a2);
    NtOpenJobObject(a0, a1, a2);
    NtAssignProcessToJobObject(a0, a1);
    NtSetInformationJobObject(a0, a1, a2, a3);
    NtQueryInformationJobObject(a0, a1, a2, a3, a4);
    NtTerminateJobObject(a0, a1);
    NtIsProcessInJob(a0, a1);
}

/// The export-table rows of the native API, with a Zw alias for each (Zw
/// and Nt are the same entry in user mode).
macro_rules! native_exports {
    ($($name:ident: $zw:literal => $target:literal ($($arg:ident),*);)*) => {
        pub static NATIVE_EXPORTS: &[loader::Export] = &[
            $(
                loader::export!($name($($arg),*)),
                loader::forward!($zw => $target),
            )*
        ];
    };
}

native_exports! {
    NtWaitForSingleObject: "ZwWaitForSingleObject" => "NTDLL.NtWaitForSingleObject" (Ptr, Int, Ptr);
    NtReadFile: "ZwReadFile" => "NTDLL.NtReadFile" (Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Int, Ptr, Ptr);
    NtDeviceIoControlFile: "ZwDeviceIoControlFile" => "NTDLL.NtDeviceIoControlFile" (Ptr, Ptr, Ptr, Ptr, Ptr, Int, Ptr, Int, Ptr, Int);
    NtWriteFile: "ZwWriteFile" => "NTDLL.NtWriteFile" (Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Int, Ptr, Ptr);
    NtSetInformationThread: "ZwSetInformationThread" => "NTDLL.NtSetInformationThread" (Ptr, Int, Ptr, Int);
    NtSetEvent: "ZwSetEvent" => "NTDLL.NtSetEvent" (Ptr, Ptr);
    NtClose: "ZwClose" => "NTDLL.NtClose" (Ptr);
    NtQueryObject: "ZwQueryObject" => "NTDLL.NtQueryObject" (Ptr, Int, Ptr, Int, Ptr);
    NtQueryInformationFile: "ZwQueryInformationFile" => "NTDLL.NtQueryInformationFile" (Ptr, Ptr, Ptr, Int, Int);
    NtAllocateVirtualMemory: "ZwAllocateVirtualMemory" => "NTDLL.NtAllocateVirtualMemory" (Ptr, Ptr, Int, Ptr, Int, Int);
    NtQueryInformationProcess: "ZwQueryInformationProcess" => "NTDLL.NtQueryInformationProcess" (Ptr, Int, Ptr, Int, Ptr);
    NtSetInformationProcess: "ZwSetInformationProcess" => "NTDLL.NtSetInformationProcess" (Ptr, Int, Ptr, Int);
    NtFreeVirtualMemory: "ZwFreeVirtualMemory" => "NTDLL.NtFreeVirtualMemory" (Ptr, Ptr, Ptr, Int);
    NtQueryVirtualMemory: "ZwQueryVirtualMemory" => "NTDLL.NtQueryVirtualMemory" (Ptr, Ptr, Int, Ptr, Int, Ptr);
    NtQueryInformationThread: "ZwQueryInformationThread" => "NTDLL.NtQueryInformationThread" (Ptr, Int, Ptr, Int, Ptr);
    NtSetInformationFile: "ZwSetInformationFile" => "NTDLL.NtSetInformationFile" (Ptr, Ptr, Ptr, Int, Int);
    NtMapViewOfSection: "ZwMapViewOfSection" => "NTDLL.NtMapViewOfSection" (Ptr, Ptr, Ptr, Int, Int, Ptr, Ptr, Int, Int, Int);
    NtUnmapViewOfSection: "ZwUnmapViewOfSection" => "NTDLL.NtUnmapViewOfSection" (Ptr, Ptr);
    NtTerminateProcess: "ZwTerminateProcess" => "NTDLL.NtTerminateProcess" (Ptr, Int);
    NtQueryPerformanceCounter: "ZwQueryPerformanceCounter" => "NTDLL.NtQueryPerformanceCounter" (Ptr, Ptr);
    NtOpenFile: "ZwOpenFile" => "NTDLL.NtOpenFile" (Ptr, Int, Ptr, Ptr, Int, Int);
    NtDelayExecution: "ZwDelayExecution" => "NTDLL.NtDelayExecution" (Int, Ptr);
    NtQueryDirectoryFile: "ZwQueryDirectoryFile" => "NTDLL.NtQueryDirectoryFile" (Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Int, Int, Int, Ptr, Int);
    NtQuerySystemInformation: "ZwQuerySystemInformation" => "NTDLL.NtQuerySystemInformation" (Int, Ptr, Int, Ptr);
    NtDuplicateObject: "ZwDuplicateObject" => "NTDLL.NtDuplicateObject" (Ptr, Ptr, Ptr, Ptr, Int, Int, Int);
    NtQueryAttributesFile: "ZwQueryAttributesFile" => "NTDLL.NtQueryAttributesFile" (Ptr, Ptr);
    NtClearEvent: "ZwClearEvent" => "NTDLL.NtClearEvent" (Ptr);
    NtOpenEvent: "ZwOpenEvent" => "NTDLL.NtOpenEvent" (Ptr, Int, Ptr);
    NtYieldExecution: "ZwYieldExecution" => "NTDLL.NtYieldExecution" ();
    NtCreateEvent: "ZwCreateEvent" => "NTDLL.NtCreateEvent" (Ptr, Int, Ptr, Int, Int);
    NtQueryVolumeInformationFile: "ZwQueryVolumeInformationFile" => "NTDLL.NtQueryVolumeInformationFile" (Ptr, Ptr, Ptr, Int, Int);
    NtCreateSection: "ZwCreateSection" => "NTDLL.NtCreateSection" (Ptr, Int, Ptr, Ptr, Int, Int, Ptr);
    NtOpenSection: "ZwOpenSection" => "NTDLL.NtOpenSection" (Ptr, Int, Ptr);
    NtFlushVirtualMemory: "ZwFlushVirtualMemory" => "NTDLL.NtFlushVirtualMemory" (Ptr, Ptr, Ptr, Ptr);
    NtReadVirtualMemory: "ZwReadVirtualMemory" => "NTDLL.NtReadVirtualMemory" (Ptr, Ptr, Ptr, Int, Ptr);
    NtWriteVirtualMemory: "ZwWriteVirtualMemory" => "NTDLL.NtWriteVirtualMemory" (Ptr, Ptr, Ptr, Int, Ptr);
    NtFlushInstructionCache: "ZwFlushInstructionCache" => "NTDLL.NtFlushInstructionCache" (Ptr, Ptr, Int);
    NtFlushBuffersFile: "ZwFlushBuffersFile" => "NTDLL.NtFlushBuffersFile" (Ptr, Ptr);
    NtProtectVirtualMemory: "ZwProtectVirtualMemory" => "NTDLL.NtProtectVirtualMemory" (Ptr, Ptr, Ptr, Int, Ptr);
    NtTerminateThread: "ZwTerminateThread" => "NTDLL.NtTerminateThread" (Ptr, Int);
    NtCreateFile: "ZwCreateFile" => "NTDLL.NtCreateFile" (Ptr, Int, Ptr, Ptr, Ptr, Int, Int, Int, Int, Ptr, Int);
    NtQuerySystemTime: "ZwQuerySystemTime" => "NTDLL.NtQuerySystemTime" (Ptr);
    NtWaitForMultipleObjects: "ZwWaitForMultipleObjects" => "NTDLL.NtWaitForMultipleObjects" (Int, Ptr, Int, Int, Ptr);
    NtCancelIoFile: "ZwCancelIoFile" => "NTDLL.NtCancelIoFile" (Ptr, Ptr);
    NtLockFile: "ZwLockFile" => "NTDLL.NtLockFile" (Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Int, Int, Int);
    NtUnlockFile: "ZwUnlockFile" => "NTDLL.NtUnlockFile" (Ptr, Ptr, Ptr, Ptr, Int);
    NtNotifyChangeDirectoryFile: "ZwNotifyChangeDirectoryFile" => "NTDLL.NtNotifyChangeDirectoryFile" (Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Int, Int, Int);
    NtQueryDirectoryFileEx: "ZwQueryDirectoryFileEx" => "NTDLL.NtQueryDirectoryFileEx" (Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Int, Int, Int, Ptr);
    NtQueryFullAttributesFile: "ZwQueryFullAttributesFile" => "NTDLL.NtQueryFullAttributesFile" (Ptr, Ptr);
    NtCreateThreadEx: "ZwCreateThreadEx" => "NTDLL.NtCreateThreadEx" (Ptr, Int, Ptr, Ptr, Ptr, Ptr, Int, Int, Int, Int, Ptr);
    NtCreateUserProcess: "ZwCreateUserProcess" => "NTDLL.NtCreateUserProcess" (Ptr, Ptr, Int, Int, Ptr, Ptr, Int, Int, Ptr, Ptr, Ptr);
    NtResumeThread: "ZwResumeThread" => "NTDLL.NtResumeThread" (Ptr, Ptr);
    NtQueueApcThread: "ZwQueueApcThread" => "NTDLL.NtQueueApcThread" (Ptr, Ptr, Ptr, Ptr, Ptr);
    NtTestAlert: "ZwTestAlert" => "NTDLL.NtTestAlert" ();
    NtCreateTimer: "ZwCreateTimer" => "NTDLL.NtCreateTimer" (Ptr, Int, Ptr, Int);
    NtCreateKeyedEvent: "ZwCreateKeyedEvent" => "NTDLL.NtCreateKeyedEvent" (Ptr, Int, Ptr, Int);
    NtOpenKeyedEvent: "ZwOpenKeyedEvent" => "NTDLL.NtOpenKeyedEvent" (Ptr, Int, Ptr);
    NtWaitForKeyedEvent: "ZwWaitForKeyedEvent" => "NTDLL.NtWaitForKeyedEvent" (Ptr, Ptr, Int, Ptr);
    NtReleaseKeyedEvent: "ZwReleaseKeyedEvent" => "NTDLL.NtReleaseKeyedEvent" (Ptr, Ptr, Int, Ptr);
    NtSuspendThread: "ZwSuspendThread" => "NTDLL.NtSuspendThread" (Ptr, Ptr);
    NtGetContextThread: "ZwGetContextThread" => "NTDLL.NtGetContextThread" (Ptr, Ptr);
    NtSetContextThread: "ZwSetContextThread" => "NTDLL.NtSetContextThread" (Ptr, Ptr);
    NtSetTimer: "ZwSetTimer" => "NTDLL.NtSetTimer" (Ptr, Ptr, Ptr, Ptr, Int, Int, Ptr);
    NtCancelTimer: "ZwCancelTimer" => "NTDLL.NtCancelTimer" (Ptr, Ptr);
    NtQueryTimer: "ZwQueryTimer" => "NTDLL.NtQueryTimer" (Ptr, Int, Ptr, Int, Ptr);
    // Dispatcher objects, handles and the namespace (ke/ob block).
    NtResetEvent: "ZwResetEvent" => "NTDLL.NtResetEvent" (Ptr, Ptr);
    NtPulseEvent: "ZwPulseEvent" => "NTDLL.NtPulseEvent" (Ptr, Ptr);
    NtQueryEvent: "ZwQueryEvent" => "NTDLL.NtQueryEvent" (Ptr, Int, Ptr, Int, Ptr);
    NtCreateMutant: "ZwCreateMutant" => "NTDLL.NtCreateMutant" (Ptr, Int, Ptr, Int);
    NtOpenMutant: "ZwOpenMutant" => "NTDLL.NtOpenMutant" (Ptr, Int, Ptr);
    NtReleaseMutant: "ZwReleaseMutant" => "NTDLL.NtReleaseMutant" (Ptr, Ptr);
    NtQueryMutant: "ZwQueryMutant" => "NTDLL.NtQueryMutant" (Ptr, Int, Ptr, Int, Ptr);
    NtCreateSemaphore: "ZwCreateSemaphore" => "NTDLL.NtCreateSemaphore" (Ptr, Int, Ptr, Int, Int);
    NtOpenSemaphore: "ZwOpenSemaphore" => "NTDLL.NtOpenSemaphore" (Ptr, Int, Ptr);
    NtReleaseSemaphore: "ZwReleaseSemaphore" => "NTDLL.NtReleaseSemaphore" (Ptr, Int, Ptr);
    NtQuerySemaphore: "ZwQuerySemaphore" => "NTDLL.NtQuerySemaphore" (Ptr, Int, Ptr, Int, Ptr);
    NtSignalAndWaitForSingleObject: "ZwSignalAndWaitForSingleObject" => "NTDLL.NtSignalAndWaitForSingleObject" (Ptr, Ptr, Int, Ptr);
    NtSetInformationObject: "ZwSetInformationObject" => "NTDLL.NtSetInformationObject" (Ptr, Int, Ptr, Int);
    NtCreateDirectoryObject: "ZwCreateDirectoryObject" => "NTDLL.NtCreateDirectoryObject" (Ptr, Int, Ptr);
    NtOpenDirectoryObject: "ZwOpenDirectoryObject" => "NTDLL.NtOpenDirectoryObject" (Ptr, Int, Ptr);
    NtCreateSymbolicLinkObject: "ZwCreateSymbolicLinkObject" => "NTDLL.NtCreateSymbolicLinkObject" (Ptr, Int, Ptr, Ptr);
    NtOpenSymbolicLinkObject: "ZwOpenSymbolicLinkObject" => "NTDLL.NtOpenSymbolicLinkObject" (Ptr, Int, Ptr);
    NtQuerySymbolicLinkObject: "ZwQuerySymbolicLinkObject" => "NTDLL.NtQuerySymbolicLinkObject" (Ptr, Ptr, Ptr);
    // Pipes, asynchronous I/O and completion ports (aio block).
    NtFsControlFile: "ZwFsControlFile" => "NTDLL.NtFsControlFile" (Ptr, Ptr, Ptr, Ptr, Ptr, Int, Ptr, Int, Ptr, Int);
    NtCreateNamedPipeFile: "ZwCreateNamedPipeFile" => "NTDLL.NtCreateNamedPipeFile" (Ptr, Int, Ptr, Ptr, Int, Int, Int, Int, Int, Int, Int, Int, Int, Ptr);
    NtCancelIoFileEx: "ZwCancelIoFileEx" => "NTDLL.NtCancelIoFileEx" (Ptr, Ptr, Ptr);
    NtCancelSynchronousIoFile: "ZwCancelSynchronousIoFile" => "NTDLL.NtCancelSynchronousIoFile" (Ptr, Ptr, Ptr);
    NtCreateIoCompletion: "ZwCreateIoCompletion" => "NTDLL.NtCreateIoCompletion" (Ptr, Int, Ptr, Int);
    NtSetIoCompletion: "ZwSetIoCompletion" => "NTDLL.NtSetIoCompletion" (Ptr, Ptr, Ptr, Int, Int);
    NtRemoveIoCompletion: "ZwRemoveIoCompletion" => "NTDLL.NtRemoveIoCompletion" (Ptr, Ptr, Ptr, Ptr, Ptr);
    NtRemoveIoCompletionEx: "ZwRemoveIoCompletionEx" => "NTDLL.NtRemoveIoCompletionEx" (Ptr, Ptr, Int, Ptr, Ptr, Int);
    // Job objects (ps block).
    NtCreateJobObject: "ZwCreateJobObject" => "NTDLL.NtCreateJobObject" (Ptr, Int, Ptr);
    NtOpenJobObject: "ZwOpenJobObject" => "NTDLL.NtOpenJobObject" (Ptr, Int, Ptr);
    NtAssignProcessToJobObject: "ZwAssignProcessToJobObject" => "NTDLL.NtAssignProcessToJobObject" (Ptr, Ptr);
    NtSetInformationJobObject: "ZwSetInformationJobObject" => "NTDLL.NtSetInformationJobObject" (Ptr, Int, Ptr, Int);
    NtQueryInformationJobObject: "ZwQueryInformationJobObject" => "NTDLL.NtQueryInformationJobObject" (Ptr, Int, Ptr, Int, Ptr);
    NtTerminateJobObject: "ZwTerminateJobObject" => "NTDLL.NtTerminateJobObject" (Ptr, Int);
    NtIsProcessInJob: "ZwIsProcessInJob" => "NTDLL.NtIsProcessInJob" (Ptr, Ptr);
}
