//! Abuse reports (`/api/v1/abuses`): made here by users, or received from other instances as
//! `Flag`; listed for moderators.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{RawQuery, State};
use ferrotube_app::Instance;
use ferrotube_db::sort::{CreatedAtSort, Sort};
use ferrotube_model::timefmt::{iso, now_ms};
use ferrotube_model::UserRole;
use serde::Deserialize;
use serde_json::{json, Value};

fn state_label(state: i64) -> &'static str {
    match state {
        2 => "Rejected",
        3 => "Accepted",
        _ => "Pending",
    }
}

pub async fn list(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Moderator)?;
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    p.sort(Sort::asc(CreatedAtSort::CreatedAt))?;
    let (total, rows) = state.db.list_abuses(start, count).await?;
    let mut data = Vec::new();
    for a in rows {
        let reporter = match a.reporter_account_id {
            Some(id) => state.db.account_by_id(id).await?.map(|r| state.account(&r)),
            None => None,
        };
        let flagged = match a.flagged_account_id {
            Some(id) => state.db.account_by_id(id).await?.map(|r| state.account(&r)),
            None => None,
        };
        let video = match a.video_id {
            Some(id) => state.db.video_by_id(id).await?.map(|v| {
                json!({ "id": v.id, "name": v.name, "uuid": v.uuid, "deleted": false, "blacklisted": false })
            }),
            None => None,
        };
        data.push(json!({
            "id": a.id,
            "reason": a.reason,
            "predefinedReasons": [],
            "reporterAccount": reporter,
            "flaggedAccount": flagged,
            "state": { "id": a.state, "label": state_label(a.state) },
            "moderationComment": null,
            "video": video,
            "comment": a.comment_id.map(|id| json!({ "id": id })),
            "createdAt": iso(a.created_at),
            "updatedAt": iso(a.created_at),
        }));
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
pub struct ReportBody {
    reason: Option<String>,
    video: Option<ReportVideo>,
}

#[derive(Deserialize)]
pub struct ReportVideo {
    id: Value,
}

/// `POST /api/v1/abuses` with `{reason, video: {id}}`: a user reports a video.
pub async fn report(
    State(state): State<Instance>,
    user: CurrentUser,
    Json(body): Json<ReportBody>,
) -> ApiResult<Json<Value>> {
    let b = body;
    let reason = b.reason.unwrap_or_default();
    let n = reason.chars().count();
    if !(2..=3000).contains(&n) {
        return Err(ApiError::bad_param(
            "reason",
            &reason,
            "Should have a valid reason",
            ParamLocation::Body,
        ));
    }
    let Some(video) = b.video else {
        return Err(ApiError::bad_param(
            "video",
            "",
            "Should have a video to report",
            ParamLocation::Body,
        ));
    };
    let id = match &video.id {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => {
            return Err(ApiError::bad_param(
                "video.id",
                "",
                "Should have a valid video id",
                ParamLocation::Body,
            ))
        }
    };
    let v = ferrotube_app::videos::find_video(&state, &id).await?;
    ferrotube_app::videos::visible_to(&v, Some(&user.0))?;
    let abuse_id = state
        .db
        .insert_abuse(
            None,
            Some(user.0.account_id),
            Some(v.id),
            None,
            Some(v.account_id),
            &reason,
            now_ms(),
        )
        .await?
        .ok_or_else(|| ApiError::internal("abuse not stored"))?;
    if !v.is_local() {
        ferrotube_app::federation::outbox::flag_remote_video(&state, &v, &reason, abuse_id).await;
    }
    Ok(Json(json!({ "abuse": { "id": abuse_id } })))
}
