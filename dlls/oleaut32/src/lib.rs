//! Builtin oleaut32.dll. Implemented: BSTRs (SysAllocString and its
//! family) and the VARIANT basics (VariantInit, VariantClear, VariantCopy)
//! that programs import, often by ordinal (7-Zip does). A BSTR is a
//! length-prefixed UTF-16 string: a 4-byte byte count, the characters, a
//! terminating NUL; the BSTR points at the first character. The rest of
//! the DLL is declared: each function says it is unimplemented and fails
//! as Windows fails.
#![allow(non_snake_case)]

use loader::{export, unimplemented_export, BuiltinDll, Export, Failure};
use syscalls::user;

const S_OK: u32 = 0;
const E_INVALIDARG: u32 = 0x8007_0057;
const E_OUTOFMEMORY: u32 = 0x8007_000E;
const E_NOTIMPL: u32 = 0x8000_4001;
const DISP_E_BADVARTYPE: u32 = 0x8002_0008;

// VARTYPE values and flags (wtypes.h).
const VT_EMPTY: u16 = 0;
const VT_BSTR: u16 = 8;
const VT_DISPATCH: u16 = 9;
const VT_UNKNOWN: u16 = 13;
const VT_RECORD: u16 = 36;
const VT_VECTOR: u16 = 0x1000;
const VT_ARRAY: u16 = 0x2000;
const VT_BYREF: u16 = 0x4000;
/// Largest base type number that exists (VT_CLSID is 72).
const VT_LAST: u16 = 72;

fn heap() -> u64 {
    kernel32::memory::GetProcessHeap()
}

/// Allocates a BSTR of `bytes` bytes, copying them from `from` (guest
/// memory) when it is not NULL. NULL when out of memory.
fn alloc_bstr(from: u64, bytes: u32) -> u64 {
    let block = ntdll::heap::RtlAllocateHeap(heap(), 0x8, bytes as u64 + 4 + 2);
    if block == 0 {
        return 0;
    }
    let _ = user::write(block, &bytes);
    if from != 0 && bytes != 0 {
        let data = match user::read_bytes(from, bytes as usize) {
            Ok(d) => d,
            Err(_) => {
                ntdll::heap::RtlFreeHeap(heap(), 0, block);
                return 0;
            }
        };
        let _ = user::write_from(block + 4, &data);
    }
    block + 4
}

/// The length in bytes a BSTR records.
fn byte_len(bstr: u64) -> u32 {
    if bstr == 0 {
        return 0;
    }
    user::read::<u32>(bstr - 4).unwrap_or(0)
}

/// Length of the NUL-terminated UTF-16 string at `s`, in characters.
fn wcslen(s: u64) -> u32 {
    let mut n = 0u32;
    while user::read::<u16>(s + 2 * n as u64).is_ok_and(|c| c != 0) {
        n += 1;
    }
    n
}

/// SysAllocString(psz).
pub extern "win64" fn SysAllocString(s: u64) -> u64 {
    if s == 0 {
        return 0;
    }
    alloc_bstr(s, wcslen(s) * 2)
}

/// SysAllocStringLen(strIn, ui): `ui` characters, copied from `strIn`
/// unless it is NULL (then left zeroed).
pub extern "win64" fn SysAllocStringLen(s: u64, chars: u32) -> u64 {
    match chars.checked_mul(2) {
        Some(bytes) if bytes < u32::MAX - 6 => alloc_bstr(s, bytes),
        _ => 0,
    }
}

/// SysFreeString(bstrString): NULL is allowed.
pub extern "win64" fn SysFreeString(bstr: u64) {
    if bstr != 0 {
        ntdll::heap::RtlFreeHeap(heap(), 0, bstr - 4);
    }
}

/// SysStringLen(pbstr): characters, not counting the terminator.
pub extern "win64" fn SysStringLen(bstr: u64) -> u32 {
    byte_len(bstr) / 2
}

/// SysReAllocStringLen(pbstr, psz, len) -> BOOL: a new BSTR with `len`
/// characters of `psz` replaces *pbstr (which may be the source).
pub extern "win64" fn SysReAllocStringLen(pbstr: u64, s: u64, chars: u32) -> i32 {
    let Ok(old) = user::read::<u64>(pbstr) else {
        return 0;
    };
    let new = SysAllocStringLen(s, chars);
    if new == 0 {
        return 0;
    }
    SysFreeString(old);
    let _ = user::write(pbstr, &new);
    1
}

/// SysReAllocString(pbstr, psz) -> BOOL.
pub extern "win64" fn SysReAllocString(pbstr: u64, s: u64) -> i32 {
    if s == 0 {
        return SysReAllocStringLen(pbstr, 0, 0);
    }
    SysReAllocStringLen(pbstr, s, wcslen(s))
}

/// VariantInit(pvarg): vt becomes VT_EMPTY.
pub extern "win64" fn VariantInit(v: u64) {
    let _ = user::write(v, &VT_EMPTY);
}

/// Calls IUnknown method `slot` (1 AddRef, 2 Release) of the object `obj`.
fn unknown_call(obj: u64, slot: u64) {
    if obj == 0 {
        return;
    }
    let Ok(vtbl) = user::read::<u64>(obj) else {
        return;
    };
    let Ok(method) = user::read::<u64>(vtbl + 8 * slot) else {
        return;
    };
    // SAFETY: an IUnknown method of the program's object.
    let f: extern "win64" fn(u64) -> u32 = unsafe { core::mem::transmute(method) };
    f(obj);
}

/// Checks a VARTYPE: Ok(base type), or the error Windows gives.
fn check_type(vt: u16) -> Result<u16, u32> {
    let base = vt & 0x0FFF;
    if base > VT_LAST || vt & VT_VECTOR != 0 {
        return Err(DISP_E_BADVARTYPE);
    }
    Ok(base)
}

/// VariantClear(pvarg): frees what the VARIANT owns, then VT_EMPTY.
pub extern "win64" fn VariantClear(v: u64) -> u32 {
    let Ok(vt) = user::read::<u16>(v) else {
        return E_INVALIDARG;
    };
    let base = match check_type(vt) {
        Ok(b) => b,
        Err(e) => return e,
    };
    if vt & VT_BYREF == 0 {
        if vt & VT_ARRAY != 0 || base == VT_RECORD {
            // SAFEARRAYs and records are not implemented yet.
            return E_NOTIMPL;
        }
        let value = user::read::<u64>(v + 8).unwrap_or(0);
        match base {
            VT_BSTR => SysFreeString(value),
            VT_DISPATCH | VT_UNKNOWN => unknown_call(value, 2),
            _ => {}
        }
    }
    let _ = user::write(v, &VT_EMPTY);
    S_OK
}

/// VariantCopy(pvargDest, pvargSrc): clears the destination, then copies
/// the source deeply (a new BSTR, an AddRef'd interface).
pub extern "win64" fn VariantCopy(dest: u64, src: u64) -> u32 {
    if dest == src {
        return S_OK;
    }
    let Ok(raw) = user::read::<[u64; 3]>(src) else {
        return E_INVALIDARG;
    };
    let vt = raw[0] as u16;
    let base = match check_type(vt) {
        Ok(b) => b,
        Err(e) => return e,
    };
    if vt & VT_BYREF == 0 && (vt & VT_ARRAY != 0 || base == VT_RECORD) {
        return E_NOTIMPL;
    }
    let cleared = VariantClear(dest);
    if cleared != S_OK {
        return cleared;
    }
    let mut copy = raw;
    if vt & VT_BYREF == 0 {
        match base {
            VT_BSTR if raw[1] != 0 => {
                copy[1] = alloc_bstr(raw[1], byte_len(raw[1]));
                if copy[1] == 0 {
                    return E_OUTOFMEMORY;
                }
            }
            VT_DISPATCH | VT_UNKNOWN => unknown_call(raw[1], 1),
            _ => {}
        }
    }
    if user::write(dest, &copy).is_err() {
        return E_INVALIDARG;
    }
    S_OK
}

/// Exports in ordinal order from 1: programs import these by ordinal.
static EXPORTS: &[Export] = &[
    unimplemented_export!("DllGetClassObject"),
    export!(SysAllocString(Ptr)),
    export!(SysReAllocString(Ptr, Ptr)),
    export!(SysAllocStringLen(Ptr, Int)),
    export!(SysReAllocStringLen(Ptr, Ptr, Int)),
    export!(SysFreeString(Ptr)),
    export!(SysStringLen(Ptr)),
    export!(VariantInit(Ptr)),
    export!(VariantClear(Ptr)),
    export!(VariantCopy(Ptr, Ptr)),
    // Ordinals past 10 are not laid out yet: a name here would take the
    // ordinal of another function (11 is VariantCopyInd).
];

/// oleaut32's declaration for the loader.
pub static DLL: BuiltinDll = loader::builtin_dll! {
    name: "oleaut32.dll",
    exports: EXPORTS,
    depends: &["kernel32.dll"],
    init: None,
    detach: None,
    failure: Failure::HResult,
    declared: include_str!("../../declared/lists/oleaut32.txt"),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_match_windows() {
        // oleaut32's ordinals 2-10 (what 7-Zip and others import by).
        let names = [
            "SysAllocString",
            "SysReAllocString",
            "SysAllocStringLen",
            "SysReAllocStringLen",
            "SysFreeString",
            "SysStringLen",
            "VariantInit",
            "VariantClear",
            "VariantCopy",
        ];
        for (i, n) in names.iter().enumerate() {
            assert_eq!(EXPORTS[i + 1].name, *n, "ordinal {}", i + 2);
        }
    }
}
