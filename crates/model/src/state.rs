//! PeerTube's numeric enums, with the labels its API returns.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(i64)]
pub enum VideoState {
    Published = 1,
    ToTranscode = 2,
    ToImport = 3,
    WaitingForLive = 4,
    LiveEnded = 5,
    ToMoveToExternalStorage = 6,
    TranscodingFailed = 7,
    ToMoveToExternalStorageFailed = 8,
    ToEdit = 9,
}

impl VideoState {
    pub fn from_id(id: i64) -> Option<Self> {
        use VideoState::*;
        Some(match id {
            1 => Published,
            2 => ToTranscode,
            3 => ToImport,
            4 => WaitingForLive,
            5 => LiveEnded,
            6 => ToMoveToExternalStorage,
            7 => TranscodingFailed,
            8 => ToMoveToExternalStorageFailed,
            9 => ToEdit,
            _ => return None,
        })
    }
    pub fn id(self) -> i64 {
        self as i64
    }
    pub fn label(self) -> &'static str {
        use VideoState::*;
        match self {
            Published => "Published",
            ToTranscode => "To transcode",
            ToImport => "To import",
            WaitingForLive => "Waiting for livestream",
            LiveEnded => "Livestream ended",
            ToMoveToExternalStorage => "To move to an external storage",
            TranscodingFailed => "Transcoding failed",
            ToMoveToExternalStorageFailed => "External storage move failed",
            ToEdit => "To edit",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Privacy {
    Public = 1,
    Unlisted = 2,
    Private = 3,
    Internal = 4,
    PasswordProtected = 5,
}

impl Privacy {
    pub fn from_id(id: i64) -> Option<Self> {
        Some(match id {
            1 => Privacy::Public,
            2 => Privacy::Unlisted,
            3 => Privacy::Private,
            4 => Privacy::Internal,
            5 => Privacy::PasswordProtected,
            _ => return None,
        })
    }
    pub fn id(self) -> i64 {
        self as i64
    }
    pub fn label(self) -> &'static str {
        match self {
            Privacy::Public => "Public",
            Privacy::Unlisted => "Unlisted",
            Privacy::Private => "Private",
            Privacy::Internal => "Internal",
            Privacy::PasswordProtected => "Password protected",
        }
    }
    /// Whether anyone, signed in or not, may read the video when they know its id.
    pub fn readable_by_anyone(self) -> bool {
        matches!(self, Privacy::Public | Privacy::Unlisted)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum UserRole {
    Administrator = 0,
    Moderator = 1,
    User = 2,
}

impl UserRole {
    pub fn from_id(id: i64) -> Option<Self> {
        Some(match id {
            0 => UserRole::Administrator,
            1 => UserRole::Moderator,
            2 => UserRole::User,
            _ => return None,
        })
    }
    pub fn id(self) -> i64 {
        self as i64
    }
    pub fn label(self) -> &'static str {
        match self {
            UserRole::Administrator => "Administrator",
            UserRole::Moderator => "Moderator",
            UserRole::User => "User",
        }
    }
    /// PeerTube's MANAGE_USERS right: admins manage everyone, moderators manage plain users.
    pub fn can_manage(self, other: UserRole) -> bool {
        match self {
            UserRole::Administrator => true,
            UserRole::Moderator => other == UserRole::User,
            UserRole::User => false,
        }
    }
    /// Rights to see and remove any local video (PeerTube's MANAGE_VIDEOS-ish rights).
    pub fn moderates_videos(self) -> bool {
        matches!(self, UserRole::Administrator | UserRole::Moderator)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentsPolicy {
    Enabled = 1,
    Disabled = 2,
    RequiresApproval = 3,
}

impl CommentsPolicy {
    pub fn from_id(id: i64) -> Option<Self> {
        Some(match id {
            1 => CommentsPolicy::Enabled,
            2 => CommentsPolicy::Disabled,
            3 => CommentsPolicy::RequiresApproval,
            _ => return None,
        })
    }
    pub fn id(self) -> i64 {
        self as i64
    }
    pub fn label(self) -> &'static str {
        match self {
            CommentsPolicy::Enabled => "Enabled",
            CommentsPolicy::Disabled => "Disabled",
            CommentsPolicy::RequiresApproval => "Requires approval",
        }
    }
}

/// The label PeerTube gives a resolution (`0` is audio only).
pub fn resolution_label(resolution: i64) -> String {
    if resolution == 0 {
        "Audio only".to_string()
    } else {
        format!("{resolution}p")
    }
}

/// The two kinds of video files PeerTube serves: fragmented MP4s of the HLS streaming playlist
/// and plain MP4 "web videos". Stored as `"hls"` / `"web"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Hls,
    WebVideo,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Hls => "hls",
            FileKind::WebVideo => "web",
        }
    }
    pub fn parse(s: &str) -> Option<FileKind> {
        match s {
            "hls" => Some(FileKind::Hls),
            "web" => Some(FileKind::WebVideo),
            _ => None,
        }
    }
}

/// A stored id or name that none of the enum's values has (a row written by a newer version,
/// or by hand).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

/// Rows store these enums as PeerTube's numeric ids; the store reads them back through these.
macro_rules! try_from_id {
    ($($ty:ident: $what:literal),* $(,)?) => {$(
        impl TryFrom<i64> for $ty {
            type Error = UnknownValue;
            fn try_from(id: i64) -> Result<Self, UnknownValue> {
                $ty::from_id(id).ok_or(UnknownValue {
                    what: $what,
                    value: id.to_string(),
                })
            }
        }
    )*};
}

try_from_id!(
    Privacy: "privacy",
    VideoState: "video state",
    UserRole: "user role",
    CommentsPolicy: "comments policy",
);

impl TryFrom<String> for FileKind {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, UnknownValue> {
        FileKind::parse(&s).ok_or(UnknownValue {
            what: "file kind",
            value: s,
        })
    }
}

#[cfg(test)]
mod stored_values {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ones_are_errors() {
        for p in [
            Privacy::Public,
            Privacy::Internal,
            Privacy::PasswordProtected,
        ] {
            assert_eq!(Privacy::try_from(p.id()), Ok(p));
        }
        assert_eq!(
            VideoState::try_from(999).map_err(|e| e.to_string()),
            Err("unknown video state: 999".to_string())
        );
        assert_eq!(FileKind::try_from("hls".to_string()), Ok(FileKind::Hls));
        assert!(FileKind::try_from("mp3".to_string()).is_err());
    }
}
