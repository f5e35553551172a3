//! The native-API calls the loader makes, through the service table (the
//! loader is user mode: it never calls the executive directly).

use syscalls::nt::{IO_STATUS_BLOCK, NT_CURRENT_PROCESS, OBJECT_ATTRIBUTES, UNICODE_STRING};
use syscalls::{args, nr, syscall, NtResult, NtStatus};

/// NtAllocateVirtualMemory in the current process.
pub fn allocate(base: &mut u64, size: &mut u64, kind: u32, protect: u32) -> NtStatus {
    syscall(
        nr::NtAllocateVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            base as *mut u64 as u64,
            0,
            size as *mut u64 as u64,
            kind as u64,
            protect as u64,
        ]),
    )
}

/// NtProtectVirtualMemory in the current process; returns the old protection.
pub fn protect(base: u64, size: u64, protect: u32) -> NtResult<u32> {
    let (mut b, mut s, mut old) = (base, size, 0u32);
    syscall(
        nr::NtProtectVirtualMemory,
        &args([
            NT_CURRENT_PROCESS,
            &mut b as *mut u64 as u64,
            &mut s as *mut u64 as u64,
            protect as u64,
            &mut old as *mut u32 as u64,
        ]),
    )
    .ok()?;
    Ok(old)
}

pub fn close(handle: u64) {
    let _ = syscall(nr::NtClose, &args([handle]));
}

/// Opens an image file by NT name for execute access.
pub fn open_image(nt_name: &[u16]) -> NtResult<u64> {
    let us = UNICODE_STRING::over(nt_name);
    let oa = OBJECT_ATTRIBUTES::named(Some(&us), syscalls::nt::OBJ_CASE_INSENSITIVE);
    let mut handle = 0u64;
    let mut iosb = IO_STATUS_BLOCK::default();
    const FILE_READ_DATA_EXECUTE_SYNCHRONIZE: u64 = 0x0010_0021;
    const FILE_SHARE_READ_DELETE: u64 = 0x5;
    const FILE_SYNCHRONOUS_IO_NONALERT_NON_DIRECTORY: u64 = 0x60;
    syscall(
        nr::NtOpenFile,
        &args([
            &mut handle as *mut u64 as u64,
            FILE_READ_DATA_EXECUTE_SYNCHRONIZE,
            &oa as *const OBJECT_ATTRIBUTES as u64,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            FILE_SHARE_READ_DELETE,
            FILE_SYNCHRONOUS_IO_NONALERT_NON_DIRECTORY,
        ]),
    )
    .ok()?;
    Ok(handle)
}

/// Maps an image file: NtCreateSection(SEC_IMAGE) + NtMapViewOfSection.
/// Returns the base and whether it is the preferred one.
pub fn map_image(file: u64) -> NtResult<(u64, bool)> {
    let mut section = 0u64;
    const SECTION_MAP_READ_EXECUTE: u64 = 0xC;
    const SEC_IMAGE: u64 = 0x0100_0000;
    syscall(
        nr::NtCreateSection,
        &args([
            &mut section as *mut u64 as u64,
            SECTION_MAP_READ_EXECUTE,
            0,
            0,
            0x02,
            SEC_IMAGE,
            file,
        ]),
    )
    .ok()?;
    let (mut base, mut size) = (0u64, 0u64);
    let st = syscall(
        nr::NtMapViewOfSection,
        &args([
            section,
            NT_CURRENT_PROCESS,
            &mut base as *mut u64 as u64,
            0,
            0,
            0,
            &mut size as *mut u64 as u64,
            1,
            0,
            0x02,
        ]),
    );
    close(section);
    match st {
        syscalls::STATUS_SUCCESS => Ok((base, true)),
        syscalls::STATUS_IMAGE_NOT_AT_BASE => Ok((base, false)),
        e => Err(e),
    }
}

/// NtQueryAttributesFile: the FILE_ATTRIBUTE_* of a file by NT name.
pub fn query_attributes(nt_name: &[u16]) -> NtResult<u32> {
    let us = UNICODE_STRING::over(nt_name);
    let oa = OBJECT_ATTRIBUTES::named(Some(&us), syscalls::nt::OBJ_CASE_INSENSITIVE);
    let mut info = [0u8; 40];
    syscall(
        nr::NtQueryAttributesFile,
        &args([
            &oa as *const OBJECT_ATTRIBUTES as u64,
            info.as_mut_ptr() as u64,
        ]),
    )
    .ok()?;
    // FILE_BASIC_INFORMATION.FileAttributes.
    Ok(u32::from_le_bytes(
        info[32..36].try_into().unwrap_or([0; 4]),
    ))
}

/// Does the file exist (and is it not a directory, which is no image)?
pub fn file_exists(nt_name: &[u16]) -> bool {
    query_attributes(nt_name).is_ok_and(|a| a & 0x10 == 0)
}

/// True if every page of [address, address+size) is committed and readable
/// (NtQueryVirtualMemory), so the loader can read a directory without
/// faulting.
pub fn is_readable(address: u64, size: u64) -> bool {
    let end = address.saturating_add(size.max(1));
    let mut at = address;
    while at < end {
        let mut info = syscalls::nt::MEMORY_BASIC_INFORMATION::default();
        let st = syscall(
            nr::NtQueryVirtualMemory,
            &args([
                NT_CURRENT_PROCESS,
                at,
                0,
                &mut info as *mut _ as u64,
                core::mem::size_of_val(&info) as u64,
                0,
            ]),
        );
        const READABLE: u32 = 0x02 | 0x04 | 0x08 | 0x20 | 0x40 | 0x80;
        if !st.is_success()
            || info.State != 0x1000
            || info.Protect & READABLE == 0
            || info.Protect & 0x100 != 0
        {
            return false;
        }
        at = info.BaseAddress + info.RegionSize;
    }
    true
}
