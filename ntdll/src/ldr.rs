//! The loader's exports: LdrLoadDll, LdrGetDllHandle, LdrGetProcedureAddress,
//! LdrUnloadDll.

use loader::image::ImportRef;
use loader::ldr;
use syscalls::nt::UNICODE_STRING;
use syscalls::*;

fn unicode(us: *const UNICODE_STRING) -> Option<String> {
    if us.is_null() {
        return None;
    }
    // SAFETY: the caller passes a valid UNICODE_STRING.
    unsafe {
        let s = &*us;
        if s.Buffer == 0 {
            return Some(String::new());
        }
        Some(String::from_utf16_lossy(core::slice::from_raw_parts(
            s.Buffer as *const u16,
            s.Length as usize / 2,
        )))
    }
}

/// Implements LdrLoadDll(SearchPath, Flags, ModuleFileName, ModuleHandle).
pub extern "win64" fn LdrLoadDll(
    _path: u64,
    _flags: u64,
    name: *const UNICODE_STRING,
    handle: *mut u64,
) -> u32 {
    let Some(name) = unicode(name) else {
        return STATUS_INVALID_PARAMETER.0;
    };
    match ldr::load_library(&name) {
        Ok(base) => {
            // SAFETY: the caller passes storage for the handle.
            unsafe { *handle = base };
            STATUS_SUCCESS.0
        }
        Err(e) => {
            log::debug!(target: "loader", "LdrLoadDll({name}): {e}");
            e.status().0
        }
    }
}

/// Implements LdrGetDllHandle(SearchPath, Characteristics, DllName, DllHandle).
pub extern "win64" fn LdrGetDllHandle(
    _path: u64,
    _ch: u64,
    name: *const UNICODE_STRING,
    handle: *mut u64,
) -> u32 {
    let name = unicode(name);
    match ldr::module_handle(name.as_deref()) {
        Some(base) => {
            // SAFETY: the caller passes storage for the handle.
            unsafe { *handle = base };
            STATUS_SUCCESS.0
        }
        None => STATUS_DLL_NOT_FOUND.0,
    }
}

/// ANSI_STRING.
#[repr(C)]
pub struct AnsiString {
    pub length: u16,
    pub maximum_length: u16,
    pub _pad: u32,
    pub buffer: u64,
}

/// Implements LdrGetProcedureAddress(DllHandle, ProcedureName,
/// ProcedureNumber, ProcedureAddress).
pub extern "win64" fn LdrGetProcedureAddress(
    module: u64,
    name: *const AnsiString,
    ordinal: u32,
    out: *mut u64,
) -> u32 {
    let what = if name.is_null() {
        ImportRef::Ordinal(ordinal as u16)
    } else {
        // SAFETY: the caller passes a valid ANSI_STRING.
        let n = unsafe {
            core::slice::from_raw_parts((*name).buffer as *const u8, (*name).length as usize)
        };
        ImportRef::Name(String::from_utf8_lossy(n).into_owned())
    };
    match ldr::procedure_address(module, &what) {
        Ok(a) => {
            // SAFETY: the caller passes storage for the address.
            unsafe { *out = a };
            STATUS_SUCCESS.0
        }
        Err(e) => match e {
            loader::LoadError::MissingImport { .. } if matches!(what, ImportRef::Ordinal(_)) => {
                STATUS_ORDINAL_NOT_FOUND.0
            }
            loader::LoadError::MissingImport { .. } => STATUS_PROCEDURE_NOT_FOUND.0,
            e => e.status().0,
        },
    }
}

/// Implements LdrUnloadDll(DllHandle).
pub extern "win64" fn LdrUnloadDll(module: u64) -> u32 {
    NtStatus::from_result(ldr::unload(module)).0
}
