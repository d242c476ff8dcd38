//! Notifications and mail: each wired event makes PeerTube's `UserNotification` for the right
//! users (local actions in-process, remote ones delivered by a fake fediverse host), settings
//! switch kinds off, read/unread; then, against the real binary and a real SMTP server on
//! loopback (aiosmtpd), the live stream (SSE), sign-up verification and password reset
//! followed through their mailed links, tokens refused once used or expired, a notification
//! by e-mail, and a mail that waits out an SMTP server that is down.

use crate::common::*;
use crate::federation::{until, FEDERATION_CONFIG};
use ferrotube_testkit::fediverse::{key, Fediverse};
use serde_json::{json, Value};
use std::time::Duration;

async fn notifications(t: &Http, token: &str, query: &str) -> Value {
    t.get_json(
        &format!("/api/v1/users/me/notifications?{query}"),
        Some(token),
    )
    .await
}

fn of_type(list: &Value, ty: i64) -> Vec<Value> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|n| n["type"] == ty)
        .cloned()
        .collect()
}

async fn post(t: &Http, token: Option<&str>, path: &str, body: Value) -> reqwest::Response {
    let mut r = t.client.post(t.api(path)).json(&body);
    if let Some(tok) = token {
        r = r.bearer_auth(tok);
    }
    r.send().await.expect("post")
}

async fn put(t: &Http, token: &str, path: &str, body: Value) -> reqwest::Response {
    t.client
        .put(t.api(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("put")
}

/// Every PeerTube setting at `value`, but those in `except`.
fn all_settings(value: i64, except: &[(&str, i64)]) -> Value {
    let mut s = serde_json::Map::new();
    for f in [
        "abuseAsModerator",
        "videoAutoBlacklistAsModerator",
        "newUserRegistration",
        "newVideoFromSubscription",
        "blacklistOnMyVideo",
        "myVideoPublished",
        "myVideoImportFinished",
        "commentMention",
        "newCommentOnMyVideo",
        "newFollow",
        "newInstanceFollower",
        "autoInstanceFollowing",
    ] {
        s.insert(f.into(), json!(value));
    }
    for (k, v) in except {
        s.insert((*k).into(), json!(v));
    }
    Value::Object(s)
}

async fn notifications_from_local_events(backend: Backend) {
    let t = TestApp::start_with(
        backend,
        "[transcoding]\nresolutions = [144]\n[signup]\nenabled = true\n",
    )
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "n.mp4", 1, 320, 240);
    let root = t.root_token().await;
    for name in ["alice", "bob", "carol"] {
        t.create_user(&root, name, &format!("{name}-password"), 2, None)
            .await;
    }
    let alice = t.token("alice", "alice-password").await;
    let bob = t.token("bob", "bob-password").await;
    let carol = t.token("carol", "carol-password").await;

    // bob subscribes to alice's channel: alice is told (NEW_FOLLOW, 10).
    let r = post(
        &t,
        Some(&bob),
        "/api/v1/users/me/subscriptions",
        json!({ "uri": "alice_channel" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    t.run_pending_jobs().await;
    let n = notifications(&t, &alice, "").await;
    assert_eq!(n["total"], 1, "{n}");
    let follow = &n["data"][0];
    assert_eq!(follow["type"], 10, "{n}");
    assert_eq!(follow["read"], false);
    assert_eq!(follow["actorFollow"]["follower"]["name"], "bob", "{n}");
    assert_eq!(follow["actorFollow"]["following"]["type"], "channel");
    assert_eq!(follow["actorFollow"]["following"]["name"], "alice_channel");
    assert_eq!(follow["actorFollow"]["state"], "accepted");

    // alice publishes: she hears of it (MY_VIDEO_PUBLISHED, 6) and so does her subscriber bob
    // (NEW_VIDEO_FROM_SUBSCRIPTION, 1); carol follows nothing and hears nothing.
    let size = std::fs::metadata(&clip).expect("clip").len() as usize;
    let v = t
        .upload_resumable(
            &alice,
            &clip,
            &json!({ "name": "Alice's cat", "channelId": t.channel_id(&alice).await, "privacy": 1 }),
            size + 1,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    assert_eq!(notifications(&t, &bob, "").await["total"], 0);
    t.wait_published(&uuid, Some(&alice)).await;
    let n = notifications(&t, &alice, "").await;
    let published = of_type(&n, 6);
    assert_eq!(published.len(), 1, "{n}");
    assert_eq!(published[0]["video"]["uuid"], uuid.as_str());
    assert_eq!(published[0]["video"]["name"], "Alice's cat");
    assert_eq!(published[0]["video"]["channel"]["name"], "alice_channel");
    let n = notifications(&t, &bob, "").await;
    let new_video = of_type(&n, 1);
    assert_eq!((n["total"].as_i64(), new_video.len()), (Some(1), 1), "{n}");
    assert_eq!(new_video[0]["video"]["uuid"], uuid.as_str());
    assert_eq!(notifications(&t, &carol, "").await["total"], 0);

    // bob comments and mentions carol: alice (NEW_COMMENT_ON_MY_VIDEO, 2) and carol
    // (COMMENT_MENTION, 11) are told.
    let r = post(
        &t,
        Some(&bob),
        &format!("/api/v1/videos/{uuid}/comment-threads"),
        json!({ "text": "Lovely! @carol look at this" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let comment: Value = r.json().await.expect("json");
    let cid = comment["comment"]["id"].as_i64().expect("comment id");
    t.run_pending_jobs().await;
    let n = notifications(&t, &alice, "").await;
    let commented = of_type(&n, 2);
    assert_eq!(commented.len(), 1, "{n}");
    assert_eq!(commented[0]["comment"]["id"], cid);
    assert_eq!(commented[0]["comment"]["account"]["name"], "bob");
    assert_eq!(commented[0]["comment"]["video"]["uuid"], uuid.as_str());
    let n = notifications(&t, &carol, "").await;
    assert_eq!(of_type(&n, 11).len(), 1, "{n}");
    assert_eq!(n["data"][0]["comment"]["account"]["name"], "bob");

    // alice answers bob: bob is told (11); alice, who wrote it, is not.
    let r = post(
        &t,
        Some(&alice),
        &format!("/api/v1/videos/{uuid}/comments/{cid}"),
        json!({ "text": "Thanks!" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    t.run_pending_jobs().await;
    let n = notifications(&t, &bob, "").await;
    assert_eq!(of_type(&n, 11).len(), 1, "{n}");
    assert_eq!(of_type(&notifications(&t, &alice, "").await, 2).len(), 1);

    // bob reports the video: the administrator is told (NEW_ABUSE_FOR_MODERATORS, 3).
    let r = post(
        &t,
        Some(&bob),
        "/api/v1/abuses",
        json!({ "reason": "This is spam, really", "video": { "id": uuid } }),
    )
    .await;
    assert_eq!(r.status(), 200);
    t.run_pending_jobs().await;
    let n = notifications(&t, &root, "").await;
    let abuse = of_type(&n, 3);
    assert_eq!(abuse.len(), 1, "{n}");
    assert_eq!(abuse[0]["abuse"]["video"]["uuid"], uuid.as_str());

    // What other parts of the core will call: the reporter hears of a state change
    // (ABUSE_STATE_CHANGE, 15), staff of a registration request (20).
    let abuse_id = abuse[0]["abuse"]["id"].as_i64().expect("abuse id");
    ferrotube_app::notifications::notify(
        &t.instance,
        ferrotube_app::notifications::Event::AbuseStateChanged { abuse_id },
    )
    .await;
    ferrotube_app::notifications::notify(
        &t.instance,
        ferrotube_app::notifications::Event::NewRegistrationRequest {
            registration_id: 7,
            username: "erin".into(),
        },
    )
    .await;
    t.run_pending_jobs().await;
    let n = notifications(&t, &bob, "").await;
    let changed = of_type(&n, 15);
    assert_eq!(changed.len(), 1, "{n}");
    assert_eq!(changed[0]["abuse"]["id"], abuse_id);
    let n = notifications(&t, &root, "").await;
    let request = of_type(&n, 20);
    assert_eq!(request.len(), 1, "{n}");
    assert_eq!(
        request[0]["registration"],
        json!({ "id": 7, "username": "erin" })
    );

    // Without SMTP: e-mail is said disabled and a reset asked for sends nothing (still 204).
    let c = t.get_json("/api/v1/config", None).await;
    assert_eq!(c["email"]["enabled"], false, "{}", c["email"]);
    let r = post(
        &t,
        None,
        "/api/v1/users/ask-reset-password",
        json!({ "email": "alice@example.com" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(t.run_pending_jobs().await, 0, "no mail job without SMTP");

    // dave signs up: the administrator is told (NEW_USER_REGISTRATION, 9).
    let r = post(
        &t,
        None,
        "/api/v1/users/register",
        json!({ "username": "dave", "password": "dave-password", "email": "dave@example.com" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    t.run_pending_jobs().await;
    let n = notifications(&t, &root, "").await;
    let reg = of_type(&n, 9);
    assert_eq!(reg.len(), 1, "{n}");
    assert_eq!(reg[0]["account"]["name"], "dave");

    // Read and unread. alice has 3: the follow, the publication, the comment; newest first.
    let n = notifications(&t, &alice, "unread=true").await;
    assert_eq!(n["total"], 3, "{n}");
    assert_eq!(n["data"][0]["type"], 2, "newest first: {n}");
    let oldest = notifications(&t, &alice, "sort=createdAt&count=1").await;
    assert_eq!(oldest["data"][0]["type"], 10, "{oldest}");
    assert_eq!(oldest["data"].as_array().map(Vec::len), Some(1));
    let follow_id = oldest["data"][0]["id"].as_i64().expect("id");
    // Someone else's id changes nothing.
    let r = post(
        &t,
        Some(&bob),
        "/api/v1/users/me/notifications/read",
        json!({ "ids": [follow_id] }),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(notifications(&t, &alice, "unread=true").await["total"], 3);
    let r = post(
        &t,
        Some(&alice),
        "/api/v1/users/me/notifications/read",
        json!({ "ids": [follow_id] }),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(notifications(&t, &alice, "unread=true").await["total"], 2);
    let only = notifications(&t, &alice, "typeOneOf=6&typeOneOf=2").await;
    assert_eq!(only["total"], 2, "typeOneOf: {only}");
    assert!(only["data"]
        .as_array()
        .expect("data")
        .iter()
        .all(|n| n["type"] != 10));
    let all = notifications(&t, &alice, "sort=-read").await;
    assert_eq!(all["total"], 3);
    assert_eq!(all["data"][0]["read"], true, "read first with -read: {all}");
    // Bad input: PeerTube's 400s, and nothing changes.
    for body in [
        json!({ "ids": "x" }),
        json!({ "ids": [] }),
        json!({ "ids": ["a"] }),
    ] {
        let r = post(
            &t,
            Some(&alice),
            "/api/v1/users/me/notifications/read",
            body.clone(),
        )
        .await;
        assert_problem(r, 400, &format!("read {body}")).await;
    }
    for q in ["sort=name", "unread=maybe", "count=-1", "typeOneOf=x"] {
        let r = t
            .get(&format!("/api/v1/users/me/notifications?{q}"), Some(&alice))
            .send()
            .await
            .expect("get");
        assert_problem(r, 400, q).await;
    }
    let r = t
        .get("/api/v1/users/me/notifications", None)
        .send()
        .await
        .expect("get");
    assert_problem(r, 401, "anonymous list").await;
    assert_eq!(notifications(&t, &alice, "unread=true").await["total"], 2);
    let r = post(
        &t,
        Some(&alice),
        "/api/v1/users/me/notifications/read-all",
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(notifications(&t, &alice, "unread=true").await["total"], 0);
    assert_eq!(notifications(&t, &alice, "").await["total"], 3);

    // Settings: PeerTube's defaults in /users/me; a kind switched off makes nothing.
    let me = t.me(&alice).await;
    assert_eq!(me["notificationSettings"]["newCommentOnMyVideo"], 1, "{me}");
    assert_eq!(me["notificationSettings"]["abuseAsModerator"], 3, "{me}");
    let r = put(
        &t,
        &alice,
        "/api/v1/users/me/notification-settings",
        all_settings(1, &[("newCommentOnMyVideo", 0)]),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        t.me(&alice).await["notificationSettings"]["newCommentOnMyVideo"],
        0
    );
    // A missing field or a value that is no mask is refused, and nothing changes.
    let mut missing = all_settings(3, &[]);
    missing.as_object_mut().expect("obj").remove("newFollow");
    for body in [missing, all_settings(3, &[("commentMention", 7)])] {
        let r = put(&t, &alice, "/api/v1/users/me/notification-settings", body).await;
        assert_problem(r, 400, "bad settings").await;
    }
    let me = t.me(&alice).await;
    assert_eq!(me["notificationSettings"]["newCommentOnMyVideo"], 0, "{me}");
    assert_eq!(me["notificationSettings"]["newFollow"], 1, "{me}");
    let r = post(
        &t,
        Some(&bob),
        &format!("/api/v1/videos/{uuid}/comment-threads"),
        json!({ "text": "Another one" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    t.run_pending_jobs().await;
    let n = notifications(&t, &alice, "").await;
    assert_eq!(n["total"], 3, "switched off: no new notification: {n}");
}

async fn notifications_from_remote_activities(backend: Backend) {
    let fed = Fediverse::start(
        "127.0.0.5",
        vec![vec![("alice".to_string(), key().await.expect("key"))]],
        false,
    )
    .await
    .expect("fake fediverse");
    let fake = fed.hosts[0].clone();
    let t = TestApp::start_with(
        backend,
        &format!("{FEDERATION_CONFIG}[transcoding]\nresolutions = [144]\n"),
    )
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "r.mp4", 1, 320, 240);
    let root = t.root_token().await;
    let size = std::fs::metadata(&clip).expect("clip").len() as usize;
    let v = t
        .upload_resumable(
            &root,
            &clip,
            &json!({ "name": "Root's video", "channelId": t.channel_id(&root).await, "privacy": 1 }),
            size + 1,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(&root)).await;
    let alice = fake.actor("alice");
    let inbox = format!("{}/inbox", t.url);
    let deliver = |activity: Value| {
        let fake = fake.clone();
        let inbox = inbox.clone();
        async move {
            let r = fake.post("alice", &inbox, &activity).await;
            let st = r.status().as_u16();
            assert!(st == 202 || st == 204, "delivery refused: {st}");
        }
    };

    // A Mastodon user follows root's channel (10), then the instance (13).
    deliver(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/{}", fake.url, uuid::Uuid::new_v4()),
        "type": "Follow", "actor": alice,
        "object": format!("{}/video-channels/root_channel", t.url),
    }))
    .await;
    deliver(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/{}", fake.url, uuid::Uuid::new_v4()),
        "type": "Follow", "actor": alice,
        "object": format!("{}/accounts/peertube", t.url),
    }))
    .await;
    // She comments on root's video (2) and reports it (3).
    let video_url = format!("{}/videos/watch/{uuid}", t.url);
    let (_, create) = fake.note("alice", 1, &video_url, "<p>Hello from afar</p>");
    deliver(create).await;
    deliver(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/{}", fake.url, uuid::Uuid::new_v4()),
        "type": "Flag", "actor": alice, "content": "Spam, please look",
        "object": [video_url],
    }))
    .await;
    t.run_pending_jobs().await;

    let n = notifications(&t, &root, "count=20").await;
    let fake_host = fake.host.as_str();
    let follow = of_type(&n, 10);
    assert_eq!(follow.len(), 1, "{n}");
    assert_eq!(follow[0]["actorFollow"]["follower"]["name"], "alice");
    assert_eq!(follow[0]["actorFollow"]["follower"]["host"], fake_host);
    assert_eq!(
        follow[0]["actorFollow"]["following"]["name"],
        "root_channel"
    );
    let instance = of_type(&n, 13);
    assert_eq!(instance.len(), 1, "{n}");
    assert_eq!(instance[0]["actorFollow"]["following"]["type"], "instance");
    let comment = of_type(&n, 2);
    assert_eq!(comment.len(), 1, "{n}");
    assert_eq!(comment[0]["comment"]["account"]["host"], fake_host);
    assert_eq!(comment[0]["comment"]["video"]["uuid"], uuid.as_str());
    let abuse = of_type(&n, 3);
    assert_eq!(abuse.len(), 1, "{n}");
    assert_eq!(abuse[0]["abuse"]["video"]["uuid"], uuid.as_str());
}

/// Reads server-sent events from `resp` until one named `event` arrives; its data.
async fn next_event<S, B>(stream: &mut S, buf: &mut String, event: &str) -> Value
where
    S: futures::Stream<Item = reqwest::Result<B>> + Unpin,
    B: AsRef<[u8]>,
{
    use futures::StreamExt;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let mut name = "message";
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(n) = line.strip_prefix("event:") {
                    name = n.trim();
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.trim_start());
                }
            }
            if name == event {
                return serde_json::from_str(&data).expect("event data is JSON");
            }
        }
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("no {event} event within 30 s"))
            .expect("stream ended")
            .expect("stream read");
        buf.push_str(&String::from_utf8_lossy(chunk.as_ref()).replace("\r\n", "\n"));
    }
}

fn link_params(link: &str) -> (String, String) {
    let u = url::Url::parse(link).expect("link");
    let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
    (
        q.get("userId").cloned().expect("userId"),
        q.get("verificationString")
            .cloned()
            .expect("verificationString"),
    )
}

async fn mail_verification_reset_and_live_stream(backend: Backend) {
    let mail = MailServer::start("127.0.0.1");
    let config = format!(
        "{}[signup]\nenabled = true\nrequires_email_verification = true\n[user]\nreset_password_lifetime_secs = 6\n",
        mail.smtp_toml()
    );
    let t = TestInstance::start_with(backend, &config).await;
    let c = t.get_json("/api/v1/config", None).await;
    assert_eq!(c["email"]["enabled"], true, "{}", c["email"]);
    assert_eq!(c["signup"]["requiresEmailVerification"], true);
    let wait = Duration::from_secs(30);

    // Sign-up: a verification mail; no sign-in until its link is followed.
    let r = post(
        &t,
        None,
        "/api/v1/users/register",
        json!({ "username": "erin", "password": "erin-password", "email": "erin@example.com" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    let m = mail
        .wait_for("erin@example.com", "Verify your e-mail", wait)
        .await;
    assert_eq!(m.from, "tube@ferrotube.test");
    assert!(m.html.contains("<a href="), "{}", m.html);
    let link = m.link("/verify-account/email").expect("verification link");
    assert!(link.starts_with(&t.url), "{link}");
    let (client_id, client_secret) = t.oauth_client().await;
    let r = t
        .token_request(&[
            ("client_id", &client_id),
            ("client_secret", &client_secret),
            ("grant_type", "password"),
            ("username", "erin"),
            ("password", "erin-password"),
        ])
        .await;
    let p = assert_problem(r, 400, "sign-in before verification").await;
    assert_eq!(p["detail"], "User email is not verified.", "{p}");
    assert_eq!(p["code"], "access_denied", "{p}");
    // The link opens our page, which posts the secret to the API (as here).
    let page = t.client.get(&link).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("verify-email"));
    let (uid, secret) = link_params(&link);
    let verify = format!("/api/v1/users/{uid}/verify-email");
    let r = post(&t, None, &verify, json!({ "verificationString": "wrong" })).await;
    let p = assert_problem(r, 403, "wrong verification string").await;
    assert_eq!(p["detail"], "Invalid verification string.");
    let r = post(&t, None, &verify, json!({ "verificationString": secret })).await;
    assert_eq!(r.status(), 204);
    let r = post(&t, None, &verify, json!({ "verificationString": secret })).await;
    assert_problem(r, 403, "verification string used twice").await;
    let r = post(
        &t,
        None,
        "/api/v1/users/999999/verify-email",
        json!({ "verificationString": secret }),
    )
    .await;
    assert_problem(r, 404, "unknown user").await;
    let erin = t.token("erin", "erin-password").await;
    assert_eq!(t.me(&erin).await["emailVerified"], true);

    // The live stream: hello with the unread count, then each new notification as it is made.
    // erin wants follows by mail too.
    let r = put(
        &t,
        &erin,
        "/api/v1/users/me/notification-settings",
        all_settings(1, &[("newFollow", 3)]),
    )
    .await;
    assert_eq!(r.status(), 204);
    let resp = t
        .get("/api/v1/users/me/notifications/stream", Some(&erin))
        .send()
        .await
        .expect("stream");
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "content-type")
        .unwrap_or_default()
        .starts_with("text/event-stream"));
    let mut stream = Box::pin(resp.bytes_stream());
    let mut buf = String::new();
    let hello = next_event(&mut stream, &mut buf, "hello").await;
    assert_eq!(hello["unreadCount"], 0, "{hello}");
    let r = t
        .get("/api/v1/users/me/notifications/stream", None)
        .send()
        .await
        .expect("stream");
    assert_problem(r, 401, "anonymous stream").await;
    let root = t.root_token().await;
    let r = post(
        &t,
        Some(&root),
        "/api/v1/users/me/subscriptions",
        json!({ "uri": "erin_channel" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    let pushed = next_event(&mut stream, &mut buf, "notification").await;
    assert_eq!(pushed["type"], 10, "{pushed}");
    assert_eq!(pushed["actorFollow"]["follower"]["name"], "root");
    let listed = notifications(&t, &erin, "").await;
    assert_eq!(listed["data"][0]["id"], pushed["id"], "{listed}");
    // The e-mail bit: the same notification arrives by mail.
    let m = mail.wait_for("erin@example.com", "follows", wait).await;
    assert!(
        m.text.contains("erin_channel") || m.text.contains("Main erin channel"),
        "{}",
        m.text
    );

    // Password reset: always 204; a mail only for a known address.
    let ask = "/api/v1/users/ask-reset-password";
    let r = post(&t, None, ask, json!({ "email": "nobody@example.com" })).await;
    assert_eq!(r.status(), 204);
    let r = post(&t, None, ask, json!({ "email": "not an address" })).await;
    assert_problem(r, 400, "bad address").await;
    let r = post(&t, None, ask, json!({ "email": "erin@example.com" })).await;
    assert_eq!(r.status(), 204);
    let m = mail
        .wait_for("erin@example.com", "Reset your password", wait)
        .await;
    let link = m.link("/reset-password").expect("reset link");
    let page = t.client.get(&link).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("ft-reset-form"));
    let (uid, secret) = link_params(&link);
    let reset = format!("/api/v1/users/{uid}/reset-password");
    let r = post(
        &t,
        None,
        &reset,
        json!({ "verificationString": "wrong", "password": "new-password-1" }),
    )
    .await;
    assert_problem(r, 403, "wrong reset string").await;
    let r = post(
        &t,
        None,
        &reset,
        json!({ "verificationString": secret, "password": "123" }),
    )
    .await;
    assert_problem(r, 400, "too short a password").await;
    assert!(
        t.try_login("erin", "erin-password").await.is_ok(),
        "unchanged"
    );
    let r = post(
        &t,
        None,
        &reset,
        json!({ "verificationString": secret, "password": "new-password-1" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert!(t.try_login("erin", "erin-password").await.is_err());
    assert!(t.try_login("erin", "new-password-1").await.is_ok());
    let r = post(
        &t,
        None,
        &reset,
        json!({ "verificationString": secret, "password": "new-password-2" }),
    )
    .await;
    assert_problem(r, 403, "reset string used twice").await;
    assert_eq!(mail.count("nobody@example.com", ""), 0);

    // An expired link (6 s here) is refused and changes nothing.
    let before = mail.count("erin@example.com", "Reset your password");
    let r = post(&t, None, ask, json!({ "email": "erin@example.com" })).await;
    assert_eq!(r.status(), 204);
    let start = std::time::Instant::now();
    while mail.count("erin@example.com", "Reset your password") == before {
        assert!(start.elapsed() < wait, "no second reset mail");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let m = mail
        .wait_for("erin@example.com", "Reset your password", wait)
        .await;
    let (_, secret) = link_params(&m.link("/reset-password").expect("link"));
    tokio::time::sleep(Duration::from_secs(7)).await;
    let r = post(
        &t,
        None,
        &reset,
        json!({ "verificationString": secret, "password": "new-password-3" }),
    )
    .await;
    assert_problem(r, 403, "expired reset string").await;
    assert!(t.try_login("erin", "new-password-1").await.is_ok());

    // The SMTP server goes down: the mail job retries and the mail arrives once it is back.
    let (ip, port) = (mail.host.clone(), mail.port);
    drop(mail);
    let r = post(
        &t,
        None,
        "/api/v1/users/ask-send-verify-email",
        json!({ "email": "erin@example.com" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    let start = std::time::Instant::now();
    while !t.log_tail().contains("job failed; will retry") {
        assert!(
            start.elapsed() < wait,
            "the mail job did not fail: {}",
            t.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mail = MailServer::start_on(&ip, port).expect("SMTP server back");
    mail.wait_for(
        "erin@example.com",
        "Verify your e-mail",
        Duration::from_secs(60),
    )
    .await;
}

/// Two instances: a user of A subscribes to a channel of B; B is told of the remote follower
/// (10), and a video B publishes then reaches A, whose subscriber is told (1).
async fn remote_video_from_a_subscription(backend: Backend) {
    let a = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let b = TestInstance::start_at(Backend::Sqlite, "127.0.0.3", FEDERATION_CONFIG).await;
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    let r = post(
        &a,
        Some(&ta),
        "/api/v1/users/me/subscriptions",
        json!({ "uri": format!("root_channel@{}", b.host) }),
    )
    .await;
    assert_eq!(r.status(), 204);
    let wait = Duration::from_secs(60);
    let follow = until(wait, "B told of A's subscriber", &[&a, &b], || async {
        of_type(&notifications(&b, &tb, "").await, 10).pop()
    })
    .await;
    assert_eq!(follow["actorFollow"]["follower"]["name"], "root");
    assert_eq!(follow["actorFollow"]["follower"]["host"], a.host.as_str());
    assert_eq!(follow["actorFollow"]["following"]["name"], "root_channel");
    // Wait for the follow to be accepted on A before B publishes.
    until(wait, "the subscription accepted", &[&a, &b], || async {
        let subs = a
            .get_json("/api/v1/users/me/subscriptions", Some(&ta))
            .await;
        (subs["total"] == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "f.mp4", 1, 320, 240);
    let v = b
        .upload_resumable(
            &tb,
            &clip,
            &json!({ "name": "From afar", "channelId": b.channel_id(&tb).await, "privacy": 1 }),
            1 << 20,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    let told = until(
        wait,
        "A's subscriber told of B's video",
        &[&a, &b],
        || async { of_type(&notifications(&a, &ta, "").await, 1).pop() },
    )
    .await;
    assert_eq!(told["video"]["uuid"], uuid.as_str(), "{told}");
    assert_eq!(told["video"]["name"], "From afar");
    assert_eq!(told["video"]["channel"]["host"], b.host.as_str());
    // Told once, though the video arrives again with each Update.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(of_type(&notifications(&a, &ta, "").await, 1).len(), 1);
}

/// The live stream does not outlive the token that opened it.
async fn stream_ends_with_its_token(backend: Backend) {
    let t = TestApp::start_with(backend, "[oauth]\naccess_token_lifetime_secs = 2\n").await;
    let root = t.root_token().await;
    let resp = t
        .get("/api/v1/users/me/notifications/stream", Some(&root))
        .send()
        .await
        .expect("stream");
    assert_eq!(resp.status(), 200);
    let mut stream = Box::pin(resp.bytes_stream());
    let mut buf = String::new();
    next_event(&mut stream, &mut buf, "hello").await;
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        use futures::StreamExt;
        while let Some(chunk) = stream.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(
        end.is_ok(),
        "the stream is still open after its token expired"
    );
    let r = t
        .get("/api/v1/users/me/notifications/stream", Some(&root))
        .send()
        .await
        .expect("stream");
    assert_problem(r, 401, "stream with an expired token").await;
}

/// The notifications of type `ty` of the token's user, once there is one.
async fn told(t: &TestInstance, token: &str, ty: i64, what: &str) -> Vec<Value> {
    until(Duration::from_secs(30), what, &[t], || async {
        let found = of_type(&notifications(t, token, "").await, ty);
        (!found.is_empty()).then_some(found)
    })
    .await
}

/// What the moderation and account-safety features tell people, over HTTP against the real
/// binary with a real SMTP server: a registration request tells the admins (20) and its
/// decision is mailed to the requester; a report tells the moderators (3) and a change of its
/// state tells the reporter (15); a comment held for approval tells the video's owner at once
/// (2, `heldForReview`) and the account it mentions only once it is approved (11).
async fn moderation_and_safety_events_reach_people(backend: Backend) {
    let mail = MailServer::start("127.0.0.1");
    let config = format!(
        "{}[signup]\nenabled = true\nlimit = -1\nrequires_approval = true\n[transcoding]\nresolutions = [144]\n",
        mail.smtp_toml()
    );
    let t = TestInstance::start_with(backend, &config).await;
    let root = t.root_token().await;
    let wait = Duration::from_secs(30);
    // A registration request: the admin is told, and each decision is mailed.
    for (name, decision) in [("sam", "accept"), ("tom", "reject")] {
        let r = post(
            &t,
            None,
            "/api/v1/users/registrations/request",
            json!({
                "username": name, "password": format!("{name}-password"),
                "email": format!("{name}@example.com"), "registrationReason": "I film birds",
            }),
        )
        .await;
        assert_eq!(r.status(), 200, "{name}'s request");
        let id = r.json::<Value>().await.expect("json")["id"]
            .as_i64()
            .expect("registration id");
        until(wait, "the admin told of the request", &[&t], || async {
            of_type(&notifications(&t, &root, "").await, 20)
                .iter()
                .any(|n| n["registration"]["username"] == name)
                .then_some(())
        })
        .await;
        let r = post(
            &t,
            Some(&root),
            &format!("/api/v1/users/registrations/{id}/{decision}"),
            json!({ "moderationResponse": format!("{decision}ed, {name}") }),
        )
        .await;
        assert_eq!(r.status(), 204, "{decision} {name}");
    }
    let accepted = mail.wait_for("sam@example.com", "accepted", wait).await;
    assert!(accepted.text.contains("accepted, sam"), "{}", accepted.text);
    assert!(accepted.link("/login").is_some(), "{}", accepted.text);
    let rejected = mail.wait_for("tom@example.com", "rejected", wait).await;
    assert!(rejected.text.contains("rejected, tom"), "{}", rejected.text);
    let sam = t.token("sam", "sam-password").await;

    // sam reports root's account: root (an admin) is told; the decision tells sam.
    let root_account = t.me(&root).await["account"]["id"].as_i64().expect("id");
    let r = post(
        &t,
        Some(&sam),
        "/api/v1/abuses",
        json!({ "reason": "spams everyone", "account": { "id": root_account } }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let abuse = r.json::<Value>().await.expect("json")["abuse"]["id"]
        .as_i64()
        .expect("abuse id");
    let new_abuse = told(&t, &root, 3, "the moderators told of the report").await;
    assert_eq!(new_abuse[0]["abuse"]["id"], abuse, "{new_abuse:?}");
    assert!(of_type(&notifications(&t, &sam, "").await, 15).is_empty());
    let r = put(
        &t,
        &root,
        &format!("/api/v1/abuses/{abuse}"),
        json!({ "state": 3, "moderationComment": "handled" }),
    )
    .await;
    assert_eq!(r.status(), 204);
    // The moderator's decision is in the audit log.
    let audit = t
        .get_json(
            "/api/v1/server/audit-logs?startDate=2000-01-01T00:00:00.000Z",
            Some(&root),
        )
        .await;
    let decisions: Vec<Value> = audit
        .as_array()
        .expect("audit lines")
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l["message"].as_str()?).ok())
        .filter(|e| e["domain"] == "abuse" && e["action"] == "update")
        .collect();
    assert_eq!(decisions.len(), 1, "{audit}");
    assert_eq!(decisions[0]["user"], "root", "{audit}");
    // The conversation: each side is told of the other's messages, never of its own.
    let r = post(
        &t,
        Some(&root),
        &format!("/api/v1/abuses/{abuse}/messages"),
        json!({ "message": "we are looking at it" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let to_reporter = told(&t, &sam, 16, "the reporter told of the moderator's message").await;
    assert_eq!(to_reporter[0]["abuse"]["id"], abuse, "{to_reporter:?}");
    let r = post(
        &t,
        Some(&sam),
        &format!("/api/v1/abuses/{abuse}/messages"),
        json!({ "message": "thank you" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    told(
        &t,
        &root,
        16,
        "the moderators told of the reporter's message",
    )
    .await;
    assert_eq!(
        of_type(&notifications(&t, &sam, "").await, 16).len(),
        1,
        "the reporter is not told of their own message"
    );
    let changed = told(&t, &sam, 15, "the reporter told of the decision").await;
    assert_eq!(changed[0]["abuse"]["id"], abuse, "{changed:?}");
    assert_eq!(changed[0]["abuse"]["state"], 3, "{changed:?}");

    // A comment held for approval on root's video, mentioning carl.
    t.create_user(&root, "carl", "carl-password", 2, None).await;
    let carl = t.token("carl", "carl-password").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "held.mp4", 1, 320, 240);
    let size = std::fs::metadata(&clip).expect("clip").len() as usize;
    let v = t
        .upload_resumable(
            &root,
            &clip,
            &json!({ "name": "Held", "channelId": t.channel_id(&root).await, "privacy": 1, "commentsPolicy": 3 }),
            size + 1,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(&root)).await;
    let r = post(
        &t,
        Some(&sam),
        &format!("/api/v1/videos/{uuid}/comment-threads"),
        json!({ "text": "@carl look at this" }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let comment = r.json::<Value>().await.expect("json")["comment"].clone();
    assert_eq!(comment["heldForReview"], true, "{comment}");
    let on_my_video = told(&t, &root, 2, "the owner told of the held comment").await;
    assert_eq!(
        on_my_video[0]["comment"]["heldForReview"], true,
        "{on_my_video:?}"
    );
    // The job that told root has run: carl, mentioned, was not told of a held comment.
    assert!(
        of_type(&notifications(&t, &carl, "").await, 11).is_empty(),
        "a held comment's mention is not told"
    );
    let r = post(
        &t,
        Some(&root),
        &format!("/api/v1/videos/{uuid}/comments/{}/approve", comment["id"]),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let mention = told(&t, &carl, 11, "the mention told once approved").await;
    assert_eq!(mention[0]["comment"]["id"], comment["id"], "{mention:?}");
    assert_eq!(
        of_type(&notifications(&t, &root, "").await, 2).len(),
        1,
        "the owner is not told twice"
    );
}

on_both_backends!(
    moderation_and_safety_events_reach_people,
    notifications_from_local_events,
    notifications_from_remote_activities,
    mail_verification_reset_and_live_stream,
    remote_video_from_a_subscription,
    stream_ends_with_its_token,
);
