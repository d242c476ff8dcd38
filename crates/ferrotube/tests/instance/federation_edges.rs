//! Federation edge cases against a fake fediverse server (the test kit's, one host): an axum
//! app on 127.0.0.5 that serves Mastodon-like `Person` actors (keys generated in the test),
//! WebFinger and Note objects, and records every GET it answers and every POST to its inboxes.
//! The test signs the fake's deliveries itself, so it can also forge, age or tamper with them.
//! Each scenario runs on SQLite and on PostgreSQL.

use crate::common::*;
use crate::federation::{until, FEDERATION_CONFIG};
use axum::http::{HeaderMap, Method};
use ferrotube_federation::{
    verify_digest, IncomingSignature, PrivateKey, PublicKey, VerifyOptions,
};
use ferrotube_testkit::fediverse::{key, FakeHost, Fediverse, Received, AP, PUBLIC};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// What a remote actor has to wait for: jobs, deliveries, retries. Generous, never reached
/// when things work.
const WAIT: Duration = Duration::from_secs(30);

/// The fake server (one host of the kit's fake fediverse, on 127.0.0.5): `alice` and `bob` are
/// its users; `mallory` is a key nobody publishes.
struct Fake {
    fed: Arc<Fediverse>,
    s: Arc<FakeHost>,
    mallory: PrivateKey,
}

impl std::ops::Deref for Fake {
    type Target = FakeHost;
    fn deref(&self) -> &FakeHost {
        &self.s
    }
}

impl Fake {
    async fn start() -> Fake {
        let (alice, bob, mallory) = (key(), key(), key());
        let actors = vec![
            ("alice".to_string(), alice.await.expect("alice key")),
            ("bob".to_string(), bob.await.expect("bob key")),
        ];
        let fed = Fediverse::start("127.0.0.5", vec![actors], false)
            .await
            .expect("start the fake on 127.0.0.5");
        Fake {
            s: fed.hosts[0].clone(),
            fed,
            mallory: mallory.await.expect("mallory key"),
        }
    }

    fn received(&self) -> Vec<Received> {
        self.fed.received()
    }

    fn gets(&self) -> Vec<String> {
        self.fed.gets()
    }

    /// The headers of the first GET of `path`.
    fn get_headers(&self, path: &str) -> Option<HeaderMap> {
        self.fed.get_headers(path)
    }

    /// A correct delivery of `activity` by `name`; it must be accepted.
    async fn post(&self, t: &TestInstance, name: &str, url: &str, activity: &Value) -> u16 {
        let r = self.s.post(name, url, activity).await;
        let st = r.status().as_u16();
        if !(200..300).contains(&st) {
            panic!(
                "delivery of {} refused ({st}): {}\n{}",
                activity["type"],
                r.text().await.unwrap_or_default(),
                t.log_tail()
            );
        }
        st
    }
}

/// Asserts a refused delivery: status, problem+json, a detail saying why, the refusal logged.
async fn refused(t: &TestInstance, r: reqwest::Response, status: u16, why: &str) {
    let p = assert_problem(r, status, why).await;
    let detail = p["detail"].as_str().unwrap_or("");
    assert!(detail.contains(why), "detail {detail:?} should say {why:?}");
    let log = t.log_tail();
    assert!(
        log.lines()
            .any(|l| l.contains("inbox refused a delivery") && l.contains(why)),
        "refusal ({why}) not logged:\n{log}"
    );
}

async fn ap_get(t: &TestInstance, url: &str) -> Value {
    let r = t
        .client
        .get(t.abs(url))
        .header("Accept", AP)
        .send()
        .await
        .expect("AP get");
    let st = r.status();
    let text = r.text().await.expect("body");
    assert_eq!(st, 200, "GET {url}: {text}");
    serde_json::from_str(&text).expect("AP json")
}

async fn upload(t: &TestInstance, token: &str, name: &str) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "edge.mp4", 1, 320, 240);
    let channel = t.channel_id(token).await;
    let v = t
        .upload_resumable(
            token,
            &clip,
            &json!({ "name": name, "channelId": channel, "privacy": 1 }),
            1 << 20,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(token)).await;
    uuid
}

async fn threads(t: &TestInstance, uuid: &str) -> Value {
    t.get_json(&format!("/api/v1/videos/{uuid}/comment-threads"), None)
        .await
}

async fn comment_texts(t: &TestInstance, uuid: &str) -> Vec<String> {
    threads(t, uuid).await["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["text"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn followers_total(t: &TestInstance, channel_url: &str) -> i64 {
    ap_get(t, &format!("{channel_url}/followers")).await["totalItems"]
        .as_i64()
        .expect("totalItems")
}

/// The public key an actor of the instance publishes.
async fn instance_key(t: &TestInstance, actor_url: &str) -> PublicKey {
    let doc = ap_get(t, actor_url).await;
    PublicKey::from_pem(doc["publicKey"]["publicKeyPem"].as_str().expect("pem")).expect("key")
}

/// Checks a delivery the fake received is signed by `actor_url` with `key` (Digest included).
fn assert_signed_by(r: &Received, actor_url: &str, key: &PublicKey) {
    let sig = IncomingSignature::from_request(
        &Method::POST,
        &r.path,
        &r.headers,
        &VerifyOptions::default(),
    )
    .expect("a well-formed, fresh signature");
    assert_eq!(sig.actor_url(), actor_url, "keyId {}", sig.key_id());
    verify_digest(&r.headers, &r.body).expect("Digest matches the body");
    sig.verify(key)
        .expect("signature verifies with the actor's key");
}

/// 1. Deliveries that must be refused at the door: each answers 4xx, is logged and changes
///    nothing; the valid one is applied, and applied once when delivered twice.
async fn refused_deliveries_change_nothing(backend: Backend) {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let token = t.root_token().await;
    let uuid = upload(&t, &token, "edges: refusals").await;
    let video_url = format!("{}/videos/watch/{uuid}", t.url);
    let inbox = format!("{}/inbox", t.url);
    let channel_url = format!("{}/video-channels/root_channel", t.url);
    let now = SystemTime::now;
    // Every refused Create below has the same activity id as the valid one: had any of them
    // been journaled, the valid one would be taken for a redelivery and never applied.
    let (_, valid) = fake.note("alice", 1, &video_url, "<p>the valid one</p>");
    let valid_body = serde_json::to_vec(&valid).expect("json");
    let variant = |text: &str| {
        let mut v = valid.clone();
        v["object"]["content"] = json!(format!("<p>{text}</p>"));
        v["object"]["contentMap"]["en"] = json!(format!("<p>{text}</p>"));
        serde_json::to_vec(&v).expect("json")
    };

    // Hostile bodies, correctly signed: not JSON, truncated JSON, JSON of the wrong shape, and
    // one too large to be buffered at all.
    let alice_key = fake.key("alice");
    let alice_kid = fake.key_id("alice");
    let truncated = &valid_body[..valid_body.len() / 2];
    for (body, status, why) in [
        (b"not json at all".to_vec(), 400, "body is not JSON"),
        (truncated.to_vec(), 400, "body is not JSON"),
        (b"[1, 2, 3]".to_vec(), 400, "invalid activity"),
        (
            br#"{"type": 42, "id": "x"}"#.to_vec(),
            400,
            "invalid activity",
        ),
    ] {
        let r = fake
            .post_raw(&alice_key, &alice_kid, &inbox, &body, body.clone(), now())
            .await;
        refused(&t, r, status, why).await;
    }
    let huge = vec![b' '; 2 * 1024 * 1024];
    let r = fake
        .post_raw(&alice_key, &alice_kid, &inbox, &huge, huge.clone(), now())
        .await;
    refused(&t, r, 413, "unreadable body").await;

    // No signature at all.
    let r = t
        .client
        .post(&inbox)
        .header("content-type", AP)
        .body(variant("unsigned"))
        .send()
        .await
        .expect("post");
    refused(&t, r, 403, "no Signature header").await;

    // Signed with a key that is not alice's.
    let b = variant("forged");
    let r = fake
        .post_raw(
            &fake.mallory,
            &fake.key_id("alice"),
            &inbox,
            &b,
            b.clone(),
            now(),
        )
        .await;
    refused(&t, r, 403, "signature does not verify").await;

    // A Date outside the 1800 s skew (a replayed capture).
    let b = variant("stale");
    let r = fake
        .post_raw(
            &fake.key("alice"),
            &fake.key_id("alice"),
            &inbox,
            &b,
            b.clone(),
            now() - Duration::from_secs(3600),
        )
        .await;
    refused(&t, r, 403, "away from our clock").await;

    // A valid signature over one body, another body sent.
    let r = fake
        .post_raw(
            &fake.key("alice"),
            &fake.key_id("alice"),
            &inbox,
            &valid_body,
            variant("tampered"),
            now(),
        )
        .await;
    refused(&t, r, 403, "Digest does not match the body").await;

    // From a blocked server.
    let r = t
        .client
        .post(t.api("/api/v1/server/blocklist/servers"))
        .bearer_auth(&token)
        .json(&json!({ "host": fake.s.host }))
        .send()
        .await
        .expect("block");
    assert_eq!(r.status(), 204);
    let b = variant("blocked");
    let r = fake
        .post_raw(
            &fake.key("alice"),
            &fake.key_id("alice"),
            &inbox,
            &b,
            b.clone(),
            now(),
        )
        .await;
    refused(&t, r, 403, "is blocked").await;
    let r = t
        .client
        .delete(t.api(&format!("/api/v1/server/blocklist/servers/{}", fake.s.host)))
        .bearer_auth(&token)
        .send()
        .await
        .expect("unblock");
    assert_eq!(r.status(), 204);

    // A Create whose Note lives on another host than its actor.
    let mut cross = valid.clone();
    cross["object"]["id"] = json!("http://127.0.0.9:9/users/alice/statuses/1");
    cross["object"]["content"] = json!("<p>cross-host</p>");
    let b = serde_json::to_vec(&cross).expect("json");
    let r = fake
        .post_raw(
            &fake.key("alice"),
            &fake.key_id("alice"),
            &inbox,
            &b,
            b.clone(),
            now(),
        )
        .await;
    refused(&t, r, 400, "invalid activity").await;

    // bob signs a Follow whose actor is alice (a Follow cannot be forwarded).
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/follows/spoofed", fake.s.url),
        "type": "Follow",
        "actor": fake.actor("alice"),
        "object": channel_url,
    });
    let b = serde_json::to_vec(&follow).expect("json");
    let r = fake
        .post_raw(
            &fake.key("bob"),
            &fake.key_id("bob"),
            &format!("{channel_url}/inbox"),
            &b,
            b.clone(),
            now(),
        )
        .await;
    refused(&t, r, 403, "signed a Follow").await;

    // The valid one is applied.
    assert_eq!(fake.post(&t, "alice", &inbox, &valid).await, 204);
    until(WAIT, "the valid comment applied", &[&t], || async {
        (comment_texts(&t, &uuid).await == ["the valid one"]).then_some(())
    })
    .await;
    // Delivered again (Mastodon retries): acknowledged, not applied twice. A later activity
    // applied shows the inbox has moved past the redelivery.
    assert_eq!(fake.post(&t, "alice", &inbox, &valid).await, 204);
    let (_, marker) = fake.note("alice", 2, &video_url, "<p>marker</p>");
    assert_eq!(fake.post(&t, "alice", &inbox, &marker).await, 204);
    until(WAIT, "the marker comment applied", &[&t], || async {
        comment_texts(&t, &uuid)
            .await
            .iter()
            .any(|c| c == "marker")
            .then_some(())
    })
    .await;
    let mut texts = comment_texts(&t, &uuid).await;
    texts.sort();
    assert_eq!(texts, ["marker", "the valid one"], "{texts:?}");
    let th = threads(&t, &uuid).await;
    assert_eq!(th["total"], 2, "{th}");

    // The spoofed Follow made no follower and no Accept went out. What the fake gets is the
    // video owner's `ApproveReply` of each applied comment (PeerTube 6.3+ answers every reply it
    // does not hold), and nothing for the refused deliveries.
    assert_eq!(followers_total(&t, &channel_url).await, 0);
    let approvals = until(WAIT, "the applied comments approved", &[&t], || async {
        let got: Vec<Value> = fake.received().iter().map(|r| r.json.clone()).collect();
        (got.len() >= 2).then_some(got)
    })
    .await;
    let mut approved: Vec<String> = approvals
        .iter()
        .map(|a| {
            assert_eq!(
                a["type"], "ApproveReply",
                "only approvals go out: {approvals:?}"
            );
            a["object"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    approved.sort();
    let alice = fake.actor("alice");
    assert_eq!(
        approved,
        [format!("{alice}/statuses/1"), format!("{alice}/statuses/2")],
        "one approval per applied comment: {approvals:?}"
    );
}

/// 2. A Mastodon user follows a local channel: Accept signed by the channel, new videos
///    delivered as Create{Video}, Undo{Follow} forgets the follower.
async fn mastodon_user_follows_a_local_channel(backend: Backend) {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let token = t.root_token().await;
    let channel_url = format!("{}/video-channels/root_channel", t.url);
    let alice = fake.actor("alice");
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/{}", fake.s.url, uuid::Uuid::new_v4()),
        "type": "Follow",
        "actor": alice,
        "object": channel_url,
    });
    fake.post(&t, "alice", &format!("{channel_url}/inbox"), &follow)
        .await;

    let accept = until(WAIT, "an Accept in alice's inbox", &[&t], || async {
        fake.received()
            .into_iter()
            .find(|r| r.json["type"] == "Accept")
    })
    .await;
    assert_eq!(accept.path, "/users/alice/inbox");
    assert_eq!(
        accept.json["actor"],
        channel_url.as_str(),
        "{}",
        accept.json
    );
    assert_eq!(accept.json["object"]["type"], "Follow", "{}", accept.json);
    assert_eq!(accept.json["object"]["id"], follow["id"], "{}", accept.json);
    assert_eq!(accept.json["object"]["actor"], alice.as_str());
    let channel_key = instance_key(&t, &channel_url).await;
    assert_signed_by(&accept, &channel_url, &channel_key);
    assert_eq!(followers_total(&t, &channel_url).await, 1);
    let page = ap_get(&t, &format!("{channel_url}/followers?page=1")).await;
    assert_eq!(page["orderedItems"], json!([alice]), "{page}");
    // The REST views count the accepted follows too.
    let rest = t
        .get_json("/api/v1/video-channels/root_channel", None)
        .await;
    assert_eq!(
        (&rest["followersCount"], &rest["followingCount"]),
        (&json!(1), &json!(0)),
        "{rest}"
    );
    let rest = t.get_json("/api/v1/accounts/root", None).await;
    assert_eq!(rest["followersCount"], 0, "{rest}");

    // A change of the channel's profile reaches alice as Update{Group}, signed by the channel.
    let r = t
        .client
        .put(t.api("/api/v1/video-channels/root_channel"))
        .bearer_auth(&token)
        .json(&json!({ "displayName": "Renamed channel", "description": "A new description" }))
        .send()
        .await
        .expect("update the channel");
    assert_eq!(r.status(), 204);
    let update = until(WAIT, "an Update{Group} at the fake", &[&t], || async {
        fake.received()
            .into_iter()
            .find(|r| r.json["type"] == "Update" && r.json["object"]["type"] == "Group")
    })
    .await;
    assert_eq!(
        update.json["actor"],
        channel_url.as_str(),
        "{}",
        update.json
    );
    assert_eq!(update.json["object"]["id"], channel_url.as_str());
    assert_eq!(update.json["object"]["name"], "Renamed channel");
    assert_eq!(update.json["object"]["summary"], "A new description");
    assert!(
        update.json["object"]["publicKey"]["publicKeyPem"].is_string(),
        "{}",
        update.json
    );
    assert!(
        update.json["@context"].is_array(),
        "an actor's context: {}",
        update.json
    );
    assert_signed_by(&update, &channel_url, &channel_key);

    // A new video of the channel reaches alice (through her server's shared inbox).
    let uuid = upload(&t, &token, "edges: for followers").await;
    let video_url = format!("{}/videos/watch/{uuid}", t.url);
    let create = until(WAIT, "a Create{Video} at the fake", &[&t], || async {
        fake.received().into_iter().find(|r| {
            r.json["type"] == "Create"
                && r.json["object"]["type"] == "Video"
                && r.json["object"]["uuid"] == uuid.as_str()
        })
    })
    .await;
    assert_eq!(create.path, "/inbox", "shared inbox");
    let account_url = format!("{}/accounts/root", t.url);
    assert_eq!(create.json["actor"], account_url.as_str());
    assert_signed_by(&create, &account_url, &instance_key(&t, &account_url).await);
    let video = &create.json["object"];
    assert_eq!(video["id"], video_url.as_str());
    assert_eq!(video["name"], "edges: for followers");
    let attributed = video["attributedTo"].as_array().expect("attributedTo");
    assert!(
        attributed
            .iter()
            .any(|a| a["type"] == "Group" && a["id"] == channel_url.as_str()),
        "{attributed:?}"
    );
    assert!(
        attributed
            .iter()
            .any(|a| a["type"] == "Person" && a["id"] == account_url.as_str()),
        "{attributed:?}"
    );
    let master = video["url"]
        .as_array()
        .expect("url[]")
        .iter()
        .find(|u| u["mediaType"] == "application/x-mpegURL")
        .and_then(|u| u["href"].as_str())
        .expect("an HLS master link in url[]")
        .to_string();
    assert!(
        master.starts_with(&t.url) && master.ends_with(".m3u8"),
        "{master}"
    );
    let m3u8 = t
        .client
        .get(&master)
        .send()
        .await
        .expect("master")
        .text()
        .await
        .expect("text");
    assert!(m3u8.starts_with("#EXTM3U"), "{m3u8}");

    // alice follows root's account as well: its profile change reaches her as Update{Person}.
    let follow_account = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/{}", fake.s.url, uuid::Uuid::new_v4()),
        "type": "Follow",
        "actor": alice,
        "object": account_url,
    });
    fake.post(
        &t,
        "alice",
        &format!("{account_url}/inbox"),
        &follow_account,
    )
    .await;
    until(WAIT, "root's account followed", &[&t], || async {
        let rest = t.get_json("/api/v1/accounts/root", None).await;
        (rest["followersCount"] == 1).then_some(())
    })
    .await;
    let r = t
        .client
        .put(t.api("/api/v1/users/me"))
        .bearer_auth(&token)
        .json(&json!({ "displayName": "Root renamed", "description": "About root" }))
        .send()
        .await
        .expect("update the profile");
    assert_eq!(r.status(), 204);
    let update = until(WAIT, "an Update{Person} at the fake", &[&t], || async {
        fake.received()
            .into_iter()
            .find(|r| r.json["type"] == "Update" && r.json["object"]["type"] == "Person")
    })
    .await;
    assert_eq!(
        update.json["actor"],
        account_url.as_str(),
        "{}",
        update.json
    );
    assert_eq!(update.json["object"]["id"], account_url.as_str());
    assert_eq!(update.json["object"]["name"], "Root renamed");
    assert_eq!(update.json["object"]["summary"], "About root");
    assert_signed_by(&update, &account_url, &instance_key(&t, &account_url).await);

    // Undo{Follow}: alice is no longer a follower.
    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}#follows/1/undo"),
        "type": "Undo",
        "actor": alice,
        "object": {
            "id": follow["id"],
            "type": "Follow",
            "actor": alice,
            "object": channel_url,
        },
    });
    fake.post(&t, "alice", &format!("{}/inbox", t.url), &undo)
        .await;
    until(WAIT, "follower removed", &[&t], || async {
        (followers_total(&t, &channel_url).await == 0).then_some(())
    })
    .await;
}

/// 3. Mastodon replies become comments (HTML stripped, remote account), replies to them thread
///    under them, a forwarded reply is believed as its origin serves it, and a Delete with a
///    Tombstone marks the comment deleted.
async fn mastodon_replies_become_comments(backend: Backend) {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let token = t.root_token().await;
    let uuid = upload(&t, &token, "edges: comments").await;
    let video_url = format!("{}/videos/watch/{uuid}", t.url);
    let inbox = format!("{}/inbox", t.url);

    let html = format!(
        "<p><span class=\"h-card\"><a href=\"{}/accounts/root\" class=\"u-url mention\">@<span>root</span></a></span> Nice video &amp; thanks<br />second line</p>",
        t.url
    );
    let (note1, create1) = fake.note("alice", 100, &video_url, &html);
    fake.post(&t, "alice", &inbox, &create1).await;
    let root = until(WAIT, "alice's comment", &[&t], || async {
        let th = threads(&t, &uuid).await;
        let first = th["data"].as_array()?.first()?.clone();
        Some(first)
    })
    .await;
    assert_eq!(
        root["text"], "@root Nice video & thanks\nsecond line",
        "{root}"
    );
    assert_eq!(root["account"]["host"], fake.s.host.as_str(), "{root}");
    assert_eq!(root["account"]["name"], "alice", "{root}");
    let root_id = root["id"].as_i64().expect("id");

    // bob answers alice's status: the reply threads under her comment.
    let (_, create2) = fake.note(
        "bob",
        200,
        note1["id"].as_str().expect("id"),
        "<p>I agree</p>",
    );
    fake.post(&t, "bob", &inbox, &create2).await;
    let thread_path = format!("/api/v1/videos/{uuid}/comment-threads/{root_id}");
    let child = until(WAIT, "bob's reply in alice's thread", &[&t], || async {
        let tree = t.get_json(&thread_path, None).await;
        let c = tree["children"].as_array()?.first()?.clone();
        Some(c)
    })
    .await;
    assert_eq!(child["comment"]["text"], "I agree", "{child}");
    assert_eq!(child["comment"]["account"]["name"], "bob", "{child}");
    assert_eq!(child["comment"]["account"]["host"], fake.s.host.as_str());
    assert_eq!(child["comment"]["inReplyToCommentId"], root_id);

    // root answers alice here: her server gets the reply (PeerTube delivers a reply to the
    // authors of the comments it answers), or she never sees it.
    let r = t
        .client
        .post(t.api(&format!("/api/v1/videos/{uuid}/comments/{root_id}")))
        .bearer_auth(&token)
        .json(&json!({ "text": "thanks alice" }))
        .send()
        .await
        .expect("reply");
    assert_eq!(r.status(), 200);
    let reply = until(
        WAIT,
        "root's reply delivered to alice's server",
        &[&t],
        || async {
            fake.received().into_iter().find(|r| {
                r.json["type"] == "Create" && r.json["object"]["inReplyTo"] == note1["id"]
            })
        },
    )
    .await;
    assert_eq!(
        reply.json["object"]["content"], "thanks alice",
        "{}",
        reply.json
    );
    // It mentions her, as PeerTube's replies do: Mastodon notifies only the mentioned.
    let mention = json!({
        "type": "Mention",
        "href": fake.actor("alice"),
        "name": format!("@alice@{}", fake.s.host),
    });
    assert!(
        reply.json["object"]["tag"]
            .as_array()
            .is_some_and(|t| t.contains(&mention)),
        "no Mention of alice: {}",
        reply.json
    );
    let account_url = format!("{}/accounts/root", t.url);
    assert_signed_by(&reply, &account_url, &instance_key(&t, &account_url).await);

    // bob forwards alice's next status with a doctored copy: the origin's copy wins.
    let (note3, mut create3) =
        fake.note("alice", 300, &video_url, "<p>as the origin serves it</p>");
    create3["object"]["content"] = json!("<p>doctored by bob</p>");
    create3["object"]["contentMap"]["en"] = json!("<p>doctored by bob</p>");
    fake.post(&t, "bob", &inbox, &create3).await;
    until(WAIT, "the forwarded status applied", &[&t], || async {
        comment_texts(&t, &uuid)
            .await
            .iter()
            .any(|c| c == "as the origin serves it")
            .then_some(())
    })
    .await;
    assert!(!comment_texts(&t, &uuid)
        .await
        .iter()
        .any(|c| c.contains("doctored")));
    let note3_path = note3["id"]
        .as_str()
        .and_then(|i| i.strip_prefix(&fake.s.url))
        .expect("path")
        .to_string();
    assert!(
        fake.gets().contains(&note3_path),
        "the instance should have fetched {note3_path}: {:?}",
        fake.gets()
    );

    // A Mastodon reply to a comment written here threads under it.
    let r = t
        .client
        .post(t.api(&format!("/api/v1/videos/{uuid}/comment-threads")))
        .bearer_auth(&token)
        .json(&json!({ "text": "local root comment" }))
        .send()
        .await
        .expect("comment");
    assert_eq!(r.status(), 200);
    let local: Value = r.json().await.expect("json");
    let local_id = local["comment"]["id"].as_i64().expect("id");
    let local_url = local["comment"]["url"].as_str().expect("url").to_string();
    assert!(local_url.starts_with(&t.url), "{local_url}");
    let (_, create4) = fake.note("alice", 400, &local_url, "<p>replying to root</p>");
    fake.post(&t, "alice", &inbox, &create4).await;
    let local_thread = format!("/api/v1/videos/{uuid}/comment-threads/{local_id}");
    until(
        WAIT,
        "alice's reply under root's comment",
        &[&t],
        || async {
            let tree = t.get_json(&local_thread, None).await;
            (tree["children"][0]["comment"]["text"] == "replying to root").then_some(())
        },
    )
    .await;

    // A direct message (or followers-only status) replying to the video is not a public
    // comment: PeerTube accepts only Notes addressed to the public.
    let (_, mut dm) = fake.note("alice", 500, &video_url, "<p>psst, just for root</p>");
    let root_actor = json!([format!("{}/accounts/root", t.url)]);
    dm["to"] = root_actor.clone();
    dm["cc"] = json!([]);
    dm["object"]["to"] = root_actor.clone();
    dm["object"]["cc"] = json!([]);
    let (_, mut followers_only) = fake.note("alice", 501, &video_url, "<p>for my followers</p>");
    let followers = json!([format!("{}/followers", fake.actor("alice"))]);
    followers_only["to"] = followers.clone();
    followers_only["cc"] = root_actor.clone();
    followers_only["object"]["to"] = followers;
    followers_only["object"]["cc"] = root_actor;
    fake.post(&t, "alice", &inbox, &dm).await;
    fake.post(&t, "alice", &inbox, &followers_only).await;
    follow_marker(&fake, &t, 1).await;
    let texts = comment_texts(&t, &uuid).await;
    assert!(
        !texts
            .iter()
            .any(|c| c.contains("psst") || c.contains("followers")),
        "a non-public status became a public comment: {texts:?}"
    );

    // The instance signs its fetches (Mastodon's authorized fetch needs it): as its actor.
    let h = fake.get_headers(&note3_path).expect("headers");
    let sig =
        IncomingSignature::from_request(&Method::GET, &note3_path, &h, &VerifyOptions::default())
            .expect("a signed GET");
    let instance_actor = format!("{}/accounts/peertube", t.url);
    assert_eq!(sig.actor_url(), instance_actor);
    sig.verify(&instance_key(&t, &instance_actor).await)
        .expect("the GET signature verifies");

    // bob forwards a Delete of alice's status, which her server still serves: refused.
    let forged_delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#delete", note3["id"].as_str().expect("id")),
        "type": "Delete",
        "actor": fake.actor("alice"),
        "to": [PUBLIC],
        "object": { "id": note3["id"], "type": "Tombstone" },
    });
    fake.post(&t, "bob", &inbox, &forged_delete).await;

    // alice deletes her first status (Mastodon sends a Tombstone).
    let delete = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", {"ostatus": "http://ostatus.org#", "atomUri": "ostatus:atomUri"}],
        "id": format!("{}#delete", note1["id"].as_str().expect("id")),
        "type": "Delete",
        "actor": fake.actor("alice"),
        "to": [PUBLIC],
        "object": { "id": note1["id"], "type": "Tombstone", "atomUri": note1["id"] },
    });
    fake.post(&t, "alice", &inbox, &delete).await;
    let tree = until(WAIT, "alice's comment deleted", &[&t], || async {
        let tree = t.get_json(&thread_path, None).await;
        (tree["comment"]["isDeleted"] == true).then_some(tree)
    })
    .await;
    assert_eq!(tree["comment"]["text"], "", "{tree}");
    assert!(
        comment_texts(&t, &uuid)
            .await
            .iter()
            .any(|c| c == "as the origin serves it"),
        "a forwarded Delete of a status its origin still serves was applied"
    );
    assert_eq!(
        tree["children"][0]["comment"]["text"], "I agree",
        "the reply stays: {tree}"
    );
}

/// 4. Like / Dislike / Undo{Like} / View / Flag from Mastodon users.
async fn mastodon_reactions_count(backend: Backend) {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let token = t.root_token().await;
    let uuid = upload(&t, &token, "edges: reactions").await;
    let video_url = format!("{}/videos/watch/{uuid}", t.url);
    let inbox = format!("{}/inbox", t.url);
    let (alice, bob) = (fake.actor("alice"), fake.actor("bob"));
    let counts = || async {
        let v = t.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
        (
            v["likes"].as_i64().unwrap_or(-1),
            v["dislikes"].as_i64().unwrap_or(-1),
            v["views"].as_i64().unwrap_or(-1),
        )
    };
    assert_eq!(counts().await, (0, 0, 0));

    let like = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}#likes/1"),
        "type": "Like",
        "actor": alice,
        "object": video_url,
    });
    fake.post(&t, "alice", &inbox, &like).await;
    let dislike = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{bob}#dislikes/1"),
        "type": "Dislike",
        "actor": bob,
        "object": video_url,
    });
    fake.post(&t, "bob", &inbox, &dislike).await;
    until(WAIT, "a like and a dislike", &[&t], || async {
        let (l, d, _) = counts().await;
        (l == 1 && d == 1).then_some(())
    })
    .await;

    // bob's server rotates his key: his next delivery verifies after a refetch of his actor.
    fake.rotate("bob").await;
    let undo_dislike = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{bob}#dislikes/1/undo"),
        "type": "Undo",
        "actor": bob,
        "object": dislike,
    });
    fake.post(&t, "bob", &inbox, &undo_dislike).await;
    until(WAIT, "bob's dislike undone", &[&t], || async {
        let (l, d, _) = counts().await;
        (l == 1 && d == 0).then_some(())
    })
    .await;
    let mut dislike_again = dislike.clone();
    dislike_again["id"] = json!(format!("{bob}#dislikes/2"));
    fake.post(&t, "bob", &inbox, &dislike_again).await;
    until(WAIT, "bob's dislike again", &[&t], || async {
        let (l, d, _) = counts().await;
        (l == 1 && d == 1).then_some(())
    })
    .await;

    let undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}#likes/1/undo"),
        "type": "Undo",
        "actor": alice,
        "object": like,
    });
    fake.post(&t, "alice", &inbox, &undo).await;
    until(WAIT, "the like undone", &[&t], || async {
        let (l, d, _) = counts().await;
        (l == 0 && d == 1).then_some(())
    })
    .await;

    // PeerTube 6 sends a View with `expires` while someone watches (a viewer, for live
    // counts; see inbox-deliveries.json) and one without it for the view: only that one counts.
    let viewer = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}/views/{}", uuid::Uuid::new_v4()),
        "type": "View",
        "actor": alice,
        "object": video_url,
        "to": [format!("{}/accounts/root", t.url)],
        "cc": [],
        "expires": "2030-01-01T00:00:00.000Z",
    });
    fake.post(&t, "alice", &inbox, &viewer).await;
    follow_marker(&fake, &t, 2).await;
    // Read as root: an anonymous read may come from the public cache, which a view does not
    // empty.
    let views = t
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&token))
        .await["views"]
        .clone();
    assert_eq!(views, 0, "a viewer ping counted as a view");
    let view = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}/views/{}", uuid::Uuid::new_v4()),
        "type": "View",
        "actor": alice,
        "object": video_url,
    });
    fake.post(&t, "alice", &inbox, &view).await;
    until(WAIT, "the view counted", &[&t], || async {
        (counts().await.2 == 1).then_some(())
    })
    .await;

    // alice likes again (a new Like id: still one like), then changes her mind to a dislike;
    // an Undo of her earlier Like arriving after that must not remove the dislike.
    for n in [2, 3] {
        let like = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{alice}#likes/{n}"),
            "type": "Like",
            "actor": alice,
            "object": video_url,
        });
        fake.post(&t, "alice", &inbox, &like).await;
    }
    until(WAIT, "alice's like again", &[&t], || async {
        let (l, d, _) = counts().await;
        (l == 1 && d == 1).then_some(())
    })
    .await;
    let like3 = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}#likes/3"),
        "type": "Like",
        "actor": alice,
        "object": video_url,
    });
    let dislike = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}#dislikes/4"),
        "type": "Dislike",
        "actor": alice,
        "object": video_url,
    });
    fake.post(&t, "alice", &inbox, &dislike).await;
    until(WAIT, "alice's dislike", &[&t], || async {
        let (l, d, _) = counts().await;
        (l == 0 && d == 2).then_some(())
    })
    .await;
    let stale_undo = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}#likes/3/undo"),
        "type": "Undo",
        "actor": alice,
        "object": like3,
    });
    fake.post(&t, "alice", &inbox, &stale_undo).await;
    follow_marker(&fake, &t, 1).await;
    assert_eq!(
        counts().await,
        (0, 2, 1),
        "an Undo{{Like}} removed a dislike"
    );

    // Shares: the video's channel and the instance announced it when it was published (as
    // PeerTube counts them); alice's and bob's Announces add theirs, once each, and alice's
    // Undo{Announce} takes hers back.
    let shares = || async {
        ap_get(&t, &format!("{video_url}/announces")).await["totalItems"]
            .as_i64()
            .unwrap_or(-1)
    };
    until(WAIT, "our own two shares", &[&t], || async {
        (shares().await == 2).then_some(())
    })
    .await;
    let announce = |who: &str, n: u32| {
        let actor = fake.actor(who);
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/statuses/{n}/activity"),
            "type": "Announce",
            "actor": actor,
            "to": [PUBLIC],
            "cc": [format!("{actor}/followers")],
            "object": video_url,
        })
    };
    fake.post(&t, "alice", &inbox, &announce("alice", 10)).await;
    fake.post(&t, "bob", &inbox, &announce("bob", 11)).await;
    until(WAIT, "alice's and bob's shares", &[&t], || async {
        (shares().await == 4).then_some(())
    })
    .await;
    // alice boosts it again (a new Announce id): still one share of hers.
    fake.post(&t, "alice", &inbox, &announce("alice", 12)).await;
    // Inbox jobs run side by side: let the second Announce be stored before its Undo comes.
    follow_marker(&fake, &t, 30).await;
    let undo_share = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}/statuses/12/activity/undo"),
        "type": "Undo",
        "actor": alice,
        "to": [PUBLIC],
        "object": announce("alice", 12),
    });
    fake.post(&t, "alice", &inbox, &undo_share).await;
    follow_marker(&fake, &t, 3).await;
    assert_eq!(
        shares().await,
        3,
        "alice's share undone, bob's and ours stay"
    );

    let flag = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/{}", fake.s.url, uuid::Uuid::new_v4()),
        "type": "Flag",
        "actor": alice,
        "content": "Spam, please look",
        "object": [video_url],
    });
    let st = fake.post(&t, "alice", &inbox, &flag).await;
    assert!(st == 202 || st == 204, "{st}");
    let report = until(WAIT, "the report listed", &[&t], || async {
        let list = t.get_json("/api/v1/abuses", Some(&token)).await;
        list["data"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(report["reason"], "Spam, please look", "{report}");
    assert_eq!(report["video"]["uuid"], uuid.as_str(), "{report}");
    assert_eq!(report["reporterAccount"]["name"], "alice", "{report}");
    assert_eq!(
        report["reporterAccount"]["host"],
        fake.s.host.as_str(),
        "{report}"
    );
    // Redelivered: still one report.
    fake.post(&t, "alice", &inbox, &flag).await;
    let list = t.get_json("/api/v1/abuses", Some(&token)).await;
    assert_eq!(list["total"], 1, "{list}");
}

/// 5. Without `allow_private_network`, 127.0.0.5 is off limits: no follow, no key fetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn private_network_is_refused() {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", "").await;
    let token = t.root_token().await;
    let r = t
        .client
        .post(t.api("/api/v1/server/following"))
        .bearer_auth(&token)
        .json(&json!({ "hosts": [fake.s.host] }))
        .send()
        .await
        .expect("follow");
    let st = r.status().as_u16();
    assert!((400..500).contains(&st), "follow of a private host: {st}");
    let p = assert_problem(r, st, "follow of a private host").await;
    let detail = p["detail"].as_str().unwrap_or("");
    assert!(
        detail.contains("127.0.0.5") && detail.contains("refused"),
        "a detail naming the refused address: {detail:?}"
    );
    let following = t.get_json("/api/v1/server/following", None).await;
    assert_eq!(following["total"], 0, "{following}");

    let (_, create) = fake.note(
        "alice",
        1,
        &format!("{}/videos/watch/x", t.url),
        "<p>hi</p>",
    );
    let body = serde_json::to_vec(&create).expect("json");
    let r = fake
        .post_raw(
            &fake.key("alice"),
            &fake.key_id("alice"),
            &format!("{}/inbox", t.url),
            &body,
            body.clone(),
            SystemTime::now(),
        )
        .await;
    refused(&t, r, 403, "cannot get the key").await;
    assert!(
        fake.gets().is_empty(),
        "the instance fetched from the fake: {:?}",
        fake.gets()
    );
}

/// Waits until the fake has the Accept of a fresh Follow of the root channel: the inbox has
/// processed what was delivered before it (the marker the probes below wait on).
async fn follow_marker(fake: &Fake, t: &TestInstance, n: u32) {
    let channel_url = format!("{}/video-channels/root_channel", t.url);
    let id = format!("{}/marker-follows/{n}", fake.s.url);
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Follow",
        "actor": fake.actor("alice"),
        "object": channel_url,
    });
    fake.post(t, "alice", &format!("{channel_url}/inbox"), &follow)
        .await;
    until(WAIT, "the marker Follow accepted", &[t], || async {
        fake.received()
            .iter()
            .any(|r| r.json["type"] == "Accept" && r.json["object"]["id"] == id.as_str())
            .then_some(())
    })
    .await;
}

/// 6. Only its author (or the video's owner) may delete a comment: another user of the same
///    server may not.
async fn only_the_author_deletes_a_comment(backend: Backend) {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let token = t.root_token().await;
    let uuid = upload(&t, &token, "edges: delete rights").await;
    let video_url = format!("{}/videos/watch/{uuid}", t.url);
    let inbox = format!("{}/inbox", t.url);
    let (note, create) = fake.note("alice", 1, &video_url, "<p>mine</p>");
    fake.post(&t, "alice", &inbox, &create).await;
    until(WAIT, "alice's comment", &[&t], || async {
        (comment_texts(&t, &uuid).await == ["mine"]).then_some(())
    })
    .await;
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/deletes/1", fake.actor("bob")),
        "type": "Delete",
        "actor": fake.actor("bob"),
        "to": [PUBLIC],
        "object": { "id": note["id"], "type": "Tombstone" },
    });
    let st = fake.post(&t, "bob", &inbox, &delete).await;
    assert!((200..300).contains(&st));
    follow_marker(&fake, &t, 1).await;
    let th = threads(&t, &uuid).await;
    assert_eq!(
        th["data"][0]["isDeleted"], false,
        "bob deleted alice's comment: {th}"
    );
    // bob reports alice's comment instead: listed for moderators, with the comment.
    let comment_id = th["data"][0]["id"].as_i64().expect("id");
    let flag = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/{}", fake.s.url, uuid::Uuid::new_v4()),
        "type": "Flag",
        "actor": fake.actor("bob"),
        "content": "rude",
        "object": [note["id"]],
    });
    fake.post(&t, "bob", &inbox, &flag).await;
    let report = until(WAIT, "the comment report listed", &[&t], || async {
        let list = t.get_json("/api/v1/abuses", Some(&token)).await;
        list["data"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(report["comment"]["id"], comment_id, "{report}");
    assert_eq!(report["reason"], "rude", "{report}");
    assert_eq!(report["reporterAccount"]["name"], "bob", "{report}");
}

/// 7. A private video is not there for remote actors: no comment, like or view on it.
async fn private_videos_take_no_remote_interactions(backend: Backend) {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let token = t.root_token().await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "private.mp4", 1, 320, 240);
    let channel = t.channel_id(&token).await;
    let v = t
        .upload_resumable(
            &token,
            &clip,
            &json!({ "name": "edges: private", "channelId": channel, "privacy": 3 }),
            1 << 20,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(&token)).await;
    let video_url = format!("{}/videos/watch/{uuid}", t.url);
    let inbox = format!("{}/inbox", t.url);
    let alice = fake.actor("alice");
    let (_, create) = fake.note("alice", 1, &video_url, "<p>I found your private video</p>");
    fake.post(&t, "alice", &inbox, &create).await;
    let like = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}#likes/1"),
        "type": "Like",
        "actor": alice,
        "object": video_url,
    });
    fake.post(&t, "alice", &inbox, &like).await;
    let view = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{alice}/views/1"),
        "type": "View",
        "actor": alice,
        "object": video_url,
    });
    fake.post(&t, "alice", &inbox, &view).await;
    follow_marker(&fake, &t, 1).await;
    let got = t
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&token))
        .await;
    let th = t
        .get_json(
            &format!("/api/v1/videos/{uuid}/comment-threads"),
            Some(&token),
        )
        .await;
    assert_eq!(
        (&got["likes"], &got["views"], &th["total"]),
        (&json!(0), &json!(0), &json!(0)),
        "a remote actor interacted with a private video: {got}\n{th}"
    );
}

/// 8. A forwarded copy (signed by someone else) must not use up the id of the author's own
///    activity: when the author delivers it, it is applied.
async fn a_forwarded_copy_does_not_squat_the_activity_id(backend: Backend) {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let token = t.root_token().await;
    let uuid = upload(&t, &token, "edges: squatting").await;
    let video_url = format!("{}/videos/watch/{uuid}", t.url);
    let inbox = format!("{}/inbox", t.url);
    // bob sends alice's next status before it exists (the origin answers 404 for it).
    let (note, create) = fake.note("alice", 7, &video_url, "<p>alice's own words</p>");
    let path = note["id"]
        .as_str()
        .and_then(|i| i.strip_prefix(&fake.s.url))
        .expect("path")
        .to_string();
    let served = fake.unserve(&path).expect("served");
    fake.post(&t, "bob", &inbox, &create).await;
    follow_marker(&fake, &t, 1).await;
    assert!(comment_texts(&t, &uuid).await.is_empty());
    // Now alice publishes it and delivers it herself.
    fake.serve_at(&path, served);
    fake.post(&t, "alice", &inbox, &create).await;
    until(WAIT, "alice's own delivery applied", &[&t], || async {
        (comment_texts(&t, &uuid).await == ["alice's own words"]).then_some(())
    })
    .await;
    // A forwarded copy of what alice delivered is a duplicate; and a status forwarded first,
    // then delivered by alice, is one comment.
    fake.post(&t, "bob", &inbox, &create).await;
    let (_, create8) = fake.note("alice", 8, &video_url, "<p>forwarded first</p>");
    fake.post(&t, "bob", &inbox, &create8).await;
    fake.post(&t, "alice", &inbox, &create8).await;
    until(
        WAIT,
        "the forwarded-first status applied",
        &[&t],
        || async {
            comment_texts(&t, &uuid)
                .await
                .iter()
                .any(|c| c == "forwarded first")
                .then_some(())
        },
    )
    .await;
    follow_marker(&fake, &t, 2).await;
    let mut texts = comment_texts(&t, &uuid).await;
    texts.sort();
    assert_eq!(texts, ["alice's own words", "forwarded first"], "{texts:?}");
}

/// 9. A remote account's `url` in the REST API is its actor URL (what PeerTube shows and links).
/// A remote account's `url` is its actor's id (Mastodon's actors live at `/users/{name}`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn remote_account_url_is_its_actor_url() {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(Backend::Sqlite, "127.0.0.2", FEDERATION_CONFIG).await;
    let token = t.root_token().await;
    let uuid = upload(&t, &token, "edges: account url").await;
    let video_url = format!("{}/videos/watch/{uuid}", t.url);
    let (_, create) = fake.note("alice", 1, &video_url, "<p>hello</p>");
    fake.post(&t, "alice", &format!("{}/inbox", t.url), &create)
        .await;
    let c = until(WAIT, "alice's comment", &[&t], || async {
        threads(&t, &uuid).await["data"]
            .as_array()?
            .first()
            .cloned()
    })
    .await;
    assert_eq!(c["account"]["url"], fake.actor("alice").as_str(), "{c}");
}

/// A PeerTube-like channel (`Group`) of a fake user, served by the fake.
fn serve_channel(fake: &Fake, owner: &str) -> String {
    let id = format!("{}/video-channels/{owner}_channel", fake.s.url);
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Group",
        "preferredUsername": format!("{owner}_channel"),
        "name": format!("{owner}'s channel"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "attributedTo": [{ "type": "Person", "id": fake.actor(owner) }],
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": fake.key(owner).public_key().to_pem().expect("pem"),
        },
        "endpoints": { "sharedInbox": format!("{}/inbox", fake.s.url) },
    });
    fake.serve(&doc);
    id
}

/// PeerTube's sample Video moved onto the fake: `account` in `channel`.
fn fake_video(fake: &Fake, uuid: &str, name: &str, account: &str, channel: &str) -> Value {
    // PeerTube 6.3's own output (/work/shared/peertube/samples/activitypub/video.json).
    let sample = include_str!("../data/activitypub/video.json");
    let sample = sample
        .replace("http://localhost:9000", &fake.s.url)
        .replace("localhost:9000", &fake.s.host)
        .replace("92898c59-7abe-4bab-8383-e66da1715dff", uuid);
    let mut v: Value = serde_json::from_str(&sample).expect("json");
    v["name"] = json!(name);
    v["attributedTo"] = json!([
        { "type": "Person", "id": account },
        { "type": "Group", "id": channel },
    ]);
    v["cc"] = json!([format!("{account}/followers")]);
    v
}

fn video_activity(kind: &str, actor: &str, video: &Value, n: u32) -> Value {
    let mut object = video.clone();
    if let Some(o) = object.as_object_mut() {
        o.remove("@context");
    }
    json!({
        "@context": video["@context"],
        "id": format!("{actor}/activities/{kind}/{n}"),
        "type": kind,
        "actor": actor,
        "to": [PUBLIC],
        "cc": [format!("{actor}/followers")],
        "object": object,
    })
}

/// 9. A video of a remote server may only be created, updated or deleted by its owner: another
///    user of the same server can neither rewrite it, move it into their channel, nor delete it.
async fn only_the_owner_changes_a_remote_video(backend: Backend) {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let inbox = format!("{}/inbox", t.url);
    let (alice, bob) = (fake.actor("alice"), fake.actor("bob"));
    let (alice_channel, bob_channel) = (serve_channel(&fake, "alice"), serve_channel(&fake, "bob"));
    let uuid = uuid::Uuid::new_v4().to_string();
    let video = fake_video(&fake, &uuid, "alice's video", &alice, &alice_channel);
    let video_id = video["id"].as_str().expect("id").to_string();
    fake.serve(&video);
    fake.post(
        &t,
        "alice",
        &inbox,
        &video_activity("Create", &alice, &video, 1),
    )
    .await;
    let name = || async {
        let r = t
            .get(&format!("/api/v1/videos/{uuid}"), None)
            .send()
            .await
            .ok()?;
        if r.status() != 200 {
            return None;
        }
        let v: Value = r.json().await.ok()?;
        Some((
            v["name"].as_str().unwrap_or("").to_string(),
            v["channel"]["name"].as_str().unwrap_or("").to_string(),
        ))
    };
    let got = until(WAIT, "alice's video stored", &[&t], || async {
        name().await
    })
    .await;
    assert_eq!(
        got,
        ("alice's video".to_string(), "alice_channel".to_string())
    );

    // bob rewrites it, then moves it into his channel, then deletes it.
    let rewritten = fake_video(&fake, &uuid, "hijacked by bob", &bob, &alice_channel);
    fake.post(
        &t,
        "bob",
        &inbox,
        &video_activity("Update", &bob, &rewritten, 2),
    )
    .await;
    let moved = fake_video(&fake, &uuid, "moved by bob", &bob, &bob_channel);
    fake.post(
        &t,
        "bob",
        &inbox,
        &video_activity("Update", &bob, &moved, 3),
    )
    .await;
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{bob}/activities/delete/4"),
        "type": "Delete",
        "actor": bob,
        "to": [PUBLIC],
        "object": video_id,
    });
    fake.post(&t, "bob", &inbox, &delete).await;
    follow_marker(&fake, &t, 1).await;
    assert_eq!(
        name().await,
        Some(("alice's video".to_string(), "alice_channel".to_string())),
        "bob changed alice's video"
    );

    // A comment written here on alice's video may be removed by alice, its video's owner, as
    // PeerTube's moderation does (`Delete` of `<comment url>`, id `<comment url>/delete`).
    let token = t.root_token().await;
    let r = t
        .client
        .post(t.api(&format!("/api/v1/videos/{uuid}/comment-threads")))
        .bearer_auth(&token)
        .json(&json!({ "text": "a comment alice removes" }))
        .send()
        .await
        .expect("comment");
    assert_eq!(r.status(), 200);
    let c: Value = r.json().await.expect("json");
    let comment_url = c["comment"]["url"].as_str().expect("url").to_string();
    let moderation = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{comment_url}/delete"),
        "type": "Delete",
        "actor": alice,
        "to": [PUBLIC],
        "object": comment_url,
    });
    fake.post(&t, "alice", &inbox, &moderation).await;
    until(
        WAIT,
        "the comment removed by the video's owner",
        &[&t],
        || async {
            let th = threads(&t, &uuid).await;
            (th["data"][0]["isDeleted"] == true).then_some(())
        },
    )
    .await;

    // alice may.
    let renamed = fake_video(&fake, &uuid, "renamed by alice", &alice, &alice_channel);
    fake.post(
        &t,
        "alice",
        &inbox,
        &video_activity("Update", &alice, &renamed, 5),
    )
    .await;
    until(WAIT, "alice's update applied", &[&t], || async {
        (name().await?.0 == "renamed by alice").then_some(())
    })
    .await;
}

/// The actor document the fake serves at `url`, without `@context` (to embed in an activity).
async fn actor_document(url: &str) -> Value {
    let mut doc: Value = reqwest::Client::new()
        .get(url)
        .header("Accept", AP)
        .send()
        .await
        .expect("GET the actor")
        .json()
        .await
        .expect("actor JSON");
    if let Some(o) = doc.as_object_mut() {
        o.remove("@context");
    }
    doc
}

/// An activity of a fake channel (`Group`), signed as PeerTube signs them: keyId the channel's
/// URL, with its key (the serving user's, see `serve_channel`).
async fn post_as_channel(
    fake: &Fake,
    t: &TestInstance,
    owner: &str,
    channel: &str,
    activity: &Value,
) {
    let body = serde_json::to_vec(activity).expect("json");
    let r = fake
        .s
        .post_raw(
            &fake.key(owner),
            &format!("{channel}#main-key"),
            &format!("{}/inbox", t.url),
            &body,
            body.clone(),
            SystemTime::now(),
        )
        .await;
    assert!(
        r.status().is_success(),
        "delivery of {} refused: {}",
        activity["type"],
        r.text().await.unwrap_or_default()
    );
}

/// 10. Remote accounts and channels read by handle over REST (`name@host`, the host with its
///     port), updated by their own `Update{Person|Group}` at once, and deleted with what they
///     own by their own `Delete`; another actor of the same server can do neither.
async fn remote_actors_update_and_delete_themselves(backend: Backend) {
    let fake = Fake::start().await;
    let t = TestInstance::start_at(backend, "127.0.0.2", FEDERATION_CONFIG).await;
    let token = t.root_token().await;
    let local_uuid = upload(&t, &token, "edges: actors").await;
    let inbox = format!("{}/inbox", t.url);
    let host = fake.s.host.clone();
    let (alice, bob) = (fake.actor("alice"), fake.actor("bob"));
    let (alice_channel, bob_channel) = (serve_channel(&fake, "alice"), serve_channel(&fake, "bob"));
    let mut remote_uuids = Vec::new();
    for (n, (who, actor, channel)) in [
        ("alice", &alice, &alice_channel),
        ("bob", &bob, &bob_channel),
    ]
    .into_iter()
    .enumerate()
    {
        let uuid = uuid::Uuid::new_v4().to_string();
        let video = fake_video(&fake, &uuid, &format!("{who}'s video"), actor, channel);
        fake.serve(&video);
        fake.post(
            &t,
            who,
            &inbox,
            &video_activity("Create", actor, &video, n as u32 + 1),
        )
        .await;
        remote_uuids.push(uuid);
    }
    let status = |path: String| {
        let t = &t;
        async move {
            t.get(&path, None)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    };
    for uuid in &remote_uuids {
        until(WAIT, "the remote videos stored", &[&t], || async {
            (status(format!("/api/v1/videos/{uuid}")).await == 200).then_some(())
        })
        .await;
    }
    let local_video_url = format!("{}/videos/watch/{local_uuid}", t.url);
    let (_, create) = fake.note("alice", 1, &local_video_url, "<p>alice was here</p>");
    fake.post(&t, "alice", &inbox, &create).await;
    until(WAIT, "alice's comment", &[&t], || async {
        (comment_texts(&t, &local_uuid).await == ["alice was here"]).then_some(())
    })
    .await;

    // REST by handle, in PeerTube's shapes.
    let account = t
        .get_json(&format!("/api/v1/accounts/alice@{host}"), None)
        .await;
    assert_eq!(account["name"], "alice", "{account}");
    assert_eq!(account["host"], host.as_str(), "{account}");
    assert_eq!(account["displayName"], "ALICE of the fake", "{account}");
    assert_eq!(account["url"], alice.as_str(), "{account}");
    let channel = t
        .get_json(
            &format!("/api/v1/video-channels/alice_channel@{host}"),
            None,
        )
        .await;
    assert_eq!(channel["name"], "alice_channel", "{channel}");
    assert_eq!(channel["host"], host.as_str(), "{channel}");
    assert_eq!(channel["isLocal"], false, "{channel}");
    assert_eq!(channel["displayName"], "alice's channel", "{channel}");
    assert_eq!(channel["ownerAccount"]["name"], "alice", "{channel}");
    for path in [
        format!("/api/v1/accounts/alice@{host}/videos"),
        format!("/api/v1/video-channels/alice_channel@{host}/videos"),
    ] {
        let list = t.get_json(&path, None).await;
        assert_eq!(list["total"], 1, "{path}: {list}");
        assert_eq!(
            list["data"][0]["uuid"],
            remote_uuids[0].as_str(),
            "{path}: {list}"
        );
    }
    let channels = t
        .get_json(
            &format!("/api/v1/accounts/alice@{host}/video-channels"),
            None,
        )
        .await;
    assert_eq!(channels["total"], 1, "{channels}");
    assert_eq!(status(format!("/api/v1/accounts/nobody@{host}")).await, 404);
    assert_eq!(
        status("/api/v1/accounts/alice@elsewhere.example".into()).await,
        404
    );
    assert_eq!(
        status(format!("/api/v1/accounts/root@{}", t.host)).await,
        200
    );
    // A remote channel is changed at its origin, not here (even by an administrator).
    let r = t
        .client
        .put(t.api(&format!("/api/v1/video-channels/alice_channel@{host}")))
        .bearer_auth(&token)
        .json(&json!({ "displayName": "taken over" }))
        .send()
        .await
        .expect("PUT");
    assert_eq!(r.status(), 404);

    // bob may not rewrite alice's profile; alice may, and it shows at once.
    let mut person = actor_document(&alice).await;
    person["name"] = json!("Bob says so");
    let update = |by: &str, n: u32, object: &Value| {
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": format!("{by}/updates/{n}"),
            "type": "Update",
            "actor": by,
            "to": [PUBLIC],
            "cc": [format!("{by}/followers")],
            "object": object,
        })
    };
    fake.post(&t, "bob", &inbox, &update(&bob, 1, &person))
        .await;
    follow_marker(&fake, &t, 1).await;
    let account = t
        .get_json(&format!("/api/v1/accounts/alice@{host}"), None)
        .await;
    assert_eq!(
        account["displayName"], "ALICE of the fake",
        "bob renamed alice"
    );
    person["name"] = json!("Alice Renamed");
    person["summary"] = json!("A new bio");
    fake.post(&t, "alice", &inbox, &update(&alice, 2, &person))
        .await;
    until(WAIT, "alice's new profile", &[&t], || async {
        let a = t
            .get_json(&format!("/api/v1/accounts/alice@{host}"), None)
            .await;
        (a["displayName"] == "Alice Renamed" && a["description"] == "A new bio").then_some(())
    })
    .await;
    let mut group = actor_document(&alice_channel).await;
    group["name"] = json!("Alice's renamed channel");
    group["support"] = json!("Support me");
    post_as_channel(
        &fake,
        &t,
        "alice",
        &alice_channel,
        &update(&alice_channel, 3, &group),
    )
    .await;
    until(WAIT, "alice's channel renamed", &[&t], || async {
        let v = t
            .get_json(&format!("/api/v1/videos/{}", remote_uuids[0]), None)
            .await;
        (v["channel"]["displayName"] == "Alice's renamed channel"
            && v["account"]["displayName"] == "Alice Renamed")
            .then_some(())
    })
    .await;
    let channel = t
        .get_json(
            &format!("/api/v1/video-channels/alice_channel@{host}"),
            None,
        )
        .await;
    assert_eq!(channel["support"], "Support me", "{channel}");

    // bob may not delete alice's channel; bob's channel deletes itself (and its video, not its
    // account); alice deletes herself: her channel, video and comment go.
    let delete = |by: &str, object: &str, n: u32| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{by}/deletes/{n}"),
            "type": "Delete",
            "actor": by,
            "to": [PUBLIC],
            "object": object,
        })
    };
    fake.post(&t, "bob", &inbox, &delete(&bob, &alice_channel, 1))
        .await;
    post_as_channel(
        &fake,
        &t,
        "bob",
        &bob_channel,
        &delete(&bob_channel, &bob_channel, 2),
    )
    .await;
    until(WAIT, "bob's channel deleted", &[&t], || async {
        (status(format!("/api/v1/video-channels/bob_channel@{host}")).await == 404).then_some(())
    })
    .await;
    assert_eq!(
        status(format!("/api/v1/videos/{}", remote_uuids[1])).await,
        404
    );
    assert_eq!(status(format!("/api/v1/accounts/bob@{host}")).await, 200);
    assert_eq!(
        status(format!("/api/v1/video-channels/alice_channel@{host}")).await,
        200,
        "bob deleted alice's channel"
    );
    fake.post(&t, "alice", &inbox, &delete(&alice, &alice, 3))
        .await;
    until(WAIT, "alice deleted", &[&t], || async {
        (status(format!("/api/v1/accounts/alice@{host}")).await == 404).then_some(())
    })
    .await;
    assert_eq!(
        status(format!("/api/v1/video-channels/alice_channel@{host}")).await,
        404
    );
    assert_eq!(
        status(format!("/api/v1/videos/{}", remote_uuids[0])).await,
        404
    );
    let th = threads(&t, &local_uuid).await;
    assert_eq!(th["data"][0]["isDeleted"], true, "{th}");
    assert_eq!(status(format!("/api/v1/videos/{local_uuid}")).await, 200);
}

on_both_backends!(
    refused_deliveries_change_nothing,
    mastodon_user_follows_a_local_channel,
    mastodon_replies_become_comments,
    mastodon_reactions_count,
    only_the_author_deletes_a_comment,
    private_videos_take_no_remote_interactions,
    a_forwarded_copy_does_not_squat_the_activity_id,
    only_the_owner_changes_a_remote_video,
    remote_actors_update_and_delete_themselves,
);
