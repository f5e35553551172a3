//! The file object's event (FILE_OBJECT.Event): a notification event that
//! a request clears as it starts and sets when it completes without an
//! event of the caller's, so that a wait on the file handle waits for the
//! request ("Synchronization and Overlapped Input and Output").
//!
//! Every request passes here, the synchronous pipe reads and writes too,
//! and almost none has a thread waiting on its handle: setting the event
//! wakes the futex only when a waiter has said it sleeps on it (the
//! WAITERS bit), so the common case is one atomic operation, no system
//! call.

use crate::ke::{futex, Acquired, Waitable};
use std::sync::atomic::{AtomicU32, Ordering};

const SIGNALLED: u32 = 1;
/// A thread may be sleeping on the word: the next set must wake it.
const WAITERS: u32 = 2;

pub struct FileEvent {
    word: AtomicU32,
}

impl Default for FileEvent {
    fn default() -> Self {
        Self::new()
    }
}

impl FileEvent {
    /// Not signalled, as a file object's event starts.
    pub const fn new() -> FileEvent {
        FileEvent {
            word: AtomicU32::new(0),
        }
    }

    /// KeClearEvent: a request starts.
    pub fn clear(&self) {
        self.word.fetch_and(!SIGNALLED, Ordering::AcqRel);
    }

    /// KeSetEvent: a request completed.
    pub fn set(&self) {
        // Clearing WAITERS with the same operation: the waiters woken
        // re-announce themselves if they sleep again.
        let previous = self.word.swap(SIGNALLED, Ordering::AcqRel);
        if previous & WAITERS != 0 {
            futex::wake(&self.word, i32::MAX);
        }
    }

    pub fn is_set(&self) -> bool {
        self.word.load(Ordering::Acquire) & SIGNALLED != 0
    }

    /// Whether the event is set; when it is not, the caller is recorded as
    /// a waiter (it is about to sleep on the word). Returns the word's
    /// value the answer is based on.
    fn check_and_announce(&self) -> (bool, u32) {
        let v = self.word.load(Ordering::Acquire);
        if v & SIGNALLED != 0 {
            return (true, v);
        }
        let v = self.word.fetch_or(WAITERS, Ordering::AcqRel) | WAITERS;
        (v & SIGNALLED != 0, v)
    }
}

/// A wait does not consume the signal (a notification event).
impl Waitable for FileEvent {
    fn futex(&self) -> &AtomicU32 {
        &self.word
    }
    fn try_acquire(&self) -> bool {
        self.check_and_announce().0
    }
    fn acquire(&self, _since: u32) -> (Acquired, u32) {
        match self.check_and_announce() {
            (true, v) => (Acquired::Yes, v),
            (false, v) => (Acquired::No, v),
        }
    }
    fn is_signalled(&self) -> bool {
        // WaitAll looks before it sleeps: it counts as a waiter too.
        self.check_and_announce().0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ke::wait::{wait_multiple, wait_single, Deadline};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn after(ms: u64) -> Deadline {
        Deadline::At(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn a_wait_does_not_consume_the_signal_and_clear_resets_it() {
        let e = FileEvent::new();
        assert_eq!(wait_single(&e, &after(0)), syscalls::STATUS_TIMEOUT);
        e.set();
        assert_eq!(wait_single(&e, &after(0)), syscalls::STATUS_SUCCESS);
        assert_eq!(wait_single(&e, &after(0)), syscalls::STATUS_SUCCESS);
        e.clear();
        assert!(!e.is_set());
    }

    #[test]
    fn a_set_from_another_thread_wakes_single_and_multiple_waits() {
        use crate::ke::event::Event;
        use syscalls::{NtStatus, STATUS_SUCCESS};
        // 0: a single wait; 1: WaitAny beside an event never set; 2:
        // WaitAll beside an event already set.
        for kind in 0..3 {
            let e = Arc::new(FileEvent::new());
            let other = Event::new(false, kind == 2);
            let setter = {
                let e = e.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(50));
                    e.set();
                })
            };
            let w: [&dyn Waitable; 2] = [&other, &*e];
            let (status, expect) = match kind {
                0 => (wait_single(&*e, &after(10_000)), STATUS_SUCCESS),
                1 => (wait_multiple(&w, false, &after(10_000)), NtStatus(1)),
                _ => (wait_multiple(&w, true, &after(10_000)), STATUS_SUCCESS),
            };
            assert_eq!(status, expect, "wait kind {kind}");
            setter.join().unwrap();
        }
    }
}
