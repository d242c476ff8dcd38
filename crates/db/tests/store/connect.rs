//! `Db::connect`: URL dispatch and migrations that run again harmlessly on restart.

use crate::common::*;
use ferrotube_db::{Db, DbError};

#[tokio::test]
async fn connect_refuses_an_unknown_url_scheme() {
    let r = Db::connect("mysql://localhost/x").await;
    assert!(
        matches!(r, Err(DbError::BadUrl(_))),
        "Db::connect(mysql://...): want BadUrl, got {r:?}"
    );
}

/// `Db::connect` migrates an empty database; a second `connect` to it (a restart) migrates
/// nothing and sees the data.
async fn reconnect(backend: Backend) {
    let t = TestDb::create_unmigrated(backend).await;
    assert_eq!(
        t.db.backend_name(),
        match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        },
        "backend_name"
    );
    let a = user(&t.db, "alice").await;
    let again = Db::connect(&t.url)
        .await
        .expect("Db::connect on an already migrated database");
    assert_eq!(
        again.user_by_login("alice").await.unwrap().map(|u| u.id),
        Some(a.user_id),
        "a second connection sees what the first wrote"
    );
    again.close().await;
    t.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_sqlite() {
    reconnect(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_postgres() {
    reconnect(Backend::Postgres).await
}

/// A transaction dropped without commit leaves nothing.
async fn dropped_transaction_rolls_back(db: &Db) {
    let a = user(db, "alice").await;
    let v = new_video(a.channel_id, "never", T0);
    {
        let mut tx = db.begin().await.expect("begin");
        db.insert_video(&mut tx, &v)
            .await
            .expect("insert_video in a transaction");
    }
    assert!(
        db.video_by_uuid(&v.uuid).await.unwrap().is_none(),
        "a dropped Tx must roll insert_video back"
    );
}

on_both_backends!(dropped_transaction_rolls_back);
