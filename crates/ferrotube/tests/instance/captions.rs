//! Captions, chapters and storyboards: upload/replace/delete of captions (WebVTT and SubRip,
//! anything else refused), chapters by hand and from the description, the storyboard the
//! transcode job makes, who may change them; and their federation between two instances.

use crate::common::*;
use crate::federation::{until, FEDERATION_CONFIG};
use serde_json::{json, Value};
use std::time::Duration;

const SRT: &str = "1\r\n00:00:00,000 --> 00:00:01,000\r\nBonjour le monde\r\n\r\n2\r\n00:00:01,000 --> 00:00:02,000\r\nDeuxième ligne\r\n";
const VTT: &str = "WEBVTT\n\n00:00.000 --> 00:02.000\nHello captions\n";
const VTT2: &str = "WEBVTT\n\n00:00.000 --> 00:02.000\nReplaced captions\n";

pub(crate) async fn put_caption(
    t: &TestInstance,
    token: Option<&str>,
    video: &str,
    lang: &str,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let (ct, body) = multipart(&[], &[("captionfile", name, bytes.to_vec())]);
    let mut req = t
        .client
        .put(t.api(&format!("/api/v1/videos/{video}/captions/{lang}")))
        .header("Content-Type", ct)
        .body(body);
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    req.send().await.expect("put caption")
}

async fn delete(t: &TestInstance, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut req = t.client.delete(t.api(path));
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    req.send().await.expect("delete")
}

async fn put_chapters(
    t: &TestInstance,
    token: &str,
    video: &str,
    body: &Value,
) -> reqwest::Response {
    t.client
        .put(t.api(&format!("/api/v1/videos/{video}/chapters")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("put chapters")
}

/// `(language id, captionPath)` of a video's captions.
async fn captions(t: &TestInstance, video: &str) -> Vec<(String, String)> {
    let v = t
        .get_json(&format!("/api/v1/videos/{video}/captions"), None)
        .await;
    assert_eq!(
        v["total"].as_u64(),
        v["data"].as_array().map(|a| a.len() as u64),
        "{v}"
    );
    v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| {
            assert_eq!(c["automaticallyGenerated"], false, "{c}");
            assert!(c["updatedAt"].is_string(), "{c}");
            (
                c["language"]["id"].as_str().expect("id").to_string(),
                c["captionPath"].as_str().expect("captionPath").to_string(),
            )
        })
        .collect()
}

async fn chapters(t: &TestInstance, video: &str) -> Vec<(i64, String)> {
    let v = t
        .get_json(&format!("/api/v1/videos/{video}/chapters"), None)
        .await;
    v["chapters"]
        .as_array()
        .expect("chapters")
        .iter()
        .map(|c| {
            (
                c["timecode"].as_i64().expect("timecode"),
                c["title"].as_str().expect("title").to_string(),
            )
        })
        .collect()
}

/// Body and content type of a file the instance serves.
async fn file(t: &TestInstance, path: &str) -> (u16, String, Vec<u8>) {
    let r = t.get(path, None).send().await.expect("file");
    let status = r.status().as_u16();
    let ct = header(&r, "content-type").unwrap_or_default();
    (status, ct, r.bytes().await.expect("body").to_vec())
}

fn ch(list: &[(i64, &str)]) -> Vec<(i64, String)> {
    list.iter().map(|(t, s)| (*t, s.to_string())).collect()
}

async fn upload(t: &TestInstance, token: &str, name: &str, description: &str) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "clip.mp4", 2, 320, 180);
    let channel = t.channel_id(token).await;
    let r = t
        .legacy_upload(
            token,
            &clip,
            &[
                ("name", name.into()),
                ("channelId", channel.to_string()),
                ("privacy", "1".into()),
                ("description", description.into()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "upload");
    let v: Value = r.json().await.expect("json");
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    t.wait_published(&uuid, Some(token)).await;
    uuid
}

async fn captions_chapters_storyboards(backend: Backend) {
    let t = TestInstance::start(backend).await;
    let root = t.root_token().await;
    t.create_user(&root, "bob", "bob-password-1", 2, None).await;
    let bob = t.token("bob", "bob-password-1").await;
    let video = upload(
        &t,
        &root,
        "captioned clip",
        "A clip.\n\n00:00 Intro\n00:01 Second half\n\nThe end.",
    )
    .await;

    // Chapters read from the description.
    assert_eq!(
        chapters(&t, &video).await,
        ch(&[(0, "Intro"), (1, "Second half")])
    );

    // The storyboard the transcode job made: PeerTube's sizes, one sprite per second.
    let sb = t
        .get_json(&format!("/api/v1/videos/{video}/storyboards"), None)
        .await;
    let s = &sb["storyboards"][0];
    assert_eq!(sb["storyboards"].as_array().map(Vec::len), Some(1), "{sb}");
    assert_eq!(
        (
            &s["spriteWidth"],
            &s["spriteHeight"],
            &s["spriteDuration"],
            &s["totalWidth"],
            &s["totalHeight"]
        ),
        (
            &json!(192),
            &json!(108),
            &json!(1),
            &json!(384),
            &json!(108)
        ),
        "{sb}"
    );
    let sb_path = s["storyboardPath"].as_str().expect("storyboardPath");
    assert!(
        sb_path.starts_with("/lazy-static/storyboards/"),
        "{sb_path}"
    );
    let probe = ffprobe(&t.abs(sb_path));
    assert_eq!(probe["streams"][0]["codec_name"], "mjpeg", "{probe}");
    assert_eq!(probe["streams"][0]["width"], 384, "{probe}");
    assert_eq!(probe["streams"][0]["height"], 108, "{probe}");
    let (status, ct, _) = file(&t, sb_path).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    let config = t.get_json("/api/v1/config", None).await;
    assert_eq!(config["storyboards"]["enabled"], true);

    // Captions: none, then a SubRip file converted to WebVTT.
    assert!(captions(&t, &video).await.is_empty());
    let r = put_caption(&t, Some(&root), &video, "fr", "fr.srt", SRT.as_bytes()).await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    let list = captions(&t, &video).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].0, "fr");
    assert!(
        list[0].1.starts_with("/lazy-static/video-captions/") && list[0].1.ends_with("-fr.vtt"),
        "{list:?}"
    );
    let (status, ct, body) = file(&t, &list[0].1).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/vtt"), "{ct}");
    assert_eq!(
        String::from_utf8(body).expect("utf-8"),
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nBonjour le monde\n\n00:00:01.000 --> 00:00:02.000\nDeuxième ligne\n"
    );
    let labels = t
        .get_json(&format!("/api/v1/videos/{video}/captions"), None)
        .await;
    assert_eq!(labels["data"][0]["language"]["label"], "French");

    // A WebVTT file, then replaced: the old file is gone.
    let r = put_caption(&t, Some(&root), &video, "en", "en.vtt", VTT.as_bytes()).await;
    assert_eq!(r.status(), 204);
    let en_before = captions(&t, &video).await[0].1.clone();
    let r = put_caption(&t, Some(&root), &video, "en", "en.vtt", VTT2.as_bytes()).await;
    assert_eq!(r.status(), 204);
    let list = captions(&t, &video).await;
    assert_eq!(
        list.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        ["en", "fr"]
    );
    assert_ne!(list[0].1, en_before);
    assert_eq!(
        file(&t, &en_before).await.0,
        404,
        "the replaced file is gone"
    );
    assert_eq!(file(&t, &list[0].1).await.2, VTT2.as_bytes());

    // Refused, and nothing changes.
    let png = [
        0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
    ];
    for (what, lang, name, bytes) in [
        (
            "plain text",
            "de",
            "notes.vtt",
            &b"just some notes\nno cues\n"[..],
        ),
        ("an image", "de", "image.srt", &png[..]),
        (
            "a WebVTT header without cues",
            "de",
            "empty.vtt",
            &b"WEBVTT\n\n"[..],
        ),
        ("an unknown language", "xx-nope", "x.vtt", VTT.as_bytes()),
    ] {
        let r = put_caption(&t, Some(&root), &video, lang, name, bytes).await;
        assert_problem(r, 400, what).await;
    }
    let (ct, body) = multipart(&[("other", "x")], &[]);
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{video}/captions/de")))
        .bearer_auth(&root)
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .expect("no file");
    assert_problem(r, 400, "no captionfile").await;
    let r = put_caption(&t, Some(&bob), &video, "de", "de.vtt", VTT.as_bytes()).await;
    assert_problem(r, 403, "another user's video").await;
    let r = put_caption(&t, None, &video, "de", "de.vtt", VTT.as_bytes()).await;
    assert_problem(r, 401, "anonymous").await;
    let r = put_caption(&t, Some(&root), "999999", "de", "de.vtt", VTT.as_bytes()).await;
    assert_problem(r, 404, "unknown video").await;
    let r = delete(
        &t,
        Some(&bob),
        &format!("/api/v1/videos/{video}/captions/en"),
    )
    .await;
    assert_problem(r, 403, "bob deletes root's caption").await;
    let r = delete(
        &t,
        Some(&root),
        &format!("/api/v1/videos/{video}/captions/de"),
    )
    .await;
    assert_problem(r, 404, "no caption in that language").await;
    assert_eq!(captions(&t, &video).await, list, "refusals changed nothing");

    // Delete.
    let fr_path = list[1].1.clone();
    let r = delete(
        &t,
        Some(&root),
        &format!("/api/v1/videos/{video}/captions/fr"),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        captions(&t, &video)
            .await
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>(),
        ["en"]
    );
    assert_eq!(file(&t, &fr_path).await.0, 404);

    // Chapters by hand; refusals change nothing.
    let r = put_chapters(
        &t,
        &bob,
        &video,
        &json!({"chapters": [{"title": "Mine", "timecode": 0}]}),
    )
    .await;
    assert_problem(r, 403, "bob sets root's chapters").await;
    for (what, body) in [
        (
            "duplicate timecodes",
            json!({"chapters": [{"title": "a", "timecode": 1}, {"title": "b", "timecode": 1}]}),
        ),
        (
            "negative timecode",
            json!({"chapters": [{"title": "a", "timecode": -1}]}),
        ),
        (
            "empty title",
            json!({"chapters": [{"title": "", "timecode": 0}]}),
        ),
        ("not a list", json!({"chapters": "00:00 x"})),
    ] {
        let r = put_chapters(&t, &root, &video, &body).await;
        assert_problem(r, 400, what).await;
    }
    assert_eq!(
        chapters(&t, &video).await,
        ch(&[(0, "Intro"), (1, "Second half")])
    );
    let r = put_chapters(
        &t,
        &root,
        &video,
        &json!({"chapters": [{"title": "Later", "timecode": 1}, {"title": "Start", "timecode": 0}]}),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        chapters(&t, &video).await,
        ch(&[(0, "Start"), (1, "Later")])
    );
    // Chapters set by hand are not overwritten by a new description.
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{video}")))
        .bearer_auth(&root)
        .json(&json!({"description": "0:00 One\n0:01 Two"}))
        .send()
        .await
        .expect("update");
    assert_eq!(r.status(), 204);
    assert_eq!(
        chapters(&t, &video).await,
        ch(&[(0, "Start"), (1, "Later")])
    );

    // A description's chapters follow the description while none were set by hand.
    let other = upload(&t, &root, "described clip", "no chapters yet").await;
    assert!(chapters(&t, &other).await.is_empty());
    let r = t
        .client
        .put(t.api(&format!("/api/v1/videos/{other}")))
        .bearer_auth(&root)
        .json(&json!({"description": "Parts:\n00:00 First\n00:01 Second"}))
        .send()
        .await
        .expect("update");
    assert_eq!(r.status(), 204);
    assert_eq!(
        chapters(&t, &other).await,
        ch(&[(0, "First"), (1, "Second")])
    );

    // Unknown videos.
    for path in [
        "/api/v1/videos/999999/captions",
        "/api/v1/videos/999999/chapters",
        "/api/v1/videos/999999/storyboards",
        "/lazy-static/video-captions/nope-en.vtt",
        "/lazy-static/storyboards/nope.jpg",
    ] {
        let r = t.get(path, None).send().await.expect("get");
        assert_problem(r, 404, path).await;
    }

    // Deleting the video removes its files.
    let en_path = captions(&t, &video).await[0].1.clone();
    let r = delete(&t, Some(&root), &format!("/api/v1/videos/{video}")).await;
    assert_eq!(r.status(), 204);
    assert_eq!(file(&t, &en_path).await.0, 404);
    assert_eq!(file(&t, sb_path).await.0, 404);
}

on_both_backends!(captions_chapters_storyboards);

/// B follows A: A's captions, chapters and storyboard appear on B (files fetched from A when
/// first asked for) and follow A's changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn captions_and_chapters_federate() {
    let a = TestInstance::start_at(Backend::Sqlite, "127.0.0.6", FEDERATION_CONFIG).await;
    let b = TestInstance::start_at(Backend::Postgres, "127.0.0.7", FEDERATION_CONFIG).await;
    let logs = [&a, &b];
    let (ta, tb) = (a.root_token().await, b.root_token().await);
    let r = b
        .client
        .post(b.api("/api/v1/server/following"))
        .bearer_auth(&tb)
        .json(&json!({ "hosts": [a.host] }))
        .send()
        .await
        .expect("follow");
    assert_eq!(r.status(), 204);
    until(Duration::from_secs(30), "B follows A", &logs, || async {
        let list = b.get_json("/api/v1/server/following", None).await;
        (list["data"][0]["state"] == "accepted").then_some(())
    })
    .await;

    let video = upload(
        &a,
        &ta,
        "federated captions",
        "00:00 Opening\n00:01 Closing",
    )
    .await;
    let r = put_caption(&a, Some(&ta), &video, "en", "en.vtt", VTT.as_bytes()).await;
    assert_eq!(r.status(), 204);

    // The Video object carries them as PeerTube's does.
    let obj: Value = a
        .client
        .get(format!("{}/videos/watch/{video}", a.url))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("video object")
        .json()
        .await
        .expect("json");
    assert_eq!(obj["subtitleLanguage"][0]["identifier"], "en", "{obj}");
    assert_eq!(obj["subtitleLanguage"][0]["name"], "English");
    assert_eq!(
        obj["hasParts"],
        format!("{}/videos/watch/{video}/chapters", a.url)
    );
    assert_eq!(obj["preview"][0]["rel"], json!(["storyboard"]), "{obj}");
    assert_eq!(obj["preview"][0]["url"][0]["tileDuration"], "PT1S");
    let parts: Value = a
        .client
        .get(obj["hasParts"].as_str().expect("hasParts"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("chapters object")
        .json()
        .await
        .expect("json");
    assert_eq!(
        parts["hasPart"],
        json!([
            {"name": "Opening", "startOffset": 0, "endOffset": 1},
            {"name": "Closing", "startOffset": 1, "endOffset": 2}
        ]),
        "{parts}"
    );

    // On B: the caption (its text fetched from A), the chapters and the storyboard.
    let b_caption = until(
        Duration::from_secs(60),
        "A's caption listed on B",
        &logs,
        || async {
            let r = b
                .get(&format!("/api/v1/videos/{video}/captions"), None)
                .send()
                .await
                .ok()?;
            if r.status() != 200 {
                return None;
            }
            let v: Value = r.json().await.ok()?;
            v["data"][0]["captionPath"].as_str().map(str::to_string)
        },
    )
    .await;
    let (status, ct, body) = file(&b, &b_caption).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/vtt"), "{ct}");
    assert_eq!(body, VTT.as_bytes());
    assert_eq!(
        chapters(&b, &video).await,
        ch(&[(0, "Opening"), (1, "Closing")])
    );
    let sb = b
        .get_json(&format!("/api/v1/videos/{video}/storyboards"), None)
        .await;
    let sb_path = sb["storyboards"][0]["storyboardPath"]
        .as_str()
        .expect("storyboard on B")
        .to_string();
    assert_eq!(sb["storyboards"][0]["totalWidth"], 384);
    let (status, ct, body) = file(&b, &sb_path).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    assert!(body.starts_with(&[0xff, 0xd8]), "a JPEG");

    // A changes them: B follows.
    let r = put_caption(&a, Some(&ta), &video, "en", "en.vtt", VTT2.as_bytes()).await;
    assert_eq!(r.status(), 204);
    let r = put_caption(&a, Some(&ta), &video, "fr", "fr.srt", SRT.as_bytes()).await;
    assert_eq!(r.status(), 204);
    let r = put_chapters(
        &a,
        &ta,
        &video,
        &json!({"chapters": [{"title": "Only", "timecode": 0}]}),
    )
    .await;
    assert_eq!(r.status(), 204);
    until(
        Duration::from_secs(60),
        "A's changes on B",
        &logs,
        || async {
            let langs: Vec<String> = captions(&b, &video)
                .await
                .into_iter()
                .map(|c| c.0)
                .collect();
            let ok = langs == ["en", "fr"] && chapters(&b, &video).await == ch(&[(0, "Only")]);
            ok.then_some(())
        },
    )
    .await;
    let list = captions(&b, &video).await;
    assert_eq!(file(&b, &list[0].1).await.2, VTT2.as_bytes());
    assert!(String::from_utf8(file(&b, &list[1].1).await.2)
        .expect("utf-8")
        .contains("00:00:00.000 --> 00:00:01.000\nBonjour le monde"));
    let r = delete(
        &a,
        Some(&ta),
        &format!("/api/v1/videos/{video}/captions/en"),
    )
    .await;
    assert_eq!(r.status(), 204);
    until(
        Duration::from_secs(60),
        "A's deleted caption gone on B",
        &logs,
        || async {
            let langs: Vec<String> = captions(&b, &video)
                .await
                .into_iter()
                .map(|c| c.0)
                .collect();
            (langs == ["fr"]).then_some(())
        },
    )
    .await;
    // B's users cannot change a remote video's captions or chapters.
    let r = put_caption(&b, Some(&tb), &video, "de", "de.vtt", VTT.as_bytes()).await;
    assert_problem(r, 403, "a remote video's captions").await;
    let r = put_chapters(&b, &tb, &video, &json!({"chapters": []})).await;
    assert_problem(r, 403, "a remote video's chapters").await;
}
