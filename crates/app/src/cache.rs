//! A short-lived cache of public JSON answers (anonymous reads of the video lists and pages),
//! because those are what crowds hit and they change far less often than they are read.
//!
//! Freshness: every write on this node that can change what a video read shows bumps a
//! generation and so empties the cache at once; on several nodes, another node's write is
//! seen after at most the TTL. View counters do not bump the generation (PeerTube also
//! aggregates views before they show), so they may lag by the TTL.
//!
//! No herd: when a popular entry expires, dozens of readers miss it at the same instant. They
//! take the key's fill lock ([`ResponseCache::fill_lock`]); the first computes the answer, the
//! others find it stored when their turn comes instead of all computing it side by side.

use bytes::Bytes;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct ResponseCache {
    generation: AtomicU64,
    ttl: Duration,
    max_entries: usize,
    entries: Mutex<HashMap<String, Entry>>,
    /// Fill locks, by a hash of the key: a fixed set, so nothing to clean up; two keys that
    /// share a stripe only wait for each other while both are missing.
    fill: Vec<tokio::sync::Mutex<()>>,
}

/// How many fill locks: as many answers may be computed at once (a bound under a flood of
/// distinct URLs, too).
const FILL_STRIPES: usize = 64;

struct Entry {
    generation: u64,
    stored: Instant,
    body: Bytes,
}

impl ResponseCache {
    pub fn new(ttl: Duration, max_entries: usize) -> ResponseCache {
        ResponseCache {
            generation: AtomicU64::new(0),
            ttl,
            max_entries,
            entries: Mutex::new(HashMap::new()),
            fill: (0..FILL_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }

    /// The lock to hold while computing the answer for `key` after a miss; look again once
    /// it is held (the holder before may have stored it).
    pub async fn fill_lock(&self, key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        let i = usize::try_from(h.finish() % FILL_STRIPES as u64).unwrap_or(0);
        // `fill` holds FILL_STRIPES locks and `i < FILL_STRIPES`: the index is in range.
        #[allow(clippy::indexing_slicing)]
        let lock = &self.fill[i];
        lock.lock().await
    }

    /// The current generation; pass it back to [`ResponseCache::put`] so that an answer computed
    /// while a write happened is not stored as fresh.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn get(&self, key: &str) -> Option<Bytes> {
        if self.ttl.is_zero() {
            return None;
        }
        let generation = self.generation();
        let entries = self.entries.lock().ok()?;
        let e = entries.get(key)?;
        (e.generation == generation && e.stored.elapsed() < self.ttl).then(|| e.body.clone())
    }

    pub fn put(&self, key: &str, generation: u64, body: Bytes) {
        if self.ttl.is_zero() || generation != self.generation() {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.max_entries {
            let ttl = self.ttl;
            let current = self.generation();
            entries.retain(|_, e| e.generation == current && e.stored.elapsed() < ttl);
            if entries.len() >= self.max_entries {
                entries.clear();
            }
        }
        entries.insert(
            key.to_string(),
            Entry {
                generation,
                stored: Instant::now(),
                body,
            },
        );
    }

    /// Something a public read shows has changed.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidation_and_ttl() {
        let c = ResponseCache::new(Duration::from_millis(50), 2);
        let g = c.generation();
        c.put("a", g, Bytes::from_static(b"1"));
        assert_eq!(c.get("a").as_deref(), Some(&b"1"[..]));
        c.invalidate();
        assert_eq!(c.get("a"), None);
        // An answer computed before a write is not stored.
        c.put("a", g, Bytes::from_static(b"stale"));
        assert_eq!(c.get("a"), None);
        let g = c.generation();
        c.put("b", g, Bytes::from_static(b"2"));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(c.get("b"), None, "expired");
        for k in ["x", "y", "z"] {
            c.put(k, g, Bytes::from_static(b"v"));
        }
        assert!(
            c.entries.lock().map(|e| e.len()).unwrap_or(0) <= 2,
            "bounded"
        );
    }

    #[tokio::test]
    async fn one_reader_computes_a_missing_answer_while_the_others_wait_for_it() {
        let c = std::sync::Arc::new(ResponseCache::new(Duration::from_secs(10), 16));
        let computed = std::sync::Arc::new(AtomicU64::new(0));
        let readers = (0..20).map(|_| {
            let (c, computed) = (c.clone(), computed.clone());
            tokio::spawn(async move {
                if let Some(b) = c.get("k") {
                    return b;
                }
                let _fill = c.fill_lock("k").await;
                if let Some(b) = c.get("k") {
                    return b;
                }
                let g = c.generation();
                computed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                let b = Bytes::from_static(b"answer");
                c.put("k", g, b.clone());
                b
            })
        });
        for r in futures::future::join_all(readers).await {
            assert_eq!(r.expect("reader").as_ref(), b"answer");
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1, "computed once");
    }
}
