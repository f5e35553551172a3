//! User APCs: NtQueueApcThread, NtTestAlert, and their delivery in
//! alertable waits.
//!
//! Each thread has a queue of user APCs and a futex word bumped whenever
//! one is queued. An alertable wait watches that word beside its objects
//! (see `ke::wait`); when the wait ends because an APC is pending, the
//! thread runs every queued APC, in order, through the user-mode APC
//! dispatcher ntdll registered, and the wait returns STATUS_USER_APC — the
//! way NT delivers user APCs on the way back from an alertable wait.

use super::Thread;
use crate::ob;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;
use syscalls::*;

/// One queued user APC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserApc {
    pub routine: u64,
    pub args: [u64; 3],
}

/// A thread's user APC queue.
#[derive(Default)]
pub struct ApcQueue {
    /// Bumped by every queued APC; alertable waiters sleep on it.
    pub word: AtomicU32,
    /// Queued APCs (read without the lock by [`ApcQueue::pending`]).
    count: AtomicUsize,
    queue: Mutex<VecDeque<UserApc>>,
}

impl ApcQueue {
    pub fn push(&self, apc: UserApc) {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(apc);
        self.count.fetch_add(1, Ordering::Release);
        self.word.fetch_add(1, Ordering::Release);
        crate::ke::futex::wake(&self.word, i32::MAX);
    }

    pub fn pending(&self) -> bool {
        self.count.load(Ordering::Acquire) != 0
    }

    fn pop(&self) -> Option<UserApc> {
        let apc = self
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front();
        if apc.is_some() {
            self.count.fetch_sub(1, Ordering::Release);
        }
        apc
    }
}

impl crate::ke::Waitable for ApcQueue {
    fn futex(&self) -> &AtomicU32 {
        &self.word
    }
    /// An alertable wait is ended, not satisfied, by a pending APC: nothing
    /// is consumed here; [`deliver`] runs the queue afterwards.
    fn try_acquire(&self) -> bool {
        self.pending()
    }
}

/// Runs the calling thread's queued user APCs, oldest first, including any
/// queued while they run. Returns whether any ran.
pub fn deliver(thread: &Thread) -> bool {
    let Some(dispatch) = syscalls::upcall::user_apc_dispatcher() else {
        return false;
    };
    let mut ran = false;
    while let Some(apc) = thread.apcs.pop() {
        dispatch(apc.routine, apc.args[0], apc.args[1], apc.args[2]);
        ran = true;
    }
    ran
}

/// Implements NtQueueApcThread(ThreadHandle, ApcRoutine, ApcArgument1,
/// ApcArgument2, ApcArgument3).
pub fn NtQueueApcThread(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let thread = ob::reference_typed::<Thread>(a[0])?;
        super::child::local_only(&thread)?;
        if a[1] == 0 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        // A thread that has ended takes no more APCs.
        if thread.state.load(Ordering::Acquire) != 0 {
            return Err(STATUS_UNSUCCESSFUL);
        }
        thread.apcs.push(UserApc {
            routine: a[1],
            args: [a[2], a[3], a[4]],
        });
        Ok(())
    };
    NtStatus::from_result(run())
}

/// Implements NtTestAlert(): runs the calling thread's pending user APCs
/// (as NT does on the way back to user mode from this service).
pub fn NtTestAlert(_a: &Args) -> NtStatus {
    if let Some(t) = super::current_thread() {
        deliver(&t);
    }
    STATUS_SUCCESS
}
