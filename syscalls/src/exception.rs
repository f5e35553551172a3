//! The structures of x64 structured exception handling, shared by the
#![allow(non_snake_case, non_camel_case_types)]
//! executive (which turns a hardware fault into an exception frame on the
//! guest stack) and ntdll (which dispatches and unwinds): CONTEXT,
//! EXCEPTION_RECORD, RUNTIME_FUNCTION, DISPATCHER_CONTEXT and their flags,
//! laid out as winnt.h lays them out.

/// CONTEXT_AMD64 and the parts of a CONTEXT a flag word names.
pub const CONTEXT_AMD64: u32 = 0x10_0000;
pub const CONTEXT_CONTROL: u32 = CONTEXT_AMD64 | 0x1;
pub const CONTEXT_INTEGER: u32 = CONTEXT_AMD64 | 0x2;
pub const CONTEXT_SEGMENTS: u32 = CONTEXT_AMD64 | 0x4;
pub const CONTEXT_FLOATING_POINT: u32 = CONTEXT_AMD64 | 0x8;
pub const CONTEXT_DEBUG_REGISTERS: u32 = CONTEXT_AMD64 | 0x10;
pub const CONTEXT_FULL: u32 = CONTEXT_CONTROL | CONTEXT_INTEGER | CONTEXT_FLOATING_POINT;
pub const CONTEXT_ALL: u32 = CONTEXT_FULL | CONTEXT_SEGMENTS | CONTEXT_DEBUG_REGISTERS;

/// The guard zone at the bottom of every Windows stack (the executive's
/// `ke::trap`): the first fault in it opens all of it but its last page
/// for the stack-overflow handler. Larger than Windows' few pages because
/// the dispatcher, the language handlers and the unwinder are Rust code
/// (in a debug build their frames are large).
pub const STACK_GUARD: u64 = 128 * 1024;

/// Windows' selectors for user-mode code.
pub const USER_CS: u16 = 0x33;
pub const USER_DS: u16 = 0x2B;
pub const USER_FS: u16 = 0x53;

/// The x64 CONTEXT record (winnt.h), 16-byte aligned.
#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct CONTEXT {
    pub P1Home: u64,
    pub P2Home: u64,
    pub P3Home: u64,
    pub P4Home: u64,
    pub P5Home: u64,
    pub P6Home: u64,
    pub ContextFlags: u32,
    pub MxCsr: u32,
    pub SegCs: u16,
    pub SegDs: u16,
    pub SegEs: u16,
    pub SegFs: u16,
    pub SegGs: u16,
    pub SegSs: u16,
    pub EFlags: u32,
    pub Dr0: u64,
    pub Dr1: u64,
    pub Dr2: u64,
    pub Dr3: u64,
    pub Dr6: u64,
    pub Dr7: u64,
    /// Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8..R15: the order of the
    /// x64 register numbers unwind codes use.
    pub Gpr: [u64; 16],
    pub Rip: u64,
    /// The FXSAVE image (XMM_SAVE_AREA32): x87 state, MXCSR, XMM0-15.
    pub FltSave: [u8; 512],
    pub VectorRegister: [[u64; 2]; 26],
    pub VectorControl: u64,
    pub DebugControl: u64,
    pub LastBranchToRip: u64,
    pub LastBranchFromRip: u64,
    pub LastExceptionToRip: u64,
    pub LastExceptionFromRip: u64,
}

/// Register numbers of x64 unwind codes and of [`CONTEXT::Gpr`].
pub mod reg {
    pub const RAX: usize = 0;
    pub const RCX: usize = 1;
    pub const RDX: usize = 2;
    pub const RBX: usize = 3;
    pub const RSP: usize = 4;
    pub const RBP: usize = 5;
    pub const RSI: usize = 6;
    pub const RDI: usize = 7;
    pub const NAMES: [&str; 16] = [
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
        "r13", "r14", "r15",
    ];
}

impl CONTEXT {
    pub const fn zeroed() -> CONTEXT {
        // SAFETY: every field is plain integer data.
        unsafe { core::mem::zeroed() }
    }
    pub fn rsp(&self) -> u64 {
        self.Gpr[reg::RSP]
    }
    pub fn set_rsp(&mut self, v: u64) {
        self.Gpr[reg::RSP] = v;
    }
    /// XMM register `n` (0-15) from the FXSAVE image.
    pub fn xmm(&self, n: usize) -> u128 {
        let at = 0xA0 + n * 16;
        u128::from_le_bytes(self.FltSave[at..at + 16].try_into().unwrap())
    }
    pub fn set_xmm(&mut self, n: usize, v: u128) {
        let at = 0xA0 + n * 16;
        self.FltSave[at..at + 16].copy_from_slice(&v.to_le_bytes());
    }
}

impl Default for CONTEXT {
    fn default() -> Self {
        CONTEXT::zeroed()
    }
}

/// Byte offsets of CONTEXT fields other crates' assembly uses.
pub mod context_offset {
    pub const CONTEXT_FLAGS: usize = 0x30;
    pub const MX_CSR: usize = 0x34;
    pub const SEG_CS: usize = 0x38;
    pub const EFLAGS: usize = 0x44;
    pub const RAX: usize = 0x78;
    pub const RSP: usize = 0x98;
    pub const RIP: usize = 0xF8;
    pub const FLT_SAVE: usize = 0x100;
}

pub const EXCEPTION_MAXIMUM_PARAMETERS: usize = 15;

/// EXCEPTION_RECORD (64-bit).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct EXCEPTION_RECORD {
    pub ExceptionCode: u32,
    pub ExceptionFlags: u32,
    pub ExceptionRecord: u64,
    pub ExceptionAddress: u64,
    pub NumberParameters: u32,
    pub _pad: u32,
    pub ExceptionInformation: [u64; EXCEPTION_MAXIMUM_PARAMETERS],
}

/// EXCEPTION_POINTERS, what filters receive.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct EXCEPTION_POINTERS {
    pub ExceptionRecord: u64,
    pub ContextRecord: u64,
}

/// ExceptionFlags bits.
pub const EXCEPTION_NONCONTINUABLE: u32 = 0x01;
pub const EXCEPTION_UNWINDING: u32 = 0x02;
pub const EXCEPTION_EXIT_UNWIND: u32 = 0x04;
pub const EXCEPTION_STACK_INVALID: u32 = 0x08;
pub const EXCEPTION_NESTED_CALL: u32 = 0x10;
pub const EXCEPTION_TARGET_UNWIND: u32 = 0x20;
pub const EXCEPTION_COLLIDED_UNWIND: u32 = 0x40;

/// EXCEPTION_DISPOSITION, what frame handlers return.
pub const EXCEPTION_CONTINUE_EXECUTION_DISPOSITION: u32 = 0;
pub const EXCEPTION_CONTINUE_SEARCH_DISPOSITION: u32 = 1;
pub const EXCEPTION_NESTED_EXCEPTION: u32 = 2;
pub const EXCEPTION_COLLIDED_UNWIND_DISPOSITION: u32 = 3;

/// What filters (vectored handlers, __except filters, unhandled-exception
/// filters) return.
pub const EXCEPTION_EXECUTE_HANDLER: i32 = 1;
pub const EXCEPTION_CONTINUE_SEARCH: i32 = 0;
pub const EXCEPTION_CONTINUE_EXECUTION: i32 = -1;

/// RUNTIME_FUNCTION: one entry of an image's exception directory (.pdata),
/// RVAs relative to the image base.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RUNTIME_FUNCTION {
    pub BeginAddress: u32,
    pub EndAddress: u32,
    pub UnwindData: u32,
}

/// UNWIND_INFO flags.
pub const UNW_FLAG_NHANDLER: u32 = 0;
pub const UNW_FLAG_EHANDLER: u32 = 1;
pub const UNW_FLAG_UHANDLER: u32 = 2;
pub const UNW_FLAG_CHAININFO: u32 = 4;

/// DISPATCHER_CONTEXT: what a language handler learns about the frame it
/// is called for.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct DISPATCHER_CONTEXT {
    pub ControlPc: u64,
    pub ImageBase: u64,
    pub FunctionEntry: u64,
    pub EstablisherFrame: u64,
    pub TargetIp: u64,
    pub ContextRecord: u64,
    pub LanguageHandler: u64,
    pub HandlerData: u64,
    pub HistoryTable: u64,
    pub ScopeIndex: u32,
    pub Fill0: u32,
}

// SAFETY: plain integer data; every bit pattern is a valid value, so these
// may be copied to and from guest memory as they are.
unsafe impl crate::user::Pod for CONTEXT {}
unsafe impl crate::user::Pod for EXCEPTION_RECORD {}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<CONTEXT>() == 0x4D0);
    assert!(offset_of!(CONTEXT, ContextFlags) == context_offset::CONTEXT_FLAGS);
    assert!(offset_of!(CONTEXT, MxCsr) == context_offset::MX_CSR);
    assert!(offset_of!(CONTEXT, SegCs) == context_offset::SEG_CS);
    assert!(offset_of!(CONTEXT, EFlags) == context_offset::EFLAGS);
    assert!(offset_of!(CONTEXT, Gpr) == context_offset::RAX);
    assert!(offset_of!(CONTEXT, Rip) == context_offset::RIP);
    assert!(offset_of!(CONTEXT, FltSave) == context_offset::FLT_SAVE);
    assert!(offset_of!(CONTEXT, VectorRegister) == 0x300);
    assert!(offset_of!(CONTEXT, VectorControl) == 0x4A0);
    assert!(size_of::<EXCEPTION_RECORD>() == 0x98);
    assert!(offset_of!(EXCEPTION_RECORD, ExceptionAddress) == 0x10);
    assert!(offset_of!(EXCEPTION_RECORD, ExceptionInformation) == 0x20);
    assert!(size_of::<DISPATCHER_CONTEXT>() == 0x50);
    assert!(size_of::<RUNTIME_FUNCTION>() == 12);
};

/// The name Windows' headers give an exception code.
pub const fn exception_name(code: u32) -> &'static str {
    match code {
        0xC000_0005 => "EXCEPTION_ACCESS_VIOLATION",
        0xC000_0006 => "EXCEPTION_IN_PAGE_ERROR",
        0xC000_001D => "EXCEPTION_ILLEGAL_INSTRUCTION",
        0xC000_0096 => "EXCEPTION_PRIV_INSTRUCTION",
        0xC000_0094 => "EXCEPTION_INT_DIVIDE_BY_ZERO",
        0xC000_0095 => "EXCEPTION_INT_OVERFLOW",
        0xC000_008C => "EXCEPTION_ARRAY_BOUNDS_EXCEEDED",
        0xC000_008D => "EXCEPTION_FLT_DENORMAL_OPERAND",
        0xC000_008E => "EXCEPTION_FLT_DIVIDE_BY_ZERO",
        0xC000_008F => "EXCEPTION_FLT_INEXACT_RESULT",
        0xC000_0090 => "EXCEPTION_FLT_INVALID_OPERATION",
        0xC000_0091 => "EXCEPTION_FLT_OVERFLOW",
        0xC000_0092 => "EXCEPTION_FLT_STACK_CHECK",
        0xC000_0093 => "EXCEPTION_FLT_UNDERFLOW",
        0x8000_0003 => "EXCEPTION_BREAKPOINT",
        0x8000_0004 => "EXCEPTION_SINGLE_STEP",
        0x8000_0001 => "EXCEPTION_GUARD_PAGE",
        0x8000_0002 => "EXCEPTION_DATATYPE_MISALIGNMENT",
        0xC000_00FD => "EXCEPTION_STACK_OVERFLOW",
        0xC000_0025 => "EXCEPTION_NONCONTINUABLE_EXCEPTION",
        0xC000_0026 => "EXCEPTION_INVALID_DISPOSITION",
        0xC000_0409 => "STATUS_STACK_BUFFER_OVERRUN",
        0xC000_0029 => "STATUS_INVALID_UNWIND_TARGET",
        0xC000_0028 => "STATUS_BAD_STACK",
        0xE06D_7363 => "C++ exception (MSVC)",
        c if c & 0x20FF_FFFF == 0x2047_4343 => "C++ exception (GCC)",
        _ => "",
    }
}
