//! Moderation: abuse reports with their filters, counts and conversation, video blocks and
//! user bans (migration 0012).

use crate::common::*;
use ferrotube_db::moderation::{AbuseFilter, AbuseKind, AbuseSort, BlacklistSort, NewAbuse};
use ferrotube_db::sort::{Sort, UserSort, VideoSort};
use ferrotube_db::tokens::TokenRow;
use ferrotube_db::videos::VideoFilter;
use ferrotube_db::Db;

async fn listed_ids(db: &Db, f: &VideoFilter) -> Vec<i64> {
    let (_, rows) = db
        .list_videos(f, Sort::asc(VideoSort::Id), 0, 10, false)
        .await
        .expect("list_videos");
    rows.iter().map(|v| v.id).collect()
}

async fn abuses_blocks_and_bans(db: &Db) {
    let alice = user(db, "alice").await;
    let bob = user(db, "bob").await;
    let vid = insert(db, &new_video(bob.channel_id, "volcano", T0)).await;

    // Reports: a video (two reasons, a span), an account; a Flag recorded once.
    let video_report = NewAbuse {
        reporter_account_id: Some(alice.account_id),
        video_id: Some(vid),
        flagged_account_id: Some(bob.account_id),
        reason: "misleading",
        predefined_reasons: 0b100 | 0b1000,
        start_at: Some(1),
        end_at: Some(5),
        video_snapshot: Some(r#"{"name":"volcano"}"#.into()),
        now: T0,
        ..Default::default()
    };
    let v_id = db
        .create_abuse(&video_report)
        .await
        .expect("create_abuse(video)")
        .expect("an id");
    let flag = NewAbuse {
        url: Some("http://remote.example/accounts/x/abuses/1"),
        flagged_account_id: Some(bob.account_id),
        reason: "spam account",
        now: T0 + 1,
        ..Default::default()
    };
    let a_id = db.create_abuse(&flag).await.unwrap().expect("an id");
    assert_eq!(
        db.create_abuse(&flag).await.unwrap(),
        None,
        "create_abuse of a known Flag id answers None"
    );

    let list = |f: AbuseFilter| async move {
        db.list_abuses_filtered(&f, Sort::asc(AbuseSort::Id), 0, 10)
            .await
            .expect("list_abuses_filtered")
    };
    let (total, rows) = list(AbuseFilter::default()).await;
    assert_eq!(total, 2, "list_abuses_filtered: all");
    let v = rows
        .iter()
        .find(|r| r.id == v_id)
        .expect("the video report");
    assert_eq!(
        (v.predefined_reasons, v.start_at, v.end_at),
        (0b1100, Some(1), Some(5)),
        "reasons and span stored"
    );
    assert_eq!(
        (v.count_reports_for_reporter, v.count_reports_for_reportee),
        (1, 2),
        "counts per reporter and reportee"
    );
    for (what, f, want) in [
        (
            "kind video",
            AbuseFilter {
                kind: Some(AbuseKind::Video),
                ..Default::default()
            },
            vec![v_id],
        ),
        (
            "kind account",
            AbuseFilter {
                kind: Some(AbuseKind::Account),
                ..Default::default()
            },
            vec![a_id],
        ),
        (
            "reason bit",
            AbuseFilter {
                predefined_reason: Some(0b1000),
                ..Default::default()
            },
            vec![v_id],
        ),
        (
            "reporter",
            AbuseFilter {
                reporter_account_id: Some(alice.account_id),
                ..Default::default()
            },
            vec![v_id],
        ),
        (
            "search video, pattern characters taken as text",
            AbuseFilter {
                search_video: Some("volc%".into()),
                ..Default::default()
            },
            vec![],
        ),
        (
            "search reportee",
            AbuseFilter {
                search_reportee: Some("BOB".into()),
                ..Default::default()
            },
            vec![v_id, a_id],
        ),
    ] {
        let (n, rows) = list(f).await;
        assert_eq!(
            rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            want,
            "list_abuses_filtered: {what}"
        );
        assert_eq!(n, want.len() as i64, "total: {what}");
    }

    // State, moderation comment, messages, deletion.
    assert!(db
        .update_abuse(v_id, Some(3), Some("done"), T0 + 10)
        .await
        .expect("update_abuse"));
    let full = db.abuse_full(v_id).await.unwrap().expect("abuse_full");
    assert_eq!(
        (
            full.state,
            full.moderation_comment.as_deref(),
            full.updated_at
        ),
        (3, Some("done"), T0 + 10),
        "update_abuse"
    );
    assert!(
        !db.update_abuse(999_999, Some(2), None, T0).await.unwrap(),
        "update_abuse of an unknown report"
    );
    let m = db
        .insert_abuse_message(v_id, alice.account_id, "news?", false, T0 + 20)
        .await
        .expect("insert_abuse_message");
    assert!(
        db.abuse_message(m, a_id).await.unwrap().is_none(),
        "abuse_message under another report"
    );
    assert_eq!(db.list_abuse_messages(v_id).await.unwrap().len(), 1);
    assert_eq!(
        db.abuse_full(v_id).await.unwrap().unwrap().count_messages,
        1
    );
    assert!(db.delete_abuse_message(m).await.unwrap());
    assert!(db.delete_abuse(a_id).await.unwrap());
    assert!(!db.delete_abuse(a_id).await.unwrap(), "delete_abuse twice");

    // Blocks: out of every list but the one that asks for them.
    assert!(db
        .blacklist_video(vid, Some("copyright"), false, T0)
        .await
        .expect("blacklist_video"));
    assert!(
        !db.blacklist_video(vid, None, true, T0).await.unwrap(),
        "blacklist_video twice answers false"
    );
    assert!(listed_ids(db, &VideoFilter::default()).await.is_empty());
    let owner = VideoFilter {
        include_blacklisted: true,
        ..Default::default()
    };
    assert_eq!(listed_ids(db, &owner).await, vec![vid]);
    let row = db.video_by_id(vid).await.unwrap().expect("video");
    assert_eq!(
        (row.blacklisted, row.blacklist_reason.as_deref()),
        (true, Some("copyright")),
        "VideoRow carries the block"
    );
    let (n, blocks) = db
        .list_blacklist(
            Some(1),
            Some("volc"),
            Sort::desc(BlacklistSort::CreatedAt),
            0,
            10,
        )
        .await
        .expect("list_blacklist");
    assert_eq!((n, blocks.len()), (1, 1), "list_blacklist");
    let (n, _) = db
        .list_blacklist(Some(2), None, Sort::asc(BlacklistSort::Name), 0, 10)
        .await
        .unwrap();
    assert_eq!(n, 0, "list_blacklist type 2");
    let lifted = db.unblacklist_video(vid).await.unwrap().expect("a block");
    assert_eq!(lifted.reason.as_deref(), Some("copyright"));
    assert!(db.unblacklist_video(vid).await.unwrap().is_none());
    assert_eq!(listed_ids(db, &VideoFilter::default()).await, vec![vid]);

    // A ban drops the user's tokens.
    db.insert_token(
        &TokenRow {
            id: 0,
            user_id: bob.user_id,
            access_token: "bob-access".into(),
            refresh_token: "bob-refresh".into(),
            access_expires_at: T0 + DAY,
            refresh_expires_at: T0 + DAY,
        },
        T0,
    )
    .await
    .expect("insert_token");
    assert!(db
        .set_user_blocked(bob.user_id, true, Some("spam"))
        .await
        .expect("set_user_blocked"));
    assert!(db.token_by_access("bob-access").await.unwrap().is_none());
    let (n, banned) = db
        .list_users_blocked(true, 0, 10, Sort::asc(UserSort::Id))
        .await
        .expect("list_users_blocked");
    assert_eq!(n, 1);
    assert_eq!(banned[0].blocked_reason.as_deref(), Some("spam"));
    db.set_user_blocked(bob.user_id, false, None).await.unwrap();
    let (n, _) = db
        .list_users_blocked(true, 0, 10, Sort::asc(UserSort::Id))
        .await
        .unwrap();
    assert_eq!(n, 0, "unbanned");
}

on_both_backends!(abuses_blocks_and_bans);
