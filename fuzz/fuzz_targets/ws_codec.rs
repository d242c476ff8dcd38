#![no_main]
//! The harness lives in `ferrotube_p2p::fuzzing::ws_codec`, so CI's `cargo test` runs it too.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ferrotube_p2p::fuzzing::ws_codec(data));
