//! Captions (one per video and language), chapters (replaced as a whole) and storyboards (one
//! per video), all gone with their video.

use crate::common::*;
use ferrotube_db::captions::{ChapterRow, StoryboardRow};
use ferrotube_db::Db;

async fn captions_chapters_storyboards(db: &Db) {
    let a = user(db, "alice").await;
    let vid = insert(db, &new_video(a.channel_id, "captioned", T0)).await;
    let other = insert(db, &new_video(a.channel_id, "other", T0)).await;

    let before = db
        .upsert_caption(vid, "fr", "v-fr-1.vtt", None, T0)
        .await
        .expect("upsert_caption(fr)");
    assert!(before.is_none(), "a new language replaces nothing");
    db.upsert_caption(vid, "en", "v-en-1.vtt", None, T0)
        .await
        .expect("upsert_caption(en)");
    let replaced = db
        .upsert_caption(vid, "fr", "v-fr-2.vtt", None, T0 + 5)
        .await
        .expect("upsert_caption(fr again)");
    assert_eq!(
        replaced.map(|c| c.filename).as_deref(),
        Some("v-fr-1.vtt"),
        "replacing answers the old file"
    );
    let list = db.video_captions(vid).await.expect("video_captions");
    let langs: Vec<(&str, &str)> = list
        .iter()
        .map(|c| (c.language.as_str(), c.filename.as_str()))
        .collect();
    assert_eq!(langs, vec![("en", "v-en-1.vtt"), ("fr", "v-fr-2.vtt")]);
    assert_eq!(list[1].updated_at, T0 + 5);
    assert!(db.video_captions(other).await.expect("other").is_empty());
    let found = db
        .caption_by_filename("v-fr-2.vtt")
        .await
        .expect("caption_by_filename")
        .expect("found");
    assert_eq!(found.video_id, vid);
    assert!(db
        .caption_by_filename("v-fr-1.vtt")
        .await
        .expect("old name")
        .is_none());
    let gone = db.delete_caption(vid, "en").await.expect("delete_caption");
    assert_eq!(gone.map(|c| c.filename).as_deref(), Some("v-en-1.vtt"));
    assert!(db
        .delete_caption(vid, "en")
        .await
        .expect("delete twice")
        .is_none());

    let chapters = vec![
        ChapterRow {
            timecode: 0,
            title: "Intro".into(),
        },
        ChapterRow {
            timecode: 3,
            title: "Middle".into(),
        },
    ];
    db.replace_chapters(vid, &chapters)
        .await
        .expect("replace_chapters");
    db.replace_chapters(vid, &chapters[1..])
        .await
        .expect("replace_chapters(shorter)");
    assert_eq!(
        db.video_chapters(vid).await.expect("video_chapters"),
        chapters[1..].to_vec()
    );
    let dup = vec![chapters[0].clone(), chapters[0].clone()];
    assert!(
        db.replace_chapters(vid, &dup).await.is_err(),
        "two chapters at one timecode are refused"
    );
    assert_eq!(
        db.video_chapters(vid).await.expect("after refusal"),
        chapters[1..].to_vec(),
        "a refused replacement changes nothing"
    );

    let sb = StoryboardRow {
        video_id: vid,
        filename: "sb-1.jpg".into(),
        remote_url: None,
        total_width: 1152,
        total_height: 108,
        sprite_width: 192,
        sprite_height: 108,
        sprite_duration: 1,
        created_at: T0,
    };
    assert!(db
        .set_storyboard(&sb)
        .await
        .expect("set_storyboard")
        .is_none());
    let sb2 = StoryboardRow {
        filename: "sb-2.jpg".into(),
        ..sb.clone()
    };
    assert_eq!(
        db.set_storyboard(&sb2).await.expect("set_storyboard again"),
        Some(sb.clone())
    );
    assert_eq!(
        db.video_storyboard(vid).await.expect("video_storyboard"),
        Some(sb2.clone())
    );
    assert_eq!(
        db.storyboard_by_filename("sb-2.jpg")
            .await
            .expect("storyboard_by_filename"),
        Some(sb2)
    );

    assert!(db.delete_video(vid).await.expect("delete_video"));
    assert!(db
        .video_captions(vid)
        .await
        .expect("after delete")
        .is_empty());
    assert!(db
        .video_chapters(vid)
        .await
        .expect("after delete")
        .is_empty());
    assert!(db
        .video_storyboard(vid)
        .await
        .expect("after delete")
        .is_none());
}

on_both_backends!(captions_chapters_storyboards);
