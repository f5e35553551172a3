//! The builtin DLLs the root package registers with the loader.

use crate::builtin::{BuiltinDll, Export};
use std::sync::OnceLock;

static BUILTINS: OnceLock<Vec<&'static BuiltinDll>> = OnceLock::new();

/// Registers the builtin DLLs (once, before the process starts).
pub fn register(dlls: &[&'static BuiltinDll]) {
    let _ = BUILTINS.set(dlls.to_vec());
}

pub fn all() -> &'static [&'static BuiltinDll] {
    BUILTINS.get().map_or(&[], |v| v.as_slice())
}

/// Finds a builtin by file name (case-insensitive, `.dll` optional).
pub fn find(name: &str) -> Option<(usize, &'static BuiltinDll)> {
    let lower = name.to_ascii_lowercase();
    all()
        .iter()
        .copied()
        .enumerate()
        .find(|(_, d)| d.name == lower || d.name.strip_suffix(".dll") == Some(&lower))
}

/// The DLL and export an export id (DLL index << 16 | export index) names.
pub fn export_by_id(id: u32) -> Option<(&'static BuiltinDll, &'static Export)> {
    let dll = *all().get((id >> 16) as usize)?;
    Some((dll, dll.exports.get((id & 0xFFFF) as usize)?))
}
