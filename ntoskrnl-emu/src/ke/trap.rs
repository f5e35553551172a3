//! Traps: a hardware fault in guest code arrives as a Linux signal and
//! leaves as an exception dispatched in user mode, the way
//! KiDispatchException hands it to KiUserExceptionDispatcher: the
//! interrupted state becomes a CONTEXT, the fault an EXCEPTION_RECORD, both
//! are written to the guest stack below the faulting frame, and the signal
//! returns into ntdll's dispatcher with pointers to them.
//!
//! The stack overflow case has its own rule: each Windows stack ends in a
//! guard zone ([`STACK_GUARD`]). The first fault in it opens all of the zone
//! but its lowest page, so the handler has room to run, and raises
//! STATUS_STACK_OVERFLOW; a fault in the last page ends the process.

use syscalls::exception::*;
use syscalls::nt::{current_teb, teb};
use syscalls::*;

pub use syscalls::exception::STACK_GUARD;
const PAGE: u64 = 0x1000;

/// Where a dispatched exception's frame starts: the CONTEXT, then the
/// EXCEPTION_RECORD at this offset (Windows 10 uses the same layout).
const RECORD_OFFSET: u64 = 0x4F0;
/// The whole frame: CONTEXT, record, and room for a machine frame.
const FRAME_SIZE: u64 = 0x5B0;

// SIGFPE si_code values (Linux, asm-generic/siginfo.h).
const FPE_INTDIV: i32 = 1;
const FPE_INTOVF: i32 = 2;
const FPE_FLTDIV: i32 = 3;
const FPE_FLTOVF: i32 = 4;
const FPE_FLTUND: i32 = 5;
const FPE_FLTRES: i32 = 6;
const FPE_FLTINV: i32 = 7;
const FPE_FLTSUB: i32 = 8;

/// Registers of the Linux signal frame in CONTEXT.Gpr order (Rax, Rcx,
/// Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8..R15).
pub const SIGNAL_GREGS: [libc::c_int; 16] = [
    libc::REG_RAX,
    libc::REG_RCX,
    libc::REG_RDX,
    libc::REG_RBX,
    libc::REG_RSP,
    libc::REG_RBP,
    libc::REG_RSI,
    libc::REG_RDI,
    libc::REG_R8,
    libc::REG_R9,
    libc::REG_R10,
    libc::REG_R11,
    libc::REG_R12,
    libc::REG_R13,
    libc::REG_R14,
    libc::REG_R15,
];

/// The interrupted state of a signal frame as a CONTEXT (all integer,
/// control, segment and floating-point state).
pub fn context_from_signal(uc: &libc::ucontext_t) -> CONTEXT {
    let mut ctx = CONTEXT::zeroed();
    let g = &uc.uc_mcontext.gregs;
    for (i, &r) in SIGNAL_GREGS.iter().enumerate() {
        ctx.Gpr[i] = g[r as usize] as u64;
    }
    ctx.Rip = g[libc::REG_RIP as usize] as u64;
    ctx.EFlags = g[libc::REG_EFL as usize] as u32;
    ctx.SegCs = USER_CS;
    ctx.SegDs = USER_DS;
    ctx.SegEs = USER_DS;
    ctx.SegFs = USER_FS;
    ctx.SegGs = USER_DS;
    ctx.SegSs = USER_DS;
    let fp = uc.uc_mcontext.fpregs;
    if !fp.is_null() {
        // SAFETY: fpregs points at the frame's FXSAVE image (512 bytes).
        let image = unsafe { core::slice::from_raw_parts(fp as *const u8, 512) };
        ctx.FltSave.copy_from_slice(image);
        ctx.MxCsr = u32::from_le_bytes(image[0x18..0x1C].try_into().unwrap());
    }
    ctx.ContextFlags = CONTEXT_FULL | CONTEXT_SEGMENTS;
    ctx
}

/// What a fault means for the guest: its exception code and parameters
/// (no allocation: this runs in the signal handler).
struct Fault {
    code: NtStatus,
    address: u64,
    params: [u64; 3],
    count: usize,
}

/// Reads the instruction bytes at `rip`, as many as can be read.
fn code_at(rip: u64) -> [u8; 4] {
    let mut b = [0u8; 4];
    for (i, byte) in b.iter_mut().enumerate() {
        match user::read::<u8>(rip + i as u64) {
            Ok(v) => *byte = v,
            Err(_) => break,
        }
    }
    b
}

/// Instructions user mode may not execute (x86 raises #GP, which Linux
/// reports as SIGSEGV with no address).
fn is_privileged(code: [u8; 4]) -> bool {
    matches!(code[0], 0xF4 | 0xFA | 0xFB | 0xE4..=0xE7 | 0xEC..=0xEF | 0x6C..=0x6F)
        || (code[0] == 0x0F && matches!(code[1], 0x06 | 0x08 | 0x09 | 0x20..=0x23 | 0x30 | 0x32))
        || (code[0] == 0x0F
            && code[1] == 0x01
            && matches!(code[2], 0xF8 | 0xC8 | 0xC9 | 0xD8..=0xDF))
}

fn classify(sig: libc::c_int, info: &libc::siginfo_t, uc: &libc::ucontext_t) -> Fault {
    let rip = uc.uc_mcontext.gregs[libc::REG_RIP as usize] as u64;
    // SAFETY: si_addr is valid for the fault signals.
    let addr = unsafe { info.si_addr() } as u64;
    let fault = |code: NtStatus, given: &[u64]| {
        let mut params = [0u64; 3];
        params[..given.len()].copy_from_slice(given);
        Fault {
            code,
            address: rip,
            params,
            count: given.len(),
        }
    };
    match sig {
        libc::SIGSEGV | libc::SIGBUS => {
            let err = uc.uc_mcontext.gregs[libc::REG_ERR as usize] as u64;
            if info.si_code == libc::SI_KERNEL {
                // #GP: a privileged instruction, or an access through a
                // non-canonical address, which Windows reports as a read of
                // the all-ones address.
                if is_privileged(code_at(rip)) {
                    return fault(STATUS_PRIVILEGED_INSTRUCTION, &[]);
                }
                return fault(STATUS_ACCESS_VIOLATION, &[0, u64::MAX]);
            }
            let kind = if err & 0x10 != 0 {
                8
            } else if err & 0x2 != 0 {
                1
            } else {
                0
            };
            if sig == libc::SIGBUS {
                // A mapped file's page that cannot be read in.
                return fault(
                    STATUS_IN_PAGE_ERROR,
                    &[kind, addr, STATUS_IN_PAGE_ERROR.0 as u64],
                );
            }
            fault(STATUS_ACCESS_VIOLATION, &[kind, addr])
        }
        libc::SIGILL => fault(STATUS_ILLEGAL_INSTRUCTION, &[]),
        libc::SIGFPE => {
            let code = match info.si_code {
                FPE_INTDIV => STATUS_INTEGER_DIVIDE_BY_ZERO,
                FPE_INTOVF => STATUS_INTEGER_OVERFLOW,
                FPE_FLTDIV => STATUS_FLOAT_DIVIDE_BY_ZERO,
                FPE_FLTOVF => STATUS_FLOAT_OVERFLOW,
                FPE_FLTUND => STATUS_FLOAT_UNDERFLOW,
                FPE_FLTRES => STATUS_FLOAT_INEXACT_RESULT,
                FPE_FLTINV => STATUS_FLOAT_INVALID_OPERATION,
                FPE_FLTSUB => STATUS_ARRAY_BOUNDS_EXCEEDED,
                _ => STATUS_FLOAT_MULTIPLE_TRAPS,
            };
            fault(code, &[])
        }
        libc::SIGTRAP => {
            // int3 leaves rip after the instruction; Windows reports the
            // breakpoint at the int3 itself (and so does the CONTEXT).
            if info.si_code == libc::SI_KERNEL && rip > 0 && code_at(rip - 1)[0] == 0xCC {
                Fault {
                    code: STATUS_BREAKPOINT,
                    address: rip - 1,
                    params: [0; 3],
                    count: 1,
                }
            } else if info.si_code == libc::SI_KERNEL {
                fault(STATUS_BREAKPOINT, &[0])
            } else {
                fault(STATUS_SINGLE_STEP, &[])
            }
        }
        _ => fault(STATUS_ACCESS_VIOLATION, &[0, addr]),
    }
}

/// The user-mode exception dispatcher ntdll registered, as a code address.
fn dispatcher() -> Option<u64> {
    upcall::user_exception_dispatcher().map(|f| f as u64)
}

/// What became of a fault.
pub enum Outcome {
    /// The signal frame now returns into the guest's exception dispatcher.
    Dispatched,
    /// The guest cannot take this fault (no dispatcher yet, or no stack to
    /// dispatch on): report it and end the process with this code.
    Fatal(NtStatus),
}

/// Turns a fault in guest code into a dispatched exception.
pub fn dispatch_fault(
    sig: libc::c_int,
    info: &libc::siginfo_t,
    uc: &mut libc::ucontext_t,
) -> Outcome {
    let mut fault = classify(sig, info, uc);
    let mut ctx = context_from_signal(uc);
    if fault.code == STATUS_BREAKPOINT {
        ctx.Rip = fault.address;
    }
    if fault.code == STATUS_ACCESS_VIOLATION {
        match stack_guard_hit(fault.params[1]) {
            // PAGE_GUARD: the memory manager lifts the guard (one shot)
            // and the access is retried if the exception is continued.
            GuardHit::No if crate::mm::virt::take_guard_fault(fault.params[1]) => {
                fault.code = STATUS_GUARD_PAGE_VIOLATION;
            }
            GuardHit::No => {}
            GuardHit::Opened => fault.code = STATUS_STACK_OVERFLOW,
            GuardHit::Exhausted => return Outcome::Fatal(STATUS_STACK_OVERFLOW),
        }
    }
    let mut record = EXCEPTION_RECORD {
        ExceptionCode: fault.code.0,
        ExceptionAddress: fault.address,
        NumberParameters: fault.count as u32,
        ..Default::default()
    };
    record.ExceptionInformation[..fault.count].copy_from_slice(&fault.params[..fault.count]);
    let Some(entry) = dispatcher() else {
        return Outcome::Fatal(fault.code);
    };
    match push_exception_frame(&ctx, &record) {
        Some((rsp, rec, context)) => {
            let g = &mut uc.uc_mcontext.gregs;
            g[libc::REG_RSP as usize] = rsp as i64;
            g[libc::REG_RIP as usize] = entry as i64;
            g[libc::REG_RCX as usize] = rec as i64;
            g[libc::REG_RDX as usize] = context as i64;
            // The dispatcher runs with the direction and trap flags clear.
            g[libc::REG_EFL as usize] &= !0x500;
            Outcome::Dispatched
        }
        None => Outcome::Fatal(fault.code),
    }
}

/// Writes the exception frame below the faulting frame's stack pointer.
/// Returns the stack pointer the dispatcher starts with (as after a call:
/// a zero return address, then 32 bytes of home space) and the addresses
/// of the record and the CONTEXT; None if the stack cannot take it.
fn push_exception_frame(ctx: &CONTEXT, record: &EXCEPTION_RECORD) -> Option<(u64, u64, u64)> {
    let frame = (ctx.rsp().wrapping_sub(FRAME_SIZE)) & !0xF;
    let context_at = frame;
    let record_at = frame + RECORD_OFFSET;
    let entry_rsp = frame - 0x28;
    user::write(context_at, ctx).ok()?;
    user::write(record_at, record).ok()?;
    user::write(entry_rsp, &0u64).ok()?;
    Some((entry_rsp, record_at, context_at))
}

enum GuardHit {
    No,
    Opened,
    Exhausted,
}

/// Whether an access violation at `addr` is the calling thread running
/// into the guard zone of its Windows stack (see the module comment).
fn stack_guard_hit(addr: u64) -> GuardHit {
    let teb_base = current_teb();
    if teb_base == 0 {
        return GuardHit::No;
    }
    let (Ok(bottom), Ok(base)) = (
        user::read::<u64>(teb_base + teb::DEALLOCATION_STACK as u64),
        user::read::<u64>(teb_base + teb::STACK_BASE as u64),
    ) else {
        return GuardHit::No;
    };
    let zone = zone_size(base.saturating_sub(bottom));
    if bottom == 0 || addr < bottom || addr >= bottom + zone {
        return GuardHit::No;
    }
    if addr < bottom + PAGE || zone == PAGE {
        return GuardHit::Exhausted;
    }
    let limit = user::read::<u64>(teb_base + teb::STACK_LIMIT as u64).unwrap_or(0);
    if limit <= bottom + PAGE {
        // Already opened once: this is the last page's turn.
        return GuardHit::Exhausted;
    }
    // SAFETY: the zone is part of this thread's own stack reservation.
    let opened = unsafe {
        libc::mprotect(
            (bottom + PAGE) as *mut libc::c_void,
            (zone - PAGE) as usize,
            libc::PROT_READ | libc::PROT_WRITE,
        )
    } == 0;
    if !opened {
        return GuardHit::Exhausted;
    }
    let _ = user::write(teb_base + teb::STACK_LIMIT as u64, &(bottom + PAGE));
    GuardHit::Opened
}

/// The guard zone of a stack of `reserve` bytes: [`STACK_GUARD`], or a
/// quarter of a small stack, at least one page.
fn zone_size(reserve: u64) -> u64 {
    STACK_GUARD.min((reserve / 4) & !(PAGE - 1)).max(PAGE)
}

/// Arms the guard zone of a fresh (or reused) Windows stack whose lowest
/// address is `bottom`; returns the stack limit the TEB should show.
pub fn arm_stack_guard(bottom: u64, reserve: u64) -> u64 {
    let zone = zone_size(reserve);
    // SAFETY: the zone at the bottom of the thread's own reservation.
    unsafe { libc::mprotect(bottom as *mut libc::c_void, zone as usize, libc::PROT_NONE) };
    bottom + zone
}

pub use syscalls::exception::exception_name;

/// NtRaiseException(ExceptionRecord, ContextRecord, FirstChance). User
/// mode dispatches first-chance exceptions itself; what reaches the
/// executive is the second chance of an exception nothing handled, which
/// ends the process with the exception code, as Windows does when no
/// debugger is attached.
pub fn NtRaiseException(a: &Args) -> NtStatus {
    let Ok(record) = user::read::<EXCEPTION_RECORD>(a[0]) else {
        return STATUS_ACCESS_VIOLATION;
    };
    let (code, address) = (record.ExceptionCode, record.ExceptionAddress);
    if a[2] != 0 {
        // ntdll dispatches first chances itself, on the caller's stack;
        // one that reaches the executive came from a direct system call.
        log::error!(target: "seh", "first-chance NtRaiseException {code:#010x} reached the executive");
        return STATUS_INVALID_PARAMETER;
    }
    log::warn!(target: "seh", "second-chance exception {code:#010x} at {address:#x}: ending the process");
    crate::ps::terminate_self(code)
}

/// Size of each thread's alternate signal stack: fault handling must work
/// when the faulting stack is exhausted, and a casement-bug report (with a
/// host backtrace) runs there too.
pub const SIGNAL_STACK_SIZE: usize = 256 * 1024;

/// Gives the calling host thread its own alternate signal stack (the
/// process's first thread gets a static one at start-up). Pages are only
/// backed once touched.
pub fn install_signal_stack() {
    // SAFETY: a private anonymous mapping, handed to the kernel as this
    // thread's signal stack and kept for the thread's life (host threads
    // are reused, never unmapped while running).
    unsafe {
        let p = libc::mmap(
            core::ptr::null_mut(),
            SIGNAL_STACK_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return;
        }
        let ss = libc::stack_t {
            ss_sp: p,
            ss_flags: 0,
            ss_size: SIGNAL_STACK_SIZE,
        };
        libc::sigaltstack(&ss, core::ptr::null_mut());
    }
}
