//! PeerTube's video redundancy admin API: the per-host switch
//! (`PUT /api/v1/server/redundancy/{host}`), the list of copies
//! (`GET /api/v1/server/redundancy/videos?target=my-videos|remote-videos`), a copy made by hand
//! (`POST`) and removed (`DELETE .../videos/{redundancyId}`). The work is in
//! `ferrotube_app::redundancy`.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::{Json, Path};
use crate::params::Params;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use ferrotube_app::redundancy;
use ferrotube_app::Instance;
use ferrotube_db::redundancy::RedundancyTarget;
use ferrotube_model::timefmt::iso;
use ferrotube_model::UserRole;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostSwitch {
    redundancy_allowed: bool,
}

/// `PUT /api/v1/server/redundancy/{host}` with `{"redundancyAllowed": bool}`.
pub async fn set_host(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(host): Path<String>,
    Json(body): Json<HostSwitch>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Administrator)?;
    redundancy::set_host_allowed(&state, &host, body.redundancy_allowed).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/server/redundancy/videos`.
pub async fn list(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    user.require(UserRole::Administrator)?;
    let p = Params::parse(q.as_deref());
    let target = match p.str("target") {
        Some("my-videos") => RedundancyTarget::MyVideos,
        Some("remote-videos") => RedundancyTarget::RemoteVideos,
        other => {
            return Err(ApiError::bad_param(
                "target",
                other.unwrap_or(""),
                "Should have a valid video redundancies target",
                ParamLocation::Query,
            ))
        }
    };
    if let Some(sort) = p.str("sort").filter(|s| !s.is_empty()) {
        if sort != "name" && sort != "-name" {
            return Err(ApiError::bad_param(
                "sort",
                sort,
                "Should have correct sortable column",
                ParamLocation::Query,
            ));
        }
    }
    let (start, count) = p.pagination(15)?;
    let (total, videos) = redundancy::list(&state, target, start, count).await?;
    let data: Vec<Value> = videos
        .into_iter()
        .map(|(v, copies)| {
            let url = v
                .url
                .clone()
                .unwrap_or_else(|| format!("{}/videos/watch/{}", state.url, v.uuid));
            json!({
                "id": v.id,
                "name": v.name,
                "url": url,
                "uuid": v.uuid,
                "redundancies": {
                    "files": [],
                    "streamingPlaylists": copies.iter().map(|r| json!({
                        "id": r.id,
                        "fileUrl": r.file_url,
                        "strategy": r.strategy,
                        "createdAt": iso(r.created_at),
                        "updatedAt": iso(r.updated_at),
                        "expiresOn": r.expires_at.map(iso),
                        "size": r.size,
                    })).collect::<Vec<_>>(),
                },
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "data": data })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MirrorBody {
    video_id: Value,
}

/// `POST /api/v1/server/redundancy/videos` with `{"videoId": id}`.
pub async fn mirror(
    State(state): State<Instance>,
    user: CurrentUser,
    Json(body): Json<MirrorBody>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Administrator)?;
    // PeerTube takes an id, a uuid or a short uuid.
    let key = match &body.video_id {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => {
            return Err(ApiError::bad_param(
                "videoId",
                &other.to_string(),
                "Should have a valid video id",
                ParamLocation::Body,
            ))
        }
    };
    let v = ferrotube_app::videos::find_video(&state, &key)
        .await
        .map_err(|_| ApiError::not_found("Video not found"))?;
    redundancy::mirror_by_hand(&state, v.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/server/redundancy/videos/{redundancyId}`.
pub async fn remove(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(UserRole::Administrator)?;
    let id: i64 = id.parse().map_err(|_| {
        ApiError::bad_param(
            "redundancyId",
            &id,
            "Should have a valid redundancy id",
            ParamLocation::Params,
        )
    })?;
    redundancy::remove_by_hand(&state, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
