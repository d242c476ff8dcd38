//! Fuzz harness for the HTTP signature headers: the `Signature` (and `Authorization:
//! Signature`) parser, the signing-string builder behind [`IncomingSignature::from_request`], and
//! the `Digest` check. It takes arbitrary bytes, must never panic, and asserts the parser's
//! invariants. It runs coverage-guided from `fuzz/` (`cargo +nightly fuzz run http_signature`)
//! and briefly in CI through the test below, which replays `fuzz/seeds/http_signature/` plus a
//! few thousand mutated inputs (see `fuzz/README.md`).
//!
//! Not part of the crate's API proper: `#[doc(hidden)]` in `lib.rs`.

use crate::signature::{
    digest_header, parse_signature_header, verify_digest, IncomingSignature, SignatureParams,
    VerifyOptions,
};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use std::time::{Duration, SystemTime};

/// The input's fields are separated by this byte: signature header, path, Digest value, body,
/// then extra `name: value` headers.
const SEP: u8 = 0x1F;

/// Fuzz target `http_signature`. Byte 0 picks the method and header form; the rest is split on
/// `0x1F` into: the Signature value, the request path, a Digest value, a body, and any number of
/// extra `name:value` headers.
pub fn http_signature(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut fields = rest.split(|&b| b == SEP);
    let sig = String::from_utf8_lossy(fields.next().unwrap_or_default());
    // Only what can reach a handler: a valid request target (no spaces, no control characters:
    // a newline here would add a line to the signing string).
    let path = http::uri::PathAndQuery::try_from(fields.next().unwrap_or_default())
        .map_or_else(|_| "/".to_owned(), |p| p.as_str().to_owned());
    let digest = fields.next().unwrap_or_default();
    let body = fields.next().unwrap_or_default();

    // 1. The parser alone.
    if let Ok(p) = parse_signature_header(&sig) {
        check_params(&p);
    }

    // 2. A request carrying it, with a fresh Date, Host and the extra headers.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut headers = HeaderMap::new();
    let sig_header = if flags & 1 == 0 {
        "signature"
    } else {
        "authorization"
    };
    if let Ok(v) = HeaderValue::from_bytes(sig.as_bytes()) {
        headers.insert(sig_header, v);
    }
    headers.insert(
        "date",
        HeaderValue::from_static("Tue, 14 Nov 2023 22:13:20 GMT"),
    );
    headers.insert("host", HeaderValue::from_static("peertube.example"));
    if let Ok(v) = HeaderValue::from_bytes(digest) {
        headers.insert("digest", v);
    }
    for extra in fields {
        let mut parts = extra.splitn(2, |&b| b == b':');
        let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
            continue;
        };
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
            headers.append(n, v);
        }
    }
    let method = if flags & 2 == 0 {
        Method::POST
    } else {
        Method::GET
    };
    let opts = VerifyOptions {
        clock_skew: (flags & 4 == 0).then_some(Duration::from_secs(1800)),
        now,
    };
    if let Ok(incoming) = IncomingSignature::from_request(&method, &path, &headers, &opts) {
        let p = incoming.params();
        check_params(p);
        for required in ["(request-target)", "host", "date"] {
            assert!(p.headers.iter().any(|h| h == required));
        }
        if method == Method::POST {
            assert!(p.headers.iter().any(|h| h == "digest"));
        }
        // One `name: value` line per signed header, in the signed order.
        let lines: Vec<&str> = incoming.signing_string().split('\n').collect();
        assert_eq!(lines.len(), p.headers.len());
        for (line, name) in lines.iter().zip(&p.headers) {
            assert!(line.starts_with(&format!("{name}: ")), "{line:?}");
        }
        assert!(incoming.key_id().starts_with(incoming.actor_url()));
        assert!(!incoming.actor_url().contains('#'));
    }

    // 3. Digest: whatever the header says, no panic; the right digest always passes.
    let _ = verify_digest(&headers, body);
    let mut right = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&digest_header(body)) {
        right.insert("digest", v);
    }
    assert!(verify_digest(&right, body).is_ok());
    if !digest.contains(&b'=') {
        // Parts without `=` (other algorithms' junk) before ours are skipped.
        let mut both = digest.to_vec();
        both.extend_from_slice(b", ");
        both.extend_from_slice(digest_header(body).as_bytes());
        // Only visible ASCII is read at all (`HeaderValue::to_str`).
        match HeaderValue::from_bytes(&both) {
            Ok(v) if v.to_str().is_ok() => {
                let mut h = HeaderMap::new();
                h.insert("digest", v);
                assert!(verify_digest(&h, body).is_ok());
            }
            _ => {}
        }
    }
}

/// What a successful parse always satisfies, and the round trip through the header's canonical
/// form when the values can be written back quoted.
fn check_params(p: &SignatureParams) {
    for h in &p.headers {
        assert!(!h.is_empty());
        assert!(!h
            .chars()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_uppercase()));
    }
    let quotable = |s: &str| !s.contains('"');
    if quotable(&p.key_id)
        && p.algorithm.as_deref().is_none_or(quotable)
        && p.headers.iter().all(|h| quotable(h))
    {
        let mut header = format!("keyId=\"{}\"", p.key_id);
        if let Some(a) = &p.algorithm {
            header.push_str(&format!(",algorithm=\"{a}\""));
        }
        if !p.headers.is_empty() {
            header.push_str(&format!(",headers=\"{}\"", p.headers.join(" ")));
        }
        header.push_str(&format!(",signature=\"{}\"", B64.encode(&p.signature)));
        let again = parse_signature_header(&header);
        let want = SignatureParams {
            // An empty list is written as no `headers`, which means `date`.
            headers: if p.headers.is_empty() {
                vec!["date".to_owned()]
            } else {
                p.headers.clone()
            },
            ..p.clone()
        };
        assert_eq!(again.ok(), Some(want), "{header}");
    }
}

/// Fuzz target `activity`: an inbox body (JSON) through [`crate::vocab::activity::parse_activity`],
/// the parser of every activity another server sends (CacheFile, Video and Note inside). An
/// accepted activity writes back (`activity_to_json`) to JSON that parses again to an activity
/// of the same kind, id and actor.
pub fn activity(data: &[u8]) {
    use crate::vocab::activity::{activity_to_json, parse_activity};
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(a) = parse_activity(&doc) else {
        return;
    };
    let again = parse_activity(&activity_to_json(&a));
    let again = match again {
        Ok(b) => b,
        Err(e) => panic!("an accepted activity does not parse back: {e}"),
    };
    assert_eq!(
        (again.kind, &again.id, &again.actor),
        (a.kind, &a.id, &a.actor)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrotube_model::fuzzing::{replay_and_mutate, seeds_dir};

    #[test]
    fn fuzz_activity() {
        let dict: &[&[u8]] = &[
            b"\"type\":\"CacheFile\"",
            b"\"type\":\"Create\"",
            b"\"type\":\"Undo\"",
            b"\"expires\":",
            b"\"href\":\"http://a.example/x\"",
            b"\"url\":",
            b"\"object\":",
            b"null",
            b"{}",
            b"[]",
        ];
        let dir = seeds_dir(env!("CARGO_MANIFEST_DIR"), "activity");
        assert!(replay_and_mutate(&dir, activity, dict, 6_000) > 0);
    }

    #[test]
    fn fuzz_http_signature() {
        let dict: &[&[u8]] = &[
            b"keyId=\"",
            b"\",",
            b",signature=\"AAEC\"",
            b"algorithm=\"rsa-sha256\",",
            b"algorithm=\"hs2019\",",
            b"headers=\"(request-target) host date digest\",",
            b"Signature ",
            b"SHA-256=",
            b"=",
            b"\"",
            b",",
            &[SEP],
            b"(created)",
        ];
        let dir = seeds_dir(env!("CARGO_MANIFEST_DIR"), "http_signature");
        assert!(replay_and_mutate(&dir, http_signature, dict, 8_000) > 0);
    }
}
