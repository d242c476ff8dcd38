//! Moderation: a user's mutes and what they hide (videos, comments), held comments and their
//! approval, watched-words lists, automatic tags and review policies, the moderation list.

use crate::common::*;
use ferrotube_db::comments::{CommentListFilter, CommentViewer, NewComment};
use ferrotube_db::sort::{CommentSort, Sort};
use ferrotube_db::videos::VideoFilter;
use ferrotube_db::Db;

fn comment(video_id: i64, account_id: i64, text: &str, held: bool) -> NewComment<'_> {
    NewComment {
        url: None,
        video_id,
        account_id,
        thread_id: None,
        in_reply_to_id: None,
        text,
        created_at: T0,
        held_for_review: held,
    }
}

async fn texts(db: &Db, video: i64, who: &CommentViewer) -> Vec<String> {
    let (total, _, rows) = db
        .list_comment_threads(video, who, 0, 10, Sort::asc(CommentSort::Id))
        .await
        .expect("list_comment_threads");
    assert_eq!(total, rows.len() as i64, "list_comment_threads total");
    rows.into_iter().map(|c| c.text).collect()
}

async fn mutes_hide_videos_and_comments(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let c = user(db, "carol").await;
    let va = insert(db, &new_video(a.channel_id, "alice video", T0)).await;
    let vb = insert(db, &new_video(b.channel_id, "bob video", T0)).await;
    assert!(db
        .mute_account(b.account_id, a.account_id, T0)
        .await
        .unwrap());
    assert!(
        !db.mute_account(b.account_id, a.account_id, T0)
            .await
            .unwrap(),
        "mute_account twice: the second changes nothing"
    );
    let list = |by: Option<i64>| VideoFilter {
        muted_by_account_id: by,
        ..Default::default()
    };
    let names = |f: VideoFilter| async move {
        let (_, rows) = db
            .list_videos(
                &f,
                Sort::asc(ferrotube_db::sort::VideoSort::Id),
                0,
                10,
                false,
            )
            .await
            .unwrap();
        rows.into_iter().map(|v| v.id).collect::<Vec<_>>()
    };
    assert_eq!(
        names(list(Some(b.account_id))).await,
        vec![vb],
        "muted by bob"
    );
    assert_eq!(
        names(list(Some(c.account_id))).await,
        vec![va, vb],
        "carol's list"
    );
    assert_eq!(
        db.list_account_mutes(b.account_id, 0, 10, false)
            .await
            .unwrap()
            .0,
        1
    );
    assert!(db
        .is_account_muted(b.account_id, a.account_id)
        .await
        .unwrap());
    assert!(db.unmute_account(b.account_id, a.account_id).await.unwrap());
    assert!(!db.unmute_account(b.account_id, a.account_id).await.unwrap());
    assert!(db.mute_server(b.account_id, "x.example", T0).await.unwrap());
    assert!(db.is_server_muted(b.account_id, "x.example").await.unwrap());
    assert_eq!(
        db.list_server_mutes(b.account_id, 0, 10, true)
            .await
            .unwrap()
            .1,
        vec![("x.example".to_string(), T0)]
    );
    // The instance's account block hides from everyone.
    db.block_account(b.account_id, T0).await.unwrap();
    assert_eq!(names(list(None)).await, vec![va], "instance block");
    db.unblock_account(b.account_id).await.unwrap();

    // Comments: a held one for its author, the owner and moderators only; mutes of the
    // reader and of the video's owner.
    db.insert_comment(&comment(va, b.account_id, "from bob", false))
        .await
        .unwrap();
    let held = db
        .insert_comment(&comment(va, c.account_id, "held carol", true))
        .await
        .unwrap();
    let anon = CommentViewer {
        video_owner_account_id: Some(a.account_id),
        ..Default::default()
    };
    assert_eq!(texts(db, va, &anon).await, vec!["from bob"]);
    let carol = CommentViewer {
        account_id: Some(c.account_id),
        ..anon.clone()
    };
    assert_eq!(texts(db, va, &carol).await, vec!["from bob", "held carol"]);
    let owner = CommentViewer {
        account_id: Some(a.account_id),
        sees_all_held: true,
        ..anon.clone()
    };
    assert_eq!(texts(db, va, &owner).await.len(), 2);
    db.mute_account(c.account_id, b.account_id, T0)
        .await
        .unwrap();
    assert_eq!(
        texts(db, va, &carol).await,
        vec!["held carol"],
        "carol muted bob"
    );
    db.mute_account(a.account_id, b.account_id, T0)
        .await
        .unwrap();
    assert!(texts(db, va, &anon).await.is_empty(), "the owner muted bob");
    db.unmute_account(a.account_id, b.account_id).await.unwrap();
    assert!(db
        .approve_comment(held, Some("https://x/approve"))
        .await
        .unwrap());
    assert!(
        !db.approve_comment(held, None).await.unwrap(),
        "approved once"
    );
    let c2 = db.comment_by_id(held).await.unwrap().unwrap();
    assert!(!c2.held_for_review);
    assert_eq!(c2.reply_approval.as_deref(), Some("https://x/approve"));
    assert_eq!(texts(db, va, &anon).await.len(), 2);
}

async fn watched_words_and_tags(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let va = insert(db, &new_video(a.channel_id, "v", T0)).await;
    let words = vec!["one".to_string(), "two words".to_string()];
    let id = db
        .insert_watched_words_list(Some(a.account_id), "rude", &words, T0)
        .await
        .unwrap();
    let server = db
        .insert_watched_words_list(None, "spam", &words, T0)
        .await
        .unwrap();
    let mine = db.watched_words_lists(Some(a.account_id)).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].words(), words);
    let theirs = db.watched_words_lists(None).await.unwrap();
    assert_eq!(
        theirs.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![server]
    );
    assert!(
        db.watched_words_list(None, id).await.unwrap().is_none(),
        "not the instance's"
    );
    db.update_watched_words_list(id, Some("renamed"), None, T0 + 1)
        .await
        .unwrap();
    let l = db
        .watched_words_list(Some(a.account_id), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (l.list_name.as_str(), l.words(), l.updated_at),
        ("renamed", words.clone(), T0 + 1)
    );
    assert!(db.delete_watched_words_list(server).await.unwrap());

    db.set_auto_tag_review_policy(a.account_id, &["renamed".into()])
        .await
        .unwrap();
    assert_eq!(
        db.auto_tag_review_policy(a.account_id).await.unwrap(),
        vec!["renamed"]
    );
    let cm = db
        .insert_comment(&comment(va, b.account_id, "one link", true))
        .await
        .unwrap();
    db.set_comment_auto_tags(
        cm,
        Some(a.account_id),
        &["external-link".into(), "renamed".into()],
    )
    .await
    .unwrap();
    db.set_comment_auto_tags(cm, None, &["external-link".into()])
        .await
        .unwrap();
    assert_eq!(
        db.comment_auto_tags(&[cm], None).await.unwrap(),
        vec![(cm, "external-link".to_string())]
    );
    let list = |f: CommentListFilter| async move {
        db.list_comments_for_review(&f, 0, 10, Sort::desc(CommentSort::CreatedAt))
            .await
            .unwrap()
            .0
    };
    let tagged = CommentListFilter {
        video_owner_account_id: Some(a.account_id),
        tags_of_account_id: Some(a.account_id),
        auto_tag_one_of: vec!["renamed".into()],
        ..Default::default()
    };
    assert_eq!(list(tagged.clone()).await, 1, "owner's tag");
    assert_eq!(
        list(CommentListFilter {
            tags_of_account_id: None,
            ..tagged.clone()
        })
        .await,
        0,
        "the instance does not see the owner's tag"
    );
    assert_eq!(
        list(CommentListFilter {
            video_owner_account_id: Some(b.account_id),
            ..tagged
        })
        .await,
        0,
        "not on bob's videos"
    );
    let search = |s: &str| CommentListFilter {
        search: Some(s.into()),
        ..Default::default()
    };
    assert_eq!(list(search("LINK")).await, 1, "search is case-insensitive");
    assert_eq!(
        list(search("%")).await,
        0,
        "a % is a character, not a wildcard"
    );
    assert_eq!(
        list(CommentListFilter {
            held_for_review: Some(false),
            ..Default::default()
        })
        .await,
        0
    );
}

on_both_backends!(mutes_hide_videos_and_comments, watched_words_and_tags);
