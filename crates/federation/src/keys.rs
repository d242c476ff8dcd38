//! Actor RSA keys: generation, PEM in and out, and the size bounds we accept.
//!
//! Crate choice: `rsa` 0.9 (pure Rust, already in Cargo.lock, works with the workspace's sha2
//! 0.10). RUSTSEC-2023-0071 ("Marvin") is about timing of *private-key* operations
//! (decryption, and in principle signing) leaking the key to an attacker who can submit many
//! chosen inputs and time the answers. Verification uses only the public key and is unaffected.
//! Signing here only ever covers strings we build ourselves, and we sign with blinding
//! (`sign_with_rng`), which is the mitigation the advisory points at; we never decrypt.

use rand::rngs::OsRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};

/// PeerTube generates 2048-bit keys in production; we do the same for new actors.
pub const GENERATED_KEY_BITS: usize = 2048;
/// PeerTube's own test instances use 1024-bit keys, so verification must accept them.
pub const MIN_KEY_BITS: usize = 1024;
/// Larger keys only cost us CPU per verification; nobody in the fediverse uses more.
pub const MAX_KEY_BITS: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("invalid RSA public key PEM: {0}")]
    InvalidPublicPem(String),
    #[error("invalid RSA private key PEM: {0}")]
    InvalidPrivatePem(String),
    #[error("RSA key of {0} bits is too small (minimum {MIN_KEY_BITS})")]
    TooSmall(usize),
    #[error("RSA key of {0} bits is too large (maximum {MAX_KEY_BITS})")]
    TooLarge(usize),
    #[error("RSA key generation failed: {0}")]
    Generate(String),
    #[error("PEM encoding failed: {0}")]
    Encode(String),
}

fn check_bits(bits: usize) -> Result<(), KeyError> {
    if bits < MIN_KEY_BITS {
        Err(KeyError::TooSmall(bits))
    } else if bits > MAX_KEY_BITS {
        Err(KeyError::TooLarge(bits))
    } else {
        Ok(())
    }
}

/// A remote (or our own) actor's public key, as published in `publicKey.publicKeyPem`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(pub(crate) RsaPublicKey);

impl PublicKey {
    /// Accepts SPKI (`BEGIN PUBLIC KEY`, what PeerTube and Mastodon publish) and, because some
    /// older software publishes it, PKCS#1 (`BEGIN RSA PUBLIC KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let pem = pem.trim();
        let key = match RsaPublicKey::from_public_key_pem(pem) {
            Ok(k) => k,
            Err(spki_err) => RsaPublicKey::from_pkcs1_pem(pem)
                .map_err(|_| KeyError::InvalidPublicPem(spki_err.to_string()))?,
        };
        check_bits(key.n().bits())?;
        Ok(Self(key))
    }

    /// SPKI PEM, LF line endings, trailing newline: the exact layout of PeerTube's
    /// `publicKeyPem`.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError::Encode(e.to_string()))
    }

    pub fn bits(&self) -> usize {
        self.0.n().bits()
    }
}

/// A local actor's private key. Debug output never shows the key material.
#[derive(Clone)]
pub struct PrivateKey(pub(crate) RsaPrivateKey);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({} bits)", self.0.n().bits())
    }
}

impl PrivateKey {
    /// Generates a fresh [`GENERATED_KEY_BITS`]-bit key. Slow (hundreds of ms to seconds): call
    /// it from a blocking context.
    pub fn generate() -> Result<Self, KeyError> {
        Self::generate_with_bits(GENERATED_KEY_BITS)
    }

    /// Key generation with a chosen size, for tests that need small or odd keys.
    pub fn generate_with_bits(bits: usize) -> Result<Self, KeyError> {
        RsaPrivateKey::new(&mut OsRng, bits)
            .map(Self)
            .map_err(|e| KeyError::Generate(e.to_string()))
    }

    /// Accepts PKCS#8 (`BEGIN PRIVATE KEY`, what we write) and PKCS#1 (`BEGIN RSA PRIVATE
    /// KEY`, what PeerTube stores in `actor.privateKey`), so keys imported from PeerTube load.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let pem = pem.trim();
        let key = match RsaPrivateKey::from_pkcs8_pem(pem) {
            Ok(k) => k,
            Err(pkcs8_err) => RsaPrivateKey::from_pkcs1_pem(pem)
                .map_err(|_| KeyError::InvalidPrivatePem(pkcs8_err.to_string()))?,
        };
        check_bits(key.n().bits())?;
        Ok(Self(key))
    }

    /// PKCS#8 PEM with LF line endings.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .map(|z| z.to_string())
            .map_err(|e| KeyError::Encode(e.to_string()))
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.to_public_key())
    }

    pub fn bits(&self) -> usize {
        self.0.n().bits()
    }
}

/// What an actor row stores: both halves as PEM text.
#[derive(Clone)]
pub struct KeyPairPem {
    /// PKCS#8.
    pub private_key_pem: String,
    /// SPKI, published as the actor's `publicKey.publicKeyPem`.
    pub public_key_pem: String,
}

impl std::fmt::Debug for KeyPairPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPairPem")
            .field("public_key_pem", &self.public_key_pem)
            .finish_non_exhaustive()
    }
}

/// A new 2048-bit actor keypair as PEM, ready to store.
pub fn generate_keypair_pem() -> Result<KeyPairPem, KeyError> {
    let key = PrivateKey::generate()?;
    Ok(KeyPairPem {
        private_key_pem: key.to_pem()?,
        public_key_pem: key.public_key().to_pem()?,
    })
}
