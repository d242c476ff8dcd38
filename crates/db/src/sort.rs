//! Sort orders as types: each list has an enum of the keys PeerTube accepts, and the store turns
//! one into its ORDER BY. No SQL text crosses the crate boundary, so a caller cannot sort by
//! an unindexed expression or inject one.

/// Ascending or descending (PeerTube's `-` prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

/// A sortable column of one list.
pub trait SortKey: Copy + Sized + 'static {
    /// Every key with PeerTube's name for it (`sort=-createdAt` names `createdAt`).
    const KEYS: &'static [(&'static str, Self)];
    /// The columns to order by, the last one a unique tie-break so paging is stable.
    fn columns(self) -> &'static [&'static str];
}

/// A key and a direction: PeerTube's `sort` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<K> {
    pub key: K,
    pub direction: Direction,
}

impl<K: SortKey> Sort<K> {
    pub fn asc(key: K) -> Sort<K> {
        Sort {
            key,
            direction: Direction::Asc,
        }
    }
    pub fn desc(key: K) -> Sort<K> {
        Sort {
            key,
            direction: Direction::Desc,
        }
    }

    /// Reads PeerTube's `sort` value (`name`, `-name`); `None` for an unknown key.
    pub fn parse(raw: &str) -> Option<Sort<K>> {
        let (direction, name) = match raw.strip_prefix('-') {
            Some(n) => (Direction::Desc, n),
            None => (Direction::Asc, raw),
        };
        K::KEYS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, key)| Sort {
                key: *key,
                direction,
            })
    }

    /// The ORDER BY clause (without the keywords).
    pub(crate) fn order_by(&self) -> String {
        let dir = self.direction.sql();
        self.key
            .columns()
            .iter()
            .map(|c| format!("{c} {dir}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Keys of the video lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoSort {
    Name,
    Duration,
    CreatedAt,
    PublishedAt,
    OriginallyPublishedAt,
    Views,
    Likes,
    /// PeerTube's trending, hot and best: approximated by views, likes and recency. Match is
    /// the search's rank (the newest first when the list is not a search).
    Trending,
    Hot,
    Best,
    Match,
    /// Insertion order (the store's own id), for crawls.
    Id,
}

impl SortKey for VideoSort {
    const KEYS: &'static [(&'static str, Self)] = &[
        ("name", VideoSort::Name),
        ("duration", VideoSort::Duration),
        ("createdAt", VideoSort::CreatedAt),
        ("publishedAt", VideoSort::PublishedAt),
        ("originallyPublishedAt", VideoSort::OriginallyPublishedAt),
        ("views", VideoSort::Views),
        ("likes", VideoSort::Likes),
        ("trending", VideoSort::Trending),
        ("hot", VideoSort::Hot),
        ("best", VideoSort::Best),
        ("match", VideoSort::Match),
    ];
    fn columns(self) -> &'static [&'static str] {
        match self {
            VideoSort::Name => &["v.name", "v.id"],
            VideoSort::Duration => &["v.duration", "v.id"],
            VideoSort::CreatedAt => &["v.created_at", "v.id"],
            VideoSort::PublishedAt | VideoSort::Match => &["v.published_at", "v.id"],
            VideoSort::OriginallyPublishedAt => &[
                "COALESCE(v.originally_published_at, v.published_at)",
                "v.id",
            ],
            VideoSort::Views | VideoSort::Trending | VideoSort::Hot => &["v.views", "v.id"],
            VideoSort::Likes | VideoSort::Best => &["v.likes", "v.id"],
            VideoSort::Id => &["v.id"],
        }
    }
}

/// Keys of the channel lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelSort {
    CreatedAt,
    Name,
    UpdatedAt,
    Id,
}

impl SortKey for ChannelSort {
    const KEYS: &'static [(&'static str, Self)] = &[
        ("createdAt", ChannelSort::CreatedAt),
        ("name", ChannelSort::Name),
        ("updatedAt", ChannelSort::UpdatedAt),
    ];
    fn columns(self) -> &'static [&'static str] {
        match self {
            ChannelSort::CreatedAt => &["created_at", "id"],
            ChannelSort::Name => &["name", "id"],
            ChannelSort::UpdatedAt => &["updated_at", "id"],
            ChannelSort::Id => &["id"],
        }
    }
}

/// Keys of the user list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    Id,
    Username,
    CreatedAt,
    Role,
}

impl SortKey for UserSort {
    const KEYS: &'static [(&'static str, Self)] = &[
        ("id", UserSort::Id),
        ("username", UserSort::Username),
        ("createdAt", UserSort::CreatedAt),
        ("role", UserSort::Role),
    ];
    fn columns(self) -> &'static [&'static str] {
        match self {
            UserSort::Id => &["u.id"],
            UserSort::Username => &["u.username", "u.id"],
            UserSort::CreatedAt => &["u.created_at", "u.id"],
            UserSort::Role => &["u.role", "u.id"],
        }
    }
}

/// Keys of a video's comment threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentSort {
    CreatedAt,
    TotalReplies,
    Id,
}

impl SortKey for CommentSort {
    const KEYS: &'static [(&'static str, Self)] = &[
        ("createdAt", CommentSort::CreatedAt),
        ("totalReplies", CommentSort::TotalReplies),
    ];
    fn columns(self) -> &'static [&'static str] {
        match self {
            CommentSort::CreatedAt => &["cm.created_at", "cm.id"],
            CommentSort::TotalReplies => &["total_replies", "cm.id"],
            CommentSort::Id => &["cm.id"],
        }
    }
}

/// Keys of the playlist lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaylistSort {
    Id,
    DisplayName,
    CreatedAt,
    UpdatedAt,
    ChannelPosition,
}

impl SortKey for PlaylistSort {
    const KEYS: &'static [(&'static str, Self)] = &[
        ("id", PlaylistSort::Id),
        ("displayName", PlaylistSort::DisplayName),
        ("createdAt", PlaylistSort::CreatedAt),
        ("updatedAt", PlaylistSort::UpdatedAt),
        ("videoChannelPosition", PlaylistSort::ChannelPosition),
    ];
    fn columns(self) -> &'static [&'static str] {
        match self {
            PlaylistSort::Id => &["p.id"],
            PlaylistSort::DisplayName => &["p.name", "p.id"],
            PlaylistSort::CreatedAt => &["p.created_at", "p.id"],
            PlaylistSort::UpdatedAt => &["p.updated_at", "p.id"],
            PlaylistSort::ChannelPosition => &["p.channel_position", "p.id"],
        }
    }
}

/// Lists that accept `sort=createdAt` only, and are listed in creation order (follows,
/// subscriptions, abuses, jobs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreatedAtSort {
    CreatedAt,
}

impl SortKey for CreatedAtSort {
    const KEYS: &'static [(&'static str, Self)] = &[("createdAt", CreatedAtSort::CreatedAt)];
    fn columns(self) -> &'static [&'static str] {
        &["id"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_peertube_names_and_writes_order_by() {
        let s = Sort::<VideoSort>::parse("-publishedAt");
        assert_eq!(s, Some(Sort::desc(VideoSort::PublishedAt)));
        assert_eq!(
            s.map(|s| s.order_by()).as_deref(),
            Some("v.published_at DESC, v.id DESC")
        );
        assert_eq!(Sort::<VideoSort>::parse("v.id; DROP TABLE videos"), None);
        assert_eq!(
            Sort::<UserSort>::parse("role"),
            Some(Sort::asc(UserSort::Role))
        );
        assert_eq!(
            Sort::<VideoSort>::parse("id"),
            None,
            "internal keys are not PeerTube's"
        );
    }
}
