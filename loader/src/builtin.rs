//! Builtin DLLs: declared once as data, synthesized as real PE images in
//! guest memory.
//!
//! Each builtin DLL declares its exports in one table (name, ordinal, what
//! the export is, argument types). That table builds the image's export
//! directory, the thunks that enter Rust, forwarders, and the relay trace.
//! GetProcAddress, GetModuleHandle and programs that walk export tables
//! themselves see an ordinary PE image.

use crate::builtin_image::{Layout, Placer, IMAGE_BASE_FIELD};
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
    /// The image, built at compile time: everything before .data (see
    /// [`builtin_dll!`]).
    pub image: &'static [u8],
    /// The image's layout, also computed at compile time.
    pub layout: Layout,
}

/// Joins export tables at compile time, for a DLL declared in parts; `N`
/// is the sum of their lengths.
pub const fn concat<const N: usize>(parts: &[&[Export]]) -> [Export; N] {
    const NONE: Export = Export {
        name: "",
        kind: ExportKind::Unimplemented,
        args: &[],
    };
    let mut out = [NONE; N];
    let (mut p, mut at) = (0, 0);
    while p < parts.len() {
        let mut i = 0;
        while i < parts[p].len() {
            out[at] = parts[p][i];
            at += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(at == N, "concat: N is not the total length");
    out
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
    /// The Rust function behind the thunk at `address`, if it is the thunk
    /// of an implemented, non-variadic export: the thunk's own export id
    /// says which export it is.
    pub fn direct_entry(&self, address: u64) -> Option<u64> {
        let layout = &self.spec.layout;
        let text = self.base + layout.text_rva as u64;
        if !(text..text + layout.text_size as u64).contains(&address) {
            return None;
        }
        // SAFETY: the address lies in this image's .text, which is mapped
        // and readable for as long as the module is loaded.
        let code = unsafe { core::slice::from_raw_parts(address as *const u8, thunk::PLAIN_SIZE) };
        if code[0] != 0xB8 {
            return None;
        }
        let at = thunk::PLAIN_ID_AT;
        let id = u32::from_le_bytes([code[at], code[at + 1], code[at + 2], code[at + 3]]);
        let i = (id & 0xFFFF) as usize;
        match self.spec.exports.get(i)?.kind {
            ExportKind::Func(code) if self.addresses[i] == address => Some(code.0 as u64),
            _ => None,
        }
    }

    /// The address of a data export of this DLL.
    pub fn data(&self, name: &str) -> u64 {
        self.spec
            .exports
            .iter()
            .position(|e| e.name == name && matches!(e.kind, ExportKind::Data(_)))
            .map_or(0, |i| self.addresses[i])
    }
}

/// Where builtin DLLs are placed: a window above the usual EXE and DLL bases,
/// so they rarely collide with an application's own images.
const BUILTIN_WINDOW: u64 = 0x6_0000_0000;

/// Completes `dll`'s image in `out` (zeroed, [`Layout::image_size`]
/// bytes) for the DLL at `dll_index` in the registry, mapped at `base`:
/// the prebuilt part, ImageBase, the DLL index in each thunk's export id,
/// and the slots — the Rust entry points, or the relay entry when `relay`
/// is set. Returns the address of each export (0 for forwarders).
fn complete(
    dll: &BuiltinDll,
    dll_index: usize,
    base: u64,
    relay: bool,
    out: &mut [u8],
) -> Vec<u64> {
    let layout = dll.layout;
    out[..dll.image.len()].copy_from_slice(dll.image);
    out[IMAGE_BASE_FIELD..IMAGE_BASE_FIELD + 8].copy_from_slice(&base.to_le_bytes());
    let index_bits = ((dll_index as u32) << 16).to_le_bytes();
    let mut placer = Placer::new(&layout);
    let mut addresses = Vec::with_capacity(dll.exports.len());
    for e in dll.exports {
        let place = placer.next(&e.kind);
        addresses.push(if place.rva == 0 {
            0
        } else {
            base + place.rva as u64
        });
        if place.thunk_size == 0 {
            continue;
        }
        // The export id's high half is the DLL index.
        let id_high = place.rva + thunk::id_at(place.thunk_size) + 2;
        out[id_high..id_high + 2].copy_from_slice(&index_bits[2..]);
        let target = match e.kind {
            ExportKind::Func(_) | ExportKind::Variadic(_) if relay => thunk::relay_entry(),
            ExportKind::Func(c) | ExportKind::Variadic(c) => c.0 as u64,
            _ => thunk::unimplemented_entry(),
        };
        out[place.slot..place.slot + 8].copy_from_slice(&target.to_le_bytes());
    }
    addresses
}

/// `dll`'s image as it would be mapped at `base` for registry index
/// `dll_index` (tests, `casement inspect`).
pub fn synthesize(dll: &BuiltinDll, dll_index: usize, base: u64, relay: bool) -> (Vec<u8>, Layout) {
    let layout = dll.layout;
    let mut image = vec![0u8; layout.image_size];
    complete(dll, dll_index, base, relay, &mut image);
    (image, layout)
}

/// Maps a builtin DLL into the process: reserves memory through the native
/// API, writes the image and applies section protections.
pub fn map(dll: &'static BuiltinDll, dll_index: usize, relay: bool) -> NtResult<LoadedBuiltin> {
    let layout = dll.layout;
    let size = layout.image_size as u64;
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
    let addresses = complete(dll, dll_index, base, relay, out);
    // Headers and .rdata read-only, .text executable, .data stays writable.
    crate::nt::protect(base, layout.text_rva as u64, 0x02)?;
    crate::nt::protect(base + layout.text_rva as u64, layout.text_size as u64, 0x20)?;
    Ok(LoadedBuiltin {
        spec: dll,
        base,
        size,
        addresses,
    })
}

/// Declares a builtin DLL, its image built at compile time from its
/// exports (see `builtin_image`):
/// `builtin_dll! { name: "kernel32.dll", exports: EXPORTS, depends: &["ntdll.dll"],
/// init: Some(attach), detach: None, failure: Failure::Win32, declared: "..." }`.
#[macro_export]
macro_rules! builtin_dll {
    (
        name: $name:expr,
        exports: $exports:expr,
        depends: $depends:expr,
        init: $init:expr,
        detach: $detach:expr,
        failure: $failure:expr,
        declared: $declared:expr $(,)?
    ) => {{
        const IMAGE_LEN: usize = $crate::builtin_image::Layout::prebuilt_len($name, $exports);
        static IMAGE: $crate::builtin_image::Prebuilt<IMAGE_LEN> =
            $crate::builtin_image::Prebuilt::new($name, $exports);
        $crate::builtin::BuiltinDll {
            name: $name,
            exports: $exports,
            depends: $depends,
            init: $init,
            detach: $detach,
            failure: $failure,
            declared: $declared,
            image: &IMAGE.0,
            layout: $crate::builtin_image::Layout::of($name, $exports),
        }
    }};
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
