//! Pipes: CreatePipe, CreateNamedPipe, ConnectNamedPipe,
//! DisconnectNamedPipe, PeekNamedPipe, WaitNamedPipe,
//! SetNamedPipeHandleState, GetNamedPipeInfo — on NtCreateNamedPipeFile,
//! NtFsControlFile and the pipe information classes.

use crate::error::*;
use crate::file::Overlapped;
use std::sync::atomic::{AtomicU32, Ordering};
use syscalls::nt::{IO_STATUS_BLOCK, OBJECT_ATTRIBUTES, UNICODE_STRING};
use syscalls::*;

const FSCTL_PIPE_DISCONNECT: u64 = 0x0011_0004;
const FSCTL_PIPE_LISTEN: u64 = 0x0011_0008;
const FSCTL_PIPE_PEEK: u64 = 0x0011_400C;
const FSCTL_PIPE_WAIT: u64 = 0x0011_0018;
const FILE_PIPE_INFORMATION: u64 = 23;
const FILE_PIPE_LOCAL_INFORMATION: u64 = 24;

const GENERIC_READ: u32 = 0x8000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;
const SYNCHRONIZE: u32 = 0x10_0000;
const FILE_READ_ATTRIBUTES: u32 = 0x80;
const FILE_WRITE_ATTRIBUTES: u32 = 0x100;
const WRITE_DAC: u32 = 0x4_0000;
const WRITE_OWNER: u32 = 0x8_0000;
const ACCESS_SYSTEM_SECURITY: u32 = 0x100_0000;
const FILE_SHARE_READ: u32 = 1;
const FILE_SHARE_WRITE: u32 = 2;
const FILE_CREATE: u32 = 2;
const FILE_OPEN_IF: u32 = 3;
const FILE_WRITE_THROUGH: u32 = 0x2;
const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x20;

const PIPE_ACCESS_INBOUND: u32 = 1;
const PIPE_ACCESS_OUTBOUND: u32 = 2;
const FILE_FLAG_FIRST_PIPE_INSTANCE: u32 = 0x0008_0000;
const FILE_FLAG_WRITE_THROUGH: u32 = 0x8000_0000;
const FILE_FLAG_OVERLAPPED: u32 = 0x4000_0000;
const PIPE_TYPE_MESSAGE: u32 = 4;
const PIPE_READMODE_MESSAGE: u32 = 2;
const PIPE_NOWAIT: u32 = 1;
const PIPE_REJECT_REMOTE_CLIENTS: u32 = 8;
const PIPE_UNLIMITED_INSTANCES: u32 = 255;
const PIPE_SERVER_END: u32 = 1;
const NMPWAIT_USE_DEFAULT_WAIT: u32 = 0;
const NMPWAIT_WAIT_FOREVER: u32 = u32::MAX;
const ERROR_BAD_PATHNAME: u32 = 161;

fn sa_inherit(sa: u64) -> u32 {
    // SECURITY_ATTRIBUTES.bInheritHandle at offset 16.
    if sa != 0 && user::read::<u32>(sa + 16).unwrap_or(0) != 0 {
        nt::OBJ_INHERIT
    } else {
        0
    }
}

fn create_named_pipe(
    nt_name: &[u16],
    open_mode: u32,
    pipe_mode: u32,
    max_instances: u32,
    out_size: u32,
    in_size: u32,
    timeout_ms: u32,
    sa: u64,
) -> Result<u64, NtStatus> {
    let valid_open = 3
        | FILE_FLAG_FIRST_PIPE_INSTANCE
        | FILE_FLAG_WRITE_THROUGH
        | FILE_FLAG_OVERLAPPED
        | WRITE_DAC
        | WRITE_OWNER
        | ACCESS_SYSTEM_SECURITY;
    if open_mode & !valid_open != 0
        || open_mode & 3 == 0
        || pipe_mode
            & !(PIPE_TYPE_MESSAGE
                | PIPE_READMODE_MESSAGE
                | PIPE_NOWAIT
                | PIPE_REJECT_REMOTE_CLIENTS)
            != 0
        || max_instances == 0
        || max_instances > PIPE_UNLIMITED_INSTANCES
    {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let mut access = SYNCHRONIZE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES;
    let mut share = 0;
    if open_mode & PIPE_ACCESS_INBOUND != 0 {
        access |= GENERIC_READ;
        share |= FILE_SHARE_WRITE;
    }
    if open_mode & PIPE_ACCESS_OUTBOUND != 0 {
        access |= GENERIC_WRITE;
        share |= FILE_SHARE_READ;
    }
    access |= open_mode & (WRITE_DAC | WRITE_OWNER | ACCESS_SYSTEM_SECURITY);
    let mut options = 0;
    if open_mode & FILE_FLAG_OVERLAPPED == 0 {
        options |= FILE_SYNCHRONOUS_IO_NONALERT;
    }
    if open_mode & FILE_FLAG_WRITE_THROUGH != 0 {
        options |= FILE_WRITE_THROUGH;
    }
    let disposition = if open_mode & FILE_FLAG_FIRST_PIPE_INSTANCE != 0 {
        FILE_CREATE
    } else {
        FILE_OPEN_IF
    };
    let instances = if max_instances == PIPE_UNLIMITED_INSTANCES {
        u32::MAX
    } else {
        max_instances
    };
    // 0 is the default of 50 ms.
    let timeout: i64 = -(if timeout_ms == 0 {
        50
    } else {
        timeout_ms as i64
    }) * 10_000;
    let us = UNICODE_STRING::over(nt_name);
    let mut oa = OBJECT_ATTRIBUTES::named(Some(&us), nt::OBJ_CASE_INSENSITIVE);
    oa.Attributes |= sa_inherit(sa);
    let mut handle = 0u64;
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtCreateNamedPipeFile,
        &args([
            &mut handle as *mut u64 as u64,
            access as u64,
            &oa as *const OBJECT_ATTRIBUTES as u64,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            share as u64,
            disposition as u64,
            options as u64,
            (pipe_mode & PIPE_TYPE_MESSAGE != 0) as u64,
            (pipe_mode & PIPE_READMODE_MESSAGE != 0) as u64,
            (pipe_mode & PIPE_NOWAIT != 0) as u64,
            instances as u64,
            in_size as u64,
            out_size as u64,
            &timeout as *const i64 as u64,
        ]),
    );
    if st.is_success() {
        Ok(handle)
    } else {
        Err(st)
    }
}

/// The NT name of a pipe's DOS name (`\\.\pipe\name`), normalized as
/// CreateFile normalizes it (RtlDosPathNameToNtPathName_U), or None for a
/// name that is not in the pipe namespace.
fn pipe_nt_name(name: &[u16]) -> Option<Vec<u16>> {
    let dos = String::from_utf16(name).ok()?;
    let nt = ntdll::path::dos_to_nt(&dos, &crate::file::current_directory()).ok()?;
    let prefix = "\\??\\pipe\\";
    if nt.len() <= prefix.len() || !nt[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return None;
    }
    Some(nt.encode_utf16().collect())
}

/// Implements CreateNamedPipeW(lpName, dwOpenMode, dwPipeMode,
/// nMaxInstances, nOutBufferSize, nInBufferSize, nDefaultTimeOut,
/// lpSecurityAttributes).
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn CreateNamedPipeW(
    name: *const u16,
    open_mode: u32,
    pipe_mode: u32,
    max_instances: u32,
    out_size: u32,
    in_size: u32,
    timeout: u32,
    sa: u64,
) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return crate::file::INVALID_HANDLE_VALUE;
    };
    // The NT name goes to the pipe file system as CreateFile's would;
    // one outside it is not found there.
    let nt = match String::from_utf16(&name)
        .map_err(|_| STATUS_OBJECT_NAME_INVALID)
        .and_then(|dos| ntdll::path::dos_to_nt(&dos, &crate::file::current_directory()))
    {
        Ok(nt) => nt.encode_utf16().collect::<Vec<u16>>(),
        Err(st) => return fail(st, crate::file::INVALID_HANDLE_VALUE),
    };
    match create_named_pipe(
        &nt,
        open_mode,
        pipe_mode,
        max_instances,
        out_size,
        in_size,
        timeout,
        sa,
    ) {
        Ok(h) => {
            set_error(0);
            h
        }
        Err(st) => fail(st, crate::file::INVALID_HANDLE_VALUE),
    }
}

/// Implements CreateNamedPipeA.
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn CreateNamedPipeA(
    name: *const u8,
    open_mode: u32,
    pipe_mode: u32,
    max_instances: u32,
    out_size: u32,
    in_size: u32,
    timeout: u32,
    sa: u64,
) -> u64 {
    // SAFETY: a NUL-terminated string or NULL.
    let w = unsafe { astr(name) }.map(|mut w| {
        w.push(0);
        w
    });
    CreateNamedPipeW(
        w.as_ref().map_or(core::ptr::null(), |w| w.as_ptr()),
        open_mode,
        pipe_mode,
        max_instances,
        out_size,
        in_size,
        timeout,
        sa,
    )
}

/// Implements CreatePipe(hReadPipe, hWritePipe, lpPipeAttributes, nSize):
/// an instance of a pipe with a name of its own, the server end for
/// reading, a client end for writing.
pub extern "win64" fn CreatePipe(read: *mut u64, write: *mut u64, sa: u64, size: u32) -> i32 {
    static SERIAL: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "\\Device\\NamedPipe\\Win32Pipes.{:08x}.{:08x}",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    );
    let nt: Vec<u16> = name.encode_utf16().collect();
    let size = if size == 0 { 4096 } else { size };
    let r = match create_named_pipe(&nt, PIPE_ACCESS_INBOUND, 0, 1, size, size, 120_000, sa) {
        Ok(h) => h,
        Err(st) => return fail(st, 0),
    };
    let us = UNICODE_STRING::over(&nt);
    let mut oa = OBJECT_ATTRIBUTES::named(Some(&us), nt::OBJ_CASE_INSENSITIVE);
    oa.Attributes |= sa_inherit(sa);
    let mut w = 0u64;
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtOpenFile,
        &args([
            &mut w as *mut u64 as u64,
            (GENERIC_WRITE | SYNCHRONIZE | FILE_READ_ATTRIBUTES) as u64,
            &oa as *const OBJECT_ATTRIBUTES as u64,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            FILE_SHARE_READ as u64,
            FILE_SYNCHRONOUS_IO_NONALERT as u64,
        ]),
    );
    if !st.is_success() {
        syscall(nr::NtClose, &args([r]));
        return fail(st, 0);
    }
    let out = user::write(read as u64, &r).and_then(|_| user::write(write as u64, &w));
    if let Err(st) = out {
        syscall(nr::NtClose, &args([r]));
        syscall(nr::NtClose, &args([w]));
        return fail(st, 0);
    }
    set_error(0);
    1
}

/// Sends the pipe file-system control `code` with an input and an output
/// buffer (address and size); returns the status and the bytes returned.
fn fsctl(
    h: u64,
    ov: *mut Overlapped,
    code: u64,
    input: (u64, u32),
    output: (u64, u32),
) -> (NtStatus, u64) {
    let mut iosb = IO_STATUS_BLOCK::default();
    let (event, iosb_ptr, context) = request_blocks(ov, &mut iosb);
    let st = syscall(
        nr::NtFsControlFile,
        &args([
            h,
            event,
            0,
            context,
            iosb_ptr,
            code,
            input.0,
            input.1 as u64,
            output.0,
            output.1 as u64,
        ]),
    );
    let info = user::read::<IO_STATUS_BLOCK>(iosb_ptr).map_or(0, |i| i.Information);
    (st, info)
}

/// Implements ConnectNamedPipe(hNamedPipe, lpOverlapped).
pub extern "win64" fn ConnectNamedPipe(h: u64, ov: *mut Overlapped) -> i32 {
    let (st, _) = fsctl(h, ov, FSCTL_PIPE_LISTEN, (0, 0), (0, 0));
    if st == STATUS_SUCCESS {
        set_error(0);
        1
    } else {
        fail(st, 0)
    }
}

/// Implements DisconnectNamedPipe(hNamedPipe).
pub extern "win64" fn DisconnectNamedPipe(h: u64) -> i32 {
    let (st, _) = fsctl(
        h,
        core::ptr::null_mut(),
        FSCTL_PIPE_DISCONNECT,
        (0, 0),
        (0, 0),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements PeekNamedPipe(hNamedPipe, lpBuffer, nBufferSize,
/// lpBytesRead, lpTotalBytesAvail, lpBytesLeftThisMessage).
pub extern "win64" fn PeekNamedPipe(
    h: u64,
    buffer: u64,
    size: u32,
    bytes_read: *mut u32,
    total: *mut u32,
    left: *mut u32,
) -> i32 {
    let size = if buffer == 0 { 0 } else { size };
    let mut out = vec![0u8; 16 + size as usize];
    let (st, info) = fsctl(
        h,
        core::ptr::null_mut(),
        FSCTL_PIPE_PEEK,
        (0, 0),
        (out.as_mut_ptr() as u64, out.len() as u32),
    );
    if st.is_error() {
        return fail(st, 0);
    }
    let word = |i: usize| u32::from_le_bytes(out[i * 4..i * 4 + 4].try_into().unwrap());
    let n = (info as usize).saturating_sub(16).min(size as usize);
    let (avail, msg_len) = (word(1), word(3));
    let r = user::write_from(buffer, &out[16..16 + n])
        .and_then(|_| user::write_opt(bytes_read as u64, &(n as u32)))
        .and_then(|_| user::write_opt(total as u64, &avail))
        .and_then(|_| user::write_opt(left as u64, &msg_len.saturating_sub(n as u32)));
    match r {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements WaitNamedPipeW(lpNamedPipeName, nTimeOut).
pub extern "win64" fn WaitNamedPipeW(name: *const u16, timeout: u32) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { wstr(name) }) else {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    };
    let Some(nt) = pipe_nt_name(&name) else {
        set_error(ERROR_BAD_PATHNAME);
        return 0;
    };
    // The name in the pipe file system: after `\??\pipe\`.
    let nt = String::from_utf16_lossy(&nt);
    let tail = &nt[9..];
    let root: Vec<u16> = "\\Device\\NamedPipe\\".encode_utf16().collect();
    let root_handle = match nt_open_root(&root) {
        Ok(h) => h,
        Err(st) => return fail(st, 0),
    };
    let tail: Vec<u16> = tail.encode_utf16().collect();
    let (t, specified): (i64, u8) = match timeout {
        NMPWAIT_USE_DEFAULT_WAIT => (0, 0),
        NMPWAIT_WAIT_FOREVER => (i64::MIN, 1),
        ms => (-(ms as i64) * 10_000, 1),
    };
    let mut input = Vec::with_capacity(14 + tail.len() * 2);
    input.extend(t.to_le_bytes());
    input.extend(((tail.len() * 2) as u32).to_le_bytes());
    input.push(specified);
    input.push(0);
    for u in &tail {
        input.extend(u.to_le_bytes());
    }
    let (st, _) = fsctl(
        root_handle,
        core::ptr::null_mut(),
        FSCTL_PIPE_WAIT,
        (input.as_ptr() as u64, input.len() as u32),
        (0, 0),
    );
    syscall(nr::NtClose, &args([root_handle]));
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

fn nt_open_root(nt: &[u16]) -> Result<u64, NtStatus> {
    let us = UNICODE_STRING::over(nt);
    let oa = OBJECT_ATTRIBUTES::named(Some(&us), nt::OBJ_CASE_INSENSITIVE);
    let mut h = 0u64;
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtOpenFile,
        &args([
            &mut h as *mut u64 as u64,
            (SYNCHRONIZE | FILE_READ_ATTRIBUTES) as u64,
            &oa as *const OBJECT_ATTRIBUTES as u64,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            (FILE_SHARE_READ | FILE_SHARE_WRITE) as u64,
            FILE_SYNCHRONOUS_IO_NONALERT as u64,
        ]),
    );
    if st.is_success() {
        Ok(h)
    } else {
        Err(st)
    }
}

/// Implements WaitNamedPipeA.
pub extern "win64" fn WaitNamedPipeA(name: *const u8, timeout: u32) -> i32 {
    // SAFETY: a NUL-terminated string or NULL.
    match unsafe { astr(name) } {
        None => WaitNamedPipeW(core::ptr::null(), timeout),
        Some(mut w) => {
            w.push(0);
            WaitNamedPipeW(w.as_ptr(), timeout)
        }
    }
}

fn query_pipe(h: u64, class: u64, out: &mut [u32]) -> Result<(), NtStatus> {
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtQueryInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            out.as_mut_ptr() as u64,
            (out.len() * 4) as u64,
            class,
        ]),
    );
    if st.is_success() {
        Ok(())
    } else {
        Err(st)
    }
}

/// Implements SetNamedPipeHandleState(hNamedPipe, lpMode,
/// lpMaxCollectionCount, lpCollectDataTimeout): only the mode is
/// meaningful for a local pipe; the collection settings are for a client
/// across a network and are refused for a server end, as Windows does.
pub extern "win64" fn SetNamedPipeHandleState(
    h: u64,
    mode: *const u32,
    count: u64,
    timeout: u64,
) -> i32 {
    if count != 0 || timeout != 0 {
        let mut local = [0u32; 10];
        if let Err(st) = query_pipe(h, FILE_PIPE_LOCAL_INFORMATION, &mut local) {
            return fail(st, 0);
        }
        if local[9] == 1 {
            set_error(ERROR_INVALID_PARAMETER);
            return 0;
        }
    }
    if mode.is_null() {
        return 1;
    }
    let mode = match user::read::<u32>(mode as u64) {
        Ok(m) => m,
        Err(st) => return fail(st, 0),
    };
    if mode & !(PIPE_READMODE_MESSAGE | PIPE_NOWAIT) != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let info: [u32; 2] = [
        (mode & PIPE_READMODE_MESSAGE != 0) as u32,
        mode & PIPE_NOWAIT,
    ];
    let mut iosb = IO_STATUS_BLOCK::default();
    let st = syscall(
        nr::NtSetInformationFile,
        &args([
            h,
            &mut iosb as *mut IO_STATUS_BLOCK as u64,
            info.as_ptr() as u64,
            8,
            FILE_PIPE_INFORMATION,
        ]),
    );
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements GetNamedPipeInfo(hNamedPipe, lpFlags, lpOutBufferSize,
/// lpInBufferSize, lpMaxInstances).
pub extern "win64" fn GetNamedPipeInfo(
    h: u64,
    flags: *mut u32,
    out_size: *mut u32,
    in_size: *mut u32,
    max: *mut u32,
) -> i32 {
    let mut local = [0u32; 10];
    if let Err(st) = query_pipe(h, FILE_PIPE_LOCAL_INFORMATION, &mut local) {
        return fail(st, 0);
    }
    let mut f = 0;
    if local[0] == 1 {
        f |= PIPE_TYPE_MESSAGE;
    }
    if local[9] == 1 {
        f |= PIPE_SERVER_END;
    }
    let instances = if local[2] == u32::MAX {
        PIPE_UNLIMITED_INSTANCES
    } else {
        local[2]
    };
    let r = user::write_opt(flags as u64, &f)
        .and_then(|_| user::write_opt(out_size as u64, &local[6]))
        .and_then(|_| user::write_opt(in_size as u64, &local[4]))
        .and_then(|_| user::write_opt(max as u64, &instances));
    match r {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

const FSCTL_PIPE_TRANSCEIVE: u64 = 0x0011_C017;

/// Implements TransactNamedPipe(hNamedPipe, lpInBuffer, nInBufferSize,
/// lpOutBuffer, nOutBufferSize, lpBytesRead, lpOverlapped): writes a
/// message and reads the reply, on a message pipe in message-read mode.
pub extern "win64" fn TransactNamedPipe(
    h: u64,
    input: u64,
    in_size: u32,
    output: u64,
    out_size: u32,
    read: *mut u32,
    ov: *mut Overlapped,
) -> i32 {
    let (st, info) = fsctl(
        h,
        ov,
        FSCTL_PIPE_TRANSCEIVE,
        (input, in_size),
        (output, out_size),
    );
    if st == STATUS_PENDING {
        return fail(st, 0);
    }
    if !st.is_error() {
        if let Err(e) = user::write_opt(read as u64, &(info as u32)) {
            return fail(e, 0);
        }
    }
    if st.is_success() {
        1
    } else {
        fail(st, 0)
    }
}

/// Implements GetNamedPipeHandleStateW(hNamedPipe, lpState,
/// lpCurInstances, lpMaxCollectionCount, lpCollectDataTimeout,
/// lpUserName, nMaxUserNameSize): the read and wait modes and the number
/// of instances. The collection settings and the client's user name are
/// for a client across a network; every pipe here is local, and the
/// documentation requires them NULL then.
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn GetNamedPipeHandleStateW(
    h: u64,
    state: *mut u32,
    instances: *mut u32,
    max_collection: u64,
    collect_timeout: u64,
    user_name: u64,
    _user_name_size: u32,
) -> i32 {
    if max_collection != 0 || collect_timeout != 0 || user_name != 0 {
        set_error(ERROR_INVALID_PARAMETER);
        return 0;
    }
    let mut modes = [0u32; 2];
    let mut local = [0u32; 10];
    let r = query_pipe(h, FILE_PIPE_INFORMATION, &mut modes)
        .and_then(|_| query_pipe(h, FILE_PIPE_LOCAL_INFORMATION, &mut local));
    if let Err(st) = r {
        return fail(st, 0);
    }
    // PIPE_READMODE_MESSAGE and PIPE_NOWAIT, as SetNamedPipeHandleState
    // takes them.
    let s = if modes[0] != 0 {
        PIPE_READMODE_MESSAGE
    } else {
        0
    } | if modes[1] != 0 { PIPE_NOWAIT } else { 0 };
    let out = user::write_opt(state as u64, &s)
        .and_then(|_| user::write_opt(instances as u64, &local[3]));
    match out {
        Ok(()) => 1,
        Err(st) => fail(st, 0),
    }
}

/// Implements GetNamedPipeHandleStateA.
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn GetNamedPipeHandleStateA(
    h: u64,
    state: *mut u32,
    instances: *mut u32,
    max_collection: u64,
    collect_timeout: u64,
    user_name: u64,
    user_name_size: u32,
) -> i32 {
    GetNamedPipeHandleStateW(
        h,
        state,
        instances,
        max_collection,
        collect_timeout,
        user_name,
        user_name_size,
    )
}

/// The event, status block and completion context of a pipe request: the
/// caller's OVERLAPPED (marked pending; the low bit of its hEvent keeps the
/// request off the handle's completion port) or, for a synchronous call,
/// `iosb`.
fn request_blocks(ov: *mut Overlapped, iosb: &mut IO_STATUS_BLOCK) -> (u64, u64, u64) {
    if ov.is_null() {
        return (0, iosb as *mut IO_STATUS_BLOCK as u64, 0);
    }
    let event = user::read::<u64>(ov as u64 + 24).unwrap_or(0);
    let _ = user::write(ov as u64, &(STATUS_PENDING.0 as u64));
    let context = if event & 1 != 0 { 0 } else { ov as u64 };
    (event & !1, ov as u64, context)
}
