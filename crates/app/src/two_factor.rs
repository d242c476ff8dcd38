//! Two-factor sign-in with TOTP (RFC 6238) as PeerTube does it with otpauth: SHA1, 6 digits,
//! 30 s steps, one step of tolerance either side. A request gives the secret once; confirming
//! it with a code stores it; sign-in then needs a code, and each step's code works once.

use crate::error::{Error, Result};
use crate::Instance;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use ferrotube_db::users::UserRow;
use ferrotube_model::timefmt::now_ms;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

const DIGITS: usize = 6;
const STEP_SECS: u64 = 30;
/// How long a request waits for its confirmation (PeerTube's `TWO_FACTOR_REQUEST` lifetime).
const REQUEST_LIFETIME_MS: i64 = 10 * 60 * 1000;

fn key_of(state: &Instance) -> Option<&str> {
    state.settings.secrets.peertube.as_deref()
}

/// Marks a secret stored encrypted: `v1:<nonce hex>:<ciphertext hex>`.
const SEALED: &str = "v1:";

fn cipher(key: Option<&str>) -> Option<Aes256Gcm> {
    let key = key?;
    let digest = Sha256::digest(key.as_bytes());
    Aes256Gcm::new_from_slice(&digest).ok()
}

/// The form a secret is stored in: encrypted under `secrets.peertube` when the instance has
/// one (AES-256-GCM, a fresh nonce each time), as is otherwise.
fn seal(key: Option<&str>, secret: &str) -> Result<String> {
    let Some(c) = cipher(key) else {
        return Ok(secret.to_string());
    };
    let nonce: [u8; 12] = rand::random();
    let sealed = c
        .encrypt(Nonce::from_slice(&nonce), secret.as_bytes())
        .map_err(|_| Error::internal("cannot encrypt the OTP secret"))?;
    Ok(format!(
        "{SEALED}{}:{}",
        hex::encode(nonce),
        hex::encode(sealed)
    ))
}

/// The secret from its stored form; `None` when it cannot be read (no key, or another one: the
/// code is then refused, as PeerTube does when it cannot decrypt).
fn unseal(key: Option<&str>, stored: &str) -> Option<String> {
    let Some(rest) = stored.strip_prefix(SEALED) else {
        return Some(stored.to_string());
    };
    let (nonce, sealed) = rest.split_once(':')?;
    let nonce = hex::decode(nonce).ok().filter(|n| n.len() == 12)?;
    let sealed = hex::decode(sealed).ok()?;
    let Some(c) = cipher(key) else {
        tracing::error!("an encrypted OTP secret is stored but secrets.peertube is not set");
        return None;
    };
    match c.decrypt(Nonce::from_slice(&nonce), sealed.as_slice()) {
        Ok(plain) => String::from_utf8(plain).ok(),
        Err(_) => {
            tracing::error!("cannot decrypt an OTP secret: did secrets.peertube change?");
            None
        }
    }
}

/// What `POST /users/{id}/two-factor/request` answers.
pub struct OtpRequest {
    pub request_token: String,
    pub secret: String,
    pub uri: String,
}

fn totp(secret_base32: &str, issuer: &str, label: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|e| Error::internal(format!("stored OTP secret unreadable: {e:?}")))?;
    // Unchecked: PeerTube's issuer is the host with its port, and the checked constructor
    // refuses a colon in it; the URI encodes it anyway.
    Ok(TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECS,
        bytes,
        Some(issuer.to_string()),
        label.to_string(),
    ))
}

/// Starts enabling two-factor sign-in for `user` (who must not have it yet).
pub async fn request(state: &Instance, user: &UserRow) -> Result<OtpRequest> {
    if state.db.otp_secret(user.id).await?.is_some() {
        return Err(Error::bad_request("Two factor is already enabled."));
    }
    // 160 bits, as otpauth's default `Secret`.
    let secret = Secret::generate_secret().to_encoded().to_string();
    let uri = totp(&secret, &state.host, &user.email)?.get_url();
    let request_token = crate::accounts::random_token(32);
    let now = now_ms();
    state
        .db
        .insert_two_factor_request(
            user.id,
            &request_token,
            &seal(key_of(state), &secret)?,
            now + REQUEST_LIFETIME_MS,
            now,
        )
        .await?;
    Ok(OtpRequest {
        request_token,
        secret,
        uri,
    })
}

/// Confirms a request with a code from the authenticator: the secret becomes the user's.
pub async fn confirm(
    state: &Instance,
    user: &UserRow,
    request_token: &str,
    otp_token: &str,
) -> Result<()> {
    if state.db.otp_secret(user.id).await?.is_some() {
        return Err(Error::bad_request("Two factor is already enabled."));
    }
    let Some(stored) = state
        .db
        .two_factor_request(user.id, request_token, now_ms())
        .await?
    else {
        return Err(Error::forbidden("Invalid request token"));
    };
    let Some(secret) = unseal(key_of(state), &stored) else {
        return Err(Error::forbidden("Invalid request token"));
    };
    if matching_step(&secret, &state.host, otp_token)?.is_none() {
        return Err(Error::forbidden("Invalid OTP token"));
    }
    // Kept in the form the request stored it (sealed when the instance has a key).
    state.db.set_otp_secret(user.id, Some(&stored)).await?;
    state.db.delete_two_factor_requests(user.id).await?;
    tracing::info!(user = user.id, "two-factor sign-in enabled");
    Ok(())
}

pub async fn disable(state: &Instance, user: &UserRow) -> Result<()> {
    if state.db.otp_secret(user.id).await?.is_none() {
        return Err(Error::bad_request("Two factor is already disabled."));
    }
    state.db.set_otp_secret(user.id, None).await?;
    tracing::info!(user = user.id, "two-factor sign-in disabled");
    Ok(())
}

/// The 30 s step whose code `code` is (now, or one step either side), if any.
fn matching_step(secret: &str, issuer: &str, code: &str) -> Result<Option<u64>> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret, issuer, "")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(Error::internal)?
        .as_secs();
    let current = now / STEP_SECS;
    Ok([current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| t.check(code, step * STEP_SECS)))
}

/// Checks a sign-in's code against the user's stored secret. A code is accepted once: its step
/// must be later than the last accepted one (recorded in the same statement).
pub async fn check_sign_in(
    state: &Instance,
    user_id: i64,
    stored: &str,
    code: &str,
) -> Result<bool> {
    let Some(secret) = unseal(key_of(state), stored) else {
        return Ok(false);
    };
    let Some(step) = matching_step(&secret, &state.host, code)? else {
        return Ok(false);
    };
    let step = i64::try_from(step).map_err(Error::internal)?;
    Ok(state.db.accept_otp_step(user_id, step).await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn secrets_are_sealed_under_the_key_only() {
        let plain = seal(None, "JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(plain, "JBSWY3DPEHPK3PXP");
        assert_eq!(unseal(None, &plain).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        let a = seal(Some("key"), "JBSWY3DPEHPK3PXP").unwrap();
        let b = seal(Some("key"), "JBSWY3DPEHPK3PXP").unwrap();
        assert!(a.starts_with(SEALED) && !a.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(a, b, "a fresh nonce each time");
        assert_eq!(unseal(Some("key"), &a).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_eq!(unseal(Some("other"), &a), None, "another key");
        assert_eq!(unseal(None, &a), None, "no key");
        assert_eq!(unseal(Some("key"), "v1:zz:00"), None, "garbage");
    }
}
