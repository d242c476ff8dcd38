//! `ferrotube`: the one binary. `serve` runs an instance (web + job workers); `migrate` applies
//! database migrations and exits.

use anyhow::Context;
use clap::{Parser, Subcommand};
use ferrotube_config::Settings;
use std::io::IsTerminal;
use std::path::PathBuf;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

mod logfile;

#[derive(Parser)]
#[command(
    name = "ferrotube",
    version,
    about = "Video hosting that federates with PeerTube"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an instance (HTTP server and job workers).
    Serve {
        /// TOML settings file; FERROTUBE_* environment variables win over it.
        #[arg(short, long, env = "FERROTUBE_CONFIG")]
        config: Option<PathBuf>,
        /// What this node does: `all` (HTTP and jobs), `web` (HTTP only) or `worker` (jobs
        /// only). Several nodes share one PostgreSQL database and one file store.
        #[arg(long, env = "FERROTUBE_ROLE", default_value = "all", value_parser = ["all", "web", "worker"])]
        role: String,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(short, long, env = "FERROTUBE_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Where video files are stored.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
}

#[derive(Subcommand)]
enum StorageCommand {
    /// Move the local videos' files to object storage (`s3`) or back to local disk (`local`),
    /// one video at a time; run it again to resume a stopped run. Needs `[object_storage]`
    /// configured (and enabled) either way.
    Migrate {
        #[arg(long, value_enum)]
        to: StorageTarget,
        #[arg(short, long, env = "FERROTUBE_CONFIG")]
        config: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum StorageTarget {
    S3,
    Local,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // `serve` also writes the JSON log files an admin reads at /api/v1/server/logs.
    let serve_settings = match &cli.command {
        Command::Serve { config, .. } => Some(load(config.as_deref())?),
        Command::Migrate { .. } | Command::Storage { .. } => None,
    };
    let file_layer = match &serve_settings {
        Some(s) => Some(
            logfile::JsonFileLayer::new(
                ferrotube_app::admin::logs::dir(&s.data_dir),
                s.public_host(),
            )
            .context("cannot create the log directory")?,
        ),
        None => None,
    };
    tracing_subscriber::registry()
        .with(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr),
        )
        .with(file_layer)
        .init();
    // Two cores is the design point: a small runtime keeps idle memory low; ffmpeg does the heavy work in its own processes.
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(4);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        match cli.command {
            Command::Serve { config, role } => {
                let role = ferrotube_app::Role::parse(&role).unwrap_or_default();
                match serve_settings {
                    Some(s) => serve(s, role).await,
                    None => serve(load(config.as_deref())?, role).await,
                }
            }
            Command::Migrate { config } => {
                let s = load(config.as_deref())?;
                ferrotube_db::Db::connect(&s.database_url())
                    .await
                    .context("migration failed")?;
                println!("database is up to date");
                Ok(())
            }
            Command::Storage {
                command: StorageCommand::Migrate { to, config },
            } => storage_migrate(load(config.as_deref())?, to).await,
        }
    })
}

fn load(config: Option<&std::path::Path>) -> anyhow::Result<Settings> {
    Settings::load(config, |k| std::env::var(k).ok()).context("invalid settings")
}

async fn storage_migrate(settings: Settings, to: StorageTarget) -> anyhow::Result<()> {
    use ferrotube_app::object_storage::{migrate, Target};
    let state = ferrotube_app::build(settings)
        .await
        .context("cannot start the instance")?;
    let target = match to {
        StorageTarget::S3 => Target::ObjectStorage,
        StorageTarget::Local => Target::Local,
    };
    let result = migrate(&state, target).await;
    state.db.close().await;
    let moved = result.map_err(|e| anyhow::anyhow!("{e} (run the command again to resume)"))?;
    println!("{moved} video(s) moved");
    Ok(())
}

async fn serve(settings: Settings, role: ferrotube_app::Role) -> anyhow::Result<()> {
    let listen = settings.listen.clone();
    let public = settings.public_url.clone();
    let state = ferrotube_app::build(settings)
        .await
        .context("cannot start the instance")?;
    if role != ferrotube_app::Role::All && state.db.backend_name() != "postgres" {
        anyhow::bail!(
            "--role {role:?} needs PostgreSQL (FERROTUBE_DATABASE_URL): nodes share one database, and SQLite is one process's"
        );
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let background = ferrotube_app::spawn_background(&state, stop_rx, role);
    if !role.serves_http() {
        tracing::info!(
            db = state.db.backend_name(),
            "ferrotube worker running jobs"
        );
        shutdown_signal().await;
        let _ = stop_tx.send(true);
        for h in background {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), h).await;
        }
        state.db.close().await;
        return Ok(());
    }
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    tracing::info!(%listen, %public, db = state.db.backend_name(), ?role, "ferrotube is listening");
    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
        std::net::SocketAddr,
    >(ferrotube_api::app(state.clone()));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")?;
    let _ = stop_tx.send(true);
    for h in background {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), h).await;
    }
    state.db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
