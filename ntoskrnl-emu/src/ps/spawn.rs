//! NtCreateUserProcess: a child process is another Linux process running
//! casement on the child image (one exec, no intermediate shell). The
//! parent passes the creation spec in a memfd, the standard handles as
//! descriptors 0-2 and the inherited handles as further descriptors (see
//! [`super::child`]); the new process's handle is its pidfd.

use super::child::{self, ChildLink, ChildSpec, InheritedHandle};
use super::{Process, Thread, STILL_ACTIVE};
use crate::io::{names, FileObject};
use crate::ob;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64};
use std::sync::Arc;
use syscalls::nt::RTL_USER_PROCESS_PARAMETERS;
use syscalls::*;

/// ProcessFlags: the child inherits the handles marked inheritable.
const PROCESS_CREATE_FLAGS_INHERIT_HANDLES: u32 = 0x4;
/// ThreadFlags: the first thread starts suspended.
const THREAD_CREATE_FLAGS_CREATE_SUSPENDED: u32 = 0x1;
/// PS_ATTRIBUTE numbers (PsAttributeImageName, an input; PsAttributeClientId,
/// a thread attribute the service fills).
const PS_ATTRIBUTE_IMAGE_NAME: u64 = 0x20005;
const PS_ATTRIBUTE_CLIENT_ID: u64 = 0x10003;
const STATUS_INVALID_IMAGE_NOT_MZ: NtStatus = NtStatus(0xC000_012F);

/// Descriptor numbers in the child: 0-2 are the standard handles.
const SPEC_FD: i32 = 3;
const EXIT_FD: i32 = 4;
const RESUME_FD: i32 = 5;
const FIRST_HANDLE_FD: i32 = 6;

fn read_unicode(us: &syscalls::nt::UNICODE_STRING) -> NtResult<Vec<u16>> {
    if us.Length == 0 {
        return Ok(Vec::new());
    }
    user::read_u16s(us.Buffer, us.Length as usize / 2)
}

/// The environment block: EnvironmentSize bytes, or up to the empty
/// string that ends it.
fn read_environment(p: &RTL_USER_PROCESS_PARAMETERS) -> NtResult<Vec<u16>> {
    if p.Environment == 0 {
        return Ok(vec![0, 0]);
    }
    if p.EnvironmentSize >= 4 && p.EnvironmentSize < (64 << 20) {
        return user::read_u16s(p.Environment, p.EnvironmentSize as usize / 2);
    }
    let mut out = Vec::new();
    let mut at = p.Environment;
    loop {
        let chunk = ((0x1000 - (at & 0xFFF)) / 2).max(1) as usize;
        out.extend(user::read_u16s(at, chunk)?);
        if let Some(i) = out.windows(2).position(|w| w == [0, 0]) {
            out.truncate(i + 2);
            return Ok(out);
        }
        if out.len() > (32 << 20) {
            return Err(STATUS_INVALID_PARAMETER);
        }
        at += chunk as u64 * 2;
    }
}

/// Checks the image the way the section mapper would reject it: an x64
/// program, not a DLL.
fn check_image(path: &std::path::Path) -> NtResult<()> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|_| STATUS_OBJECT_NAME_NOT_FOUND)?;
    if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(STATUS_ACCESS_DENIED);
    }
    let mut head = vec![0u8; 4096];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return Err(STATUS_INVALID_IMAGE_FORMAT),
        }
    }
    head.truncate(n);
    if head.len() < 0x40 || &head[..2] != b"MZ" {
        return Err(STATUS_INVALID_IMAGE_NOT_MZ);
    }
    let pe = u32::from_le_bytes([head[0x3C], head[0x3D], head[0x3E], head[0x3F]]) as usize;
    let Some(h) = head.get(pe..pe.saturating_add(0x1A)) else {
        return Err(STATUS_INVALID_IMAGE_FORMAT);
    };
    if &h[..4] != b"PE\0\0" {
        return Err(STATUS_INVALID_IMAGE_FORMAT);
    }
    let machine = u16::from_le_bytes([h[4], h[5]]);
    let characteristics = u16::from_le_bytes([h[0x16], h[0x17]]);
    let magic = u16::from_le_bytes([h[0x18], h[0x19]]);
    if machine == 0x14C || magic == 0x10B {
        return Err(STATUS_INVALID_IMAGE_WIN_32);
    }
    if machine != 0x8664 || magic != 0x20B || characteristics & 0x2000 != 0 {
        return Err(STATUS_INVALID_IMAGE_FORMAT);
    }
    Ok(())
}

/// The file object behind a handle, if it is one.
fn file_of(handle: u64) -> Option<Arc<FileObject>> {
    if handle == 0 {
        return None;
    }
    ob::reference_typed::<FileObject>(handle).ok()
}

/// A copy of `fd` at `min` or above, closed on exec (the spawn's dup2
/// makes the child's copy).
fn dup_above(fd: i32, min: i32) -> NtResult<OwnedFd> {
    // SAFETY: fcntl on a descriptor the caller keeps open.
    let d = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, min) };
    if d < 0 {
        return Err(STATUS_INSUFFICIENT_RESOURCES);
    }
    // SAFETY: a fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(d) })
}

/// A memfd holding `data`, positioned at its start.
fn memfd_with(data: &[u8]) -> NtResult<OwnedFd> {
    // SAFETY: memfd_create with a static NUL-terminated name.
    let fd = unsafe { libc::memfd_create(c"casement-spawn".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(STATUS_INSUFFICIENT_RESOURCES);
    }
    // SAFETY: a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut file = std::fs::File::from(fd);
    use std::io::{Seek, Write};
    file.write_all(data)
        .and_then(|_| file.rewind())
        .map_err(|_| STATUS_INSUFFICIENT_RESOURCES)?;
    Ok(file.into())
}

/// The host environment for the child's casement: ours, with the spec's
/// descriptor named.
fn host_environment() -> Vec<CString> {
    let mut env: Vec<CString> = std::env::vars_os()
        .filter(|(k, _)| k.as_bytes() != child::SPEC_ENV.as_bytes())
        .filter_map(|(k, v)| {
            let mut e = k.as_bytes().to_vec();
            e.push(b'=');
            e.extend(v.as_bytes());
            CString::new(e).ok()
        })
        .collect();
    env.push(CString::new(format!("{}={SPEC_FD}", child::SPEC_ENV)).unwrap_or_default());
    env
}

struct Spawned {
    pid: i32,
}

/// posix_spawn of /proc/self/exe with `moves` (source, target) as the
/// child's descriptors and everything else closed.
fn spawn(
    moves: &[(i32, i32)],
    cwd: Option<&std::path::Path>,
    image: &std::path::Path,
) -> NtResult<Spawned> {
    let first_free = moves.iter().map(|m| m.1).max().unwrap_or(2) + 1;
    let exe = c"/proc/self/exe";
    let argv0 = c"casement";
    let image_c =
        CString::new(image.as_os_str().as_bytes()).map_err(|_| STATUS_OBJECT_NAME_INVALID)?;
    let argv = [argv0.as_ptr(), image_c.as_ptr(), core::ptr::null()];
    let env = host_environment();
    let mut envp: Vec<*const libc::c_char> = env.iter().map(|e| e.as_ptr()).collect();
    envp.push(core::ptr::null());
    let cwd_c = cwd.and_then(|c| CString::new(c.as_os_str().as_bytes()).ok());
    // SAFETY: the file actions and attributes are initialized, used and
    // destroyed here; every pointer passed outlives posix_spawn.
    unsafe {
        let mut actions: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
        libc::posix_spawn_file_actions_init(&mut actions);
        libc::posix_spawnattr_init(&mut attr);
        for &(src, dst) in moves {
            libc::posix_spawn_file_actions_adddup2(&mut actions, src, dst);
        }
        libc::posix_spawn_file_actions_addclosefrom_np(&mut actions, first_free);
        if let Some(c) = &cwd_c {
            libc::posix_spawn_file_actions_addchdir_np(&mut actions, c.as_ptr());
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        // glibc resets the signals that have handlers; the ones casement
        // ignores (SIGPIPE) would stay ignored across exec.
        let mut ignored: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut ignored);
        libc::sigaddset(&mut ignored, libc::SIGPIPE);
        libc::posix_spawnattr_setsigmask(&mut attr, &none);
        libc::posix_spawnattr_setsigdefault(&mut attr, &ignored);
        libc::posix_spawnattr_setflags(
            &mut attr,
            (libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF) as libc::c_short,
        );
        let mut pid: libc::pid_t = 0;
        let r = libc::posix_spawn(
            &mut pid,
            exe.as_ptr(),
            &actions,
            &attr,
            argv.as_ptr() as *const *mut libc::c_char,
            envp.as_ptr() as *const *mut libc::c_char,
        );
        libc::posix_spawn_file_actions_destroy(&mut actions);
        libc::posix_spawnattr_destroy(&mut attr);
        match r {
            0 => Ok(Spawned { pid }),
            libc::ENOENT => Err(STATUS_OBJECT_PATH_NOT_FOUND),
            libc::EACCES => Err(STATUS_ACCESS_DENIED),
            _ => Err(STATUS_INSUFFICIENT_RESOURCES),
        }
    }
}

fn pidfd_open(pid: i32) -> NtResult<OwnedFd> {
    // SAFETY: pidfd_open(pid, 0) returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if fd < 0 {
        return Err(STATUS_NOT_SUPPORTED);
    }
    // SAFETY: a fresh descriptor we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The image's NT name from the attribute list (PS_ATTRIBUTE_IMAGE_NAME),
/// and where to write the client id (PS_ATTRIBUTE_CLIENT_ID), if asked.
fn read_attributes(list: u64) -> NtResult<(Vec<u16>, Option<u64>)> {
    if list == 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let total = user::read::<u64>(list)?;
    if !(8..=8 + 32 * 64).contains(&total) {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let count = (total - 8) / 32;
    let (mut image, mut client_id) = (None, None);
    for i in 0..count {
        let at = list + 8 + i * 32;
        let [attribute, size, value, _ret] = user::read::<[u64; 4]>(at)?;
        match attribute {
            PS_ATTRIBUTE_IMAGE_NAME if size <= 65534 => {
                image = Some(user::read_u16s(value, size as usize / 2)?);
            }
            PS_ATTRIBUTE_CLIENT_ID if size >= 16 => client_id = Some(value),
            _ => {}
        }
    }
    Ok((image.ok_or(STATUS_INVALID_PARAMETER)?, client_id))
}

/// Implements NtCreateUserProcess(ProcessHandle, ThreadHandle,
/// ProcessDesiredAccess, ThreadDesiredAccess, ProcessObjectAttributes,
/// ThreadObjectAttributes, ProcessFlags, ThreadFlags, ProcessParameters,
/// CreateInfo, AttributeList).
///
/// The image comes from PS_ATTRIBUTE_IMAGE_NAME (an NT name); the
/// parameters must be normalized (pointers, as kernel32 builds them). The
/// object attributes and CreateInfo are not used: the process has no name
/// and no security descriptor, and failures are reported by status alone.
pub fn NtCreateUserProcess(a: &Args) -> NtStatus {
    NtStatus::from_result(create_user_process(a))
}

fn create_user_process(a: &Args) -> NtResult<()> {
    let (process_out, thread_out) = (a[0], a[1]);
    let (process_access, thread_access) = (a[2] as u32, a[3] as u32);
    let (process_flags, thread_flags) = (a[6] as u32, a[7] as u32);
    let suspended = thread_flags & THREAD_CREATE_FLAGS_CREATE_SUSPENDED != 0;
    let params = user::read::<RTL_USER_PROCESS_PARAMETERS>(a[8])?;
    if params.Flags & syscalls::nt::RTL_USER_PROC_PARAMS_NORMALIZED == 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let (image_nt, client_id_out) = read_attributes(a[10])?;
    // Validate the output pointers before anything starts.
    user::write(process_out, &0u64)?;
    user::write(thread_out, &0u64)?;

    let image_file = match names::resolve(&image_nt)? {
        names::Target::Host(p) => p,
        _ => return Err(STATUS_OBJECT_NAME_INVALID),
    };
    check_image(&image_file)?;
    let image_path = names::dos_name_of_host(&image_file);
    let command_line = String::from_utf16_lossy(&read_unicode(&params.CommandLine)?);
    let mut current_directory =
        String::from_utf16_lossy(&read_unicode(&params.CurrentDirectory.DosPath)?);
    if !current_directory.ends_with('\\') {
        current_directory.push('\\');
    }
    let cwd_host = {
        let nt: Vec<u16> = format!("\\??\\{current_directory}")
            .encode_utf16()
            .collect();
        match names::resolve(&nt) {
            Ok(names::Target::Host(p)) if p.is_dir() => p,
            _ => return Err(STATUS_OBJECT_PATH_NOT_FOUND),
        }
    };
    let environment = read_environment(&params)?;

    // Descriptors for the child: keep every source open (and above every
    // target number) until the spawn has copied them.
    let mut keep: Vec<OwnedFd> = Vec::new();
    let mut moves: Vec<(i32, i32)> = Vec::new();
    let mut spec = ChildSpec {
        image_file: image_file.as_os_str().as_bytes().to_vec(),
        image_path,
        command_line,
        current_directory,
        environment,
        exit_fd: EXIT_FD,
        resume_fd: if suspended { RESUME_FD } else { -1 },
        ..Default::default()
    };
    let inherited: Vec<(u64, Arc<FileObject>, u32)> = if process_flags
        & PROCESS_CREATE_FLAGS_INHERIT_HANDLES
        != 0
    {
        ob::handle::inheritable()
                .into_iter()
                .filter_map(|(value, e)| match e.object.into_any().downcast::<FileObject>() {
                    Ok(f) => Some((value, f, e.access)),
                    Err(_) => {
                        log::warn!("handle {value:#x} is inheritable but only files pass to a child process");
                        None
                    }
                })
                .collect()
    } else {
        Vec::new()
    };
    let above = FIRST_HANDLE_FD + inherited.len() as i32;
    let std_handles = [
        params.StandardInput,
        params.StandardOutput,
        params.StandardError,
    ];
    for (i, &h) in std_handles.iter().enumerate() {
        let src = match file_of(h) {
            Some(f) => {
                spec.std_values[i] = h;
                dup_above(f.raw(), above)?
            }
            // No handle: the child's descriptor is /dev/null, and its
            // standard handle is none.
            None => std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")
                .map(OwnedFd::from)
                .map_err(|_| STATUS_INSUFFICIENT_RESOURCES)
                .and_then(|f| dup_above(f.as_raw_fd(), above))?,
        };
        moves.push((src.as_raw_fd(), i as i32));
        keep.push(src);
    }
    for (n, (value, file, access)) in inherited.iter().enumerate() {
        let fd = FIRST_HANDLE_FD + n as i32;
        let src = dup_above(file.raw(), above)?;
        moves.push((src.as_raw_fd(), fd));
        keep.push(src);
        spec.handles.push(InheritedHandle {
            value: *value,
            fd,
            access: *access,
        });
    }
    let mut pipe = [0i32; 2];
    // SAFETY: pipe2 fills two descriptors.
    if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
        return Err(STATUS_INSUFFICIENT_RESOURCES);
    }
    // SAFETY: fresh descriptors we own.
    let (exit_read, exit_write) =
        unsafe { (OwnedFd::from_raw_fd(pipe[0]), OwnedFd::from_raw_fd(pipe[1])) };
    let exit_src = dup_above(exit_write.as_raw_fd(), above)?;
    drop(exit_write);
    moves.push((exit_src.as_raw_fd(), EXIT_FD));
    keep.push(exit_src);
    let mut resume_write = None;
    if suspended {
        let mut pipe = [0i32; 2];
        // SAFETY: pipe2 fills two descriptors.
        if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(STATUS_INSUFFICIENT_RESOURCES);
        }
        // SAFETY: fresh descriptors we own.
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(pipe[0]), OwnedFd::from_raw_fd(pipe[1])) };
        let src = dup_above(r.as_raw_fd(), above)?;
        moves.push((src.as_raw_fd(), RESUME_FD));
        keep.push(src);
        resume_write = Some(w);
    }
    let spec_fd = memfd_with(&spec.encode())?;
    let spec_src = dup_above(spec_fd.as_raw_fd(), above)?;
    drop(spec_fd);
    moves.push((spec_src.as_raw_fd(), SPEC_FD));
    keep.push(spec_src);

    let spawned = spawn(&moves, Some(&cwd_host), &image_file)?;
    drop(keep);
    // The child is not reaped until the watcher does it, so its pid cannot
    // be reused before the pidfd refers to it.
    let pidfd = pidfd_open(spawned.pid)?;
    let pid = spawned.pid as u32;
    let process = Arc::new(Process {
        id: pid,
        parent_id: std::process::id(),
        peb: 0,
        image_base: 0,
        exit_status: AtomicU32::new(STILL_ACTIVE),
        default_stack_reserve: 0,
        affinity: AtomicU64::new(0),
        ended: AtomicU32::new(0),
        child: Some(Arc::new(ChildLink::new(pidfd, exit_read))),
    });
    // The child's first thread: the Linux main thread, whose id is the pid.
    let thread = Arc::new(Thread {
        id: AtomicU32::new(pid),
        teb: 0,
        stack_base: 0,
        stack_limit: 0,
        exit_status: AtomicU32::new(STILL_ACTIVE),
        state: AtomicU32::new(0),
        suspend_count: AtomicU32::new(0),
        priority: AtomicI32::new(0),
        affinity: AtomicU64::new(0),
        description: std::sync::Mutex::new(Vec::new()),
        times: super::times::ThreadTimes::created_now(),
        apcs: Default::default(),
        suspend: Default::default(),
    });
    if let Some(w) = resume_write {
        child::add_suspended(&thread, w);
    }
    if !child::watch_child(process.clone(), thread.clone()) {
        let _ = child::terminate(&process, STATUS_INSUFFICIENT_RESOURCES.0);
        return Err(STATUS_INSUFFICIENT_RESOURCES);
    }
    // Without handles nobody could wait for or end the child: it goes.
    let ph = match ob::insert_object(process.clone(), process_access, 0) {
        Ok(h) => h,
        Err(e) => {
            let _ = child::terminate(&process, e.0);
            return Err(e);
        }
    };
    let th = match ob::insert_object(thread, thread_access, 0) {
        Ok(h) => h,
        Err(e) => {
            let _ = child::terminate(&process, e.0);
            let _ = ob::close_handle(ph);
            return Err(e);
        }
    };
    if let Some(cid) = client_id_out {
        let _ = user::write(cid, &[pid as u64, pid as u64]);
    }
    let _ = user::write(process_out, &ph);
    let _ = user::write(thread_out, &th);
    Ok(())
}
