//! Users: admin-created and self-registered, `/users/me`, quotas, and PeerTube's roles.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, ErrorCode, ParamLocation};
use crate::extract::Json;
use crate::extract::Path;
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use ferrotube_app::accounts::{create_local_user, hash_password, verify_password, LocalUser};
use ferrotube_app::Instance;
use ferrotube_db::sort::{Sort, UserSort};
use ferrotube_db::users::UserRow;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::{validate, UserRole};
use serde::Deserialize;
use serde_json::{json, Value};

pub async fn user_json(state: &Instance, u: &UserRow) -> ApiResult<Value> {
    let account = state
        .db
        .account_by_id(u.account_id)
        .await?
        .ok_or_else(|| ApiError::internal("user without account"))?;
    let channels = state.db.channels_of_account(u.account_id).await?;
    let mut out = state.user(u, &account, &channels);
    if let Some(o) = out.as_object_mut() {
        o.insert(
            "videosHistoryEnabled".into(),
            Value::Bool(state.db.history_enabled(u.id).await?),
        );
        o.insert(
            "twoFactorEnabled".into(),
            Value::Bool(state.db.otp_secret(u.id).await?.is_some()),
        );
        let prefs = state.db.user_prefs(u.id).await?;
        o.insert("p2pEnabled".into(), Value::Bool(prefs.p2p_enabled));
        o.insert("autoPlayVideo".into(), Value::Bool(prefs.auto_play_video));
        o.insert("videoLanguages".into(), json!(prefs.video_languages));
    }
    Ok(out)
}

pub async fn me(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Value>> {
    let mut out = user_json(&state, &user).await?;
    // Only the user's own view carries them, as in PeerTube (`/users/me`).
    if let Some(o) = out.as_object_mut() {
        o.insert(
            "notificationSettings".into(),
            Value::Object(ferrotube_app::notifications::settings(&state, user.id).await?),
        );
    }
    Ok(Json(out))
}

pub async fn quota_used(
    State(state): State<Instance>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Value>> {
    let (total, daily) = state
        .db
        .video_quota_used(user.account_id, now_ms() - 24 * 3600 * 1000)
        .await?;
    Ok(Json(
        json!({ "videoQuotaUsed": total, "videoQuotaUsedDaily": daily }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMe {
    display_name: Option<String>,
    #[serde(default, deserialize_with = "ferrotube_app::videos::present_or_null")]
    description: Option<Option<String>>,
    email: Option<String>,
    password: Option<String>,
    current_password: Option<String>,
    nsfw_policy: Option<String>,
    videos_history_enabled: Option<bool>,
    p2p_enabled: Option<bool>,
    auto_play_video: Option<bool>,
    #[serde(default, deserialize_with = "ferrotube_app::videos::present_or_null")]
    video_languages: Option<Option<Vec<String>>>,
}

pub async fn update_me(
    State(state): State<Instance>,
    CurrentUser(mut user): CurrentUser,
    Json(b): Json<UpdateMe>,
) -> ApiResult<StatusCode> {
    if let Some(p) = &b.password {
        validate::password(p)?;
        let current = b.current_password.as_deref().unwrap_or("");
        if !verify_password(current, &user.password_hash) {
            return Err(ApiError::unauthorized("currentPassword is invalid.")
                .code(ErrorCode::InvalidCurrentPassword));
        }
        user.password_hash = hash_password(p)?;
    }
    if let Some(e) = &b.email {
        validate::email(e)?;
        let current = b.current_password.as_deref().unwrap_or("");
        if !verify_password(current, &user.password_hash) {
            return Err(ApiError::unauthorized("currentPassword is invalid.")
                .code(ErrorCode::InvalidCurrentPassword));
        }
        user.email = e.clone();
    }
    if let Some(n) = &b.nsfw_policy {
        if !["display", "blur", "do_not_list"].contains(&n.as_str()) {
            return Err(ApiError::bad_param(
                "nsfwPolicy",
                n,
                "Should have a valid NSFW policy",
                ParamLocation::Body,
            ));
        }
        user.nsfw_policy = n.clone();
    }
    if let Some(d) = &b.display_name {
        validate::display_name("displayName", d)?;
    }
    if let Some(Some(d)) = &b.description {
        if d.chars().count() > 1000 {
            return Err(ApiError::bad_param(
                "description",
                "",
                "Should have a description of at most 1000 characters",
                ParamLocation::Body,
            ));
        }
    }
    if let Some(Some(langs)) = &b.video_languages {
        // PeerTube: at most 20 codes, each a short language code.
        if langs.len() > 20 || langs.iter().any(|l| l.is_empty() || l.len() > 10) {
            return Err(ApiError::bad_param(
                "videoLanguages",
                "",
                "Should have a valid video languages attribute",
                ParamLocation::Body,
            ));
        }
    }
    state.db.update_user(&user).await?;
    if b.p2p_enabled.is_some() || b.auto_play_video.is_some() || b.video_languages.is_some() {
        let mut prefs = state.db.user_prefs(user.id).await?;
        if let Some(on) = b.p2p_enabled {
            prefs.p2p_enabled = on;
        }
        if let Some(on) = b.auto_play_video {
            prefs.auto_play_video = on;
        }
        if let Some(langs) = b.video_languages {
            prefs.video_languages = langs.filter(|l| !l.is_empty());
        }
        state.db.set_user_prefs(user.id, &prefs).await?;
    }
    if let Some(on) = b.videos_history_enabled {
        state.db.set_history_enabled(user.id, on).await?;
    }
    ferrotube_app::accounts::update_profile(
        &state,
        user.account_id,
        b.display_name.as_deref(),
        b.description.as_ref().map(|d| d.as_deref()),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    username: Option<String>,
    password: Option<String>,
    email: Option<String>,
    role: Option<i64>,
    video_quota: Option<i64>,
    video_quota_daily: Option<i64>,
    channel_name: Option<String>,
}

pub async fn create(
    State(state): State<Instance>,
    admin: CurrentUser,
    Json(b): Json<CreateUser>,
) -> ApiResult<Json<Value>> {
    admin.require(UserRole::Moderator)?;
    let role = match b.role {
        Some(r) => UserRole::from_id(r).ok_or_else(|| {
            ApiError::bad_param(
                "role",
                &r.to_string(),
                "Should have a valid role",
                ParamLocation::Body,
            )
        })?,
        None => {
            return Err(ApiError::bad_param(
                "role",
                "",
                "Should have a valid role",
                ParamLocation::Body,
            ))
        }
    };
    if !admin.role().can_manage(role) {
        return Err(ApiError::forbidden(
            "User cannot create a user with this role",
        ));
    }
    let (Some(username), Some(password), Some(email)) = (
        b.username.as_deref(),
        b.password.as_deref(),
        b.email.as_deref(),
    ) else {
        return Err(ApiError::bad_param(
            "username",
            "",
            "Should have username, password and email",
            ParamLocation::Body,
        ));
    };
    let live = state.live();
    let q = &live.settings.user;
    let quota = (
        b.video_quota.unwrap_or(q.video_quota),
        b.video_quota_daily.unwrap_or(q.video_quota_daily),
    );
    if quota.0 < -1 || quota.1 < -1 {
        return Err(ApiError::bad_param(
            "videoQuota",
            &quota.0.to_string(),
            "Should have a valid video quota",
            ParamLocation::Body,
        ));
    }
    let channel = b.channel_name.as_deref().map(|n| (n, n));
    let c = create_local_user(
        &state,
        LocalUser {
            username,
            password,
            email,
            role,
            quota,
            display_name: None,
            channel,
        },
    )
    .await?;
    crate::audit::record(
        &state,
        &admin.0,
        "users",
        "create",
        json!({ "id": c.user_id, "username": username, "role": role.id() }),
    )
    .await;
    Ok(Json(
        json!({ "user": { "id": c.user_id, "account": { "id": c.account_id } } }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Register {
    username: Option<String>,
    password: Option<String>,
    email: Option<String>,
    display_name: Option<String>,
    channel: Option<RegisterChannel>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterChannel {
    name: String,
    display_name: String,
}

pub async fn register(
    State(state): State<Instance>,
    Json(b): Json<Register>,
) -> ApiResult<StatusCode> {
    let live = state.live();
    let s = &live.settings.signup;
    if !s.enabled {
        return Err(ApiError::forbidden("User registration is not enabled."));
    }
    // With approval required a sign-up is a request (`/users/registrations/request`).
    if s.requires_approval {
        return Err(ApiError::forbidden("User registration requires approval"));
    }
    // PeerTube counts every user, root included, against the limit.
    if s.limit >= 0 && state.db.count_users().await? >= s.limit {
        return Err(ApiError::forbidden("User registration limit reached."));
    }
    let (Some(username), Some(password), Some(email)) = (
        b.username.as_deref(),
        b.password.as_deref(),
        b.email.as_deref(),
    ) else {
        return Err(ApiError::bad_param(
            "username",
            "",
            "Should have username, password and email",
            ParamLocation::Body,
        ));
    };
    if let Some(d) = &b.display_name {
        validate::display_name("displayName", d)?;
    }
    let channel = b
        .channel
        .as_ref()
        .map(|c| (c.name.as_str(), c.display_name.as_str()));
    let q = &live.settings.user;
    let new = LocalUser {
        username,
        password,
        email,
        role: UserRole::User,
        quota: (q.video_quota, q.video_quota_daily),
        display_name: b.display_name.as_deref(),
        channel,
    };
    let created = create_local_user(&state, new).await?;
    if s.requires_email_verification {
        ferrotube_app::user_emails::require_verification(&state, created.user_id).await?;
    }
    ferrotube_app::notifications::notify(
        &state,
        ferrotube_app::notifications::Event::NewUserRegistration {
            user_id: created.user_id,
        },
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list(
    State(state): State<Instance>,
    admin: CurrentUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    admin.require(UserRole::Moderator)?;
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let order = p.sort(Sort::asc(UserSort::Id))?;
    // `blocked`: only the banned users, or only the others.
    let (total, rows) = match p.bool("blocked")? {
        Some(b) => state.db.list_users_blocked(b, start, count, order).await?,
        None => (
            state.db.count_users().await?,
            state.db.list_users(start, count, order).await?,
        ),
    };
    let mut data = Vec::with_capacity(rows.len());
    for u in &rows {
        data.push(user_json(&state, u).await?);
    }
    Ok(Json(json!({ "total": total, "data": data })))
}

async fn managed_user(state: &Instance, admin: &CurrentUser, id: &str) -> ApiResult<UserRow> {
    admin.require(UserRole::Moderator)?;
    let id: i64 = id.parse().map_err(|_| {
        ApiError::bad_param("id", id, "Should have a valid id", ParamLocation::Params)
    })?;
    let u = state
        .db
        .user_by_id(id)
        .await?
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    let role = u.role;
    if !admin.role().can_manage(role) && admin.0.id != u.id {
        return Err(ApiError::forbidden("Cannot manage this user"));
    }
    Ok(u)
}

pub async fn get(
    State(state): State<Instance>,
    admin: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let u = managed_user(&state, &admin, &id).await?;
    Ok(Json(user_json(&state, &u).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    email: Option<String>,
    password: Option<String>,
    role: Option<i64>,
    video_quota: Option<i64>,
    video_quota_daily: Option<i64>,
}

pub async fn update(
    State(state): State<Instance>,
    admin: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<UpdateUser>,
) -> ApiResult<StatusCode> {
    let mut u = managed_user(&state, &admin, &id).await?;
    if let Some(e) = &b.email {
        validate::email(e)?;
        u.email = e.clone();
    }
    if let Some(p) = &b.password {
        validate::password(p)?;
        u.password_hash = hash_password(p)?;
    }
    if let Some(r) = b.role {
        let role = UserRole::from_id(r).ok_or_else(|| {
            ApiError::bad_param(
                "role",
                &r.to_string(),
                "Should have a valid role",
                ParamLocation::Body,
            )
        })?;
        if !admin.role().can_manage(role) {
            return Err(ApiError::forbidden("Cannot give this role"));
        }
        u.role = role;
    }
    if let Some(q) = b.video_quota {
        u.video_quota = q.max(-1);
    }
    if let Some(q) = b.video_quota_daily {
        u.video_quota_daily = q.max(-1);
    }
    state.db.update_user(&u).await?;
    crate::audit::record(
        &state,
        &admin.0,
        "users",
        "update",
        json!({
            "id": u.id,
            "username": u.username,
            "role": u.role.id(),
            "videoQuota": u.video_quota,
            "videoQuotaDaily": u.video_quota_daily,
        }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<Instance>,
    admin: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let u = managed_user(&state, &admin, &id).await?;
    ferrotube_app::accounts::delete_user(&state, &u).await?;
    crate::audit::record(
        &state,
        &admin.0,
        "users",
        "delete",
        json!({ "id": u.id, "username": u.username }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
