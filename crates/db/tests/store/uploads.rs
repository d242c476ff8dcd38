//! Resumable upload sessions.

use crate::common::*;
use ferrotube_db::uploads::UploadSessionRow;
use ferrotube_db::{Db, DbError};

fn session(upload_id: &str, user_id: i64, at: i64) -> UploadSessionRow {
    UploadSessionRow {
        upload_id: upload_id.into(),
        user_id,
        metadata: "{\"name\":\"v\"}".into(),
        filename: "v.mp4".into(),
        mime: "video/mp4".into(),
        total_size: 300,
        // Ignored by insert_upload_session: a session starts empty.
        received: 99,
        video_uuid: Some("ignored".into()),
        created_at: at,
        updated_at: 0,
    }
}

async fn upload_sessions_progress_and_expire(db: &Db) {
    let a = user(db, "alice").await;
    db.insert_upload_session(&session("up1", a.user_id, T0))
        .await
        .expect("insert_upload_session(up1)");
    let r = db
        .insert_upload_session(&session("up1", a.user_id, T0))
        .await;
    assert!(
        matches!(r, Err(DbError::Conflict(_))),
        "insert_upload_session with a taken id: want Conflict, got {r:?}"
    );
    let s = db
        .upload_session("up1")
        .await
        .unwrap()
        .expect("upload_session(up1)");
    assert_eq!(
        (
            s.user_id,
            s.metadata.as_str(),
            s.filename.as_str(),
            s.mime.as_str(),
            s.total_size,
            s.received,
            s.video_uuid,
            s.created_at,
            s.updated_at
        ),
        (
            a.user_id,
            "{\"name\":\"v\"}",
            "v.mp4",
            "video/mp4",
            300,
            0,
            None,
            T0,
            T0
        ),
        "insert_upload_session: a new session has received 0, no video, updated_at = created_at"
    );
    assert!(db.upload_session("nope").await.unwrap().is_none());

    assert!(
        db.advance_upload("up1", 0, 100, T0 + 1)
            .await
            .expect("advance_upload 0 -> 100"),
        "advance_upload from the current offset"
    );
    assert!(
        !db.advance_upload("up1", 0, 100, T0 + 2).await.unwrap(),
        "advance_upload from a stale offset (a racing chunk) is refused"
    );
    assert!(
        db.advance_upload("up1", 100, 300, T0 + 3).await.unwrap(),
        "advance_upload 100 -> 300"
    );
    assert!(
        !db.advance_upload("nope", 0, 1, T0).await.unwrap(),
        "advance_upload of an unknown session"
    );
    let s = db.upload_session("up1").await.unwrap().unwrap();
    assert_eq!(
        (s.received, s.updated_at),
        (300, T0 + 3),
        "advance_upload moves received and updated_at"
    );

    db.finish_upload_session("up1", "the-uuid", T0 + 4)
        .await
        .expect("finish_upload_session");
    let s = db.upload_session("up1").await.unwrap().unwrap();
    assert_eq!(
        (s.video_uuid.as_deref(), s.updated_at),
        (Some("the-uuid"), T0 + 4),
        "finish_upload_session records the video"
    );

    db.insert_upload_session(&session("up2", a.user_id, T0 - DAY))
        .await
        .unwrap();
    db.insert_upload_session(&session("up3", a.user_id, T0 - HOUR))
        .await
        .unwrap();
    let mut stale: Vec<_> = db
        .stale_upload_sessions(T0 - HOUR)
        .await
        .expect("stale_upload_sessions")
        .into_iter()
        .map(|s| s.upload_id)
        .collect();
    stale.sort();
    assert_eq!(
        stale,
        ["up2"],
        "stale_upload_sessions: updated_at strictly before the limit"
    );
    let mut stale: Vec<_> = db
        .stale_upload_sessions(T0 + 5)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.upload_id)
        .collect();
    stale.sort();
    assert_eq!(stale, ["up1", "up2", "up3"]);
    assert!(
        db.delete_upload_session("up2")
            .await
            .expect("delete_upload_session"),
        "delete_upload_session of an existing session"
    );
    assert!(
        !db.delete_upload_session("up2").await.unwrap(),
        "delete_upload_session twice answers false"
    );
    assert!(db.upload_session("up2").await.unwrap().is_none());

    db.delete_user(a.user_id).await.unwrap();
    assert!(
        db.upload_session("up1").await.unwrap().is_none(),
        "deleting the user cascades to its upload sessions"
    );
}

on_both_backends!(upload_sessions_progress_and_expire);
