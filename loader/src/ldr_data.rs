//! The PEB's loader data in guest memory: PEB_LDR_DATA and one
//! LDR_DATA_TABLE_ENTRY per module, linked in load, memory and
//! initialization order, because runtimes walk these lists themselves.

use std::sync::Mutex;
use syscalls::nt::{
    self, LDR_DATA_TABLE_ENTRY, LDR_DATA_TABLE_ENTRY_SIZE, LIST_ENTRY, PEB_LDR_DATA, UNICODE_STRING,
};

/// A bump allocator for loader records (they live as long as the process
/// or the module) over reserved guest memory, committed a page at a time as
/// it fills: a process with a few modules touches one or two pages, and
/// every page touched costs start-up time.
struct Arena {
    next: u64,
    /// End of the committed part.
    committed: u64,
    /// End of the reservation.
    end: u64,
}

static ARENA: Mutex<Arena> = Mutex::new(Arena {
    next: 0,
    committed: 0,
    end: 0,
});

const PAGE: u64 = 0x1000;
const MEM_COMMIT: u32 = 0x1000;
const MEM_RESERVE: u32 = 0x2000;
const PAGE_READWRITE: u32 = 0x04;

/// Allocates zeroed guest memory for loader records.
pub fn alloc(size: usize) -> u64 {
    let size = (size as u64 + 15) & !15;
    let mut a = ARENA.lock().unwrap_or_else(|e| e.into_inner());
    if a.next + size > a.end {
        let mut base = 0u64;
        let mut region = size.max(0x1_0000);
        if !crate::nt::allocate(&mut base, &mut region, MEM_RESERVE, PAGE_READWRITE).is_success() {
            return 0;
        }
        *a = Arena {
            next: base,
            committed: base,
            end: base + region,
        };
    }
    if a.next + size > a.committed {
        let mut base = a.committed;
        let mut region = (a.next + size - a.committed).div_ceil(PAGE) * PAGE;
        if !crate::nt::allocate(&mut base, &mut region, MEM_COMMIT, PAGE_READWRITE).is_success() {
            return 0;
        }
        a.committed = base + region;
    }
    let p = a.next;
    a.next += size;
    p
}

/// Copies a UTF-16 string (NUL-terminated) into guest memory.
pub fn unicode(s: &str) -> UNICODE_STRING {
    let units: Vec<u16> = s.encode_utf16().collect();
    let p = alloc(units.len() * 2 + 2);
    if p == 0 {
        return UNICODE_STRING::default();
    }
    // SAFETY: p is fresh guest memory with room for the string and its NUL.
    unsafe { core::ptr::copy_nonoverlapping(units.as_ptr(), p as *mut u16, units.len()) };
    UNICODE_STRING {
        Length: (units.len() * 2) as u16,
        MaximumLength: (units.len() * 2 + 2) as u16,
        _pad: 0,
        Buffer: p,
    }
}

/// Creates PEB_LDR_DATA with three empty lists and hooks it into the PEB.
pub fn create(peb: u64) -> u64 {
    let ldr = alloc(core::mem::size_of::<PEB_LDR_DATA>());
    let head = |off: usize| LIST_ENTRY {
        Flink: ldr + off as u64,
        Blink: ldr + off as u64,
    };
    let data = PEB_LDR_DATA {
        Length: core::mem::size_of::<PEB_LDR_DATA>() as u32,
        Initialized: 1,
        InLoadOrderModuleList: head(0x10),
        InMemoryOrderModuleList: head(0x20),
        InInitializationOrderModuleList: head(0x30),
        ..Default::default()
    };
    // SAFETY: ldr is fresh guest memory of the right size; peb is the PEB.
    unsafe {
        core::ptr::write(ldr as *mut PEB_LDR_DATA, data);
        core::ptr::write((peb + nt::peb::LDR as u64) as *mut u64, ldr);
    }
    ldr
}

/// Appends `link` (the address of a LIST_ENTRY inside an entry) at the tail
/// of the list whose head is at `head`.
///
/// # Safety
/// Both addresses must be valid LIST_ENTRY records of loader lists.
unsafe fn insert_tail(head: u64, link: u64) {
    let h = head as *mut LIST_ENTRY;
    let l = link as *mut LIST_ENTRY;
    let last = (*h).Blink as *mut LIST_ENTRY;
    (*l).Flink = head;
    (*l).Blink = last as u64;
    (*last).Flink = link;
    (*h).Blink = link;
}

/// Removes `link` from its list.
///
/// # Safety
/// `link` must be on a loader list.
unsafe fn unlink(link: u64) {
    let l = link as *mut LIST_ENTRY;
    let (f, b) = ((*l).Flink as *mut LIST_ENTRY, (*l).Blink as *mut LIST_ENTRY);
    (*b).Flink = f as u64;
    (*f).Blink = b as u64;
    (*l).Flink = link;
    (*l).Blink = link;
}

/// LDR_DATA_TABLE_ENTRY.Flags bits.
pub const LDRP_IMAGE_DLL: u32 = 0x0000_0004;
pub const LDRP_ENTRY_PROCESSED: u32 = 0x0000_4000;
pub const LDRP_PROCESS_ATTACH_CALLED: u32 = 0x0008_0000;

/// Creates a module's entry and links it in load and memory order.
pub fn add_entry(
    ldr: u64,
    base: u64,
    size: u64,
    entry: u64,
    full: &str,
    name: &str,
    flags: u32,
    stamp: u32,
) -> u64 {
    let e = alloc(LDR_DATA_TABLE_ENTRY_SIZE);
    if e == 0 {
        return 0;
    }
    let record = LDR_DATA_TABLE_ENTRY {
        DllBase: base,
        EntryPoint: entry,
        SizeOfImage: size as u32,
        FullDllName: unicode(full),
        BaseDllName: unicode(name),
        Flags: flags,
        ObsoleteLoadCount: 0xFFFF,
        TimeDateStamp: stamp,
        ..Default::default()
    };
    // SAFETY: e is fresh guest memory for the entry; ldr is PEB_LDR_DATA.
    unsafe {
        core::ptr::write(e as *mut LDR_DATA_TABLE_ENTRY, record);
        let hl = e + 0x70; // HashLinks: empty list
        core::ptr::write(
            hl as *mut LIST_ENTRY,
            LIST_ENTRY {
                Flink: hl,
                Blink: hl,
            },
        );
        let il = e + 0x20;
        core::ptr::write(
            il as *mut LIST_ENTRY,
            LIST_ENTRY {
                Flink: il,
                Blink: il,
            },
        );
        insert_tail(ldr + 0x10, e);
        insert_tail(ldr + 0x20, e + 0x10);
    }
    e
}

/// Links an entry into the initialization-order list.
pub fn mark_initialized(ldr: u64, entry: u64) {
    // SAFETY: both are loader records in guest memory.
    unsafe { insert_tail(ldr + 0x30, entry + 0x20) }
}

pub fn set_flags(entry: u64, flags: u32) {
    // SAFETY: entry is a loader record; Flags is at 0x68.
    unsafe {
        let p = (entry + 0x68) as *mut u32;
        *p |= flags;
    }
}

/// Unlinks an entry from every list (FreeLibrary of the last reference).
pub fn remove_entry(entry: u64) {
    // SAFETY: entry is a loader record on the three lists.
    unsafe {
        unlink(entry);
        unlink(entry + 0x10);
        let il = entry + 0x20;
        if (*(il as *const LIST_ENTRY)).Flink != il {
            unlink(il);
        }
    }
}
