//! File mappings: CreateFileMapping(A/W), OpenFileMapping(A/W),
//! MapViewOfFile(Ex), UnmapViewOfFile, FlushViewOfFile, over the section
//! services. Named mappings live with the other named objects (see
//! `sync`'s module comment).

use crate::error::*;
use crate::sync::{inherits, narrow, open_named, wide, with_attributes};
use syscalls::nt::NT_CURRENT_PROCESS;
use syscalls::*;

const INVALID_HANDLE_VALUE: u64 = u64::MAX;
const OBJ_INHERIT: u32 = 0x2;
const OBJ_OPENIF: u32 = 0x80;
const ERROR_ALREADY_EXISTS: u32 = 183;

const SEC_IMAGE: u32 = 0x0100_0000;
const SEC_RESERVE: u32 = 0x0400_0000;
const SEC_COMMIT: u32 = 0x0800_0000;

const STANDARD_RIGHTS_REQUIRED: u32 = 0xF_0000;
const SECTION_QUERY: u32 = 0x1;
const SECTION_MAP_WRITE: u32 = 0x2;
const SECTION_MAP_READ: u32 = 0x4;
const SECTION_MAP_EXECUTE: u32 = 0x8;

const FILE_MAP_COPY: u32 = 0x1;
const FILE_MAP_WRITE: u32 = 0x2;
const FILE_MAP_READ: u32 = 0x4;
const FILE_MAP_EXECUTE: u32 = 0x20;

fn create_mapping(
    file: u64,
    sa: u64,
    protect: u32,
    high: u32,
    low: u32,
    name: Option<Vec<u16>>,
) -> u64 {
    let page = protect & 0xFF;
    let mut attributes = protect & !0xFF;
    if attributes & (SEC_IMAGE | SEC_RESERVE | SEC_COMMIT) == 0 {
        attributes |= SEC_COMMIT;
    }
    // The rights a mapping's creator gets: what its protection allows.
    let mut access = STANDARD_RIGHTS_REQUIRED | SECTION_QUERY | SECTION_MAP_READ;
    if matches!(page, 0x04 | 0x40) {
        access |= SECTION_MAP_WRITE;
    }
    if matches!(page, 0x20 | 0x40 | 0x80) {
        access |= SECTION_MAP_EXECUTE;
    }
    let file = if file == INVALID_HANDLE_VALUE {
        0
    } else {
        file
    };
    let size = ((high as u64) << 32) | low as u64;
    let flags = OBJ_OPENIF | if inherits(sa) { OBJ_INHERIT } else { 0 };
    let mut h = 0u64;
    let st = with_attributes(name.as_deref(), flags, |oa| {
        syscall(
            nr::NtCreateSection,
            &args([
                &mut h as *mut u64 as u64,
                access as u64,
                oa,
                &size as *const u64 as u64,
                page as u64,
                attributes as u64,
                file,
            ]),
        )
    })
    .unwrap_or_else(|e| e);
    if st.is_success() {
        set_error(if st == STATUS_OBJECT_NAME_EXISTS {
            ERROR_ALREADY_EXISTS
        } else {
            0
        });
        h
    } else {
        fail(st, 0)
    }
}

/// Implements CreateFileMappingW(hFile, lpAttributes, flProtect,
/// dwMaximumSizeHigh, dwMaximumSizeLow, lpName).
pub extern "win64" fn CreateFileMappingW(
    file: u64,
    sa: u64,
    protect: u32,
    high: u32,
    low: u32,
    name: *const u16,
) -> u64 {
    create_mapping(file, sa, protect, high, low, wide(name))
}

/// Implements CreateFileMappingA.
pub extern "win64" fn CreateFileMappingA(
    file: u64,
    sa: u64,
    protect: u32,
    high: u32,
    low: u32,
    name: *const u8,
) -> u64 {
    create_mapping(file, sa, protect, high, low, narrow(name))
}

/// Implements OpenFileMappingW(dwDesiredAccess, bInheritHandle, lpName).
pub extern "win64" fn OpenFileMappingW(access: u32, inherit: i32, name: *const u16) -> u64 {
    open_named(nr::NtOpenSection, access, inherit, wide(name))
}

/// Implements OpenFileMappingA.
pub extern "win64" fn OpenFileMappingA(access: u32, inherit: i32, name: *const u8) -> u64 {
    open_named(nr::NtOpenSection, access, inherit, narrow(name))
}

/// The page protection of a view from FILE_MAP_* access.
fn view_protection(access: u32) -> Option<u32> {
    let exec = access & FILE_MAP_EXECUTE != 0;
    Some(
        if access & FILE_MAP_COPY != 0 && access & FILE_MAP_WRITE == 0 {
            if exec {
                0x80
            } else {
                0x08
            }
        } else if access & FILE_MAP_WRITE != 0 {
            if exec {
                0x40
            } else {
                0x04
            }
        } else if access & FILE_MAP_READ != 0 {
            if exec {
                0x20
            } else {
                0x02
            }
        } else {
            return None;
        },
    )
}

/// Implements MapViewOfFileEx(hFileMappingObject, dwDesiredAccess,
/// dwFileOffsetHigh, dwFileOffsetLow, dwNumberOfBytesToMap, lpBaseAddress).
pub extern "win64" fn MapViewOfFileEx(
    mapping: u64,
    access: u32,
    high: u32,
    low: u32,
    bytes: u64,
    base: u64,
) -> u64 {
    let Some(protect) = view_protection(access) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let mut addr = base;
    let mut offset = ((high as u64) << 32) | low as u64;
    let mut size = bytes;
    let st = syscall(
        nr::NtMapViewOfSection,
        &args([
            mapping,
            NT_CURRENT_PROCESS,
            &mut addr as *mut u64 as u64,
            0,
            0,
            &mut offset as *mut u64 as u64,
            &mut size as *mut u64 as u64,
            1, // ViewShare
            0,
            protect as u64,
        ]),
    );
    if st.is_error() {
        return fail(st, 0);
    }
    addr
}

/// Implements MapViewOfFile(hFileMappingObject, dwDesiredAccess,
/// dwFileOffsetHigh, dwFileOffsetLow, dwNumberOfBytesToMap).
pub extern "win64" fn MapViewOfFile(
    mapping: u64,
    access: u32,
    high: u32,
    low: u32,
    bytes: u64,
) -> u64 {
    MapViewOfFileEx(mapping, access, high, low, bytes, 0)
}

/// Implements UnmapViewOfFile(lpBaseAddress).
pub extern "win64" fn UnmapViewOfFile(base: u64) -> i32 {
    let st = syscall(nr::NtUnmapViewOfSection, &args([NT_CURRENT_PROCESS, base]));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements FlushViewOfFile(lpBaseAddress, dwNumberOfBytesToFlush): 0
/// bytes flushes to the end of the view.
pub extern "win64" fn FlushViewOfFile(base: u64, bytes: u64) -> i32 {
    let (mut addr, mut size) = (base, bytes);
    let mut iosb = [0u64; 2];
    let st = syscall(
        nr::NtFlushVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            &mut addr as *mut u64 as u64,
            &mut size as *mut u64 as u64,
            iosb.as_mut_ptr() as u64,
        ]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}
