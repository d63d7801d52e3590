//! `parse`: see fuzz-targets/src/parse.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::parse::run(data));
