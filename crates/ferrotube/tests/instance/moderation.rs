//! Moderation over HTTP: the abuse workflow (reports of a video, a comment and an account; the
//! moderators' filters; states; the reporter/moderator conversation), video blocks and user
//! bans, with PeerTube's refusals (and nothing changed by a refused request). The federation
//! of a report (a `Flag` between two real instances) and of an unfederating block is in
//! `remote_report_and_unfederated_block`.

use crate::common::*;
use crate::federation::{until, FEDERATION_CONFIG};
use serde_json::{json, Value};
use std::time::Duration;

const CONFIG: &str = "[transcoding]\nresolutions = [144]\n";

async fn upload(t: &TestInstance, token: &str, clip: &std::path::Path, name: &str) -> String {
    let channel = t.channel_id(token).await;
    let r = t
        .legacy_upload(
            token,
            clip,
            &[
                ("name", name.to_string()),
                ("channelId", channel.to_string()),
                ("privacy", "1".to_string()),
            ],
        )
        .await;
    let status = r.status();
    let text = r.text().await.expect("body");
    assert_eq!(status, 200, "upload {name}: {text}");
    let v: Value = serde_json::from_str(&text).expect("json");
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(token)).await;
    uuid
}

async fn send_json(
    t: &TestInstance,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> reqwest::Response {
    t.client
        .request(method, t.api(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn post(t: &TestInstance, path: &str, token: &str, body: Value) -> reqwest::Response {
    send_json(t, reqwest::Method::POST, path, token, body).await
}

async fn status(r: reqwest::Response) -> u16 {
    r.status().as_u16()
}

async fn total(t: &TestInstance, path: &str, token: &str) -> i64 {
    let v = t.get_json(path, Some(token)).await;
    v["total"]
        .as_i64()
        .unwrap_or_else(|| panic!("{path}: no total in {v}"))
}

fn listed(list: &Value, uuid: &str) -> bool {
    list["data"]
        .as_array()
        .is_some_and(|d| d.iter().any(|v| v["uuid"] == uuid))
}

async fn abuse_workflow(backend: Backend) {
    let t = TestInstance::start_with(backend, CONFIG).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "a.mp4", 2, 320, 240);
    let root = t.root_token().await;
    for (name, role) in [("author", 2), ("reporter", 2), ("other", 2), ("modo", 1)] {
        t.create_user(&root, name, &format!("{name}-password"), role, None)
            .await;
    }
    let author = t.token("author", "author-password").await;
    let reporter = t.token("reporter", "reporter-password").await;
    let other = t.token("other", "other-password").await;
    let modo = t.token("modo", "modo-password").await;
    let uuid = upload(&t, &author, &clip, "volcano eruption").await;
    let author_account = t.me(&author).await["account"]["id"].as_i64().expect("id");

    // Refused reports change nothing.
    for (body, field) in [
        (
            json!({ "reason": "spam", "predefinedReasons": ["notAReason"], "video": { "id": uuid } }),
            "predefinedReasons",
        ),
        (
            json!({ "reason": "spam", "video": { "id": uuid, "startAt": 9, "endAt": 3 } }),
            "video.endAt",
        ),
        (json!({ "reason": "x", "video": { "id": uuid } }), "reason"),
        (
            json!({ "reason": "spam", "video": { "id": uuid, "startAt": -1 } }),
            "video.startAt",
        ),
    ] {
        let p = assert_problem(
            post(&t, "/api/v1/abuses", &reporter, body.clone()).await,
            400,
            &format!("report {body}"),
        )
        .await;
        assert!(p["invalid-params"].get(field).is_some(), "{field}: {p}");
    }
    assert_problem(
        post(
            &t,
            "/api/v1/abuses",
            &reporter,
            json!({ "reason": "nothing named" }),
        )
        .await,
        400,
        "report without target",
    )
    .await;
    assert_problem(
        post(
            &t,
            "/api/v1/abuses",
            &reporter,
            json!({ "reason": "gone", "account": { "id": 999999 } }),
        )
        .await,
        404,
        "report of an unknown account",
    )
    .await;
    assert_eq!(total(&t, "/api/v1/abuses", &root).await, 0);

    // A video (with reasons and a span), a comment and an account.
    let r = post(
        &t,
        "/api/v1/abuses",
        &reporter,
        json!({
            "reason": "misleading title",
            "predefinedReasons": ["spamOrMisleading", "privacy"],
            "video": { "id": uuid, "startAt": 1, "endAt": 2 },
        }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let video_abuse = r.json::<Value>().await.expect("json")["abuse"]["id"]
        .as_i64()
        .expect("abuse id");
    let c = post(
        &t,
        &format!("/api/v1/videos/{uuid}/comment-threads"),
        &author,
        json!({ "text": "a rude comment" }),
    )
    .await;
    assert_eq!(c.status(), 200);
    let comment_id = c.json::<Value>().await.expect("json")["comment"]["id"]
        .as_i64()
        .expect("comment id");
    let r = post(
        &t,
        "/api/v1/abuses",
        &reporter,
        json!({ "reason": "rude words", "comment": { "id": comment_id } }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = post(
        &t,
        "/api/v1/abuses",
        &reporter,
        json!({ "reason": "a spam account", "predefinedReasons": ["serverRules"], "account": { "id": author_account } }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let account_abuse = r.json::<Value>().await.expect("json")["abuse"]["id"]
        .as_i64()
        .expect("abuse id");

    // Moderators' list, as PeerTube shapes it.
    assert_problem(
        t.get("/api/v1/abuses", Some(&other))
            .send()
            .await
            .expect("list"),
        403,
        "a user lists abuses",
    )
    .await;
    let list = t
        .get_json(&format!("/api/v1/abuses?id={video_abuse}"), Some(&modo))
        .await;
    assert_eq!(list["total"], 1, "{list}");
    let a = &list["data"][0];
    assert_eq!(a["reason"], "misleading title");
    assert_eq!(
        a["predefinedReasons"],
        json!(["spamOrMisleading", "privacy"])
    );
    assert_eq!(a["state"], json!({ "id": 1, "label": "Pending" }));
    assert_eq!(a["video"]["uuid"], uuid.as_str());
    assert_eq!(
        (a["video"]["startAt"].clone(), a["video"]["endAt"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(a["video"]["deleted"], false);
    assert_eq!(a["video"]["blacklisted"], false);
    assert_eq!(a["video"]["channel"]["name"], "author_channel");
    assert_eq!(a["reporterAccount"]["name"], "reporter");
    assert_eq!(a["flaggedAccount"]["name"], "author");
    assert_eq!(a["countReportsForReporter"], 3);
    assert_eq!(a["countReportsForReportee"], 3);
    assert_eq!(a["countMessages"], 0);
    assert!(a["moderationComment"].is_null(), "{a}");
    let comment_list = t
        .get_json("/api/v1/abuses?filter=comment", Some(&modo))
        .await;
    assert_eq!(comment_list["total"], 1, "{comment_list}");
    assert_eq!(comment_list["data"][0]["comment"]["id"], comment_id);
    assert_eq!(comment_list["data"][0]["comment"]["threadId"], comment_id);
    assert_eq!(
        comment_list["data"][0]["comment"]["video"]["uuid"],
        uuid.as_str()
    );
    for (q, want) in [
        ("filter=video", 1),
        ("filter=account", 1),
        ("predefinedReason=privacy", 1),
        ("predefinedReason=serverRules", 1),
        ("predefinedReason=captions", 0),
        ("state=1", 3),
        ("state=3", 0),
        ("searchReporter=report", 3),
        ("searchReportee=author", 3),
        ("searchReportee=nobody", 0),
        ("searchVideo=volcano", 1),
        ("searchVideoChannel=author_channel", 1),
        ("search=rude", 1),
        ("videoIs=blacklisted", 0),
        ("sort=-createdAt&count=2", 3),
    ] {
        let l = t
            .get_json(&format!("/api/v1/abuses?{q}"), Some(&modo))
            .await;
        assert_eq!(l["total"], want, "{q}: {l}");
    }
    for q in [
        "state=4",
        "predefinedReason=nope",
        "filter=users",
        "videoIs=gone",
        "sort=name",
    ] {
        assert_problem(
            t.get(&format!("/api/v1/abuses?{q}"), Some(&modo))
                .send()
                .await
                .expect("list"),
            400,
            q,
        )
        .await;
    }

    // The reporter's own list: their reports, without the moderators' fields.
    let mine = t.get_json("/api/v1/users/me/abuses", Some(&reporter)).await;
    assert_eq!(mine["total"], 3, "{mine}");
    assert!(mine["data"][0].get("reporterAccount").is_none(), "{mine}");
    assert!(mine["data"][0].get("moderationComment").is_none(), "{mine}");
    assert_eq!(total(&t, "/api/v1/users/me/abuses", &other).await, 0);

    // State and moderation comment: only in range, only by moderators.
    let path = format!("/api/v1/abuses/{video_abuse}");
    for body in [
        json!({ "state": 4 }),
        json!({ "state": 0 }),
        json!({ "moderationComment": "x" }),
    ] {
        assert_problem(
            send_json(&t, reqwest::Method::PUT, &path, &modo, body.clone()).await,
            400,
            &format!("update {body}"),
        )
        .await;
    }
    assert_problem(
        send_json(
            &t,
            reqwest::Method::PUT,
            &path,
            &reporter,
            json!({ "state": 3 }),
        )
        .await,
        403,
        "the reporter accepts their own report",
    )
    .await;
    let unchanged = t
        .get_json(&format!("/api/v1/abuses?id={video_abuse}"), Some(&modo))
        .await;
    assert_eq!(unchanged["data"][0]["state"]["id"], 1, "{unchanged}");
    let r = send_json(
        &t,
        reqwest::Method::PUT,
        &path,
        &modo,
        json!({ "state": 3, "moderationComment": "title fixed by the author" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    let done = t
        .get_json(&format!("/api/v1/abuses?id={video_abuse}"), Some(&modo))
        .await;
    assert_eq!(
        done["data"][0]["state"],
        json!({ "id": 3, "label": "Accepted" })
    );
    assert_eq!(
        done["data"][0]["moderationComment"],
        "title fixed by the author"
    );
    assert_eq!(total(&t, "/api/v1/abuses?state=3", &modo).await, 1);

    // The conversation: the reporter and the moderators, nobody else.
    let messages = format!("/api/v1/abuses/{video_abuse}/messages");
    let r = post(&t, &messages, &reporter, json!({ "message": "any news?" })).await;
    assert_eq!(r.status(), 200);
    let r = post(&t, &messages, &modo, json!({ "message": "we are on it" })).await;
    assert_eq!(r.status(), 200);
    let modo_message = r.json::<Value>().await.expect("json")["abuseMessage"]["id"]
        .as_i64()
        .expect("message id");
    assert_problem(
        post(&t, &messages, &reporter, json!({ "message": "x" })).await,
        400,
        "one-letter message",
    )
    .await;
    assert_problem(
        post(&t, &messages, &other, json!({ "message": "let me in" })).await,
        403,
        "another user writes",
    )
    .await;
    assert_problem(
        t.get(&messages, Some(&other)).send().await.expect("read"),
        403,
        "another user reads someone else's report",
    )
    .await;
    let read = t.get_json(&messages, Some(&reporter)).await;
    assert_eq!(read["total"], 2, "{read}");
    assert_eq!(read["data"][0]["message"], "any news?");
    assert_eq!(read["data"][0]["byModerator"], false);
    assert_eq!(read["data"][0]["account"]["name"], "reporter");
    assert_eq!(read["data"][1]["byModerator"], true);
    let counted = t
        .get_json(&format!("/api/v1/abuses?id={video_abuse}"), Some(&modo))
        .await;
    assert_eq!(counted["data"][0]["countMessages"], 2);
    let one = format!("{messages}/{modo_message}");
    let r = t
        .client
        .delete(t.api(&one))
        .bearer_auth(&reporter)
        .send()
        .await
        .expect("delete");
    assert_problem(r, 403, "the reporter deletes the moderator's message").await;
    let r = t
        .client
        .delete(t.api(&one))
        .bearer_auth(&modo)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let r = t
        .client
        .delete(t.api(&one))
        .bearer_auth(&modo)
        .send()
        .await
        .expect("delete");
    assert_problem(r, 404, "a deleted message").await;
    assert_eq!(total(&t, &messages, &modo).await, 1);

    // A deleted video stays in its report, marked deleted.
    let r = t
        .client
        .delete(t.api(&format!("/api/v1/videos/{uuid}")))
        .bearer_auth(&author)
        .send()
        .await
        .expect("delete video");
    assert_eq!(r.status(), 204);
    let gone = t
        .get_json("/api/v1/abuses?videoIs=deleted", Some(&modo))
        .await;
    assert_eq!(gone["total"], 1, "{gone}");
    assert_eq!(gone["data"][0]["video"]["deleted"], true);
    assert_eq!(gone["data"][0]["video"]["uuid"], uuid.as_str());
    assert_eq!(gone["data"][0]["video"]["name"], "volcano eruption");
    // The reported comment went with its video; its report is still a comment report.
    let comments = t
        .get_json("/api/v1/abuses?filter=comment", Some(&modo))
        .await;
    assert_eq!(comments["total"], 1, "{comments}");
    assert!(comments["data"][0]["comment"].is_null(), "{comments}");
    assert_eq!(total(&t, "/api/v1/abuses?filter=account", &modo).await, 1);

    // Deleting a report: moderators only.
    let path = format!("/api/v1/abuses/{account_abuse}");
    let r = t
        .client
        .delete(t.api(&path))
        .bearer_auth(&reporter)
        .send()
        .await
        .expect("delete");
    assert_problem(r, 403, "the reporter deletes a report").await;
    let r = t
        .client
        .delete(t.api(&path))
        .bearer_auth(&modo)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let r = t
        .client
        .delete(t.api(&path))
        .bearer_auth(&modo)
        .send()
        .await
        .expect("delete");
    assert_problem(r, 404, "a deleted report").await;
    assert_eq!(total(&t, "/api/v1/abuses", &modo).await, 2);
}

async fn blocks_and_bans(backend: Backend) {
    let t = TestInstance::start_with(backend, CONFIG).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "b.mp4", 2, 320, 240);
    let root = t.root_token().await;
    let mut ids = std::collections::HashMap::new();
    for (name, role) in [
        ("author", 2),
        ("viewer", 2),
        ("modo", 1),
        ("modo2", 1),
        ("admin2", 0),
    ] {
        let id = t
            .create_user(&root, name, &format!("{name}-password"), role, None)
            .await;
        ids.insert(name, id);
    }
    let author = t.token("author", "author-password").await;
    let viewer = t.token("viewer", "viewer-password").await;
    let modo = t.token("modo", "modo-password").await;
    let uuid = upload(&t, &author, &clip, "glacier walk").await;
    let video = t.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    let master = video["streamingPlaylists"][0]["playlistUrl"]
        .as_str()
        .expect("master")
        .to_string();

    // Refused blocks change nothing.
    let block = format!("/api/v1/videos/{uuid}/blacklist");
    assert_problem(
        post(&t, &block, &viewer, json!({})).await,
        403,
        "a user blocks",
    )
    .await;
    assert_problem(
        post(&t, &block, &modo, json!({ "reason": "x" })).await,
        400,
        "one-letter reason",
    )
    .await;
    assert_problem(
        post(&t, &block, &modo, json!({ "unfederate": "maybe" })).await,
        400,
        "unfederate not a boolean",
    )
    .await;
    assert!(listed(&t.get_json("/api/v1/videos", None).await, &uuid));

    let r = post(&t, &block, &modo, json!({ "reason": "copyright claim" })).await;
    assert_eq!(r.status(), 204);
    assert_problem(
        post(&t, &block, &modo, json!({})).await,
        409,
        "blocked twice",
    )
    .await;

    // Hidden from lists, search, channel and account pages, feeds; refused to others.
    for path in [
        "/api/v1/videos".to_string(),
        "/api/v1/search/videos?search=glacier".to_string(),
        "/api/v1/video-channels/author_channel/videos".to_string(),
        "/api/v1/accounts/author/videos".to_string(),
    ] {
        assert!(
            !listed(&t.get_json(&path, None).await, &uuid),
            "{path} lists it"
        );
        assert!(
            !listed(&t.get_json(&path, Some(&viewer)).await, &uuid),
            "{path} lists it to a user"
        );
    }
    let feed = t
        .get("/feeds/videos.xml", None)
        .send()
        .await
        .expect("feed")
        .text()
        .await
        .expect("feed body");
    assert!(!feed.contains(&uuid), "the feed lists the blocked video");
    let get = format!("/api/v1/videos/{uuid}");
    assert_problem(
        t.get(&get, None).send().await.expect("get"),
        401,
        "anonymous",
    )
    .await;
    assert_problem(
        t.get(&get, Some(&viewer)).send().await.expect("get"),
        403,
        "a user",
    )
    .await;
    for token in [&author, &modo] {
        let v = t.get_json(&get, Some(token)).await;
        assert_eq!(v["blacklisted"], true, "{v}");
        assert_eq!(v["blacklistedReason"], "copyright claim");
    }
    let files = t
        .get(&master, None)
        .send()
        .await
        .expect("master")
        .status()
        .as_u16();
    assert!(
        matches!(files, 401 | 403 | 404),
        "files of a blocked video: {files}"
    );
    let page = t
        .get(&format!("/w/{uuid}"), None)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 403);
    let html = page.text().await.expect("html");
    assert!(html.contains("This video is blocked"), "{html}");
    assert!(!html.contains(&master), "the page carries the player");
    let ap_status = |t: &TestInstance| {
        t.client
            .get(format!("{}/videos/watch/{uuid}", t.url))
            .header("Accept", "application/activity+json")
            .send()
    };
    let outbox = |t: &TestInstance| {
        t.client
            .get(format!("{}/accounts/author/outbox?page=1", t.url))
            .header("Accept", "application/activity+json")
            .send()
    };
    let page = outbox(&t)
        .await
        .expect("outbox")
        .text()
        .await
        .expect("body");
    assert!(
        !page.contains(&uuid),
        "the AP outbox lists the blocked video: {page}"
    );
    assert_eq!(
        ap_status(&t).await.expect("ap").status(),
        403,
        "AP object of a blocked video"
    );
    let mine = t.get_json("/api/v1/users/me/videos", Some(&author)).await;
    assert!(listed(&mine, &uuid), "{mine}");
    assert_eq!(mine["data"][0]["blacklisted"], true);

    // The moderators' list of blocks.
    assert_problem(
        t.get("/api/v1/videos/blacklist", Some(&viewer))
            .send()
            .await
            .expect("list"),
        403,
        "a user lists blocks",
    )
    .await;
    let blocks = t.get_json("/api/v1/videos/blacklist", Some(&modo)).await;
    assert_eq!(blocks["total"], 1, "{blocks}");
    let b = &blocks["data"][0];
    assert_eq!(b["video"]["uuid"], uuid.as_str());
    assert_eq!(b["reason"], "copyright claim");
    assert_eq!(b["unfederated"], false);
    assert_eq!(b["type"], 1);
    assert_eq!(
        total(&t, "/api/v1/videos/blacklist?type=1&search=glacier", &modo).await,
        1
    );
    assert_eq!(
        total(&t, "/api/v1/videos/blacklist?search=desert", &modo).await,
        0
    );
    assert_eq!(total(&t, "/api/v1/videos/blacklist?type=2", &modo).await, 0);
    assert_problem(
        t.get("/api/v1/videos/blacklist?type=3", Some(&modo))
            .send()
            .await
            .expect("list"),
        400,
        "type 3",
    )
    .await;

    // Lifting the block lists it again; a second lift finds nothing.
    let r = t
        .client
        .delete(t.api(&block))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("unblock");
    assert_problem(r, 403, "a user unblocks").await;
    let r = t
        .client
        .delete(t.api(&block))
        .bearer_auth(&modo)
        .send()
        .await
        .expect("unblock");
    assert_eq!(r.status(), 204);
    let r = t
        .client
        .delete(t.api(&block))
        .bearer_auth(&modo)
        .send()
        .await
        .expect("unblock");
    assert_problem(r, 404, "not blocked").await;
    assert!(listed(&t.get_json("/api/v1/videos", None).await, &uuid));
    assert_eq!(t.get_json(&get, None).await["blacklisted"], false);
    assert_eq!(
        ap_status(&t).await.expect("ap").status(),
        200,
        "AP object once unblocked"
    );
    let page = outbox(&t)
        .await
        .expect("outbox")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains(&uuid),
        "the AP outbox of the author once unblocked: {page}"
    );

    // User bans: PeerTube's role rule first, and nothing changes on a refusal.
    let ban = |name: &str| format!("/api/v1/users/{}/block", ids[name]);
    for (who, token, target, status) in [
        ("a user", &viewer, "author", 403),
        ("a moderator, an admin", &modo, "admin2", 403),
        ("a moderator, a moderator", &modo, "modo2", 403),
    ] {
        assert_problem(
            post(
                &t,
                &ban(target),
                token,
                json!({ "reason": "no reason at all" }),
            )
            .await,
            status,
            who,
        )
        .await;
    }
    assert_problem(
        post(&t, &ban("author"), &modo, json!({ "reason": "ab" })).await,
        400,
        "two-letter reason",
    )
    .await;
    assert_problem(
        post(&t, "/api/v1/users/1/block", &root, json!({})).await,
        400,
        "the root user",
    )
    .await;
    assert_problem(
        post(&t, "/api/v1/users/999999/block", &root, json!({})).await,
        404,
        "an unknown user",
    )
    .await;
    for name in ["author", "admin2", "modo2"] {
        let u = t
            .get_json(&format!("/api/v1/users/{}", ids[name]), Some(&root))
            .await;
        assert_eq!(u["blocked"], false, "{name}: {u}");
    }
    assert_eq!(t.me(&author).await["username"], "author");

    let r = post(
        &t,
        &ban("author"),
        &modo,
        json!({ "reason": "spamming everyone" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    let u = t
        .get_json(&format!("/api/v1/users/{}", ids["author"]), Some(&root))
        .await;
    assert_eq!(
        (u["blocked"].clone(), u["blockedReason"].clone()),
        (json!(true), json!("spamming everyone"))
    );
    let banned = t.get_json("/api/v1/users?blocked=true", Some(&modo)).await;
    assert_eq!(banned["total"], 1, "{banned}");
    assert_eq!(banned["data"][0]["username"], "author");
    assert_eq!(total(&t, "/api/v1/users?blocked=false", &modo).await, 5);
    assert_problem(
        t.get("/api/v1/users/me", Some(&author))
            .send()
            .await
            .expect("me"),
        401,
        "a banned user's old token",
    )
    .await;
    let (cid, csecret) = t.oauth_client().await;
    let r = t
        .token_request(&[
            ("client_id", &cid),
            ("client_secret", &csecret),
            ("grant_type", "password"),
            ("username", "author"),
            ("password", "author-password"),
        ])
        .await;
    let p = assert_problem(r, 400, "sign-in while banned").await;
    assert_eq!(p["code"], "access_denied", "{p}");
    assert_eq!(p["detail"], "User is blocked.", "{p}");
    // A banned user's videos are hidden while the ban lasts (PeerTube leaves them listed; an
    // administrator who bans expects the content gone).
    assert!(!listed(&t.get_json("/api/v1/videos", None).await, &uuid));

    let r = t
        .client
        .post(t.api(&format!("/api/v1/users/{}/unblock", ids["author"])))
        .bearer_auth(&modo)
        .send()
        .await
        .expect("unblock");
    assert_eq!(r.status(), 204);
    let u = t
        .get_json(&format!("/api/v1/users/{}", ids["author"]), Some(&root))
        .await;
    assert_eq!(
        (u["blocked"].clone(), u["blockedReason"].clone()),
        (json!(false), Value::Null)
    );
    let again = t.token("author", "author-password").await;
    assert_eq!(t.me(&again).await["username"], "author");
    assert!(
        listed(&t.get_json("/api/v1/videos", None).await, &uuid),
        "the unban lists the videos again"
    );
}

on_both_backends!(abuse_workflow, blocks_and_bans);

/// A on SQLite reports B's (PostgreSQL) video: B's moderators get the report with its reasons
/// and span. B then blocks the video with `unfederate`: A forgets it. A may block B's video for
/// itself, never unfederate it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn remote_report_and_unfederated_block() {
    let config = format!("{FEDERATION_CONFIG}{CONFIG}");
    let a = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", &config).await;
    let b = TestInstance::start_at(Backend::Postgres, "127.0.0.3", &config).await;
    let all = [&a, &b];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    let r = post(
        &a,
        "/api/v1/server/following",
        &ta,
        json!({ "hosts": [b.host] }),
    )
    .await;
    assert_eq!(r.status(), 204);
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "f.mp4", 2, 320, 240);
    let uuid = upload(&b, &tb, &clip, "far away clip").await;
    let other = upload(&b, &tb, &clip, "second far clip").await;
    for u in [&uuid, &other] {
        until(
            Duration::from_secs(60),
            "A knows B's videos",
            &all,
            || async {
                let list = a.get_json("/api/v1/videos", None).await;
                listed(&list, u).then_some(())
            },
        )
        .await;
    }

    a.create_user(&ta, "watcher", "watcher-password", 2, None)
        .await;
    let watcher = a.token("watcher", "watcher-password").await;
    let r = post(
        &a,
        "/api/v1/abuses",
        &watcher,
        json!({
            "reason": "spam from far away",
            "predefinedReasons": ["spamOrMisleading", "rights"],
            "video": { "id": uuid, "startAt": 3, "endAt": 7 },
        }),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(total(&a, "/api/v1/users/me/abuses", &watcher).await, 1);
    let got = until(
        Duration::from_secs(30),
        "the report reached B",
        &all,
        || async {
            let list = b.get_json("/api/v1/abuses", Some(&tb)).await;
            (list["total"] == 1).then(|| list["data"][0].clone())
        },
    )
    .await;
    assert_eq!(got["reason"], "spam from far away");
    assert_eq!(
        got["predefinedReasons"],
        json!(["spamOrMisleading", "rights"])
    );
    assert_eq!(got["video"]["uuid"], uuid.as_str());
    assert_eq!(
        (
            got["video"]["startAt"].clone(),
            got["video"]["endAt"].clone()
        ),
        (json!(3), json!(7))
    );
    assert_eq!(got["flaggedAccount"]["name"], "root");
    // From the reporter's own account, as PeerTube sends it.
    assert_eq!(got["reporterAccount"]["name"], "watcher", "{got}");
    assert_eq!(got["reporterAccount"]["host"], a.host.as_str(), "{got}");
    // The conversation belongs to the reporter's instance.
    let id = got["id"].as_i64().expect("id");
    assert_problem(
        post(
            &b,
            &format!("/api/v1/abuses/{id}/messages"),
            &tb,
            json!({ "message": "hello there" }),
        )
        .await,
        400,
        "a message on a remote report",
    )
    .await;

    // A blocks B's other video for itself; it cannot unfederate someone else's video.
    let block = format!("/api/v1/videos/{other}/blacklist");
    assert_problem(
        post(&a, &block, &ta, json!({ "unfederate": true })).await,
        409,
        "unfederate remote",
    )
    .await;
    assert_eq!(
        status(post(&a, &block, &ta, json!({ "reason": "not here" })).await).await,
        204
    );
    assert!(!listed(&a.get_json("/api/v1/videos", None).await, &other));
    assert!(listed(&b.get_json("/api/v1/videos", None).await, &other));

    // B blocks its own video with unfederate: A receives the Delete and forgets it.
    let r = post(
        &b,
        &format!("/api/v1/videos/{uuid}/blacklist"),
        &tb,
        json!({ "unfederate": true }),
    )
    .await;
    assert_eq!(r.status(), 204);
    let blocks = b.get_json("/api/v1/videos/blacklist", Some(&tb)).await;
    assert_eq!(blocks["data"][0]["unfederated"], true, "{blocks}");
    until(
        Duration::from_secs(30),
        "A forgot the unfederated video",
        &all,
        || async {
            let st = a
                .get(&format!("/api/v1/videos/{uuid}"), None)
                .send()
                .await
                .ok()?
                .status()
                .as_u16();
            (st == 404).then_some(())
        },
    )
    .await;

    // Its owner's edits stay home while it is unfederated.
    let r = send_json(
        &b,
        reqwest::Method::PUT,
        &format!("/api/v1/videos/{uuid}"),
        &tb,
        json!({ "name": "renamed far clip" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    for kind in ["federate-video", "activitypub-http-broadcast"] {
        b.wait_jobs_idle(&tb, kind, Duration::from_secs(30))
            .await
            .expect("B's federation jobs done");
    }
    let st = a
        .get(&format!("/api/v1/videos/{uuid}"), None)
        .send()
        .await
        .expect("get")
        .status();
    assert_eq!(st, 404, "an edit re-federated an unfederated video");

    // Lifting it sends the video again: A lists it anew.
    let r = b
        .client
        .delete(b.api(&format!("/api/v1/videos/{uuid}/blacklist")))
        .bearer_auth(&tb)
        .send()
        .await
        .expect("unblock");
    assert_eq!(r.status(), 204);
    until(
        Duration::from_secs(30),
        "A knows the video again",
        &all,
        || async {
            let list = a.get_json("/api/v1/videos", None).await;
            listed(&list, &uuid).then_some(())
        },
    )
    .await;
}

/// A ban takes the user's videos away while it lasts: B (PostgreSQL) bans vic, whose video A
/// (SQLite) follows; B hides it from everyone but its moderators and A forgets it (B's
/// Delete); the unban brings it back on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ban_withdraws_the_users_videos() {
    let config = format!("{FEDERATION_CONFIG}{CONFIG}");
    let a = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", &config).await;
    let b = TestInstance::start_at(Backend::Postgres, "127.0.0.3", &config).await;
    let all = [&a, &b];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    let r = post(
        &a,
        "/api/v1/server/following",
        &ta,
        json!({ "hosts": [b.host] }),
    )
    .await;
    assert_eq!(r.status(), 204);
    let vic_id = b.create_user(&tb, "vic", "vic-password", 2, None).await;
    let vic = b.token("vic", "vic-password").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "ban.mp4", 1, 320, 240);
    let uuid = upload(&b, &vic, &clip, "vic's clip").await;
    let wait = Duration::from_secs(60);
    let a_lists = |want: bool, what: &'static str| {
        let (a, uuid, all) = (&a, uuid.clone(), all);
        async move {
            until(wait, what, &all, || async {
                let list = a.get_json("/api/v1/videos", None).await;
                (listed(&list, &uuid) == want).then_some(())
            })
            .await
        }
    };
    a_lists(true, "A knows vic's video").await;

    let r = post(
        &b,
        &format!("/api/v1/users/{vic_id}/block"),
        &tb,
        json!({ "reason": "spam everywhere" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    // B: gone from lists and reads, but for its moderators; vic cannot sign in.
    assert!(!listed(&b.get_json("/api/v1/videos", None).await, &uuid));
    let anonymous = b.get(&format!("/api/v1/videos/{uuid}"), None).send().await;
    assert_eq!(anonymous.expect("get").status(), 401);
    let moderator = b
        .get(&format!("/api/v1/videos/{uuid}"), Some(&tb))
        .send()
        .await;
    assert_eq!(moderator.expect("get").status(), 200);
    let (client_id, client_secret) = b.oauth_client().await;
    let signin = b
        .token_request(&[
            ("client_id", &client_id),
            ("client_secret", &client_secret),
            ("grant_type", "password"),
            ("username", "vic"),
            ("password", "vic-password"),
        ])
        .await;
    assert_eq!(signin.status(), 400, "a banned user cannot sign in");
    // A: the copy is withdrawn.
    a_lists(false, "A forgets the banned user's video").await;
    let r = a.get(&format!("/api/v1/videos/{uuid}"), None).send().await;
    assert_eq!(r.expect("get").status(), 404);

    // A second ban changes nothing and sends nothing; the unban brings the video back.
    let r = post(
        &b,
        &format!("/api/v1/users/{vic_id}/unblock"),
        &tb,
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert!(listed(&b.get_json("/api/v1/videos", None).await, &uuid));
    a_lists(true, "A gets the video again after the unban").await;
}
