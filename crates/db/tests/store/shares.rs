//! Shares: the Announces of videos, one per actor and video, undone by their actor alone.

use crate::common::*;
use ferrotube_db::Db;

async fn shares_count_once_per_actor(db: &Db) {
    let a = user(db, "alice").await;
    let vid = insert(db, &new_video(a.channel_id, "shared", T0)).await;
    let other = insert(db, &new_video(a.channel_id, "not shared", T0)).await;
    let rita = actor_of(
        db,
        "https://remote.example/users/rita",
        Some("remote.example"),
        None,
        None,
    )
    .await;
    let sam = actor_of(
        db,
        "https://remote.example/users/sam",
        Some("remote.example"),
        None,
        None,
    )
    .await;
    assert_eq!(db.count_shares(vid).await.expect("count_shares"), 0);

    db.upsert_share(rita, vid, "https://remote.example/announces/1", T0)
        .await
        .expect("upsert_share(rita)");
    db.upsert_share(rita, vid, "https://remote.example/announces/1", T0)
        .await
        .expect("upsert_share(rita, redelivered)");
    db.upsert_share(sam, vid, "https://remote.example/announces/2", T0)
        .await
        .expect("upsert_share(sam)");
    assert_eq!(
        db.count_shares(vid).await.expect("count_shares"),
        2,
        "a redelivered Announce is one share"
    );
    // rita announces it again under a new id: still one share, now under the new id.
    db.upsert_share(rita, vid, "https://remote.example/announces/3", T0)
        .await
        .expect("upsert_share(rita, new id)");
    assert_eq!(db.count_shares(vid).await.expect("count_shares"), 2);
    assert_eq!(db.count_shares(other).await.expect("count_shares"), 0);

    assert!(
        !db.delete_share(sam, "https://remote.example/announces/3")
            .await
            .expect("delete_share(someone else's)"),
        "an actor cannot undo another's share"
    );
    assert!(
        !db.delete_share(rita, "https://remote.example/announces/1")
            .await
            .expect("delete_share(replaced id)"),
        "the replaced Announce id names no share"
    );
    assert!(db
        .delete_share(rita, "https://remote.example/announces/3")
        .await
        .expect("delete_share(rita)"));
    assert_eq!(db.count_shares(vid).await.expect("count_shares"), 1);

    assert!(db.delete_video(vid).await.expect("delete_video"));
    assert_eq!(
        db.count_shares(vid).await.expect("count_shares"),
        0,
        "shares go with their video"
    );
}

on_both_backends!(shares_count_once_per_actor);
