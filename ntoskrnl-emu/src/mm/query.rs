//! NtQueryVirtualMemory: the VAD tree as the guest sees it, with the host's
//! own mappings (casement's code and data, glibc's heap, host thread stacks)
//! shown as reserved regions so that a walk of the address space tiles it
//! with no hole and never suggests host memory is free.

use super::vad::{self, Vad};
use super::*;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use syscalls::nt::MEMORY_BASIC_INFORMATION;
use syscalls::*;

/// MemoryBasicInformation.
const MEMORY_BASIC_INFORMATION_CLASS: u64 = 0;

/// The host's mappings as last read from /proc/self/maps, and when.
/// Reading the file costs tens of microseconds, and a walk of the address
/// space asks once per gap, so the list is reused for a short while; it is
/// read again once it is older than [`HOST_MAPS_TTL`] or when the guest
/// finds an address it was told is free taken ([`forget_host_ranges`]).
static HOST_MAPS: Mutex<Option<HostMaps>> = Mutex::new(None);

/// When the list was read, the unmapping count then, and the ranges.
type HostMaps = (Instant, u64, Vec<(u64, u64)>);
const HOST_MAPS_TTL: Duration = Duration::from_millis(20);

/// Drops the cached host mappings (a mapping attempt found one).
pub fn forget_host_ranges() {
    *HOST_MAPS.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

fn read_host_maps() -> Vec<(u64, u64)> {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in maps.lines() {
        let Some((range, _)) = line.split_once(' ') else {
            continue;
        };
        let Some((s, e)) = range.split_once('-') else {
            continue;
        };
        if let (Ok(s), Ok(e)) = (u64::from_str_radix(s, 16), u64::from_str_radix(e, 16)) {
            out.push((s, e));
        }
    }
    out
}

/// Host mappings overlapping [from, to), as ranges rounded out to the
/// allocation granularity (a guest allocation can never start inside one)
/// and clipped to [from, to), merged, in order. Guest VADs are mappings
/// too, but none lies inside a gap between VADs.
fn host_ranges(from: u64, to: u64) -> Vec<(u64, u64)> {
    let mut cache = HOST_MAPS.lock().unwrap_or_else(|e| e.into_inner());
    // A range the guest released is a gap now, but the list still shows it.
    let unmapped = vad::UNMAPPED.load(std::sync::atomic::Ordering::Acquire);
    if cache
        .as_ref()
        .is_none_or(|(t, u, _)| *u != unmapped || t.elapsed() > HOST_MAPS_TTL)
    {
        *cache = Some((Instant::now(), unmapped, read_host_maps()));
    }
    let maps = &cache.as_ref().expect("filled above").2;
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &(s, e) in maps {
        if e <= from || s >= to {
            continue;
        }
        let s = round_down(s, ALLOCATION_GRANULARITY).max(from);
        let e = round_up(e, ALLOCATION_GRANULARITY).min(to);
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The state page `first` of `v` shows and how many pages from it show
/// the same: write-copy pages of a view that have been written are private
/// copies now, and Windows reports them read-write.
fn shown_run(v: &Vad, first: usize) -> (u32, u64) {
    let state = v.pages[first];
    if v.kind != MEM_MAPPED || !is_write_copy(state) {
        let run = v.pages[first..].iter().take_while(|&&p| p == state).count();
        return (state, run as u64);
    }
    let states = shown_states(v, first);
    let run = states.iter().take_while(|&&p| p == states[0]).count();
    (states[0], run as u64)
}

fn shown_states(v: &Vad, first: usize) -> Vec<u32> {
    let mut states = v.pages[first..].to_vec();
    let written = private_copies(v.base + first as u64 * PAGE_SIZE, states.len());
    for (s, w) in states.iter_mut().zip(written) {
        if w && is_write_copy(*s) {
            *s = match *s & 0xFF {
                PAGE_WRITECOPY => PAGE_READWRITE,
                _ => PAGE_EXECUTE_READWRITE,
            } | (*s & !0xFF);
        }
    }
    states
}

fn is_write_copy(p: u32) -> bool {
    matches!(p & 0xFF, PAGE_WRITECOPY | PAGE_EXECUTE_WRITECOPY)
}

/// For each of `count` pages from `start`: present and no longer the
/// file's page (/proc/self/pagemap bit 63 set, bit 61 clear).
fn private_copies(start: u64, count: usize) -> Vec<bool> {
    use std::os::unix::fs::FileExt;
    let mut raw = vec![0u8; count * 8];
    let ok = std::fs::File::open("/proc/self/pagemap")
        .and_then(|f| f.read_exact_at(&mut raw, start / PAGE_SIZE * 8))
        .is_ok();
    raw.chunks_exact(8)
        .map(|c| {
            let e = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            ok && e & (1 << 63) != 0 && e & (1 << 61) == 0
        })
        .collect()
}

/// MEMORY_BASIC_INFORMATION for `addr`.
pub fn query(addr: u64) -> NtResult<MEMORY_BASIC_INFORMATION> {
    if addr > HIGHEST_ADDRESS {
        return Err(STATUS_INVALID_PARAMETER_2);
    }
    let page = round_down(addr, PAGE_SIZE);
    let map = vad::lock();
    if let Some(v) = vad::find(&map, page) {
        let (state, run) = shown_run(v, v.page_index(page));
        return Ok(MEMORY_BASIC_INFORMATION {
            BaseAddress: page,
            AllocationBase: v.base,
            AllocationProtect: v.allocation_protect,
            RegionSize: run * PAGE_SIZE,
            State: if state == 0 { MEM_RESERVE } else { MEM_COMMIT },
            Protect: state,
            Type: v.kind,
            ..Default::default()
        });
    }
    // A gap between VADs: free, except where the host has mappings.
    let gap_start = map.range(..page).next_back().map_or(0, |(_, v)| v.end());
    let gap_end = map
        .range(page..)
        .next()
        .map_or(HIGHEST_ADDRESS + 1, |(b, _)| *b);
    drop(map);
    let mut free_end = gap_end;
    for (s, e) in host_ranges(gap_start, gap_end) {
        if page >= s && page < e {
            return Ok(MEMORY_BASIC_INFORMATION {
                BaseAddress: page,
                AllocationBase: s,
                AllocationProtect: PAGE_NOACCESS,
                RegionSize: e - page,
                State: MEM_RESERVE,
                Protect: 0,
                Type: MEM_PRIVATE,
                ..Default::default()
            });
        }
        if s > page {
            free_end = s;
            break;
        }
    }
    Ok(MEMORY_BASIC_INFORMATION {
        BaseAddress: page,
        RegionSize: free_end - page,
        State: MEM_FREE,
        Protect: PAGE_NOACCESS,
        ..Default::default()
    })
}

/// Implements NtQueryVirtualMemory(ProcessHandle, BaseAddress, Class, Buffer,
/// Length, ReturnLength).
pub fn NtQueryVirtualMemory(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        super::virt::check_process(a[0])?;
        if a[2] != MEMORY_BASIC_INFORMATION_CLASS {
            log::warn!("unimplemented NtQueryVirtualMemory class {}", a[2]);
            return Err(STATUS_INVALID_INFO_CLASS);
        }
        let size = core::mem::size_of::<MEMORY_BASIC_INFORMATION>() as u64;
        if a[4] < size {
            return Err(STATUS_INFO_LENGTH_MISMATCH);
        }
        let info = query(a[1])?;
        user::write(a[3], &info)?;
        user::write_opt(a[5], &size)
    };
    NtStatus::from_result(run())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host's own memory (this test's code and heap) is never shown
    /// as free: it is a reserved region, so nothing is placed there.
    #[test]
    fn host_memory_is_reserved() {
        static HOST_DATA: u64 = 7;
        let heap = Box::new([0u8; 64]);
        for addr in [
            &HOST_DATA as *const u64 as u64,
            heap.as_ptr() as u64,
            host_memory_is_reserved as fn() as usize as u64,
        ] {
            if addr > HIGHEST_ADDRESS {
                continue;
            }
            let info = query(addr).expect("query");
            assert_eq!(info.State, MEM_RESERVE, "{addr:#x}");
            assert_eq!(info.Type, MEM_PRIVATE, "{addr:#x}");
            assert!(info.AllocationBase <= addr && addr < info.BaseAddress + info.RegionSize);
        }
    }

    /// Walking from 0 tiles the user address space.
    #[test]
    fn walk_tiles_the_address_space() {
        let mut addr = 0u64;
        let mut regions = 0;
        while addr <= HIGHEST_ADDRESS {
            let info = query(addr).expect("query");
            assert_eq!(info.BaseAddress, addr);
            assert!(info.RegionSize > 0 && info.RegionSize % PAGE_SIZE == 0);
            addr += info.RegionSize;
            regions += 1;
        }
        assert_eq!(addr, HIGHEST_ADDRESS + 1);
        assert!(regions > 1);
    }
}
