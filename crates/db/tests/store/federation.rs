//! Federation: actors and their keys, remote profiles, follows and their states, the inbox's
//! seen activities, delivery health per host, blocklists and abuse reports.

use crate::common::*;
use ferrotube_db::federation::{
    ActorFields, ActorRow, RemoteProfile, FOLLOW_ACCEPTED, FOLLOW_PENDING,
};
use ferrotube_db::sort::{Sort, VideoSort};
use ferrotube_db::videos::VideoFilter;
use ferrotube_db::{Db, DbError};

fn actor<'a>(
    url: &'a str,
    kind: &'a str,
    username: &'a str,
    host: Option<&'a str>,
    inbox: &'a str,
) -> ActorFields<'a> {
    ActorFields {
        url,
        kind,
        username,
        host,
        account_id: None,
        channel_id: None,
        inbox_url: inbox,
        shared_inbox_url: None,
        outbox_url: None,
        followers_url: None,
        public_key_pem: None,
        now: T0,
    }
}

fn profile<'a>(
    handle: &'a str,
    host: &'a str,
    display_name: &'a str,
    now: i64,
) -> RemoteProfile<'a> {
    RemoteProfile {
        handle,
        host,
        display_name,
        description: Some("remote description"),
        support: Some("remote support"),
        now,
    }
}

async fn actors_keys_and_remote_profiles(db: &Db) {
    let a = user(db, "alice").await;
    let local = db
        .upsert_actor(&ActorFields {
            account_id: Some(a.account_id),
            ..actor(
                "https://here/accounts/alice",
                "Person",
                "alice",
                None,
                "https://here/accounts/alice/inbox",
            )
        })
        .await
        .expect("upsert_actor(local account actor)");
    assert!(
        local.is_local() && local.private_key_pem.is_none(),
        "a new local actor has no host and no keys yet"
    );
    assert_eq!(
        (
            local.account_id,
            local.channel_id,
            local.fetched_at,
            local.created_at
        ),
        (Some(a.account_id), None, T0, T0)
    );
    assert_eq!(
        local.delivery_inbox(),
        "https://here/accounts/alice/inbox",
        "delivery_inbox without a shared inbox"
    );
    let chan = db
        .upsert_actor(&ActorFields {
            channel_id: Some(a.channel_id),
            ..actor(
                "https://here/video-channels/alice_channel",
                "Group",
                "alice_channel",
                None,
                "https://here/c/inbox",
            )
        })
        .await
        .expect("upsert_actor(local channel actor)");
    assert_eq!(
        db.actor_by_url("https://here/accounts/alice")
            .await
            .unwrap()
            .map(|x| x.id),
        Some(local.id),
        "actor_by_url"
    );
    assert_eq!(
        db.actor_by_id(chan.id).await.unwrap().map(|x| x.username),
        Some("alice_channel".into()),
        "actor_by_id"
    );
    assert_eq!(
        db.actor_of_account(a.account_id)
            .await
            .unwrap()
            .map(|x| x.id),
        Some(local.id),
        "actor_of_account"
    );
    assert_eq!(
        db.actor_of_channel(a.channel_id)
            .await
            .unwrap()
            .map(|x| x.id),
        Some(chan.id),
        "actor_of_channel"
    );
    assert!(
        db.actor_by_url("https://nowhere").await.unwrap().is_none()
            && db.actor_by_id(9999).await.unwrap().is_none()
    );
    assert!(
        db.actor_of_account(9999).await.unwrap().is_none()
            && db.actor_of_channel(9999).await.unwrap().is_none()
    );
    assert_eq!(
        db.account_by_id(a.account_id)
            .await
            .unwrap()
            .unwrap()
            .actor_url,
        None,
        "a local account's actor_url stays None (derived, not stored)"
    );

    // Keys: stored once, whoever comes second gets the first pair.
    let k = db
        .set_actor_keys_once(local.id, "PUB1", "PRIV1")
        .await
        .expect("set_actor_keys_once")
        .expect("the actor");
    assert_eq!(
        (k.public_key_pem.as_deref(), k.private_key_pem.as_deref()),
        (Some("PUB1"), Some("PRIV1")),
        "set_actor_keys_once stores the first pair"
    );
    let k = db
        .set_actor_keys_once(local.id, "PUB2", "PRIV2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (k.public_key_pem.as_deref(), k.private_key_pem.as_deref()),
        (Some("PUB1"), Some("PRIV1")),
        "set_actor_keys_once keeps the first pair"
    );
    assert!(
        db.set_actor_keys_once(9999, "P", "Q")
            .await
            .unwrap()
            .is_none(),
        "set_actor_keys_once of an unknown actor"
    );

    // A refetch refreshes the row but keeps the links, the key when none came and the private key.
    let again = db
        .upsert_actor(&ActorFields {
            shared_inbox_url: Some("https://here/inbox"),
            outbox_url: Some("https://here/accounts/alice/outbox"),
            followers_url: Some("https://here/accounts/alice/followers"),
            now: T0 + 5,
            ..actor(
                "https://here/accounts/alice",
                "Person",
                "alice2",
                None,
                "https://here/new-inbox",
            )
        })
        .await
        .expect("upsert_actor(refresh)");
    assert_eq!(
        again.id, local.id,
        "upsert_actor on a known URL updates the same row"
    );
    assert_eq!(
        (
            again.username.as_str(),
            again.inbox_url.as_str(),
            again.delivery_inbox(),
            again.outbox_url.is_some(),
            again.followers_url.is_some()
        ),
        (
            "alice2",
            "https://here/new-inbox",
            "https://here/inbox",
            true,
            true
        ),
        "upsert_actor refreshes the fetched fields"
    );
    assert_eq!(
        (again.fetched_at, again.created_at),
        (T0 + 5, T0),
        "upsert_actor: fetched_at moves, created_at stays"
    );
    assert_eq!(
        again.account_id,
        Some(a.account_id),
        "upsert_actor without account_id keeps the link"
    );
    assert_eq!(
        (
            again.public_key_pem.as_deref(),
            again.private_key_pem.as_deref()
        ),
        (Some("PUB1"), Some("PRIV1")),
        "upsert_actor without a key keeps both keys"
    );

    // Remote accounts and channels by handle.
    let ra = db
        .upsert_remote_account(&profile(
            "rita@remote.example",
            "remote.example",
            "Rita",
            T0,
        ))
        .await
        .expect("upsert_remote_account");
    let ra2 = db
        .upsert_remote_account(&profile(
            "rita@remote.example",
            "remote.example",
            "Rita R.",
            T0 + 1,
        ))
        .await
        .expect("upsert_remote_account(refresh)");
    assert_eq!(
        ra2, ra,
        "upsert_remote_account of a known handle answers the same account"
    );
    let acc = db
        .account_by_name("rita@remote.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            acc.user_id,
            acc.display_name.as_str(),
            acc.description.as_deref(),
            acc.host.as_deref(),
            acc.created_at,
            acc.updated_at
        ),
        (
            None,
            "Rita R.",
            Some("remote description"),
            Some("remote.example"),
            T0,
            T0 + 1
        ),
        "upsert_remote_account refreshes the profile"
    );
    let rc = db
        .upsert_remote_channel(
            &profile("rchan@remote.example", "remote.example", "RC", T0),
            ra,
        )
        .await
        .expect("upsert_remote_channel");
    let rc2 = db
        .upsert_remote_channel(
            &profile("rchan@remote.example", "remote.example", "RC 2", T0 + 1),
            ra,
        )
        .await
        .unwrap();
    assert_eq!(
        rc2, rc,
        "upsert_remote_channel of a known handle answers the same channel"
    );
    let ch = db.channel_by_id(rc).await.unwrap().unwrap();
    assert_eq!(
        (
            ch.account_id,
            ch.display_name.as_str(),
            ch.support.as_deref(),
            ch.host.as_deref()
        ),
        (ra, "RC 2", Some("remote support"), Some("remote.example")),
        "upsert_remote_channel refreshes the profile"
    );
    // A remote profile never takes over a local handle.
    let r = db
        .upsert_remote_account(&profile("alice", "evil.example", "Hijack", T0))
        .await;
    assert!(
        matches!(r, Err(DbError::Conflict(_))),
        "upsert_remote_account over a local account's name: want Conflict, got {r:?}"
    );
    let r = db
        .upsert_remote_channel(&profile("alice_channel", "evil.example", "Hijack", T0), ra)
        .await;
    assert!(
        matches!(r, Err(DbError::Conflict(_))),
        "upsert_remote_channel over a local channel's name: want Conflict, got {r:?}"
    );
    assert_eq!(
        db.account_by_id(a.account_id)
            .await
            .unwrap()
            .unwrap()
            .display_name,
        "alice display",
        "the local account is untouched"
    );
    assert_eq!(
        db.channel_by_id(a.channel_id).await.unwrap().unwrap().host,
        None,
        "the local channel is untouched"
    );

    let remote = db
        .upsert_actor(&ActorFields {
            account_id: Some(ra),
            public_key_pem: Some("RPUB"),
            ..actor(
                "https://remote.example/accounts/rita",
                "Person",
                "rita",
                Some("remote.example"),
                "https://remote.example/accounts/rita/inbox",
            )
        })
        .await
        .unwrap();
    assert!(!remote.is_local());
    db.upsert_actor(&ActorFields {
        channel_id: Some(rc),
        ..actor(
            "https://remote.example/video-channels/rchan",
            "Group",
            "rchan",
            Some("remote.example"),
            "https://remote.example/c/inbox",
        )
    })
    .await
    .unwrap();
    assert_eq!(
        db.account_by_id(ra)
            .await
            .unwrap()
            .unwrap()
            .actor_url
            .as_deref(),
        Some("https://remote.example/accounts/rita"),
        "a remote account's actor_url is its actor's URL"
    );
    assert_eq!(
        db.channel_by_name("rchan@remote.example")
            .await
            .unwrap()
            .unwrap()
            .actor_url
            .as_deref(),
        Some("https://remote.example/video-channels/rchan"),
        "a remote channel's actor_url is its actor's URL"
    );
    let remote = db
        .upsert_actor(&actor(
            "https://remote.example/accounts/rita",
            "Person",
            "rita",
            Some("remote.example"),
            "https://remote.example/i2",
        ))
        .await
        .unwrap();
    assert_eq!(
        remote.public_key_pem.as_deref(),
        Some("RPUB"),
        "upsert_actor without a key keeps the remote key"
    );
    let remote = db
        .upsert_actor(&ActorFields {
            public_key_pem: Some("RPUB2"),
            ..actor(
                "https://remote.example/accounts/rita",
                "Person",
                "rita",
                Some("remote.example"),
                "https://remote.example/i2",
            )
        })
        .await
        .unwrap();
    assert_eq!(
        remote.public_key_pem.as_deref(),
        Some("RPUB2"),
        "upsert_actor with a new key (a rotation) replaces it"
    );

    db.delete_channel(a.channel_id).await.unwrap();
    assert!(
        db.actor_by_id(chan.id).await.unwrap().is_none(),
        "deleting a channel cascades to its actor"
    );
}

struct Net {
    local: ActorRow,
    local_chan: ActorRow,
    local_chan_id: i64,
    r1: ActorRow,
    r2: ActorRow,
    r3: ActorRow,
    rchan: ActorRow,
    rchan_id: i64,
}

async fn network(db: &Db) -> Net {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let local = db
        .upsert_actor(&ActorFields {
            account_id: Some(a.account_id),
            ..actor(
                "https://here/a/alice",
                "Person",
                "alice",
                None,
                "https://here/a/alice/inbox",
            )
        })
        .await
        .unwrap();
    let local_chan = db
        .upsert_actor(&ActorFields {
            channel_id: Some(b.channel_id),
            ..actor(
                "https://here/c/bob",
                "Group",
                "bob_channel",
                None,
                "https://here/c/bob/inbox",
            )
        })
        .await
        .unwrap();
    let h1 = Some("one.example");
    let r1 = db
        .upsert_actor(&ActorFields {
            shared_inbox_url: Some("https://one.example/inbox"),
            ..actor(
                "https://one.example/a/r1",
                "Person",
                "r1",
                h1,
                "https://one.example/a/r1/inbox",
            )
        })
        .await
        .unwrap();
    let r2 = db
        .upsert_actor(&ActorFields {
            shared_inbox_url: Some("https://one.example/inbox"),
            ..actor(
                "https://one.example/a/r2",
                "Person",
                "r2",
                h1,
                "https://one.example/a/r2/inbox",
            )
        })
        .await
        .unwrap();
    let r3 = db
        .upsert_actor(&actor(
            "https://two.example/a/r3",
            "Person",
            "r3",
            Some("two.example"),
            "https://two.example/a/r3/inbox",
        ))
        .await
        .unwrap();
    let racc = db
        .upsert_remote_account(&profile("r3@two.example", "two.example", "R3", T0))
        .await
        .unwrap();
    let rchan_id = db
        .upsert_remote_channel(&profile("rc@two.example", "two.example", "RC", T0), racc)
        .await
        .unwrap();
    let rchan = db
        .upsert_actor(&ActorFields {
            channel_id: Some(rchan_id),
            ..actor(
                "https://two.example/c/rc",
                "Group",
                "rc",
                Some("two.example"),
                "https://two.example/c/rc/inbox",
            )
        })
        .await
        .unwrap();
    Net {
        local,
        local_chan,
        local_chan_id: b.channel_id,
        r1,
        r2,
        r3,
        rchan,
        rchan_id,
    }
}

async fn follows_states_and_collections(db: &Db) {
    let n = network(db).await;
    let lc = n.local_chan.id;
    let f1 = db
        .upsert_follow(
            n.r1.id,
            lc,
            FOLLOW_PENDING,
            Some("https://one.example/follow/1"),
            T0,
        )
        .await
        .expect("upsert_follow(pending)");
    assert_eq!(
        (
            f1.follower_id,
            f1.following_id,
            f1.state.as_str(),
            f1.activity_url.as_deref()
        ),
        (n.r1.id, lc, "pending", Some("https://one.example/follow/1"))
    );
    let f1b = db
        .upsert_follow(n.r1.id, lc, FOLLOW_ACCEPTED, None, T0 + 1)
        .await
        .expect("upsert_follow(accepted)");
    assert_eq!(
        (
            f1b.id,
            f1b.state.as_str(),
            f1b.activity_url.as_deref(),
            f1b.created_at,
            f1b.updated_at
        ),
        (
            f1.id,
            "accepted",
            Some("https://one.example/follow/1"),
            T0,
            T0 + 1
        ),
        "upsert_follow of a known pair: same row, new state, activity_url kept when none came"
    );
    let f1c = db
        .upsert_follow(
            n.r1.id,
            lc,
            FOLLOW_PENDING,
            Some("https://one.example/follow/2"),
            T0 + 2,
        )
        .await
        .unwrap();
    assert_eq!(
        (f1c.state.as_str(), f1c.activity_url.as_deref()),
        ("accepted", Some("https://one.example/follow/2")),
        "upsert_follow never moves an accepted follow back to pending"
    );
    let f2 = db
        .upsert_follow(n.r2.id, lc, FOLLOW_ACCEPTED, None, T0)
        .await
        .unwrap();
    let f3 = db
        .upsert_follow(n.r3.id, lc, FOLLOW_PENDING, None, T0)
        .await
        .unwrap();
    let f4 = db
        .upsert_follow(n.local.id, lc, FOLLOW_ACCEPTED, None, T0)
        .await
        .unwrap();

    assert_eq!(
        db.follow_between(n.r1.id, lc).await.unwrap().map(|f| f.id),
        Some(f1.id),
        "follow_between"
    );
    assert!(
        db.follow_between(lc, n.r1.id).await.unwrap().is_none(),
        "follow_between is directed"
    );
    assert_eq!(
        db.follow_by_id(f3.id).await.unwrap().map(|f| f.state),
        Some("pending".into()),
        "follow_by_id"
    );
    db.set_follow_activity_url(f3.id, "https://two.example/follow/3")
        .await
        .expect("set_follow_activity_url");
    assert_eq!(
        db.follow_by_id(f3.id)
            .await
            .unwrap()
            .unwrap()
            .activity_url
            .as_deref(),
        Some("https://two.example/follow/3"),
        "set_follow_activity_url"
    );

    assert_eq!(
        db.count_accepted_followers(lc).await.unwrap(),
        3,
        "count_accepted_followers ignores pending follows"
    );
    assert_eq!(
        db.follower_urls(lc, 0, 10).await.expect("follower_urls"),
        [
            "https://one.example/a/r1",
            "https://one.example/a/r2",
            "https://here/a/alice"
        ],
        "follower_urls: accepted followers in follow order"
    );
    assert_eq!(
        db.follower_urls(lc, 1, 1).await.unwrap(),
        ["https://one.example/a/r2"],
        "follower_urls paging"
    );
    assert_eq!(
        db.follower_inboxes(&[lc]).await.expect("follower_inboxes"),
        ["https://one.example/inbox"],
        "follower_inboxes: one shared inbox per server, accepted remote followers only"
    );
    assert!(
        db.set_follow_state(f3.id, FOLLOW_ACCEPTED, T0 + 3)
            .await
            .expect("set_follow_state"),
        "set_follow_state of a known follow"
    );
    assert!(
        !db.set_follow_state(9999, FOLLOW_ACCEPTED, T0)
            .await
            .unwrap(),
        "set_follow_state of an unknown follow answers false"
    );
    let f = db.follow_by_id(f3.id).await.unwrap().unwrap();
    assert_eq!((f.state.as_str(), f.updated_at), ("accepted", T0 + 3));
    let mut inboxes = db.follower_inboxes(&[lc]).await.unwrap();
    inboxes.sort();
    assert_eq!(
        inboxes,
        [
            "https://one.example/inbox",
            "https://two.example/a/r3/inbox"
        ],
        "follower_inboxes falls back to the actor's inbox"
    );
    db.upsert_follow(n.r2.id, n.local.id, FOLLOW_ACCEPTED, None, T0)
        .await
        .unwrap();
    let mut inboxes = db.follower_inboxes(&[lc, n.local.id]).await.unwrap();
    inboxes.sort();
    assert_eq!(
        inboxes.len(),
        2,
        "follower_inboxes over several actors is distinct: {inboxes:?}"
    );
    assert!(
        db.follower_inboxes(&[]).await.unwrap().is_empty(),
        "follower_inboxes(&[])"
    );

    let ids = |r: (i64, Vec<ferrotube_db::federation::FollowRow>)| {
        (r.0, r.1.into_iter().map(|f| f.id).collect::<Vec<_>>())
    };
    assert_eq!(
        ids(db
            .list_follows(lc, false, 0, 10)
            .await
            .expect("list_follows(followers)")),
        (4, vec![f4.id, f3.id, f2.id, f1.id]),
        "list_follows(followers): newest first"
    );
    assert_eq!(
        ids(db.list_follows(lc, false, 1, 2).await.unwrap()),
        (4, vec![f3.id, f2.id]),
        "list_follows paging keeps the total"
    );
    assert_eq!(
        ids(db
            .list_follows(n.r2.id, true, 0, 10)
            .await
            .expect("list_follows(following)"))
        .0,
        2,
        "list_follows(following) of r2"
    );

    // Subscriptions: the channels an actor follows, and the videos of accepted ones.
    let fs = db
        .upsert_follow(n.local.id, n.rchan.id, FOLLOW_PENDING, None, T0)
        .await
        .unwrap();
    db.upsert_follow(n.local.id, n.r1.id, FOLLOW_ACCEPTED, None, T0)
        .await
        .unwrap();
    let (total, rows) = db
        .followed_channels(n.local.id, 0, 10)
        .await
        .expect("followed_channels");
    assert_eq!(
        (total, rows),
        (2, vec![(n.rchan_id, fs.id), (n.local_chan_id, f4.id)]),
        "followed_channels: channel actors only, newest follow first"
    );
    assert_eq!(
        db.followed_channels(n.local.id, 1, 10)
            .await
            .unwrap()
            .1
            .len(),
        1,
        "followed_channels paging"
    );
    insert(db, &new_video(n.local_chan_id, "local sub", T0)).await;
    insert(db, &new_video(n.rchan_id, "remote sub", T0 + 1)).await;
    let subs = VideoFilter {
        subscriber_actor_id: Some(n.local.id),
        ..Default::default()
    };
    let names = |r: (i64, Vec<ferrotube_db::videos::VideoRow>)| {
        r.1.into_iter().map(|v| v.name).collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            db.list_videos(&subs, Sort::asc(VideoSort::Id), 0, 10, false)
                .await
                .unwrap()
        ),
        ["local sub"],
        "list_videos(subscriber_actor_id): accepted follows only"
    );
    db.set_follow_state(fs.id, FOLLOW_ACCEPTED, T0)
        .await
        .unwrap();
    assert_eq!(
        names(
            db.list_videos(&subs, Sort::asc(VideoSort::Id), 0, 10, false)
                .await
                .unwrap()
        ),
        ["local sub", "remote sub"],
        "list_videos(subscriber_actor_id) after the Accept"
    );

    assert!(
        db.delete_follow(f2.id).await.expect("delete_follow"),
        "delete_follow of a known follow"
    );
    assert!(
        !db.delete_follow(f2.id).await.unwrap(),
        "delete_follow twice answers false"
    );
    assert!(db.follow_between(n.r2.id, lc).await.unwrap().is_none());
    assert_eq!(db.count_accepted_followers(lc).await.unwrap(), 3);
}

async fn seen_activities_and_delivery_health(db: &Db) {
    let mut tx = db.begin().await.unwrap();
    assert!(
        db.mark_activity_seen(&mut tx, "https://x/act/1", T0)
            .await
            .expect("mark_activity_seen"),
        "mark_activity_seen of a new id"
    );
    assert!(
        !db.mark_activity_seen(&mut tx, "https://x/act/1", T0)
            .await
            .unwrap(),
        "mark_activity_seen of a seen id answers false (a redelivery)"
    );
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(db
        .mark_activity_seen(&mut tx, "https://x/act/2", T0 + 10)
        .await
        .unwrap());
    drop(tx);
    assert!(
        db.activity_seen("https://x/act/1")
            .await
            .expect("activity_seen"),
        "activity_seen after a commit"
    );
    assert!(
        !db.activity_seen("https://x/act/2").await.unwrap(),
        "mark_activity_seen in a rolled-back transaction leaves nothing"
    );
    let mut tx = db.begin().await.unwrap();
    db.mark_activity_seen(&mut tx, "https://x/act/3", T0 + 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        db.purge_seen_activities(T0 + 10)
            .await
            .expect("purge_seen_activities"),
        1,
        "purge_seen_activities removes ids received before the limit"
    );
    assert!(!db.activity_seen("https://x/act/1").await.unwrap());
    assert!(
        db.activity_seen("https://x/act/3").await.unwrap(),
        "purge_seen_activities keeps recent ids"
    );

    let host = "down.example";
    let park = |beyond: i64| 60_000 * (beyond + 1);
    assert_eq!(
        db.host_parked_until(host, T0).await.unwrap(),
        None,
        "host_parked_until of an unknown host"
    );
    for at in [T0, T0 + 10, T0 + 20] {
        db.record_delivery(host, false, 3, 1000, park, at)
            .await
            .expect("record_delivery(failure)");
    }
    assert_eq!(
        db.host_parked_until(host, T0 + 20).await.unwrap(),
        None,
        "three quick failures are not an outage yet (min_outage_ms)"
    );
    db.record_delivery(host, false, 3, 1000, park, T0 + 2000)
        .await
        .unwrap();
    assert_eq!(
        db.host_parked_until(host, T0 + 2000).await.unwrap(),
        Some(T0 + 2000 + 120_000),
        "record_delivery parks after park_after failures over min_outage_ms, for park_ms(failures beyond)"
    );
    assert_eq!(
        db.host_parked_until(host, T0 + 2000 + 120_000)
            .await
            .unwrap(),
        None,
        "host_parked_until once the parking is over"
    );
    assert_eq!(
        db.host_parked_until("other.example", T0 + 2000)
            .await
            .unwrap(),
        None,
        "parking is per host"
    );
    db.record_delivery(host, true, 3, 1000, park, T0 + 3000)
        .await
        .expect("record_delivery(success)");
    assert_eq!(
        db.host_parked_until(host, T0 + 3000).await.unwrap(),
        None,
        "a success unparks the host"
    );
    // The count restarted: two failures more do not park again at park_after = 3.
    db.record_delivery(host, false, 3, 0, park, T0 + 4000)
        .await
        .unwrap();
    db.record_delivery(host, false, 3, 0, park, T0 + 5000)
        .await
        .unwrap();
    assert_eq!(
        db.host_parked_until(host, T0 + 5000).await.unwrap(),
        None,
        "a success resets the failure count"
    );
    db.record_delivery(host, false, 3, 0, park, T0 + 6000)
        .await
        .unwrap();
    assert_eq!(
        db.host_parked_until(host, T0 + 6000).await.unwrap(),
        Some(T0 + 6000 + 60_000),
        "the third failure after a reset parks again"
    );
    db.record_delivery("fine.example", true, 3, 0, park, T0)
        .await
        .expect("record_delivery(success) of an unknown host");
}

async fn blocklists_and_abuses(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    assert!(
        db.block_server("bad.example", T0)
            .await
            .expect("block_server"),
        "block_server of a new host"
    );
    assert!(
        !db.block_server("bad.example", T0 + 1).await.unwrap(),
        "block_server twice answers false"
    );
    db.block_server("worse.example", T0 + 2).await.unwrap();
    assert!(
        db.is_server_blocked("bad.example").await.unwrap()
            && !db.is_server_blocked("good.example").await.unwrap(),
        "is_server_blocked"
    );
    assert_eq!(
        db.list_blocked_servers()
            .await
            .expect("list_blocked_servers"),
        [
            ("worse.example".to_string(), T0 + 2),
            ("bad.example".to_string(), T0)
        ],
        "list_blocked_servers, newest first, with the first block's time"
    );

    // Videos of a blocked server are not listed.
    let racc = db
        .upsert_remote_account(&profile("r@bad.example", "bad.example", "R", T0))
        .await
        .unwrap();
    let rch = db
        .upsert_remote_channel(&profile("rc@bad.example", "bad.example", "RC", T0), racc)
        .await
        .unwrap();
    insert(db, &new_video(rch, "from a blocked server", T0)).await;
    insert(db, &new_video(a.channel_id, "local", T0)).await;
    let listed = || async move {
        db.list_videos(
            &VideoFilter::default(),
            Sort::asc(VideoSort::Id),
            0,
            10,
            false,
        )
        .await
        .unwrap()
        .1
        .into_iter()
        .map(|v| v.name)
        .collect::<Vec<_>>()
    };
    assert_eq!(
        listed().await,
        ["local"],
        "list_videos hides the videos of blocked servers"
    );
    assert!(
        db.unblock_server("bad.example")
            .await
            .expect("unblock_server"),
        "unblock_server of a blocked host"
    );
    assert!(
        !db.unblock_server("bad.example").await.unwrap(),
        "unblock_server twice answers false"
    );
    assert_eq!(
        listed().await,
        ["from a blocked server", "local"],
        "list_videos after unblock_server"
    );

    assert!(
        db.block_account(b.account_id, T0)
            .await
            .expect("block_account"),
        "block_account"
    );
    assert!(
        !db.block_account(b.account_id, T0).await.unwrap(),
        "block_account twice answers false"
    );
    db.block_account(racc, T0 + 1).await.unwrap();
    assert!(
        db.is_account_blocked(b.account_id).await.unwrap()
            && !db.is_account_blocked(a.account_id).await.unwrap(),
        "is_account_blocked"
    );
    assert_eq!(
        db.list_blocked_accounts()
            .await
            .expect("list_blocked_accounts"),
        [(racc, T0 + 1), (b.account_id, T0)],
        "list_blocked_accounts, newest first"
    );
    assert!(
        db.unblock_account(racc).await.expect("unblock_account")
            && !db.unblock_account(racc).await.unwrap(),
        "unblock_account, then again"
    );
    db.delete_user(b.user_id).await.unwrap();
    assert!(
        db.list_blocked_accounts().await.unwrap().is_empty(),
        "deleting an account cascades to its block"
    );

    // Abuse reports: a remote Flag is recorded once per activity URL.
    let vid = insert(db, &new_video(a.channel_id, "reported", T0)).await;
    let first = db
        .insert_abuse(
            Some("https://bad.example/flag/1"),
            Some(racc),
            Some(vid),
            None,
            Some(a.account_id),
            "spam",
            T0,
        )
        .await
        .expect("insert_abuse(remote)");
    assert!(
        first.is_some(),
        "insert_abuse of a new report answers its id"
    );
    let again = db
        .insert_abuse(
            Some("https://bad.example/flag/1"),
            Some(racc),
            Some(vid),
            None,
            None,
            "spam again",
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        again, None,
        "insert_abuse of a known activity URL answers None"
    );
    let l1 = db
        .insert_abuse(
            None,
            Some(a.account_id),
            Some(vid),
            None,
            None,
            "local 1",
            T0 + 1,
        )
        .await
        .unwrap();
    let l2 = db
        .insert_abuse(
            None,
            Some(a.account_id),
            None,
            None,
            Some(racc),
            "local 2",
            T0 + 2,
        )
        .await
        .unwrap();
    assert!(
        l1.is_some() && l2.is_some() && l1 != l2,
        "insert_abuse without URL never collides"
    );
    let (total, rows) = db.list_abuses(0, 10).await.expect("list_abuses");
    assert_eq!(
        (total, rows.iter().map(|r| Some(r.id)).collect::<Vec<_>>()),
        (3, vec![l2, l1, first]),
        "list_abuses, newest first"
    );
    let r = rows.last().unwrap();
    assert_eq!(
        (
            r.url.as_deref(),
            r.reporter_account_id,
            r.video_id,
            r.comment_id,
            r.flagged_account_id,
            r.reason.as_str(),
            r.state,
            r.created_at
        ),
        (
            Some("https://bad.example/flag/1"),
            Some(racc),
            Some(vid),
            None,
            Some(a.account_id),
            "spam",
            1,
            T0
        ),
        "list_abuses: the remote report's columns (state defaults to 1, pending)"
    );
    assert_eq!(
        db.list_abuses(2, 10).await.unwrap().1.len(),
        1,
        "list_abuses paging"
    );
    db.delete_video(vid).await.unwrap();
    let (_, rows) = db.list_abuses(0, 10).await.unwrap();
    assert!(
        rows.iter().all(|r| r.video_id.is_none()),
        "deleting the video keeps its reports without video_id"
    );
}

on_both_backends!(
    actors_keys_and_remote_profiles,
    follows_states_and_collections,
    seen_activities_and_delivery_health,
    blocklists_and_abuses,
);
