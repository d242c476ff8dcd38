//! Bad input: each refused with its status code and problem+json, nothing left behind.
//! In-process (`TestApp`): no restart or second host needed; queued jobs run when the test
//! waits for them.

use crate::common::*;
use serde_json::json;

fn upload_id(session: &str) -> String {
    session
        .split("upload_id=")
        .nth(1)
        .expect("upload_id in the session URL")
        .to_string()
}

async fn bad_input(backend: Backend) {
    let t = TestApp::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "ok.mp4", 2, 320, 240);
    let data = std::fs::read(&clip).expect("clip");
    let total = data.len() as u64;
    let root = t.root_token().await;

    // A user for the refused uploads: it must end with no video at all.
    t.create_user(&root, "mallory", "mallory-password", 2, None)
        .await;
    let tok = t.token("mallory", "mallory-password").await;
    let channel = t.channel_id(&tok).await;
    let meta = json!({ "name": "bad input", "channelId": channel });

    // Wrong token.
    let r = t
        .get("/api/v1/users/me", Some("0123456789abcdef"))
        .send()
        .await
        .expect("me");
    assert_problem(r, 401, "wrong token on /users/me").await;
    let r = t
        .resumable_init("not-a-token", "ok.mp4", total, &meta)
        .await;
    assert_problem(r, 401, "wrong token on upload init").await;

    // Revoked token.
    let revocable = t.token("mallory", "mallory-password").await;
    assert_eq!(t.me(&revocable).await["username"], "mallory");
    let r = t
        .client
        .post(t.api("/api/v1/users/revoke-token"))
        .bearer_auth(&revocable)
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 200, "revoke-token");
    let r = t
        .get("/api/v1/users/me", Some(&revocable))
        .send()
        .await
        .expect("me");
    assert_problem(r, 401, "revoked token").await;
    // The other token of the same user still works.
    assert_eq!(t.me(&tok).await["username"], "mallory");

    // Over quota: refused at init, before any byte is sent.
    t.create_user(&root, "tiny", "tiny-password", 2, Some(1000))
        .await;
    let tiny = t.token("tiny", "tiny-password").await;
    let tiny_channel = t.channel_id(&tiny).await;
    let before = t.upload_temp_files().len();
    let r = t
        .resumable_init(
            &tiny,
            "ok.mp4",
            total,
            &json!({ "name": "too big", "channelId": tiny_channel }),
        )
        .await;
    let p = assert_problem(r, 413, "over quota").await;
    assert_eq!(p["code"], "quota_reached", "{p}");
    assert_eq!(
        t.upload_temp_files().len(),
        before,
        "over quota left a file"
    );
    let r = t
        .legacy_upload(
            &tiny,
            &clip,
            &[
                ("name", "too big".into()),
                ("channelId", tiny_channel.to_string()),
            ],
        )
        .await;
    let p = assert_problem(r, 413, "over quota (legacy)").await;
    assert_eq!(p["code"], "quota_reached", "{p}");
    assert_eq!(t.my_videos_total(&tiny).await, 0);
    assert_eq!(
        t.upload_temp_files().len(),
        before,
        "legacy over quota left a file"
    );

    // Not a video: accepted byte by byte, refused (422) on the last chunk, nothing kept.
    let text = b"this is plain text, not a video at all\n".repeat(200);
    let session = t
        .resumable_session(&tok, "x.mp4", text.len() as u64, &meta)
        .await;
    let id = upload_id(&session);
    assert!(
        t.upload_temp_files().contains(&id),
        "the upload file exists while in progress"
    );
    let half = text.len() / 2;
    let r = t
        .put_chunk(&tok, &session, text[..half].to_vec(), 0, text.len() as u64)
        .await;
    assert_eq!(r.status(), 308);
    let r = t
        .put_chunk(
            &tok,
            &session,
            text[half..].to_vec(),
            half as u64,
            text.len() as u64,
        )
        .await;
    assert_problem(r, 422, "not a video").await;
    assert!(
        !t.upload_temp_files().contains(&id),
        "rejected upload left its file"
    );
    let r = t
        .put_chunk(
            &tok,
            &session,
            text[half..].to_vec(),
            half as u64,
            text.len() as u64,
        )
        .await;
    assert_problem(r, 404, "session of a rejected upload").await;
    let r = t
        .legacy_upload(
            &tok,
            &{
                let f = dir.path().join("y.mp4");
                std::fs::write(&f, &text).expect("write");
                f
            },
            &[("name", "text".into()), ("channelId", channel.to_string())],
        )
        .await;
    assert_problem(r, 422, "not a video (legacy)").await;
    assert!(
        t.upload_temp_files()
            .iter()
            .all(|f| !f.starts_with("legacy-")),
        "legacy upload left a file: {:?}",
        t.upload_temp_files()
    );

    // Unsupported extension.
    let r = t.resumable_init(&tok, "notes.txt", total, &meta).await;
    assert_problem(r, 415, "unsupported extension").await;
    let txt = dir.path().join("clip.txt");
    std::fs::copy(&clip, &txt).expect("copy");
    let r = t
        .legacy_upload(
            &tok,
            &txt,
            &[("name", "txt".into()), ("channelId", channel.to_string())],
        )
        .await;
    assert_problem(r, 415, "unsupported extension (legacy)").await;

    // Unknown upload id.
    let unknown = t.api("/api/v1/videos/upload-resumable?upload_id=deadbeefdeadbeef");
    let r = t
        .put_chunk(&tok, &unknown, data[..100].to_vec(), 0, total)
        .await;
    assert_problem(r, 404, "unknown upload id").await;

    // DELETE cancels: 204, then the session is gone.
    let session = t.resumable_session(&tok, "ok.mp4", total, &meta).await;
    let id = upload_id(&session);
    let r = t
        .put_chunk(&tok, &session, data[..1000].to_vec(), 0, total)
        .await;
    assert_eq!(r.status(), 308);
    let r = t
        .client
        .delete(&session)
        .bearer_auth(&tok)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert!(
        !t.upload_temp_files().contains(&id),
        "cancelled upload left its file"
    );
    let r = t
        .put_chunk(&tok, &session, data[1000..2000].to_vec(), 1000, total)
        .await;
    assert_problem(r, 404, "PUT after DELETE").await;

    // Another user's session is not mine.
    let session = t.resumable_session(&tok, "ok.mp4", total, &meta).await;
    let r = t
        .put_chunk(&root, &session, data[..100].to_vec(), 0, total)
        .await;
    let s = r.status().as_u16();
    assert!(s == 403 || s == 404, "another user's session: {s}");

    // Content-Range: garbage, and a total that differs from X-Upload-Content-Length.
    for bad in [
        "nonsense",
        "bytes 0-99",
        "bytes a-b/c",
        "bytes 99-0/1000",
        "items 0-99/1000",
    ] {
        let r = t
            .client
            .put(&session)
            .bearer_auth(&tok)
            .header("Content-Range", bad)
            .body(data[..100].to_vec())
            .send()
            .await
            .expect("put");
        assert_problem(r, 400, &format!("Content-Range {bad:?}")).await;
    }
    let r = t
        .put_chunk(&tok, &session, data[..100].to_vec(), 0, total + 1)
        .await;
    assert_problem(r, 400, "total differs from X-Upload-Content-Length").await;
    let r = t
        .client
        .put(&session)
        .bearer_auth(&tok)
        .header("Content-Range", format!("bytes */{}", total + 5))
        .send()
        .await
        .expect("put");
    assert_problem(r, 400, "status query with a wrong total").await;

    // First chunk, then: truncated (400), overlapping (409 + Range), then resume and finish.
    let c = 10_000usize.min(data.len() / 3);
    let r = t
        .put_chunk(&tok, &session, data[..c].to_vec(), 0, total)
        .await;
    assert_eq!(r.status(), 308);
    let full_len = c; // announce c bytes, send fewer
    let r = t
        .client
        .put(&session)
        .bearer_auth(&tok)
        .header(
            "Content-Range",
            format!("bytes {c}-{}/{total}", c + full_len - 1),
        )
        .body(data[c..c + full_len / 2].to_vec())
        .send()
        .await
        .expect("put");
    assert_problem(r, 400, "truncated chunk").await;
    let r = t
        .client
        .put(&session)
        .bearer_auth(&tok)
        .header("Content-Range", format!("bytes */{total}"))
        .send()
        .await
        .expect("ask");
    assert_eq!(r.status(), 308);
    assert_eq!(
        header(&r, "range"),
        Some(format!("bytes=0-{}", c - 1)),
        "the truncated chunk must not move the offset"
    );
    let id = upload_id(&session);
    let on_disk = std::fs::metadata(t.data_dir.join("storage/tmp/uploads").join(&id))
        .expect("upload file")
        .len();
    assert_eq!(
        on_disk, c as u64,
        "the truncated bytes must not stay on disk"
    );
    for start in [0usize, c / 2, c + 1] {
        let r = t
            .put_chunk(
                &tok,
                &session,
                data[start..start + 100].to_vec(),
                start as u64,
                total,
            )
            .await;
        let range = header(&r, "range");
        assert_problem(r, 409, &format!("chunk at {start} when {c} received")).await;
        assert_eq!(range, Some(format!("bytes=0-{}", c - 1)), "Range on 409");
    }
    let r = t
        .put_chunk(&tok, &session, data[c..].to_vec(), c as u64, total)
        .await;
    let status = r.status();
    let body = r.text().await.expect("body");
    assert_eq!(status, 200, "resumed upload finishes: {body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();
    let published = t.wait_published(&uuid, Some(&tok)).await;
    assert_eq!(
        published["streamingPlaylists"][0]["files"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert!(
        !t.upload_temp_files().contains(&id),
        "finished upload left its temp file"
    );
    assert_eq!(
        t.my_videos_total(&tok).await,
        1,
        "only the resumed upload is a video"
    );
    // Retrying the final chunk (lost answer) gives the same video, not a second one.
    let r = t
        .put_chunk(&tok, &session, data[c..].to_vec(), c as u64, total)
        .await;
    let status = r.status();
    let body = r.text().await.expect("body");
    assert_eq!(status, 200, "retry of the final chunk: {body}");
    let again: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(again["video"]["uuid"].as_str(), Some(uuid.as_str()));
    assert_eq!(t.my_videos_total(&tok).await, 1);
    assert_eq!(t.my_videos_total(&tiny).await, 0);

    // Malformed query parameters: 400 problem+json, never 5xx.
    for q in [
        "count=abc",
        "count=-1",
        "count=1000",
        "sort=nope",
        "sort=-nope",
        "start=-1",
        "start=x",
        "nsfw=maybe",
        "isLocal=perhaps",
        "categoryOneOf=abc",
    ] {
        let r = t
            .get(&format!("/api/v1/videos?{q}"), None)
            .send()
            .await
            .expect("list");
        assert_problem(r, 400, &format!("/api/v1/videos?{q}")).await;
    }
    for q in ["count=abc", "sort=nope", "start=-1"] {
        for path in ["/api/v1/users/me/videos", "/api/v1/video-channels"] {
            let r = t
                .get(&format!("{path}?{q}"), Some(&tok))
                .send()
                .await
                .expect("list");
            assert_problem(r, 400, &format!("{path}?{q}")).await;
        }
    }
    // Ids that are neither numbers nor uuids are 400, unknown ones 404.
    let r = t
        .get("/api/v1/videos/not-an-id!", None)
        .send()
        .await
        .expect("get");
    let s = r.status().as_u16();
    assert!(s == 400 || s == 404, "bad id: {s}");
    let r = t
        .get("/api/v1/videos/999999", None)
        .send()
        .await
        .expect("get");
    assert_problem(r, 404, "unknown video id").await;
}

on_both_backends!(bad_input);
