//! Builtin msvcrt.dll.

pub mod printf;
pub mod scanf;
