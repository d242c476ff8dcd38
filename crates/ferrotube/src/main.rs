//! `ferrotube`: the one binary. `serve` runs an instance (web + job workers); `migrate` applies
//! database migrations and exits.

use anyhow::Context;
use clap::{Parser, Subcommand};
use ferrotube_config::Settings;
use std::io::IsTerminal;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

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
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(short, long, env = "FERROTUBE_CONFIG")]
        config: Option<PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
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
            Command::Serve { config } => serve(load(config.as_deref())?).await,
            Command::Migrate { config } => {
                let s = load(config.as_deref())?;
                ferrotube_db::Db::connect(&s.database_url())
                    .await
                    .context("migration failed")?;
                println!("database is up to date");
                Ok(())
            }
        }
    })
}

fn load(config: Option<&std::path::Path>) -> anyhow::Result<Settings> {
    Settings::load(config, |k| std::env::var(k).ok()).context("invalid settings")
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listen = settings.listen.clone();
    let public = settings.public_url.clone();
    let state = ferrotube_app::build(settings)
        .await
        .context("cannot start the instance")?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let background = ferrotube_app::spawn_background(&state, stop_rx);
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    tracing::info!(%listen, %public, db = state.db.backend_name(), "ferrotube is listening");
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
