#![no_main]
//! The harness lives in `ferrotube_model::fuzzing::subtitles`, so CI's `cargo test` runs it too.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrotube_model::fuzzing::subtitles(data));
