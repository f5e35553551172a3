//! Reading and fixing up a mapped image: headers, relocations, imports,
//! exports, TLS. Every RVA is bounds-checked against the image size; a
//! malformed image is an error, never a fault in the loader.

use std::fmt;

/// A mapped image in guest memory.
#[derive(Clone, Copy, Debug)]
pub struct Mapped {
    pub base: u64,
    pub size: u64,
}

/// A malformed-image error with what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type R<T> = Result<T, Malformed>;

fn bad<T>(what: impl Into<String>) -> R<T> {
    Err(Malformed(what.into()))
}

// Data directory indices.
pub const DIR_EXPORT: usize = 0;
pub const DIR_IMPORT: usize = 1;
pub const DIR_EXCEPTION: usize = 3;
pub const DIR_BASERELOC: usize = 5;
pub const DIR_TLS: usize = 9;

/// An import: by name (with hint) or by ordinal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportRef {
    Name(String),
    Ordinal(u16),
}

impl fmt::Display for ImportRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportRef::Name(n) => f.write_str(n),
            ImportRef::Ordinal(o) => write!(f, "#{o}"),
        }
    }
}

/// One imported DLL: its name and the (IAT slot RVA, import) pairs.
#[derive(Debug)]
pub struct ImportedDll {
    pub name: String,
    pub thunks: Vec<(u32, ImportRef)>,
}

/// The result of looking up an export.
#[derive(Debug, PartialEq, Eq)]
pub enum ExportTarget {
    Address(u64),
    /// "DLL.Function" or "DLL.#ordinal".
    Forward(String),
}

/// IMAGE_TLS_DIRECTORY64 with VAs.
#[derive(Debug, Clone, Copy, Default)]
pub struct TlsDirectory {
    pub start: u64,
    pub end: u64,
    pub index_address: u64,
    pub callbacks: u64,
    pub zero_fill: u32,
}

impl Mapped {
    fn bytes(&self) -> &[u8] {
        // SAFETY: the image is mapped and readable for its whole size while
        // the module is loaded (the section mapper gives every page at least
        // read access).
        unsafe { core::slice::from_raw_parts(self.base as *const u8, self.size as usize) }
    }

    pub fn u16(&self, rva: u64) -> R<u16> {
        let b = self.bytes();
        b.get(rva as usize..rva as usize + 2)
            .map(|s| u16::from_le_bytes([s[0], s[1]]))
            .ok_or_else(|| Malformed(format!("RVA {rva:#x} outside the image")))
    }
    pub fn u32(&self, rva: u64) -> R<u32> {
        let b = self.bytes();
        b.get(rva as usize..rva as usize + 4)
            .map(|s| u32::from_le_bytes(s.try_into().unwrap_or([0; 4])))
            .ok_or_else(|| Malformed(format!("RVA {rva:#x} outside the image")))
    }
    pub fn u64(&self, rva: u64) -> R<u64> {
        let b = self.bytes();
        b.get(rva as usize..rva as usize + 8)
            .map(|s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
            .ok_or_else(|| Malformed(format!("RVA {rva:#x} outside the image")))
    }
    /// The bytes of a NUL-terminated string at `rva`, without the NUL.
    pub fn cbytes(&self, rva: u64) -> R<&[u8]> {
        let b = self.bytes();
        let tail = b
            .get(rva as usize..)
            .ok_or_else(|| Malformed(format!("string RVA {rva:#x} outside the image")))?;
        let end = tail
            .iter()
            .take(4096)
            .position(|&c| c == 0)
            .ok_or_else(|| Malformed(format!("unterminated string at RVA {rva:#x}")))?;
        Ok(&tail[..end])
    }

    /// A NUL-terminated ASCII string at `rva`.
    pub fn cstr(&self, rva: u64) -> R<String> {
        let b = self.bytes();
        let tail = b
            .get(rva as usize..)
            .ok_or_else(|| Malformed(format!("string RVA {rva:#x} outside the image")))?;
        let end = tail
            .iter()
            .take(4096)
            .position(|&c| c == 0)
            .ok_or_else(|| Malformed(format!("unterminated string at RVA {rva:#x}")))?;
        Ok(String::from_utf8_lossy(&tail[..end]).into_owned())
    }

    fn nt_offset(&self) -> R<u64> {
        if self.u16(0)? != 0x5A4D {
            return bad("no MZ signature");
        }
        let off = self.u32(0x3C)? as u64;
        if self.u32(off)? != 0x4550 {
            return bad("no PE signature");
        }
        Ok(off)
    }
    fn optional_header(&self) -> R<u64> {
        Ok(self.nt_offset()? + 24)
    }
    pub fn preferred_base(&self) -> R<u64> {
        self.u64(self.optional_header()? + 24)
    }
    pub fn entry_rva(&self) -> R<u32> {
        self.u32(self.optional_header()? + 16)
    }
    pub fn characteristics(&self) -> R<u16> {
        self.u16(self.nt_offset()? + 4 + 18)
    }
    pub fn is_dll(&self) -> bool {
        self.characteristics().is_ok_and(|c| c & 0x2000 != 0)
    }
    pub fn dll_characteristics(&self) -> R<u16> {
        self.u16(self.optional_header()? + 70)
    }
    pub fn time_date_stamp(&self) -> R<u32> {
        self.u32(self.nt_offset()? + 8)
    }

    /// Data directory `index`: (rva, size), or None when absent.
    pub fn directory(&self, index: usize) -> R<Option<(u64, u64)>> {
        let oh = self.optional_header()?;
        let count = self.u32(oh + 108)? as usize;
        if index >= count.min(16) {
            return Ok(None);
        }
        let rva = self.u32(oh + 112 + 8 * index as u64)? as u64;
        let size = self.u32(oh + 116 + 8 * index as u64)? as u64;
        if rva == 0 || size == 0 {
            return Ok(None);
        }
        if rva.checked_add(size).is_none_or(|e| e > self.size) {
            return bad(format!(
                "data directory {index} ({rva:#x}+{size:#x}) lies outside the image"
            ));
        }
        if !crate::nt::is_readable(self.base + rva, size) {
            return bad(format!(
                "data directory {index} ({rva:#x}+{size:#x}) lies in a section that cannot be read"
            ));
        }
        Ok(Some((rva, size)))
    }

    /// Sections as (rva, virtual size, characteristics).
    pub fn sections(&self) -> R<Vec<(u64, u64, u32)>> {
        let nt = self.nt_offset()?;
        let count = self.u16(nt + 6)? as u64;
        let opt_size = self.u16(nt + 20)? as u64;
        let first = nt + 24 + opt_size;
        (0..count)
            .map(|i| {
                let s = first + 40 * i;
                let vsize = self.u32(s + 8)? as u64;
                let raw = self.u32(s + 16)? as u64;
                Ok((self.u32(s + 12)? as u64, vsize.max(raw), self.u32(s + 36)?))
            })
            .collect()
    }

    /// Applies base relocations for a load at `self.base` instead of the
    /// preferred base. The image must be writable.
    pub fn relocate(&self, preferred: u64) -> R<usize> {
        let delta = self.base.wrapping_sub(preferred);
        let Some((rva, size)) = self.directory(DIR_BASERELOC)? else {
            if self.dll_characteristics()? & 0x40 == 0 {
                return bad("the image must be relocated but has no relocations (linked without --dynamicbase)");
            }
            return Ok(0);
        };
        let mut at = rva;
        let end = rva + size;
        let mut count = 0;
        while at + 8 <= end {
            let page = self.u32(at)? as u64;
            let block = self.u32(at + 4)? as u64;
            if block < 8 || at + block > end {
                return bad(format!(
                    "relocation block at RVA {at:#x} has size {block:#x}"
                ));
            }
            for i in 0..(block - 8) / 2 {
                let entry = self.u16(at + 8 + 2 * i)?;
                let target = page + (entry & 0xFFF) as u64;
                match entry >> 12 {
                    0 => {}
                    // IMAGE_REL_BASED_DIR64
                    10 => {
                        let v = self.u64(target)?;
                        self.write_u64(target, v.wrapping_add(delta));
                        count += 1;
                    }
                    // IMAGE_REL_BASED_HIGHLOW
                    3 => {
                        let v = self.u32(target)?;
                        self.write_u32(target, v.wrapping_add(delta as u32));
                        count += 1;
                    }
                    t => {
                        return bad(format!(
                            "unsupported relocation type {t} at RVA {target:#x}"
                        ))
                    }
                }
            }
            at += block;
        }
        Ok(count)
    }

    pub fn write_u64(&self, rva: u64, v: u64) {
        debug_assert!(rva + 8 <= self.size);
        // SAFETY: callers check rva with a read first; the page is writable
        // while the loader fixes up the image.
        unsafe { core::ptr::write_unaligned((self.base + rva) as *mut u64, v) }
    }
    fn write_u32(&self, rva: u64, v: u32) {
        // SAFETY: as in write_u64.
        unsafe { core::ptr::write_unaligned((self.base + rva) as *mut u32, v) }
    }

    /// The import directory.
    pub fn imports(&self) -> R<Vec<ImportedDll>> {
        let Some((rva, _size)) = self.directory(DIR_IMPORT)? else {
            return Ok(Vec::new());
        };
        let mut dlls = Vec::new();
        for i in 0..4096u64 {
            let d = rva + 20 * i;
            let (original, name_rva, first) = (
                self.u32(d)? as u64,
                self.u32(d + 12)? as u64,
                self.u32(d + 16)? as u64,
            );
            if name_rva == 0 && first == 0 {
                return Ok(dlls);
            }
            let name = self.cstr(name_rva)?;
            let lookup = if original != 0 { original } else { first };
            let mut thunks = Vec::new();
            for k in 0..65536u64 {
                let t = self.u64(lookup + 8 * k)?;
                if t == 0 {
                    break;
                }
                let iat = (first + 8 * k) as u32;
                if t >> 63 != 0 {
                    thunks.push((iat, ImportRef::Ordinal(t as u16)));
                } else {
                    thunks.push((iat, ImportRef::Name(self.cstr((t & 0x7FFF_FFFF) + 2)?)));
                }
            }
            dlls.push(ImportedDll { name, thunks });
        }
        bad("import directory is not terminated")
    }

    /// Looks up an export by name or ordinal.
    pub fn find_export(&self, what: &ImportRef) -> R<Option<ExportTarget>> {
        let Some((dir, size)) = self.directory(DIR_EXPORT)? else {
            return Ok(None);
        };
        let ordinal_base = self.u32(dir + 16)?;
        let functions = self.u32(dir + 20)? as u64;
        let names = self.u32(dir + 24)? as u64;
        let eat = self.u32(dir + 28)? as u64;
        let npt = self.u32(dir + 32)? as u64;
        let ords = self.u32(dir + 36)? as u64;
        let index = match what {
            ImportRef::Ordinal(o) => match (*o as u32).checked_sub(ordinal_base) {
                Some(i) if (i as u64) < functions => i as u64,
                _ => return Ok(None),
            },
            ImportRef::Name(n) => {
                // Binary search of the sorted name pointer table.
                let (mut lo, mut hi) = (0u64, names);
                let mut found = None;
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    let candidate = self.cbytes(self.u32(npt + 4 * mid)? as u64)?;
                    match candidate.cmp(n.as_bytes()) {
                        std::cmp::Ordering::Equal => {
                            found = Some(self.u16(ords + 2 * mid)? as u64);
                            break;
                        }
                        std::cmp::Ordering::Less => lo = mid + 1,
                        std::cmp::Ordering::Greater => hi = mid,
                    }
                }
                match found {
                    Some(i) if i < functions => i,
                    _ => return Ok(None),
                }
            }
        };
        let rva = self.u32(eat + 4 * index)? as u64;
        if rva == 0 {
            return Ok(None);
        }
        if rva >= dir && rva < dir + size {
            return Ok(Some(ExportTarget::Forward(self.cstr(rva)?)));
        }
        if rva >= self.size {
            return bad(format!("export RVA {rva:#x} outside the image"));
        }
        Ok(Some(ExportTarget::Address(self.base + rva)))
    }

    /// The TLS directory.
    pub fn tls(&self) -> R<Option<TlsDirectory>> {
        let Some((rva, size)) = self.directory(DIR_TLS)? else {
            return Ok(None);
        };
        if size < 40 {
            return bad("TLS directory too small");
        }
        Ok(Some(TlsDirectory {
            start: self.u64(rva)?,
            end: self.u64(rva + 8)?,
            index_address: self.u64(rva + 16)?,
            callbacks: self.u64(rva + 24)?,
            zero_fill: self.u32(rva + 32)?,
        }))
    }

    /// True if `va` lies inside the image.
    pub fn contains(&self, va: u64) -> bool {
        va >= self.base && va < self.base + self.size
    }
}
