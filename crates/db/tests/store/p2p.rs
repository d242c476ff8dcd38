//! What the tracker knows: info hashes and HLS swarms, local and remote.

use crate::common::*;
use ferrotube_db::remote_videos::{RemoteFile, RemotePlaylist, RemoteVideo};
use ferrotube_db::videos::{NewFile, TranscodeResult};
use ferrotube_db::Db;

fn file(kind: &str, resolution: i64, info_hash: Option<&str>) -> NewFile {
    NewFile {
        kind: ferrotube_model::FileKind::parse(kind).expect("hls or web"),
        resolution,
        width: resolution,
        height: resolution,
        fps: 30,
        size: 1,
        filename: format!("{kind}-{resolution}"),
        playlist_filename: None,
        has_audio: true,
        has_video: true,
        metadata: None,
        torrent_filename: info_hash.map(|h| format!("{h}.torrent")),
        info_hash: info_hash.map(str::to_string),
    }
}

async fn tracker_hashes_and_swarms(db: &Db) {
    assert!(
        db.torrent_info_hashes()
            .await
            .expect("torrent_info_hashes")
            .is_empty(),
        "torrent_info_hashes of an empty instance"
    );
    assert!(
        db.swarm_playlists()
            .await
            .expect("swarm_playlists")
            .is_empty(),
        "swarm_playlists of an empty instance"
    );
    let a = user(db, "alice").await;
    let v = new_video(a.channel_id, "local", T0);
    let id = insert(db, &v).await;
    let mut private = new_video(a.channel_id, "private", T0);
    private.privacy = PRIVATE;
    let pid = insert(db, &private).await;
    let r = |files: Vec<NewFile>| TranscodeResult {
        master_filename: "m.m3u8".into(),
        sha256_filename: "s.json".into(),
        files,
        duration: 1,
        aspect_ratio: None,
        thumbnail_name: None,
        preview_name: None,
    };
    db.save_transcode_result(
        id,
        &r(vec![
            file("hls", 720, Some("aa")),
            file("hls", 360, Some("bb")),
            file("web", 720, Some("cc")),
            file("web", 360, None),
        ]),
        true,
        T0,
    )
    .await
    .unwrap();
    db.save_transcode_result(pid, &r(vec![file("hls", 240, Some("dd"))]), true, T0)
        .await
        .unwrap();

    let racc = db
        .upsert_remote_account(&ferrotube_db::federation::RemoteProfile {
            handle: "o@o.example",
            host: "o.example",
            display_name: "o",
            description: None,
            support: None,
            now: T0,
        })
        .await
        .unwrap();
    let rch = db
        .upsert_remote_channel(
            &ferrotube_db::federation::RemoteProfile {
                handle: "oc@o.example",
                host: "o.example",
                display_name: "oc",
                description: None,
                support: None,
                now: T0,
            },
            racc,
        )
        .await
        .unwrap();
    let rf = |res: i64, hash: &str| RemoteFile {
        kind: "hls",
        resolution: res,
        width: res,
        height: res,
        fps: 30,
        size: 1,
        file_url: format!("https://o.example/f/{res}.mp4"),
        torrent_url: None,
        magnet_uri: None,
        info_hash: Some(hash.into()),
        has_audio: true,
        has_video: true,
    };
    db.upsert_remote_video(&RemoteVideo {
        url: "https://o.example/v/x".into(),
        uuid: "remote-uuid".into(),
        channel_id: rch,
        name: "remote".into(),
        description: None,
        support: None,
        category: None,
        licence: None,
        language: None,
        privacy: PUBLIC,
        nsfw: false,
        comments_policy: 1,
        download_enabled: true,
        wait_transcoding: false,
        state: PUBLISHED,
        duration: 1,
        aspect_ratio: None,
        views: 0,
        thumbnail_url: None,
        preview_url: None,
        originally_published_at: None,
        published_at: T0,
        updated_at: T0,
        tags: vec![],
        playlist: Some(RemotePlaylist {
            playlist_url: "https://o.example/hls/x/master.m3u8".into(),
            segments_sha256_url: None,
        }),
        files: vec![rf(1080, "ee")],
        now: T0,
    })
    .await
    .unwrap();

    let mut hashes = db.torrent_info_hashes().await.unwrap();
    hashes.sort();
    assert_eq!(
        hashes,
        ["aa", "bb", "cc", "dd", "ee"],
        "torrent_info_hashes: every file with a torrent, local and remote"
    );
    let mut swarms: Vec<_> = db
        .swarm_playlists()
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            (
                s.video_uuid,
                s.privacy,
                s.master_filename,
                s.variants,
                s.playlist_url,
            )
        })
        .collect();
    swarms.sort();
    let mut want = vec![
        (v.uuid.clone(), PUBLIC, "m.m3u8".to_string(), 2, None),
        (private.uuid.clone(), PRIVATE, "m.m3u8".to_string(), 1, None),
        (
            "remote-uuid".to_string(),
            PUBLIC,
            "master.m3u8".to_string(),
            1,
            Some("https://o.example/hls/x/master.m3u8".to_string()),
        ),
    ];
    want.sort();
    assert_eq!(swarms, want, "swarm_playlists: one per playlist, counting HLS variants only, with the privacy and a remote playlist's URL");
    db.delete_video(id).await.unwrap();
    assert_eq!(
        db.torrent_info_hashes().await.unwrap().len(),
        2,
        "deleting a video drops its hashes"
    );
    assert_eq!(
        db.swarm_playlists().await.unwrap().len(),
        2,
        "deleting a video drops its swarm"
    );
}

on_both_backends!(tracker_hashes_and_swarms);
