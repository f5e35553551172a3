//! The drive map: NT object names to host paths.
//!
//! `\??\C:` is the prefix's drive_c, `\??\Z:` the host root; names are
//! looked up case-insensitively over the case-sensitive host file system,
//! preferring an exact match.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use syscalls::*;

/// A resolved NT name.
#[derive(Debug, PartialEq)]
pub enum Target {
    /// A path in the host file system.
    Host(PathBuf),
    /// The NUL device.
    Null,
    /// The console (CONIN$, CONOUT$, CON).
    Console { output: bool },
}

/// The prefix directory ($CASEMENT_PREFIX, default ~/.casement).
pub fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        if let Some(p) = std::env::var_os("CASEMENT_PREFIX") {
            return PathBuf::from(p);
        }
        let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
        PathBuf::from(home).join(".casement")
    })
}

/// drive_c inside the prefix, created on first use (milliseconds, no boot).
/// Checked once per process: a prefix removed while a program runs is not
/// recreated behind its back.
fn drive_c() -> PathBuf {
    static DRIVE_C: OnceLock<PathBuf> = OnceLock::new();
    DRIVE_C
        .get_or_init(|| {
            let c = prefix().join("drive_c");
            if !c.is_dir() {
                for d in ["windows/system32", "windows/temp", "users/Public"] {
                    if let Err(e) = std::fs::create_dir_all(c.join(d)) {
                        log::warn!("cannot create the prefix at {}: {e}", c.display());
                    }
                }
            }
            c
        })
        .clone()
}

fn utf16_to_host(units: &[u16]) -> NtResult<String> {
    String::from_utf16(units).map_err(|_| STATUS_OBJECT_NAME_INVALID)
}

/// Resolves an absolute NT name (`\??\C:\x`, `\Device\Null`, …).
pub fn resolve(name: &[u16]) -> NtResult<Target> {
    let name = utf16_to_host(name)?;
    let lower = name.to_ascii_lowercase();
    if lower == "\\device\\null" {
        return Ok(Target::Null);
    }
    let rest = ["\\??\\", "\\dosdevices\\", "\\global??\\"]
        .iter()
        .find_map(|p| lower.starts_with(p).then(|| &name[p.len()..]))
        .ok_or(STATUS_OBJECT_PATH_NOT_FOUND)?;
    match rest.to_ascii_lowercase().as_str() {
        "nul" => return Ok(Target::Null),
        "conout$" => return Ok(Target::Console { output: true }),
        "conin$" | "con" => return Ok(Target::Console { output: false }),
        _ => {}
    }
    let bytes = rest.as_bytes();
    if bytes.len() < 2 || bytes[1] != b':' || !bytes[0].is_ascii_alphabetic() {
        return Err(STATUS_OBJECT_PATH_NOT_FOUND);
    }
    let root = match bytes[0].to_ascii_uppercase() {
        b'C' => drive_c(),
        b'Z' => PathBuf::from("/"),
        _ => return Err(STATUS_OBJECT_PATH_NOT_FOUND),
    };
    let tail = &rest[2..];
    if !tail.is_empty() && !tail.starts_with('\\') {
        return Err(STATUS_OBJECT_NAME_INVALID);
    }
    Ok(Target::Host(lookup(&root, tail)?))
}

/// Joins a relative NT name to a directory's host path.
pub fn resolve_relative(dir: &Path, name: &[u16]) -> NtResult<PathBuf> {
    let name = utf16_to_host(name)?;
    if name.starts_with('\\') {
        return Err(STATUS_OBJECT_NAME_INVALID);
    }
    lookup(dir, &name)
}

/// Characters Windows does not allow in a file name component.
fn invalid_component(c: &str) -> bool {
    c.chars().any(|ch| {
        matches!(
            ch,
            '<' | '>' | ':' | '"' | '|' | '?' | '*' | '/' | '\0'..='\x1f'
        )
    })
}

/// Walks `tail` (backslash-separated) under `root`, matching each component
/// exactly or, failing that, case-insensitively. Components that do not exist
/// are kept as given (the caller may be creating them).
fn lookup(root: &Path, tail: &str) -> NtResult<PathBuf> {
    // Whatever an earlier lookup learned is stale now.
    LOOKED_UP.with(|l| *l.borrow_mut() = None);
    let components: Vec<&str> = tail.split('\\').filter(|c| !c.is_empty()).collect();
    if let Some(p) = exact_fast_path(root, &components)? {
        return Ok(p);
    }
    let mut path = root.to_path_buf();
    for (i, c) in components.iter().enumerate() {
        if *c == "." {
            continue;
        }
        if *c == ".." {
            if path != root {
                path.pop();
            }
            continue;
        }
        if invalid_component(c) {
            return Err(STATUS_OBJECT_NAME_INVALID);
        }
        if c.len() > 255 {
            return Err(STATUS_OBJECT_NAME_INVALID);
        }
        if i > 0 && !path.is_dir() {
            // A file where a directory should be: the path is not found.
            return Err(STATUS_OBJECT_PATH_NOT_FOUND);
        }
        let exact = path.join(c);
        if exact.symlink_metadata().is_ok() {
            path = exact;
            continue;
        }
        match find_case_insensitive(&path, c) {
            Some(found) => path.push(found),
            None => {
                // A missing directory on the way is "path not found"; a
                // missing last component is for the caller to decide.
                if i + 1 < components.len() {
                    return Err(STATUS_OBJECT_PATH_NOT_FOUND);
                }
                path = exact;
            }
        }
    }
    Ok(path)
}

/// The common case in one or two stats: every component is spelled as on
/// disk, and the name exists (or only its last component does not). None
/// when a component needs the case-insensitive walk.
fn exact_fast_path(root: &Path, components: &[&str]) -> NtResult<Option<PathBuf>> {
    if components
        .iter()
        .any(|c| *c == "." || *c == ".." || c.len() > 255 || invalid_component(c))
    {
        // Let the walk apply (or report) these.
        return Ok(None);
    }
    let mut path = root.to_path_buf();
    for c in components {
        path.push(c);
    }
    if let Ok(meta) = path.symlink_metadata() {
        remember(&path, Some(meta));
        return Ok(Some(path));
    }
    match components.len() {
        0 => Ok(Some(path)),
        1 => Ok(None),
        _ => {
            // A new name in an existing directory: the directory must be
            // spelled exactly and the new name must not exist in any case.
            let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let last = components[components.len() - 1];
            if parent.is_dir() && find_case_insensitive(&parent, last).is_none() {
                remember(&path, None);
                Ok(Some(path))
            } else {
                Ok(None)
            }
        }
    }
}

thread_local! {
    /// What the last lookup on this thread learned of the name it found
    /// (its lstat, or that it does not exist), so that the open which
    /// follows does not ask the host again.
    static LOOKED_UP: std::cell::RefCell<Option<(PathBuf, Option<std::fs::Metadata>)>> =
        const { std::cell::RefCell::new(None) };
}

fn remember(path: &Path, meta: Option<std::fs::Metadata>) {
    LOOKED_UP.with(|l| *l.borrow_mut() = Some((path.to_path_buf(), meta)));
}

/// The lstat the lookup of `path` just made on this thread: Some(None)
/// when it found no such name, None when it did not look (or looked at
/// another name). Taken once.
pub fn take_looked_up(path: &Path) -> Option<Option<std::fs::Metadata>> {
    LOOKED_UP.with(|l| match l.borrow_mut().take() {
        Some((p, meta)) if p == path => Some(meta),
        _ => None,
    })
}

fn find_case_insensitive(dir: &Path, name: &str) -> Option<OsString> {
    let want = name.to_lowercase();
    let ascii = name.is_ascii();
    let entries = std::fs::read_dir(dir).ok()?;
    let mut matches: Vec<OsString> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| {
            let b = n.as_bytes();
            if ascii && b.is_ascii() {
                // The common case, without allocating: ASCII names match
                // only names of the same length.
                b.eq_ignore_ascii_case(name.as_bytes())
            } else {
                std::str::from_utf8(b).is_ok_and(|s| s.to_lowercase() == want)
            }
        })
        .collect();
    // Deterministic choice when several names differ only in case.
    matches.sort();
    matches.into_iter().next()
}

/// The NT name of a host path: `\??\Z:\...` (or C: inside the prefix).
pub fn nt_name_of_host(path: &Path) -> Vec<u16> {
    let dos = dos_name_of_host(path);
    let mut s: Vec<u16> = "\\??\\".encode_utf16().collect();
    s.extend(dos.encode_utf16());
    s
}

/// The DOS name of an absolute host path: `C:\...` inside drive_c, else
/// `Z:\...`.
pub fn dos_name_of_host(path: &Path) -> String {
    static DRIVE_C: OnceLock<Vec<u8>> = OnceLock::new();
    let c = DRIVE_C.get_or_init(|| prefix().join("drive_c").into_os_string().into_vec());
    let p = path.as_os_str().as_bytes();
    let (drive, rest) = match p.strip_prefix(c.as_slice()) {
        Some(r) if r.is_empty() || r[0] == b'/' => ("C:", r),
        _ => ("Z:", p),
    };
    let rest = rest.strip_prefix(b"/").unwrap_or(rest);
    let mut out = String::with_capacity(rest.len() + 3);
    out.push_str(drive);
    out.push('\\');
    out.push_str(&String::from_utf8_lossy(rest));
    // Both separators are single bytes in UTF-8.
    out.replace('/', "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn z_drive_is_the_host_root() {
        assert_eq!(
            resolve(&w("\\??\\Z:\\tmp")),
            Ok(Target::Host(PathBuf::from("/tmp")))
        );
        assert_eq!(
            resolve(&w("\\??\\z:\\")),
            Ok(Target::Host(PathBuf::from("/")))
        );
    }

    #[test]
    fn devices() {
        assert_eq!(resolve(&w("\\??\\NUL")), Ok(Target::Null));
        assert_eq!(resolve(&w("\\Device\\Null")), Ok(Target::Null));
        assert_eq!(
            resolve(&w("\\??\\CONOUT$")),
            Ok(Target::Console { output: true })
        );
    }

    #[test]
    fn case_insensitive_lookup_prefers_exact() {
        let dir = std::env::temp_dir().join(format!("casement-names-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("Sub")).unwrap();
        std::fs::write(dir.join("Sub/File.TXT"), b"x").unwrap();
        std::fs::write(dir.join("Sub/file.txt"), b"y").unwrap();
        let found = lookup(&dir, "sub\\FILE.txt").unwrap();
        assert_eq!(found, dir.join("Sub/File.TXT"));
        assert_eq!(
            lookup(&dir, "Sub\\file.txt").unwrap(),
            dir.join("Sub/file.txt")
        );
        assert_eq!(
            lookup(&dir, "nothere\\x"),
            Err(STATUS_OBJECT_PATH_NOT_FOUND)
        );
        assert_eq!(lookup(&dir, "bad|name"), Err(STATUS_OBJECT_NAME_INVALID));
        assert_eq!(
            lookup(&dir, "Sub\\file.txt\\below"),
            Err(STATUS_OBJECT_PATH_NOT_FOUND)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_roots_are_path_not_found() {
        assert_eq!(
            resolve(&w("\\??\\Q:\\x")),
            Err(STATUS_OBJECT_PATH_NOT_FOUND)
        );
        assert_eq!(resolve(&w("relative")), Err(STATUS_OBJECT_PATH_NOT_FOUND));
    }
}
