//! Files that live in object storage, asked for at the instance's own paths (the files routes of
//! `files.rs` after their privacy check, when no local copy is left): a public file is a redirect
//! to its bucket URL; a private file, or a download, is streamed from the bucket through the
//! instance (PeerTube's `proxify_private_files`), HTTP `Range` included, or, with that setting
//! off, answered with a redirect to a pre-signed URL of the bucket.

use crate::error::{ApiError, ApiResult};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ferrotube_app::Instance;
use ferrotube_storage::object::ObjectError;

/// `bytes=first-[last]` (one range; anything else reads the whole object).
fn parse_range(raw: &str) -> Option<(u64, Option<u64>)> {
    let spec = raw.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let first = first.trim().parse().ok()?;
    let last = match last.trim() {
        "" => None,
        l => Some(l.parse().ok()?),
    };
    match last {
        Some(l) if l < first => None,
        _ => Some((first, last)),
    }
}

/// How long a pre-signed URL handed to a checked viewer stays valid (PeerTube: an hour).
const PRESIGNED_URL_SECS: u32 = 3600;

pub(crate) async fn serve_object(
    state: &Instance,
    key: &str,
    req: Request,
    cache: &'static str,
    download_as: Option<String>,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found("File not found");
    let objects = state.objects.as_ref().ok_or_else(not_found)?;
    let (kind, object_key) = ferrotube_app::object_storage::locate(key).ok_or_else(not_found)?;
    let public = cache.starts_with("public");
    // Captions are read by the page's <track>, which a redirect to another origin would break
    // (the bucket would need CORS and the element `crossorigin`): small, they are streamed.
    let caption = matches!(kind, ferrotube_storage::object::Kind::Captions);
    if public && download_as.is_none() && !caption {
        let url = objects.public_url(kind, &object_key);
        let mut resp = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(&url) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        resp.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        return Ok(resp);
    }
    // PeerTube's `proxify_private_files: false`: the checked viewer fetches the bytes from the
    // bucket itself, through a short-lived signed URL. Playlists stay streamed: the segment
    // URIs in them are relative, and must resolve to the instance (and its check), not to the
    // bucket where an unsigned request is refused.
    let proxify = state.settings.object_storage.proxy.proxify_private_files;
    let streamed = caption || key.ends_with(".m3u8") || key.ends_with(".json");
    if !proxify && download_as.is_none() && !streamed {
        let url = objects
            .presigned_url(kind, &object_key, PRESIGNED_URL_SECS)
            .await
            .map_err(|e| {
                tracing::warn!(key, error = %e, "cannot sign an object storage URL");
                ApiError::internal(e)
            })?;
        let mut resp = StatusCode::FOUND.into_response();
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&url) {
            h.insert(header::LOCATION, v);
        }
        // The signed URL is this viewer's: no shared cache may keep the redirect.
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        return Ok(resp);
    }
    let range = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range);
    let read = match objects.get(kind, &object_key, range).await {
        Ok(r) => r,
        Err(ObjectError::NotFound(_)) => return Err(not_found()),
        Err(e) => {
            tracing::warn!(key, error = %e, "cannot read from object storage");
            return Err(ApiError::internal(e));
        }
    };
    let mut resp = Response::new(Body::from_stream(read.body));
    *resp.status_mut() = StatusCode::from_u16(read.status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::files::mime_for(key)),
    );
    if let Some(len) = read.content_length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Some(r) = read
        .content_range
        .and_then(|r| HeaderValue::from_str(&r).ok())
    {
        h.insert(header::CONTENT_RANGE, r);
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if let Some(name) = download_as {
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99"), Some((0, Some(99))));
        assert_eq!(parse_range("bytes=100-"), Some((100, None)));
        assert_eq!(parse_range("bytes=5-1"), None);
        assert_eq!(parse_range("bytes=0-1,4-5"), None);
        assert_eq!(parse_range("items=0-1"), None);
    }
}
