//! Capturing and restoring a thread's register state as a CONTEXT:
//! RtlCaptureContext, RtlRestoreContext, NtContinue, and the entry stubs of
//! the functions that need their caller's context (RaiseException and
//! friends, RtlUnwindEx): guest code calls them directly, so the stub
//! records the state the caller will see after the call returns — which is
//! the frame exception dispatch and unwinding start from — before entering
//! the Rust implementation.

use syscalls::exception::CONTEXT;

core::arch::global_asm!(
    ".pushsection .text.casement_context,\"ax\",@progbits",
    // Saves every register but rcx, rsp and rip into the CONTEXT at rcx,
    // as they were before the call; clobbers rax and the flags only.
    ".globl casement_save_registers",
    "casement_save_registers:",
    "mov [rcx+0x78], rax",
    "mov [rcx+0x88], rdx",
    "mov [rcx+0x90], rbx",
    "mov [rcx+0xA0], rbp",
    "mov [rcx+0xA8], rsi",
    "mov [rcx+0xB0], rdi",
    "mov [rcx+0xB8], r8",
    "mov [rcx+0xC0], r9",
    "mov [rcx+0xC8], r10",
    "mov [rcx+0xD0], r11",
    "mov [rcx+0xD8], r12",
    "mov [rcx+0xE0], r13",
    "mov [rcx+0xE8], r14",
    "mov [rcx+0xF0], r15",
    "pushfq",
    "pop rax",
    "mov [rcx+0x44], eax",
    "mov word ptr [rcx+0x38], 0x33",
    "mov word ptr [rcx+0x3A], 0x2B",
    "mov word ptr [rcx+0x3C], 0x2B",
    "mov word ptr [rcx+0x3E], 0x53",
    "mov word ptr [rcx+0x40], 0x2B",
    "mov word ptr [rcx+0x42], 0x2B",
    "stmxcsr [rcx+0x34]",
    "fxsave [rcx+0x100]",
    // CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_SEGMENTS | CONTEXT_FLOATING_POINT
    "mov dword ptr [rcx+0x30], 0x10000F",
    "ret",
    // RtlCaptureContext(rcx = CONTEXT): the caller's state at the return.
    ".globl casement_capture_context",
    "casement_capture_context:",
    "call casement_save_registers",
    "mov [rcx+0x80], rcx",
    "lea rax, [rsp+8]",
    "mov [rcx+0x98], rax",
    "mov rax, [rsp]",
    "mov [rcx+0xF8], rax",
    "mov rax, [rcx+0x78]",
    "ret",
    // Restores the CONTEXT at rcx and continues there. The last values
    // (rax, rcx, flags, rip) go to just below the target stack pointer
    // first, so nothing is read from the CONTEXT after the stack switch.
    ".globl casement_restore_context",
    "casement_restore_context:",
    "test dword ptr [rcx+0x30], 0x8",
    "jz 2f",
    "fxrstor [rcx+0x100]",
    "ldmxcsr [rcx+0x34]",
    "2:",
    "mov rax, [rcx+0x98]",
    "sub rax, 32",
    "mov rdx, [rcx+0x78]",
    "mov [rax], rdx",
    "mov rdx, [rcx+0x80]",
    "mov [rax+8], rdx",
    "mov edx, [rcx+0x44]",
    "mov [rax+16], rdx",
    "mov rdx, [rcx+0xF8]",
    "mov [rax+24], rdx",
    "mov rdx, [rcx+0x88]",
    "mov rbx, [rcx+0x90]",
    "mov rbp, [rcx+0xA0]",
    "mov rsi, [rcx+0xA8]",
    "mov rdi, [rcx+0xB0]",
    "mov r8, [rcx+0xB8]",
    "mov r9, [rcx+0xC0]",
    "mov r10, [rcx+0xC8]",
    "mov r11, [rcx+0xD0]",
    "mov r12, [rcx+0xD8]",
    "mov r13, [rcx+0xE0]",
    "mov r14, [rcx+0xE8]",
    "mov r15, [rcx+0xF0]",
    "mov rsp, rax",
    "pop rax",
    "pop rcx",
    "popfq",
    "ret",
    ".popsection",
);

/// Declares an entry stub that records its caller's context and calls
/// `$imp(a1, a2, a3, a4, &mut CONTEXT, a5, a6)` (Windows convention), then
/// returns what it returns. The CONTEXT lives in the stub's frame.
#[macro_export]
macro_rules! caller_context_entry {
    ($($name:ident => $imp:ident),* $(,)?) => {
        $(
        core::arch::global_asm!(
            concat!(".pushsection .text.", stringify!($name), ",\"ax\",@progbits"),
            concat!(".globl ", stringify!($name)),
            concat!(stringify!($name), ":"),
            // 0x518 keeps the stack 16-byte aligned; the CONTEXT is at
            // rsp+0x40, the callee's home space and stack arguments below.
            "sub rsp, 0x518",
            "mov [rsp+0x40+0x80], rcx",
            "lea rcx, [rsp+0x40]",
            "call casement_save_registers",
            "lea rax, [rsp+0x520]",
            "mov [rsp+0x40+0x98], rax",
            "mov rax, [rsp+0x518]",
            "mov [rsp+0x40+0xF8], rax",
            // Called through the relay trace: the program's state is in
            // the relay's frame (the argument registers are reloaded).
            "lea rcx, [rsp+0x40]",
            "call {unrelay}",
            "mov rdx, [rsp+0x40+0x88]",
            "mov r8, [rsp+0x40+0xB8]",
            "mov r9, [rsp+0x40+0xC0]",
            "mov rcx, [rsp+0x40+0x80]",
            "lea rax, [rsp+0x40]",
            "mov [rsp+0x20], rax",
            "mov rax, [rsp+0x518+0x28]",
            "mov [rsp+0x28], rax",
            "mov rax, [rsp+0x518+0x30]",
            "mov [rsp+0x30], rax",
            concat!("call {", stringify!($imp), "}"),
            "add rsp, 0x518",
            "ret",
            ".popsection",
            $imp = sym $imp,
            unrelay = sym $crate::exception::context::casement_unrelay,
        );
        )*
        extern "win64" {
            $(pub fn $name();)*
        }
    };
}
pub use crate::caller_context_entry;

/// Turns the state an entry stub recorded into the program's when the stub
/// was called by the relay trace (CASEMENT_DEBUG=relay) rather than by the
/// program: handlers and unwinding must see the program's frames.
pub extern "win64" fn casement_unrelay(ctx: *mut CONTEXT) {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let ctx = unsafe { &mut *ctx };
    if !loader::thunk::is_in_relay(ctx.Rip) {
        return;
    }
    if let Some(c) = loader::thunk::relay_caller(ctx.Gpr[syscalls::exception::reg::RBP]) {
        use syscalls::exception::reg;
        ctx.Rip = c.rip;
        ctx.Gpr[reg::RSP] = c.rsp;
        ctx.Gpr[reg::RBP] = c.rbp;
        ctx.Gpr[reg::RBX] = c.rbx;
        ctx.Gpr[reg::RSI] = c.rsi;
    }
}

extern "win64" {
    pub fn casement_capture_context(ctx: *mut CONTEXT);
    fn casement_restore_context(ctx: *const CONTEXT) -> !;
}

/// Continues execution with the state in `ctx`.
pub fn restore(ctx: &CONTEXT) -> ! {
    let mut copy = *ctx;
    // The state the code sees must be as 16-byte aligned as fxrstor needs;
    // a copy in this frame is.
    // SAFETY: restores a complete register state; the target stack is the
    // guest's own.
    unsafe { casement_restore_context(&mut copy) }
}

/// RtlCaptureContext: the export is the assembly routine itself, so the
/// caller's own state is what gets recorded.
pub use casement_capture_context as RtlCaptureContext;

/// RtlRestoreContext(ContextRecord, ExceptionRecord).
pub extern "win64" fn RtlRestoreContext(ctx: *const CONTEXT, _record: u64) {
    match syscalls::user::read::<CONTEXT>(ctx as u64) {
        Ok(c) => restore(&c),
        Err(_) => super::raise_status(syscalls::STATUS_ACCESS_VIOLATION),
    }
}

/// NtContinue(ContextRecord, TestAlert).
pub extern "win64" fn NtContinue(ctx: *const CONTEXT, test_alert: u8) -> u32 {
    let Ok(c) = syscalls::user::read::<CONTEXT>(ctx as u64) else {
        return syscalls::STATUS_ACCESS_VIOLATION.0;
    };
    if test_alert != 0 {
        crate::native::NtTestAlert();
    }
    restore(&c)
}
