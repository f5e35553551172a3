//! The object namespace: directories, symbolic links, named objects
//! (ObpLookupObjectName, ObInsertObject with a name), and the directory
//! and symbolic-link services.
//!
//! The tree built at start-up is Windows 10's for an interactive program
//! in session 1:
//!
//! ```text
//! \BaseNamedObjects             Global\ names; Global, Local -> itself,
//!                               Session -> \Sessions\BNOLINKS
//! \Sessions\1\BaseNamedObjects  the session's (Local\ and plain) names;
//!                               Global -> \BaseNamedObjects, Local -> itself,
//!                               Session -> \Sessions\BNOLINKS
//! \Sessions\BNOLINKS\1          -> \Sessions\1\BaseNamedObjects
//! ```
//!
//! kernel32 names a named object `\Sessions\1\BaseNamedObjects\<name>`, so
//! `Global\x` and `Local\x` resolve through the links above, as they do
//! on Windows from the session's directory.
//!
//! Names: components are separated by `\`; directory and link components
//! are matched case-insensitively, the last component case-insensitively
//! only with OBJ_CASE_INSENSITIVE (Win32 named objects are case-sensitive).
//! A directory holds its named objects weakly: an object leaves the
//! namespace when its last handle or reference goes. The start-up tree
//! is permanent.

use super::Object;
use crate::ob;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock, Weak};
use syscalls::nt::UNICODE_STRING;
use syscalls::*;

pub struct Directory {
    entries: RwLock<Entries>,
}
crate::object_type!(Directory, "Directory");

pub struct SymbolicLink {
    /// The absolute NT name the link stands for.
    target: Vec<u16>,
}
crate::object_type!(SymbolicLink, "SymbolicLink");

impl SymbolicLink {
    pub fn target(&self) -> &[u16] {
        &self.target
    }
}

enum Slot {
    Permanent(Arc<dyn Object>),
    Temporary(Weak<dyn Object>),
}

impl Slot {
    fn get(&self) -> Option<Arc<dyn Object>> {
        match self {
            Slot::Permanent(o) => Some(o.clone()),
            Slot::Temporary(w) => w.upgrade(),
        }
    }
}

#[derive(Default)]
struct Entries {
    /// Upper-cased name -> the entries with that name in any case.
    map: HashMap<Vec<u16>, Vec<(Vec<u16>, Slot)>>,
    /// Entries (dead ones included) at which dead ones are swept.
    len: usize,
    sweep_at: usize,
}

/// RtlUpcaseUnicodeChar, for the characters whose upper case is one UTF-16
/// unit.
fn upcase(c: u16) -> u16 {
    if c < 0x80 {
        return (c as u8).to_ascii_uppercase() as u16;
    }
    match char::from_u32(c as u32) {
        Some(ch) => {
            let mut up = ch.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) if (u as u32) < 0x1_0000 => u as u32 as u16,
                _ => c,
            }
        }
        None => c,
    }
}

fn key(name: &[u16]) -> Vec<u16> {
    name.iter().map(|&c| upcase(c)).collect()
}

impl Entries {
    fn find(&self, name: &[u16], case_insensitive: bool) -> Option<Arc<dyn Object>> {
        let list = self.map.get(&key(name))?;
        list.iter()
            .filter(|(n, _)| case_insensitive || n == name)
            .find_map(|(_, slot)| slot.get())
    }

    fn insert(&mut self, name: &[u16], slot: Slot) {
        if self.len >= self.sweep_at {
            self.map.retain(|_, list| {
                list.retain(|(_, s)| s.get().is_some());
                !list.is_empty()
            });
            self.len = self.map.values().map(Vec::len).sum();
            self.sweep_at = (self.len * 2).max(32);
        }
        let list = self.map.entry(key(name)).or_default();
        // A dead entry of the same name gives its place.
        list.retain(|(n, s)| n != name || s.get().is_some());
        list.push((name.to_vec(), slot));
        self.len += 1;
    }
}

impl Directory {
    pub fn new() -> Directory {
        Directory {
            entries: RwLock::new(Entries::default()),
        }
    }

    fn find(&self, name: &[u16], case_insensitive: bool) -> Option<Arc<dyn Object>> {
        let e = self.entries.read().unwrap_or_else(|e| e.into_inner());
        e.find(name, case_insensitive)
    }

    fn add_permanent(&self, name: &str, object: Arc<dyn Object>) {
        let name: Vec<u16> = name.encode_utf16().collect();
        let mut e = self.entries.write().unwrap_or_else(|e| e.into_inner());
        e.insert(&name, Slot::Permanent(object));
    }
}

impl Default for Directory {
    fn default() -> Self {
        Directory::new()
    }
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// The root directory `\`, with the start-up tree.
pub fn root() -> &'static Arc<Directory> {
    static ROOT: OnceLock<Arc<Directory>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = Arc::new(Directory::new());
        let link = |target: &str| -> Arc<dyn Object> {
            Arc::new(SymbolicLink {
                target: wide(target),
            })
        };
        let global = Arc::new(Directory::new());
        global.add_permanent("Global", link("\\BaseNamedObjects"));
        global.add_permanent("Local", link("\\BaseNamedObjects"));
        global.add_permanent("Session", link("\\Sessions\\BNOLINKS"));
        let session = Arc::new(Directory::new());
        session.add_permanent("Global", link("\\BaseNamedObjects"));
        session.add_permanent("Local", link("\\Sessions\\1\\BaseNamedObjects"));
        session.add_permanent("Session", link("\\Sessions\\BNOLINKS"));
        let one = Arc::new(Directory::new());
        one.add_permanent("BaseNamedObjects", session);
        let bnolinks = Arc::new(Directory::new());
        bnolinks.add_permanent("1", link("\\Sessions\\1\\BaseNamedObjects"));
        let sessions = Arc::new(Directory::new());
        sessions.add_permanent("1", one);
        sessions.add_permanent("BNOLINKS", bnolinks);
        root.add_permanent("BaseNamedObjects", global);
        root.add_permanent("Sessions", sessions);
        root
    })
}

/// How many symbolic links one lookup may follow.
const MAX_REPARSE: usize = 32;

/// Where a name leads: the directory that holds (or would hold) its last
/// component, and that component.
struct Parent {
    directory: Arc<Directory>,
    last: Vec<u16>,
}

/// Walks `name` (relative to `start`, or absolute when `start` is None) to
/// the directory of its last component, following links on the way.
fn walk(start: Option<Arc<Directory>>, name: &[u16]) -> NtResult<Parent> {
    let mut path: Vec<u16> = name.to_vec();
    let mut base = start;
    for _ in 0..MAX_REPARSE {
        let rest: &[u16] = match &base {
            Some(_) => {
                if path.first() == Some(&(b'\\' as u16)) {
                    return Err(STATUS_OBJECT_PATH_SYNTAX_BAD);
                }
                &path
            }
            None => match path.split_first() {
                Some((&c, rest)) if c == b'\\' as u16 => rest,
                _ => return Err(STATUS_OBJECT_PATH_SYNTAX_BAD),
            },
        };
        let mut directory = base.clone().unwrap_or_else(|| root().clone());
        let components: Vec<&[u16]> = rest.split(|&c| c == b'\\' as u16).collect();
        if components.iter().any(|c| c.is_empty()) {
            return Err(STATUS_OBJECT_NAME_INVALID);
        }
        let (last, inner) = components.split_last().expect("split yields one item");
        let mut reparse = None;
        for (i, component) in inner.iter().enumerate() {
            let object = directory
                .find(component, true)
                .ok_or(STATUS_OBJECT_PATH_NOT_FOUND)?;
            if let Ok(d) = object.clone().into_any().downcast::<Directory>() {
                directory = d;
            } else if let Some(link) = object.as_any().downcast_ref::<SymbolicLink>() {
                // Restart from the root at the link's target plus the rest.
                let mut p = link.target.clone();
                for c in &components[i + 1..] {
                    p.push(b'\\' as u16);
                    p.extend_from_slice(c);
                }
                reparse = Some(p);
                break;
            } else {
                return Err(STATUS_OBJECT_PATH_NOT_FOUND);
            }
        }
        match reparse {
            Some(p) => {
                path = p;
                base = None;
            }
            None => {
                return Ok(Parent {
                    directory,
                    last: last.to_vec(),
                })
            }
        }
    }
    Err(STATUS_OBJECT_PATH_NOT_FOUND)
}

/// ObpLookupObjectName: the object a name stands for. A symbolic link as
/// the last component is followed unless `open_link`.
pub fn lookup(
    start: Option<Arc<Directory>>,
    name: &[u16],
    case_insensitive: bool,
    open_link: bool,
) -> NtResult<Arc<dyn Object>> {
    if name.is_empty() {
        // A root directory and no name: the directory itself.
        return match start {
            Some(d) => Ok(d),
            None => Err(STATUS_OBJECT_PATH_SYNTAX_BAD),
        };
    }
    let mut parent = walk(start, name)?;
    for _ in 0..MAX_REPARSE {
        let object = parent
            .directory
            .find(&parent.last, case_insensitive)
            .ok_or(STATUS_OBJECT_NAME_NOT_FOUND)?;
        match object.as_any().downcast_ref::<SymbolicLink>() {
            Some(link) if !open_link => {
                let target = link.target.clone();
                if target.len() == 1 {
                    return Ok(root().clone());
                }
                parent = walk(None, &target)?;
            }
            _ => return Ok(object),
        }
    }
    Err(STATUS_OBJECT_NAME_NOT_FOUND)
}

/// What [`insert`] found.
pub enum Inserted {
    /// The object now has the name.
    New,
    /// The name was taken; this is what has it.
    Existing(Arc<dyn Object>),
}

/// Gives `object` a name, unless the name is taken (atomically: two
/// creators of one name get the same object).
pub fn insert(
    start: Option<Arc<Directory>>,
    name: &[u16],
    case_insensitive: bool,
    object: &Arc<dyn Object>,
) -> NtResult<Inserted> {
    let parent = walk(start, name)?;
    let mut e = parent
        .directory
        .entries
        .write()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(existing) = e.find(&parent.last, case_insensitive) {
        return Ok(Inserted::Existing(existing));
    }
    e.insert(&parent.last, Slot::Temporary(Arc::downgrade(object)));
    Ok(Inserted::New)
}

/// The full name of a named object (ObQueryNameString), found by walking
/// the directories; None for an object that has no name.
pub fn name_of(object: &Arc<dyn Object>) -> Option<Vec<u16>> {
    fn search(
        dir: &Directory,
        target: *const (),
        prefix: &[u16],
        depth: usize,
    ) -> Option<Vec<u16>> {
        if depth > 16 {
            return None;
        }
        let children: Vec<(Vec<u16>, Arc<dyn Object>)> = {
            let e = dir.entries.read().unwrap_or_else(|e| e.into_inner());
            e.map
                .values()
                .flatten()
                .filter_map(|(n, s)| s.get().map(|o| (n.clone(), o)))
                .collect()
        };
        for (n, o) in children {
            let mut path = prefix.to_vec();
            path.push(b'\\' as u16);
            path.extend_from_slice(&n);
            if Arc::as_ptr(&o) as *const () == target {
                return Some(path);
            }
            if let Some(d) = o.as_any().downcast_ref::<Directory>() {
                if let Some(found) = search(d, target, &path, depth + 1) {
                    return Some(found);
                }
            }
        }
        None
    }
    let target = Arc::as_ptr(object) as *const ();
    if target == Arc::as_ptr(root()) as *const () {
        return Some(vec![b'\\' as u16]);
    }
    search(root(), target, &[], 0)
}

// ---------------------------------------------------------------------------
// Services.

/// Directory access rights.
pub const DIRECTORY_QUERY: u32 = 0x1;
/// SYMBOLIC_LINK_QUERY.
pub const SYMBOLIC_LINK_QUERY: u32 = 0x1;

/// Implements NtCreateDirectoryObject(DirectoryHandle, DesiredAccess,
/// ObjectAttributes).
pub fn NtCreateDirectoryObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        ob::create::create_object(a[0], a[2], a[1] as u32, Arc::new(Directory::new()))
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtOpenDirectoryObject(DirectoryHandle, DesiredAccess,
/// ObjectAttributes).
pub fn NtOpenDirectoryObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> { ob::create::open_object::<Directory>(a[0], a[2], a[1] as u32) };
    NtStatus::from_result(run())
}

fn read_unicode_string(addr: u64) -> NtResult<Vec<u16>> {
    let us: UNICODE_STRING = user::read(addr)?;
    if !us.Length.is_multiple_of(2) || us.Length > us.MaximumLength {
        return Err(STATUS_INVALID_PARAMETER);
    }
    user::read_u16s(us.Buffer, us.Length as usize / 2)
}

/// Implements NtCreateSymbolicLinkObject(LinkHandle, DesiredAccess,
/// ObjectAttributes, LinkTarget).
pub fn NtCreateSymbolicLinkObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<NtStatus> {
        let target = read_unicode_string(a[3])?;
        let link = Arc::new(SymbolicLink { target });
        ob::create::create_object(a[0], a[2], a[1] as u32, link)
    };
    run().unwrap_or_else(|e| e)
}

/// Implements NtOpenSymbolicLinkObject(LinkHandle, DesiredAccess,
/// ObjectAttributes): opens the link itself, not what it points to.
pub fn NtOpenSymbolicLinkObject(a: &Args) -> NtStatus {
    let run =
        || -> NtResult<()> { ob::create::open_object::<SymbolicLink>(a[0], a[2], a[1] as u32) };
    NtStatus::from_result(run())
}

/// Implements NtQuerySymbolicLinkObject(LinkHandle, LinkTarget,
/// ReturnedLength): copies the target into the caller's UNICODE_STRING
/// buffer, with a NUL when there is room; STATUS_BUFFER_TOO_SMALL (and the
/// size needed, NUL included) when it does not fit.
pub fn NtQuerySymbolicLinkObject(a: &Args) -> NtStatus {
    let run = || -> NtResult<()> {
        let link = ob::handle::reference_typed_access::<SymbolicLink>(a[0], SYMBOLIC_LINK_QUERY)?;
        let mut us: UNICODE_STRING = user::read(a[1])?;
        let bytes = link.target.len() * 2;
        let needed = (bytes + 2) as u32;
        if (us.MaximumLength as usize) < bytes {
            user::write_opt(a[2], &needed)?;
            return Err(STATUS_BUFFER_TOO_SMALL);
        }
        let mut data: Vec<u8> = link.target.iter().flat_map(|c| c.to_le_bytes()).collect();
        if us.MaximumLength as usize >= bytes + 2 {
            data.extend_from_slice(&[0, 0]);
        }
        user::write_from(us.Buffer, &data)?;
        us.Length = bytes as u16;
        user::write(a[1], &us)?;
        user::write_opt(a[2], &needed)
    };
    NtStatus::from_result(run())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ke::event::Event;

    fn w(s: &str) -> Vec<u16> {
        wide(s)
    }

    #[test]
    fn global_and_local_resolve_through_the_session_directory() {
        let e: Arc<dyn Object> = Arc::new(Event::new(false, false));
        let name = w("\\Sessions\\1\\BaseNamedObjects\\Global\\ns-test-a");
        assert!(matches!(insert(None, &name, false, &e), Ok(Inserted::New)));
        let found = lookup(None, &w("\\BaseNamedObjects\\ns-test-a"), false, false).unwrap();
        assert_eq!(
            Arc::as_ptr(&found) as *const (),
            Arc::as_ptr(&e) as *const ()
        );
        assert_eq!(name_of(&e), Some(w("\\BaseNamedObjects\\ns-test-a")));
        let local = w("\\Sessions\\1\\BaseNamedObjects\\Local\\ns-test-b");
        assert!(matches!(insert(None, &local, false, &e), Ok(Inserted::New)));
        assert!(lookup(
            None,
            &w("\\Sessions\\1\\BaseNamedObjects\\ns-test-b"),
            false,
            false
        )
        .is_ok());
        assert!(lookup(None, &w("\\BaseNamedObjects\\ns-test-b"), false, false).is_err());
    }

    #[test]
    fn names_leave_with_the_last_reference() {
        let name = w("\\BaseNamedObjects\\ns-test-c");
        {
            let e: Arc<dyn Object> = Arc::new(Event::new(false, false));
            assert!(matches!(insert(None, &name, false, &e), Ok(Inserted::New)));
            assert!(matches!(
                insert(None, &name, false, &e),
                Ok(Inserted::Existing(_))
            ));
        }
        assert_eq!(
            lookup(None, &name, false, false).err(),
            Some(STATUS_OBJECT_NAME_NOT_FOUND)
        );
    }

    #[test]
    fn case_rules() {
        let e: Arc<dyn Object> = Arc::new(Event::new(false, false));
        let name = w("\\BaseNamedObjects\\Ns-Test-D");
        assert!(matches!(insert(None, &name, false, &e), Ok(Inserted::New)));
        let lower = w("\\basenamedobjects\\ns-test-d");
        assert_eq!(
            lookup(None, &lower, false, false).err(),
            Some(STATUS_OBJECT_NAME_NOT_FOUND)
        );
        assert!(lookup(None, &lower, true, false).is_ok());
    }

    #[test]
    fn bad_paths() {
        assert_eq!(
            lookup(None, &w("BaseNamedObjects"), false, false).err(),
            Some(STATUS_OBJECT_PATH_SYNTAX_BAD)
        );
        assert_eq!(
            lookup(None, &w("\\NoSuchDir\\x"), false, false).err(),
            Some(STATUS_OBJECT_PATH_NOT_FOUND)
        );
        assert_eq!(
            lookup(None, &w("\\BaseNamedObjects\\\\x"), false, false).err(),
            Some(STATUS_OBJECT_NAME_INVALID)
        );
        assert!(lookup(None, &w("\\BaseNamedObjects\\Global"), false, true)
            .unwrap()
            .as_any()
            .is::<SymbolicLink>());
        assert!(lookup(None, &w("\\BaseNamedObjects\\Global"), false, false)
            .unwrap()
            .as_any()
            .is::<Directory>());
    }
}
