//! Domain types and rules shared by every layer: PeerTube's enums and their labels, identifiers
//! (uuid, shortUUID), the resolution ladder labels and input validation. No I/O here.

pub mod abuse;
pub mod constants;
pub mod content_range;
pub mod file_names;
#[doc(hidden)]
pub mod fuzzing;
pub mod ids;
pub mod proxy;
pub mod state;
pub mod subtitles;
pub mod timefmt;
pub mod validate;

pub use content_range::{parse_content_range, BadContentRange, ContentRange};
pub use file_names::{is_safe_file_name, parse_file_name, split_uuid_prefix, FileName};
pub use ids::{short_uuid, uuid_from_short};
pub use state::{CommentsPolicy, FileKind, Privacy, UserRole, VideoState};
