//! Video comments as PeerTube's REST API serves them: threads, replies, deletion. Local comments
//! federate as `Note`s (see federation::deliver::comment_changed).

use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult, ParamLocation};
use crate::extract::Json;
use crate::extract::Path;
use crate::params::Params;
use crate::shapes::JsonViews;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use ferrotube_app::videos::{find_video, visible_to};
use ferrotube_app::Instance;
use ferrotube_db::accounts::AccountRow;
use ferrotube_db::comments::{CommentRow, CommentViewer, NewComment};
use ferrotube_db::sort::{CommentSort, Sort};
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_model::timefmt::{iso, now_ms};
use ferrotube_model::{CommentsPolicy, UserRole};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn comment_json(state: &Instance, v: &VideoRow, c: &CommentRow) -> Value {
    let account = match (c.account_id, &c.account_name) {
        (Some(id), Some(name)) => state.account(&AccountRow {
            id,
            user_id: c.account_user_id,
            name: name.clone(),
            display_name: c.account_display_name.clone().unwrap_or_default(),
            description: c.account_description.clone(),
            created_at: c.account_created_at.unwrap_or(c.created_at),
            updated_at: c.account_updated_at.unwrap_or(c.created_at),
            host: c.account_host.clone(),
            actor_url: c
                .account_actor_url
                .clone()
                .filter(|_| c.account_host.is_some()),
            // A comment's author is shown without its follow counts (not read per comment).
            followers_count: 0,
            following_count: 0,
            avatars: None,
        }),
        _ => Value::Null,
    };
    let deleted = c.deleted_at.is_some();
    json!({
        "id": c.id,
        "url": ferrotube_app::federation::objects::comment_url(state, &v.uuid, c),
        "text": if deleted { "" } else { c.text.as_str() },
        "threadId": c.root_id(),
        "inReplyToCommentId": c.in_reply_to_id,
        "videoId": v.id,
        "createdAt": iso(c.created_at),
        "updatedAt": iso(c.updated_at),
        "deletedAt": c.deleted_at.map(iso),
        "isDeleted": deleted,
        "totalRepliesFromVideoAuthor": 0,
        "totalReplies": c.total_replies,
        "account": if deleted { Value::Null } else { account },
        "heldForReview": c.held_for_review,
    })
}

/// What `user` may see of the comments of `v` (see `CommentViewer`).
pub fn viewer(v: &VideoRow, user: Option<&UserRow>) -> CommentViewer {
    CommentViewer {
        account_id: user.map(|u| u.account_id),
        video_owner_account_id: v.is_local().then_some(v.account_id),
        sees_all_held: user.is_some_and(|u| can_moderate(v, u)),
    }
}

/// The owner of a local video, and moderators, moderate its comments.
pub fn can_moderate(v: &VideoRow, u: &UserRow) -> bool {
    u.role <= UserRole::Moderator || (v.is_local() && u.account_id == v.account_id)
}

/// `GET /api/v1/videos/{id}/comment-threads`.
pub async fn list_threads(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let p = Params::parse(q.as_deref());
    let (start, count) = p.pagination(15)?;
    let order = p.sort(Sort::desc(CommentSort::CreatedAt))?;
    let v = find_video(&state, &id).await?;
    visible_to(&v, user.as_ref())?;
    let (total, alive, rows) = state
        .db
        .list_comment_threads(v.id, &viewer(&v, user.as_ref()), start, count, order)
        .await?;
    let data: Vec<Value> = rows.iter().map(|c| comment_json(&state, &v, c)).collect();
    Ok(Json(json!({
        "total": total,
        "totalNotDeletedComments": alive,
        "data": data,
    })))
}

/// `GET /api/v1/videos/{id}/comment-threads/{threadId}`: the root and its replies as a tree.
pub async fn get_thread(
    State(state): State<Instance>,
    MaybeUser(user): MaybeUser,
    Path((id, thread)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let thread_id: i64 = thread.parse().map_err(|_| {
        ApiError::bad_param(
            "threadId",
            &thread,
            "Should have a valid thread id",
            ParamLocation::Params,
        )
    })?;
    let v = find_video(&state, &id).await?;
    visible_to(&v, user.as_ref())?;
    let rows = state
        .db
        .comment_thread(v.id, thread_id, &viewer(&v, user.as_ref()))
        .await?;
    let Some(root) = rows
        .iter()
        .find(|c| c.id == thread_id && c.thread_id.is_none())
    else {
        return Err(ApiError::not_found("Video comment thread not found"));
    };
    fn tree(
        state: &Instance,
        v: &VideoRow,
        rows: &[CommentRow],
        c: &CommentRow,
        depth: u32,
    ) -> Value {
        let children: Vec<Value> = if depth > 64 {
            Vec::new()
        } else {
            rows.iter()
                .filter(|r| r.in_reply_to_id == Some(c.id))
                .map(|r| tree(state, v, rows, r, depth + 1))
                .collect()
        };
        json!({ "comment": comment_json(state, v, c), "children": children })
    }
    Ok(Json(tree(&state, &v, &rows, root, 0)))
}

#[derive(Deserialize)]
pub struct CommentBody {
    text: Option<String>,
}

fn valid_text(b: CommentBody) -> ApiResult<String> {
    let text = b.text.unwrap_or_default();
    let n = text.trim().chars().count();
    if n == 0 || text.chars().count() > 10_000 {
        return Err(ApiError::bad_param(
            "text",
            &text.chars().take(50).collect::<String>(),
            "Should have a valid comment text",
            ParamLocation::Body,
        ));
    }
    Ok(text)
}

async fn commentable(state: &Instance, id: &str, user: &CurrentUser) -> ApiResult<VideoRow> {
    let v = find_video(state, id).await?;
    visible_to(&v, Some(&user.0))?;
    if CommentsPolicy::from_id(v.comments_policy) == Some(CommentsPolicy::Disabled) {
        return Err(ApiError::conflict(
            "Video comments are disabled for this video.",
        ));
    }
    if state.db.is_account_blocked(user.0.account_id).await? {
        return Err(ApiError::forbidden("You are blocked"));
    }
    Ok(v)
}

/// Writes a new local comment: tagged, held when moderation says so, and federated (a held
/// one only to a remote video's origin, which answers ApproveReply).
async fn write_comment(
    state: &Instance,
    user: &UserRow,
    v: &VideoRow,
    parent: Option<&CommentRow>,
    text: &str,
) -> ApiResult<Json<Value>> {
    let moderation =
        ferrotube_app::comment_policy::moderate_new_comment(state, Some(user), v, text).await?;
    let id = state
        .db
        .insert_comment(&NewComment {
            url: None,
            video_id: v.id,
            account_id: user.account_id,
            thread_id: parent.map(CommentRow::root_id),
            in_reply_to_id: parent.map(|p| p.id),
            text,
            created_at: now_ms(),
            held_for_review: moderation.held,
        })
        .await?;
    moderation.record(state, id).await?;
    if moderation.held {
        ferrotube_app::federation::approvals::send_held_comment(state, v, id).await;
    } else {
        ferrotube_app::federation::outbox::comment_changed(state, v, id).await;
    }
    ferrotube_app::notifications::notify(
        state,
        ferrotube_app::notifications::Event::NewComment { comment_id: id },
    )
    .await;
    let c = state
        .db
        .comment_by_id(id)
        .await?
        .ok_or_else(|| ApiError::internal("comment vanished"))?;
    Ok(Json(json!({ "comment": comment_json(state, v, &c) })))
}

/// `POST /api/v1/videos/{id}/comment-threads`.
pub async fn create_thread(
    State(state): State<Instance>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<CommentBody>,
) -> ApiResult<Json<Value>> {
    let text = valid_text(body)?;
    let v = commentable(&state, &id, &user).await?;
    write_comment(&state, &user.0, &v, None, &text).await
}

pub async fn comment_of(state: &Instance, v: &VideoRow, raw: &str) -> ApiResult<CommentRow> {
    let cid: i64 = raw.parse().map_err(|_| {
        ApiError::bad_param(
            "commentId",
            raw,
            "Should have a valid comment id",
            ParamLocation::Params,
        )
    })?;
    state
        .db
        .comment_by_id(cid)
        .await?
        .filter(|c| c.video_id == v.id)
        .ok_or_else(|| ApiError::not_found("Video comment not found"))
}

/// `POST /api/v1/videos/{id}/comments/{commentId}`: a reply.
pub async fn reply(
    State(state): State<Instance>,
    user: CurrentUser,
    Path((id, parent)): Path<(String, String)>,
    Json(body): Json<CommentBody>,
) -> ApiResult<Json<Value>> {
    let text = valid_text(body)?;
    let v = commentable(&state, &id, &user).await?;
    let parent = comment_of(&state, &v, &parent).await?;
    if parent.deleted_at.is_some() {
        return Err(ApiError::conflict("Cannot reply to a deleted comment"));
    }
    write_comment(&state, &user.0, &v, Some(&parent), &text).await
}

/// `DELETE /api/v1/videos/{id}/comments/{commentId}`: by its author, the video's owner or a
/// moderator. The comment stays as a tombstone in its thread.
pub async fn delete(
    State(state): State<Instance>,
    user: CurrentUser,
    Path((id, comment)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let v = find_video(&state, &id).await?;
    let c = comment_of(&state, &v, &comment).await?;
    if c.deleted_at.is_some() {
        return Err(ApiError::conflict("This comment is already deleted"));
    }
    let is_author = c.account_id == Some(user.0.account_id);
    let owns_video = v.is_local() && v.account_id == user.0.account_id;
    if !is_author && !owns_video && user.role() > UserRole::Moderator {
        return Err(ApiError::forbidden(
            "Cannot remove the comment of another user",
        ));
    }
    remove_comment(&state, &v, &c).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a comment (a tombstone stays) and tells the fediverse: our comment's `Delete` from
/// its author, or the video owner's `Delete` of a remote comment on our video.
pub async fn remove_comment(state: &Instance, v: &VideoRow, c: &CommentRow) -> ApiResult<()> {
    state.db.soft_delete_comment(c.id, now_ms()).await?;
    if c.url.is_none() {
        ferrotube_app::federation::outbox::comment_changed(state, v, c.id).await;
    } else {
        ferrotube_app::federation::approvals::send_owner_delete(state, v, c).await;
    }
    Ok(())
}
