//! Remote videos: the upsert keyed by ActivityPub URL, its refusals, refresh claims, cached
//! images, and removal by host.

use crate::common::*;
use ferrotube_db::federation::{ActorFields, RemoteProfile};
use ferrotube_db::remote_videos::{RemoteFile, RemotePlaylist, RemoteVideo};
use ferrotube_db::sort::{Sort, VideoSort};
use ferrotube_db::videos::VideoFilter;
use ferrotube_db::{Db, DbError};

const HOST: &str = "origin.example";

fn rfile(kind: &'static str, resolution: i64, hash: &str) -> RemoteFile {
    RemoteFile {
        kind,
        resolution,
        width: resolution * 16 / 9,
        height: resolution,
        fps: 25,
        size: resolution * 10,
        file_url: format!("https://{HOST}/static/{kind}/{resolution}.mp4?x=1"),
        torrent_url: Some(format!("https://{HOST}/t/{resolution}.torrent")),
        magnet_uri: Some(format!("magnet:?xt=urn:btih:{hash}")),
        info_hash: Some(hash.into()),
        has_audio: true,
        has_video: true,
    }
}

pub fn remote(url: &str, uuid: &str, channel_id: i64, now: i64) -> RemoteVideo {
    RemoteVideo {
        url: url.into(),
        uuid: uuid.into(),
        channel_id,
        name: "Remote video".into(),
        description: Some("d".into()),
        support: None,
        category: Some(4),
        licence: Some(1),
        language: Some("de".into()),
        privacy: PUBLIC,
        nsfw: false,
        comments_policy: 1,
        download_enabled: true,
        wait_transcoding: false,
        state: PUBLISHED,
        duration: 61,
        aspect_ratio: Some(1.5),
        views: 10,
        thumbnail_url: Some(format!("https://{HOST}/thumbs/{uuid}.jpg")),
        preview_url: Some(format!("https://{HOST}/previews/{uuid}.jpg")),
        originally_published_at: None,
        published_at: T0 - DAY,
        updated_at: T0 - HOUR,
        tags: vec!["one".into(), "two".into()],
        playlist: Some(RemotePlaylist {
            playlist_url: format!("https://{HOST}/hls/{uuid}/master.m3u8"),
            segments_sha256_url: Some(format!("https://{HOST}/hls/{uuid}/sha.json")),
        }),
        files: vec![
            rfile("hls", 720, "h720"),
            rfile("web", 720, "w720"),
            rfile("hls", 720, "dup"),
        ],
        now,
    }
}

pub async fn remote_channel(db: &Db) -> i64 {
    let p = |handle| RemoteProfile {
        handle,
        host: HOST,
        display_name: "Origin",
        description: None,
        support: None,
        now: T0,
    };
    let acc = db
        .upsert_remote_account(&p("ori@origin.example"))
        .await
        .unwrap();
    let ch = db
        .upsert_remote_channel(&p("orichan@origin.example"), acc)
        .await
        .unwrap();
    let actor = |url, kind, account_id, channel_id| ActorFields {
        url,
        kind,
        username: "ori",
        host: Some(HOST),
        account_id,
        channel_id,
        inbox_url: "https://origin.example/inbox",
        shared_inbox_url: None,
        outbox_url: None,
        followers_url: None,
        public_key_pem: None,
        now: T0,
    };
    db.upsert_actor(&actor(
        "https://origin.example/accounts/ori",
        "Person",
        Some(acc),
        None,
    ))
    .await
    .unwrap();
    db.upsert_actor(&actor(
        "https://origin.example/video-channels/orichan",
        "Group",
        None,
        Some(ch),
    ))
    .await
    .unwrap();
    ch
}

async fn remote_videos_upsert_and_refuse(db: &Db) {
    let ch = remote_channel(db).await;
    let url = "https://origin.example/videos/watch/u1";
    let id = db
        .upsert_remote_video(&remote(url, "u1", ch, T0))
        .await
        .expect("upsert_remote_video(new)");
    let v = db
        .video_by_url(url)
        .await
        .unwrap()
        .expect("video_by_url after the upsert");
    assert_eq!(v.id, id);
    assert!(!v.is_local(), "a remote video is not local");
    assert_eq!(
        (
            v.uuid.as_str(),
            v.name.as_str(),
            v.category,
            v.language.as_deref(),
            v.duration,
            v.views,
            v.published_at,
            v.created_at,
            v.updated_at,
            v.fetched_at
        ),
        (
            "u1",
            "Remote video",
            Some(4),
            Some("de"),
            61,
            10,
            T0 - DAY,
            T0 - DAY,
            T0 - HOUR,
            Some(T0)
        ),
        "upsert_remote_video: metadata as the object says, fetched_at = now"
    );
    assert_eq!(
        (v.thumbnail_name.as_deref(), v.preview_name.as_deref()),
        (Some("u1.jpg"), Some("u1-preview.jpg")),
        "upsert_remote_video names the cached images after the uuid"
    );
    assert_eq!(
        (
            v.channel_host.as_deref(),
            v.account_host.as_deref(),
            v.account_name.as_str()
        ),
        (Some(HOST), Some(HOST), "ori@origin.example"),
        "VIDEO_SELECT: a remote video's channel and account hosts"
    );
    assert_eq!(
        (
            v.account_actor_url.as_deref(),
            v.channel_actor_url.as_deref()
        ),
        (
            Some("https://origin.example/accounts/ori"),
            Some("https://origin.example/video-channels/orichan")
        ),
        "VIDEO_SELECT: a remote video's actor URLs"
    );
    assert_eq!(
        db.video_tags(id).await.unwrap(),
        ["one", "two"],
        "upsert_remote_video writes the tags"
    );
    let files = db.video_files(id).await.unwrap();
    let mut got: Vec<_> = files
        .iter()
        .map(|f| {
            (
                f.kind.as_str().to_string(),
                f.filename.clone(),
                f.info_hash.clone().unwrap_or_default(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [("hls".to_string(), "720.mp4".to_string(), "h720".to_string()), ("web".into(), "720.mp4".into(), "w720".into())],
        "upsert_remote_video: file names from the URL's last segment, a doubled rung keeps the first"
    );
    let hls = files.iter().find(|f| f.kind.as_str() == "hls").unwrap();
    assert_eq!(
        (
            hls.file_url.as_deref(),
            hls.torrent_url.as_deref(),
            hls.magnet_uri.as_deref()
        ),
        (
            Some("https://origin.example/static/hls/720.mp4?x=1"),
            Some("https://origin.example/t/720.torrent"),
            Some("magnet:?xt=urn:btih:h720")
        ),
        "upsert_remote_video keeps the files' absolute URLs"
    );
    let p = db
        .video_playlist(id)
        .await
        .unwrap()
        .expect("video_playlist of a remote video");
    assert_eq!(
        (
            p.master_filename.as_str(),
            p.sha256_filename.as_str(),
            p.playlist_url.as_deref(),
            p.segments_sha256_url.as_deref()
        ),
        (
            "master.m3u8",
            "sha.json",
            Some("https://origin.example/hls/u1/master.m3u8"),
            Some("https://origin.example/hls/u1/sha.json")
        ),
        "upsert_remote_video writes the playlist"
    );

    // An Update: same row, everything replaced.
    let mut upd = remote(url, "u1", ch, T0 + 5);
    upd.name = "Renamed upstream".into();
    upd.category = None;
    upd.tags = vec!["three".into()];
    upd.playlist = None;
    upd.files = vec![rfile("web", 1080, "w1080")];
    upd.thumbnail_url = None;
    let id2 = db
        .upsert_remote_video(&upd)
        .await
        .expect("upsert_remote_video(update)");
    assert_eq!(
        id2, id,
        "upsert_remote_video of a known URL updates the same row"
    );
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (
            v.name.as_str(),
            v.category,
            v.fetched_at,
            v.thumbnail_url,
            v.thumbnail_name
        ),
        ("Renamed upstream", None, Some(T0 + 5), None, None),
        "upsert_remote_video(update) replaces the metadata"
    );
    assert_eq!(
        db.video_tags(id).await.unwrap(),
        ["three"],
        "upsert_remote_video(update) replaces the tags"
    );
    assert_eq!(
        db.video_files(id)
            .await
            .unwrap()
            .iter()
            .map(|f| f.resolution)
            .collect::<Vec<_>>(),
        [1080],
        "upsert_remote_video(update) replaces the files"
    );
    assert!(
        db.video_playlist(id).await.unwrap().is_none(),
        "upsert_remote_video(update) without playlist removes it"
    );

    // Refusals.
    let r = db
        .upsert_remote_video(&remote(url, "u-other", ch, T0))
        .await;
    assert!(
        matches!(r, Err(DbError::Conflict(_))),
        "upsert_remote_video: a known URL under another uuid: want Conflict, got {r:?}"
    );
    assert_eq!(
        db.video_by_id(id).await.unwrap().unwrap().uuid,
        "u1",
        "the refused update leaves the video"
    );
    let r = db
        .upsert_remote_video(&remote("https://elsewhere.example/v/u1", "u1", ch, T0))
        .await;
    assert!(
        matches!(r, Err(DbError::Conflict(_))),
        "upsert_remote_video: a uuid of another remote URL: want Conflict, got {r:?}"
    );
    let a = user(db, "alice").await;
    let local = new_video(a.channel_id, "local", T0);
    let lid = insert(db, &local).await;
    let r = db
        .upsert_remote_video(&remote(
            "https://origin.example/videos/watch/stolen",
            &local.uuid,
            ch,
            T0,
        ))
        .await;
    assert!(
        matches!(r, Err(DbError::Conflict(_))),
        "upsert_remote_video with a local video's uuid: want Conflict, got {r:?}"
    );
    let lv = db.video_by_id(lid).await.unwrap().unwrap();
    assert!(
        lv.is_local() && lv.name == "local" && lv.channel_id == a.channel_id,
        "the local video is untouched"
    );
    assert!(
        db.video_by_url("https://origin.example/videos/watch/stolen")
            .await
            .unwrap()
            .is_none(),
        "a refused upsert writes nothing"
    );
    assert!(db
        .video_by_url("https://origin.example/none")
        .await
        .unwrap()
        .is_none());

    let local_only = VideoFilter {
        is_local: Some(true),
        ..Default::default()
    };
    let remote_only = VideoFilter {
        is_local: Some(false),
        ..Default::default()
    };
    assert_eq!(
        db.list_videos(&local_only, Sort::asc(VideoSort::Id), 0, 10, false)
            .await
            .unwrap()
            .1
            .iter()
            .map(|v| v.id)
            .collect::<Vec<_>>(),
        [lid],
        "list_videos(is_local = true)"
    );
    assert_eq!(
        db.list_videos(&remote_only, Sort::asc(VideoSort::Id), 0, 10, false)
            .await
            .unwrap()
            .1
            .iter()
            .map(|v| v.id)
            .collect::<Vec<_>>(),
        [id],
        "list_videos(is_local = false)"
    );
}

async fn remote_refresh_images_and_host_removal(db: &Db) {
    let ch = remote_channel(db).await;
    let id = db
        .upsert_remote_video(&remote("https://origin.example/v/1", "r1", ch, T0))
        .await
        .unwrap();
    let id2 = db
        .upsert_remote_video(&remote("https://origin.example/v/2", "r2", ch, T0))
        .await
        .unwrap();
    let a = user(db, "alice").await;
    let lid = insert(db, &new_video(a.channel_id, "local", T0)).await;

    assert!(
        !db.claim_video_refresh(id, T0, T0 + DAY).await.unwrap(),
        "claim_video_refresh of a fresh video (fetched_at not before stale_before)"
    );
    assert!(
        db.claim_video_refresh(id, T0 + 1, T0 + DAY)
            .await
            .expect("claim_video_refresh"),
        "claim_video_refresh of a stale video"
    );
    assert!(
        !db.claim_video_refresh(id, T0 + 1, T0 + DAY).await.unwrap(),
        "claim_video_refresh: only one caller wins"
    );
    assert_eq!(
        db.video_by_id(id).await.unwrap().unwrap().fetched_at,
        Some(T0 + DAY),
        "claim_video_refresh moves fetched_at"
    );
    assert!(
        !db.claim_video_refresh(lid, T0 + DAY, T0 + DAY)
            .await
            .unwrap(),
        "claim_video_refresh of a local video"
    );

    assert_eq!(
        db.remote_image_url("r1.jpg").await.unwrap().as_deref(),
        Some("https://origin.example/thumbs/r1.jpg"),
        "remote_image_url of a thumbnail"
    );
    assert_eq!(
        db.remote_image_url("r1-preview.jpg")
            .await
            .unwrap()
            .as_deref(),
        Some("https://origin.example/previews/r1.jpg"),
        "remote_image_url of a preview"
    );
    assert_eq!(
        db.remote_image_url("nope.jpg").await.unwrap(),
        None,
        "remote_image_url of an unknown name"
    );
    db.update_video(
        lid,
        &ferrotube_db::videos::VideoUpdate {
            thumbnail_name: Some("local.jpg".into()),
            ..Default::default()
        },
        T0,
    )
    .await
    .unwrap();
    assert_eq!(
        db.remote_image_url("local.jpg").await.unwrap(),
        None,
        "remote_image_url never answers for a local video's image"
    );

    assert_eq!(
        db.delete_remote_videos_of_host("other.example")
            .await
            .unwrap(),
        0,
        "delete_remote_videos_of_host of a host with no videos"
    );
    assert_eq!(
        db.delete_remote_videos_of_host(HOST)
            .await
            .expect("delete_remote_videos_of_host"),
        2,
        "delete_remote_videos_of_host removes that host's videos"
    );
    assert!(
        db.video_by_id(id).await.unwrap().is_none() && db.video_by_id(id2).await.unwrap().is_none()
    );
    assert!(
        db.video_files(id).await.unwrap().is_empty(),
        "removing a remote video cascades to its files"
    );
    assert!(
        db.video_by_id(lid).await.unwrap().is_some(),
        "delete_remote_videos_of_host leaves local videos"
    );
    assert!(
        db.channel_by_id(ch).await.unwrap().is_some(),
        "delete_remote_videos_of_host leaves the channel"
    );
}

on_both_backends!(
    remote_videos_upsert_and_refuse,
    remote_refresh_images_and_host_removal
);
