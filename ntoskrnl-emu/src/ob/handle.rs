//! The handle table (ObReferenceObjectByHandle, ObInsertObject, NtClose,
//! NtDuplicateObject).
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
                return Err(NtStatus(0xC000_0235)); // STATUS_HANDLE_NOT_CLOSABLE
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
