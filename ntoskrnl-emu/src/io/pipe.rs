//! Named pipes (and anonymous pipes, which are named pipes with a made-up
//! name): NtCreateNamedPipeFile, the client's open, the FSCTLs
//! (listen/ConnectNamedPipe, disconnect, peek, wait) and the transfer of
//! data.
//!
//! Each connected instance is a host socket pair: SOCK_STREAM for a byte
//! pipe, SOCK_SEQPACKET for a message pipe (one send is one message). The
//! server's end exists from NtCreateNamedPipeFile on; the client's end
//! waits in the instance until a client opens the name. DisconnectNamedPipe
//! puts a fresh pair's end in place of the server's descriptor (dup2), so
//! the server's handle stays valid and the old client sees its pipe end.
//! Sockets pass between processes as descriptors, as these pipes will.

use super::irp::{self, Irp};
use super::reactor::Attempt;
use super::{last_errno, FileObject};
use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};
use syscalls::*;

pub const STATUS_INSTANCE_NOT_AVAILABLE: NtStatus = NtStatus(0xC000_00AB);
pub const STATUS_PIPE_NOT_AVAILABLE: NtStatus = NtStatus(0xC000_00AC);
pub const STATUS_INVALID_PIPE_STATE: NtStatus = NtStatus(0xC000_00AD);
pub const STATUS_PIPE_BUSY: NtStatus = NtStatus(0xC000_00AE);
pub const STATUS_ILLEGAL_FUNCTION: NtStatus = NtStatus(0xC000_00AF);
pub const STATUS_PIPE_DISCONNECTED: NtStatus = NtStatus(0xC000_00B0);
pub const STATUS_PIPE_CLOSING: NtStatus = NtStatus(0xC000_00B1);
pub const STATUS_PIPE_CONNECTED: NtStatus = NtStatus(0xC000_00B2);
pub const STATUS_PIPE_LISTENING: NtStatus = NtStatus(0xC000_00B3);
pub const STATUS_IO_TIMEOUT: NtStatus = NtStatus(0xC000_00B5);
pub const STATUS_PIPE_EMPTY: NtStatus = NtStatus(0xC000_00D9);

/// FILE_PIPE_*_STATE, as FilePipeLocalInformation and peek report them.
pub const FILE_PIPE_DISCONNECTED_STATE: u32 = 1;
pub const FILE_PIPE_LISTENING_STATE: u32 = 2;
pub const FILE_PIPE_CONNECTED_STATE: u32 = 3;
pub const FILE_PIPE_CLOSING_STATE: u32 = 4;

/// One pipe name and its instances.
pub struct NamedPipe {
    /// Message type (FILE_PIPE_MESSAGE_TYPE): writes are messages.
    pub message_type: bool,
    /// u32::MAX: unlimited.
    pub max_instances: u32,
    pub inbound_quota: u32,
    pub outbound_quota: u32,
    /// DefaultTimeout in 100-ns units (negative: relative), for WaitNamedPipe
    /// with NMPWAIT_USE_DEFAULT_WAIT.
    pub default_timeout: i64,
    /// Whether servers read (the clients write) and write.
    pub server_reads: bool,
    pub server_writes: bool,
    /// A byte pipe that goes one way is a host pipe (pipe2), which moves
    /// bytes faster than a socket; the others are socket pairs.
    pub host_pipe: bool,
    instances: Mutex<Vec<Weak<Instance>>>,
    /// Bumped whenever an instance starts listening (FSCTL_PIPE_WAIT).
    word: AtomicU32,
}

/// A connection between one server instance and one client.
#[derive(Default)]
pub struct Connection {
    /// The server disconnected it (DisconnectNamedPipe).
    pub disconnected: AtomicBool,
    /// The client's file object (the server's is the instance's).
    client: OnceLock<Weak<FileObject>>,
}

enum State {
    /// Waiting for a client; the client's end of the next connection.
    Listening(OwnedFd),
    Connected(Arc<Connection>),
    /// After DisconnectNamedPipe, until the next listen.
    Disconnected(OwnedFd),
}

/// One server instance.
pub struct Instance {
    pub pipe: Arc<NamedPipe>,
    server: Weak<FileObject>,
    state: Mutex<State>,
    /// Pending FSCTL_PIPE_LISTEN requests (ConnectNamedPipe).
    listeners: Mutex<Vec<Arc<Irp>>>,
}

/// A file object's side of a pipe.
pub struct PipeEnd {
    pub instance: Arc<Instance>,
    pub server: bool,
    /// The client's connection (the server's is in the instance state).
    connection: Option<Arc<Connection>>,
    /// FILE_PIPE_MESSAGE_MODE reads.
    pub read_message: AtomicBool,
    /// FILE_PIPE_COMPLETE_OPERATION (PIPE_NOWAIT).
    pub complete_operation: AtomicBool,
    /// The unread rest of a message read in part.
    remainder: Mutex<Vec<u8>>,
}

static PIPES: OnceLock<Mutex<HashMap<String, Weak<NamedPipe>>>> = OnceLock::new();

fn pipes() -> std::sync::MutexGuard<'static, HashMap<String, Weak<NamedPipe>>> {
    PIPES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

impl NamedPipe {
    fn live_instances(&self) -> Vec<Arc<Instance>> {
        let mut v = self.instances.lock().unwrap_or_else(|e| e.into_inner());
        v.retain(|i| i.upgrade().is_some_and(|i| i.server.strong_count() > 0));
        v.iter().filter_map(|i| i.upgrade()).collect()
    }

    pub fn current_instances(&self) -> u32 {
        self.live_instances().len() as u32
    }

    fn has_listener(&self) -> bool {
        self.live_instances().iter().any(|i| {
            matches!(
                *i.state.lock().unwrap_or_else(|e| e.into_inner()),
                State::Listening(_)
            )
        })
    }

    fn bump(&self) {
        self.word.fetch_add(1, Ordering::Release);
        crate::ke::futex::wake(&self.word, i32::MAX);
    }
}

/// The two ends of a new connection of `pipe`: (server's, client's).
fn channel(pipe: &NamedPipe) -> NtResult<(OwnedFd, OwnedFd)> {
    if !pipe.host_pipe {
        return socket_pair(pipe.message_type);
    }
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 into a two-element array. Non-blocking: every transfer
    // is a try, and waits are polls.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
        return Err(super::status_from_errno(last_errno()));
    }
    // SAFETY: two fresh descriptors we own.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok(if pipe.server_reads { (r, w) } else { (w, r) })
}

/// A non-blocking read of a pipe end's descriptor.
fn nb_read(fd: i32, buffer: *mut libc::c_void, length: usize, host_pipe: bool) -> isize {
    // SAFETY: the callers pass a checked buffer of `length` bytes; the host
    // kernel reports EFAULT rather than faulting.
    unsafe {
        if host_pipe {
            libc::read(fd, buffer, length)
        } else {
            libc::recv(fd, buffer, length, libc::MSG_DONTWAIT)
        }
    }
}

/// A non-blocking write; a closed reader is EPIPE, not a signal.
fn nb_write(fd: i32, buffer: *const libc::c_void, length: usize, host_pipe: bool) -> isize {
    // SAFETY: as nb_read.
    unsafe {
        if host_pipe {
            libc::write(fd, buffer, length)
        } else {
            libc::send(fd, buffer, length, libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL)
        }
    }
}

/// Copies what a host pipe holds without taking it (tee into a scratch
/// pipe, then read that).
fn peek_host_pipe(fd: i32, max: usize) -> Vec<u8> {
    let mut scratch = [0i32; 2];
    // SAFETY: pipe2 into a two-element array.
    if max == 0
        || unsafe { libc::pipe2(scratch.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0
    {
        return Vec::new();
    }
    let mut out = vec![0u8; max];
    // SAFETY: tee between two pipes we hold; then a read into our buffer.
    let n = unsafe {
        let t = libc::tee(fd, scratch[1], max, libc::SPLICE_F_NONBLOCK);
        if t > 0 {
            libc::read(scratch[0], out.as_mut_ptr().cast(), t as usize)
        } else {
            0
        }
    };
    // SAFETY: closing the scratch pipe.
    unsafe {
        libc::close(scratch[0]);
        libc::close(scratch[1]);
    }
    out.truncate(n.max(0) as usize);
    out
}

fn socket_pair(message: bool) -> NtResult<(OwnedFd, OwnedFd)> {
    let kind = if message {
        libc::SOCK_SEQPACKET
    } else {
        libc::SOCK_STREAM
    };
    let mut fds = [0i32; 2];
    // SAFETY: socketpair into a two-element array.
    if unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            kind | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    } != 0
    {
        return Err(super::status_from_errno(last_errno()));
    }
    if message {
        // A message is one datagram, at most the send buffer: ask for the
        // most the host allows (it caps the request at its wmem_max).
        let size: libc::c_int = 4 << 20;
        for fd in fds {
            // SAFETY: setsockopt with an int we own.
            unsafe {
                libc::setsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_SNDBUF,
                    &size as *const libc::c_int as *const libc::c_void,
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
        }
    }
    // SAFETY: two fresh descriptors we own.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// The pipe name of an NT name under `\Device\NamedPipe\` or `\??\pipe\`
/// (lower-cased: pipe names are case-insensitive), or None for another
/// name. `Some("")` is the file system's root.
pub fn pipe_name(nt: &[u16]) -> Option<String> {
    let s = String::from_utf16(nt).ok()?;
    let lower = s.to_lowercase();
    for prefix in [
        "\\device\\namedpipe",
        "\\??\\pipe",
        "\\global??\\pipe",
        "\\dosdevices\\pipe",
    ] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            if rest.is_empty() {
                return Some(String::new());
            }
            if let Some(name) = rest.strip_prefix('\\') {
                return Some(name.to_string());
            }
        }
    }
    None
}

pub struct CreateParams {
    pub access: u32,
    pub share: u32,
    pub disposition: u32,
    pub options: u32,
    pub message_type: bool,
    pub read_message: bool,
    pub complete_operation: bool,
    pub max_instances: u32,
    pub inbound_quota: u32,
    pub outbound_quota: u32,
    pub default_timeout: i64,
}

const FILE_READ_DATA: u32 = 0x1;
const FILE_WRITE_DATA: u32 = 0x2;
const FILE_SHARE_READ: u32 = 0x1;
const FILE_SHARE_WRITE: u32 = 0x2;
const FILE_CREATE: u32 = 2;

/// The body of NtCreateNamedPipeFile: a new server instance of `name`.
pub fn create_instance(
    name: &str,
    nt_name: Vec<u16>,
    p: &CreateParams,
) -> NtResult<Arc<FileObject>> {
    // Pipe names may hold backslashes (`LOCAL\name`, `mojo\123`).
    if name.is_empty() {
        return Err(STATUS_OBJECT_NAME_INVALID);
    }
    if p.max_instances == 0 || p.read_message && !p.message_type {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let pipe = {
        let mut map = pipes();
        let existing = map.get(name).and_then(|w| w.upgrade());
        let pipe = match existing {
            Some(pipe) if !pipe.live_instances().is_empty() => {
                if p.disposition == FILE_CREATE {
                    // FILE_FLAG_FIRST_PIPE_INSTANCE of a pipe that exists.
                    return Err(STATUS_ACCESS_DENIED);
                }
                if pipe.live_instances().len() as u64 >= pipe.max_instances as u64 {
                    return Err(STATUS_INSTANCE_NOT_AVAILABLE);
                }
                pipe
            }
            _ => {
                let pipe = Arc::new(NamedPipe {
                    message_type: p.message_type,
                    max_instances: p.max_instances,
                    inbound_quota: p.inbound_quota,
                    outbound_quota: p.outbound_quota,
                    default_timeout: p.default_timeout,
                    server_reads: p.access & FILE_READ_DATA != 0 || p.share & FILE_SHARE_WRITE != 0,
                    server_writes: p.access & FILE_WRITE_DATA != 0
                        || p.share & FILE_SHARE_READ != 0,
                    host_pipe: !p.message_type
                        && (p.access & FILE_READ_DATA != 0 || p.share & FILE_SHARE_WRITE != 0)
                            != (p.access & FILE_WRITE_DATA != 0 || p.share & FILE_SHARE_READ != 0),
                    instances: Mutex::new(Vec::new()),
                    word: AtomicU32::new(0),
                });
                map.insert(name.to_string(), Arc::downgrade(&pipe));
                pipe
            }
        };
        map.retain(|_, w| w.strong_count() > 0);
        pipe
    };
    let (server_fd, client_fd) = channel(&pipe)?;
    let file = Arc::new(FileObject {
        fd: server_fd,
        path: Mutex::new(None),
        nt_name,
        access: p.access,
        options: p.options,
        device_type: super::FILE_DEVICE_NAMED_PIPE,
        is_directory: false,
        delete_on_close: AtomicU32::new(0),
        event: crate::io::file_event::FileEvent::new(),
    });
    let instance = Arc::new(Instance {
        pipe: pipe.clone(),
        server: Arc::downgrade(&file),
        state: Mutex::new(State::Listening(client_fd)),
        listeners: Mutex::new(Vec::new()),
    });
    pipe.instances
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Arc::downgrade(&instance));
    let end = Arc::new(PipeEnd {
        instance,
        server: true,
        connection: None,
        read_message: AtomicBool::new(p.read_message),
        complete_operation: AtomicBool::new(p.complete_operation),
        remainder: Mutex::new(Vec::new()),
    });
    let _ = super::attach::get_or_create(&file).pipe.set(end);
    pipe.bump();
    Ok(file)
}

/// The root of the named-pipe file system (`\Device\NamedPipe\`).
pub fn open_root(nt_name: Vec<u16>, access: u32, options: u32) -> NtResult<Arc<FileObject>> {
    let fd = std::fs::File::open("/dev/null").map_err(|_| STATUS_INSUFFICIENT_RESOURCES)?;
    let file = Arc::new(FileObject {
        fd: fd.into(),
        path: Mutex::new(None),
        nt_name,
        access,
        options,
        device_type: super::FILE_DEVICE_NAMED_PIPE,
        is_directory: true,
        delete_on_close: AtomicU32::new(0),
        event: crate::io::file_event::FileEvent::new(),
    });
    let _ = super::attach::get_or_create(&file).pipe_root.set(());
    Ok(file)
}

/// A client's open of a pipe name: connects to a listening instance.
pub fn open_client(
    name: &str,
    nt_name: Vec<u16>,
    access: u32,
    options: u32,
) -> NtResult<Arc<FileObject>> {
    let pipe = pipes()
        .get(name)
        .and_then(|w| w.upgrade())
        .ok_or(STATUS_OBJECT_NAME_NOT_FOUND)?;
    let instances = pipe.live_instances();
    if instances.is_empty() {
        return Err(STATUS_OBJECT_NAME_NOT_FOUND);
    }
    // The client reads what the server writes and writes what it reads.
    if access & FILE_READ_DATA != 0 && !pipe.server_writes
        || access & FILE_WRITE_DATA != 0 && !pipe.server_reads
    {
        return Err(STATUS_ACCESS_DENIED);
    }
    for instance in instances {
        let mut state = instance.state.lock().unwrap_or_else(|e| e.into_inner());
        if !matches!(*state, State::Listening(_)) {
            continue;
        }
        let connection = Arc::new(Connection::default());
        let State::Listening(fd) =
            std::mem::replace(&mut *state, State::Connected(connection.clone()))
        else {
            unreachable!()
        };
        drop(state);
        let file = Arc::new(FileObject {
            fd,
            path: Mutex::new(None),
            nt_name,
            access,
            options,
            device_type: super::FILE_DEVICE_NAMED_PIPE,
            is_directory: false,
            delete_on_close: AtomicU32::new(0),
            event: crate::io::file_event::FileEvent::new(),
        });
        let end = Arc::new(PipeEnd {
            instance: instance.clone(),
            server: false,
            connection: Some(connection.clone()),
            // A client starts in byte-read mode.
            read_message: AtomicBool::new(false),
            complete_operation: AtomicBool::new(false),
            remainder: Mutex::new(Vec::new()),
        });
        let _ = super::attach::get_or_create(&file).pipe.set(end);
        let _ = connection.client.set(Arc::downgrade(&file));
        // Pending ConnectNamedPipe calls of the instance complete.
        let listeners =
            std::mem::take(&mut *instance.listeners.lock().unwrap_or_else(|e| e.into_inner()));
        for l in listeners {
            irp::complete(&l, STATUS_SUCCESS, 0, false);
        }
        return Ok(file);
    }
    Err(STATUS_PIPE_NOT_AVAILABLE)
}

fn hung_up(fd: i32) -> bool {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: poll of one descriptor, no wait.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n == 1 && p.revents & (libc::POLLHUP | libc::POLLRDHUP | libc::POLLERR) != 0
}

fn bytes_available(fd: i32) -> u32 {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD into an int.
    if unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } != 0 {
        return 0;
    }
    n.max(0) as u32
}

impl PipeEnd {
    /// The connection this end's I/O goes through, or the status I/O gets
    /// in the state the instance is in.
    fn connection(&self) -> NtResult<Arc<Connection>> {
        if let Some(c) = &self.connection {
            return Ok(c.clone());
        }
        match &*self
            .instance
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
        {
            State::Connected(c) => Ok(c.clone()),
            State::Listening(_) => Err(STATUS_PIPE_LISTENING),
            State::Disconnected(_) => Err(STATUS_PIPE_DISCONNECTED),
        }
    }

    fn eof_status(&self, c: &Connection) -> NtStatus {
        if c.disconnected.load(Ordering::Acquire) {
            STATUS_PIPE_DISCONNECTED
        } else {
            STATUS_PIPE_BROKEN
        }
    }

    /// The file object at the other end of the connection, if there is
    /// one now.
    pub fn peer(&self) -> Option<Arc<FileObject>> {
        if self.server {
            self.connection().ok()?.client.get()?.upgrade()
        } else {
            self.instance.server.upgrade()
        }
    }

    /// The FILE_PIPE_*_STATE of this end.
    pub fn state(&self, fd: i32) -> u32 {
        match self.connection() {
            Ok(c) if c.disconnected.load(Ordering::Acquire) => FILE_PIPE_DISCONNECTED_STATE,
            Ok(_) if hung_up(fd) && bytes_available(fd) == 0 => FILE_PIPE_CLOSING_STATE,
            Ok(_) => FILE_PIPE_CONNECTED_STATE,
            Err(STATUS_PIPE_LISTENING) => FILE_PIPE_LISTENING_STATE,
            Err(_) => FILE_PIPE_DISCONNECTED_STATE,
        }
    }

    /// One non-blocking try at a read into user memory.
    pub fn read(&self, fd: i32, buffer: u64, length: usize) -> Attempt {
        let c = match self.connection() {
            Ok(c) => c,
            Err(e) => return Attempt::Done(e, 0),
        };
        let message_read = self.read_message.load(Ordering::Relaxed);
        let mut rest = self.remainder.lock().unwrap_or_else(|e| e.into_inner());
        if !rest.is_empty() {
            let n = rest.len().min(length);
            if let Err(e) = user::write_from(buffer, &rest[..n]) {
                return Attempt::Done(e, 0);
            }
            rest.drain(..n);
            let status = if !rest.is_empty() && message_read {
                STATUS_BUFFER_OVERFLOW
            } else {
                STATUS_SUCCESS
            };
            return Attempt::Done(status, n as u64);
        }
        if self.instance.pipe.message_type {
            // The size of the next message.
            // SAFETY: a zero-length peek; MSG_TRUNC makes it return the
            // message's real length.
            let size = unsafe {
                libc::recv(
                    fd,
                    std::ptr::null_mut(),
                    0,
                    libc::MSG_PEEK | libc::MSG_TRUNC | libc::MSG_DONTWAIT,
                )
            };
            if size < 0 {
                return self.recv_error(&c);
            }
            if size == 0 && hung_up(fd) {
                return Attempt::Done(self.eof_status(&c), 0);
            }
            if size == 0 {
                // A zero-length message.
                // SAFETY: a zero-length receive consumes it.
                unsafe { libc::recv(fd, std::ptr::null_mut(), 0, libc::MSG_DONTWAIT) };
                return Attempt::Done(STATUS_SUCCESS, 0);
            }
            let size = size as usize;
            if size > length {
                let mut whole = vec![0u8; size];
                // SAFETY: recv into our own buffer of the message's size.
                let n =
                    unsafe { libc::recv(fd, whole.as_mut_ptr().cast(), size, libc::MSG_DONTWAIT) };
                if n < 0 {
                    return self.recv_error(&c);
                }
                whole.truncate(n as usize);
                if let Err(e) = user::write_from(buffer, &whole[..length]) {
                    return Attempt::Done(e, 0);
                }
                rest.extend_from_slice(&whole[length..]);
                let status = if message_read {
                    STATUS_BUFFER_OVERFLOW
                } else {
                    STATUS_SUCCESS
                };
                return Attempt::Done(status, length as u64);
            }
        } else if length == 0 {
            // A zero-byte read waits for data and takes none: the way
            // event loops (libuv) learn that a pipe is readable.
            if bytes_available(fd) > 0 {
                return Attempt::Done(STATUS_SUCCESS, 0);
            }
            if hung_up(fd) {
                return Attempt::Done(self.eof_status(&c), 0);
            }
            return Attempt::WouldBlock;
        }
        if let Err(e) = super::dispatch::prepare_user_buffer(buffer, length) {
            return Attempt::Done(e, 0);
        }
        let n = nb_read(
            fd,
            buffer as *mut libc::c_void,
            length,
            self.instance.pipe.host_pipe,
        );
        if n < 0 {
            return self.recv_error(&c);
        }
        if n == 0 && (length > 0 || hung_up(fd)) {
            return Attempt::Done(self.eof_status(&c), 0);
        }
        Attempt::Done(STATUS_SUCCESS, n as u64)
    }

    fn recv_error(&self, c: &Connection) -> Attempt {
        match last_errno() {
            libc::EAGAIN | libc::EINTR => Attempt::WouldBlock,
            libc::ECONNRESET => Attempt::Done(self.eof_status(c), 0),
            e => Attempt::Done(super::status_from_errno(e), 0),
        }
    }

    /// One non-blocking try at (the rest of) a write from user memory.
    pub fn write(
        &self,
        fd: i32,
        buffer: u64,
        length: usize,
        done: &std::sync::atomic::AtomicUsize,
    ) -> Attempt {
        let c = match self.connection() {
            Ok(c) => c,
            Err(e) => return Attempt::Done(e, 0),
        };
        if let Err(e) = super::dispatch::prepare_user_buffer(buffer, length) {
            return Attempt::Done(e, 0);
        }
        let message = self.instance.pipe.message_type;
        loop {
            let sent = done.load(Ordering::Relaxed);
            if sent == length && !(message && length == 0 && sent == 0) {
                return Attempt::Done(STATUS_SUCCESS, length as u64);
            }
            let n = nb_write(
                fd,
                (buffer + sent as u64) as *const libc::c_void,
                length - sent,
                self.instance.pipe.host_pipe,
            );
            if n < 0 {
                return match last_errno() {
                    libc::EAGAIN | libc::EINTR => Attempt::WouldBlock,
                    libc::EPIPE | libc::ECONNRESET => {
                        let status = if c.disconnected.load(Ordering::Acquire) {
                            STATUS_PIPE_DISCONNECTED
                        } else {
                            // The reading end has been closed: "the pipe
                            // is being closed" (ERROR_NO_DATA).
                            STATUS_PIPE_CLOSING
                        };
                        Attempt::Done(status, sent as u64)
                    }
                    e => Attempt::Done(super::status_from_errno(e), sent as u64),
                };
            }
            done.store(sent + n as usize, Ordering::Relaxed);
            if message {
                return Attempt::Done(STATUS_SUCCESS, length as u64);
            }
        }
    }

    /// FSCTL_PIPE_LISTEN: Ok(None) when already connected to a client
    /// that is still there is reported by the caller; here: Err for the
    /// states that fail, Ok(true) when a client is connected now, Ok(false)
    /// when the listen must wait.
    pub fn listen(&self, fd: i32) -> NtResult<bool> {
        if !self.server {
            // A server's request on a client's end.
            return Err(STATUS_ILLEGAL_FUNCTION);
        }
        let mut state = self
            .instance
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match &*state {
            State::Connected(_) => {
                if hung_up(fd) && bytes_available(fd) == 0 {
                    Err(STATUS_PIPE_CLOSING)
                } else {
                    Err(STATUS_PIPE_CONNECTED)
                }
            }
            State::Listening(_) => Ok(false),
            State::Disconnected(_) => {
                let State::Disconnected(client) =
                    std::mem::replace(&mut *state, State::Connected(Arc::default()))
                else {
                    unreachable!()
                };
                *state = State::Listening(client);
                drop(state);
                self.instance.pipe.bump();
                Ok(false)
            }
        }
    }

    pub fn add_listener(&self, irp: Arc<Irp>) -> bool {
        // A client may have come between the state check and now.
        let state = self
            .instance
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !matches!(*state, State::Listening(_)) {
            return false;
        }
        self.instance
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(irp);
        true
    }

    pub fn forget_listener(&self, irp: &Arc<Irp>) {
        self.instance
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|l| !Arc::ptr_eq(l, irp));
    }

    /// FSCTL_PIPE_DISCONNECT: ends the connection; the server's handle
    /// stays, and the instance takes no client until the next listen.
    pub fn disconnect(&self, file: &Arc<FileObject>) -> NtResult<()> {
        if !self.server {
            // A server's request on a client's end.
            return Err(STATUS_ILLEGAL_FUNCTION);
        }
        let (server, client) = channel(&self.instance.pipe)?;
        {
            let mut state = self
                .instance
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let State::Connected(c) = &*state {
                c.disconnected.store(true, Ordering::Release);
            }
            // SAFETY: dup2 onto the descriptor the server's file object
            // owns: it now refers to the new pair's end, and the old
            // connection's end is closed.
            if unsafe { libc::dup2(server.as_raw_fd(), file.raw()) } < 0 {
                return Err(super::status_from_errno(last_errno()));
            }
            *state = State::Disconnected(client);
        }
        self.remainder
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        irp::fail_all_of(file, STATUS_PIPE_DISCONNECTED);
        let listeners = std::mem::take(
            &mut *self
                .instance
                .listeners
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for l in listeners {
            irp::complete(&l, STATUS_PIPE_DISCONNECTED, 0, false);
        }
        Ok(())
    }

    /// Whether anything is there to read (FSCTL_PIPE_TRANSCEIVE refuses
    /// a pipe holding unread data).
    pub fn has_unread_data(&self, fd: i32) -> bool {
        !self
            .remainder
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
            || bytes_available(fd) > 0
    }

    /// FSCTL_PIPE_PEEK: (state, bytes available, messages, length of the
    /// next message, the bytes peeked).
    pub fn peek(&self, fd: i32, max: usize) -> NtResult<(u32, u32, u32, u32, Vec<u8>)> {
        let c = self.connection().map_err(|e| match e {
            STATUS_PIPE_LISTENING => STATUS_INVALID_PIPE_STATE,
            e => e,
        })?;
        let rest = self.remainder.lock().unwrap_or_else(|e| e.into_inner());
        let queued = bytes_available(fd);
        if rest.is_empty() && queued == 0 && hung_up(fd) {
            return Err(self.eof_status(&c));
        }
        let message = self.instance.pipe.message_type;
        let mut data = Vec::new();
        let (avail, count, msg_len);
        if !rest.is_empty() {
            data.extend_from_slice(&rest[..rest.len().min(max)]);
            avail = rest.len() as u32 + queued;
            count = 1;
            msg_len = rest.len() as u32;
        } else if self.instance.pipe.host_pipe {
            data = peek_host_pipe(fd, max);
            avail = queued;
            count = 0;
            msg_len = 0;
        } else {
            let mut buf = vec![0u8; max];
            // SAFETY: a peek into our own buffer.
            let n = unsafe {
                libc::recv(
                    fd,
                    buf.as_mut_ptr().cast(),
                    max,
                    libc::MSG_PEEK | libc::MSG_DONTWAIT | libc::MSG_TRUNC,
                )
            };
            let n = n.max(0) as usize;
            buf.truncate(n.min(max));
            data = buf;
            avail = queued;
            count = (message && n > 0) as u32;
            msg_len = if message { n as u32 } else { 0 };
        }
        Ok((FILE_PIPE_CONNECTED_STATE, avail, count, msg_len, data))
    }
}

/// FSCTL_PIPE_PEEK of a host pipe or socket the process was given (a
/// standard handle): what is there to read, STATUS_PIPE_BROKEN once the
/// writers are gone and nothing is left.
pub fn peek_host(fd: i32, max: usize) -> NtResult<(u32, u32, u32, u32, Vec<u8>)> {
    let queued = bytes_available(fd);
    if queued == 0 && hung_up(fd) {
        return Err(STATUS_PIPE_BROKEN);
    }
    // SAFETY: fstat into a zeroed stat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let is_fifo =
        unsafe { libc::fstat(fd, &mut st) } == 0 && st.st_mode & libc::S_IFMT == libc::S_IFIFO;
    let data = if is_fifo {
        peek_host_pipe(fd, max.min(queued as usize))
    } else {
        let mut buf = vec![0u8; max.min(queued as usize)];
        // SAFETY: a peek into our own buffer.
        let n = unsafe {
            libc::recv(
                fd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        buf.truncate(n.max(0) as usize);
        buf
    };
    Ok((FILE_PIPE_CONNECTED_STATE, queued, 0, 0, data))
}

/// FSCTL_PIPE_WAIT: waits until an instance of `name` listens, or the
/// timeout (None: the pipe's default) passes.
pub fn wait_for_instance(name: &str, timeout: Option<i64>) -> NtResult<()> {
    let pipe = pipes()
        .get(name)
        .and_then(|w| w.upgrade())
        .filter(|p| !p.live_instances().is_empty())
        .ok_or(STATUS_OBJECT_NAME_NOT_FOUND)?;
    let t = timeout.unwrap_or(pipe.default_timeout);
    let deadline = if t == i64::MIN {
        None
    } else {
        let d = if t < 0 { t.unsigned_abs() } else { 0 };
        Some(Instant::now() + Duration::from_nanos(d.saturating_mul(100)))
    };
    loop {
        let seen = pipe.word.load(Ordering::Acquire);
        if pipe.has_listener() {
            return Ok(());
        }
        let rest = match deadline {
            None => None,
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(r) if !r.is_zero() => Some(r),
                _ => return Err(STATUS_IO_TIMEOUT),
            },
        };
        crate::ke::futex::wait(&pipe.word, seen, rest);
    }
}

#[cfg(test)]
#[path = "pipe_tests.rs"]
mod tests;
