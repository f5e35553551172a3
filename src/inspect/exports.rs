//! The export directory: every ordinal with its names, RVA or forwarder.

use std::io::{self, Write};

use object::pe;
use object::read::pe::{ExportTable, ExportTarget};
use object::LittleEndian as LE;

use super::{field, malformed, text, timestamp, Image, MAX_BAD};

pub(super) fn exports(out: &mut dyn Write, img: &Image<'_>) -> io::Result<()> {
    let Some(dir) = img.directory(out, pe::IMAGE_DIRECTORY_ENTRY_EXPORT, "EXPORTS", "exports")?
    else {
        return Ok(());
    };
    let Ok(directory) = ExportTable::parse_directory(dir.data) else {
        return malformed(
            out,
            "exports",
            format_args!(
                "{:#x} bytes is too short for IMAGE_EXPORT_DIRECTORY",
                dir.data.len()
            ),
        );
    };
    // The name, like the tables, normally lies inside the directory; look it
    // up anywhere in the image all the same.
    let name_rva = directory.name.get(LE);
    let name = match img.string_at(name_rva) {
        Some(name) => text(name),
        None => format!("(name RVA {name_rva:#x} outside the image)"),
    };
    field(out, "Name", name)?;
    field(
        out,
        "Characteristics",
        format_args!("{:#x}", directory.characteristics.get(LE)),
    )?;
    field(
        out,
        "TimeDateStamp",
        timestamp(directory.time_date_stamp.get(LE)),
    )?;
    field(
        out,
        "Version",
        format_args!(
            "{}.{}",
            directory.major_version.get(LE),
            directory.minor_version.get(LE)
        ),
    )?;
    field(out, "Base", directory.base.get(LE))?;
    field(
        out,
        "NumberOfFunctions",
        directory.number_of_functions.get(LE),
    )?;
    field(out, "NumberOfNames", directory.number_of_names.get(LE))?;
    field(
        out,
        "AddressOfFunctions",
        format_args!("{:#x}", directory.address_of_functions.get(LE)),
    )?;
    field(
        out,
        "AddressOfNames",
        format_args!("{:#x}", directory.address_of_names.get(LE)),
    )?;
    field(
        out,
        "AddressOfNameOrdinals",
        format_args!("{:#x}", directory.address_of_name_ordinals.get(LE)),
    )?;

    let table = match ExportTable::parse(dir.data, dir.rva) {
        Ok(table) => table,
        Err(e) => {
            // object reads the three tables from the directory's own bytes:
            // a count past its end is what usually lands here.
            return malformed(
                out,
                "exports",
                format_args!(
                    "{e} (tables must lie within RVA {:#x}+{:#x})",
                    dir.rva, dir.size
                ),
            );
        }
    };

    // Names per address-table index; the hint is the name's position in the
    // name pointer table, which is what an import's hint refers to.
    let addresses = table.addresses();
    let mut names: Vec<Vec<(usize, String)>> = vec![Vec::new(); addresses.len()];
    let mut bad = 0;
    for (hint, (pointer, index)) in table.name_iter().enumerate() {
        let problem = match table.name_from_pointer(pointer) {
            Ok(name) => match names.get_mut(usize::from(index)) {
                Some(slot) => {
                    slot.push((hint, text(name)));
                    continue;
                }
                None => format!(
                    "name {hint} ({}) refers to function index {index}, \
                     past the {} in the address table",
                    text(name),
                    addresses.len()
                ),
            },
            Err(_) => format!("name {hint}: pointer {pointer:#x} is outside the export directory"),
        };
        bad += 1;
        if bad <= MAX_BAD {
            malformed(out, "exports", problem)?;
        }
    }
    if bad > MAX_BAD {
        malformed(
            out,
            "exports",
            format_args!("... and {} more bad names", bad - MAX_BAD),
        )?;
    }

    writeln!(
        out,
        "\n  {:>7}  {:>5}  {:<10}  Name",
        "Ordinal", "Hint", "RVA"
    )?;
    let base = table.ordinal_base();
    let mut unused = 0usize;
    for (index, address) in addresses.iter().enumerate() {
        let address = address.get(LE);
        let entry_names = &names[index];
        if address == 0 && entry_names.is_empty() {
            unused += 1; // a gap in the ordinal range
            continue;
        }
        let ordinal = base.wrapping_add(index as u32);
        let target = match table.target_from_address(address) {
            Ok(ExportTarget::Address(_)) => String::new(),
            Ok(ExportTarget::ForwardByName(dll, name)) => {
                format!(" -> {}.{}", text(dll), text(name))
            }
            Ok(ExportTarget::ForwardByOrdinal(dll, ord)) => format!(" -> {}.#{ord}", text(dll)),
            Err(e) => format!(" -> (malformed forwarder: {e})"),
        };
        if entry_names.is_empty() {
            writeln!(
                out,
                "  {ordinal:>7}  {:>5}  {address:#010x}  [NONAME]{target}",
                ""
            )?;
        }
        for (hint, name) in entry_names {
            writeln!(
                out,
                "  {ordinal:>7}  {hint:>5}  {address:#010x}  {name}{target}"
            )?;
        }
    }
    if unused != 0 {
        writeln!(out, "  ({unused} unused ordinals)")?;
    }
    Ok(())
}
