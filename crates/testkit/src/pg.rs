//! A PostgreSQL database of its own per instance.

use anyhow::{bail, Context, Result};
use std::process::Command;

/// The test PostgreSQL server: `FERROTUBE_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432`.
pub fn pg_base() -> String {
    std::env::var("FERROTUBE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string()
}

fn psql(base: &str, sql: &str) -> Result<()> {
    let out = Command::new("psql")
        .arg(format!("{base}/postgres"))
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .context("cannot run psql")?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// A database of its own on a PostgreSQL server; dropped (WITH FORCE) on drop.
pub struct PgDb {
    pub name: String,
    pub url: String,
    base: String,
}

impl PgDb {
    /// Creates a database on the test server ([`pg_base`]); panics if it cannot.
    pub fn create() -> PgDb {
        PgDb::create_on(&pg_base(), "ft_test").unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Creates `{prefix}_{random}` on the server at `base` (`postgres://user@host:port`).
    pub fn create_on(base: &str, prefix: &str) -> Result<PgDb> {
        let base = base.trim_end_matches('/').to_string();
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        psql(&base, &format!("CREATE DATABASE {name}")).with_context(|| {
            format!("PostgreSQL at {base} is required for the postgres instance tests")
        })?;
        Ok(PgDb {
            url: format!("{base}/{name}"),
            name,
            base,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Err(e) = psql(
            &self.base,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("cannot drop test database {}: {e}", self.name);
        }
    }
}
