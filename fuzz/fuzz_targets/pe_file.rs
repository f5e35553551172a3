//! Fuzzes the PE file checks run before an image is loaded: any input must
//! give Ok or an error, never a panic, a hang or an allocation out of
//! proportion to the input.
//!
//!     cargo +nightly fuzz run pe_file
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = loader::pe::check_file(data);
});
