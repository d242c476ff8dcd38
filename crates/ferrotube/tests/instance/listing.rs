//! `GET /api/v1/videos` with PeerTube's filters and sorts, and the account and channel lists.
//! In-process (`TestApp`): no restart or second host needed; queued jobs run when the test
//! waits for them.

use crate::common::*;
use serde_json::Value;

fn names(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|v| v["name"].as_str().expect("name").to_string())
        .collect()
}

async fn filters_and_sorts(backend: Backend) {
    let t = TestApp::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let token = t.root_token().await;
    let channel = t.channel_id(&token).await;
    let clip = make_clip(&t.data_dir, "tiny.mp4", 1, 256, 144);
    let videos = [
        ("Alpha show", "10", "en", "false", vec!["rock", "live"]),
        ("Beta science", "15", "fr", "false", vec!["rock"]),
        ("Gamma nsfw", "15", "en", "true", vec!["jazz"]),
    ];
    let mut uuids = Vec::new();
    for (name, category, language, nsfw, tags) in &videos {
        let mut fields = vec![
            ("name", name.to_string()),
            ("channelId", channel.to_string()),
            ("privacy", "1".to_string()),
            ("category", category.to_string()),
            ("language", language.to_string()),
            ("nsfw", nsfw.to_string()),
        ];
        for tag in tags {
            fields.push(("tags[]", tag.to_string()));
        }
        if *name == "Alpha show" {
            fields.push(("description", "A beta of the show".to_string()));
        }
        let r = t.legacy_upload(&token, &clip, &fields).await;
        let status = r.status();
        let body: Value = r.json().await.expect("json");
        assert_eq!(status, 200, "{body}");
        uuids.push(body["video"]["uuid"].as_str().expect("uuid").to_string());
    }
    for u in &uuids {
        t.wait_published(u, Some(&token)).await;
    }
    let q = |query: &str| {
        let path = format!("/api/v1/videos?{query}");
        let t = &t;
        async move { t.get_json(&path, None).await }
    };
    let all = q("sort=name").await;
    assert_eq!(all["total"], 3);
    assert_eq!(
        names(&all),
        vec!["Alpha show", "Beta science", "Gamma nsfw"]
    );
    assert_eq!(
        names(&q("sort=-name").await),
        vec!["Gamma nsfw", "Beta science", "Alpha show"]
    );
    assert_eq!(
        names(&q("sort=name&start=1&count=1").await),
        vec!["Beta science"]
    );
    assert_eq!(
        q("sort=name&start=1&count=1").await["total"],
        3,
        "total counts all matches, not the page"
    );
    assert_eq!(
        names(&q("categoryOneOf=15&sort=name").await),
        vec!["Beta science", "Gamma nsfw"]
    );
    assert_eq!(
        names(&q("languageOneOf=en&languageOneOf=fr&sort=name").await).len(),
        3
    );
    assert_eq!(names(&q("languageOneOf=fr").await), vec!["Beta science"]);
    assert_eq!(
        names(&q("tagsOneOf=rock&sort=name").await),
        vec!["Alpha show", "Beta science"]
    );
    assert_eq!(
        names(&q("tagsAllOf=rock&tagsAllOf=live").await),
        vec!["Alpha show"]
    );
    assert_eq!(
        names(&q("nsfw=false&sort=name").await),
        vec!["Alpha show", "Beta science"]
    );
    assert_eq!(names(&q("nsfw=true").await), vec!["Gamma nsfw"]);
    assert_eq!(names(&q("search=SCIENCE").await), vec!["Beta science"]);
    assert_eq!(
        names(&q("search=%25").await).len(),
        0,
        "LIKE wildcards are literal"
    );
    search_filters(&t, &uuids).await;
    assert_eq!(q("isLocal=false").await["total"], 0);
    assert_eq!(q("hasHLSFiles=true").await["total"], 3);
    assert_eq!(q("hasWebVideoFiles=true").await["total"], 0);
    let skip = q("skipCount=true&count=2").await;
    assert_eq!(skip["data"].as_array().map(Vec::len), Some(2));
    // privacyOneOf is for moderators.
    let r = t
        .get("/api/v1/videos?privacyOneOf=3", None)
        .send()
        .await
        .expect("get");
    assert_problem(r, 401, "privacyOneOf anonymous").await;
    let admin = t
        .get_json("/api/v1/videos?privacyOneOf=1&privacyOneOf=3", Some(&token))
        .await;
    assert_eq!(admin["total"], 3);
    // The same filters on the account and channel lists.
    let acc = t
        .get_json("/api/v1/accounts/root/videos?tagsOneOf=jazz", None)
        .await;
    assert_eq!(names(&acc), vec!["Gamma nsfw"]);
    let ch = t
        .get_json(
            "/api/v1/video-channels/root_channel/videos?categoryOneOf=10",
            None,
        )
        .await;
    assert_eq!(names(&ch), vec!["Alpha show"]);
    let one = t
        .get_json(&format!("/api/v1/videos/{}", uuids[0]), None)
        .await;
    assert_eq!(one["category"]["label"], "Entertainment");
    assert_eq!(one["language"]["label"], "English");
    let mut tags: Vec<String> = one["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|x| x.as_str().expect("tag").to_string())
        .collect();
    tags.sort();
    assert_eq!(tags, vec!["live", "rock"]);
}

/// `/api/v1/search/videos`: full-text over names, tags and descriptions, best match first, and
/// the filters only the search has.
async fn search_filters(t: &TestApp, uuids: &[String]) {
    let s = |query: &str| {
        let path = format!("/api/v1/search/videos?{query}");
        async move { t.get_json(&path, None).await }
    };
    let sorted = |v: &Value| {
        let mut n = names(v);
        n.sort();
        n
    };
    assert_eq!(
        names(&s("search=beta").await),
        vec!["Beta science", "Alpha show"],
        "-match by default: the name's match before the description's"
    );
    assert_eq!(
        names(&s("search=beta&sort=name").await),
        vec!["Alpha show", "Beta science"]
    );
    assert_eq!(
        sorted(&s("search=rock").await),
        vec!["Alpha show", "Beta science"],
        "tags"
    );
    assert_eq!(
        names(&s("search=sci").await),
        vec!["Beta science"],
        "a word prefix"
    );
    assert_eq!(
        names(&s("search=rock+show").await),
        vec!["Alpha show"],
        "every word"
    );
    assert_eq!(s("search=nothing+like+this").await["total"], 0);
    assert_eq!(
        s("search=%22%27%20OR%201%3D1").await["total"],
        0,
        "query syntax is text"
    );
    assert_eq!(s("search=show&durationMin=100").await["total"], 0);
    assert_eq!(s("durationMax=100").await["total"], 3);
    assert_eq!(s("startDate=2100-01-01T00:00:00.000Z").await["total"], 0);
    assert_eq!(s("startDate=2000-01-01T00:00:00.000Z").await["total"], 3);
    assert_eq!(s("endDate=2000-01-01T00:00:00.000Z").await["total"], 0);
    assert_eq!(
        s("originallyPublishedStartDate=2000-01-01T00:00:00.000Z").await["total"],
        3
    );
    assert_eq!(s(&format!("host={}", t.host)).await["total"], 3);
    assert_eq!(s("host=elsewhere.example").await["total"], 0);
    assert_eq!(
        names(&s(&format!("uuids={}", uuids[0])).await),
        vec!["Alpha show"]
    );
    assert_eq!(s("isLive=true").await["total"], 0);
    // The channel search's filters: host and handles.
    let ch = |query: String| {
        let path = format!("/api/v1/search/video-channels?{query}");
        async move { t.get_json(&path, None).await["total"].clone() }
    };
    assert_eq!(ch(format!("search=root&host={}", t.host)).await, 1);
    assert_eq!(ch("search=root&host=elsewhere.example".into()).await, 0);
    assert_eq!(ch("handles=root_channel".into()).await, 1);
    assert_eq!(
        ch(format!("handles=root_channel@{}&handles=nobody", t.host)).await,
        1
    );
    assert_eq!(ch("search=zzz&handles=root_channel".into()).await, 0);
    assert_eq!(
        ch("handles=root_channel&host=elsewhere.example".into()).await,
        0
    );
    for bad in [
        "startDate=yesterday",
        "durationMin=-1",
        "uuids=not-a-uuid",
        "sort=-nope",
    ] {
        let r = t
            .get(&format!("/api/v1/search/videos?{bad}"), None)
            .send()
            .await
            .expect("get");
        assert_problem(r, 400, bad).await;
    }
}

on_both_backends!(filters_and_sorts);
