//! Stubs for declared but unimplemented exports of builtin DLLs.
//!
//! A builtin DLL's export directory holds what casement implements; the
//! rest of the real DLL's exports are only declared (a list of names). An
//! import of a declared name binds to a stub made on demand: `mov eax, id;
//! jmp [rip+slot]` into the unimplemented entry, which logs `unimplemented
//! DLL.Function` and fails the way Windows fails. Keeping them out of the
//! synthesized images keeps process start-up cheap.

use crate::builtin::BuiltinDll;
use crate::thunk;
use std::sync::Mutex;

/// Stub ids have this bit set (export ids never do: DLL index << 16 stays
/// small).
pub const STUB_ID: u32 = 0x8000_0000;
const PAGE: u64 = 0x1000;
const REGION: u64 = 0x1_0000;

struct Stubs {
    /// (DLL, name, address) of every stub made, indexed by id.
    made: Vec<(&'static BuiltinDll, &'static str, u64)>,
    /// Current region and the next free byte in it.
    region: u64,
    next: u64,
}

static STUBS: Mutex<Stubs> = Mutex::new(Stubs {
    made: Vec::new(),
    region: 0,
    next: 0,
});

/// The stub for `dll!name` (made once), or None if the DLL does not declare
/// the name.
pub fn get(dll: &'static BuiltinDll, name: &str) -> Option<u64> {
    let line = dll.declared.lines().find(|l| *l == name)?;
    let mut s = STUBS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&(_, _, a)) = s
        .made
        .iter()
        .find(|(d, n, _)| core::ptr::eq(*d, dll) && *n == line)
    {
        return Some(a);
    }
    if s.region == 0 || s.next + thunk::PLAIN_SIZE as u64 > s.region + REGION {
        let (mut base, mut size) = (0u64, REGION);
        if !crate::nt::allocate(&mut base, &mut size, 0x3000, 0x04).is_success() {
            return None;
        }
        // The first slot of a region holds the unimplemented entry that
        // every stub in it jumps through.
        // SAFETY: a fresh read-write region.
        unsafe { *(base as *mut u64) = thunk::unimplemented_entry() };
        s.region = base;
        s.next = base + 16;
    }
    let at = s.next;
    let id = STUB_ID | s.made.len() as u32;
    let page = at & !(PAGE - 1);
    crate::nt::protect(page, PAGE, 0x04).ok()?;
    // SAFETY: the stub region, whose page at `at` is now writable; only
    // that thunk's bytes are written.
    let region = unsafe { core::slice::from_raw_parts_mut(s.region as *mut u8, REGION as usize) };
    thunk::plain(region, (at - s.region) as usize, id, 0);
    crate::nt::protect(page, PAGE, 0x20).ok()?;
    s.next += thunk::PLAIN_SIZE as u64;
    s.made.push((dll, line, at));
    Some(at)
}

/// The DLL and name behind a stub id.
pub fn by_id(id: u32) -> Option<(&'static BuiltinDll, &'static str)> {
    let s = STUBS.lock().unwrap_or_else(|e| e.into_inner());
    s.made
        .get((id & !STUB_ID) as usize)
        .map(|&(d, n, _)| (d, n))
}

/// The DLL and name of the stub at `address`, if it is one. Never waits:
/// exception dispatch asks this, possibly while a stub is being made.
pub fn at(address: u64) -> Option<(&'static str, &'static str)> {
    let s = STUBS.try_lock().ok()?;
    s.made
        .iter()
        .find(|&&(_, _, a)| a == address)
        .map(|&(d, n, _)| (d.name, n))
}
