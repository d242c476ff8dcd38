//! The administrator's tools: the runtime configuration (`config`, over the leaf `runtime` the
//! `Instance` holds), the audit log (`audit`), server stats (`stats`) and the log files read back
//! (`logs`). Everything an admin changes is stored in the database (migration 0016) so that
//! several nodes sharing it agree.

pub mod audit;
pub mod config;
pub mod logs;
pub mod runtime;
pub mod stats;
