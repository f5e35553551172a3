//! Image mapping: the SEC_IMAGE side of sections. Every PE image is mapped
//! here — the process's own image at creation and each DLL the loader maps
//! through NtCreateSection(SEC_IMAGE) + NtMapViewOfSection — so image
//! mapping is one code path.

use super::vad::{self, Vad};
use super::*;
use object::pe;
use object::read::pe::ImageNtHeaders;
use object::LittleEndian as LE;
use syscalls::*;

/// STATUS_SECTION_TOO_BIG
const STATUS_SECTION_TOO_BIG: NtStatus = NtStatus(0xC000_0040);

/// STATUS_INVALID_IMAGE_NOT_MZ.
pub const STATUS_INVALID_IMAGE_NOT_MZ: NtStatus = NtStatus(0xC000_012F);

/// What the executive learned about an image when mapping it (the parts of
/// SECTION_IMAGE_INFORMATION process creation needs).
#[derive(Clone, Debug)]
pub struct ImageInfo {
    pub base: u64,
    pub size: u64,
    pub preferred_base: u64,
    pub entry_rva: u32,
    pub stack_reserve: u64,
    pub stack_commit: u64,
    pub subsystem: u16,
    pub subsystem_major: u16,
    pub subsystem_minor: u16,
    pub characteristics: u16,
}

/// Size of a file, and its first `limit` bytes (the headers).
fn read_headers(fd: i32, limit: usize) -> NtResult<(u64, Vec<u8>)> {
    // SAFETY: fstat into a zeroed struct; pread into a buffer we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(crate::io::status_from_errno(crate::io::last_errno()));
    }
    let size = st.st_size.max(0) as u64;
    if size > (1 << 31) {
        return Err(STATUS_SECTION_TOO_BIG);
    }
    let mut data = vec![0u8; (size as usize).min(limit)];
    pread_exact(fd, &mut data, 0)?;
    Ok((size, data))
}

fn pread_exact(fd: i32, buf: &mut [u8], offset: u64) -> NtResult<()> {
    let mut done = 0;
    while done < buf.len() {
        // SAFETY: pread into the remaining part of `buf`.
        let n = unsafe {
            libc::pread(
                fd,
                buf[done..].as_mut_ptr() as *mut libc::c_void,
                buf.len() - done,
                (offset + done as u64) as i64,
            )
        };
        if n <= 0 {
            return Err(STATUS_INVALID_IMAGE_FORMAT);
        }
        done += n as usize;
    }
    Ok(())
}

fn section_protection(characteristics: u32) -> u32 {
    let r = characteristics & pe::IMAGE_SCN_MEM_READ != 0;
    let w = characteristics & pe::IMAGE_SCN_MEM_WRITE != 0;
    let x = characteristics & pe::IMAGE_SCN_MEM_EXECUTE != 0;
    match (x, w, r) {
        (true, true, _) => PAGE_EXECUTE_WRITECOPY,
        (true, false, true) => PAGE_EXECUTE_READ,
        (true, false, false) => PAGE_EXECUTE,
        (false, true, _) => PAGE_WRITECOPY,
        (false, false, true) => PAGE_READONLY,
        (false, false, false) => PAGE_NOACCESS,
    }
}

/// Maps a PE32+ image file: headers and sections at their RVAs, each with the
/// protection its characteristics ask for, at the preferred base when it is
/// free and elsewhere otherwise (the loader applies relocations).
pub fn map_image(fd: i32) -> NtResult<ImageInfo> {
    // The headers are read first (a page holds them for any linker's
    // output); section data goes straight from the file into the image, so
    // symbols and debug data at the end of the file are never read.
    let (file_size, mut data) = read_headers(fd, 0x1000)?;
    let bad = |what: &str| {
        log::debug!(target: "loader", "image rejected by the section mapper: {what}");
        STATUS_INVALID_IMAGE_FORMAT
    };
    let dos = pe::ImageDosHeader::parse(&*data).map_err(|_| STATUS_INVALID_IMAGE_NOT_MZ)?;
    let nt_offset = dos.nt_headers_offset() as u64;
    let magic_off = nt_offset as usize + 4 + core::mem::size_of::<pe::ImageFileHeader>();
    if data.get(magic_off..magic_off + 2)
        == Some(&pe::IMAGE_NT_OPTIONAL_HDR32_MAGIC.to_le_bytes()[..])
    {
        return Err(STATUS_INVALID_IMAGE_WIN_32);
    }
    let mut offset = nt_offset;
    let (nt, _) =
        pe::ImageNtHeaders64::parse(&*data, &mut offset).map_err(|e| bad(&e.to_string()))?;
    let headers_size = nt.optional_header.size_of_headers.get(LE) as u64;
    if headers_size > file_size {
        return Err(bad("SizeOfHeaders lies past the end of the file"));
    }
    if headers_size as usize > data.len() {
        data = read_headers(fd, headers_size as usize)?.1;
    }
    let mut offset = nt_offset;
    let (nt, _) =
        pe::ImageNtHeaders64::parse(&*data, &mut offset).map_err(|e| bad(&e.to_string()))?;
    if nt.file_header.machine.get(LE) != pe::IMAGE_FILE_MACHINE_AMD64 {
        return Err(STATUS_INVALID_IMAGE_FORMAT);
    }
    let opt = &nt.optional_header;
    let size_of_image = round_up(opt.size_of_image.get(LE) as u64, PAGE_SIZE);
    let preferred = opt.image_base.get(LE);
    if size_of_image == 0 || size_of_image > (1 << 31) || headers_size > size_of_image {
        return Err(bad("SizeOfImage/SizeOfHeaders"));
    }
    if opt.address_of_entry_point.get(LE) as u64 >= size_of_image {
        return Err(bad("the entry point lies outside the image"));
    }
    let sections = nt
        .sections(&*data, offset)
        .map_err(|e| bad(&e.to_string()))?;
    for s in sections.iter() {
        let va = s.virtual_address.get(LE) as u64;
        let vsize = (s.virtual_size.get(LE) as u64).max(s.size_of_raw_data.get(LE) as u64);
        let raw = s.pointer_to_raw_data.get(LE) as u64;
        let raw_size = s.size_of_raw_data.get(LE) as u64;
        if va.checked_add(vsize).is_none_or(|e| e > size_of_image) {
            return Err(bad("a section lies outside SizeOfImage"));
        }
        if raw_size != 0 && raw.checked_add(raw_size).is_none_or(|e| e > file_size) {
            return Err(bad("a section's raw data lies past the end of the file"));
        }
    }

    let mut map = vad::lock();
    let granular = round_up(size_of_image, ALLOCATION_GRANULARITY);
    let at_preferred = preferred % ALLOCATION_GRANULARITY == 0
        && preferred >= LOWEST_ADDRESS
        && preferred.saturating_add(granular) <= HIGHEST_ADDRESS
        && vad::is_free(&map, preferred, granular)
        && vad::host_reserve(preferred, size_of_image);
    let base = if at_preferred {
        preferred
    } else {
        vad::find_and_reserve(&map, size_of_image, 0x1_0000_0000, false).ok_or(STATUS_NO_MEMORY)?
    };
    let page_count = (size_of_image / PAGE_SIZE) as usize;

    // Each page's protection, and which pages are demand-paged:
    // discardable read-only sections (debug data) are read on first touch,
    // everything else now.
    let mut pages = vec![PAGE_READONLY; page_count];
    let mut lazy_pages = vec![false; page_count];
    let mut lazy_sections = Vec::new();
    for s in sections.iter() {
        let va = s.virtual_address.get(LE) as u64;
        let vsize = (s.virtual_size.get(LE) as u64).max(s.size_of_raw_data.get(LE) as u64);
        if vsize == 0 {
            continue;
        }
        let ch = s.characteristics.get(LE);
        let protect = section_protection(ch);
        let (first, last) = (
            (va / PAGE_SIZE) as usize,
            (round_up(va + vsize, PAGE_SIZE) / PAGE_SIZE) as usize,
        );
        pages[first..last].iter_mut().for_each(|p| *p = protect);
        let lazy = ch & pe::IMAGE_SCN_MEM_DISCARDABLE != 0
            && ch & (pe::IMAGE_SCN_MEM_EXECUTE | pe::IMAGE_SCN_MEM_WRITE) == 0;
        if lazy {
            lazy_pages[first..last].iter_mut().for_each(|l| *l = true);
            lazy_sections.push(s);
        }
    }
    let runs = |pred: &dyn Fn(usize) -> bool| -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < page_count {
            if !pred(i) {
                i += 1;
                continue;
            }
            let j = (i..page_count)
                .find(|&k| !pred(k) || pages[k] != pages[i])
                .unwrap_or(page_count);
            out.push((i, j));
            i = j;
        }
        out
    };
    let release = || {
        // Releasing the reservation made above.
        vad::host_unmap(base, size_of_image);
    };
    // An image seen before maps straight from its cache entry: shared,
    // copy-on-write pages of the page cache.
    let mut cached = false;
    if let Some(entry) = super::image_cache::open(fd, size_of_image) {
        // SAFETY: replaces this image's own reservation with a private
        // mapping of the entry.
        let p = unsafe {
            libc::mmap(
                base as *mut libc::c_void,
                size_of_image as usize,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                std::os::fd::AsRawFd::as_raw_fd(&entry),
                0,
            )
        };
        // SAFETY: on success the headers are mapped and readable.
        cached = p != libc::MAP_FAILED
            && unsafe { core::slice::from_raw_parts(base as *const u8, headers_size as usize) }
                == &data[..headers_size as usize];
        if cached {
            for (i, j) in runs(&|_| true) {
                let prot = host_protection(pages[i]).unwrap_or(libc::PROT_READ);
                if prot != libc::PROT_READ | libc::PROT_WRITE {
                    // SAFETY: inside the image's mapping.
                    unsafe {
                        libc::mprotect(
                            (base + i as u64 * PAGE_SIZE) as *mut libc::c_void,
                            (j - i) * PAGE_SIZE as usize,
                            prot,
                        )
                    };
                }
            }
        } else if p != libc::MAP_FAILED {
            // A stale or foreign entry: back to an empty reservation.
            // SAFETY: replacing our own mapping.
            unsafe {
                libc::mmap(
                    base as *mut libc::c_void,
                    size_of_image as usize,
                    libc::PROT_NONE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
        }
    }
    if !cached {
        // Eager pages become writable for the copy (usually one run).
        let mut i = 0;
        while i < page_count {
            if lazy_pages[i] {
                i += 1;
                continue;
            }
            let j = (i..page_count)
                .find(|&k| lazy_pages[k])
                .unwrap_or(page_count);
            // SAFETY: inside the image's reservation. The pages are populated in
            // the same breath (MADV_POPULATE_WRITE), cheaper than a fault per
            // page while the sections are copied in.
            unsafe {
                let (p, n) = (
                    (base + i as u64 * PAGE_SIZE) as *mut libc::c_void,
                    (j - i) * PAGE_SIZE as usize,
                );
                libc::mprotect(p, n, libc::PROT_READ | libc::PROT_WRITE);
                const MADV_POPULATE_WRITE: libc::c_int = 23;
                libc::madvise(p, n, MADV_POPULATE_WRITE);
            }
            i = j;
        }
        // SAFETY: the eager pages of the reservation are now writable; only
        // they are written through this slice.
        let dst =
            unsafe { core::slice::from_raw_parts_mut(base as *mut u8, size_of_image as usize) };
        dst[..headers_size as usize].copy_from_slice(&data[..headers_size as usize]);
        let mut lazy_file: Option<std::sync::Arc<std::os::fd::OwnedFd>> = None;
        for s in sections.iter() {
            let va = s.virtual_address.get(LE) as usize;
            let raw = s.pointer_to_raw_data.get(LE) as u64;
            let vsize = s.virtual_size.get(LE) as usize;
            let raw_size = s.size_of_raw_data.get(LE) as usize;
            let n = if vsize == 0 {
                raw_size
            } else {
                vsize.min(raw_size)
            };
            if lazy_sections.iter().any(|l| core::ptr::eq(*l, s)) {
                if lazy_file.is_none() {
                    // SAFETY: duplicating the image file's descriptor for the
                    // reads demand paging will do.
                    let d = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
                    if d < 0 {
                        release();
                        return Err(STATUS_INSUFFICIENT_RESOURCES);
                    }
                    // SAFETY: d is a fresh descriptor we own.
                    lazy_file = Some(std::sync::Arc::new(unsafe {
                        <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(d)
                    }));
                }
                let start = base + va as u64;
                let span = round_up(vsize.max(raw_size) as u64, PAGE_SIZE);
                let prot = host_protection(section_protection(s.characteristics.get(LE)))
                    .unwrap_or(libc::PROT_READ);
                super::lazy::register(
                    start,
                    start + span,
                    lazy_file.clone().expect("set above"),
                    raw,
                    n as u64,
                    prot,
                );
                continue;
            }
            if n != 0 {
                if let Err(e) = pread_exact(fd, &mut dst[va..va + n], raw) {
                    super::lazy::forget(base, base + size_of_image);
                    release();
                    return Err(e);
                }
            }
        }
        // Final protections of the eager pages (read-write ones already are).
        for (i, j) in runs(&|k| !lazy_pages[k]) {
            let prot = host_protection(pages[i]).unwrap_or(libc::PROT_READ);
            if prot == libc::PROT_READ | libc::PROT_WRITE {
                continue;
            }
            // SAFETY: inside the image's reservation.
            unsafe {
                libc::mprotect(
                    (base + i as u64 * PAGE_SIZE) as *mut libc::c_void,
                    (j - i) * PAGE_SIZE as usize,
                    prot,
                );
            }
        }
        // Next time this image maps from the cache.
        let layout: Vec<(u64, u64, u64)> = sections
            .iter()
            .map(|s| {
                let (vsize, raw_size) = (
                    s.virtual_size.get(LE) as u64,
                    s.size_of_raw_data.get(LE) as u64,
                );
                let n = if vsize == 0 {
                    raw_size
                } else {
                    vsize.min(raw_size)
                };
                (
                    s.virtual_address.get(LE) as u64,
                    s.pointer_to_raw_data.get(LE) as u64,
                    n,
                )
            })
            .collect();
        super::image_cache::store(fd, size_of_image, &data[..headers_size as usize], &layout);
    }
    map.insert(
        base,
        Vad {
            base,
            size: size_of_image,
            kind: MEM_IMAGE,
            allocation_protect: PAGE_EXECUTE_WRITECOPY,
            pages,
            secured: false,
        },
    );
    Ok(ImageInfo {
        base,
        size: size_of_image,
        preferred_base: preferred,
        entry_rva: opt.address_of_entry_point.get(LE),
        stack_reserve: opt.size_of_stack_reserve.get(LE),
        stack_commit: opt.size_of_stack_commit.get(LE),
        subsystem: opt.subsystem.get(LE),
        subsystem_major: opt.major_subsystem_version.get(LE),
        subsystem_minor: opt.minor_subsystem_version.get(LE),
        characteristics: nt.file_header.characteristics.get(LE),
    })
}
