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

/// The public configuration: a real PeerTube's answer as the template (every field clients read
/// is there), with this instance's values written over it, the runtime settings (`live`) for
/// what an administrator edits. Built again whenever those change (see [`config`]).
pub fn build_config(
    state: &ferrotube_app::instance::Inner,
    live: &ferrotube_app::admin::runtime::Live,
) -> String {
    let mut c: Value = serde_json::from_str(include_str!("../data/config-template.json"))
        .unwrap_or_else(|_| json!({}));
    let s = &live.settings;
    let custom = |path: &str| {
        ferrotube_app::admin::config::get(&live.custom, path)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut set = |path: &[&str], value: Value| set_path(&mut c, path, value);
    set(&["instance", "name"], json!(s.instance.name));
    set(
        &["instance", "shortDescription"],
        json!(s.instance.short_description),
    );
    for key in [
        "isNSFW",
        "defaultNSFWPolicy",
        "defaultClientRoute",
        "customizations",
    ] {
        set(&["instance", key], custom(&format!("instance.{key}")));
    }
    set(
        &["instance", "avatars"],
        actor_images(state, "avatars", &live.instance_avatars),
    );
    set(
        &["instance", "banners"],
        actor_images(state, "banners", &live.instance_banners),
    );
    set(&["homepage", "enabled"], json!(live.homepage.is_some()));
    set(&["broadcastMessage"], custom("broadcastMessage"));
    set(&["theme", "default"], custom("theme.default"));
    for key in ["downloadEnabled", "commentsPolicy", "privacy"] {
        set(
            &["defaults", "publish", key],
            custom(&format!("defaults.publish.{key}")),
        );
    }
    // PeerTube's policy 2 is "comments disabled".
    set(
        &["defaults", "publish", "commentsEnabled"],
        json!(custom("defaults.publish.commentsPolicy") != json!(2)),
    );
    set(&["defaults", "p2p"], custom("defaults.p2p"));
    set(
        &["serverVersion"],
        json!(ferrotube_model::constants::PEERTUBE_COMPAT_VERSION),
    );
    set(
        &["serverCommit"],
        json!(concat!("ferrotube-", env!("CARGO_PKG_VERSION"))),
    );
    set(&["signup", "allowed"], json!(s.signup.enabled));
    set(
        &["signup", "requiresApproval"],
        json!(s.signup.requires_approval),
    );
    set(&["signup", "minimumAge"], json!(s.signup.minimum_age));
    set(
        &["signup", "requiresEmailVerification"],
        json!(s.signup.requires_email_verification),
    );
    // True only when an SMTP server is configured: then mail really leaves.
    set(&["email", "enabled"], json!(state.mailer.is_some()));
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
    // Advertised as what exists: the files we accept, source replacement, configuration
    // editing (`/api/v1/config/custom`); no user export or import.
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
        json!(true),
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

/// An instance image list as REST shows it (`ActorImage`), from its stored sizes.
fn actor_images(state: &ferrotube_app::instance::Inner, folder: &str, stored: &Value) -> Value {
    use ferrotube_app::actor_images::stored::{image_json, StoredImage};
    use ferrotube_db::accounts::ActorImageKind;
    let kind = if folder == "banners" {
        ActorImageKind::Banner
    } else {
        ActorImageKind::Avatar
    };
    let images: Vec<StoredImage> = serde_json::from_value(stored.clone()).unwrap_or_default();
    Value::Array(
        images
            .iter()
            .map(|i| image_json(&state.url, kind, i))
            .collect(),
    )
}

pub async fn config(State(state): State<Instance>) -> Response {
    ferrotube_app::admin::config::reload_if_stale(&state).await;
    let live = state.live();
    // Serialised once per change of the runtime settings.
    let cached = state.config_json.lock().ok().and_then(|c| {
        c.as_ref()
            .filter(|(generation, _)| *generation == live.generation)
            .map(|(_, json)| json.clone())
    });
    let body = match cached {
        Some(b) => b,
        None => {
            let b = std::sync::Arc::new(build_config(&state, &live));
            if let Ok(mut c) = state.config_json.lock() {
                *c = Some((live.generation, b.clone()));
            }
            b
        }
    };
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.as_str().to_owned(),
    )
        .into_response()
}

pub async fn about(State(state): State<Instance>) -> Json<Value> {
    ferrotube_app::admin::config::reload_if_stale(&state).await;
    let live = state.live();
    let text = |key: &str| {
        ferrotube_app::admin::config::get(&live.custom, &format!("instance.{key}"))
            .cloned()
            .unwrap_or_else(|| json!(""))
    };
    let i = &live.settings.instance;
    Json(json!({
        "instance": {
            "name": i.name,
            "shortDescription": i.short_description,
            "description": i.description,
            "terms": text("terms"),
            "codeOfConduct": text("codeOfConduct"),
            "hardwareInformation": text("hardwareInformation"),
            "creationReason": text("creationReason"),
            "moderationInformation": text("moderationInformation"),
            "administrator": text("administrator"),
            "maintenanceLifetime": text("maintenanceLifetime"),
            "businessModel": text("businessModel"),
            "languages": text("languages"),
            "categories": text("categories"),
            "avatars": actor_images(&state, "avatars", &live.instance_avatars),
            "banners": actor_images(&state, "banners", &live.instance_banners),
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
