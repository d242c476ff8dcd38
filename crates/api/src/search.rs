//! Search (`/api/v1/search/videos`, `/search/video-channels`): text search over what this
//! instance knows, and remote lookup when the search is a video URL or a channel handle
//! (`name@host`): the object is fetched from its origin and stored, as PeerTube does for
//! signed-in users.

use crate::auth::MaybeUser;
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use ferrotube_app::Instance;
use ferrotube_db::accounts::ChannelRow;
use ferrotube_db::sort::{ChannelSort, Sort, VideoSort};
use ferrotube_db::videos::{HostFilter, VideoFilter};
use serde_json::{json, Value};

fn looks_like_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

pub async fn videos(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    let p = Params::parse(q.as_deref());
    let search = p.str("search").unwrap_or("").trim().to_string();
    if looks_like_url(&search) {
        // Remote lookup only for signed-in users (PeerTube's default), so anonymous visitors
        // cannot make the instance fetch arbitrary URLs.
        let found = if user.is_some() {
            ferrotube_app::federation::objects::fetch_remote_video(&state, &search, false)
                .await
                .ok()
        } else {
            ferrotube_app::federation::objects::video_by_any_url(&state, &search)
                .await?
                .map(|v| v.id)
        };
        let mut data = Vec::new();
        if let Some(id) = found {
            if let Some(v) = state.db.video_by_id(id).await? {
                if ferrotube_app::videos::visible_to(&v, user.as_ref()).is_ok() {
                    data.push(
                        serde_json::to_value(state.video(&v, false)).map_err(ApiError::internal)?,
                    );
                }
            }
        }
        let body = json!({ "total": data.len(), "data": data });
        return Ok(crate::videos::json_response(
            serde_json::to_vec(&body)
                .map_err(ApiError::internal)?
                .into(),
        ));
    }
    let mut filter = crate::videos::filter_from(&p, user.as_ref())?;
    if !search.is_empty() {
        filter.search = Some(search);
    }
    search_filters(&state, &p, &mut filter)?;
    let body = crate::videos::list_body_for(
        &state,
        &p,
        filter,
        false,
        user.as_ref(),
        Sort::desc(VideoSort::Match),
    )
    .await?;
    Ok(crate::videos::json_response(body.into()))
}

/// The filters only the video search has: publication and original dates, duration, host and
/// uuids.
/// PeerTube's `host`: this instance's own elements, or those of one remote host.
fn host_filter(state: &Instance, p: &Params) -> Option<HostFilter> {
    let host = p.str("host").filter(|h| !h.is_empty())?;
    Some(if host == state.host {
        HostFilter::Local
    } else {
        HostFilter::Remote(host.to_string())
    })
}

fn search_filters(state: &Instance, p: &Params, f: &mut VideoFilter) -> ApiResult<()> {
    f.published_after = p.date("startDate")?;
    f.published_before = p.date("endDate")?;
    f.originally_published_after = p.date("originallyPublishedStartDate")?;
    f.originally_published_before = p.date("originallyPublishedEndDate")?;
    f.duration_min = p.int("durationMin", 0, i64::MAX)?;
    f.duration_max = p.int("durationMax", 0, i64::MAX)?;
    f.host = host_filter(state, p);
    for raw in p.all("uuids").into_iter().flat_map(|v| v.split(',')) {
        let uuid = ferrotube_model::uuid_from_short(raw)
            .map(|u| u.to_string())
            .or_else(|| uuid::Uuid::parse_str(raw).ok().map(|u| u.to_string()))
            .ok_or_else(|| {
                ApiError::bad_param(
                    "uuids",
                    raw,
                    "Should have valid uuids",
                    ParamLocation::Query,
                )
            })?;
        f.uuids.push(uuid);
    }
    Ok(())
}

pub async fn channels(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    // Channels have no relevance rank: `match` (PeerTube's default) lists them in creation order.
    let sort = match p.str("sort") {
        Some("match" | "-match") => Sort::asc(ChannelSort::Id),
        _ => p.sort(Sort::asc(ChannelSort::Id))?,
    };
    let search = p
        .str("search")
        .unwrap_or("")
        .trim()
        .trim_start_matches('@')
        .to_string();
    let is_handle = search.contains('@') && !search.contains(' ');
    if is_handle || looks_like_url(&search) {
        let actor = if user.is_some() {
            if looks_like_url(&search) {
                ferrotube_app::federation::actors::remote_actor(&state, &search, false)
                    .await
                    .ok()
            } else {
                ferrotube_app::federation::actors::resolve_handle(&state, &search)
                    .await
                    .ok()
            }
        } else {
            None
        };
        let channel = match actor.and_then(|a| a.channel_id) {
            Some(id) => state.db.channel_by_id(id).await?,
            None => state.db.channel_by_name(&search).await?,
        };
        let mut data = Vec::new();
        if let Some(c) = channel {
            let owner = state.db.account_by_id(c.account_id).await?;
            data.push(state.channel(&c, owner.as_ref()));
        }
        return Ok(Json(json!({ "total": data.len(), "data": data })));
    }
    let host = host_filter(&state, &p);
    let handles: Vec<&str> = p
        .all("handles")
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let (total, rows) = if handles.is_empty() {
        state
            .db
            .search_channels(&search, host.as_ref(), sort, start, count)
            .await?
    } else {
        // Only the channels named: a client names a few, looked up one by one.
        let term = search.to_lowercase();
        let mut found: Vec<ChannelRow> = Vec::new();
        for handle in handles.iter().take(100) {
            let Some(c) = state
                .db
                .channel_by_name(crate::channels::stored_name(&state, handle))
                .await?
            else {
                continue;
            };
            let host_ok = match &host {
                None => true,
                Some(HostFilter::Local) => c.host.is_none(),
                Some(HostFilter::Remote(h)) => c.host.as_deref() == Some(h.as_str()),
            };
            let term_ok = term.is_empty()
                || c.name.to_lowercase().contains(&term)
                || c.display_name.to_lowercase().contains(&term);
            if host_ok && term_ok && !found.iter().any(|f| f.id == c.id) {
                found.push(c);
            }
        }
        let total = found.len() as i64;
        let page = found
            .into_iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(count).unwrap_or(0))
            .collect();
        (total, page)
    };
    let mut data = Vec::new();
    for c in rows {
        let owner = state.db.account_by_id(c.account_id).await?;
        data.push(state.channel(&c, owner.as_ref()));
    }
    Ok(Json(json!({ "total": total, "data": data })))
}
