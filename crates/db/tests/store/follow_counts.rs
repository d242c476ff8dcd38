//! The follower and following counts written beside accounts and channels (accepted follows of
//! and by their actors).

use crate::common::*;
use ferrotube_db::federation::{FOLLOW_ACCEPTED, FOLLOW_PENDING};
use ferrotube_db::Db;

async fn follow_counts_beside_accounts_and_channels(db: &Db) {
    let a = user(db, "alice").await;
    let alice = actor_of(
        db,
        "https://here/accounts/alice",
        None,
        Some(a.account_id),
        None,
    )
    .await;
    let channel = actor_of(
        db,
        "https://here/video-channels/alice_channel",
        None,
        None,
        Some(a.channel_id),
    )
    .await;
    let r1 = actor_of(
        db,
        "https://remote.example/users/r1",
        Some("remote.example"),
        None,
        None,
    )
    .await;
    let r2 = actor_of(
        db,
        "https://remote.example/users/r2",
        Some("remote.example"),
        None,
        None,
    )
    .await;
    db.upsert_follow(r1, channel, FOLLOW_ACCEPTED, None, T0)
        .await
        .expect("follow");
    db.upsert_follow(r2, channel, FOLLOW_ACCEPTED, None, T0)
        .await
        .expect("follow");
    db.upsert_follow(r1, alice, FOLLOW_PENDING, None, T0)
        .await
        .expect("follow");
    db.upsert_follow(alice, r2, FOLLOW_ACCEPTED, None, T0)
        .await
        .expect("follow");

    let acc = db
        .account_by_id(a.account_id)
        .await
        .unwrap()
        .expect("account");
    assert_eq!(
        (acc.followers_count, acc.following_count),
        (0, 1),
        "a pending follow is not counted"
    );
    let ch = db
        .channel_by_id(a.channel_id)
        .await
        .unwrap()
        .expect("channel");
    assert_eq!((ch.followers_count, ch.following_count), (2, 0));
    let by_name = db
        .channel_by_name("alice_channel")
        .await
        .unwrap()
        .expect("channel");
    assert_eq!(by_name.followers_count, 2);
    assert_eq!(
        db.follow_counts(a.account_id, a.channel_id)
            .await
            .expect("follow_counts"),
        (0, 1, 2, 0)
    );
}

on_both_backends!(follow_counts_beside_accounts_and_channels);
