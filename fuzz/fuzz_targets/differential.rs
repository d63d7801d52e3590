//! `differential`: see fuzz-targets/src/differential.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::differential::run(data));
