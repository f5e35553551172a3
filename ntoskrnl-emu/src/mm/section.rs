//! Sections and views: NtCreateSection, NtOpenSection, NtMapViewOfSection,
//! NtUnmapViewOfSection, NtFlushVirtualMemory.
//!
//! A data section is backed by a file (views are shared mappings of the
//! host file, so they are coherent with each other, with the file and with
//! every handle's reads and writes) or by the paging file (a memfd, shared
//! by every view, named or not). SEC_IMAGE sections map through `image`,
//! the one path every PE image takes.

use super::vad::{self, Vad};
use super::*;
use crate::io::FileObject;
use crate::ob;
use std::collections::BTreeMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};
use syscalls::*;

pub use super::image::{map_image, ImageInfo, STATUS_INVALID_IMAGE_NOT_MZ};

pub const SEC_FILE: u32 = 0x0080_0000;
pub const SEC_IMAGE: u32 = 0x0100_0000;
pub const SEC_RESERVE: u32 = 0x0400_0000;
pub const SEC_COMMIT: u32 = 0x0800_0000;
pub const SEC_NOCACHE: u32 = 0x1000_0000;
pub const SEC_WRITECOMBINE: u32 = 0x4000_0000;
pub const SEC_LARGE_PAGES: u32 = 0x8000_0000;
/// SEC_IMAGE_NO_EXECUTE is SEC_IMAGE | SEC_NOCACHE.
const SEC_KNOWN: u32 = SEC_FILE
    | SEC_IMAGE
    | SEC_RESERVE
    | SEC_COMMIT
    | SEC_NOCACHE
    | SEC_WRITECOMBINE
    | SEC_LARGE_PAGES;

// Section access rights (winnt.h).
pub const SECTION_QUERY: u32 = 0x1;
pub const SECTION_MAP_WRITE: u32 = 0x2;
pub const SECTION_MAP_READ: u32 = 0x4;
pub const SECTION_MAP_EXECUTE: u32 = 0x8;

const FILE_READ_DATA: u32 = 0x1;
const FILE_WRITE_DATA: u32 = 0x2;

const STATUS_SECTION_TOO_BIG: NtStatus = NtStatus(0xC000_0040);
const STATUS_SECTION_PROTECTION: NtStatus = NtStatus(0xC000_004E);
const STATUS_NOT_MAPPED_VIEW: NtStatus = NtStatus(0xC000_0019);
const STATUS_NOT_MAPPED_DATA: NtStatus = NtStatus(0xC000_0088);
const STATUS_MAPPED_FILE_SIZE_ZERO: NtStatus = NtStatus(0xC000_011E);
const STATUS_MAPPED_ALIGNMENT: NtStatus = NtStatus(0xC000_0220);
const STATUS_INVALID_FILE_FOR_SECTION: NtStatus = NtStatus(0xC000_0020);
const STATUS_INVALID_PARAMETER_9: NtStatus = NtStatus(0xC000_00F7);
const STATUS_PRIVILEGE_NOT_HELD: NtStatus = NtStatus(0xC000_0061);

enum Backing {
    File(Arc<FileObject>),
    /// Paging-file backed: shared anonymous memory.
    Memory(OwnedFd),
}

pub struct Section {
    backing: Backing,
    flags: u32,
    /// The section's size in bytes (the file's size for a data section of a
    /// file created with no maximum size).
    size: u64,
    /// The most a view may ask for (SectionPageProtection).
    protect: u32,
}
crate::object_type!(Section, "Section");

impl Section {
    fn fd(&self) -> i32 {
        match &self.backing {
            Backing::File(f) => f.raw(),
            Backing::Memory(fd) => fd.as_raw_fd(),
        }
    }
}

/// The data views of this process, by base address: which section each
/// shows. Locked after the VAD tree when both are.
static VIEWS: Mutex<BTreeMap<u64, Arc<Section>>> = Mutex::new(BTreeMap::new());

fn views() -> std::sync::MutexGuard<'static, BTreeMap<u64, Arc<Section>>> {
    VIEWS.lock().unwrap_or_else(|e| e.into_inner())
}

fn is_write(p: u32) -> bool {
    matches!(p & 0xFF, PAGE_READWRITE | PAGE_EXECUTE_READWRITE)
}
fn is_execute(p: u32) -> bool {
    matches!(
        p & 0xFF,
        PAGE_EXECUTE | PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY
    )
}

/// May a view of a section created with `section` protection use `view`?
/// Copy-on-write and read-only views fit any section; writing needs a
/// writable section, executing an executable one.
fn compatible(section: u32, view: u32) -> bool {
    (!is_write(view) || is_write(section)) && (!is_execute(view) || is_execute(section))
}

/// May a page of view VAD `v` take protection `new` (NtProtectVirtualMemory)?
pub fn view_allows(v: &Vad, new: u32) -> bool {
    views()
        .get(&v.base)
        .is_none_or(|s| compatible(s.protect, new))
}

/// The section access a view protection needs.
fn map_access(protect: u32) -> u32 {
    let mut access = SECTION_MAP_READ;
    if is_write(protect) {
        access |= SECTION_MAP_WRITE;
    }
    if is_execute(protect) {
        access |= SECTION_MAP_EXECUTE;
    }
    access
}

fn file_size(fd: i32) -> NtResult<(u64, bool)> {
    // SAFETY: fstat into a zeroed struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(crate::io::status_from_errno(crate::io::last_errno()));
    }
    Ok((
        st.st_size.max(0) as u64,
        st.st_mode & libc::S_IFMT == libc::S_IFREG,
    ))
}

fn memory_backing(size: u64) -> NtResult<OwnedFd> {
    // SAFETY: memfd_create with a static name; the descriptor is ours.
    let fd = unsafe { libc::memfd_create(c"casement-section".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(STATUS_INSUFFICIENT_RESOURCES);
    }
    // SAFETY: a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: sizing our own memfd; its pages are allocated on first touch.
    if unsafe { libc::ftruncate(fd.as_raw_fd(), size as i64) } != 0 {
        return Err(STATUS_SECTION_TOO_BIG);
    }
    Ok(fd)
}

/// Implements NtCreateSection(SectionHandle, DesiredAccess, ObjectAttributes,
/// MaximumSize, SectionPageProtection, AllocationAttributes, FileHandle).
pub fn NtCreateSection(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let (protect, flags) = (a[4] as u32, a[5] as u32);
        if !matches!(
            protect,
            PAGE_READONLY
                | PAGE_READWRITE
                | PAGE_WRITECOPY
                | PAGE_EXECUTE_READ
                | PAGE_EXECUTE_READWRITE
                | PAGE_EXECUTE_WRITECOPY
        ) {
            return Err(STATUS_INVALID_PAGE_PROTECTION);
        }
        let kind = flags & (SEC_IMAGE | SEC_COMMIT | SEC_RESERVE);
        if flags & !SEC_KNOWN != 0 || kind.count_ones() != 1 {
            return Err(STATUS_INVALID_PARAMETER_6);
        }
        if flags & SEC_LARGE_PAGES != 0 {
            return Err(STATUS_PRIVILEGE_NOT_HELD);
        }
        let max: u64 = if a[3] != 0 { user::read(a[3])? } else { 0 };
        ob::create::probe_handle(a[0])?;
        let section = if a[6] != 0 {
            let file = ob::reference_typed::<FileObject>(a[6])?;
            let (size, regular) = file_size(file.raw())?;
            if !regular {
                return Err(STATUS_INVALID_FILE_FOR_SECTION);
            }
            let need = if is_write(protect) {
                FILE_READ_DATA | FILE_WRITE_DATA
            } else {
                FILE_READ_DATA
            };
            if file.access & need != need {
                return Err(STATUS_ACCESS_DENIED);
            }
            let size = if kind == SEC_IMAGE {
                size
            } else if max == 0 {
                if size == 0 {
                    return Err(STATUS_MAPPED_FILE_SIZE_ZERO);
                }
                size
            } else {
                if max > size {
                    // A writable section grows its file (CreateFileMapping).
                    if !is_write(protect) {
                        return Err(STATUS_SECTION_TOO_BIG);
                    }
                    // SAFETY: extending a file the handle may write.
                    if unsafe { libc::ftruncate(file.raw(), max as i64) } != 0 {
                        return Err(crate::io::status_from_errno(crate::io::last_errno()));
                    }
                }
                max
            };
            Section {
                backing: Backing::File(file),
                flags,
                size,
                protect,
            }
        } else {
            if kind == SEC_IMAGE {
                return Err(STATUS_INVALID_FILE_FOR_SECTION);
            }
            if max == 0 {
                return Err(STATUS_INVALID_PARAMETER_4);
            }
            if max > HIGHEST_ADDRESS {
                return Err(STATUS_SECTION_TOO_BIG);
            }
            Section {
                backing: Backing::Memory(memory_backing(max)?),
                flags,
                size: max,
                protect,
            }
        };
        ob::create::create_object(a[0], a[2], a[1] as u32, Arc::new(section))
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtOpenSection(SectionHandle, DesiredAccess, ObjectAttributes).
pub fn NtOpenSection(a: &Args) -> NtStatus {
    NtStatus::from_result(ob::create::open_object::<Section>(a[0], a[2], a[1] as u32))
}

/// Implements NtMapViewOfSection(SectionHandle, ProcessHandle, *BaseAddress,
/// ZeroBits, CommitSize, SectionOffset, *ViewSize, InheritDisposition,
/// AllocationType, Win32Protect).
pub fn NtMapViewOfSection(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let protect = a[9] as u32;
        let section = ob::handle::reference_typed_access::<Section>(a[0], map_access(protect))?;
        super::virt::check_process(a[1])?;
        let requested: u64 = user::read(a[2])?;
        let mut view: u64 = user::read(a[6])?;
        if section.flags & SEC_IMAGE != 0 {
            let Backing::File(file) = &section.backing else {
                return Err(STATUS_INVALID_FILE_FOR_SECTION);
            };
            let info = map_image(file.raw())?;
            user::write(a[2], &info.base)?;
            user::write(a[6], &info.size)?;
            return Ok(if info.base == info.preferred_base {
                STATUS_SUCCESS
            } else {
                STATUS_IMAGE_NOT_AT_BASE
            });
        }
        host_protection(protect)?;
        if !compatible(section.protect, protect) {
            return Err(STATUS_SECTION_PROTECTION);
        }
        if (a[8] as u32) & !(MEM_TOP_DOWN | MEM_RESERVE) != 0 {
            return Err(STATUS_INVALID_PARAMETER_9);
        }
        let offset: u64 = if a[5] != 0 { user::read(a[5])? } else { 0 };
        if !offset.is_multiple_of(ALLOCATION_GRANULARITY)
            || !requested.is_multiple_of(ALLOCATION_GRANULARITY)
        {
            return Err(STATUS_MAPPED_ALIGNMENT);
        }
        if offset >= section.size {
            return Err(STATUS_INVALID_VIEW_SIZE);
        }
        if view == 0 {
            view = section.size - offset;
        }
        if view > section.size - offset {
            return Err(STATUS_INVALID_VIEW_SIZE);
        }
        let len = round_up(view, PAGE_SIZE);
        let copy_on_write = matches!(protect & 0xFF, PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY);
        // Views of a SEC_RESERVE section start reserved; VirtualAlloc
        // commits their pages.
        let reserved = section.flags & SEC_RESERVE != 0;
        let prot = if reserved {
            libc::PROT_NONE
        } else {
            host_protection(protect)?
        };
        let mut map = vad::lock();
        let base = if requested != 0 {
            if requested < LOWEST_ADDRESS
                || requested.saturating_add(len) > HIGHEST_ADDRESS + 1
                || !vad::is_free(&map, requested, len)
                || !vad::host_reserve(requested, len)
            {
                return Err(STATUS_CONFLICTING_ADDRESSES);
            }
            requested
        } else {
            let top_down = (a[8] as u32) & MEM_TOP_DOWN != 0;
            let from = if top_down {
                HIGHEST_ADDRESS + 1
            } else {
                LOWEST_ADDRESS
            };
            vad::find_and_reserve(&map, len, from, top_down).ok_or(STATUS_NO_MEMORY)?
        };
        let share = if copy_on_write {
            libc::MAP_PRIVATE
        } else {
            libc::MAP_SHARED
        };
        // SAFETY: replaces our own reservation at base with the view.
        let p = unsafe {
            libc::mmap(
                base as *mut libc::c_void,
                len as usize,
                prot,
                libc::MAP_FIXED | share,
                section.fd(),
                offset as i64,
            )
        };
        if p == libc::MAP_FAILED {
            let status = crate::io::status_from_errno(crate::io::last_errno());
            // Releasing our own reservation.
            vad::host_unmap(base, len);
            return Err(status);
        }
        map.insert(
            base,
            Vad {
                base,
                size: len,
                kind: MEM_MAPPED,
                allocation_protect: protect,
                pages: vec![if reserved { 0 } else { protect }; (len / PAGE_SIZE) as usize],
                secured: false,
            },
        );
        views().insert(base, section.clone());
        drop(map);
        let written = user::write(a[2], &base).and_then(|_| user::write(a[6], &len));
        if let Err(e) = written {
            unmap(base)?;
            return Err(e);
        }
        Ok(STATUS_SUCCESS)
    };
    run().unwrap_or_else(|e| e)
}

/// Unmaps the view (data or image) containing `addr`.
pub fn unmap(addr: u64) -> NtResult<()> {
    let mut map = vad::lock();
    let v = vad::find(&map, addr).ok_or(STATUS_NOT_MAPPED_VIEW)?;
    if v.kind == MEM_PRIVATE {
        return Err(STATUS_NOT_MAPPED_VIEW);
    }
    let (base, size) = (v.base, v.size);
    map.remove(&base);
    views().remove(&base);
    super::lazy::forget(base, base + size);
    // The view was ours; nothing refers to it any more.
    vad::host_unmap(base, size);
    Ok(())
}

/// Implements NtUnmapViewOfSection(ProcessHandle, BaseAddress): any address
/// inside the view names it.
pub fn NtUnmapViewOfSection(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        super::virt::check_process(a[0])?;
        unmap(a[1])
    };
    NtStatus::from_result(run())
}

/// Implements NtFlushVirtualMemory(ProcessHandle, *BaseAddress, *RegionSize,
/// IoStatusBlock): writes the modified pages of a view back to its file.
/// Size 0 flushes to the end of the view.
pub fn NtFlushVirtualMemory(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        super::virt::check_process(a[0])?;
        let base: u64 = user::read(a[1])?;
        let size: u64 = user::read(a[2])?;
        let (start, end) = {
            let map = vad::lock();
            let v = vad::find(&map, base).ok_or(STATUS_NOT_MAPPED_VIEW)?;
            if v.kind != MEM_MAPPED {
                return Err(STATUS_NOT_MAPPED_DATA);
            }
            let start = round_down(base, PAGE_SIZE);
            let end = if size == 0 {
                v.end()
            } else {
                round_up(base.saturating_add(size), PAGE_SIZE).min(v.end())
            };
            (start, end)
        };
        // SAFETY: a range of one of our views.
        if unsafe {
            libc::msync(
                start as *mut libc::c_void,
                (end - start) as usize,
                libc::MS_SYNC,
            )
        } != 0
        {
            return Err(crate::io::status_from_errno(crate::io::last_errno()));
        }
        user::write(a[3], &[0u64, 0u64])?;
        user::write(a[1], &start)?;
        user::write(a[2], &(end - start))
    };
    NtStatus::from_result(run())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_protections() {
        assert!(compatible(PAGE_READONLY, PAGE_WRITECOPY));
        assert!(!compatible(PAGE_READONLY, PAGE_READWRITE));
        assert!(compatible(PAGE_READWRITE, PAGE_READWRITE));
        assert!(!compatible(PAGE_READWRITE, PAGE_EXECUTE_READ));
        assert!(compatible(PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_READ));
    }
}
