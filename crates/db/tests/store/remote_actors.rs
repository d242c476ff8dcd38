//! Remote accounts and channels deleted at their origin: what they own goes with them, a local
//! one is never touched.

use crate::common::*;
use ferrotube_db::comments::NewComment;
use ferrotube_db::federation::RemoteProfile;
use ferrotube_db::Db;

fn remote_profile<'a>(handle: &'a str, display_name: &'a str) -> RemoteProfile<'a> {
    RemoteProfile {
        handle,
        host: "remote.example",
        display_name,
        description: None,
        support: None,
        now: T0,
    }
}

async fn remote_actors_deleted_with_what_they_own(db: &Db) {
    let a = user(db, "alice").await;
    let local_video = insert(db, &new_video(a.channel_id, "alice's", T0)).await;
    let rita = db
        .upsert_remote_account(&remote_profile("rita@remote.example", "Rita"))
        .await
        .expect("upsert_remote_account(rita)");
    let rita_channel = db
        .upsert_remote_channel(
            &remote_profile("rita_channel@remote.example", "Rita's"),
            rita,
        )
        .await
        .expect("upsert_remote_channel");
    let rita_actor = actor_of(
        db,
        "https://remote.example/accounts/rita",
        Some("remote.example"),
        Some(rita),
        None,
    )
    .await;
    let rita_video = insert(db, &new_video(rita_channel, "rita's", T0)).await;
    let comment = db
        .insert_comment(&NewComment {
            url: Some("https://remote.example/comments/1"),
            video_id: local_video,
            account_id: rita,
            thread_id: None,
            in_reply_to_id: None,
            text: "rita was here",
            created_at: T0,
            held_for_review: false,
        })
        .await
        .expect("insert_comment(rita)");
    db.set_rate(rita, local_video, Some("like"), T0)
        .await
        .expect("set_rate(rita)");
    db.set_rate(a.account_id, local_video, Some("like"), T0)
        .await
        .expect("set_rate(alice)");
    assert_eq!(db.video_by_id(local_video).await.unwrap().unwrap().likes, 2);

    assert!(
        !db.delete_remote_account(a.account_id, T0 + HOUR)
            .await
            .expect("delete_remote_account(local)"),
        "a local account is never deleted as a remote one"
    );
    assert!(
        !db.delete_remote_channel(a.channel_id)
            .await
            .expect("delete_remote_channel(local)"),
        "a local channel is never deleted as a remote one"
    );
    assert!(db.account_by_id(a.account_id).await.unwrap().is_some());

    assert!(db
        .delete_remote_account(rita, T0 + HOUR)
        .await
        .expect("delete_remote_account(rita)"));
    assert!(
        db.account_by_id(rita).await.unwrap().is_none(),
        "account gone"
    );
    assert!(
        db.channel_by_id(rita_channel).await.unwrap().is_none(),
        "its channel gone"
    );
    assert!(
        db.video_by_id(rita_video).await.unwrap().is_none(),
        "its channel's video gone"
    );
    assert!(
        db.actor_by_id(rita_actor).await.unwrap().is_none(),
        "its actor gone"
    );
    let c = db
        .comment_by_id(comment)
        .await
        .unwrap()
        .expect("comment row");
    assert_eq!(
        (c.deleted_at, c.text.as_str()),
        (Some(T0 + HOUR), ""),
        "its comment is deleted"
    );
    let v = db.video_by_id(local_video).await.unwrap().unwrap();
    assert_eq!(v.likes, 1, "its like is taken back, alice's stays");

    // A remote channel alone.
    let sam = db
        .upsert_remote_account(&remote_profile("sam@remote.example", "Sam"))
        .await
        .expect("upsert_remote_account(sam)");
    let sam_channel = db
        .upsert_remote_channel(&remote_profile("sam_channel@remote.example", "Sam's"), sam)
        .await
        .expect("upsert_remote_channel(sam)");
    let sam_video = insert(db, &new_video(sam_channel, "sam's", T0)).await;
    assert!(db
        .delete_remote_channel(sam_channel)
        .await
        .expect("delete_remote_channel(sam)"));
    assert!(db.video_by_id(sam_video).await.unwrap().is_none());
    assert!(
        db.account_by_id(sam).await.unwrap().is_some(),
        "the account stays"
    );
}

on_both_backends!(remote_actors_deleted_with_what_they_own);
