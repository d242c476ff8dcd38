//! Writes every page (with fixed sample data) and the `/client/` assets into a
//! folder, for the browser smoke test `tests/browser/pages.test.mjs`.
//!
//! `cargo run -p ferrotube-web --example dump_pages -- OUT_DIR`

use ferrotube_web::*;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| String::from("web-pages")),
    );
    std::fs::create_dir_all(out.join("client"))?;
    let instance = "Ferrotube <test>";
    let card = |short: &str, name: &str, secs: i64| VideoCard {
        uuid: format!("uuid-{short}"),
        short_uuid: short.to_owned(),
        name: name.to_owned(),
        thumbnail_path: Some(String::from("/lazy-static/thumbnails/thumb.jpg")),
        duration_secs: secs,
        channel_display_name: String::from("Main root channel"),
        channel_name: String::from("root_channel"),
        views: 7,
        published_at: String::from("2026-01-02T03:04:05.000Z"),
    };
    let home = HomePage {
        instance_name: instance.to_owned(),
        videos: vec![
            card(
                "published",
                "A published <script>alert(1)</script> video",
                6,
            ),
            card("processing", "Still processing", 3725),
        ],
    };
    let watch = |short: &str, published: bool| WatchPage {
        instance_name: instance.to_owned(),
        uuid: format!("uuid-{short}"),
        short_uuid: short.to_owned(),
        name: format!("Video {short} <b>not bold</b>"),
        description: Some(String::from("First line\nSecond line with <i>markup</i>")),
        hls_master_url: published
            .then(|| String::from("/static/streaming-playlists/hls/master.m3u8")),
        preview_path: Some(String::from("/lazy-static/previews/preview.jpg")),
        channel_display_name: String::from("Main root channel"),
        channel_name: String::from("root_channel"),
        views: 1,
        likes: 0,
        dislikes: 0,
        published_at: String::from("2026-01-02T03:04:05.000Z"),
        state_label: String::from(if published {
            "Published"
        } else {
            "To transcode"
        }),
        is_published: published,
        served_from_copy: false,
        origin_host: None,
        p2p_config: None,
        sharing: Default::default(),
    };
    let pages = [
        ("home.html", render_home(&home)),
        (
            "home-empty.html",
            render_home(&HomePage {
                instance_name: instance.to_owned(),
                videos: vec![],
            }),
        ),
        (
            "watch-published.html",
            render_watch(&watch("published", true)),
        ),
        (
            "watch-mirrored.html",
            render_watch(&WatchPage {
                served_from_copy: true,
                origin_host: Some(String::from("peertube.example")),
                ..watch("mirrored", true)
            }),
        ),
        (
            "watch-processing.html",
            render_watch(&watch("processing", false)),
        ),
        (
            "watch-shell.html",
            render_watch_shell(instance, "uuid-private"),
        ),
        ("login.html", render_login(instance)),
        ("upload.html", render_upload(instance)),
        ("not-found.html", render_not_found(instance)),
    ];
    for (name, html) in pages {
        std::fs::write(out.join(name), html)?;
    }
    std::fs::write(out.join("client/hls.min.js"), HLS_JS)?;
    std::fs::write(out.join("client/app.js"), APP_JS)?;
    std::fs::write(out.join("client/style.css"), STYLE_CSS)?;
    println!("{}", out.display());
    Ok(())
}
