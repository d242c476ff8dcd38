//! Sends pre-signed POSTs over a fixed number of concurrent connections and reports how the
//! instance answered. Signing happens before the clock starts: the bench shares the machine's
//! cores with the instance, and 2048-bit RSA signing would otherwise be most of its load.

use bytes::Bytes;
use http::HeaderMap;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Prepared {
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Default)]
pub struct BlastResult {
    pub sent: usize,
    pub ok: usize,
    /// Non-2xx answers by status (0: transport error).
    pub refused: BTreeMap<u16, usize>,
    pub first_errors: Vec<String>,
    pub started: Option<Instant>,
    pub elapsed: Duration,
    /// Answer latencies in microseconds, sorted.
    pub latencies_us: Vec<u64>,
}

impl BlastResult {
    pub fn ok_per_sec(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// POSTs every request to `url` with `connections` requests in flight.
pub async fn blast(url: &str, reqs: Vec<Prepared>, connections: usize) -> BlastResult {
    let client = match reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(120))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return BlastResult {
                first_errors: vec![e.to_string()],
                ..BlastResult::default()
            }
        }
    };
    let reqs = Arc::new(reqs);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let (client, reqs, next, url) =
            (client.clone(), reqs.clone(), next.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            let mut mine = BlastResult::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(r) = reqs.get(i) else { break };
                let t0 = Instant::now();
                let answer = client
                    .post(&url)
                    .headers(r.headers.clone())
                    .body(r.body.clone())
                    .send()
                    .await;
                mine.sent += 1;
                match answer {
                    Ok(resp) if resp.status().is_success() => {
                        // Read the (empty) body so the connection goes back to the pool.
                        let _ = resp.bytes().await;
                        mine.ok += 1;
                    }
                    Ok(resp) => {
                        let status = resp.status().as_u16();
                        *mine.refused.entry(status).or_default() += 1;
                        if mine.first_errors.len() < 3 {
                            let text = resp.text().await.unwrap_or_default();
                            mine.first_errors.push(format!("{status}: {text}"));
                        }
                    }
                    Err(e) => {
                        *mine.refused.entry(0).or_default() += 1;
                        if mine.first_errors.len() < 3 {
                            mine.first_errors.push(e.to_string());
                        }
                    }
                }
                mine.latencies_us.push(t0.elapsed().as_micros() as u64);
            }
            mine
        }));
    }
    let mut all = BlastResult::default();
    for t in tasks {
        if let Ok(r) = t.await {
            all.sent += r.sent;
            all.ok += r.ok;
            for (k, v) in r.refused {
                *all.refused.entry(k).or_default() += v;
            }
            if all.first_errors.len() < 5 {
                all.first_errors.extend(r.first_errors);
            }
            all.latencies_us.extend(r.latencies_us);
        }
    }
    all.elapsed = started.elapsed();
    all.started = Some(started);
    all.latencies_us.sort_unstable();
    all
}
