//! Watch history, syndication feeds (read back by a real parser, Python's feedparser) and the
//! sharing surface (oEmbed, OpenGraph and Twitter cards). In-process (`TestApp`), one instance
//! per backend: three uploads (public, unlisted, private) serve every check.

use crate::common::*;
use serde_json::{json, Value};
use std::io::Write as _;

/// Parses a feed with feedparser (Debian's `python3-feedparser`, `scripts/install-deps.sh
/// --test`); answers what it understood.
fn feedparse(body: &str, content_type: &str) -> Value {
    const SCRIPT: &str = r#"
import json, sys, feedparser
d = feedparser.parse(sys.stdin.buffer.read(), response_headers={"content-type": sys.argv[1]})
print(json.dumps({
    "bozo": int(bool(d.bozo)),
    "error": str(d.get("bozo_exception", "")),
    "version": d.version,
    "title": d.feed.get("title"),
    "entries": [{
        "title": e.get("title"),
        "link": e.get("link"),
        "enclosures": [{"href": x.get("href"), "type": x.get("type"), "length": x.get("length")} for x in e.get("enclosures", [])],
        "content": " ".join(c.get("value", "") for c in e.get("content", [])) or e.get("summary", ""),
    } for e in d.entries],
}))
"#;
    let mut child = std::process::Command::new("/usr/bin/python3")
        .args(["-c", SCRIPT, content_type])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run /usr/bin/python3 (scripts/install-deps.sh --test installs feedparser)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("write feed");
    let out = child.wait_with_output().expect("feedparser");
    assert!(out.status.success(), "feedparser failed on:\n{body}");
    serde_json::from_slice(&out.stdout).expect("feedparser's JSON")
}

async fn get_text(t: &TestApp, path: &str) -> (u16, String, String) {
    let r = t.get(path, None).send().await.expect(path);
    let status = r.status().as_u16();
    let ctype = header(&r, "content-type").unwrap_or_default();
    (status, ctype, r.text().await.expect("body"))
}

/// A feed that parses cleanly, in the expected version; answers feedparser's reading.
async fn valid_feed(t: &TestApp, path: &str, version: &str) -> Value {
    let (status, ctype, body) = get_text(t, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    if version == "json" {
        return json_feed(path, &ctype, &body);
    }
    let parsed = feedparse(&body, &ctype);
    assert_eq!(
        parsed["bozo"], 0,
        "{path} is not well-formed: {parsed}\n{body}"
    );
    assert!(
        parsed["version"]
            .as_str()
            .unwrap_or("")
            .starts_with(version),
        "{path}: version {} (want {version})",
        parsed["version"]
    );
    parsed
}

/// Checks a JSON Feed 1.1 document against its spec's requirements (Debian's feedparser 6.0
/// reads only XML feeds): the version URL, a title, items each with an id and a content, URLs
/// absolute; answers it in feedparser's terms (`entries[].title`).
fn json_feed(path: &str, ctype: &str, body: &str) -> Value {
    assert!(ctype.starts_with("application/json"), "{path}: {ctype}");
    let doc: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}\n{body}"));
    assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1", "{path}");
    assert!(doc["title"].is_string(), "{path}: title");
    for key in ["home_page_url", "feed_url", "icon"] {
        let u = doc[key].as_str().unwrap_or_else(|| panic!("{path}: {key}"));
        assert!(url::Url::parse(u).is_ok(), "{path}: {key} {u}");
    }
    let items = doc["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: items"));
    let mut entries = Vec::new();
    for it in items {
        assert!(it["id"].is_string(), "{path}: item id {it}");
        assert!(
            it["content_html"].is_string() || it["content_text"].is_string(),
            "{path}: item content {it}"
        );
        assert!(
            url::Url::parse(it["url"].as_str().unwrap_or("")).is_ok(),
            "{path}: {it}"
        );
        for a in it["attachments"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            assert!(
                a["url"].is_string() && a["mime_type"].is_string(),
                "{path}: {a}"
            );
        }
        assert!(it["authors"].is_array(), "{path}: authors {it}");
        entries.push(json!({ "title": it["title"], "link": it["url"] }));
    }
    json!({ "bozo": 0, "version": "json11", "entries": entries })
}

fn titles(parsed: &Value) -> Vec<String> {
    parsed["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["title"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn status_of(r: reqwest::RequestBuilder) -> u16 {
    r.send().await.expect("request").status().as_u16()
}

async fn history_feeds_and_sharing(backend: Backend) {
    let t = TestApp::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "h.mp4", 1, 160, 120);
    let root = t.root_token().await;
    let root_channel = t.channel_id(&root).await;
    let mut videos = Vec::new();
    for (name, privacy) in [
        ("Public 1 < 2 & clip", 1),
        ("Unlisted clip", 2),
        ("Private clip", 3),
    ] {
        let r = t
            .legacy_upload(
                &root,
                &clip,
                &[
                    ("name", name.to_string()),
                    ("channelId", root_channel.to_string()),
                    ("privacy", privacy.to_string()),
                    ("description", "Line one\n]]> & <b>two</b>".to_string()),
                ],
            )
            .await;
        assert_eq!(r.status(), 200, "upload {name}");
        let v: Value = r.json().await.expect("upload json");
        let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
        t.wait_published(&uuid, Some(&root)).await;
        let full = t
            .get_json(&format!("/api/v1/videos/{uuid}"), Some(&root))
            .await;
        videos.push(full);
    }
    let (public, unlisted, private) = (&videos[0], &videos[1], &videos[2]);
    let pub_id = public["id"].as_i64().unwrap();
    let pub_uuid = public["uuid"].as_str().unwrap();
    let pub_short = public["shortUUID"].as_str().unwrap();
    t.create_user(&root, "alice", "alice-password", 2, None)
        .await;
    let alice = t.token("alice", "alice-password").await;
    let me = t.me(&alice).await;
    assert_eq!(me["videosHistoryEnabled"], true);
    let alice_account = me["account"]["id"].as_i64().unwrap();

    // ---- history: PUT /watching, the view body, userHistory in the video answer.
    let watching = |id: String, body: Value, token: Option<String>| {
        let r = t
            .client
            .put(t.api(&format!("/api/v1/videos/{id}/watching")));
        let r = match token {
            Some(tk) => r.bearer_auth(tk),
            None => r,
        };
        r.json(&body)
    };
    assert_eq!(
        status_of(watching(
            pub_uuid.into(),
            json!({"currentTime": 1}),
            Some(alice.clone())
        ))
        .await,
        204
    );
    let v = t
        .get_json(&format!("/api/v1/videos/{pub_uuid}"), Some(&alice))
        .await;
    assert_eq!(v["userHistory"]["currentTime"], 1, "{v}");
    let anon = t
        .get_json(&format!("/api/v1/videos/{pub_uuid}"), None)
        .await;
    assert!(
        anon.get("userHistory").is_none(),
        "anonymous answers carry no history"
    );
    let listed = |list: &Value, uuid: &str| {
        list["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|v| v["uuid"] == uuid)
            .cloned()
            .expect("listed")
    };
    let list = t.get_json("/api/v1/videos", Some(&alice)).await;
    assert_eq!(
        listed(&list, pub_uuid)["userHistory"]["currentTime"],
        1,
        "lists carry it too: {list}"
    );
    let list = t.get_json("/api/v1/videos", None).await;
    assert!(
        listed(&list, pub_uuid).get("userHistory").is_none(),
        "not for anonymous readers"
    );
    let list = t.get_json("/api/v1/videos", Some(&root)).await;
    assert!(
        listed(&list, pub_uuid).get("userHistory").is_none(),
        "nor for another user"
    );
    let r = t
        .client
        .post(t.api(&format!("/api/v1/videos/{pub_id}/views")))
        .bearer_auth(&alice)
        .json(&json!({"currentTime": 2.7}))
        .send()
        .await
        .expect("view");
    assert_eq!(r.status(), 204);
    let h = t
        .get_json("/api/v1/users/me/history/videos", Some(&alice))
        .await;
    assert_eq!(h["total"], 1, "{h}");
    assert_eq!(h["data"][0]["uuid"], pub_uuid);
    assert_eq!(
        h["data"][0]["userHistory"]["currentTime"], 2,
        "a view's currentTime is progress"
    );
    // Bad input changes nothing.
    for body in [
        json!({"currentTime": -1}),
        json!({"currentTime": "soon"}),
        json!({}),
    ] {
        let r = watching(pub_uuid.into(), body.clone(), Some(alice.clone()))
            .send()
            .await
            .expect("bad");
        assert_problem(r, 400, &format!("watching {body}")).await;
    }
    let r = watching(pub_uuid.into(), json!({"currentTime": 1}), None)
        .send()
        .await
        .expect("anon");
    assert_problem(r, 401, "watching without a token").await;
    let private_uuid = private["uuid"].as_str().unwrap();
    let r = watching(
        private_uuid.into(),
        json!({"currentTime": 1}),
        Some(alice.clone()),
    )
    .send()
    .await
    .expect("private");
    assert_problem(r, 403, "watching another user's private video").await;
    let r = watching(
        "no-such-video".into(),
        json!({"currentTime": 1}),
        Some(alice.clone()),
    )
    .send()
    .await
    .expect("bad id");
    assert_problem(r, 400, "watching a malformed id").await;
    let h = t
        .get_json("/api/v1/users/me/history/videos", Some(&alice))
        .await;
    assert_eq!(h["total"], 1);
    assert_eq!(
        h["data"][0]["userHistory"]["currentTime"], 2,
        "unchanged by bad input"
    );
    assert_eq!(
        t.get_json("/api/v1/users/me/history/videos", Some(&root))
            .await["total"],
        0,
        "history is per user"
    );

    // Removal: one video, before a date, everything.
    let unlisted_uuid = unlisted["uuid"].as_str().unwrap();
    assert_eq!(
        status_of(watching(
            unlisted_uuid.into(),
            json!({"currentTime": 0}),
            Some(alice.clone())
        ))
        .await,
        204
    );
    let h = t
        .get_json(
            "/api/v1/users/me/history/videos?search=unlisted",
            Some(&alice),
        )
        .await;
    assert_eq!(h["total"], 1, "search: {h}");
    let r = t
        .client
        .delete(t.api(&format!("/api/v1/users/me/history/videos/{unlisted_uuid}")))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("delete one");
    assert_eq!(r.status(), 204);
    assert_eq!(
        t.get_json("/api/v1/users/me/history/videos", Some(&alice))
            .await["total"],
        1
    );
    let remove = |body: Value| {
        t.client
            .post(t.api("/api/v1/users/me/history/videos/remove"))
            .bearer_auth(&alice)
            .json(&body)
    };
    assert_problem(
        remove(json!({"beforeDate": "yesterday"}))
            .send()
            .await
            .expect("bad date"),
        400,
        "remove with a bad beforeDate",
    )
    .await;
    assert_eq!(
        status_of(remove(json!({"beforeDate": "2000-01-01T00:00:00.000Z"}))).await,
        204
    );
    assert_eq!(
        t.get_json("/api/v1/users/me/history/videos", Some(&alice))
            .await["total"],
        1,
        "nothing was watched before 2000"
    );
    let (ctype, body) = multipart(&[("beforeDate", "2999-01-01T00:00:00.000Z")], &[]);
    let r = t
        .client
        .post(t.api("/api/v1/users/me/history/videos/remove"))
        .bearer_auth(&alice)
        .header("Content-Type", ctype)
        .body(body)
        .send()
        .await
        .expect("remove multipart");
    assert_eq!(r.status(), 204);
    assert_eq!(
        t.get_json("/api/v1/users/me/history/videos", Some(&alice))
            .await["total"],
        0
    );
    assert_eq!(
        status_of(watching(
            pub_uuid.into(),
            json!({"currentTime": 1}),
            Some(alice.clone())
        ))
        .await,
        204
    );
    let r = t
        .client
        .delete(t.api("/api/v1/users/me/history/videos"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("clear");
    assert_eq!(r.status(), 204);
    assert_eq!(
        t.get_json("/api/v1/users/me/history/videos", Some(&alice))
            .await["total"],
        0
    );

    // The switch: off records nothing; a wrong type is a 400 that changes nothing.
    let put_me = |body: Value| {
        t.client
            .put(t.api("/api/v1/users/me"))
            .bearer_auth(&alice)
            .json(&body)
    };
    assert_problem(
        put_me(json!({"videosHistoryEnabled": "nope"}))
            .send()
            .await
            .expect("bad switch"),
        400,
        "videosHistoryEnabled not a boolean",
    )
    .await;
    assert_eq!(t.me(&alice).await["videosHistoryEnabled"], true);
    assert_eq!(
        status_of(put_me(json!({"videosHistoryEnabled": false}))).await,
        204
    );
    assert_eq!(t.me(&alice).await["videosHistoryEnabled"], false);
    assert_eq!(
        status_of(watching(
            pub_uuid.into(),
            json!({"currentTime": 1}),
            Some(alice.clone())
        ))
        .await,
        204
    );
    assert_eq!(
        t.get_json("/api/v1/users/me/history/videos", Some(&alice))
            .await["total"],
        0,
        "history off: nothing recorded"
    );
    let v = t
        .get_json(&format!("/api/v1/videos/{pub_uuid}"), Some(&alice))
        .await;
    assert!(v.get("userHistory").is_none());
    assert_eq!(
        status_of(put_me(json!({"videosHistoryEnabled": true}))).await,
        204
    );

    // ---- feeds: only public videos, in all three formats, read by a real parser.
    let rss = valid_feed(&t, "/feeds/videos.xml", "rss20").await;
    assert_eq!(
        titles(&rss),
        vec!["Public 1 < 2 & clip"],
        "only the public video: {rss}"
    );
    let entry = &rss["entries"][0];
    assert_eq!(entry["link"], format!("{}/w/{pub_short}", t.url));
    let enclosure = &entry["enclosures"][0];
    assert_eq!(enclosure["type"], "video/mp4", "{entry}");
    let file_url = enclosure["href"].as_str().expect("enclosure url");
    let r = t.client.get(file_url).send().await.expect("enclosure");
    assert_eq!(r.status(), 200, "the enclosure is served: {file_url}");
    assert_eq!(
        r.bytes().await.expect("bytes").len().to_string(),
        enclosure["length"].as_str().unwrap_or(""),
        "enclosure length is the file's size"
    );
    let atom = valid_feed(&t, "/feeds/videos.atom", "atom").await;
    assert_eq!(titles(&atom), vec!["Public 1 < 2 & clip"]);
    let json_feed = valid_feed(&t, "/feeds/videos.json", "json").await;
    assert_eq!(titles(&json_feed), vec!["Public 1 < 2 & clip"]);
    assert_eq!(
        json_feed["entries"][0]["link"],
        format!("{}/w/{pub_short}", t.url)
    );

    // Filters: a channel, an account, by id and by name.
    let alice_channel = t.channel_id(&alice).await;
    let by_alice = valid_feed(
        &t,
        &format!("/feeds/videos.xml?videoChannelId={alice_channel}"),
        "rss20",
    )
    .await;
    assert!(
        titles(&by_alice).is_empty(),
        "alice has no videos: {by_alice}"
    );
    let by_root = valid_feed(
        &t,
        "/feeds/videos.atom?videoChannelName=root_channel",
        "atom",
    )
    .await;
    assert_eq!(titles(&by_root).len(), 1);
    let by_account = valid_feed(
        &t,
        "/feeds/videos.xml?accountName=root&sort=-views",
        "rss20",
    )
    .await;
    assert_eq!(titles(&by_account).len(), 1);
    for (path, status) in [
        ("/feeds/videos.xml?videoChannelId=99999", 404),
        ("/feeds/videos.xml?accountName=nobody", 404),
        ("/feeds/videos.xml?videoChannelId=abc", 400),
        ("/feeds/videos.xml?sort=nope", 400),
        ("/feeds/videos.html", 406),
        ("/feeds/nothing.xml", 404),
    ] {
        assert_problem(t.get(path, None).send().await.expect(path), status, path).await;
    }

    // Comments: on public videos only, escaped.
    for (uuid, text) in [
        (pub_uuid, "first <i>comment</i>"),
        (private_uuid, "secret comment"),
    ] {
        let r = t
            .client
            .post(t.api(&format!("/api/v1/videos/{uuid}/comment-threads")))
            .bearer_auth(&root)
            .json(&json!({ "text": text }))
            .send()
            .await
            .expect("comment");
        assert_eq!(r.status(), 200);
    }
    let comments = valid_feed(&t, "/feeds/video-comments.xml", "rss20").await;
    assert_eq!(
        titles(&comments),
        vec!["Public 1 < 2 & clip - root"],
        "{comments}"
    );
    assert!(
        comments["entries"][0]["content"]
            .as_str()
            .unwrap_or("")
            .contains("first &lt;i&gt;comment"),
        "the comment's text is shown, not run as markup: {comments}"
    );
    let for_video = valid_feed(
        &t,
        &format!("/feeds/video-comments.atom?videoId={pub_id}"),
        "atom",
    )
    .await;
    assert_eq!(titles(&for_video).len(), 1);
    valid_feed(&t, "/feeds/video-comments.json", "json").await;
    for (uuid, what) in [(unlisted_uuid, "unlisted"), (private_uuid, "private")] {
        let path = format!("/feeds/video-comments.xml?videoId={uuid}");
        assert_problem(t.get(&path, None).send().await.expect(what), 404, what).await;
    }
    assert_problem(
        t.get(
            &format!("/feeds/video-comments.xml?videoId={private_uuid}"),
            None,
        )
        .send()
        .await
        .expect("private comments"),
        404,
        "comments feed of a private video",
    )
    .await;

    // Subscriptions: only with the owner's feed token; renewal revokes the old one.
    let r = t
        .client
        .post(t.api("/api/v1/users/me/subscriptions"))
        .bearer_auth(&alice)
        .json(&json!({ "uri": format!("root_channel@{}", t.host) }))
        .send()
        .await
        .expect("subscribe");
    assert_eq!(r.status(), 204, "subscribe");
    let tokens = t
        .get_json("/api/v1/users/scoped-tokens", Some(&alice))
        .await;
    let token = tokens["feedToken"].as_str().expect("feedToken").to_string();
    assert_eq!(
        t.get_json("/api/v1/users/scoped-tokens", Some(&alice))
            .await["feedToken"],
        token.as_str(),
        "stable until renewed"
    );
    let subs_path =
        |tk: &str| format!("/feeds/subscriptions.xml?accountId={alice_account}&token={tk}");
    let subs = valid_feed(&t, &subs_path(&token), "rss20").await;
    assert_eq!(titles(&subs), vec!["Public 1 < 2 & clip"], "{subs}");
    let root_account = t.me(&root).await["account"]["id"].as_i64().unwrap();
    for path in [
        subs_path("wrong-token"),
        format!("/feeds/subscriptions.xml?accountId={root_account}&token={token}"),
        format!("/feeds/subscriptions.xml?accountId={alice_account}"),
    ] {
        assert_problem(t.get(&path, None).send().await.expect("subs"), 403, &path).await;
    }
    assert_problem(
        t.get("/feeds/subscriptions.json?token=x", None)
            .send()
            .await
            .expect("no account"),
        400,
        "subscriptions feed without accountId",
    )
    .await;
    let r = t
        .client
        .post(t.api("/api/v1/users/scoped-tokens"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("renew");
    assert_eq!(r.status(), 200);
    let renewed: Value = r.json().await.expect("renewed");
    let new_token = renewed["feedToken"]
        .as_str()
        .expect("new token")
        .to_string();
    assert_ne!(new_token, token);
    assert_problem(
        t.get(&subs_path(&token), None).send().await.expect("old"),
        403,
        "old token",
    )
    .await;
    valid_feed(&t, &subs_path(&new_token).replace(".xml", ".json"), "json").await;

    // Podcast: the channel's public videos, each with an MP4 enclosure.
    let podcast = valid_feed(
        &t,
        &format!("/feeds/podcast/videos.xml?videoChannelId={root_channel}"),
        "rss20",
    )
    .await;
    assert_eq!(titles(&podcast), vec!["Public 1 < 2 & clip"], "{podcast}");
    assert_eq!(podcast["entries"][0]["enclosures"][0]["type"], "video/mp4");
    for (path, status) in [
        ("/feeds/podcast/videos.xml?videoChannelId=99999", 404),
        ("/feeds/podcast/videos.xml", 400),
    ] {
        assert_problem(t.get(path, None).send().await.expect(path), status, path).await;
    }

    // ---- oEmbed.
    let watch = format!("{}/w/{pub_short}", t.url);
    let q = |u: &str| url::form_urlencoded::byte_serialize(u.as_bytes()).collect::<String>();
    let o = t
        .get_json(&format!("/services/oembed?url={}", q(&watch)), None)
        .await;
    assert_eq!(o["type"], "video");
    assert_eq!(o["version"], "1.0");
    assert_eq!(o["title"], "Public 1 < 2 & clip");
    assert_eq!(o["provider_url"], t.url.as_str());
    assert_eq!(
        o["author_url"],
        format!("{}/video-channels/root_channel", t.url)
    );
    assert!(o["html"]
        .as_str()
        .unwrap()
        .contains(&format!("src=\"{}/videos/embed/{pub_uuid}\"", t.url)));
    assert!(o["html"]
        .as_str()
        .unwrap()
        .contains("title=\"Public 1 &lt; 2 &amp; clip\""));
    let thumb = o["thumbnail_url"].as_str().expect("thumbnail_url");
    assert_eq!(
        t.client.get(thumb).send().await.expect("thumb").status(),
        200
    );
    let o2 = t
        .get_json(
            &format!(
                "/services/oembed?url={}&maxwidth=300",
                q(&format!("{}/videos/watch/{pub_uuid}", t.url))
            ),
            None,
        )
        .await;
    assert_eq!(o2["width"], 300);
    for (u, status) in [
        (
            format!("{}/w/{}", t.url, private["shortUUID"].as_str().unwrap()),
            403,
        ),
        ("https://elsewhere.example/w/abc".to_string(), 400),
        (format!("{}/about", t.url), 400),
        (
            format!("{}/w/{}", t.url, "00000000-0000-4000-8000-000000000000"),
            404,
        ),
    ] {
        let path = format!("/services/oembed?url={}", q(&u));
        assert_problem(t.get(&path, None).send().await.expect("oembed"), status, &u).await;
    }
    let r = t
        .get(
            &format!("/services/oembed?url={}&format=xml", q(&watch)),
            None,
        )
        .send()
        .await
        .expect("xml");
    assert_problem(r, 501, "oEmbed as XML").await;

    // ---- pages advertise all of it.
    let (status, _, page) = get_text(&t, &format!("/w/{pub_short}")).await;
    assert_eq!(status, 200);
    for needle in [
        "<meta property=\"og:title\" content=\"Public 1 &#60; 2 &#38; clip\">".to_string(),
        format!("<meta property=\"og:video:url\" content=\"{}/videos/embed/{pub_uuid}\">", t.url),
        format!("<meta property=\"og:url\" content=\"{watch}\">"),
        "<meta name=\"twitter:card\" content=\"player\">".to_string(),
        format!("<meta name=\"twitter:player\" content=\"{}/videos/embed/{pub_uuid}\">", t.url),
        format!("type=\"application/json+oembed\" href=\"{}/services/oembed?url={}\"", t.url, q(&watch)),
        format!("type=\"application/rss+xml\" href=\"{}/feeds/videos.xml?videoChannelId={root_channel}\"", t.url),
        format!("<meta property=\"og:image\" content=\"{thumb}\">"),
    ] {
        assert!(page.contains(&needle), "watch page lacks {needle}:\n{page}");
    }
    assert!(page.contains(&format!("/feeds/video-comments.xml?videoId={pub_id}")));
    let unlisted_short = unlisted["shortUUID"].as_str().unwrap();
    let (status, _, page) = get_text(&t, &format!("/w/{unlisted_short}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("application/json+oembed"),
        "unlisted videos can be shared"
    );
    assert!(
        !page.contains("video-comments.xml"),
        "but their comments have no feed:\n{page}"
    );
    let o = t
        .get_json(
            &format!(
                "/services/oembed?url={}",
                q(&format!("{}/w/{unlisted_short}", t.url))
            ),
            None,
        )
        .await;
    assert_eq!(o["title"], "Unlisted clip");
    let (_, _, home) = get_text(&t, "/").await;
    assert!(home.contains(
        "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/feeds/videos.xml\""
    ));
}

on_both_backends!(history_feeds_and_sharing);
