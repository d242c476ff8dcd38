//! Live delivery of new notifications to the pages open on this node (the SSE stream of
//! `crates/api/src/notifications.rs`): one broadcast channel, each stream keeping its user's.
//! A leaf the `Instance` holds. Per node: a notification made by a job on another node comes
//! here through Redis (`crate::bus`) when the instance has it.

use tokio::sync::broadcast;

/// A new notification: its user and its JSON (PeerTube's `UserNotification`).
#[derive(Debug, Clone)]
pub struct Pushed {
    pub user_id: i64,
    pub json: String,
}

pub struct Hub {
    tx: broadcast::Sender<Pushed>,
}

impl Default for Hub {
    fn default() -> Self {
        // A stream that falls this far behind skips ahead (the page reloads its list then).
        let (tx, _) = broadcast::channel(1024);
        Hub { tx }
    }
}

impl Hub {
    pub fn publish(&self, user_id: i64, json: String) {
        // No open stream is not an error: the notification is stored either way.
        let _ = self.tx.send(Pushed { user_id, json });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Pushed> {
        self.tx.subscribe()
    }
}
