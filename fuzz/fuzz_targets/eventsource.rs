//! `eventsource`: see fuzz-targets/src/eventsource.rs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::eventsource::run(data));
