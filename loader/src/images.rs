//! Where each loaded image lies, for code that must map an address to its
//! image at any moment: exception dispatch and unwinding (which run inside
//! DllMain, under the loader lock, and on every thread at once) and crash
//! reports. A reader-writer lock of its own, so lookups never wait on the
//! loader.

use std::sync::RwLock;

/// One loaded image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRange {
    pub base: u64,
    pub size: u64,
    /// Lower-case base name (`kernel32.dll`).
    pub name: String,
    /// Full DOS path.
    pub path: String,
}

static IMAGES: RwLock<Vec<ImageRange>> = RwLock::new(Vec::new());

pub(crate) fn register(range: ImageRange) {
    IMAGES
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .push(range);
}

pub(crate) fn unregister(base: u64) {
    IMAGES
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|r| r.base != base);
}

/// The image containing `address`.
pub fn image_at(address: u64) -> Option<ImageRange> {
    IMAGES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|r| address >= r.base && address - r.base < r.size)
        .cloned()
}

/// Base and size of the image containing `address`, without copying names.
pub fn image_bounds(address: u64) -> Option<(u64, u64)> {
    IMAGES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|r| address >= r.base && address - r.base < r.size)
        .map(|r| (r.base, r.size))
}
