//! Builtin kernel32.dll: the Win32 base API on the native API. Failures
//! become Win32 errors in one place (`error`), from the NTSTATUS ntdll maps.
#![allow(non_snake_case)]

pub mod aio;
pub mod change;
pub mod cmdline;
pub mod codepages;
pub mod console;
pub mod console_ctrl;
pub mod console_input;
pub mod console_screen;
pub mod copy;
pub mod crash_report;
pub mod create_process;
pub mod datetime_format;
pub mod env;
pub mod error;
pub mod exception;
pub mod file;
pub mod fileinfo;
pub mod find;
pub mod heapapi;
pub mod job;
pub mod locale;
pub mod localmem;
pub mod mapping;
pub mod meminfo;
pub mod memory;
pub mod message;
pub mod message_table;
pub mod nls;
pub mod paths;
pub mod pipe;
pub mod probe;
pub mod process;
pub mod psapi;
pub mod searchpath;
pub mod sync;
pub mod sysdirs;
pub mod systime;
pub mod tempfile;
pub mod thread;
pub mod threadpool;
pub mod time;
pub mod timer;
pub mod timezone;
pub mod usersync;
pub mod volume;

use aio::*;
use change::*;
use console::*;
use console_ctrl::*;
use console_input::*;
use console_screen::*;
use copy::*;
use create_process::*;
use datetime_format::*;
use env::*;
use exception::*;
use file::*;
use fileinfo::*;
use find::*;
use heapapi::*;
use job::*;
use loader::{export, forward, BuiltinDll, Export, Failure};
use locale::*;
use mapping::*;
use meminfo::*;
use memory::*;
use message::*;
use nls::*;
use pipe::*;
use probe::*;
use process::*;
use searchpath::*;
use sync::*;
use sysdirs::*;
use systime::*;
use tempfile::*;
use thread::*;
use threadpool::*;
use time::*;
use timer::*;
use timezone::*;
use usersync::*;
use volume::*;

static EXPORTS: &[Export] = &[
    // Processes, modules, errors.
    export!(GetCommandLineA()),
    export!(GetCommandLineW()),
    export!(ExitProcess(Int)),
    export!(TerminateProcess(Ptr, Int)),
    export!(CreateProcessW(
        WStr, WStr, Ptr, Ptr, Int, Int, Ptr, WStr, Ptr, Ptr
    )),
    export!(CreateProcessA(
        Str, Str, Ptr, Ptr, Int, Int, Ptr, Str, Ptr, Ptr
    )),
    export!(GetExitCodeProcess(Ptr, Ptr)),
    // Job objects.
    export!(CreateJobObjectW(Ptr, WStr)),
    export!(CreateJobObjectA(Ptr, Str)),
    export!(OpenJobObjectW(Int, Int, WStr)),
    export!(OpenJobObjectA(Int, Int, Str)),
    export!(AssignProcessToJobObject(Ptr, Ptr)),
    export!(SetInformationJobObject(Ptr, Int, Ptr, Int)),
    export!(QueryInformationJobObject(Ptr, Int, Ptr, Int, Ptr)),
    export!(TerminateJobObject(Ptr, Int)),
    export!(IsProcessInJob(Ptr, Ptr, Ptr)),
    export!(GetProcessId(Ptr)),
    export!(SearchPathW(WStr, WStr, WStr, Int, Ptr, Ptr)),
    export!(SearchPathA(Str, Str, Str, Int, Ptr, Ptr)),
    export!(GetCurrentProcess()),
    export!(GetCurrentThread()),
    export!(GetCurrentProcessId()),
    export!(GetCurrentThreadId()),
    export!(GetProcessHandleCount(Ptr, Ptr)),
    export!(GetLastError()),
    export!(SetLastError(Int)),
    export!(GetModuleHandleA(Str)),
    export!(GetSystemDirectoryW(Ptr, Int)),
    export!(GetSystemDirectoryA(Ptr, Int)),
    export!(GetWindowsDirectoryW(Ptr, Int)),
    export!(GetWindowsDirectoryA(Ptr, Int)),
    forward!("GetSystemWindowsDirectoryW" => "KERNEL32.GetWindowsDirectoryW"),
    forward!("GetSystemWindowsDirectoryA" => "KERNEL32.GetWindowsDirectoryA"),
    export!(GetModuleHandleW(WStr)),
    export!(GetModuleHandleExA(Int, Str, Ptr)),
    export!(GetModuleHandleExW(Int, WStr, Ptr)),
    export!(LoadLibraryA(Str)),
    export!(LoadLibraryW(WStr)),
    export!(LoadLibraryExA(Str, Ptr, Int)),
    export!(LoadLibraryExW(WStr, Ptr, Int)),
    export!(FreeLibrary(Ptr)),
    export!(GetProcAddress(Ptr, Str)),
    export!(GetModuleFileNameA(Ptr, Ptr, Int)),
    export!(GetModuleFileNameW(Ptr, Ptr, Int)),
    export!(GetStartupInfoA(Ptr)),
    export!(GetStartupInfoW(Ptr)),
    export!(GetVersion()),
    export!(GetVersionExA(Ptr)),
    export!(GetVersionExW(Ptr)),
    export!(GetSystemInfo(Ptr)),
    export!("GetNativeSystemInfo" = GetSystemInfo, (Ptr)),
    export!(IsProcessorFeaturePresent(Int)),
    export!(GetActiveProcessorCount(Int)),
    export!("GetMaximumProcessorCount" = GetActiveProcessorCount, (Int)),
    export!(GetActiveProcessorGroupCount()),
    export!(
        "GetMaximumProcessorGroupCount" = GetActiveProcessorGroupCount,
        ()
    ),
    export!(IsDebuggerPresent()),
    export!(SetErrorMode(Int)),
    // Structured exception handling (most of it is ntdll's).
    export!(SetUnhandledExceptionFilter(Ptr)),
    export!(UnhandledExceptionFilter(Ptr)),
    export!(RaiseException(Int, Int, Int, Ptr)),
    export!(SetThreadStackGuarantee(Ptr)),
    forward!("AddVectoredExceptionHandler" => "NTDLL.RtlAddVectoredExceptionHandler"),
    forward!("RemoveVectoredExceptionHandler" => "NTDLL.RtlRemoveVectoredExceptionHandler"),
    forward!("AddVectoredContinueHandler" => "NTDLL.RtlAddVectoredContinueHandler"),
    forward!("RemoveVectoredContinueHandler" => "NTDLL.RtlRemoveVectoredContinueHandler"),
    forward!("RtlCaptureContext" => "NTDLL.RtlCaptureContext"),
    forward!("RtlCaptureStackBackTrace" => "NTDLL.RtlCaptureStackBackTrace"),
    forward!("RtlRestoreContext" => "NTDLL.RtlRestoreContext"),
    forward!("RtlRaiseException" => "NTDLL.RtlRaiseException"),
    forward!("RtlUnwind" => "NTDLL.RtlUnwind"),
    forward!("RtlUnwindEx" => "NTDLL.RtlUnwindEx"),
    forward!("RtlVirtualUnwind" => "NTDLL.RtlVirtualUnwind"),
    forward!("RtlLookupFunctionEntry" => "NTDLL.RtlLookupFunctionEntry"),
    forward!("RtlPcToFileHeader" => "NTDLL.RtlPcToFileHeader"),
    forward!("RtlAddFunctionTable" => "NTDLL.RtlAddFunctionTable"),
    forward!("RtlDeleteFunctionTable" => "NTDLL.RtlDeleteFunctionTable"),
    forward!("RtlInstallFunctionTableCallback" => "NTDLL.RtlInstallFunctionTableCallback"),
    export!(OutputDebugStringA(Str)),
    export!(OutputDebugStringW(WStr)),
    // Environment.
    export!(GetEnvironmentVariableA(Str, Ptr, Int)),
    export!(GetEnvironmentVariableW(WStr, Ptr, Int)),
    export!(SetEnvironmentVariableA(Str, Str)),
    export!(SetEnvironmentVariableW(WStr, WStr)),
    export!(GetEnvironmentStringsA()),
    export!("GetEnvironmentStrings" = GetEnvironmentStringsA, ()),
    export!(GetEnvironmentStringsW()),
    export!(FreeEnvironmentStringsA(Ptr)),
    export!(FreeEnvironmentStringsW(Ptr)),
    export!(ExpandEnvironmentStringsW(WStr, Ptr, Int)),
    // Memory.
    export!(VirtualAlloc(Ptr, Int, Int, Int)),
    export!(VirtualAllocEx(Ptr, Ptr, Int, Int, Int)),
    export!(VirtualFree(Ptr, Int, Int)),
    export!(VirtualProtect(Ptr, Int, Int, Ptr)),
    export!(VirtualQuery(Ptr, Ptr, Int)),
    export!(VirtualFreeEx(Ptr, Ptr, Int, Int)),
    export!(VirtualProtectEx(Ptr, Ptr, Int, Int, Ptr)),
    export!(VirtualQueryEx(Ptr, Ptr, Ptr, Int)),
    export!(ReadProcessMemory(Ptr, Ptr, Ptr, Int, Ptr)),
    export!(WriteProcessMemory(Ptr, Ptr, Ptr, Int, Ptr)),
    export!(FlushInstructionCache(Ptr, Ptr, Int)),
    export!(CreateFileMappingW(Ptr, Ptr, Int, Int, Int, WStr)),
    export!(CreateFileMappingA(Ptr, Ptr, Int, Int, Int, Str)),
    export!(OpenFileMappingW(Int, Int, WStr)),
    export!(OpenFileMappingA(Int, Int, Str)),
    export!(MapViewOfFile(Ptr, Int, Int, Int, Int)),
    export!(MapViewOfFileEx(Ptr, Int, Int, Int, Int, Ptr)),
    export!(UnmapViewOfFile(Ptr)),
    export!(FlushViewOfFile(Ptr, Int)),
    export!(GlobalMemoryStatusEx(Ptr)),
    export!(GlobalMemoryStatus(Ptr)),
    export!(K32GetProcessMemoryInfo(Ptr, Ptr, Int)),
    export!(GetLargePageMinimum()),
    export!(GetPhysicallyInstalledSystemMemory(Ptr)),
    export!(IsBadReadPtr(Ptr, Int)),
    export!("IsBadHugeReadPtr" = IsBadReadPtr, (Ptr, Int)),
    export!(IsBadWritePtr(Ptr, Int)),
    export!("IsBadHugeWritePtr" = IsBadWritePtr, (Ptr, Int)),
    export!(IsBadCodePtr(Ptr)),
    export!(IsBadStringPtrA(Ptr, Int)),
    export!(IsBadStringPtrW(Ptr, Int)),
    export!(GetProcessHeap()),
    export!(HeapCreate(Int, Int, Int)),
    export!(HeapDestroy(Ptr)),
    forward!("HeapAlloc" => "NTDLL.RtlAllocateHeap"),
    export!(HeapFree(Ptr, Int, Ptr)),
    forward!("HeapReAlloc" => "NTDLL.RtlReAllocateHeap"),
    forward!("HeapSize" => "NTDLL.RtlSizeHeap"),
    export!(HeapLock(Ptr)),
    export!(HeapUnlock(Ptr)),
    export!(HeapValidate(Ptr, Int, Ptr)),
    export!(HeapWalk(Ptr, Ptr)),
    export!(HeapCompact(Ptr, Int)),
    export!(HeapSummary(Ptr, Int, Ptr)),
    export!(GetProcessHeaps(Int, Ptr)),
    export!(HeapQueryInformation(Ptr, Int, Ptr, Int, Ptr)),
    export!(HeapSetInformation(Ptr, Int, Ptr, Int)),
    export!(LocalAlloc(Int, Int)),
    export!(LocalFree(Ptr)),
    export!(LocalReAlloc(Ptr, Int, Int)),
    export!(LocalLock(Ptr)),
    export!(LocalUnlock(Ptr)),
    export!(LocalSize(Ptr)),
    export!("GlobalAlloc" = LocalAlloc, (Int, Int)),
    export!("GlobalFree" = LocalFree, (Ptr)),
    export!("GlobalReAlloc" = LocalReAlloc, (Ptr, Int, Int)),
    export!("GlobalLock" = LocalLock, (Ptr)),
    export!("GlobalUnlock" = LocalUnlock, (Ptr)),
    export!("GlobalSize" = LocalSize, (Ptr)),
    export!(LocalFlags(Ptr)),
    export!("GlobalFlags" = LocalFlags, (Ptr)),
    export!(LocalHandle(Ptr)),
    export!("GlobalHandle" = LocalHandle, (Ptr)),
    // Files.
    export!(CreateFileA(Str, Int, Int, Ptr, Int, Int, Ptr)),
    export!(CreateFileW(WStr, Int, Int, Ptr, Int, Int, Ptr)),
    export!(ReadFile(Ptr, Ptr, Int, Ptr, Ptr)),
    export!(WriteFile(Ptr, Ptr, Int, Ptr, Ptr)),
    export!(CloseHandle(Ptr)),
    export!(GetStdHandle(Int)),
    export!(SetStdHandle(Int, Ptr)),
    export!(GetFileType(Ptr)),
    export!(SetFilePointer(Ptr, Int, Ptr, Int)),
    export!(SetFilePointerEx(Ptr, Int, Ptr, Int)),
    export!(GetFileSize(Ptr, Ptr)),
    export!(GetFileSizeEx(Ptr, Ptr)),
    export!(SetEndOfFile(Ptr)),
    export!(FlushFileBuffers(Ptr)),
    export!(DeleteFileA(Str)),
    export!(DeleteFileW(WStr)),
    export!(RemoveDirectoryA(Str)),
    export!(RemoveDirectoryW(WStr)),
    export!(CreateDirectoryA(Str, Ptr)),
    export!(CreateDirectoryW(WStr, Ptr)),
    export!(MoveFileA(Str, Str)),
    export!(MoveFileW(WStr, WStr)),
    export!(MoveFileExA(Str, Str, Int)),
    export!(MoveFileExW(WStr, WStr, Int)),
    export!(GetFileAttributesA(Str)),
    export!(GetFileAttributesW(WStr)),
    export!(GetCurrentDirectoryA(Int, Ptr)),
    export!(GetCurrentDirectoryW(Int, Ptr)),
    export!(SetCurrentDirectoryA(Str)),
    export!(SetCurrentDirectoryW(WStr)),
    export!(GetFullPathNameA(Str, Int, Ptr, Ptr)),
    export!(GetFullPathNameW(WStr, Int, Ptr, Ptr)),
    // Names, searches, file information, volumes (files block).
    export!(GetTempPathA(Int, Ptr)),
    export!(GetTempPathW(Int, Ptr)),
    export!(GetTempFileNameA(Str, Str, Int, Ptr)),
    export!(GetTempFileNameW(WStr, WStr, Int, Ptr)),
    export!(GetLongPathNameA(Str, Ptr, Int)),
    export!(GetLongPathNameW(WStr, Ptr, Int)),
    export!(GetShortPathNameA(Str, Ptr, Int)),
    export!(GetShortPathNameW(WStr, Ptr, Int)),
    export!(FindFirstFileA(Str, Ptr)),
    export!(FindFirstFileW(WStr, Ptr)),
    export!(FindFirstFileExA(Str, Int, Ptr, Int, Ptr, Int)),
    export!(FindFirstFileExW(WStr, Int, Ptr, Int, Ptr, Int)),
    export!(FindNextFileA(Ptr, Ptr)),
    export!(FindNextFileW(Ptr, Ptr)),
    export!(FindClose(Ptr)),
    export!(ReadDirectoryChangesW(
        Ptr, Ptr, Int, Int, Int, Ptr, Ptr, Ptr
    )),
    export!(FindFirstChangeNotificationA(Str, Int, Int)),
    export!(FindFirstChangeNotificationW(WStr, Int, Int)),
    export!(FindNextChangeNotification(Ptr)),
    export!(FindCloseChangeNotification(Ptr)),
    export!(GetFileInformationByHandle(Ptr, Ptr)),
    export!(GetFinalPathNameByHandleA(Ptr, Ptr, Int, Int)),
    export!(GetFinalPathNameByHandleW(Ptr, Ptr, Int, Int)),
    export!(GetFileInformationByHandleEx(Ptr, Int, Ptr, Int)),
    export!(SetFileInformationByHandle(Ptr, Int, Ptr, Int)),
    export!(GetFileAttributesExA(Str, Int, Ptr)),
    export!(GetFileAttributesExW(WStr, Int, Ptr)),
    export!(SetFileAttributesA(Str, Int)),
    export!(SetFileAttributesW(WStr, Int)),
    export!(GetFileTime(Ptr, Ptr, Ptr, Ptr)),
    export!(SetFileTime(Ptr, Ptr, Ptr, Ptr)),
    export!(CopyFileA(Str, Str, Int)),
    export!(CopyFileW(WStr, WStr, Int)),
    export!(CopyFileExA(Str, Str, Ptr, Ptr, Ptr, Int)),
    export!(CopyFileExW(WStr, WStr, Ptr, Ptr, Ptr, Int)),
    export!(ReplaceFileA(Str, Str, Str, Int, Ptr, Ptr)),
    export!(ReplaceFileW(WStr, WStr, WStr, Int, Ptr, Ptr)),
    export!(CreateHardLinkA(Str, Str, Ptr)),
    export!(CreateHardLinkW(WStr, WStr, Ptr)),
    export!(CreateSymbolicLinkA(Str, Str, Int)),
    export!(CreateSymbolicLinkW(WStr, WStr, Int)),
    export!(LockFile(Ptr, Int, Int, Int, Int)),
    export!(LockFileEx(Ptr, Int, Int, Int, Int, Ptr)),
    export!(UnlockFile(Ptr, Int, Int, Int, Int)),
    export!(UnlockFileEx(Ptr, Int, Int, Int, Ptr)),
    export!(GetLogicalDrives()),
    export!(GetVolumePathNameA(Str, Ptr, Int)),
    export!(GetVolumePathNameW(WStr, Ptr, Int)),
    export!(GetCompressedFileSizeA(Str, Ptr)),
    export!(GetCompressedFileSizeW(WStr, Ptr)),
    export!(CreateDirectoryExA(Str, Str, Ptr)),
    export!(CreateDirectoryExW(WStr, WStr, Ptr)),
    export!(MoveFileWithProgressA(Str, Str, Ptr, Ptr, Int)),
    export!(MoveFileWithProgressW(WStr, WStr, Ptr, Ptr, Int)),
    export!(GetVolumeInformationByHandleW(
        Ptr, Ptr, Int, Ptr, Ptr, Ptr, Ptr, Int
    )),
    export!(GetDriveTypeA(Str)),
    export!(GetDriveTypeW(WStr)),
    export!(GetDiskFreeSpaceA(Str, Ptr, Ptr, Ptr, Ptr)),
    export!(GetDiskFreeSpaceW(WStr, Ptr, Ptr, Ptr, Ptr)),
    export!(GetDiskFreeSpaceExA(Str, Ptr, Ptr, Ptr)),
    export!(GetDiskFreeSpaceExW(WStr, Ptr, Ptr, Ptr)),
    export!(GetVolumeInformationA(
        Str, Ptr, Int, Ptr, Ptr, Ptr, Ptr, Int
    )),
    export!(GetVolumeInformationW(
        WStr, Ptr, Int, Ptr, Ptr, Ptr, Ptr, Int
    )),
    // Pipes, asynchronous I/O and completion ports (aio block).
    export!(CreatePipe(Ptr, Ptr, Ptr, Int)),
    export!(CreateNamedPipeA(Str, Int, Int, Int, Int, Int, Int, Ptr)),
    export!(CreateNamedPipeW(WStr, Int, Int, Int, Int, Int, Int, Ptr)),
    export!(ConnectNamedPipe(Ptr, Ptr)),
    export!(DisconnectNamedPipe(Ptr)),
    export!(PeekNamedPipe(Ptr, Ptr, Int, Ptr, Ptr, Ptr)),
    export!(WaitNamedPipeA(Str, Int)),
    export!(WaitNamedPipeW(WStr, Int)),
    export!(SetNamedPipeHandleState(Ptr, Ptr, Ptr, Ptr)),
    export!(GetNamedPipeInfo(Ptr, Ptr, Ptr, Ptr, Ptr)),
    export!(TransactNamedPipe(Ptr, Ptr, Int, Ptr, Int, Ptr, Ptr)),
    export!(GetNamedPipeHandleStateA(Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Int)),
    export!(GetNamedPipeHandleStateW(Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Int)),
    export!(GetOverlappedResult(Ptr, Ptr, Ptr, Int)),
    export!(GetOverlappedResultEx(Ptr, Ptr, Ptr, Int, Int)),
    export!(ReadFileEx(Ptr, Ptr, Int, Ptr, Ptr)),
    export!(WriteFileEx(Ptr, Ptr, Int, Ptr, Ptr)),
    export!(CancelIo(Ptr)),
    export!(CancelIoEx(Ptr, Ptr)),
    export!(CancelSynchronousIo(Ptr)),
    export!(CreateIoCompletionPort(Ptr, Ptr, Ptr, Int)),
    export!(GetQueuedCompletionStatus(Ptr, Ptr, Ptr, Ptr, Int)),
    export!(GetQueuedCompletionStatusEx(Ptr, Ptr, Int, Ptr, Int, Int)),
    export!(PostQueuedCompletionStatus(Ptr, Int, Ptr, Ptr)),
    export!(SetFileCompletionNotificationModes(Ptr, Int)),
    export!(BindIoCompletionCallback(Ptr, Ptr, Int)),
    // Console.
    export!(GetConsoleMode(Ptr, Ptr)),
    export!(SetConsoleMode(Ptr, Int)),
    export!(GetConsoleCP()),
    export!(GetConsoleOutputCP()),
    export!(SetConsoleCP(Int)),
    export!(SetConsoleOutputCP(Int)),
    export!(WriteConsoleA(Ptr, Ptr, Int, Ptr, Ptr)),
    export!(WriteConsoleW(Ptr, Ptr, Int, Ptr, Ptr)),
    export!(ReadConsoleA(Ptr, Ptr, Int, Ptr, Ptr)),
    export!(ReadConsoleW(Ptr, Ptr, Int, Ptr, Ptr)),
    export!(ReadConsoleInputW(Ptr, Ptr, Int, Ptr)),
    export!(PeekConsoleInputW(Ptr, Ptr, Int, Ptr)),
    export!(ReadConsoleInputA(Ptr, Ptr, Int, Ptr)),
    export!(PeekConsoleInputA(Ptr, Ptr, Int, Ptr)),
    export!(GetNumberOfConsoleInputEvents(Ptr, Ptr)),
    export!(FlushConsoleInputBuffer(Ptr)),
    export!(GetConsoleScreenBufferInfo(Ptr, Ptr)),
    export!(SetConsoleTextAttribute(Ptr, Int)),
    export!(SetConsoleCursorPosition(Ptr, Int)),
    export!(GetLargestConsoleWindowSize(Ptr)),
    export!(GetConsoleCursorInfo(Ptr, Ptr)),
    export!(SetConsoleCursorInfo(Ptr, Ptr)),
    export!(SetConsoleTitleA(Str)),
    export!(SetConsoleTitleW(WStr)),
    export!(GetConsoleTitleA(Ptr, Int)),
    export!(GetConsoleTitleW(Ptr, Int)),
    export!(AllocConsole()),
    export!(FreeConsole()),
    export!(GetConsoleWindow()),
    export!(SetConsoleCtrlHandler(Ptr, Int)),
    export!(GenerateConsoleCtrlEvent(Int, Int)),
    // Synchronization.
    export!(CreateEventA(Ptr, Int, Int, Str)),
    export!(CreateEventW(Ptr, Int, Int, WStr)),
    export!(SetEvent(Ptr)),
    export!(ResetEvent(Ptr)),
    export!(WaitForSingleObject(Ptr, Int)),
    export!(WaitForSingleObjectEx(Ptr, Int, Int)),
    export!(Sleep(Int)),
    export!(SleepEx(Int, Int)),
    export!(SwitchToThread()),
    // Events, mutexes, semaphores, waits, handles (ke/ob block).
    export!(CreateEventExA(Ptr, Str, Int, Int)),
    export!(CreateEventExW(Ptr, WStr, Int, Int)),
    export!(OpenEventA(Int, Int, Str)),
    export!(CreateWaitableTimerW(Ptr, Int, WStr)),
    export!(CreateWaitableTimerA(Ptr, Int, Str)),
    export!(CreateWaitableTimerExW(Ptr, WStr, Int, Int)),
    export!(CreateWaitableTimerExA(Ptr, Str, Int, Int)),
    export!(SetWaitableTimer(Ptr, Ptr, Int, Ptr, Ptr, Int)),
    export!(SetWaitableTimerEx(Ptr, Ptr, Int, Ptr, Ptr, Ptr, Int)),
    export!(CancelWaitableTimer(Ptr)),
    export!(OpenEventW(Int, Int, WStr)),
    export!(PulseEvent(Ptr)),
    export!(CreateMutexA(Ptr, Int, Str)),
    export!(CreateMutexW(Ptr, Int, WStr)),
    export!(CreateMutexExA(Ptr, Str, Int, Int)),
    export!(CreateMutexExW(Ptr, WStr, Int, Int)),
    export!(OpenMutexA(Int, Int, Str)),
    export!(OpenMutexW(Int, Int, WStr)),
    export!(ReleaseMutex(Ptr)),
    export!(CreateSemaphoreA(Ptr, Int, Int, Str)),
    export!(CreateSemaphoreW(Ptr, Int, Int, WStr)),
    export!(CreateSemaphoreExA(Ptr, Int, Int, Str, Int, Int)),
    export!(CreateSemaphoreExW(Ptr, Int, Int, WStr, Int, Int)),
    export!(OpenSemaphoreA(Int, Int, Str)),
    export!(OpenSemaphoreW(Int, Int, WStr)),
    export!(ReleaseSemaphore(Ptr, Int, Ptr)),
    export!(WaitForMultipleObjects(Int, Ptr, Int, Int)),
    export!(WaitForMultipleObjectsEx(Int, Ptr, Int, Int, Int)),
    export!(SignalObjectAndWait(Ptr, Ptr, Int, Int)),
    export!(DuplicateHandle(Ptr, Ptr, Ptr, Ptr, Int, Int, Int)),
    export!(GetHandleInformation(Ptr, Ptr)),
    export!(SetHandleInformation(Ptr, Int, Int)),
    forward!("InitializeCriticalSection" => "NTDLL.RtlInitializeCriticalSection"),
    // These two return BOOL, not NTSTATUS: wrappers, not forwards.
    export!(InitializeCriticalSectionAndSpinCount(Ptr, Int)),
    export!(InitializeCriticalSectionEx(Ptr, Int, Int)),
    forward!("EnterCriticalSection" => "NTDLL.RtlEnterCriticalSection"),
    forward!("LeaveCriticalSection" => "NTDLL.RtlLeaveCriticalSection"),
    forward!("TryEnterCriticalSection" => "NTDLL.RtlTryEnterCriticalSection"),
    forward!("DeleteCriticalSection" => "NTDLL.RtlDeleteCriticalSection"),
    forward!("InitializeSRWLock" => "NTDLL.RtlInitializeSRWLock"),
    forward!("AcquireSRWLockExclusive" => "NTDLL.RtlAcquireSRWLockExclusive"),
    forward!("AcquireSRWLockShared" => "NTDLL.RtlAcquireSRWLockShared"),
    forward!("ReleaseSRWLockExclusive" => "NTDLL.RtlReleaseSRWLockExclusive"),
    forward!("ReleaseSRWLockShared" => "NTDLL.RtlReleaseSRWLockShared"),
    forward!("TryAcquireSRWLockExclusive" => "NTDLL.RtlTryAcquireSRWLockExclusive"),
    forward!("TryAcquireSRWLockShared" => "NTDLL.RtlTryAcquireSRWLockShared"),
    export!(TlsAlloc()),
    export!(TlsFree(Int)),
    export!(TlsGetValue(Int)),
    export!(TlsSetValue(Int, Ptr)),
    // Threads (lead's block).
    export!(CreateThread(Ptr, Int, Ptr, Ptr, Int, Ptr)),
    export!(CreateRemoteThread(Ptr, Ptr, Int, Ptr, Ptr, Int, Ptr)),
    export!(ExitThread(Int)),
    export!(TerminateThread(Ptr, Int)),
    export!(GetExitCodeThread(Ptr, Ptr)),
    export!(GetThreadId(Ptr)),
    export!(QueueUserAPC(Ptr, Ptr, Ptr)),
    export!(SuspendThread(Ptr)),
    export!(GetThreadContext(Ptr, Ptr)),
    export!(SetThreadContext(Ptr, Ptr)),
    export!(GetProcessAffinityMask(Ptr, Ptr, Ptr)),
    export!(SetProcessAffinityMask(Ptr, Int)),
    export!(SetThreadAffinityMask(Ptr, Int)),
    export!(GetThreadTimes(Ptr, Ptr, Ptr, Ptr, Ptr)),
    export!(GetProcessTimes(Ptr, Ptr, Ptr, Ptr, Ptr)),
    export!(SetThreadDescription(Ptr, WStr)),
    export!(GetThreadDescription(Ptr, Ptr)),
    export!(ResumeThread(Ptr)),
    export!(GetThreadPriority(Ptr)),
    export!(SetThreadPriority(Ptr, Int)),
    export!(DisableThreadLibraryCalls(Ptr)),
    export!(FlsAlloc(Ptr)),
    forward!("EncodePointer" => "NTDLL.RtlEncodePointer"),
    forward!("DecodePointer" => "NTDLL.RtlDecodePointer"),
    forward!("EncodeSystemPointer" => "NTDLL.RtlEncodeSystemPointer"),
    forward!("DecodeSystemPointer" => "NTDLL.RtlDecodeSystemPointer"),
    export!(FlsFree(Int)),
    export!(FlsGetValue(Int)),
    export!(FlsSetValue(Int, Ptr)),
    // User-mode synchronization (ntdll).
    forward!("InitializeConditionVariable" => "NTDLL.RtlInitializeConditionVariable"),
    forward!("WakeConditionVariable" => "NTDLL.RtlWakeConditionVariable"),
    forward!("WakeAllConditionVariable" => "NTDLL.RtlWakeAllConditionVariable"),
    export!(SleepConditionVariableCS(Ptr, Ptr, Int)),
    export!(SleepConditionVariableSRW(Ptr, Ptr, Int, Int)),
    forward!("InitOnceInitialize" => "NTDLL.RtlRunOnceInitialize"),
    export!(InitOnceBeginInitialize(Ptr, Int, Ptr, Ptr)),
    export!(InitOnceComplete(Ptr, Int, Ptr)),
    export!(InitOnceExecuteOnce(Ptr, Ptr, Ptr, Ptr)),
    // KernelBase's, reached through api-ms-win-core-synch-l1-2-0.
    export!(WaitOnAddress(Ptr, Ptr, Int, Int)),
    forward!("WakeByAddressSingle" => "NTDLL.RtlWakeAddressSingle"),
    forward!("WakeByAddressAll" => "NTDLL.RtlWakeAddressAll"),
    forward!("InitializeSListHead" => "NTDLL.RtlInitializeSListHead"),
    forward!("InterlockedPushEntrySList" => "NTDLL.RtlInterlockedPushEntrySList"),
    forward!("InterlockedPopEntrySList" => "NTDLL.RtlInterlockedPopEntrySList"),
    forward!("InterlockedFlushSList" => "NTDLL.RtlInterlockedFlushSList"),
    forward!("InterlockedPushListSListEx" => "NTDLL.RtlInterlockedPushListSListEx"),
    forward!("QueryDepthSList" => "NTDLL.RtlQueryDepthSList"),
    export!(CreateThreadpoolWork(Ptr, Ptr, Ptr)),
    forward!("SubmitThreadpoolWork" => "NTDLL.TpPostWork"),
    forward!("WaitForThreadpoolWorkCallbacks" => "NTDLL.TpWaitForWork"),
    forward!("CloseThreadpoolWork" => "NTDLL.TpReleaseWork"),
    export!(TrySubmitThreadpoolCallback(Ptr, Ptr, Ptr)),
    export!(QueueUserWorkItem(Ptr, Ptr, Int)),
    export!(CallbackMayRunLong(Ptr)),
    forward!("SetEventWhenCallbackReturns" => "NTDLL.TpCallbackSetEventOnCompletion"),
    forward!("ReleaseSemaphoreWhenCallbackReturns" => "NTDLL.TpCallbackReleaseSemaphoreOnCompletion"),
    forward!("ReleaseMutexWhenCallbackReturns" => "NTDLL.TpCallbackReleaseMutexOnCompletion"),
    forward!("LeaveCriticalSectionWhenCallbackReturns" => "NTDLL.TpCallbackLeaveCriticalSectionOnCompletion"),
    export!(CreateThreadpoolTimer(Ptr, Ptr, Ptr)),
    forward!("SetThreadpoolTimer" => "NTDLL.TpSetTimer"),
    export!(SetThreadpoolTimerEx(Ptr, Ptr, Int, Int)),
    forward!("IsThreadpoolTimerSet" => "NTDLL.TpIsTimerSet"),
    forward!("WaitForThreadpoolTimerCallbacks" => "NTDLL.TpWaitForTimer"),
    forward!("CloseThreadpoolTimer" => "NTDLL.TpReleaseTimer"),
    export!(CreateThreadpoolWait(Ptr, Ptr, Ptr)),
    forward!("SetThreadpoolWait" => "NTDLL.TpSetWait"),
    export!(SetThreadpoolWaitEx(Ptr, Ptr, Ptr, Ptr)),
    forward!("WaitForThreadpoolWaitCallbacks" => "NTDLL.TpWaitForWait"),
    forward!("CloseThreadpoolWait" => "NTDLL.TpReleaseWait"),
    export!(RegisterWaitForSingleObject(Ptr, Ptr, Ptr, Ptr, Int, Int)),
    export!(UnregisterWait(Ptr)),
    export!(UnregisterWaitEx(Ptr, Ptr)),
    // Time.
    export!(QueryPerformanceCounter(Ptr)),
    export!(QueryPerformanceFrequency(Ptr)),
    export!(GetTickCount()),
    export!(GetTickCount64()),
    export!(GetSystemTimeAsFileTime(Ptr)),
    export!(GetSystemTimePreciseAsFileTime(Ptr)),
    // Calendar time and time zones (systime, timezone).
    export!(FileTimeToSystemTime(Ptr, Ptr)),
    export!(SystemTimeToFileTime(Ptr, Ptr)),
    export!(GetSystemTime(Ptr)),
    export!(GetLocalTime(Ptr)),
    export!(SetSystemTime(Ptr)),
    export!(SetLocalTime(Ptr)),
    export!(CompareFileTime(Ptr, Ptr)),
    export!(FileTimeToDosDateTime(Ptr, Ptr, Ptr)),
    export!(DosDateTimeToFileTime(Int, Int, Ptr)),
    export!(FileTimeToLocalFileTime(Ptr, Ptr)),
    export!(LocalFileTimeToFileTime(Ptr, Ptr)),
    export!(GetTimeZoneInformation(Ptr)),
    export!(GetDynamicTimeZoneInformation(Ptr)),
    export!(SystemTimeToTzSpecificLocalTime(Ptr, Ptr, Ptr)),
    export!(TzSpecificLocalTimeToSystemTime(Ptr, Ptr, Ptr)),
    export!(GetDateFormatA(Int, Int, Ptr, Str, Ptr, Int)),
    export!(GetDateFormatW(Int, Int, Ptr, WStr, Ptr, Int)),
    export!(GetTimeFormatA(Int, Int, Ptr, Str, Ptr, Int)),
    export!(GetTimeFormatW(Int, Int, Ptr, WStr, Ptr, Int)),
    // Messages (message).
    export!(FormatMessageA(Int, Ptr, Int, Int, Ptr, Int, Ptr)),
    export!(FormatMessageW(Int, Ptr, Int, Int, Ptr, Int, Ptr)),
    // Code pages.
    export!(GetACP()),
    export!(GetOEMCP()),
    export!(IsValidCodePage(Int)),
    export!(IsDBCSLeadByte(Int)),
    export!(IsDBCSLeadByteEx(Int, Int)),
    export!(GetCPInfo(Int, Ptr)),
    export!(MultiByteToWideChar(Int, Int, Ptr, Int, Ptr, Int)),
    export!(WideCharToMultiByte(Int, Int, Ptr, Int, Ptr, Int, Ptr, Ptr)),
    // Locale (lead's block).
    export!(AreFileApisANSI()),
    export!(SetHandleCount(Int)),
    export!(GetUserDefaultLCID()),
    export!("GetSystemDefaultLCID" = GetUserDefaultLCID, ()),
    export!("GetThreadLocale" = GetUserDefaultLCID, ()),
    export!(GetUserDefaultLangID()),
    export!("GetSystemDefaultLangID" = GetUserDefaultLangID, ()),
    export!("GetUserDefaultUILanguage" = GetUserDefaultLangID, ()),
    export!(IsValidLocale(Int, Int)),
    export!(GetStringTypeW(Int, WStr, Int, Ptr)),
    export!(GetStringTypeExW(Int, Int, WStr, Int, Ptr)),
    export!(GetStringTypeA(Int, Int, Str, Int, Ptr)),
    export!(LCMapStringEx(WStr, Int, WStr, Int, Ptr, Int, Ptr, Ptr, Ptr)),
    export!(LCMapStringW(Int, Int, WStr, Int, Ptr, Int)),
    export!(CompareStringOrdinal(WStr, Int, WStr, Int, Int)),
    export!(CompareStringEx(
        WStr, Int, WStr, Int, WStr, Int, Ptr, Ptr, Ptr
    )),
    export!(CompareStringW(Int, Int, WStr, Int, WStr, Int)),
    export!(GetUserDefaultLocaleName(Ptr, Int)),
    export!(LocaleNameToLCID(WStr, Int)),
    export!(GetLocaleInfoEx(WStr, Int, Ptr, Int)),
    export!(GetLocaleInfoW(Int, Int, Ptr, Int)),
];

fn process_attach(_dll: &loader::LoadedBuiltin) {
    exception::register();
}

/// kernel32's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "kernel32.dll",
    exports: EXPORTS,
    depends: &["ntdll.dll"],
    init: Some(process_attach),
    detach: None,
    failure: Failure::Win32,
    declared: include_str!("../../dlls/declared/lists/kernel32.txt"),
};
