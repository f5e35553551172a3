//! The image loader (Ldr): maps images through SEC_IMAGE sections, applies
//! relocations, binds imports recursively (builtin DLLs synthesized as real
//! PE images, native PE DLLs from the search path), sets up static TLS, runs
//! TLS callbacks and DllMain in initialization order, and keeps the PEB's
//! loader data. It is user mode: it reaches the executive only through the
//! system-service table.

pub mod builtin;
pub mod builtin_image;
pub mod image;
pub mod images;
pub mod ldr;
pub mod ldr_data;
mod lock;
pub mod nt;
pub mod pe;
pub mod registry;
pub mod stubs;
pub mod thunk;
pub mod tls;

pub use builtin::{Arg, BuiltinDll, Code, Export, ExportKind, Failure, LoadedBuiltin};
pub use ldr::LoadError;
