//! What the nodes of one instance tell each other at once, over Redis pub/sub (one channel per
//! instance, named after its public URL): a write that changes public reads (every node empties
//! its answer cache and rebuilds its tracker's known set), a new notification (pushed to the
//! pages open on every node), a change of the runtime settings (every node reloads them) and the
//! tracker's swarm members and signalling (so viewers on different nodes find each other).
//! Without Redis (`[redis] url`), nothing is sent: one node is the whole instance.
//!
//! A leaf: `Instance` holds the [`Bus`]; `start` runs the publisher and the subscriber, and
//! applies what arrives. Messages are best effort: a node that misses one (Redis restarted)
//! still sees the change after the cache's TTL and the settings' poll, and empties its cache when
//! it reconnects.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use tokio::sync::mpsc;

/// One message between nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Something public reads show changed.
    Changed,
    /// A new notification for `user_id` (PeerTube's `UserNotification` JSON).
    Notification { user_id: i64, json: String },
    /// An administrator changed the runtime settings.
    Settings,
    /// The WebSocket tracker's swarms, shared between the web nodes.
    Swarm {
        message: ferrotube_p2p::ws::SwarmMessage,
    },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The sending node (it ignores its own messages).
    node: String,
    #[serde(flatten)]
    event: Event,
}

pub struct Bus {
    node: String,
    channel: String,
    client: Option<redis::Client>,
    tx: Option<mpsc::UnboundedSender<String>>,
    /// Taken once by the publisher task.
    rx: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
}

impl Bus {
    /// A bus on `redis_url` (none: a bus that sends nothing) for the instance at `public_url`.
    pub fn new(redis_url: Option<&str>, public_url: &str) -> Result<Bus, String> {
        let client = match redis_url {
            Some(u) => Some(redis::Client::open(u).map_err(|e| format!("Redis URL {u}: {e}"))?),
            None => None,
        };
        let (tx, rx) = if client.is_some() {
            let (tx, rx) = mpsc::unbounded_channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        Ok(Bus {
            node: uuid::Uuid::new_v4().to_string(),
            channel: format!("ferrotube:{public_url}:events"),
            client,
            tx,
            rx: Mutex::new(rx),
        })
    }

    pub fn enabled(&self) -> bool {
        self.client.is_some()
    }

    /// Tells the other nodes (never blocks; dropped without Redis).
    pub fn publish(&self, event: Event) {
        let Some(tx) = &self.tx else { return };
        let envelope = Envelope {
            node: self.node.clone(),
            event,
        };
        if let Ok(text) = serde_json::to_string(&envelope) {
            let _ = tx.send(text);
        }
    }

    /// An event another node sent, from a message's payload (`None`: ours, or not ours to read).
    pub fn decode(&self, payload: &str) -> Option<Event> {
        let e: Envelope = serde_json::from_str(payload).ok()?;
        (e.node != self.node).then_some(e.event)
    }

    /// Sends what [`Bus::publish`] queued, until `shutdown`; reconnects when Redis goes away.
    pub async fn run_publisher(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let (Some(client), Some(mut rx)) = (
            self.client.clone(),
            self.rx.lock().ok().and_then(|mut r| r.take()),
        ) else {
            return;
        };
        let mut conn: Option<redis::aio::MultiplexedConnection> = None;
        loop {
            let text = tokio::select! {
                m = rx.recv() => match m { Some(t) => t, None => return },
                _ = shutdown.changed() => return,
            };
            for attempt in 0..2 {
                if conn.is_none() {
                    conn = client.get_multiplexed_async_connection().await.ok();
                }
                let Some(c) = conn.as_mut() else { break };
                let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                    .arg(&self.channel)
                    .arg(&text)
                    .query_async(c)
                    .await;
                match sent {
                    Ok(_) => break,
                    Err(e) => {
                        if attempt == 1 {
                            tracing::warn!(error = %e, "cannot tell the other nodes");
                        }
                        conn = None;
                    }
                }
            }
        }
    }

    /// Calls `apply` with each event another node sends, until `shutdown`; after each
    /// (re)connection `apply(Event::Changed)` first, since messages may have been missed.
    pub async fn run_subscriber<F, Fut>(
        &self,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
        apply: F,
    ) where
        F: Fn(Event) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        use futures::StreamExt;
        let Some(client) = self.client.clone() else {
            return;
        };
        let mut first = true;
        loop {
            match client.get_async_pubsub().await {
                Ok(mut pubsub) => {
                    if let Err(e) = pubsub.subscribe(&self.channel).await {
                        tracing::warn!(error = %e, "cannot subscribe to the other nodes");
                    } else {
                        if !first {
                            tracing::info!("reconnected to Redis");
                            apply(Event::Changed).await;
                        }
                        first = false;
                        let mut messages = pubsub.on_message();
                        loop {
                            tokio::select! {
                                m = messages.next() => match m {
                                    Some(msg) => {
                                        let payload: String = msg.get_payload().unwrap_or_default();
                                        if let Some(event) = self.decode(&payload) {
                                            apply(event).await;
                                        }
                                    }
                                    None => break,
                                },
                                _ = shutdown.changed() => return,
                            }
                        }
                        tracing::warn!("lost Redis; reconnecting");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot reach Redis; retrying"),
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_reads_others_messages_not_its_own() {
        let a = Bus::new(Some("redis://127.0.0.1:6379"), "http://x").expect("bus");
        let b = Bus::new(Some("redis://127.0.0.1:6379"), "http://x").expect("bus");
        let e = Event::Notification {
            user_id: 3,
            json: "{}".into(),
        };
        let text = serde_json::to_string(&Envelope {
            node: a.node.clone(),
            event: e.clone(),
        })
        .expect("json");
        assert_eq!(a.decode(&text), None);
        assert_eq!(b.decode(&text), Some(e));
        assert_eq!(b.decode("not json"), None);
    }
}
