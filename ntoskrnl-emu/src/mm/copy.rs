//! NtReadVirtualMemory, NtWriteVirtualMemory, NtFlushInstructionCache.
//!
//! Copies go a page at a time through the fault-safe user-memory routines,
//! so a range that is only partly accessible copies what it can and
//! reports STATUS_PARTIAL_COPY with the count, as Windows does, and a
//! program can use ReadProcessMemory(GetCurrentProcess()) as a safe read.

use super::*;
use syscalls::*;

const STATUS_PARTIAL_COPY: NtStatus = NtStatus(0x8000_000D);

/// Copies `len` bytes from `src` to `dst` (both guest addresses) page by
/// page; returns the bytes copied and whether the source (true) or the
/// destination (false) stopped it.
fn copy(dst: u64, src: u64, len: u64) -> (u64, Option<bool>) {
    let mut done = 0u64;
    let mut buf = vec![0u8; PAGE_SIZE as usize];
    while done < len {
        let at = src + done;
        let n = (PAGE_SIZE - at % PAGE_SIZE).min(len - done) as usize;
        // Demand-paged image pages are filled before they are read.
        super::lazy::fill_range(
            round_down(at, PAGE_SIZE),
            round_up(at + n as u64, PAGE_SIZE),
        );
        if user::read_into(at, &mut buf[..n]).is_err() {
            return (done, Some(true));
        }
        if user::write_from(dst + done, &buf[..n]).is_err() {
            return (done, Some(false));
        }
        done += n as u64;
    }
    (done, None)
}

fn transfer(a: &Args, reading: bool) -> NtStatus {
    let (address, buffer, len, done_ptr) = (a[1], a[2], a[3], a[4]);
    let run = || -> NtResult<NtStatus> {
        super::virt::check_process(a[0])?;
        if address.checked_add(len).is_none() || buffer.checked_add(len).is_none() {
            return Err(STATUS_ACCESS_VIOLATION);
        }
        let (dst, src) = if reading {
            (buffer, address)
        } else {
            (address, buffer)
        };
        let (done, stopped) = copy(dst, src, len);
        user::write_opt(done_ptr, &done)?;
        // The process's memory stopping the copy is a partial copy; the
        // caller's own buffer being bad is an access violation.
        Ok(match stopped {
            None => STATUS_SUCCESS,
            Some(at_source) if at_source == reading => STATUS_PARTIAL_COPY,
            Some(_) => STATUS_ACCESS_VIOLATION,
        })
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtReadVirtualMemory(ProcessHandle, BaseAddress, Buffer,
/// NumberOfBytesToRead, NumberOfBytesRead).
pub fn NtReadVirtualMemory(a: &Args) -> NtStatus {
    transfer(a, true)
}

/// Implements NtWriteVirtualMemory(ProcessHandle, BaseAddress, Buffer,
/// NumberOfBytesToWrite, NumberOfBytesWritten).
pub fn NtWriteVirtualMemory(a: &Args) -> NtStatus {
    transfer(a, false)
}

/// Implements NtFlushInstructionCache(ProcessHandle, BaseAddress, Length).
/// x86-64 keeps instruction caches coherent with data writes (self- and
/// cross-modifying code need no flush on the same address space), so after
/// checking the process there is nothing to do.
pub fn NtFlushInstructionCache(a: &Args) -> NtStatus {
    NtStatus::from_result(super::virt::check_process(a[0]))
}
