//! Domain types and rules shared by every layer: PeerTube's enums and their labels, identifiers
//! (uuid, shortUUID), the resolution ladder labels and input validation. No I/O here.

pub mod constants;
pub mod ids;
pub mod state;
pub mod timefmt;
pub mod validate;

pub use ids::{short_uuid, uuid_from_short};
pub use state::{CommentsPolicy, FileKind, Privacy, UserRole, VideoState};
