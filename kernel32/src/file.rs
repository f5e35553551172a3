//! Files and standard handles: CreateFile, ReadFile, WriteFile, CloseHandle,
//! file pointers and sizes, delete/move/attributes, directories. The
//! current directory and full path names are in `paths`.

use crate::error::*;
use crate::process::parameters;
use ntdll::path;
use syscalls::nt::{IO_STATUS_BLOCK, OBJECT_ATTRIBUTES, UNICODE_STRING};
use syscalls::*;

// Kept reachable here for the crates that call them by this path.
pub use crate::paths::{
    current_directory, GetCurrentDirectoryA, GetCurrentDirectoryW, GetFullPathNameA,
    GetFullPathNameW, SetCurrentDirectoryA, SetCurrentDirectoryW,
};

pub const INVALID_HANDLE_VALUE: u64 = u64::MAX;
const MAX_PATH: usize = 260;

// NtCreateFile dispositions and options (see ntoskrnl-emu io::file).
const FILE_OPEN: u32 = 1;
const FILE_CREATE: u32 = 2;
const FILE_OPEN_IF: u32 = 3;
const FILE_OVERWRITE: u32 = 4;
const FILE_OVERWRITE_IF: u32 = 5;
const FILE_DIRECTORY_FILE: u32 = 0x1;
const FILE_WRITE_THROUGH: u32 = 0x2;
const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x20;
const FILE_NON_DIRECTORY_FILE: u32 = 0x40;
const FILE_DELETE_ON_CLOSE: u32 = 0x1000;
const FILE_OPEN_FOR_BACKUP_INTENT: u32 = 0x4000;
const DELETE: u32 = 0x1_0000;
const SYNCHRONIZE: u32 = 0x10_0000;
const FILE_READ_ATTRIBUTES: u32 = 0x80;
const FILE_CREATED: u64 = 2;

/// Opens or creates a file by DOS name through NtCreateFile.
pub fn nt_create(
    dos: &[u16],
    access: u32,
    share: u32,
    disposition: u32,
    options: u32,
    attributes: u32,
) -> Result<(u64, u64), NtStatus> {
    nt_create_ex(dos, access, share, disposition, options, attributes, false)
}

/// The NT name CreateFile and friends open for a DOS name.
pub fn nt_name(dos: &[u16]) -> Result<Vec<u16>, NtStatus> {
    let dos = String::from_utf16(dos).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    if dos.is_empty() {
        return Err(STATUS_OBJECT_PATH_NOT_FOUND);
    }
    let nt: Vec<u16> = path::dos_to_nt(&dos, &current_directory())?
        .encode_utf16()
        .collect();
    // Without the \\?\ prefix a full path is limited to MAX_PATH; longer
    // ones are reported as a path not found (the long-path opt-in is not
    // enabled by default).
    if nt.len() - 4 >= MAX_PATH && !dos.starts_with("\\\\?\\") && !dos.starts_with("\\??\\") {
        return Err(STATUS_OBJECT_PATH_NOT_FOUND);
    }
    Ok(nt)
}

/// nt_create with the handle made inheritable (OBJ_INHERIT) on request.
pub fn nt_create_ex(
    dos: &[u16],
    access: u32,
    share: u32,
    disposition: u32,
    options: u32,
    attributes: u32,
    inherit: bool,
) -> Result<(u64, u64), NtStatus> {
    let nt = nt_name(dos)?;
    let us = UNICODE_STRING::over(&nt);
    let flags = syscalls::nt::OBJ_CASE_INSENSITIVE
        | if inherit {
            syscalls::nt::OBJ_INHERIT
        } else {
            0
        };
    let oa = OBJECT_ATTRIBUTES::named(Some(&us), flags);
    let mut handle = 0u64;
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtCreateFile,
        &args([
            &mut handle as *mut u64 as u64,
            access as u64,
            &oa as *const OBJECT_ATTRIBUTES as u64,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            0,
            attributes as u64,
            share as u64,
            disposition as u64,
            options as u64,
            0,
            0,
        ]),
    );
    if st.is_success() {
        Ok((handle, iosb.Information))
    } else {
        Err(st)
    }
}

/// Implements CreateFileW(lpFileName, dwDesiredAccess, dwShareMode,
/// lpSecurityAttributes, dwCreationDisposition, dwFlagsAndAttributes,
/// hTemplateFile).
pub extern "win64" fn CreateFileW(
    name: *const u16,
    access: u32,
    share: u32,
    sa: u64,
    creation: u32,
    flags: u32,
    _template: u64,
) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return INVALID_HANDLE_VALUE;
    };
    let disposition = match creation {
        1 => FILE_CREATE,       // CREATE_NEW
        2 => FILE_OVERWRITE_IF, // CREATE_ALWAYS
        3 => FILE_OPEN,         // OPEN_EXISTING
        4 => FILE_OPEN_IF,      // OPEN_ALWAYS
        5 => FILE_OVERWRITE,    // TRUNCATE_EXISTING
        _ => {
            set_error(ERROR_INVALID_PARAMETER);
            return INVALID_HANDLE_VALUE;
        }
    };
    if creation == 5 && access & (0x4000_0000 | 0x2) == 0 {
        // TRUNCATE_EXISTING needs GENERIC_WRITE.
        set_error(ERROR_INVALID_PARAMETER);
        return INVALID_HANDLE_VALUE;
    }
    let mut options = 0;
    if flags & 0x4000_0000 == 0 {
        options |= FILE_SYNCHRONOUS_IO_NONALERT; // not FILE_FLAG_OVERLAPPED
    }
    if flags & 0x0200_0000 != 0 {
        options |= FILE_OPEN_FOR_BACKUP_INTENT; // FILE_FLAG_BACKUP_SEMANTICS
    } else {
        options |= FILE_NON_DIRECTORY_FILE;
    }
    let mut access = access;
    if flags & 0x0400_0000 != 0 {
        // FILE_FLAG_DELETE_ON_CLOSE needs (and so asks for) DELETE access.
        options |= FILE_DELETE_ON_CLOSE;
        access |= DELETE;
    }
    if flags & 0x8000_0000 != 0 {
        options |= FILE_WRITE_THROUGH;
    }
    // The access-pattern hints: FILE_FLAG_SEQUENTIAL_SCAN,
    // FILE_FLAG_RANDOM_ACCESS, FILE_FLAG_NO_BUFFERING.
    if flags & 0x0800_0000 != 0 {
        options |= 0x4; // FILE_SEQUENTIAL_ONLY
    }
    if flags & 0x1000_0000 != 0 {
        options |= 0x800; // FILE_RANDOM_ACCESS
    }
    if flags & 0x2000_0000 != 0 {
        options |= 0x8; // FILE_NO_INTERMEDIATE_BUFFERING
    }
    // SECURITY_ATTRIBUTES.bInheritHandle at offset 16.
    let inherit = sa != 0 && user::read::<i32>(sa + 16).is_ok_and(|b| b != 0);
    let access = access | SYNCHRONIZE | FILE_READ_ATTRIBUTES;
    match nt_create_ex(
        &name,
        access,
        share,
        disposition,
        options,
        flags & 0xFFFF,
        inherit,
    ) {
        Ok((h, info)) => {
            // CREATE_ALWAYS / OPEN_ALWAYS on an existing file succeed with
            // ERROR_ALREADY_EXISTS (documented).
            let existed = (creation == 2 || creation == 4) && info != FILE_CREATED;
            set_error(if existed { 183 } else { 0 });
            h
        }
        // CreateFile reports an existing file as ERROR_FILE_EXISTS, not
        // ERROR_ALREADY_EXISTS (documented for CREATE_NEW).
        Err(STATUS_OBJECT_NAME_COLLISION) => {
            ntdll::rtl::set_last_status(STATUS_OBJECT_NAME_COLLISION);
            set_error(80);
            INVALID_HANDLE_VALUE
        }
        Err(st) => fail(st, INVALID_HANDLE_VALUE),
    }
}

/// Implements CreateFileA.
pub extern "win64" fn CreateFileA(
    name: *const u8,
    access: u32,
    share: u32,
    sa: u64,
    creation: u32,
    flags: u32,
    template: u64,
) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    match unsafe { astr(name) } {
        None => CreateFileW(
            core::ptr::null(),
            access,
            share,
            sa,
            creation,
            flags,
            template,
        ),
        Some(mut w) => {
            w.push(0);
            CreateFileW(w.as_ptr(), access, share, sa, creation, flags, template)
        }
    }
}

/// OVERLAPPED: Internal, InternalHigh, Offset, OffsetHigh, hEvent.
#[repr(C)]
pub struct Overlapped {
    pub internal: u64,
    pub internal_high: u64,
    pub offset: u32,
    pub offset_high: u32,
    pub event: u64,
}

fn io(service: u32, h: u64, buf: u64, len: u32, done: *mut u32, ov: *mut Overlapped) -> i32 {
    if !done.is_null() {
        // SAFETY: the caller passes storage for the count.
        unsafe { *done = 0 };
    }
    let mut iosb = IO_STATUS_BLOCK {
        Status: STATUS_PENDING.0,
        ..Default::default()
    };
    let (event, offset_ptr, iosb_ptr, offset): (u64, u64, u64, i64);
    // The OVERLAPPED is the context of a completion packet, unless the
    // low bit of hEvent says not to queue one.
    let mut apc_context = 0u64;
    if ov.is_null() {
        offset = 0;
        event = 0;
        offset_ptr = 0;
        iosb_ptr = &mut iosb as *mut IO_STATUS_BLOCK as u64;
    } else {
        // SAFETY: the caller passes an OVERLAPPED; its first two fields are
        // the IO_STATUS_BLOCK of the operation.
        unsafe {
            offset = (((*ov).offset_high as u64) << 32 | (*ov).offset as u64) as i64;
            event = (*ov).event & !1;
            if (*ov).event & 1 == 0 {
                apc_context = ov as u64;
            }
            (*ov).internal = STATUS_PENDING.0 as u64;
        }
        iosb_ptr = ov as u64;
        offset_ptr = 0;
    }
    let offset_ptr = if ov.is_null() {
        offset_ptr
    } else {
        &offset as *const i64 as u64
    };
    let st = syscall(
        service,
        &args([
            h,
            event,
            0,
            apc_context,
            iosb_ptr,
            buf,
            len as u64,
            offset_ptr,
            0,
        ]),
    );
    let st = if st == STATUS_PENDING && ov.is_null() {
        // An asynchronous handle used without an OVERLAPPED: wait here.
        crate::aio::wait_for_status_block(iosb_ptr, ntdll::futex::Deadline::from_millis(u32::MAX));
        NtStatus(iosb.Status)
    } else {
        st
    };
    // SAFETY: iosb_ptr is our IO_STATUS_BLOCK or the caller's OVERLAPPED.
    let (status, information) = unsafe {
        let i = &*(iosb_ptr as *const IO_STATUS_BLOCK);
        (NtStatus(i.Status), i.Information)
    };
    if st == STATUS_PENDING {
        return fail(st, 0);
    }
    if st.is_success() || (st == STATUS_END_OF_FILE && service == nr::NtReadFile) {
        if !done.is_null() {
            // SAFETY: as above.
            unsafe {
                *done = if st.is_success() {
                    information as u32
                } else {
                    0
                }
            };
        }
        if st == STATUS_END_OF_FILE && !ov.is_null() {
            // Overlapped reads at end of file fail with ERROR_HANDLE_EOF.
            return fail(st, 0);
        }
        return 1;
    }
    let _ = status;
    if !done.is_null() && (service == nr::NtWriteFile || !st.is_error()) {
        // SAFETY: as above; a failed write may have written part, and a
        // read that ends in a warning (ERROR_MORE_DATA) has read part.
        unsafe { *done = information as u32 };
    }
    fail(st, 0)
}

/// Implements ReadFile(hFile, lpBuffer, nNumberOfBytesToRead,
/// lpNumberOfBytesRead, lpOverlapped). End of file is success with 0 bytes.
pub extern "win64" fn ReadFile(
    h: u64,
    buf: u64,
    len: u32,
    read: *mut u32,
    ov: *mut Overlapped,
) -> i32 {
    io(nr::NtReadFile, h, buf, len, read, ov)
}

/// Implements WriteFile(hFile, lpBuffer, nNumberOfBytesToWrite,
/// lpNumberOfBytesWritten, lpOverlapped).
pub extern "win64" fn WriteFile(
    h: u64,
    buf: u64,
    len: u32,
    written: *mut u32,
    ov: *mut Overlapped,
) -> i32 {
    io(nr::NtWriteFile, h, buf, len, written, ov)
}

/// Implements CloseHandle(hObject).
pub extern "win64" fn CloseHandle(h: u64) -> i32 {
    let st = syscall(nr::NtClose, &args([h]));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements GetStdHandle(nStdHandle).
pub extern "win64" fn GetStdHandle(which: u32) -> u64 {
    let p = parameters();
    match which as i32 {
        -10 => p.StandardInput,
        -11 => p.StandardOutput,
        -12 => p.StandardError,
        _ => {
            set_error(ERROR_INVALID_HANDLE);
            INVALID_HANDLE_VALUE
        }
    }
}

/// Implements SetStdHandle(nStdHandle, hHandle).
pub extern "win64" fn SetStdHandle(which: u32, h: u64) -> i32 {
    let p = parameters() as *const _ as *mut syscalls::nt::RTL_USER_PROCESS_PARAMETERS;
    // SAFETY: the parameters are writable process memory.
    unsafe {
        match which as i32 {
            -10 => (*p).StandardInput = h,
            -11 => (*p).StandardOutput = h,
            -12 => (*p).StandardError = h,
            _ => {
                set_error(ERROR_INVALID_HANDLE);
                return 0;
            }
        }
    }
    1
}

/// The device type of a handle (FileFsDeviceInformation).
pub fn device_type(h: u64) -> Result<u32, NtStatus> {
    let mut iosb = IO_STATUS_BLOCK::default();
    let mut info = [0u32; 2];
    let st = syscall(
        nr::NtQueryVolumeInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            info.as_mut_ptr() as u64,
            8,
            4,
        ]),
    );
    if st.is_success() {
        Ok(info[0])
    } else {
        Err(st)
    }
}

/// Implements GetFileType(hFile).
pub extern "win64" fn GetFileType(h: u64) -> u32 {
    match device_type(h) {
        Ok(0x07) | Ok(0x08) => {
            set_error(0);
            1 // FILE_TYPE_DISK
        }
        Ok(0x11) => {
            set_error(0);
            3 // FILE_TYPE_PIPE
        }
        Ok(_) => {
            set_error(0);
            2 // FILE_TYPE_CHAR
        }
        Err(st) => fail(st, 0),
    }
}

pub fn query_info(h: u64, class: u32, buf: &mut [u8]) -> Result<(), NtStatus> {
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtQueryInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            buf.as_mut_ptr() as u64,
            buf.len() as u64,
            class as u64,
        ]),
    );
    if st.is_success() || st == STATUS_BUFFER_OVERFLOW {
        Ok(())
    } else {
        Err(st)
    }
}

pub fn set_info(h: u64, class: u32, buf: &[u8]) -> Result<(), NtStatus> {
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtSetInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            buf.as_ptr() as u64,
            buf.len() as u64,
            class as u64,
        ]),
    );
    if st.is_success() {
        Ok(())
    } else {
        Err(st)
    }
}

pub fn file_size(h: u64) -> Result<i64, NtStatus> {
    let mut info = [0u8; 24];
    query_info(h, 5, &mut info)?;
    Ok(i64::from_le_bytes(info[8..16].try_into().unwrap_or([0; 8])))
}

/// Implements SetFilePointerEx(hFile, liDistanceToMove, lpNewFilePointer,
/// dwMoveMethod).
pub extern "win64" fn SetFilePointerEx(h: u64, distance: i64, new: *mut i64, method: u32) -> i32 {
    let base = match method {
        0 => Ok(0),
        1 => {
            let mut pos = [0u8; 8];
            query_info(h, 14, &mut pos).map(|_| i64::from_le_bytes(pos))
        }
        2 => file_size(h),
        _ => {
            set_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
    };
    let base = match base {
        Ok(b) => b,
        Err(st) => return fail(st, 0),
    };
    let target = base.wrapping_add(distance);
    if target < 0 {
        set_error(131); // ERROR_NEGATIVE_SEEK
        return 0;
    }
    if let Err(st) = set_info(h, 14, &target.to_le_bytes()) {
        return fail(st, 0);
    }
    if !new.is_null() {
        // SAFETY: the caller passes storage for the new position.
        unsafe { *new = target };
    }
    1
}

/// Implements SetFilePointer(hFile, lDistanceToMove, lpDistanceToMoveHigh,
/// dwMoveMethod).
pub extern "win64" fn SetFilePointer(h: u64, low: i32, high: *mut i32, method: u32) -> u32 {
    let distance = if high.is_null() {
        low as i64
    } else {
        // SAFETY: the caller passes the high part.
        ((unsafe { *high } as i64) << 32) | (low as u32 as i64)
    };
    let mut new = 0i64;
    if SetFilePointerEx(h, distance, &mut new, method) == 0 {
        return u32::MAX; // INVALID_SET_FILE_POINTER
    }
    if !high.is_null() {
        // SAFETY: as above.
        unsafe { *high = (new >> 32) as i32 };
    }
    set_error(0);
    new as u32
}

/// Implements GetFileSizeEx(hFile, lpFileSize).
pub extern "win64" fn GetFileSizeEx(h: u64, size: *mut i64) -> i32 {
    match file_size(h) {
        Ok(s) => {
            // SAFETY: the caller passes a LARGE_INTEGER.
            unsafe { *size = s };
            1
        }
        Err(st) => fail(st, 0),
    }
}

/// Implements GetFileSize(hFile, lpFileSizeHigh).
pub extern "win64" fn GetFileSize(h: u64, high: *mut u32) -> u32 {
    match file_size(h) {
        Ok(s) => {
            if !high.is_null() {
                // SAFETY: the caller passes storage for the high part.
                unsafe { *high = (s >> 32) as u32 };
            }
            set_error(0);
            s as u32
        }
        Err(st) => fail(st, u32::MAX),
    }
}

/// Implements SetEndOfFile(hFile): the file ends at the current position.
pub extern "win64" fn SetEndOfFile(h: u64) -> i32 {
    let mut pos = [0u8; 8];
    match query_info(h, 14, &mut pos).and_then(|_| set_info(h, 20, &pos)) {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements FlushFileBuffers(hFile).
pub extern "win64" fn FlushFileBuffers(h: u64) -> i32 {
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtFlushBuffersFile,
        &args([h, &mut iosb as *mut IO_STATUS_BLOCK as u64]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

fn delete(name: *const u16, directory: bool) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    // A symbolic link is deleted itself, not its target.
    let options = FILE_SYNCHRONOUS_IO_NONALERT
        | 0x0020_0000 // FILE_OPEN_REPARSE_POINT
        | if directory {
            FILE_DIRECTORY_FILE
        } else {
            FILE_NON_DIRECTORY_FILE
        };
    let (h, _) = match nt_create(&name, DELETE | SYNCHRONIZE, 0x7, FILE_OPEN, options, 0) {
        Ok(r) => r,
        Err(st) => return fail(st, 0),
    };
    let r = set_info(h, 13, &[1]);
    let _ = syscall(nr::NtClose, &args([h]));
    match r {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements DeleteFileW(lpFileName).
pub extern "win64" fn DeleteFileW(name: *const u16) -> i32 {
    delete(name, false)
}

/// Implements RemoveDirectoryW(lpPathName).
pub extern "win64" fn RemoveDirectoryW(name: *const u16) -> i32 {
    delete(name, true)
}

/// Implements CreateDirectoryW(lpPathName, lpSecurityAttributes).
pub extern "win64" fn CreateDirectoryW(name: *const u16, _sa: u64) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    match nt_create(
        &name,
        0x1_0001 | SYNCHRONIZE,
        0x3,
        FILE_CREATE,
        FILE_DIRECTORY_FILE | FILE_SYNCHRONOUS_IO_NONALERT,
        0x80,
    ) {
        Ok((h, _)) => {
            let _ = syscall(nr::NtClose, &args([h]));
            1
        }
        Err(st) => fail(st, 0),
    }
}

/// Implements MoveFileExW(lpExistingFileName, lpNewFileName, dwFlags).
pub extern "win64" fn MoveFileExW(from: *const u16, to: *const u16, flags: u32) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (Some(from), Some(to)) = (unsafe { wstr(from) }, unsafe { wstr(to) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let to_nt = match path::dos_to_nt(&String::from_utf16_lossy(&to), &current_directory()) {
        Ok(n) => n,
        Err(st) => return fail(st, 0),
    };
    let (h, _) = match nt_create(
        &from,
        DELETE | SYNCHRONIZE,
        0x7,
        FILE_OPEN,
        FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_FOR_BACKUP_INTENT,
        0,
    ) {
        Ok(r) => r,
        Err(st) => return fail(st, 0),
    };
    // FILE_RENAME_INFORMATION: ReplaceIfExists, RootDirectory,
    // FileNameLength, FileName.
    let units: Vec<u16> = to_nt.encode_utf16().collect();
    let mut info = vec![0u8; 20 + units.len() * 2];
    info[0] = (flags & 0x1 != 0) as u8; // MOVEFILE_REPLACE_EXISTING
    info[16..20].copy_from_slice(&((units.len() * 2) as u32).to_le_bytes());
    for (i, u) in units.iter().enumerate() {
        info[20 + 2 * i..22 + 2 * i].copy_from_slice(&u.to_le_bytes());
    }
    let r = set_info(h, 10, &info);
    let _ = syscall(nr::NtClose, &args([h]));
    match r {
        Ok(()) => 1,
        // Across volumes a rename is a copy and a delete, when allowed.
        Err(STATUS_NOT_SAME_DEVICE) if flags & 0x2 != 0 => {
            match crate::copy::move_by_copy(&from, &to, flags & 0x1 != 0) {
                Ok(()) => 1,
                Err(e) => {
                    set_error(e);
                    0
                }
            }
        }
        Err(st) => fail(st, 0),
    }
}

/// Implements MoveFileWithProgressW(lpExistingFileName, lpNewFileName,
/// lpProgressRoutine, lpData, dwFlags). A rename has no progress to
/// report; a move across volumes (MOVEFILE_COPY_ALLOWED) reports its copy.
pub extern "win64" fn MoveFileWithProgressW(
    from: *const u16,
    to: *const u16,
    routine: u64,
    data: u64,
    flags: u32,
) -> i32 {
    if routine == 0 {
        return MoveFileExW(from, to, flags);
    }
    // SAFETY: NUL-terminated strings or NULL.
    let (Some(f), Some(t)) = (unsafe { wstr(from) }, unsafe { wstr(to) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let mut t0 = t.clone();
    t0.push(0);
    let mut f0 = f.clone();
    f0.push(0);
    // A rename reports no progress; only a copy across volumes does.
    if MoveFileExW(f0.as_ptr(), t0.as_ptr(), flags & !0x2) != 0 {
        return 1;
    }
    if flags & 0x2 == 0 {
        return 0;
    }
    if syscalls::nt::last_error() != 17 {
        // Failed for another reason than ERROR_NOT_SAME_DEVICE.
        return 0;
    }
    match crate::copy::move_by_copy_with_progress(&f, &t, flags & 0x1 != 0, routine, data) {
        Ok(()) => 1,
        Err(e) => {
            set_error(e);
            0
        }
    }
}

/// Implements MoveFileWithProgressA.
pub extern "win64" fn MoveFileWithProgressA(
    from: *const u8,
    to: *const u8,
    routine: u64,
    data: u64,
    flags: u32,
) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (f, t) = unsafe { (astr(from), astr(to)) };
    let (Some(mut f), Some(mut t)) = (f, t) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    f.push(0);
    t.push(0);
    MoveFileWithProgressW(f.as_ptr(), t.as_ptr(), routine, data, flags)
}

/// Implements MoveFileW(lpExistingFileName, lpNewFileName).
pub extern "win64" fn MoveFileW(from: *const u16, to: *const u16) -> i32 {
    MoveFileExW(from, to, 0)
}

/// Implements GetFileAttributesW(lpFileName).
pub extern "win64" fn GetFileAttributesW(name: *const u16) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return u32::MAX;
    };
    let nt = match path::dos_to_nt(&String::from_utf16_lossy(&name), &current_directory()) {
        Ok(n) => n,
        Err(st) => return fail(st, u32::MAX),
    };
    let units: Vec<u16> = nt.encode_utf16().collect();
    match loader::nt::query_attributes(&units) {
        Ok(attributes) => attributes,
        Err(st) => fail(st, u32::MAX),
    }
}

/// A/W adapters for BOOL functions taking one path: convert the narrow
/// name and call the wide function.
macro_rules! ansi_adapter {
    ($a:ident => $w:ident($($arg:ident: $t:ty),*)) => {
        pub extern "win64" fn $a(name: *const u8 $(, $arg: $t)*) -> i32 {
            // SAFETY: a NUL-terminated string or NULL.
            match unsafe { astr(name) } {
                None => $w(core::ptr::null() $(, $arg)*),
                Some(mut w) => {
                    w.push(0);
                    $w(w.as_ptr() $(, $arg)*)
                }
            }
        }
    };
}

ansi_adapter!(DeleteFileA => DeleteFileW());
ansi_adapter!(RemoveDirectoryA => RemoveDirectoryW());
ansi_adapter!(CreateDirectoryA => CreateDirectoryW(sa: u64));

/// Implements GetFileAttributesA.
pub extern "win64" fn GetFileAttributesA(name: *const u8) -> u32 {
    // SAFETY: a NUL-terminated string or NULL.
    match unsafe { astr(name) } {
        None => GetFileAttributesW(core::ptr::null()),
        Some(mut w) => {
            w.push(0);
            GetFileAttributesW(w.as_ptr())
        }
    }
}

/// Implements MoveFileExA.
pub extern "win64" fn MoveFileExA(from: *const u8, to: *const u8, flags: u32) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    let (f, t) = unsafe { (astr(from), astr(to)) };
    let (Some(mut f), Some(mut t)) = (f, t) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    f.push(0);
    t.push(0);
    MoveFileExW(f.as_ptr(), t.as_ptr(), flags)
}

/// Implements MoveFileA.
pub extern "win64" fn MoveFileA(from: *const u8, to: *const u8) -> i32 {
    MoveFileExA(from, to, 0)
}
