//! `/admin/...`: the administration pages (PeerTube's URLs). Each page reads through the same
//! functions as the REST API (so the same access rules and JSON), turns the answer into table
//! rows, and names the REST calls its buttons and forms make (`assets/admin.js`).

use super::{sign_in_first, Page};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use ferrotube_app::Instance;
use ferrotube_model::timefmt::now_ms;
use ferrotube_model::UserRole;
use ferrotube_web::admin::{Action, AdminPage, Cell, Field, FieldKind, Filter, Row};
use ferrotube_web::chrome::url_encode;
use serde_json::{json, Value};
use std::collections::HashMap;

type Q = Query<HashMap<String, String>>;

pub fn routes() -> Router<Instance> {
    Router::new()
        .route(
            "/admin",
            get(|| async { Redirect::to("/admin/users/list") }),
        )
        .route("/admin/users", get(users))
        .route("/admin/users/list", get(users))
        .route("/admin/overview/users/list", get(users))
        .route(
            "/admin/follows",
            get(|| async { Redirect::to("/admin/follows/following-list") }),
        )
        .route("/admin/follows/following-list", get(following))
        .route("/admin/follows/followers-list", get(followers))
        .route(
            "/admin/moderation",
            get(|| async { Redirect::to("/admin/moderation/abuses/list") }),
        )
        .route("/admin/moderation/abuses/list", get(abuses))
        .route("/admin/moderation/video-blocks/list", get(video_blocks))
        .route(
            "/admin/moderation/blocklist/accounts",
            get(blocked_accounts),
        )
        .route("/admin/moderation/blocklist/servers", get(blocked_servers))
        .route(
            "/admin/overview/comments",
            get(|| async { Redirect::to("/admin/overview/comments/list") }),
        )
        .route("/admin/overview/comments/list", get(comments))
        .route(
            "/admin/system",
            get(|| async { Redirect::to("/admin/system/jobs") }),
        )
        .route("/admin/system/jobs", get(jobs))
        .route(
            "/admin/config",
            get(|| async { Redirect::to("/admin/config/edit-custom") }),
        )
        .route("/admin/config/edit-custom", get(config))
}

/// The reader if they may see a page of `role` at least; else the sign-in form (anonymous) or
/// the 403 page.
fn allowed(page: &Page, role: UserRole) -> Result<CurrentUser, Box<Response>> {
    match &page.user {
        None => Err(Box::new(sign_in_first(page))),
        Some(u) if u.role <= role => Ok(CurrentUser(u.clone())),
        Some(_) => Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                Html(ferrotube_web::admin::render_forbidden(&page.chrome)),
            )
                .into_response(),
        )),
    }
}

/// Renders the page; a refused or failed read shows its message above an empty table.
/// Rows per page of an administration list.
const PER_PAGE: i64 = 50;

/// The 1-based page a list's `?page=` asks for.
fn page_no(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.parse::<i64>().ok())
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(1)
}

/// The REST API's window (`start`, `count`) of that page.
fn window(q: &HashMap<String, String>) -> String {
    let page = page_no(q.get("page").map(String::as_str));
    format!("start={}&count={PER_PAGE}", (page - 1) * PER_PAGE)
}

fn render(page: &Page, mut p: AdminPage, read: ApiResult<()>) -> Response {
    if let Err(e) = read {
        tracing::warn!(error = %e.0, "admin page: read failed");
        p.intro = Some(e.0.to_string());
    }
    if p.has_table {
        let (path, raw) = match page.chrome.path.split_once('?') {
            Some((path, raw)) => (path, Some(raw)),
            None => (page.chrome.path.as_str(), None),
        };
        let n = page_no(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v)
                .as_deref(),
        );
        p.pager = super::browse::pager(path, raw, n, PER_PAGE, p.rows.len(), p.total);
    }
    Html(ferrotube_web::admin::render_admin(&page.chrome, &p)).into_response()
}

fn s(v: &Value, path: &str) -> String {
    match ferrotube_app::admin::config::get(v, path) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn i(v: &Value, path: &str) -> i64 {
    ferrotube_app::admin::config::get(v, path)
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

fn b(v: &Value, path: &str) -> bool {
    ferrotube_app::admin::config::get(v, path)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn data(v: &Value) -> Vec<Value> {
    v.get("data")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `key=value&...` of the filters the reader chose (empty values left out), with a page size.
fn query(q: &HashMap<String, String>, names: &[&str], extra: &str) -> String {
    let mut parts = vec![extra.to_string()];
    for n in names {
        if let Some(v) = q.get(*n).filter(|v| !v.is_empty()) {
            parts.push(format!("{n}={}", url_encode(v)));
        }
    }
    parts.join("&")
}

fn opts(page: &Page, list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(v, key)| (v.to_string(), page.t(key)))
        .collect()
}

fn bytes(n: i64) -> String {
    if n < 0 {
        return "∞".into();
    }
    let mb = n as f64 / (1024.0 * 1024.0);
    if mb >= 1024.0 {
        format!("{:.1} GB", mb / 1024.0)
    } else {
        format!("{mb:.0} MB")
    }
}

fn role_label(page: &Page, role: i64) -> String {
    page.t(&format!("admin-role-{role}"))
}

// ------------------------------------------------------------------------------------ users

async fn users(State(state): State<Instance>, page: Page, Query(q): Q) -> Response {
    let me = match allowed(&page, UserRole::Moderator) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let my_role = me.0.role;
    let my_id = me.0.id;
    let roles: Vec<(String, String)> = [0i64, 1, 2]
        .into_iter()
        .filter(|r| UserRole::from_id(*r).is_some_and(|r| my_role.can_manage(r)))
        .map(|r| (r.to_string(), role_label(&page, r)))
        .collect();
    let mut p = AdminPage {
        section: "/admin/users",
        heading: page.t("admin-users-title"),
        has_table: true,
        empty: page.t("admin-users-empty"),
        headers: [
            "admin-col-user",
            "admin-col-email",
            "admin-col-role",
            "admin-col-quota",
            "admin-col-status",
        ]
        .iter()
        .map(|k| page.t(k))
        .collect(),
        filters: vec![
            Filter {
                name: "search".into(),
                label: page.t("admin-search"),
                value: q.get("search").cloned().unwrap_or_default(),
                options: vec![],
            },
            Filter {
                name: "blocked".into(),
                label: page.t("admin-col-status"),
                value: q.get("blocked").cloned().unwrap_or_default(),
                options: opts(
                    &page,
                    &[
                        ("", "admin-all"),
                        ("true", "admin-user-banned"),
                        ("false", "admin-user-active"),
                    ],
                ),
            },
        ],
        forms: vec![Action::new(
            "ft-admin-create-user".into(),
            page.t("admin-users-create"),
            "POST",
            "/api/v1/users".into(),
        )
        .fields(vec![
            Field::new("username", page.t("admin-field-username"), FieldKind::Text).required(),
            Field::new("email", page.t("admin-field-email"), FieldKind::Email).required(),
            Field::new(
                "password",
                page.t("admin-field-password"),
                FieldKind::Password,
            )
            .required(),
            Field::new(
                "role",
                page.t("admin-col-role"),
                FieldKind::Select { int: true },
            )
            .options(roles.clone())
            .value("2"),
            Field::new("videoQuota", page.t("admin-field-quota"), FieldKind::Number)
                .value(state.live().settings.user.video_quota.to_string()),
            Field::new(
                "videoQuotaDaily",
                page.t("admin-field-quota-daily"),
                FieldKind::Number,
            )
            .value(state.live().settings.user.video_quota_daily.to_string()),
        ])],
        ..Default::default()
    };
    let read = async {
        let qs = query(&q, &["blocked"], &window(&q));
        let Json(v) = crate::users::list(State(state.clone()), me, RawQuery(Some(qs))).await?;
        p.total = i(&v, "total");
        let search = q
            .get("search")
            .map(|s| s.to_lowercase())
            .unwrap_or_default();
        let since = now_ms() - 24 * 3600 * 1000;
        for u in data(&v) {
            let (name, email) = (s(&u, "username"), s(&u, "email"));
            if !search.is_empty()
                && !name.to_lowercase().contains(&search)
                && !email.to_lowercase().contains(&search)
            {
                continue;
            }
            let id = i(&u, "id");
            let role = i(&u, "role.id");
            let (used, _) = state
                .db
                .video_quota_used(i(&u, "account.id"), since)
                .await?;
            let blocked = b(&u, "blocked");
            let manageable = UserRole::from_id(role).is_some_and(|r| my_role.can_manage(r));
            let mut actions = Vec::new();
            if manageable {
                actions.push(
                    Action::new(
                        format!("ft-edit-{id}"),
                        page.t("admin-edit"),
                        "PUT",
                        format!("/api/v1/users/{id}"),
                    )
                    .fields(vec![
                        Field::new("email", page.t("admin-field-email"), FieldKind::Email)
                            .value(email.clone()),
                        Field::new(
                            "role",
                            page.t("admin-col-role"),
                            FieldKind::Select { int: true },
                        )
                        .options(roles.clone())
                        .value(role.to_string()),
                        Field::new("videoQuota", page.t("admin-field-quota"), FieldKind::Number)
                            .value(i(&u, "videoQuota").to_string()),
                        Field::new(
                            "videoQuotaDaily",
                            page.t("admin-field-quota-daily"),
                            FieldKind::Number,
                        )
                        .value(i(&u, "videoQuotaDaily").to_string()),
                    ])
                    .submit(page.t("admin-save")),
                );
            }
            // Nobody bans or deletes themselves from here.
            if manageable && id != my_id {
                if blocked {
                    actions.push(Action::new(
                        format!("ft-unban-{id}"),
                        page.t("admin-unban"),
                        "POST",
                        format!("/api/v1/users/{id}/unblock"),
                    ));
                } else {
                    actions.push(
                        Action::new(
                            format!("ft-ban-{id}"),
                            page.t("admin-ban"),
                            "POST",
                            format!("/api/v1/users/{id}/block"),
                        )
                        .fields(vec![Field::new(
                            "reason",
                            page.t("admin-field-reason"),
                            FieldKind::Text,
                        )]),
                    );
                }
                actions.push(
                    Action::new(
                        format!("ft-delete-user-{id}"),
                        page.t("admin-delete"),
                        "DELETE",
                        format!("/api/v1/users/{id}"),
                    )
                    .confirm(page.chrome.ts(
                        "admin-confirm-delete",
                        "name",
                        &name,
                    )),
                );
            }
            let status = if blocked {
                let reason = s(&u, "blockedReason");
                if reason.is_empty() {
                    page.t("admin-user-banned")
                } else {
                    format!("{} ({reason})", page.t("admin-user-banned"))
                }
            } else {
                page.t("admin-user-active")
            };
            p.rows.push(Row {
                key: name.clone(),
                cells: vec![
                    Cell::link(name.clone(), format!("/a/{name}")),
                    Cell::text(email),
                    Cell::text(role_label(&page, role)),
                    Cell::text(format!("{} / {}", bytes(used), bytes(i(&u, "videoQuota")))),
                    Cell::text(status),
                ],
                actions,
            });
        }
        Ok(())
    }
    .await;
    render(&page, p, read)
}

// ---------------------------------------------------------------------------------- follows

fn follow_tabs(page: &Page) -> Vec<(String, String)> {
    vec![
        (
            "/admin/follows/following-list".into(),
            page.t("admin-following-title"),
        ),
        (
            "/admin/follows/followers-list".into(),
            page.t("admin-followers-title"),
        ),
    ]
}

fn follow_state(page: &Page, st: &str) -> String {
    page.t(&format!("admin-follow-{st}"))
}

async fn following(State(state): State<Instance>, page: Page, Query(q): Q) -> Response {
    if let Err(r) = allowed(&page, UserRole::Administrator) {
        return *r;
    }
    let mut p = AdminPage {
        section: "/admin/follows",
        heading: page.t("admin-following-title"),
        tabs: follow_tabs(&page),
        has_table: true,
        empty: page.t("admin-following-empty"),
        headers: ["admin-col-host", "admin-col-state", "admin-col-redundancy"]
            .iter()
            .map(|k| page.t(k))
            .collect(),
        forms: vec![Action::new(
            "ft-admin-follow".into(),
            page.t("admin-follow-add"),
            "POST",
            "/api/v1/server/following".into(),
        )
        .fields(vec![Field::new(
            "hosts",
            page.t("admin-field-hosts"),
            FieldKind::List,
        )
        .required()
        .help(page.t("admin-field-hosts-help"))])
        .submit(page.t("admin-follow-submit"))],
        filters: vec![state_filter(&page, &q)],
        ..Default::default()
    };
    let read = async {
        let qs = query(&q, &["state"], &window(&q));
        let Json(v) =
            crate::federation::follows::list_following(State(state.clone()), RawQuery(Some(qs)))
                .await?;
        p.total = i(&v, "total");
        for f in data(&v) {
            let host = s(&f, "following.host");
            let st = s(&f, "state");
            let allowed = b(&f, "following.hostRedundancyAllowed");
            p.rows.push(Row {
                key: host.clone(),
                cells: vec![
                    Cell::text(host.clone()),
                    Cell::text(follow_state(&page, &st)),
                    Cell::text(page.t(if allowed { "admin-yes" } else { "admin-no" })),
                ],
                actions: vec![
                    Action::new(
                        format!("ft-redundancy-{}", slug(&host)),
                        page.t(if allowed {
                            "admin-redundancy-off"
                        } else {
                            "admin-redundancy-on"
                        }),
                        "PUT",
                        format!("/api/v1/server/redundancy/{host}"),
                    )
                    .body(json!({ "redundancyAllowed": !allowed })),
                    Action::new(
                        format!("ft-unfollow-{}", slug(&host)),
                        page.t("admin-unfollow"),
                        "DELETE",
                        format!("/api/v1/server/following/{host}"),
                    )
                    .confirm(page.chrome.ts(
                        "admin-confirm-unfollow",
                        "name",
                        &host,
                    )),
                ],
            });
        }
        Ok(())
    }
    .await;
    render(&page, p, read)
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn state_filter(page: &Page, q: &HashMap<String, String>) -> Filter {
    Filter {
        name: "state".into(),
        label: page.t("admin-col-state"),
        value: q.get("state").cloned().unwrap_or_default(),
        options: opts(
            page,
            &[
                ("", "admin-all"),
                ("pending", "admin-follow-pending"),
                ("accepted", "admin-follow-accepted"),
                ("rejected", "admin-follow-rejected"),
            ],
        ),
    }
}

async fn followers(State(state): State<Instance>, page: Page, Query(q): Q) -> Response {
    if let Err(r) = allowed(&page, UserRole::Administrator) {
        return *r;
    }
    let mut p = AdminPage {
        section: "/admin/follows",
        heading: page.t("admin-followers-title"),
        tabs: follow_tabs(&page),
        has_table: true,
        empty: page.t("admin-followers-empty"),
        headers: ["admin-col-follower", "admin-col-state"]
            .iter()
            .map(|k| page.t(k))
            .collect(),
        filters: vec![state_filter(&page, &q)],
        ..Default::default()
    };
    let read = async {
        let qs = query(&q, &["state"], &window(&q));
        let Json(v) =
            crate::federation::follows::list_followers(State(state.clone()), RawQuery(Some(qs)))
                .await?;
        p.total = i(&v, "total");
        for f in data(&v) {
            let handle = format!("{}@{}", s(&f, "follower.name"), s(&f, "follower.host"));
            let st = s(&f, "state");
            let mut actions = Vec::new();
            if st == "pending" {
                actions.push(Action::new(
                    format!("ft-accept-{}", slug(&handle)),
                    page.t("admin-accept"),
                    "POST",
                    format!("/api/v1/server/followers/{handle}/accept"),
                ));
                actions.push(Action::new(
                    format!("ft-reject-{}", slug(&handle)),
                    page.t("admin-reject"),
                    "POST",
                    format!("/api/v1/server/followers/{handle}/reject"),
                ));
            }
            actions.push(
                Action::new(
                    format!("ft-remove-{}", slug(&handle)),
                    page.t("admin-remove"),
                    "DELETE",
                    format!("/api/v1/server/followers/{handle}"),
                )
                .confirm(page.chrome.ts("admin-confirm-remove", "name", &handle)),
            );
            p.rows.push(Row {
                key: handle.clone(),
                cells: vec![Cell::text(handle), Cell::text(follow_state(&page, &st))],
                actions,
            });
        }
        Ok(())
    }
    .await;
    render(&page, p, read)
}

// ------------------------------------------------------------------------------- moderation

fn moderation_tabs(page: &Page) -> Vec<(String, String)> {
    vec![
        (
            "/admin/moderation/abuses/list".into(),
            page.t("admin-abuses-title"),
        ),
        (
            "/admin/moderation/video-blocks/list".into(),
            page.t("admin-blocks-title"),
        ),
        (
            "/admin/moderation/blocklist/accounts".into(),
            page.t("admin-muted-accounts-title"),
        ),
        (
            "/admin/moderation/blocklist/servers".into(),
            page.t("admin-muted-servers-title"),
        ),
    ]
}

async fn abuses(State(state): State<Instance>, page: Page, Query(q): Q) -> Response {
    let me = match allowed(&page, UserRole::Moderator) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let mut p = AdminPage {
        section: "/admin/moderation",
        heading: page.t("admin-abuses-title"),
        tabs: moderation_tabs(&page),
        has_table: true,
        empty: page.t("admin-abuses-empty"),
        headers: [
            "admin-col-report",
            "admin-col-target",
            "admin-col-reporter",
            "admin-col-state",
            "admin-col-comment",
        ]
        .iter()
        .map(|k| page.t(k))
        .collect(),
        filters: vec![
            Filter {
                name: "state".into(),
                label: page.t("admin-col-state"),
                value: q.get("state").cloned().unwrap_or_default(),
                options: opts(
                    &page,
                    &[
                        ("", "admin-all"),
                        ("1", "admin-abuse-1"),
                        ("3", "admin-abuse-3"),
                        ("2", "admin-abuse-2"),
                    ],
                ),
            },
            Filter {
                name: "search".into(),
                label: page.t("admin-search"),
                value: q.get("search").cloned().unwrap_or_default(),
                options: vec![],
            },
        ],
        ..Default::default()
    };
    let read = async {
        let qs = query(&q, &["state", "search"], &window(&q));
        let Json(v) = crate::moderation::list(State(state.clone()), me, RawQuery(Some(qs))).await?;
        p.total = i(&v, "total");
        for a in data(&v) {
            let id = i(&a, "id");
            let target = if !s(&a, "video.name").is_empty() {
                Cell::link(
                    s(&a, "video.name"),
                    format!("/w/{}", s(&a, "video.shortUUID")),
                )
            } else if !s(&a, "comment.text").is_empty() {
                Cell::text(s(&a, "comment.text"))
            } else {
                Cell::text(s(&a, "flaggedAccount.name"))
            };
            let comment_field = || {
                Field::new(
                    "moderationComment",
                    page.t("admin-field-moderation-comment"),
                    FieldKind::Area,
                )
                .value(s(&a, "moderationComment"))
            };
            let mut actions = vec![
                Action::new(
                    format!("ft-abuse-accept-{id}"),
                    page.t("admin-accept"),
                    "PUT",
                    format!("/api/v1/abuses/{id}"),
                )
                .body(json!({ "state": 3 }))
                .fields(vec![comment_field()]),
                Action::new(
                    format!("ft-abuse-reject-{id}"),
                    page.t("admin-reject"),
                    "PUT",
                    format!("/api/v1/abuses/{id}"),
                )
                .body(json!({ "state": 2 }))
                .fields(vec![comment_field()]),
                Action::new(
                    format!("ft-abuse-message-{id}"),
                    page.chrome
                        .tn("admin-abuse-messages", "count", i(&a, "countMessages")),
                    "POST",
                    format!("/api/v1/abuses/{id}/messages"),
                )
                .fields(vec![Field::new(
                    "message",
                    page.t("admin-field-message"),
                    FieldKind::Area,
                )
                .required()])
                .submit(page.t("admin-send")),
                Action::new(
                    format!("ft-abuse-delete-{id}"),
                    page.t("admin-delete"),
                    "DELETE",
                    format!("/api/v1/abuses/{id}"),
                )
                .confirm(page.chrome.ts(
                    "admin-confirm-delete",
                    "name",
                    format!("#{id}"),
                )),
            ];
            if i(&a, "state.id") == 3 {
                actions.remove(0);
            }
            p.rows.push(Row {
                key: id.to_string(),
                cells: vec![
                    Cell::text(format!("#{id} {}", s(&a, "reason"))),
                    target,
                    Cell::text(s(&a, "reporterAccount.name")),
                    Cell::text(page.t(&format!("admin-abuse-{}", i(&a, "state.id").clamp(1, 3)))),
                    Cell::text(s(&a, "moderationComment")),
                ],
                actions,
            });
        }
        Ok(())
    }
    .await;
    render(&page, p, read)
}

async fn video_blocks(State(state): State<Instance>, page: Page, Query(q): Q) -> Response {
    let me = match allowed(&page, UserRole::Moderator) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let mut p = AdminPage {
        section: "/admin/moderation",
        heading: page.t("admin-blocks-title"),
        tabs: moderation_tabs(&page),
        has_table: true,
        empty: page.t("admin-blocks-empty"),
        headers: ["admin-col-video", "admin-col-reason", "admin-col-date"]
            .iter()
            .map(|k| page.t(k))
            .collect(),
        filters: vec![Filter {
            name: "search".into(),
            label: page.t("admin-search"),
            value: q.get("search").cloned().unwrap_or_default(),
            options: vec![],
        }],
        ..Default::default()
    };
    let read = async {
        let qs = query(&q, &["search"], &window(&q));
        let Json(v) =
            crate::moderation::list_blocks(State(state.clone()), me, RawQuery(Some(qs))).await?;
        p.total = i(&v, "total");
        for bl in data(&v) {
            let vid = i(&bl, "videoId");
            p.rows.push(Row {
                key: vid.to_string(),
                cells: vec![
                    Cell::link(
                        s(&bl, "video.name"),
                        format!("/w/{}", s(&bl, "video.shortUUID")),
                    ),
                    Cell::text(s(&bl, "reason")),
                    Cell::text(ferrotube_web::format_date(&s(&bl, "createdAt"))),
                ],
                actions: vec![Action::new(
                    format!("ft-unblock-video-{vid}"),
                    page.t("admin-unblock"),
                    "DELETE",
                    format!("/api/v1/videos/{vid}/blacklist"),
                )],
            });
        }
        Ok(())
    }
    .await;
    render(&page, p, read)
}

async fn blocked_accounts(State(state): State<Instance>, page: Page, Query(q): Q) -> Response {
    let me = match allowed(&page, UserRole::Moderator) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let mut p = AdminPage {
        section: "/admin/moderation",
        heading: page.t("admin-muted-accounts-title"),
        intro: Some(page.t("admin-muted-accounts-intro")),
        tabs: moderation_tabs(&page),
        has_table: true,
        empty: page.t("admin-muted-empty"),
        headers: ["admin-col-account", "admin-col-date"]
            .iter()
            .map(|k| page.t(k))
            .collect(),
        forms: vec![Action::new(
            "ft-admin-mute-account".into(),
            page.t("admin-mute-account"),
            "POST",
            "/api/v1/server/blocklist/accounts".into(),
        )
        .fields(vec![Field::new(
            "accountName",
            page.t("admin-field-account"),
            FieldKind::Text,
        )
        .required()])
        .submit(page.t("admin-mute"))],
        ..Default::default()
    };
    let read = async {
        let Json(v) = crate::federation::follows::list_blocked_accounts(
            State(state.clone()),
            me,
            RawQuery(Some(window(&q))),
        )
        .await?;
        p.total = i(&v, "total");
        for m in data(&v) {
            let host = s(&m, "blockedAccount.host");
            let name = s(&m, "blockedAccount.name");
            let handle = if host.is_empty() || host == state.host {
                name
            } else {
                format!("{name}@{host}")
            };
            p.rows.push(Row {
                key: handle.clone(),
                cells: vec![
                    Cell::text(handle.clone()),
                    Cell::text(ferrotube_web::format_date(&s(&m, "createdAt"))),
                ],
                actions: vec![Action::new(
                    format!("ft-unmute-{}", slug(&handle)),
                    page.t("admin-unmute"),
                    "DELETE",
                    format!("/api/v1/server/blocklist/accounts/{handle}"),
                )],
            });
        }
        Ok(())
    }
    .await;
    render(&page, p, read)
}

async fn blocked_servers(State(state): State<Instance>, page: Page, Query(q): Q) -> Response {
    let me = match allowed(&page, UserRole::Moderator) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let mut p = AdminPage {
        section: "/admin/moderation",
        heading: page.t("admin-muted-servers-title"),
        intro: Some(page.t("admin-muted-servers-intro")),
        tabs: moderation_tabs(&page),
        has_table: true,
        empty: page.t("admin-muted-empty"),
        headers: ["admin-col-host", "admin-col-date"]
            .iter()
            .map(|k| page.t(k))
            .collect(),
        forms: vec![Action::new(
            "ft-admin-mute-server".into(),
            page.t("admin-mute-server"),
            "POST",
            "/api/v1/server/blocklist/servers".into(),
        )
        .fields(vec![Field::new(
            "host",
            page.t("admin-col-host"),
            FieldKind::Text,
        )
        .required()])
        .submit(page.t("admin-mute"))],
        ..Default::default()
    };
    let read = async {
        let Json(v) = crate::federation::follows::list_blocked_servers(
            State(state.clone()),
            me,
            RawQuery(Some(window(&q))),
        )
        .await?;
        p.total = i(&v, "total");
        for m in data(&v) {
            let host = s(&m, "blockedServer.host");
            p.rows.push(Row {
                key: host.clone(),
                cells: vec![
                    Cell::text(host.clone()),
                    Cell::text(ferrotube_web::format_date(&s(&m, "createdAt"))),
                ],
                actions: vec![Action::new(
                    format!("ft-unmute-{}", slug(&host)),
                    page.t("admin-unmute"),
                    "DELETE",
                    format!("/api/v1/server/blocklist/servers/{host}"),
                )],
            });
        }
        Ok(())
    }
    .await;
    render(&page, p, read)
}

async fn comments(State(state): State<Instance>, page: Page, Query(q): Q) -> Response {
    let me = match allowed(&page, UserRole::Moderator) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let held = q
        .get("isHeldForReview")
        .cloned()
        .unwrap_or_else(|| "true".into());
    let mut p = AdminPage {
        section: "/admin/overview/comments",
        heading: page.t("admin-comments-title"),
        has_table: true,
        empty: page.t("admin-comments-empty"),
        headers: [
            "admin-col-comment-text",
            "admin-col-video",
            "admin-col-account",
            "admin-col-date",
        ]
        .iter()
        .map(|k| page.t(k))
        .collect(),
        filters: vec![Filter {
            name: "isHeldForReview".into(),
            label: page.t("admin-col-state"),
            value: held.clone(),
            options: opts(&page, &[("true", "admin-comments-held"), ("", "admin-all")]),
        }],
        ..Default::default()
    };
    let read = async {
        let qs = if held.is_empty() {
            window(&q)
        } else {
            format!("{}&isHeldForReview={}", window(&q), url_encode(&held))
        };
        let Json(v) =
            crate::blocklists::list_all_comments(State(state.clone()), me, RawQuery(Some(qs)))
                .await?;
        p.total = i(&v, "total");
        for cm in data(&v) {
            let (id, vid) = (i(&cm, "id"), i(&cm, "video.id"));
            let mut actions = Vec::new();
            if b(&cm, "heldForReview") {
                actions.push(Action::new(
                    format!("ft-approve-{id}"),
                    page.t("admin-approve"),
                    "POST",
                    format!("/api/v1/videos/{vid}/comments/{id}/approve"),
                ));
            }
            actions.push(
                Action::new(
                    format!("ft-delete-comment-{id}"),
                    page.t("admin-delete"),
                    "DELETE",
                    format!("/api/v1/videos/{vid}/comments/{id}"),
                )
                .confirm(page.chrome.ts(
                    "admin-confirm-delete",
                    "name",
                    format!("#{id}"),
                )),
            );
            p.rows.push(Row {
                key: id.to_string(),
                cells: vec![
                    Cell::text(s(&cm, "text")),
                    Cell::link(
                        s(&cm, "video.name"),
                        format!("/videos/watch/{}", s(&cm, "video.uuid")),
                    ),
                    Cell::text(s(&cm, "account.displayName")),
                    Cell::text(ferrotube_web::format_date(&s(&cm, "createdAt"))),
                ],
                actions,
            });
        }
        Ok(())
    }
    .await;
    render(&page, p, read)
}

// ----------------------------------------------------------------------------------- system

async fn jobs(State(state): State<Instance>, page: Page, Query(q): Q) -> Response {
    let me = match allowed(&page, UserRole::Administrator) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let st = q.get("state").cloned().unwrap_or_default();
    let mut p = AdminPage {
        section: "/admin/system",
        heading: page.t("admin-jobs-title"),
        has_table: true,
        empty: page.t("admin-jobs-empty"),
        headers: [
            "admin-col-id",
            "admin-col-type",
            "admin-col-state",
            "admin-col-attempts",
            "admin-col-date",
            "admin-col-error",
        ]
        .iter()
        .map(|k| page.t(k))
        .collect(),
        filters: vec![
            Filter {
                name: "state".into(),
                label: page.t("admin-col-state"),
                value: st.clone(),
                options: opts(
                    &page,
                    &[
                        ("", "admin-all"),
                        ("active", "admin-job-active"),
                        ("waiting", "admin-job-waiting"),
                        ("delayed", "admin-job-delayed"),
                        ("completed", "admin-job-completed"),
                        ("failed", "admin-job-failed"),
                    ],
                ),
            },
            Filter {
                name: "jobType".into(),
                label: page.t("admin-col-type"),
                value: q.get("jobType").cloned().unwrap_or_default(),
                options: vec![],
            },
        ],
        ..Default::default()
    };
    let read = async {
        let qs = query(&q, &["jobType"], &window(&q));
        let path = if st.is_empty() {
            "all".to_string()
        } else {
            st.clone()
        };
        let Json(v) =
            crate::server_config::jobs(State(state.clone()), me, Path(path), RawQuery(Some(qs)))
                .await?;
        p.total = i(&v, "total");
        for j in data(&v) {
            let id = i(&j, "id");
            let js = s(&j, "state");
            p.rows.push(Row {
                key: id.to_string(),
                cells: vec![
                    Cell::text(id.to_string()),
                    Cell::text(s(&j, "type")),
                    Cell::text(page.t(&format!("admin-job-{js}"))),
                    Cell::text(i(&j, "attempts").to_string()),
                    Cell::text(
                        s(&j, "createdAt")
                            .replace('T', " ")
                            .chars()
                            .take(19)
                            .collect::<String>(),
                    ),
                    Cell::text(s(&j, "error")),
                ],
                actions: if js == "failed" {
                    vec![Action::new(
                        format!("ft-retry-{id}"),
                        page.t("admin-job-retry"),
                        "POST",
                        format!("/api/v1/jobs/{id}/retry"),
                    )]
                } else {
                    vec![]
                },
            });
        }
        Ok(())
    }
    .await;
    render(&page, p, read)
}

// ----------------------------------------------------------------------------------- config

/// The resolutions of the transcoding ladder, as `transcoding.resolutions` names them.
const RESOLUTIONS: &[&str] = &[
    "144p", "240p", "360p", "480p", "720p", "1080p", "1440p", "2160p",
];

async fn config(State(state): State<Instance>, page: Page) -> Response {
    if let Err(r) = allowed(&page, UserRole::Administrator) {
        return *r;
    }
    ferrotube_app::admin::config::reload_if_stale(&state).await;
    let c = state.live().custom.clone();
    let text =
        |path: &str, key: &str| Field::new(path, page.t(key), FieldKind::Text).value(s(&c, path));
    let area =
        |path: &str, key: &str| Field::new(path, page.t(key), FieldKind::Area).value(s(&c, path));
    let flag =
        |path: &str, key: &str| Field::new(path, page.t(key), FieldKind::Bool).checked(b(&c, path));
    let num = |path: &str, key: &str| {
        Field::new(path, page.t(key), FieldKind::Number).value(i(&c, path).to_string())
    };
    let mut fields = vec![
        text("instance.name", "admin-config-name").required(),
        text(
            "instance.shortDescription",
            "admin-config-short-description",
        ),
        area("instance.description", "admin-config-description"),
        area("instance.terms", "admin-config-terms"),
        Field::new(
            "instance.defaultNSFWPolicy",
            page.t("admin-config-nsfw"),
            FieldKind::Select { int: false },
        )
        .options(opts(
            &page,
            &[
                ("do_not_list", "admin-nsfw-do_not_list"),
                ("blur", "admin-nsfw-blur"),
                ("display", "admin-nsfw-display"),
            ],
        ))
        .value(s(&c, "instance.defaultNSFWPolicy")),
        flag("instance.isNSFW", "admin-config-is-nsfw"),
        flag("signup.enabled", "admin-config-signup"),
        num("signup.limit", "admin-config-signup-limit"),
        flag("signup.requiresApproval", "admin-config-signup-approval"),
        flag(
            "signup.requiresEmailVerification",
            "admin-config-signup-email",
        ),
        num("user.videoQuota", "admin-field-quota"),
        num("user.videoQuotaDaily", "admin-field-quota-daily"),
        flag("followers.instance.enabled", "admin-config-followers"),
        flag(
            "followers.instance.manualApproval",
            "admin-config-followers-approval",
        ),
        flag("transcoding.enabled", "admin-config-transcoding"),
    ];
    for r in RESOLUTIONS {
        let path = format!("transcoding.resolutions.{r}");
        fields.push(
            Field::new(
                &path,
                page.chrome.ts("admin-config-resolution", "name", *r),
                FieldKind::Bool,
            )
            .checked(b(&c, &path)),
        );
    }
    let p = AdminPage {
        section: "/admin/config",
        heading: page.t("admin-config-title"),
        intro: Some(page.t("admin-config-intro")),
        forms: vec![Action::new(
            "ft-admin-config".into(),
            page.t("admin-config-title"),
            "PUT",
            "/api/v1/config/custom".into(),
        )
        .merge_from("/api/v1/config/custom")
        .fields(fields)
        .submit(page.t("admin-save"))],
        ..Default::default()
    };
    render(&page, p, Ok(()))
}
