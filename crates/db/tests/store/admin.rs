//! The administrator's tools: run-time settings set, replaced and removed; the audit log kept,
//! filtered by date and purged; the server stats counted.

use crate::common::*;
use ferrotube_db::admin::NewAuditLog;
use ferrotube_db::Db;

async fn admin_settings_set_replaced_removed(db: &Db) {
    assert!(db
        .admin_setting("homepage")
        .await
        .expect("admin_setting")
        .is_none());
    db.set_admin_setting("homepage", r#""hello""#, T0)
        .await
        .expect("set_admin_setting");
    db.set_admin_setting("homepage", r#""again""#, T0 + 1)
        .await
        .expect("set_admin_setting (replace)");
    db.set_admin_setting("jobs_paused", "true", T0 + 2)
        .await
        .expect("set_admin_setting(jobs_paused)");
    let row = db
        .admin_setting("homepage")
        .await
        .expect("admin_setting")
        .expect("set");
    assert_eq!(row.value, r#""again""#);
    assert_eq!(row.updated_at, T0 + 1);
    let all = db.admin_settings().await.expect("admin_settings");
    let names: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["homepage", "jobs_paused"]);
    assert!(db.delete_admin_setting("homepage").await.expect("delete"));
    assert!(!db
        .delete_admin_setting("homepage")
        .await
        .expect("delete again"));
    assert_eq!(db.admin_settings().await.expect("admin_settings").len(), 1);
}

async fn audit_log_filtered_and_purged(db: &Db) {
    for (i, action) in ["create", "update", "delete"].iter().enumerate() {
        db.insert_audit_log(
            &NewAuditLog {
                username: Some("root"),
                ip: Some("127.0.0.1"),
                domain: "users",
                action,
                detail: r#"{"id":1}"#,
            },
            T0 + i as i64 * HOUR,
        )
        .await
        .expect("insert_audit_log");
    }
    let all = db.audit_logs(T0, T0 + DAY, 100).await.expect("audit_logs");
    let actions: Vec<&str> = all.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete"], "oldest first");
    assert_eq!(all[0].username.as_deref(), Some("root"));
    let window = db.audit_logs(T0 + 1, T0 + HOUR, 100).await.expect("window");
    assert_eq!(window.len(), 1);
    assert_eq!(window[0].action, "update");
    let newest = db.audit_logs(T0, T0 + DAY, 2).await.expect("limited");
    let actions: Vec<&str> = newest.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["update", "delete"],
        "the newest entries, oldest first"
    );
    assert_eq!(db.purge_audit_logs(T0 + HOUR).await.expect("purge"), 1);
    assert_eq!(
        db.audit_logs(0, T0 + DAY, 100)
            .await
            .expect("after purge")
            .len(),
        2
    );
}

async fn server_stats_count(db: &Db) {
    let empty = db.server_stats(T0).await.expect("server_stats (empty)");
    assert_eq!(empty.users, 0);
    assert_eq!(empty.local_videos, 0);
    assert_eq!(empty.local_video_files_size, 0);
    let a = user(db, "alice").await;
    user(db, "bob").await;
    db.touch_login(a.user_id, T0 - HOUR)
        .await
        .expect("touch_login");
    let mut v = new_video(a.channel_id, "one", T0 - 2 * DAY);
    v.state = PUBLISHED;
    insert(db, &v).await;
    let s = db.server_stats(T0).await.expect("server_stats");
    assert_eq!(s.users, 2);
    assert_eq!(s.daily_active_users, 1);
    assert_eq!(s.weekly_active_users, 1);
    assert_eq!(s.local_videos, 1);
    assert_eq!(s.videos, 1);
    assert_eq!(s.local_channels, 2);
    assert_eq!(s.daily_active_channels, 0, "published two days ago");
    assert_eq!(s.weekly_active_channels, 1);
    assert_eq!(s.local_video_views, 0);
    assert_eq!(s.instance_followers, 0);
    assert!(db
        .redundancy_use()
        .await
        .expect("redundancy_use")
        .is_empty());
}

on_both_backends!(
    admin_settings_set_replaced_removed,
    audit_log_filtered_and_purged,
    server_stats_count
);
