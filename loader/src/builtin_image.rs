//! A builtin DLL's PE image, built at compile time from its export table.
//!
//! Everything in a builtin image but its base address, its place in the
//! registry and the Rust addresses its thunks jump to follows from the
//! export table alone: the headers, the export directory (names sorted for
//! the binary search the name pointer table is made for), forwarder
//! strings and the thunks (RIP-relative, so position independent). So it
//! is made by const evaluation into a byte array in casement's read-only
//! data, and mapping a DLL is a copy and a few patches (`builtin::map`):
//! no sorting, string building or allocation at start-up, and no export
//! names read at all.
//!
//! The functions here are `const fn`: they run in the compiler, with the
//! limits that brings (no iterators, no allocation).

use crate::builtin::{Export, ExportKind};
use crate::thunk;

const FILE_ALIGN: usize = 0x200;
const SECTION_ALIGN: usize = 0x1000;

/// Offset of the PE signature (e_lfanew).
pub const NT_HEADERS: usize = 0x80;
/// Offset of OptionalHeader.ImageBase.
pub const IMAGE_BASE_FIELD: usize = NT_HEADERS + 4 + 20 + 24;

const fn align(v: usize, a: usize) -> usize {
    v.div_ceil(a) * a
}

/// Where a builtin image's sections lie: headers and .rdata (read-only)
/// first, then .text, then .data, so two protection changes cover it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub rdata_rva: usize,
    pub rdata_size: usize,
    pub text_rva: usize,
    pub text_size: usize,
    pub data_rva: usize,
    pub data_size: usize,
    pub image_size: usize,
}

impl Layout {
    /// The layout of the image of `name` exporting `exports`.
    pub const fn of(name: &str, exports: &[Export]) -> Layout {
        let n = exports.len();
        let mut text = 0;
        let mut data = 0usize;
        let mut strings = align(40 + 10 * n, 8) + name.len() + 1;
        let mut i = 0;
        while i < n {
            strings += exports[i].name.len() + 1;
            match exports[i].kind {
                ExportKind::Func(_) | ExportKind::Unimplemented => {
                    text += thunk::PLAIN_SIZE;
                    data += 8;
                }
                ExportKind::Variadic(_) => {
                    text += thunk::VARIADIC_SIZE;
                    data += 8;
                }
                ExportKind::Data(size) => data = align(data, 16) + if size == 0 { 1 } else { size },
                ExportKind::Forward(target) => strings += target.len() + 1,
            }
            i += 1;
        }
        let text_size = if text == 0 { 1 } else { text };
        let data_size = if data < 8 { 8 } else { data };
        let rdata_rva = SECTION_ALIGN;
        let text_rva = rdata_rva + align(strings, SECTION_ALIGN);
        let data_rva = text_rva + align(text_size, SECTION_ALIGN);
        Layout {
            rdata_rva,
            rdata_size: strings,
            text_rva,
            text_size,
            data_rva,
            data_size,
            image_size: data_rva + align(data_size, SECTION_ALIGN),
        }
    }

    /// How many bytes of the image are built ahead: everything before
    /// .data, which starts zeroed and gets its slots at mapping time.
    pub const fn prebuilt_len(name: &str, exports: &[Export]) -> usize {
        Layout::of(name, exports).data_rva
    }
}

/// Where one export lives in the image.
#[derive(Clone, Copy)]
pub struct Place {
    /// The RVA the export directory gives for it: its thunk or its data
    /// (0 for a forwarder, whose RVA points at its forwarder string).
    pub rva: usize,
    /// The RVA of the slot its thunk jumps through (0 if it has no thunk).
    pub slot: usize,
    /// The size of its thunk (0 if it has none).
    pub thunk_size: usize,
}

/// Walks the exports in declaration order, giving each its [`Place`]; the
/// one definition of where thunks, slots and data go, used both when the
/// image is built and when it is mapped.
pub struct Placer {
    text: usize,
    data: usize,
}

impl Placer {
    pub const fn new(layout: &Layout) -> Placer {
        Placer {
            text: layout.text_rva,
            data: layout.data_rva,
        }
    }

    pub const fn next(&mut self, kind: &ExportKind) -> Place {
        let thunk_size = match kind {
            ExportKind::Func(_) | ExportKind::Unimplemented => thunk::PLAIN_SIZE,
            ExportKind::Variadic(_) => thunk::VARIADIC_SIZE,
            ExportKind::Data(size) => {
                self.data = align(self.data, 16);
                let rva = self.data;
                self.data += if *size == 0 { 1 } else { *size };
                return Place {
                    rva,
                    slot: 0,
                    thunk_size: 0,
                };
            }
            ExportKind::Forward(_) => {
                return Place {
                    rva: 0,
                    slot: 0,
                    thunk_size: 0,
                }
            }
        };
        let place = Place {
            rva: self.text,
            slot: self.data,
            thunk_size,
        };
        self.text += thunk_size;
        self.data += 8;
        place
    }
}

/// The prebuilt part of a builtin image (see [`Layout::prebuilt_len`]).
#[repr(C, align(16))]
pub struct Prebuilt<const N: usize>(pub [u8; N]);

impl<const N: usize> Prebuilt<N> {
    /// Builds the image of `name` exporting `exports`, with ImageBase 0 and
    /// DLL index 0 in the thunks' export ids (both patched when mapped).
    pub const fn new(name: &str, exports: &[Export]) -> Self {
        let mut out = [0u8; N];
        build(name, exports, &mut out);
        Prebuilt(out)
    }
}

const fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    let mut k = 0;
    while k < bytes.len() {
        out[at + k] = bytes[k];
        k += 1;
    }
}

const fn put_u16(out: &mut [u8], at: usize, v: u16) {
    put(out, at, &v.to_le_bytes())
}

const fn put_u32(out: &mut [u8], at: usize, v: u32) {
    put(out, at, &v.to_le_bytes())
}

const fn put_u64(out: &mut [u8], at: usize, v: u64) {
    put(out, at, &v.to_le_bytes())
}

const fn get_u16(out: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([out[at], out[at + 1]])
}

const fn get_u32(out: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([out[at], out[at + 1], out[at + 2], out[at + 3]])
}

/// Byte-wise (strcmp) order, the order of an export name pointer table.
const fn name_less(a: &[u8], b: &[u8]) -> bool {
    let mut k = 0;
    while k < a.len() && k < b.len() {
        if a[k] != b[k] {
            return a[k] < b[k];
        }
        k += 1;
    }
    a.len() < b.len()
}

/// Writes the image of `name` exporting `exports` into `out` (zeroed, at
/// least [`Layout::prebuilt_len`] bytes).
pub const fn build(name: &str, exports: &[Export], out: &mut [u8]) {
    let n = exports.len();
    let layout = Layout::of(name, exports);
    let r = layout.rdata_rva;
    let (eat, npt, ords) = (40, 40 + 4 * n, 40 + 8 * n);

    // .text: one thunk per code export; the export address table entry of
    // each export, and its name, in declaration order.
    let mut strings = align(40 + 10 * n, 8);
    let dll_name_rva = r + strings;
    let name_bytes = name.as_bytes();
    let mut k = 0;
    while k < name_bytes.len() {
        out[r + strings + k] = name_bytes[k].to_ascii_uppercase();
        k += 1;
    }
    strings += name_bytes.len() + 1;
    let mut placer = Placer::new(&layout);
    let mut i = 0;
    while i < n {
        let e = &exports[i];
        let place = placer.next(&e.kind);
        let mut rva = place.rva;
        let id = i as u32;
        match e.kind {
            ExportKind::Variadic(_) => thunk::variadic(out, place.rva, id, place.slot),
            ExportKind::Func(_) | ExportKind::Unimplemented => {
                thunk::plain(out, place.rva, id, place.slot)
            }
            _ => {}
        }
        // The name pointer table, in declaration order until sorted below.
        put_u32(out, r + npt + 4 * i, (r + strings) as u32);
        put_u16(out, r + ords + 2 * i, i as u16);
        put(out, r + strings, e.name.as_bytes());
        strings += e.name.len() + 1;
        if let ExportKind::Forward(target) = e.kind {
            rva = r + strings;
            put(out, r + strings, target.as_bytes());
            strings += target.len() + 1;
        }
        put_u32(out, r + eat + 4 * i, rva as u32);
        i += 1;
    }
    sort_names(out, r + npt, r + ords, n, exports);

    // The export directory.
    put_u32(out, r + 12, dll_name_rva as u32); // Name
    put_u32(out, r + 16, 1); // Base
    put_u32(out, r + 20, n as u32); // NumberOfFunctions
    put_u32(out, r + 24, n as u32); // NumberOfNames
    put_u32(out, r + 28, (r + eat) as u32);
    put_u32(out, r + 32, (r + npt) as u32);
    put_u32(out, r + 36, (r + ords) as u32);

    // Headers.
    put(out, 0, b"MZ");
    put_u32(out, 0x3C, NT_HEADERS as u32); // e_lfanew
    put(out, NT_HEADERS, b"PE\0\0");
    let fh = NT_HEADERS + 4;
    put_u16(out, fh, 0x8664); // Machine
    put_u16(out, fh + 2, 3); // NumberOfSections
    put_u16(out, fh + 16, 240); // SizeOfOptionalHeader
    put_u16(out, fh + 18, 0x2022); // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE | DLL
    let oh = fh + 20;
    put_u16(out, oh, 0x20B); // PE32+
    put_u32(out, oh + 4, layout.text_size as u32); // SizeOfCode
    put_u32(out, oh + 8, (layout.rdata_size + layout.data_size) as u32); // SizeOfInitializedData
    put_u32(out, oh + 20, layout.text_rva as u32); // BaseOfCode
                                                   // ImageBase (oh + 24) is written when the image is mapped.
    put_u32(out, oh + 32, SECTION_ALIGN as u32);
    put_u32(out, oh + 36, FILE_ALIGN as u32);
    put_u16(out, oh + 40, 10); // MajorOperatingSystemVersion
    put_u16(out, oh + 48, 10); // MajorSubsystemVersion
    put_u32(out, oh + 56, layout.image_size as u32); // SizeOfImage
    put_u32(out, oh + 60, SECTION_ALIGN as u32); // SizeOfHeaders
    put_u16(out, oh + 68, 3); // Subsystem: console
    put_u16(out, oh + 70, 0x0160); // HIGH_ENTROPY_VA | DYNAMIC_BASE | NX_COMPAT
    put_u64(out, oh + 72, 0x10_0000); // SizeOfStackReserve
    put_u64(out, oh + 80, 0x1000);
    put_u64(out, oh + 88, 0x10_0000);
    put_u64(out, oh + 96, 0x1000);
    put_u32(out, oh + 108, 16); // NumberOfRvaAndSizes
    put_u32(out, oh + 112, layout.rdata_rva as u32); // export directory
    put_u32(out, oh + 116, layout.rdata_size as u32);
    let sh = oh + 240;
    let sections: [(&[u8; 8], usize, usize, u32); 3] = [
        (
            b".rdata\0\0",
            layout.rdata_rva,
            layout.rdata_size,
            0x4000_0040,
        ),
        (
            b".text\0\0\0",
            layout.text_rva,
            layout.text_size,
            0x6000_0020,
        ),
        (
            b".data\0\0\0",
            layout.data_rva,
            layout.data_size,
            0xC000_0040,
        ),
    ];
    // The image doubles as a file: raw offsets equal RVAs.
    let mut k = 0;
    while k < sections.len() {
        let (name, rva, size, characteristics) = sections[k];
        let s = sh + 40 * k;
        put(out, s, name);
        put_u32(out, s + 8, size as u32);
        put_u32(out, s + 12, rva as u32);
        put_u32(out, s + 16, align(size, FILE_ALIGN) as u32);
        put_u32(out, s + 20, rva as u32);
        put_u32(out, s + 36, characteristics);
        k += 1;
    }
}

/// Heap-sorts the name pointer table at `npt` and the ordinal table at
/// `ords` (n entries, in step) by export name.
const fn sort_names(out: &mut [u8], npt: usize, ords: usize, n: usize, exports: &[Export]) {
    let mut start = n / 2;
    while start > 0 {
        start -= 1;
        sift_down(out, npt, ords, start, n, exports);
    }
    let mut end = n;
    while end > 1 {
        end -= 1;
        swap(out, npt, ords, 0, end);
        sift_down(out, npt, ords, 0, end, exports);
    }
}

const fn key<'a>(out: &[u8], ords: usize, k: usize, exports: &'a [Export]) -> &'a [u8] {
    exports[get_u16(out, ords + 2 * k) as usize].name.as_bytes()
}

const fn sift_down(
    out: &mut [u8],
    npt: usize,
    ords: usize,
    mut root: usize,
    end: usize,
    exports: &[Export],
) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end
            && name_less(
                key(out, ords, child, exports),
                key(out, ords, child + 1, exports),
            )
        {
            child += 1;
        }
        if !name_less(
            key(out, ords, root, exports),
            key(out, ords, child, exports),
        ) {
            return;
        }
        swap(out, npt, ords, root, child);
        root = child;
    }
}

const fn swap(out: &mut [u8], npt: usize, ords: usize, a: usize, b: usize) {
    let (na, nb) = (get_u32(out, npt + 4 * a), get_u32(out, npt + 4 * b));
    put_u32(out, npt + 4 * a, nb);
    put_u32(out, npt + 4 * b, na);
    let (oa, ob) = (get_u16(out, ords + 2 * a), get_u16(out, ords + 2 * b));
    put_u16(out, ords + 2 * a, ob);
    put_u16(out, ords + 2 * b, oa);
}

#[cfg(test)]
mod tests {
    use crate::builtin::{synthesize, Arg, BuiltinDll, Code, Export, ExportKind, Failure};

    extern "win64" fn first() {}
    extern "win64" fn second() {}

    const EXPORTS: &[Export] = &[
        Export {
            name: "Zulu",
            kind: ExportKind::Func(Code(first as *const ())),
            args: &[Arg::Int],
        },
        Export {
            name: "Alpha",
            kind: ExportKind::Forward("OTHER.Target"),
            args: &[],
        },
        Export {
            name: "Mike",
            kind: ExportKind::Variadic(Code(second as *const ())),
            args: &[Arg::Str],
        },
        Export {
            name: "Bravo",
            kind: ExportKind::Data(24),
            args: &[],
        },
        Export {
            name: "AlphaLonger",
            kind: ExportKind::Unimplemented,
            args: &[],
        },
    ];
    static DLL: BuiltinDll = crate::builtin_dll! {
        name: "sorted.dll",
        exports: EXPORTS,
        depends: &[],
        init: None,
        detach: None,
        failure: Failure::Win32,
        declared: "",
    };

    fn u32_at(b: &[u8], at: usize) -> usize {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
    }

    fn cstr(b: &[u8], at: usize) -> &str {
        let end = b[at..].iter().position(|&c| c == 0).unwrap();
        std::str::from_utf8(&b[at..at + end]).unwrap()
    }

    #[test]
    fn export_directory_is_sorted_and_complete() {
        let base = 0x7_0000_0000;
        let (img, layout) = synthesize(&DLL, 3, base, false);
        assert_eq!(
            u64::from_le_bytes(img[super::IMAGE_BASE_FIELD..][..8].try_into().unwrap()),
            base
        );
        let dir = layout.rdata_rva;
        assert_eq!(cstr(&img, u32_at(&img, dir + 12)), "SORTED.DLL");
        let (eat, npt, ords) = (
            u32_at(&img, dir + 28),
            u32_at(&img, dir + 32),
            u32_at(&img, dir + 36),
        );
        let names: Vec<(&str, usize)> = (0..EXPORTS.len())
            .map(|k| {
                let ord = u16::from_le_bytes([img[ords + 2 * k], img[ords + 2 * k + 1]]) as usize;
                (cstr(&img, u32_at(&img, npt + 4 * k)), ord)
            })
            .collect();
        assert_eq!(
            names,
            [
                ("Alpha", 1),
                ("AlphaLonger", 4),
                ("Bravo", 3),
                ("Mike", 2),
                ("Zulu", 0)
            ]
        );
        // A forwarder's address is its string, inside the directory.
        assert_eq!(cstr(&img, u32_at(&img, eat + 4)), "OTHER.Target");
        // Data lies in .data, 16-byte aligned.
        let data = u32_at(&img, eat + 12);
        assert!(data >= layout.data_rva && data % 16 == 0);
        // Code exports: `mov eax, id` with the DLL index in the high half,
        // then an indirect jump or call through a slot holding the target.
        for (i, target) in [
            (0usize, first as *const () as usize),
            (2, second as *const () as usize),
        ] {
            let thunk = u32_at(&img, eat + 4 * i);
            assert!((layout.text_rva..layout.text_rva + layout.text_size).contains(&thunk));
            let at = thunk
                + crate::thunk::id_at(if i == 2 {
                    crate::thunk::VARIADIC_SIZE
                } else {
                    crate::thunk::PLAIN_SIZE
                });
            assert_eq!(img[at - 1], 0xB8);
            assert_eq!(u32_at(&img, at), (3 << 16) | i);
            let (op, disp_at) = if i == 2 {
                (thunk + 34, thunk + 36)
            } else {
                (thunk + 5, thunk + 7)
            };
            assert_eq!(img[op], 0xFF);
            let slot = (disp_at as i64
                + 4
                + i32::from_le_bytes(img[disp_at..disp_at + 4].try_into().unwrap()) as i64)
                as usize;
            assert!(slot >= layout.data_rva);
            assert_eq!(
                u64::from_le_bytes(img[slot..slot + 8].try_into().unwrap()) as usize,
                target
            );
        }
    }

    #[test]
    fn relay_slots_enter_the_relay() {
        let (img, layout) = synthesize(&DLL, 0, 0x7_0000_0000, true);
        let eat = u32_at(&img, layout.rdata_rva + 28);
        let thunk = u32_at(&img, eat);
        let slot = (thunk as i64
            + 11
            + i32::from_le_bytes(img[thunk + 7..thunk + 11].try_into().unwrap()) as i64)
            as usize;
        assert_eq!(
            u64::from_le_bytes(img[slot..slot + 8].try_into().unwrap()),
            crate::thunk::relay_entry()
        );
    }
}
