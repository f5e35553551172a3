//! The DOS, file and optional headers, the data directory table and the
//! section table.

use std::io::{self, Write};

use object::pe;
use object::read::pe::{ImageOptionalHeader, RichHeaderInfo};
use object::LittleEndian as LE;

use super::{field, flag_names, malformed, text, timestamp, Image};

const MACHINES: &[(u16, &str)] = &[
    (pe::IMAGE_FILE_MACHINE_UNKNOWN, "UNKNOWN"),
    (pe::IMAGE_FILE_MACHINE_I386, "I386"),
    (pe::IMAGE_FILE_MACHINE_AMD64, "AMD64"),
    (pe::IMAGE_FILE_MACHINE_ARM64, "ARM64"),
    (pe::IMAGE_FILE_MACHINE_ARM64EC, "ARM64EC"),
    (pe::IMAGE_FILE_MACHINE_ARM64X, "ARM64X"),
    (pe::IMAGE_FILE_MACHINE_ARMNT, "ARMNT"),
    (pe::IMAGE_FILE_MACHINE_ARM, "ARM"),
    (pe::IMAGE_FILE_MACHINE_THUMB, "THUMB"),
    (pe::IMAGE_FILE_MACHINE_IA64, "IA64"),
    (pe::IMAGE_FILE_MACHINE_EBC, "EBC"),
    (pe::IMAGE_FILE_MACHINE_RISCV32, "RISCV32"),
    (pe::IMAGE_FILE_MACHINE_RISCV64, "RISCV64"),
    (pe::IMAGE_FILE_MACHINE_RISCV128, "RISCV128"),
    (pe::IMAGE_FILE_MACHINE_CHPE_X86, "CHPE_X86"),
    (pe::IMAGE_FILE_MACHINE_POWERPC, "POWERPC"),
    (pe::IMAGE_FILE_MACHINE_ALPHA, "ALPHA"),
    (pe::IMAGE_FILE_MACHINE_ALPHA64, "ALPHA64"),
    (pe::IMAGE_FILE_MACHINE_R4000, "R4000"),
    (pe::IMAGE_FILE_MACHINE_SH4, "SH4"),
    (pe::IMAGE_FILE_MACHINE_CEE, "CEE"),
];

const FILE_CHARACTERISTICS: &[(u32, &str)] = &[
    (pe::IMAGE_FILE_RELOCS_STRIPPED as u32, "RELOCS_STRIPPED"),
    (pe::IMAGE_FILE_EXECUTABLE_IMAGE as u32, "EXECUTABLE_IMAGE"),
    (
        pe::IMAGE_FILE_LINE_NUMS_STRIPPED as u32,
        "LINE_NUMS_STRIPPED",
    ),
    (
        pe::IMAGE_FILE_LOCAL_SYMS_STRIPPED as u32,
        "LOCAL_SYMS_STRIPPED",
    ),
    (pe::IMAGE_FILE_AGGRESIVE_WS_TRIM as u32, "AGGRESIVE_WS_TRIM"),
    (
        pe::IMAGE_FILE_LARGE_ADDRESS_AWARE as u32,
        "LARGE_ADDRESS_AWARE",
    ),
    (pe::IMAGE_FILE_BYTES_REVERSED_LO as u32, "BYTES_REVERSED_LO"),
    (pe::IMAGE_FILE_32BIT_MACHINE as u32, "32BIT_MACHINE"),
    (pe::IMAGE_FILE_DEBUG_STRIPPED as u32, "DEBUG_STRIPPED"),
    (
        pe::IMAGE_FILE_REMOVABLE_RUN_FROM_SWAP as u32,
        "REMOVABLE_RUN_FROM_SWAP",
    ),
    (pe::IMAGE_FILE_NET_RUN_FROM_SWAP as u32, "NET_RUN_FROM_SWAP"),
    (pe::IMAGE_FILE_SYSTEM as u32, "SYSTEM"),
    (pe::IMAGE_FILE_DLL as u32, "DLL"),
    (pe::IMAGE_FILE_UP_SYSTEM_ONLY as u32, "UP_SYSTEM_ONLY"),
    (pe::IMAGE_FILE_BYTES_REVERSED_HI as u32, "BYTES_REVERSED_HI"),
];

const SUBSYSTEMS: &[(u16, &str)] = &[
    (pe::IMAGE_SUBSYSTEM_UNKNOWN, "UNKNOWN"),
    (pe::IMAGE_SUBSYSTEM_NATIVE, "NATIVE"),
    (pe::IMAGE_SUBSYSTEM_WINDOWS_GUI, "WINDOWS_GUI"),
    (pe::IMAGE_SUBSYSTEM_WINDOWS_CUI, "WINDOWS_CUI"),
    (pe::IMAGE_SUBSYSTEM_OS2_CUI, "OS2_CUI"),
    (pe::IMAGE_SUBSYSTEM_POSIX_CUI, "POSIX_CUI"),
    (pe::IMAGE_SUBSYSTEM_NATIVE_WINDOWS, "NATIVE_WINDOWS"),
    (pe::IMAGE_SUBSYSTEM_WINDOWS_CE_GUI, "WINDOWS_CE_GUI"),
    (pe::IMAGE_SUBSYSTEM_EFI_APPLICATION, "EFI_APPLICATION"),
    (
        pe::IMAGE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER,
        "EFI_BOOT_SERVICE_DRIVER",
    ),
    (pe::IMAGE_SUBSYSTEM_EFI_RUNTIME_DRIVER, "EFI_RUNTIME_DRIVER"),
    (pe::IMAGE_SUBSYSTEM_EFI_ROM, "EFI_ROM"),
    (pe::IMAGE_SUBSYSTEM_XBOX, "XBOX"),
    (
        pe::IMAGE_SUBSYSTEM_WINDOWS_BOOT_APPLICATION,
        "WINDOWS_BOOT_APPLICATION",
    ),
    (pe::IMAGE_SUBSYSTEM_XBOX_CODE_CATALOG, "XBOX_CODE_CATALOG"),
];

const DLL_CHARACTERISTICS: &[(u32, &str)] = &[
    (
        pe::IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA as u32,
        "HIGH_ENTROPY_VA",
    ),
    (
        pe::IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE as u32,
        "DYNAMIC_BASE",
    ),
    (
        pe::IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY as u32,
        "FORCE_INTEGRITY",
    ),
    (pe::IMAGE_DLLCHARACTERISTICS_NX_COMPAT as u32, "NX_COMPAT"),
    (
        pe::IMAGE_DLLCHARACTERISTICS_NO_ISOLATION as u32,
        "NO_ISOLATION",
    ),
    (pe::IMAGE_DLLCHARACTERISTICS_NO_SEH as u32, "NO_SEH"),
    (pe::IMAGE_DLLCHARACTERISTICS_NO_BIND as u32, "NO_BIND"),
    (
        pe::IMAGE_DLLCHARACTERISTICS_APPCONTAINER as u32,
        "APPCONTAINER",
    ),
    (pe::IMAGE_DLLCHARACTERISTICS_WDM_DRIVER as u32, "WDM_DRIVER"),
    (pe::IMAGE_DLLCHARACTERISTICS_GUARD_CF as u32, "GUARD_CF"),
    (
        pe::IMAGE_DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE as u32,
        "TERMINAL_SERVER_AWARE",
    ),
];

/// IMAGE_DIRECTORY_ENTRY_* in index order.
const DIRECTORY_NAMES: &[&str] = &[
    "EXPORT",
    "IMPORT",
    "RESOURCE",
    "EXCEPTION",
    "SECURITY",
    "BASERELOC",
    "DEBUG",
    "ARCHITECTURE",
    "GLOBALPTR",
    "TLS",
    "LOAD_CONFIG",
    "BOUND_IMPORT",
    "IAT",
    "DELAY_IMPORT",
    "COM_DESCRIPTOR",
    "RESERVED",
];

/// IMAGE_SCN_* flags shown after the R/W/X triple (MEM_READ, MEM_WRITE and
/// MEM_EXECUTE are that triple; the ALIGN_ field is decoded separately).
const SECTION_FLAGS: &[(u32, &str)] = &[
    (pe::IMAGE_SCN_TYPE_NO_PAD, "NO_PAD"),
    (pe::IMAGE_SCN_CNT_CODE, "CODE"),
    (pe::IMAGE_SCN_CNT_INITIALIZED_DATA, "IDATA"),
    (pe::IMAGE_SCN_CNT_UNINITIALIZED_DATA, "UDATA"),
    (pe::IMAGE_SCN_LNK_OTHER, "LNK_OTHER"),
    (pe::IMAGE_SCN_LNK_INFO, "LNK_INFO"),
    (pe::IMAGE_SCN_LNK_REMOVE, "LNK_REMOVE"),
    (pe::IMAGE_SCN_LNK_COMDAT, "COMDAT"),
    (pe::IMAGE_SCN_NO_DEFER_SPEC_EXC, "NO_DEFER_SPEC_EXC"),
    (pe::IMAGE_SCN_GPREL, "GPREL"),
    (pe::IMAGE_SCN_MEM_PURGEABLE, "PURGEABLE"),
    (pe::IMAGE_SCN_MEM_LOCKED, "LOCKED"),
    (pe::IMAGE_SCN_MEM_PRELOAD, "PRELOAD"),
    (pe::IMAGE_SCN_LNK_NRELOC_OVFL, "NRELOC_OVFL"),
    (pe::IMAGE_SCN_MEM_DISCARDABLE, "DISCARDABLE"),
    (pe::IMAGE_SCN_MEM_NOT_CACHED, "NOT_CACHED"),
    (pe::IMAGE_SCN_MEM_NOT_PAGED, "NOT_PAGED"),
    (pe::IMAGE_SCN_MEM_SHARED, "SHARED"),
];

fn lookup<T: PartialEq + Copy>(table: &[(T, &'static str)], value: T) -> &'static str {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map_or("?", |(_, name)| name)
}

/// Names the machine in an IMAGE_FILE_HEADER.
pub(super) fn machine_name(machine: u16) -> &'static str {
    lookup(MACHINES, machine)
}

pub(super) fn dos_header(
    out: &mut dyn Write,
    img: &Image<'_>,
    dos: &pe::ImageDosHeader,
) -> io::Result<()> {
    let kind = if img.is_64 { "PE32+" } else { "PE32" };
    writeln!(out, "{kind} image, {} bytes", img.data.len())?;
    writeln!(out, "\nDOS HEADER")?;
    field(out, "e_lfanew", format_args!("{:#x}", dos.e_lfanew.get(LE)))?;
    // The "Rich" header: compiler and linker build IDs that MSVC's linker
    // leaves between the DOS stub and the NT headers.
    if let Some(rich) = RichHeaderInfo::parse(img.data, dos.nt_headers_offset().into()) {
        let entries: Vec<_> = rich.unmasked_entries().collect();
        field(
            out,
            "Rich header",
            format_args!("{} entries at {:#x}", entries.len(), rich.offset),
        )?;
        for entry in entries.iter().take(super::MAX_ROWS) {
            writeln!(
                out,
                "    product {:#06x}  build {:>5}  count {}",
                entry.comp_id >> 16,
                entry.comp_id & 0xffff,
                entry.count
            )?;
        }
    }
    Ok(())
}

pub(super) fn file_header(out: &mut dyn Write, fh: &pe::ImageFileHeader) -> io::Result<()> {
    writeln!(out, "\nFILE HEADER")?;
    let machine = fh.machine.get(LE);
    field(
        out,
        "Machine",
        format_args!("{machine:#x} {}", machine_name(machine)),
    )?;
    field(out, "NumberOfSections", fh.number_of_sections.get(LE))?;
    field(out, "TimeDateStamp", timestamp(fh.time_date_stamp.get(LE)))?;
    field(
        out,
        "PointerToSymbolTable",
        format_args!("{:#x}", fh.pointer_to_symbol_table.get(LE)),
    )?;
    field(out, "NumberOfSymbols", fh.number_of_symbols.get(LE))?;
    field(
        out,
        "SizeOfOptionalHeader",
        format_args!("{:#x}", fh.size_of_optional_header.get(LE)),
    )?;
    let ch = fh.characteristics.get(LE);
    field(
        out,
        "Characteristics",
        format_args!("{ch:#x} {}", flag_names(ch.into(), FILE_CHARACTERISTICS)),
    )
}

pub(super) fn optional_header(
    out: &mut dyn Write,
    oh: &impl ImageOptionalHeader,
) -> io::Result<()> {
    writeln!(out, "\nOPTIONAL HEADER")?;
    let magic = oh.magic();
    let kind = if magic == pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC {
        "PE32+"
    } else {
        "PE32"
    };
    field(out, "Magic", format_args!("{magic:#x} {kind}"))?;
    field(
        out,
        "LinkerVersion",
        format_args!(
            "{}.{}",
            oh.major_linker_version(),
            oh.minor_linker_version()
        ),
    )?;
    field(out, "SizeOfCode", format_args!("{:#x}", oh.size_of_code()))?;
    field(
        out,
        "SizeOfInitializedData",
        format_args!("{:#x}", oh.size_of_initialized_data()),
    )?;
    field(
        out,
        "SizeOfUninitializedData",
        format_args!("{:#x}", oh.size_of_uninitialized_data()),
    )?;
    field(
        out,
        "AddressOfEntryPoint",
        format_args!("{:#x}", oh.address_of_entry_point()),
    )?;
    field(out, "BaseOfCode", format_args!("{:#x}", oh.base_of_code()))?;
    if let Some(base) = oh.base_of_data() {
        field(out, "BaseOfData", format_args!("{base:#x}"))?;
    }
    field(out, "ImageBase", format_args!("{:#x}", oh.image_base()))?;
    field(
        out,
        "SectionAlignment",
        format_args!("{:#x}", oh.section_alignment()),
    )?;
    field(
        out,
        "FileAlignment",
        format_args!("{:#x}", oh.file_alignment()),
    )?;
    let version = |major: u16, minor: u16| format!("{major}.{minor}");
    field(
        out,
        "OperatingSystemVersion",
        version(
            oh.major_operating_system_version(),
            oh.minor_operating_system_version(),
        ),
    )?;
    field(
        out,
        "ImageVersion",
        version(oh.major_image_version(), oh.minor_image_version()),
    )?;
    field(
        out,
        "SubsystemVersion",
        version(oh.major_subsystem_version(), oh.minor_subsystem_version()),
    )?;
    field(
        out,
        "Win32VersionValue",
        format_args!("{:#x}", oh.win32_version_value()),
    )?;
    field(
        out,
        "SizeOfImage",
        format_args!("{:#x}", oh.size_of_image()),
    )?;
    field(
        out,
        "SizeOfHeaders",
        format_args!("{:#x}", oh.size_of_headers()),
    )?;
    field(out, "CheckSum", format_args!("{:#x}", oh.check_sum()))?;
    let subsystem = oh.subsystem();
    field(
        out,
        "Subsystem",
        format_args!("{subsystem} {}", lookup(SUBSYSTEMS, subsystem)),
    )?;
    let dll = oh.dll_characteristics();
    field(
        out,
        "DllCharacteristics",
        format_args!("{dll:#x} {}", flag_names(dll.into(), DLL_CHARACTERISTICS)),
    )?;
    field(
        out,
        "SizeOfStackReserve",
        format_args!("{:#x}", oh.size_of_stack_reserve()),
    )?;
    field(
        out,
        "SizeOfStackCommit",
        format_args!("{:#x}", oh.size_of_stack_commit()),
    )?;
    field(
        out,
        "SizeOfHeapReserve",
        format_args!("{:#x}", oh.size_of_heap_reserve()),
    )?;
    field(
        out,
        "SizeOfHeapCommit",
        format_args!("{:#x}", oh.size_of_heap_commit()),
    )?;
    field(out, "LoaderFlags", format_args!("{:#x}", oh.loader_flags()))?;
    field(out, "NumberOfRvaAndSizes", oh.number_of_rva_and_sizes())
}

pub(super) fn data_directories(
    out: &mut dyn Write,
    img: &Image<'_>,
    declared: u32,
) -> io::Result<()> {
    writeln!(out, "\nDATA DIRECTORIES ({})", img.dirs.len())?;
    if declared as usize > img.dirs.len() {
        malformed(
            out,
            "data directories",
            format_args!(
                "NumberOfRvaAndSizes is {declared} but SizeOfOptionalHeader leaves room for {}",
                img.dirs.len()
            ),
        )?;
    }
    writeln!(
        out,
        "  {:<3} {:<15} {:<11} {:<11} Where",
        "#", "Name", "RVA", "Size"
    )?;
    for (index, entry) in img.dirs.enumerate() {
        let (rva, size) = entry.address_range();
        let name = DIRECTORY_NAMES.get(index).copied().unwrap_or("?");
        let place = if rva == 0 && size == 0 {
            String::new()
        } else if index == pe::IMAGE_DIRECTORY_ENTRY_SECURITY {
            // The certificate table is not mapped: its "RVA" is a file offset.
            let fits = u64::from(rva) + u64::from(size) <= img.data.len() as u64;
            if fits {
                "file offset".into()
            } else {
                "file offset past the end of the file!".into()
            }
        } else if let Some(section) = img.sections.section_containing(rva) {
            text(section.raw_name())
        } else if rva < img.size_of_headers {
            "headers".into()
        } else {
            "outside every section!".into()
        };
        let row = format!("  {index:<3} {name:<15} {rva:#010x}  {size:#010x}  {place}");
        writeln!(out, "{}", row.trim_end())?;
    }
    Ok(())
}

pub(super) fn sections(
    out: &mut dyn Write,
    img: &Image<'_>,
    fh: &pe::ImageFileHeader,
) -> io::Result<()> {
    writeln!(out, "\nSECTIONS ({})", img.sections.len())?;
    writeln!(
        out,
        "  {:<3} {:<9} {:<11} {:<11} {:<11} {:<11} Characteristics",
        "#", "Name", "VirtAddr", "VirtSize", "RawPtr", "RawSize"
    )?;
    // Long names ("/4") index the COFF string table, which only unstripped
    // images keep.
    let strings = object::read::coff::SymbolTable::<_, pe::ImageFileHeader>::parse(fh, img.data)
        .map(|symbols| symbols.strings())
        .unwrap_or_default();
    for (index, section) in img.sections.enumerate() {
        let name = section.name(strings).unwrap_or(section.raw_name());
        let ch = section.characteristics.get(LE);
        let rwx: String = [
            (pe::IMAGE_SCN_MEM_READ, 'R'),
            (pe::IMAGE_SCN_MEM_WRITE, 'W'),
            (pe::IMAGE_SCN_MEM_EXECUTE, 'X'),
        ]
        .iter()
        .map(|&(bit, c)| if ch & bit != 0 { c } else { '-' })
        .collect();
        let mut flags = flag_names(
            ch & !(pe::IMAGE_SCN_MEM_READ
                | pe::IMAGE_SCN_MEM_WRITE
                | pe::IMAGE_SCN_MEM_EXECUTE
                | pe::IMAGE_SCN_ALIGN_MASK),
            SECTION_FLAGS,
        );
        let align = (ch & pe::IMAGE_SCN_ALIGN_MASK) >> 20;
        if align != 0 {
            flags.push_str(&format!(" ALIGN_{}", 1u32 << (align - 1).min(15)));
        }
        let raw_ptr = section.pointer_to_raw_data.get(LE);
        let raw_size = section.size_of_raw_data.get(LE);
        writeln!(
            out,
            "  {:<3} {:<9} {:#010x}  {:#010x}  {raw_ptr:#010x}  {raw_size:#010x}  \
             {ch:#010x} {rwx} {flags}",
            index.0,
            text(name),
            section.virtual_address.get(LE),
            section.virtual_size.get(LE),
        )?;
        if raw_size != 0 && u64::from(raw_ptr) + u64::from(raw_size) > img.data.len() as u64 {
            malformed(
                out,
                "sections",
                format_args!(
                    "{}: raw data {raw_ptr:#x}+{raw_size:#x} runs past the end of the file \
                 ({:#x} bytes)",
                    text(name),
                    img.data.len()
                ),
            )?;
        }
    }
    Ok(())
}
