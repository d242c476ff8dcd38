//! The instance tests' harness lives in `ferrotube-testkit` (shared with fedbench): the real
//! `ferrotube` binary as a child process ([`TestInstance`]), the in-process [`TestApp`] whose
//! queued jobs run when the test says so, the client helpers both share, and the fake
//! fediverse. `on_both_backends!` comes from there too.
#![allow(unused_imports)]

pub use ferrotube_testkit::*;
