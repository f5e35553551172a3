//! Byte-range locks: NtLockFile and NtUnlockFile, with the rules LockFileEx
//! documents. Locks belong to a file object (a handle and its duplicates);
//! an exclusive lock overlaps no other lock, a shared one overlaps only
//! shared locks and the same handle's exclusive ones; unlocking needs the
//! exact range locked. A handle's locks go when it is closed.
//!
//! ReadFile and WriteFile honour them (`check_io`): a read fails on a range
//! another handle holds exclusively, a write on a range any other handle
//! locks or this handle locks shared, with STATUS_FILE_LOCK_CONFLICT.
//! They hold between the handles of this process.

use super::share::FileId;
use super::FileObject;
use crate::ob;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use syscalls::*;

#[derive(Clone, Copy)]
struct Lock {
    owner: usize,
    offset: u64,
    length: u64,
    exclusive: bool,
}

impl Lock {
    fn overlaps(&self, offset: u64, length: u64) -> bool {
        length != 0
            && self.length != 0
            && offset < self.offset.saturating_add(self.length)
            && self.offset < offset.saturating_add(length)
    }
}

static LOCKS: Mutex<Option<HashMap<FileId, Vec<Lock>>>> = Mutex::new(None);
/// How many locks exist: I/O checks nothing while there are none.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// Signalled whenever locks are released, for waiting lockers.
static RELEASED: Condvar = Condvar::new();

fn owner(file: &FileObject) -> usize {
    file as *const FileObject as usize
}

fn file_id(file: &FileObject) -> NtResult<FileId> {
    // SAFETY: fstat on a descriptor we hold, into a zeroed stat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(file.raw(), &mut st) } != 0 {
        return Err(super::status_from_errno(super::last_errno()));
    }
    Ok(FileId::of(&st))
}

fn conflicts(locks: &[Lock], me: usize, offset: u64, length: u64, exclusive: bool) -> bool {
    locks
        .iter()
        .any(|l| l.overlaps(offset, length) && (exclusive || (l.exclusive && l.owner != me)))
}

/// Releases every lock `file` holds (it is being closed).
pub fn release_all(file: &FileObject) {
    let me = owner(file);
    let mut g = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(map) = g.as_mut() {
        let mut any = false;
        map.retain(|_, locks| {
            let before = locks.len();
            locks.retain(|l| l.owner != me);
            ACTIVE.fetch_sub(before - locks.len(), Ordering::Relaxed);
            any |= locks.len() != before;
            !locks.is_empty()
        });
        if any {
            RELEASED.notify_all();
        }
    }
}

/// Whether `file` may read (or write) `length` bytes at `offset` (its
/// file pointer when None) under the locks held.
pub fn check_io(
    file: &FileObject,
    offset: Option<i64>,
    length: usize,
    write: bool,
) -> NtResult<()> {
    if ACTIVE.load(Ordering::Relaxed) == 0 || length == 0 {
        return Ok(());
    }
    let offset = match offset {
        Some(o) => o,
        // SAFETY: lseek on a descriptor we hold.
        None => unsafe { libc::lseek(file.raw(), 0, libc::SEEK_CUR) },
    };
    if offset < 0 {
        return Ok(());
    }
    let id = file_id(file)?;
    let me = owner(file);
    let g = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
    let conflict = g.as_ref().and_then(|m| m.get(&id)).is_some_and(|locks| {
        locks.iter().any(|l| {
            l.overlaps(offset as u64, length as u64)
                && if write {
                    l.owner != me || !l.exclusive
                } else {
                    l.owner != me && l.exclusive
                }
        })
    });
    if conflict {
        Err(STATUS_FILE_LOCK_CONFLICT)
    } else {
        Ok(())
    }
}

fn read_range(offset_ptr: u64, length_ptr: u64) -> NtResult<(u64, u64)> {
    let offset: u64 = user::read(offset_ptr)?;
    let length: u64 = user::read(length_ptr)?;
    if offset.checked_add(length).is_none() && length != 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    Ok((offset, length))
}

fn write_iosb(iosb: u64, status: NtStatus) -> NtStatus {
    let io = nt::IO_STATUS_BLOCK {
        Status: status.0,
        _pad: 0,
        Information: 0,
    };
    match user::write(iosb, &io) {
        Ok(()) => status,
        Err(e) => e,
    }
}

/// Implements NtLockFile(FileHandle, Event, ApcRoutine, ApcContext,
/// IoStatusBlock, ByteOffset, Length, Key, FailImmediately, ExclusiveLock).
pub fn NtLockFile(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        if file.is_directory {
            return Err(STATUS_INVALID_PARAMETER);
        }
        let granted = super::file::map_generic(file.access);
        if granted & (super::file::FILE_READ_DATA | super::file::FILE_WRITE_DATA) == 0 {
            return Err(STATUS_ACCESS_DENIED);
        }
        let (offset, length) = read_range(a[5], a[6])?;
        let (fail_now, exclusive) = (a[8] as u8 != 0, a[9] as u8 != 0);
        let id = file_id(&file)?;
        let me = owner(&file);
        let mut g = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let locks = g.get_or_insert_with(HashMap::new).entry(id).or_default();
            if !conflicts(locks, me, offset, length, exclusive) {
                locks.push(Lock {
                    owner: me,
                    offset,
                    length,
                    exclusive,
                });
                ACTIVE.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            if fail_now {
                return Err(STATUS_LOCK_NOT_GRANTED);
            }
            g = RELEASED.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    };
    match run() {
        Ok(()) => {
            let st = write_iosb(a[4], STATUS_SUCCESS);
            if st.is_success() && a[1] != 0 {
                if let Ok(ev) = ob::reference_typed::<crate::ke::event::Event>(a[1]) {
                    ev.set();
                }
            }
            st
        }
        Err(e) => e,
    }
}

/// Implements NtUnlockFile(FileHandle, IoStatusBlock, ByteOffset, Length,
/// Key): the range must be one this handle locked, exactly.
pub fn NtUnlockFile(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let file = ob::reference_typed::<FileObject>(a[0])?;
        let (offset, length) = read_range(a[2], a[3])?;
        let id = file_id(&file)?;
        let me = owner(&file);
        let mut g = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
        let locks = g
            .as_mut()
            .and_then(|m| m.get_mut(&id))
            .ok_or(STATUS_RANGE_NOT_LOCKED)?;
        let i = locks
            .iter()
            .position(|l| l.owner == me && l.offset == offset && l.length == length)
            .ok_or(STATUS_RANGE_NOT_LOCKED)?;
        locks.remove(i);
        ACTIVE.fetch_sub(1, Ordering::Relaxed);
        RELEASED.notify_all();
        Ok(())
    };
    match run() {
        Ok(()) => write_iosb(a[1], STATUS_SUCCESS),
        Err(e) => e,
    }
}
