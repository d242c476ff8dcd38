//! `/api/v1/config`, `/config/about` and the admin's view of jobs.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::extract::Path;
use crate::params::Params;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use ferrotube_app::Instance;
use ferrotube_db::sort::{CreatedAtSort, Sort};
use ferrotube_model::timefmt::{iso, now_ms};
use ferrotube_model::UserRole;
use serde_json::{json, Value};

/// The public configuration is built once at start: a real PeerTube's answer as the template
/// (every field clients read is there), with this instance's values written over it.
pub fn build_config(state: &ferrotube_app::instance::Inner) -> String {
    let mut c: Value = serde_json::from_str(include_str!("../data/config-template.json"))
        .unwrap_or_else(|_| json!({}));
    let s = &state.settings;
    let mut set = |path: &[&str], value: Value| set_path(&mut c, path, value);
    set(&["instance", "name"], json!(s.instance.name));
    set(
        &["instance", "shortDescription"],
        json!(s.instance.short_description),
    );
    set(
        &["serverVersion"],
        json!(ferrotube_model::constants::PEERTUBE_COMPAT_VERSION),
    );
    set(
        &["serverCommit"],
        json!(concat!("ferrotube-", env!("CARGO_PKG_VERSION"))),
    );
    set(&["signup", "allowed"], json!(s.signup.enabled));
    set(&["signup", "requiresApproval"], json!(false));
    set(&["signup", "minimumAge"], json!(s.signup.minimum_age));
    set(&["user", "videoQuota"], json!(s.user.video_quota));
    set(
        &["user", "videoQuotaDaily"],
        json!(s.user.video_quota_daily),
    );
    set(&["transcoding", "hls", "enabled"], json!(true));
    set(
        &["transcoding", "web_videos", "enabled"],
        json!(s.transcoding.web_videos),
    );
    set(
        &["transcoding", "enabledResolutions"],
        json!(s.transcoding.resolutions),
    );
    set(&["contactForm", "enabled"], json!(false));
    // Advertised as what exists: the files we accept, source replacement; no user export or
    // import, no configuration editing.
    set(
        &["video", "file", "extensions"],
        json!(ferrotube_app::videos::VIDEO_EXTENSIONS
            .iter()
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()),
    );
    {
        use ferrotube_app::actor_images::stored::{IMAGE_EXTENSIONS, MAX_IMAGE_BYTES};
        let exts: Vec<String> = IMAGE_EXTENSIONS.iter().map(|e| format!(".{e}")).collect();
        for kind in ["avatar", "banner"] {
            set(&[kind, "file", "extensions"], json!(exts));
            set(&[kind, "file", "size", "max"], json!(MAX_IMAGE_BYTES));
        }
    }
    set(&["videoFile", "update", "enabled"], json!(true));
    set(&["export", "users", "enabled"], json!(false));
    set(&["import", "users", "enabled"], json!(false));
    set(
        &["webadmin", "configuration", "edition", "allowed"],
        json!(false),
    );
    // Made by the transcode job and served (`ferrotube_app::captions`); captions take
    // WebVTT and SubRip files of up to 20 MB.
    set(&["storyboards", "enabled"], json!(true));
    set(
        &["videoCaption", "file"],
        json!({
            "size": { "max": ferrotube_model::subtitles::MAX_CAPTION_BYTES },
            "extensions": [".vtt", ".srt"]
        }),
    );
    c.to_string()
}

/// Writes `value` at `path` in `c`, turning nulls and missing keys on the way into objects
/// (as `c["a"]["b"] = value` does); a non-object on the way leaves `c` as it is instead of
/// panicking.
fn set_path(c: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = c;
    for key in parents {
        if node.is_null() {
            *node = json!({});
        }
        let Some(obj) = node.as_object_mut() else {
            return;
        };
        node = obj.entry(*key).or_insert(Value::Null);
    }
    if node.is_null() {
        *node = json!({});
    }
    if let Some(obj) = node.as_object_mut() {
        obj.insert((*last).to_string(), value);
    }
}

pub async fn config(State(state): State<Instance>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        state
            .config_json
            .get_or_init(|| build_config(&state))
            .clone(),
    )
        .into_response()
}

pub async fn about(State(state): State<Instance>) -> Json<Value> {
    let i = &state.settings.instance;
    Json(json!({
        "instance": {
            "name": i.name,
            "shortDescription": i.short_description,
            "description": i.description,
            "terms": "",
            "codeOfConduct": "",
            "hardwareInformation": "",
            "creationReason": "",
            "moderationInformation": "",
            "administrator": "",
            "maintenanceLifetime": "",
            "businessModel": "",
            "languages": [],
            "categories": [],
            "avatars": [],
            "banners": [],
        }
    }))
}

pub async fn jobs(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(job_state): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Administrator)?;
    let st = match job_state.trim_end_matches('/') {
        "" | "all" => None,
        s @ ("active" | "completed" | "failed" | "waiting" | "delayed") => Some(s.to_string()),
        "paused" | "waiting-children" => return Ok(Json(json!({ "total": 0, "data": [] }))),
        other => {
            return Err(ApiError::bad_param(
                "state",
                other,
                "Should have a valid job state",
                ParamLocation::Params,
            ))
        }
    };
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    // PeerTube sorts jobs by creation only; the order is newest first either way.
    p.sort(Sort::asc(CreatedAtSort::CreatedAt))?;
    let kind = p.str("jobType").filter(|s| !s.is_empty());
    let now = now_ms();
    let (total, rows) = state
        .db
        .list_jobs(st.as_deref(), kind, now, start, count)
        .await?;
    let data: Vec<Value> = rows
        .iter()
        .map(|j| {
            let shown_state = if j.state == "waiting" && j.run_at > now {
                "delayed"
            } else {
                j.state.as_str()
            };
            json!({
                "id": j.id,
                "state": shown_state,
                "type": j.kind,
                "data": serde_json::from_str::<Value>(&j.payload).unwrap_or(Value::Null),
                "error": j.last_error,
                "progress": j.progress.unwrap_or(0),
                "attempts": j.attempts,
                "createdAt": iso(j.created_at),
                "processedOn": (j.attempts > 0).then(|| iso(j.updated_at)),
                "finishedOn": j.finished_at.map(iso),
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_creates_objects_and_never_panics() {
        let mut c = json!({ "a": { "keep": 1 }, "n": null, "s": "text" });
        set_path(&mut c, &["a", "b", "c"], json!(true));
        set_path(&mut c, &["n", "x"], json!(2));
        set_path(&mut c, &["top"], json!(3));
        // A string on the way: left as it is.
        set_path(&mut c, &["s", "x"], json!(4));
        set_path(&mut c, &[], json!(5));
        assert_eq!(
            c,
            json!({ "a": { "keep": 1, "b": { "c": true } }, "n": { "x": 2 }, "s": "text", "top": 3 })
        );
    }
}
