//! RtlVirtualUnwind: undoing one function's frame on a CONTEXT from its
//! UNWIND_INFO, the x64 table-based scheme — prologue codes replayed in
//! reverse (only those already executed when the address is inside the
//! prologue), epilogues recognized from the code and executed forward,
//! chained unwind info followed, machine frames popped.

use super::lookup::Found;
use syscalls::exception::*;
use syscalls::user;
use syscalls::{NtResult, NtStatus, STATUS_BAD_STACK};

// UNWIND_CODE operations.
const UWOP_PUSH_NONVOL: u8 = 0;
const UWOP_ALLOC_LARGE: u8 = 1;
const UWOP_ALLOC_SMALL: u8 = 2;
const UWOP_SET_FPREG: u8 = 3;
const UWOP_SAVE_NONVOL: u8 = 4;
const UWOP_SAVE_NONVOL_FAR: u8 = 5;
/// Version 2: epilogue descriptions (version 1: an old XMM save).
const UWOP_EPILOG: u8 = 6;
const UWOP_SPARE_CODE: u8 = 7;
const UWOP_SAVE_XMM128: u8 = 8;
const UWOP_SAVE_XMM128_FAR: u8 = 9;
const UWOP_PUSH_MACHFRAME: u8 = 10;

/// Chained unwind info levels followed before giving up on a loop.
const MAX_CHAIN: usize = 32;

/// What unwinding one frame found.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unwound {
    /// The language handler for the requested kind, 0 if none applies.
    pub handler: u64,
    /// Its data (what follows the handler's RVA in the unwind info).
    pub handler_data: u64,
    /// The frame's establisher frame.
    pub establisher: u64,
}

fn bad_stack<T>(_: NtStatus) -> NtResult<T> {
    Err(STATUS_BAD_STACK)
}

fn read64(at: u64) -> NtResult<u64> {
    user::read::<u64>(at).or_else(bad_stack)
}

/// One UNWIND_INFO header.
struct Info {
    at: u64,
    version: u8,
    flags: u32,
    prolog: u8,
    count: usize,
    frame_reg: usize,
    frame_offset: u64,
}

fn read_info(base: u64, rva: u32) -> NtResult<Info> {
    let at = base + rva as u64;
    let h = user::read::<[u8; 4]>(at).or_else(bad_stack)?;
    Ok(Info {
        at,
        version: h[0] & 7,
        flags: (h[0] >> 3) as u32,
        prolog: h[1],
        count: h[2] as usize,
        frame_reg: (h[3] & 0xF) as usize,
        frame_offset: (h[3] >> 4) as u64 * 16,
    })
}

fn codes(info: &Info) -> NtResult<Vec<u16>> {
    // Word loads: the arrays are short, and a block copy costs more to
    // start than these do in all.
    (0..info.count)
        .map(|i| user::read::<u16>(info.at + 4 + 2 * i as u64).or_else(bad_stack))
        .collect()
}

/// Reads the code at `pc`: `N` bytes, or as many as lie before the first
/// unreadable page (zeros after them). None if `pc` itself is unreadable.
fn code_at<const N: usize>(pc: u64) -> Option<[u8; N]> {
    let mut code = [0u8; N];
    if user::read_into(pc, &mut code).is_ok() {
        return Some(code);
    }
    let to_page_end = ((pc | 0xFFF) + 1 - pc) as usize;
    let n = to_page_end.min(N);
    user::read_into(pc, &mut code[..n]).ok()?;
    Some(code)
}

/// Where the data after the unwind codes starts (the handler or the
/// chained entry): the code array is padded to an even count.
fn after_codes(info: &Info) -> u64 {
    info.at + 4 + 2 * ((info.count as u64 + 1) & !1)
}

fn slots(op: u8, info: u8, version: u8) -> usize {
    match op {
        UWOP_ALLOC_LARGE if info == 0 => 2,
        UWOP_ALLOC_LARGE => 3,
        UWOP_SAVE_NONVOL | UWOP_SAVE_XMM128 => 2,
        UWOP_SAVE_NONVOL_FAR | UWOP_SAVE_XMM128_FAR => 3,
        UWOP_EPILOG if version >= 2 => 2,
        UWOP_EPILOG => 2,
        UWOP_SPARE_CODE => 3,
        _ => 1,
    }
}

/// Optional pointers to where each nonvolatile integer register was
/// restored from (KNONVOLATILE_CONTEXT_POINTERS.IntegerContext).
pub type RegisterHomes<'a> = Option<&'a mut [u64; 16]>;

/// Replays the unwind codes of one UNWIND_INFO on `ctx`. Returns whether a
/// machine frame set rip and rsp already.
fn replay(
    info: &Info,
    pc_offset: u64,
    in_prolog: bool,
    establisher: u64,
    ctx: &mut CONTEXT,
    homes: &mut RegisterHomes,
) -> NtResult<bool> {
    let codes = codes(info)?;
    let mut i = 0;
    let mut machine_frame = false;
    while i < codes.len() {
        let c = codes[i];
        let offset = (c & 0xFF) as u64;
        let op = ((c >> 8) & 0xF) as u8;
        let opinfo = (c >> 12) as u8;
        let n = slots(op, opinfo, info.version);
        if i + n > codes.len() {
            return Err(STATUS_BAD_STACK);
        }
        if in_prolog && offset > pc_offset {
            // Not executed yet at this address.
            i += n;
            continue;
        }
        let slot = |k: usize| codes[i + k] as u64;
        let mut restore = |ctx: &mut CONTEXT, reg: usize, at: u64| -> NtResult<()> {
            ctx.Gpr[reg] = read64(at)?;
            if let Some(h) = homes.as_deref_mut() {
                h[reg] = at;
            }
            Ok(())
        };
        match op {
            UWOP_PUSH_NONVOL => {
                let rsp = ctx.rsp();
                restore(ctx, opinfo as usize, rsp)?;
                ctx.set_rsp(rsp + 8);
            }
            UWOP_ALLOC_LARGE => {
                let size = if opinfo == 0 {
                    slot(1) * 8
                } else {
                    slot(1) | (slot(2) << 16)
                };
                ctx.set_rsp(ctx.rsp() + size);
            }
            UWOP_ALLOC_SMALL => ctx.set_rsp(ctx.rsp() + opinfo as u64 * 8 + 8),
            UWOP_SET_FPREG => {
                let fp = ctx.Gpr[info.frame_reg];
                ctx.set_rsp(fp.wrapping_sub(info.frame_offset));
            }
            UWOP_SAVE_NONVOL => restore(ctx, opinfo as usize, establisher + slot(1) * 8)?,
            UWOP_SAVE_NONVOL_FAR => restore(
                ctx,
                opinfo as usize,
                establisher + (slot(1) | (slot(2) << 16)),
            )?,
            UWOP_SAVE_XMM128 => {
                let v = user::read::<[u64; 2]>(establisher + slot(1) * 16).or_else(bad_stack)?;
                ctx.set_xmm(opinfo as usize, v[0] as u128 | (v[1] as u128) << 64);
            }
            UWOP_SAVE_XMM128_FAR => {
                let at = establisher + (slot(1) | (slot(2) << 16));
                let v = user::read::<[u64; 2]>(at).or_else(bad_stack)?;
                ctx.set_xmm(opinfo as usize, v[0] as u128 | (v[1] as u128) << 64);
            }
            UWOP_EPILOG | UWOP_SPARE_CODE => {}
            UWOP_PUSH_MACHFRAME => {
                let mut rsp = ctx.rsp();
                if opinfo == 1 {
                    rsp += 8; // the error code
                }
                ctx.Rip = read64(rsp)?;
                ctx.set_rsp(read64(rsp + 24)?);
                machine_frame = true;
            }
            _ => return Err(STATUS_BAD_STACK),
        }
        i += n;
    }
    Ok(machine_frame)
}

/// If `pc` is inside an epilogue of the function, executes the rest of
/// the epilogue on `ctx` (the frame is then gone) and returns true.
/// An x64 epilogue is, by the ABI's rules: an optional `add rsp, imm` or
/// `lea rsp, [frame_reg + disp]`, pops of nonvolatile registers, then
/// `ret` or a jump out of the function.
fn finish_epilogue(pc: u64, found: &Found, frame_reg: usize, ctx: &mut CONTEXT) -> bool {
    let Some(code) = code_at::<64>(pc) else {
        return false;
    };
    let mut k = 0usize;
    let mut rsp = ctx.rsp();
    // add rsp, imm8 / imm32
    if code[0] == 0x48 && code[1] == 0x83 && code[2] == 0xC4 {
        rsp = rsp.wrapping_add(code[3] as i8 as i64 as u64);
        k = 4;
    } else if code[0] == 0x48 && code[1] == 0x81 && code[2] == 0xC4 {
        rsp = rsp.wrapping_add(i32::from_le_bytes(code[3..7].try_into().unwrap()) as i64 as u64);
        k = 7;
    } else if (code[0] & 0xF8) == 0x48 && code[1] == 0x8D {
        // lea rsp, [reg + disp8/disp32], reg the frame register.
        let modrm = code[2];
        let reg = ((code[0] & 1) << 3) as usize | (modrm & 7) as usize;
        if (modrm >> 3) & 7 != 4 || (modrm & 7) == 4 || reg != frame_reg || frame_reg == 0 {
            return false;
        }
        match modrm >> 6 {
            1 => {
                rsp = ctx.Gpr[reg].wrapping_add(code[3] as i8 as i64 as u64);
                k = 4;
            }
            2 => {
                rsp = ctx.Gpr[reg]
                    .wrapping_add(i32::from_le_bytes(code[3..7].try_into().unwrap()) as i64 as u64);
                k = 7;
            }
            _ => return false,
        }
    }
    // The pops, then the end; check the whole shape before changing ctx.
    let mut pops = Vec::new();
    loop {
        match code.get(k..k + 2) {
            Some([0x58..=0x5F, _]) => {
                pops.push((code[k] - 0x58) as usize);
                k += 1;
            }
            Some([0x41, 0x58..=0x5F]) => {
                pops.push((code[k + 1] - 0x58) as usize + 8);
                k += 2;
            }
            _ => break,
        }
    }
    let begin = found.image_base + found.function.BeginAddress as u64;
    let end = found.image_base + found.function.EndAddress as u64;
    let ends = match code.get(k..k + 6) {
        Some([0xC3, ..]) | Some([0xC2, ..]) | Some([0xF3, 0xC3, ..]) => true,
        // jmp rel32 / rel8 out of the function (a tail call).
        Some([0xE9, a, b, c, d, _]) => {
            let target = (pc + k as u64 + 5)
                .wrapping_add(i32::from_le_bytes([*a, *b, *c, *d]) as i64 as u64);
            target < begin || target >= end
        }
        Some([0xEB, d, ..]) => {
            let target = (pc + k as u64 + 2).wrapping_add(*d as i8 as i64 as u64);
            target < begin || target >= end
        }
        // jmp [rip+disp32] / rex.w jmp [...]
        Some([0xFF, 0x25, ..]) | Some([0x48, 0xFF, 0x25, ..]) => true,
        _ => false,
    };
    if !ends {
        return false;
    }
    let mut regs = ctx.Gpr;
    for r in pops {
        match user::read::<u64>(rsp) {
            Ok(v) => regs[r] = v,
            Err(_) => return false,
        }
        rsp += 8;
    }
    let Ok(ret) = user::read::<u64>(rsp) else {
        return false;
    };
    ctx.Gpr = regs;
    ctx.Rip = ret;
    ctx.set_rsp(rsp + 8);
    true
}

/// Unwinds the frame of the function `found` describes, with `ctx` the
/// state at `pc` inside it; afterwards `ctx` is the caller's state.
/// `handler_type` is UNW_FLAG_EHANDLER or UNW_FLAG_UHANDLER (or 0).
pub fn virtual_unwind(
    handler_type: u32,
    found: &Found,
    pc: u64,
    ctx: &mut CONTEXT,
    mut homes: RegisterHomes,
) -> NtResult<Unwound> {
    let base = found.image_base;
    let pc_offset = pc.wrapping_sub(base + found.function.BeginAddress as u64);
    let first = read_info(base, found.function.UnwindData)?;
    let in_prolog = pc_offset < first.prolog as u64;

    // The establisher frame: the frame register's value less its offset
    // once the prologue has set it, the stack pointer before that.
    let mut establisher = ctx.rsp();
    if first.frame_reg != 0 {
        let set = if in_prolog {
            codes(&first)?.iter().any(|&c| {
                ((c >> 8) & 0xF) as u8 == UWOP_SET_FPREG && (c & 0xFF) as u64 <= pc_offset
            })
        } else {
            true
        };
        if set {
            establisher = ctx.Gpr[first.frame_reg].wrapping_sub(first.frame_offset);
        }
    }

    if !in_prolog && finish_epilogue(pc, found, first.frame_reg, ctx) {
        return Ok(Unwound {
            establisher,
            ..Default::default()
        });
    }

    let mut info = first;
    let mut function = found.function;
    let mut machine_frame = false;
    for depth in 0.. {
        if depth == MAX_CHAIN || info.version == 0 || info.version > 2 {
            return Err(STATUS_BAD_STACK);
        }
        let offset = pc.wrapping_sub(base + function.BeginAddress as u64);
        let prolog = depth == 0 && in_prolog;
        machine_frame |= replay(&info, offset, prolog, establisher, ctx, &mut homes)?;
        if info.flags & UNW_FLAG_CHAININFO == 0 {
            break;
        }
        let at = after_codes(&info);
        let raw = user::read::<[u32; 3]>(at).or_else(bad_stack)?;
        function = RUNTIME_FUNCTION {
            BeginAddress: raw[0],
            EndAddress: raw[1],
            UnwindData: raw[2],
        };
        info = read_info(base, function.UnwindData)?;
    }

    let mut result = Unwound {
        establisher,
        ..Default::default()
    };
    if handler_type != 0 && !in_prolog && info.flags & handler_type != 0 {
        let at = after_codes(&info);
        let rva = user::read::<u32>(at).or_else(bad_stack)?;
        result.handler = base + rva as u64;
        result.handler_data = at + 4;
    }
    if !machine_frame {
        let rsp = ctx.rsp();
        ctx.Rip = read64(rsp)?;
        ctx.set_rsp(rsp + 8);
    }
    Ok(result)
}

/// Unwinds one frame of any kind: by its unwind data, or as a leaf
/// function (no frame, the return address at rsp) when it has none.
/// Returns the function entry used, if any, and what unwinding found.
pub fn unwind_frame(handler_type: u32, ctx: &mut CONTEXT) -> NtResult<(Option<Found>, Unwound)> {
    let pc = ctx.Rip;
    match super::lookup::lookup(pc) {
        Some(found) => {
            let u = virtual_unwind(handler_type, &found, pc, ctx, None)?;
            Ok((Some(found), u))
        }
        None => {
            let rsp = ctx.rsp();
            let establisher = rsp;
            ctx.Rip = read64(rsp)?;
            ctx.set_rsp(rsp + 8);
            Ok((
                None,
                Unwound {
                    establisher,
                    ..Default::default()
                },
            ))
        }
    }
}

/// RtlVirtualUnwind(HandlerType, ImageBase, ControlPc, FunctionEntry,
/// ContextRecord, HandlerData, EstablisherFrame, ContextPointers).
#[allow(clippy::too_many_arguments)]
pub extern "win64" fn RtlVirtualUnwind(
    handler_type: u32,
    image_base: u64,
    pc: u64,
    function_entry: u64,
    ctx: *mut CONTEXT,
    handler_data: *mut u64,
    establisher_frame: *mut u64,
    context_pointers: u64,
) -> u64 {
    let Ok(raw) = user::read::<[u32; 3]>(function_entry) else {
        return 0;
    };
    let found = Found {
        entry: function_entry,
        function: RUNTIME_FUNCTION {
            BeginAddress: raw[0],
            EndAddress: raw[1],
            UnwindData: raw[2],
        },
        image_base,
    };
    let Ok(mut c) = user::read::<CONTEXT>(ctx as u64) else {
        return 0;
    };
    let mut homes = [0u64; 16];
    let r = virtual_unwind(handler_type, &found, pc, &mut c, Some(&mut homes));
    let Ok(u) = r else { return 0 };
    let _ = user::write(ctx as u64, &c);
    let _ = user::write_opt(handler_data as u64, &u.handler_data);
    let _ = user::write_opt(establisher_frame as u64, &u.establisher);
    if context_pointers != 0 {
        // KNONVOLATILE_CONTEXT_POINTERS: 16 XMM pointers, then 16 integer.
        for (r, &at) in homes.iter().enumerate() {
            if at != 0 {
                let _ = user::write(context_pointers + 128 + r as u64 * 8, &at);
            }
        }
    }
    u.handler
}
