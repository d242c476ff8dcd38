//! Accounts and channels: lookups by name and id, listing, search, counts, the shared handle
//! namespace.

use crate::common::*;
use ferrotube_db::sort::{ChannelSort, Sort};
use ferrotube_db::{Db, DbError};

async fn accounts_lookups_and_system_account(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let acc = db
        .account_by_name("alice")
        .await
        .unwrap()
        .expect("account_by_name(alice)");
    assert_eq!(
        (acc.id, acc.user_id, acc.display_name.as_str()),
        (a.account_id, Some(a.user_id), "alice display")
    );
    assert_eq!(
        (acc.host, acc.actor_url, acc.description),
        (None, None, None),
        "a local account without actor: no host, no actor_url"
    );
    assert!(
        db.account_by_name("Alice").await.unwrap().is_none(),
        "account_by_name is exact (handles are case-sensitive)"
    );
    assert_eq!(
        db.account_by_id(b.account_id)
            .await
            .unwrap()
            .map(|a| a.name),
        Some("bob".into()),
        "account_by_id(bob)"
    );
    assert!(db.account_by_id(9999).await.unwrap().is_none());

    let mut ids: Vec<_> = db
        .accounts_by_ids(&[a.account_id, b.account_id, 9999])
        .await
        .expect("accounts_by_ids")
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [a.account_id, b.account_id],
        "accounts_by_ids answers the known ids, ignores unknown ones"
    );
    assert!(
        db.accounts_by_ids(&[]).await.unwrap().is_empty(),
        "accounts_by_ids(&[])"
    );

    db.update_account(a.account_id, "Alice A.", Some("about me"), T0 + 9)
        .await
        .expect("update_account");
    let acc = db.account_by_id(a.account_id).await.unwrap().unwrap();
    assert_eq!(
        (
            acc.display_name.as_str(),
            acc.description.as_deref(),
            acc.updated_at,
            acc.created_at
        ),
        ("Alice A.", Some("about me"), T0 + 9, T0),
        "update_account"
    );
    db.update_account(a.account_id, "Alice", None, T0 + 10)
        .await
        .unwrap();
    assert_eq!(
        db.account_by_id(a.account_id)
            .await
            .unwrap()
            .unwrap()
            .description,
        None,
        "update_account clears the description with None"
    );

    let sys = db
        .create_system_account("peertube", T0)
        .await
        .expect("create_system_account(peertube)");
    assert_eq!(
        (
            sys.user_id,
            sys.name.as_str(),
            sys.display_name.as_str(),
            sys.host.as_deref()
        ),
        (None, "peertube", "peertube", None)
    );
    let again = db
        .create_system_account("peertube", T0 + 1)
        .await
        .expect("create_system_account twice");
    assert_eq!(
        (again.id, again.created_at),
        (sys.id, T0),
        "create_system_account is created once: the second call answers the first row"
    );
    assert!(
        db.actor_name_taken("peertube").await.unwrap(),
        "actor_name_taken sees the system account"
    );
}

async fn channels_lookups_listing_and_search(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    assert_eq!(
        db.count_channels_of_account(a.account_id).await.unwrap(),
        1,
        "count_channels_of_account: the default channel"
    );
    let music = db
        .create_channel(
            a.account_id,
            "alice_music",
            "100% Music",
            Some("desc"),
            Some("tip me"),
            T0 + 1,
        )
        .await
        .expect("create_channel(alice_music)");
    let misc = db
        .create_channel(a.account_id, "a_b", "Misc", None, None, T0 + 2)
        .await
        .expect("create_channel(a_b)");
    db.create_channel(b.account_id, "axb", "1000 Music", None, None, T0 + 3)
        .await
        .expect("create_channel(axb)");
    let dup = db
        .create_channel(b.account_id, "alice_music", "x", None, None, T0)
        .await;
    assert!(
        matches!(dup, Err(DbError::Conflict(_))),
        "create_channel with a taken name: want Conflict, got {dup:?}"
    );

    let c = db
        .channel_by_name("alice_music")
        .await
        .unwrap()
        .expect("channel_by_name(alice_music)");
    assert_eq!(
        (
            c.id,
            c.account_id,
            c.display_name.as_str(),
            c.description.as_deref(),
            c.support.as_deref(),
            c.created_at,
            c.updated_at,
            c.host,
            c.actor_url
        ),
        (
            music,
            a.account_id,
            "100% Music",
            Some("desc"),
            Some("tip me"),
            T0 + 1,
            T0 + 1,
            None,
            None
        ),
        "channel_by_name answers what create_channel wrote"
    );
    assert_eq!(
        db.channel_by_id(misc).await.unwrap().map(|c| c.name),
        Some("a_b".into()),
        "channel_by_id"
    );
    assert!(db.channel_by_name("nope").await.unwrap().is_none());
    assert_eq!(
        db.channels_of_account(a.account_id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect::<Vec<_>>(),
        ["alice_channel", "alice_music", "a_b"],
        "channels_of_account, in id order"
    );
    assert_eq!(
        db.count_channels_of_account(a.account_id).await.unwrap(),
        3,
        "count_channels_of_account"
    );
    assert_eq!(db.count_channels_of_account(b.account_id).await.unwrap(), 2);

    let (total, page) = db
        .list_channels(1, 2, Sort::asc(ChannelSort::Name))
        .await
        .expect("list_channels");
    assert_eq!(
        total, 5,
        "list_channels total counts every channel, not the page"
    );
    assert_eq!(
        page.into_iter().map(|c| c.name).collect::<Vec<_>>(),
        ["alice_channel", "alice_music"],
        "list_channels(start 1, count 2) by name"
    );
    let (total, page) = db
        .list_channels(0, 10, Sort::desc(ChannelSort::Id))
        .await
        .unwrap();
    assert_eq!(
        (total, page.first().map(|c| c.name.clone())),
        (5, Some("axb".into())),
        "list_channels by id DESC"
    );

    let names = |r: (i64, Vec<ferrotube_db::accounts::ChannelRow>)| {
        (r.0, r.1.into_iter().map(|c| c.name).collect::<Vec<_>>())
    };
    assert_eq!(
        names(
            db.search_channels("MUSIC", None, Sort::asc(ChannelSort::Id), 0, 10)
                .await
                .unwrap()
        ),
        (2, vec!["alice_music".to_string(), "axb".to_string()]),
        "search_channels on display names, case-insensitive"
    );
    assert_eq!(
        names(
            db.search_channels("0%", None, Sort::asc(ChannelSort::Id), 0, 10)
                .await
                .unwrap()
        ),
        (1, vec!["alice_music".to_string()]),
        "search_channels: % in the term is a literal percent"
    );
    assert_eq!(
        names(
            db.search_channels("a_b", None, Sort::asc(ChannelSort::Id), 0, 10)
                .await
                .unwrap()
        ),
        (1, vec!["a_b".to_string()]),
        "search_channels: _ in the term is a literal underscore"
    );
    assert_eq!(
        names(
            db.search_channels("bob", None, Sort::asc(ChannelSort::Id), 0, 10)
                .await
                .unwrap()
        ),
        (1, vec!["bob_channel".to_string()]),
        "search_channels on handles"
    );
    use ferrotube_db::videos::HostFilter;
    assert_eq!(
        db.search_channels(
            "bob",
            Some(&HostFilter::Local),
            Sort::asc(ChannelSort::Id),
            0,
            10
        )
        .await
        .unwrap()
        .0,
        1,
        "search_channels of our host: the local channels"
    );
    assert_eq!(
        db.search_channels(
            "bob",
            Some(&HostFilter::Remote("elsewhere.example".into())),
            Sort::asc(ChannelSort::Id),
            0,
            10
        )
        .await
        .unwrap()
        .0,
        0,
        "search_channels of a remote host: none of ours"
    );
    assert_eq!(
        names(
            db.search_channels("music", None, Sort::asc(ChannelSort::Id), 1, 10)
                .await
                .unwrap()
        ),
        (2, vec!["axb".to_string()]),
        "search_channels paging keeps the total"
    );
    assert_eq!(
        db.search_channels("zzz", None, Sort::asc(ChannelSort::Id), 0, 10)
            .await
            .unwrap()
            .0,
        0
    );

    for (name, taken) in [
        ("alice", true),
        ("alice_music", true),
        ("bob_channel", true),
        ("carol", false),
    ] {
        assert_eq!(
            db.actor_name_taken(name).await.unwrap(),
            taken,
            "actor_name_taken({name:?}): accounts and channels share handles"
        );
    }

    let mut c = db.channel_by_id(music).await.unwrap().unwrap();
    c.display_name = "Music".into();
    c.description = None;
    c.support = Some("paypal".into());
    c.updated_at = T0 + 50;
    c.name = "renamed".into();
    db.update_channel(&c).await.expect("update_channel");
    let c2 = db.channel_by_id(music).await.unwrap().unwrap();
    assert_eq!(
        (
            c2.name.as_str(),
            c2.display_name.as_str(),
            c2.description,
            c2.support.as_deref(),
            c2.updated_at,
            c2.created_at
        ),
        (
            "alice_music",
            "Music",
            None,
            Some("paypal"),
            T0 + 50,
            T0 + 1
        ),
        "update_channel writes display name, description, support, updated_at and never the handle"
    );

    let v = insert(db, &new_video(music, "in music", T0)).await;
    assert!(
        db.delete_channel(music).await.expect("delete_channel"),
        "delete_channel of an existing channel"
    );
    assert!(db.channel_by_id(music).await.unwrap().is_none());
    assert!(
        db.video_by_id(v).await.unwrap().is_none(),
        "delete_channel cascades to its videos"
    );
    assert!(
        !db.delete_channel(music).await.unwrap(),
        "delete_channel twice answers false"
    );
    assert_eq!(db.count_channels_of_account(a.account_id).await.unwrap(), 2);
}

on_both_backends!(
    accounts_lookups_and_system_account,
    channels_lookups_listing_and_search
);
