//! Browsing pages (server-rendered, no script): discover, lists with filters and paging,
//! search, channel and account pages, about. In-process (`TestApp`), one backend: pure page
//! code over the same store calls as the REST API.

use crate::common::*;

async fn html(t: &TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let r = t.get(path, token).send().await.expect("page");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_pages() {
    let t = TestApp::start_with(Backend::Sqlite, "[transcoding]\nresolutions = [144]\n").await;
    let token = t.root_token().await;
    let channel = t.channel_id(&token).await;
    let clip = make_clip(&t.data_dir, "tiny.mp4", 1, 256, 144);
    for (name, category, nsfw) in [
        ("Alpha music", "1", "false"),
        ("Beta science", "15", "false"),
        ("Gamma sensitive", "15", "true"),
    ] {
        let fields = vec![
            ("name", name.to_string()),
            ("channelId", channel.to_string()),
            ("privacy", "1".to_string()),
            ("category", category.to_string()),
            ("nsfw", nsfw.to_string()),
        ];
        let r = t.legacy_upload(&token, &clip, &fields).await;
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.expect("json");
        t.wait_published(body["video"]["uuid"].as_str().expect("uuid"), Some(&token))
            .await;
    }

    // Discover: the newest grid, sections with "see all" links, a category section.
    let (status, home) = html(&t, "/", None).await;
    assert_eq!(status, 200);
    assert!(home.contains(r#"id="ft-video-grid""#));
    assert!(home.contains(r#"id="ft-section-trending""#));
    assert!(home.contains(r#"href="/videos/trending""#));
    assert!(home.contains(r#"id="ft-section-category-15""#), "{home}");
    // Anonymous readers do not see sensitive videos (the instance's default policy).
    assert!(home.contains("Beta science"));
    assert!(!home.contains("Gamma sensitive"));

    // Lists: filters by category, paging links without script.
    let (status, list) = html(
        &t,
        "/videos/recently-added?categoryOneOf=15&nsfw=both",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(list.contains("Beta science") && list.contains("Gamma sensitive"));
    assert!(!list.contains("Alpha music"));
    assert!(list.contains(r#"<option value="15" selected>"#));
    let (_, trending) = html(&t, "/videos/trending?sort=name", None).await;
    let (a, b) = (
        trending.find("Alpha music").expect("alpha"),
        trending.find("Beta science").expect("beta"),
    );
    assert!(a < b, "sorted by name");
    let (_, form) = html(
        &t,
        "/videos/recently-added?sort=name&scope=&categoryOneOf=15&languageOneOf=&nsfw=both",
        None,
    )
    .await;
    assert!(
        form.contains("Beta science") && !form.contains("Alpha music"),
        "empty fields mean any"
    );
    let (_, none) = html(&t, "/videos/local?languageOneOf=de", None).await;
    assert!(none.contains(r#"id="ft-no-videos""#));
    let (_, bad) = html(&t, "/videos/trending?sort=nope&page=zz&nsfw=maybe", None).await;
    assert!(
        bad.contains("Alpha music"),
        "bad filters are dropped, not a failure"
    );

    // Search: text, tabs, a local handle.
    let (status, found) = html(&t, "/search?search=science", None).await;
    assert_eq!(status, 200);
    assert!(found.contains("Beta science") && !found.contains("Alpha music"));
    assert!(found.contains(r#"id="ft-tab-channels""#));
    let (_, chans) = html(&t, "/search?search=root&searchTarget=channels", None).await;
    assert!(chans.contains(r#"href="/c/root_channel""#), "{chans}");
    let host = t.instance.host.clone();
    let (_, by_handle) = html(&t, &format!("/search?search=root_channel@{host}"), None).await;
    assert!(by_handle.contains(r#"id="ft-search-resolved""#));
    assert!(by_handle.contains(r#"href="/c/root_channel""#));
    // A remote handle needs a signed-in reader to be fetched.
    let (_, remote) = html(&t, "/search?search=someone@example.invalid", None).await;
    assert!(remote.contains(r#"id="ft-search-lookup-failed""#));

    // Channel and account pages (a browser gets the page; ActivityPub clients the actor).
    let (status, ch) = html(&t, "/c/root_channel", None).await;
    assert_eq!(status, 200);
    assert!(ch.contains(r#"id="ft-actor-name""#) && ch.contains("Alpha music"));
    assert!(ch.contains(r#"id="ft-subscribe-signin""#));
    let (_, ch_signed) = html(&t, "/c/root_channel", Some(&token)).await;
    assert!(ch_signed.contains(&format!(r#"data-uri="root_channel@{host}""#)));
    let ap = t
        .get("/c/root_channel", None)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("ap");
    assert_eq!(ap.status(), 200);
    let actor: serde_json::Value = ap.json().await.expect("actor json");
    assert_eq!(actor["type"], "Group");
    let (status, _) = html(&t, "/c/root_channel/video-playlists", None).await;
    assert_eq!(status, 200);
    let (status, acc) = html(&t, "/a/root/video-channels", None).await;
    assert_eq!(status, 200);
    assert!(acc.contains(r#"href="/c/root_channel""#));
    let (status, _) = html(&t, "/c/nobody_here", None).await;
    assert_eq!(status, 404);
    let (status, _) = html(&t, "/c/root_channel/nonsense", None).await;
    assert_eq!(status, 404);

    // About: name and stats.
    let (status, about) = html(&t, "/about/instance", None).await;
    assert_eq!(status, 200);
    assert!(
        about.contains(r#"id="ft-about-local-videos">3<"#),
        "{about}"
    );
}
