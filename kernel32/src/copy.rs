//! Copies, replacements and links: CopyFile(Ex), ReplaceFile,
//! CreateHardLink (A and W).

use crate::error::*;
use crate::file::{
    current_directory, nt_create, query_info, set_info, CloseHandle, ReadFile, WriteFile,
};
use syscalls::*;

const GENERIC_READ: u32 = 0x8000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;
const DELETE: u32 = 0x1_0000;
const SYNCHRONIZE: u32 = 0x10_0000;
const FILE_READ_ATTRIBUTES: u32 = 0x80;
const FILE_WRITE_ATTRIBUTES: u32 = 0x100;
const FILE_OPEN: u32 = 1;
const FILE_CREATE: u32 = 2;
const FILE_OVERWRITE_IF: u32 = 5;
const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x20;
const FILE_NON_DIRECTORY_FILE: u32 = 0x40;
const FILE_OPEN_FOR_BACKUP_INTENT: u32 = 0x4000;
const FILE_BASIC_INFORMATION: u32 = 4;
const FILE_RENAME_INFORMATION: u32 = 10;
const FILE_LINK_INFORMATION: u32 = 11;
const FILE_DISPOSITION_INFORMATION: u32 = 13;
const FILE_STANDARD_INFORMATION: u32 = 5;

const COPY_FILE_FAIL_IF_EXISTS: u32 = 0x1;
const ERROR_FILE_EXISTS: u32 = 80;
const ERROR_REQUEST_ABORTED: u32 = 1235;
const ERROR_UNABLE_TO_REMOVE_REPLACED: u32 = 1175;
const ERROR_UNABLE_TO_MOVE_REPLACEMENT: u32 = 1176;
const ERROR_UNABLE_TO_MOVE_REPLACEMENT_2: u32 = 1177;

// CopyProgressRoutine results and reasons.
const PROGRESS_CONTINUE: u32 = 0;
const PROGRESS_CANCEL: u32 = 1;
const PROGRESS_STOP: u32 = 2;
const PROGRESS_QUIET: u32 = 3;
const CALLBACK_CHUNK_FINISHED: u32 = 0;
const CALLBACK_STREAM_SWITCH: u32 = 1;

/// LPPROGRESS_ROUTINE.
type ProgressRoutine = extern "win64" fn(i64, i64, i64, i64, u32, u32, u64, u64, u64) -> u32;

/// An error as a Win32 code.
type Win32Result<T> = Result<T, u32>;

fn dos(st: NtStatus) -> u32 {
    ntdll::rtl::status_to_dos_error(st)
}

/// Marks a handle's file for deletion (it goes when the handle closes).
fn delete_on_close(h: u64) {
    let _ = set_info(h, FILE_DISPOSITION_INFORMATION, &[1]);
}

struct Progress {
    routine: u64,
    data: u64,
    quiet: bool,
}

impl Progress {
    /// Calls the routine; Err when the copy is to stop.
    fn report(
        &mut self,
        total: i64,
        done: i64,
        reason: u32,
        src: u64,
        dst: u64,
    ) -> Win32Result<()> {
        if self.routine == 0 || self.quiet {
            return Ok(());
        }
        // SAFETY: the caller gave a LPPROGRESS_ROUTINE; guest code runs
        // natively in this process with the win64 convention.
        let f: ProgressRoutine = unsafe { core::mem::transmute(self.routine as usize) };
        match f(total, done, total, done, 1, reason, src, dst, self.data) {
            PROGRESS_CONTINUE => Ok(()),
            PROGRESS_QUIET => {
                self.quiet = true;
                Ok(())
            }
            PROGRESS_CANCEL | PROGRESS_STOP => Err(ERROR_REQUEST_ABORTED),
            _ => Ok(()),
        }
    }
}

/// The body of CopyFile(Ex): data, attributes and last-write time.
fn copy_file(
    from: &[u16],
    to: &[u16],
    flags: u32,
    progress: &mut Progress,
    cancel: u64,
) -> Win32Result<()> {
    let (src, _) = nt_create(
        from,
        GENERIC_READ | SYNCHRONIZE | FILE_READ_ATTRIBUTES,
        0x1 | 0x4,
        FILE_OPEN,
        FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE,
        0,
    )
    .map_err(dos)?;
    let result = copy_from(src, to, flags, progress, cancel);
    CloseHandle(src);
    result
}

fn copy_from(
    src: u64,
    to: &[u16],
    flags: u32,
    progress: &mut Progress,
    cancel: u64,
) -> Win32Result<()> {
    let mut basic = [0u8; 40];
    query_info(src, FILE_BASIC_INFORMATION, &mut basic).map_err(dos)?;
    let mut standard = [0u8; 24];
    query_info(src, FILE_STANDARD_INFORMATION, &mut standard).map_err(dos)?;
    let total = i64::from_le_bytes(standard[8..16].try_into().unwrap_or([0; 8]));
    let attributes = u32::from_le_bytes(basic[32..36].try_into().unwrap_or([0; 4]));
    let disposition = if flags & COPY_FILE_FAIL_IF_EXISTS != 0 {
        FILE_CREATE
    } else {
        FILE_OVERWRITE_IF
    };
    let (dst, _) = nt_create(
        to,
        GENERIC_WRITE | DELETE | SYNCHRONIZE | FILE_WRITE_ATTRIBUTES,
        0,
        disposition,
        FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE,
        // The copy gets its attributes at the end: a read-only source
        // must not make the new file unwritable before the data is in.
        0x80,
    )
    .map_err(|st| match st {
        STATUS_OBJECT_NAME_COLLISION => ERROR_FILE_EXISTS,
        st => dos(st),
    })?;
    let r = copy_data(src, dst, total, progress, cancel).and_then(|_| {
        // Times and attributes follow the source (creation time is the
        // copy's own, as on Windows).
        let mut b = basic;
        b[0..8].fill(0);
        b[32..36].copy_from_slice(&(attributes | 0x20).to_le_bytes());
        set_info(dst, FILE_BASIC_INFORMATION, &b).map_err(dos)
    });
    if r.is_err() {
        delete_on_close(dst);
    }
    CloseHandle(dst);
    r
}

fn copy_data(
    src: u64,
    dst: u64,
    total: i64,
    progress: &mut Progress,
    cancel: u64,
) -> Win32Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0i64;
    progress.report(total, 0, CALLBACK_STREAM_SWITCH, src, dst)?;
    loop {
        if cancel != 0 && user::read::<i32>(cancel).is_ok_and(|c| c != 0) {
            return Err(ERROR_REQUEST_ABORTED);
        }
        let mut n = 0u32;
        if ReadFile(
            src,
            buf.as_mut_ptr() as u64,
            buf.len() as u32,
            &mut n,
            core::ptr::null_mut(),
        ) == 0
        {
            return Err(last_error());
        }
        if n == 0 {
            return Ok(());
        }
        let mut w = 0u32;
        if WriteFile(dst, buf.as_ptr() as u64, n, &mut w, core::ptr::null_mut()) == 0 {
            return Err(last_error());
        }
        done += n as i64;
        progress.report(total, done, CALLBACK_CHUNK_FINISHED, src, dst)?;
    }
}

fn last_error() -> u32 {
    syscalls::nt::last_error()
}

fn copy_ex(
    from: Option<Vec<u16>>,
    to: Option<Vec<u16>>,
    routine: u64,
    data: u64,
    cancel: u64,
    flags: u32,
) -> i32 {
    let (Some(from), Some(to)) = (from, to) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let mut progress = Progress {
        routine,
        data,
        quiet: false,
    };
    match copy_file(&from, &to, flags, &mut progress, cancel) {
        Ok(()) => {
            set_error(0);
            1
        }
        Err(e) => {
            set_error(e);
            0
        }
    }
}

/// Implements CopyFileExW(lpExistingFileName, lpNewFileName,
/// lpProgressRoutine, lpData, pbCancel, dwCopyFlags).
pub extern "win64" fn CopyFileExW(
    from: *const u16,
    to: *const u16,
    routine: u64,
    data: u64,
    cancel: u64,
    flags: u32,
) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    copy_ex(
        unsafe { wstr(from) },
        unsafe { wstr(to) },
        routine,
        data,
        cancel,
        flags,
    )
}

/// Implements CopyFileExA.
pub extern "win64" fn CopyFileExA(
    from: *const u8,
    to: *const u8,
    routine: u64,
    data: u64,
    cancel: u64,
    flags: u32,
) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    copy_ex(
        unsafe { astr(from) },
        unsafe { astr(to) },
        routine,
        data,
        cancel,
        flags,
    )
}

/// Implements CopyFileW(lpExistingFileName, lpNewFileName, bFailIfExists).
pub extern "win64" fn CopyFileW(from: *const u16, to: *const u16, fail_if_exists: i32) -> i32 {
    CopyFileExW(from, to, 0, 0, 0, (fail_if_exists != 0) as u32)
}

/// Implements CopyFileA.
pub extern "win64" fn CopyFileA(from: *const u8, to: *const u8, fail_if_exists: i32) -> i32 {
    CopyFileExA(from, to, 0, 0, 0, (fail_if_exists != 0) as u32)
}

/// FILE_RENAME_INFORMATION / FILE_LINK_INFORMATION for a DOS target name.
fn link_info(to: &[u16], replace: bool) -> Result<Vec<u8>, NtStatus> {
    let s = String::from_utf16(to).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    let nt: Vec<u16> = ntdll::path::dos_to_nt(&s, &current_directory())?
        .encode_utf16()
        .collect();
    let mut info = vec![0u8; 20];
    info[0] = replace as u8;
    info[16..20].copy_from_slice(&((nt.len() * 2) as u32).to_le_bytes());
    for u in nt {
        info.extend(u.to_le_bytes());
    }
    Ok(info)
}

/// Renames `from` to `to` through a handle (MoveFileEx without flags but
/// replacing).
fn rename(from: &[u16], to: &[u16], replace: bool) -> Result<(), NtStatus> {
    let (h, _) = nt_create(
        from,
        DELETE | SYNCHRONIZE,
        0x7,
        FILE_OPEN,
        FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_FOR_BACKUP_INTENT,
        0,
    )?;
    let r = link_info(to, replace).and_then(|info| set_info(h, FILE_RENAME_INFORMATION, &info));
    CloseHandle(h);
    r
}

fn replace(
    replaced: Option<Vec<u16>>,
    replacement: Option<Vec<u16>>,
    backup: Option<Vec<u16>>,
) -> i32 {
    let (Some(replaced), Some(replacement)) = (replaced, replacement) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    // The replaced file's attributes (FILE_BASIC_INFORMATION, times left
    // alone) pass to the replacement, as ReplaceFile documents.
    let attributes = |n: &[u16]| -> Result<u32, NtStatus> {
        let (h, _) = nt_create(
            n,
            SYNCHRONIZE | FILE_READ_ATTRIBUTES,
            0x7,
            FILE_OPEN,
            FILE_SYNCHRONOUS_IO_NONALERT,
            0,
        )?;
        let mut basic = [0u8; 40];
        let r = query_info(h, FILE_BASIC_INFORMATION, &mut basic);
        CloseHandle(h);
        r.map(|_| u32::from_le_bytes(basic[32..36].try_into().unwrap_or([0; 4])))
    };
    let kept = match attributes(&replaced) {
        Ok(a) => a,
        Err(st) => return fail(st, 0),
    };
    if let Err(st) = attributes(&replacement) {
        return fail(st, 0);
    }
    if let Ok((h, _)) = nt_create(
        &replacement,
        SYNCHRONIZE | FILE_WRITE_ATTRIBUTES,
        0x7,
        FILE_OPEN,
        FILE_SYNCHRONOUS_IO_NONALERT,
        0,
    ) {
        let mut basic = [0u8; 40];
        basic[32..36].copy_from_slice(&kept.to_le_bytes());
        let _ = set_info(h, FILE_BASIC_INFORMATION, &basic);
        CloseHandle(h);
    }
    match backup {
        Some(b) => {
            if rename(&replaced, &b, true).is_err() {
                set_error(ERROR_UNABLE_TO_REMOVE_REPLACED);
                return 0;
            }
            if rename(&replacement, &replaced, true).is_err() {
                // The replaced file keeps its backup name (documented for
                // ERROR_UNABLE_TO_MOVE_REPLACEMENT_2).
                set_error(ERROR_UNABLE_TO_MOVE_REPLACEMENT_2);
                return 0;
            }
        }
        None => {
            if let Err(st) = rename(&replacement, &replaced, true) {
                set_error(
                    if st == STATUS_ACCESS_DENIED || st == STATUS_SHARING_VIOLATION {
                        ERROR_UNABLE_TO_REMOVE_REPLACED
                    } else {
                        ERROR_UNABLE_TO_MOVE_REPLACEMENT
                    },
                );
                return 0;
            }
        }
    }
    1
}

/// Implements ReplaceFileW(lpReplacedFileName, lpReplacementFileName,
/// lpBackupFileName, dwReplaceFlags, lpExclude, lpReserved): the
/// replacement takes the replaced file's name, which optionally moves to
/// the backup name first.
pub extern "win64" fn ReplaceFileW(
    replaced: *const u16,
    replacement: *const u16,
    backup: *const u16,
    _flags: u32,
    _exclude: u64,
    _reserved: u64,
) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    unsafe { replace(wstr(replaced), wstr(replacement), wstr(backup)) }
}

/// Implements ReplaceFileA.
pub extern "win64" fn ReplaceFileA(
    replaced: *const u8,
    replacement: *const u8,
    backup: *const u8,
    _flags: u32,
    _exclude: u64,
    _reserved: u64,
) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    unsafe { replace(astr(replaced), astr(replacement), astr(backup)) }
}

fn hard_link(new: Option<Vec<u16>>, existing: Option<Vec<u16>>) -> i32 {
    let (Some(new), Some(existing)) = (new, existing) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let (h, _) = match nt_create(
        &existing,
        SYNCHRONIZE | FILE_WRITE_ATTRIBUTES,
        0x7,
        FILE_OPEN,
        FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_FOR_BACKUP_INTENT,
        0,
    ) {
        Ok(r) => r,
        Err(st) => return fail(st, 0),
    };
    let r = link_info(&new, false).and_then(|info| set_info(h, FILE_LINK_INFORMATION, &info));
    CloseHandle(h);
    match r {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements CreateHardLinkW(lpFileName, lpExistingFileName,
/// lpSecurityAttributes).
pub extern "win64" fn CreateHardLinkW(new: *const u16, existing: *const u16, _sa: u64) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    unsafe { hard_link(wstr(new), wstr(existing)) }
}

/// Implements CreateHardLinkA.
pub extern "win64" fn CreateHardLinkA(new: *const u8, existing: *const u8, _sa: u64) -> i32 {
    // SAFETY: NUL-terminated strings or NULL.
    unsafe { hard_link(astr(new), astr(existing)) }
}

/// MoveFileEx's MOVEFILE_COPY_ALLOWED fallback across volumes: copy, then
/// delete the source.
pub fn move_by_copy(from: &[u16], to: &[u16], replace: bool) -> Win32Result<()> {
    move_by_copy_with_progress(from, to, replace, 0, 0)
}

/// move_by_copy reporting the copy to a LPPROGRESS_ROUTINE
/// (MoveFileWithProgress).
pub fn move_by_copy_with_progress(
    from: &[u16],
    to: &[u16],
    replace: bool,
    routine: u64,
    data: u64,
) -> Win32Result<()> {
    let mut progress = Progress {
        routine,
        data,
        quiet: routine == 0,
    };
    copy_file(
        from,
        to,
        if replace { 0 } else { COPY_FILE_FAIL_IF_EXISTS },
        &mut progress,
        0,
    )?;
    let (h, _) = nt_create(
        from,
        DELETE | SYNCHRONIZE,
        0x7,
        FILE_OPEN,
        FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE,
        0,
    )
    .map_err(dos)?;
    let r = set_info(h, FILE_DISPOSITION_INFORMATION, &[1]).map_err(dos);
    CloseHandle(h);
    r
}

const FSCTL_SET_REPARSE_POINT: u64 = 0x0009_00A4;
const IO_REPARSE_TAG_SYMLINK: u32 = 0xA000_000C;
const SYMLINK_FLAG_RELATIVE: u32 = 1;
const FILE_DIRECTORY_FILE: u32 = 0x1;
const FILE_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
const SYMBOLIC_LINK_FLAG_DIRECTORY: u32 = 0x1;
const SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE: u32 = 0x2;

/// REPARSE_DATA_BUFFER for a symbolic link to `target` (as given, and as
/// the name the file system resolves).
fn symlink_reparse_data(target: &[u16]) -> Result<Vec<u8>, NtStatus> {
    use ntdll::path::PathType;
    let s = String::from_utf16(target).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    let relative = ntdll::path::path_type(target) == PathType::Relative;
    let substitute: Vec<u16> = if relative {
        s.replace('/', "\\").encode_utf16().collect()
    } else {
        ntdll::path::dos_to_nt(&s, &current_directory())?
            .encode_utf16()
            .collect()
    };
    let print: Vec<u16> = target.to_vec();
    let mut names: Vec<u8> = substitute.iter().flat_map(|u| u.to_le_bytes()).collect();
    let print_offset = names.len();
    names.extend(print.iter().flat_map(|u| u.to_le_bytes()));
    let mut b = Vec::with_capacity(20 + names.len());
    b.extend(IO_REPARSE_TAG_SYMLINK.to_le_bytes());
    b.extend(((12 + names.len()) as u16).to_le_bytes());
    b.extend(0u16.to_le_bytes());
    b.extend(0u16.to_le_bytes());
    b.extend(((substitute.len() * 2) as u16).to_le_bytes());
    b.extend((print_offset as u16).to_le_bytes());
    b.extend(((print.len() * 2) as u16).to_le_bytes());
    b.extend((if relative { SYMLINK_FLAG_RELATIVE } else { 0 }).to_le_bytes());
    b.extend(names);
    Ok(b)
}

fn symbolic_link(link: Option<Vec<u16>>, target: Option<Vec<u16>>, flags: u32) -> u8 {
    let (Some(link), Some(target)) = (link, target) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    if flags & !(SYMBOLIC_LINK_FLAG_DIRECTORY | SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE) != 0
        || target.is_empty()
    {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let data = match symlink_reparse_data(&target) {
        Ok(d) => d,
        Err(st) => return fail(st, 0),
    };
    let kind = if flags & SYMBOLIC_LINK_FLAG_DIRECTORY != 0 {
        FILE_DIRECTORY_FILE
    } else {
        FILE_NON_DIRECTORY_FILE
    };
    let (h, _) = match nt_create(
        &link,
        DELETE | FILE_WRITE_ATTRIBUTES | SYNCHRONIZE,
        0,
        FILE_CREATE,
        kind | FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT,
        0x80,
    ) {
        Ok(r) => r,
        Err(st) => return fail(st, 0),
    };
    let mut iosb = syscalls::nt::IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtFsControlFile,
        &args([
            h,
            0,
            0,
            0,
            &mut iosb as *mut syscalls::nt::IO_STATUS_BLOCK as u64,
            FSCTL_SET_REPARSE_POINT,
            data.as_ptr() as u64,
            data.len() as u64,
            0,
            0,
        ]),
    );
    if !st.is_success() {
        // The empty file or directory made for the link goes again.
        delete_on_close(h);
        CloseHandle(h);
        return fail(st, 0);
    }
    CloseHandle(h);
    set_error(0);
    1
}

/// Implements CreateSymbolicLinkW(lpSymlinkFileName, lpTargetFileName,
/// dwFlags): a symbolic link to a file, or with SYMBOLIC_LINK_FLAG_DIRECTORY
/// to a directory; a relative target stays relative to the link. (The
/// link is created whatever the privileges, as with developer mode on.)
pub extern "win64" fn CreateSymbolicLinkW(link: *const u16, target: *const u16, flags: u32) -> u8 {
    // SAFETY: NUL-terminated strings or NULL.
    unsafe { symbolic_link(wstr(link), wstr(target), flags) }
}

/// Implements CreateSymbolicLinkA.
pub extern "win64" fn CreateSymbolicLinkA(link: *const u8, target: *const u8, flags: u32) -> u8 {
    // SAFETY: NUL-terminated strings or NULL.
    unsafe { symbolic_link(astr(link), astr(target), flags) }
}
