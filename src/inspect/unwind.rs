//! The exception directory: .pdata's RUNTIME_FUNCTION entries and the x64
//! UNWIND_INFO each points to, decoded as RtlVirtualUnwind reads them.
//!
//! object has the RUNTIME_FUNCTION layouts but not UNWIND_INFO, whose
//! header is four packed bytes; those are decoded here.

use std::io::{self, Write};

use object::pe;
use object::LittleEndian as LE;

use super::{le, malformed, read_struct, Image, MAX_ROWS};

// UNWIND_INFO.Flags (winnt.h).
const UNW_FLAG_EHANDLER: u8 = 0x1;
const UNW_FLAG_UHANDLER: u8 = 0x2;
const UNW_FLAG_CHAININFO: u8 = 0x4;

/// x64 integer registers in UNWIND_CODE.OpInfo / FrameRegister order.
const REGISTERS: [&str; 16] = [
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15",
];

/// Chained UNWIND_INFO levels followed: real chains are one or two deep,
/// and a chain that loops must still end.
const MAX_CHAIN: usize = 8;

pub(super) fn exceptions(out: &mut dyn Write, img: &Image<'_>) -> io::Result<()> {
    let heading = "EXCEPTION DIRECTORY";
    let Some(dir) = img.directory(
        out,
        pe::IMAGE_DIRECTORY_ENTRY_EXCEPTION,
        heading,
        "exceptions",
    )?
    else {
        return Ok(());
    };
    match img.machine {
        pe::IMAGE_FILE_MACHINE_AMD64 => x64(out, img, dir.size, dir.data),
        pe::IMAGE_FILE_MACHINE_ARM64
        | pe::IMAGE_FILE_MACHINE_ARM64EC
        | pe::IMAGE_FILE_MACHINE_ARM64X
        | pe::IMAGE_FILE_MACHINE_ARMNT => arm(out, img, dir.data),
        machine => writeln!(
            out,
            "  {:#x} bytes of function entries for machine {machine:#x} ({}); not decoded",
            dir.data.len(),
            super::headers::machine_name(machine)
        ),
    }
}

fn x64(out: &mut dyn Write, img: &Image<'_>, size: u32, data: &[u8]) -> io::Result<()> {
    let entry_size = std::mem::size_of::<pe::ImageRuntimeFunctionEntry>();
    if !(size as usize).is_multiple_of(entry_size) {
        malformed(
            out,
            "exceptions",
            format_args!("size {size:#x} is not a multiple of {entry_size}"),
        )?;
    }
    let count = data.len() / entry_size;
    writeln!(out, "  {count} functions")?;
    writeln!(out, "  {:<6} {:<11} {:<11} Unwind", "#", "Begin", "End")?;
    let mut previous_end = 0;
    for index in 0..count.min(MAX_ROWS) {
        let Some(function) = read_struct::<pe::ImageRuntimeFunctionEntry>(data, index * entry_size)
        else {
            break;
        };
        let begin = function.begin_address.get(LE);
        let end = function.end_address.get(LE);
        let unwind = function.unwind_info_address_or_data.get(LE);
        writeln!(
            out,
            "  {index:<6} {begin:#010x}  {end:#010x}  {unwind:#010x}"
        )?;
        // Empty entries (end == begin) occur in real compiler output and
        // merely never match.
        if end < begin {
            malformed(
                out,
                "exceptions",
                format_args!("entry {index}: EndAddress is below BeginAddress"),
            )?;
        }
        // RtlLookupFunctionEntry binary-searches the table.
        if begin < previous_end {
            malformed(
                out,
                "exceptions",
                format_args!("entry {index}: not sorted after the previous entry"),
            )?;
        }
        previous_end = end;
        unwind_info(out, img, unwind, 0)?;
    }
    if count > MAX_ROWS {
        writeln!(out, "  ... ({} more functions)", count - MAX_ROWS)?;
    }
    Ok(())
}

/// Prints the UNWIND_INFO at `rva` and, for chained info, its parents.
fn unwind_info(out: &mut dyn Write, img: &Image<'_>, rva: u32, depth: usize) -> io::Result<()> {
    let pad = "  ".repeat(depth);
    // Bit 0 set: the entry shares another RUNTIME_FUNCTION's unwind data.
    if rva & 1 != 0 {
        return chained(out, img, rva & !1, depth, "indirect, via RUNTIME_FUNCTION");
    }
    let Some(bytes) = img.at(rva).filter(|b| b.len() >= 4) else {
        return malformed(
            out,
            "exceptions",
            format_args!("UNWIND_INFO {rva:#x} is outside the image"),
        );
    };
    let version = bytes[0] & 0x7;
    let flags = bytes[0] >> 3;
    let prolog = bytes[1];
    let count = usize::from(bytes[2]);
    let frame = bytes[3] & 0xf;
    let frame = if frame == 0 {
        "none".to_string()
    } else {
        format!(
            "{}+{:#x}",
            REGISTERS[usize::from(frame)],
            (bytes[3] >> 4) * 16
        )
    };
    let mut flag_names: Vec<&str> = [
        (UNW_FLAG_EHANDLER, "EHANDLER"),
        (UNW_FLAG_UHANDLER, "UHANDLER"),
        (UNW_FLAG_CHAININFO, "CHAININFO"),
    ]
    .iter()
    .filter(|(bit, _)| flags & bit != 0)
    .map(|(_, name)| *name)
    .collect();
    if flag_names.is_empty() {
        flag_names.push("none");
    }
    writeln!(
        out,
        "         {pad}version {version}, flags {}, prolog {prolog:#x}, \
         {count} codes, frame {frame}",
        flag_names.join("|")
    )?;
    if version != 1 && version != 2 {
        return malformed(
            out,
            "exceptions",
            format_args!("UNWIND_INFO {rva:#x}: unknown version {version}"),
        );
    }
    // UnwindCode[] is padded to an even number of slots.
    let codes_len = count.div_ceil(2) * 4;
    let Some(codes) = bytes.get(4..4 + codes_len) else {
        return malformed(
            out,
            "exceptions",
            format_args!("UNWIND_INFO {rva:#x}: {count} codes run past the end of the section"),
        );
    };
    unwind_codes(out, &pad, version, &codes[..count * 2])?;
    let tail = 4 + codes_len;
    let tail_rva = rva.wrapping_add(tail as u32);
    if flags & UNW_FLAG_CHAININFO != 0 {
        if flags & (UNW_FLAG_EHANDLER | UNW_FLAG_UHANDLER) != 0 {
            malformed(
                out,
                "exceptions",
                format_args!("UNWIND_INFO {rva:#x}: CHAININFO combined with a handler flag"),
            )?;
        }
        chained(out, img, tail_rva, depth, "chained to")
    } else if flags & (UNW_FLAG_EHANDLER | UNW_FLAG_UHANDLER) != 0 {
        match le(bytes, tail, 4) {
            Some(handler) => writeln!(
                out,
                "         {pad}handler {handler:#010x}, handler data at {:#010x}",
                tail_rva.wrapping_add(4)
            ),
            None => malformed(
                out,
                "exceptions",
                format_args!("UNWIND_INFO {rva:#x}: handler RVA runs past the end of the section"),
            ),
        }
    } else {
        Ok(())
    }
}

/// Prints the RUNTIME_FUNCTION at `rva` and follows its unwind data.
fn chained(
    out: &mut dyn Write,
    img: &Image<'_>,
    rva: u32,
    depth: usize,
    how: &str,
) -> io::Result<()> {
    let pad = "  ".repeat(depth);
    let Some(parent) = img
        .at(rva)
        .and_then(|b| read_struct::<pe::ImageRuntimeFunctionEntry>(b, 0))
    else {
        return malformed(
            out,
            "exceptions",
            format_args!("chained RUNTIME_FUNCTION {rva:#x} is outside the image"),
        );
    };
    let unwind = parent.unwind_info_address_or_data.get(LE);
    writeln!(
        out,
        "         {pad}{how} {:#010x}-{:#010x} unwind {unwind:#010x}",
        parent.begin_address.get(LE),
        parent.end_address.get(LE),
    )?;
    if depth + 1 >= MAX_CHAIN {
        return malformed(
            out,
            "exceptions",
            format_args!("chain deeper than {MAX_CHAIN} entries (a loop?)"),
        );
    }
    unwind_info(out, img, unwind, depth + 1)
}

/// Decodes UNWIND_CODE slots: each is (CodeOffset, UnwindOp:4, OpInfo:4),
/// and some operations take the next one or two slots as an operand.
fn unwind_codes(out: &mut dyn Write, pad: &str, version: u8, codes: &[u8]) -> io::Result<()> {
    let slots = codes.len() / 2;
    let slot = |i: usize| le(codes, i * 2, 2).unwrap_or_default();
    let mut i = 0;
    while i < slots {
        let offset = codes[i * 2];
        let op = codes[i * 2 + 1] & 0xf;
        let info = usize::from(codes[i * 2 + 1] >> 4);
        let reg = REGISTERS[info];
        let extra = match op {
            1 if info == 0 => 1,
            1 => 2,
            4 | 8 => 1,
            5 | 9 => 2,
            6 if version < 2 => 1,
            7 => 2,
            _ => 0,
        };
        if i + extra >= slots {
            return malformed(
                out,
                "exceptions",
                format_args!("unwind code {i} needs {extra} more slots than CountOfCodes holds"),
            );
        }
        let near = slot(i + 1);
        let far = slot(i + 1) | slot(i + 2) << 16;
        let what = match op {
            0 => format!("PUSH_NONVOL {reg}"),
            1 if info == 0 => format!("ALLOC_LARGE {:#x}", near * 8),
            1 if info == 1 => format!("ALLOC_LARGE {far:#x}"),
            2 => format!("ALLOC_SMALL {:#x}", info * 8 + 8),
            3 => "SET_FPREG".to_string(),
            4 => format!("SAVE_NONVOL {reg} at rsp+{:#x}", near * 8),
            5 => format!("SAVE_NONVOL_FAR {reg} at rsp+{far:#x}"),
            // Version 2 reused the obsolete SAVE_XMM code for epilog descriptions.
            6 if version >= 2 => format!("EPILOG size/offset {offset:#x} flags {info:#x}"),
            6 => format!("SAVE_XMM xmm{info} at rsp+{:#x}", near * 8),
            7 => format!("SAVE_XMM_FAR xmm{info} at rsp+{far:#x}"),
            8 => format!("SAVE_XMM128 xmm{info} at rsp+{:#x}", near * 16),
            9 => format!("SAVE_XMM128_FAR xmm{info} at rsp+{far:#x}"),
            10 => format!(
                "PUSH_MACHFRAME{}",
                if info == 1 { " with error code" } else { "" }
            ),
            1 => {
                return malformed(
                    out,
                    "exceptions",
                    format_args!("unwind code {i}: ALLOC_LARGE with op info {info}"),
                )
            }
            _ => {
                return malformed(
                    out,
                    "exceptions",
                    format_args!("unwind code {i}: unknown operation {op}"),
                )
            }
        };
        writeln!(out, "           {pad}{offset:#04x}  {what}")?;
        i += 1 + extra;
    }
    Ok(())
}

/// ARM and ARM64 .pdata: (BeginAddress, UnwindData) pairs, where UnwindData
/// is either packed unwind data (low two bits non-zero) or an .xdata RVA.
fn arm(out: &mut dyn Write, img: &Image<'_>, data: &[u8]) -> io::Result<()> {
    let count = data.len() / 8;
    writeln!(out, "  {count} functions")?;
    writeln!(out, "  {:<6} {:<11} Unwind", "#", "Begin")?;
    for index in 0..count.min(MAX_ROWS) {
        let begin = le(data, index * 8, 4).unwrap_or_default();
        let unwind = le(data, index * 8 + 4, 4).unwrap_or_default() as u32;
        if unwind & 3 != 0 {
            writeln!(out, "  {index:<6} {begin:#010x}  packed {unwind:#010x}")?;
            continue;
        }
        if img.machine == pe::IMAGE_FILE_MACHINE_ARMNT {
            writeln!(out, "  {index:<6} {begin:#010x}  xdata {unwind:#010x}")?;
            continue;
        }
        // The first ARM64 .xdata word: FunctionLength:18, Vers:2, X:1, E:1,
        // EpilogCount:5, CodeWords:5.
        match img.at(unwind).and_then(|b| le(b, 0, 4)) {
            Some(word) => writeln!(
                out,
                "  {index:<6} {begin:#010x}  xdata {unwind:#010x}: length {:#x}, version {}, \
                 X {}, E {}, epilogs {}, code words {}",
                (word & 0x3ffff) * 4,
                word >> 18 & 3,
                word >> 20 & 1,
                word >> 21 & 1,
                word >> 22 & 0x1f,
                word >> 27,
            )?,
            None => {
                let msg = format_args!("entry {index}: .xdata {unwind:#x} is outside the image");
                malformed(out, "exceptions", msg)?
            }
        }
    }
    if count > MAX_ROWS {
        writeln!(out, "  ... ({} more functions)", count - MAX_ROWS)?;
    }
    Ok(())
}
