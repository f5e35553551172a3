//! The handle table (ObReferenceObjectByHandle, ObInsertObject, NtClose,
//! NtDuplicateObject, handle attributes).
//!
//! Windows semantics: values are multiples of 4 and the low two bits are
//! ignored on lookup; -1 and -2 are the current process and thread; each
//! handle records its granted access and its attributes.

use super::Object;
use crate::ps;
use std::sync::{Arc, RwLock};
use syscalls::nt::{NT_CURRENT_PROCESS, NT_CURRENT_THREAD};
use syscalls::*;

/// OBJ_INHERIT as a handle attribute.
pub const HANDLE_INHERIT: u32 = 0x2;
/// OBJ_PROTECT_CLOSE: NtClose fails with STATUS_HANDLE_NOT_CLOSABLE.
pub const HANDLE_PROTECT_FROM_CLOSE: u32 = 0x1;
pub const STATUS_HANDLE_NOT_CLOSABLE: NtStatus = NtStatus(0xC000_0235);
/// The access a pseudo-handle grants: PROCESS_ALL_ACCESS / THREAD_ALL_ACCESS.
const PSEUDO_HANDLE_ACCESS: u32 = 0x1F_FFFF;

#[derive(Clone)]
pub struct HandleEntry {
    pub object: Arc<dyn Object>,
    pub access: u32,
    pub attributes: u32,
}

struct Table {
    slots: Vec<Option<HandleEntry>>,
    free: Vec<usize>,
}

static TABLE: RwLock<Table> = RwLock::new(Table {
    slots: Vec::new(),
    free: Vec::new(),
});

fn index_of(handle: u64) -> Option<usize> {
    // Handle values are (index + 1) * 4; the low two bits are tag bits that
    // Windows ignores.
    let v = (handle as u32 as u64) >> 2;
    if handle >> 32 != 0 && handle >> 32 != 0xFFFF_FFFF || v == 0 {
        return None;
    }
    Some(v as usize - 1)
}

/// ObInsertObject: creates a handle to `object` in the process's table.
pub fn insert_object(object: Arc<dyn Object>, access: u32, attributes: u32) -> NtResult<u64> {
    let mut t = TABLE.write().unwrap_or_else(|e| e.into_inner());
    let entry = Some(HandleEntry {
        object,
        access,
        attributes,
    });
    let index = match t.free.pop() {
        Some(i) => {
            t.slots[i] = entry;
            i
        }
        None => {
            if t.slots.len() >= (1 << 24) {
                return Err(STATUS_INSUFFICIENT_RESOURCES);
            }
            t.slots.push(entry);
            t.slots.len() - 1
        }
    };
    Ok((index as u64 + 1) * 4)
}

/// Inserts a handle at a given value: a handle a child inherits keeps the
/// value it has in its parent, as on Windows. Fails if the value is taken.
pub fn insert_object_at(
    handle: u64,
    object: Arc<dyn Object>,
    access: u32,
    attributes: u32,
) -> NtResult<()> {
    let i = index_of(handle).ok_or(STATUS_INVALID_HANDLE)?;
    if i >= (1 << 24) {
        return Err(STATUS_INVALID_HANDLE);
    }
    let mut t = TABLE.write().unwrap_or_else(|e| e.into_inner());
    if t.slots.len() <= i {
        let old = t.slots.len();
        t.slots.resize(i + 1, None);
        t.free.extend(old..=i);
        // The lowest free value is handed out first.
        t.free.sort_unstable_by(|a, b| b.cmp(a));
    }
    if t.slots[i].is_some() {
        return Err(STATUS_INVALID_HANDLE);
    }
    t.free.retain(|&f| f != i);
    t.slots[i] = Some(HandleEntry {
        object,
        access,
        attributes,
    });
    Ok(())
}

/// The handles marked inheritable (OBJ_INHERIT), with their values.
pub fn inheritable() -> Vec<(u64, HandleEntry)> {
    let t = TABLE.read().unwrap_or_else(|e| e.into_inner());
    t.slots
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            Some(e) if e.attributes & HANDLE_INHERIT != 0 => Some(((i as u64 + 1) * 4, e.clone())),
            _ => None,
        })
        .collect()
}

/// Looks up a handle's entry (no pseudo-handles).
pub fn lookup(handle: u64) -> NtResult<HandleEntry> {
    let i = index_of(handle).ok_or(STATUS_INVALID_HANDLE)?;
    let t = TABLE.read().unwrap_or_else(|e| e.into_inner());
    t.slots
        .get(i)
        .and_then(|e| e.clone())
        .ok_or(STATUS_INVALID_HANDLE)
}

/// ObReferenceObjectByHandle without a type: resolves pseudo-handles too.
pub fn reference_object_by_handle(handle: u64) -> NtResult<Arc<dyn Object>> {
    match handle {
        NT_CURRENT_PROCESS => Ok(ps::current_process_object()),
        NT_CURRENT_THREAD => ps::current_thread_object(),
        _ => lookup(handle).map(|e| e.object),
    }
}

/// ObReferenceObjectByHandle with an object type: a handle to an object of
/// another type gives STATUS_OBJECT_TYPE_MISMATCH.
pub fn reference_typed<T: Object>(handle: u64) -> NtResult<Arc<T>> {
    let object = reference_object_by_handle(handle)?;
    object
        .into_any()
        .downcast::<T>()
        .map_err(|_| STATUS_OBJECT_TYPE_MISMATCH)
}

/// NtClose.
pub fn close_handle(handle: u64) -> NtResult<()> {
    if handle == NT_CURRENT_PROCESS || handle == NT_CURRENT_THREAD {
        // Closing a pseudo-handle is a harmless no-op on Windows.
        return Ok(());
    }
    let i = index_of(handle).ok_or(STATUS_INVALID_HANDLE)?;
    let removed = {
        let mut t = TABLE.write().unwrap_or_else(|e| e.into_inner());
        match t.slots.get(i) {
            Some(Some(e)) if e.attributes & HANDLE_PROTECT_FROM_CLOSE != 0 => {
                return Err(STATUS_HANDLE_NOT_CLOSABLE);
            }
            Some(Some(_)) => {}
            _ => return Err(STATUS_INVALID_HANDLE),
        }
        let e = t.slots[i].take();
        t.free.push(i);
        e
    };
    // The object's last reference may drop here, outside the table lock.
    drop(removed);
    Ok(())
}

/// Number of open handles (NtQueryInformationProcess ProcessHandleCount).
pub fn handle_count() -> usize {
    let t = TABLE.read().unwrap_or_else(|e| e.into_inner());
    t.slots.iter().filter(|s| s.is_some()).count()
}

/// The entry of a handle, pseudo-handles included (they grant all access).
pub fn reference_entry(handle: u64) -> NtResult<HandleEntry> {
    match handle {
        NT_CURRENT_PROCESS | NT_CURRENT_THREAD => Ok(HandleEntry {
            object: reference_object_by_handle(handle)?,
            access: PSEUDO_HANDLE_ACCESS,
            attributes: 0,
        }),
        _ => lookup(handle),
    }
}

/// ObReferenceObjectByHandle with a type and the access the caller needs:
/// STATUS_ACCESS_DENIED if the handle was not granted it.
pub fn reference_typed_access<T: Object>(handle: u64, access: u32) -> NtResult<Arc<T>> {
    let entry = reference_entry(handle)?;
    if !entry.object.as_any().is::<T>() {
        return Err(STATUS_OBJECT_TYPE_MISMATCH);
    }
    check_access(&entry, access)?;
    entry
        .object
        .into_any()
        .downcast::<T>()
        .map_err(|_| STATUS_OBJECT_TYPE_MISMATCH)
}

/// The object of a handle to wait on: it must be a dispatcher object, and
/// the handle must grant SYNCHRONIZE.
pub fn reference_waitable(handle: u64) -> NtResult<Arc<dyn Object>> {
    let entry = reference_entry(handle)?;
    if entry.object.waitable().is_none() {
        return Err(STATUS_OBJECT_TYPE_MISMATCH);
    }
    check_access(&entry, super::types::SYNCHRONIZE)?;
    Ok(entry.object)
}

pub use super::types::check_access;

/// Sets a handle's inherit and protect-from-close attributes
/// (ObjectHandleFlagInformation).
pub fn set_handle_flags(handle: u64, inherit: bool, protect: bool) -> NtResult<()> {
    if handle == NT_CURRENT_PROCESS || handle == NT_CURRENT_THREAD {
        return Ok(());
    }
    let i = index_of(handle).ok_or(STATUS_INVALID_HANDLE)?;
    let mut t = TABLE.write().unwrap_or_else(|e| e.into_inner());
    let entry = t
        .slots
        .get_mut(i)
        .and_then(|e| e.as_mut())
        .ok_or(STATUS_INVALID_HANDLE)?;
    let mut a = entry.attributes & !(HANDLE_INHERIT | HANDLE_PROTECT_FROM_CLOSE);
    if inherit {
        a |= HANDLE_INHERIT;
    }
    if protect {
        a |= HANDLE_PROTECT_FROM_CLOSE;
    }
    entry.attributes = a;
    Ok(())
}

fn same_object(a: &Arc<dyn Object>, b: &Arc<dyn Object>) -> bool {
    Arc::as_ptr(a) as *const () == Arc::as_ptr(b) as *const ()
}

/// How many handles of the table refer to `object`.
pub fn count_handles_to(object: &Arc<dyn Object>) -> usize {
    let t = TABLE.read().unwrap_or_else(|e| e.into_inner());
    t.slots
        .iter()
        .flatten()
        .filter(|e| same_object(&e.object, object))
        .count()
}

/// How many objects of type `name` have handles, and how many handles
/// refer to them.
pub fn count_by_type(name: &str) -> (usize, usize) {
    let t = TABLE.read().unwrap_or_else(|e| e.into_inner());
    let mut objects: Vec<*const ()> = t
        .slots
        .iter()
        .flatten()
        .filter(|e| e.object.type_name() == name)
        .map(|e| Arc::as_ptr(&e.object) as *const ())
        .collect();
    let handles = objects.len();
    objects.sort_unstable();
    objects.dedup();
    (objects.len(), handles)
}

/// DUPLICATE_CLOSE_SOURCE, DUPLICATE_SAME_ACCESS, DUPLICATE_SAME_ATTRIBUTES.
pub const DUPLICATE_CLOSE_SOURCE: u32 = 0x1;
pub const DUPLICATE_SAME_ACCESS: u32 = 0x2;
pub const DUPLICATE_SAME_ATTRIBUTES: u32 = 0x4;

/// A process handle that names this process (the only one this executive
/// serves), or STATUS_INVALID_HANDLE / STATUS_OBJECT_TYPE_MISMATCH.
fn check_own_process(handle: u64) -> NtResult<()> {
    if handle == NT_CURRENT_PROCESS {
        return Ok(());
    }
    match reference_typed::<ps::Process>(handle)?.child {
        // Another process's handle table needs cross-process support.
        Some(_) => {
            log::warn!("unimplemented: NtDuplicateObject with another process");
            Err(STATUS_NOT_IMPLEMENTED)
        }
        None => Ok(()),
    }
}

/// Implements NtDuplicateObject(SourceProcessHandle, SourceHandle,
/// TargetProcessHandle, TargetHandle, DesiredAccess, HandleAttributes,
/// Options), within the calling process.
pub fn NtDuplicateObject(a: &Args) -> NtStatus {
    let (source_process, source, target_process) = (a[0], a[1], a[2]);
    let (target_out, desired, attributes, options) = (a[3], a[4] as u32, a[5] as u32, a[6] as u32);
    let run = || -> NtResult<()> {
        if options & !(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES)
            != 0
        {
            return Err(STATUS_INVALID_PARAMETER);
        }
        check_own_process(source_process)?;
        let duplicate = || -> NtResult<()> {
            let entry = reference_entry(source)?;
            if target_process == 0 {
                // Nothing to duplicate into: only the close was asked for.
                return if options & DUPLICATE_CLOSE_SOURCE != 0 {
                    Ok(())
                } else {
                    Err(STATUS_INVALID_HANDLE)
                };
            }
            check_own_process(target_process)?;
            let access = if options & DUPLICATE_SAME_ACCESS != 0 {
                entry.access
            } else {
                super::types::map_access(entry.object.type_name(), desired)
            };
            let attributes = if options & DUPLICATE_SAME_ATTRIBUTES != 0 {
                entry.attributes
            } else {
                attributes & nt::OBJ_INHERIT
            };
            let handle = insert_object(entry.object, access, attributes)?;
            if let Err(e) = user::write_opt(target_out, &handle) {
                let _ = close_handle(handle);
                return Err(e);
            }
            Ok(())
        };
        let result = duplicate();
        // DUPLICATE_CLOSE_SOURCE closes the source whatever else happened,
        // after the new handle exists (so it is a different value).
        if options & DUPLICATE_CLOSE_SOURCE != 0 {
            let _ = close_handle(source);
        }
        result
    };
    NtStatus::from_result(run())
}
