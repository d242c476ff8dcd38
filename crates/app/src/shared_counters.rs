//! Counters every node of an instance must agree on: the rate limits (login attempts, wrong
//! video passwords) and the view de-duplication. With Redis (`[redis] url`) they live there,
//! so an address gets the same allowance whichever node nginx sends it to; without Redis, or
//! while Redis does not answer, each node counts in its own memory as a one-node instance does
//! (a limit then holds per node: failing open to the node's own count rather than refusing
//! every login while Redis restarts).
//!
//! Fixed windows, as PeerTube's `express-rate-limit` uses: the first hit of an address starts a
//! window of `window`; `max` hits are allowed in it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a node waits for Redis before counting on its own.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// The Redis side, shared by the instance's counters (one connection, reconnected as needed).
pub struct SharedCounters {
    /// `ferrotube:<public url>:`, so that instances sharing one Redis never mix their counts.
    prefix: String,
    client: Option<redis::Client>,
    conn: tokio::sync::OnceCell<redis::aio::ConnectionManager>,
}

impl SharedCounters {
    /// Counters in the Redis at `redis_url` (none: every node counts alone).
    pub fn new(redis_url: Option<&str>, public_url: &str) -> Result<SharedCounters, String> {
        let client = match redis_url {
            Some(u) => Some(redis::Client::open(u).map_err(|e| format!("Redis URL {u}: {e}"))?),
            None => None,
        };
        Ok(SharedCounters {
            prefix: format!("ferrotube:{public_url}:"),
            client,
            conn: tokio::sync::OnceCell::new(),
        })
    }

    /// Counters that never leave the node.
    pub fn local() -> SharedCounters {
        SharedCounters {
            prefix: String::new(),
            client: None,
            conn: tokio::sync::OnceCell::new(),
        }
    }

    async fn connection(&self) -> Option<redis::aio::ConnectionManager> {
        let client = self.client.as_ref()?;
        let conn = tokio::time::timeout(
            REDIS_TIMEOUT,
            self.conn
                .get_or_try_init(|| client.get_connection_manager()),
        )
        .await;
        match conn {
            Ok(Ok(c)) => Some(c.clone()),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot reach Redis; counting on this node");
                None
            }
            Err(_) => {
                tracing::warn!("Redis too slow; counting on this node");
                None
            }
        }
    }

    /// Runs one exchange with Redis; `None` without Redis or when it fails (logged).
    async fn query<T: redis::FromRedisValue>(&self, what: &redis::Pipeline) -> Option<T> {
        let mut conn = self.connection().await?;
        match tokio::time::timeout(REDIS_TIMEOUT, what.query_async::<T>(&mut conn)).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "Redis refused a counter; counting on this node");
                None
            }
            Err(_) => {
                tracing::warn!("Redis too slow; counting on this node");
                None
            }
        }
    }

    fn key(&self, parts: &str) -> String {
        format!("{}{parts}", self.prefix)
    }

    /// Counts a hit on `key` in a fixed window: the count so far and the window's time left.
    async fn hit(&self, key: &str, window: Duration) -> Option<(u64, Duration)> {
        let key = self.key(key);
        let ms = window.as_millis().max(1) as u64;
        // SET NX PX opens the window (with its expiry) on the first hit; INCR keeps the expiry.
        let (n, ttl): (u64, i64) = self
            .query(
                redis::pipe()
                    .atomic()
                    .cmd("SET")
                    .arg(&key)
                    .arg(0)
                    .arg("NX")
                    .arg("PX")
                    .arg(ms)
                    .ignore()
                    .cmd("INCR")
                    .arg(&key)
                    .cmd("PTTL")
                    .arg(&key),
            )
            .await?;
        Some((n, Duration::from_millis(ttl.max(0) as u64)))
    }

    /// The count and time left of `key`'s window, without counting.
    async fn peek(&self, key: &str) -> Option<(u64, Duration)> {
        let key = self.key(key);
        let (n, ttl): (Option<u64>, i64) = self
            .query(redis::pipe().cmd("GET").arg(&key).cmd("PTTL").arg(&key))
            .await?;
        Some((n.unwrap_or(0), Duration::from_millis(ttl.max(0) as u64)))
    }

    /// Whether `key` is new (then remembered for `window`).
    async fn first(&self, key: &str, window: Duration) -> Option<bool> {
        let key = self.key(key);
        let ms = window.as_millis().max(1) as u64;
        let (set,): (Option<String>,) = self
            .query(
                redis::pipe()
                    .cmd("SET")
                    .arg(&key)
                    .arg(1)
                    .arg("NX")
                    .arg("PX")
                    .arg(ms),
            )
            .await?;
        Some(set.is_some())
    }
}

/// Seconds a client is told to wait (`Retry-After`), never 0.
fn retry_secs(left: Duration) -> u64 {
    left.as_secs().max(1)
}

/// A fixed-window limit per client address, shared by the nodes through Redis when there is one.
pub struct RateLimiter {
    /// Names the limit's keys in Redis (`login`, `video-password`).
    name: &'static str,
    max: u32,
    window: Duration,
    /// The node's own count: the whole story without Redis, the fallback while it is away.
    hits: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(name: &'static str, max: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            name,
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self, ip: IpAddr) -> String {
        format!("limit:{}:{ip}", self.name)
    }

    /// `Some(retry_after_secs)` while the address is over the limit, without counting a hit.
    pub async fn blocked(&self, shared: &SharedCounters, ip: IpAddr) -> Option<u64> {
        if let Some((n, left)) = shared.peek(&self.key(ip)).await {
            return (n >= u64::from(self.max) && !left.is_zero()).then(|| retry_secs(left));
        }
        self.blocked_here(ip)
    }

    /// Counts a hit; `Err(retry_after_secs)` once the address is over the limit.
    pub async fn hit(&self, shared: &SharedCounters, ip: IpAddr) -> Result<(), u64> {
        if let Some((n, left)) = shared.hit(&self.key(ip), self.window).await {
            return if n > u64::from(self.max) {
                Err(retry_secs(left))
            } else {
                Ok(())
            };
        }
        self.hit_here(ip)
    }

    fn blocked_here(&self, ip: IpAddr) -> Option<u64> {
        let now = Instant::now();
        let hits = self.hits.lock().ok()?;
        let (start, n) = hits.get(&ip)?;
        let elapsed = now.duration_since(*start);
        (elapsed < self.window && *n >= self.max)
            .then(|| retry_secs(self.window.saturating_sub(elapsed)))
    }

    fn hit_here(&self, ip: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return Ok(());
        };
        if hits.len() > 100_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = hits.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > self.max {
            Err(retry_secs(
                self.window.saturating_sub(now.duration_since(entry.0)),
            ))
        } else {
            Ok(())
        }
    }
}

/// Views counted once per address and video per hour, as PeerTube does.
pub struct ViewDedup {
    seen: Mutex<HashMap<(IpAddr, i64), Instant>>,
}

const VIEW_WINDOW: Duration = Duration::from_secs(3600);

impl Default for ViewDedup {
    fn default() -> Self {
        ViewDedup {
            seen: Mutex::new(HashMap::new()),
        }
    }
}

impl ViewDedup {
    /// Whether this is the address's first view of the video within the hour.
    pub async fn first(&self, shared: &SharedCounters, ip: IpAddr, video_id: i64) -> bool {
        if let Some(first) = shared
            .first(&format!("view:{video_id}:{ip}"), VIEW_WINDOW)
            .await
        {
            return first;
        }
        self.first_here(ip, video_id)
    }

    fn first_here(&self, ip: IpAddr, video_id: i64) -> bool {
        let now = Instant::now();
        let Ok(mut seen) = self.seen.lock() else {
            return true;
        };
        if seen.len() > 100_000 {
            seen.retain(|_, t| now.duration_since(*t) < VIEW_WINDOW);
        }
        match seen.get(&(ip, video_id)) {
            Some(t) if now.duration_since(*t) < VIEW_WINDOW => false,
            _ => {
                seen.insert((ip, video_id), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

    /// Two nodes' counters on the machine's Redis, under a prefix of their own.
    fn two_nodes() -> (SharedCounters, SharedCounters) {
        let public = format!("http://counters-test-{}", uuid::Uuid::new_v4());
        let redis = Some("redis://127.0.0.1:6379");
        (
            SharedCounters::new(redis, &public).expect("a"),
            SharedCounters::new(redis, &public).expect("b"),
        )
    }

    #[tokio::test]
    async fn two_nodes_share_one_allowance_through_redis() {
        let (a, b) = two_nodes();
        let (on_a, on_b) = (
            RateLimiter::new("login", 3, Duration::from_secs(60)),
            RateLimiter::new("login", 3, Duration::from_secs(60)),
        );
        assert_eq!(on_a.hit(&a, IP).await, Ok(()));
        assert_eq!(on_b.hit(&b, IP).await, Ok(()));
        assert_eq!(on_a.blocked(&a, IP).await, None);
        assert_eq!(on_b.hit(&b, IP).await, Ok(()));
        // The fourth attempt, on either node, is refused, with the window's time left.
        let retry = on_a.hit(&a, IP).await.expect_err("over the limit");
        assert!((1..=60).contains(&retry), "{retry}");
        assert!(on_b.blocked(&b, IP).await.is_some());
        // Another address has its own allowance.
        let other: IpAddr = "2001:db8::1".parse().expect("ip");
        assert_eq!(on_b.hit(&b, other).await, Ok(()));

        // One view per address and video, whichever node counts it.
        let (va, vb) = (ViewDedup::default(), ViewDedup::default());
        assert!(va.first(&a, IP, 7).await);
        assert!(!vb.first(&b, IP, 7).await);
        assert!(vb.first(&b, IP, 8).await);
    }

    #[tokio::test]
    async fn without_redis_or_with_redis_away_each_node_counts_alone() {
        let alone = SharedCounters::local();
        // Nothing listens on port 1: the node falls back to its own count.
        let away = SharedCounters::new(Some("redis://127.0.0.1:1"), "http://x").expect("url");
        for shared in [&alone, &away] {
            let l = RateLimiter::new("login", 2, Duration::from_secs(60));
            assert_eq!(l.hit(shared, IP).await, Ok(()));
            assert_eq!(l.hit(shared, IP).await, Ok(()));
            assert!(l.hit(shared, IP).await.is_err());
            assert!(l.blocked(shared, IP).await.is_some());
            let v = ViewDedup::default();
            assert!(v.first(shared, IP, 1).await);
            assert!(!v.first(shared, IP, 1).await);
        }
    }
}
