//! `roundtrip`: see fuzz-targets/src/roundtrip.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::roundtrip::run(data));
