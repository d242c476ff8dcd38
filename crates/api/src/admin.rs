//! The administrator's tools over HTTP: `/api/v1/config/custom` (runtime settings),
//! `/api/v1/jobs/pause|resume`, `/api/v1/server/stats`, `/api/v1/server/logs`,
//! `/api/v1/server/audit-logs`, the custom home page and the instance's avatar and banner. Handlers parse, check the role and call
//! `ferrotube_app::admin`.

use crate::auth::{ClientIp, CurrentUser};
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::{Json, Path};
use crate::params::Params;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use ferrotube_app::admin::audit::{self, Actor};
use ferrotube_app::admin::{config, logs, stats};
use ferrotube_app::Instance;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::UserRole;
use serde_json::{json, Value};

pub fn routes() -> Router<Instance> {
    Router::new()
        .route(
            "/api/v1/config/custom",
            get(get_custom).put(put_custom).delete(delete_custom),
        )
        .route("/api/v1/jobs/pause", post(pause_jobs).get(not_a_job_state))
        .route(
            "/api/v1/jobs/resume",
            post(resume_jobs).get(not_a_job_state),
        )
        .route("/api/v1/jobs/{id}/retry", post(retry_job))
        .route("/api/v1/server/stats", get(server_stats))
        .route("/api/v1/server/logs", get(server_logs))
        .route("/api/v1/server/audit-logs", get(audit_logs))
        .route(
            "/api/v1/custom-pages/homepage/instance",
            get(get_homepage).put(put_homepage),
        )
        .merge(instance_images())
}

/// The instance's avatar and banner; uploads are limited by the image reader, not the default
/// body limit.
fn instance_images() -> Router<Instance> {
    use crate::actor_images as images;
    Router::new()
        .route(
            "/api/v1/config/instance-avatar/pick",
            post(images::pick_instance_avatar),
        )
        .route(
            "/api/v1/config/instance-avatar",
            axum::routing::delete(images::delete_instance_avatar),
        )
        .route(
            "/api/v1/config/instance-banner/pick",
            post(images::pick_instance_banner),
        )
        .route(
            "/api/v1/config/instance-banner",
            axum::routing::delete(images::delete_instance_banner),
        )
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// PeerTube's MANAGE_CONFIGURATION, MANAGE_LOGS, MANAGE_JOBS and
/// MANAGE_INSTANCE_CUSTOM_PAGE rights: administrators only.
fn admin_only(user: &CurrentUser) -> ApiResult<()> {
    user.require(UserRole::Administrator)
}

async fn get_custom(State(state): State<Instance>, user: CurrentUser) -> ApiResult<Json<Value>> {
    admin_only(&user)?;
    config::reload_if_stale(&state).await;
    Ok(Json(state.live().custom.clone()))
}

async fn put_custom(
    State(state): State<Instance>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    body: Result<Json<Value>, ApiError>,
) -> ApiResult<Json<Value>> {
    admin_only(&user)?;
    let Json(body) = body?;
    let ip = ip.to_string();
    let by = Actor::user(&user.0.username, Some(&ip));
    Ok(Json(config::update(&state, &by, &body).await?))
}

async fn delete_custom(
    State(state): State<Instance>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
) -> ApiResult<Json<Value>> {
    admin_only(&user)?;
    let ip = ip.to_string();
    let by = Actor::user(&user.0.username, Some(&ip));
    Ok(Json(config::reset(&state, &by).await?))
}

async fn set_paused(
    state: &Instance,
    user: &CurrentUser,
    ip: &str,
    paused: bool,
) -> ApiResult<StatusCode> {
    admin_only(user)?;
    config::set_jobs_paused(state, paused).await?;
    let by = Actor::user(&user.0.username, Some(ip));
    let action = if paused { "pause" } else { "resume" };
    audit::record(state, &by, "jobs", action, json!({})).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn pause_jobs(
    State(state): State<Instance>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
) -> ApiResult<StatusCode> {
    set_paused(&state, &user, &ip.to_string(), true).await
}

async fn resume_jobs(
    State(state): State<Instance>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
) -> ApiResult<StatusCode> {
    set_paused(&state, &user, &ip.to_string(), false).await
}

/// `POST /api/v1/jobs/{id}/retry` (a Ferrotube addition; PeerTube's administrators can only
/// watch a failed job): a job that failed for good is queued again with fresh attempts.
/// 404 for an unknown job, 409 for one that has not failed.
async fn retry_job(
    State(state): State<Instance>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    admin_only(&user)?;
    let Some(job) = state.db.job(id).await? else {
        return Err(ApiError::not_found("Job not found"));
    };
    if !state.db.retry_failed_job(id, now_ms()).await? {
        return Err(ApiError::conflict(format!(
            "Only a failed job can be retried; this one is {}",
            job.state
        )));
    }
    tracing::info!(job = id, kind = %job.kind, "job retried by an administrator");
    let ip = ip.to_string();
    let by = Actor::user(&user.0.username, Some(&ip));
    audit::record(
        &state,
        &by,
        "jobs",
        "retry",
        json!({ "id": id, "type": job.kind }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /jobs/pause` and `/jobs/resume` are `GET /jobs/{state}` with a state that does not exist
/// (these static routes win over the parameter): PeerTube's 400.
async fn not_a_job_state(user: CurrentUser, uri: axum::http::Uri) -> ApiResult<StatusCode> {
    admin_only(&user)?;
    let state = uri.path().rsplit('/').next().unwrap_or_default();
    Err(ApiError::bad_param(
        "state",
        state,
        "Should have a valid job state",
        ParamLocation::Params,
    ))
}

/// Public, as PeerTube's.
async fn server_stats(State(state): State<Instance>) -> ApiResult<Json<Value>> {
    Ok(Json(stats::server_stats(&state).await?))
}

/// `startDate` (required) and `endDate` (default: now), as PeerTube's log validators.
fn date_range(p: &Params) -> ApiResult<(i64, i64)> {
    let Some(start) = p.date("startDate")? else {
        return Err(ApiError::bad_param(
            "startDate",
            "",
            "Should have a start date that is a valid ISO 8601 date",
            ParamLocation::Query,
        ));
    };
    let end = p.date("endDate")?.unwrap_or_else(now_ms);
    Ok((start, end))
}

async fn server_logs(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    admin_only(&user)?;
    let p = Params::parse(q.as_deref());
    let (start, end) = date_range(&p)?;
    let level = p.str("level").filter(|l| !l.is_empty()).unwrap_or("info");
    let Some(min_level) = logs::level_rank(level) else {
        return Err(ApiError::bad_param(
            "level",
            level,
            "Should have a valid level",
            ParamLocation::Query,
        ));
    };
    let tags: Vec<String> = p
        .all("tagsOneOf")
        .into_iter()
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let filter = logs::Filter {
        start,
        end,
        min_level,
        tags_one_of: (!tags.is_empty()).then_some(tags),
    };
    let dir = logs::dir(&state.settings.data_dir);
    let lines = tokio::task::spawn_blocking(move || logs::read(&dir, &filter))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(Json(Value::Array(lines)))
}

async fn audit_logs(
    State(state): State<Instance>,
    user: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    admin_only(&user)?;
    let p = Params::parse(q.as_deref());
    let (start, end) = date_range(&p)?;
    Ok(Json(Value::Array(audit::read(&state, start, end).await?)))
}

async fn get_homepage(State(state): State<Instance>) -> ApiResult<Json<Value>> {
    config::reload_if_stale(&state).await;
    match &state.live().homepage {
        Some(content) => Ok(Json(json!({ "content": content }))),
        None => Err(ApiError::not_found("Instance homepage could not be found")),
    }
}

#[derive(serde::Deserialize)]
struct HomepageBody {
    #[serde(default)]
    content: Option<Value>,
}

async fn put_homepage(
    State(state): State<Instance>,
    user: CurrentUser,
    ClientIp(ip): ClientIp,
    body: Result<Json<HomepageBody>, ApiError>,
) -> ApiResult<StatusCode> {
    admin_only(&user)?;
    let Json(body) = body?;
    let content = match &body.content {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(ApiError::bad_param(
                "content",
                &other.to_string(),
                "Should have a valid content",
                ParamLocation::Body,
            ))
        }
    };
    let ip = ip.to_string();
    let by = Actor::user(&user.0.username, Some(&ip));
    config::set_homepage(&state, &by, content).await?;
    Ok(StatusCode::NO_CONTENT)
}
