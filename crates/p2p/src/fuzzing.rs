//! Fuzz harnesses for the tracker's parsers: the HTTP announce/scrape query string and the
//! WebSocket frame decoder. Each takes arbitrary bytes, must never panic, and asserts the
//! parser's invariants. They run coverage-guided from `fuzz/` (`cargo +nightly fuzz run
//! tracker_query`, `... ws_codec`) and briefly in CI through the tests below, which replay
//! `fuzz/seeds/<target>/` plus a few thousand mutated inputs (see `fuzz/README.md`).
//!
//! Not part of the crate's API proper: `#[doc(hidden)]` in `lib.rs`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use percent_encoding::{percent_encode, NON_ALPHANUMERIC};
use tokio::io::{AsyncRead, ReadBuf};

use crate::tracker::{parse_query, AnnounceRequest, Event, Tracker, TrackerConfig};
use crate::ws_codec::{FrameReader, Incoming};

/// Fuzz target `tracker_query`: [`parse_query`], [`AnnounceRequest::from_query`] and the
/// announce and scrape endpoints' bodies on an arbitrary query string.
pub fn tracker_query(data: &[u8]) {
    let q = String::from_utf8_lossy(data);
    let raw_pairs: Vec<&str> = q.split('&').filter(|p| !p.is_empty()).collect();
    let pairs = parse_query(&q);
    assert_eq!(pairs.len(), raw_pairs.len());
    for ((k, v), &raw) in pairs.iter().zip(&raw_pairs) {
        // Decoding never grows a component.
        assert!(k.len() + v.len() <= raw.len());
        if !raw.contains(['%', '+']) {
            let (rk, rv) = raw.split_once('=').unwrap_or((raw, ""));
            assert_eq!((k.as_slice(), v.as_slice()), (rk.as_bytes(), rv.as_bytes()));
        }
    }

    let ip = if data.len() & 1 == 0 {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))
    } else {
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))
    };
    if let Ok(req) = AnnounceRequest::from_query(&q, ip) {
        // Writing the request back as a query (every byte escaped) parses to the same request.
        let again = announce_query(&req);
        assert_eq!(AnnounceRequest::from_query(&again, ip), Ok(req), "{again}");
    }

    // The endpoints answer valid bencode whatever they are sent, twice in a row (the second
    // announce meets the first one's peer in the swarm).
    let tracker = Tracker::new(
        TrackerConfig {
            max_requests_per_minute: 0,
            ..TrackerConfig::default()
        },
        |_| true,
    );
    let now = Instant::now();
    for _ in 0..2 {
        let body = tracker.announce_bencoded(&q, ip, now);
        assert_bencode(&body);
    }
    assert_bencode(&tracker.scrape_bencoded(&q, now));
}

fn assert_bencode(body: &[u8]) {
    let parsed = serde_bencode::from_bytes::<serde_bencode::value::Value>(body);
    assert!(
        matches!(parsed, Ok(serde_bencode::value::Value::Dict(_))),
        "not a bencoded dict: {:?}",
        String::from_utf8_lossy(body)
    );
}

/// `req` as an announce query string, every byte of the binary ids percent-escaped.
fn announce_query(req: &AnnounceRequest) -> String {
    let event = match req.event {
        Event::Update => "",
        Event::Started => "started",
        Event::Completed => "completed",
        Event::Stopped => "stopped",
    };
    let mut q = format!(
        "info_hash={}&peer_id={}&port={}&uploaded={}&downloaded={}&left={}&event={event}&compact={}",
        percent_encode(&req.info_hash, NON_ALPHANUMERIC),
        percent_encode(&req.peer_id, NON_ALPHANUMERIC),
        req.port,
        req.uploaded,
        req.downloaded,
        req.left,
        u8::from(req.compact),
    );
    if let Some(n) = req.numwant {
        q.push_str(&format!("&numwant={n}"));
    }
    q
}

/// An in-memory socket handing out the stream in chunks chosen by a small PRNG (`max_chunk`
/// bytes at most; `usize::MAX` for "whatever the reader asks for"), optionally answering
/// `Pending` before every read, which makes the decoder abandon and resume its poll.
struct ChunkedSocket<'a> {
    data: &'a [u8],
    pos: usize,
    rng: u64,
    max_chunk: usize,
    stall: bool,
    stalled: bool,
}

impl AsyncRead for ChunkedSocket<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.stall {
            this.stalled = !this.stalled;
            if this.stalled {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
        let chunk = if this.max_chunk == usize::MAX {
            usize::MAX
        } else {
            this.rng ^= this.rng << 13;
            this.rng ^= this.rng >> 7;
            this.rng ^= this.rng << 17;
            1 + (this.rng % this.max_chunk as u64) as usize
        };
        let left = this.data.get(this.pos..).unwrap_or_default();
        let n = left.len().min(buf.remaining()).min(chunk);
        let piece = left.get(..n).unwrap_or_default();
        buf.put_slice(piece);
        this.pos += piece.len();
        Poll::Ready(Ok(()))
    }
}

/// What the decoder made of a stream: each message (or the final error, `Eof` included) with the
/// stream position right after it.
type Decoded = Vec<(Result<Incoming, String>, usize)>;

fn decode_all(data: &[u8], max_message: usize, chunking: Chunking) -> Decoded {
    let mut socket = ChunkedSocket {
        data,
        pos: 0,
        rng: chunking.rng | 1,
        max_chunk: chunking.max_chunk,
        stall: chunking.stall,
        stalled: false,
    };
    let mut reader = FrameReader::new(max_message);
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    // Every poll either reads at least one byte, or stalls once, or yields a message that took
    // at least 6 bytes (2 of header, 4 of mask); past this many polls the decoder is stuck.
    let budget = 4 * data.len() + 16;
    for _ in 0..budget {
        match reader.poll_message(&mut socket, &mut cx) {
            Poll::Pending => {}
            Poll::Ready(Ok(m)) => out.push((Ok(m), socket.pos)),
            Poll::Ready(Err(e)) => {
                out.push((Err(e.to_string()), socket.pos));
                return out;
            }
        }
    }
    panic!("decoder made no progress after {budget} polls");
}

/// How a [`ChunkedSocket`] hands out its bytes.
#[derive(Clone, Copy)]
struct Chunking {
    rng: u64,
    max_chunk: usize,
    stall: bool,
}

fn socket(rng: u64, max_chunk: usize, stall: bool) -> Chunking {
    Chunking {
        rng,
        max_chunk,
        stall,
    }
}

const EOF: &str = "connection closed without a close frame";

/// Fuzz target `ws_codec`. Byte 0 picks the message size limit and the mode, byte 1 seeds the
/// chunking. Raw mode (byte 0 < 0x80) feeds the rest as a client byte stream; structured mode
/// builds valid masked frames from it and checks they decode to what was framed.
pub fn ws_codec(data: &[u8]) {
    let (Some(&b0), Some(&b1)) = (data.first(), data.get(1)) else {
        return;
    };
    let rest = data.get(2..).unwrap_or_default();
    if b0 & 0x80 == 0 {
        let limits = [0, 1, 2, 6, 125, 126, 1000, 65_536];
        // `b0 & 7` always picks one of the eight.
        let max = limits.get(usize::from(b0 & 7)).copied().unwrap_or(65_536);
        raw_stream(rest, max, u64::from(b1));
    } else {
        structured(rest, b0, u64::from(b1));
    }
}

fn raw_stream(stream: &[u8], max: usize, seed: u64) {
    // Reading exactly what the decoder asks for is the reference...
    let whole = decode_all(stream, max, socket(seed, usize::MAX, false));
    // ...and any chunking, with or without stalls, must give the same messages at the same
    // positions: nothing is read ahead, nothing is lost when a poll is abandoned.
    let chunkings = [
        socket(seed, 1, true),
        socket(seed, 3, false),
        socket(seed.wrapping_mul(31), 17, true),
    ];
    for s in chunkings {
        assert_eq!(decode_all(stream, max, s), whole);
    }
    let mut last_pos = 0;
    for (i, (m, pos)) in whole.iter().enumerate() {
        assert!(*pos <= stream.len() && *pos >= last_pos);
        last_pos = *pos;
        match m {
            Ok(Incoming::Text(t)) => assert!(t.len() <= max),
            Ok(Incoming::Binary(b)) => assert!(b.len() <= max),
            Ok(Incoming::Ping(p)) => assert!(p.len() <= 125),
            Ok(Incoming::Pong | Incoming::Close(_)) => {}
            Err(e) => {
                assert_eq!(i, whole.len() - 1, "only the last outcome is an error");
                if e == EOF {
                    assert_eq!(*pos, stream.len(), "EOF before the end of the stream");
                }
            }
        }
    }
    assert!(matches!(whole.last(), Some((Err(_), _))));
}

/// A masked client frame, with the 16- or 64-bit length form when `long_form` asks for a
/// longer-than-needed one (RFC 6455 wants minimal lengths; the decoder accepts both).
fn client_frame(b0: u8, payload: &[u8], mask: [u8; 4], long_form: u8) -> Vec<u8> {
    let len = payload.len();
    let mut out = vec![b0];
    if len < 126 && long_form == 0 {
        out.push(0x80 | len as u8);
    } else if len <= 0xFFFF && long_form < 2 {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    out
}

/// Builds well-formed client traffic from `spec` (text and binary messages split into up to 3
/// fragments with a ping between them, pings, pongs, a final close) and checks the decoder
/// returns exactly those messages, for every chunking.
fn structured(spec: &[u8], b0: u8, seed: u64) {
    let mut stream = Vec::new();
    let mut want: Vec<Incoming> = Vec::new();
    let mut bytes = spec.iter().copied();
    let mut next = move || bytes.next();
    // The limit is set to the largest message below: exactly at the limit must pass.
    let mut max = 125;
    while let (Some(op), Some(len), Some(m)) = (next(), next(), next()) {
        let mask = [m, m.rotate_left(1), !m, m ^ 0x5A];
        let long_form = (op >> 5) & 3;
        if stream.len() > 4 * 1024 {
            // Enough for one input; longer streams only slow the byte-by-byte decodes down.
            break;
        }
        let mut payload: Vec<u8> = (0..usize::from(len))
            .map(|i| (i as u8).wrapping_mul(m).wrapping_add(op))
            .collect();
        match op & 3 {
            0 | 1 => {
                let text = op & 3 == 0;
                if text {
                    payload = String::from_utf8_lossy(&payload).into_owned().into_bytes();
                }
                let pieces = 1 + usize::from((op >> 2) & 3) % 3;
                let ping_between = op & 0x80 != 0 && pieces > 1;
                // Fragment boundaries: the last fragment is short (0 to 7 bytes), so a ping
                // before it comes when the message is nearly complete.
                let cut = payload.len().saturating_sub(usize::from(m & 7));
                let bounds: Vec<usize> = match pieces {
                    1 => vec![0, payload.len()],
                    2 => vec![0, cut, payload.len()],
                    _ => vec![0, cut / 2, cut, payload.len()],
                };
                for (k, w) in bounds.windows(2).enumerate() {
                    let &[from, to] = w else {
                        continue;
                    };
                    let opcode = match (k, text) {
                        (0, true) => 0x1,
                        (0, false) => 0x2,
                        _ => 0x0,
                    };
                    let last = k + 2 == bounds.len();
                    let fin = if last { 0x80 } else { 0 };
                    stream.extend(client_frame(
                        fin | opcode,
                        payload.get(from..to).unwrap_or_default(),
                        mask,
                        long_form,
                    ));
                    if ping_between && k + 3 == bounds.len() {
                        stream.extend(client_frame(0x89, b"between", mask, 0));
                        want.push(Incoming::Ping(b"between".to_vec()));
                    }
                }
                max = max.max(payload.len());
                want.push(if text {
                    let Ok(s) = String::from_utf8(payload) else {
                        unreachable!("from_utf8_lossy's output is UTF-8")
                    };
                    Incoming::Text(s)
                } else {
                    Incoming::Binary(payload)
                });
            }
            2 => {
                payload.truncate(125);
                stream.extend(client_frame(0x89, &payload, mask, 0));
                want.push(Incoming::Ping(payload));
            }
            _ => {
                stream.extend(client_frame(
                    0x8A,
                    payload.get(..125).unwrap_or(&payload),
                    mask,
                    0,
                ));
                want.push(Incoming::Pong);
            }
        }
    }
    if b0 & 1 == 1 {
        stream.extend(client_frame(0x88, &1000u16.to_be_bytes(), [1, 2, 3, 4], 0));
        want.push(Incoming::Close(1000));
    }
    for s in [
        socket(seed, usize::MAX, false),
        socket(seed, 1, true),
        socket(seed, 7, false),
    ] {
        let got = decode_all(&stream, max, s);
        let (messages, end): (Vec<_>, Vec<_>) = got.into_iter().partition(|(m, _)| m.is_ok());
        let messages: Vec<Incoming> = messages.into_iter().filter_map(|(m, _)| m.ok()).collect();
        assert_eq!(messages, want);
        assert_eq!(end, vec![(Err(EOF.to_owned()), stream.len())]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrotube_model::fuzzing::{replay_and_mutate, seeds_dir};

    const ROUNDS: usize = 5_000;

    #[test]
    fn fuzz_tracker_query() {
        let dict: &[&[u8]] = &[
            b"info_hash=",
            b"&peer_id=",
            b"&port=6881",
            b"&left=0",
            b"&numwant=",
            b"&compact=0",
            b"&event=started",
            b"&event=stopped",
            b"&event=completed",
            b"%AA",
            b"%",
            b"+",
            b"12345678901234567890",
            b"18446744073709551616",
        ];
        let dir = seeds_dir(env!("CARGO_MANIFEST_DIR"), "tracker_query");
        assert!(replay_and_mutate(&dir, tracker_query, dict, ROUNDS) > 0);
    }

    #[test]
    fn fuzz_ws_codec() {
        let dict: &[&[u8]] = &[
            &[0x81, 0x80, 0, 0, 0, 0],
            &[0x01, 0x81, 0, 0, 0, 0, b'a'],
            &[0x80, 0x81, 0, 0, 0, 0, b'b'],
            &[0x89, 0x80, 0, 0, 0, 0],
            &[0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8],
            &[0x82, 0xFE, 0x00, 0x7E],
            &[0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0x01, 0x00],
        ];
        let dir = seeds_dir(env!("CARGO_MANIFEST_DIR"), "ws_codec");
        assert!(replay_and_mutate(&dir, ws_codec, dict, ROUNDS) > 0);
    }
}
