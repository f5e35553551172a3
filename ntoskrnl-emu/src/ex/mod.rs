//! Executive support: system information and time.

pub mod sysinfo;
pub mod time;
pub mod timezone;
pub mod timezone_names;
