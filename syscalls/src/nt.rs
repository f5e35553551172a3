//! NT structures shared across the user/executive boundary, laid out as in
//! winnt.h / ntdef.h / winternl.h for x64.
#![allow(non_camel_case_types, non_snake_case)]

use crate::user::Pod;

pub type HANDLE = u64;
pub type PVOID = u64;

/// NtCurrentProcess(): the pseudo-handle -1.
pub const NT_CURRENT_PROCESS: HANDLE = u64::MAX;
/// NtCurrentThread(): the pseudo-handle -2.
pub const NT_CURRENT_THREAD: HANDLE = u64::MAX - 1;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct UNICODE_STRING {
    /// In bytes, without the terminating NUL.
    pub Length: u16,
    pub MaximumLength: u16,
    pub _pad: u32,
    pub Buffer: u64,
}

impl UNICODE_STRING {
    /// A counted string over `units`, which must outlive every use of it.
    pub fn over(units: &[u16]) -> UNICODE_STRING {
        let bytes = (units.len() * 2) as u16;
        UNICODE_STRING {
            Length: bytes,
            MaximumLength: bytes,
            _pad: 0,
            Buffer: units.as_ptr() as u64,
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct OBJECT_ATTRIBUTES {
    pub Length: u32,
    pub _pad: u32,
    pub RootDirectory: HANDLE,
    pub ObjectName: u64,
    pub Attributes: u32,
    pub _pad2: u32,
    pub SecurityDescriptor: u64,
    pub SecurityQualityOfService: u64,
}

impl OBJECT_ATTRIBUTES {
    /// Attributes naming `name` (NULL for None), with no root directory.
    pub fn named(name: Option<&UNICODE_STRING>, attributes: u32) -> OBJECT_ATTRIBUTES {
        OBJECT_ATTRIBUTES {
            Length: core::mem::size_of::<OBJECT_ATTRIBUTES>() as u32,
            ObjectName: name.map_or(0, |n| n as *const UNICODE_STRING as u64),
            Attributes: attributes,
            ..Default::default()
        }
    }
}

pub const OBJ_INHERIT: u32 = 0x2;
pub const OBJ_CASE_INSENSITIVE: u32 = 0x40;
pub const OBJ_OPENIF: u32 = 0x80;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct IO_STATUS_BLOCK {
    pub Status: u32,
    pub _pad: u32,
    pub Information: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct CLIENT_ID {
    pub UniqueProcess: u64,
    pub UniqueThread: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct LIST_ENTRY {
    pub Flink: u64,
    pub Blink: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MEMORY_BASIC_INFORMATION {
    pub BaseAddress: u64,
    pub AllocationBase: u64,
    pub AllocationProtect: u32,
    pub PartitionId: u16,
    pub _pad: u16,
    pub RegionSize: u64,
    pub State: u32,
    pub Protect: u32,
    pub Type: u32,
    pub _pad2: u32,
}

/// PEB_LDR_DATA.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct PEB_LDR_DATA {
    pub Length: u32,
    pub Initialized: u8,
    pub _pad: [u8; 3],
    pub SsHandle: u64,
    pub InLoadOrderModuleList: LIST_ENTRY,
    pub InMemoryOrderModuleList: LIST_ENTRY,
    pub InInitializationOrderModuleList: LIST_ENTRY,
    pub EntryInProgress: u64,
    pub ShutdownInProgress: u8,
    pub _pad2: [u8; 7],
    pub ShutdownThreadId: u64,
}

/// LDR_DATA_TABLE_ENTRY (the fields up to TimeDateStamp; the rest of the
/// Windows 10 record is allocated and zeroed).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct LDR_DATA_TABLE_ENTRY {
    pub InLoadOrderLinks: LIST_ENTRY,
    pub InMemoryOrderLinks: LIST_ENTRY,
    pub InInitializationOrderLinks: LIST_ENTRY,
    pub DllBase: u64,
    pub EntryPoint: u64,
    pub SizeOfImage: u32,
    pub _pad: u32,
    pub FullDllName: UNICODE_STRING,
    pub BaseDllName: UNICODE_STRING,
    pub Flags: u32,
    pub ObsoleteLoadCount: u16,
    pub TlsIndex: u16,
    pub HashLinks: LIST_ENTRY,
    pub TimeDateStamp: u32,
    pub _pad2: u32,
}
/// Size Windows 10 gives an LDR_DATA_TABLE_ENTRY.
pub const LDR_DATA_TABLE_ENTRY_SIZE: usize = 0x120;

/// CURDIR.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct CURDIR {
    pub DosPath: UNICODE_STRING,
    pub Handle: HANDLE,
}

/// RTL_USER_PROCESS_PARAMETERS up to EnvironmentVersion (Windows 10 layout).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RTL_USER_PROCESS_PARAMETERS {
    pub MaximumLength: u32,
    pub Length: u32,
    pub Flags: u32,
    pub DebugFlags: u32,
    pub ConsoleHandle: HANDLE,
    pub ConsoleFlags: u32,
    pub _pad: u32,
    pub StandardInput: HANDLE,
    pub StandardOutput: HANDLE,
    pub StandardError: HANDLE,
    pub CurrentDirectory: CURDIR,
    pub DllPath: UNICODE_STRING,
    pub ImagePathName: UNICODE_STRING,
    pub CommandLine: UNICODE_STRING,
    pub Environment: u64,
    pub StartingX: u32,
    pub StartingY: u32,
    pub CountX: u32,
    pub CountY: u32,
    pub CountCharsX: u32,
    pub CountCharsY: u32,
    pub FillAttribute: u32,
    pub WindowFlags: u32,
    pub ShowWindowFlags: u32,
    pub _pad2: u32,
    pub WindowTitle: UNICODE_STRING,
    pub DesktopInfo: UNICODE_STRING,
    pub ShellInfo: UNICODE_STRING,
    pub RuntimeData: UNICODE_STRING,
    pub CurrentDirectories: [[u8; 0x18]; 32],
    pub EnvironmentSize: u64,
    pub EnvironmentVersion: u64,
}

/// RTL_USER_PROCESS_PARAMETERS.Flags: the strings hold pointers, not offsets.
pub const RTL_USER_PROC_PARAMS_NORMALIZED: u32 = 0x1;

unsafe impl Pod for UNICODE_STRING {}
unsafe impl Pod for OBJECT_ATTRIBUTES {}
unsafe impl Pod for IO_STATUS_BLOCK {}
unsafe impl Pod for CLIENT_ID {}
unsafe impl Pod for LIST_ENTRY {}
unsafe impl Pod for MEMORY_BASIC_INFORMATION {}
unsafe impl Pod for PEB_LDR_DATA {}
unsafe impl Pod for LDR_DATA_TABLE_ENTRY {}
unsafe impl Pod for CURDIR {}
unsafe impl Pod for RTL_USER_PROCESS_PARAMETERS {}

/// Field offsets of the x64 TEB (Windows 10). The TEB is large and mostly
/// reserved, so it is addressed by offset rather than as a struct.
pub mod teb {
    pub const SIZE: usize = 0x1838;
    pub const EXCEPTION_LIST: usize = 0x000;
    pub const STACK_BASE: usize = 0x008;
    pub const STACK_LIMIT: usize = 0x010;
    pub const SELF: usize = 0x030;
    pub const ENVIRONMENT_POINTER: usize = 0x038;
    pub const CLIENT_ID: usize = 0x040;
    pub const THREAD_LOCAL_STORAGE_POINTER: usize = 0x058;
    pub const PROCESS_ENVIRONMENT_BLOCK: usize = 0x060;
    pub const LAST_ERROR_VALUE: usize = 0x068;
    pub const CURRENT_LOCALE: usize = 0x108;
    pub const LAST_STATUS_VALUE: usize = 0x1250;
    pub const STATIC_UNICODE_STRING: usize = 0x1258;
    pub const STATIC_UNICODE_BUFFER: usize = 0x1268;
    pub const DEALLOCATION_STACK: usize = 0x1478;
    pub const TLS_SLOTS: usize = 0x1480;
    pub const TLS_LINKS: usize = 0x1680;
    pub const GUARANTEED_STACK_BYTES: usize = 0x1748;
    pub const TLS_EXPANSION_SLOTS: usize = 0x1780;
    pub const FLS_DATA: usize = 0x17C8;
}

/// Field offsets of the x64 PEB (Windows 10).
pub mod peb {
    pub const SIZE: usize = 0x7C8;
    pub const BEING_DEBUGGED: usize = 0x002;
    pub const IMAGE_BASE_ADDRESS: usize = 0x010;
    pub const LDR: usize = 0x018;
    pub const PROCESS_PARAMETERS: usize = 0x020;
    pub const PROCESS_HEAP: usize = 0x030;
    pub const FAST_PEB_LOCK: usize = 0x038;
    pub const TLS_EXPANSION_COUNTER: usize = 0x070;
    pub const TLS_BITMAP: usize = 0x078;
    pub const TLS_BITMAP_BITS: usize = 0x080;
    pub const NUMBER_OF_PROCESSORS: usize = 0x0B8;
    pub const NT_GLOBAL_FLAG: usize = 0x0BC;
    pub const NUMBER_OF_HEAPS: usize = 0x0E8;
    pub const MAXIMUM_NUMBER_OF_HEAPS: usize = 0x0EC;
    pub const PROCESS_HEAPS: usize = 0x0F0;
    pub const LOADER_LOCK: usize = 0x110;
    pub const OS_MAJOR_VERSION: usize = 0x118;
    pub const OS_MINOR_VERSION: usize = 0x11C;
    pub const OS_BUILD_NUMBER: usize = 0x120;
    pub const OS_PLATFORM_ID: usize = 0x124;
    pub const IMAGE_SUBSYSTEM: usize = 0x128;
    pub const IMAGE_SUBSYSTEM_MAJOR_VERSION: usize = 0x12C;
    pub const IMAGE_SUBSYSTEM_MINOR_VERSION: usize = 0x130;
    pub const TLS_EXPANSION_BITMAP: usize = 0x238;
    pub const SESSION_ID: usize = 0x2C0;
}

/// The Windows version casement reports: Windows 10 22H2.
pub const OS_MAJOR: u32 = 10;
pub const OS_MINOR: u32 = 0;
pub const OS_BUILD: u32 = 19045;

const _: () = {
    assert!(core::mem::size_of::<UNICODE_STRING>() == 16);
    assert!(core::mem::size_of::<OBJECT_ATTRIBUTES>() == 48);
    assert!(core::mem::size_of::<IO_STATUS_BLOCK>() == 16);
    assert!(core::mem::size_of::<MEMORY_BASIC_INFORMATION>() == 48);
    assert!(core::mem::size_of::<PEB_LDR_DATA>() == 0x58);
    assert!(core::mem::offset_of!(LDR_DATA_TABLE_ENTRY, DllBase) == 0x30);
    assert!(core::mem::offset_of!(LDR_DATA_TABLE_ENTRY, FullDllName) == 0x48);
    assert!(core::mem::offset_of!(LDR_DATA_TABLE_ENTRY, BaseDllName) == 0x58);
    assert!(core::mem::offset_of!(LDR_DATA_TABLE_ENTRY, HashLinks) == 0x70);
    assert!(core::mem::offset_of!(LDR_DATA_TABLE_ENTRY, TimeDateStamp) == 0x80);
    assert!(core::mem::offset_of!(RTL_USER_PROCESS_PARAMETERS, StandardInput) == 0x20);
    assert!(core::mem::offset_of!(RTL_USER_PROCESS_PARAMETERS, CurrentDirectory) == 0x38);
    assert!(core::mem::offset_of!(RTL_USER_PROCESS_PARAMETERS, ImagePathName) == 0x60);
    assert!(core::mem::offset_of!(RTL_USER_PROCESS_PARAMETERS, CommandLine) == 0x70);
    assert!(core::mem::offset_of!(RTL_USER_PROCESS_PARAMETERS, Environment) == 0x80);
    assert!(core::mem::offset_of!(RTL_USER_PROCESS_PARAMETERS, WindowTitle) == 0xB0);
    assert!(core::mem::offset_of!(RTL_USER_PROCESS_PARAMETERS, CurrentDirectories) == 0xF0);
    assert!(core::mem::offset_of!(RTL_USER_PROCESS_PARAMETERS, EnvironmentSize) == 0x3F0);
};

/// The calling thread's TEB, read from gs:[0x30] as guest code does.
#[inline]
pub fn current_teb() -> u64 {
    let teb: u64;
    // SAFETY: reads NT_TIB.Self through GS, which the executive points at
    // the thread's TEB before any guest or API code runs on the thread.
    unsafe {
        core::arch::asm!("mov {}, gs:[0x30]", out(reg) teb, options(nostack, readonly, preserves_flags))
    };
    teb
}

/// The calling thread's PEB.
#[inline]
pub fn current_peb() -> u64 {
    let peb: u64;
    // SAFETY: as in current_teb.
    unsafe {
        core::arch::asm!("mov {}, gs:[0x60]", out(reg) peb, options(nostack, readonly, preserves_flags))
    };
    peb
}

/// TEB.LastErrorValue of the calling thread.
#[inline]
pub fn set_last_error(code: u32) {
    // SAFETY: as in current_teb; LastErrorValue is a 32-bit field.
    unsafe {
        core::arch::asm!("mov gs:[0x68], {:e}", in(reg) code, options(nostack, preserves_flags))
    };
}

#[inline]
pub fn last_error() -> u32 {
    let v: u32;
    // SAFETY: as in current_teb.
    unsafe {
        core::arch::asm!("mov {:e}, gs:[0x68]", out(reg) v, options(nostack, readonly, preserves_flags))
    };
    v
}

/// A 32-bit field of the calling thread's TEB, read through GS in one
/// instruction (GetCurrentThreadId and friends are on hot paths).
#[inline]
pub fn teb_u32<const OFFSET: usize>() -> u32 {
    let v: u32;
    // SAFETY: as in current_teb; OFFSET is a field of the TEB.
    unsafe {
        core::arch::asm!("mov {:e}, gs:[{off}]", out(reg) v, off = const OFFSET, options(nostack, readonly, preserves_flags))
    };
    v
}
