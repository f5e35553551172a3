//! class type_info, as msvcrt.dll exports it for code compiled by MSVC:
//! `typeid` yields the compiler's TypeDescriptor for the type, laid out as
//! a type_info: { vftable, cached undecorated name, decorated name }. The
//! vftable (`??_7type_info@@6B@`) holds the scalar deleting destructor.

use super::data::read_c_string;
use crate::heap::free;
use syscalls::user;

/// Offset of the cached undecorated name (`_M_data`).
const CACHED_NAME: u64 = 8;
/// Offset of the decorated name (`_M_d_name`).
const DECORATED_NAME: u64 = 16;

/// Size of the vftable data export: one virtual function.
pub const VFTABLE_SIZE: usize = 8;

/// Fills the vftable export (at process attach).
pub fn init_vftable(at: u64) {
    if at != 0 {
        let dtor = type_info_scalar_deleting_destructor as extern "win64" fn(u64, u32) -> u64;
        let _ = user::write(at, &(dtor as u64));
    }
}

/// `type_info::~type_info()`: frees the cached undecorated name.
pub extern "win64" fn type_info_destructor(this: u64) {
    if let Ok(cached) = user::read::<u64>(this + CACHED_NAME) {
        if cached != 0 {
            free(cached);
            let _ = user::write(this + CACHED_NAME, &0u64);
        }
    }
}

/// `void *type_info::'scalar deleting destructor'(unsigned int flags)`:
/// the destructor, then the storage freed when bit 0 is set.
extern "win64" fn type_info_scalar_deleting_destructor(this: u64, flags: u32) -> u64 {
    type_info_destructor(this);
    if flags & 1 != 0 {
        free(this);
    }
    this
}

/// `const char *type_info::raw_name() const`: the decorated name.
pub extern "win64" fn type_info_raw_name(this: u64) -> u64 {
    this + DECORATED_NAME
}

/// The decorated names of two type_infos, for comparison.
fn names(a: u64, b: u64) -> (Vec<u8>, Vec<u8>) {
    let name = |t: u64| read_c_string(t + DECORATED_NAME).unwrap_or_default();
    (name(a), name(b))
}

/// `int type_info::operator==(const type_info &) const`.
pub extern "win64" fn type_info_equal(this: u64, other: u64) -> i32 {
    if this == other {
        return 1;
    }
    let (a, b) = names(this, other);
    (a == b) as i32
}

/// `int type_info::operator!=(const type_info &) const`.
pub extern "win64" fn type_info_not_equal(this: u64, other: u64) -> i32 {
    (type_info_equal(this, other) == 0) as i32
}

/// `int type_info::before(const type_info &) const`: the collation order
/// of the decorated names.
pub extern "win64" fn type_info_before(this: u64, other: u64) -> i32 {
    let (a, b) = names(this, other);
    (a < b) as i32
}

/// Serializes filling the name cache.
static NAME_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `const char *type_info::name() const`: the undecorated name ("int",
/// "class Base", "char const * __ptr64"), made on first use and kept in
/// the object (its destructor frees it). NULL for a decoration this
/// runtime cannot undecorate (templates, function and member pointers).
pub extern "win64" fn type_info_name(this: u64) -> u64 {
    let _guard = NAME_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    match user::read::<u64>(this + CACHED_NAME) {
        Ok(0) => {}
        Ok(cached) => return cached,
        Err(_) => return 0,
    }
    let Some(raw) = read_c_string(this + DECORATED_NAME) else {
        return 0;
    };
    let Some(name) = super::undname::type_name(&raw) else {
        log::warn!(
            "type_info::name: cannot undecorate {}",
            String::from_utf8_lossy(&raw)
        );
        return 0;
    };
    let at = crate::heap::malloc(name.len() as u64 + 1);
    if at == 0 {
        return 0;
    }
    let mut bytes = name.into_bytes();
    bytes.push(0);
    if user::write_from(at, &bytes).is_err() || user::write(this + CACHED_NAME, &at).is_err() {
        free(at);
        return 0;
    }
    at
}
