//! Starting an instance: connect the store (running migrations), prepare directories, create
//! the administrator on first start, then run the job workers and periodic maintenance.

use crate::instance::{Inner, RateLimiter};
use crate::{
    accounts, admin, federation, mail, notifications, p2p, redundancy, transcode, uploads, Instance,
};
use ferrotube_config::Settings;
use ferrotube_db::Db;
use ferrotube_jobs::{Queue, Runner};
use ferrotube_model::UserRole;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("database: {0}")]
    Db(#[from] ferrotube_db::DbError),
    #[error("invalid public URL {0}: {1}")]
    PublicUrl(String, url::ParseError),
    #[error("cannot create the administrator: {0}")]
    Root(String),
    #[error("federation: {0}")]
    Federation(String),
    #[error("runtime settings: {0}")]
    Runtime(String),
    #[error("redis: {0}")]
    Redis(String),
    #[error("smtp: {0}")]
    Smtp(#[from] crate::mail::transport::MailError),
    #[error("object storage: {0}")]
    ObjectStorage(String),
}

/// Connects the database (running migrations), prepares directories and creates the `root`
/// administrator on first start.
pub async fn build(settings: Settings) -> Result<Instance, StartError> {
    let data = settings.data_dir.clone();
    std::fs::create_dir_all(data.join("storage").join("tmp"))
        .map_err(|e| StartError::DataDir(data.display().to_string(), e))?;
    let db = Db::connect(&settings.database_url()).await?;
    let queue = Queue::new(
        db.clone(),
        Duration::from_secs(settings.jobs.lease_secs.max(3)),
        settings.jobs.max_attempts.max(1),
    );
    let store = ferrotube_storage::LocalStore::new(data.join("storage"));
    let host = settings.public_host();
    let cache_ttl = settings.cache.public_api_ttl_ms;
    let trackers = url::Url::parse(&settings.public_url)
        .map(|u| ferrotube_p2p::Trackers::for_public_url(&u))
        .map_err(|e| StartError::PublicUrl(settings.public_url.clone(), e))?;
    let url = settings.public_url.clone();
    let video_password_limiter = RateLimiter::new(
        "video-password",
        settings.rates_limit.video_password_max,
        Duration::from_secs(settings.rates_limit.video_password_window_secs),
    );
    let limiter = RateLimiter::new(
        "login",
        settings.rates_limit.login_max,
        Duration::from_secs(settings.rates_limit.login_window_secs),
    );
    let client = ferrotube_federation::ApClient::new(ferrotube_federation::ClientConfig {
        allow_private: settings.federation.allow_private_network,
        user_agent: format!(
            "Ferrotube/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            settings.public_url
        ),
        ..Default::default()
    })
    .map_err(|e| StartError::Federation(e.to_string()))?;
    let federation =
        federation::state::FederationState::new(client, settings.federation.per_host_concurrency);
    let p2p = p2p::state::P2p::new(&settings);
    let runtime =
        admin::runtime::Runtime::new(&settings, admin::config::effective(&settings, None));
    let default_from = format!(
        "noreply@{}",
        host.split(':').next().unwrap_or(host.as_str())
    );
    let mailer = crate::mail::transport::Mailer::from_settings(&settings.smtp, &default_from)?;
    let bus =
        crate::bus::Bus::new(settings.redis.url.as_deref(), &url).map_err(StartError::Redis)?;
    let counters = crate::shared_counters::SharedCounters::new(settings.redis.url.as_deref(), &url)
        .map_err(StartError::Redis)?;
    let objects = crate::object_storage::from_settings(&settings)
        .map_err(|e| StartError::ObjectStorage(e.to_string()))?;
    let inner = Inner {
        bus,
        objects,
        runtime,
        mailer,
        notifications: Default::default(),
        p2p,
        settings,
        db,
        queue,
        store,
        login_limiter: limiter,
        video_password_limiter,
        view_dedup: Default::default(),
        counters,
        url,
        host,
        config_json: Default::default(),
        trackers,
        cache: crate::cache::ResponseCache::new(Duration::from_millis(cache_ttl), 4096),
        federation,
    };
    let state = Instance(Arc::new(inner));
    admin::config::reload(&state, true)
        .await
        .map_err(|e| StartError::Runtime(e.detail))?;
    ensure_root(&state).await?;
    federation::actors::instance_actor(&state)
        .await
        .map_err(|e| StartError::Federation(e.to_string()))?;
    Ok(state)
}

async fn ensure_root(state: &Instance) -> Result<(), StartError> {
    if state.db.count_users().await? > 0 {
        return Ok(());
    }
    let (password, generated) = match &state.settings.initial_root_password {
        Some(p) => (p.clone(), false),
        None => (accounts::random_token(12), true),
    };
    let root = accounts::LocalUser {
        username: "root",
        password: &password,
        email: "admin@example.com",
        role: UserRole::Administrator,
        quota: (-1, -1),
        display_name: None,
        channel: Some(("root_channel", "Main root channel")),
    };
    accounts::create_local_user(state, root)
        .await
        .map_err(|e| StartError::Root(e.detail))?;
    if generated {
        // Printed once, on the first start only, as PeerTube does.
        println!("Administrator created. Username: root  Password: {password}");
    }
    tracing::info!("created the administrator account root");
    Ok(())
}

/// Every job kind of the instance with its body and concurrency, not yet running: a node spawns
/// it ([`spawn_background`]); a test runs it inline (`Runner::run_until_idle`).
pub fn job_runner(state: &Instance) -> Runner {
    let s = state.clone();
    let give_up_state = state.clone();
    let runner = Runner::new(state.queue.clone()).register(
        transcode::TRANSCODE,
        state.settings.transcoding.concurrency,
        Arc::new(move |ctx| Box::pin(transcode::run_transcode(s.clone(), ctx))),
        Some(Arc::new(move |payload, why| {
            let st = give_up_state.clone();
            Box::pin(async move {
                if let Some(uuid) = payload.get("uuid").and_then(|u| u.as_str()) {
                    transcode::mark_failed(&st, uuid, &why).await;
                }
            })
        })),
    );
    let fed = &state.settings.federation;
    let (s1, s2, s3, s4, s5, s6, s7, s8) = (
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
    );
    runner
        .register(
            federation::DELIVER,
            fed.delivery_concurrency,
            Arc::new(move |ctx| Box::pin(federation::outbox::run_delivery(s1.clone(), ctx))),
            None,
        )
        .register(
            federation::INBOX,
            fed.inbox_concurrency,
            Arc::new(move |ctx| Box::pin(federation::inbox::run_inbox(s2.clone(), ctx))),
            None,
        )
        .register(
            federation::FETCH_OUTBOX,
            2,
            Arc::new(move |ctx| Box::pin(federation::outbox::run_fetch_outbox(s3.clone(), ctx))),
            None,
        )
        .register(
            federation::FEDERATE_VIDEO,
            2,
            Arc::new(move |ctx| Box::pin(federation::outbox::run_federate_video(s4.clone(), ctx))),
            None,
        )
        .register(
            federation::REFRESH_VIDEO,
            2,
            Arc::new(move |ctx| Box::pin(federation::outbox::run_refresh_video(s5.clone(), ctx))),
            None,
        )
        .register(
            federation::cache_files::FEDERATE_CACHE_FILE,
            2,
            Arc::new(move |ctx| {
                Box::pin(federation::cache_files::run_federate_cache_file(
                    s6.clone(),
                    ctx,
                ))
            }),
            None,
        )
        // Copies download whole playlists: two at a time is plenty for one node.
        .register(
            redundancy::MIRROR,
            2,
            Arc::new(move |ctx| Box::pin(redundancy::run_mirror(s7.clone(), ctx))),
            None,
        )
        .register(
            redundancy::CHECK,
            1,
            Arc::new(move |ctx| Box::pin(redundancy::run_check(s8.clone(), ctx))),
            None,
        )
        .register(
            notifications::NOTIFY,
            2,
            Arc::new({
                let s = state.clone();
                move |ctx| Box::pin(notifications::run_notify(s.clone(), ctx))
            }),
            None,
        )
        .register(
            crate::object_storage::MOVE_TO_OBJECT_STORAGE,
            1,
            Arc::new({
                let s = state.clone();
                move |ctx| Box::pin(crate::object_storage::run_move(s.clone(), ctx))
            }),
            None,
        )
        .register(
            crate::object_storage::SET_PRIVACY,
            1,
            Arc::new({
                let s = state.clone();
                move |ctx| Box::pin(crate::object_storage::run_set_privacy(s.clone(), ctx))
            }),
            None,
        )
        .register(
            mail::SEND_EMAIL,
            2,
            Arc::new({
                let s = state.clone();
                move |ctx| Box::pin(mail::run_send_email(s.clone(), ctx))
            }),
            None,
        )
}

/// What another node of this instance told this one (see [`crate::bus`]).
async fn apply_bus_event(state: &Instance, event: crate::bus::Event) {
    match event {
        crate::bus::Event::Changed => {
            state.cache.invalidate();
            state.p2p.changed();
        }
        crate::bus::Event::Notification { user_id, json } => {
            state.notifications.publish(user_id, json);
        }
        crate::bus::Event::Settings => {
            if let Err(e) = admin::config::reload(state, true).await {
                tracing::warn!(error = %e.detail, "cannot reload the runtime settings");
            }
        }
        crate::bus::Event::Swarm { message } => state.p2p.tracker.apply_swarm_message(message),
    }
}

/// What a node of an instance does: any number of each role share one PostgreSQL database (the
/// job queue's leases make concurrent workers safe) and one file store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// HTTP and jobs: the one-process default.
    #[default]
    All,
    /// HTTP only (pages, API, federation inbox, tracker); the jobs it queues run on workers.
    Web,
    /// Jobs and maintenance only, no HTTP.
    Worker,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "all" => Some(Role::All),
            "web" => Some(Role::Web),
            "worker" => Some(Role::Worker),
            _ => None,
        }
    }

    pub fn serves_http(self) -> bool {
        self != Role::Worker
    }

    pub fn runs_jobs(self) -> bool {
        self != Role::Web
    }
}

/// Starts this node's background work: for a node that runs jobs, the job workers, the
/// redundancy schedule and the maintenance loop; for one that serves HTTP, the tracker's known
/// set; for every node, the poll of the runtime settings.
pub fn spawn_background(
    state: &Instance,
    shutdown: tokio::sync::watch::Receiver<bool>,
    role: Role,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut handles = Vec::new();
    if state.bus.enabled() {
        let s = state.clone();
        let stop = shutdown.clone();
        handles.push(tokio::spawn(async move { s.bus.run_publisher(stop).await }));
        let s = state.clone();
        let stop = shutdown.clone();
        handles.push(tokio::spawn(async move {
            let apply = |event| {
                let s = s.clone();
                async move { apply_bus_event(&s, event).await }
            };
            s.bus.run_subscriber(stop, apply).await
        }));
        // A web node's tracker tells the others of its swarm members and relays signalling
        // for theirs.
        if role.serves_http() {
            if let Some(mut swarm) = state.p2p.tracker.link_cluster() {
                let s = state.clone();
                let mut stop = shutdown.clone();
                handles.push(tokio::spawn(async move {
                    loop {
                        tokio::select! {
                            m = swarm.recv() => match m {
                                Some(message) => s.bus.publish(crate::bus::Event::Swarm { message }),
                                None => return,
                            },
                            _ = stop.changed() => return,
                        }
                    }
                }));
            }
        }
    }
    if role.runs_jobs() {
        handles.extend(job_runner(state).spawn(shutdown.clone()));
    }
    if role.serves_http() {
        handles.push(p2p::spawn(state, shutdown.clone()));
    }
    if role.runs_jobs() && !state.settings.redundancy.videos.strategies.is_empty() {
        let s = state.clone();
        let mut stop = shutdown.clone();
        let every = Duration::from_secs(state.settings.redundancy.videos.check_interval);
        handles.push(tokio::spawn(async move {
            loop {
                if let Err(e) = redundancy::schedule::queue_check(&s).await {
                    tracing::warn!(error = %e, "cannot queue the redundancy check");
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.changed() => break,
                }
            }
        }));
    }
    // Another node's change of the runtime settings or job pause shows here within seconds.
    let s = state.clone();
    let mut stop = shutdown.clone();
    handles.push(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(admin::runtime::RELOAD_EVERY) => {}
                _ = stop.changed() => break,
            }
            // Unconditional (not `reload_if_stale`): a request's reload just before would
            // otherwise push this poll back a whole period.
            if let Err(e) = admin::config::reload(&s, false).await {
                tracing::warn!(error = %e.detail, "cannot reload the runtime settings");
            }
        }
    }));
    if !role.runs_jobs() {
        return handles;
    }
    let s = state.clone();
    let mut stop = shutdown;
    handles.push(tokio::spawn(async move {
        loop {
            uploads::expire_stale_uploads(&s).await;
            transcode::remove_stale_work_dirs(&s).await;
            let now = ferrotube_model::timefmt::now_ms();
            if let Err(e) = s.db.purge_expired_tokens(now).await {
                tracing::warn!(error = %e, "cannot purge expired tokens");
            }
            // Redeliveries come within hours; a week of activity ids is plenty.
            if let Err(e) = s.db.purge_seen_activities(now - 7 * 86_400_000).await {
                tracing::warn!(error = %e, "cannot purge seen activities");
            }
            // Stale activities about a deleted video come within the same week.
            if let Err(e) = s.db.purge_video_tombstones(now - 7 * 86_400_000).await {
                tracing::warn!(error = %e, "cannot purge video tombstones");
            }
            // Copies other instances did not renew are no longer listed; forget them.
            if let Err(e) = s.db.purge_expired_remote_redundancies(now).await {
                tracing::warn!(error = %e, "cannot purge expired copies");
            }
            if let Err(e) =
                s.db.purge_audit_logs(now - admin::audit::RETENTION_MS)
                    .await
            {
                tracing::warn!(error = %e, "cannot purge old audit log entries");
            }
            // Finished jobs stay listed in /api/v1/jobs for a week.
            if let Err(e) = s.db.purge_finished_jobs(now - 7 * 86_400_000).await {
                tracing::warn!(error = %e, "cannot purge finished jobs");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(600)) => {}
                _ = stop.changed() => break,
            }
        }
    }));
    handles
}
