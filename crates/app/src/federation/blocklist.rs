//! Blocked servers, mirrored in memory from the database (reloaded every few seconds).

use super::FedResult;
use crate::Instance;
use std::time::Instant;

const BLOCKLIST_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether a server is blocked, from memory (reloaded every few seconds).
pub async fn is_blocked_host(state: &Instance, host: &str) -> FedResult<bool> {
    {
        let cache = state
            .federation
            .blocked_hosts
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if cache.1.is_some_and(|at| at.elapsed() < BLOCKLIST_TTL) {
            return Ok(cache.0.contains(host));
        }
    }
    let hosts: std::collections::HashSet<String> = state
        .db
        .list_blocked_servers()
        .await?
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    let blocked = hosts.contains(host);
    *state
        .federation
        .blocked_hosts
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = (hosts, Some(Instant::now()));
    Ok(blocked)
}

/// Forgets the mirrored blocklist after a change on this node. Public lists change too (the
/// blocked accounts' and servers' videos leave them).
pub fn blocklist_changed(state: &Instance) {
    state.videos_changed();
    state
        .federation
        .blocked_hosts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .1 = None;
}
