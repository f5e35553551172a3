//! The import and delay-load import directories.
//!
//! object's tables read names from one section's bytes; linkers are free to
//! put descriptors, lookup tables and names in different sections, so every
//! lookup builds a table over the section holding the address it follows.
//! Thunks are copied out rather than read in place: mingw aligns lookup
//! tables to 4 bytes, and object (without its `unaligned` feature) refuses
//! an 8-byte IMAGE_THUNK_DATA64 there.

use std::io::{self, Write};
use std::mem;

use object::pe;
use object::read::pe::{DelayLoadImportTable, ImageNtHeaders, ImageThunkData, ImportTable};
use object::LittleEndian as LE;

use super::{malformed, read_struct, text, timestamp, Image, MAX_BAD};

/// The lookups ImportTable and DelayLoadImportTable share.
trait Table<'a>: Sized {
    fn over(section: &'a [u8], section_rva: u32, start: u32) -> Self;
    fn hint_name(&self, rva: u32) -> object::read::Result<(u16, &'a [u8])>;
}

impl<'a> Table<'a> for ImportTable<'a> {
    fn over(section: &'a [u8], section_rva: u32, start: u32) -> Self {
        ImportTable::new(section, section_rva, start)
    }
    fn hint_name(&self, rva: u32) -> object::read::Result<(u16, &'a [u8])> {
        ImportTable::hint_name(self, rva)
    }
}

impl<'a> Table<'a> for DelayLoadImportTable<'a> {
    fn over(section: &'a [u8], section_rva: u32, start: u32) -> Self {
        DelayLoadImportTable::new(section, section_rva, start)
    }
    fn hint_name(&self, rva: u32) -> object::read::Result<(u16, &'a [u8])> {
        DelayLoadImportTable::hint_name(self, rva)
    }
}

/// A table over the section holding `rva`.
fn table_at<'a, T: Table<'a>>(img: &Image<'a>, rva: u32) -> Option<T> {
    let (section, base) = img.region(rva)?;
    Some(T::over(section, base, rva))
}

pub(super) fn imports<Pe: ImageNtHeaders>(out: &mut dyn Write, img: &Image<'_>) -> io::Result<()> {
    // The loader ignores the directory's size and reads to a null descriptor.
    let Some(entry) = img.dirs.get(pe::IMAGE_DIRECTORY_ENTRY_IMPORT) else {
        return Ok(());
    };
    let rva = entry.virtual_address.get(LE);
    writeln!(
        out,
        "\nIMPORTS (RVA {rva:#x}, size {:#x})",
        entry.size.get(LE)
    )?;
    let Some(Ok(mut descriptors)) = table_at::<ImportTable>(img, rva).map(|t| t.descriptors())
    else {
        return malformed(
            out,
            "imports",
            format_args!("RVA {rva:#x} is not in any section's file data"),
        );
    };
    let mut bad_names = 0;
    for count in 0usize.. {
        let descriptor = match descriptors.next() {
            Ok(Some(descriptor)) => descriptor,
            Ok(None) if count == 0 => return writeln!(out, "  (none)"),
            Ok(None) => break,
            Err(_) => {
                return malformed(
                    out,
                    "imports",
                    "descriptor table runs past the end of its section without a null descriptor",
                );
            }
        };
        let dll = dll_name(img, descriptor.name.get(LE), &mut bad_names);
        if bad_names == MAX_BAD {
            return malformed(
                out,
                "imports",
                format_args!("giving up after {MAX_BAD} descriptors with bad names"),
            );
        }
        let lookup = descriptor.original_first_thunk.get(LE);
        let iat = descriptor.first_thunk.get(LE);
        let stamp = descriptor.time_date_stamp.get(LE);
        writeln!(out, "  {dll}")?;
        writeln!(
            out,
            "    OriginalFirstThunk {lookup:#x}  TimeDateStamp {}  \
             ForwarderChain {:#x}  FirstThunk {iat:#x}",
            if stamp == u32::MAX {
                "-1 (bound, see BOUND_IMPORT)".into()
            } else {
                timestamp(stamp)
            },
            descriptor.forwarder_chain.get(LE),
        )?;
        // Without an import lookup table (old Borland linkers), the IAT holds
        // the names until the loader overwrites it.
        let names = if lookup != 0 { lookup } else { iat };
        let to_rva = |address: u64| u32::try_from(address).ok();
        thunks::<Pe, ImportTable>(out, img, "imports", &dll, names, iat, to_rva)?;
    }
    Ok(())
}

pub(super) fn delay_imports<Pe: ImageNtHeaders>(
    out: &mut dyn Write,
    img: &Image<'_>,
) -> io::Result<()> {
    let Some(entry) = img.dirs.get(pe::IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT) else {
        return Ok(());
    };
    let rva = entry.virtual_address.get(LE);
    writeln!(
        out,
        "\nDELAY IMPORTS (RVA {rva:#x}, size {:#x})",
        entry.size.get(LE)
    )?;
    let Some(Ok(mut descriptors)) =
        table_at::<DelayLoadImportTable>(img, rva).map(|t| t.descriptors())
    else {
        return malformed(
            out,
            "delay imports",
            format_args!("RVA {rva:#x} is not in any section's file data"),
        );
    };
    let mut bad_names = 0;
    for count in 0usize.. {
        let descriptor = match descriptors.next() {
            Ok(Some(descriptor)) => descriptor,
            Ok(None) if count == 0 => return writeln!(out, "  (none)"),
            Ok(None) => break,
            Err(_) => {
                return malformed(
                    out,
                    "delay imports",
                    "descriptor table runs past the end of its section without a null descriptor",
                );
            }
        };
        let attributes = descriptor.attributes.get(LE);
        // Bit 0 is delayimp.h's dlattrRva; without it (Visual C++ 6
        // descriptors) every field holds a virtual address.
        let rva_based = attributes & 1 != 0;
        let to_rva = |address: u64| {
            if rva_based {
                u32::try_from(address).ok()
            } else {
                img.rva_of_va(address)
            }
        };
        let field = |value: &object::U32<LE>| to_rva(value.get(LE).into()).unwrap_or(u32::MAX);
        let dll = dll_name(img, field(&descriptor.dll_name_rva), &mut bad_names);
        if bad_names == MAX_BAD {
            return malformed(
                out,
                "delay imports",
                format_args!("giving up after {MAX_BAD} descriptors with bad names"),
            );
        }
        writeln!(out, "  {dll}")?;
        writeln!(
            out,
            "    Attributes {attributes:#x}{}  ModuleHandle {:#x}  IAT {:#x}  INT {:#x}",
            if rva_based {
                " (RVA-based)"
            } else {
                " (VA-based)"
            },
            field(&descriptor.module_handle_rva),
            field(&descriptor.import_address_table_rva),
            field(&descriptor.import_name_table_rva),
        )?;
        writeln!(
            out,
            "    BoundIAT {:#x}  UnloadInformationTable {:#x}  TimeDateStamp {}",
            field(&descriptor.bound_import_address_table_rva),
            field(&descriptor.unload_information_table_rva),
            timestamp(descriptor.time_date_stamp.get(LE)),
        )?;
        let names = field(&descriptor.import_name_table_rva);
        let iat = field(&descriptor.import_address_table_rva);
        thunks::<Pe, DelayLoadImportTable>(out, img, "delay imports", &dll, names, iat, to_rva)?;
    }
    Ok(())
}

/// Names the DLL a descriptor imports from, counting names that are not
/// there in `bad`.
fn dll_name(img: &Image<'_>, rva: u32, bad: &mut usize) -> String {
    match img.string_at(rva) {
        Some(name) => text(name),
        None => {
            *bad += 1;
            format!("(name RVA {rva:#x} outside the image)")
        }
    }
}

/// Prints one DLL's imports from the lookup table at `names`; `iat` only
/// labels the rows. `to_rva` turns a hint/name pointer into an RVA.
fn thunks<'a, Pe: ImageNtHeaders, T: Table<'a>>(
    out: &mut dyn Write,
    img: &Image<'a>,
    label: &str,
    dll: &str,
    names: u32,
    iat: u32,
    to_rva: impl Fn(u64) -> Option<u32>,
) -> io::Result<()> {
    let Some(list) = img.at(names) else {
        return malformed(
            out,
            label,
            format_args!("{dll}: lookup table RVA {names:#x} is outside the image"),
        );
    };
    writeln!(out, "    {:<10}  {:>5}  Name", "IAT", "Hint")?;
    let size = mem::size_of::<Pe::ImageThunkData>();
    let mut bad = 0;
    // Each step consumes a thunk of section data, so this ends.
    for index in 0usize.. {
        let slot = iat.wrapping_add((index * size) as u32);
        let Some(thunk) = read_struct::<Pe::ImageThunkData>(list, index * size) else {
            let msg =
                format_args!("{dll}: lookup table {names:#x} runs off its section unterminated");
            return malformed(out, label, msg);
        };
        if thunk.raw() == 0 {
            break;
        }
        if thunk.is_ordinal() {
            writeln!(
                out,
                "    {slot:#010x}  {:>5}  ordinal {}",
                "",
                thunk.ordinal()
            )?;
            continue;
        }
        let raw = thunk.raw();
        let found =
            to_rva(raw).and_then(|rva| table_at::<T>(img, rva).and_then(|t| t.hint_name(rva).ok()));
        match found {
            Some((hint, name)) => writeln!(out, "    {slot:#010x}  {hint:>5}  {}", text(name))?,
            None => {
                malformed(
                    out,
                    label,
                    format_args!("{dll}: hint/name {raw:#x} is outside the image"),
                )?;
                bad += 1;
                if bad == MAX_BAD {
                    return malformed(
                        out,
                        label,
                        format_args!("{dll}: giving up after {MAX_BAD} bad entries"),
                    );
                }
            }
        }
    }
    Ok(())
}
