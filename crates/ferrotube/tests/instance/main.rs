//! Instance tests: real HTTP, real ffmpeg, on SQLite and on PostgreSQL (each scenario runs
//! once per backend), against the real `ferrotube` binary (`TestInstance`) or, where no
//! separate process is needed, an in-process `TestApp` whose jobs run when the test says. Run
//! them in parallel: `cargo test -p ferrotube --test instance -- --test-threads=12`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

#[path = "../common/mod.rs"]
mod common;

mod admin;
mod bad_input;
mod blocklists;
mod captions;
mod cluster;
mod federation;
mod federation_edges;
mod feeds;
mod jobs;
mod listing;
mod media_outputs;
mod moderation;
mod notifications;
mod oauth;
mod object_storage;
mod owner;
mod p2p;
mod pages_account;
mod pages_admin;
mod pages_browse;
mod pages_library;
mod pages_watch;
mod playlists;
mod privacy;
mod redundancy;
mod restart;
mod roles;
mod safety;
mod spine;
mod users;
