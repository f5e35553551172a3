//! User-mode synchronization: critical sections and SRW locks.
//!
//! The uncontended paths never leave user mode. Contended waits park on a
//! host futex on the lock word itself — what NtWaitForAlertByThreadId does
//! for Windows' own ntdll — rather than on an executive object.

use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};

fn futex_wait(word: *const u32, expected: u32) {
    // SAFETY: FUTEX_WAIT on a valid aligned 32-bit word of a lock.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word,
            libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
            expected,
            0usize,
        )
    };
}

fn futex_wake(word: *const u32, n: i32) {
    // SAFETY: FUTEX_WAKE on a valid aligned 32-bit word.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word,
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            n,
        )
    };
}

fn current_thread_id() -> u64 {
    // SAFETY: TEB.ClientId.UniqueThread of the calling thread.
    unsafe { *((syscalls::nt::current_teb() + 0x48) as *const u64) }
}

/// RTL_CRITICAL_SECTION (40 bytes). LockCount is -1 when free, 0 when held,
/// 1 when held with (possible) waiters.
#[repr(C)]
pub struct CriticalSection {
    debug_info: AtomicU64,
    lock_count: AtomicI32,
    recursion_count: AtomicI32,
    owning_thread: AtomicU64,
    lock_semaphore: AtomicU64,
    spin_count: AtomicU64,
}

/// Implements RtlInitializeCriticalSection(CriticalSection).
pub extern "win64" fn RtlInitializeCriticalSection(cs: *mut CriticalSection) -> u32 {
    RtlInitializeCriticalSectionEx(cs, 0, 0)
}

/// Implements RtlInitializeCriticalSectionAndSpinCount.
pub extern "win64" fn RtlInitializeCriticalSectionAndSpinCount(
    cs: *mut CriticalSection,
    spin: u32,
) -> u32 {
    RtlInitializeCriticalSectionEx(cs, spin, 0)
}

/// Implements RtlInitializeCriticalSectionEx(CriticalSection, SpinCount, Flags).
pub extern "win64" fn RtlInitializeCriticalSectionEx(
    cs: *mut CriticalSection,
    spin: u32,
    _flags: u32,
) -> u32 {
    // SAFETY: the caller passes storage for a critical section.
    unsafe {
        core::ptr::write(
            cs,
            CriticalSection {
                // Windows leaves DebugInfo at -1 when it allocates none.
                debug_info: AtomicU64::new(u64::MAX),
                lock_count: AtomicI32::new(-1),
                recursion_count: AtomicI32::new(0),
                owning_thread: AtomicU64::new(0),
                lock_semaphore: AtomicU64::new(0),
                spin_count: AtomicU64::new((spin & 0x00FF_FFFF) as u64),
            },
        );
    }
    0
}

/// Implements RtlDeleteCriticalSection(CriticalSection).
pub extern "win64" fn RtlDeleteCriticalSection(cs: *mut CriticalSection) -> u32 {
    // SAFETY: the caller passes an initialized critical section.
    unsafe {
        (*cs).lock_count.store(-1, Ordering::Relaxed);
        (*cs).owning_thread.store(0, Ordering::Relaxed);
        (*cs).recursion_count.store(0, Ordering::Relaxed);
    }
    0
}

/// Implements RtlEnterCriticalSection(CriticalSection).
pub extern "win64" fn RtlEnterCriticalSection(cs: *mut CriticalSection) -> u32 {
    // SAFETY: the caller passes an initialized critical section.
    let cs = unsafe { &*cs };
    let me = current_thread_id();
    if cs.owning_thread.load(Ordering::Relaxed) == me {
        cs.recursion_count.fetch_add(1, Ordering::Relaxed);
        return 0;
    }
    if cs
        .lock_count
        .compare_exchange(-1, 0, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        let mut spins = cs.spin_count.load(Ordering::Relaxed);
        loop {
            if spins > 0 {
                spins -= 1;
                core::hint::spin_loop();
                if cs
                    .lock_count
                    .compare_exchange(-1, 0, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    break;
                }
                continue;
            }
            // Mark "held with waiters" and sleep until released.
            if cs.lock_count.swap(1, Ordering::Acquire) == -1 {
                break;
            }
            futex_wait(cs.lock_count.as_ptr() as *const u32, 1);
        }
    }
    cs.owning_thread.store(me, Ordering::Relaxed);
    cs.recursion_count.store(1, Ordering::Relaxed);
    0
}

/// Implements RtlTryEnterCriticalSection(CriticalSection).
pub extern "win64" fn RtlTryEnterCriticalSection(cs: *mut CriticalSection) -> u8 {
    // SAFETY: the caller passes an initialized critical section.
    let cs = unsafe { &*cs };
    let me = current_thread_id();
    if cs.owning_thread.load(Ordering::Relaxed) == me {
        cs.recursion_count.fetch_add(1, Ordering::Relaxed);
        return 1;
    }
    if cs
        .lock_count
        .compare_exchange(-1, 0, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
    {
        cs.owning_thread.store(me, Ordering::Relaxed);
        cs.recursion_count.store(1, Ordering::Relaxed);
        return 1;
    }
    0
}

/// Implements RtlLeaveCriticalSection(CriticalSection).
pub extern "win64" fn RtlLeaveCriticalSection(cs: *mut CriticalSection) -> u32 {
    // SAFETY: the caller passes an initialized critical section it owns.
    let cs = unsafe { &*cs };
    if cs.recursion_count.fetch_sub(1, Ordering::Relaxed) > 1 {
        return 0;
    }
    cs.owning_thread.store(0, Ordering::Relaxed);
    if cs.lock_count.swap(-1, Ordering::Release) > 0 {
        futex_wake(cs.lock_count.as_ptr() as *const u32, 1);
    }
    0
}

/// SRW lock word (the low 32 bits of the pointer-sized lock): bit 31 =
/// exclusive owner, bit 30 = waiters, bits 0..30 = shared owners.
const EXCLUSIVE: u32 = 0x8000_0000;
const WAITERS: u32 = 0x4000_0000;
const SHARED_MASK: u32 = 0x3FFF_FFFF;

fn srw(lock: *mut u64) -> &'static AtomicU32 {
    // SAFETY: an SRWLOCK is a pointer-sized, aligned word owned by the
    // caller; the low half serves as the futex word.
    unsafe { &*(lock as *const AtomicU32) }
}

/// Implements RtlInitializeSRWLock(SRWLock).
pub extern "win64" fn RtlInitializeSRWLock(lock: *mut u64) {
    // SAFETY: the caller passes storage for an SRWLOCK.
    unsafe { *lock = 0 };
}

fn srw_wait(word: &AtomicU32, seen: u32) {
    if word
        .compare_exchange(seen, seen | WAITERS, Ordering::Relaxed, Ordering::Relaxed)
        .is_ok()
        || seen & WAITERS != 0
    {
        futex_wait(word.as_ptr(), seen | WAITERS);
    }
}

/// Implements RtlAcquireSRWLockExclusive(SRWLock).
pub extern "win64" fn RtlAcquireSRWLockExclusive(lock: *mut u64) {
    let word = srw(lock);
    loop {
        let v = word.load(Ordering::Relaxed);
        if v & (EXCLUSIVE | SHARED_MASK) == 0 {
            if word
                .compare_exchange_weak(v, v | EXCLUSIVE, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
            continue;
        }
        srw_wait(word, v);
    }
}

/// Implements RtlTryAcquireSRWLockExclusive(SRWLock).
pub extern "win64" fn RtlTryAcquireSRWLockExclusive(lock: *mut u64) -> u8 {
    let word = srw(lock);
    let v = word.load(Ordering::Relaxed);
    (v & (EXCLUSIVE | SHARED_MASK) == 0
        && word
            .compare_exchange(v, v | EXCLUSIVE, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()) as u8
}

/// Implements RtlReleaseSRWLockExclusive(SRWLock).
pub extern "win64" fn RtlReleaseSRWLockExclusive(lock: *mut u64) {
    let word = srw(lock);
    if word.swap(0, Ordering::Release) & WAITERS != 0 {
        futex_wake(word.as_ptr(), i32::MAX);
    }
}

/// Implements RtlAcquireSRWLockShared(SRWLock).
pub extern "win64" fn RtlAcquireSRWLockShared(lock: *mut u64) {
    let word = srw(lock);
    loop {
        let v = word.load(Ordering::Relaxed);
        if v & EXCLUSIVE == 0 && v & SHARED_MASK < SHARED_MASK {
            if word
                .compare_exchange_weak(v, v + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
            continue;
        }
        srw_wait(word, v);
    }
}

/// Implements RtlTryAcquireSRWLockShared(SRWLock).
pub extern "win64" fn RtlTryAcquireSRWLockShared(lock: *mut u64) -> u8 {
    let word = srw(lock);
    let v = word.load(Ordering::Relaxed);
    (v & EXCLUSIVE == 0
        && word
            .compare_exchange(v, v + 1, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()) as u8
}

/// Implements RtlReleaseSRWLockShared(SRWLock).
pub extern "win64" fn RtlReleaseSRWLockShared(lock: *mut u64) {
    let word = srw(lock);
    let prev = word.fetch_sub(1, Ordering::Release);
    if prev & SHARED_MASK == 1
        && prev & WAITERS != 0
        && word
            .compare_exchange(WAITERS, 0, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        futex_wake(word.as_ptr(), i32::MAX);
    }
}
