//! Users and their OAuth tokens.

use crate::common::*;
use ferrotube_db::sort::{Sort, UserSort};
use ferrotube_db::tokens::TokenRow;
use ferrotube_db::users::NewUser;
use ferrotube_db::{Db, DbError};

fn new_user<'a>(username: &'a str, email: &'a str, channel: &'a str) -> NewUser<'a> {
    NewUser {
        username,
        email,
        password_hash: "hash",
        role: 2,
        video_quota: 1000,
        video_quota_daily: 500,
        display_name: username,
        channel_name: channel,
        channel_display_name: channel,
        now: T0,
    }
}

async fn users_are_created_found_and_unique(db: &Db) {
    assert_eq!(
        db.count_users().await.unwrap(),
        0,
        "count_users on a fresh database"
    );

    let alice = db
        .create_user(&new_user("alice", "Alice@Example.com", "alice_channel"))
        .await
        .expect("create_user(alice)");
    let u = db
        .user_by_id(alice.user_id)
        .await
        .unwrap()
        .expect("user_by_id finds the user create_user made");
    assert_eq!(u.username, "alice");
    assert_eq!(
        u.account_id, alice.account_id,
        "user_by_id: account_id joins the user's account"
    );
    assert_eq!(
        (u.role.id(), u.video_quota, u.video_quota_daily),
        (2, 1000, 500)
    );
    assert!(
        !u.blocked && u.email_verified,
        "create_user: column defaults (blocked false, email_verified true)"
    );
    assert_eq!(
        u.nsfw_policy, "do_not_list",
        "create_user: nsfw_policy default"
    );
    assert_eq!(u.last_login_at, None);
    let acc = db
        .account_by_id(alice.account_id)
        .await
        .unwrap()
        .expect("create_user made the account");
    assert_eq!(
        (acc.user_id, acc.name.as_str(), acc.host.as_deref()),
        (Some(alice.user_id), "alice", None)
    );
    let ch = db
        .channel_by_id(alice.channel_id)
        .await
        .unwrap()
        .expect("create_user made the default channel");
    assert_eq!(
        (ch.account_id, ch.name.as_str()),
        (alice.account_id, "alice_channel")
    );

    for login in ["alice", "ALICE", "alice@example.com", "ALICE@EXAMPLE.COM"] {
        let found = db.user_by_login(login).await.unwrap();
        assert_eq!(
            found.map(|u| u.id),
            Some(alice.user_id),
            "user_by_login({login:?}) is case-insensitive on username and email"
        );
    }
    assert!(
        db.user_by_login("nobody").await.unwrap().is_none(),
        "user_by_login of an unknown login"
    );
    assert!(
        db.user_by_id(alice.user_id + 1000).await.unwrap().is_none(),
        "user_by_id of an unknown id"
    );

    assert!(
        db.user_exists("Alice", "x@y.z").await.unwrap(),
        "user_exists by username (any case)"
    );
    assert!(
        db.user_exists("zed", "alice@EXAMPLE.com").await.unwrap(),
        "user_exists by email (any case)"
    );
    assert!(
        db.user_exists("alice_channel", "x@y.z").await.unwrap(),
        "user_exists: a channel handle is taken too"
    );
    assert!(
        !db.user_exists("bob", "bob@example.com").await.unwrap(),
        "user_exists for a free name and email"
    );

    // Duplicates answer Conflict and leave nothing half-made behind.
    let dup = db
        .create_user(&new_user("alice", "other@example.com", "other_channel"))
        .await;
    assert!(
        matches!(dup, Err(DbError::Conflict(_))),
        "create_user with a taken username: want Conflict, got {dup:?}"
    );
    let dup = db
        .create_user(&new_user("alice2", "Alice@Example.com", "alice2_channel"))
        .await;
    assert!(
        matches!(dup, Err(DbError::Conflict(_))),
        "create_user with a taken email: want Conflict, got {dup:?}"
    );
    let dup = db
        .create_user(&new_user("carol", "carol@example.com", "alice_channel"))
        .await;
    assert!(
        matches!(dup, Err(DbError::Conflict(_))),
        "create_user with a taken channel name: want Conflict, got {dup:?}"
    );
    assert!(
        db.user_by_login("carol").await.unwrap().is_none(),
        "create_user is one transaction: the channel conflict must roll the user back"
    );
    assert!(
        db.account_by_name("carol").await.unwrap().is_none(),
        "create_user is one transaction: the channel conflict must roll the account back"
    );
    assert_eq!(
        db.count_users().await.unwrap(),
        1,
        "count_users after refused duplicates"
    );

    let bob = db
        .create_user(&new_user("bob", "bob@example.com", "bob_channel"))
        .await
        .expect("create_user(bob)");
    let carl = db
        .create_user(&new_user("carl", "carl@example.com", "carl_channel"))
        .await
        .expect("create_user(carl)");
    assert_eq!(db.count_users().await.unwrap(), 3);
    let names = |v: Vec<ferrotube_db::users::UserRow>| {
        v.into_iter().map(|u| u.username).collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            db.list_users(0, 10, Sort::desc(UserSort::Username))
                .await
                .unwrap()
        ),
        ["carl", "bob", "alice"],
        "list_users ordered by username DESC"
    );
    assert_eq!(
        names(db.list_users(1, 1, Sort::asc(UserSort::Id)).await.unwrap()),
        ["bob"],
        "list_users(start 1, count 1) by id"
    );
    assert!(
        db.list_users(3, 10, Sort::asc(UserSort::Id))
            .await
            .unwrap()
            .is_empty(),
        "list_users past the end"
    );

    db.touch_login(bob.user_id, T0 + 5)
        .await
        .expect("touch_login");
    assert_eq!(
        db.user_by_id(bob.user_id)
            .await
            .unwrap()
            .unwrap()
            .last_login_at,
        Some(T0 + 5),
        "touch_login sets last_login_at"
    );

    let mut b = db.user_by_id(bob.user_id).await.unwrap().unwrap();
    b.email = "bob@new.example".into();
    b.password_hash = "hash2".into();
    b.role = ferrotube_model::UserRole::Moderator;
    b.video_quota = -1;
    b.video_quota_daily = 42;
    b.blocked = true;
    b.blocked_reason = Some("spam".into());
    b.nsfw_policy = "blur".into();
    db.update_user(&b).await.expect("update_user(bob)");
    let b2 = db.user_by_id(bob.user_id).await.unwrap().unwrap();
    assert_eq!(
        (
            b2.email.as_str(),
            b2.password_hash.as_str(),
            b2.role.id(),
            b2.video_quota,
            b2.video_quota_daily,
            b2.blocked,
            b2.blocked_reason.as_deref(),
            b2.nsfw_policy.as_str()
        ),
        (
            "bob@new.example",
            "hash2",
            1,
            -1,
            42,
            true,
            Some("spam"),
            "blur"
        ),
        "update_user writes every editable column"
    );
    assert_eq!(b2.username, "bob", "update_user leaves the username");
    let mut c = db.user_by_id(carl.user_id).await.unwrap().unwrap();
    c.email = "bob@new.example".into();
    let r = db.update_user(&c).await;
    assert!(
        matches!(r, Err(DbError::Conflict(_))),
        "update_user to another user's email: want Conflict, got {r:?}"
    );
}

async fn quota_counts_input_bytes_in_total_and_since(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let second = db
        .create_channel(a.account_id, "alice_second", "Second", None, None, T0)
        .await
        .expect("create_channel");
    assert_eq!(
        db.video_quota_used(a.account_id, 0).await.unwrap(),
        (0, 0),
        "video_quota_used with no videos"
    );
    for (ch, size, at) in [
        (a.channel_id, 100, T0 - 2 * DAY),
        (second, 30, T0),
        (a.channel_id, 7, T0 + 1),
        (b.channel_id, 1000, T0),
    ] {
        let mut v = new_video(ch, "v", at);
        v.input_size = size;
        insert(db, &v).await;
    }
    assert_eq!(
        db.video_quota_used(a.account_id, T0).await.unwrap(),
        (137, 37),
        "video_quota_used: every channel of the account in total, only created_at >= since for the daily part, never other accounts"
    );
    assert_eq!(
        db.video_quota_used(b.account_id, T0 + 1).await.unwrap(),
        (1000, 0)
    );
}

async fn deleting_a_user_cascades(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let vid = insert(db, &new_video(a.channel_id, "alice's", T0)).await;
    let bvid = insert(db, &new_video(b.channel_id, "bob's", T0)).await;
    db.insert_token(&token(a.user_id, "a-acc", "a-ref", T0 + HOUR), T0)
        .await
        .unwrap();
    db.set_rate(a.account_id, bvid, Some("like"), T0)
        .await
        .unwrap();
    assert_eq!(db.video_by_id(bvid).await.unwrap().unwrap().likes, 1);

    assert!(
        db.delete_user(a.user_id).await.expect("delete_user(alice)"),
        "delete_user answers true for an existing user"
    );
    assert!(
        db.user_by_id(a.user_id).await.unwrap().is_none(),
        "delete_user removes the user"
    );
    assert!(
        db.account_by_id(a.account_id).await.unwrap().is_none(),
        "delete_user removes the account"
    );
    assert!(
        db.channel_by_id(a.channel_id).await.unwrap().is_none(),
        "delete_user cascades to the channel"
    );
    assert!(
        db.video_by_id(vid).await.unwrap().is_none(),
        "delete_user cascades to the channel's videos"
    );
    assert!(
        db.token_by_access("a-acc").await.unwrap().is_none(),
        "delete_user cascades to oauth tokens"
    );
    assert_eq!(
        db.rate_of(a.account_id, bvid).await.unwrap(),
        None,
        "delete_user cascades to the account's rates"
    );
    assert!(
        db.video_by_id(bvid).await.unwrap().is_some(),
        "delete_user leaves other users' videos"
    );
    assert!(
        !db.delete_user(a.user_id).await.unwrap(),
        "delete_user of a deleted user answers false"
    );
    assert_eq!(db.count_users().await.unwrap(), 1);
}

fn token(user_id: i64, access: &str, refresh: &str, refresh_expires_at: i64) -> TokenRow {
    TokenRow {
        id: 0,
        user_id,
        access_token: access.into(),
        refresh_token: refresh.into(),
        access_expires_at: T0 + HOUR,
        refresh_expires_at,
    }
}

async fn oauth_clients_and_tokens(db: &Db) {
    let c = db
        .local_oauth_client(|| ("cid".into(), "secret".into()))
        .await
        .expect("local_oauth_client creates the client on first use");
    assert_eq!(
        (c.client_id.as_str(), c.client_secret.as_str()),
        ("cid", "secret")
    );
    let again = db
        .local_oauth_client(|| panic!("local_oauth_client must not make a second client"))
        .await
        .unwrap();
    assert_eq!(
        again.client_id, "cid",
        "local_oauth_client answers the existing client"
    );
    assert!(
        db.oauth_client_valid("cid", "secret").await.unwrap(),
        "oauth_client_valid with the right secret"
    );
    assert!(
        !db.oauth_client_valid("cid", "wrong").await.unwrap(),
        "oauth_client_valid with a wrong secret"
    );
    assert!(
        !db.oauth_client_valid("other", "secret").await.unwrap(),
        "oauth_client_valid with an unknown client"
    );

    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    db.insert_token(&token(a.user_id, "acc1", "ref1", T0 + DAY), T0)
        .await
        .expect("insert_token(acc1)");
    db.insert_token(&token(a.user_id, "acc2", "ref2", T0 + 2 * DAY), T0)
        .await
        .expect("insert_token(acc2)");
    db.insert_token(&token(b.user_id, "acc3", "ref3", T0 + 3 * DAY), T0)
        .await
        .expect("insert_token(acc3)");
    let r = db
        .insert_token(&token(b.user_id, "acc1", "ref9", T0), T0)
        .await;
    assert!(
        matches!(r, Err(DbError::Conflict(_))),
        "insert_token with a taken access token: want Conflict, got {r:?}"
    );

    let t = db
        .token_by_access("acc1")
        .await
        .unwrap()
        .expect("token_by_access(acc1)");
    assert_eq!(
        (
            t.user_id,
            t.refresh_token.as_str(),
            t.access_expires_at,
            t.refresh_expires_at
        ),
        (a.user_id, "ref1", T0 + HOUR, T0 + DAY)
    );
    assert!(db.token_by_access("nope").await.unwrap().is_none());

    let taken = db
        .take_refresh_token("ref1")
        .await
        .expect("take_refresh_token(ref1)");
    assert_eq!(
        taken.map(|t| t.access_token),
        Some("acc1".into()),
        "take_refresh_token answers the token"
    );
    assert!(
        db.take_refresh_token("ref1").await.unwrap().is_none(),
        "take_refresh_token works once"
    );
    assert!(
        db.token_by_access("acc1").await.unwrap().is_none(),
        "take_refresh_token deletes the token"
    );

    assert!(
        db.revoke_token("acc2").await.unwrap(),
        "revoke_token of a live token answers true"
    );
    assert!(
        !db.revoke_token("acc2").await.unwrap(),
        "revoke_token twice answers false"
    );

    db.insert_token(&token(a.user_id, "acc4", "ref4", T0 + DAY), T0)
        .await
        .unwrap();
    db.revoke_user_tokens(a.user_id)
        .await
        .expect("revoke_user_tokens");
    assert!(
        db.token_by_access("acc4").await.unwrap().is_none(),
        "revoke_user_tokens removes the user's tokens"
    );
    assert!(
        db.token_by_access("acc3").await.unwrap().is_some(),
        "revoke_user_tokens leaves other users' tokens"
    );

    db.insert_token(&token(a.user_id, "old", "old-ref", T0 + 10), T0)
        .await
        .unwrap();
    db.insert_token(&token(a.user_id, "edge", "edge-ref", T0 + 20), T0)
        .await
        .unwrap();
    assert_eq!(
        db.purge_expired_tokens(T0 + 20).await.unwrap(),
        1,
        "purge_expired_tokens removes refresh_expires_at < now only"
    );
    assert!(db.token_by_access("old").await.unwrap().is_none());
    assert!(
        db.token_by_access("edge").await.unwrap().is_some(),
        "purge_expired_tokens keeps a token expiring exactly now"
    );
    assert!(db.token_by_access("acc3").await.unwrap().is_some());
}

on_both_backends!(
    users_are_created_found_and_unique,
    quota_counts_input_bytes_in_total_and_since,
    deleting_a_user_cascades,
    oauth_clients_and_tokens,
);
