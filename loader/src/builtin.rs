//! Builtin DLLs: declared once as data, synthesized as real PE images in
//! guest memory.
//!
//! Each builtin DLL declares its exports in one table (name, ordinal, what
//! the export is, argument types). That table builds the image's export
//! directory, the thunks that enter Rust, forwarders, and the relay trace.
//! GetProcAddress, GetModuleHandle and programs that walk export tables
//! themselves see an ordinary PE image.

use crate::thunk;
use syscalls::*;

/// An argument type, for relay tracing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Integer shown in decimal (and hex when large).
    Int,
    /// Pointer or handle shown in hex.
    Ptr,
    /// NUL-terminated narrow string.
    Str,
    /// NUL-terminated UTF-16 string.
    WStr,
}

/// A code address in the host binary, usable in a `static` table.
#[derive(Clone, Copy)]
pub struct Code(pub *const ());
// SAFETY: a function address is immutable data.
unsafe impl Sync for Code {}
unsafe impl Send for Code {}

/// What an export is.
#[derive(Clone, Copy)]
pub enum ExportKind {
    /// An `extern "win64"` Rust function.
    Func(Code),
    /// A C-variadic function: the thunk homes the register arguments and
    /// passes the Rust function a pointer to the argument slots (arg 0 first).
    Variadic(Code),
    /// Data of this many bytes inside the image (msvcrt's `_iob`, `_fmode`);
    /// the DLL's init routine finds it with [`LoadedBuiltin::data`].
    Data(usize),
    /// Forwarded to `DLL.Function`.
    Forward(&'static str),
    /// Declared but not implemented: logs `unimplemented DLL.Function` and
    /// fails as Windows does (see [`Failure`]).
    Unimplemented,
}

/// One export.
#[derive(Clone, Copy)]
pub struct Export {
    pub name: &'static str,
    pub kind: ExportKind,
    pub args: &'static [Arg],
}

/// How an unimplemented export of a DLL fails.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Failure {
    /// Returns STATUS_NOT_IMPLEMENTED (native API).
    NtStatus,
    /// Returns 0 (FALSE, NULL) with the last error
    /// ERROR_CALL_NOT_IMPLEMENTED (Win32). Functions that return a Win32
    /// error code instead (the registry's LSTATUS) return
    /// ERROR_CALL_NOT_IMPLEMENTED itself.
    Win32,
    /// Returns E_NOTIMPL (COM and OLE); allocation functions (`Sys*`) return
    /// NULL.
    HResult,
    /// Returns SOCKET_ERROR / INVALID_SOCKET with WSAEOPNOTSUPP as the last
    /// error; WSAStartup returns WSASYSNOTREADY.
    Socket,
}

impl Failure {
    /// What an unimplemented `name` returns, and the last error it sets.
    pub fn result(self, name: &str) -> (u64, Option<u32>) {
        const ERROR_CALL_NOT_IMPLEMENTED: u32 = 120;
        match self {
            Failure::NtStatus => (syscalls::STATUS_NOT_IMPLEMENTED.0 as u64, None),
            Failure::Win32 if name.starts_with("Reg") => (ERROR_CALL_NOT_IMPLEMENTED as u64, None),
            Failure::Win32 => (0, Some(ERROR_CALL_NOT_IMPLEMENTED)),
            Failure::HResult if name.starts_with("Sys") => (0, Some(ERROR_CALL_NOT_IMPLEMENTED)),
            Failure::HResult => (0x8000_4001, None),
            Failure::Socket if name == "WSAStartup" => (10091, None),
            Failure::Socket => (u64::MAX, Some(10045)),
        }
    }
}

/// A builtin DLL's declaration.
pub struct BuiltinDll {
    /// Lower-case file name, e.g. `kernel32.dll`.
    pub name: &'static str,
    pub exports: &'static [Export],
    /// DLLs this one needs initialized before it (its imports, on Windows).
    pub depends: &'static [&'static str],
    /// Process-attach initialization (the DLL's DllMain), run in
    /// initialization order.
    pub init: Option<fn(&LoadedBuiltin)>,
    /// Process-detach, run in reverse initialization order at exit.
    pub detach: Option<fn()>,
    pub failure: Failure,
    /// Every export name of the real DLL, one per line, sorted (see
    /// tools/gen-declared-exports). Names listed here that `exports` does
    /// not implement load as stubs that fail the way Windows fails; names
    /// listed nowhere are missing imports.
    pub declared: &'static str,
}

/// A builtin DLL mapped into the process.
pub struct LoadedBuiltin {
    pub spec: &'static BuiltinDll,
    pub base: u64,
    pub size: u64,
    /// Address of each export, in declaration order (0 for forwarders).
    pub addresses: Vec<u64>,
}

impl LoadedBuiltin {
    /// The address of a data export of this DLL.
    pub fn data(&self, name: &str) -> u64 {
        self.spec
            .exports
            .iter()
            .position(|e| e.name == name && matches!(e.kind, ExportKind::Data(_)))
            .map_or(0, |i| self.addresses[i])
    }
}

const FILE_ALIGN: u32 = 0x200;
const SECTION_ALIGN: u32 = 0x1000;

fn align(v: usize, a: usize) -> usize {
    v.div_ceil(a) * a
}

/// The layout of a synthesized image, computed before it is written.
pub struct Layout {
    pub text_rva: usize,
    pub text_size: usize,
    pub rdata_rva: usize,
    pub rdata_size: usize,
    pub data_rva: usize,
    pub data_size: usize,
    pub image_size: usize,
    /// RVA of each export's thunk or data (0 for forwarders).
    pub export_rvas: Vec<usize>,
    /// RVA of each export's slot (the Rust address its thunk jumps through).
    pub slot_rvas: Vec<usize>,
}

/// The sizes of a synthesized image's sections: (.text, .rdata, .data).
fn measure(dll: &BuiltinDll) -> (usize, usize, usize) {
    let n = dll.exports.len();
    let mut text = 0;
    let mut data = 0usize;
    let mut strings = align(40 + 10 * n, 8) + dll.name.len() + 1;
    for e in dll.exports {
        strings += e.name.len() + 1;
        match e.kind {
            ExportKind::Func(_) | ExportKind::Unimplemented => {
                text += thunk::PLAIN_SIZE;
                data += 8;
            }
            ExportKind::Variadic(_) => {
                text += thunk::VARIADIC_SIZE;
                data += 8;
            }
            ExportKind::Data(size) => data = align(data, 16) + size.max(1),
            ExportKind::Forward(target) => strings += target.len() + 1,
        }
    }
    (text.max(1), strings, data.max(8))
}

/// The size of `dll`'s synthesized image.
pub fn image_size(dll: &BuiltinDll) -> usize {
    let (text, rdata, data) = measure(dll);
    let a = SECTION_ALIGN as usize;
    a + align(rdata, a) + align(text, a) + align(data, a)
}

/// Bounds-checked little-endian writes into an image buffer.
struct Out<'a>(&'a mut [u8]);
impl Out<'_> {
    fn put(&mut self, at: usize, bytes: &[u8]) {
        if let Some(dst) = self.0.get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }
    fn u16(&mut self, at: usize, v: u16) {
        self.put(at, &v.to_le_bytes())
    }
    fn u32(&mut self, at: usize, v: u32) {
        self.put(at, &v.to_le_bytes())
    }
    fn u64(&mut self, at: usize, v: u64) {
        self.put(at, &v.to_le_bytes())
    }
}

/// Synthesizes the PE image of `dll` (index `dll_index` in the registry) as
/// it will appear at `base`, into `out` (zeroed, [`image_size`] bytes).
/// Slots are filled with the Rust entry points, or the relay entry when
/// `relay` is set.
pub fn synthesize_into(
    dll: &BuiltinDll,
    dll_index: usize,
    base: u64,
    relay: bool,
    out: &mut [u8],
) -> Layout {
    let n = dll.exports.len();
    let (text_size, rdata_size, data_size) = measure(dll);
    let a = SECTION_ALIGN as usize;
    // Layout: headers and .rdata (read-only) first, then .text, then
    // .data, so two protection changes cover the image.
    let rdata_rva = a;
    let text_rva = rdata_rva + align(rdata_size, a);
    let data_rva = text_rva + align(text_size, a);
    let image_size = data_rva + align(data_size, a);
    let mut img = Out(out);
    let mut export_rvas = vec![0usize; n];
    let mut slot_rvas = vec![0usize; n];

    // .data: slots and data exports.
    let mut at = 0usize;
    for (i, e) in dll.exports.iter().enumerate() {
        match e.kind {
            ExportKind::Func(_) | ExportKind::Variadic(_) | ExportKind::Unimplemented => {
                slot_rvas[i] = data_rva + at;
                at += 8;
            }
            ExportKind::Data(size) => {
                at = align(at, 16);
                export_rvas[i] = data_rva + at;
                at += size.max(1);
            }
            ExportKind::Forward(_) => {}
        }
    }
    // .text: one thunk per code export, jumping through its slot.
    let mut at = text_rva;
    for (i, e) in dll.exports.iter().enumerate() {
        let id = ((dll_index as u32) << 16) | i as u32;
        let size = match e.kind {
            ExportKind::Func(_) | ExportKind::Unimplemented => thunk::PLAIN_SIZE,
            ExportKind::Variadic(_) => thunk::VARIADIC_SIZE,
            _ => continue,
        };
        let Some(code) = img.0.get_mut(at..at + size) else {
            break;
        };
        match e.kind {
            ExportKind::Variadic(_) => thunk::variadic(code, id, at, slot_rvas[i]),
            _ => thunk::plain(code, id, at, slot_rvas[i]),
        }
        export_rvas[i] = at;
        at += size;
    }
    // .rdata: the export directory, names sorted for the name pointer
    // table (binary search), forwarder strings inside the directory.
    let mut by_name: Vec<usize> = (0..n).collect();
    by_name.sort_unstable_by_key(|&i| dll.exports[i].name.as_bytes());
    let (eat, npt, ords) = (40, 40 + 4 * n, 40 + 8 * n);
    let mut strings = align(40 + 10 * n, 8);
    let dll_name_rva = rdata_rva + strings;
    for (k, b) in dll.name.bytes().enumerate() {
        img.put(rdata_rva + strings + k, &[b.to_ascii_uppercase()]);
    }
    strings += dll.name.len() + 1;
    let mut name_rvas = vec![0usize; n];
    for (i, e) in dll.exports.iter().enumerate() {
        name_rvas[i] = rdata_rva + strings;
        img.put(rdata_rva + strings, e.name.as_bytes());
        strings += e.name.len() + 1;
        if let ExportKind::Forward(target) = e.kind {
            export_rvas[i] = rdata_rva + strings;
            img.put(rdata_rva + strings, target.as_bytes());
            strings += target.len() + 1;
        }
    }
    let r = rdata_rva;
    img.u32(r + 12, dll_name_rva as u32); // Name
    img.u32(r + 16, 1); // Base
    img.u32(r + 20, n as u32); // NumberOfFunctions
    img.u32(r + 24, n as u32); // NumberOfNames
    img.u32(r + 28, (r + eat) as u32);
    img.u32(r + 32, (r + npt) as u32);
    img.u32(r + 36, (r + ords) as u32);
    for (i, &rva) in export_rvas.iter().enumerate() {
        img.u32(r + eat + 4 * i, rva as u32);
    }
    for (k, &i) in by_name.iter().enumerate() {
        img.u32(r + npt + 4 * k, name_rvas[i] as u32);
        img.u16(r + ords + 2 * k, i as u16);
    }

    // Headers.
    img.put(0, b"MZ");
    img.u32(0x3C, 0x80); // e_lfanew
    let nt = 0x80;
    img.put(nt, b"PE\0\0");
    let fh = nt + 4;
    img.u16(fh, 0x8664); // Machine
    img.u16(fh + 2, 3); // NumberOfSections
    img.u16(fh + 16, 240); // SizeOfOptionalHeader
    img.u16(fh + 18, 0x2022); // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE | DLL
    let oh = fh + 20;
    img.u16(oh, 0x20B); // PE32+
    img.u32(oh + 4, text_size as u32); // SizeOfCode
    img.u32(oh + 8, (rdata_size + data_size) as u32); // SizeOfInitializedData
    img.u32(oh + 20, text_rva as u32); // BaseOfCode
    img.u64(oh + 24, base); // ImageBase
    img.u32(oh + 32, SECTION_ALIGN);
    img.u32(oh + 36, FILE_ALIGN);
    img.u16(oh + 40, 10); // MajorOperatingSystemVersion
    img.u16(oh + 48, 10); // MajorSubsystemVersion
    img.u32(oh + 56, image_size as u32); // SizeOfImage
    img.u32(oh + 60, SECTION_ALIGN); // SizeOfHeaders
    img.u16(oh + 68, 3); // Subsystem: console
    img.u16(oh + 70, 0x0160); // HIGH_ENTROPY_VA | DYNAMIC_BASE | NX_COMPAT
    img.u64(oh + 72, 0x10_0000); // SizeOfStackReserve
    img.u64(oh + 80, 0x1000);
    img.u64(oh + 88, 0x10_0000);
    img.u64(oh + 96, 0x1000);
    img.u32(oh + 108, 16); // NumberOfRvaAndSizes
    img.u32(oh + 112, rdata_rva as u32); // export directory
    img.u32(oh + 116, rdata_size as u32);
    let sh = oh + 240;
    let sections = [
        (b".rdata\0\0", rdata_rva, rdata_size, 0x4000_0040u32),
        (b".text\0\0\0", text_rva, text_size, 0x6000_0020),
        (b".data\0\0\0", data_rva, data_size, 0xC000_0040),
    ];
    // The image doubles as a file: raw offsets equal RVAs.
    for (k, (name, rva, size, characteristics)) in sections.iter().enumerate() {
        let s = sh + 40 * k;
        img.put(s, &name[..]);
        img.u32(s + 8, *size as u32);
        img.u32(s + 12, *rva as u32);
        img.u32(s + 16, align(*size, FILE_ALIGN as usize) as u32);
        img.u32(s + 20, *rva as u32);
        img.u32(s + 36, *characteristics);
    }
    // Slots.
    for (i, e) in dll.exports.iter().enumerate() {
        let target = match e.kind {
            ExportKind::Func(_) | ExportKind::Variadic(_) if relay => thunk::relay_entry(),
            ExportKind::Func(c) | ExportKind::Variadic(c) => c.0 as u64,
            ExportKind::Unimplemented => thunk::unimplemented_entry(),
            _ => continue,
        };
        img.u64(slot_rvas[i], target);
    }
    Layout {
        text_rva,
        text_size,
        rdata_rva,
        rdata_size,
        data_rva,
        data_size,
        image_size,
        export_rvas,
        slot_rvas,
    }
}

/// Synthesizes `dll`'s image into a new buffer (tests, `casement inspect`).
pub fn synthesize(dll: &BuiltinDll, dll_index: usize, base: u64, relay: bool) -> (Vec<u8>, Layout) {
    let mut image = vec![0u8; image_size(dll)];
    let layout = synthesize_into(dll, dll_index, base, relay, &mut image);
    (image, layout)
}

/// Where builtin DLLs are placed: a window above the usual EXE and DLL bases,
/// so they rarely collide with an application's own images.
const BUILTIN_WINDOW: u64 = 0x6_0000_0000;

/// Maps a builtin DLL into the process: reserves memory through the native
/// API, writes the synthesized image and applies section protections.
pub fn map(dll: &'static BuiltinDll, dll_index: usize, relay: bool) -> NtResult<LoadedBuiltin> {
    let size = image_size(dll) as u64;
    let mut base = BUILTIN_WINDOW + dll_index as u64 * 0x100_0000;
    let mut region = size;
    if !crate::nt::allocate(&mut base, &mut region, 0x3000, 0x04).is_success() {
        base = 0;
        region = size;
        crate::nt::allocate(&mut base, &mut region, 0x3000, 0x04).ok()?;
    }
    // SAFETY: [base, base+size) was just committed read-write (and zeroed)
    // for this image; the image is written straight into it.
    let out = unsafe { core::slice::from_raw_parts_mut(base as *mut u8, size as usize) };
    let layout = synthesize_into(dll, dll_index, base, relay, out);
    // Headers and .rdata read-only, .text executable, .data stays writable.
    crate::nt::protect(base, layout.text_rva as u64, 0x02)?;
    crate::nt::protect(base + layout.text_rva as u64, layout.text_size as u64, 0x20)?;
    let addresses = layout
        .export_rvas
        .iter()
        .zip(dll.exports)
        .map(|(&rva, e)| {
            if matches!(e.kind, ExportKind::Forward(_)) {
                0
            } else {
                base + rva as u64
            }
        })
        .collect();
    Ok(LoadedBuiltin {
        spec: dll,
        base,
        size,
        addresses,
    })
}

/// Declares an export implemented by the Rust function of the same name:
/// `export!(CreateFileW(WStr, Int, Int, Ptr, Int, Int, Ptr))`.
#[macro_export]
macro_rules! export {
    ($f:ident ( $($arg:ident),* )) => {
        $crate::builtin::Export {
            name: stringify!($f),
            kind: $crate::builtin::ExportKind::Func($crate::builtin::Code($f as *const ())),
            args: &[$($crate::builtin::Arg::$arg),*],
        }
    };
    ($name:literal = $f:path, ( $($arg:ident),* )) => {
        $crate::builtin::Export {
            name: $name,
            kind: $crate::builtin::ExportKind::Func($crate::builtin::Code($f as *const ())),
            args: &[$($crate::builtin::Arg::$arg),*],
        }
    };
}

/// Declares a C-variadic export; the Rust function receives a pointer to the
/// argument slots: `variadic!(printf(Str))`.
#[macro_export]
macro_rules! variadic {
    ($f:ident ( $($arg:ident),* )) => {
        $crate::builtin::Export {
            name: stringify!($f),
            kind: $crate::builtin::ExportKind::Variadic($crate::builtin::Code($f as *const ())),
            args: &[$($crate::builtin::Arg::$arg),*],
        }
    };
}

/// Declares a forwarder: `forward!("HeapAlloc" => "NTDLL.RtlAllocateHeap")`.
#[macro_export]
macro_rules! forward {
    ($name:literal => $target:literal) => {
        $crate::builtin::Export {
            name: $name,
            kind: $crate::builtin::ExportKind::Forward($target),
            args: &[],
        }
    };
}

/// Declares exports that exist but are not implemented yet.
#[macro_export]
macro_rules! unimplemented_export {
    ($name:literal) => {
        $crate::builtin::Export {
            name: $name,
            kind: $crate::builtin::ExportKind::Unimplemented,
            args: &[],
        }
    };
}

/// Declares a data export of `size` bytes.
#[macro_export]
macro_rules! data_export {
    ($name:literal, $size:expr) => {
        $crate::builtin::Export {
            name: $name,
            kind: $crate::builtin::ExportKind::Data($size),
            args: &[],
        }
    };
}
