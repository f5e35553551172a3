//! Finding a function's unwind data: the exception directory (.pdata) of
//! the image that holds the code, or a function table registered at run
//! time for generated code (RtlAddFunctionTable,
//! RtlInstallFunctionTableCallback). RtlLookupFunctionEntry,
//! RtlPcToFileHeader.

use std::sync::RwLock;
use syscalls::exception::RUNTIME_FUNCTION;
use syscalls::user;

const ENTRY_SIZE: u64 = 12;
/// IMAGE_DIRECTORY_ENTRY_EXCEPTION.
const EXCEPTION_DIRECTORY: u64 = 3;

/// A function entry found for an address.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    /// Where the RUNTIME_FUNCTION lies (what RtlLookupFunctionEntry returns).
    pub entry: u64,
    pub function: RUNTIME_FUNCTION,
    pub image_base: u64,
}

/// A function table registered at run time.
enum Dynamic {
    Table {
        table: u64,
        count: u32,
        base: u64,
        /// Lowest BeginAddress and highest EndAddress (RVAs).
        span: (u32, u32),
    },
    Callback {
        identifier: u64,
        base: u64,
        length: u64,
        callback: u64,
        context: u64,
    },
}

static DYNAMIC: RwLock<Vec<Dynamic>> = RwLock::new(Vec::new());

fn read_function(at: u64) -> Option<RUNTIME_FUNCTION> {
    // Two loads rather than one 12-byte copy: this runs for every step of
    // every binary search.
    let range = user::read::<u64>(at).ok()?;
    Some(RUNTIME_FUNCTION {
        BeginAddress: range as u32,
        EndAddress: (range >> 32) as u32,
        UnwindData: user::read::<u32>(at + 8).ok()?,
    })
}

/// The exception directory of the image at `base`: (address, entries).
fn exception_directory(base: u64) -> Option<(u64, u64)> {
    let lfanew = user::read::<u32>(base + 0x3C).ok()? as u64;
    let nt = base + lfanew;
    if user::read::<u32>(nt).ok()? != 0x4550 {
        return None;
    }
    let optional = nt + 24;
    if user::read::<u16>(optional).ok()? != 0x20B {
        return None;
    }
    let count = user::read::<u32>(optional + 108).ok()? as u64;
    if count <= EXCEPTION_DIRECTORY {
        return None;
    }
    let dir = user::read::<[u32; 2]>(optional + 112 + EXCEPTION_DIRECTORY * 8).ok()?;
    (dir[0] != 0 && dir[1] != 0).then_some((base + dir[0] as u64, dir[1] as u64 / ENTRY_SIZE))
}

/// Binary search of a table sorted by BeginAddress for `rva`.
fn search(table: u64, count: u64, rva: u32) -> Option<(u64, RUNTIME_FUNCTION)> {
    let (mut lo, mut hi) = (0u64, count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let at = table + mid * ENTRY_SIZE;
        let f = read_function(at)?;
        if rva < f.BeginAddress {
            hi = mid;
        } else if rva >= f.EndAddress {
            lo = mid + 1;
        } else {
            return Some((at, f));
        }
    }
    None
}

/// An entry whose UnwindData has its low bit set points at the entry that
/// really describes the code (RUNTIME_FUNCTION_INDIRECT).
fn resolve_indirect(base: u64, at: u64, f: RUNTIME_FUNCTION) -> Option<(u64, RUNTIME_FUNCTION)> {
    if f.UnwindData & 1 == 0 {
        return Some((at, f));
    }
    let real = base + (f.UnwindData & !1) as u64;
    Some((real, read_function(real)?))
}

/// The function entry for the code at `pc`.
pub fn lookup(pc: u64) -> Option<Found> {
    if let Some((base, _)) = loader::images::image_bounds(pc) {
        let (table, count) = exception_directory(base)?;
        let (at, f) = search(table, count, (pc - base) as u32)?;
        let (entry, function) = resolve_indirect(base, at, f)?;
        return Some(Found {
            entry,
            function,
            image_base: base,
        });
    }
    let tables = DYNAMIC.read().unwrap_or_else(|e| e.into_inner());
    for t in tables.iter() {
        match *t {
            Dynamic::Table {
                table,
                count,
                base,
                span,
            } => {
                let Some(rva) = pc.checked_sub(base) else {
                    continue;
                };
                if rva >= u32::MAX as u64 || (rva as u32) < span.0 || (rva as u32) >= span.1 {
                    continue;
                }
                // Tables added at run time need not be sorted: scan.
                for i in 0..count as u64 {
                    let at = table + i * ENTRY_SIZE;
                    let Some(f) = read_function(at) else { break };
                    if (rva as u32) >= f.BeginAddress && (rva as u32) < f.EndAddress {
                        let (entry, function) = resolve_indirect(base, at, f)?;
                        return Some(Found {
                            entry,
                            function,
                            image_base: base,
                        });
                    }
                }
            }
            Dynamic::Callback {
                base,
                length,
                callback,
                context,
                ..
            } => {
                if pc < base || pc - base >= length {
                    continue;
                }
                // PGET_RUNTIME_FUNCTION_CALLBACK(ControlPc, Context).
                // SAFETY: the program registered this callback for the range.
                let f: extern "win64" fn(u64, u64) -> u64 =
                    unsafe { core::mem::transmute(callback) };
                drop(tables);
                let at = f(pc, context);
                let function = read_function(at)?;
                return Some(Found {
                    entry: at,
                    function,
                    image_base: base,
                });
            }
        }
    }
    None
}

/// RtlLookupFunctionEntry(ControlPc, ImageBase, HistoryTable).
pub extern "win64" fn RtlLookupFunctionEntry(pc: u64, image_base: *mut u64, _history: u64) -> u64 {
    match lookup(pc) {
        Some(found) => {
            let _ = user::write(image_base as u64, &found.image_base);
            found.entry
        }
        None => {
            let _ = user::write_opt(image_base as u64, &0u64);
            0
        }
    }
}

/// RtlPcToFileHeader(PcValue, BaseOfImage): the base of the image holding
/// the address, or NULL.
pub extern "win64" fn RtlPcToFileHeader(pc: u64, base_out: *mut u64) -> u64 {
    let base = loader::images::image_bounds(pc).map_or(0, |(b, _)| b);
    let _ = user::write(base_out as u64, &base);
    base
}

/// RtlAddFunctionTable(FunctionTable, EntryCount, BaseAddress) -> BOOLEAN.
pub extern "win64" fn RtlAddFunctionTable(table: u64, count: u32, base: u64) -> u8 {
    if table == 0 || count == 0 {
        return 0;
    }
    let mut span = (u32::MAX, 0u32);
    for i in 0..count as u64 {
        let Some(f) = read_function(table + i * ENTRY_SIZE) else {
            return 0;
        };
        span.0 = span.0.min(f.BeginAddress);
        span.1 = span.1.max(f.EndAddress);
    }
    DYNAMIC
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .push(Dynamic::Table {
            table,
            count,
            base,
            span,
        });
    1
}

/// RtlInstallFunctionTableCallback(TableIdentifier, BaseAddress, Length,
/// Callback, Context, OutOfProcessCallbackDll) -> BOOLEAN. The identifier's
/// two low bits must be set, which tells it apart from a table address.
pub extern "win64" fn RtlInstallFunctionTableCallback(
    identifier: u64,
    base: u64,
    length: u32,
    callback: u64,
    context: u64,
    _out_of_process_dll: u64,
) -> u8 {
    if identifier & 3 != 3 || callback == 0 {
        return 0;
    }
    DYNAMIC
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .push(Dynamic::Callback {
            identifier,
            base,
            length: length as u64,
            callback,
            context,
        });
    1
}

/// RtlDeleteFunctionTable(FunctionTable) -> BOOLEAN: removes a table added
/// by either of the two calls above (by table address or identifier).
pub extern "win64" fn RtlDeleteFunctionTable(table: u64) -> u8 {
    let mut tables = DYNAMIC.write().unwrap_or_else(|e| e.into_inner());
    let before = tables.len();
    tables.retain(|t| match *t {
        Dynamic::Table { table: at, .. } => at != table,
        Dynamic::Callback { identifier, .. } => identifier != table,
    });
    (tables.len() != before) as u8
}
