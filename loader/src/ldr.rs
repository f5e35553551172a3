//! The loader proper: the module list, loading (builtin and native PE DLLs,
//! recursively), import binding, relocation, TLS, initialization order,
//! GetProcAddress-style lookups and process shutdown.

use crate::builtin::{self, LoadedBuiltin};
use crate::image::{ExportTarget, ImportRef, Mapped};
use crate::{ldr_data, nt, registry, tls};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use syscalls::nt::{peb, RTL_USER_PROCESS_PARAMETERS};
use syscalls::*;

/// Why loading failed.
#[derive(Debug, Clone)]
pub enum LoadError {
    DllNotFound(String),
    MissingImport {
        dll: String,
        import: ImportRef,
        by: String,
    },
    Malformed {
        module: String,
        why: String,
    },
    InitFailed(String),
    Nt {
        module: String,
        status: NtStatus,
    },
}

impl LoadError {
    /// The NTSTATUS Windows reports for this failure.
    pub fn status(&self) -> NtStatus {
        match self {
            LoadError::DllNotFound(_) => STATUS_DLL_NOT_FOUND,
            LoadError::MissingImport {
                import: ImportRef::Ordinal(_),
                ..
            } => STATUS_ORDINAL_NOT_FOUND,
            LoadError::MissingImport { .. } => STATUS_ENTRYPOINT_NOT_FOUND,
            LoadError::Malformed { .. } => STATUS_INVALID_IMAGE_FORMAT,
            LoadError::InitFailed(_) => STATUS_DLL_INIT_FAILED,
            LoadError::Nt { status, .. } => *status,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::DllNotFound(n) => write!(f, "{n} not found (searched the program's directory, the system directory, the current directory and PATH)"),
            LoadError::MissingImport { dll, import, by } => write!(f, "{by} imports {dll}!{import}, which {dll} does not export"),
            LoadError::Malformed { module, why } => write!(f, "{module}: malformed image: {why}"),
            LoadError::InitFailed(n) => write!(f, "initialization of {n} failed (its DllMain returned FALSE)"),
            LoadError::Nt { module, status } => write!(f, "{module}: {status}"),
        }
    }
}

/// A loaded module.
pub struct Module {
    /// Lower-case base name (`kernel32.dll`).
    pub name: String,
    /// Full DOS path.
    pub path: String,
    pub image: Mapped,
    pub entry: u64,
    pub ldr_entry: u64,
    pub builtin: Option<Arc<LoadedBuiltin>>,
    pub is_exe: bool,
    pub load_count: u32,
    pub tls: Option<tls::ImageTls>,
    pub attached: bool,
    /// DisableThreadLibraryCalls: no DLL_THREAD_ATTACH/DETACH.
    pub no_thread_calls: bool,
}

struct State {
    modules: Vec<Module>,
    /// Indices into `modules`, in initialization order.
    init_order: Vec<usize>,
    ldr: u64,
    relay: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    modules: Vec::new(),
    init_order: Vec::new(),
    ldr: 0,
    relay: false,
});

/// The loader lock: recursive, because DllMain may call LoadLibrary.
static LOADER_LOCK: crate::lock::RecursiveLock = crate::lock::RecursiveLock::new();

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

const DLL_PROCESS_DETACH: u32 = 0;
const DLL_PROCESS_ATTACH: u32 = 1;
const DLL_THREAD_ATTACH: u32 = 2;
const DLL_THREAD_DETACH: u32 = 3;

pub const SYSTEM_DIRECTORY: &str = "C:\\windows\\system32";

/// API sets resolve to the DLL that implements them (a schema, not files).
fn resolve_api_set(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    if n.starts_with("api-ms-win-core-")
        || n.starts_with("ext-ms-win-")
        || n.starts_with("api-ms-win-security-base")
    {
        Some("kernel32.dll")
    } else if n.starts_with("api-ms-win-crt-") {
        Some("ucrtbase.dll")
    } else {
        None
    }
}

/// `KERNEL32` -> `kernel32.dll`; keeps other extensions and paths.
pub fn normalize(name: &str) -> String {
    let base = name.rsplit(['\\', '/']).next().unwrap_or(name);
    let mut n = base.to_ascii_lowercase();
    if !n.contains('.') {
        n.push_str(".dll");
    } else if n.ends_with('.') {
        n.pop();
    }
    n
}

fn process_parameters() -> Option<RTL_USER_PROCESS_PARAMETERS> {
    let peb_base = syscalls::nt::current_peb();
    // SAFETY: the PEB and its parameters were created by the executive.
    unsafe {
        let p = *((peb_base + peb::PROCESS_PARAMETERS as u64) as *const u64);
        (p != 0).then(|| core::ptr::read(p as *const RTL_USER_PROCESS_PARAMETERS))
    }
}

fn read_unicode(us: &syscalls::nt::UNICODE_STRING) -> String {
    if us.Buffer == 0 {
        return String::new();
    }
    // SAFETY: process-parameter strings are valid for their Length.
    let units =
        unsafe { core::slice::from_raw_parts(us.Buffer as *const u16, us.Length as usize / 2) };
    String::from_utf16_lossy(units)
}

fn dir_of(path: &str) -> &str {
    path.rfind('\\').map_or("", |i| &path[..i])
}

/// The DLL search path: the program's directory, the system directory, the
/// Windows directory, the current directory, then PATH.
fn search_path(exe_dir: &str) -> Vec<String> {
    let mut dirs = vec![
        exe_dir.to_string(),
        SYSTEM_DIRECTORY.to_string(),
        "C:\\windows".to_string(),
    ];
    if let Some(p) = process_parameters() {
        let cwd = read_unicode(&p.CurrentDirectory.DosPath);
        dirs.push(cwd.trim_end_matches('\\').to_string());
        if let Some(path) = environment_variable(&p, "PATH") {
            dirs.extend(
                path.split(';')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.trim_end_matches('\\').to_string()),
            );
        }
    }
    dirs
}

fn environment_variable(p: &RTL_USER_PROCESS_PARAMETERS, name: &str) -> Option<String> {
    if p.Environment == 0 {
        return None;
    }
    let mut at = p.Environment as *const u16;
    // SAFETY: the environment block is a sequence of NUL-terminated strings
    // ending with an empty one, created by the executive.
    unsafe {
        loop {
            let mut len = 0;
            while *at.add(len) != 0 {
                len += 1;
            }
            if len == 0 {
                return None;
            }
            let entry = String::from_utf16_lossy(core::slice::from_raw_parts(at, len));
            if let Some((k, v)) = entry.split_once('=') {
                if !k.is_empty() && k.eq_ignore_ascii_case(name) {
                    return Some(v.to_string());
                }
            }
            at = at.add(len + 1);
        }
    }
}

fn nt_path(dos: &str) -> Vec<u16> {
    format!("\\??\\{dos}").encode_utf16().collect()
}

fn find_module(s: &State, name: &str) -> Option<usize> {
    s.modules.iter().position(|m| m.name == name)
}

/// Runs `f` with the loader lock held.
fn locked<T>(f: impl FnOnce() -> T) -> T {
    let _g = LOADER_LOCK.lock();
    f()
}

/// Prepares the loader for the process: PEB loader data, the exe's module
/// entry, ntdll and kernel32 (present in every Windows process), the exe's
/// imports, TLS, and the process-attach of every DLL. Returns the exe's
/// entry point.
pub fn initialize_process(exe_path: &str) -> Result<u64, LoadError> {
    locked(|| {
        let peb_base = syscalls::nt::current_peb();
        // SAFETY: the PEB was created by the executive.
        let image_base = unsafe { *((peb_base + peb::IMAGE_BASE_ADDRESS as u64) as *const u64) };
        let relay = log::log_enabled!(target: "relay", log::Level::Trace);
        let exe_name = normalize(exe_path);
        {
            let mut s = state();
            s.ldr = ldr_data::create(peb_base);
            s.relay = relay;
        }
        let size = image_size(image_base);
        let image = Mapped {
            base: image_base,
            size,
        };
        let entry = image.entry_rva().map_err(|e| malformed(&exe_name, e))? as u64;
        let entry = if entry == 0 { 0 } else { image_base + entry };
        register(Module {
            name: exe_name.clone(),
            path: exe_path.to_string(),
            image,
            entry,
            ldr_entry: 0,
            builtin: None,
            is_exe: true,
            load_count: 1,
            tls: None,
            attached: true,
            no_thread_calls: false,
        });
        log::debug!(target: "loader", "{exe_name}: mapped at {image_base:#x}, {size:#x} bytes");
        let preferred = image
            .preferred_base()
            .map_err(|e| malformed(&exe_name, e))?;
        if preferred != image_base {
            fix_up_relocations(&exe_name, image, preferred)?;
        }
        let exe_dir = dir_of(exe_path).to_string();
        // ntdll and kernel32 are in every process, whatever the exe imports.
        load(&exe_dir, "ntdll.dll", &exe_name)?;
        load(&exe_dir, "kernel32.dll", &exe_name)?;
        snap_imports(&exe_dir, image, &exe_name)?;
        let exe_index = find_module(&state(), &exe_name).unwrap_or(0);
        setup_tls(exe_index, image, &exe_name)?;
        run_process_attach(true)?;
        // The exe's TLS callbacks run before its entry point.
        tls::run_callbacks(image, DLL_PROCESS_ATTACH);
        Ok(entry)
    })
}

fn malformed(module: &str, e: crate::image::Malformed) -> LoadError {
    LoadError::Malformed {
        module: module.to_string(),
        why: e.0,
    }
}

fn image_size(base: u64) -> u64 {
    // SAFETY: the headers of a mapped image are readable; the offsets are
    // checked against the first page.
    unsafe {
        let lfanew = *((base + 0x3C) as *const u32) as u64;
        if lfanew > 0xF00 {
            return 0x1000;
        }
        *((base + lfanew + 24 + 56) as *const u32) as u64
    }
}

fn register(mut m: Module) -> usize {
    let mut s = state();
    let flags = if m.is_exe {
        0
    } else {
        ldr_data::LDRP_IMAGE_DLL
    };
    let stamp = m.image.time_date_stamp().unwrap_or(0);
    let base_name = m.path.rsplit('\\').next().unwrap_or(&m.name).to_string();
    m.ldr_entry = ldr_data::add_entry(
        s.ldr,
        m.image.base,
        m.image.size,
        m.entry,
        &m.path,
        &base_name,
        flags,
        stamp,
    );
    crate::images::register(crate::images::ImageRange {
        base: m.image.base,
        size: m.image.size,
        name: m.name.clone(),
        path: m.path.clone(),
    });
    s.modules.push(m);
    s.modules.len() - 1
}

/// Makes the image writable, applies relocations, restores protections.
fn fix_up_relocations(name: &str, image: Mapped, preferred: u64) -> Result<(), LoadError> {
    with_writable_image(name, image, || {
        let n = image.relocate(preferred).map_err(|e| malformed(name, e))?;
        log::debug!(target: "loader", "{name}: relocated from {preferred:#x} to {:#x} ({n} fixups)", image.base);
        Ok(())
    })
}

fn with_writable_image<T>(
    name: &str,
    image: Mapped,
    f: impl FnOnce() -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    nt::protect(image.base, image.size, 0x04).map_err(|status| LoadError::Nt {
        module: name.to_string(),
        status,
    })?;
    let r = f();
    restore_protections(image);
    r
}

fn restore_protections(image: Mapped) {
    let _ = nt::protect(image.base, 0x1000, 0x02);
    if let Ok(sections) = image.sections() {
        for (rva, size, ch) in sections {
            if size == 0 {
                continue;
            }
            let (r, w, x) = (
                ch & 0x4000_0000 != 0,
                ch & 0x8000_0000 != 0,
                ch & 0x2000_0000 != 0,
            );
            let protect = match (x, w, r) {
                (true, true, _) => 0x40,
                (true, false, _) => 0x20,
                (false, true, _) => 0x04,
                (false, false, true) => 0x02,
                (false, false, false) => 0x01,
            };
            let _ = nt::protect(image.base + rva, size, protect);
        }
    }
}

/// Binds an image's imports, loading each DLL it needs.
fn snap_imports(dir: &str, image: Mapped, name: &str) -> Result<(), LoadError> {
    let imports = image.imports().map_err(|e| malformed(name, e))?;
    let mut resolved = Vec::new();
    for dll in &imports {
        let target = load(dir, &dll.name, name)?;
        for (iat, what) in &dll.thunks {
            let address = resolve_export(target, what, dir)
                .map(direct_entry)
                .map_err(|e| match e {
                    LoadError::MissingImport { .. } => LoadError::MissingImport {
                        dll: dll.name.clone(),
                        import: what.clone(),
                        by: name.to_string(),
                    },
                    other => other,
                })?;
            log::trace!(target: "loader", "{name}: bound {}!{} = {address:#x}", dll.name, what);
            resolved.push((*iat as u64, address));
        }
        log::debug!(target: "loader", "{name}: bound {} imports from {}", dll.thunks.len(), dll.name);
    }
    let (Some(lo), Some(hi)) = (
        resolved.iter().map(|r| r.0).min(),
        resolved.iter().map(|r| r.0 + 8).max(),
    ) else {
        return Ok(());
    };
    with_writable_range(name, image, lo, hi, || {
        for (iat, address) in resolved {
            image.u64(iat).map_err(|e| malformed(name, e))?;
            image.write_u64(iat, address);
        }
        Ok(())
    })
}

/// Runs `f` with [lo, hi) (RVAs) writable: as it is when the range lies in
/// writable sections (mingw's .idata), otherwise by changing the protection
/// of just those pages and restoring it afterwards (MSVC's IAT in .rdata).
pub(crate) fn with_writable_range<T>(
    name: &str,
    image: Mapped,
    lo: u64,
    hi: u64,
    f: impl FnOnce() -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    let sections = image.sections().map_err(|e| malformed(name, e))?;
    let writable = sections
        .iter()
        .filter(|(rva, size, _)| *rva < hi && rva + size > lo)
        .all(|(_, _, ch)| ch & 0x8000_0000 != 0);
    let covered = sections
        .iter()
        .any(|(rva, size, _)| *rva <= lo && rva + size >= hi);
    if writable && covered {
        return f();
    }
    let (start, end) = (lo & !0xFFF, (hi + 0xFFF) & !0xFFF);
    let err = |status| LoadError::Nt {
        module: name.to_string(),
        status,
    };
    let old = nt::protect(image.base + start, end - start, 0x04).map_err(err)?;
    let r = f();
    let _ = nt::protect(image.base + start, end - start, old);
    r
}

/// The Rust entry point behind a builtin DLL's export thunk, so an import
/// slot can call it directly, one indirect jump fewer per call (relay
/// tracing keeps the thunks: they are where it hooks in). Other addresses
/// come back unchanged. GetProcAddress still returns the thunk inside the
/// image, as programs that check where an export lives expect.
fn direct_entry(address: u64) -> u64 {
    let s = state();
    if s.relay {
        return address;
    }
    for m in &s.modules {
        if let Some(b) = m.builtin.as_ref().filter(|_| m.image.contains(address)) {
            return b.direct_entry(address).unwrap_or(address);
        }
    }
    address
}

/// The image and name of the loaded module at `base`.
fn loaded_at_base(base: u64) -> Option<(Mapped, String)> {
    let s = state();
    let m = s.modules.iter().find(|m| m.image.base == base)?;
    Some((m.image, m.name.clone()))
}

/// Finds an export of a loaded module, following forwarders. The common
/// case, a name found at once, allocates nothing.
fn resolve_export(base: u64, what: &ImportRef, dir: &str) -> Result<u64, LoadError> {
    let image = {
        let s = state();
        s.modules
            .iter()
            .find(|m| m.image.base == base)
            .map(|m| m.image)
            .ok_or_else(|| LoadError::DllNotFound(format!("{base:#x}")))?
    };
    let name_of = |image: Mapped| {
        loaded_at_base(image.base).map_or_else(|| format!("{:#x}", image.base), |m| m.1)
    };
    let mut hops = 0;
    let mut image = image;
    let mut forwarded: Option<ImportRef> = None;
    loop {
        let what = forwarded.as_ref().unwrap_or(what);
        match image
            .find_export(what)
            .map_err(|e| malformed(&name_of(image), e))?
        {
            Some(ExportTarget::Address(a)) => return Ok(a),
            Some(ExportTarget::Forward(f)) => {
                hops += 1;
                let mname = name_of(image);
                let (dll, func) = f.split_once('.').ok_or_else(|| LoadError::Malformed {
                    module: mname.clone(),
                    why: format!("bad forwarder {f}"),
                })?;
                if hops > 16 {
                    return Err(LoadError::Malformed {
                        module: mname,
                        why: format!("forwarder loop at {f}"),
                    });
                }
                let target = load(dir, dll, &mname)?;
                image = loaded_at_base(target)
                    .ok_or_else(|| LoadError::DllNotFound(dll.to_string()))?
                    .0;
                forwarded = Some(
                    match func.strip_prefix('#').and_then(|o| o.parse::<u16>().ok()) {
                        Some(o) => ImportRef::Ordinal(o),
                        None => ImportRef::Name(func.to_string()),
                    },
                );
            }
            None => {
                let mname = name_of(image);
                // A name the real DLL exports but casement does not
                // implement yet binds to a stub that says so when called.
                if let ImportRef::Name(n) = what {
                    let spec = state()
                        .modules
                        .iter()
                        .find(|m| m.image.base == image.base)
                        .and_then(|m| m.builtin.as_ref().map(|b| b.spec));
                    if let Some(stub) = spec.and_then(|d| crate::stubs::get(d, n)) {
                        log::debug!(target: "loader", "{mname}!{n} is not implemented: bound to a stub");
                        return Ok(stub);
                    }
                }
                return Err(LoadError::MissingImport {
                    dll: mname,
                    import: what.clone(),
                    by: String::new(),
                });
            }
        }
    }
}

/// Loads a DLL (or finds it loaded), returning its base. Does not run its
/// initialization: see [`run_process_attach`].
fn load(dir: &str, requested: &str, by: &str) -> Result<u64, LoadError> {
    let name = match resolve_api_set(&normalize(requested)) {
        Some(real) => real.to_string(),
        None => normalize(requested),
    };
    {
        let mut s = state();
        if let Some(i) = find_module(&s, &name) {
            s.modules[i].load_count = s.modules[i].load_count.saturating_add(1);
            return Ok(s.modules[i].image.base);
        }
    }
    // A path names one file; a bare name goes through the search path, with
    // builtin DLLs standing in the system directory.
    let has_path = requested.contains(['\\', '/']);
    if !has_path {
        if let Some((index, spec)) = registry::find(&name) {
            return load_builtin(index, spec, by);
        }
    }
    let candidates: Vec<String> = if has_path {
        vec![requested.replace('/', "\\")]
    } else {
        search_path(dir)
            .into_iter()
            .map(|d| format!("{d}\\{requested}"))
            .collect()
    };
    let path = candidates
        .into_iter()
        .map(|c| {
            if c.rsplit('\\').next().is_some_and(|n| n.contains('.')) {
                c
            } else {
                format!("{c}.dll")
            }
        })
        .find(|c| nt::file_exists(&nt_path(c)))
        .ok_or_else(|| LoadError::DllNotFound(requested.to_string()))?;
    load_native(&path, &name, by)
}

fn load_builtin(
    index: usize,
    spec: &'static builtin::BuiltinDll,
    by: &str,
) -> Result<u64, LoadError> {
    let relay = state().relay;
    let loaded = builtin::map(spec, index, relay).map_err(|status| LoadError::Nt {
        module: spec.name.to_string(),
        status,
    })?;
    let base = loaded.base;
    log::debug!(target: "loader", "{}: builtin, synthesized at {base:#x} ({} exports) for {by}", spec.name, spec.exports.len());
    let loaded = Arc::new(loaded);
    let index = register(Module {
        name: spec.name.to_string(),
        path: format!("{SYSTEM_DIRECTORY}\\{}", spec.name),
        image: Mapped {
            base,
            size: loaded.size,
        },
        entry: 0,
        ldr_entry: 0,
        builtin: Some(loaded),
        is_exe: false,
        load_count: 1,
        tls: None,
        attached: false,
        no_thread_calls: false,
    });
    for dep in spec.depends {
        load("", dep, spec.name)?;
    }
    state().init_order.push(index);
    Ok(base)
}

fn load_native(path: &str, name: &str, by: &str) -> Result<u64, LoadError> {
    let err = |status| LoadError::Nt {
        module: path.to_string(),
        status,
    };
    let file = nt::open_image(&nt_path(path)).map_err(err)?;
    let mapped = nt::map_image(file);
    nt::close(file);
    let (base, at_preferred) = mapped.map_err(|status| match status {
        STATUS_INVALID_IMAGE_FORMAT | STATUS_INVALID_IMAGE_WIN_32 => LoadError::Malformed {
            module: path.to_string(),
            why: format!("{status}"),
        },
        s => err(s),
    })?;
    let image = Mapped {
        base,
        size: image_size(base),
    };
    log::debug!(target: "loader", "{name}: mapped {path} at {base:#x} for {by}");
    let entry = match image.entry_rva().map_err(|e| malformed(name, e))? {
        0 => 0,
        rva => base + rva as u64,
    };
    let index = register(Module {
        name: name.to_string(),
        path: path.to_string(),
        image,
        entry,
        ldr_entry: 0,
        builtin: None,
        is_exe: false,
        load_count: 1,
        tls: None,
        attached: false,
        no_thread_calls: false,
    });
    if !at_preferred {
        let preferred = image.preferred_base().map_err(|e| malformed(name, e))?;
        fix_up_relocations(name, image, preferred)?;
    }
    snap_imports(dir_of(path), image, name)?;
    setup_tls(index, image, name)?;
    state().init_order.push(index);
    Ok(base)
}

fn setup_tls(index: usize, image: Mapped, name: &str) -> Result<(), LoadError> {
    if let Some(dir) = image.tls().map_err(|e| malformed(name, e))? {
        let t = tls::register_image(image, dir).map_err(|why| LoadError::Malformed {
            module: name.to_string(),
            why,
        })?;
        log::debug!(target: "loader", "{name}: static TLS index {} ({} bytes)", t.index, t.template_size);
        state().modules[index].tls = Some(t);
    }
    Ok(())
}

/// Runs process-attach for modules loaded but not yet initialized, in
/// initialization order: builtin init routines and native DllMains (after
/// the image's TLS callbacks).
fn run_process_attach(static_load: bool) -> Result<(), LoadError> {
    loop {
        let next = {
            let s = state();
            s.init_order
                .iter()
                .copied()
                .find(|&i| !s.modules[i].attached)
        };
        let Some(i) = next else { return Ok(()) };
        let (name, image, entry, builtin, ldr_entry, ldr) = {
            let mut s = state();
            s.modules[i].attached = true;
            let m = &s.modules[i];
            (
                m.name.clone(),
                m.image,
                m.entry,
                m.builtin.clone(),
                m.ldr_entry,
                s.ldr,
            )
        };
        ldr_data::mark_initialized(ldr, ldr_entry);
        if let Some(b) = builtin {
            if let Some(init) = b.spec.init {
                log::debug!(target: "loader", "{name}: process attach (builtin)");
                init(&b);
            }
        } else {
            tls::run_callbacks(image, DLL_PROCESS_ATTACH);
            if entry != 0 {
                log::debug!(target: "loader", "{name}: calling DllMain({:#x}, DLL_PROCESS_ATTACH) at {entry:#x}", image.base);
                // SAFETY: the entry point of a mapped, bound DLL, called with
                // the DllMain signature in the Windows x64 convention.
                let dll_main: extern "win64" fn(u64, u32, u64) -> i32 =
                    unsafe { core::mem::transmute(entry) };
                let ok = dll_main(image.base, DLL_PROCESS_ATTACH, static_load as u64);
                log::debug!(target: "loader", "{name}: DllMain returned {ok}");
                if ok == 0 {
                    return Err(LoadError::InitFailed(name));
                }
            }
        }
        ldr_data::set_flags(
            ldr_entry,
            ldr_data::LDRP_ENTRY_PROCESSED | ldr_data::LDRP_PROCESS_ATTACH_CALLED,
        );
    }
}

/// LdrLoadDll: loads a DLL and its dependencies and initializes them.
pub fn load_library(name: &str) -> Result<u64, LoadError> {
    locked(|| {
        let exe_dir = {
            let s = state();
            s.modules
                .iter()
                .find(|m| m.is_exe)
                .map(|m| dir_of(&m.path).to_string())
                .unwrap_or_default()
        };
        let base = load(&exe_dir, name, "LoadLibrary")?;
        run_process_attach(false)?;
        Ok(base)
    })
}

/// LdrGetDllHandle: the base of a loaded module by name, or the exe's for
/// `None`.
pub fn module_handle(name: Option<&str>) -> Option<u64> {
    let s = state();
    match name {
        None => s.modules.iter().find(|m| m.is_exe).map(|m| m.image.base),
        Some(n) => {
            let n = normalize(n);
            let n = resolve_api_set(&n).map(str::to_string).unwrap_or(n);
            s.modules.iter().find(|m| m.name == n).map(|m| m.image.base)
        }
    }
}

/// LdrGetProcedureAddress.
pub fn procedure_address(base: u64, what: &ImportRef) -> Result<u64, LoadError> {
    locked(|| resolve_export(base, what, ""))
}

/// The full path of a module (GetModuleFileName); the exe for `None`.
pub fn module_path(base: Option<u64>) -> Option<String> {
    let s = state();
    match base {
        None => s.modules.iter().find(|m| m.is_exe).map(|m| m.path.clone()),
        Some(b) => s
            .modules
            .iter()
            .find(|m| m.image.base == b)
            .map(|m| m.path.clone()),
    }
}

/// The module containing an address, as (name, base).
pub fn module_at(address: u64) -> Option<(String, u64)> {
    crate::images::image_at(address).map(|r| (r.name, r.base))
}

/// The builtin DLL loaded under `name`.
pub fn builtin(name: &str) -> Option<Arc<LoadedBuiltin>> {
    let s = state();
    s.modules
        .iter()
        .find(|m| m.name == name)
        .and_then(|m| m.builtin.clone())
}

/// LdrUnloadDll: drops a reference; a native DLL whose count reaches zero
/// gets DLL_PROCESS_DETACH and leaves the module lists. (Its memory stays
/// mapped: code may still be running from it on another thread.)
pub fn unload(base: u64) -> NtResult<()> {
    locked(|| {
        let (entry, image, ldr_entry, name) = {
            let mut s = state();
            let i = s
                .modules
                .iter()
                .position(|m| m.image.base == base)
                .ok_or(STATUS_INVALID_PARAMETER)?;
            let m = &mut s.modules[i];
            if m.is_exe || m.builtin.is_some() || m.load_count > 1 {
                m.load_count = m.load_count.saturating_sub(1).max(1);
                return Ok(());
            }
            let r = (m.entry, m.image, m.ldr_entry, m.name.clone());
            s.modules.remove(i);
            crate::images::unregister(r.1.base);
            s.init_order.retain(|&k| k != i);
            for k in s.init_order.iter_mut() {
                if *k > i {
                    *k -= 1;
                }
            }
            r
        };
        log::debug!(target: "loader", "{name}: unloading");
        tls::run_callbacks(image, DLL_PROCESS_DETACH);
        if entry != 0 {
            // SAFETY: as in run_process_attach.
            let dll_main: extern "win64" fn(u64, u32, u64) -> i32 =
                unsafe { core::mem::transmute(entry) };
            dll_main(image.base, DLL_PROCESS_DETACH, 0);
        }
        ldr_data::remove_entry(ldr_entry);
        Ok(())
    })
}

/// LdrShutdownProcess: DLL_PROCESS_DETACH in reverse initialization order
/// (lpReserved non-NULL: the process is terminating), builtin detach
/// routines included, then the exe's TLS callbacks.
pub fn shutdown_process() {
    let _g = LOADER_LOCK.lock();
    let order: Vec<usize> = state().init_order.iter().rev().copied().collect();
    for i in order {
        let (entry, image, builtin, attached) = {
            let s = state();
            let Some(m) = s.modules.get(i) else { continue };
            (m.entry, m.image, m.builtin.clone(), m.attached)
        };
        if !attached {
            continue;
        }
        match builtin {
            Some(b) => {
                if let Some(detach) = b.spec.detach {
                    detach();
                }
            }
            None => {
                tls::run_callbacks(image, DLL_PROCESS_DETACH);
                if entry != 0 {
                    // SAFETY: as in run_process_attach.
                    let dll_main: extern "win64" fn(u64, u32, u64) -> i32 =
                        unsafe { core::mem::transmute(entry) };
                    dll_main(image.base, DLL_PROCESS_DETACH, 1);
                }
            }
        }
    }
    let exe = state().modules.iter().find(|m| m.is_exe).map(|m| m.image);
    if let Some(image) = exe {
        tls::run_callbacks(image, DLL_PROCESS_DETACH);
    }
}

/// The modules thread attach/detach applies to, in initialization order:
/// (image, entry point, whether DllMain is called).
fn thread_notification_targets() -> (Vec<(Mapped, u64, bool)>, Option<Mapped>) {
    let s = state();
    let dlls = s
        .init_order
        .iter()
        .filter_map(|&i| s.modules.get(i))
        .filter(|m| m.attached && m.builtin.is_none())
        .map(|m| (m.image, m.entry, !m.no_thread_calls))
        .collect();
    let exe = s.modules.iter().find(|m| m.is_exe).map(|m| m.image);
    (dlls, exe)
}

fn call_dll_main(image: Mapped, entry: u64, reason: u32) {
    // SAFETY: the entry point of a mapped, initialized DLL, DllMain
    // signature in the Windows x64 convention.
    let dll_main: extern "win64" fn(u64, u32, u64) -> i32 = unsafe { core::mem::transmute(entry) };
    dll_main(image.base, reason, 0);
}

/// LdrInitializeThunk for a new thread: its copy of every image's static
/// TLS, then TLS callbacks and DllMain(DLL_THREAD_ATTACH) in initialization
/// order, the program's own TLS callbacks last.
pub fn initialize_thread() {
    let _g = LOADER_LOCK.lock();
    tls::initialize_thread();
    let (dlls, exe) = thread_notification_targets();
    for (image, entry, call) in dlls {
        tls::run_callbacks(image, DLL_THREAD_ATTACH);
        if call && entry != 0 {
            call_dll_main(image, entry, DLL_THREAD_ATTACH);
        }
    }
    if let Some(image) = exe {
        tls::run_callbacks(image, DLL_THREAD_ATTACH);
    }
}

/// LdrShutdownThread: DLL_THREAD_DETACH in reverse initialization order.
pub fn shutdown_thread() {
    let _g = LOADER_LOCK.lock();
    let (dlls, exe) = thread_notification_targets();
    if let Some(image) = exe {
        tls::run_callbacks(image, DLL_THREAD_DETACH);
    }
    for (image, entry, call) in dlls.into_iter().rev() {
        if call && entry != 0 {
            call_dll_main(image, entry, DLL_THREAD_DETACH);
        }
        tls::run_callbacks(image, DLL_THREAD_DETACH);
    }
}

/// LdrDisableThreadCalloutsForDll (DisableThreadLibraryCalls).
pub fn disable_thread_calls(base: u64) -> NtResult<()> {
    let mut s = state();
    let m = s
        .modules
        .iter_mut()
        .find(|m| m.image.base == base && !m.is_exe)
        .ok_or(STATUS_DLL_NOT_FOUND)?;
    m.no_thread_calls = true;
    Ok(())
}
