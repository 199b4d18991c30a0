#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| saring_fuzz::aggregates::run(data));
