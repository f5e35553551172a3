//! I/O completion ports: NtCreateIoCompletion, NtSetIoCompletion,
//! NtRemoveIoCompletion, NtRemoveIoCompletionEx.
//!
//! A port is a queue of completion packets (key, APC context — the
//! OVERLAPPED pointer for Win32 — status, information) and a futex word
//! bumped by every packet. Threads that remove packets sleep on that word;
//! an alertable removal also watches the thread's APC queue. Packets come
//! from completed requests of files associated with the port (see
//! `irp::complete`) and from NtSetIoCompletion (PostQueuedCompletionStatus).

use crate::ke::wait::{wait_multiple_alertable, wait_single, Deadline};
use crate::ke::{futex, Waitable};
use crate::ob;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use syscalls::*;

/// IO_COMPLETION_MODIFY_STATE and IO_COMPLETION_ALL_ACCESS.
pub const IO_COMPLETION_MODIFY_STATE: u32 = 0x2;
pub const IO_COMPLETION_ALL_ACCESS: u32 = 0x1F_0003;

/// One completion packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    pub key: u64,
    pub apc_context: u64,
    pub status: u32,
    pub information: u64,
}

pub struct IoCompletion {
    queue: Mutex<VecDeque<Packet>>,
    /// Bumped by every queued packet; removers sleep on it.
    word: AtomicU32,
    /// NumberOfConcurrentThreads as given (recorded; every waiting thread
    /// may take a packet).
    pub concurrency: u32,
}
crate::object_type!(IoCompletion, "IoCompletion", waitable);

impl IoCompletion {
    pub fn new(concurrency: u32) -> IoCompletion {
        IoCompletion {
            queue: Mutex::new(VecDeque::new()),
            word: AtomicU32::new(0),
            concurrency,
        }
    }

    /// KeInsertQueue: queues a packet and wakes one remover.
    pub fn post(&self, packet: Packet) {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(packet);
        self.word.fetch_add(1, Ordering::Release);
        futex::wake(&self.word, 1);
    }

    fn pop(&self, max: usize) -> Vec<Packet> {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let n = max.min(q.len());
        q.drain(..n).collect()
    }

    pub fn len(&self) -> usize {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// KeRemoveQueue: up to `max` packets, waiting until the deadline for
    /// the first. Err(STATUS_TIMEOUT) when none came, Err(STATUS_USER_APC)
    /// when an alertable wait was ended by an APC (which has run).
    pub fn remove(
        &self,
        max: usize,
        deadline: &Deadline,
        alertable: bool,
    ) -> NtResult<Vec<Packet>> {
        let thread = if alertable {
            crate::ps::current_thread()
        } else {
            None
        };
        loop {
            let got = self.pop(max);
            if !got.is_empty() {
                return Ok(got);
            }
            let status = match &thread {
                Some(t) => {
                    let s = wait_multiple_alertable(&[self], false, deadline, Some(&t.apcs));
                    if s == STATUS_USER_APC {
                        crate::ps::apc::deliver(t);
                    }
                    s
                }
                None => wait_single(self, deadline),
            };
            match status {
                STATUS_SUCCESS => continue,
                s => {
                    // A packet may have come just as the wait timed out.
                    let got = self.pop(max);
                    if !got.is_empty() && s == STATUS_TIMEOUT {
                        return Ok(got);
                    }
                    if !got.is_empty() {
                        // Put them back in front: the APC ended the wait.
                        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                        for p in got.into_iter().rev() {
                            q.push_front(p);
                        }
                    }
                    return Err(s);
                }
            }
        }
    }
}

impl Waitable for IoCompletion {
    fn futex(&self) -> &AtomicU32 {
        &self.word
    }
    /// A port is signalled while it holds packets; waiting does not take
    /// one (NtRemoveIoCompletion does).
    fn try_acquire(&self) -> bool {
        !self.is_empty()
    }
}

/// Implements NtCreateIoCompletion(IoCompletionHandle, DesiredAccess,
/// ObjectAttributes, NumberOfConcurrentThreads).
pub fn NtCreateIoCompletion(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let port = Arc::new(IoCompletion::new(a[3] as u32));
        ob::create::create_object(a[0], a[2], a[1] as u32, port)
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtSetIoCompletion(IoCompletionHandle, KeyContext,
/// ApcContext, IoStatus, IoStatusInformation).
pub fn NtSetIoCompletion(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let port = ob::reference_typed::<IoCompletion>(a[0])?;
        port.post(Packet {
            key: a[1],
            apc_context: a[2],
            status: a[3] as u32,
            information: a[4],
        });
        Ok(())
    };
    NtStatus::from_result(run())
}

/// Implements NtRemoveIoCompletion(IoCompletionHandle, KeyContext,
/// ApcContext, IoStatusBlock, Timeout).
pub fn NtRemoveIoCompletion(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let port = ob::reference_typed::<IoCompletion>(a[0])?;
        // Probe the out-parameters first: a bad pointer takes no packet.
        user::write(a[1], &0u64)?;
        user::write(a[2], &0u64)?;
        user::write(a[3], &[0u64; 2])?;
        let deadline = Deadline::from_user(a[4])?;
        let p = match port.remove(1, &deadline, false) {
            Ok(p) => p[0],
            Err(s) => return Ok(s),
        };
        user::write(a[1], &p.key)?;
        user::write(a[2], &p.apc_context)?;
        user::write(a[3], &[p.status as u64, p.information])?;
        Ok(STATUS_SUCCESS)
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtRemoveIoCompletionEx(IoCompletionHandle,
/// IoCompletionInformation, Count, NumEntriesRemoved, Timeout, Alertable):
/// FILE_IO_COMPLETION_INFORMATION is { KeyContext, ApcContext,
/// IO_STATUS_BLOCK } (32 bytes).
pub fn NtRemoveIoCompletionEx(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let port = ob::reference_typed::<IoCompletion>(a[0])?;
        let count = a[2] as u32 as usize;
        if count == 0 {
            return Err(STATUS_INVALID_PARAMETER);
        }
        // Probe the first entry and the count: a bad pointer takes nothing.
        user::write(a[1], &[0u64; 4])?;
        user::write(a[3], &0u32)?;
        let deadline = Deadline::from_user(a[4])?;
        let got = match port.remove(count, &deadline, a[5] as u8 != 0) {
            Ok(p) => p,
            Err(s) => return Ok(s),
        };
        for (i, p) in got.iter().enumerate() {
            let entry: [u64; 4] = [p.key, p.apc_context, p.status as u64, p.information];
            user::write(a[1] + 32 * i as u64, &entry)?;
        }
        user::write(a[3], &(got.len() as u32))?;
        Ok(STATUS_SUCCESS)
    };
    run().unwrap_or_else(|e| e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn soon(ms: u64) -> Deadline {
        Deadline::At(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn packets_come_out_in_order() {
        let port = IoCompletion::new(0);
        for k in 1..=3 {
            port.post(Packet {
                key: k,
                apc_context: 0,
                status: 0,
                information: k * 10,
            });
        }
        let got = port.remove(2, &soon(0), false).unwrap();
        assert_eq!(got.iter().map(|p| p.key).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(port.remove(8, &soon(0), false).unwrap()[0].information, 30);
        assert_eq!(port.remove(1, &soon(10), false), Err(STATUS_TIMEOUT));
    }

    #[test]
    fn a_post_from_another_thread_wakes_a_remover() {
        let port = Arc::new(IoCompletion::new(0));
        let poster = {
            let port = port.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                port.post(Packet {
                    key: 7,
                    apc_context: 8,
                    status: 0,
                    information: 9,
                });
            })
        };
        let got = port.remove(1, &soon(10_000), false).unwrap();
        assert_eq!(got[0].key, 7);
        poster.join().unwrap();
    }
}
