//! Run-time type information for code compiled by MSVC (or clang for the
//! MSVC target): `dynamic_cast` is __RTDynamicCast (or __RTCastToVoid for
//! `void *`), `typeid` of a polymorphic object __RTtypeid. A polymorphic
//! object's vftable is preceded by its RTTICompleteObjectLocator; on x64
//! (signature 1) every pointer in these tables is an RVA, and the locator
//! names its own RVA, which gives the image base:
//!
//! - locator: signature, offset of this vftable's subobject in the
//!   complete object, the constructor-displacement offset, the complete
//!   type's TypeDescriptor, its RTTIClassHierarchyDescriptor, itself;
//! - hierarchy: signature, attributes, the number of base classes, the
//!   base class array — the complete class first, then every base in
//!   depth-first order, each RTTIBaseClassDescriptor with its type, how
//!   many of the following entries are its own bases, where it is (a PMD),
//!   and attributes (not visible from the complete object, ambiguous, …).
//!
//! Failures are Windows': a failed cast of a pointer is NULL, of a
//! reference throws bad_cast; typeid of NULL throws bad_typeid; an object
//! whose vftable has no locator throws __non_rtti_object.

use super::data::{type_name, Pmd};
use super::std_exception::{own_locator, throw, BAD_CAST, BAD_TYPEID, NON_RTTI_OBJECT};
use syscalls::exception::CONTEXT;
use syscalls::user;

// RTTIBaseClassDescriptor.attributes.
pub const BCD_NOTVISIBLE: u32 = 0x01;
pub const BCD_AMBIGUOUS: u32 = 0x02;

/// Hierarchies past this many bases are taken for garbage.
const MAX_BASES: u32 = 4096;

/// Why an object has no usable type information.
#[derive(Debug, PartialEq, Eq)]
pub enum NoRtti {
    /// Its vftable, locator or tables cannot be read.
    Unreadable,
    /// The locator names no type.
    NoType,
}

impl NoRtti {
    fn message(&self) -> &'static [u8] {
        match self {
            NoRtti::Unreadable => b"Access violation - no RTTI data!\0",
            NoRtti::NoType => b"Bad read pointer - no RTTI data!\0",
        }
    }
}

/// RTTICompleteObjectLocator, with its RVAs made addresses.
#[derive(Debug)]
pub struct Locator {
    pub offset: u32,
    pub cd_offset: u32,
    pub type_descriptor: u64,
    pub hierarchy: u64,
    pub image_base: u64,
}

fn read<T: user::Pod>(at: u64) -> Result<T, NoRtti> {
    user::read::<T>(at).map_err(|_| NoRtti::Unreadable)
}

/// The locator of the polymorphic object at `object` (whose first field
/// is a vftable pointer).
pub fn locator(object: u64) -> Result<Locator, NoRtti> {
    let vftable: u64 = read(object)?;
    let at: u64 = match own_locator(vftable) {
        Some(at) => at,
        None => read(vftable.wrapping_sub(8))?,
    };
    let col: [u32; 6] = read(at)?;
    let image_base = if col[0] == 1 {
        at.wrapping_sub(col[5] as u64)
    } else {
        loader::images::image_bounds(at)
            .map(|(base, _)| base)
            .ok_or(NoRtti::Unreadable)?
    };
    if col[3] == 0 {
        return Err(NoRtti::NoType);
    }
    Ok(Locator {
        offset: col[1],
        cd_offset: col[2],
        type_descriptor: image_base + col[3] as u64,
        hierarchy: image_base + col[4] as u64,
        image_base,
    })
}

/// The complete object the subobject at `object` belongs to.
pub fn complete_object(object: u64, loc: &Locator) -> Result<u64, NoRtti> {
    let mut complete = object.wrapping_sub(loc.offset as u64);
    if loc.cd_offset != 0 {
        let displacement: i32 = read(object.wrapping_sub(loc.cd_offset as u64))?;
        complete = complete.wrapping_sub(displacement as i64 as u64);
    }
    Ok(complete)
}

/// One entry of the base class array, placed in one complete object.
#[derive(Debug, Clone, Copy)]
struct Base {
    type_descriptor: u64,
    contained: u32,
    /// Offset from the complete object.
    offset: i64,
    attributes: u32,
}

fn bases(loc: &Locator, complete: u64) -> Result<Vec<Base>, NoRtti> {
    let chd: [u32; 4] = read(loc.hierarchy)?;
    let (count, array) = (chd[2], loc.image_base + chd[3] as u64);
    if count > MAX_BASES {
        return Err(NoRtti::Unreadable);
    }
    (0..count as u64)
        .map(|i| {
            let bcd_rva: u32 = read(array + 4 * i)?;
            let bcd: [u32; 7] = read(loc.image_base + bcd_rva as u64)?;
            let pmd = Pmd {
                mdisp: bcd[2] as i32,
                pdisp: bcd[3] as i32,
                vdisp: bcd[4] as i32,
            };
            Ok(Base {
                type_descriptor: loc.image_base + bcd[0] as u64,
                contained: bcd[1],
                offset: pmd.adjust(complete).wrapping_sub(complete) as i64,
                attributes: bcd[5],
            })
        })
        .collect()
}

fn same_type(a: u64, b: u64) -> bool {
    a == b || (type_name(a).is_some() && type_name(a) == type_name(b))
}

/// The one offset all of `offsets` share, if they share one.
fn single(mut offsets: impl Iterator<Item = i64>) -> Option<i64> {
    let first = offsets.next()?;
    offsets.all(|o| o == first).then_some(first)
}

/// Where, in the complete object, `dynamic_cast` from the `source`
/// subobject at `source_offset` to `target` lands ([expr.dynamic.cast]):
/// the unique `target` object that has that subobject among its bases
/// (a downcast); else, when the subobject is a public base of the
/// complete object, its unique public `target` base (a cross cast).
fn cast_offset(bases: &[Base], source: u64, source_offset: i64, target: u64) -> Option<i64> {
    let is_source = |b: &Base| same_type(b.type_descriptor, source) && b.offset == source_offset;
    let down = single(bases.iter().enumerate().filter_map(|(i, t)| {
        if !same_type(t.type_descriptor, target) {
            return None;
        }
        let end = (i + 1 + t.contained as usize).min(bases.len());
        let holds = (i == 0 && is_source(t)) || bases[i + 1..end].iter().any(is_source);
        holds.then_some(t.offset)
    }));
    if down.is_some() {
        return down;
    }
    let source_public = bases
        .iter()
        .any(|b| is_source(b) && b.attributes & BCD_NOTVISIBLE == 0);
    if !source_public {
        return None;
    }
    let targets: Vec<&Base> = bases
        .iter()
        .filter(|b| same_type(b.type_descriptor, target))
        .collect();
    if targets
        .iter()
        .any(|b| b.attributes & (BCD_NOTVISIBLE | BCD_AMBIGUOUS) != 0)
    {
        return None;
    }
    single(targets.iter().map(|b| b.offset))
}

/// The cast itself: Ok(0) when it fails.
pub fn dynamic_cast(object: u64, vf_delta: i32, source: u64, target: u64) -> Result<u64, NoRtti> {
    let loc = locator(object)?;
    let complete = complete_object(object, &loc)?;
    let bases = bases(&loc, complete)?;
    let source_offset = object
        .wrapping_sub(vf_delta as i64 as u64)
        .wrapping_sub(complete) as i64;
    Ok(cast_offset(&bases, source, source_offset, target)
        .map_or(0, |off| complete.wrapping_add(off as u64)))
}

/// `void *__RTDynamicCast(void *inptr, LONG VfDelta, void *SrcType, void
/// *TargetType, BOOL isReference)`: `inptr` is where the source object's
/// vftable pointer is, `VfDelta` how far that is from the object.
extern "win64" fn rt_dynamic_cast(
    object: u64,
    vf_delta: u64,
    source: u64,
    target: u64,
    ctx: *mut CONTEXT,
    is_reference: u64,
) -> u64 {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let ctx = unsafe { &mut *ctx };
    if object == 0 {
        return 0;
    }
    match dynamic_cast(object, vf_delta as i32, source, target) {
        Ok(0) if is_reference as i32 != 0 => throw(&BAD_CAST, b"Bad dynamic_cast!\0", ctx),
        Ok(p) => p,
        Err(e) => throw(&NON_RTTI_OBJECT, e.message(), ctx),
    }
}

/// `void *__RTtypeid(void *inptr)`: the TypeDescriptor (a type_info) of
/// the complete object.
extern "win64" fn rt_typeid(object: u64, _: u64, _: u64, _: u64, ctx: *mut CONTEXT) -> u64 {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let ctx = unsafe { &mut *ctx };
    if object == 0 {
        throw(&BAD_TYPEID, b"Attempted a typeid of NULL pointer!\0", ctx)
    }
    match locator(object) {
        Ok(loc) => loc.type_descriptor,
        Err(e) => throw(&NON_RTTI_OBJECT, e.message(), ctx),
    }
}

/// `void *__RTCastToVoid(void *inptr)`: `dynamic_cast<void *>`, the
/// complete object.
extern "win64" fn rt_cast_to_void(object: u64, _: u64, _: u64, _: u64, ctx: *mut CONTEXT) -> u64 {
    // SAFETY: the entry stub's CONTEXT, in its frame.
    let ctx = unsafe { &mut *ctx };
    if object == 0 {
        return 0;
    }
    match locator(object).and_then(|loc| complete_object(object, &loc)) {
        Ok(p) => p,
        Err(e) => throw(&NON_RTTI_OBJECT, e.message(), ctx),
    }
}

ntdll::exception::context::caller_context_entry! {
    __RTDynamicCast => rt_dynamic_cast,
    __RTtypeid => rt_typeid,
    __RTCastToVoid => rt_cast_to_void,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TypeDescriptors: vftable, spare, name.
    fn descriptor(name: &str) -> Vec<u8> {
        let mut d = vec![0u8; 16];
        d.extend_from_slice(name.as_bytes());
        d.push(0);
        d
    }

    fn base(td: &[u8], contained: u32, offset: i64, attributes: u32) -> Base {
        Base {
            type_descriptor: td.as_ptr() as u64,
            contained,
            offset,
            attributes,
        }
    }

    #[test]
    fn casts_down_across_and_refuses_ambiguity() {
        let (w, y, z, x, v) = (
            descriptor(".?AUW@@"),
            descriptor(".?AUY@@"),
            descriptor(".?AUZ@@"),
            descriptor(".?AUX@@"),
            descriptor(".?AUV@@"),
        );
        // struct W : Y, Z, V with Y : X and Z : X: W, Y, X, Z, X, V.
        let bases = [
            base(&w, 5, 0, 0),
            base(&y, 1, 0, 0),
            base(&x, 0, 0, 0),
            base(&z, 1, 16, 0),
            base(&x, 0, 16, 0),
            base(&v, 0, 32, 0),
        ];
        let td = |d: &Vec<u8>| d.as_ptr() as u64;
        // Down from Y's X to W, and from Z's X to Z.
        assert_eq!(cast_offset(&bases, td(&x), 0, td(&w)), Some(0));
        assert_eq!(cast_offset(&bases, td(&x), 16, td(&z)), Some(16));
        // Across from V to Y.
        assert_eq!(cast_offset(&bases, td(&v), 32, td(&y)), Some(0));
        // Across from V to X: two of them.
        assert_eq!(cast_offset(&bases, td(&v), 32, td(&x)), None);
        // From Y's X to Z: across, Z is unique.
        assert_eq!(cast_offset(&bases, td(&x), 0, td(&z)), Some(16));
        // A source that is not where the object says: nothing.
        assert_eq!(cast_offset(&bases, td(&v), 8, td(&y)), None);
        // By name, not by descriptor address.
        let w2 = descriptor(".?AUW@@");
        assert_eq!(cast_offset(&bases, td(&v), 32, td(&w2)), Some(0));
    }

    #[test]
    fn respects_visibility() {
        let (d, b, a) = (
            descriptor(".?AUD@@"),
            descriptor(".?AUB@@"),
            descriptor(".?AUA@@"),
        );
        let td = |d: &Vec<u8>| d.as_ptr() as u64;
        // D : private B, public A: a cross cast from A to the hidden B
        // fails; from hidden B, nothing crosses to A.
        let bases = [
            base(&d, 2, 0, 0),
            base(&b, 0, 0, BCD_NOTVISIBLE),
            base(&a, 0, 8, 0),
        ];
        assert_eq!(cast_offset(&bases, td(&a), 8, td(&b)), None);
        assert_eq!(cast_offset(&bases, td(&b), 0, td(&a)), None);
        assert_eq!(cast_offset(&bases, td(&a), 8, td(&d)), Some(0));
    }

    #[test]
    fn objects_without_type_information() {
        // An unreadable object, and a vftable with no locator before it.
        assert_eq!(locator(0x100).unwrap_err(), NoRtti::Unreadable);
        let table: [u64; 2] = [0, 0];
        let object: u64 = &table[1] as *const u64 as u64;
        let at = &object as *const u64 as u64;
        assert_eq!(locator(at).unwrap_err(), NoRtti::Unreadable);
    }

    #[test]
    fn reads_a_locator_relative_to_itself() {
        // An "image" holding a signature-1 locator at 0x40 (naming its own
        // RVA), a vftable at 0x68 with the locator's address before it,
        // and an object at 0x80 pointing at the vftable.
        let mut img = vec![0u64; 32];
        let base = img.as_ptr() as u64;
        let col: [u32; 6] = [1, 8, 0, 0x10, 0x20, 0x40];
        for (i, v) in col.iter().enumerate() {
            let at = 0x40 + 4 * i;
            img[at / 8] |= (*v as u64) << (32 * (at % 8 / 4));
        }
        img[0x60 / 8] = base + 0x40;
        img[0x80 / 8] = base + 0x68;
        let object = base + 0x80;
        let loc = locator(object).unwrap();
        assert_eq!(loc.image_base, base);
        assert_eq!(loc.type_descriptor, base + 0x10);
        assert_eq!(loc.hierarchy, base + 0x20);
        assert_eq!(complete_object(object, &loc).unwrap(), object - 8);
        // No type: "Bad read pointer".
        img[0x4C / 8] &= 0xFFFF_FFFF;
        assert_eq!(locator(object).unwrap_err(), NoRtti::NoType);
    }
}
