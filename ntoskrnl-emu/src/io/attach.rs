//! What the I/O manager keeps beside a file object that the file object
//! itself does not carry: its completion port association, its completion
//! notification modes, and the named-pipe end it is.
//!
//! Entries are keyed by the file object's address and hold a weak
//! reference to it: the weak reference keeps the allocation (so the
//! address cannot be reused by another file object while the entry
//! exists), and entries whose file object is gone are dropped on the next
//! insertion.

use super::completion::IoCompletion;
use super::pipe::PipeEnd;
use super::FileObject;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// FILE_SKIP_COMPLETION_PORT_ON_SUCCESS.
pub const FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: u32 = 0x1;
/// FILE_SKIP_SET_EVENT_ON_HANDLE.
pub const FILE_SKIP_SET_EVENT_ON_HANDLE: u32 = 0x2;
/// FILE_SKIP_SET_USER_EVENT_ON_FAST_IO.
pub const FILE_SKIP_SET_USER_EVENT_ON_FAST_IO: u32 = 0x4;

#[derive(Default)]
pub struct FileExt {
    /// FileCompletionInformation: the port and the key of its packets.
    pub completion: Mutex<Option<(Arc<IoCompletion>, u64)>>,
    /// FileIoCompletionNotificationInformation flags.
    pub notification: AtomicU32,
    /// Set once when the file object is a named-pipe end.
    pub pipe: OnceLock<Arc<PipeEnd>>,
    /// Set when the file object is the named-pipe file system's root
    /// (`\Device\NamedPipe\`), which FSCTL_PIPE_WAIT is sent to.
    pub pipe_root: OnceLock<()>,
}

/// Hashes the table's keys, addresses, with one multiplication (they
/// are unique and not chosen by anyone; SipHash buys nothing here).
#[derive(Default, Clone, Copy)]
pub struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64 >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Table =
    HashMap<usize, (Weak<FileObject>, Arc<FileExt>), std::hash::BuildHasherDefault<AddressHasher>>;

static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
/// Entries in the table: lookups of a table that never had one are free.
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn table() -> std::sync::MutexGuard<'static, Table> {
    TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

fn key(file: &Arc<FileObject>) -> usize {
    Arc::as_ptr(file) as usize
}

/// The extension of a file object, if it has one.
pub fn get(file: &Arc<FileObject>) -> Option<Arc<FileExt>> {
    if COUNT.load(Ordering::Acquire) == 0 {
        return None;
    }
    table().get(&key(file)).map(|(_, ext)| ext.clone())
}

/// The extension of a file object, created empty when it has none.
pub fn get_or_create(file: &Arc<FileObject>) -> Arc<FileExt> {
    let mut t = table();
    if let Some((_, ext)) = t.get(&key(file)) {
        return ext.clone();
    }
    t.retain(|_, (weak, _)| weak.strong_count() > 0);
    let ext = Arc::new(FileExt::default());
    t.insert(key(file), (Arc::downgrade(file), ext.clone()));
    COUNT.store(t.len(), Ordering::Release);
    ext
}

/// The pipe end a file object is, if it is one.
pub fn pipe_of(file: &Arc<FileObject>) -> Option<Arc<PipeEnd>> {
    get(file).and_then(|e| e.pipe.get().cloned())
}
