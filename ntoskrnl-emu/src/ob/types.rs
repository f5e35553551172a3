//! Object types as the object manager describes them: generic mappings,
//! valid access masks, and which types have their access rights checked.
//!
//! The table is data, like Windows' OBJECT_TYPE_INITIALIZERs. Type indexes
//! are casement's own (Windows' differ between builds). Types not in the
//! table (files, processes, threads, sections) keep the access they were
//! given, generic bits and all, and their access is not checked here.

use super::handle::HandleEntry;
use syscalls::*;

pub const SYNCHRONIZE: u32 = 0x0010_0000;
pub const MAXIMUM_ALLOWED: u32 = 0x0200_0000;
pub const GENERIC_READ: u32 = 0x8000_0000;
pub const GENERIC_WRITE: u32 = 0x4000_0000;
pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
pub const GENERIC_ALL: u32 = 0x1000_0000;

pub struct ObjectType {
    pub name: &'static str,
    /// GENERIC_MAPPING: read, write, execute, all.
    pub mapping: [u32; 4],
    pub valid_access: u32,
    /// Services check the access recorded in a handle of this type.
    pub checked: bool,
}

const fn ty(name: &'static str, mapping: [u32; 4], checked: bool) -> ObjectType {
    ObjectType {
        name,
        mapping,
        valid_access: mapping[3],
        checked,
    }
}

/// The mappings are Windows' (STANDARD_RIGHTS_READ/WRITE/EXECUTE are
/// READ_CONTROL, 0x20000).
pub static TYPES: &[ObjectType] = &[
    ty("Directory", [0x2_0003, 0x2_000C, 0x2_0003, 0xF_000F], true),
    ty(
        "SymbolicLink",
        [0x2_0001, 0x2_0000, 0x2_0001, 0xF_0001],
        true,
    ),
    ty("Event", [0x2_0001, 0x2_0002, 0x12_0000, 0x1F_0003], true),
    ty("Mutant", [0x2_0001, 0x2_0000, 0x12_0000, 0x1F_0001], true),
    // Section: SECTION_QUERY | SECTION_MAP_READ, SECTION_MAP_WRITE,
    // SECTION_MAP_EXECUTE, SECTION_ALL_ACCESS.
    ty("Section", [0x2_0005, 0x2_0002, 0x2_0008, 0xF_001F], true),
    // Job: JOB_OBJECT_QUERY, ASSIGN_PROCESS | SET_ATTRIBUTES | TERMINATE,
    // SYNCHRONIZE, JOB_OBJECT_ALL_ACCESS.
    ty("Job", [0x2_0004, 0x2_0019, 0x12_0000, 0x1F_003F], true),
    ty(
        "Semaphore",
        [0x2_0001, 0x2_0002, 0x12_0000, 0x1F_0003],
        true,
    ),
];

/// The table row of a type, with its (casement) type index.
pub fn find(name: &str) -> Option<(usize, &'static ObjectType)> {
    TYPES.iter().enumerate().find(|(_, t)| t.name == name)
}

/// RtlMapGenericMask plus MAXIMUM_ALLOWED, for an access about to be
/// recorded in a handle of type `name`.
pub fn map_access(name: &str, access: u32) -> u32 {
    let Some((_, t)) = find(name) else {
        return access;
    };
    let mut a = access & !(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
    for (bit, mapped) in [GENERIC_READ, GENERIC_WRITE, GENERIC_EXECUTE, GENERIC_ALL]
        .into_iter()
        .zip(t.mapping)
    {
        if access & bit != 0 {
            a |= mapped;
        }
    }
    if a & MAXIMUM_ALLOWED != 0 {
        a = (a & !MAXIMUM_ALLOWED) | t.valid_access;
    }
    a & t.valid_access
}

/// Checks that a handle grants `required`: STATUS_ACCESS_DENIED if not.
pub fn check_access(entry: &HandleEntry, required: u32) -> NtResult<()> {
    match find(entry.object.type_name()) {
        Some((_, t)) if t.checked && entry.access & required != required => {
            Err(STATUS_ACCESS_DENIED)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_rights_map_per_type() {
        assert_eq!(map_access("Event", GENERIC_ALL), 0x1F_0003);
        assert_eq!(map_access("Event", GENERIC_EXECUTE), SYNCHRONIZE | 0x2_0000);
        assert_eq!(map_access("Mutant", MAXIMUM_ALLOWED), 0x1F_0001);
        assert_eq!(map_access("Semaphore", SYNCHRONIZE | 2), SYNCHRONIZE | 2);
        assert_eq!(map_access("File", GENERIC_READ), GENERIC_READ);
    }
}
