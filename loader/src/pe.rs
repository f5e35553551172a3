//! Validation of PE files before they are run, with messages that name what
//! is wrong. The section mapper and the loader check again on the mapped
//! image; this pass exists so a user gets a precise diagnosis (and it is the
//! fuzz target for malformed input).

use object::pe;
use object::read::pe::{ImageNtHeaders, PeFile64};
use object::LittleEndian as LE;
use std::fmt;

/// Why a file cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// Not a PE image at all.
    NotPe(String),
    /// A 32-bit (PE32) image: not supported yet.
    Pe32,
    /// A PE32+ image for another machine.
    Machine(u16),
    /// A PE32+ image with a malformed part.
    Malformed(String),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::NotPe(why) => write!(f, "not a PE image ({why})"),
            FileError::Pe32 => write!(
                f,
                "a 32-bit (PE32) image: only x86-64 (PE32+) programs are supported yet"
            ),
            FileError::Machine(m) => write!(f, "a PE32+ image for machine {m:#06x}, not x86-64"),
            FileError::Malformed(why) => write!(f, "malformed PE image: {why}"),
        }
    }
}

/// What a valid image is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub is_dll: bool,
    pub image_base: u64,
    pub size_of_image: u32,
    pub entry_rva: u32,
    pub imports: Vec<String>,
}

fn malformed(e: impl fmt::Display) -> FileError {
    FileError::Malformed(e.to_string())
}

/// Checks a whole PE file: headers, sections, and the directories the loader
/// reads (imports, exports, relocations, TLS).
pub fn check_file(data: &[u8]) -> Result<FileSummary, FileError> {
    if data.get(..2) != Some(b"MZ") {
        return Err(FileError::NotPe("no MZ signature".into()));
    }
    let dos = pe::ImageDosHeader::parse(data)
        .map_err(|_| FileError::Malformed("truncated in the DOS header".into()))?;
    let nt_off = dos.nt_headers_offset() as usize;
    match data.get(nt_off..nt_off + 4) {
        Some(sig) if sig == b"PE\0\0" => {}
        Some(_) => {
            return Err(FileError::NotPe(
                "an MZ executable without a PE header (DOS or NE/LE image)".into(),
            ))
        }
        None => {
            return Err(FileError::Malformed(
                "truncated before the NT headers".into(),
            ))
        }
    }
    let magic_off = nt_off + 4 + core::mem::size_of::<pe::ImageFileHeader>();
    match data
        .get(magic_off..magic_off + 2)
        .map(|m| u16::from_le_bytes([m[0], m[1]]))
    {
        Some(pe::IMAGE_NT_OPTIONAL_HDR32_MAGIC) => return Err(FileError::Pe32),
        Some(pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC) => {}
        Some(m) => {
            return Err(FileError::Malformed(format!(
                "unknown optional header magic {m:#x}"
            )))
        }
        None => return Err(FileError::Malformed("truncated in the file header".into())),
    }
    let file = PeFile64::parse(data).map_err(malformed)?;
    let nt = file.nt_headers();
    let machine = nt.file_header().machine.get(LE);
    if machine != pe::IMAGE_FILE_MACHINE_AMD64 {
        return Err(FileError::Machine(machine));
    }
    let opt = nt.optional_header();
    let size_of_image = opt.size_of_image.get(LE);
    let entry = opt.address_of_entry_point.get(LE);
    let is_dll = nt.file_header().characteristics.get(LE) & pe::IMAGE_FILE_DLL != 0;
    if entry >= size_of_image {
        return Err(FileError::Malformed(format!(
            "entry point RVA {entry:#x} lies outside SizeOfImage {size_of_image:#x}"
        )));
    }
    if opt.size_of_headers.get(LE) as usize > data.len() {
        return Err(FileError::Malformed(
            "SizeOfHeaders is past the end of the file".into(),
        ));
    }
    for s in file.section_table().iter() {
        let name = String::from_utf8_lossy(s.raw_name())
            .trim_end_matches('\0')
            .to_string();
        let va = s.virtual_address.get(LE) as u64;
        let vsize = (s.virtual_size.get(LE) as u64).max(s.size_of_raw_data.get(LE) as u64);
        if va + vsize > size_of_image as u64 + 0xFFF {
            return Err(FileError::Malformed(format!(
                "section {name} ends past SizeOfImage"
            )));
        }
        let (raw, raw_size) = (
            s.pointer_to_raw_data.get(LE) as u64,
            s.size_of_raw_data.get(LE) as u64,
        );
        if raw_size != 0 && raw + raw_size > data.len() as u64 {
            return Err(FileError::Malformed(format!(
                "section {name} raw data ({raw:#x}+{raw_size:#x}) lies past the end of the file ({:#x} bytes): truncated?",
                data.len()
            )));
        }
    }
    let mut imports = Vec::new();
    if let Some(table) = file
        .import_table()
        .map_err(|e| FileError::Malformed(format!("import directory: {e}")))?
    {
        let mut descriptors = table
            .descriptors()
            .map_err(|e| FileError::Malformed(format!("import directory: {e}")))?;
        while let Some(d) = descriptors
            .next()
            .map_err(|e| FileError::Malformed(format!("import directory: {e}")))?
        {
            let name = table
                .name(d.name.get(LE))
                .map_err(|e| FileError::Malformed(format!("import DLL name: {e}")))?;
            let dll = String::from_utf8_lossy(name).into_owned();
            let lookup = match d.original_first_thunk.get(LE) {
                0 => d.first_thunk.get(LE),
                t => t,
            };
            let mut thunks = table
                .thunks(lookup)
                .map_err(|e| FileError::Malformed(format!("imports of {dll}: {e}")))?;
            while let Some(t) = thunks
                .next::<pe::ImageNtHeaders64>()
                .map_err(|e| FileError::Malformed(format!("imports of {dll}: {e}")))?
            {
                table
                    .import::<pe::ImageNtHeaders64>(t)
                    .map_err(|e| FileError::Malformed(format!("an import of {dll}: {e}")))?;
            }
            imports.push(dll);
        }
    }
    if let Some(exports) = file
        .export_table()
        .map_err(|e| FileError::Malformed(format!("export directory: {e}")))?
    {
        exports
            .exports()
            .map_err(|e| FileError::Malformed(format!("export directory: {e}")))?;
    }
    let dirs = file.data_directories();
    if let Some(mut blocks) = dirs
        .relocation_blocks(data, &file.section_table())
        .map_err(|e| FileError::Malformed(format!("relocations: {e}")))?
    {
        while let Some(b) = blocks
            .next()
            .map_err(|e| FileError::Malformed(format!("relocations: {e}")))?
        {
            for r in b {
                if r.virtual_address >= size_of_image {
                    return Err(FileError::Malformed(format!(
                        "relocation target {:#x} outside the image",
                        r.virtual_address
                    )));
                }
            }
        }
    }
    if let Some(tls) = dirs.get(pe::IMAGE_DIRECTORY_ENTRY_TLS) {
        let (rva, size) = (tls.virtual_address.get(LE), tls.size.get(LE));
        if rva != 0 && (rva as u64 + size as u64 > size_of_image as u64 || size < 40) {
            return Err(FileError::Malformed(
                "TLS directory lies outside the image or is too small".into(),
            ));
        }
    }
    Ok(FileSummary {
        is_dll,
        image_base: opt.image_base.get(LE),
        size_of_image,
        entry_rva: entry,
        imports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::{Arg, BuiltinDll, Code, Export, ExportKind, Failure};

    extern "win64" fn f() -> u64 {
        0
    }

    static EXPORTS: &[Export] = &[
        Export {
            name: "Alpha",
            kind: ExportKind::Func(Code(f as *const ())),
            args: &[Arg::Int],
        },
        Export {
            name: "Beta",
            kind: ExportKind::Forward("OTHER.Gamma"),
            args: &[],
        },
        Export {
            name: "Delta",
            kind: ExportKind::Data(16),
            args: &[],
        },
        Export {
            name: "Epsilon",
            kind: ExportKind::Unimplemented,
            args: &[],
        },
    ];
    static DLL: BuiltinDll = crate::builtin_dll! {
        name: "test.dll",
        exports: EXPORTS,
        depends: &[],
        init: None,
        detach: None,
        failure: Failure::Win32,
        declared: "Alpha\nBeta\nDelta\nEpsilon\nZeta\n",
    };

    /// A valid PE32+ file: a synthesized builtin image, laid out as a file
    /// (its raw offsets equal its RVAs).
    pub fn sample() -> Vec<u8> {
        crate::builtin::synthesize(&DLL, 0, 0x1_8000_0000, false).0
    }

    #[test]
    fn synthesized_image_is_valid() {
        let s = check_file(&sample()).expect("valid image");
        assert!(s.is_dll);
        assert_eq!(s.image_base, 0x1_8000_0000);
        let data = sample();
        let file = PeFile64::parse(&*data).unwrap();
        let exports = file.export_table().unwrap().unwrap();
        let names: Vec<_> = exports
            .exports()
            .unwrap()
            .iter()
            .filter_map(|e| e.name.map(|n| String::from_utf8_lossy(n).into_owned()))
            .collect();
        assert_eq!(names, ["Alpha", "Beta", "Delta", "Epsilon"]);
        let beta = exports
            .exports()
            .unwrap()
            .into_iter()
            .find(|e| e.name == Some(b"Beta"))
            .unwrap();
        assert!(matches!(
            beta.target,
            object::read::pe::ExportTarget::ForwardByName(b"OTHER", b"Gamma")
        ));
    }

    #[test]
    fn not_pe() {
        assert!(matches!(check_file(b""), Err(FileError::NotPe(_))));
        assert!(matches!(
            check_file(b"#!/bin/sh\necho hi\n"),
            Err(FileError::NotPe(_))
        ));
        assert!(matches!(
            check_file(&[0x7F, b'E', b'L', b'F', 2, 1, 1, 0]),
            Err(FileError::NotPe(_))
        ));
    }

    #[test]
    fn dos_stub_only() {
        let mut d = sample();
        d[0x80] = b'X';
        assert!(matches!(check_file(&d), Err(FileError::NotPe(_))));
    }

    #[test]
    fn pe32_is_reported() {
        let mut d = sample();
        d[0x80 + 24] = 0x0B;
        d[0x80 + 25] = 0x01;
        assert_eq!(check_file(&d), Err(FileError::Pe32));
    }

    #[test]
    fn other_machine_is_reported() {
        let mut d = sample();
        d[0x84] = 0x64;
        d[0x85] = 0xAA; // ARM64
        assert_eq!(check_file(&d), Err(FileError::Machine(0xAA64)));
    }

    #[test]
    fn truncation_at_every_length_is_an_error_not_a_panic() {
        let d = sample();
        // Past the last section's raw data the file is only padding.
        let file = PeFile64::parse(&*d).unwrap();
        let end = file
            .section_table()
            .iter()
            .map(|s| s.pointer_to_raw_data.get(LE) + s.size_of_raw_data.get(LE))
            .max()
            .unwrap();
        for len in 0..end as usize {
            assert!(
                check_file(&d[..len]).is_err(),
                "truncated at {len} accepted"
            );
        }
    }

    #[test]
    fn corruption_never_panics() {
        let d = sample();
        // A deterministic xorshift so failures reproduce.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let mut c = d.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let at = (x as usize) % 0x1000.min(c.len());
                c[at] = (x >> 32) as u8;
            }
            let _ = check_file(&c);
        }
    }

    #[test]
    fn export_directory_outside_image() {
        let mut d = sample();
        // Export directory RVA far past SizeOfImage.
        let dir = 0x80 + 24 + 112;
        d[dir..dir + 4].copy_from_slice(&0x7FFF_0000u32.to_le_bytes());
        assert!(matches!(check_file(&d), Err(FileError::Malformed(_))));
    }
}
