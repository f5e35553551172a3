//! `casement inspect FILE`: a listing of a PE image in the spirit of
//! `dumpbin /headers /imports /exports /relocations` and `objdump -p`.
//!
//! The `object` crate does the parsing; this module walks what it returns and
//! prints it. Untrusted input never panics: a malformed directory is reported
//! in the listing (`imports: malformed: ...`) and the rest of the image is
//! still shown. Only unreadable headers make [`run`] fail.

mod dirs;
mod exports;
mod headers;
mod imports;
#[cfg(test)]
mod tests;
mod unwind;

use std::fmt::Display;
use std::io::{self, Write};
use std::mem;
use std::path::Path;

use object::pe;
use object::pod::{self, Pod};
use object::read::pe::{DataDirectories, ImageNtHeaders, ImageOptionalHeader, SectionTable};
use object::{LittleEndian as LE, ReadRef};

/// Rows printed for tables that run to thousands of entries in a real image
/// (base relocations, .pdata); the rest is counted in a `... (N more)` line.
/// Imports and exports are always printed in full.
const MAX_ROWS: usize = 2000;

/// Bad entries reported in one table before the rest are summarized: a
/// directory RVA that lands in code yields nothing but bad entries.
const MAX_BAD: usize = 16;

/// Dumps the PE image at `path` to `out`.
///
/// Errors are one line naming the file: an I/O error, or headers that cannot
/// be read (no MZ/PE signature, truncated NT headers).
pub fn run(path: &Path, out: &mut dyn Write) -> Result<(), String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    dump(&name, &bytes, out)
}

/// Why a dump stopped early.
enum Fail {
    /// The headers are unreadable; nothing after them can be located.
    Headers(String),
    Io(io::Error),
}

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        Fail::Io(e)
    }
}

/// Dumps an image already in memory; `name` is only used in messages.
fn dump(name: &str, bytes: &[u8], out: &mut dyn Write) -> Result<(), String> {
    // object reads structures in place and insists on their natural
    // alignment, which a Vec<u8> does not promise: work on an 8-aligned copy.
    let mut words = vec![0u64; bytes.len().div_ceil(8)];
    pod::bytes_of_slice_mut(&mut words)[..bytes.len()].copy_from_slice(bytes);
    let data = &pod::bytes_of_slice(&words)[..bytes.len()];

    let result = match nt_magic(data) {
        Ok(pe::IMAGE_NT_OPTIONAL_HDR32_MAGIC) => dump_image::<pe::ImageNtHeaders32>(data, out),
        Ok(pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC) => dump_image::<pe::ImageNtHeaders64>(data, out),
        Ok(magic) => Err(Fail::Headers(format!(
            "optional header magic {magic:#x} is neither PE32 (0x10b) nor PE32+ (0x20b)"
        ))),
        Err(msg) => Err(Fail::Headers(msg)),
    };
    match result {
        Ok(()) => Ok(()),
        Err(Fail::Headers(msg)) => Err(format!("{name}: {msg}")),
        Err(Fail::Io(e)) => Err(format!("{name}: cannot write the listing: {e}")),
    }
}

/// Checks the MZ and PE signatures and returns the optional header magic.
fn nt_magic(data: &[u8]) -> Result<u16, String> {
    let dos = read_struct::<pe::ImageDosHeader>(data, 0).ok_or_else(|| {
        format!(
            "not a PE image: {} bytes is too short for a DOS header",
            data.len()
        )
    })?;
    if dos.e_magic.get(LE) != pe::IMAGE_DOS_SIGNATURE {
        return Err("not a PE image: no MZ signature".into());
    }
    let at = dos.e_lfanew.get(LE) as usize;
    // Signature (4), IMAGE_FILE_HEADER (20), then the optional header's magic.
    let head = data.get(at..).and_then(|d| d.get(..26)).ok_or_else(|| {
        format!(
            "e_lfanew {at:#x} points past the end of the file ({:#x} bytes)",
            data.len()
        )
    })?;
    if head[..4] != pe::IMAGE_NT_SIGNATURE.to_le_bytes() {
        return Err(format!("no PE signature at e_lfanew {at:#x}"));
    }
    Ok(u16::from_le_bytes([head[24], head[25]]))
}

/// What the directory printers need to know about the image.
struct Image<'a> {
    data: &'a [u8],
    sections: SectionTable<'a>,
    dirs: DataDirectories<'a>,
    machine: u16,
    is_64: bool,
    image_base: u64,
    size_of_headers: u32,
}

fn dump_image<Pe: ImageNtHeaders>(data: &[u8], out: &mut dyn Write) -> Result<(), Fail> {
    let bad = |msg: String| Fail::Headers(msg);
    let dos = pe::ImageDosHeader::parse(data).map_err(|e| bad(e.to_string()))?;
    let nt_at = u64::from(dos.nt_headers_offset());
    // Copied out rather than borrowed: an e_lfanew that is 4- but not
    // 8-aligned would defeat object's aligned in-place read of the 64-bit
    // fields.
    let nt: Pe = read_struct(data, nt_at as usize).ok_or_else(|| {
        bad(format!(
            "NT headers at file offset {nt_at:#x} run past the end of the file"
        ))
    })?;
    let fh = nt.file_header();
    let oh = nt.optional_header();
    let opt_size = u64::from(fh.size_of_optional_header.get(LE));
    let fixed = mem::size_of::<Pe::ImageOptionalHeader>() as u64;
    let dd_len = opt_size.checked_sub(fixed).ok_or_else(|| {
        bad(format!(
            "SizeOfOptionalHeader {opt_size:#x} is smaller than the {fixed:#x}-byte optional header"
        ))
    })?;
    let dd_at = nt_at + mem::size_of::<Pe>() as u64;
    let dd_data = data.read_bytes_at(dd_at, dd_len).map_err(|()| {
        bad(format!(
            "optional header (SizeOfOptionalHeader {opt_size:#x}) runs past the end of the file"
        ))
    })?;
    // A NumberOfRvaAndSizes beyond what SizeOfOptionalHeader holds is a
    // known way to trip up tools: show the entries that fit and say so.
    let declared = oh.number_of_rva_and_sizes();
    let fits = (dd_len / mem::size_of::<pe::ImageDataDirectory>() as u64) as u32;
    let dirs = DataDirectories::parse(dd_data, declared.min(fits)).map_err(|_| {
        bad(format!(
            "data directories at file offset {dd_at:#x} are misaligned"
        ))
    })?;
    let section_at = dd_at + dd_len;
    let section_table = nt.sections(data, section_at);

    let img = Image {
        data,
        sections: section_table.unwrap_or_default(),
        dirs,
        machine: fh.machine.get(LE),
        is_64: nt.is_type_64(),
        image_base: oh.image_base(),
        size_of_headers: oh.size_of_headers(),
    };

    headers::dos_header(out, &img, dos)?;
    headers::file_header(out, fh)?;
    headers::optional_header(out, oh)?;
    headers::data_directories(out, &img, declared)?;
    match section_table {
        Ok(_) => headers::sections(out, &img, fh)?,
        Err(_) => {
            let count = fh.number_of_sections.get(LE);
            writeln!(out, "\nSECTIONS ({count})")?;
            let msg = format!(
                "{count} section headers at file offset {section_at:#x} \
                 run past the end of the file or are misaligned"
            );
            malformed(out, "sections", msg)?;
        }
    }
    exports::exports(out, &img)?;
    if img.is_64 {
        imports::imports::<pe::ImageNtHeaders64>(out, &img)?;
        imports::delay_imports::<pe::ImageNtHeaders64>(out, &img)?;
    } else {
        imports::imports::<pe::ImageNtHeaders32>(out, &img)?;
        imports::delay_imports::<pe::ImageNtHeaders32>(out, &img)?;
    }
    dirs::relocations(out, &img)?;
    dirs::tls(out, &img)?;
    unwind::exceptions(out, &img)?;
    dirs::debug(out, &img)?;
    Ok(())
}

/// A data directory with the file bytes behind it.
struct Dir<'a> {
    rva: u32,
    size: u32,
    /// Up to `size` bytes: shorter when the directory runs off its section.
    data: &'a [u8],
}

impl<'a> Image<'a> {
    /// The file bytes from `rva` to the end of the section holding it, and
    /// that section's RVA. The loader maps the headers at RVA 0, so RVAs
    /// below SizeOfHeaders read the start of the file.
    fn region(&self, rva: u32) -> Option<(&'a [u8], u32)> {
        if let Some(found) = self.sections.pe_data_containing(self.data, rva) {
            return Some(found);
        }
        let headers = self
            .data
            .get(..self.size_of_headers as usize)
            .unwrap_or(self.data);
        ((rva as usize) < headers.len()).then_some((headers, 0))
    }

    /// The file bytes from `rva` to the end of its section.
    fn at(&self, rva: u32) -> Option<&'a [u8]> {
        let (bytes, base) = self.region(rva)?;
        bytes.get(rva.wrapping_sub(base) as usize..)
    }

    /// Converts a virtual address (as stored in TLS and v1 delay-load
    /// tables) to an RVA.
    fn rva_of_va(&self, va: u64) -> Option<u32> {
        va.checked_sub(self.image_base)
            .and_then(|rva| u32::try_from(rva).ok())
    }

    /// Reads a NUL-terminated string at `rva`.
    fn string_at(&self, rva: u32) -> Option<&'a [u8]> {
        object::read::Bytes(self.at(rva)?).read_string().ok()
    }

    /// Size of a pointer in this image's address space.
    fn ptr_size(&self) -> usize {
        if self.is_64 {
            8
        } else {
            4
        }
    }

    /// Looks up data directory `index` and prints the heading for it; a
    /// directory whose bytes cannot be found is reported under `label`.
    fn directory(
        &self,
        out: &mut dyn Write,
        index: usize,
        heading: &str,
        label: &str,
    ) -> io::Result<Option<Dir<'a>>> {
        let Some(entry) = self.dirs.get(index) else {
            return Ok(None);
        };
        let (rva, size) = entry.address_range();
        writeln!(out, "\n{heading} (RVA {rva:#x}, size {size:#x})")?;
        let Some(avail) = self.at(rva) else {
            malformed(
                out,
                label,
                format_args!("RVA {rva:#x} is not in any section's file data"),
            )?;
            return Ok(None);
        };
        if avail.len() < size as usize {
            let msg = format!(
                "size {size:#x} runs past the end of its section; reading the {:#x} bytes there",
                avail.len()
            );
            malformed(out, label, msg)?;
        }
        let data = &avail[..avail.len().min(size as usize)];
        Ok(Some(Dir { rva, size, data }))
    }
}

/// Copies a `T` out of `bytes` at `offset`, whatever the alignment there.
fn read_struct<T: Pod>(bytes: &[u8], offset: usize) -> Option<T> {
    let size = mem::size_of::<T>();
    let src = bytes.get(offset..)?.get(..size)?;
    // Room for the largest structure read this way (IMAGE_NT_HEADERS64).
    let mut buf = [0u64; 40];
    let dst = pod::bytes_of_slice_mut(&mut buf).get_mut(..size)?;
    dst.copy_from_slice(src);
    pod::from_bytes::<T>(dst).ok().map(|(value, _)| *value)
}

/// Reads a little-endian u16, u32 or u64 at `offset`.
fn le(bytes: &[u8], offset: usize, width: usize) -> Option<u64> {
    let src = bytes.get(offset..)?.get(..width)?;
    Some(src.iter().rev().fold(0, |acc, &b| acc << 8 | u64::from(b)))
}

/// Prints a `what: malformed: ...` line.
fn malformed(out: &mut dyn Write, what: &str, msg: impl Display) -> io::Result<()> {
    writeln!(out, "  {what}: malformed: {msg}")
}

/// Prints a `  Key      value` line.
fn field(out: &mut dyn Write, key: &str, value: impl Display) -> io::Result<()> {
    writeln!(out, "  {key:<28}{value}")
}

/// A name from the image, printable whatever its bytes: non-ASCII and control
/// bytes are escaped, and runaway strings in garbage are cut short.
fn text(bytes: &[u8]) -> String {
    const LIMIT: usize = 256;
    let mut s = String::new();
    for &b in bytes.iter().take(LIMIT) {
        if b.is_ascii_graphic() || b == b' ' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    if bytes.len() > LIMIT {
        s.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    s
}

/// Names the bits set in `value` from `table`, plus any left over in hex.
fn flag_names(value: u32, table: &[(u32, &str)]) -> String {
    let mut names = Vec::new();
    let mut rest = value;
    for &(bit, name) in table {
        if value & bit == bit && bit != 0 {
            names.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        names.push(format!("{rest:#x}"));
    }
    names.join(" ")
}

/// Formats a COFF TimeDateStamp (seconds since 1970, UTC).
fn timestamp(secs: u32) -> String {
    if secs == 0 || secs == u32::MAX {
        return format!("{secs:#x}");
    }
    let days = i64::from(secs / 86400);
    let rem = secs % 86400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{secs:#x} ({year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC)",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}
