//! S3-compatible object storage (PeerTube's `object_storage`): one bucket and key prefix per kind
//! of file, canned ACLs, multipart uploads for large files, public URLs (or a CDN's `base_url`).
//!
//! Client: `rust-s3`. Chosen over `aws-sdk-s3` (dozens of `aws-*`/`smithy` crates: minutes of
//! build on two cores for the few calls used here) and over `object_store` (no canned ACL per
//! object, which PeerTube's public/private `upload_acl` needs). `rust-s3` is maintained, signs
//! with SigV4, speaks path-style and virtual-hosted URLs, and rides on `reqwest` 0.12, already in
//! the tree.

use ferrotube_config::{Bucket as BucketConfig, ObjectStorage as Config};
use futures::StreamExt;
use s3::creds::Credentials;
use s3::error::S3Error;
use s3::{Bucket, Region};
use std::path::Path;
use tokio::io::AsyncReadExt;

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("object storage: {0}")]
    S3(String),
    #[error("object storage: no such object {0}")]
    NotFound(String),
    #[error("object storage I/O on {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl From<S3Error> for ObjectError {
    fn from(e: S3Error) -> Self {
        match e {
            S3Error::HttpFailWithBody(404, body) => ObjectError::NotFound(body),
            other => ObjectError::S3(other.to_string()),
        }
    }
}

type Result<T> = std::result::Result<T, ObjectError>;

/// The kinds of files that live in object storage, each in its own bucket + prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    StreamingPlaylists,
    WebVideos,
    OriginalVideoFiles,
    Captions,
}

/// Who may read an object straight from the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acl {
    Public,
    Private,
}

struct KindBucket {
    /// Two clients that differ only by the `x-amz-acl` header they send on writes.
    public: Box<Bucket>,
    private: Box<Bucket>,
    prefix: String,
    /// Where an anonymous client reads `prefix + key` (no trailing slash).
    public_base: String,
}

/// A handle on the configured buckets. Cheap to share (`Arc` it).
pub struct S3Store {
    kinds: [KindBucket; 4],
    part_size: u64,
    attempts: u32,
}

/// One object read back: its status (200, or 206 for a range), length, type and body.
pub struct ObjectRead {
    pub status: u16,
    pub content_length: Option<u64>,
    pub content_range: Option<String>,
    pub body: futures::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>,
}

fn endpoint_url(raw: &str) -> String {
    let raw = raw.trim().trim_end_matches('/');
    if raw.starts_with("http://") || raw.starts_with("https://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    }
}

/// A client of `bucket` that sends the canned ACL `acl` (none when empty) with its writes.
fn with_acl(bucket: &Bucket, acl: &str) -> Box<Bucket> {
    let mut b = bucket.clone();
    if !acl.is_empty() {
        b.add_header("x-amz-acl", acl);
    }
    Box::new(b)
}

impl S3Store {
    pub fn new(config: &Config) -> Result<S3Store> {
        let endpoint = endpoint_url(&config.endpoint);
        let region = Region::Custom {
            region: config.region.clone(),
            endpoint: endpoint.clone(),
        };
        let creds = Credentials::new(
            config.credentials.access_key_id.as_deref(),
            config.credentials.secret_access_key.as_deref(),
            None,
            None,
            None,
        )
        .map_err(|e| ObjectError::S3(format!("credentials: {e}")))?;
        let make = |b: &BucketConfig| -> Result<KindBucket> {
            let mut bucket = *Bucket::new(&b.bucket_name, region.clone(), creds.clone())?;
            if config.force_path_style {
                bucket.set_path_style();
            }
            let public_base = match &b.base_url {
                Some(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_string(),
                _ if config.force_path_style => format!("{endpoint}/{}", b.bucket_name),
                _ => {
                    let (scheme, host) = endpoint.split_once("://").unwrap_or(("https", ""));
                    format!("{scheme}://{}.{host}", b.bucket_name)
                }
            };
            Ok(KindBucket {
                public: with_acl(&bucket, &config.upload_acl.public),
                private: with_acl(&bucket, &config.upload_acl.private),
                prefix: b.prefix.clone(),
                public_base,
            })
        };
        Ok(S3Store {
            kinds: [
                make(&config.streaming_playlists)?,
                make(&config.web_videos)?,
                make(&config.original_video_files)?,
                make(&config.captions)?,
            ],
            part_size: config.max_upload_part.max(5 * 1024 * 1024),
            attempts: config.max_request_attempts.max(1),
        })
    }

    fn kind(&self, kind: Kind) -> &KindBucket {
        match kind {
            Kind::StreamingPlaylists => &self.kinds[0],
            Kind::WebVideos => &self.kinds[1],
            Kind::OriginalVideoFiles => &self.kinds[2],
            Kind::Captions => &self.kinds[3],
        }
    }

    /// The full object key of `key` (relative to the kind's prefix).
    pub fn object_key(&self, kind: Kind, key: &str) -> String {
        format!("{}{key}", self.kind(kind).prefix)
    }

    /// The URL an anonymous client reads `key` at (the bucket's, or the CDN `base_url`).
    pub fn public_url(&self, kind: Kind, key: &str) -> String {
        let k = self.kind(kind);
        format!("{}/{}{key}", k.public_base, k.prefix)
    }

    /// A URL that reads `key` of `kind` without credentials for `expiry_secs` (a pre-signed
    /// GET), for a private file handed out after the instance's own check.
    pub async fn presigned_url(&self, kind: Kind, key: &str, expiry_secs: u32) -> Result<String> {
        let k = self.kind(kind);
        let path = format!("{}{key}", k.prefix);
        Ok(k.private.presign_get(&path, expiry_secs, None).await?)
    }

    /// Creates the configured buckets that do not exist yet (a server that refuses, because the
    /// bucket is someone else's or creation is not allowed, leaves the error to the first write).
    pub async fn ensure_buckets(&self) -> Result<()> {
        let mut seen: Vec<String> = Vec::new();
        for k in &self.kinds {
            let b = &k.private;
            if seen.contains(&b.name()) {
                continue;
            }
            seen.push(b.name());
            if b.exists().await.unwrap_or(false) {
                continue;
            }
            let config = s3::BucketConfiguration::default();
            let creds = b.credentials().await?;
            let made = if b.is_path_style() {
                Bucket::create_with_path_style(&b.name(), b.region(), creds, config).await
            } else {
                Bucket::create(&b.name(), b.region(), creds, config).await
            };
            if let Err(e) = made {
                tracing::warn!(bucket = %b.name(), error = %e, "cannot create the bucket");
            }
        }
        Ok(())
    }

    async fn retrying<T, F, Fut>(&self, what: &str, mut f: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut last = None;
        for attempt in 0..self.attempts {
            match f().await {
                Ok(v) => return Ok(v),
                Err(ObjectError::NotFound(b)) => return Err(ObjectError::NotFound(b)),
                Err(e) => {
                    tracing::debug!(what, attempt, error = %e, "object storage request failed");
                    last = Some(e);
                    tokio::time::sleep(std::time::Duration::from_millis(200 << attempt.min(5)))
                        .await;
                }
            }
        }
        Err(last.unwrap_or_else(|| ObjectError::S3(format!("{what}: no attempt"))))
    }

    /// Uploads the local file `local` as `key` of `kind` with `acl`: one PUT up to
    /// `max_upload_part`, a multipart upload above (each part retried, the upload aborted when
    /// one keeps failing).
    pub async fn put_file(&self, kind: Kind, key: &str, local: &Path, acl: Acl) -> Result<()> {
        let k = self.kind(kind);
        let bucket = match acl {
            Acl::Public => &k.public,
            Acl::Private => &k.private,
        };
        let path = format!("{}{key}", k.prefix);
        let io = |source| ObjectError::Io {
            path: local.display().to_string(),
            source,
        };
        let content_type = mime_for(key);
        let size = tokio::fs::metadata(local).await.map_err(io)?.len();
        if size <= self.part_size {
            let data = tokio::fs::read(local).await.map_err(io)?;
            return self
                .retrying("put", || async {
                    bucket
                        .put_object_with_content_type(&path, &data, content_type)
                        .await?;
                    Ok(())
                })
                .await;
        }
        let upload = self
            .retrying("initiate multipart", || async {
                Ok(bucket
                    .initiate_multipart_upload(&path, content_type)
                    .await?)
            })
            .await?;
        let id = upload.upload_id;
        let result: Result<Vec<s3::serde_types::Part>> = async {
            let mut file = tokio::fs::File::open(local).await.map_err(io)?;
            let mut parts = Vec::new();
            let mut number = 1u32;
            loop {
                let mut chunk = Vec::with_capacity(self.part_size as usize);
                (&mut file)
                    .take(self.part_size)
                    .read_to_end(&mut chunk)
                    .await
                    .map_err(io)?;
                if chunk.is_empty() {
                    break;
                }
                let part = self
                    .retrying("upload part", || {
                        let chunk = chunk.clone();
                        let (path, id) = (&path, &id);
                        async move {
                            Ok(bucket
                                .put_multipart_chunk(chunk, path, number, id, content_type)
                                .await?)
                        }
                    })
                    .await?;
                parts.push(part);
                number += 1;
            }
            Ok(parts)
        }
        .await;
        match result {
            Ok(parts) => {
                self.retrying("complete multipart", || async {
                    bucket
                        .complete_multipart_upload(&path, &id, parts.clone())
                        .await?;
                    Ok(())
                })
                .await
            }
            Err(e) => {
                let _ = bucket.abort_upload(&path, &id).await;
                Err(e)
            }
        }
    }

    /// Reads `key` of `kind` (all of it, or the `range` = (first, last) bytes).
    pub async fn get(
        &self,
        kind: Kind,
        key: &str,
        range: Option<(u64, Option<u64>)>,
    ) -> Result<ObjectRead> {
        let k = self.kind(kind);
        let path = format!("{}{key}", k.prefix);
        let (head, _) = self
            .retrying("head", || async { Ok(k.private.head_object(&path).await?) })
            .await?;
        let total = head.content_length.and_then(|l| u64::try_from(l).ok());
        if let (Some((first, last)), Some(total)) = (range, total) {
            if total == 0 || first >= total {
                return Err(ObjectError::S3("range not satisfiable".into()));
            }
            let last = last.unwrap_or(total - 1).min(total - 1);
            let data = self
                .retrying("get range", || async {
                    Ok(k.private.get_object_range(&path, first, Some(last)).await?)
                })
                .await?;
            let bytes = data.bytes().clone();
            return Ok(ObjectRead {
                status: 206,
                content_length: Some(bytes.len() as u64),
                content_range: Some(format!("bytes {first}-{last}/{total}")),
                body: futures::stream::once(async move { Ok(bytes) }).boxed(),
            });
        }
        let stream = self
            .retrying("get", || async {
                Ok(k.private.get_object_stream(&path).await?)
            })
            .await?;
        let body = stream
            .bytes
            .map(|r| r.map_err(|e| std::io::Error::other(e.to_string())))
            .boxed();
        Ok(ObjectRead {
            status: 200,
            content_length: total,
            content_range: None,
            body,
        })
    }

    /// Downloads `key` of `kind` into the local file `to` (through a temp file beside it).
    pub async fn download(&self, kind: Kind, key: &str, to: &Path) -> Result<()> {
        let io = |source| ObjectError::Io {
            path: to.display().to_string(),
            source,
        };
        if let Some(parent) = to.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io)?;
        }
        let tmp = to.with_extension(format!("part-{}", uuid::Uuid::new_v4()));
        let mut read = self.get(kind, key, None).await?;
        let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
        let written: Result<()> = async {
            use tokio::io::AsyncWriteExt;
            while let Some(chunk) = read.body.next().await {
                file.write_all(&chunk.map_err(io)?).await.map_err(io)?;
            }
            file.flush().await.map_err(io)?;
            Ok(())
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        tokio::fs::rename(&tmp, to).await.map_err(io)?;
        Ok(())
    }

    /// The keys (relative to the kind's prefix) under `prefix`.
    pub async fn list(&self, kind: Kind, prefix: &str) -> Result<Vec<String>> {
        let k = self.kind(kind);
        let full = format!("{}{prefix}", k.prefix);
        let pages = self
            .retrying("list", || async {
                Ok(k.private.list(full.clone(), None).await?)
            })
            .await?;
        Ok(pages
            .into_iter()
            .flat_map(|p| p.contents)
            .filter_map(|o| o.key.strip_prefix(&k.prefix).map(str::to_string))
            .collect())
    }

    /// Deletes `key` of `kind` (absent already is fine).
    pub async fn delete(&self, kind: Kind, key: &str) -> Result<()> {
        let k = self.kind(kind);
        let path = format!("{}{key}", k.prefix);
        match self
            .retrying("delete", || async {
                k.private.delete_object(&path).await?;
                Ok(())
            })
            .await
        {
            Ok(()) | Err(ObjectError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes every object under `prefix` of `kind`.
    pub async fn delete_prefix(&self, kind: Kind, prefix: &str) -> Result<()> {
        for key in self.list(kind, prefix).await? {
            self.delete(kind, &key).await?;
        }
        Ok(())
    }
}

/// The content type an object is stored with (what the bucket answers readers).
pub fn mime_for(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "m3u8" => "application/vnd.apple.mpegurl",
        "mp4" | "m4s" => "video/mp4",
        "json" => "application/json",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "vtt" => "text/vtt; charset=utf-8",
        "torrent" => "application/x-bittorrent",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn config(path_style: bool, base_url: Option<&str>) -> Config {
        let mut c = Config {
            enabled: true,
            endpoint: "http://127.0.0.1:9444".into(),
            force_path_style: path_style,
            ..Config::default()
        };
        c.credentials.access_key_id = Some("id".into());
        c.credentials.secret_access_key = Some("secret".into());
        c.streaming_playlists.prefix = "hls/".into();
        c.web_videos.base_url = base_url.map(str::to_string);
        c
    }

    #[test]
    fn public_urls_follow_the_style_prefix_and_base_url() {
        let s = S3Store::new(&config(true, None)).unwrap();
        assert_eq!(
            s.public_url(Kind::StreamingPlaylists, "u/master.m3u8"),
            "http://127.0.0.1:9444/streaming-playlists/hls/u/master.m3u8"
        );
        let s = S3Store::new(&config(false, Some("https://cdn.example.com/v/"))).unwrap();
        assert_eq!(
            s.public_url(Kind::WebVideos, "a.mp4"),
            "https://cdn.example.com/v/a.mp4"
        );
        assert_eq!(
            s.public_url(Kind::OriginalVideoFiles, "a.mp4"),
            "http://original-video-files.127.0.0.1:9444/a.mp4"
        );
        assert_eq!(s.object_key(Kind::StreamingPlaylists, "x"), "hls/x");
    }
}
