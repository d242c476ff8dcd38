//! A user's player preferences (PeerTube's `p2pEnabled`, `autoPlayVideo`, `videoLanguages`),
//! read by `/users/me` and the pages, written by `PUT /users/me`.

use crate::macros::*;
use crate::{Db, Result};

/// What the player does for this user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPrefs {
    pub p2p_enabled: bool,
    pub auto_play_video: bool,
    /// Language codes of the videos the user wants listed; `None`: all.
    pub video_languages: Option<Vec<String>>,
}

impl Default for UserPrefs {
    fn default() -> Self {
        UserPrefs {
            p2p_enabled: true,
            auto_play_video: true,
            video_languages: None,
        }
    }
}

impl Db {
    /// The user's preferences (the defaults for an unknown user).
    pub async fn user_prefs(&self, user_id: i64) -> Result<UserPrefs> {
        let row = read_opt!(
            self,
            (bool, bool, Option<String>),
            "SELECT p2p_enabled, auto_play_video, video_languages FROM users WHERE id = $1",
            user_id
        )?;
        Ok(match row {
            Some((p2p, auto, langs)) => UserPrefs {
                p2p_enabled: p2p,
                auto_play_video: auto,
                video_languages: langs.and_then(|l| serde_json::from_str(&l).ok()),
            },
            None => UserPrefs::default(),
        })
    }

    pub async fn set_user_prefs(&self, user_id: i64, p: &UserPrefs) -> Result<()> {
        let langs = p
            .video_languages
            .as_ref()
            .map(|l| serde_json::to_string(l).unwrap_or_else(|_| "[]".into()));
        write_exec!(
            self,
            "UPDATE users SET p2p_enabled = $1, auto_play_video = $2, video_languages = $3 WHERE id = $4",
            p.p2p_enabled,
            p.auto_play_video,
            &langs,
            user_id
        )?;
        Ok(())
    }
}
