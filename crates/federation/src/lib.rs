//! Federation groundwork: HTTP signatures as PeerTube speaks them, actor keys, the SSRF guard
//! for remote fetches, the discovery documents (WebFinger, NodeInfo, host-meta) and the
//! ActivityPub vocabulary (`vocab`).
//! Nothing here touches the database or the HTTP server; callers wire it in.

pub mod discovery;
pub mod keys;
pub mod signature;
pub mod ssrf;
pub mod vocab;

pub use keys::{generate_keypair_pem, KeyError, KeyPairPem, PrivateKey, PublicKey};
pub use signature::{
    sign_request, verify_digest, verify_request, IncomingSignature, SignatureError, SignedHeaders,
    VerifyOptions,
};
pub use ssrf::{check_remote_url, resolve_remote_url, SsrfError};
