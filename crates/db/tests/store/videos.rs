//! Videos: insert, read back, partial updates, state and privacy, ratings and views, files from
//! a transcode, delete cascade, and the listing query's filters, sorting and totals.

use crate::common::*;
use ferrotube_db::sort::{Sort, VideoSort};
use ferrotube_db::videos::{
    NewFile, NewVideo, TranscodeResult, VideoFilter, VideoRow, VideoUpdate,
};
use ferrotube_db::{Db, DbError};

async fn videos_are_inserted_read_and_updated(db: &Db) {
    let a = user(db, "alice").await;
    let other = db
        .create_channel(a.account_id, "alice_two", "Two", None, None, T0)
        .await
        .unwrap();
    let mut nv = new_video(a.channel_id, "First video", T0);
    nv.description = Some("desc".into());
    nv.support = Some("support".into());
    nv.category = Some(3);
    nv.licence = Some(2);
    nv.language = Some("fr".into());
    nv.privacy = UNLISTED;
    nv.nsfw = true;
    nv.comments_policy = 2;
    nv.download_enabled = false;
    nv.wait_transcoding = true;
    nv.state = TO_TRANSCODE;
    nv.input_size = 1234;
    nv.source_filename = Some("in.mp4".into());
    nv.originally_published_at = Some(T0 - DAY);
    nv.tags = vec!["Zebra".into(), "apple".into(), "mango".into()];
    let id = insert(db, &nv).await;

    let v = db
        .video_by_uuid(&nv.uuid)
        .await
        .unwrap()
        .expect("video_by_uuid finds the inserted video");
    assert_eq!(v.id, id);
    assert_eq!(
        (
            v.name.as_str(),
            v.description.as_deref(),
            v.support.as_deref(),
            v.category,
            v.licence,
            v.language.as_deref()
        ),
        (
            "First video",
            Some("desc"),
            Some("support"),
            Some(3),
            Some(2),
            Some("fr")
        ),
        "insert_video: descriptive columns"
    );
    assert_eq!(
        (
            v.privacy.id(),
            v.nsfw,
            v.comments_policy,
            v.download_enabled,
            v.wait_transcoding,
            v.state.id(),
            v.input_size
        ),
        (UNLISTED, true, 2, false, true, TO_TRANSCODE, 1234),
        "insert_video: flags and state"
    );
    assert_eq!(
        (
            v.source_filename.as_deref(),
            v.originally_published_at,
            v.published_at,
            v.created_at,
            v.updated_at
        ),
        (Some("in.mp4"), Some(T0 - DAY), T0, T0, T0),
        "insert_video: times (published_at = created_at = updated_at = now)"
    );
    assert_eq!(
        (
            v.duration,
            v.views,
            v.likes,
            v.dislikes,
            v.aspect_ratio,
            v.state_reason.clone()
        ),
        (0, 0, 0, 0, None, None),
        "insert_video: defaults"
    );
    assert_eq!(
        (
            v.channel_id,
            v.channel_name.as_str(),
            v.account_id,
            v.account_name.as_str(),
            v.account_user_id
        ),
        (
            a.channel_id,
            "alice_channel",
            a.account_id,
            "alice",
            Some(a.user_id)
        ),
        "VIDEO_SELECT joins the channel and account"
    );
    assert!(
        v.is_local() && v.url.is_none() && v.channel_host.is_none() && v.fetched_at.is_none(),
        "a local video has no url, host or fetched_at"
    );
    assert_eq!(
        db.video_by_id(id).await.unwrap().map(|v| v.uuid),
        Some(nv.uuid.clone()),
        "video_by_id"
    );
    assert!(db.video_by_uuid("no-such-uuid").await.unwrap().is_none());
    assert_eq!(
        db.video_tags(id).await.unwrap(),
        ["Zebra", "apple", "mango"],
        "video_tags keeps insertion order"
    );

    let mut dup = new_video(a.channel_id, "dup", T0);
    dup.uuid = nv.uuid.clone();
    let mut tx = db.begin().await.unwrap();
    let r = db.insert_video(&mut tx, &dup).await;
    assert!(
        matches!(r, Err(DbError::Conflict(_))),
        "insert_video with a taken uuid: want Conflict, got {r:?}"
    );
    drop(tx);

    // A name-only update leaves everything else alone.
    db.update_video(
        id,
        &VideoUpdate {
            name: Some("Renamed".into()),
            ..Default::default()
        },
        T0 + 1,
    )
    .await
    .expect("update_video(name)");
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (
            v.name.as_str(),
            v.updated_at,
            v.description.as_deref(),
            v.category,
            v.privacy.id()
        ),
        ("Renamed", T0 + 1, Some("desc"), Some(3), UNLISTED),
        "update_video(name only)"
    );
    assert_eq!(
        db.video_tags(id).await.unwrap().len(),
        3,
        "update_video without tags keeps them"
    );

    // Every field, nulls included (typed NULLs: PostgreSQL refuses an untyped one for BIGINT).
    let u = VideoUpdate {
        name: None,
        description: Some(None),
        support: Some(None),
        category: Some(None),
        licence: Some(Some(7)),
        language: Some(None),
        privacy: Some(PRIVATE),
        nsfw: Some(false),
        comments_policy: Some(3),
        download_enabled: Some(true),
        wait_transcoding: Some(false),
        originally_published_at: Some(None),
        channel_id: Some(other),
        tags: Some(vec!["new".into()]),
        thumbnail_name: Some("t.jpg".into()),
        preview_name: Some("p.jpg".into()),
        published_at: Some(T0 + 100),
    };
    db.update_video(id, &u, T0 + 2)
        .await
        .expect("update_video(every field)");
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (
            v.description,
            v.support,
            v.category,
            v.licence,
            v.language,
            v.originally_published_at
        ),
        (None, None, None, Some(7), None, None),
        "update_video sets NULLs and values"
    );
    assert_eq!(
        (
            v.privacy.id(),
            v.nsfw,
            v.comments_policy,
            v.download_enabled,
            v.wait_transcoding,
            v.channel_id,
            v.published_at,
            v.updated_at
        ),
        (PRIVATE, false, 3, true, false, other, T0 + 100, T0 + 2),
        "update_video: privacy, flags, channel move, published_at"
    );
    assert_eq!(
        (v.thumbnail_name.as_deref(), v.preview_name.as_deref()),
        (Some("t.jpg"), Some("p.jpg"))
    );
    assert_eq!(
        db.video_tags(id).await.unwrap(),
        ["new"],
        "update_video replaces the tags"
    );
    db.update_video(
        id,
        &VideoUpdate {
            tags: Some(vec![]),
            ..Default::default()
        },
        T0 + 3,
    )
    .await
    .unwrap();
    assert!(
        db.video_tags(id).await.unwrap().is_empty(),
        "update_video with empty tags removes them"
    );

    db.set_video_state(id, 3, Some("transcoding failed"), T0 + 4)
        .await
        .expect("set_video_state");
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (v.state.id(), v.state_reason.as_deref(), v.updated_at),
        (3, Some("transcoding failed"), T0 + 4),
        "set_video_state with a reason"
    );
    db.set_video_state(id, PUBLISHED, None, T0 + 5)
        .await
        .unwrap();
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (v.state.id(), v.state_reason),
        (PUBLISHED, None),
        "set_video_state clears the reason"
    );

    db.add_view(id).await.expect("add_view");
    db.add_view(id).await.unwrap();
    assert_eq!(
        db.video_by_id(id).await.unwrap().unwrap().views,
        2,
        "add_view counts one view a call"
    );
}

async fn ratings_recount_likes(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let c = user(db, "carol").await;
    let id = insert(db, &new_video(a.channel_id, "rated", T0)).await;
    let counts = |v: VideoRow| (v.likes, v.dislikes);
    db.set_rate(a.account_id, id, Some("like"), T0)
        .await
        .expect("set_rate(like)");
    db.set_rate(b.account_id, id, Some("like"), T0)
        .await
        .unwrap();
    db.set_rate(c.account_id, id, Some("dislike"), T0)
        .await
        .unwrap();
    assert_eq!(
        counts(db.video_by_id(id).await.unwrap().unwrap()),
        (2, 1),
        "set_rate recounts likes and dislikes"
    );
    assert_eq!(
        db.rate_of(c.account_id, id).await.unwrap().as_deref(),
        Some("dislike"),
        "rate_of"
    );
    db.set_rate(a.account_id, id, Some("dislike"), T0)
        .await
        .expect("set_rate replaces a rating");
    assert_eq!(
        counts(db.video_by_id(id).await.unwrap().unwrap()),
        (1, 2),
        "set_rate: a changed rating moves from likes to dislikes"
    );
    db.set_rate(a.account_id, id, None, T0)
        .await
        .expect("set_rate(None)");
    assert_eq!(
        db.rate_of(a.account_id, id).await.unwrap(),
        None,
        "set_rate(None) removes the rating"
    );
    assert_eq!(counts(db.video_by_id(id).await.unwrap().unwrap()), (1, 1));
    db.set_rate(b.account_id, id, Some("like"), T0)
        .await
        .unwrap();
    assert_eq!(
        counts(db.video_by_id(id).await.unwrap().unwrap()),
        (1, 1),
        "set_rate twice with the same rating counts once"
    );
}

/// Rates of one video committed side by side all count: on PostgreSQL each recount once ran on
/// a snapshot without the other's row, and the last commit won (a like and a dislike arriving
/// together from two instances ended as one of them).
async fn concurrent_ratings_all_count(db: &Db) {
    let owner = user(db, "owner").await;
    let id = insert(db, &new_video(owner.channel_id, "rated at once", T0)).await;
    let mut raters = Vec::new();
    for i in 0..8 {
        raters.push(user(db, &format!("rater{i}")).await.account_id);
    }
    for round in 0..5 {
        let rate = if round % 2 == 0 { "like" } else { "dislike" };
        let mut tasks = tokio::task::JoinSet::new();
        for &account in &raters {
            let db = db.clone();
            tasks.spawn(async move { db.set_rate(account, id, Some(rate), T0).await });
        }
        while let Some(r) = tasks.join_next().await {
            r.expect("join").expect("set_rate");
        }
        let v = db.video_by_id(id).await.unwrap().unwrap();
        let expected = if rate == "like" { (8, 0) } else { (0, 8) };
        assert_eq!(
            (v.likes, v.dislikes),
            expected,
            "round {round}: every concurrent {rate} is counted"
        );
    }
}

fn file(kind: &str, resolution: i64, info_hash: Option<&str>) -> NewFile {
    NewFile {
        kind: ferrotube_model::FileKind::parse(kind).expect("hls or web"),
        resolution,
        width: resolution * 16 / 9,
        height: resolution,
        fps: 30,
        size: resolution * 1000,
        filename: format!("{kind}-{resolution}.mp4"),
        playlist_filename: (kind == "hls").then(|| format!("{resolution}.m3u8")),
        has_audio: true,
        has_video: resolution > 0,
        metadata: Some(format!("{{\"r\":{resolution}}}")),
        torrent_filename: Some(format!("{kind}-{resolution}.torrent")),
        info_hash: info_hash.map(str::to_string),
    }
}

fn transcode(files: Vec<NewFile>) -> TranscodeResult {
    TranscodeResult {
        master_filename: "master.m3u8".into(),
        sha256_filename: "segments-sha256.json".into(),
        files,
        duration: 42,
        aspect_ratio: Some(1.7778),
        thumbnail_name: Some("gen-thumb.jpg".into()),
        preview_name: Some("gen-preview.jpg".into()),
    }
}

async fn transcode_results_files_and_delete_cascade(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let mut nv = new_video(a.channel_id, "to transcode", T0);
    nv.state = TO_TRANSCODE;
    nv.tags = vec!["t".into()];
    let id = insert(db, &nv).await;
    db.update_video(
        id,
        &VideoUpdate {
            thumbnail_name: Some("custom.jpg".into()),
            ..Default::default()
        },
        T0,
    )
    .await
    .unwrap();
    assert!(
        db.video_playlist(id).await.unwrap().is_none(),
        "video_playlist before any transcode"
    );
    assert!(
        db.video_files(id).await.unwrap().is_empty(),
        "video_files before any transcode"
    );

    // A first run that does not publish (say, waiting for a move to object storage).
    db.save_transcode_result(
        id,
        &transcode(vec![file("hls", 480, Some("aa"))]),
        false,
        T0 + 1,
    )
    .await
    .expect("save_transcode_result(publish = false)");
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (v.state.id(), v.published_at, v.duration),
        (TO_TRANSCODE, T0, 42),
        "save_transcode_result(publish = false) keeps the state"
    );
    assert_eq!(
        v.thumbnail_name.as_deref(),
        Some("custom.jpg"),
        "save_transcode_result keeps a thumbnail the owner set"
    );
    assert_eq!(
        v.preview_name.as_deref(),
        Some("gen-preview.jpg"),
        "save_transcode_result fills a missing preview"
    );
    assert!(
        (v.aspect_ratio.unwrap() - 1.7778).abs() < 1e-9,
        "save_transcode_result writes aspect_ratio"
    );

    // A rerun replaces the ladder rather than doubling it, and publishes.
    db.set_video_state(id, TO_TRANSCODE, Some("retry"), T0 + 2)
        .await
        .unwrap();
    db.save_transcode_result(
        id,
        &transcode(vec![
            file("hls", 240, Some("bb")),
            file("hls", 720, Some("cc")),
            file("web", 720, Some("dd")),
            file("hls", 0, None),
        ]),
        true,
        T0 + 3,
    )
    .await
    .expect("save_transcode_result(publish = true), a rerun");
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (v.state.id(), v.state_reason, v.published_at),
        (PUBLISHED, None, T0 + 3),
        "save_transcode_result(publish = true) publishes at now"
    );
    let files = db.video_files(id).await.expect("video_files");
    let mut rungs: Vec<_> = files
        .iter()
        .map(|f| (f.kind.as_str().to_string(), f.resolution))
        .collect();
    rungs.sort();
    assert_eq!(
        rungs,
        [
            ("hls".to_string(), 0),
            ("hls".into(), 240),
            ("hls".into(), 720),
            ("web".into(), 720)
        ],
        "save_transcode_result replaces the earlier run's files (no doubled or stale rung)"
    );
    let res: Vec<i64> = files.iter().map(|f| f.resolution).collect();
    assert!(
        res.windows(2).all(|w| w[0] >= w[1]),
        "video_files ordered by resolution DESC: {res:?}"
    );
    let f720 = files.iter().find(|f| f.kind.as_str() == "web").unwrap();
    assert_eq!(
        (
            f720.width,
            f720.height,
            f720.fps,
            f720.size,
            f720.filename.as_str(),
            f720.playlist_filename.as_deref(),
            f720.has_audio,
            f720.has_video
        ),
        (1280, 720, 30, 720_000, "web-720.mp4", None, true, true),
        "video_files: the web file's columns"
    );
    assert_eq!(
        (
            f720.torrent_filename.as_deref(),
            f720.info_hash.as_deref(),
            f720.file_url.as_deref()
        ),
        (Some("web-720.torrent"), Some("dd"), None)
    );

    let (f, meta) = db
        .video_file(f720.id)
        .await
        .unwrap()
        .expect("video_file(id)");
    assert_eq!(
        (f.id, meta.as_deref()),
        (f720.id, Some("{\"r\":720}")),
        "video_file answers the file with its metadata"
    );
    assert!(
        db.video_file(f720.id + 1000).await.unwrap().is_none(),
        "video_file of an unknown id"
    );
    assert_eq!(
        db.video_file_by_torrent("hls-240.torrent")
            .await
            .unwrap()
            .map(|f| f.resolution),
        Some(240),
        "video_file_by_torrent"
    );
    assert!(db
        .video_file_by_torrent("nope.torrent")
        .await
        .unwrap()
        .is_none());
    let p = db
        .video_playlist(id)
        .await
        .unwrap()
        .expect("video_playlist after a transcode");
    assert_eq!(
        (
            p.video_id,
            p.master_filename.as_str(),
            p.sha256_filename.as_str(),
            p.playlist_url,
            p.segments_sha256_url
        ),
        (id, "master.m3u8", "segments-sha256.json", None, None),
        "video_playlist: one playlist even after two runs"
    );

    // Delete cascades to tags, files, playlist, rates and comments.
    db.set_rate(b.account_id, id, Some("like"), T0)
        .await
        .unwrap();
    let cm = db
        .insert_comment(&ferrotube_db::comments::NewComment {
            url: None,
            video_id: id,
            account_id: b.account_id,
            thread_id: None,
            in_reply_to_id: None,
            text: "hi",
            created_at: T0,
            held_for_review: false,
        })
        .await
        .unwrap();
    let keep = insert(db, &new_video(a.channel_id, "kept", T0)).await;
    assert!(
        db.delete_video(id).await.expect("delete_video"),
        "delete_video of an existing video answers true"
    );
    assert!(
        db.video_by_id(id).await.unwrap().is_none(),
        "delete_video removes the row"
    );
    assert!(
        db.video_tags(id).await.unwrap().is_empty(),
        "delete_video cascades to tags"
    );
    assert!(
        db.video_files(id).await.unwrap().is_empty(),
        "delete_video cascades to files"
    );
    assert!(db.video_file(f720.id).await.unwrap().is_none());
    assert!(
        db.video_playlist(id).await.unwrap().is_none(),
        "delete_video cascades to the playlist"
    );
    assert_eq!(
        db.rate_of(b.account_id, id).await.unwrap(),
        None,
        "delete_video cascades to rates"
    );
    assert!(
        db.comment_by_id(cm).await.unwrap().is_none(),
        "delete_video cascades to comments"
    );
    assert!(
        !db.delete_video(id).await.unwrap(),
        "delete_video twice answers false"
    );
    assert!(
        db.video_by_id(keep).await.unwrap().is_some(),
        "delete_video leaves other videos"
    );
}

fn names(r: &(i64, Vec<VideoRow>)) -> Vec<&str> {
    r.1.iter().map(|v| v.name.as_str()).collect()
}

/// The fixture of the listing stories: alice's videos in two channels, bob's in one.
struct Catalogue {
    alice_account: i64,
    alice_channel: i64,
    alice_second: i64,
    bob_channel: i64,
}

async fn catalogue(db: &Db) -> Catalogue {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let second = db
        .create_channel(a.account_id, "alice_second", "Second", None, None, T0)
        .await
        .unwrap();
    let mk = |ch: i64, name: &str, at: i64, f: &dyn Fn(&mut NewVideo)| {
        let mut v = new_video(ch, name, T0 + at);
        f(&mut v);
        v
    };
    let videos = [
        mk(a.channel_id, "Cats 100%", 1, &|v| {
            v.category = Some(1);
            v.language = Some("en".into());
            v.tags = vec!["Cats".into(), "funny".into()];
        }),
        mk(a.channel_id, "Cats 1000", 2, &|v| {
            v.category = Some(2);
            v.licence = Some(1);
            v.language = Some("fr".into());
            v.tags = vec!["cats".into()];
        }),
        mk(a.channel_id, "dogs_and_cats", 3, &|v| {
            v.nsfw = true;
            v.licence = Some(2);
            v.tags = vec!["dogs".into(), "FUNNY".into()];
        }),
        mk(second, "dogsXandXcats", 4, &|v| v.privacy = UNLISTED),
        mk(second, "private one", 5, &|v| v.privacy = PRIVATE),
        mk(b.channel_id, "internal one", 6, &|v| v.privacy = INTERNAL),
        mk(b.channel_id, "transcoding, shown", 7, &|v| {
            v.state = TO_TRANSCODE;
            v.wait_transcoding = false;
        }),
        mk(b.channel_id, "transcoding, hidden", 8, &|v| {
            v.state = TO_TRANSCODE;
            v.wait_transcoding = true;
        }),
        mk(b.channel_id, "failed", 9, &|v| v.state = 3),
    ];
    for v in &videos {
        insert(db, v).await;
    }
    Catalogue {
        alice_account: a.account_id,
        alice_channel: a.channel_id,
        alice_second: second,
        bob_channel: b.channel_id,
    }
}

async fn listing_filters(db: &Db) {
    let c = catalogue(db).await;
    let list = |f: VideoFilter| async move {
        db.list_videos(&f, Sort::asc(VideoSort::PublishedAt), 0, 50, false)
            .await
            .expect("list_videos")
    };
    let all = list(VideoFilter::default()).await;
    assert_eq!(all.0, 9, "list_videos with no filter lists every video");
    assert_eq!(
        names(
            &list(VideoFilter {
                privacies: vec![PUBLIC],
                published_only: true,
                ..Default::default()
            })
            .await
        ),
        [
            "Cats 100%",
            "Cats 1000",
            "dogs_and_cats",
            "transcoding, shown"
        ],
        "list_videos(public, published_only): published, or transcoding without wait_transcoding"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                privacies: vec![UNLISTED, INTERNAL],
                ..Default::default()
            })
            .await
        ),
        ["dogsXandXcats", "internal one"],
        "list_videos(privacies one of unlisted, internal)"
    );
    assert_eq!(
        list(VideoFilter {
            channel_id: Some(c.alice_second),
            ..Default::default()
        })
        .await
        .0,
        2,
        "list_videos(channel_id)"
    );
    assert_eq!(
        list(VideoFilter {
            channel_id: Some(c.bob_channel),
            ..Default::default()
        })
        .await
        .0,
        4
    );
    assert_eq!(
        list(VideoFilter {
            account_id: Some(c.alice_account),
            ..Default::default()
        })
        .await
        .0,
        5,
        "list_videos(account_id) spans the account's channels"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                nsfw: Some(true),
                ..Default::default()
            })
            .await
        ),
        ["dogs_and_cats"],
        "list_videos(nsfw = true)"
    );
    assert_eq!(
        list(VideoFilter {
            nsfw: Some(false),
            ..Default::default()
        })
        .await
        .0,
        8,
        "list_videos(nsfw = false)"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                category_one_of: vec![2, 9],
                ..Default::default()
            })
            .await
        ),
        ["Cats 1000"],
        "list_videos(category_one_of)"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                licence_one_of: vec![1, 2],
                ..Default::default()
            })
            .await
        ),
        ["Cats 1000", "dogs_and_cats"],
        "list_videos(licence_one_of)"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                language_one_of: vec!["en".into(), "de".into()],
                ..Default::default()
            })
            .await
        ),
        ["Cats 100%"],
        "list_videos(language_one_of)"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                tags_one_of: vec!["CATS".into(), "dogs".into()],
                ..Default::default()
            })
            .await
        ),
        ["Cats 100%", "Cats 1000", "dogs_and_cats"],
        "list_videos(tags_one_of) is case-insensitive and lists each video once"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                tags_all_of: vec!["funny".into(), "Cats".into()],
                ..Default::default()
            })
            .await
        ),
        ["Cats 100%"],
        "list_videos(tags_all_of) needs every tag"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                search: Some("CATS 100".into()),
                ..Default::default()
            })
            .await
        ),
        ["Cats 100%", "Cats 1000"],
        "list_videos(search): every word, case-insensitive, the last one a word prefix"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                search: Some("0%".into()),
                ..Default::default()
            })
            .await
        ),
        Vec::<&str>::new(),
        "list_videos(search): % is not a wildcard, and words match from their start"
    );
    assert_eq!(
        names(
            &list(VideoFilter {
                search: Some("dogs_and".into()),
                ..Default::default()
            })
            .await
        ),
        ["dogs_and_cats"],
        "list_videos(search): _ separates words and is not a wildcard"
    );
    for syntax in [
        "\"",
        "'",
        "cats\" OR \"x",
        "NEAR(cats)",
        "cats:*|x",
        "!!",
        "*",
    ] {
        let r = db
            .list_videos(
                &VideoFilter {
                    search: Some(syntax.into()),
                    ..Default::default()
                },
                Sort::desc(VideoSort::Match),
                0,
                50,
                false,
            )
            .await;
        assert!(
            r.is_ok(),
            "list_videos(search = {syntax:?}): query syntax in a search is only text: {r:?}"
        );
    }
    assert_eq!(
        list(VideoFilter {
            is_local: Some(true),
            ..Default::default()
        })
        .await
        .0,
        9,
        "list_videos(is_local = true)"
    );
    assert_eq!(
        list(VideoFilter {
            is_local: Some(false),
            ..Default::default()
        })
        .await
        .0,
        0,
        "list_videos(is_local = false) with only local videos"
    );
    let combined = VideoFilter {
        privacies: vec![PUBLIC],
        published_only: true,
        channel_id: Some(c.alice_channel),
        nsfw: Some(false),
        tags_one_of: vec!["cats".into()],
        search: Some("cats".into()),
        ..Default::default()
    };
    assert_eq!(
        names(&list(combined).await),
        ["Cats 100%", "Cats 1000"],
        "list_videos with several filters ANDs them"
    );
    let none = list(VideoFilter {
        channel_id: Some(9999),
        ..Default::default()
    })
    .await;
    assert_eq!(
        (none.0, none.1.len()),
        (0, 0),
        "list_videos of an unknown channel"
    );
}

async fn listing_sorting_pagination_and_files_filters(db: &Db) {
    let c = catalogue(db).await;
    let all = VideoFilter::default();
    let page = |start: i64, count: i64, skip: bool| {
        let all = all.clone();
        async move {
            db.list_videos(&all, Sort::desc(VideoSort::PublishedAt), start, count, skip)
                .await
                .expect("list_videos page")
        }
    };
    let p = page(0, 4, false).await;
    assert_eq!(
        (p.0, names(&p)),
        (
            9,
            vec![
                "failed",
                "transcoding, hidden",
                "transcoding, shown",
                "internal one"
            ]
        ),
        "list_videos first full page: total from COUNT, newest first"
    );
    let p = page(4, 4, false).await;
    assert_eq!((p.0, p.1.len()), (9, 4), "list_videos middle page total");
    let p = page(8, 4, false).await;
    assert_eq!(
        (p.0, names(&p)),
        (9, vec!["Cats 100%"]),
        "list_videos last partial page: total = start + rows"
    );
    let p = page(12, 4, false).await;
    assert_eq!(
        (p.0, p.1.len()),
        (9, 0),
        "list_videos past the end still answers the total"
    );
    let p = page(0, 50, false).await;
    assert_eq!((p.0, p.1.len()), (9, 9), "list_videos single short page");
    let p = page(0, 4, true).await;
    assert_eq!(
        (p.0, p.1.len()),
        (0, 4),
        "list_videos(skip_count) answers total 0 and the page"
    );
    let public = VideoFilter {
        privacies: vec![PUBLIC],
        ..Default::default()
    };
    let p = db
        .list_videos(&public, Sort::asc(VideoSort::Id), 0, 2, false)
        .await
        .unwrap();
    assert_eq!(
        (p.0, p.1.len()),
        (6, 2),
        "list_videos(public) total counts with the filter's arguments bound"
    );
    let p = db
        .list_videos(&public, Sort::asc(VideoSort::Id), 5, 2, false)
        .await
        .unwrap();
    assert_eq!((p.0, p.1.len()), (6, 1), "list_videos(public) last page");

    let bob = VideoFilter {
        channel_id: Some(c.bob_channel),
        ..Default::default()
    };
    let p = db
        .list_videos(&bob, Sort::asc(VideoSort::Name), 0, 10, false)
        .await
        .unwrap();
    assert_eq!(
        names(&p),
        [
            "failed",
            "internal one",
            "transcoding, hidden",
            "transcoding, shown"
        ],
        "list_videos sorted by name"
    );
    // Views sort, ties broken by id.
    let (_, rows) = db
        .list_videos(&bob, Sort::asc(VideoSort::Id), 0, 10, false)
        .await
        .unwrap();
    for _ in 0..3 {
        db.add_view(rows[2].id).await.unwrap();
    }
    db.add_view(rows[0].id).await.unwrap();
    let p = db
        .list_videos(&bob, Sort::desc(VideoSort::Views), 0, 10, false)
        .await
        .unwrap();
    assert_eq!(
        p.1.iter()
            .map(|v| (v.name.as_str(), v.views))
            .collect::<Vec<_>>(),
        [
            ("transcoding, hidden", 3),
            ("internal one", 1),
            // Ties are broken by id, in the same direction.
            ("failed", 0),
            ("transcoding, shown", 0)
        ],
        "list_videos sorted by views"
    );

    // Files filters.
    let (_, alice) = db
        .list_videos(
            &VideoFilter {
                channel_id: Some(c.alice_channel),
                ..Default::default()
            },
            Sort::asc(VideoSort::Id),
            0,
            10,
            false,
        )
        .await
        .unwrap();
    db.save_transcode_result(
        alice[0].id,
        &transcode(vec![file("hls", 480, None)]),
        true,
        T0,
    )
    .await
    .unwrap();
    db.save_transcode_result(
        alice[1].id,
        &transcode(vec![file("web", 480, None)]),
        true,
        T0,
    )
    .await
    .unwrap();
    db.save_transcode_result(
        alice[2].id,
        &transcode(vec![file("web", 480, None), file("hls", 480, None)]),
        true,
        T0,
    )
    .await
    .unwrap();
    let f = |hls: Option<bool>, web: Option<bool>| VideoFilter {
        has_hls_files: hls,
        has_web_video_files: web,
        account_id: Some(c.alice_account),
        ..Default::default()
    };
    let sorted = Sort::asc(VideoSort::Id);
    assert_eq!(
        names(
            &db.list_videos(&f(Some(true), None), sorted, 0, 10, false)
                .await
                .unwrap()
        ),
        ["Cats 100%", "dogs_and_cats"],
        "list_videos(has_hls_files)"
    );
    assert_eq!(
        names(
            &db.list_videos(&f(None, Some(true)), sorted, 0, 10, false)
                .await
                .unwrap()
        ),
        ["Cats 1000", "dogs_and_cats"],
        "list_videos(has_web_video_files)"
    );
    assert_eq!(
        names(
            &db.list_videos(&f(Some(false), Some(true)), sorted, 0, 10, false)
                .await
                .unwrap()
        ),
        ["Cats 1000"],
        "list_videos(no HLS, web)"
    );
    assert_eq!(
        names(
            &db.list_videos(&f(Some(false), Some(false)), sorted, 0, 10, false)
                .await
                .unwrap()
        ),
        ["dogsXandXcats", "private one"],
        "list_videos(no files at all)"
    );
    let _ = c.alice_second;
}

/// `save_transcode_result_in` commits with the caller's transaction (the federation of the
/// published video goes in the same one), or not at all.
async fn transcode_result_in_the_callers_transaction(db: &Db) {
    let a = user(db, "alice").await;
    let mut nv = new_video(a.channel_id, "waits", T0);
    nv.state = TO_TRANSCODE;
    let id = insert(db, &nv).await;
    {
        let mut tx = db.begin().await.unwrap();
        db.save_transcode_result_in(
            &mut tx,
            id,
            &transcode(vec![file("hls", 480, Some("aa"))]),
            true,
            T0 + 1,
        )
        .await
        .expect("save_transcode_result_in");
    }
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (v.state.id(), v.duration),
        (TO_TRANSCODE, 0),
        "save_transcode_result_in in a dropped transaction must leave the video as it was"
    );
    assert!(
        db.video_files(id).await.unwrap().is_empty()
            && db.video_playlist(id).await.unwrap().is_none(),
        "save_transcode_result_in rolled back: no files, no playlist"
    );

    let mut tx = db.begin().await.unwrap();
    db.save_transcode_result_in(
        &mut tx,
        id,
        &transcode(vec![file("hls", 480, Some("aa"))]),
        true,
        T0 + 2,
    )
    .await
    .unwrap();
    let job = db
        .enqueue_job_in(
            &mut tx,
            &ferrotube_db::jobs::NewJob {
                kind: "federate",
                payload: "{}",
                priority: 1,
                max_attempts: 1,
                run_at: T0,
            },
            T0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let v = db.video_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        (v.state.id(), v.published_at, v.duration),
        (PUBLISHED, T0 + 2, 42),
        "save_transcode_result_in committed: published"
    );
    assert_eq!(db.video_files(id).await.unwrap().len(), 1);
    assert!(
        db.job(job).await.unwrap().is_some(),
        "the job enqueued in the same transaction is there too"
    );
}

/// Full-text search: names, descriptions and tags, best match first, and the index follows
/// renames, tag changes and deletions.
async fn full_text_search(db: &Db) {
    let a = user(db, "searcher").await;
    let mk = |name: &str, at: i64, desc: &str, tags: &[&str]| {
        let mut v = new_video(a.channel_id, name, T0 + at);
        v.description = Some(desc.into());
        v.tags = tags.iter().map(|t| t.to_string()).collect();
        v
    };
    let in_name = insert(db, &mk("Volcano eruption", 1, "lava", &[])).await;
    let in_tags = insert(db, &mk("Mountain trip", 2, "a walk", &["volcano"])).await;
    let in_desc = insert(db, &mk("Island day", 3, "we saw a volcano far away", &[])).await;
    let _other = insert(db, &mk("Cooking pasta", 4, "no lava here", &["food"])).await;
    let search = |q: &'static str, sort: Sort<VideoSort>| async move {
        db.list_videos(
            &VideoFilter {
                search: Some(q.into()),
                ..Default::default()
            },
            sort,
            0,
            50,
            false,
        )
        .await
        .expect("list_videos(search)")
    };
    let best = Sort::desc(VideoSort::Match);
    let ids = |r: &(i64, Vec<VideoRow>)| r.1.iter().map(|v| v.id).collect::<Vec<_>>();
    assert_eq!(
        ids(&search("volcano", best).await),
        [in_name, in_tags, in_desc],
        "-match ranks a match in the name first, then in the tags, then in the description"
    );
    assert_eq!(
        search("VOLC", best).await.0,
        3,
        "a half-typed word matches as a prefix"
    );
    assert_eq!(
        ids(&search("volcano", Sort::asc(VideoSort::PublishedAt)).await),
        [in_name, in_tags, in_desc],
        "another sort orders the matches its way"
    );
    assert_eq!(
        ids(&search("volcano walk", best).await),
        [in_tags],
        "every word"
    );
    assert_eq!(
        search("volca walk", best).await.0,
        0,
        "the words before the last are whole words"
    );
    db.update_video(
        in_name,
        &VideoUpdate {
            name: Some("Geyser".into()),
            tags: Some(vec!["steam".into()]),
            ..Default::default()
        },
        T0 + 10,
    )
    .await
    .expect("update_video");
    assert_eq!(
        ids(&search("volcano", best).await),
        [in_tags, in_desc],
        "a renamed video leaves the search of its old name"
    );
    assert_eq!(
        ids(&search("steam", best).await),
        [in_name],
        "new tags are searched"
    );
    assert!(db.delete_video(in_tags).await.expect("delete_video"));
    assert_eq!(
        ids(&search("volcano", best).await),
        [in_desc],
        "a deleted video is gone from the search"
    );
}

on_both_backends!(
    full_text_search,
    videos_are_inserted_read_and_updated,
    transcode_result_in_the_callers_transaction,
    ratings_recount_likes,
    concurrent_ratings_all_count,
    transcode_results_files_and_delete_cascade,
    listing_filters,
    listing_sorting_pagination_and_files_filters,
);
