//! Account safety rows: two-factor secrets and the replay guard, requests, sessions,
//! registration requests and video passwords.

use crate::common::*;
use ferrotube_db::safety::{NewRegistration, RegistrationSort, SessionLogin, TokenSessionSort};
use ferrotube_db::sort::Sort;
use ferrotube_db::tokens::TokenRow;
use ferrotube_db::Db;

async fn two_factor_steps_are_accepted_once(db: &Db) {
    let alice = user(db, "alice").await;
    assert!(
        !db.accept_otp_step(alice.user_id, 10).await.unwrap(),
        "accept_otp_step without a secret"
    );
    db.set_otp_secret(alice.user_id, Some("SECRET"))
        .await
        .unwrap();
    assert_eq!(
        db.otp_secret(alice.user_id).await.unwrap().as_deref(),
        Some("SECRET")
    );
    assert!(
        db.accept_otp_step(alice.user_id, 10).await.unwrap(),
        "first use"
    );
    assert!(
        !db.accept_otp_step(alice.user_id, 10).await.unwrap(),
        "replay"
    );
    assert!(
        !db.accept_otp_step(alice.user_id, 9).await.unwrap(),
        "an older step"
    );
    assert!(
        db.accept_otp_step(alice.user_id, 11).await.unwrap(),
        "the next step"
    );
    // A new secret starts the guard over.
    db.set_otp_secret(alice.user_id, Some("OTHER"))
        .await
        .unwrap();
    assert!(
        db.accept_otp_step(alice.user_id, 5).await.unwrap(),
        "after a new secret"
    );
    db.set_otp_secret(alice.user_id, None).await.unwrap();
    assert_eq!(db.otp_secret(alice.user_id).await.unwrap(), None);

    // Requests: found by user and token until they expire.
    db.insert_two_factor_request(alice.user_id, "tok", "S1", T0 + HOUR, T0)
        .await
        .unwrap();
    assert_eq!(
        db.two_factor_request(alice.user_id, "tok", T0)
            .await
            .unwrap()
            .as_deref(),
        Some("S1")
    );
    assert_eq!(
        db.two_factor_request(alice.user_id, "tok", T0 + 2 * HOUR)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        db.two_factor_request(alice.user_id, "nope", T0)
            .await
            .unwrap(),
        None
    );
    db.delete_two_factor_requests(alice.user_id).await.unwrap();
    assert_eq!(
        db.two_factor_request(alice.user_id, "tok", T0)
            .await
            .unwrap(),
        None
    );
}

async fn sessions_are_listed_touched_and_revoked(db: &Db) {
    let alice = user(db, "alice").await;
    let bob = user(db, "bob").await;
    for (u, access, refresh) in [
        (alice.user_id, "a1", "r1"),
        (alice.user_id, "a2", "r2"),
        (bob.user_id, "b1", "rb"),
    ] {
        let t = TokenRow {
            id: 0,
            user_id: u,
            access_token: access.into(),
            refresh_token: refresh.into(),
            access_expires_at: T0 + HOUR,
            refresh_expires_at: T0 + DAY,
        };
        db.insert_token(&t, T0).await.unwrap();
        let login = SessionLogin {
            device: Some(format!("device-{access}")),
            ip: Some("10.0.0.1".into()),
            at: T0,
        };
        db.record_session(access, &login, Some("now"), "10.0.0.2", T0)
            .await
            .unwrap();
    }
    let (total, rows) = db
        .list_sessions(
            alice.user_id,
            T0,
            0,
            10,
            Sort::desc(TokenSessionSort::CreatedAt),
        )
        .await
        .unwrap();
    assert_eq!(total, 2, "list_sessions counts alice's only");
    assert_eq!(rows[0].login_device.as_deref(), Some("device-a2"));
    assert_eq!(rows[0].last_activity_ip.as_deref(), Some("10.0.0.2"));
    let login = db
        .session_login_by_refresh("r1")
        .await
        .unwrap()
        .expect("r1");
    assert_eq!(login.device.as_deref(), Some("device-a1"));

    // Last activity is written only when stale.
    let a1 = rows.iter().find(|r| r.access_token == "a1").expect("a1").id;
    db.touch_session(a1, Some("later"), "10.0.0.3", T0 + 10, T0 - 60_000)
        .await
        .unwrap();
    assert_eq!(
        db.token_last_activity(a1).await.unwrap(),
        Some(T0),
        "fresh: untouched"
    );
    db.touch_session(a1, Some("later"), "10.0.0.3", T0 + HOUR, T0 + HOUR - 60_000)
        .await
        .unwrap();
    assert_eq!(db.token_last_activity(a1).await.unwrap(), Some(T0 + HOUR));

    // A session is revoked by its owner's id only; expired ones are not listed.
    assert!(
        !db.revoke_session(bob.user_id, a1).await.unwrap(),
        "not bob's"
    );
    assert!(db.revoke_session(alice.user_id, a1).await.unwrap());
    assert!(db.token_by_access("a1").await.unwrap().is_none());
    let (total, _) = db
        .list_sessions(
            alice.user_id,
            T0 + 2 * DAY,
            0,
            10,
            Sort::desc(TokenSessionSort::CreatedAt),
        )
        .await
        .unwrap();
    assert_eq!(total, 0, "expired sessions are not listed");
}

async fn registrations_are_searched_and_processed_once(db: &Db) {
    let reg = |username: &'static str, email: &'static str, channel: Option<&'static str>| {
        NewRegistration {
            registration_reason: "because",
            username,
            email,
            password_hash: "hash",
            account_display_name: None,
            channel_handle: channel,
            channel_display_name: channel,
            now: T0,
        }
    };
    let a = db
        .insert_registration(&reg("alice", "alice@example.com", Some("birds")))
        .await
        .unwrap();
    assert_eq!(a.state, 1);
    let b = db
        .insert_registration(&reg("bob_50%", "bob@example.com", None))
        .await
        .unwrap();
    assert!(db
        .registration_taken("ALICE", "x@example.com", None)
        .await
        .unwrap());
    assert!(db
        .registration_taken("carol", "Bob@Example.com", None)
        .await
        .unwrap());
    assert!(db
        .registration_taken("carol", "c@example.com", Some("birds"))
        .await
        .unwrap());
    assert!(db
        .registration_taken("birds", "c@example.com", None)
        .await
        .unwrap());
    assert!(!db
        .registration_taken("carol", "c@example.com", Some("cats"))
        .await
        .unwrap());

    let list = |search: Option<&'static str>, states: Vec<i64>| async move {
        db.list_registrations(
            search,
            &states,
            0,
            10,
            Sort::desc(RegistrationSort::CreatedAt),
        )
        .await
        .unwrap()
    };
    assert_eq!(list(None, vec![]).await.0, 2);
    // LIKE wildcards in a search are literal.
    assert_eq!(list(Some("50%"), vec![]).await.0, 1);
    assert_eq!(list(Some("%"), vec![]).await.0, 1);
    assert_eq!(list(Some("ALI"), vec![1]).await.0, 1);
    assert_eq!(list(None, vec![3]).await.0, 0);

    let carol = user(db, "carol").await;
    assert!(db
        .process_registration(a.id, 3, "ok", Some(carol.user_id), T0 + 1)
        .await
        .unwrap());
    assert!(
        !db.process_registration(a.id, 2, "no", None, T0 + 2)
            .await
            .unwrap(),
        "twice"
    );
    let a = db.registration(a.id).await.unwrap().expect("a");
    assert_eq!(
        (a.state, a.user_id, a.moderation_response.as_deref()),
        (3, Some(carol.user_id), Some("ok"))
    );
    assert_eq!(list(None, vec![3]).await.0, 1);
    assert_eq!(
        db.registrations_by_login("BOB@example.com")
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(db.delete_registration(b.id).await.unwrap());
    assert!(!db.delete_registration(b.id).await.unwrap());
}

async fn video_passwords_keep_at_least_one(db: &Db) {
    let alice = user(db, "alice").await;
    let video = insert(db, &new_video(alice.channel_id, "protected", T0)).await;
    db.set_video_passwords(video, &["one".into(), "two".into()], T0)
        .await
        .unwrap();
    assert!(db.video_password_matches(video, "two").await.unwrap());
    assert!(!db.video_password_matches(video, "TWO").await.unwrap());
    let added = db.add_video_password(video, "three", T0).await.unwrap();
    assert!(
        db.add_video_password(video, "three", T0).await.is_err(),
        "a duplicate"
    );
    let (total, rows) = db.video_passwords(video, 0, 10).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(rows[2].id, added);
    db.set_video_passwords(video, &["only".into()], T0)
        .await
        .unwrap();
    let (_, rows) = db.video_passwords(video, 0, 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        db.delete_video_password(video, rows[0].id).await.unwrap(),
        Some(false),
        "the last one"
    );
    assert_eq!(
        db.delete_video_password(video, added).await.unwrap(),
        None,
        "gone"
    );
    assert!(db.video_password_matches(video, "only").await.unwrap());
}

on_both_backends!(
    two_factor_steps_are_accepted_once,
    sessions_are_listed_touched_and_revoked,
    registrations_are_searched_and_processed_once,
    video_passwords_keep_at_least_one,
);
