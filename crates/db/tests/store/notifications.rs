//! Notifications, their settings and the one-time secrets of mails (migration 0014).

use crate::common::*;
use ferrotube_db::notifications::NotificationQuery;
use ferrotube_db::users::NewUser;
use ferrotube_db::Db;

fn query(user_id: i64, unread_only: bool) -> NotificationQuery {
    NotificationQuery {
        user_id,
        unread_only,
        start: 0,
        count: 10,
        by_read: false,
        descending: true,
        types: Vec::new(),
    }
}

async fn notifications_read_and_secrets(db: &Db) {
    let u = db
        .create_user(&NewUser {
            username: "nina",
            email: "Nina@Example.com",
            password_hash: "hash",
            role: 2,
            video_quota: -1,
            video_quota_daily: -1,
            display_name: "nina",
            channel_name: "nina_channel",
            channel_display_name: "nina",
            now: T0,
        })
        .await
        .expect("create_user");
    let uid = u.user_id;
    let mut tx = db.begin().await.unwrap();
    let a = db
        .insert_notification_in(&mut tx, uid, 6, "{\"video\":{\"id\":1}}", T0)
        .await
        .expect("insert_notification_in");
    let b = db
        .insert_notification_in(&mut tx, uid, 10, "{}", T0 + 1)
        .await
        .expect("insert_notification_in");
    tx.commit().await.unwrap();
    assert!(
        !a.read && a.kind == 6,
        "insert_notification_in: unread, its type"
    );
    let (total, rows) = db.list_notifications(&query(uid, false)).await.unwrap();
    assert_eq!(total, 2, "list_notifications total");
    assert_eq!(rows[0].id, b.id, "list_notifications: newest first");
    assert_eq!(
        db.mark_notifications_read(uid + 1, &[a.id], T0 + 2)
            .await
            .unwrap(),
        0,
        "mark_notifications_read ignores another user's ids"
    );
    assert_eq!(
        db.mark_notifications_read(uid, &[a.id], T0 + 2)
            .await
            .unwrap(),
        1
    );
    assert_eq!(db.count_unread_notifications(uid).await.unwrap(), 1);
    let (total, rows) = db.list_notifications(&query(uid, true)).await.unwrap();
    assert_eq!((total, rows[0].id), (1, b.id), "unread only");
    assert_eq!(
        db.mark_all_notifications_read(uid, T0 + 3).await.unwrap(),
        1
    );
    assert_eq!(db.count_unread_notifications(uid).await.unwrap(), 0);

    assert_eq!(db.notification_settings(uid).await.unwrap(), None);
    db.set_notification_settings(uid, "{\"newFollow\":0}", T0)
        .await
        .unwrap();
    db.set_notification_settings(uid, "{\"newFollow\":3}", T0 + 1)
        .await
        .expect("set_notification_settings replaces");
    assert_eq!(
        db.notification_settings(uid).await.unwrap().as_deref(),
        Some("{\"newFollow\":3}")
    );

    assert_eq!(
        db.user_id_by_email("nina@example.COM").await.unwrap(),
        Some(uid)
    );
    db.set_user_secret(uid, "reset-password", "old", T0 + 100)
        .await
        .unwrap();
    db.set_user_secret(uid, "reset-password", "new", T0 + 100)
        .await
        .expect("asking again replaces the secret");
    let mut tx = db.begin().await.unwrap();
    for (secret, now, wanted, why) in [
        ("old", T0, false, "a replaced secret"),
        ("new", T0 + 100, false, "an expired secret"),
        ("new", T0 + 99, true, "the secret, in time"),
        ("new", T0 + 99, false, "a used secret"),
    ] {
        assert_eq!(
            db.take_user_secret_in(&mut tx, uid, "reset-password", secret, now)
                .await
                .unwrap(),
            wanted,
            "take_user_secret_in: {why}"
        );
    }
    tx.commit().await.unwrap();
}

on_both_backends!(notifications_read_and_secrets);
