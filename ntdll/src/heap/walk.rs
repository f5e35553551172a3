//! Looking inside a heap: the entries HeapWalk reports, HeapValidate,
//! HeapCompact's largest free block, and HeapEnableTerminationOnCorruption.

use super::*;

pub enum EntryKind {
    /// A segment: its committed size and the range its blocks occupy.
    Region {
        committed: u64,
        first: u64,
        last: u64,
    },
    Busy,
    Free,
}

pub struct Entry {
    pub data: u64,
    pub size: u64,
    pub overhead: u8,
    pub region: u8,
    pub kind: EntryKind,
}

impl Heap {
    fn first_block(&self, g: &Segment) -> u64 {
        if g.base == self.handle {
            g.base + DESCRIPTOR
        } else {
            g.base
        }
    }

    /// Every region and block, in address order per segment, then the large
    /// blocks; None if a block header is corrupt.
    fn collect(&self, s: &HeapState) -> Option<Vec<Entry>> {
        let mut out = Vec::new();
        for (i, g) in s.segments.iter().enumerate() {
            let first = self.first_block(g);
            out.push(Entry {
                data: g.base,
                size: g.size,
                overhead: 0,
                region: i as u8,
                kind: EntryKind::Region {
                    committed: g.size,
                    first,
                    last: g.base + g.size,
                },
            });
            let mut at = first;
            while at < g.used {
                let b = at + HEADER as u64;
                let h = header(b);
                let class = h.class as usize;
                if class >= CLASSES {
                    return None;
                }
                let cap = class_size(class) as u64;
                let (size, kind) = match h.tag.load(Ordering::Acquire) {
                    TAG_BUSY => (h.size.load(Ordering::Relaxed), EntryKind::Busy),
                    TAG_FREE => (cap, EntryKind::Free),
                    _ => return None,
                };
                out.push(Entry {
                    data: b,
                    size,
                    overhead: (HEADER as u64 + cap - size).min(255) as u8,
                    region: i as u8,
                    kind,
                });
                at = b + cap;
            }
            if at != g.used {
                return None;
            }
            if g.used < g.base + g.size {
                out.push(Entry {
                    data: g.used,
                    size: g.base + g.size - g.used,
                    overhead: 0,
                    region: i as u8,
                    kind: EntryKind::Free,
                });
            }
        }
        let mut large: Vec<(u64, u64)> = s.large.iter().map(|(&p, &t)| (p, t)).collect();
        large.sort_unstable();
        for (p, _) in large {
            let h = header(p);
            if h.tag.load(Ordering::Acquire) != TAG_LARGE {
                return None;
            }
            out.push(Entry {
                data: p,
                size: h.size.load(Ordering::Relaxed),
                overhead: HEADER as u8,
                region: 0,
                kind: EntryKind::Busy,
            });
        }
        Some(out)
    }

    /// The entry after the one at `prev` (a region if `prev_region`), or
    /// the first with `prev` 0. Err(true) at the end, Err(false) if `prev`
    /// is no entry of this heap or the heap is corrupt.
    pub fn walk_next(&self, prev: u64, prev_region: bool) -> Result<Entry, bool> {
        self.with(0, |s| {
            let all = self.collect(s).ok_or(false)?;
            let next = if prev == 0 {
                0
            } else {
                all.iter()
                    .position(|e| {
                        e.data == prev && matches!(e.kind, EntryKind::Region { .. }) == prev_region
                    })
                    .ok_or(false)?
                    + 1
            };
            all.into_iter().nth(next).ok_or(true)
        })
    }

    /// HeapSummary: (bytes allocated, bytes committed, the most the heap
    /// may reserve — 0 for a growable heap).
    pub fn summary(&self) -> (u64, u64, u64) {
        self.with(0, |s| {
            let allocated = self.collect(s).map_or(0, |all| {
                all.iter()
                    .filter(|e| matches!(e.kind, EntryKind::Busy))
                    .map(|e| e.size)
                    .sum()
            });
            (allocated, s.committed, self.limit)
        })
    }

    /// The live blocks of `size` bytes, by address.
    pub fn busy_blocks_of_size(&self, size: u64) -> Vec<u64> {
        self.with(0, |s| {
            self.collect(s).map_or(Vec::new(), |all| {
                all.iter()
                    .filter(|e| matches!(e.kind, EntryKind::Busy) && e.size == size)
                    .map(|e| e.data)
                    .collect()
            })
        })
    }

    /// HeapValidate: one block (`p` non-zero) or the whole heap.
    pub fn validate(&self, p: u64) -> bool {
        if p != 0 {
            return self.is_live(p);
        }
        self.with(0, |s| self.collect(s).is_some())
    }

    /// HeapCompact: the largest free block (0 if there is none).
    pub fn largest_free(&self) -> u64 {
        self.with(0, |s| {
            self.collect(s).map_or(0, |all| {
                all.iter()
                    .filter(|e| matches!(e.kind, EntryKind::Free))
                    .map(|e| e.size)
                    .max()
                    .unwrap_or(0)
            })
        })
    }
}

/// HeapEnableTerminationOnCorruption: once set, a corrupt heap operation
/// ends the process with STATUS_HEAP_CORRUPTION instead of failing.
pub static TERMINATE_ON_CORRUPTION: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);
