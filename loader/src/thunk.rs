//! The thunks builtin DLL images use to enter Rust, the relay trace and the
//! entry point of unimplemented exports.
//!
//! Every code export's thunk loads its export id (DLL index << 16 | export
//! index) into EAX — a volatile, non-argument register in the Windows x64
//! convention — and jumps through its slot in the image's .data. The slot
//! holds the Rust function, the relay entry (CASEMENT_DEBUG=relay) or the
//! unimplemented entry.

use crate::builtin::{Arg, ExportKind};
use crate::registry;

pub const PLAIN_SIZE: usize = 16;
pub const VARIADIC_SIZE: usize = 48;

/// Where the export id sits in a plain thunk and in a variadic one.
pub const PLAIN_ID_AT: usize = 1;
pub const VARIADIC_ID_AT: usize = 30;

/// The offset of the export id in a thunk of `size` bytes.
pub const fn id_at(size: usize) -> usize {
    if size == VARIADIC_SIZE {
        VARIADIC_ID_AT
    } else {
        PLAIN_ID_AT
    }
}

/// The rel32 displacement from the end of an instruction at `from_next`
/// to `to` (both RVAs).
const fn rel32(from_next: usize, to: usize) -> [u8; 4] {
    ((to as i64 - from_next as i64) as i32).to_le_bytes()
}

const fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    let mut k = 0;
    while k < bytes.len() {
        out[at + k] = bytes[k];
        k += 1;
    }
}

/// Writes `mov eax, id; jmp [rip+slot]` at `at` in `image` (PLAIN_SIZE
/// bytes, the rest int3); `at` and `slot_rva` are offsets in `image`.
pub const fn plain(image: &mut [u8], at: usize, id: u32, slot_rva: usize) {
    put(image, at, &[0xCC; PLAIN_SIZE]);
    image[at] = 0xB8;
    put(image, at + PLAIN_ID_AT, &id.to_le_bytes());
    put(image, at + 5, &[0xFF, 0x25]);
    put(image, at + 7, &rel32(at + 11, slot_rva));
}

/// Writes the variadic thunk at `at` in `image` (VARIADIC_SIZE bytes): it
/// homes the four register arguments into the caller's shadow space so all
/// arguments are consecutive 8-byte slots, then calls the Rust function
/// with a pointer to them (a C-variadic function cannot be written in Rust).
pub const fn variadic(image: &mut [u8], at: usize, id: u32, slot_rva: usize) {
    const HEAD: [u8; 30] = [
        0x48, 0x89, 0x4C, 0x24, 0x08, // mov [rsp+8], rcx
        0x48, 0x89, 0x54, 0x24, 0x10, // mov [rsp+16], rdx
        0x4C, 0x89, 0x44, 0x24, 0x18, // mov [rsp+24], r8
        0x4C, 0x89, 0x4C, 0x24, 0x20, // mov [rsp+32], r9
        0x48, 0x8D, 0x4C, 0x24, 0x08, // lea rcx, [rsp+8]
        0x48, 0x83, 0xEC, 0x28, // sub rsp, 40
        0xB8, // mov eax, id
    ];
    put(image, at, &[0xCC; VARIADIC_SIZE]);
    put(image, at, &HEAD);
    put(image, at + VARIADIC_ID_AT, &id.to_le_bytes());
    put(image, at + 34, &[0xFF, 0x15]); // call [rip+slot]
    put(image, at + 36, &rel32(at + 40, slot_rva));
    put(image, at + 40, &[0x48, 0x83, 0xC4, 0x28, 0xC3]); // add rsp, 40; ret
}

core::arch::global_asm!(
    ".pushsection .text.casement_thunks,\"ax\",@progbits",
    ".globl casement_unimplemented_entry",
    "casement_unimplemented_entry:",
    "mov ecx, eax",
    "jmp {unimplemented}",
    // The relay: log the call, call the real function with the same
    // register and (up to 16) stack arguments, log the result.
    ".globl casement_relay_entry",
    "casement_relay_entry:",
    "push rbp",
    "mov rbp, rsp",
    "push rbx",
    "push rsi",
    "mov [rbp+16], rcx",
    "mov [rbp+24], rdx",
    "mov [rbp+32], r8",
    "mov [rbp+40], r9",
    "mov ebx, eax",
    "sub rsp, 0x60",
    "movdqu [rsp+0x20], xmm0",
    "movdqu [rsp+0x30], xmm1",
    "movdqu [rsp+0x40], xmm2",
    "movdqu [rsp+0x50], xmm3",
    "mov ecx, ebx",
    "lea rdx, [rbp+16]",
    "mov r8, [rbp+8]",
    "call {enter}",
    "mov rsi, rax",
    "movdqu xmm0, [rsp+0x20]",
    "movdqu xmm1, [rsp+0x30]",
    "movdqu xmm2, [rsp+0x40]",
    "movdqu xmm3, [rsp+0x50]",
    "add rsp, 0x60",
    "sub rsp, 0xA0",
    "xor eax, eax",
    "2:",
    "mov r10, [rbp+48+rax*8]",
    "mov [rsp+0x20+rax*8], r10",
    "inc eax",
    "cmp eax, 16",
    "jb 2b",
    "mov rcx, [rbp+16]",
    "mov rdx, [rbp+24]",
    "mov r8, [rbp+32]",
    "mov r9, [rbp+40]",
    "call rsi",
    "add rsp, 0xA0",
    "sub rsp, 0x40",
    "movdqu [rsp+0x20], xmm0",
    "mov [rsp+0x30], rax",
    "mov ecx, ebx",
    "mov rdx, rax",
    "call {exit}",
    "mov rax, [rsp+0x30]",
    "movdqu xmm0, [rsp+0x20]",
    "add rsp, 0x40",
    "pop rsi",
    "pop rbx",
    "pop rbp",
    "ret",
    ".globl casement_relay_entry_end",
    "casement_relay_entry_end:",
    ".popsection",
    unimplemented = sym unimplemented,
    enter = sym relay_enter,
    exit = sym relay_exit,
);

extern "C" {
    fn casement_relay_entry_end();
    fn casement_unimplemented_entry();
    fn casement_relay_entry();
}

pub fn unimplemented_entry() -> u64 {
    casement_unimplemented_entry as *const () as u64
}

pub fn relay_entry() -> u64 {
    casement_relay_entry as *const () as u64
}

/// Whether `rip` is a return address inside the relay entry: a function
/// the relay called sees the relay, not the program, as its caller.
pub fn is_in_relay(rip: u64) -> bool {
    (casement_relay_entry as *const () as u64..casement_relay_entry_end as *const () as u64)
        .contains(&rip)
}

/// The program's state as the relay entry received it, from the relay's
/// frame (`rbp`): its return address, stack pointer, and the rbp, rbx and
/// rsi the relay saved. Other registers the relay leaves as it found them.
pub fn relay_caller(rbp: u64) -> Option<RelayCaller> {
    let read = |at: u64| syscalls::user::read::<u64>(at).ok();
    Some(RelayCaller {
        rip: read(rbp + 8)?,
        rsp: rbp + 16,
        rbp: read(rbp)?,
        rbx: read(rbp - 8)?,
        rsi: read(rbp - 16)?,
    })
}

/// See [`relay_caller`].
pub struct RelayCaller {
    pub rip: u64,
    pub rsp: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rsi: u64,
}

/// What every unimplemented export does: say so, and fail the way Windows
/// fails.
extern "win64" fn unimplemented(id: u32) -> u64 {
    let found = if id & crate::stubs::STUB_ID != 0 {
        crate::stubs::by_id(id)
    } else {
        registry::export_by_id(id).map(|(dll, export)| (dll, export.name))
    };
    let Some((dll, name)) = found else {
        return 0;
    };
    log::error!(target: "unimplemented", "unimplemented {}.{}", dll_display(dll.name), name);
    eprintln_once(dll.name, name);
    let (value, last_error) = dll.failure.result(name);
    if let Some(e) = last_error {
        syscalls::nt::set_last_error(e);
    }
    value
}

/// Unimplemented calls are reported on stderr even without tracing, once per
/// function, so a user sees why a program misbehaves.
fn eprintln_once(dll: &str, name: &str) {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let key = format!("{}.{}", dll_display(dll), name);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.get_or_insert_with(HashSet::new).insert(key.clone())
        && !log::log_enabled!(target: "unimplemented", log::Level::Error)
    {
        eprintln!("casement: unimplemented {key}");
    }
}

/// `kernel32.dll` -> `KERNEL32`, as traces name DLLs.
pub fn dll_display(name: &str) -> String {
    name.strip_suffix(".dll")
        .unwrap_or(name)
        .to_ascii_uppercase()
}

fn describe(kind: Arg, value: u64) -> String {
    match kind {
        Arg::Int => format!("{:#x}", value),
        Arg::Ptr => format!("{:#x}", value),
        Arg::Str | Arg::WStr if value < 0x1_0000 => format!("{:#x}", value),
        Arg::Str => {
            let mut s = Vec::new();
            for i in 0..256u64 {
                match syscalls::user::read::<u8>(value + i) {
                    Ok(0) => break,
                    Ok(b) => s.push(b),
                    Err(_) => return format!("{:#x} <bad pointer>", value),
                }
            }
            format!("{:#x} {:?}", value, String::from_utf8_lossy(&s))
        }
        Arg::WStr => {
            let mut s = Vec::new();
            for i in 0..256u64 {
                match syscalls::user::read::<u16>(value + 2 * i) {
                    Ok(0) => break,
                    Ok(u) => s.push(u),
                    Err(_) => return format!("{:#x} <bad pointer>", value),
                }
            }
            format!("{:#x} L{:?}", value, String::from_utf16_lossy(&s))
        }
    }
}

extern "win64" fn relay_enter(id: u32, args: *const u64, ret: u64) -> u64 {
    let Some((dll, export)) = registry::export_by_id(id) else {
        return 0;
    };
    let target = match export.kind {
        ExportKind::Func(c) | ExportKind::Variadic(c) => c.0 as u64,
        _ => unimplemented_entry(),
    };
    let shown: Vec<String> = export
        .args
        .iter()
        .enumerate()
        .map(|(i, &kind)| {
            let v = syscalls::user::read::<u64>(args as u64 + 8 * i as u64).unwrap_or(0);
            describe(kind, v)
        })
        .collect();
    log::trace!(
        target: "relay",
        "{:04x}:Call {}.{}({}) ret={:x}",
        tid(),
        dll_display(dll.name),
        export.name,
        shown.join(","),
        ret
    );
    target
}

extern "win64" fn relay_exit(id: u32, result: u64) {
    if let Some((dll, export)) = registry::export_by_id(id) {
        log::trace!(target: "relay", "{:04x}:Ret  {}.{}() retval={:#x}", tid(), dll_display(dll.name), export.name, result);
    }
}

fn tid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc_gettid() }
}

extern "C" {
    #[link_name = "gettid"]
    fn libc_gettid() -> u32;
}
