//! Tests against small mingw-built images (see inspect_fixtures/build.sh).
//! The expected RVAs and names are those `objdump -p` reports for them.

use super::dump;

const DLL: &[u8] = include_bytes!("../inspect_fixtures/tiny.dll");
const EXE: &[u8] = include_bytes!("../inspect_fixtures/tiny.exe");
const EXE32: &[u8] = include_bytes!("../inspect_fixtures/tiny32.exe");

fn listing(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    dump("fixture", bytes, &mut out).expect("the fixture's headers parse");
    String::from_utf8(out).expect("the listing is UTF-8")
}

#[track_caller]
fn assert_has(listing: &str, expected: &[&str]) {
    for line in expected {
        assert!(listing.contains(line), "missing {line:?} in:\n{listing}");
    }
}

/// File offset of `rva` in a PE32+ fixture, for patching.
fn file_offset(bytes: &[u8], rva: u32) -> usize {
    let mut words = vec![0u64; bytes.len().div_ceil(8)];
    object::pod::bytes_of_slice_mut(&mut words)[..bytes.len()].copy_from_slice(bytes);
    let data = &object::pod::bytes_of_slice(&words)[..bytes.len()];
    let file = object::read::pe::PeFile64::parse(data).unwrap();
    file.section_table().pe_file_range_at(rva).unwrap().0 as usize
}

fn patch_u32(bytes: &mut [u8], offset: usize, value: u32) {
    bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn dll_headers_and_exports() {
    let text = listing(DLL);
    assert_has(
        &text,
        &[
            "PE32+ image, 5632 bytes",
            "  Machine                     0x8664 AMD64\n",
            "LARGE_ADDRESS_AWARE DEBUG_STRIPPED DLL\n",
            "  Magic                       0x20b PE32+\n",
            "  AddressOfEntryPoint         0x1019\n",
            "  ImageBase                   0x2616b0000\n",
            "  Subsystem                   3 WINDOWS_CUI\n",
            "  DllCharacteristics          0x160 HIGH_ENTROPY_VA DYNAMIC_BASE NX_COMPAT\n",
            "  0   EXPORT          0x00007000  0x000000a8  .edata\n",
            "  1   .text     0x00001000  0x00000040  0x00000400  0x00000200  0x60000020 R-X CODE\n",
            "0x42000040 R-- IDATA DISCARDABLE\n",
            "  Name                        tiny.dll\n",
            "  NumberOfFunctions           6\n",
            "        1      2  0x00001000  add\n",
            "        2      4  0x0000100d  mul\n",
            "        3      1  0x0000707b  Snooze -> KERNEL32.Sleep\n",
            "        4      0  0x00007067  ByOrd -> KERNEL32.#100\n",
            "        5         0x00001013  [NONAME]\n",
            "        6      3  0x00002008  counter\n",
            "IMPORTS (RVA 0x8000, size 0x18)\n  (none)\n",
            "  Page 0x00002000  block size 0xc  2 entries\n    0x00002000  DIR64\n",
            "  3      0x00001019  0x0000101f  0x0000600c\n",
            "    RSDS  GUID {",
        ],
    );
    assert!(!text.contains("malformed"), "{text}");
}

#[test]
fn exe_imports_tls_unwind_and_debug() {
    let text = listing(EXE);
    assert_has(
        &text,
        &[
            "  13  DELAY_IMPORT    0x00003060  0x00000040  .rdata\n",
            "  ordlib.dll\n",
            "    0x00008070         ordinal 7\n",
            "  KERNEL32.dll\n",
            "    0x00008080    366  ExitProcess\n",
            "    0x00008090   1567  WriteFile\n",
            "DELAY IMPORTS (RVA 0x3060, size 0x40)\n  USER32.dll\n",
            "    Attributes 0x1 (RVA-based)  ModuleHandle 0x2010  IAT 0x2018  INT 0x30b0\n",
            "    0x00002018     42  MessageBoxA\n",
            "    0x00002020         ordinal 17\n",
            "  AddressOfCallBacks          0x140002000\n",
            "  Callbacks\n    0x140001000 (RVA 0x1000)\n",
            "    0x00003020  DIR64\n",
            "  4 functions\n",
            "  1      0x00001001  0x00001057  0x00006004\n",
            "           0x04  ALLOC_SMALL 0x48\n",
            "  2      0x00001063  0x00001071  0x0000600c\n",
            "         version 1, flags EHANDLER, prolog 0x8, 3 codes, frame rbp+0x0\n",
            "           0x08  ALLOC_SMALL 0x20\n",
            "           0x04  SET_FPREG\n",
            "           0x01  PUSH_NONVOL rbp\n",
            "         handler 0x00001060, handler data at 0x0000601c\n",
            "         version 1, flags CHAININFO, prolog 0x0, 0 codes, frame none\n",
            "         chained to 0x00001063-0x00001071 unwind 0x0000600c\n",
            "           handler 0x00001060",
            "  Age 1  PDB tiny.pdb\n",
        ],
    );
    assert!(!text.contains("malformed"), "{text}");
}

#[test]
fn pe32_exe() {
    let text = listing(EXE32);
    assert_has(
        &text,
        &[
            "PE32 image",
            "  Machine                     0x14c I386\n",
            "32BIT_MACHINE",
            "  Magic                       0x10b PE32\n",
            "  BaseOfData                  0x2000\n",
            "  ImageBase                   0x400000\n",
            "        1      0  0x00001003  exported_from_exe\n",
            "    0x00008038    355  ExitProcess\n",
            "    0x0000803c    732  GetStdHandle\n",
            "    0x0000101b  HIGHLOW\n",
            "  3 blocks, 9 relocations\n",
            "TLS DIRECTORY (RVA 0x3004, size 0x18)\n",
            "    0x401000 (RVA 0x1000)\n",
            "PDB (none)\n",
        ],
    );
    assert!(!text.contains("EXCEPTION DIRECTORY"), "{text}");
    assert!(!text.contains("malformed"), "{text}");
}

#[test]
fn unreadable_headers_are_errors() {
    let mut out = Vec::new();
    let err = super::run(std::path::Path::new("/nonexistent/casement.exe"), &mut out).unwrap_err();
    assert!(err.starts_with("/nonexistent/casement.exe: "), "{err}");
    let err = dump("x.exe", b"#!/bin/sh\n", &mut out).unwrap_err();
    assert_eq!(
        err,
        "x.exe: not a PE image: 10 bytes is too short for a DOS header"
    );
    let err = dump("x.exe", &DLL[..0x90], &mut out).unwrap_err();
    assert!(
        err.starts_with("x.exe: e_lfanew 0x80 points past the end"),
        "{err}"
    );
    let mut bad = DLL.to_vec();
    bad[0x80] = b'Q';
    let err = dump("x.exe", &bad, &mut out).unwrap_err();
    assert_eq!(err, "x.exe: no PE signature at e_lfanew 0x80");
}

#[test]
fn run_reads_the_file() {
    let path = std::env::temp_dir().join(format!("casement-inspect-{}.dll", std::process::id()));
    std::fs::write(&path, DLL).unwrap();
    let mut out = Vec::new();
    let result = super::run(&path, &mut out);
    std::fs::remove_file(&path).unwrap();
    result.unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), listing(DLL));
}

#[test]
fn malformed_directories_are_reported_not_fatal() {
    // Import directory RVA far outside the image (data directory 1 lies at
    // e_lfanew + 24 + 112 + 8 in a PE32+ image).
    let mut bad = EXE.to_vec();
    patch_u32(&mut bad, 0x80 + 24 + 112 + 8, 0x7fff_0000);
    let text = listing(&bad);
    assert_has(
        &text,
        &[
            "  imports: malformed: RVA 0x7fff0000 is not in any section's file data\n",
            "DELAY IMPORTS",
            "TLS DIRECTORY",
        ],
    );

    // A NumberOfRvaAndSizes larger than the optional header has room for.
    let mut bad = EXE.to_vec();
    patch_u32(&mut bad, 0x80 + 24 + 108, 0x1000);
    assert_has(
        &listing(&bad),
        &["data directories: malformed: NumberOfRvaAndSizes is 4096 but"],
    );

    // A chained UNWIND_INFO whose parent is itself.
    let mut bad = EXE.to_vec();
    let parent_unwind = file_offset(&bad, 0x6020 + 4 + 8);
    patch_u32(&mut bad, parent_unwind, 0x6020);
    assert_has(
        &listing(&bad),
        &["exceptions: malformed: chain deeper than 8 entries"],
    );

    // An export name pointer outside the directory, and a name's ordinal
    // index past the address table.
    let mut bad = DLL.to_vec();
    let names = file_offset(&bad, 0x7040);
    patch_u32(&mut bad, names, 0x9999);
    let ordinals = file_offset(&bad, 0x7054);
    bad[ordinals + 2..ordinals + 4].copy_from_slice(&500u16.to_le_bytes());
    assert_has(
        &listing(&bad),
        &[
            "exports: malformed: name 0: pointer 0x9999 is outside the export directory\n",
            "refers to function index 500, past the 6 in the address table\n",
            "        1      2  0x00001000  add\n",
        ],
    );

    // A relocation block claiming more bytes than the directory holds.
    let mut bad = EXE.to_vec();
    let block = file_offset(&bad, 0xa000);
    patch_u32(&mut bad, block + 4, 0x100);
    assert_has(
        &listing(&bad),
        &["relocations: malformed: block at directory offset 0x0"],
    );

    // Section headers past the end of the file.
    let mut bad = EXE.to_vec();
    bad[0x80 + 6..0x80 + 8].copy_from_slice(&0xffffu16.to_le_bytes());
    assert_has(
        &listing(&bad),
        &["sections: malformed: 65535 section headers"],
    );
}

/// Every result of `dump` on damaged input is fine so long as it returns:
/// a panic (or a hang) fails the test.
fn survive(bytes: &[u8]) {
    let _ = dump("fuzz", bytes, &mut std::io::sink());
}

#[test]
fn truncation_never_panics() {
    for fixture in [DLL, EXE, EXE32] {
        for len in 0..=fixture.len() {
            survive(&fixture[..len]);
        }
    }
}

#[test]
fn corruption_never_panics() {
    for fixture in [DLL, EXE, EXE32] {
        let mut bytes = fixture.to_vec();
        for at in 0..bytes.len() {
            let original = bytes[at];
            for value in [original ^ 0xff, 0x80, 0x00] {
                bytes[at] = value;
                survive(&bytes);
            }
            bytes[at] = original;
        }
        // Absurd counts, sizes and RVAs in every 32-bit field.
        for at in (0..bytes.len() - 4).step_by(2) {
            let original: [u8; 4] = bytes[at..at + 4].try_into().unwrap();
            for value in [u32::MAX, 0x8000_0000, 0x1000, 0x10] {
                patch_u32(&mut bytes, at, value);
                survive(&bytes);
            }
            bytes[at..at + 4].copy_from_slice(&original);
        }
    }
}
