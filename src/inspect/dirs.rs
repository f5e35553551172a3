//! The base relocation, TLS and debug directories.

use std::io::{self, Write};
use std::mem;

use object::pe;
use object::read::pe::RelocationBlockIterator;
use object::LittleEndian as LE;

use super::{field, le, malformed, read_struct, text, timestamp, Image, MAX_ROWS};

/// Names an IMAGE_REL_BASED_* type; 5, 7, 8 and 9 depend on the machine.
fn relocation_type(machine: u16, typ: u16) -> String {
    let arm = matches!(
        machine,
        pe::IMAGE_FILE_MACHINE_ARM | pe::IMAGE_FILE_MACHINE_ARMNT | pe::IMAGE_FILE_MACHINE_THUMB
    );
    let riscv = matches!(
        machine,
        pe::IMAGE_FILE_MACHINE_RISCV32
            | pe::IMAGE_FILE_MACHINE_RISCV64
            | pe::IMAGE_FILE_MACHINE_RISCV128
    );
    let mips = matches!(
        machine,
        pe::IMAGE_FILE_MACHINE_R4000
            | pe::IMAGE_FILE_MACHINE_MIPS16
            | pe::IMAGE_FILE_MACHINE_MIPSFPU
    );
    let name = match typ {
        pe::IMAGE_REL_BASED_ABSOLUTE => "ABSOLUTE",
        pe::IMAGE_REL_BASED_HIGH => "HIGH",
        pe::IMAGE_REL_BASED_LOW => "LOW",
        pe::IMAGE_REL_BASED_HIGHLOW => "HIGHLOW",
        pe::IMAGE_REL_BASED_HIGHADJ => "HIGHADJ",
        5 if arm => "ARM_MOV32",
        5 if riscv => "RISCV_HIGH20",
        5 if mips => "MIPS_JMPADDR",
        pe::IMAGE_REL_BASED_RESERVED => "RESERVED",
        7 if arm => "THUMB_MOV32",
        7 if riscv => "RISCV_LOW12I",
        8 if riscv => "RISCV_LOW12S",
        9 if machine == pe::IMAGE_FILE_MACHINE_IA64 => "IA64_IMM64",
        9 if mips => "MIPS_JMPADDR16",
        pe::IMAGE_REL_BASED_DIR64 => "DIR64",
        _ => return format!("type {typ}"),
    };
    name.into()
}

pub(super) fn relocations(out: &mut dyn Write, img: &Image<'_>) -> io::Result<()> {
    let heading = "BASE RELOCATIONS";
    let Some(dir) = img.directory(
        out,
        pe::IMAGE_DIRECTORY_ENTRY_BASERELOC,
        heading,
        "relocations",
    )?
    else {
        return Ok(());
    };
    let mut blocks = RelocationBlockIterator::new(dir.data);
    let (mut offset, mut block_count, mut shown, mut hidden) = (0usize, 0usize, 0usize, 0usize);
    loop {
        let block = match blocks.next() {
            Ok(Some(block)) => block,
            Ok(None) => break,
            Err(e) => {
                malformed(
                    out,
                    "relocations",
                    format_args!("block at directory offset {offset:#x}: {e}"),
                )?;
                break;
            }
        };
        block_count += 1;
        offset += block.size() as usize;
        let page = block.virtual_address();
        let entries = (block.size() - 8) / 2;
        if shown < MAX_ROWS {
            writeln!(
                out,
                "  Page {page:#010x}  block size {:#x}  {entries} entries",
                block.size()
            )?;
        }
        // object drops the all-zero entries that pad a block to 4 bytes.
        for reloc in block {
            if shown == MAX_ROWS {
                hidden += 1;
                continue;
            }
            shown += 1;
            let place = if img
                .sections
                .section_containing(reloc.virtual_address)
                .is_some()
            {
                ""
            } else {
                "  (outside every section)"
            };
            let typ = relocation_type(img.machine, reloc.typ);
            writeln!(out, "    {:#010x}  {typ}{place}", reloc.virtual_address)?;
        }
    }
    if hidden != 0 {
        writeln!(out, "  ... ({hidden} more relocations)")?;
    }
    writeln!(
        out,
        "  {block_count} blocks, {} relocations",
        shown + hidden
    )
}

pub(super) fn tls(out: &mut dyn Write, img: &Image<'_>) -> io::Result<()> {
    let Some(dir) = img.directory(out, pe::IMAGE_DIRECTORY_ENTRY_TLS, "TLS DIRECTORY", "tls")?
    else {
        return Ok(());
    };
    let fields = if img.is_64 {
        read_struct::<pe::ImageTlsDirectory64>(dir.data, 0).map(|t| {
            [
                t.start_address_of_raw_data.get(LE),
                t.end_address_of_raw_data.get(LE),
                t.address_of_index.get(LE),
                t.address_of_call_backs.get(LE),
                t.size_of_zero_fill.get(LE).into(),
                t.characteristics.get(LE).into(),
            ]
        })
    } else {
        read_struct::<pe::ImageTlsDirectory32>(dir.data, 0).map(|t| {
            [
                t.start_address_of_raw_data.get(LE),
                t.end_address_of_raw_data.get(LE),
                t.address_of_index.get(LE),
                t.address_of_call_backs.get(LE),
                t.size_of_zero_fill.get(LE),
                t.characteristics.get(LE),
            ]
            .map(u64::from)
        })
    };
    let Some([start, end, index, callbacks, zero_fill, characteristics]) = fields else {
        return malformed(
            out,
            "tls",
            format_args!(
                "{:#x} bytes is too short for IMAGE_TLS_DIRECTORY",
                dir.data.len()
            ),
        );
    };
    field(out, "StartAddressOfRawData", format_args!("{start:#x}"))?;
    field(out, "EndAddressOfRawData", format_args!("{end:#x}"))?;
    field(out, "AddressOfIndex", format_args!("{index:#x}"))?;
    field(out, "AddressOfCallBacks", format_args!("{callbacks:#x}"))?;
    field(out, "SizeOfZeroFill", format_args!("{zero_fill:#x}"))?;
    let align = (characteristics as u32 & pe::IMAGE_SCN_ALIGN_MASK) >> 20;
    let align = if align == 0 {
        String::new()
    } else {
        format!(" ALIGN_{}", 1u32 << (align - 1).min(15))
    };
    field(
        out,
        "Characteristics",
        format_args!("{characteristics:#x}{align}"),
    )?;
    if end < start {
        malformed(
            out,
            "tls",
            "EndAddressOfRawData is below StartAddressOfRawData",
        )?;
    }
    if callbacks == 0 {
        return Ok(());
    }
    // A null-terminated array of virtual addresses, relocated by the loader.
    let Some(array) = img.rva_of_va(callbacks).and_then(|rva| img.at(rva)) else {
        return malformed(
            out,
            "tls",
            format_args!("AddressOfCallBacks {callbacks:#x} is outside the image"),
        );
    };
    writeln!(out, "  Callbacks")?;
    let width = img.ptr_size();
    for slot in 0..MAX_ROWS {
        let Some(callback) = le(array, slot * width, width) else {
            return malformed(
                out,
                "tls",
                "callback array has no null terminator before the end of its section",
            );
        };
        if callback == 0 {
            return Ok(());
        }
        match img.rva_of_va(callback) {
            Some(rva) => writeln!(out, "    {callback:#x} (RVA {rva:#x})")?,
            None => writeln!(out, "    {callback:#x} (below ImageBase!)")?,
        }
    }
    writeln!(out, "  ... (more than {MAX_ROWS} callbacks)")
}

const DEBUG_TYPES: &[(u32, &str)] = &[
    (pe::IMAGE_DEBUG_TYPE_UNKNOWN, "UNKNOWN"),
    (pe::IMAGE_DEBUG_TYPE_COFF, "COFF"),
    (pe::IMAGE_DEBUG_TYPE_CODEVIEW, "CODEVIEW"),
    (pe::IMAGE_DEBUG_TYPE_FPO, "FPO"),
    (pe::IMAGE_DEBUG_TYPE_MISC, "MISC"),
    (pe::IMAGE_DEBUG_TYPE_EXCEPTION, "EXCEPTION"),
    (pe::IMAGE_DEBUG_TYPE_FIXUP, "FIXUP"),
    (pe::IMAGE_DEBUG_TYPE_OMAP_TO_SRC, "OMAP_TO_SRC"),
    (pe::IMAGE_DEBUG_TYPE_OMAP_FROM_SRC, "OMAP_FROM_SRC"),
    (pe::IMAGE_DEBUG_TYPE_BORLAND, "BORLAND"),
    (pe::IMAGE_DEBUG_TYPE_RESERVED10, "RESERVED10"),
    (pe::IMAGE_DEBUG_TYPE_CLSID, "CLSID"),
    (pe::IMAGE_DEBUG_TYPE_VC_FEATURE, "VC_FEATURE"),
    (pe::IMAGE_DEBUG_TYPE_POGO, "POGO"),
    (pe::IMAGE_DEBUG_TYPE_ILTCG, "ILTCG"),
    (pe::IMAGE_DEBUG_TYPE_MPX, "MPX"),
    (pe::IMAGE_DEBUG_TYPE_REPRO, "REPRO"),
    // Later winnt.h values that object does not name.
    (17, "EMBEDDED_PORTABLE_PDB"),
    (19, "PDBCHECKSUM"),
    (20, "EX_DLLCHARACTERISTICS"),
];

pub(super) fn debug(out: &mut dyn Write, img: &Image<'_>) -> io::Result<()> {
    let Some(dir) = img.directory(
        out,
        pe::IMAGE_DIRECTORY_ENTRY_DEBUG,
        "DEBUG DIRECTORY",
        "debug",
    )?
    else {
        return Ok(());
    };
    let entry_size = mem::size_of::<pe::ImageDebugDirectory>();
    if !(dir.size as usize).is_multiple_of(entry_size) {
        malformed(
            out,
            "debug",
            format_args!("size {:#x} is not a multiple of {entry_size}", dir.size),
        )?;
    }
    let count = dir.data.len() / entry_size;
    writeln!(
        out,
        "  {:<22} {:<11} {:<11} {:<11} TimeDateStamp",
        "Type", "Size", "RVA", "FilePtr"
    )?;
    for index in 0..count.min(MAX_ROWS) {
        let Some(entry) = read_struct::<pe::ImageDebugDirectory>(dir.data, index * entry_size)
        else {
            break;
        };
        let typ = entry.typ.get(LE);
        let name = DEBUG_TYPES
            .iter()
            .find(|(t, _)| *t == typ)
            .map_or("?", |(_, n)| n);
        let size = entry.size_of_data.get(LE);
        let rva = entry.address_of_raw_data.get(LE);
        let file_ptr = entry.pointer_to_raw_data.get(LE);
        writeln!(
            out,
            "  {:<22} {size:#010x}  {rva:#010x}  {file_ptr:#010x}  {}",
            format!("{typ} {name}"),
            timestamp(entry.time_date_stamp.get(LE))
        )?;
        if typ == pe::IMAGE_DEBUG_TYPE_CODEVIEW {
            // The data need not be mapped: the file pointer is authoritative.
            let bytes = if file_ptr != 0 {
                img.data.get(file_ptr as usize..)
            } else {
                img.at(rva)
            };
            match bytes.and_then(|b| b.get(..size as usize)) {
                Some(bytes) => codeview(out, bytes)?,
                None => malformed(
                    out,
                    "debug",
                    format_args!("CodeView data {file_ptr:#x}+{size:#x} is outside the file"),
                )?,
            }
        }
    }
    if count > MAX_ROWS {
        writeln!(out, "  ... ({} more entries)", count - MAX_ROWS)?;
    }
    Ok(())
}

/// Prints a CodeView record: the PDB signature, age and path a debugger
/// matches against the PDB (RSDS: PDB 7.0; NB10: PDB 2.0).
fn codeview(out: &mut dyn Write, bytes: &[u8]) -> io::Result<()> {
    let path = |at: usize| {
        let rest = bytes.get(at..).unwrap_or_default();
        match rest.split(|&b| b == 0).next().unwrap_or_default() {
            [] => "(none)".to_string(),
            path => text(path),
        }
    };
    match bytes.get(..4) {
        Some(b"RSDS") if bytes.len() >= 24 => {
            let g = &bytes[4..20];
            let age = le(bytes, 20, 4).unwrap_or_default();
            let d1 = le(g, 0, 4).unwrap_or_default();
            let d2 = le(g, 4, 2).unwrap_or_default();
            let d3 = le(g, 6, 2).unwrap_or_default();
            let guid = format!(
                "{d1:08X}-{d2:04X}-{d3:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
                g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]
            );
            writeln!(
                out,
                "    RSDS  GUID {{{guid}}}  Age {age}  PDB {}",
                path(24)
            )?;
            // The key symbol servers file the PDB under.
            writeln!(
                out,
                "    symbol server key {}{age:X}",
                guid.replace('-', "")
            )
        }
        Some(b"NB10") if bytes.len() >= 16 => {
            let signature = le(bytes, 8, 4).unwrap_or_default();
            let age = le(bytes, 12, 4).unwrap_or_default();
            writeln!(
                out,
                "    NB10  Signature {signature:#x}  Age {age}  PDB {}",
                path(16)
            )
        }
        _ => malformed(
            out,
            "debug",
            format_args!(
                "unknown or truncated CodeView record ({:#x} bytes, starts {})",
                bytes.len(),
                text(bytes.get(..4).unwrap_or(bytes))
            ),
        ),
    }
}
