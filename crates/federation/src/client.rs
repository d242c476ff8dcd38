//! The one HTTP client every remote request goes through: ActivityPub documents, WebFinger,
//! deliveries. It enforces what a remote party must never be able to make us do:
//! - connect to a private, loopback or link-local address (SSRF): URLs are vetted before the
//!   request, and every DNS answer is vetted by the resolver at connection time, so a name
//!   that re-resolves to 127.0.0.1 (DNS rebinding) still fails; redirects are vetted the same;
//! - read an unbounded document or wait forever: body size and total time are capped.
//!
//! Requests are signed (draft-cavage) when a signer is given, GETs included, so instances
//! with authorized fetch answer us.

use crate::keys::PrivateKey;
use crate::signature::{sign_request, SignatureError};
use crate::ssrf::{check_remote_url, classify_ip, SsrfError};
use http::Method;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use url::Url;

pub const ACTIVITY_JSON: &str = "application/activity+json";
const ACCEPT_AP: &str =
    "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("refused URL: {0}")]
    Ssrf(#[from] SsrfError),
    #[error("invalid URL {0:?}")]
    Url(String),
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("remote answered {0}")]
    Status(u16),
    #[error("document larger than {0} bytes")]
    TooLarge(usize),
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("signing: {0}")]
    Sign(#[from] SignatureError),
    #[error("writing the download: {0}")]
    File(std::io::Error),
}

impl FetchError {
    /// Errors that retrying cannot fix (the remote refused the request as such): a delivery
    /// stops there instead of retrying for hours.
    pub fn is_permanent(&self) -> bool {
        match self {
            FetchError::Ssrf(_) | FetchError::Url(_) | FetchError::Sign(_) => true,
            FetchError::Status(s) => (400..500).contains(s) && *s != 408 && *s != 429,
            _ => false,
        }
    }
}

/// Who signs a request: the actor's key and the keyId receivers dereference.
#[derive(Clone, Debug)]
pub struct Signer {
    pub key_id: String,
    pub key: PrivateKey,
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Lifts the private-address checks (test federations on 127.0.0.x).
    pub allow_private: bool,
    pub user_agent: String,
    pub timeout: Duration,
    pub max_document_bytes: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            allow_private: false,
            user_agent: format!("Ferrotube/{}", env!("CARGO_PKG_VERSION")),
            timeout: Duration::from_secs(10),
            max_document_bytes: 2 * 1024 * 1024,
        }
    }
}

/// Resolves names with the system resolver, then refuses the answer if any address is one we
/// must not connect to.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for a in &addrs {
                if let Some(kind) = classify_ip(a.ip()) {
                    let fatal = !allow_private
                        || matches!(
                            kind,
                            crate::ssrf::AddressKind::Unspecified
                                | crate::ssrf::AddressKind::Multicast
                                | crate::ssrf::AddressKind::Broadcast
                        );
                    if fatal {
                        let err: Box<dyn std::error::Error + Send + Sync> =
                            Box::new(SsrfError::Forbidden {
                                host: host.clone(),
                                addr: a.ip(),
                                kind,
                            });
                        return Err(err);
                    }
                }
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[derive(Clone)]
pub struct ApClient {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
}

impl ApClient {
    pub fn new(config: ClientConfig) -> Result<Self, FetchError> {
        let allow_private = config.allow_private;
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= 3 {
                    attempt.error("too many redirects")
                } else if let Err(e) = check_remote_url(attempt.url(), allow_private) {
                    attempt.error(e)
                } else {
                    attempt.follow()
                }
            }))
            .pool_max_idle_per_host(4)
            .build()?;
        Ok(ApClient {
            http,
            config: Arc::new(config),
        })
    }

    pub fn allow_private(&self) -> bool {
        self.config.allow_private
    }

    fn parse(&self, url: &str) -> Result<Url, FetchError> {
        let u = Url::parse(url).map_err(|_| FetchError::Url(url.to_owned()))?;
        check_remote_url(&u, self.config.allow_private)?;
        Ok(u)
    }

    /// GETs an ActivityPub document (signed when `signer` is given).
    pub async fn get_activity_json(
        &self,
        url: &str,
        signer: Option<&Signer>,
    ) -> Result<Value, FetchError> {
        self.get_json(url, ACCEPT_AP, signer).await
    }

    /// GETs any JSON document (WebFinger's JRD, NodeInfo) with the given Accept.
    pub async fn get_json(
        &self,
        url: &str,
        accept: &str,
        signer: Option<&Signer>,
    ) -> Result<Value, FetchError> {
        let u = self.parse(url)?;
        let mut req = self
            .http
            .get(u.clone())
            .header(http::header::ACCEPT, accept);
        if let Some(s) = signer {
            let signed =
                sign_request(&s.key, &s.key_id, &Method::GET, &u, None, SystemTime::now())?;
            let mut headers = http::HeaderMap::new();
            signed.apply(&mut headers)?;
            req = req.headers(headers);
        }
        let mut resp = req.send().await?;
        if !resp.status().is_success() {
            return Err(FetchError::Status(resp.status().as_u16()));
        }
        let max = self.config.max_document_bytes;
        if resp.content_length().is_some_and(|n| n as usize > max) {
            return Err(FetchError::TooLarge(max));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if body.len() + chunk.len() > max {
                return Err(FetchError::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(serde_json::from_slice(&body)?)
    }

    /// GETs a small binary document (a remote thumbnail) whose Content-Type starts with
    /// `type_prefix`, at most `max` bytes.
    pub async fn get_bytes(
        &self,
        url: &str,
        type_prefix: &str,
        max: usize,
    ) -> Result<Vec<u8>, FetchError> {
        let u = self.parse(url)?;
        let mut resp = self.http.get(u).send().await?;
        if !resp.status().is_success() {
            return Err(FetchError::Status(resp.status().as_u16()));
        }
        let ok_type = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with(type_prefix));
        if !ok_type {
            return Err(FetchError::Url(format!("{url} is not {type_prefix}")));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if body.len() + chunk.len() > max {
                return Err(FetchError::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// GETs a remote media file into `dest` (created or truncated), streaming: at most `max`
    /// bytes, within `timeout` for the whole transfer (media files outlast the client's
    /// document timeout). Answers the number of bytes written.
    pub async fn download_to_file(
        &self,
        url: &str,
        dest: &std::path::Path,
        max: u64,
        timeout: Duration,
    ) -> Result<u64, FetchError> {
        use tokio::io::AsyncWriteExt;
        let u = self.parse(url)?;
        let mut resp = self.http.get(u).timeout(timeout).send().await?;
        if !resp.status().is_success() {
            return Err(FetchError::Status(resp.status().as_u16()));
        }
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(FetchError::TooLarge(
                usize::try_from(max).unwrap_or(usize::MAX),
            ));
        }
        let mut file = tokio::fs::File::create(dest)
            .await
            .map_err(FetchError::File)?;
        let mut written = 0u64;
        while let Some(chunk) = resp.chunk().await? {
            written += chunk.len() as u64;
            if written > max {
                return Err(FetchError::TooLarge(
                    usize::try_from(max).unwrap_or(usize::MAX),
                ));
            }
            file.write_all(&chunk).await.map_err(FetchError::File)?;
        }
        file.flush().await.map_err(FetchError::File)?;
        Ok(written)
    }

    /// POSTs an activity to an inbox, signed with Digest. Any 2xx is success.
    pub async fn post_activity(
        &self,
        inbox: &str,
        body: &[u8],
        signer: &Signer,
    ) -> Result<(), FetchError> {
        let u = self.parse(inbox)?;
        let signed = sign_request(
            &signer.key,
            &signer.key_id,
            &Method::POST,
            &u,
            Some(body),
            SystemTime::now(),
        )?;
        let mut headers = http::HeaderMap::new();
        signed.apply(&mut headers)?;
        let resp = self
            .http
            .post(u)
            .headers(headers)
            .header(http::header::CONTENT_TYPE, ACTIVITY_JSON)
            .header(http::header::ACCEPT, ACCEPT_AP)
            .body(body.to_vec())
            .send()
            .await?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(FetchError::Status(status.as_u16()))
        }
    }
}
