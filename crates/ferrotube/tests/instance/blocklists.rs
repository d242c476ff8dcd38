//! Blocklists and comment moderation over HTTP, on both backends: a user's mutes (accounts and
//! servers) hide videos and comments from that user only; the instance's blocks hide them from
//! everyone; `/blocklist/status`; comment policies (approval, disabled), approval, watched words,
//! automatic tags and review policies, the moderators' and owners' comment lists; bad input
//! refused with PeerTube's errors and nothing changed. Then two instances: a remote comment held
//! at the origin until approved (and the commenter's instance told by ApproveReply), and a
//! remote account muted by one user.

use crate::common::*;
use crate::federation::{until, FEDERATION_CONFIG};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

async fn send(
    t: &TestInstance,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = t.client.request(method, t.api(path));
    if let Some(b) = body {
        r = r.json(&b);
    }
    if let Some(tok) = token {
        r = r.bearer_auth(tok);
    }
    r.send().await.expect("request")
}

async fn post(t: &TestInstance, path: &str, token: &str, body: Value) -> reqwest::Response {
    send(t, reqwest::Method::POST, path, Some(token), Some(body)).await
}

async fn delete(t: &TestInstance, path: &str, token: &str) -> reqwest::Response {
    send(t, reqwest::Method::DELETE, path, Some(token), None).await
}

async fn status(r: reqwest::Response, want: u16, what: &str) -> Value {
    let st = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(st, want, "{what}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn upload(t: &TestInstance, token: &str, clip: &Path, name: &str, policy: i64) -> String {
    let channel = t.channel_id(token).await;
    let v = t
        .upload_resumable(
            token,
            clip,
            &json!({ "name": name, "channelId": channel, "privacy": 1, "commentsPolicy": policy }),
            1 << 20,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(token)).await;
    uuid
}

async fn listed(t: &TestInstance, token: Option<&str>) -> Vec<String> {
    let l = t.get_json("/api/v1/videos?count=100", token).await;
    l["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect()
}

/// The total and the texts of the threads of a video as `token` sees them.
async fn thread_list(t: &TestInstance, uuid: &str, token: Option<&str>) -> (u64, Vec<String>) {
    let l = t
        .get_json(&format!("/api/v1/videos/{uuid}/comment-threads"), token)
        .await;
    let data = l["data"].as_array().expect("data");
    let texts = data
        .iter()
        .filter_map(|c| c["text"].as_str().map(str::to_string))
        .collect();
    (l["total"].as_u64().unwrap_or(u64::MAX), texts)
}

/// Texts of the threads of a video as `token` sees them (nothing arriving meanwhile: the total
/// counts the same comments).
async fn threads(t: &TestInstance, uuid: &str, token: Option<&str>) -> Vec<String> {
    let (total, texts) = thread_list(t, uuid, token).await;
    assert_eq!(total, texts.len() as u64, "{texts:?}");
    texts
}

async fn comment(t: &TestInstance, uuid: &str, token: &str, text: &str) -> Value {
    let r = post(
        t,
        &format!("/api/v1/videos/{uuid}/comment-threads"),
        token,
        json!({ "text": text }),
    )
    .await;
    status(r, 200, "comment").await["comment"].clone()
}

async fn user_mutes_and_instance_blocks(backend: Backend) {
    let t = TestInstance::start(backend).await;
    let root = t.root_token().await;
    for u in ["alice", "bob", "carol"] {
        t.create_user(&root, u, &format!("{u}-password-1"), 2, None)
            .await;
    }
    let alice = t.token("alice", "alice-password-1").await;
    let bob = t.token("bob", "bob-password-1").await;
    let carol = t.token("carol", "carol-password-1").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "m.mp4", 1, 160, 120);
    let va = upload(&t, &alice, &clip, "alice video", 1).await;
    let _vb = upload(&t, &bob, &clip, "bob video", 1).await;
    comment(&t, &va, &bob, "bob says hi").await;
    let carols = comment(&t, &va, &carol, "carol says hi").await["id"].clone();
    let r = post(
        &t,
        &format!("/api/v1/videos/{va}/comments/{carols}"),
        &bob,
        json!({ "text": "bob replies" }),
    )
    .await;
    status(r, 200, "bob replies to carol").await;

    // Bob mutes Alice: her video leaves his lists (and search), not Carol's nor anyone's.
    let r = post(
        &t,
        "/api/v1/users/me/blocklist/accounts",
        &bob,
        json!({ "accountName": "alice" }),
    )
    .await;
    status(r, 204, "mute alice").await;
    assert!(!listed(&t, Some(&bob)).await.contains(&"alice video".into()));
    assert!(listed(&t, Some(&carol))
        .await
        .contains(&"alice video".into()));
    assert!(listed(&t, None).await.contains(&"alice video".into()));
    let found = t
        .get_json("/api/v1/search/videos?search=alice", Some(&bob))
        .await;
    assert_eq!(found["total"], 0, "{found}");
    let mine = t
        .get_json("/api/v1/users/me/blocklist/accounts", Some(&bob))
        .await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["data"][0]["blockedAccount"]["name"], "alice");
    assert_eq!(mine["data"][0]["byAccount"]["name"], "bob");
    let st = t
        .get_json(
            "/api/v1/blocklist/status?accounts=alice&accounts=carol&hosts=example.org",
            Some(&bob),
        )
        .await;
    assert_eq!(
        st,
        json!({
            "accounts": {
                "alice": { "blockedByServer": false, "blockedByServerSubscription": null, "blockedByUser": true },
                "carol": { "blockedByServer": false, "blockedByServerSubscription": null, "blockedByUser": false },
            },
            "hosts": {
                "example.org": { "blockedByServer": false, "blockedByServerSubscription": null, "blockedByUser": false },
            },
        })
    );
    let anon = t
        .get_json("/api/v1/blocklist/status?accounts=alice", None)
        .await;
    assert_eq!(anon["accounts"]["alice"]["blockedByUser"], false);

    // Carol mutes Bob: his comment leaves the threads she reads only.
    let r = post(
        &t,
        "/api/v1/users/me/blocklist/accounts",
        &carol,
        json!({ "accountName": "bob" }),
    )
    .await;
    status(r, 204, "mute bob").await;
    assert_eq!(threads(&t, &va, Some(&carol)).await, vec!["carol says hi"]);
    let replies = |token: Option<String>| {
        let t = &t;
        let va = va.clone();
        async move {
            let l = t
                .get_json(
                    &format!("/api/v1/videos/{va}/comment-threads"),
                    token.as_deref(),
                )
                .await;
            let root = l["data"]
                .as_array()
                .expect("data")
                .iter()
                .find(|c| c["text"] == "carol says hi")
                .cloned()
                .expect("carol's thread");
            let tree = t
                .get_json(
                    &format!("/api/v1/videos/{va}/comment-threads/{}", root["id"]),
                    token.as_deref(),
                )
                .await;
            (
                root["totalReplies"].clone(),
                tree["children"].as_array().map(Vec::len),
            )
        }
    };
    assert_eq!(
        replies(Some(carol.clone())).await,
        (json!(0), Some(0)),
        "muted replies"
    );
    assert_eq!(
        replies(None).await,
        (json!(1), Some(1)),
        "replies for others"
    );
    let all = threads(&t, &va, None).await;
    assert!(
        all.contains(&"bob says hi".into()) && all.len() == 2,
        "{all:?}"
    );

    // Bad input: refused with PeerTube's errors, nothing changed.
    let bad = [
        (json!({ "accountName": "bob" }), 409, "mute yourself"),
        (
            json!({ "accountName": "nobody" }),
            404,
            "mute an unknown account",
        ),
        (json!({}), 400, "mute without accountName"),
    ];
    for (body, code, what) in bad {
        let r = post(&t, "/api/v1/users/me/blocklist/accounts", &bob, body).await;
        assert_problem(r, code, what).await;
    }
    for (body, code, what) in [
        (json!({ "host": "not a host/" }), 400, "mute a bad host"),
        (json!({ "host": t.host.clone() }), 409, "mute our own host"),
    ] {
        let r = post(&t, "/api/v1/users/me/blocklist/servers", &bob, body).await;
        assert_problem(r, code, what).await;
    }
    let r = delete(&t, "/api/v1/users/me/blocklist/accounts/carol", &bob).await;
    assert_problem(r, 404, "unmute an account not muted").await;
    let r = delete(&t, "/api/v1/users/me/blocklist/servers/example.org", &bob).await;
    assert_problem(r, 404, "unmute a server not muted").await;
    let r = t
        .get("/api/v1/blocklist/status?hosts=bad%20host", None)
        .send()
        .await
        .expect("status");
    assert_problem(r, 400, "status of a bad host").await;
    let r = t
        .get("/api/v1/users/me/blocklist/accounts?sort=name", Some(&bob))
        .send()
        .await
        .expect("sort");
    assert_problem(r, 400, "a blocklist sorted by an unknown key").await;
    let r = t
        .get("/api/v1/users/me/blocklist/servers?count=1000", Some(&bob))
        .send()
        .await
        .expect("count");
    assert_problem(r, 400, "a blocklist page too large").await;
    let r = t
        .get("/api/v1/users/me/blocklist/accounts", None)
        .send()
        .await
        .expect("anon");
    assert_problem(r, 401, "a blocklist needs a user").await;
    let mine = t
        .get_json("/api/v1/users/me/blocklist/accounts", Some(&bob))
        .await;
    assert_eq!(mine["total"], 1, "{mine}");
    let servers = t
        .get_json("/api/v1/users/me/blocklist/servers", Some(&bob))
        .await;
    assert_eq!(servers["total"], 0, "{servers}");

    // Server mutes: listed, shown in the status, removed.
    let r = post(
        &t,
        "/api/v1/users/me/blocklist/servers",
        &bob,
        json!({ "host": "example.org" }),
    )
    .await;
    status(r, 204, "mute a server").await;
    let servers = t
        .get_json("/api/v1/users/me/blocklist/servers", Some(&bob))
        .await;
    assert_eq!(servers["data"][0]["blockedServer"]["host"], "example.org");
    let st = t
        .get_json("/api/v1/blocklist/status?hosts=example.org", Some(&bob))
        .await;
    assert_eq!(st["hosts"]["example.org"]["blockedByUser"], true, "{st}");
    let r = delete(&t, "/api/v1/users/me/blocklist/servers/example.org", &bob).await;
    status(r, 204, "unmute a server").await;

    // Unmuted, Alice's video is back for Bob.
    let r = delete(&t, "/api/v1/users/me/blocklist/accounts/alice", &bob).await;
    status(r, 204, "unmute alice").await;
    assert!(listed(&t, Some(&bob)).await.contains(&"alice video".into()));

    // The instance blocks Bob's account: his video and his comments leave everyone's lists
    // (the anonymous list is cached: the block must reach it at once).
    assert!(listed(&t, None).await.contains(&"bob video".into()));
    let r = post(
        &t,
        "/api/v1/server/blocklist/accounts",
        &root,
        json!({ "accountName": "bob" }),
    )
    .await;
    status(r, 204, "server blocks bob").await;
    assert!(!listed(&t, None).await.contains(&"bob video".into()));
    assert!(!listed(&t, Some(&alice)).await.contains(&"bob video".into()));
    assert_eq!(threads(&t, &va, None).await, vec!["carol says hi"]);
    let st = t
        .get_json("/api/v1/blocklist/status?accounts=bob", None)
        .await;
    assert_eq!(st["accounts"]["bob"]["blockedByServer"], true, "{st}");
    // The instance's lists page and sort as PeerTube's.
    let r = post(
        &t,
        "/api/v1/server/blocklist/accounts",
        &root,
        json!({ "accountName": "carol" }),
    )
    .await;
    status(r, 204, "server blocks carol").await;
    let page = t
        .get_json("/api/v1/server/blocklist/accounts?count=1", Some(&root))
        .await;
    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1), "{page}");
    let r = t
        .get("/api/v1/server/blocklist/accounts?sort=name", Some(&root))
        .send()
        .await
        .expect("sort");
    assert_problem(r, 400, "the instance's blocklist sorted by an unknown key").await;
    let r = delete(&t, "/api/v1/server/blocklist/accounts/carol", &root).await;
    status(r, 204, "server unblocks carol").await;
    let r = delete(&t, "/api/v1/server/blocklist/accounts/bob", &root).await;
    status(r, 204, "server unblocks bob").await;
    assert!(listed(&t, None).await.contains(&"bob video".into()));
    assert_eq!(threads(&t, &va, None).await.len(), 2);

    // Alice removes Bob's comments on her videos (PeerTube's bulk removal beside a mute).
    let bulk = "/api/v1/bulk/remove-comments-of";
    for (token, body, code, what) in [
        (
            &alice,
            json!({ "accountName": "bob", "scope": "everything" }),
            400,
            "a bad scope",
        ),
        (&alice, json!({ "scope": "my-videos" }), 400, "no account"),
        (
            &alice,
            json!({ "accountName": "nobody", "scope": "my-videos" }),
            404,
            "an unknown account",
        ),
        (
            &alice,
            json!({ "accountName": "bob", "scope": "instance" }),
            403,
            "the instance scope by a user",
        ),
    ] {
        let r = post(&t, bulk, token, body).await;
        assert_problem(r, code, what).await;
    }
    let bobs = t
        .get_json("/api/v1/videos/comments?searchAccount=bob", Some(&root))
        .await;
    assert_eq!(bobs["total"], 2, "nothing removed yet: {bobs}");
    let r = post(
        &t,
        bulk,
        &alice,
        json!({ "accountName": "bob", "scope": "my-videos" }),
    )
    .await;
    status(r, 204, "bulk removal").await;
    let bobs = t
        .get_json("/api/v1/videos/comments?searchAccount=bob", Some(&root))
        .await;
    assert_eq!(bobs["total"], 0, "{bobs}");
    let left = threads(&t, &va, None).await;
    assert!(
        left.contains(&"carol says hi".into()) && !left.contains(&"bob says hi".into()),
        "{left:?}"
    );
}

async fn comment_policy_and_moderation(backend: Backend) {
    let t = TestInstance::start(backend).await;
    let root = t.root_token().await;
    for u in ["alice", "bob", "carol"] {
        t.create_user(&root, u, &format!("{u}-password-1"), 2, None)
            .await;
    }
    let alice = t.token("alice", "alice-password-1").await;
    let bob = t.token("bob", "bob-password-1").await;
    let carol = t.token("carol", "carol-password-1").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "p.mp4", 1, 160, 120);
    let va = upload(&t, &alice, &clip, "needs approval", 3).await;
    let v = t.get_json(&format!("/api/v1/videos/{va}"), None).await;
    assert_eq!(v["commentsPolicy"]["id"], 3, "{v}");

    // Approval required: Bob's comment is held, seen by Bob, Alice and moderators only.
    let held = comment(&t, &va, &bob, "please approve me").await;
    assert_eq!(held["heldForReview"], true, "{held}");
    let id = held["id"].as_i64().expect("id");
    assert!(threads(&t, &va, None).await.is_empty());
    assert!(threads(&t, &va, Some(&carol)).await.is_empty());
    assert_eq!(
        threads(&t, &va, Some(&bob)).await,
        vec!["please approve me"]
    );
    assert_eq!(
        threads(&t, &va, Some(&alice)).await,
        vec!["please approve me"]
    );
    assert_eq!(threads(&t, &va, Some(&root)).await.len(), 1);
    let r = t
        .get(&format!("/api/v1/videos/{va}/comment-threads/{id}"), None)
        .send()
        .await
        .expect("thread");
    assert_problem(r, 404, "a held thread is not shown").await;
    // The owner's own comment is never held.
    let own = comment(&t, &va, &alice, "owner speaking").await;
    assert_eq!(own["heldForReview"], false, "{own}");
    let mine = t
        .get_json(
            "/api/v1/users/me/videos/comments?isHeldForReview=true",
            Some(&alice),
        )
        .await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["data"][0]["text"], "please approve me");
    assert_eq!(mine["data"][0]["heldForReview"], true);
    assert_eq!(mine["data"][0]["video"]["uuid"], va.as_str());
    let none = t
        .get_json("/api/v1/users/me/videos/comments", Some(&bob))
        .await;
    assert_eq!(none["total"], 0, "comments on Bob's videos: {none}");

    // Approval: not by Carol, not of what is not there or not held; by Alice, once.
    let approve = |cid: String| format!("/api/v1/videos/{va}/comments/{cid}/approve");
    let r = post(&t, &approve(id.to_string()), &carol, json!({})).await;
    assert_problem(r, 403, "approve on another's video").await;
    let r = post(&t, &approve("abc".into()), &alice, json!({})).await;
    assert_problem(r, 400, "approve a bad id").await;
    let r = post(&t, &approve("999999".into()), &alice, json!({})).await;
    assert_problem(r, 404, "approve an unknown comment").await;
    let own_id = own["id"].as_i64().expect("id").to_string();
    let r = post(&t, &approve(own_id), &alice, json!({})).await;
    assert_problem(r, 400, "approve a comment not held").await;
    assert!(threads(&t, &va, None).await.len() == 1);
    let r = post(&t, &approve(id.to_string()), &alice, json!({})).await;
    status(r, 204, "approve").await;
    let shown = threads(&t, &va, None).await;
    assert!(shown.contains(&"please approve me".into()), "{shown:?}");

    // Comments disabled: refused (409, as PeerTube), nothing written.
    let r = send(
        &t,
        reqwest::Method::PUT,
        &format!("/api/v1/videos/{va}"),
        Some(&alice),
        Some(json!({ "commentsPolicy": 2 })),
    )
    .await;
    status(r, 204, "disable comments").await;
    let r = post(
        &t,
        &format!("/api/v1/videos/{va}/comment-threads"),
        &bob,
        json!({ "text": "still there?" }),
    )
    .await;
    assert_problem(r, 409, "comment with comments disabled").await;
    let r = send(
        &t,
        reqwest::Method::PUT,
        &format!("/api/v1/videos/{va}"),
        Some(&alice),
        Some(json!({ "commentsPolicy": 1 })),
    )
    .await;
    status(r, 204, "enable comments").await;
    assert_eq!(threads(&t, &va, None).await.len(), 2);

    // Watched words: Alice's lists, with PeerTube's checks.
    let lists = "/api/v1/watched-words/accounts/alice/lists";
    let r = post(
        &t,
        lists,
        &alice,
        json!({ "listName": "rude", "words": ["idiot", "go away"] }),
    )
    .await;
    let list_id = status(r, 200, "add a list").await["watchedWordsList"]["id"]
        .as_i64()
        .expect("list id");
    for (body, what) in [
        (
            json!({ "listName": "rude", "words": ["x"] }),
            "a duplicate name",
        ),
        (json!({ "listName": "", "words": ["x"] }), "an empty name"),
        (json!({ "listName": "empty", "words": [] }), "no words"),
        (
            json!({ "listName": "long", "words": ["x".repeat(101)] }),
            "a word too long",
        ),
        (
            json!({ "listName": "n", "words": "idiot" }),
            "words not a list",
        ),
    ] {
        let r = post(&t, lists, &alice, body).await;
        assert_problem(r, 400, what).await;
    }
    let r = post(&t, lists, &bob, json!({ "listName": "b", "words": ["b"] })).await;
    assert_problem(r, 403, "another's lists").await;
    let r = post(
        &t,
        "/api/v1/watched-words/accounts/nobody/lists",
        &root,
        json!({ "listName": "b", "words": ["b"] }),
    )
    .await;
    assert_problem(r, 404, "an unknown account's lists").await;
    let r = delete(&t, &format!("{lists}/999999"), &alice).await;
    assert_problem(r, 404, "delete an unknown list").await;
    let got = t.get_json(lists, Some(&alice)).await;
    assert_eq!(got["total"], 1, "{got}");
    assert_eq!(got["data"][0]["listName"], "rude");
    assert_eq!(got["data"][0]["words"], json!(["idiot", "go away"]));
    let r = send(
        &t,
        reqwest::Method::PUT,
        &format!("{lists}/{list_id}"),
        Some(&alice),
        Some(json!({ "words": ["idiot", "go away", "moron"] })),
    )
    .await;
    status(r, 204, "update a list").await;
    let got = t.get_json(lists, Some(&alice)).await;
    assert_eq!(got["data"][0]["words"].as_array().map(Vec::len), Some(3));
    // A list to delete, and the instance's lists (moderators only).
    let r = post(
        &t,
        lists,
        &alice,
        json!({ "listName": "gone", "words": ["gone"] }),
    )
    .await;
    let gone = status(r, 200, "add a second list").await["watchedWordsList"]["id"].clone();
    let r = delete(&t, &format!("{lists}/{gone}"), &alice).await;
    status(r, 204, "delete a list").await;
    assert_eq!(t.get_json(lists, Some(&alice)).await["total"], 1);
    let server_lists = "/api/v1/watched-words/server/lists";
    let r = post(
        &t,
        server_lists,
        &alice,
        json!({ "listName": "spam", "words": ["buy"] }),
    )
    .await;
    assert_problem(r, 403, "the instance's lists by a user").await;
    let r = post(
        &t,
        server_lists,
        &root,
        json!({ "listName": "spam", "words": ["buy"] }),
    )
    .await;
    status(r, 200, "an instance list").await;

    // Automatic tags: what Alice can use, her review policy (known tags only).
    let av = t
        .get_json(
            "/api/v1/automatic-tags/accounts/alice/available",
            Some(&alice),
        )
        .await;
    assert_eq!(
        av["available"],
        json!([{ "name": "external-link", "type": "core" }, { "name": "rude", "type": "watched-words-list" }])
    );
    let sv = t
        .get_json("/api/v1/automatic-tags/server/available", Some(&root))
        .await;
    assert_eq!(sv["available"][1]["name"], "spam", "{sv}");
    let policy = "/api/v1/automatic-tags/policies/accounts/alice/comments";
    let r = send(
        &t,
        reqwest::Method::PUT,
        policy,
        Some(&alice),
        Some(json!({ "review": ["spam"] })),
    )
    .await;
    assert_problem(r, 400, "review a tag Alice cannot get").await;
    assert_eq!(t.get_json(policy, Some(&alice)).await["review"], json!([]));
    let r = send(
        &t,
        reqwest::Method::PUT,
        policy,
        Some(&alice),
        Some(json!({ "review": ["rude"] })),
    )
    .await;
    status(r, 204, "set the review policy").await;
    assert_eq!(
        t.get_json(policy, Some(&alice)).await["review"],
        json!(["rude"])
    );

    // A comment matching "rude" is held by the policy; its tags are listed for Alice (hers) and
    // for moderators (the instance's).
    let c = comment(&t, &va, &carol, "You IDIOT, buy at https://shop.example").await;
    assert_eq!(c["heldForReview"], true, "{c}");
    let plain = comment(&t, &va, &carol, "lovely video").await;
    assert_eq!(plain["heldForReview"], false, "{plain}");
    let tagged = t
        .get_json(
            "/api/v1/users/me/videos/comments?autoTagOneOf=rude",
            Some(&alice),
        )
        .await;
    assert_eq!(tagged["total"], 1, "{tagged}");
    assert_eq!(
        tagged["data"][0]["automaticTags"],
        json!(["external-link", "rude"])
    );
    let modlist = t
        .get_json("/api/v1/videos/comments?autoTagOneOf=spam", Some(&root))
        .await;
    assert_eq!(modlist["total"], 1, "{modlist}");
    assert_eq!(
        modlist["data"][0]["automaticTags"],
        json!(["external-link", "spam"])
    );
    let searched = t
        .get_json(
            "/api/v1/videos/comments?searchAccount=carol&isLocal=true",
            Some(&root),
        )
        .await;
    assert_eq!(searched["total"], 2, "{searched}");
    let searched = t
        .get_json("/api/v1/videos/comments?search=lovely", Some(&root))
        .await;
    assert_eq!(searched["total"], 1, "{searched}");
    // Comments of a blocked account leave the moderators' list, unless `includeMuted`.
    let r = post(
        &t,
        "/api/v1/server/blocklist/accounts",
        &root,
        json!({ "accountName": "carol" }),
    )
    .await;
    status(r, 204, "block carol").await;
    let hidden = t
        .get_json("/api/v1/videos/comments?searchAccount=carol", Some(&root))
        .await;
    assert_eq!(hidden["total"], 0, "{hidden}");
    let shown = t
        .get_json(
            "/api/v1/videos/comments?searchAccount=carol&includeMuted=true",
            Some(&root),
        )
        .await;
    assert_eq!(shown["total"], 2, "{shown}");
    let r = t
        .get("/api/v1/videos/comments", Some(&alice))
        .send()
        .await
        .expect("list");
    assert_problem(r, 403, "the moderators' list by a user").await;
    let r = t
        .get("/api/v1/videos/comments?isLocal=maybe", Some(&root))
        .send()
        .await
        .expect("list");
    assert_problem(r, 400, "a bad boolean").await;
}

on_both_backends!(
    user_mutes_and_instance_blocks,
    comment_policy_and_moderation
);

/// (a) A remote comment on an approval-required video is held at the origin, invisible to
/// others there, then approved: shown, and the commenter's instance, told by ApproveReply,
/// shows it too. (b) A user of the other instance mutes the origin's account, then its server:
/// its videos and comments disappear for that user only.
async fn remote_comment_approval_and_mutes(backend: Backend) {
    let other = match backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let (ip_a, ip_b) = match backend {
        Backend::Sqlite => ("127.0.0.31", "127.0.0.32"),
        Backend::Postgres => ("127.0.0.33", "127.0.0.34"),
    };
    let a = TestInstance::start_at(backend, ip_a, FEDERATION_CONFIG).await;
    let b = TestInstance::start_at(other, ip_b, FEDERATION_CONFIG).await;
    let all = [&a, &b];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    a.create_user(&ta, "alice", "alice-password-1", 2, None)
        .await;
    let alice = a.token("alice", "alice-password-1").await;
    b.create_user(&tb, "bob", "bob-password-1", 2, None).await;
    let bob = b.token("bob", "bob-password-1").await;
    let r = post(
        &b,
        "/api/v1/server/following",
        &tb,
        json!({ "hosts": [a.host.clone()] }),
    )
    .await;
    status(r, 204, "B follows A").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "f.mp4", 1, 160, 120);
    let uuid = upload(&a, &alice, &clip, "moderated remote", 3).await;
    until(Duration::from_secs(60), "A's video on B", &all, || async {
        let r = b
            .get(&format!("/api/v1/videos/{uuid}"), None)
            .send()
            .await
            .ok()?;
        (r.status() == 200).then_some(())
    })
    .await;
    let on_b = b.get_json(&format!("/api/v1/videos/{uuid}"), None).await;
    assert_eq!(on_b["commentsPolicy"]["id"], 3, "{on_b}");

    // Bob (on B) comments: held on B too until the origin approves.
    let held = comment(&b, &uuid, &bob, "remote words").await;
    assert_eq!(held["heldForReview"], true, "{held}");
    assert!(threads(&b, &uuid, None).await.is_empty());
    let on_a = until(
        Duration::from_secs(60),
        "the held comment at the origin",
        &all,
        || async {
            let l = a
                .get_json(
                    "/api/v1/users/me/videos/comments?isHeldForReview=true",
                    Some(&alice),
                )
                .await;
            (l["total"] == 1).then_some(l)
        },
    )
    .await;
    assert_eq!(on_a["data"][0]["text"], "remote words");
    assert_eq!(on_a["data"][0]["account"]["host"], b.host.as_str());
    assert!(
        threads(&a, &uuid, None).await.is_empty(),
        "held: invisible to others"
    );
    let cid = on_a["data"][0]["id"].as_i64().expect("id");
    let r = post(
        &a,
        &format!("/api/v1/videos/{uuid}/comments/{cid}/approve"),
        &alice,
        json!({}),
    )
    .await;
    status(r, 204, "approve the remote comment").await;
    assert_eq!(threads(&a, &uuid, None).await, vec!["remote words"]);
    // The ApproveReply reaches B: its copy is released.
    until(
        Duration::from_secs(60),
        "ApproveReply applied on B",
        &all,
        || async {
            (thread_list(&b, &uuid, None).await.1 == vec!["remote words".to_string()]).then_some(())
        },
    )
    .await;

    // A refused reply is deleted (PeerTube sends no RejectReply): the Delete from the video's
    // owner reaches the author's instance, which marks its copy deleted.
    let refused = comment(&b, &uuid, &bob, "refused words").await;
    assert_eq!(refused["heldForReview"], true, "{refused}");
    let refused_id = refused["id"].as_i64().expect("id");
    let on_a = until(
        Duration::from_secs(60),
        "the second held comment",
        &all,
        || async {
            let l = a
                .get_json(
                    "/api/v1/users/me/videos/comments?isHeldForReview=true",
                    Some(&alice),
                )
                .await;
            (l["total"] == 1).then_some(l)
        },
    )
    .await;
    let cid = on_a["data"][0]["id"].as_i64().expect("id");
    let r = delete(&a, &format!("/api/v1/videos/{uuid}/comments/{cid}"), &alice).await;
    status(r, 204, "refuse the held comment").await;
    until(
        Duration::from_secs(60),
        "the refusal applied on B",
        &all,
        || async {
            let l = b
                .get_json(
                    &format!("/api/v1/videos/{uuid}/comment-threads"),
                    Some(&bob),
                )
                .await;
            l["data"]
                .as_array()?
                .iter()
                .any(|c| c["id"] == refused_id && c["isDeleted"] == true)
                .then_some(())
        },
    )
    .await;
    assert_eq!(threads(&a, &uuid, None).await, vec!["remote words"]);

    // (b) Alice comments on her video (never held); it reaches B.
    comment(&a, &uuid, &alice, "owner note").await;
    until(
        Duration::from_secs(60),
        "Alice's comment on B",
        &all,
        || async {
            thread_list(&b, &uuid, None)
                .await
                .1
                .contains(&"owner note".to_string())
                .then_some(())
        },
    )
    .await;
    let handle = format!("alice@{}", a.host);
    let r = post(
        &b,
        "/api/v1/users/me/blocklist/accounts",
        &bob,
        json!({ "accountName": handle }),
    )
    .await;
    status(r, 204, "Bob mutes the remote Alice").await;
    assert!(!listed(&b, Some(&bob))
        .await
        .contains(&"moderated remote".into()));
    assert!(listed(&b, Some(&tb))
        .await
        .contains(&"moderated remote".into()));
    assert!(listed(&b, None).await.contains(&"moderated remote".into()));
    // (Bob also sees the tombstone of his refused comment.)
    assert_eq!(
        threads(&b, &uuid, Some(&bob)).await,
        vec!["", "remote words"]
    );
    assert_eq!(threads(&b, &uuid, None).await.len(), 2);
    let st = b
        .get_json(
            &format!("/api/v1/blocklist/status?accounts={handle}"),
            Some(&bob),
        )
        .await;
    assert_eq!(
        st["accounts"][handle.as_str()]["blockedByUser"],
        true,
        "{st}"
    );
    let r = delete(
        &b,
        &format!("/api/v1/users/me/blocklist/accounts/{handle}"),
        &bob,
    )
    .await;
    status(r, 204, "unmute").await;
    assert!(listed(&b, Some(&bob))
        .await
        .contains(&"moderated remote".into()));
    // Muting A's server hides the same for Bob only.
    let r = post(
        &b,
        "/api/v1/users/me/blocklist/servers",
        &bob,
        json!({ "host": a.host.clone() }),
    )
    .await;
    status(r, 204, "Bob mutes A").await;
    assert!(!listed(&b, Some(&bob))
        .await
        .contains(&"moderated remote".into()));
    // (Bob also sees the tombstone of his refused comment.)
    assert_eq!(
        threads(&b, &uuid, Some(&bob)).await,
        vec!["", "remote words"]
    );
    assert!(listed(&b, None).await.contains(&"moderated remote".into()));
}

on_both_backends!(remote_comment_approval_and_mutes);
