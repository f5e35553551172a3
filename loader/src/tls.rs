//! Static TLS of images (`_tls_index`, gs:[0x58]) and TLS callbacks.

use crate::image::{Mapped, TlsDirectory};
use crate::ldr_data;
use std::sync::Mutex;
use syscalls::nt::teb;

/// An image's static TLS: its index and its template.
#[derive(Clone, Copy, Debug)]
pub struct ImageTls {
    pub index: u32,
    pub template_start: u64,
    pub template_size: u64,
    pub zero_fill: u32,
}

/// Every image with static TLS, by index.
static IMAGES: Mutex<Vec<ImageTls>> = Mutex::new(Vec::new());

/// Slots in each thread's ThreadLocalStoragePointer array.
const MAX_TLS_IMAGES: usize = 64;

/// Assigns the image a TLS index, writes it to the image's `_tls_index` and
/// gives the calling thread its copy of the template.
pub fn register_image(image: Mapped, dir: TlsDirectory) -> Result<ImageTls, String> {
    if dir.end < dir.start
        || (dir.start != 0 && (!image.contains(dir.start) || dir.end > image.base + image.size))
    {
        return Err("TLS template outside the image".into());
    }
    if !image.contains(dir.index_address) || dir.index_address + 4 > image.base + image.size {
        return Err("TLS index address outside the image".into());
    }
    let mut images = IMAGES.lock().unwrap_or_else(|e| e.into_inner());
    if images.len() >= MAX_TLS_IMAGES {
        return Err("too many images with static TLS".into());
    }
    let t = ImageTls {
        index: images.len() as u32,
        template_start: dir.start,
        template_size: dir.end - dir.start,
        zero_fill: dir.zero_fill,
    };
    images.push(t);
    drop(images);
    let rva = dir.index_address - image.base;
    crate::ldr::with_writable_range("TLS index", image, rva, rva + 4, || {
        // SAFETY: the index address lies inside the image (checked above)
        // and is writable for the duration of this closure.
        unsafe { core::ptr::write_unaligned(dir.index_address as *mut u32, t.index) };
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    give_thread_block(t);
    Ok(t)
}

/// The calling thread's ThreadLocalStoragePointer array, created on demand.
fn thread_array() -> u64 {
    let teb_base = syscalls::nt::current_teb();
    let slot = (teb_base + teb::THREAD_LOCAL_STORAGE_POINTER as u64) as *mut u64;
    // SAFETY: the TEB is the calling thread's.
    unsafe {
        if *slot == 0 {
            *slot = ldr_data::alloc(MAX_TLS_IMAGES * 8);
        }
        *slot
    }
}

fn give_thread_block(t: ImageTls) {
    let array = thread_array();
    let size = (t.template_size + t.zero_fill as u64) as usize;
    let block = ldr_data::alloc(size.max(8));
    if array == 0 || block == 0 {
        return;
    }
    // SAFETY: the template lies inside a mapped image; block is fresh guest
    // memory of `size` bytes (zeroed, so the zero fill is already there).
    unsafe {
        core::ptr::copy_nonoverlapping(
            t.template_start as *const u8,
            block as *mut u8,
            t.template_size as usize,
        );
        *((array + 8 * t.index as u64) as *mut u64) = block;
    }
}

/// Gives a new thread its copy of every image's TLS (thread attach).
pub fn initialize_thread() {
    let images = IMAGES.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for t in images {
        give_thread_block(t);
    }
}

/// Calls the image's TLS callbacks with `reason`.
pub fn run_callbacks(image: Mapped, reason: u32) {
    let Ok(Some(dir)) = image.tls() else { return };
    if dir.callbacks == 0 || !image.contains(dir.callbacks) {
        return;
    }
    for i in 0..1024u64 {
        let Ok(cb) = image.u64(dir.callbacks - image.base + 8 * i) else {
            return;
        };
        if cb == 0 {
            return;
        }
        if !image.contains(cb) {
            log::warn!(target: "loader", "TLS callback {cb:#x} outside the image; skipped");
            return;
        }
        log::debug!(target: "loader", "TLS callback {cb:#x} (reason {reason})");
        // SAFETY: a TLS callback of a mapped image, PIMAGE_TLS_CALLBACK
        // signature in the Windows x64 convention.
        let f: extern "win64" fn(u64, u32, u64) = unsafe { core::mem::transmute(cb) };
        f(image.base, reason, 0);
    }
}
