//! Creating and opening objects by OBJECT_ATTRIBUTES (ObCreateObject +
//! ObInsertObject, ObOpenObjectByName), shared by every NtCreateX / NtOpenX
//! service of a named object type.
//!
//! NtCreateX of a name that exists: with OBJ_OPENIF, an object of the same
//! type is opened and the service returns STATUS_OBJECT_NAME_EXISTS (which
//! kernel32 reports as success with ERROR_ALREADY_EXISTS), an object of
//! another type gives STATUS_OBJECT_TYPE_MISMATCH; without OBJ_OPENIF the
//! name collides (STATUS_OBJECT_NAME_COLLISION).

use super::namespace::{self, Directory, Inserted, SymbolicLink};
use super::{handle, types, Object};
use std::sync::Arc;
use syscalls::nt::{OBJECT_ATTRIBUTES, UNICODE_STRING};
use syscalls::*;

pub const OBJ_INHERIT: u32 = 0x2;
pub const OBJ_PERMANENT: u32 = 0x10;
pub const OBJ_CASE_INSENSITIVE: u32 = 0x40;
pub const OBJ_OPENIF: u32 = 0x80;
pub const OBJ_OPENLINK: u32 = 0x100;
/// OBJ_VALID_ATTRIBUTES.
pub const OBJ_VALID_ATTRIBUTES: u32 = 0x1FF2;
/// STATUS_PRIVILEGE_NOT_HELD: OBJ_PERMANENT needs SeCreatePermanentPrivilege,
/// which a program's token does not hold.
pub const STATUS_PRIVILEGE_NOT_HELD: NtStatus = NtStatus(0xC000_0061);

/// OBJECT_ATTRIBUTES as captured from user memory.
#[derive(Default)]
pub struct Captured {
    pub attributes: u32,
    pub root: Option<Arc<Directory>>,
    /// The name, None when there is none (or it is empty).
    pub name: Option<Vec<u16>>,
}

/// Captures and checks OBJECT_ATTRIBUTES (a NULL pointer is no
/// attributes at all).
pub fn capture(oa: u64) -> NtResult<Captured> {
    if oa == 0 {
        return Ok(Captured::default());
    }
    let attrs: OBJECT_ATTRIBUTES = user::read(oa)?;
    if attrs.Length as usize != core::mem::size_of::<OBJECT_ATTRIBUTES>()
        || attrs.Attributes & !OBJ_VALID_ATTRIBUTES != 0
    {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let name = if attrs.ObjectName != 0 {
        let us: UNICODE_STRING = user::read(attrs.ObjectName)?;
        if !us.Length.is_multiple_of(2) || us.Length > us.MaximumLength {
            return Err(STATUS_OBJECT_NAME_INVALID);
        }
        Some(user::read_u16s(us.Buffer, us.Length as usize / 2)?).filter(|n| !n.is_empty())
    } else {
        None
    };
    let root = match attrs.RootDirectory {
        0 => None,
        h => Some(handle::reference_typed::<Directory>(h)?),
    };
    Ok(Captured {
        attributes: attrs.Attributes,
        root,
        name,
    })
}

/// Creates a handle to `object`, giving it the name in `oa` if there is
/// one, or opens what already has that name (see the module comment), and
/// writes the handle to `out`. Returns STATUS_SUCCESS or
/// STATUS_OBJECT_NAME_EXISTS.
pub fn create_object<T: Object>(
    out: u64,
    oa: u64,
    access: u32,
    object: Arc<T>,
) -> NtResult<NtStatus> {
    probe_handle(out)?;
    let (handle, status) = create_handle(oa, access, object)?;
    write_handle(out, handle)?;
    Ok(status)
}

fn create_handle<T: Object>(oa: u64, access: u32, object: Arc<T>) -> NtResult<(u64, NtStatus)> {
    let c = capture(oa)?;
    let access = types::map_access(object.type_name(), access);
    let inherit = c.attributes & OBJ_INHERIT;
    let Some(name) = c.name else {
        return Ok((
            handle::insert_object(object, access, inherit)?,
            STATUS_SUCCESS,
        ));
    };
    if c.attributes & OBJ_PERMANENT != 0 {
        return Err(STATUS_PRIVILEGE_NOT_HELD);
    }
    let object: Arc<dyn Object> = object;
    let case_insensitive = c.attributes & OBJ_CASE_INSENSITIVE != 0;
    match namespace::insert(c.root, &name, case_insensitive, &object)? {
        Inserted::New => Ok((
            handle::insert_object(object, access, inherit)?,
            STATUS_SUCCESS,
        )),
        Inserted::Existing(existing) => {
            if c.attributes & OBJ_OPENIF == 0 {
                return Err(STATUS_OBJECT_NAME_COLLISION);
            }
            if !existing.as_any().is::<T>() {
                return Err(STATUS_OBJECT_TYPE_MISMATCH);
            }
            let handle = handle::insert_object(existing, access, inherit)?;
            Ok((handle, STATUS_OBJECT_NAME_EXISTS))
        }
    }
}

/// Opens the object of type `T` that has the name in `oa` and writes the
/// handle to `out`.
pub fn open_object<T: Object>(out: u64, oa: u64, access: u32) -> NtResult<()> {
    probe_handle(out)?;
    let handle = open_handle::<T>(oa, access)?;
    write_handle(out, handle)
}

fn open_handle<T: Object>(oa: u64, access: u32) -> NtResult<u64> {
    if oa == 0 {
        return Err(STATUS_INVALID_PARAMETER);
    }
    let c = capture(oa)?;
    let name = c.name.unwrap_or_default();
    // NtOpenSymbolicLinkObject opens the link itself.
    let open_link = c.attributes & OBJ_OPENLINK != 0
        || core::any::TypeId::of::<T>() == core::any::TypeId::of::<SymbolicLink>();
    let object = namespace::lookup(
        c.root,
        &name,
        c.attributes & OBJ_CASE_INSENSITIVE != 0,
        open_link,
    )?;
    if !object.as_any().is::<T>() {
        return Err(STATUS_OBJECT_TYPE_MISMATCH);
    }
    let access = types::map_access(object.type_name(), access);
    handle::insert_object(object, access, c.attributes & OBJ_INHERIT)
}

/// Probes a handle out-parameter before an object is created or opened,
/// so that a bad pointer leaves no object (and no name) behind.
pub fn probe_handle(out: u64) -> NtResult<()> {
    user::write(out, &0u64)
}

/// Writes a new handle to the caller's out-parameter, closing the handle
/// if that fails.
pub fn write_handle(out: u64, h: u64) -> NtResult<()> {
    user::write(out, &h).inspect_err(|_| {
        let _ = handle::close_handle(h);
    })
}
