//! Object and handle information: NtQueryObject, NtSetInformationObject.

use super::{handle, namespace, types};
use syscalls::nt::UNICODE_STRING;
use syscalls::*;

/// OBJECT_INFORMATION_CLASS.
const OBJECT_BASIC_INFORMATION: u32 = 0;
const OBJECT_NAME_INFORMATION: u32 = 1;
const OBJECT_TYPE_INFORMATION: u32 = 2;
const OBJECT_TYPES_INFORMATION: u32 = 3;
const OBJECT_HANDLE_FLAG_INFORMATION: u32 = 4;

/// sizeof(OBJECT_BASIC_INFORMATION) and sizeof(OBJECT_TYPE_INFORMATION)
/// on x64.
const BASIC_SIZE: usize = 0x38;
const TYPE_SIZE: usize = 0x68;

fn put_u32(buf: &mut [u8], offset: usize, v: u32) {
    buf[offset..offset + 4].copy_from_slice(&v.to_le_bytes());
}

/// A UNICODE_STRING whose text follows the structure at `header` bytes
/// into a caller buffer at `base`: the bytes to write, NUL included.
fn string_after(base: u64, header: usize, text: &[u16]) -> (UNICODE_STRING, Vec<u8>) {
    let bytes = text.len() * 2;
    let us = UNICODE_STRING {
        Length: bytes as u16,
        MaximumLength: (bytes + 2) as u16,
        _pad: 0,
        Buffer: base + header as u64,
    };
    let mut data: Vec<u8> = text.iter().flat_map(|c| c.to_le_bytes()).collect();
    data.extend_from_slice(&[0, 0]);
    (us, data)
}

fn us_bytes(us: &UNICODE_STRING) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[0..2].copy_from_slice(&us.Length.to_le_bytes());
    b[2..4].copy_from_slice(&us.MaximumLength.to_le_bytes());
    b[8..16].copy_from_slice(&us.Buffer.to_le_bytes());
    b
}

/// Implements NtQueryObject(Handle, ObjectInformationClass,
/// ObjectInformation, ObjectInformationLength, ReturnLength) for basic,
/// name, type and handle-flag information.
pub fn NtQueryObject(a: &Args) -> NtStatus {
    let (class, buf, len, ret) = (a[1] as u32, a[2], a[3] as u32 as usize, a[4]);
    let run = || -> NtResult<()> {
        let out: Vec<u8> = match class {
            OBJECT_BASIC_INFORMATION => {
                let entry = handle::reference_entry(a[0])?;
                if len < BASIC_SIZE {
                    user::write_opt(ret, &(BASIC_SIZE as u32))?;
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let mut info = vec![0u8; BASIC_SIZE];
                put_u32(&mut info, 0x00, entry.attributes);
                put_u32(&mut info, 0x04, entry.access);
                put_u32(
                    &mut info,
                    0x08,
                    handle::count_handles_to(&entry.object) as u32,
                );
                // Our own reference (`entry`) is not the program's.
                let pointers = std::sync::Arc::strong_count(&entry.object) - 1;
                put_u32(&mut info, 0x0C, pointers as u32);
                // TypeInfoSize: what ObjectTypeInformation would need.
                let type_len = entry.object.type_name().len() * 2 + 2;
                put_u32(&mut info, 0x28, (TYPE_SIZE + type_len) as u32);
                info
            }
            OBJECT_NAME_INFORMATION => {
                let entry = handle::reference_entry(a[0])?;
                if entry.object.type_name() == "File" {
                    // File names come from the I/O manager, not the
                    // namespace.
                    log::warn!("unimplemented: NtQueryObject(ObjectNameInformation) of a file");
                    return Err(STATUS_NOT_IMPLEMENTED);
                }
                let name = namespace::name_of(&entry.object);
                let needed = 16 + name.as_ref().map_or(0, |n| n.len() * 2 + 2);
                user::write_opt(ret, &(needed as u32))?;
                if len < needed {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                match name {
                    None => vec![0u8; 16],
                    Some(n) => {
                        let (us, text) = string_after(buf, 16, &n);
                        let mut out = us_bytes(&us).to_vec();
                        out.extend_from_slice(&text);
                        out
                    }
                }
            }
            OBJECT_TYPE_INFORMATION => {
                let entry = handle::reference_entry(a[0])?;
                let name = entry.object.type_name();
                let text: Vec<u16> = name.encode_utf16().collect();
                let needed = TYPE_SIZE + text.len() * 2 + 2;
                user::write_opt(ret, &(needed as u32))?;
                if len < needed {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                let (us, string) = string_after(buf, TYPE_SIZE, &text);
                let mut info = vec![0u8; TYPE_SIZE];
                info[..16].copy_from_slice(&us_bytes(&us));
                let (objects, handles) = handle::count_by_type(name);
                put_u32(&mut info, 0x10, objects as u32);
                put_u32(&mut info, 0x14, handles as u32);
                put_u32(&mut info, 0x28, objects as u32);
                put_u32(&mut info, 0x2C, handles as u32);
                if let Some((index, t)) = types::find(name) {
                    for (k, m) in t.mapping.iter().enumerate() {
                        put_u32(&mut info, 0x44 + 4 * k, *m);
                    }
                    put_u32(&mut info, 0x54, t.valid_access);
                    // Indexes start at 2, as Windows' do.
                    info[0x5A] = (index + 2) as u8;
                }
                info.extend_from_slice(&string);
                info
            }
            OBJECT_HANDLE_FLAG_INFORMATION => {
                let entry = handle::reference_entry(a[0])?;
                if len < 2 {
                    return Err(STATUS_INFO_LENGTH_MISMATCH);
                }
                vec![
                    (entry.attributes & handle::HANDLE_INHERIT != 0) as u8,
                    (entry.attributes & handle::HANDLE_PROTECT_FROM_CLOSE != 0) as u8,
                ]
            }
            OBJECT_TYPES_INFORMATION => {
                log::warn!("unimplemented: NtQueryObject(ObjectTypesInformation)");
                return Err(STATUS_NOT_IMPLEMENTED);
            }
            _ => return Err(STATUS_INVALID_INFO_CLASS),
        };
        user::write_from(buf, &out)?;
        user::write_opt(ret, &(out.len() as u32))
    };
    NtStatus::from_result(run())
}

/// Implements NtSetInformationObject(Handle, ObjectInformationClass,
/// ObjectInformation, ObjectInformationLength): the handle's inherit and
/// protect-from-close flags (ObjectHandleFlagInformation).
pub fn NtSetInformationObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        if a[1] as u32 != OBJECT_HANDLE_FLAG_INFORMATION {
            return Err(STATUS_INVALID_INFO_CLASS);
        }
        if a[3] as u32 != 2 {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let flags: [u8; 2] = user::read(a[2])?;
        handle::set_handle_flags(a[0], flags[0] != 0, flags[1] != 0)
    };
    NtStatus::from_result(run())
}
