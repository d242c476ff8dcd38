//! The administrator's tools against the real binary: runtime configuration applied without a
//! restart and reset, its validation and rights, the audit log, the custom home page, the
//! server's log files read back with filters, job pause/resume (kept across a restart) and
//! server stats.

use crate::common::*;
use ferrotube_model::timefmt::{iso, now_ms};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn send_json(
    t: &TestInstance,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = t.client.request(method, t.api(path));
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.expect("request")
}

async fn ok_json(r: reqwest::Response, what: &str) -> Value {
    let status = r.status();
    let text = r.text().await.expect("body");
    assert_eq!(status, 200, "{what}: {text}");
    serde_json::from_str(&text).expect("json")
}

fn messages(lines: &Value) -> Vec<String> {
    lines
        .as_array()
        .expect("array")
        .iter()
        .map(|l| l["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn admin_config(backend: Backend) {
    let t = TestInstance::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let started = now_ms() - 60_000;
    let root = t.root_token().await;
    t.create_user(&root, "moddy", "moddy-password", 1, None)
        .await;
    let moderator = t.token("moddy", "moddy-password").await;
    let since = format!("startDate={}", iso(started));

    // --- Reading: the file settings as PeerTube's CustomConfig.
    let custom = ok_json(
        send_json(
            &t,
            reqwest::Method::GET,
            "/api/v1/config/custom",
            Some(&root),
            None,
        )
        .await,
        "GET custom",
    )
    .await;
    let default_name = custom["instance"]["name"]
        .as_str()
        .expect("name")
        .to_string();
    assert_eq!(
        custom["transcoding"]["resolutions"]["144p"], true,
        "{custom}"
    );
    assert_eq!(custom["transcoding"]["resolutions"]["240p"], false);
    assert_eq!(custom["transcoding"]["hls"]["enabled"], true);
    assert_eq!(custom["live"]["enabled"], false);
    assert_eq!(custom["signup"]["enabled"], false);
    let config = t.get_json("/api/v1/config", None).await;
    assert_eq!(
        config["webadmin"]["configuration"]["edition"]["allowed"],
        true
    );
    assert_eq!(config["instance"]["name"], default_name.as_str());

    // --- Rights: a moderator, a user and nobody are refused, and nothing changes.
    let mut renamed = custom.clone();
    renamed["instance"]["name"] = json!("Moderated Tube");
    for (method, body) in [
        (reqwest::Method::GET, None),
        (reqwest::Method::PUT, Some(&renamed)),
        (reqwest::Method::DELETE, None),
    ] {
        let r = send_json(
            &t,
            method.clone(),
            "/api/v1/config/custom",
            Some(&moderator),
            body,
        )
        .await;
        assert_problem(r, 403, &format!("moderator {method} custom")).await;
        let r = send_json(&t, method.clone(), "/api/v1/config/custom", None, body).await;
        assert_problem(r, 401, &format!("anonymous {method} custom")).await;
    }

    // --- Bad values: PeerTube's 400 with the field named, nothing stored.
    let mut bad = custom.clone();
    bad["signup"]["enabled"] = json!("yes");
    bad["instance"]["name"] = json!("Should not stick");
    let r = send_json(
        &t,
        reqwest::Method::PUT,
        "/api/v1/config/custom",
        Some(&root),
        Some(&bad),
    )
    .await;
    let p = assert_problem(r, 400, "signup.enabled not a boolean").await;
    assert_eq!(
        p["invalid-params"]["signup.enabled"]["path"], "signup.enabled",
        "{p}"
    );
    let mut bad = custom.clone();
    bad["user"]["videoQuota"] = json!(-7);
    let r = send_json(
        &t,
        reqwest::Method::PUT,
        "/api/v1/config/custom",
        Some(&root),
        Some(&bad),
    )
    .await;
    assert_problem(r, 400, "negative quota").await;
    let mut bad = custom.clone();
    bad["instance"]
        .as_object_mut()
        .expect("obj")
        .remove("terms");
    let r = send_json(
        &t,
        reqwest::Method::PUT,
        "/api/v1/config/custom",
        Some(&root),
        Some(&bad),
    )
    .await;
    assert_problem(r, 400, "missing instance.terms").await;
    // A feature this server lacks cannot be switched on: /config never claims it.
    let mut bad = custom.clone();
    bad["live"]["enabled"] = json!(true);
    let r = send_json(
        &t,
        reqwest::Method::PUT,
        "/api/v1/config/custom",
        Some(&root),
        Some(&bad),
    )
    .await;
    assert_problem(r, 400, "live enabled").await;
    let r = t
        .client
        .put(t.api("/api/v1/config/custom"))
        .bearer_auth(&root)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("put");
    assert_problem(r, 400, "malformed JSON").await;
    let after_bad = t.get_json("/api/v1/config/custom", Some(&root)).await;
    assert_eq!(after_bad, custom, "a refused PUT changed nothing");
    assert_eq!(
        t.get_json("/api/v1/config", None).await["instance"]["name"],
        default_name.as_str()
    );

    // --- A change, applied at once without a restart.
    let mut next = custom.clone();
    next["instance"]["name"] = json!("Renamed Tube");
    next["instance"]["shortDescription"] = json!("Videos, renamed");
    next["instance"]["terms"] = json!("Be nice.");
    next["signup"]["enabled"] = json!(true);
    next["signup"]["limit"] = json!(10);
    next["user"]["videoQuota"] = json!(1_234_567);
    next["transcoding"]["resolutions"]["144p"] = json!(false);
    next["transcoding"]["resolutions"]["240p"] = json!(true);
    next["followers"]["instance"]["manualApproval"] = json!(true);
    let answer = ok_json(
        send_json(
            &t,
            reqwest::Method::PUT,
            "/api/v1/config/custom",
            Some(&root),
            Some(&next),
        )
        .await,
        "PUT custom",
    )
    .await;
    assert_eq!(answer["instance"]["name"], "Renamed Tube");
    assert_eq!(answer["user"]["videoQuota"], 1_234_567);
    assert_eq!(
        t.get_json("/api/v1/config/custom", Some(&root)).await,
        answer
    );
    let config = t.get_json("/api/v1/config", None).await;
    assert_eq!(config["instance"]["name"], "Renamed Tube", "{config}");
    assert_eq!(config["instance"]["shortDescription"], "Videos, renamed");
    assert_eq!(config["signup"]["allowed"], true);
    assert_eq!(config["user"]["videoQuota"], 1_234_567);
    assert_eq!(config["transcoding"]["enabledResolutions"], json!([240]));
    let about = t.get_json("/api/v1/config/about", None).await;
    assert_eq!(about["instance"]["terms"], "Be nice.");
    let home = t.client.get(t.abs("/")).send().await.expect("home");
    assert!(home.text().await.expect("html").contains("Renamed Tube"));
    // Signup opened: a visitor registers and gets the new default quota.
    let r = t
        .client
        .post(t.api("/api/v1/users/register"))
        .json(&json!({ "username": "newbie", "password": "newbie-password", "email": "newbie@example.com" }))
        .send()
        .await
        .expect("register");
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    let newbie = t.token("newbie", "newbie-password").await;
    assert_eq!(t.me(&newbie).await["videoQuota"], 1_234_567);

    // --- DELETE: back to the file settings.
    let reset = ok_json(
        send_json(
            &t,
            reqwest::Method::DELETE,
            "/api/v1/config/custom",
            Some(&root),
            None,
        )
        .await,
        "DELETE custom",
    )
    .await;
    assert_eq!(reset, custom, "DELETE restores the defaults");
    let config = t.get_json("/api/v1/config", None).await;
    assert_eq!(config["instance"]["name"], default_name.as_str());
    assert_eq!(config["signup"]["allowed"], false);
    assert_eq!(config["transcoding"]["enabledResolutions"], json!([144]));
    let r = t
        .client
        .post(t.api("/api/v1/users/register"))
        .json(&json!({ "username": "late", "password": "late-password", "email": "late@example.com" }))
        .send()
        .await
        .expect("register");
    assert_problem(r, 403, "registration closed again").await;

    // --- Custom home page.
    let r = send_json(
        &t,
        reqwest::Method::GET,
        "/api/v1/custom-pages/homepage/instance",
        None,
        None,
    )
    .await;
    assert_problem(r, 404, "no homepage yet").await;
    let page = json!({ "content": "# Welcome\n\nHello <b>friends</b>, [us](https://example.org), [bad](javascript:alert(1))" });
    let r = send_json(
        &t,
        reqwest::Method::PUT,
        "/api/v1/custom-pages/homepage/instance",
        Some(&moderator),
        Some(&page),
    )
    .await;
    assert_problem(r, 403, "moderator sets the homepage").await;
    let r = send_json(
        &t,
        reqwest::Method::PUT,
        "/api/v1/custom-pages/homepage/instance",
        Some(&root),
        Some(&json!({ "content": 12 })),
    )
    .await;
    assert_problem(r, 400, "homepage content not a string").await;
    let r = send_json(
        &t,
        reqwest::Method::PUT,
        "/api/v1/custom-pages/homepage/instance",
        Some(&root),
        Some(&page),
    )
    .await;
    assert_eq!(r.status(), 204);
    let got = t
        .get_json("/api/v1/custom-pages/homepage/instance", None)
        .await;
    assert_eq!(got, page);
    assert_eq!(
        t.get_json("/api/v1/config", None).await["homepage"]["enabled"],
        true
    );
    let html = t
        .client
        .get(t.abs("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("html");
    // Markdown rendered; raw HTML shown as text; a javascript: link defused.
    assert!(html.contains("<h1>Welcome</h1>"), "{html}");
    assert!(html.contains("Hello &lt;b&gt;friends&lt;/b&gt;"), "{html}");
    assert!(
        html.contains(r#"<a href="https://example.org">us</a>"#),
        "{html}"
    );
    assert!(!html.contains("javascript:"), "{html}");
    assert!(!html.contains("<b>friends</b>"));

    // --- Audit log: the changes above, who made them, filtered by date.
    let r = send_json(
        &t,
        reqwest::Method::GET,
        "/api/v1/server/audit-logs",
        Some(&moderator),
        None,
    )
    .await;
    assert_problem(r, 403, "moderator reads the audit log").await;
    let r = send_json(
        &t,
        reqwest::Method::GET,
        "/api/v1/server/audit-logs",
        Some(&root),
        None,
    )
    .await;
    assert_problem(r, 400, "audit log without startDate").await;
    let audit = t
        .get_json(&format!("/api/v1/server/audit-logs?{since}"), Some(&root))
        .await;
    let entries: Vec<Value> = messages(&audit)
        .iter()
        .map(|m| serde_json::from_str(m).expect("message is JSON"))
        .collect();
    let actions: Vec<(String, String)> = entries
        .iter()
        .filter(|e| e["user"] == "root")
        .map(|e| {
            (
                e["domain"].as_str().unwrap_or_default().to_string(),
                e["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for want in [
        ("config", "update"),
        ("config", "delete"),
        ("custom-page", "update"),
        ("users", "create"),
    ] {
        assert!(
            actions.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} missing from {audit}"
        );
    }
    // Refused changes are not audited: one config update only.
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.0 == "config" && a.1 == "update")
            .count(),
        1
    );
    assert!(audit
        .as_array()
        .expect("array")
        .iter()
        .all(|l| l["level"] == "audit"));
    let later = iso(now_ms() + 60_000);
    let none = t
        .get_json(
            &format!("/api/v1/server/audit-logs?startDate={later}"),
            Some(&root),
        )
        .await;
    assert_eq!(none, json!([]));
    let before = t
        .get_json(
            &format!(
                "/api/v1/server/audit-logs?{since}&endDate={}",
                iso(started + 1)
            ),
            Some(&root),
        )
        .await;
    assert_eq!(before, json!([]));

    // --- Server logs: the JSON files, filtered by date, level and tag.
    let r = send_json(
        &t,
        reqwest::Method::GET,
        "/api/v1/server/logs",
        Some(&moderator),
        None,
    )
    .await;
    assert_problem(r, 403, "moderator reads the logs").await;
    let r = send_json(
        &t,
        reqwest::Method::GET,
        &format!("/api/v1/server/logs?{since}&level=loud"),
        Some(&root),
        None,
    )
    .await;
    assert_problem(r, 400, "unknown level").await;
    let r = send_json(
        &t,
        reqwest::Method::GET,
        "/api/v1/server/logs?startDate=yesterday",
        Some(&root),
        None,
    )
    .await;
    assert_problem(r, 400, "bad startDate").await;
    let info = t
        .get_json(&format!("/api/v1/server/logs?{since}"), Some(&root))
        .await;
    let msgs = messages(&info);
    assert!(msgs.iter().any(|m| m == "ferrotube is listening"), "{info}");
    for l in info.as_array().expect("array") {
        assert!(
            ["info", "warn", "error"].contains(&l["level"].as_str().unwrap_or_default()),
            "{l}"
        );
        assert!(
            l["timestamp"]
                .as_str()
                .is_some_and(|s| s >= iso(started).as_str()),
            "{l}"
        );
    }
    let warn = t
        .get_json(
            &format!("/api/v1/server/logs?{since}&level=warn"),
            Some(&root),
        )
        .await;
    assert!(!messages(&warn)
        .iter()
        .any(|m| m == "ferrotube is listening"));
    for l in warn.as_array().expect("array") {
        assert!(
            ["warn", "error"].contains(&l["level"].as_str().unwrap_or_default()),
            "{l}"
        );
    }
    let tagged = t
        .get_json(
            &format!("/api/v1/server/logs?{since}&tagsOneOf=ferrotube"),
            Some(&root),
        )
        .await;
    assert!(messages(&tagged)
        .iter()
        .any(|m| m == "ferrotube is listening"));
    assert!(tagged.as_array().expect("array").iter().all(|l| l["tags"]
        .as_array()
        .is_some_and(|t| t.contains(&json!("ferrotube")))));
    let other_tag = t
        .get_json(
            &format!("/api/v1/server/logs?{since}&tagsOneOf=nothing-logs-this"),
            Some(&root),
        )
        .await;
    assert_eq!(other_tag, json!([]));
    let too_early = t
        .get_json(
            &format!("/api/v1/server/logs?{since}&endDate={}", iso(started + 1)),
            Some(&root),
        )
        .await;
    assert_eq!(too_early, json!([]));
}

/// A one-colour PNG made by ffmpeg.
fn make_png(dir: &std::path::Path, w: u32, h: u32) -> Vec<u8> {
    let out = dir.join("image.png");
    let st = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("color=c=blue:s={w}x{h}"))
        .args(["-frames:v", "1"])
        .arg(&out)
        .status()
        .expect("run ffmpeg");
    assert!(st.success());
    std::fs::read(&out).expect("png")
}

async fn pick(
    t: &TestInstance,
    token: &str,
    path: &str,
    field: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let (ct, body) = multipart(&[], &[(field, "image.png", bytes)]);
    t.client
        .post(t.api(path))
        .bearer_auth(token)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("pick")
}

/// The instance's avatar and banner: admin only, shown in /config and on the instance actor,
/// removed with their files.
async fn admin_instance_images(backend: Backend) {
    let t = TestInstance::start(backend).await;
    let root = t.root_token().await;
    t.create_user(&root, "moddy", "moddy-password", 1, None)
        .await;
    let moderator = t.token("moddy", "moddy-password").await;
    let dir = tempfile::tempdir().expect("tmp");
    let png = make_png(dir.path(), 400, 300);

    let r = pick(
        &t,
        &moderator,
        "/api/v1/config/instance-avatar/pick",
        "avatarfile",
        png.clone(),
    )
    .await;
    assert_problem(r, 403, "moderator sets the instance avatar").await;
    let r = pick(
        &t,
        &root,
        "/api/v1/config/instance-avatar/pick",
        "avatarfile",
        b"not an image".to_vec(),
    )
    .await;
    assert_problem(r, 400, "not an image").await;
    let config = t.get_json("/api/v1/config", None).await;
    assert_eq!(
        config["instance"]["avatars"],
        json!([]),
        "refusals stored nothing"
    );

    let r = pick(
        &t,
        &root,
        "/api/v1/config/instance-avatar/pick",
        "avatarfile",
        png.clone(),
    )
    .await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    let r = pick(
        &t,
        &root,
        "/api/v1/config/instance-banner/pick",
        "bannerfile",
        png.clone(),
    )
    .await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    let config = t.get_json("/api/v1/config", None).await;
    let avatars = config["instance"]["avatars"]
        .as_array()
        .expect("avatars")
        .clone();
    let sizes: Vec<(i64, i64)> = avatars
        .iter()
        .map(|a| {
            (
                a["width"].as_i64().unwrap_or(0),
                a["height"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        sizes,
        [(1500, 1500), (600, 600), (120, 120), (48, 48)],
        "{config}"
    );
    assert_eq!(
        config["instance"]["banners"].as_array().map(Vec::len),
        Some(2)
    );
    let first = avatars[0]["path"].as_str().expect("path").to_string();
    let r = t
        .client
        .get(t.abs(&first))
        .send()
        .await
        .expect("avatar file");
    assert_eq!(r.status(), 200);
    assert_eq!(
        t.get_json("/api/v1/config/about", None).await["instance"]["avatars"],
        json!(avatars)
    );

    // The instance actor carries them as `icon` and `image`.
    let actor: Value = t
        .client
        .get(t.abs("/accounts/peertube"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("actor json");
    assert_eq!(actor["type"], "Application", "{actor}");
    let icon = actor["icon"].as_array().expect("icon");
    assert_eq!(icon.len(), 4, "{actor}");
    assert!(
        icon[0]["url"].as_str().is_some_and(|u| u.ends_with(&first)),
        "{actor}"
    );
    assert_eq!(actor["image"].as_array().map(Vec::len), Some(2), "{actor}");

    let r = send_json(
        &t,
        reqwest::Method::DELETE,
        "/api/v1/config/instance-avatar",
        Some(&moderator),
        None,
    )
    .await;
    assert_problem(r, 403, "moderator removes the instance avatar").await;
    let r = send_json(
        &t,
        reqwest::Method::DELETE,
        "/api/v1/config/instance-avatar",
        Some(&root),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    let config = t.get_json("/api/v1/config", None).await;
    assert_eq!(config["instance"]["avatars"], json!([]));
    assert_eq!(
        config["instance"]["banners"].as_array().map(Vec::len),
        Some(2)
    );
    let r = t
        .client
        .get(t.abs(&first))
        .send()
        .await
        .expect("avatar file");
    assert_eq!(r.status(), 404, "the old files are removed");
}

async fn stats_of(t: &TestInstance) -> Value {
    t.get_json("/api/v1/server/stats", None).await
}

async fn admin_jobs_and_stats(backend: Backend) {
    let mut t = TestInstance::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "a.mp4", 2, 320, 240);
    let root = t.root_token().await;

    let s = stats_of(&t).await;
    assert_eq!(s["totalUsers"], 1, "{s}");
    assert_eq!(s["totalAdmins"], 1);
    assert_eq!(s["totalModerators"], 0);
    assert_eq!(s["totalDailyActiveUsers"], 1, "root signed in: {s}");
    assert_eq!(s["totalLocalVideos"], 0);
    assert_eq!(s["totalLocalVideoFilesSize"], 0);
    assert_eq!(s["totalVideos"], 0);

    t.create_user(&root, "moddy", "moddy-password", 1, None)
        .await;
    let moderator = t.token("moddy", "moddy-password").await;
    for path in ["/api/v1/jobs/pause", "/api/v1/jobs/resume"] {
        let r = send_json(&t, reqwest::Method::POST, path, Some(&moderator), None).await;
        assert_problem(r, 403, &format!("moderator {path}")).await;
    }

    // `pause` is no job state to list.
    let r = send_json(
        &t,
        reqwest::Method::GET,
        "/api/v1/jobs/pause",
        Some(&root),
        None,
    )
    .await;
    assert_problem(r, 400, "GET /jobs/pause").await;

    // Transcoding as the admin sets it at run time: 240p only, and web videos (MP4) too.
    let mut custom = t.get_json("/api/v1/config/custom", Some(&root)).await;
    custom["transcoding"]["resolutions"]["144p"] = json!(false);
    custom["transcoding"]["resolutions"]["240p"] = json!(true);
    custom["transcoding"]["webVideos"]["enabled"] = json!(true);
    ok_json(
        send_json(
            &t,
            reqwest::Method::PUT,
            "/api/v1/config/custom",
            Some(&root),
            Some(&custom),
        )
        .await,
        "PUT transcoding",
    )
    .await;

    // Paused: the flag is stored, so it holds across a restart.
    let r = send_json(
        &t,
        reqwest::Method::POST,
        "/api/v1/jobs/pause",
        Some(&root),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    t.kill();
    t.restart().await;
    let root = t.root_token().await;
    let uuid = {
        let size = std::fs::metadata(&clip).expect("clip").len() as usize;
        let v = t
            .upload_resumable(
                &root,
                &clip,
                &json!({ "name": "paused clip", "channelId": t.channel_id(&root).await }),
                size,
            )
            .await;
        v["video"]["uuid"].as_str().expect("uuid").to_string()
    };
    tokio::time::sleep(Duration::from_secs(4)).await;
    let v = t
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&root))
        .await;
    assert_eq!(
        v["state"]["id"], 2,
        "still waiting for transcoding while paused: {v}"
    );
    let waiting = t
        .get_json(
            "/api/v1/jobs/waiting?jobType=video-transcoding",
            Some(&root),
        )
        .await;
    assert!(
        waiting["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|j| j["data"]["uuid"] == uuid.as_str()),
        "{waiting}"
    );

    let r = send_json(
        &t,
        reqwest::Method::POST,
        "/api/v1/jobs/resume",
        Some(&root),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    let published = t.wait_published(&uuid, Some(&root)).await;
    let hls: Vec<i64> = published["streamingPlaylists"][0]["files"]
        .as_array()
        .expect("hls files")
        .iter()
        .map(|f| f["resolution"]["id"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(hls, [240], "the runtime resolutions were used: {published}");
    let web: Vec<i64> = published["files"]
        .as_array()
        .expect("web video files")
        .iter()
        .map(|f| f["resolution"]["id"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(
        web,
        [240],
        "web videos switched on at run time: {published}"
    );

    // Stats follow (the answer is cached a few seconds, as PeerTube's).
    let deadline = Instant::now() + Duration::from_secs(20);
    let s = loop {
        let s = stats_of(&t).await;
        if s["totalLocalVideos"] == 1 || Instant::now() > deadline {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(s["totalLocalVideos"], 1, "{s}");
    assert_eq!(s["totalVideos"], 1);
    assert!(
        s["totalLocalVideoFilesSize"].as_i64().unwrap_or(0) > 0,
        "{s}"
    );
    assert_eq!(s["totalUsers"], 2);
    assert_eq!(s["totalModerators"], 1);
    assert_eq!(s["totalLocalDailyActiveVideoChannels"], 1, "{s}");
    assert!(
        s["totalLocalVideoChannels"].as_i64().unwrap_or(0) >= 2,
        "{s}"
    );
    assert_eq!(s["totalInstanceFollowers"], 0);
    assert_eq!(s["videosRedundancy"], json!([]));

    let audit = t
        .get_json(
            "/api/v1/server/audit-logs?startDate=2000-01-01T00:00:00.000Z",
            Some(&root),
        )
        .await;
    let text = audit.to_string();
    assert!(text.contains(r#"\"action\":\"pause\""#), "{audit}");
    assert!(!text.contains(r#"\"domain\":\"videos\""#), "{audit}");
    assert!(text.contains(r#"\"action\":\"resume\""#), "{audit}");

    // A video deleted by its owner is audited with who did it.
    let r = send_json(
        &t,
        reqwest::Method::DELETE,
        &format!("/api/v1/videos/{uuid}"),
        Some(&root),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    let audit = t
        .get_json(
            "/api/v1/server/audit-logs?startDate=2000-01-01T00:00:00.000Z",
            Some(&root),
        )
        .await;
    let deleted: Vec<Value> = messages(&audit)
        .iter()
        .map(|m| serde_json::from_str::<Value>(m).expect("json"))
        .filter(|e| e["domain"] == "videos" && e["action"] == "delete")
        .collect();
    assert_eq!(deleted.len(), 1, "{audit}");
    assert_eq!(deleted[0]["user"], "root");
    assert_eq!(deleted[0]["videos-uuid"], uuid.as_str(), "{audit}");
}

on_both_backends!(admin_config, admin_jobs_and_stats, admin_instance_images);

/// A federation setting changed at run time: B (PostgreSQL) turns on manual approval of
/// instance followers through `/config/custom`, without a restart; A's (SQLite) follow then
/// waits for B's admin, and both instances' stats count the follow once accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_manual_approval_at_run_time() {
    use crate::federation::{until, FEDERATION_CONFIG};
    let a = TestInstance::start_at(Backend::Sqlite, "127.0.0.6", FEDERATION_CONFIG).await;
    let b = TestInstance::start_at(Backend::Postgres, "127.0.0.7", FEDERATION_CONFIG).await;
    let all = [&a, &b];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    let mut custom = b.get_json("/api/v1/config/custom", Some(&tb)).await;
    assert_eq!(custom["followers"]["instance"]["manualApproval"], false);
    custom["followers"]["instance"]["manualApproval"] = json!(true);
    ok_json(
        send_json(
            &b,
            reqwest::Method::PUT,
            "/api/v1/config/custom",
            Some(&tb),
            Some(&custom),
        )
        .await,
        "PUT custom on B",
    )
    .await;

    let r = send_json(
        &a,
        reqwest::Method::POST,
        "/api/v1/server/following",
        Some(&ta),
        Some(&json!({ "hosts": [b.host] })),
    )
    .await;
    assert_eq!(r.status(), 204);
    until(
        Duration::from_secs(30),
        "follow pending on B",
        &all,
        || async {
            let f = b.get_json("/api/v1/server/followers", None).await;
            (f["data"][0]["state"] == "pending").then_some(())
        },
    )
    .await;
    let handle = format!("peertube@{}", a.host);
    let r = send_json(
        &b,
        reqwest::Method::POST,
        &format!("/api/v1/server/followers/{handle}/accept"),
        Some(&tb),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    until(
        Duration::from_secs(30),
        "the follow counted in both stats",
        &all,
        || async {
            let (sa, sb) = (stats_of(&a).await, stats_of(&b).await);
            (sa["totalInstanceFollowing"] == 1 && sb["totalInstanceFollowers"] == 1).then_some(())
        },
    )
    .await;
    // Both admins' acts are in their instance's audit log.
    let since = "startDate=2000-01-01T00:00:00.000Z";
    let audited = |lines: &Value, domain: &str, action: &str| {
        messages(lines)
            .iter()
            .filter_map(|m| serde_json::from_str::<Value>(m).ok())
            .any(|e| e["domain"] == domain && e["action"] == action && e["user"] == "root")
    };
    let audit_a = a
        .get_json(&format!("/api/v1/server/audit-logs?{since}"), Some(&ta))
        .await;
    assert!(audited(&audit_a, "follows", "create"), "{audit_a}");
    let audit_b = b
        .get_json(&format!("/api/v1/server/audit-logs?{since}"), Some(&tb))
        .await;
    assert!(audited(&audit_b, "followers", "accept"), "{audit_b}");
    assert!(audited(&audit_b, "config", "update"), "{audit_b}");
}

/// Two nodes sharing one PostgreSQL database and one data folder (a cluster): a configuration
/// change and a job pause made on one node reach the other within seconds, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_nodes_share_runtime_settings() {
    let config = "[transcoding]\nresolutions = [144]\n";
    let a = TestInstance::start_with(Backend::Postgres, config).await;
    let db_url = a.pg_db.as_ref().expect("postgres").url.clone();
    let b = TestInstance::launch(Launch {
        config: config.into(),
        env: vec![
            ("FERROTUBE_DATABASE_URL".into(), db_url),
            ("FERROTUBE_PUBLIC_URL".into(), a.url.clone()),
            (
                "FERROTUBE_DATA_DIR".into(),
                a.data_dir.display().to_string(),
            ),
        ],
        ..Launch::new(Backend::Sqlite)
    })
    .await
    .expect("second node");
    let all = [&a, &b];
    let root = a.root_token().await;
    let node_b_config = || async { b.get_json("/api/v1/config", None).await };
    let waited = Duration::from_secs(20);

    let mut custom = a.get_json("/api/v1/config/custom", Some(&root)).await;
    custom["instance"]["name"] = json!("Cluster Tube");
    ok_json(
        send_json(
            &a,
            reqwest::Method::PUT,
            "/api/v1/config/custom",
            Some(&root),
            Some(&custom),
        )
        .await,
        "PUT custom on A",
    )
    .await;
    crate::federation::until(waited, "B shows A's change", &all, || async {
        (node_b_config().await["instance"]["name"] == "Cluster Tube").then_some(())
    })
    .await;

    // Paused on A: B stops claiming too (either node could take the job otherwise).
    let r = send_json(
        &a,
        reqwest::Method::POST,
        "/api/v1/jobs/pause",
        Some(&root),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    tokio::time::sleep(Duration::from_secs(7)).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "n.mp4", 2, 320, 240);
    let size = std::fs::metadata(&clip).expect("clip").len() as usize;
    let v = a
        .upload_resumable(
            &root,
            &clip,
            &json!({ "name": "cluster clip", "channelId": a.channel_id(&root).await }),
            size,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let seen = a
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&root))
        .await;
    assert_eq!(
        seen["state"]["id"], 2,
        "no node transcodes while paused: {seen}"
    );
    let waiting = b
        .get_json(
            "/api/v1/jobs/waiting?jobType=video-transcoding",
            Some(&root),
        )
        .await;
    assert!(
        waiting["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|j| j["data"]["uuid"] == uuid.as_str()),
        "no node claimed the job: {waiting}"
    );

    // Resumed on B: the job runs (on either node) and the reset made on B reaches A.
    let r = send_json(
        &b,
        reqwest::Method::POST,
        "/api/v1/jobs/resume",
        Some(&root),
        None,
    )
    .await;
    assert_eq!(r.status(), 204);
    a.wait_published(&uuid, Some(&root)).await;
    ok_json(
        send_json(
            &b,
            reqwest::Method::DELETE,
            "/api/v1/config/custom",
            Some(&root),
            None,
        )
        .await,
        "DELETE custom on B",
    )
    .await;
    crate::federation::until(waited, "A shows B's reset", &all, || async {
        let name = a.get_json("/api/v1/config", None).await["instance"]["name"].clone();
        (name != "Cluster Tube").then_some(())
    })
    .await;
}
