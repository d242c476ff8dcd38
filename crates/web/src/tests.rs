#![allow(clippy::unwrap_used)]

use super::*;

/// The home page as it is rendered now (the discover page), its recent grid holding `videos`.
struct HomePage {
    #[allow(dead_code)]
    instance_name: String,
    videos: Vec<VideoCard>,
}

fn render_home(c: &Chrome, p: &HomePage) -> String {
    browse::render_discover(
        c,
        &browse::DiscoverPage {
            recent: p.videos.clone(),
            ..Default::default()
        },
    )
}

/// The watch page as it is rendered now, with nothing but `w` (the player's part).
fn render_watch(c: &Chrome, w: &WatchPage) -> String {
    watch::render_watch_page(
        c,
        &watch::WatchView {
            base: w.clone(),
            ..Default::default()
        },
    )
}

fn card(name: &str) -> VideoCard {
    VideoCard {
        uuid: "92898c59-7abe-4bab-8383-e66da1715dff".into(),
        short_uuid: "j6vKrQTjRqDKtt5EQRaVzr".into(),
        name: name.into(),
        thumbnail_path: Some("/lazy-static/thumbnails/1f0c07d8.jpg".into()),
        duration_secs: 65,
        channel_display_name: "Main root channel".into(),
        channel_name: "root_channel".into(),
        views: 3,
        published_at: "2026-11-25T13:05:33.246Z".into(),
        nsfw: false,
    }
}

fn watch(name: &str, published: bool) -> WatchPage {
    WatchPage {
        instance_name: "Ferrotube".into(),
        uuid: "92898c59-7abe-4bab-8383-e66da1715dff".into(),
        short_uuid: "j6vKrQTjRqDKtt5EQRaVzr".into(),
        name: name.into(),
        description: Some("Line one\n<b>bold</b> & more".into()),
        hls_master_url: published
            .then(|| "http://localhost:9000/static/streaming-playlists/hls/x/y-master.m3u8".into()),
        preview_path: Some("/lazy-static/previews/p.jpg".into()),
        channel_display_name: "Main root channel".into(),
        channel_name: "root_channel".into(),
        views: 1,
        likes: 2,
        dislikes: 0,
        published_at: "2026-11-25T13:05:33.246Z".into(),
        state_label: if published {
            "Published"
        } else {
            "To transcode"
        }
        .into(),
        is_published: published,
        served_from_copy: false,
        origin_host: None,
        p2p_config: None,
        sharing: Default::default(),
    }
}

#[test]
fn durations() {
    assert_eq!(format_duration(0), "0:00");
    assert_eq!(format_duration(6), "0:06");
    assert_eq!(format_duration(65), "1:05");
    assert_eq!(format_duration(600), "10:00");
    assert_eq!(format_duration(3599), "59:59");
    assert_eq!(format_duration(3600), "1:00:00");
    assert_eq!(format_duration(3725), "1:02:05");
    assert_eq!(format_duration(-5), "0:00");
}

#[test]
fn views_and_dates() {
    assert_eq!(format_views(0), "0 views");
    assert_eq!(format_views(1), "1 view");
    assert_eq!(format_views(42), "42 views");
    assert_eq!(format_date("2026-11-25T13:05:33.246Z"), "2026-11-25");
    assert_eq!(format_date("garbage"), "garbage");
    assert_eq!(format_date(""), "");
}

#[test]
fn home_lists_cards_with_links_thumbnails_and_durations() {
    let html = render_home(
        &Chrome::anonymous("My Tube"),
        &HomePage {
            instance_name: "My Tube".into(),
            videos: vec![card("First video"), {
                let mut c = card("No thumb");
                c.thumbnail_path = None;
                c.short_uuid = "other".into();
                c.duration_secs = 3725;
                c
            }],
        },
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>My Tube</title>"));
    assert!(html.contains(r#"href="/w/j6vKrQTjRqDKtt5EQRaVzr""#));
    assert!(html.contains(r#"href="/w/other""#));
    assert!(html.contains(r#"<img src="/lazy-static/thumbnails/1f0c07d8.jpg""#));
    assert!(html.contains("ft-thumb-placeholder"));
    assert!(html.contains(r#"<span class="ft-duration">1:05</span>"#));
    assert!(html.contains(r#"<span class="ft-duration">1:02:05</span>"#));
    assert!(html.contains("First video"));
    assert!(html.contains("Main root channel"));
    assert!(html.contains("3 views"));
    assert!(html.contains("2026-11-25"));
    assert!(html.contains(r#"data-page="home""#));
    assert!(html.contains(&format!("/client/app.js?v={}", asset_version())));
    // Anonymous: sign in (and back here), no upload button.
    assert!(html.contains(r#"href="/login?next=%2F""#));
    assert!(!html.contains(r#"id="ft-nav-upload""#));
    // No hls.js on the home page.
    assert!(!html.contains("hls.min.js"));
}

#[test]
fn empty_home_says_so() {
    let html = render_home(
        &Chrome::anonymous("Ferrotube"),
        &HomePage {
            instance_name: "Ferrotube".into(),
            videos: vec![],
        },
    );
    assert!(html.contains("No videos yet"));
    assert!(!html.contains("ft-video-grid"));
}

#[test]
fn user_strings_are_escaped_everywhere() {
    let evil = r#"<script>alert("x")</script>"#;
    let mut c = card(evil);
    c.channel_display_name = evil.into();
    c.channel_name = r#"a" onmouseover="x"#.into();
    c.thumbnail_path = Some(r#"/t.jpg" onerror="alert(1)"#.into());
    c.short_uuid = r#"x"><script>"#.into();
    let home = render_home(
        &Chrome::anonymous("Ferrotube"),
        &HomePage {
            instance_name: evil.into(),
            videos: vec![c],
        },
    );
    assert!(!home.contains("<script>alert"), "{home}");
    assert!(home.contains("&#60;script&#62;alert") || home.contains("&lt;script&gt;alert"));
    assert!(!home.contains(r#"" onmouseover="#));
    assert!(!home.contains(r#"" onerror="#));
    assert!(!home.contains(r#""><script>"#));

    let mut w = watch(evil, true);
    w.description = Some(evil.into());
    w.channel_display_name = evil.into();
    w.hls_master_url = Some(r#"http://x/m.m3u8" onload="alert(1)"#.into());
    let page = render_watch(&Chrome::anonymous("Ferrotube"), &w);
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(!page.contains(r#"" onload="#));

    for html in [
        render_login(&Chrome::anonymous(evil), &LoginForm::default()),
        render_not_found(&Chrome::anonymous(evil)),
    ] {
        assert!(!html.contains("<script>alert"), "{html}");
    }
}

#[test]
fn watch_page_published() {
    let html = render_watch(
        &Chrome::anonymous("Ferrotube"),
        &watch("A <b>sample</b>", true),
    );
    assert!(
        html.contains("<title>A &#60;b&#62;sample&#60;/b&#62; - Ferrotube</title>")
            || html.contains("<title>A &lt;b&gt;sample&lt;/b&gt; - Ferrotube</title>"),
        "{html}"
    );
    assert!(html.contains(r#"data-page="watch""#));
    assert!(html.contains(r#"<video id="ft-video""#));
    assert!(html.contains(
        r#"data-hls-src="http://localhost:9000/static/streaming-playlists/hls/x/y-master.m3u8""#
    ));
    assert!(html.contains(r#"data-uuid="92898c59-7abe-4bab-8383-e66da1715dff""#));
    assert!(html.contains(r#"data-published="true""#));
    assert!(html.contains(r#"poster="/lazy-static/previews/p.jpg""#));
    assert!(html.contains(&format!("/client/hls.min.js?v={}", asset_version())));
    assert!(html.contains("Main root channel"));
    assert!(
        html.contains("Line one\n&#60;b&#62;bold&#60;/b&#62; &#38; more")
            || html.contains("Line one\n&lt;b&gt;bold&lt;/b&gt; &amp; more"),
        "{html}"
    );
    assert!(!html.contains("being processed"));
}

#[test]
fn watch_page_processing() {
    let html = render_watch(&Chrome::anonymous("Ferrotube"), &watch("Clip", false));
    assert!(html.contains("being processed"));
    assert!(html.contains("To transcode"));
    assert!(html.contains(r#"data-published="false""#));
    assert!(html.contains(r#"data-hls-src="""#));
}

#[test]
fn forms() {
    let login = render_login(&Chrome::anonymous("Ferrotube"), &LoginForm::default());
    assert!(login.contains(r#"id="ft-login-form""#));
    assert!(login.contains(r#"type="password""#));
    assert!(login.contains("<title>Sign in - Ferrotube</title>"));
    let nf = render_not_found(&Chrome::anonymous("Ferrotube"));
    assert!(nf.contains("Page not found"));
}

#[test]
fn asset_version_is_stable_hex() {
    let v = asset_version();
    assert_eq!(v.len(), 12);
    assert!(v.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(v, asset_version());
    assert!(!HLS_JS.is_empty());
    if HLS_JS_BUNDLED {
        assert!(HLS_JS.len() > 100_000);
        assert_ne!(HLS_JS_VERSION, "missing");
    } else {
        assert!(std::str::from_utf8(HLS_JS)
            .unwrap()
            .contains("npm ci --prefix web"));
    }
}

#[tokio::test]
async fn assets_are_served_with_types_and_cache_headers() {
    use tower::ServiceExt;
    let app: axum::Router = assets_router();
    for (path, ct, body_len) in [
        (
            "/client/hls.min.js",
            "text/javascript; charset=utf-8",
            HLS_JS.len(),
        ),
        (
            "/client/app.js",
            "text/javascript; charset=utf-8",
            APP_JS.len(),
        ),
        (
            "/client/player.js",
            "text/javascript; charset=utf-8",
            PLAYER_JS.len(),
        ),
        (
            "/client/style.css",
            "text/css; charset=utf-8",
            STYLE_CSS.len(),
        ),
    ] {
        let res = app
            .clone()
            .oneshot(
                http::Request::builder()
                    .uri(format!("{path}?v=abc"))
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], ct);
        assert_eq!(res.headers()["cache-control"], ASSET_CACHE_CONTROL);
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(body.len(), body_len);
    }
    let res = app
        .oneshot(
            http::Request::builder()
                .uri("/client/nope.js")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn assets_are_gzipped_for_clients_that_take_it() {
    use std::io::Read;
    use tower::ServiceExt;
    let app: axum::Router = assets_router();
    let get = |enc: Option<&'static str>| {
        let mut req = http::Request::builder().uri("/client/app.js?v=abc");
        if let Some(enc) = enc {
            req = req.header("accept-encoding", enc);
        }
        app.clone()
            .oneshot(req.body(axum::body::Body::empty()).unwrap())
    };
    let res = get(Some("gzip, deflate, br, zstd")).await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(res.headers()["vary"], "Accept-Encoding");
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(
        body.len() < APP_JS.len() / 2,
        "{} of {}",
        body.len(),
        APP_JS.len()
    );
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_string(&mut plain)
        .unwrap();
    assert_eq!(plain, APP_JS);
    for refused in [None, Some("identity"), Some("gzip;q=0, br"), Some("br")] {
        let res = get(refused).await.unwrap();
        assert!(
            res.headers().get("content-encoding").is_none(),
            "{refused:?}"
        );
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(body.len(), APP_JS.len(), "{refused:?}");
    }
}

#[test]
fn p2p_settings_switch_the_player_script_and_are_escaped() {
    let mut w = watch("p2p", true);
    w.p2p_config = Some(r#"{"trackers":["ws://x/tracker/socket"],"x":"</script><b>"}"#.into());
    let html = render_watch(&Chrome::anonymous("Ferrotube"), &w);
    if P2P_PLAYER_BUNDLED {
        assert!(html.contains("/client/player.js"), "{html}");
        assert!(!html.contains("/client/hls.min.js"));
        assert!(html.contains("data-p2p=\""));
        assert!(!html.contains("</script><b>"), "escaped: {html}");
    } else {
        // Without the bundle the page plays over HTTP with plain hls.js.
        assert!(html.contains("/client/hls.min.js"));
        assert!(!html.contains("data-p2p"));
    }
    assert!(html.contains(r#"id="ft-p2p-stats""#));
}

#[test]
fn embed_page_is_the_player_alone() {
    let page = EmbedPage {
        instance_name: "Ferrotube".into(),
        uuid: "u-1".into(),
        name: "Clip <i>".into(),
        hls_master_url: Some("http://x/m.m3u8".into()),
        p2p_config: Some("{}".into()),
    };
    let html = render_embed(&page);
    assert!(html.contains(r#"data-page="embed""#));
    assert!(html.contains(r#"data-hls-src="http://x/m.m3u8""#));
    assert!(
        html.contains("Clip &#60;i&#62;") || html.contains("Clip &lt;i&gt;"),
        "{html}"
    );
    assert!(!html.contains("ft-nav"), "no site navigation in an embed");
    let none = render_embed(&EmbedPage {
        hls_master_url: None,
        ..page
    });
    assert!(none.contains("This video cannot be played here."));
}

#[test]
fn watch_page_sharing_tags_appear_only_when_given_and_are_escaped() {
    let bare = render_watch(&Chrome::anonymous("Ferrotube"), &watch("Plain", true));
    assert!(!bare.contains("twitter:card"), "{bare}");
    assert!(!bare.contains("application/json+oembed"));

    let mut w = watch("A \"quoted\" <title>", true);
    w.sharing = Sharing {
        page_url: "https://tube.example/w/abc".into(),
        embed_url: "https://tube.example/videos/embed/u".into(),
        image_url: "https://tube.example/lazy-static/previews/p.jpg".into(),
        description: r#"desc" onload="x"#.into(),
        oembed_url: "https://tube.example/services/oembed?url=https%3A%2F%2Ftube.example%2Fw%2Fabc"
            .into(),
        channel_feed_url: "https://tube.example/feeds/videos.xml?videoChannelId=1".into(),
        comments_feed_url: "https://tube.example/feeds/video-comments.xml?videoId=1".into(),
    };
    let html = render_watch(&Chrome::anonymous("Ferrotube"), &w);
    for needle in [
        r#"<meta property="og:url" content="https://tube.example/w/abc">"#,
        r#"<meta property="og:video:url" content="https://tube.example/videos/embed/u">"#,
        r#"<meta property="og:image" content="https://tube.example/lazy-static/previews/p.jpg">"#,
        r#"<meta name="twitter:card" content="player">"#,
        r#"<meta name="twitter:player" content="https://tube.example/videos/embed/u">"#,
        r#"type="application/json+oembed""#,
        r#"type="application/rss+xml" href="https://tube.example/feeds/videos.xml?videoChannelId=1""#,
    ] {
        assert!(html.contains(needle), "lacks {needle}:\n{html}");
    }
    assert!(!html.contains(r#"" onload="#), "{html}");
    assert!(!html.contains(r#"content="A "quoted""#), "{html}");
}

#[test]
fn home_advertises_the_feeds() {
    let home = render_home(
        &Chrome::anonymous("Ferrotube"),
        &HomePage {
            instance_name: "Ferrotube".into(),
            videos: vec![],
        },
    );
    assert!(home
        .contains(r#"<link rel="alternate" type="application/rss+xml" href="/feeds/videos.xml""#));
    assert!(home.contains(r#"type="application/atom+xml" href="/feeds/videos.atom""#));
}

#[test]
fn playlist_page_lists_elements_with_their_timestamps() {
    let item =
        |name: &str, url: Option<&str>, start: Option<i64>, stop: Option<i64>| PlaylistItem {
            position: 1,
            uuid: format!("uuid-{name}"),
            short_uuid: format!("short{name}"),
            name: name.into(),
            hls_master_url: url.map(str::to_string),
            thumbnail_path: None,
            duration_secs: 65,
            channel_display_name: "Chan".into(),
            start,
            stop,
        };
    let html = render_watch_playlist(
        &Chrome::anonymous("Ferrotube"),
        &PlaylistPage {
            instance_name: "Ferrotube".into(),
            uuid: "p-uuid".into(),
            name: "My <list>".into(),
            description: None,
            owner_display_name: "Root".into(),
            items: vec![
                item("one", Some("/m1.m3u8"), None, Some(3)),
                item("two", None, Some(2), None),
            ],
        },
    );
    assert!(html.contains("data-page=\"watch-playlist\""));
    assert!(html.contains("My &#60;list&#62;"), "escaped: {html}");
    assert!(html.contains("data-hls-src=\"/m1.m3u8\" data-start=\"\" data-stop=\"3\""));
    assert!(html.contains("data-hls-src=\"\" data-start=\"2\" data-stop=\"\""));
    assert!(html.contains("href=\"/w/shortone\""));
    assert!(html.contains("1:05"));
    assert!(html.contains("2 videos"));
}
