//! Faults: a fault inside the executive's user-access routines resumes at
//! their fixup (a bad guest pointer becomes STATUS_ACCESS_VIOLATION); a
//! fault in guest code is dispatched to the program's exception handlers
//! (`ke::trap`), or reported here when it cannot be; a fault in casement's
//! own code on a guest address is reported as an access violation of the
//! program, on any other address as a casement bug.

use ntoskrnl_emu::ke::trap::{exception_name, Outcome};
use std::sync::atomic::{AtomicBool, Ordering};
use syscalls::{
    STATUS_ACCESS_VIOLATION, STATUS_BREAKPOINT, STATUS_ILLEGAL_INSTRUCTION,
    STATUS_INTEGER_DIVIDE_BY_ZERO,
};

static IN_REPORT: AtomicBool = AtomicBool::new(false);

extern "C" fn on_fault(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid ucontext for SA_SIGINFO handlers.
    let uc = unsafe { &mut *(ctx as *mut libc::ucontext_t) };
    let rip = uc.uc_mcontext.gregs[libc::REG_RIP as usize] as u64;
    // SAFETY: si_addr is valid for the fault signals.
    let addr = unsafe { (*info).si_addr() } as u64;
    if sig == libc::SIGSEGV && ntoskrnl_emu::mm::lazy::resolve(addr) {
        // A demand-paged image page was filled: retry the access.
        return;
    }
    if let Some(fixup) = syscalls::user::fault_fixup(rip) {
        uc.uc_mcontext.gregs[libc::REG_RIP as usize] = fixup as i64;
        uc.uc_mcontext.gregs[libc::REG_RAX as usize] = 1;
        return;
    }
    let mut fatal_code = None;
    // Whose fault is it? Guest code (dispatched to the guest's handlers),
    // casement code handed a bad guest pointer (Windows reports both as the
    // program's access violation), or casement code on its own data: a
    // casement bug.
    let in_host_code = syscalls::user::is_host_code(rip);
    if !in_host_code {
        // SAFETY: the kernel passes a valid siginfo.
        match ntoskrnl_emu::ke::trap::dispatch_fault(sig, unsafe { &*info }, uc) {
            Outcome::Dispatched => return,
            Outcome::Fatal(code) => fatal_code = Some(code.0),
        }
    }
    if IN_REPORT.swap(true, Ordering::SeqCst) {
        // A fault while reporting one: give up at once.
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + sig) };
    }
    let code = fatal_code.unwrap_or(match sig {
        libc::SIGILL => STATUS_ILLEGAL_INSTRUCTION.0,
        libc::SIGFPE => STATUS_INTEGER_DIVIDE_BY_ZERO.0,
        libc::SIGTRAP => STATUS_BREAKPOINT.0,
        _ => STATUS_ACCESS_VIOLATION.0,
    });
    let err = uc.uc_mcontext.gregs[libc::REG_ERR as usize] as u64;
    let access = if err & 0x10 != 0 {
        "executing"
    } else if err & 0x2 != 0 {
        "writing"
    } else {
        "reading"
    };
    let guest_address = addr < 0x1_0000 || ntoskrnl_emu::mm::vad::contains(addr);
    if in_host_code && !guest_address {
        eprintln!(
            "casement: internal error: signal {sig} in casement's own code at {rip:#x} (address {addr:#x}); this is a casement bug, please report it"
        );
        eprintln!("{}", std::backtrace::Backtrace::force_capture());
        // SAFETY: ending the process from the handler.
        unsafe { libc::_exit(70) };
    }
    let location = match loader::ldr::module_at(rip) {
        Some((module, base)) => format!("{module}+{:#x} ({rip:#x})", rip - base),
        None if in_host_code => format!("{rip:#x} in a casement API, called with a bad pointer"),
        None => format!("{rip:#x}, outside every module"),
    };
    eprintln!(
        "casement: unhandled exception {code:#010x} ({}) at {location}{}",
        exception_name(code),
        if code == STATUS_ACCESS_VIOLATION.0 {
            format!(", {access} {addr:#x}")
        } else {
            String::new()
        }
    );
    let g = &uc.uc_mcontext.gregs;
    eprintln!(
        "  rax={:016x} rbx={:016x} rcx={:016x} rdx={:016x}\n  rsi={:016x} rdi={:016x} rbp={:016x} rsp={:016x}\n  r8 ={:016x} r9 ={:016x} r10={:016x} r11={:016x}\n  r12={:016x} r13={:016x} r14={:016x} r15={:016x}",
        g[libc::REG_RAX as usize], g[libc::REG_RBX as usize], g[libc::REG_RCX as usize], g[libc::REG_RDX as usize],
        g[libc::REG_RSI as usize], g[libc::REG_RDI as usize], g[libc::REG_RBP as usize], g[libc::REG_RSP as usize],
        g[libc::REG_R8 as usize], g[libc::REG_R9 as usize], g[libc::REG_R10 as usize], g[libc::REG_R11 as usize],
        g[libc::REG_R12 as usize], g[libc::REG_R13 as usize], g[libc::REG_R14 as usize], g[libc::REG_R15 as usize],
    );
    // The exit code is the exception code (Linux keeps its low 8 bits).
    // SAFETY: ending the process from the handler.
    unsafe { libc::_exit(code as i32) };
}

/// Installs the fault handlers on an alternate stack (a guest stack overflow
/// must still be reportable) and ignores SIGPIPE (a write to a closed pipe is
/// ERROR_BROKEN_PIPE for the program, not death).
pub fn install() {
    const ALT_STACK: usize = 256 * 1024;
    // A static buffer: zero pages in .bss, no allocation at start-up.
    static mut STACK: [u8; ALT_STACK] = [0; ALT_STACK];
    // SAFETY: the buffer is handed to the kernel once and never touched
    // by Rust code.
    let stack = unsafe { &mut *core::ptr::addr_of_mut!(STACK) };
    let ss = libc::stack_t {
        ss_sp: stack.as_mut_ptr() as *mut libc::c_void,
        ss_flags: 0,
        ss_size: ALT_STACK,
    };
    // SAFETY: sigaltstack with a leaked buffer; sigaction with a valid
    // handler; both only affect this process.
    unsafe {
        libc::sigaltstack(&ss, core::ptr::null_mut());
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_fault as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
        libc::sigemptyset(&mut sa.sa_mask);
        for sig in [
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGILL,
            libc::SIGFPE,
            libc::SIGTRAP,
        ] {
            libc::sigaction(sig, &sa, core::ptr::null_mut());
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}
