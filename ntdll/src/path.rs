//! DOS path names to NT names (RtlDosPathNameToNtPathName_U and
//! RtlGetFullPathName_U): drive-absolute, drive-relative, rooted, relative,
//! UNC, `\\?\`, `\\.\`, `\??\` and DOS device names.

use syscalls::*;

/// What kind of DOS path a string is (RtlDetermineDosPathNameType_U).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum PathType {
    UncAbsolute,
    DriveAbsolute,
    DriveRelative,
    Rooted,
    Relative,
    LocalDevice,
    RootLocalDevice,
}

fn is_sep(c: u16) -> bool {
    c == b'\\' as u16 || c == b'/' as u16
}

pub fn path_type(p: &[u16]) -> PathType {
    let c = |i: usize| p.get(i).copied().unwrap_or(0);
    if is_sep(c(0)) {
        if is_sep(c(1)) {
            if (c(2) == b'.' as u16 || c(2) == b'?' as u16) && is_sep(c(3)) {
                return PathType::LocalDevice;
            }
            if (c(2) == b'.' as u16 || c(2) == b'?' as u16) && p.len() == 3 {
                return PathType::RootLocalDevice;
            }
            return PathType::UncAbsolute;
        }
        return PathType::Rooted;
    }
    if p.len() >= 2 && c(1) == b':' as u16 {
        return if is_sep(c(2)) {
            PathType::DriveAbsolute
        } else {
            PathType::DriveRelative
        };
    }
    PathType::Relative
}

const DEVICES: &[&str] = &["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];

/// The DOS device a path's last component names (`NUL`, `nul.txt`,
/// `C:\dir\con`), if any.
pub fn dos_device(p: &str) -> Option<String> {
    let last = p.rsplit(['\\', '/']).next().unwrap_or(p);
    let last = last.split(':').next().unwrap_or(last);
    let stem = last.split('.').next().unwrap_or(last).trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    if DEVICES.contains(&upper.as_str()) {
        return Some(upper);
    }
    let b = upper.as_bytes();
    if b.len() == 4
        && (upper.starts_with("COM") || upper.starts_with("LPT"))
        && (b'1'..=b'9').contains(&b[3])
    {
        return Some(upper);
    }
    None
}

/// Collapses `.` and `..`, turns slashes into backslashes and strips
/// trailing dots and spaces from components, keeping `prefix_len` characters
/// (the root) untouched.
fn normalize(path: &str, root_len: usize) -> String {
    let (root, rest) = path.split_at(root_len.min(path.len()));
    let mut parts: Vec<&str> = Vec::new();
    for comp in rest.split(['\\', '/']) {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => {
                let t = c.trim_end_matches(['.', ' ']);
                if t.is_empty() {
                    // A component of only dots/spaces ("...") disappears.
                    continue;
                }
                parts.push(t);
            }
        }
    }
    let mut out = root.replace('/', "\\");
    if !out.ends_with('\\') {
        out.push('\\');
    }
    out.push_str(&parts.join("\\"));
    // A trailing separator in the input is kept, except on the bare root.
    if (path.ends_with('\\') || path.ends_with('/')) && !parts.is_empty() {
        out.push('\\');
    }
    out
}

/// RtlGetFullPathName_U: the full DOS path of `path` against `cwd` (which
/// ends with a backslash).
pub fn full_path(path: &str, cwd: &str) -> NtResult<String> {
    if path.is_empty() {
        return Err(STATUS_OBJECT_NAME_INVALID);
    }
    let units: Vec<u16> = path.encode_utf16().collect();
    let cwd_drive = cwd.get(..2).unwrap_or("C:").to_string();
    Ok(match path_type(&units) {
        // \\?\ and \\.\ keep their prefix; the rest is normalized (only
        // the NT name conversion passes \\?\ names through untouched).
        PathType::LocalDevice => normalize(path, 4),
        PathType::RootLocalDevice => path.replace('/', "\\"),
        PathType::UncAbsolute => {
            // \\server\share is the root.
            let s = path.replace('/', "\\");
            let mut idx = 2;
            for _ in 0..2 {
                idx = s[idx..].find('\\').map_or(s.len(), |i| idx + i + 1);
            }
            normalize(&s, idx.min(s.len()))
        }
        PathType::DriveAbsolute => {
            let p = format!("{}{}", path[..2].to_ascii_uppercase(), &path[2..]);
            normalize(&p, 3)
        }
        PathType::DriveRelative => {
            let drive = path[..2].to_ascii_uppercase();
            let base = if drive.eq_ignore_ascii_case(&cwd_drive) {
                cwd.to_string()
            } else {
                format!("{drive}\\")
            };
            let joined = format!("{base}{}", &path[2..]);
            normalize(&joined, 3)
        }
        PathType::Rooted => normalize(&format!("{cwd_drive}{path}"), 3),
        PathType::Relative => {
            if let Some(dev) = dos_device(path) {
                return Ok(format!("\\\\.\\{dev}"));
            }
            let joined = format!("{cwd}{path}");
            normalize(&joined, 3)
        }
    })
}

/// RtlDosPathNameToNtPathName_U: the NT name of a DOS path.
pub fn dos_to_nt(path: &str, cwd: &str) -> NtResult<String> {
    let units: Vec<u16> = path.encode_utf16().collect();
    if path.len() > 32767 {
        return Err(STATUS_NAME_TOO_LONG);
    }
    match path_type(&units) {
        // \\?\ passes the rest through untouched; \??\ is already NT.
        PathType::LocalDevice if path.starts_with("\\\\?\\") => {
            return Ok(format!("\\??\\{}", &path[4..]))
        }
        _ if path.starts_with("\\??\\") => return Ok(path.to_string()),
        _ => {}
    }
    if matches!(
        path_type(&units),
        PathType::DriveAbsolute | PathType::DriveRelative | PathType::Rooted | PathType::Relative
    ) {
        if let Some(dev) = dos_device(path) {
            return Ok(format!("\\??\\{dev}"));
        }
    }
    let full = full_path(path, cwd)?;
    if let Some(rest) = full
        .strip_prefix("\\\\.\\")
        .or_else(|| full.strip_prefix("\\\\?\\"))
    {
        return Ok(format!("\\??\\{rest}"));
    }
    if let Some(rest) = full.strip_prefix("\\\\") {
        return Ok(format!("\\??\\UNC\\{rest}"));
    }
    Ok(format!("\\??\\{full}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CWD: &str = "Z:\\work\\dir\\";

    #[test]
    fn full_paths() {
        assert_eq!(full_path("a.txt", CWD).unwrap(), "Z:\\work\\dir\\a.txt");
        assert_eq!(full_path("..\\b", CWD).unwrap(), "Z:\\work\\b");
        assert_eq!(full_path("c:/x/./y/../z", CWD).unwrap(), "C:\\x\\z");
        assert_eq!(full_path("\\top", CWD).unwrap(), "Z:\\top");
        assert_eq!(full_path("Z:sub", CWD).unwrap(), "Z:\\work\\dir\\sub");
        assert_eq!(full_path("C:sub", CWD).unwrap(), "C:\\sub");
        assert_eq!(full_path("file.  ", CWD).unwrap(), "Z:\\work\\dir\\file");
        assert_eq!(full_path("C:\\..\\..", CWD).unwrap(), "C:\\");
        assert_eq!(full_path("dir\\", CWD).unwrap(), "Z:\\work\\dir\\dir\\");
        assert_eq!(full_path("nul", CWD).unwrap(), "\\\\.\\NUL");
        assert_eq!(full_path(r"\\?\C:\x\..\y", CWD).unwrap(), r"\\?\C:\y");
        assert_eq!(
            full_path("\\\\?\\C:\\x\\..\\y", CWD).unwrap(),
            "\\\\?\\C:\\y"
        );
    }

    #[test]
    fn nt_names() {
        assert_eq!(
            dos_to_nt("a.txt", CWD).unwrap(),
            "\\??\\Z:\\work\\dir\\a.txt"
        );
        assert_eq!(
            dos_to_nt("\\\\?\\C:\\x\\..\\y", CWD).unwrap(),
            "\\??\\C:\\x\\..\\y"
        );
        assert_eq!(dos_to_nt("\\\\.\\pipe\\p", CWD).unwrap(), "\\??\\pipe\\p");
        assert_eq!(
            dos_to_nt("\\\\server\\share\\f", CWD).unwrap(),
            "\\??\\UNC\\server\\share\\f"
        );
        assert_eq!(dos_to_nt("C:\\dir\\CON", CWD).unwrap(), "\\??\\CON");
        assert_eq!(dos_to_nt("conout$", CWD).unwrap(), "\\??\\CONOUT$");
        assert_eq!(dos_to_nt("nul.txt", CWD).unwrap(), "\\??\\NUL");
        assert_eq!(dos_to_nt("\\??\\C:\\x", CWD).unwrap(), "\\??\\C:\\x");
    }

    #[test]
    fn types() {
        let t = |s: &str| path_type(&s.encode_utf16().collect::<Vec<_>>());
        assert_eq!(t("C:\\x"), PathType::DriveAbsolute);
        assert_eq!(t("C:x"), PathType::DriveRelative);
        assert_eq!(t("\\x"), PathType::Rooted);
        assert_eq!(t("x"), PathType::Relative);
        assert_eq!(t("\\\\s\\x"), PathType::UncAbsolute);
        assert_eq!(t("\\\\.\\x"), PathType::LocalDevice);
    }
}
