//! ActivityPub as PeerTube speaks it, without storage: HTTP signatures, actor keys, the one
//! guarded HTTP client for remote fetches and deliveries (SSRF, size and time limits), the
//! vocabulary (actors, Video, Note, activities, collections) and the discovery documents
//! (WebFinger, NodeInfo, host-meta). The API crate wires it to the database and the routes.

pub mod client;
pub mod discovery;
#[doc(hidden)]
pub mod fuzzing;
pub mod keys;
pub mod signature;
pub mod ssrf;
pub mod vocab;

pub use client::{ApClient, ClientConfig, FetchError, Signer};
pub use keys::{generate_keypair_pem, KeyError, KeyPairPem, PrivateKey, PublicKey};
pub use signature::{
    sign_request, verify_digest, verify_request, IncomingSignature, SignatureError, SignedHeaders,
    VerifyOptions,
};
pub use ssrf::{check_remote_url, resolve_remote_url, SsrfError};
