//! Playlists: insert, read by id/uuid/url, filtered lists, element order (append, reorder,
//! removal), replacement of a remote playlist's elements, "Watch later", cascades.

use crate::common::*;
use ferrotube_db::playlists::{
    NewElement, NewPlaylist, PlaylistFilter, PLAYLIST_PRIVATE, PLAYLIST_PUBLIC,
    PLAYLIST_WATCH_LATER,
};
use ferrotube_db::sort::{PlaylistSort, Sort};
use ferrotube_db::Db;

fn playlist<'a>(
    uuid: &'a str,
    account_id: i64,
    channel_id: Option<i64>,
    name: &'a str,
    privacy: i64,
    at: i64,
) -> NewPlaylist<'a> {
    NewPlaylist {
        uuid,
        url: None,
        account_id,
        channel_id,
        name,
        description: None,
        privacy,
        playlist_type: 1,
        thumbnail_url: None,
        created_at: at,
        updated_at: at,
    }
}

fn element(video_id: i64) -> NewElement<'static> {
    NewElement {
        url: None,
        video_id,
        start_timestamp: None,
        stop_timestamp: None,
    }
}

async fn order(db: &Db, playlist_id: i64) -> Vec<i64> {
    db.playlist_elements(playlist_id)
        .await
        .expect("playlist_elements")
        .iter()
        .map(|e| e.video_id)
        .collect()
}

async fn playlists_and_their_elements(db: &Db) {
    let a = user(db, "alice").await;
    let b = user(db, "bob").await;
    let v1 = insert(db, &new_video(a.channel_id, "one", T0)).await;
    let v2 = insert(db, &new_video(a.channel_id, "two", T0)).await;
    let v3 = insert(db, &new_video(a.channel_id, "three", T0)).await;

    let p = db
        .insert_playlist(&playlist(
            "11111111-1111-4111-8111-111111111111",
            a.account_id,
            Some(a.channel_id),
            "Road Trip",
            PLAYLIST_PUBLIC,
            T0,
        ))
        .await
        .expect("insert_playlist");
    let q = db
        .insert_playlist(&playlist(
            "22222222-2222-4222-8222-222222222222",
            b.account_id,
            None,
            "Secret",
            PLAYLIST_PRIVATE,
            T0 + 1,
        ))
        .await
        .expect("insert_playlist(private)");
    let row = db.playlist_by_id(p).await.unwrap().expect("playlist_by_id");
    assert_eq!(row.name, "Road Trip");
    assert_eq!(row.account_name, "alice");
    assert_eq!(row.channel_id, Some(a.channel_id));
    assert_eq!(row.channel_position, Some(1), "first of its channel");
    assert_eq!(row.videos_length, 0);
    assert!(db
        .playlist_by_uuid("22222222-2222-4222-8222-222222222222")
        .await
        .unwrap()
        .is_some_and(|r| r.id == q && r.channel_id.is_none()));

    // Append, then reorder and remove: positions stay 1..n.
    for v in [v1, v2, v3] {
        db.add_playlist_element(p, &element(v), T0 + 2)
            .await
            .expect("add_playlist_element");
    }
    assert_eq!(order(db, p).await, vec![v1, v2, v3]);
    let els = db.playlist_elements(p).await.unwrap();
    let ids: Vec<i64> = els.iter().map(|e| e.id).collect();
    assert_eq!(
        els.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    db.set_playlist_order(p, &[ids[2], ids[0], ids[1]], T0 + 3)
        .await
        .expect("set_playlist_order");
    assert_eq!(order(db, p).await, vec![v3, v1, v2]);
    assert!(db
        .remove_playlist_element(p, ids[0], T0 + 4)
        .await
        .expect("remove_playlist_element"));
    assert!(
        !db.remove_playlist_element(q, ids[1], T0 + 4).await.unwrap(),
        "not of q"
    );
    assert_eq!(order(db, p).await, vec![v3, v2]);
    // An element the reorder did not know of (added meanwhile) goes after the others.
    db.set_playlist_order(p, &[ids[1]], T0 + 4).await.unwrap();
    assert_eq!(order(db, p).await, vec![v2, v3]);
    db.set_playlist_order(p, &[ids[2], ids[1]], T0 + 4)
        .await
        .unwrap();
    assert_eq!(order(db, p).await, vec![v3, v2]);
    let row = db.playlist_by_id(p).await.unwrap().unwrap();
    assert_eq!(row.videos_length, 2);
    assert_eq!(row.updated_at, T0 + 4);
    db.update_playlist_element(ids[1], Some(1), Some(2), T0 + 5)
        .await
        .expect("update_playlist_element");
    let e = db.playlist_element(ids[1]).await.unwrap().unwrap();
    assert_eq!((e.start_timestamp, e.stop_timestamp), (Some(1), Some(2)));
    let (total, page) = db.playlist_elements_page(p, 1, 10).await.unwrap();
    assert_eq!((total, page.len()), (2, 1));
    let found = db
        .account_playlist_elements(a.account_id, &[v2, v1])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].video_id, v2);
    assert!(db
        .account_playlist_elements(b.account_id, &[v2])
        .await
        .unwrap()
        .is_empty());

    // Lists: by privacy, account, search words.
    let all = Sort::asc(PlaylistSort::Id);
    let public = PlaylistFilter {
        privacies: vec![PLAYLIST_PUBLIC],
        ..Default::default()
    };
    let (n, rows) = db.list_playlists(&public, all, 0, 10).await.unwrap();
    assert_eq!((n, rows.len(), rows[0].id), (1, 1, p));
    let by_b = PlaylistFilter {
        account_id: Some(b.account_id),
        ..Default::default()
    };
    assert_eq!(db.list_playlists(&by_b, all, 0, 10).await.unwrap().0, 1);
    let words = PlaylistFilter {
        search: Some("TRIP".into()),
        ..Default::default()
    };
    assert_eq!(db.list_playlists(&words, all, 0, 10).await.unwrap().0, 1);
    let wildcard = PlaylistFilter {
        search: Some("%".into()),
        privacies: vec![PLAYLIST_PRIVATE],
        ..Default::default()
    };
    assert_eq!(db.list_playlists(&wildcard, all, 0, 10).await.unwrap().0, 1);

    // Watch later: one per account.
    let wl = db
        .ensure_watch_later(a.account_id, "33333333-3333-4333-8333-333333333333", T0)
        .await
        .expect("ensure_watch_later");
    let again = db
        .ensure_watch_later(a.account_id, "44444444-4444-4444-8444-444444444444", T0)
        .await
        .unwrap();
    assert_eq!(wl, again);
    let row = db.playlist_by_id(wl).await.unwrap().unwrap();
    assert_eq!(
        (row.playlist_type, row.privacy),
        (PLAYLIST_WATCH_LATER, PLAYLIST_PRIVATE)
    );

    // A deleted video leaves; a deleted playlist takes its elements.
    db.delete_video(v3).await.expect("delete_video");
    assert_eq!(order(db, p).await, vec![v2]);
    assert!(db.delete_playlist(p).await.unwrap());
    assert!(db.playlist_element(ids[1]).await.unwrap().is_none());
}

async fn remote_playlists_are_keyed_by_url(db: &Db) {
    let a = user(db, "carol").await;
    let v1 = insert(db, &new_video(a.channel_id, "one", T0)).await;
    let v2 = insert(db, &new_video(a.channel_id, "two", T0)).await;
    let url = "https://remote.example/video-playlists/55555555-5555-4555-8555-555555555555";
    let mut fields = playlist(
        "55555555-5555-4555-8555-555555555555",
        a.account_id,
        Some(a.channel_id),
        "Remote",
        PLAYLIST_PUBLIC,
        T0,
    );
    fields.url = Some(url);
    let id = db.insert_playlist(&fields).await.unwrap();
    assert!(
        db.insert_playlist(&fields).await.is_err(),
        "a second row for one url"
    );
    let e = |u: &'static str, v: i64| NewElement {
        url: Some(u),
        video_id: v,
        start_timestamp: Some(3),
        stop_timestamp: None,
    };
    db.replace_playlist_elements(
        id,
        &[
            e("https://remote.example/e/1", v1),
            e("https://remote.example/e/2", v2),
        ],
        T0,
    )
    .await
    .expect("replace_playlist_elements");
    db.replace_playlist_elements(
        id,
        &[
            e("https://remote.example/e/2", v2),
            e("https://remote.example/e/1", v1),
        ],
        T0 + 1,
    )
    .await
    .expect("replace_playlist_elements(again)");
    assert_eq!(order(db, id).await, vec![v2, v1]);
    fields.name = "Renamed";
    db.update_playlist(id, &fields).await.unwrap();
    let row = db
        .playlist_by_url(url)
        .await
        .unwrap()
        .expect("playlist_by_url");
    assert_eq!((row.id, row.name.as_str()), (id, "Renamed"));
    assert!(!row.is_local());
    let local_only = PlaylistFilter {
        local_only: true,
        ..Default::default()
    };
    assert_eq!(
        db.list_playlists(&local_only, Sort::asc(PlaylistSort::Id), 0, 10)
            .await
            .unwrap()
            .0,
        0
    );
}

on_both_backends!(
    playlists_and_their_elements,
    remote_playlists_are_keyed_by_url
);
