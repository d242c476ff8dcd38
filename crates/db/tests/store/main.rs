//! Store-level tests of `ferrotube-db`: one story per area, each told on SQLite and on
//! PostgreSQL (`on_both_backends!`), one level below the instance tests of `crates/ferrotube`.
//! Every store call checks what it answered and what it left in the database, with a message
//! naming the call, so a failure says which statement broke on which backend (the test name
//! ends in `::sqlite` or `::postgres`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice
)]

#[macro_use]
mod common;

mod accounts;
mod admin;
mod blocklists;
mod captions;
mod comments;
mod connect;
mod federation;
mod follow_counts;
mod history;
mod jobs;
mod moderation;
mod notifications;
mod object_storage;
mod owner_tools;
mod p2p;
mod playlists;
mod redundancy;
mod remote_actors;
mod remote_videos;
mod safety;
mod shares;
mod uploads;
mod users;
mod videos;
