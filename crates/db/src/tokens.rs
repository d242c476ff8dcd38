//! OAuth clients and bearer tokens.

use crate::macros::*;
use crate::{Db, DbError, Result};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OAuthClientRow {
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_at: i64,
    pub refresh_expires_at: i64,
}

impl Db {
    /// The instance's one local client (PeerTube's web client), created on first use.
    pub async fn local_oauth_client(
        &self,
        make: impl FnOnce() -> (String, String),
    ) -> Result<OAuthClientRow> {
        if let Some(c) = read_opt!(
            self,
            OAuthClientRow,
            "SELECT client_id, client_secret FROM oauth_clients ORDER BY id LIMIT 1"
        )? {
            return Ok(c);
        }
        let (id, secret) = make();
        write_exec!(
            self,
            "INSERT INTO oauth_clients (client_id, client_secret) VALUES ($1, $2)",
            &id,
            &secret
        )
        .map_err(DbError::from_write)?;
        // Another node may have won the race: read back the first one.
        Ok(read_opt!(
            self,
            OAuthClientRow,
            "SELECT client_id, client_secret FROM oauth_clients ORDER BY id LIMIT 1"
        )?
        .unwrap_or(OAuthClientRow {
            client_id: id,
            client_secret: secret,
        }))
    }

    pub async fn oauth_client_valid(&self, client_id: &str, client_secret: &str) -> Result<bool> {
        let n = read_scalar!(
            self,
            i64,
            "SELECT COUNT(*) FROM oauth_clients WHERE client_id = $1 AND client_secret = $2",
            client_id,
            client_secret
        )?;
        Ok(n > 0)
    }

    pub async fn insert_token(&self, t: &TokenRow, now: i64) -> Result<()> {
        write_exec!(
            self,
            "INSERT INTO oauth_tokens (user_id, access_token, refresh_token, access_expires_at, refresh_expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            t.user_id,
            &t.access_token,
            &t.refresh_token,
            t.access_expires_at,
            t.refresh_expires_at,
            now
        )
        .map_err(DbError::from_write)?;
        Ok(())
    }

    pub async fn token_by_access(&self, access: &str) -> Result<Option<TokenRow>> {
        Ok(read_opt!(
            self,
            TokenRow,
            "SELECT id, user_id, access_token, refresh_token, access_expires_at, refresh_expires_at FROM oauth_tokens WHERE access_token = $1",
            access
        )?)
    }

    /// Takes a refresh token for exchange: deleted in the same statement, so it works once.
    pub async fn take_refresh_token(&self, refresh: &str) -> Result<Option<TokenRow>> {
        Ok(write_opt!(
            self,
            TokenRow,
            "DELETE FROM oauth_tokens WHERE refresh_token = $1 RETURNING id, user_id, access_token, refresh_token, access_expires_at, refresh_expires_at",
            refresh
        )?)
    }

    pub async fn revoke_token(&self, access: &str) -> Result<bool> {
        Ok(write_exec!(
            self,
            "DELETE FROM oauth_tokens WHERE access_token = $1",
            access
        )? > 0)
    }

    pub async fn revoke_user_tokens(&self, user_id: i64) -> Result<()> {
        write_exec!(self, "DELETE FROM oauth_tokens WHERE user_id = $1", user_id)?;
        Ok(())
    }

    pub async fn purge_expired_tokens(&self, now: i64) -> Result<u64> {
        Ok(write_exec!(
            self,
            "DELETE FROM oauth_tokens WHERE refresh_expires_at < $1",
            now
        )?)
    }
}
