//! `CacheFile`: an instance's copy of another's video files (PeerTube's video redundancy),
//! announced with Create, renewed with Update (a later `expires`) and withdrawn with
//! Undo{Create}. `url` is the folder the copy is served from; the origin's file names follow it.

use super::{check_http, opt_date, req_str, same_host, Result, VocabError};
use serde_json::{json, Value};

pub const HLS_MEDIA_TYPE: &str = "application/x-mpegURL";

#[derive(Debug, Clone, PartialEq)]
pub struct CacheFileObject {
    pub id: String,
    /// The copied video's ActivityPub id.
    pub video: String,
    /// RFC 3339; `None` for a copy kept until withdrawn.
    pub expires: Option<String>,
    /// Where the copy is served from: the HLS folder (`.../static/redundancy/hls/{uuid}`).
    pub href: String,
    pub media_type: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

pub fn parse_cache_file(v: &Value) -> Result<CacheFileObject> {
    let id = req_str(v, "id")?;
    check_http("id", id)?;
    let video = v
        .get("object")
        .and_then(super::id_of)
        .ok_or(VocabError::Missing("object"))?;
    check_http("object", video)?;
    let url = v.get("url").ok_or(VocabError::Missing("url"))?;
    let href = url
        .as_str()
        .or_else(|| url.get("href").and_then(Value::as_str))
        .ok_or(VocabError::Missing("url.href"))?;
    check_http("url.href", href)?;
    // The copy is served by the instance that announces it, never by a third party.
    same_host("url.href", href, id)?;
    let media_type = url
        .get("mediaType")
        .and_then(Value::as_str)
        .unwrap_or(HLS_MEDIA_TYPE)
        .to_owned();
    Ok(CacheFileObject {
        id: id.to_owned(),
        video: video.to_owned(),
        expires: opt_date(v, "expires")?,
        href: href.to_owned(),
        media_type,
        to: super::audience(v, "to"),
        cc: super::audience(v, "cc"),
    })
}

/// The object as served at its id, with its `@context`.
pub fn cache_file_to_json(c: &CacheFileObject) -> Value {
    super::context::with(super::context::cache_file(), cache_file_body(c))
}

/// PeerTube's shape, term for term (samples/activitypub/create-cachefile.json).
pub fn cache_file_body(c: &CacheFileObject) -> Value {
    json!({
        "to": c.to,
        "cc": c.cc,
        "id": c.id,
        "type": "CacheFile",
        "object": c.video,
        "expires": c.expires,
        "url": {
            "type": "Link",
            "mediaType": c.media_type,
            "href": c.href,
        },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn peertube_sample() -> Value {
        let raw = include_str!("../../tests/fixtures/peertube-create-cachefile.json");
        let doc: Value = serde_json::from_str(raw).unwrap();
        doc["activity"]["object"].clone()
    }

    #[test]
    fn reads_and_writes_peertube_cache_files() {
        let obj = peertube_sample();
        let c = parse_cache_file(&obj).unwrap();
        assert_eq!(
            c.video,
            "http://127.0.0.2:59491/videos/watch/7770211f-7d12-4f4b-9ae0-afdfcee0ca61"
        );
        assert_eq!(
            c.href,
            "http://127.0.0.1:9001/static/redundancy/hls/7770211f-7d12-4f4b-9ae0-afdfcee0ca61"
        );
        assert_eq!(c.expires.as_deref(), Some("2026-11-27T15:35:00.282Z"));
        assert_eq!(cache_file_body(&c), obj);
    }

    #[test]
    fn a_copy_on_another_host_than_its_announcer_is_refused() {
        let mut obj = peertube_sample();
        obj["url"]["href"] = json!("http://127.0.0.9:9001/static/redundancy/hls/x");
        assert!(parse_cache_file(&obj).is_err());
        let mut obj = peertube_sample();
        obj["url"] = json!("javascript:alert(1)");
        assert!(parse_cache_file(&obj).is_err());
        let mut obj = peertube_sample();
        obj["expires"] = json!("tomorrow");
        assert!(parse_cache_file(&obj).is_err());
    }
}
