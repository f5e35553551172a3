//! The NT system-service ABI: the gate between user mode (ntdll and the
//! loader) and the executive.
//!
//! It owns NTSTATUS, the structures shared across the boundary, the numbered
//! service table and typed access to user memory. User-mode crates depend on
//! this crate and never on the executive.

pub mod exception;
pub mod nt;
pub mod status;
pub mod table;
pub mod upcall;
pub mod user;

pub use status::*;
pub use table::{args, nr, syscall, Args};
