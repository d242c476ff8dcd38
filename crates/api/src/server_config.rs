//! `/api/v1/config`, `/config/about` and the admin's view of jobs.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::extract::Path;
use crate::params::Params;
use crate::Instance;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
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
    c["instance"]["name"] = json!(s.instance.name);
    c["instance"]["shortDescription"] = json!(s.instance.short_description);
    c["serverVersion"] = json!("7.1.0");
    c["serverCommit"] = json!(concat!("ferrotube-", env!("CARGO_PKG_VERSION")));
    c["signup"]["allowed"] = json!(s.signup.enabled);
    c["signup"]["requiresApproval"] = json!(false);
    c["signup"]["minimumAge"] = json!(s.signup.minimum_age);
    c["user"]["videoQuota"] = json!(s.user.video_quota);
    c["user"]["videoQuotaDaily"] = json!(s.user.video_quota_daily);
    c["transcoding"]["hls"]["enabled"] = json!(true);
    c["transcoding"]["web_videos"]["enabled"] = json!(s.transcoding.web_videos);
    c["transcoding"]["enabledResolutions"] = json!(s.transcoding.resolutions);
    c["contactForm"]["enabled"] = json!(false);
    c.to_string()
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
