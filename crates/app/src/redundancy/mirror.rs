//! The `video-redundancy` job: one copy of a remote video's HLS files.
//!
//! The origin's master playlist, every variant playlist, the fMP4 files they name and the
//! `segments-sha256.json` map are downloaded into a scratch folder; every segment of every
//! variant is checked against the map (a file the origin changed after publishing its map is
//! not mirrored); the folder then moves into place in one rename, and only after that is the
//! copy recorded and its CacheFile queued, in one transaction. A crash at any point leaves at
//! worst an unrecorded folder (replaced by the retry, or removed by the scheduler's sweep):
//! nothing half-copied is ever listed or served.

use super::{cache_file_id, copy_prefix, copy_url, MANUAL};
use crate::federation::actors::instance_actor;
use crate::federation::cache_files::{self, CacheFileChange};
use crate::federation::FedError;
use crate::Instance;
use ferrotube_db::redundancy::NewRedundancy;
use ferrotube_db::videos::VideoRow;
use ferrotube_federation::client::FetchError;
use ferrotube_jobs::{JobContext, JobError};
use ferrotube_media::playlist::{parse_variant, ByteRange};
use ferrotube_model::timefmt::now_ms;
use ferrotube_storage::ObjectStore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tracing::{info, warn, Instrument};

pub const MIRROR: &str = "video-redundancy";

/// Playlists and the sha256 map are small documents.
const MAX_PLAYLIST_BYTES: usize = 1024 * 1024;
const MAX_SHA_MAP_BYTES: usize = 8 * 1024 * 1024;
/// A media file may be this much larger than the origin said (sizes are announced rounded).
const SIZE_SLACK: u64 = 16 * 1024 * 1024;
/// Time for one media file; a job retries a transfer that took longer.
const FILE_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Debug, Serialize, Deserialize)]
pub struct MirrorJob {
    pub video_id: i64,
    /// A configured strategy's name, or [`MANUAL`].
    pub strategy: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("fetching from the origin: {0}")]
    Fetch(#[from] FetchError),
    /// The origin's files are not what it published (or cannot be read as HLS): retrying will
    /// not help.
    #[error("{0}")]
    Invalid(String),
    #[error("writing the copy: {0}")]
    Io(#[from] std::io::Error),
}

impl MirrorError {
    fn into_job_error(self) -> JobError {
        match self {
            MirrorError::Fetch(e) if !e.is_permanent() => JobError::Retry(e.to_string()),
            MirrorError::Io(e) => JobError::Retry(e.to_string()),
            e => JobError::Permanent(e.to_string()),
        }
    }
}

fn invalid(what: impl Into<String>) -> MirrorError {
    MirrorError::Invalid(what.into())
}

/// Queues a copy of `video_id` for `strategy`, unless one is already waiting or running.
pub async fn queue(state: &Instance, video_id: i64, strategy: &str) -> crate::Result<bool> {
    let job = MirrorJob {
        video_id,
        strategy: strategy.to_owned(),
    };
    if state
        .db
        .job_outstanding(MIRROR, &format!("{{\"video_id\":{video_id},%"))
        .await?
    {
        return Ok(false);
    }
    state.queue.enqueue(MIRROR, &job, 60).await?;
    Ok(true)
}

pub async fn run_mirror(state: Instance, ctx: JobContext) -> Result<(), JobError> {
    let job: MirrorJob = serde_json::from_value(ctx.payload)
        .map_err(|e| JobError::Permanent(format!("bad mirror payload: {e}")))?;
    let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
    let Some(v) = state
        .db
        .video_by_id(job.video_id)
        .await
        .map_err(|e| retry(&e))?
    else {
        return Ok(()); // the video went away meanwhile
    };
    let span = tracing::info_span!("mirror", uuid = %v.uuid, strategy = %job.strategy);
    mirror_video(&state, &v, &job.strategy)
        .instrument(span)
        .await
}

async fn mirror_video(state: &Instance, v: &VideoRow, strategy: &str) -> Result<(), JobError> {
    let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
    if !super::mirrorable(v) {
        return Err(JobError::Permanent("not a public remote video".into()));
    }
    if state
        .db
        .local_redundancy_of_video(v.id)
        .await
        .map_err(|e| retry(&e))?
        .is_some()
    {
        return Ok(()); // already mirrored (a duplicate job, or a retry after the commit)
    }
    let playlist = state
        .db
        .video_playlist(v.id)
        .await
        .map_err(|e| retry(&e))?
        .ok_or_else(|| JobError::Permanent("no HLS playlist".into()))?;
    let (Some(master_url), Some(sha_url)) = (playlist.playlist_url, playlist.segments_sha256_url)
    else {
        return Err(JobError::Permanent(
            "the origin published no master playlist or sha256 map".into(),
        ));
    };
    let announced: i64 = state
        .db
        .video_files(v.id)
        .await
        .map_err(|e| retry(&e))?
        .iter()
        .map(|f| f.size.max(0))
        .sum();

    let work = state
        .store
        .temp_dir()
        .join(format!("mirror-{}-{}", v.uuid, uuid::Uuid::new_v4()));
    let _cleanup = RemoveOnDrop(work.clone());
    let budget = u64::try_from(announced).unwrap_or(0) + SIZE_SLACK;
    let size = match fetch_copy(state, &master_url, &sha_url, &work, budget).await {
        Ok(size) => size,
        Err(e) => {
            warn!(error = %e, "mirror failed");
            return Err(e.into_job_error());
        }
    };
    state
        .store
        .put_dir(&work, &copy_prefix(&v.uuid))
        .await
        .map_err(|e| retry(&e))?;
    record(state, v, strategy, size)
        .await
        .map_err(FedError::into_job_error)?;
    info!(bytes = size, "video mirrored");
    Ok(())
}

/// The copy is whole and in place: list it and announce it, together.
async fn record(state: &Instance, v: &VideoRow, strategy: &str, size: u64) -> Result<(), FedError> {
    let me = instance_actor(state).await?;
    let now = now_ms();
    let expires_at = if strategy == MANUAL {
        None
    } else {
        let lifetime = state
            .settings
            .redundancy
            .videos
            .strategies
            .iter()
            .find(|s| s.strategy.as_str() == strategy)
            .map(|s| s.min_lifetime)
            .unwrap_or(48 * 3600);
        Some(now + i64::try_from(lifetime).unwrap_or(i64::MAX / 2_000) * 1000)
    };
    let (url, file_url) = (cache_file_id(state, &v.uuid), copy_url(state, &v.uuid));
    let mut tx = state.db.begin().await?;
    let id = state
        .db
        .upsert_redundancy_in(
            &mut tx,
            &NewRedundancy {
                video_id: v.id,
                actor_id: me.id,
                local: true,
                url: &url,
                file_url: &file_url,
                strategy: Some(strategy),
                size: i64::try_from(size).unwrap_or(i64::MAX),
                expires_at,
                now,
            },
        )
        .await?;
    let row = ferrotube_db::redundancy::RedundancyRow {
        id,
        video_id: v.id,
        actor_id: me.id,
        local: true,
        url,
        file_url,
        strategy: Some(strategy.to_owned()),
        size: i64::try_from(size).unwrap_or(i64::MAX),
        expires_at,
        created_at: now,
        updated_at: now,
    };
    cache_files::queue_announce(state, &mut tx, v, &row, CacheFileChange::Create)
        .await
        .map_err(|e| FedError::Refused(e.to_string()))?;
    tx.commit().await?;
    state.queue.wake();
    state.videos_changed();
    Ok(())
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        // After a successful move the folder is gone and this does nothing.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A plain file name in the playlist's folder: the copy keeps the origin's names, so every
/// URI must be one (no sub-folders, no other host).
fn file_name_in(uri: &str) -> Result<&str, MirrorError> {
    let ok = !uri.is_empty()
        && uri.len() <= 255
        && !uri.contains(['/', '\\', '?', '#', ':'])
        && uri != "."
        && uri != ".."
        && ferrotube_storage::check_key(uri).is_ok();
    if ok {
        Ok(uri)
    } else {
        Err(invalid(format!(
            "{uri:?} is not a file name beside the master playlist"
        )))
    }
}

/// The folder of `url` (with its final `/`) and the file name after it.
fn split_folder(url: &str) -> Result<(&str, &str), MirrorError> {
    let cut = url
        .rfind('/')
        .ok_or_else(|| invalid(format!("{url:?} has no folder")))?;
    let (folder, name) = url.split_at(cut + 1);
    Ok((folder, file_name_in(name)?))
}

/// Downloads and checks the copy into `dir`; answers its size in bytes.
async fn fetch_copy(
    state: &Instance,
    master_url: &str,
    sha_url: &str,
    dir: &Path,
    budget: u64,
) -> Result<u64, MirrorError> {
    let client = &state.federation.client;
    tokio::fs::create_dir_all(dir).await?;
    let (folder, master_name) = split_folder(master_url)?;
    let (sha_folder, sha_name) = split_folder(sha_url)?;
    if sha_folder != folder {
        return Err(invalid("the sha256 map is not beside the master playlist"));
    }
    let mut size = 0u64;

    let master = client.get_bytes(master_url, "", MAX_PLAYLIST_BYTES).await?;
    let master_text =
        std::str::from_utf8(&master).map_err(|_| invalid("the master playlist is not text"))?;
    let variants: Vec<&str> = master_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if !master_text.starts_with("#EXTM3U") || variants.is_empty() {
        return Err(invalid("the master playlist lists no variant"));
    }
    let sha_doc = client.get_bytes(sha_url, "", MAX_SHA_MAP_BYTES).await?;
    let sha_map: HashMap<String, HashMap<String, String>> = serde_json::from_slice(&sha_doc)
        .map_err(|e| invalid(format!("the sha256 map is not JSON: {e}")))?;

    // Media file -> the segment ranges its variants play from it.
    let mut media: BTreeMap<String, Vec<ByteRange>> = BTreeMap::new();
    let mut playlists: Vec<(String, Vec<u8>)> = Vec::new();
    for uri in variants {
        let name = file_name_in(uri)?;
        let body = client
            .get_bytes(&format!("{folder}{name}"), "", MAX_PLAYLIST_BYTES)
            .await?;
        let text = std::str::from_utf8(&body)
            .map_err(|_| invalid(format!("variant {name} is not text")))?;
        let variant = parse_variant(text).map_err(|e| invalid(format!("variant {name}: {e}")))?;
        media
            .entry(file_name_in(&variant.map_uri)?.to_owned())
            .or_default();
        for seg in &variant.segments {
            media
                .entry(file_name_in(&seg.uri)?.to_owned())
                .or_default()
                .push(seg.range);
        }
        playlists.push((name.to_owned(), body));
    }

    for (name, ranges) in &media {
        let path = dir.join(name);
        let left = budget.saturating_sub(size);
        let got = client
            .download_to_file(&format!("{folder}{name}"), &path, left, FILE_TIMEOUT)
            .await?;
        size += got;
        let expected = sha_map.get(name.as_str());
        verify_segments(&path, name, ranges, expected).await?;
    }

    for (name, body) in playlists
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .chain([(master_name, &master[..]), (sha_name, &sha_doc[..])])
    {
        tokio::fs::write(dir.join(name), body).await?;
        size += body.len() as u64;
    }
    Ok(size)
}

/// Every segment range of `name` must have the hash the origin published for it.
async fn verify_segments(
    path: &Path,
    name: &str,
    ranges: &[ByteRange],
    expected: Option<&HashMap<String, String>>,
) -> Result<(), MirrorError> {
    let path = path.to_path_buf();
    let name = name.to_owned();
    let ranges = ranges.to_vec();
    let expected = expected.cloned().unwrap_or_default();
    tokio::task::spawn_blocking(move || -> Result<(), MirrorError> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::File::open(&path)?;
        let mut buf = Vec::new();
        for r in ranges {
            let key = r.key();
            let Some(want) = expected.get(&key) else {
                return Err(invalid(format!(
                    "segment {key} of {name} is not in the origin's sha256 map"
                )));
            };
            let len = usize::try_from(r.length)
                .map_err(|_| invalid(format!("segment {key} of {name} is too large")))?;
            buf.resize(len, 0);
            file.seek(SeekFrom::Start(r.offset))?;
            file.read_exact(&mut buf).map_err(|_| {
                invalid(format!(
                    "segment {key} of {name} is past the end of the file"
                ))
            })?;
            if !hex::encode(Sha256::digest(&buf)).eq_ignore_ascii_case(want) {
                return Err(invalid(format!(
                    "segment {key} of {name} does not match the origin's sha256 map"
                )));
            }
        }
        Ok(())
    })
    .await
    .map_err(|e| invalid(format!("checking {e}")))?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn only_plain_names_beside_the_master_are_copied() {
        assert!(file_name_in("abc-720.m3u8").is_ok());
        for bad in [
            "",
            "..",
            "../x.mp4",
            "sub/x.mp4",
            "http://evil.example/x.mp4",
            "x.mp4?y",
            "a\\b",
        ] {
            assert!(file_name_in(bad).is_err(), "{bad:?}");
        }
        let (folder, name) =
            split_folder("http://a.example/static/streaming-playlists/hls/u/m.m3u8").unwrap();
        assert_eq!(folder, "http://a.example/static/streaming-playlists/hls/u/");
        assert_eq!(name, "m.m3u8");
        assert!(split_folder("http://a.example/static/").is_err());
    }

    #[tokio::test]
    async fn a_segment_that_differs_from_the_map_is_refused() {
        let dir = tempfile_dir();
        let path = dir.join("f.mp4");
        std::fs::write(&path, b"0123456789").unwrap();
        let range = ByteRange {
            offset: 2,
            length: 4,
        };
        let good: HashMap<String, String> =
            [(range.key(), hex::encode(Sha256::digest(b"2345")))].into();
        verify_segments(&path, "f.mp4", &[range], Some(&good))
            .await
            .unwrap();
        let bad: HashMap<String, String> =
            [(range.key(), hex::encode(Sha256::digest(b"xxxx")))].into();
        let err = verify_segments(&path, "f.mp4", &[range], Some(&bad))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
        assert!(verify_segments(&path, "f.mp4", &[range], None)
            .await
            .is_err());
        let past = ByteRange {
            offset: 8,
            length: 4,
        };
        let map: HashMap<String, String> = [(past.key(), "00".into())].into();
        assert!(verify_segments(&path, "f.mp4", &[past], Some(&map))
            .await
            .is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("ft-mirror-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
