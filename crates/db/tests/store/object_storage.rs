//! Where local videos' files live (migration 0017): `videos.storage` and `storage_public`.

use crate::common::*;
use ferrotube_db::object_storage::{STORAGE_LOCAL, STORAGE_OBJECT};
use ferrotube_db::videos::TranscodeResult;
use ferrotube_db::Db;

async fn storage_is_recorded_and_listed(db: &Db) {
    let a = user(db, "alice").await;
    let nv = new_video(a.channel_id, "to move", 1_000);
    let uuid = nv.uuid.clone();
    let id = insert(db, &nv).await;
    let untranscoded = new_video(a.channel_id, "no files yet", 1_000);
    insert(db, &untranscoded).await;
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(v.storage, STORAGE_LOCAL, "a new video is local");
    assert_eq!(v.storage_public, 0, "a new video has no public objects");
    db.save_transcode_result(
        id,
        &TranscodeResult {
            master_filename: "master.m3u8".into(),
            sha256_filename: "segments-sha256.json".into(),
            files: Vec::new(),
            duration: 1,
            aspect_ratio: None,
            thumbnail_name: None,
            preview_name: None,
        },
        true,
        1_001,
    )
    .await
    .unwrap();
    assert_eq!(
        db.local_videos_in_storage(STORAGE_LOCAL).await.unwrap(),
        vec![uuid.clone()],
        "local_videos_in_storage(local): videos with a playlist only"
    );
    let mut tx = db.begin().await.unwrap();
    db.set_video_storage_in(&mut tx, id, STORAGE_OBJECT, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let v = db.video_by_uuid(&uuid).await.unwrap().unwrap();
    assert_eq!(
        (v.storage, v.storage_public),
        (STORAGE_OBJECT, 1),
        "set_video_storage_in"
    );
    assert!(db
        .local_videos_in_storage(STORAGE_LOCAL)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        db.local_videos_in_storage(STORAGE_OBJECT).await.unwrap(),
        vec![uuid]
    );
}

on_both_backends!(storage_is_recorded_and_listed);
