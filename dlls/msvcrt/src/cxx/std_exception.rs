//! The exception classes msvcrt.dll exports (global namespace, as in the
//! Visual C++ 6 headers that target it; `std::` names them with a using
//! declaration): exception, bad_cast, bad_typeid, __non_rtti_object. An
//! object is { vftable, const char *what, int do_free }; a constructor
//! from a name keeps its own copy of the string (do_free), which the
//! destructor frees. The vftables hold the deleting destructor and what().
//!
//! The RTTI functions throw bad_cast, bad_typeid and __non_rtti_object as
//! C++ exceptions, which takes a ThrowInfo whose RVAs (copy constructor,
//! destructor, type descriptors) are relative to one image: msvcrt's own
//! synthesized image, where the exported constructors' thunks are. Each
//! class's vftable export is sized to hold, after the two vftable entries,
//! that class's type data: type descriptors, catchable types, ThrowInfo,
//! and the RTTI locator and hierarchy that typeid and dynamic_cast read
//! (an RTTI locator sits before a compiled vftable; these vftables start
//! their export, so rtti.rs asks `own_locator` for theirs).

use super::data::read_c_string;
use super::throw::raise_cxx;
use crate::heap::{free, malloc};
use loader::LoadedBuiltin;
use std::sync::atomic::{AtomicU64, Ordering};
use syscalls::exception::*;
use syscalls::user;

/// sizeof(exception) on x64.
pub const OBJECT_SIZE: u32 = 24;
const WHAT: u64 = 8;
const DO_FREE: u64 = 16;

/// Size of each vftable data export: two entries, then the throw data.
pub const VFTABLE_EXPORT_SIZE: usize = 512;
/// Where the throw data starts in a vftable export.
const THROW_DATA: u64 = 16;

/// One of the classes: its decorated names, its vftable export, and the
/// exports the ThrowInfo names.
#[derive(Clone, Copy)]
pub struct Class {
    pub vftable: &'static str,
    /// TypeDescriptor names of the class, then of its bases, most derived
    /// first: what a catch clause can take it as.
    pub catchable: &'static [&'static str],
    pub copy: &'static str,
    pub destructor: &'static str,
}

pub const EXCEPTION: Class = Class {
    vftable: "??_7exception@@6B@",
    catchable: &[".?AVexception@@"],
    copy: "??0exception@@QEAA@AEBV0@@Z",
    destructor: "??1exception@@UEAA@XZ",
};
pub const BAD_CAST: Class = Class {
    vftable: "??_7bad_cast@@6B@",
    catchable: &[".?AVbad_cast@@", ".?AVexception@@"],
    copy: "??0bad_cast@@QEAA@AEBV0@@Z",
    destructor: "??1bad_cast@@UEAA@XZ",
};
pub const BAD_TYPEID: Class = Class {
    vftable: "??_7bad_typeid@@6B@",
    catchable: &[".?AVbad_typeid@@", ".?AVexception@@"],
    copy: "??0bad_typeid@@QEAA@AEBV0@@Z",
    destructor: "??1bad_typeid@@UEAA@XZ",
};
pub const NON_RTTI_OBJECT: Class = Class {
    vftable: "??_7__non_rtti_object@@6B@",
    catchable: &[
        ".?AV__non_rtti_object@@",
        ".?AVbad_typeid@@",
        ".?AVexception@@",
    ],
    copy: "??0__non_rtti_object@@QEAA@AEBV0@@Z",
    destructor: "??1__non_rtti_object@@UEAA@XZ",
};

const CLASSES: [Class; 4] = [EXCEPTION, BAD_CAST, BAD_TYPEID, NON_RTTI_OBJECT];

/// What process attach laid out (0 before): msvcrt's image base, and for
/// each class its vftable, ThrowInfo and RTTI locator.
static IMAGE_BASE: AtomicU64 = AtomicU64::new(0);
static VFTABLES: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
static THROW_INFOS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
static LOCATORS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

fn index_of(class: &Class) -> Option<usize> {
    CLASSES.iter().position(|c| c.vftable == class.vftable)
}

fn vftable_of(class: &Class) -> u64 {
    index_of(class).map_or(0, |i| VFTABLES[i].load(Ordering::Acquire))
}

/// The RTTI locator of an object whose vftable is one of these classes'.
pub fn own_locator(vftable: u64) -> Option<u64> {
    let i = VFTABLES
        .iter()
        .position(|v| vftable != 0 && v.load(Ordering::Acquire) == vftable)?;
    Some(LOCATORS[i].load(Ordering::Acquire))
}

/// The address of any export of msvcrt, by name.
fn export_address(dll: &LoadedBuiltin, name: &str) -> u64 {
    dll.spec
        .exports
        .iter()
        .position(|e| e.name == name)
        .map_or(0, |i| dll.addresses[i])
}

/// Fills the vftables and the throw data (at process attach).
pub fn init(dll: &LoadedBuiltin, type_info_vftable: u64) {
    IMAGE_BASE.store(dll.base, Ordering::Release);
    for (i, class) in CLASSES.iter().enumerate() {
        let vftable = dll.data(class.vftable);
        if vftable == 0 {
            continue;
        }
        let dtor = deleting_destructor as extern "win64" fn(u64, u32) -> u64;
        let what = exception_what as extern "win64" fn(u64) -> u64;
        let _ = user::write(vftable, &(dtor as u64));
        let _ = user::write(vftable + 8, &(what as u64));
        let (throw_info, locator) =
            write_type_data(dll, class, vftable + THROW_DATA, type_info_vftable);
        THROW_INFOS[i].store(throw_info, Ordering::Release);
        LOCATORS[i].store(locator, Ordering::Release);
        VFTABLES[i].store(vftable, Ordering::Release);
    }
}

/// Lays out, from `at`: the TypeDescriptors, the CatchableTypes, the
/// CatchableTypeArray, the ThrowInfo, then the hierarchy descriptor, base
/// class array, base class descriptors and complete object locator.
/// Returns the ThrowInfo and the locator.
fn write_type_data(
    dll: &LoadedBuiltin,
    class: &Class,
    at: u64,
    type_info_vftable: u64,
) -> (u64, u64) {
    let base = dll.base;
    let rva = |a: u64| if a == 0 { 0 } else { (a - base) as u32 };
    let copy = export_address(dll, class.copy);
    let dtor = export_address(dll, class.destructor);
    let mut next = at;
    let mut types = Vec::new();
    for name in class.catchable {
        // TypeDescriptor: the type_info vftable, a spare word, the name.
        types.push(next);
        let _ = user::write(next, &type_info_vftable);
        let _ = user::write(next + 8, &0u64);
        let _ = user::write_from(next + 16, name.as_bytes());
        let _ = user::write(next + 16 + name.len() as u64, &0u8);
        next += (16 + name.len() as u64 + 1).next_multiple_of(8);
    }
    let mut catchables = Vec::new();
    for td in &types {
        // CatchableType: properties, type, PMD (the object itself: every
        // base is at offset 0, single inheritance), size, copy constructor.
        catchables.push(next);
        let ct: [u32; 7] = [0, rva(*td), 0, u32::MAX, 0, OBJECT_SIZE, rva(copy)];
        let _ = user::write(next, &ct);
        next += 28;
    }
    let cta = next;
    let _ = user::write(cta, &(catchables.len() as u32));
    for (i, ct) in catchables.iter().enumerate() {
        let _ = user::write(cta + 4 + 4 * i as u64, &rva(*ct));
    }
    // ThrowInfo: attributes, destructor, forward-compat handler, types.
    let throw_info = cta + 4 + 4 * catchables.len() as u64;
    let ti: [u32; 4] = [0, rva(dtor), 0, rva(cta)];
    let _ = user::write(throw_info, &ti);
    // The hierarchy: the class, then its bases, each holding the next
    // (single inheritance, all at offset 0).
    let n = types.len() as u32;
    let hierarchy = throw_info + 16;
    let array = hierarchy + 16;
    let descriptors = array + 4 * n as u64;
    let chd: [u32; 4] = [0, 0, n, rva(array)];
    let _ = user::write(hierarchy, &chd);
    for (i, td) in types.iter().enumerate() {
        let bcd_at = descriptors + 28 * i as u64;
        let _ = user::write(array + 4 * i as u64, &rva(bcd_at));
        // Type, contained bases, PMD, attributes, hierarchy.
        let contained = n - 1 - i as u32;
        let bcd: [u32; 7] = [rva(*td), contained, 0, u32::MAX, 0, 0, rva(hierarchy)];
        let _ = user::write(bcd_at, &bcd);
    }
    // Locator: signature 1, offset, constructor displacement, type,
    // hierarchy, itself.
    let locator = descriptors + 28 * n as u64;
    let col: [u32; 6] = [1, 0, 0, rva(types[0]), rva(hierarchy), rva(locator)];
    let _ = user::write(locator, &col);
    (throw_info, locator)
}

/// A copy of the NUL-terminated string at `s` in the C heap (0 for none).
fn copy_string(s: u64) -> u64 {
    let Some(mut bytes) = (s != 0).then(|| read_c_string(s)).flatten() else {
        return 0;
    };
    bytes.push(0);
    let p = malloc(bytes.len() as u64);
    if p != 0 && user::write_from(p, &bytes).is_err() {
        free(p);
        return 0;
    }
    p
}

/// Makes `this` an object of `class` with the message `what` (copied).
fn construct(this: u64, class: &Class, what: u64) -> u64 {
    let copy = copy_string(what);
    let _ = user::write(this, &vftable_of(class));
    let _ = user::write(this + WHAT, &copy);
    let _ = user::write(this + DO_FREE, &u32::from(copy != 0));
    this
}

/// Makes `this` a copy of `other`, as an object of `class`.
fn copy_construct(this: u64, class: &Class, other: u64) -> u64 {
    let what = user::read::<u64>(other + WHAT).unwrap_or(0);
    let owned = user::read::<u32>(other + DO_FREE).unwrap_or(0) != 0;
    let _ = user::write(this, &vftable_of(class));
    if owned {
        let copy = copy_string(what);
        let _ = user::write(this + WHAT, &copy);
        let _ = user::write(this + DO_FREE, &u32::from(copy != 0));
    } else {
        let _ = user::write(this + WHAT, &what);
        let _ = user::write(this + DO_FREE, &0u32);
    }
    this
}

fn destroy(this: u64) {
    if user::read::<u32>(this + DO_FREE).unwrap_or(0) != 0 {
        free(user::read::<u64>(this + WHAT).unwrap_or(0));
        let _ = user::write(this + DO_FREE, &0u32);
    }
    let _ = user::write(this + WHAT, &0u64);
}

/// `exception &exception::operator=(const exception &)` and the derived
/// classes' (the vftable stays the target's).
fn assign(this: u64, other: u64) -> u64 {
    if this != other {
        let vftable = user::read::<u64>(this).unwrap_or(0);
        destroy(this);
        let what = user::read::<u64>(other + WHAT).unwrap_or(0);
        let owned = user::read::<u32>(other + DO_FREE).unwrap_or(0) != 0;
        let what = if owned { copy_string(what) } else { what };
        let _ = user::write(this + WHAT, &what);
        let _ = user::write(this + DO_FREE, &u32::from(owned && what != 0));
        let _ = user::write(this, &vftable);
    }
    this
}

/// The vftable's `void *'vector deleting destructor'(unsigned flags)`:
/// bit 1, an array whose count is in the 8 bytes before it; bit 0, free
/// the storage.
extern "win64" fn deleting_destructor(this: u64, flags: u32) -> u64 {
    if flags & 2 != 0 {
        let count = user::read::<u64>(this.wrapping_sub(8)).unwrap_or(0);
        for i in (0..count).rev() {
            destroy(this + i * OBJECT_SIZE as u64);
        }
        if flags & 1 != 0 {
            free(this - 8);
        }
        return this - 8;
    }
    destroy(this);
    if flags & 1 != 0 {
        free(this);
    }
    this
}

/// `const char *exception::what() const`.
pub extern "win64" fn exception_what(this: u64) -> u64 {
    match user::read::<u64>(this + WHAT) {
        Ok(0) | Err(_) => UNKNOWN_EXCEPTION.as_ptr() as u64,
        Ok(what) => what,
    }
}

static UNKNOWN_EXCEPTION: &[u8] = b"Unknown exception\0";

/// `exception::exception()`.
pub extern "win64" fn exception_default(this: u64) -> u64 {
    construct(this, &EXCEPTION, 0)
}

/// `exception::exception(const char *const &)`: a copy of the message.
pub extern "win64" fn exception_from_name_ref(this: u64, name: u64) -> u64 {
    construct(this, &EXCEPTION, user::read::<u64>(name).unwrap_or(0))
}

/// `exception::exception(const char *const &, int)`: the message itself,
/// not copied.
pub extern "win64" fn exception_from_name_nocopy(this: u64, name: u64, _: i32) -> u64 {
    let _ = user::write(this, &vftable_of(&EXCEPTION));
    let _ = user::write(this + WHAT, &user::read::<u64>(name).unwrap_or(0));
    let _ = user::write(this + DO_FREE, &0u32);
    this
}

pub extern "win64" fn exception_copy(this: u64, other: u64) -> u64 {
    copy_construct(this, &EXCEPTION, other)
}

pub extern "win64" fn exception_destructor(this: u64) {
    destroy(this)
}

pub extern "win64" fn exception_assign(this: u64, other: u64) -> u64 {
    assign(this, other)
}

/// `bad_cast::bad_cast(const char *)` and its siblings.
pub extern "win64" fn bad_cast_from_name(this: u64, name: u64) -> u64 {
    construct(this, &BAD_CAST, name)
}

/// `bad_cast::bad_cast(const char *const &)`.
pub extern "win64" fn bad_cast_from_name_ref(this: u64, name: u64) -> u64 {
    construct(this, &BAD_CAST, user::read::<u64>(name).unwrap_or(0))
}

/// `bad_cast::bad_cast()` (the default constructor closure).
pub extern "win64" fn bad_cast_default(this: u64) -> u64 {
    construct(this, &BAD_CAST, BAD_CAST_NAME.as_ptr() as u64)
}

static BAD_CAST_NAME: &[u8] = b"bad cast\0";

pub extern "win64" fn bad_cast_copy(this: u64, other: u64) -> u64 {
    copy_construct(this, &BAD_CAST, other)
}

pub extern "win64" fn bad_typeid_from_name(this: u64, name: u64) -> u64 {
    construct(this, &BAD_TYPEID, name)
}

/// `bad_typeid::bad_typeid()` (the default constructor closure).
pub extern "win64" fn bad_typeid_default(this: u64) -> u64 {
    construct(this, &BAD_TYPEID, BAD_TYPEID_NAME.as_ptr() as u64)
}

static BAD_TYPEID_NAME: &[u8] = b"bad typeid\0";

pub extern "win64" fn bad_typeid_copy(this: u64, other: u64) -> u64 {
    copy_construct(this, &BAD_TYPEID, other)
}

pub extern "win64" fn non_rtti_object_from_name(this: u64, name: u64) -> u64 {
    construct(this, &NON_RTTI_OBJECT, name)
}

pub extern "win64" fn non_rtti_object_copy(this: u64, other: u64) -> u64 {
    copy_construct(this, &NON_RTTI_OBJECT, other)
}

/// Throws a new object of `class` with the message `what`, as
/// `throw class(what)` from the program's code at `ctx`.
pub fn throw(class: &Class, what: &'static [u8], ctx: &mut CONTEXT) -> ! {
    // The object lives in this frame, as a thrown object lives in its
    // thrower's: the catch block runs below the unwound frames.
    let mut object = [0u64; 3];
    let at = object.as_mut_ptr() as u64;
    construct(at, class, what.as_ptr() as u64);
    let throw_info = index_of(class).map_or(0, |i| THROW_INFOS[i].load(Ordering::Acquire));
    raise_cxx(at, throw_info, IMAGE_BASE.load(Ordering::Acquire), ctx)
}
