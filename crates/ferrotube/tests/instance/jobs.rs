//! In-process instance, jobs run by the test: an upload is only queued work until the test
//! runs the queue, and then it is published — no polling, no sleeping, no background runner.

use crate::common::*;
use serde_json::json;

async fn upload_is_published_when_the_test_runs_the_jobs(backend: Backend) {
    let t = TestApp::start_with(backend, "[transcoding]\nresolutions = [144]\n").await;
    let token = t.root_token().await;
    let channel = t.channel_id(&token).await;
    let dir = tempfile::tempdir().expect("tmp");
    let clip = make_clip(dir.path(), "jobs.mp4", 1, 320, 240);
    let v = t
        .upload_resumable(
            &token,
            &clip,
            &json!({ "name": "run by the test", "channelId": channel, "privacy": 1 }),
            1 << 20,
        )
        .await;
    let uuid = v["video"]["uuid"].as_str().expect("uuid").to_string();

    // Nothing runs jobs behind the test's back: the video waits for its transcode.
    let before = t
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&token))
        .await;
    assert_eq!(before["state"]["id"], 2, "to transcode: {before}");
    let waiting = t
        .jobs_total(&token, "waiting", "video-transcoding")
        .await
        .expect("job list");
    assert_eq!(waiting, 1, "one transcode queued");

    let ran = t.run_pending_jobs().await;
    assert!(ran >= 1, "the transcode ran ({ran} jobs)");
    let after = t
        .get_json(&format!("/api/v1/videos/{uuid}"), Some(&token))
        .await;
    assert_eq!(after["state"]["id"], 1, "published: {after}");
    assert!(
        after["files"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["resolution"]["id"] == 144))
            || after["streamingPlaylists"][0]["files"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["resolution"]["id"] == 144)),
        "a 144p file: {after}"
    );
    // The queue is empty now: running it again does nothing.
    assert_eq!(t.run_pending_jobs().await, 0);
    let done = t
        .jobs_total(&token, "completed", "video-transcoding")
        .await
        .expect("job list");
    assert_eq!(done, 1, "the transcode is listed as completed");
}

on_both_backends!(upload_is_published_when_the_test_runs_the_jobs);

/// An administrator retries a job that failed for good (`POST /api/v1/jobs/{id}/retry`): it
/// runs again with a fresh budget; a job that has not failed, an unknown one and a
/// non-administrator are refused.
async fn a_failed_job_is_retried_by_an_administrator(backend: Backend) {
    let t = TestApp::start(backend).await;
    let token = t.root_token().await;
    // A transcode of a payload that names no video fails at once; one attempt only.
    let mut tx = t.instance.db.begin().await.expect("tx");
    let id = t
        .instance
        .queue
        .enqueue_in_with_attempts(&mut tx, "video-transcoding", &json!("no such video"), 0, 1)
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    t.run_pending_jobs().await;
    let failed = t
        .get_json(
            "/api/v1/jobs/failed?jobType=video-transcoding",
            Some(&token),
        )
        .await;
    assert_eq!(failed["total"], 1, "{failed}");
    assert_eq!(failed["data"][0]["id"], id, "{failed}");

    let retry = |tok: String, job: i64| {
        let req = t
            .client
            .post(t.api(&format!("/api/v1/jobs/{job}/retry")))
            .bearer_auth(tok);
        async move { req.send().await.expect("retry") }
    };
    let user = {
        t.create_user(&token, "jobs_user", "jobs-user-pw-1", 2, None)
            .await;
        t.token("jobs_user", "jobs-user-pw-1").await
    };
    assert_problem(retry(user, id).await, 403, "a user's retry").await;
    assert_problem(retry(token.clone(), id + 1000).await, 404, "an unknown job").await;
    let not_an_id = t
        .client
        .post(t.api("/api/v1/jobs/abc/retry"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("retry");
    assert_problem(not_an_id, 400, "a job id that is no number").await;

    let r = retry(token.clone(), id).await;
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap_or_default());
    let job = t.instance.db.job(id).await.expect("db").expect("job");
    assert_eq!(
        (job.state.as_str(), job.attempts),
        ("waiting", 0),
        "queued again with a fresh budget"
    );
    // Waiting, not failed: a second retry is a conflict.
    assert_problem(
        retry(token.clone(), id).await,
        409,
        "a retry of a waiting job",
    )
    .await;
    // It runs again (and fails again: the cause is still there).
    assert_eq!(t.run_pending_jobs().await, 1);
    let job = t.instance.db.job(id).await.expect("db").expect("job");
    assert_eq!((job.state.as_str(), job.attempts), ("failed", 1));
}

on_both_backends!(a_failed_job_is_retried_by_an_administrator);

/// The jobs page lists 50 jobs a page with links to the others (its filter kept), and offers
/// a retry for each job that failed.
async fn the_jobs_page_pages_and_offers_retries(backend: Backend) {
    let t = TestApp::start(backend).await;
    let token = t.root_token().await;
    let mut tx = t.instance.db.begin().await.expect("tx");
    for _ in 0..60 {
        t.instance
            .queue
            .enqueue_in_with_attempts(&mut tx, "video-transcoding", &json!("no such video"), 0, 1)
            .await
            .expect("enqueue");
    }
    tx.commit().await.expect("commit");
    t.run_pending_jobs().await;

    let page = |path: &'static str| {
        let req = t.get(path, Some(&token));
        async move {
            let r = req.send().await.expect("page");
            assert_eq!(r.status(), 200, "{path}");
            r.text().await.expect("body")
        }
    };
    let first = page("/admin/system/jobs?state=failed").await;
    assert_eq!(first.matches("<tr data-id=").count(), 50, "{first}");
    assert!(first.contains("60"), "the total: {first}");
    // `&` in an attribute is escaped (askama writes `&#38;`).
    let next = r#"href="/admin/system/jobs?state=failed&#38;page=2""#;
    assert!(
        first.contains(next) || first.contains(&next.replace("&#38;", "&amp;")),
        "{first}"
    );
    assert!(!first.contains(r#"rel="prev""#));
    assert_eq!(first.matches(r#"id="ft-retry-"#).count(), 50);
    assert!(first.contains(r#"data-ft-url="/api/v1/jobs/"#), "{first}");

    let second = page("/admin/system/jobs?state=failed&page=2").await;
    assert_eq!(second.matches("<tr data-id=").count(), 10, "{second}");
    assert!(
        second.contains(r#"href="/admin/system/jobs?state=failed""#)
            && second.contains(r#"rel="prev""#),
        "{second}"
    );
    assert!(!second.contains(r#"rel="next""#));
}

on_both_backends!(the_jobs_page_pages_and_offers_retries);
