//! The data MSVC C++ exception handling reads (ehdata.h), in its x64
//! form: every pointer between the tables is a 32-bit RVA, relative to
//! the image of the function (FuncInfo and what it names) or of the
//! thrower (ThrowInfo and what it names). Read from guest memory with the
//! fault-safe accessors: a malformed table is "no handler here", never a
//! host fault.

use super::tables::*;
use syscalls::user;

/// ExceptionCode of a C++ exception ('msc' | 0xE0000000).
pub const EH_EXCEPTION_NUMBER: u32 = 0xE06D_7363;
/// ExceptionInformation[0] of a C++ exception (the x64 layout: magic,
/// object, ThrowInfo, image base of the thrower).
pub const EH_MAGIC_NUMBER1: u64 = 0x1993_0520;
/// The same from /clr:pure code, whose ThrowInfo says TI_IsPure.
pub const EH_PURE_MAGIC_NUMBER1: u64 = 0x0199_4000;
/// The FuncInfo versions with the layout read here: 0x19930521 adds the
/// exception-specification list, 0x19930522 the EH flags.
pub const FUNC_INFO_MAGIC_FIRST: u32 = 0x1993_0520;
pub const FUNC_INFO_MAGIC_LAST: u32 = 0x1993_0522;
/// FuncInfo.EHFlags: compiled with /EHs — catch(...) takes C++ exceptions
/// only, never structured (hardware, RaiseException) ones.
pub const FI_EHS_FLAG: u32 = 1;

// HandlerType.adjectives.
pub const HT_IS_CONST: u32 = 0x01;
pub const HT_IS_VOLATILE: u32 = 0x02;
pub const HT_IS_UNALIGNED: u32 = 0x04;
pub const HT_IS_REFERENCE: u32 = 0x08;
pub const HT_IS_STD_DOTDOT: u32 = 0x40;

// ThrowInfo.attributes.
pub const TI_IS_CONST: u32 = 0x01;
pub const TI_IS_VOLATILE: u32 = 0x02;
pub const TI_IS_UNALIGNED: u32 = 0x04;
pub const TI_IS_PURE: u32 = 0x08;

// CatchableType.properties.
pub const CT_IS_SIMPLE_TYPE: u32 = 0x01;
pub const CT_BY_REFERENCE_ONLY: u32 = 0x02;
pub const CT_HAS_VIRTUAL_BASE: u32 = 0x04;

/// The longest decorated type name compared.
const MAX_NAME: usize = 4096;
/// Table sizes past these are taken for garbage (a function has far fewer
/// states, try blocks or catch clauses): the tables are untrusted.
pub(super) const MAX_STATES: i32 = 1 << 20;
pub(super) const MAX_ENTRIES: u32 = 1 << 20;

fn u32_at(at: u64) -> Option<u32> {
    user::read::<u32>(at).ok()
}

fn i32_at(at: u64) -> Option<i32> {
    user::read::<i32>(at).ok()
}

/// FuncInfo: the C++ handler data of one function (and of its funclets).
#[derive(Clone, Copy, Debug)]
pub struct FuncInfo {
    pub magic: u32,
    pub max_state: i32,
    pub unwind_map: u64,
    pub try_count: u32,
    pub try_map: u64,
    pub ip_count: u32,
    pub ip_map: u64,
    /// Offset from the establisher frame of the 8-byte UnwindHelp slot the
    /// function's prologue sets to -2.
    pub unwind_help: i32,
    pub eh_flags: u32,
}

impl FuncInfo {
    pub fn read(at: u64, base: u64) -> Option<FuncInfo> {
        let raw = user::read::<[u32; 8]>(at).ok()?;
        let magic = raw[0] & 0x1FFF_FFFF;
        if !(FUNC_INFO_MAGIC_FIRST..=FUNC_INFO_MAGIC_LAST).contains(&magic)
            || !(0..=MAX_STATES).contains(&(raw[1] as i32))
            || raw[3] > MAX_ENTRIES
            || raw[5] > MAX_ENTRIES
        {
            return None;
        }
        let eh_flags = if magic >= 0x1993_0522 {
            u32_at(at + 36)?
        } else {
            0
        };
        let rva = |r: u32| if r == 0 { 0 } else { base + r as u64 };
        Some(FuncInfo {
            magic,
            max_state: raw[1] as i32,
            unwind_map: rva(raw[2]),
            try_count: raw[3],
            try_map: rva(raw[4]),
            ip_count: raw[5],
            ip_map: rva(raw[6]),
            unwind_help: raw[7] as i32,
            eh_flags,
        })
    }

    /// Decodes the tables the FuncInfo at `at` names into the form the
    /// frame handler works on; None when one is unreadable.
    pub fn decode(&self, at: u64, base: u64) -> Option<EhTables> {
        let rva = |r: u32| if r == 0 { 0 } else { base + r as u64 };
        let mut unwind = Vec::new();
        if self.max_state > 0 {
            if self.unwind_map == 0 {
                return None;
            }
            for state in 0..self.max_state as u64 {
                let e = user::read::<[u32; 2]>(self.unwind_map + 8 * state).ok()?;
                let action = match rva(e[1]) {
                    0 => UnwindAction::Nothing,
                    a => UnwindAction::Funclet(a),
                };
                unwind.push(UnwindEntry {
                    to_state: e[0] as i32,
                    action,
                });
            }
        }
        let mut try_blocks = Vec::new();
        for i in 0..self.try_count as u64 {
            let e = user::read::<[u32; 5]>(self.try_map + 20 * i).ok()?;
            if e[3] > MAX_ENTRIES {
                return None;
            }
            let handlers = (0..e[3] as u64)
                .map(|h| {
                    let e = user::read::<[u32; 5]>(rva(e[4]) + 20 * h).ok()?;
                    Some(HandlerType {
                        adjectives: e[0],
                        type_descriptor: rva(e[1]),
                        catch_object: e[2] as i32,
                        handler: base + e[3] as u64,
                        frame_offset: e[4],
                        continuations: [0; 2],
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            try_blocks.push(TryBlock {
                try_low: e[0] as i32,
                try_high: e[1] as i32,
                catch_high: e[2] as i32,
                handlers,
            });
        }
        let ip_map = (0..self.ip_count as u64)
            .map(|i| {
                let e = user::read::<[u32; 2]>(self.ip_map + 8 * i).ok()?;
                Some((e[0], e[1] as i32))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(EhTables {
            id: at,
            unwind,
            try_blocks,
            ip_map,
            flags: self.eh_flags & (EH_FLAG_EHS | EH_FLAG_NOEXCEPT),
            catch_frame: None,
        })
    }
}

/// HandlerType: one catch clause.
#[derive(Clone, Copy, Debug, Default)]
pub struct HandlerType {
    pub adjectives: u32,
    /// The TypeDescriptor caught; 0 for catch(...).
    pub type_descriptor: u64,
    /// Offset of the catch object from the establisher frame; 0: none.
    pub catch_object: i32,
    /// The catch funclet.
    pub handler: u64,
    /// Where, from the catch funclet's own establisher frame, the funclet
    /// keeps its parent function's establisher frame (FH3).
    pub frame_offset: u32,
    /// Where the frame continues after the catch block when the funclet
    /// returns 0 or 1 (FH4's continuation addresses); 0 when not given.
    pub continuations: [u64; 2],
}

/// ThrowInfo, found through ExceptionInformation[2].
#[derive(Clone, Copy, Debug)]
pub struct ThrowInfo {
    pub attributes: u32,
    /// The thrown object's destructor; 0 for none.
    pub destructor: u64,
    pub catchable_types: u64,
}

impl ThrowInfo {
    pub fn read(at: u64, base: u64) -> Option<ThrowInfo> {
        let e = user::read::<[u32; 4]>(at).ok()?;
        Some(ThrowInfo {
            attributes: e[0],
            destructor: if e[1] == 0 { 0 } else { base + e[1] as u64 },
            catchable_types: if e[3] == 0 { 0 } else { base + e[3] as u64 },
        })
    }

    /// The CatchableTypes of the thrown type: the type itself, then its
    /// unambiguous public bases (and void* for a pointer).
    pub fn catchable(&self, base: u64) -> Vec<CatchableType> {
        let Some(count) = i32_at(self.catchable_types) else {
            return Vec::new();
        };
        (0..count.clamp(0, 1024) as u64)
            .map_while(|i| {
                let rva = u32_at(self.catchable_types + 4 + 4 * i)?;
                CatchableType::read(base + rva as u64, base)
            })
            .collect()
    }
}

/// PMD: how to get from a derived object to a base subobject.
#[derive(Clone, Copy, Debug)]
pub struct Pmd {
    pub mdisp: i32,
    pub pdisp: i32,
    pub vdisp: i32,
}

impl Pmd {
    /// The address of the base subobject in the object at `object`.
    pub fn adjust(&self, object: u64) -> u64 {
        let mut at = object.wrapping_add(self.mdisp as i64 as u64);
        if self.pdisp >= 0 {
            // A virtual base: its offset is in the vbtable the object points
            // at (at pdisp), at vdisp; it is relative to the vbtable pointer.
            let vbptr = object.wrapping_add(self.pdisp as i64 as u64);
            if let Ok(vbtable) = user::read::<u64>(vbptr) {
                if let Ok(off) = user::read::<i32>(vbtable.wrapping_add(self.vdisp as i64 as u64)) {
                    at = at.wrapping_add((off as i64 + self.pdisp as i64) as u64);
                }
            }
        }
        at
    }
}

/// CatchableType: one type a thrown object can be caught as.
#[derive(Clone, Copy, Debug)]
pub struct CatchableType {
    pub properties: u32,
    pub type_descriptor: u64,
    pub this_displacement: Pmd,
    pub size: u32,
    /// The copy constructor; 0: the object is copied bitwise.
    pub copy_function: u64,
}

impl CatchableType {
    fn read(at: u64, base: u64) -> Option<CatchableType> {
        let e = user::read::<[u32; 7]>(at).ok()?;
        Some(CatchableType {
            properties: e[0],
            type_descriptor: if e[1] == 0 { 0 } else { base + e[1] as u64 },
            this_displacement: Pmd {
                mdisp: e[2] as i32,
                pdisp: e[3] as i32,
                vdisp: e[4] as i32,
            },
            size: e[5],
            copy_function: if e[6] == 0 { 0 } else { base + e[6] as u64 },
        })
    }
}

/// The decorated name of a TypeDescriptor (after its vftable pointer and
/// spare word), e.g. `.H` for int, `.?AVBase@@` for class Base.
pub fn type_name(descriptor: u64) -> Option<Vec<u8>> {
    read_c_string(descriptor + 16)
}

/// A NUL-terminated string of guest memory, up to MAX_NAME bytes.
pub fn read_c_string(at: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    while out.len() < MAX_NAME {
        let b = user::read::<u8>(at + out.len() as u64).ok()?;
        if b == 0 {
            return Some(out);
        }
        out.push(b);
    }
    None
}

/// Whether the catch clause `catch` takes an object thrown as `thrown`
/// (the ThrowInfo's attributes) through its catchable type `ct`: the same
/// type (by descriptor or decorated name), and a handler at least as
/// qualified as the throw; a type caught by reference only needs a
/// reference.
pub fn type_matches(catch: &HandlerType, ct: &CatchableType, thrown: u32) -> bool {
    if catch.type_descriptor == 0 || catch.adjectives & HT_IS_STD_DOTDOT != 0 {
        return true;
    }
    let Some(want) = type_name(catch.type_descriptor) else {
        return false;
    };
    if want.is_empty() {
        return true;
    }
    if catch.type_descriptor != ct.type_descriptor
        && type_name(ct.type_descriptor).as_deref() != Some(&want[..])
    {
        return false;
    }
    let a = catch.adjectives;
    !((ct.properties & CT_BY_REFERENCE_ONLY != 0 && a & HT_IS_REFERENCE == 0)
        || (thrown & TI_IS_CONST != 0 && a & HT_IS_CONST == 0)
        || (thrown & TI_IS_UNALIGNED != 0 && a & HT_IS_UNALIGNED == 0)
        || (thrown & TI_IS_VOLATILE != 0 && a & HT_IS_VOLATILE == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake image: tables at fixed offsets, RVAs relative to its start.
    struct Image(Vec<u8>);

    impl Image {
        fn new() -> Image {
            Image(vec![0; 0x200])
        }
        fn base(&self) -> u64 {
            self.0.as_ptr() as u64
        }
        fn put(&mut self, at: usize, bytes: &[u8]) {
            self.0[at..at + bytes.len()].copy_from_slice(bytes);
        }
        fn put_u32s(&mut self, at: usize, values: &[u32]) {
            for (i, v) in values.iter().enumerate() {
                self.put(at + 4 * i, &v.to_le_bytes());
            }
        }
    }

    /// class Derived : Base { ... } thrown as const, Base at offset 8.
    fn derived_image() -> Image {
        let mut img = Image::new();
        // TypeDescriptors: vftable, spare, name.
        img.put(0x110, b".?AVDerived@@\0");
        img.put(0x50, b".?AVBase@@\0");
        // CatchableType Derived and Base (properties, pType, PMD, size, copy).
        img.put_u32s(0x80, &[0, 0x100, 0, u32::MAX, 0, 16, 0]);
        img.put_u32s(0xA0, &[0, 0x40, 8, u32::MAX, 0, 8, 0]);
        // CatchableTypeArray, then ThrowInfo (const).
        img.put_u32s(0xC0, &[2, 0x80, 0xA0]);
        img.put_u32s(0xD0, &[TI_IS_CONST, 0, 0, 0xC0]);
        img
    }

    fn clause(img: &Image, adjectives: u32, type_rva: Option<u64>) -> HandlerType {
        HandlerType {
            adjectives,
            type_descriptor: type_rva.map_or(0, |r| img.base() + r),
            ..Default::default()
        }
    }

    #[test]
    fn reads_the_catchable_types() {
        let img = derived_image();
        let ti = ThrowInfo::read(img.base() + 0xD0, img.base()).unwrap();
        assert_eq!(ti.attributes, TI_IS_CONST);
        let types = ti.catchable(img.base());
        assert_eq!(types.len(), 2);
        assert_eq!(
            type_name(types[0].type_descriptor).unwrap(),
            b".?AVDerived@@"
        );
        assert_eq!(type_name(types[1].type_descriptor).unwrap(), b".?AVBase@@");
        assert_eq!(types[1].this_displacement.adjust(0x1000), 0x1008);
    }

    #[test]
    fn matches_types_and_qualifiers() {
        let img = derived_image();
        let ti = ThrowInfo::read(img.base() + 0xD0, img.base()).unwrap();
        let types = ti.catchable(img.base());
        let base_ct = &types[1];
        // A const object: catch(Base&) does not take it, catch(const Base&) does.
        let plain = clause(&img, HT_IS_REFERENCE, Some(0x40));
        let konst = clause(&img, HT_IS_REFERENCE | HT_IS_CONST, Some(0x40));
        assert!(!type_matches(&plain, base_ct, ti.attributes));
        assert!(type_matches(&konst, base_ct, ti.attributes));
        // The name decides, not the descriptor's address.
        let mut other = derived_image();
        other.put(0x50, b".?AVBase@@\0");
        let same_name = clause(&other, HT_IS_CONST, Some(0x40));
        assert!(type_matches(&same_name, base_ct, ti.attributes));
        assert!(!type_matches(&same_name, &types[0], ti.attributes));
        // catch(...) takes anything.
        assert!(type_matches(&clause(&img, 0, None), base_ct, ti.attributes));
        // A type caught by reference only needs a reference.
        let mut by_ref = *base_ct;
        by_ref.properties |= CT_BY_REFERENCE_ONLY;
        assert!(!type_matches(&konst_value(&img), &by_ref, ti.attributes));
        assert!(type_matches(&konst, &by_ref, ti.attributes));
    }

    fn konst_value(img: &Image) -> HandlerType {
        clause(img, HT_IS_CONST, Some(0x40))
    }

    #[test]
    fn adjusts_through_a_virtual_base_table() {
        // An object whose vbptr (at +0) points at a vbtable with the
        // virtual base's offset (24, relative to the vbptr) at index 1.
        let vbtable: [i32; 2] = [0, 24];
        let object: [u64; 4] = [vbtable.as_ptr() as u64, 0, 0, 0];
        let at = object.as_ptr() as u64;
        let pmd = Pmd {
            mdisp: 0,
            pdisp: 0,
            vdisp: 4,
        };
        assert_eq!(pmd.adjust(at), at + 24);
    }

    #[test]
    fn refuses_malformed_func_info() {
        let mut img = Image::new();
        // A FuncInfo with a wrong magic, then one with an absurd state count.
        img.put_u32s(0x00, &[0x1993_0519, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        img.put_u32s(0x40, &[0x1993_0522, u32::MAX, 0, 0, 0, 0, 0, 0, 0, 1]);
        img.put_u32s(0x80, &[0x1993_0522, 2, 0x100, 0, 0, 1, 0x110, 0, 0, 1]);
        img.put_u32s(0x100, &[u32::MAX, 0, 0, 0]);
        img.put_u32s(0x110, &[0x20, 1]);
        assert!(FuncInfo::read(img.base(), img.base()).is_none());
        assert!(FuncInfo::read(img.base() + 0x40, img.base()).is_none());
        let fi = FuncInfo::read(img.base() + 0x80, img.base()).unwrap();
        assert_eq!(fi.eh_flags, FI_EHS_FLAG);
        let tables = fi.decode(img.base() + 0x80, img.base()).unwrap();
        assert_eq!(tables.flags, EH_FLAG_EHS);
        assert_eq!(tables.state_at(0x10), -1);
        assert_eq!(tables.state_at(0x20), 1);
        assert_eq!(
            tables.unwind_entry(0),
            Some(UnwindEntry {
                to_state: -1,
                action: UnwindAction::Nothing
            })
        );
        assert_eq!(tables.unwind_entry(2), None);
        // States without an unwind map: the function is passed over.
        img.put_u32s(0xC0, &[0x1993_0522, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
        let fi = FuncInfo::read(img.base() + 0xC0, img.base()).unwrap();
        assert!(fi.decode(img.base() + 0xC0, img.base()).is_none());
    }
}
