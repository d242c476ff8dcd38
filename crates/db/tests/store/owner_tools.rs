//! Owners' tools: actor images (avatars, banners) set, cleared and found by file name; a video's
//! replaced source.

use crate::common::*;
use ferrotube_db::accounts::{ActorImageKind, ImageOwner};
use ferrotube_db::Db;

async fn actor_images_set_cleared_and_found(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let avatar = r#"[{"filename":"av_1.jpg","fileUrl":null,"width":48,"height":48,"createdAt":1,"updatedAt":1}]"#;
    let before = db
        .set_actor_images(
            ImageOwner::Account(a.account_id),
            ActorImageKind::Avatar,
            Some(avatar),
        )
        .await
        .expect("set_actor_images(account avatar)");
    assert_eq!(before, None, "nothing before");
    let banner = r#"[{"filename":"ban%1.jpg","fileUrl":"https://r.example/b.jpg","width":600,"height":100,"createdAt":1,"updatedAt":1}]"#;
    db.set_actor_images(
        ImageOwner::Channel(b.channel_id),
        ActorImageKind::Banner,
        Some(banner),
    )
    .await
    .expect("set_actor_images(channel banner)");
    assert!(
        db.set_actor_images(
            ImageOwner::Account(a.account_id),
            ActorImageKind::Banner,
            Some(banner)
        )
        .await
        .is_err(),
        "an account has no banner"
    );

    let account = db
        .account_by_id(a.account_id)
        .await
        .expect("account_by_id")
        .expect("alice");
    assert_eq!(account.avatars.as_deref(), Some(avatar));
    let channel = db
        .channel_by_id(b.channel_id)
        .await
        .expect("channel_by_id")
        .expect("bob's");
    assert_eq!(channel.banners.as_deref(), Some(banner));
    assert_eq!(channel.avatars, None);
    let other = db
        .channel_by_id(a.channel_id)
        .await
        .expect("channel_by_id")
        .expect("alice's");
    assert_eq!(other.banners, None, "only bob's channel changed");
    assert_eq!(
        db.actor_images_of(a.account_id, b.channel_id)
            .await
            .expect("actor_images_of"),
        (Some(avatar.to_string()), None, Some(banner.to_string()))
    );

    // Found by file name; LIKE's wildcards in a name are plain characters.
    let found = db
        .image_columns_naming(ActorImageKind::Avatar, "av_1.jpg")
        .await
        .expect("image_columns_naming(avatar)");
    assert_eq!(found, vec![avatar.to_string()]);
    assert!(db
        .image_columns_naming(ActorImageKind::Avatar, "avX1.jpg")
        .await
        .expect("image_columns_naming(_ is not a wildcard)")
        .is_empty());
    assert_eq!(
        db.image_columns_naming(ActorImageKind::Banner, "ban%1.jpg")
            .await
            .expect("banner"),
        vec![banner.to_string()]
    );
    assert!(db
        .image_columns_naming(ActorImageKind::Banner, "av_1.jpg")
        .await
        .expect("banner by an avatar's name")
        .is_empty());

    // Cleared: answers what was there.
    let before = db
        .set_actor_images(
            ImageOwner::Account(a.account_id),
            ActorImageKind::Avatar,
            None,
        )
        .await
        .expect("set_actor_images(clear)");
    assert_eq!(before.as_deref(), Some(avatar));
    let account = db
        .account_by_id(a.account_id)
        .await
        .expect("account_by_id")
        .expect("alice");
    assert_eq!(account.avatars, None);
}

async fn a_replaced_source_is_recorded(db: &Db) {
    let a = user(db, "alice").await;
    let id = insert(db, &new_video(a.channel_id, "replaced", T0)).await;
    let v = db
        .video_by_id(id)
        .await
        .expect("video_by_id")
        .expect("video");
    assert_eq!(v.input_file_updated_at, None);
    let mut tx = db.begin().await.expect("begin");
    db.replace_video_source_in(&mut tx, id, "new.mkv", 1234, T0 + HOUR)
        .await
        .expect("replace_video_source_in");
    tx.commit().await.expect("commit");
    let v = db
        .video_by_id(id)
        .await
        .expect("video_by_id")
        .expect("video");
    assert_eq!(v.source_filename.as_deref(), Some("new.mkv"));
    assert_eq!(v.input_size, 1234);
    assert_eq!(v.input_file_updated_at, Some(T0 + HOUR));
}

on_both_backends!(
    actor_images_set_cleared_and_found,
    a_replaced_source_is_recorded
);
