//! Watch history, the history switch and feed tokens.

use crate::common::*;
use ferrotube_db::Db;

async fn history_keeps_one_position_per_video(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let v1 = insert(db, &new_video(b.channel_id, "First clip", T0)).await;
    let v2 = insert(db, &new_video(b.channel_id, "Second_clip", T0)).await;
    let mut private = new_video(b.channel_id, "private clip", T0);
    private.privacy = PRIVATE;
    let v3 = insert(db, &private).await;

    assert!(db
        .history_enabled(a.user_id)
        .await
        .expect("history_enabled"));
    assert_eq!(
        db.watch_position(a.user_id, v1)
            .await
            .expect("watch_position"),
        None
    );
    db.record_watch(a.user_id, v1, 3, T0)
        .await
        .expect("record_watch v1");
    db.record_watch(a.user_id, v2, 1, T0 + HOUR)
        .await
        .expect("record_watch v2");
    db.record_watch(a.user_id, v1, 7, T0 + 2 * HOUR)
        .await
        .expect("record_watch v1 again");
    db.record_watch(a.user_id, v3, 2, T0 + 3 * HOUR)
        .await
        .expect("record_watch private");
    assert_eq!(
        db.watch_position(a.user_id, v1)
            .await
            .expect("watch_position"),
        Some(7),
        "the last position wins"
    );
    assert_eq!(
        db.watch_position(b.user_id, v1)
            .await
            .expect("watch_position"),
        None,
        "per user"
    );

    let (total, rows) = db
        .list_history(a.user_id, None, 0, 10)
        .await
        .expect("list_history");
    assert_eq!(total, 2, "the private video of another user is not listed");
    let got: Vec<(i64, i64)> = rows.iter().map(|r| (r.video.id, r.position_secs)).collect();
    assert_eq!(got, vec![(v1, 7), (v2, 1)], "last watched first");
    let (total, rows) = db
        .list_history(a.user_id, Some("second_"), 0, 10)
        .await
        .expect("list_history search");
    assert_eq!(
        (total, rows.len()),
        (1, 1),
        "search matches names, `_` literally"
    );
    assert_eq!(rows[0].video.id, v2);
    let (_, rows) = db
        .list_history(a.user_id, None, 1, 1)
        .await
        .expect("list_history page");
    assert_eq!(
        rows.iter().map(|r| r.video.id).collect::<Vec<_>>(),
        vec![v2]
    );
    let (total, _) = db
        .list_history(b.user_id, None, 0, 10)
        .await
        .expect("list_history bob");
    assert_eq!(total, 0);

    assert!(db
        .remove_history_video(a.user_id, v2)
        .await
        .expect("remove"));
    assert!(!db
        .remove_history_video(a.user_id, v2)
        .await
        .expect("remove again"));
    assert_eq!(
        db.clear_history(a.user_id, Some(T0 + 2 * HOUR))
            .await
            .expect("clear before"),
        0,
        "v1 was watched at +2h"
    );
    assert_eq!(
        db.clear_history(a.user_id, Some(T0 + 3 * HOUR))
            .await
            .expect("clear before"),
        1
    );
    assert_eq!(
        db.clear_history(a.user_id, None).await.expect("clear all"),
        1,
        "the private one remained"
    );

    db.set_history_enabled(a.user_id, false)
        .await
        .expect("set_history_enabled");
    assert!(!db
        .history_enabled(a.user_id)
        .await
        .expect("history_enabled"));
    assert!(db
        .history_enabled(b.user_id)
        .await
        .expect("history_enabled bob"));
}

async fn feed_tokens_are_per_user_and_renewable(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    assert_eq!(db.feed_token(a.user_id).await.expect("feed_token"), None);
    let t = db
        .set_feed_token(a.user_id, "tok-1", true)
        .await
        .expect("set");
    assert_eq!(t.as_deref(), Some("tok-1"));
    let t = db
        .set_feed_token(a.user_id, "tok-2", true)
        .await
        .expect("set if unset");
    assert_eq!(t.as_deref(), Some("tok-1"), "only_if_unset keeps the token");
    let found = db
        .user_by_feed_token(a.account_id, "tok-1")
        .await
        .expect("by token");
    assert_eq!(found.map(|u| u.id), Some(a.user_id));
    assert!(
        db.user_by_feed_token(b.account_id, "tok-1")
            .await
            .expect("by token")
            .is_none(),
        "another account"
    );
    let t = db
        .set_feed_token(a.user_id, "tok-3", false)
        .await
        .expect("renew");
    assert_eq!(t.as_deref(), Some("tok-3"));
    assert!(
        db.user_by_feed_token(a.account_id, "tok-1")
            .await
            .expect("old token")
            .is_none(),
        "renewal revokes"
    );
}

on_both_backends!(
    history_keeps_one_position_per_video,
    feed_tokens_are_per_user_and_renewable
);
