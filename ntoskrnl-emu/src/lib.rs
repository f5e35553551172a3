//! ntoskrnl-emu: the in-process NT executive.
//!
//! One module per NT subsystem: `ob` (objects and handles), `ps` (processes
//! and threads), `mm` (virtual memory, sections), `io` (files), `ke`
//! (dispatcher objects and waits), `ex` (system information, time). Services
//! live beside the subsystem that owns them; [`services`] lists them for the
//! system-service table. Every argument a service receives is untrusted.
#![allow(non_snake_case)]

pub mod ex;
pub mod io;
pub mod ke;
pub mod mm;
pub mod ob;
pub mod ps;

use syscalls::table::{nr, Service};
use syscalls::*;

/// Implements NtClose(Handle).
pub fn NtClose(a: &Args) -> NtStatus {
    NtStatus::from_result(ob::close_handle(a[0]))
}

/// The executive's services, by number, for the root package to install.
pub fn services() -> Vec<(u32, Service)> {
    vec![
        (nr::NtWaitForSingleObject, ke::wait::NtWaitForSingleObject),
        (nr::NtReadFile, io::file::NtReadFile),
        (nr::NtWriteFile, io::file::NtWriteFile),
        (nr::NtSetInformationThread, ps::info::NtSetInformationThread),
        (nr::NtSetEvent, ke::event::NtSetEvent),
        (nr::NtClose, io::irp::NtClose),
        (
            nr::NtQueryInformationFile,
            io::dispatch::NtQueryInformationFile,
        ),
        (
            nr::NtAllocateVirtualMemory,
            mm::virt::NtAllocateVirtualMemory,
        ),
        (
            nr::NtQueryInformationProcess,
            ps::info::NtQueryInformationProcess,
        ),
        (
            nr::NtSetInformationProcess,
            ps::info::NtSetInformationProcess,
        ),
        (nr::NtFreeVirtualMemory, mm::virt::NtFreeVirtualMemory),
        (nr::NtQueryVirtualMemory, mm::query::NtQueryVirtualMemory),
        (
            nr::NtQueryInformationThread,
            ps::info::NtQueryInformationThread,
        ),
        (nr::NtSetInformationFile, io::dispatch::NtSetInformationFile),
        (nr::NtMapViewOfSection, mm::section::NtMapViewOfSection),
        (nr::NtUnmapViewOfSection, mm::section::NtUnmapViewOfSection),
        (nr::NtTerminateProcess, ps::NtTerminateProcess),
        (nr::NtCreateUserProcess, ps::spawn::NtCreateUserProcess),
        (
            nr::NtQueryPerformanceCounter,
            ex::time::NtQueryPerformanceCounter,
        ),
        (nr::NtQueryDirectoryFile, io::dir::NtQueryDirectoryFile),
        (nr::NtQueryDirectoryFileEx, io::dir::NtQueryDirectoryFileEx),
        (
            nr::NtQueryFullAttributesFile,
            io::info::NtQueryFullAttributesFile,
        ),
        (nr::NtLockFile, io::lock::NtLockFile),
        (nr::NtUnlockFile, io::lock::NtUnlockFile),
        (
            nr::NtNotifyChangeDirectoryFile,
            io::notify::NtNotifyChangeDirectoryFile,
        ),
        (nr::NtOpenFile, io::dispatch::NtOpenFile),
        (nr::NtDelayExecution, ke::wait::NtDelayExecution),
        (
            nr::NtQuerySystemInformation,
            ex::sysinfo::NtQuerySystemInformation,
        ),
        (nr::NtQueryAttributesFile, io::info::NtQueryAttributesFile),
        (nr::NtClearEvent, ke::event::NtClearEvent),
        (nr::NtYieldExecution, ke::wait::NtYieldExecution),
        (nr::NtCreateEvent, ke::event::NtCreateEvent),
        (nr::NtCreateJobObject, ps::job::NtCreateJobObject),
        (nr::NtOpenJobObject, ps::job::NtOpenJobObject),
        (
            nr::NtAssignProcessToJobObject,
            ps::job::NtAssignProcessToJobObject,
        ),
        (
            nr::NtSetInformationJobObject,
            ps::job::NtSetInformationJobObject,
        ),
        (
            nr::NtQueryInformationJobObject,
            ps::job::NtQueryInformationJobObject,
        ),
        (nr::NtTerminateJobObject, ps::job::NtTerminateJobObject),
        (nr::NtIsProcessInJob, ps::job::NtIsProcessInJob),
        (
            nr::NtQueryVolumeInformationFile,
            io::info::NtQueryVolumeInformationFile,
        ),
        (nr::NtCreateSection, mm::section::NtCreateSection),
        (nr::NtOpenSection, mm::section::NtOpenSection),
        (nr::NtFlushVirtualMemory, mm::section::NtFlushVirtualMemory),
        (nr::NtReadVirtualMemory, mm::copy::NtReadVirtualMemory),
        (nr::NtWriteVirtualMemory, mm::copy::NtWriteVirtualMemory),
        (
            nr::NtFlushInstructionCache,
            mm::copy::NtFlushInstructionCache,
        ),
        (nr::NtFlushBuffersFile, io::file::NtFlushBuffersFile),
        (nr::NtProtectVirtualMemory, mm::virt::NtProtectVirtualMemory),
        (nr::NtTerminateThread, ps::thread::NtTerminateThread),
        // Threads (lead's block).
        (nr::NtCreateThreadEx, ps::thread::NtCreateThreadEx),
        (nr::NtResumeThread, ps::thread::NtResumeThread),
        (nr::NtQueueApcThread, ps::apc::NtQueueApcThread),
        (nr::NtCreateTimer, ke::timer::NtCreateTimer),
        (nr::NtCreateKeyedEvent, ke::keyed::NtCreateKeyedEvent),
        (nr::NtOpenKeyedEvent, ke::keyed::NtOpenKeyedEvent),
        (nr::NtWaitForKeyedEvent, ke::keyed::NtWaitForKeyedEvent),
        (nr::NtReleaseKeyedEvent, ke::keyed::NtReleaseKeyedEvent),
        (nr::NtSuspendThread, ps::suspend::NtSuspendThread),
        (nr::NtGetContextThread, ps::suspend::NtGetContextThread),
        (nr::NtSetContextThread, ps::suspend::NtSetContextThread),
        (nr::NtSetTimer, ke::timer::NtSetTimer),
        (nr::NtCancelTimer, ke::timer::NtCancelTimer),
        (nr::NtQueryTimer, ke::timer::NtQueryTimer),
        (nr::NtTestAlert, ps::apc::NtTestAlert),
        (nr::NtRaiseException, ke::trap::NtRaiseException),
        (nr::NtCreateFile, io::dispatch::NtCreateFile),
        (nr::NtQuerySystemTime, ex::time::NtQuerySystemTime),
        // Pipes, asynchronous I/O and completion ports (aio block).
        (
            nr::NtCreateNamedPipeFile,
            io::dispatch::NtCreateNamedPipeFile,
        ),
        (nr::NtFsControlFile, io::dispatch::NtFsControlFile),
        (
            nr::NtDeviceIoControlFile,
            io::console::NtDeviceIoControlFile,
        ),
        (nr::NtCancelIoFile, io::irp::NtCancelIoFile),
        (nr::NtCancelIoFileEx, io::irp::NtCancelIoFileEx),
        (
            nr::NtCancelSynchronousIoFile,
            io::irp::NtCancelSynchronousIoFile,
        ),
        (
            nr::NtCreateIoCompletion,
            io::completion::NtCreateIoCompletion,
        ),
        (nr::NtSetIoCompletion, io::completion::NtSetIoCompletion),
        (
            nr::NtRemoveIoCompletion,
            io::completion::NtRemoveIoCompletion,
        ),
        (
            nr::NtRemoveIoCompletionEx,
            io::completion::NtRemoveIoCompletionEx,
        ),
        // Dispatcher objects, waits, handles and the namespace (ke/ob block).
        (nr::NtOpenEvent, ke::event::NtOpenEvent),
        (nr::NtResetEvent, ke::event::NtResetEvent),
        (nr::NtPulseEvent, ke::event::NtPulseEvent),
        (nr::NtQueryEvent, ke::event::NtQueryEvent),
        (nr::NtCreateMutant, ke::mutant::NtCreateMutant),
        (nr::NtOpenMutant, ke::mutant::NtOpenMutant),
        (nr::NtReleaseMutant, ke::mutant::NtReleaseMutant),
        (nr::NtQueryMutant, ke::mutant::NtQueryMutant),
        (nr::NtCreateSemaphore, ke::semaphore::NtCreateSemaphore),
        (nr::NtOpenSemaphore, ke::semaphore::NtOpenSemaphore),
        (nr::NtReleaseSemaphore, ke::semaphore::NtReleaseSemaphore),
        (nr::NtQuerySemaphore, ke::semaphore::NtQuerySemaphore),
        (
            nr::NtWaitForMultipleObjects,
            ke::wait::NtWaitForMultipleObjects,
        ),
        (
            nr::NtSignalAndWaitForSingleObject,
            ke::wait::NtSignalAndWaitForSingleObject,
        ),
        (nr::NtDuplicateObject, ob::handle::NtDuplicateObject),
        (nr::NtQueryObject, ob::info::NtQueryObject),
        (nr::NtSetInformationObject, ob::info::NtSetInformationObject),
        (
            nr::NtCreateDirectoryObject,
            ob::namespace::NtCreateDirectoryObject,
        ),
        (
            nr::NtOpenDirectoryObject,
            ob::namespace::NtOpenDirectoryObject,
        ),
        (
            nr::NtCreateSymbolicLinkObject,
            ob::namespace::NtCreateSymbolicLinkObject,
        ),
        (
            nr::NtOpenSymbolicLinkObject,
            ob::namespace::NtOpenSymbolicLinkObject,
        ),
        (
            nr::NtQuerySymbolicLinkObject,
            ob::namespace::NtQuerySymbolicLinkObject,
        ),
    ]
}
