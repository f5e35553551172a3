//! The I/O services as the system-service table sees them, where the
//! asynchronous side and the named-pipe file system meet the file
//! services of `io::file` and `io::info`: opens of pipe names, reads and
//! writes of pipes and of handles opened for asynchronous I/O, the pipe
//! FSCTLs, and the pipe and completion information classes. Everything
//! else goes on to `io::file` / `io::info` unchanged.

use super::attach;
use super::completion::IoCompletion;
use super::file::{self, map_generic, FILE_SYNCHRONOUS_IO_ALERT, FILE_SYNCHRONOUS_IO_NONALERT};
use super::irp::{self, Irp, Op};
use super::pipe::{self, PipeEnd};
use super::reactor::{self, Attempt};
use super::{FileObject, FILE_DEVICE_DISK, FILE_DEVICE_NAMED_PIPE};
use crate::ke::event::Event;
use crate::ob;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use syscalls::nt::{IO_STATUS_BLOCK, OBJECT_ATTRIBUTES, UNICODE_STRING};
use syscalls::*;

const FILE_READ_DATA: u32 = 0x1;
const FILE_WRITE_DATA: u32 = 0x2;
const FILE_APPEND_DATA: u32 = 0x4;
const FILE_OPENED: u64 = 1;
const FILE_CREATED: u64 = 2;

// FSCTL codes of the named-pipe file system: CTL_CODE(FILE_DEVICE_NAMED_PIPE,
// function, method, access).
pub const FSCTL_PIPE_DISCONNECT: u32 = 0x0011_0004;
pub const FSCTL_PIPE_LISTEN: u32 = 0x0011_0008;
pub const FSCTL_PIPE_PEEK: u32 = 0x0011_400C;
pub const FSCTL_PIPE_WAIT: u32 = 0x0011_0018;
pub const FSCTL_PIPE_TRANSCEIVE: u32 = 0x0011_C017;
pub const STATUS_INVALID_READ_MODE: NtStatus = NtStatus(0xC000_00B4);

// FILE_INFORMATION_CLASS values handled here.
const FILE_PIPE_INFORMATION: u32 = 23;
const FILE_PIPE_LOCAL_INFORMATION: u32 = 24;
const FILE_COMPLETION_INFORMATION: u32 = 30;
const FILE_IO_COMPLETION_NOTIFICATION_INFORMATION: u32 = 41;

/// Checks a buffer the host kernel will read or write directly (it reports
/// EFAULT rather than faulting), and pages in demand-paged image data in
/// it, which the host kernel cannot fault in itself.
pub fn prepare_user_buffer(buffer: u64, length: usize) -> NtResult<()> {
    if length == 0 {
        return Ok(());
    }
    if buffer < user::LOWEST_USER_ADDRESS || buffer.saturating_add(length as u64) > user::USER_LIMIT
    {
        return Err(STATUS_ACCESS_VIOLATION);
    }
    crate::mm::lazy::fill_range(buffer, buffer + length as u64);
    Ok(())
}

fn write_iosb(iosb: u64, status: NtStatus, information: u64) -> NtResult<()> {
    user::write(
        iosb,
        &IO_STATUS_BLOCK {
            Status: status.0,
            _pad: 0,
            Information: information,
        },
    )
}

fn insert(
    handle_out: u64,
    iosb: u64,
    file: Arc<FileObject>,
    information: u64,
    oa: u64,
) -> NtResult<()> {
    let inherit = user::read::<OBJECT_ATTRIBUTES>(oa).map_or(0, |o| o.Attributes & nt::OBJ_INHERIT);
    let access = file.access;
    let handle = ob::insert_object(file, access, inherit)?;
    if let Err(e) =
        user::write(handle_out, &handle).and_then(|_| write_iosb(iosb, STATUS_SUCCESS, information))
    {
        let _ = ob::close_handle(handle);
        return Err(e);
    }
    Ok(())
}

/// The name of an OBJECT_ATTRIBUTES and whether it is relative to the
/// pipe file system's root (a RootDirectory that is one).
fn pipe_target(oa: u64) -> NtResult<Option<(String, Vec<u16>)>> {
    let attrs: OBJECT_ATTRIBUTES = user::read(oa)?;
    if attrs.ObjectName == 0 {
        return Ok(None);
    }
    let us: UNICODE_STRING = user::read(attrs.ObjectName)?;
    let units = us.Length as usize / 2;
    if attrs.RootDirectory == 0 {
        // Every open passes here: look at the start of the name first.
        let head = user::read_u16s(us.Buffer, units.min(17))?;
        let head = String::from_utf16_lossy(&head).to_ascii_lowercase();
        if ![
            r"\device\namedpipe",
            r"\??\pipe",
            r"\global??\pipe",
            r"\dosdevices\pipe",
        ]
        .iter()
        .any(|p| head.starts_with(p) || p.starts_with(head.as_str()))
        {
            return Ok(None);
        }
    }
    let name = user::read_u16s(us.Buffer, units)?;
    if attrs.RootDirectory != 0 {
        let Ok(root) = ob::reference_typed::<FileObject>(attrs.RootDirectory) else {
            return Ok(None);
        };
        if attach::get(&root).is_some_and(|e| e.pipe_root.get().is_some()) {
            let rel = String::from_utf16(&name).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
            return Ok(Some((rel.to_lowercase(), name)));
        }
        return Ok(None);
    }
    Ok(pipe::pipe_name(&name).map(|n| (n, name)))
}

fn open_pipe(a: &Args, access: u32, options: u32) -> Option<NtStatus> {
    let target = match pipe_target(a[2]) {
        Ok(Some(t)) => t,
        Ok(None) => return None,
        Err(e) => return Some(e),
    };
    let run = || -> NtResult<()> {
        let (name, nt_name) = target;
        let access = map_generic(access);
        let file = if name.is_empty() {
            pipe::open_root(nt_name, access, options)?
        } else {
            pipe::open_client(&name, nt_name, access, options)?
        };
        insert(a[0], a[3], file, FILE_OPENED, a[2])
    };
    Some(NtStatus::from_result(run()))
}

/// Implements NtCreateFile: pipe names here, other names in `io::file`.
pub fn NtCreateFile(a: &Args) -> NtStatus {
    open_pipe(a, a[1] as u32, a[8] as u32).unwrap_or_else(|| file::NtCreateFile(a))
}

/// Implements NtOpenFile: pipe names here, other names in `io::file`.
pub fn NtOpenFile(a: &Args) -> NtStatus {
    open_pipe(a, a[1] as u32, a[5] as u32).unwrap_or_else(|| file::NtOpenFile(a))
}

/// Implements NtCreateNamedPipeFile(FileHandle, DesiredAccess,
/// ObjectAttributes, IoStatusBlock, ShareAccess, CreateDisposition,
/// CreateOptions, NamedPipeType, ReadMode, CompletionMode,
/// MaximumInstances, InboundQuota, OutboundQuota, DefaultTimeout).
pub fn NtCreateNamedPipeFile(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        // A name outside the pipe file system is not found there.
        let (name, nt_name) = pipe_target(a[2])?.ok_or(STATUS_OBJECT_PATH_NOT_FOUND)?;
        if a[7] as u32 > 1 || a[8] as u32 > 1 || a[9] as u32 > 1 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        let default_timeout = match a[13] {
            0 => -500_000, // 50 ms, the default of CreateNamedPipe
            p => user::read::<i64>(p)?,
        };
        let params = pipe::CreateParams {
            access: map_generic(a[1] as u32),
            share: a[4] as u32,
            disposition: a[5] as u32,
            options: a[6] as u32,
            message_type: a[7] as u32 == 1,
            read_message: a[8] as u32 == 1,
            complete_operation: a[9] as u32 == 1,
            max_instances: a[10] as u32,
            inbound_quota: a[11] as u32,
            outbound_quota: a[12] as u32,
            default_timeout,
        };
        user::write(a[0], &0u64)?;
        let file = pipe::create_instance(&name, nt_name, &params)?;
        insert(a[0], a[3], file, FILE_CREATED, a[2])
    };
    NtStatus::from_result(run())
}

fn is_synchronous(file: &FileObject) -> bool {
    file.options & (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT) != 0
}

/// One non-blocking try at a pending request (the reactor's callback).
pub fn attempt(irp: &Irp) -> Attempt {
    if let Op::Notify { .. } = irp.op {
        return super::notify::attempt(irp);
    }
    match attach::pipe_of(&irp.file) {
        Some(end) => attempt_on(irp, &end),
        None => Attempt::Done(STATUS_INVALID_DEVICE_REQUEST, 0),
    }
}

/// One non-blocking try at a request on a pipe end.
fn attempt_on(irp: &Irp, end: &PipeEnd) -> Attempt {
    let fd = irp.file.raw();
    match &irp.op {
        Op::Read { buffer, length } => end.read(fd, *buffer, *length),
        Op::Write {
            buffer,
            length,
            done,
        } => end.write(fd, *buffer, *length, done),
        Op::Listen | Op::Notify { .. } => Attempt::WouldBlock,
    }
}

fn reference_event(h: u64) -> NtResult<Option<Arc<Event>>> {
    match h {
        0 => Ok(None),
        h => Ok(Some(ob::reference_typed::<Event>(h)?)),
    }
}

/// Issues a request: tries it at once (unless others of its direction
/// wait before it); then a synchronous request waits in this thread for
/// its descriptor, an asynchronous one is left to the reactor.
fn issue(irp: Arc<Irp>, end: &PipeEnd, read: bool) -> NtStatus {
    if !reactor::has_queued(&irp.file, read) {
        if let Attempt::Done(status, info) = attempt_on(&irp, end) {
            irp::complete(&irp, status, info, true);
            if !status.is_error() && info > 0 {
                // Data moved: what waits at the other end may go on.
                if let Some(peer) = end.peer() {
                    reactor::drive(&peer);
                }
            }
            return status;
        }
        if read && end.complete_operation.load(Ordering::Relaxed) {
            // PIPE_NOWAIT: nothing to read is an answer, not a wait.
            irp::complete(&irp, pipe::STATUS_PIPE_EMPTY, 0, true);
            return pipe::STATUS_PIPE_EMPTY;
        }
        if irp.synchronous {
            return wait_in_thread(&irp, end, read);
        }
    }
    irp::mark_pending(&irp);
    reactor::submit(irp.clone());
    if irp.synchronous {
        return irp::wait(&irp);
    }
    STATUS_PENDING
}

thread_local! {
    /// The eventfd that wakes this thread out of a synchronous pipe wait
    /// (CancelSynchronousIo).
    static WAKE_FD: Option<std::os::fd::OwnedFd> = {
        // SAFETY: eventfd returns a new descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        // SAFETY: a fresh descriptor we own.
        (fd >= 0).then(|| unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
    };
}

/// A synchronous request waits for its descriptor in the issuing thread
/// (poll), as a blocking read would, and for the thread's wake-up eventfd,
/// which a cancel writes.
fn wait_in_thread(irp: &Arc<Irp>, end: &PipeEnd, read: bool) -> NtStatus {
    use std::os::fd::AsRawFd;
    let Some(wake) = WAKE_FD.with(|w| w.as_ref().map(|w| w.as_raw_fd())) else {
        irp::mark_pending(irp);
        reactor::submit(irp.clone());
        return irp::wait(irp);
    };
    irp.set_wake_fd(wake);
    irp::mark_pending(irp);
    let events = if read {
        libc::POLLIN | libc::POLLRDHUP
    } else {
        libc::POLLOUT
    };
    loop {
        if irp.begin_attempt() {
            match attempt_on(irp, end) {
                Attempt::Done(status, info) => {
                    irp::complete_attempt(irp, status, info, true);
                    if !status.is_error() && info > 0 {
                        if let Some(peer) = end.peer() {
                            reactor::drive(&peer);
                        }
                    }
                    break;
                }
                Attempt::WouldBlock => irp.end_attempt(),
            }
        } else {
            break;
        }
        let mut fds = [
            libc::pollfd {
                fd: irp.file.raw(),
                events,
                revents: 0,
            },
            libc::pollfd {
                fd: wake,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: poll of two descriptors we hold.
        unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if fds[1].revents & libc::POLLIN != 0 {
            // A wake-up (the request was completed elsewhere, or a stale
            // one from an earlier request): take it.
            let mut v = 0u64;
            // SAFETY: an 8-byte read from our non-blocking eventfd.
            unsafe { libc::read(wake, &mut v as *mut u64 as *mut libc::c_void, 8) };
        }
    }
    irp.set_wake_fd(-1);
    irp::wait(irp)
}

thread_local! {
    /// Set while the asynchronous side has `io::file` move the data of a
    /// request itself: the hook lets that call through.
    static INSIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The data transfer of `io::file` for a request the asynchronous side
/// reports itself.
fn plain_transfer(a: &Args, write: bool) -> NtStatus {
    INSIDE.with(|i| i.set(true));
    let status = if write {
        file::NtWriteFile(a)
    } else {
        file::NtReadFile(a)
    };
    INSIDE.with(|i| i.set(false));
    status
}

/// Called by NtReadFile/NtWriteFile (`io::file`) once they have the file
/// object: pipes and files opened for asynchronous I/O are served here
/// (Some(status)); plain synchronous I/O goes on there (None).
pub fn transfer_hook(file: &Arc<FileObject>, a: &Args, write: bool) -> Option<NtStatus> {
    let end = if file.device_type == FILE_DEVICE_NAMED_PIPE {
        attach::pipe_of(file)
    } else {
        None
    };
    if end.is_none() && (is_synchronous(file) || INSIDE.with(|i| i.get())) {
        return None;
    }
    Some(transfer(file, end, a, write))
}

fn transfer(file: &Arc<FileObject>, end: Option<Arc<PipeEnd>>, a: &Args, write: bool) -> NtStatus {
    let synchronous = is_synchronous(file);
    let run = || -> NtResult<NtStatus> {
        let event = reference_event(a[1])?;
        let (iosb, buffer, length) = (a[4], a[5], a[6] as u32 as usize);
        // The status block must be writable before anything happens.
        user::read::<[u64; 2]>(iosb)?;
        let op = if write {
            Op::Write {
                buffer,
                length,
                done: AtomicUsize::new(0),
            }
        } else {
            Op::Read { buffer, length }
        };
        if let Some(e) = &event {
            // The I/O manager resets the caller's event as the request
            // starts.
            e.clear();
        }
        let Some(end) = end else {
            // A file opened for asynchronous I/O: page-cache transfers
            // complete here and now, reported the asynchronous way.
            if a[7] == 0 && file.device_type == FILE_DEVICE_DISK {
                // No file pointer to use: the offset is required.
                return Err(STATUS_INVALID_PARAMETER);
            }
            let mut sync_args = *a;
            sync_args[1] = 0;
            let status = plain_transfer(&sync_args, write);
            let info = user::read::<IO_STATUS_BLOCK>(iosb).map_or(0, |i| i.Information);
            let irp = Irp::new(file.clone(), op, iosb, event, a[2], a[3], false);
            irp::complete(&irp, status, info, true);
            return Ok(status);
        };
        let needed = if write {
            FILE_WRITE_DATA | FILE_APPEND_DATA
        } else {
            FILE_READ_DATA
        };
        if file.access & needed == 0 {
            return Err(STATUS_ACCESS_DENIED);
        }
        prepare_user_buffer(buffer, length)?;
        let irp = Irp::new(file.clone(), op, iosb, event, a[2], a[3], synchronous);
        Ok(issue(irp, &end, !write))
    };
    run().unwrap_or_else(|e| e)
}

/// FILE_PIPE_WAIT_FOR_BUFFER: Timeout (8), NameLength (4),
/// TimeoutSpecified (1), Name at 14.
fn pipe_wait(input: u64, length: usize) -> NtResult<()> {
    if length < 14 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let head = user::read_bytes(input, 14)?;
    let timeout = i64::from_le_bytes(head[0..8].try_into().unwrap());
    let name_len = u32::from_le_bytes(head[8..12].try_into().unwrap()) as usize;
    if !name_len.is_multiple_of(2) || 14 + name_len > length || name_len == 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let name = user::read_u16s(input + 14, name_len / 2)?;
    let name = String::from_utf16(&name).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    pipe::wait_for_instance(&name.to_lowercase(), (head[12] != 0).then_some(timeout))
}

/// Writes a FILE_PIPE_PEEK_BUFFER (state, bytes available, messages,
/// length of the next message, then the data) and the status block.
fn write_peek(iosb: u64, out: u64, peeked: (u32, u32, u32, u32, Vec<u8>)) -> NtResult<NtStatus> {
    let (state, avail, count, msg_len, data) = peeked;
    let mut buf = Vec::with_capacity(16 + data.len());
    for v in [state, avail, count, msg_len] {
        buf.extend(v.to_le_bytes());
    }
    buf.extend_from_slice(&data);
    user::write_from(out, &buf)?;
    let status = if (data.len() as u32) < msg_len {
        STATUS_BUFFER_OVERFLOW
    } else {
        STATUS_SUCCESS
    };
    write_iosb(iosb, status, buf.len() as u64)?;
    Ok(status)
}

/// Implements NtFsControlFile(FileHandle, Event, ApcRoutine, ApcContext,
/// IoStatusBlock, FsControlCode, InputBuffer, InputBufferLength,
/// OutputBuffer, OutputBufferLength) for the named-pipe FSCTLs.
pub fn NtFsControlFile(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        let iosb = a[4];
        let code = a[5] as u32;
        let ext = attach::get(&file);
        if ext.as_ref().is_some_and(|e| e.pipe_root.get().is_some()) {
            if code != FSCTL_PIPE_WAIT {
                return Err(STATUS_INVALID_PARAMETER);
            }
            pipe_wait(a[6], a[7] as u32 as usize)?;
            write_iosb(iosb, STATUS_SUCCESS, 0)?;
            return Ok(STATUS_SUCCESS);
        }
        let fd = file.raw();
        let Some(end) = ext.and_then(|e| e.pipe.get().cloned()) else {
            // A host pipe the process was given (a standard handle) can be
            // peeked at; nothing else of the pipe file system applies.
            if code == FSCTL_PIPE_PEEK && file.device_type == FILE_DEVICE_NAMED_PIPE {
                let (out, out_len) = (a[8], a[9] as u32 as usize);
                if out_len < 16 {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let peeked = pipe::peek_host(fd, out_len - 16)?;
                return write_peek(iosb, out, peeked);
            }
            // Not a pipe: the file system's own controls (reparse points).
            return Ok(super::reparse::NtFsControlFile(a));
        };
        match code {
            FSCTL_PIPE_LISTEN => {
                end.listen(fd)?;
                let event = reference_event(a[1])?;
                user::read::<[u64; 2]>(iosb)?;
                if let Some(e) = &event {
                    e.clear();
                }
                let irp = Irp::new(
                    file.clone(),
                    Op::Listen,
                    iosb,
                    event,
                    a[2],
                    a[3],
                    is_synchronous(&file),
                );
                irp::mark_pending(&irp);
                if !end.add_listener(irp.clone()) {
                    // A client connected in between.
                    irp::complete(&irp, STATUS_SUCCESS, 0, true);
                    return Ok(STATUS_SUCCESS);
                }
                if irp.synchronous {
                    return Ok(irp::wait(&irp));
                }
                Ok(STATUS_PENDING)
            }
            FSCTL_PIPE_TRANSCEIVE => {
                // TransactNamedPipe: a message pipe read in message mode,
                // with nothing unread; the request is written, then the
                // reply read as any read of the handle is.
                if !end.instance.pipe.message_type || !end.read_message.load(Ordering::Relaxed) {
                    return Err(STATUS_INVALID_READ_MODE);
                }
                if end.has_unread_data(fd) {
                    return Err(pipe::STATUS_PIPE_BUSY);
                }
                if file.access & FILE_WRITE_DATA == 0 || file.access & FILE_READ_DATA == 0 {
                    return Err(STATUS_ACCESS_DENIED);
                }
                let (input, in_len) = (a[6], a[7] as u32 as usize);
                let (output, out_len) = (a[8], a[9] as u32 as usize);
                prepare_user_buffer(input, in_len)?;
                prepare_user_buffer(output, out_len)?;
                let event = reference_event(a[1])?;
                user::read::<[u64; 2]>(iosb)?;
                let sent = AtomicUsize::new(0);
                loop {
                    match end.write(fd, input, in_len, &sent) {
                        Attempt::Done(status, _) if status.is_error() => return Err(status),
                        Attempt::Done(..) => break,
                        Attempt::WouldBlock => {
                            let mut p = libc::pollfd {
                                fd,
                                events: libc::POLLOUT,
                                revents: 0,
                            };
                            // SAFETY: poll of one descriptor we hold.
                            unsafe { libc::poll(&mut p, 1, -1) };
                        }
                    }
                }
                if let Some(peer) = end.peer() {
                    reactor::drive(&peer);
                }
                if let Some(e) = &event {
                    e.clear();
                }
                let op = Op::Read {
                    buffer: output,
                    length: out_len,
                };
                let irp = Irp::new(
                    file.clone(),
                    op,
                    iosb,
                    event,
                    a[2],
                    a[3],
                    is_synchronous(&file),
                );
                Ok(issue(irp, &end, true))
            }
            FSCTL_PIPE_DISCONNECT => {
                end.disconnect(&file)?;
                write_iosb(iosb, STATUS_SUCCESS, 0)?;
                Ok(STATUS_SUCCESS)
            }
            FSCTL_PIPE_PEEK => {
                let (out, out_len) = (a[8], a[9] as u32 as usize);
                if out_len < 16 {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let peeked = end.peek(fd, out_len - 16)?;
                write_peek(iosb, out, peeked)
            }
            _ => Err(STATUS_INVALID_DEVICE_REQUEST),
        }
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtSetInformationFile: FilePipeInformation,
/// FileCompletionInformation and FileIoCompletionNotificationInformation
/// here, the other classes in `io::info`.
pub fn NtSetInformationFile(a: &Args) -> NtStatus {
    let (iosb, buffer, length, class) = (a[1], a[2], a[3] as u32 as usize, a[4] as u32);
    if ![
        FILE_PIPE_INFORMATION,
        FILE_COMPLETION_INFORMATION,
        FILE_IO_COMPLETION_NOTIFICATION_INFORMATION,
    ]
    .contains(&class)
    {
        return super::info::NtSetInformationFile(a);
    }
    let run = || -> NtResult<()> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        match class {
            FILE_COMPLETION_INFORMATION => {
                if length < 16 {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let [port, key]: [u64; 2] = user::read(buffer)?;
                let port = ob::reference_typed::<IoCompletion>(port)?;
                let ext = attach::get_or_create(&file);
                let mut c = ext.completion.lock().unwrap_or_else(|e| e.into_inner());
                if c.is_some() {
                    return Err(STATUS_INVALID_PARAMETER);
                }
                *c = Some((port, key));
            }
            FILE_IO_COMPLETION_NOTIFICATION_INFORMATION => {
                if length < 4 {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let flags: u32 = user::read(buffer)?;
                let valid = attach::FILE_SKIP_COMPLETION_PORT_ON_SUCCESS
                    | attach::FILE_SKIP_SET_EVENT_ON_HANDLE
                    | attach::FILE_SKIP_SET_USER_EVENT_ON_FAST_IO;
                if flags & !valid != 0 {
                    return Err(STATUS_INVALID_PARAMETER);
                }
                // Modes once set stay set.
                attach::get_or_create(&file)
                    .notification
                    .fetch_or(flags, Ordering::AcqRel);
            }
            _ => {
                let end = attach::pipe_of(&file).ok_or(STATUS_INVALID_PARAMETER)?;
                if length < 8 {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let [read_mode, completion]: [u32; 2] = user::read(buffer)?;
                if read_mode > 1
                    || completion > 1
                    || read_mode == 1 && !end.instance.pipe.message_type
                {
                    return Err(STATUS_INVALID_PARAMETER);
                }
                end.read_message.store(read_mode == 1, Ordering::Relaxed);
                end.complete_operation
                    .store(completion == 1, Ordering::Relaxed);
            }
        }
        write_iosb(iosb, STATUS_SUCCESS, 0)
    };
    NtStatus::from_result(run())
}

/// Implements NtQueryInformationFile: FilePipeInformation and
/// FilePipeLocalInformation here, the other classes in `io::info`.
pub fn NtQueryInformationFile(a: &Args) -> NtStatus {
    let (iosb, buffer, length, class) = (a[1], a[2], a[3] as u32 as usize, a[4] as u32);
    if class != FILE_PIPE_INFORMATION && class != FILE_PIPE_LOCAL_INFORMATION {
        return super::info::NtQueryInformationFile(a);
    }
    let run = || -> NtResult<()> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        let end = attach::pipe_of(&file).ok_or(STATUS_INVALID_PARAMETER)?;
        let words: Vec<u32> = if class == FILE_PIPE_INFORMATION {
            vec![
                end.read_message.load(Ordering::Relaxed) as u32,
                end.complete_operation.load(Ordering::Relaxed) as u32,
            ]
        } else {
            let p = &end.instance.pipe;
            // FILE_PIPE_INBOUND 0, FILE_PIPE_OUTBOUND 1, FILE_PIPE_FULL_DUPLEX 2,
            // as the server sees it.
            let configuration = match (p.server_reads, p.server_writes) {
                (true, true) => 2,
                (false, true) => 1,
                _ => 0,
            };
            let fd = file.raw();
            let mut avail: libc::c_int = 0;
            // SAFETY: FIONREAD into an int.
            unsafe { libc::ioctl(fd, libc::FIONREAD, &mut avail) };
            vec![
                p.message_type as u32,
                configuration,
                p.max_instances,
                p.current_instances(),
                p.inbound_quota,
                avail.max(0) as u32,
                p.outbound_quota,
                p.outbound_quota,
                end.state(fd),
                end.server as u32,
            ]
        };
        if length < words.len() * 4 {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        user::write_from(buffer, &bytes)?;
        write_iosb(iosb, STATUS_SUCCESS, bytes.len() as u64)
    };
    NtStatus::from_result(run())
}
