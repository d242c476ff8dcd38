//! Instance tests: the real `ferrotube` binary, real HTTP, real ffmpeg, on SQLite and on
//! PostgreSQL (each scenario runs once per backend). Run them in parallel:
//! `cargo test -p ferrotube --test instance -- --test-threads=12`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod federation;
mod federation_edges;
mod listing;
mod media_outputs;
mod oauth;
mod p2p;
mod privacy;
mod restart;
mod spine;
mod users;
