//! Comments: threads, replies, remote comments by URL, tombstones, counts.

use crate::common::*;
use ferrotube_db::comments::{CommentRow, NewComment};
use ferrotube_db::sort::{CommentSort, Sort};
use ferrotube_db::Db;

fn local(
    video_id: i64,
    account_id: i64,
    thread: Option<i64>,
    reply_to: Option<i64>,
    text: &str,
    at: i64,
) -> NewComment<'_> {
    NewComment {
        url: None,
        video_id,
        account_id,
        thread_id: thread,
        in_reply_to_id: reply_to,
        text,
        created_at: at,
        held_for_review: false,
    }
}

async fn comment_threads_replies_and_tombstones(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let vid = insert(db, &new_video(a.channel_id, "commented", T0)).await;
    let other = insert(db, &new_video(a.channel_id, "other", T0)).await;

    let r1 = db
        .insert_comment(&local(vid, a.account_id, None, None, "first", T0 + 1))
        .await
        .expect("insert_comment(root 1)");
    let r2 = db
        .insert_comment(&local(vid, b.account_id, None, None, "second", T0 + 2))
        .await
        .expect("insert_comment(root 2)");
    let r3 = db
        .insert_comment(&local(vid, b.account_id, None, None, "third", T0 + 3))
        .await
        .unwrap();
    let c1 = db
        .insert_comment(&local(
            vid,
            b.account_id,
            Some(r1),
            Some(r1),
            "reply",
            T0 + 4,
        ))
        .await
        .expect("insert_comment(reply)");
    let c2 = db
        .insert_comment(&local(
            vid,
            a.account_id,
            Some(r1),
            Some(c1),
            "reply to reply",
            T0 + 5,
        ))
        .await
        .unwrap();
    db.insert_comment(&local(other, a.account_id, None, None, "elsewhere", T0))
        .await
        .unwrap();

    let c = db
        .comment_by_id(c2)
        .await
        .unwrap()
        .expect("comment_by_id(reply to reply)");
    assert_eq!(
        (
            c.video_id,
            c.account_id,
            c.thread_id,
            c.in_reply_to_id,
            c.text.as_str(),
            c.created_at,
            c.updated_at,
            c.deleted_at
        ),
        (
            vid,
            Some(a.account_id),
            Some(r1),
            Some(c1),
            "reply to reply",
            T0 + 5,
            T0 + 5,
            None
        ),
        "insert_comment writes what it is given"
    );
    assert_eq!(c.root_id(), r1);
    assert_eq!(
        (
            c.account_name.as_deref(),
            c.account_user_id,
            c.account_host,
            c.url.clone()
        ),
        (Some("alice"), Some(a.user_id), None, None),
        "COMMENT_SELECT joins the author"
    );
    assert_eq!(
        c.total_replies, 0,
        "a reply has no replies of its own counted"
    );
    assert!(db.comment_by_id(9999).await.unwrap().is_none());

    let (total, alive, roots) = db
        .list_comment_threads(
            vid,
            &Default::default(),
            0,
            10,
            Sort::desc(CommentSort::CreatedAt),
        )
        .await
        .expect("list_comment_threads");
    assert_eq!(
        (total, alive),
        (3, 5),
        "list_comment_threads: number of roots, number of comments alive"
    );
    let summary = |rows: &[CommentRow]| {
        rows.iter()
            .map(|c| (c.id, c.total_replies))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        summary(&roots),
        [(r3, 0), (r2, 0), (r1, 2)],
        "list_comment_threads: roots only, newest first, with their reply counts"
    );
    let (total, _, page) = db
        .list_comment_threads(vid, &Default::default(), 1, 1, Sort::asc(CommentSort::Id))
        .await
        .unwrap();
    assert_eq!(
        (total, summary(&page)),
        (3, vec![(r2, 0)]),
        "list_comment_threads paging"
    );

    let thread = db
        .comment_thread(vid, r1, &Default::default())
        .await
        .expect("comment_thread");
    assert_eq!(
        thread.iter().map(|c| c.id).collect::<Vec<_>>(),
        [r1, c1, c2],
        "comment_thread: the root then its replies, oldest first"
    );
    assert!(
        db.comment_thread(other, r1, &Default::default())
            .await
            .unwrap()
            .is_empty(),
        "comment_thread of another video's thread is empty"
    );

    db.update_comment_text(c1, "edited", T0 + 6)
        .await
        .expect("update_comment_text");
    let c = db.comment_by_id(c1).await.unwrap().unwrap();
    assert_eq!(
        (c.text.as_str(), c.updated_at, c.created_at),
        ("edited", T0 + 6, T0 + 4),
        "update_comment_text"
    );

    // A deleted root stays as a tombstone: its replies keep their place.
    assert_eq!(
        db.count_local_comments().await.unwrap(),
        6,
        "count_local_comments"
    );
    assert!(
        db.soft_delete_comment(r1, T0 + 7)
            .await
            .expect("soft_delete_comment"),
        "soft_delete_comment of a live comment"
    );
    assert!(
        !db.soft_delete_comment(r1, T0 + 8).await.unwrap(),
        "soft_delete_comment twice answers false"
    );
    let t = db
        .comment_by_id(r1)
        .await
        .unwrap()
        .expect("a soft-deleted comment stays as a tombstone");
    assert_eq!(
        (t.text.as_str(), t.deleted_at, t.updated_at),
        ("", Some(T0 + 7), T0 + 7),
        "soft_delete_comment blanks the text and stamps deleted_at once"
    );
    assert_eq!(
        db.comment_thread(vid, r1, &Default::default())
            .await
            .unwrap()
            .len(),
        3,
        "the tombstone's thread keeps its replies"
    );
    let (total, alive, roots) = db
        .list_comment_threads(vid, &Default::default(), 0, 10, Sort::asc(CommentSort::Id))
        .await
        .unwrap();
    assert_eq!(
        (total, alive, roots[0].total_replies),
        (3, 4, 2),
        "list_comment_threads after a delete: the root still counts, alive does not"
    );
    assert_eq!(
        db.count_local_comments().await.unwrap(),
        5,
        "count_local_comments ignores tombstones"
    );

    // An author who leaves: comments stay, without author (ON DELETE SET NULL).
    db.delete_user(b.user_id).await.unwrap();
    let c = db
        .comment_by_id(c1)
        .await
        .unwrap()
        .expect("a deleted author's comment stays");
    assert_eq!(
        (c.account_id, c.account_name),
        (None, None),
        "deleting the author clears account_id"
    );
}

async fn remote_comments_are_keyed_by_url(db: &Db) {
    let a = user(db, "alice").await;
    let vid = insert(db, &new_video(a.channel_id, "commented", T0)).await;
    let remote = db
        .upsert_remote_account(&ferrotube_db::federation::RemoteProfile {
            handle: "rita@remote.example",
            host: "remote.example",
            display_name: "Rita",
            description: None,
            support: None,
            now: T0,
        })
        .await
        .unwrap();
    let url = "https://remote.example/comments/1";
    let mk = |text: &'static str| NewComment {
        url: Some(url),
        video_id: vid,
        account_id: remote,
        thread_id: None,
        in_reply_to_id: None,
        text,
        created_at: T0,
        held_for_review: false,
    };
    let id = db
        .insert_comment(&mk("from afar"))
        .await
        .expect("insert_comment(remote)");
    let again = db
        .insert_comment(&mk("redelivered"))
        .await
        .expect("insert_comment(remote, again)");
    assert_eq!(
        again, id,
        "insert_comment of a known URL answers the existing id"
    );
    let c = db
        .comment_by_url(url)
        .await
        .unwrap()
        .expect("comment_by_url");
    assert_eq!(
        (c.id, c.text.as_str(), c.account_host.as_deref()),
        (id, "from afar", Some("remote.example")),
        "comment_by_url: the first text stays"
    );
    assert!(db
        .comment_by_url("https://remote.example/comments/2")
        .await
        .unwrap()
        .is_none());
    db.insert_comment(&local(
        vid,
        a.account_id,
        Some(id),
        Some(id),
        "local reply",
        T0 + 1,
    ))
    .await
    .unwrap();
    assert_eq!(
        db.count_local_comments().await.unwrap(),
        1,
        "count_local_comments counts local comments only"
    );
    let (total, alive, _) = db
        .list_comment_threads(vid, &Default::default(), 0, 10, Sort::asc(CommentSort::Id))
        .await
        .unwrap();
    assert_eq!(
        (total, alive),
        (1, 2),
        "list_comment_threads counts remote comments too"
    );
}

on_both_backends!(
    comment_threads_replies_and_tombstones,
    remote_comments_are_keyed_by_url
);
