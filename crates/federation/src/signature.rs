//! HTTP signatures (draft-cavage-http-signatures), the way PeerTube speaks them:
//! `rsa-sha256` over `(request-target) host date digest`, a `Digest: SHA-256=<base64>` header
//! over the raw body, and a clock-skew window of 1800 s.
//!
//! Incoming requests are checked in two steps because the key is not known up front:
//! [`IncomingSignature::from_request`] parses the header, checks the required headers are
//! signed and the Date is fresh, and tells the caller which key to fetch
//! ([`IncomingSignature::actor_url`]); then [`IncomingSignature::verify`] checks the signature
//! with that key. [`verify_digest`] ties the body to the signed Digest header.
//! [`verify_request`] does all of it when the key is at hand.

use crate::keys::{KeyError, PrivateKey, PublicKey};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use rand::rngs::OsRng;
use rsa::pkcs1v15::{Signature as RsaSignature, SigningKey, VerifyingKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use sha2::{Digest as _, Sha256};
use std::time::{Duration, SystemTime};
use url::Url;

/// PeerTube's `HTTP_SIGNATURE.CLOCK_SKEW_SECONDS`.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(1800);
/// What PeerTube signs on requests with a body (`HEADERS_TO_SIGN_WITH_PAYLOAD`).
pub const HEADERS_WITH_BODY: &str = "(request-target) host date digest";
/// What PeerTube signs on body-less requests (signed GETs when fetching objects).
pub const HEADERS_WITHOUT_BODY: &str = "(request-target) host date";
pub const ALGORITHM: &str = "rsa-sha256";

#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("request carries no Signature header")]
    MissingSignature,
    #[error("malformed Signature header: {0}")]
    Malformed(&'static str),
    #[error("unsupported signature algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    #[error("header {0:?} is listed as signed but absent from the request")]
    MissingSignedHeader(String),
    #[error("header {0:?} must be covered by the signature")]
    RequiredHeaderNotSigned(&'static str),
    #[error("signed pseudo-header {0:?} is not supported")]
    UnsupportedPseudoHeader(String),
    #[error("unparseable Date header {0:?}")]
    BadDate(String),
    #[error("Date is {skew_secs} s away from our clock (allowed {max_secs} s)")]
    ClockSkew { skew_secs: u64, max_secs: u64 },
    #[error("request has a body but no Digest header")]
    MissingDigest,
    #[error("Digest header has no SHA-256 value: {0:?}")]
    UnsupportedDigest(String),
    #[error("Digest does not match the body")]
    DigestMismatch,
    #[error("signature does not verify with the actor's key")]
    BadSignature,
    #[error("URL {0:?} has no host to sign")]
    NoHost(String),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// `SHA-256=<base64 of sha256(body)>`, the value of the Digest header.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", B64.encode(Sha256::digest(body)))
}

/// The Host header value for a URL as HTTP clients send it: the port only when it is not the
/// scheme's default. This must match byte for byte what the client puts on the wire, or the
/// receiver's signing string differs from ours.
pub fn host_header(url: &Url) -> Result<String, SignatureError> {
    let host = url
        .host_str()
        .ok_or_else(|| SignatureError::NoHost(url.to_string()))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

fn request_target(method: &Method, path_and_query: &str) -> String {
    format!(
        "{} {}",
        method.as_str().to_ascii_lowercase(),
        path_and_query
    )
}

/// The headers to put on an outgoing request. `host` is included so the caller can set it
/// explicitly rather than trust the client to produce the same string.
#[derive(Clone, Debug)]
pub struct SignedHeaders {
    pub host: String,
    pub date: String,
    /// `None` for body-less requests.
    pub digest: Option<String>,
    pub signature: String,
}

impl SignedHeaders {
    /// Adds Host, Date, Digest and Signature to `headers`, replacing any present.
    pub fn apply(&self, headers: &mut HeaderMap) -> Result<(), SignatureError> {
        let mut put = |name: HeaderName, value: &str| {
            HeaderValue::from_str(value)
                .map(|v| {
                    headers.insert(name, v);
                })
                .map_err(|_| SignatureError::Malformed("header value not representable"))
        };
        put(http::header::HOST, &self.host)?;
        put(http::header::DATE, &self.date)?;
        if let Some(digest) = &self.digest {
            put(HeaderName::from_static("digest"), digest)?;
        }
        put(HeaderName::from_static("signature"), &self.signature)
    }
}

/// Signs a request as PeerTube does. `key_id` is what receivers dereference to find the key:
/// PeerTube 6.3 puts the bare actor URL there (see the captured inbox deliveries), Mastodon
/// `<actor>#main-key`; receivers (PeerTube, Mastodon, us) accept either, so the caller
/// chooses. With `body: Some(..)` the Digest is signed too; `None` is for signed GETs.
pub fn sign_request(
    key: &PrivateKey,
    key_id: &str,
    method: &Method,
    url: &Url,
    body: Option<&[u8]>,
    now: SystemTime,
) -> Result<SignedHeaders, SignatureError> {
    let host = host_header(url)?;
    let date = httpdate::fmt_http_date(now);
    let digest = body.map(digest_header);
    let mut path = url.path().to_owned();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    let mut signing_string = format!(
        "(request-target): {}\nhost: {host}\ndate: {date}",
        request_target(method, &path)
    );
    if let Some(d) = &digest {
        signing_string.push_str("\ndigest: ");
        signing_string.push_str(d);
    }
    let headers = if digest.is_some() {
        HEADERS_WITH_BODY
    } else {
        HEADERS_WITHOUT_BODY
    };
    let signer = SigningKey::<Sha256>::new(key.0.clone());
    // Blinded signing (`_with_rng`): the mitigation for timing side channels on the private key.
    let sig = signer.sign_with_rng(&mut OsRng, signing_string.as_bytes());
    let signature = format!(
        "keyId=\"{key_id}\",algorithm=\"{ALGORITHM}\",headers=\"{headers}\",signature=\"{}\"",
        B64.encode(sig.to_bytes())
    );
    Ok(SignedHeaders {
        host,
        date,
        digest,
        signature,
    })
}

/// The parameters of a `Signature` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureParams {
    pub key_id: String,
    /// `None` when the sender omitted it (the draft then means "derive from the key").
    pub algorithm: Option<String>,
    /// Lower-cased header names in signing order.
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
}

/// Parses `keyId="..",algorithm="..",headers="..",signature=".."`. A leading `Signature `
/// scheme (the `Authorization` header form) is tolerated. Unknown parameters are ignored, as
/// the draft requires.
pub fn parse_signature_header(value: &str) -> Result<SignatureParams, SignatureError> {
    let mut rest = value.trim();
    if let Some(r) = rest.strip_prefix("Signature ") {
        rest = r.trim_start();
    }
    let (mut key_id, mut algorithm, mut headers, mut signature) = (None, None, None, None);
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or(SignatureError::Malformed("parameter without '='"))?;
        let name = name.trim().to_ascii_lowercase();
        rest = after.trim_start();
        let val;
        if let Some(quoted) = rest.strip_prefix('"') {
            let (v, after) = quoted
                .split_once('"')
                .ok_or(SignatureError::Malformed("unterminated quoted value"))?;
            val = v;
            rest = after;
        } else {
            // Unquoted numbers appear for `created`/`expires`.
            let end = rest.find(',').unwrap_or(rest.len());
            let (v, after) = rest.split_at(end);
            val = v.trim();
            rest = after;
        }
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r.trim_start();
        } else if !rest.is_empty() {
            return Err(SignatureError::Malformed("expected ',' between parameters"));
        }
        let slot = match name.as_str() {
            "keyid" => &mut key_id,
            "algorithm" => &mut algorithm,
            "headers" => &mut headers,
            "signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(val.to_owned()).is_some() {
            return Err(SignatureError::Malformed("duplicate parameter"));
        }
    }
    let key_id = key_id.ok_or(SignatureError::Malformed("missing keyId"))?;
    let signature = signature.ok_or(SignatureError::Malformed("missing signature"))?;
    let signature = B64
        .decode(signature.as_bytes())
        .map_err(|_| SignatureError::Malformed("signature is not base64"))?;
    // The draft's default when `headers` is absent is `date` alone.
    let headers = headers
        .unwrap_or_else(|| "date".to_owned())
        .split_ascii_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    Ok(SignatureParams {
        key_id,
        algorithm,
        headers,
        signature,
    })
}

/// How incoming requests are checked.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// `None` disables the Date freshness check (only for replaying captured fixtures).
    pub clock_skew: Option<Duration>,
    /// The clock to compare Date with; tests pin it.
    pub now: SystemTime,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            clock_skew: Some(DEFAULT_CLOCK_SKEW),
            now: SystemTime::now(),
        }
    }
}

impl VerifyOptions {
    pub fn without_clock_check() -> Self {
        Self {
            clock_skew: None,
            now: SystemTime::now(),
        }
    }
}

/// A parsed, fresh, well-formed signature waiting for its key.
#[derive(Clone, Debug)]
pub struct IncomingSignature {
    params: SignatureParams,
    signing_string: String,
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<Result<&'a str, SignatureError>> {
    headers.get(name).map(|v| {
        v.to_str()
            .map_err(|_| SignatureError::Malformed("non-ASCII header value"))
    })
}

impl IncomingSignature {
    /// Parses the request's `Signature` (or `Authorization: Signature`) header and builds the
    /// signing string. Requires `(request-target)`, `host` and `date` to be signed, and
    /// `digest` too on POST (PeerTube's `REQUIRED_HEADERS`): otherwise a captured signature
    /// could be replayed on another path, host, time or body.
    pub fn from_request(
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        opts: &VerifyOptions,
    ) -> Result<Self, SignatureError> {
        let raw = match header_str(headers, "signature") {
            Some(v) => v?,
            None => match header_str(headers, "authorization") {
                Some(v) if v.as_ref().is_ok_and(|s| s.starts_with("Signature ")) => v?,
                _ => return Err(SignatureError::MissingSignature),
            },
        };
        let params = parse_signature_header(raw)?;
        match params.algorithm.as_deref() {
            // hs2019 means "as the key says"; our keys are RSA, so it is rsa-sha256 (Mastodon
            // reads it the same way).
            None | Some("rsa-sha256") | Some("hs2019") => {}
            Some(other) => return Err(SignatureError::UnsupportedAlgorithm(other.to_owned())),
        }
        let mut required: Vec<&'static str> = vec!["(request-target)", "host", "date"];
        if method == Method::POST {
            required.push("digest");
        }
        for name in required {
            if !params.headers.iter().any(|h| h == name) {
                return Err(SignatureError::RequiredHeaderNotSigned(name));
            }
        }

        if let Some(max) = opts.clock_skew {
            let date = match header_str(headers, "date") {
                Some(d) => d?,
                None => return Err(SignatureError::MissingSignedHeader("date".into())),
            };
            let sent = httpdate::parse_http_date(date)
                .map_err(|_| SignatureError::BadDate(date.to_owned()))?;
            let skew = match opts.now.duration_since(sent) {
                Ok(d) => d,
                Err(e) => e.duration(),
            };
            if skew > max {
                return Err(SignatureError::ClockSkew {
                    skew_secs: skew.as_secs(),
                    max_secs: max.as_secs(),
                });
            }
        }

        let mut lines = Vec::with_capacity(params.headers.len());
        for name in &params.headers {
            let value = match name.as_str() {
                "(request-target)" => request_target(method, path_and_query),
                n if n.starts_with('(') => {
                    return Err(SignatureError::UnsupportedPseudoHeader(n.to_owned()))
                }
                n => {
                    // Repeated headers are joined with ", " per the draft.
                    let mut values = Vec::new();
                    for v in headers.get_all(n) {
                        values.push(
                            v.to_str()
                                .map_err(|_| SignatureError::Malformed("non-ASCII header value"))?
                                .trim(),
                        );
                    }
                    if values.is_empty() {
                        return Err(SignatureError::MissingSignedHeader(n.to_owned()));
                    }
                    values.join(", ")
                }
            };
            lines.push(format!("{name}: {value}"));
        }
        Ok(Self {
            params,
            signing_string: lines.join("\n"),
        })
    }

    /// The `keyId` as sent.
    pub fn key_id(&self) -> &str {
        &self.params.key_id
    }

    /// The actor to fetch the key from: `keyId` without its fragment, so both PeerTube's bare
    /// actor URL and Mastodon's `<actor>#main-key` lead to the actor document.
    pub fn actor_url(&self) -> &str {
        let id = self.key_id();
        id.split_once('#').map_or(id, |(base, _)| base)
    }

    pub fn params(&self) -> &SignatureParams {
        &self.params
    }

    /// The exact bytes the sender signed.
    pub fn signing_string(&self) -> &str {
        &self.signing_string
    }

    /// Checks the signature with the actor's public key.
    pub fn verify(&self, key: &PublicKey) -> Result<(), SignatureError> {
        let sig = RsaSignature::try_from(self.params.signature.as_slice())
            .map_err(|_| SignatureError::BadSignature)?;
        VerifyingKey::<Sha256>::new(key.0.clone())
            .verify(self.signing_string.as_bytes(), &sig)
            .map_err(|_| SignatureError::BadSignature)
    }
}

/// Checks the Digest header against the raw body bytes (before any JSON parsing: a re-serialised
/// body would not hash the same). A body-less request without Digest passes; any request with a
/// non-empty body must carry one. Values for other algorithms are ignored, SHA-256 must be there.
pub fn verify_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
    let Some(value) = header_str(headers, "digest") else {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(SignatureError::MissingDigest)
        };
    };
    let value = value?;
    let expected = Sha256::digest(body);
    for part in value.split(',') {
        let Some((alg, b64)) = part.trim().split_once('=') else {
            continue;
        };
        if alg.eq_ignore_ascii_case("sha-256") {
            let got = B64
                .decode(b64.trim())
                .map_err(|_| SignatureError::Malformed("Digest value is not base64"))?;
            return if got.as_slice() == expected.as_slice() {
                Ok(())
            } else {
                Err(SignatureError::DigestMismatch)
            };
        }
    }
    Err(SignatureError::UnsupportedDigest(value.to_owned()))
}

/// Everything at once, for when the key is already known: signature well-formed and fresh,
/// Digest matches the body, signature verifies.
pub fn verify_request(
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    key: &PublicKey,
    opts: &VerifyOptions,
) -> Result<IncomingSignature, SignatureError> {
    let sig = IncomingSignature::from_request(method, path_and_query, headers, opts)?;
    verify_digest(headers, body)?;
    sig.verify(key)?;
    Ok(sig)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_peertube_header() {
        let p = parse_signature_header(
            r#"keyId="http://a/accounts/x",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAEC""#,
        )
        .unwrap();
        assert_eq!(p.key_id, "http://a/accounts/x");
        assert_eq!(p.algorithm.as_deref(), Some("rsa-sha256"));
        assert_eq!(p.headers, ["(request-target)", "host", "date", "digest"]);
        assert_eq!(p.signature, [0, 1, 2]);
    }

    #[test]
    fn parses_authorization_form_spaces_and_unknown_params() {
        let p = parse_signature_header(
            r#"Signature keyId="k", created=1402170695, headers="Date",  signature="AA==""#,
        )
        .unwrap();
        assert_eq!(p.key_id, "k");
        assert_eq!(p.algorithm, None);
        assert_eq!(p.headers, ["date"]);
    }

    #[test]
    fn default_headers_is_date() {
        let p = parse_signature_header(r#"keyId="k",signature="AA==""#).unwrap();
        assert_eq!(p.headers, ["date"]);
    }

    #[test]
    fn rejects_malformed_headers() {
        for bad in [
            r#"keyId="k""#,
            r#"signature="AA==""#,
            r#"keyId="k,signature="AA==""#,
            r#"keyId="k" signature="AA==""#,
            r#"keyId="k",keyId="j",signature="AA==""#,
            r#"keyId="k",signature="!!""#,
            "garbage",
        ] {
            assert!(
                matches!(
                    parse_signature_header(bad),
                    Err(SignatureError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn host_header_drops_default_ports() {
        let h = |u: &str| host_header(&Url::parse(u).unwrap()).unwrap();
        assert_eq!(h("https://example.com/inbox"), "example.com");
        assert_eq!(h("https://example.com:443/inbox"), "example.com");
        assert_eq!(h("http://localhost:9002/inbox"), "localhost:9002");
        assert_eq!(h("http://[::1]:9000/x"), "[::1]:9000");
    }

    #[test]
    fn digest_header_format() {
        // sha256("") is well known.
        assert_eq!(
            digest_header(b""),
            "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn digest_checks() {
        let mut h = HeaderMap::new();
        assert!(verify_digest(&h, b"").is_ok());
        assert!(matches!(
            verify_digest(&h, b"x"),
            Err(SignatureError::MissingDigest)
        ));
        h.insert(
            "digest",
            HeaderValue::from_str(&digest_header(b"x")).unwrap(),
        );
        assert!(verify_digest(&h, b"x").is_ok());
        assert!(matches!(
            verify_digest(&h, b"y"),
            Err(SignatureError::DigestMismatch)
        ));
        h.insert(
            "digest",
            HeaderValue::from_str(&format!("SHA-512=AA==, {}", digest_header(b"x"))).unwrap(),
        );
        assert!(verify_digest(&h, b"x").is_ok());
        h.insert("digest", HeaderValue::from_static("MD5=AA=="));
        assert!(matches!(
            verify_digest(&h, b"x"),
            Err(SignatureError::UnsupportedDigest(_))
        ));
    }
}
