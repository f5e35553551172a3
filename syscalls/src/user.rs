//! Typed access to user (guest) memory for the executive.
//!
//! Every pointer a service receives is untrusted. Copies go through one small
//! assembly routine; when it faults, the host's SIGSEGV handler asks
//! [`fault_fixup`] and resumes at the routine's fault exit, so a bad pointer
//! becomes STATUS_ACCESS_VIOLATION instead of a crash — the way a kernel's
//! exception table works.

use crate::status::{NtResult, STATUS_ACCESS_VIOLATION};

/// Lowest address a guest pointer may have (the first 64 KiB are never mapped
/// on Windows).
pub const LOWEST_USER_ADDRESS: u64 = 0x1_0000;
/// One past the highest user-mode address of x64 Windows (and Linux).
pub const USER_LIMIT: u64 = 0x7FFF_FFFF_0000;

core::arch::global_asm!(
    ".pushsection .text.casement_user_copy,\"ax\",@progbits",
    ".globl casement_user_copy",
    ".globl casement_user_copy_insn",
    ".globl casement_user_copy_fault",
    // System V: rdi = destination, rsi = source, rdx = length; rax = 0 on
    // success, 1 if the copy faulted.
    "casement_user_copy:",
    "mov rcx, rdx",
    "casement_user_copy_insn:",
    "rep movsb",
    "xor eax, eax",
    "ret",
    "casement_user_copy_fault:",
    "mov eax, 1",
    "ret",
    // Loads of 1, 2, 4 and 8 bytes (rdi = address): rax = the value,
    // rdx = 0; rdx = 1 if the load faulted. `rep movsb` costs tens of
    // cycles to start, which dominates the small reads of unwind data.
    ".globl casement_user_load1",
    ".globl casement_user_load2",
    ".globl casement_user_load4",
    ".globl casement_user_load8",
    ".globl casement_user_load_insn1",
    ".globl casement_user_load_insn2",
    ".globl casement_user_load_insn4",
    ".globl casement_user_load_insn8",
    ".globl casement_user_load_fault",
    "casement_user_load1:",
    "xor edx, edx",
    "casement_user_load_insn1:",
    "movzx eax, byte ptr [rdi]",
    "ret",
    "casement_user_load2:",
    "xor edx, edx",
    "casement_user_load_insn2:",
    "movzx eax, word ptr [rdi]",
    "ret",
    "casement_user_load4:",
    "xor edx, edx",
    "casement_user_load_insn4:",
    "mov eax, dword ptr [rdi]",
    "ret",
    "casement_user_load8:",
    "xor edx, edx",
    "casement_user_load_insn8:",
    "mov rax, qword ptr [rdi]",
    "ret",
    "casement_user_load_fault:",
    "mov edx, 1",
    "ret",
    ".popsection",
);

/// What a load returns: the value and whether it faulted (rax:rdx).
#[repr(C)]
struct Loaded {
    value: u64,
    faulted: u64,
}

extern "C" {
    fn casement_user_copy(dst: *mut u8, src: *const u8, len: usize) -> u64;
    fn casement_user_copy_insn();
    fn casement_user_copy_fault();
    fn casement_user_load1(addr: u64) -> Loaded;
    fn casement_user_load2(addr: u64) -> Loaded;
    fn casement_user_load4(addr: u64) -> Loaded;
    fn casement_user_load8(addr: u64) -> Loaded;
    fn casement_user_load_insn1();
    fn casement_user_load_insn2();
    fn casement_user_load_insn4();
    fn casement_user_load_insn8();
    fn casement_user_load_fault();
}

/// If `rip` is the faulting instruction of the user-copy routine, the address
/// to resume at (the routine's fault exit). Called from the host's SIGSEGV /
/// SIGBUS handler.
pub fn fault_fixup(rip: u64) -> Option<u64> {
    if rip == casement_user_copy_insn as *const () as u64 {
        return Some(casement_user_copy_fault as *const () as u64);
    }
    let loads = [
        casement_user_load_insn1 as *const () as u64,
        casement_user_load_insn2 as *const () as u64,
        casement_user_load_insn4 as *const () as u64,
        casement_user_load_insn8 as *const () as u64,
    ];
    loads
        .contains(&rip)
        .then_some(casement_user_load_fault as *const () as u64)
}

/// Marks plain-data types that may be copied to and from guest memory bit for
/// bit.
///
/// # Safety
/// Every bit pattern must be a valid value of the type.
pub unsafe trait Pod: Copy + 'static {}
macro_rules! pod {
    ($($t:ty),*) => { $(unsafe impl Pod for $t {})* };
}
pod!(u8, u16, u32, u64, i8, i16, i32, i64, usize, isize);
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

fn check_range(addr: u64, len: usize) -> NtResult<()> {
    let end = addr
        .checked_add(len as u64)
        .ok_or(STATUS_ACCESS_VIOLATION)?;
    if len != 0 && (addr < LOWEST_USER_ADDRESS || end > USER_LIMIT) {
        return Err(STATUS_ACCESS_VIOLATION);
    }
    Ok(())
}

/// Copies `buf.len()` bytes from guest address `addr`.
pub fn read_into(addr: u64, buf: &mut [u8]) -> NtResult<()> {
    check_range(addr, buf.len())?;
    if buf.is_empty() {
        return Ok(());
    }
    // SAFETY: the destination is a valid host buffer; the source is guest
    // memory whose faults are caught by fault_fixup.
    match unsafe { casement_user_copy(buf.as_mut_ptr(), addr as *const u8, buf.len()) } {
        0 => Ok(()),
        _ => Err(STATUS_ACCESS_VIOLATION),
    }
}

/// Copies `data` to guest address `addr`.
pub fn write_from(addr: u64, data: &[u8]) -> NtResult<()> {
    check_range(addr, data.len())?;
    if data.is_empty() {
        return Ok(());
    }
    // SAFETY: as in read_into, with the roles swapped.
    match unsafe { casement_user_copy(addr as *mut u8, data.as_ptr(), data.len()) } {
        0 => Ok(()),
        _ => Err(STATUS_ACCESS_VIOLATION),
    }
}

/// Reads a `T` from guest memory.
pub fn read<T: Pod>(addr: u64) -> NtResult<T> {
    let size = core::mem::size_of::<T>();
    if matches!(size, 1 | 2 | 4 | 8) {
        check_range(addr, size)?;
        // SAFETY: the load routines read `size` bytes at `addr`, a guest
        // address whose faults are caught by fault_fixup.
        let loaded = unsafe {
            match size {
                1 => casement_user_load1(addr),
                2 => casement_user_load2(addr),
                4 => casement_user_load4(addr),
                _ => casement_user_load8(addr),
            }
        };
        if loaded.faulted != 0 {
            return Err(STATUS_ACCESS_VIOLATION);
        }
        let bytes = loaded.value.to_le_bytes();
        let mut value = core::mem::MaybeUninit::<T>::zeroed();
        // SAFETY: T is Pod of `size` bytes; every bit pattern is valid.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), value.as_mut_ptr() as *mut u8, size);
            return Ok(value.assume_init());
        }
    }
    let mut value = core::mem::MaybeUninit::<T>::zeroed();
    // SAFETY: the bytes of a zeroed T are valid to write through as u8.
    let bytes = unsafe {
        core::slice::from_raw_parts_mut(value.as_mut_ptr() as *mut u8, core::mem::size_of::<T>())
    };
    read_into(addr, bytes)?;
    // SAFETY: T is Pod, every bit pattern is valid.
    Ok(unsafe { value.assume_init() })
}

/// Writes a `T` to guest memory.
pub fn write<T: Pod>(addr: u64, value: &T) -> NtResult<()> {
    // SAFETY: T is Pod; its bytes are plain data.
    let bytes = unsafe {
        core::slice::from_raw_parts(value as *const T as *const u8, core::mem::size_of::<T>())
    };
    write_from(addr, bytes)
}

/// Writes an optional out-parameter: nothing when the pointer is NULL.
pub fn write_opt<T: Pod>(addr: u64, value: &T) -> NtResult<()> {
    if addr == 0 {
        Ok(())
    } else {
        write(addr, value)
    }
}

/// Reads `count` UTF-16 units.
pub fn read_u16s(addr: u64, count: usize) -> NtResult<Vec<u16>> {
    let bytes = count.checked_mul(2).ok_or(STATUS_ACCESS_VIOLATION)?;
    check_range(addr, bytes)?;
    let mut units = vec![0u16; count];
    // SAFETY: a u16 buffer viewed as bytes.
    let raw = unsafe { core::slice::from_raw_parts_mut(units.as_mut_ptr() as *mut u8, bytes) };
    read_into(addr, raw)?;
    Ok(units)
}

/// Reads `len` bytes.
pub fn read_bytes(addr: u64, len: usize) -> NtResult<Vec<u8>> {
    check_range(addr, len)?;
    let mut buf = vec![0u8; len];
    read_into(addr, &mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_null_and_kernel_addresses() {
        assert_eq!(read::<u32>(0), Err(STATUS_ACCESS_VIOLATION));
        assert_eq!(read::<u32>(0x8000_0000_0000), Err(STATUS_ACCESS_VIOLATION));
        assert_eq!(read::<u32>(u64::MAX - 1), Err(STATUS_ACCESS_VIOLATION));
    }

    #[test]
    fn copies_valid_memory() {
        let src: u64 = 0x1122_3344_5566_7788;
        assert_eq!(read::<u64>(&src as *const u64 as u64), Ok(src));
        let mut dst = 0u32;
        write(&mut dst as *mut u32 as u64, &7u32).unwrap();
        assert_eq!(dst, 7);
    }
}

/// Whether `address` is in casement's own code (the host executable's
/// text): exception dispatch and unwinding stop walking guest frames
/// there, and a fault there is casement's, not the program's.
pub fn is_host_code(address: u64) -> bool {
    extern "C" {
        static __executable_start: u8;
        static etext: u8;
    }
    // SAFETY: linker-defined symbols; only their addresses are taken.
    let (start, end) = unsafe {
        (
            &__executable_start as *const u8 as u64,
            &etext as *const u8 as u64,
        )
    };
    (start..end).contains(&address)
}
