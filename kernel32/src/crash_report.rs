//! The report of an unhandled exception, on stderr, for a developer to act
//! on: the exception code and its name, where it happened as module+offset,
//! the address an access violation touched, the registers, and a backtrace
//! walked with the unwind tables, each frame named from the image's DWARF
//! line tables (mingw images carry them), its COFF symbols or its exports.
//!
//! Images are read through the Win32 file API, as a user-mode reporter
//! reads them; an image that cannot be read is named by its exports only.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use syscalls::exception::*;
use syscalls::user;

/// Frames shown at most.
const MAX_FRAMES: usize = 64;

/// What one image offers for naming addresses.
struct ImageSymbols {
    /// The base the image was linked at (DWARF and COFF use its addresses).
    linked_base: u64,
    lines: Option<addr2line::Context<gimli::EndianSlice<'static, gimli::RunTimeEndian>>>,
    /// COFF symbols: (rva, name), sorted.
    symbols: Vec<(u64, String)>,
}

/// Writes the report for an exception that no handler took.
pub fn write(rec: &EXCEPTION_RECORD, ctx: &CONTEXT) {
    // Rendered on a thread of its own: the faulting thread may be short of
    // stack (a stack overflow), and reading DWARF wants some.
    let (r, c) = (*rec, *ctx);
    let report = std::thread::Builder::new()
        .name("crash-report".into())
        .spawn(move || render(&r, &c))
        .ok()
        .and_then(|t| t.join().ok())
        .unwrap_or_else(|| render_short(rec));
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(report.as_bytes());
    let _ = err.flush();
}

/// The first line alone, when the full report cannot be made.
fn render_short(rec: &EXCEPTION_RECORD) -> String {
    format!(
        "casement: unhandled exception {:#010x} at {:#x}\n",
        rec.ExceptionCode, rec.ExceptionAddress
    )
}

/// The report as text (see the module comment for its parts).
pub fn render(rec: &EXCEPTION_RECORD, ctx: &CONTEXT) -> String {
    let mut out = String::new();
    let code = rec.ExceptionCode;
    let name = syscalls::exception::exception_name(code);
    let _ = write!(out, "casement: unhandled exception {code:#010x}");
    if !name.is_empty() {
        let _ = write!(out, " ({name})");
    }
    let _ = write!(out, " at {}", location(rec.ExceptionAddress));
    if matches!(code, 0xC000_0005 | 0xC000_0006) && rec.NumberParameters >= 2 {
        let access = match rec.ExceptionInformation[0] {
            1 => "writing",
            8 => "executing",
            _ => "reading",
        };
        let _ = write!(out, ", {access} {:#x}", rec.ExceptionInformation[1]);
    }
    out.push('\n');
    if rec.NumberParameters > 0 && !matches!(code, 0xC000_0005 | 0xC000_0006) {
        let n = (rec.NumberParameters as usize).min(EXCEPTION_MAXIMUM_PARAMETERS);
        let params: Vec<String> = rec.ExceptionInformation[..n]
            .iter()
            .map(|p| format!("{p:#x}"))
            .collect();
        let _ = writeln!(out, "  parameters: {}", params.join(" "));
    }
    let g = &ctx.Gpr;
    let _ = writeln!(
        out,
        "  rax={:016x} rbx={:016x} rcx={:016x} rdx={:016x}\n  rsi={:016x} rdi={:016x} rbp={:016x} rsp={:016x}\n  r8 ={:016x} r9 ={:016x} r10={:016x} r11={:016x}\n  r12={:016x} r13={:016x} r14={:016x} r15={:016x}\n  rip={:016x} eflags={:08x}",
        g[0], g[3], g[1], g[2], g[6], g[7], g[5], g[4], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15],
        ctx.Rip, ctx.EFlags
    );
    let frames = ntdll::exception::backtrace(ctx, MAX_FRAMES);
    if !frames.is_empty() {
        out.push_str("  backtrace:\n");
        let mut cache: HashMap<u64, Option<ImageSymbols>> = HashMap::new();
        // Runs of one frame (deep recursion) are shown once, with a count.
        let mut repeats = 0usize;
        for (i, &pc) in frames.iter().enumerate() {
            if i >= 2 && pc == frames[i - 1] {
                repeats += 1;
                continue;
            }
            if repeats > 0 {
                let _ = writeln!(out, "    ... the frame above {repeats} more times");
                repeats = 0;
            }
            // Return addresses point after the call; name the call itself.
            let lookup = if i == 0 { pc } else { pc - 1 };
            let _ = writeln!(
                out,
                "    #{i:<2} {pc:#018x} {}",
                describe(lookup, pc, &mut cache)
            );
        }
        if repeats > 0 {
            let _ = writeln!(out, "    ... the frame above {repeats} more times");
        }
        if frames.len() == MAX_FRAMES {
            let _ = writeln!(out, "    ... (deeper frames not shown)");
        }
    }
    out
}

/// `module+0xoffset (0xaddress)`, or where the address lies if in no module.
fn location(address: u64) -> String {
    match loader::images::image_at(address) {
        Some(img) => format!(
            "{}+{:#x} ({address:#x})",
            base_name(&img.path, &img.name),
            address - img.base
        ),
        None if user::is_host_code(address) => format!("{address:#x} (casement code)"),
        None => format!("{address:#x} (in no module)"),
    }
}

fn base_name<'a>(path: &'a str, name: &'a str) -> &'a str {
    path.rsplit('\\')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
}

/// One frame: module+offset, then the function and source line if known.
fn describe(lookup: u64, pc: u64, cache: &mut HashMap<u64, Option<ImageSymbols>>) -> String {
    let Some(img) = loader::images::image_at(lookup) else {
        return location(pc);
    };
    let mut s = format!("{}+{:#x}", base_name(&img.path, &img.name), pc - img.base);
    let rva = lookup - img.base;
    let symbols = cache
        .entry(img.base)
        .or_insert_with(|| load_symbols(&img.path));
    let mut named = false;
    if let Some(sym) = symbols {
        let va = sym.linked_base + rva;
        if let Some(lines) = &sym.lines {
            if let Ok(mut frames) = lines.find_frames(va).skip_all_loads() {
                while let Ok(Some(f)) = frames.next() {
                    let function = f
                        .function
                        .as_ref()
                        .and_then(|n| n.demangle().ok().map(|d| d.into_owned()));
                    if let Some(function) = function {
                        let _ = write!(s, " {function}");
                        named = true;
                    }
                    if let Some(loc) = f.location {
                        if let (Some(file), Some(line)) = (loc.file, loc.line) {
                            let file = file.rsplit(['/', '\\']).next().unwrap_or(file);
                            let _ = write!(s, " ({file}:{line})");
                        }
                    }
                    // Inlined frames: the outermost function names the frame.
                    break;
                }
            }
        }
        if !named {
            if let Some(name) = nearest(&sym.symbols, rva) {
                let _ = write!(s, " {name}");
                named = true;
            }
        }
    }
    if !named {
        if let Some(name) = nearest(&exports(img.base, img.size), rva) {
            let _ = write!(s, " {name}");
        }
    }
    s
}

/// The symbol at or below `rva`, as `name+0xoffset`.
fn nearest(symbols: &[(u64, String)], rva: u64) -> Option<String> {
    let i = symbols.partition_point(|(a, _)| *a <= rva);
    let (start, name) = symbols.get(i.checked_sub(1)?)?;
    Some(if rva == *start {
        name.clone()
    } else {
        format!("{name}+{:#x}", rva - start)
    })
}

/// The named exports of a loaded image, as (rva, name), sorted; read with
/// the loader's image accessors (bounds-checked against the image).
fn exports(base: u64, size: u64) -> Vec<(u64, String)> {
    let image = loader::image::Mapped { base, size };
    let mut out = Vec::new();
    // A damaged table names what it can.
    let mut read = || -> Result<(), loader::image::Malformed> {
        let Some((dir, _)) = image.directory(0)? else {
            return Ok(());
        };
        let names = image.u32(dir + 24)?.min(65536) as u64;
        let functions = image.u32(dir + 28)? as u64;
        let name_rvas = image.u32(dir + 32)? as u64;
        let ordinals = image.u32(dir + 36)? as u64;
        for i in 0..names {
            let name = image.cstr(image.u32(name_rvas + 4 * i)? as u64)?;
            let ordinal = image.u16(ordinals + 2 * i)? as u64;
            out.push((image.u32(functions + 4 * ordinal)? as u64, name));
        }
        Ok(())
    };
    let _ = read();
    out.sort();
    out
}

/// Reads an image file through the Win32 file API.
fn read_image(path: &str) -> Option<Vec<u8>> {
    const GENERIC_READ: u32 = 0x8000_0000;
    const FILE_SHARE_READ_WRITE_DELETE: u32 = 7;
    const OPEN_EXISTING: u32 = 3;
    let wide: Vec<u16> = path.encode_utf16().chain(Some(0)).collect();
    let h = crate::file::CreateFileW(
        wide.as_ptr(),
        GENERIC_READ,
        FILE_SHARE_READ_WRITE_DELETE,
        0,
        OPEN_EXISTING,
        0,
        0,
    );
    if h == u64::MAX || h == 0 {
        return None;
    }
    let mut size = 0i64;
    let mut data = Vec::new();
    if crate::file::GetFileSizeEx(h, &mut size) != 0 && (0..1 << 31).contains(&size) {
        data.resize(size as usize, 0);
        let mut done = 0usize;
        while done < data.len() {
            let mut got = 0u32;
            let want = (data.len() - done).min(1 << 30) as u32;
            let ok = crate::file::ReadFile(
                h,
                data[done..].as_mut_ptr() as u64,
                want,
                &mut got,
                core::ptr::null_mut(),
            );
            if ok == 0 || got == 0 {
                break;
            }
            done += got as usize;
        }
        data.truncate(done);
    }
    crate::file::CloseHandle(h);
    (!data.is_empty()).then_some(data)
}

fn load_symbols(path: &str) -> Option<ImageSymbols> {
    use object::{Object, ObjectSection, ObjectSymbol};
    // The report is made once, at the end of the process: the image
    // bytes are kept for the rest of its short life.
    let data: &'static [u8] = Box::leak(read_image(path)?.into_boxed_slice());
    let file = object::File::parse(data).ok()?;
    let linked_base = file.relative_address_base();
    let endian = gimli::RunTimeEndian::Little;
    let load = |id: gimli::SectionId| -> Result<gimli::EndianSlice<'static, gimli::RunTimeEndian>, gimli::Error> {
        let bytes: &'static [u8] = match file.section_by_name(id.name()).and_then(|s| s.uncompressed_data().ok()) {
            Some(std::borrow::Cow::Borrowed(b)) => b,
            Some(std::borrow::Cow::Owned(v)) => Box::leak(v.into_boxed_slice()),
            None => &[],
        };
        Ok(gimli::EndianSlice::new(bytes, endian))
    };
    let lines = gimli::Dwarf::load(load)
        .ok()
        .and_then(|dwarf| addr2line::Context::from_dwarf(dwarf).ok());
    let mut symbols: Vec<(u64, String)> = file
        .symbols()
        .filter(|s| s.is_definition() && s.kind() == object::SymbolKind::Text)
        .filter_map(|s| {
            let name = s.name().ok()?;
            let rva = s.address().checked_sub(linked_base)?;
            Some((rva, name.to_string()))
        })
        .collect();
    symbols.sort();
    Some(ImageSymbols {
        linked_base,
        lines,
        symbols,
    })
}
