//! Comment moderation as PeerTube 7 does it: automatic tags (`external-link`, and the name of
//! every watched-words list a comment matches, as the instance and as the video's owner see it)
//! and the decision to hold a new comment for the owner's approval (the video requires
//! approval, or the owner's policy reviews one of the comment's tags).

use crate::{Instance, Result};
use ferrotube_db::blocklists::WatchedWordsRow;
use ferrotube_db::users::UserRow;
use ferrotube_db::videos::VideoRow;
use ferrotube_model::{CommentsPolicy, UserRole};

/// The core tag of a comment that carries a link.
pub const EXTERNAL_LINK: &str = "external-link";

/// Whether the text links somewhere (a URL with a scheme or a `www.` host).
fn has_link(lower: &str) -> bool {
    lower.contains("http://")
        || lower.contains("https://")
        || lower
            .match_indices("www.")
            .any(|(i, _)| !char_before(lower, i).is_some_and(char::is_alphanumeric))
}

/// The character that ends `s[..i]` (`i` is a match boundary, so always a char boundary).
fn char_before(s: &str, i: usize) -> Option<char> {
    s.get(..i).and_then(|b| b.chars().next_back())
}

/// Whether `word` (lowercase, maybe several words) occurs in `lower` as whole words: the
/// characters around it are not letters or digits.
fn contains_word(lower: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    lower.match_indices(word).any(|(i, m)| {
        let after = lower.get(i + m.len()..).and_then(|a| a.chars().next());
        !char_before(lower, i).is_some_and(char::is_alphanumeric)
            && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The automatic tags of `text` for the owner of `lists`: the core ones, then the names of the
/// lists it matches, each once.
pub fn auto_tags(text: &str, lists: &[WatchedWordsRow]) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut tags = Vec::new();
    if has_link(&lower) {
        tags.push(EXTERNAL_LINK.to_string());
    }
    for l in lists {
        let matches = l
            .words()
            .iter()
            .any(|w| contains_word(&lower, &w.to_lowercase()));
        if matches && !tags.contains(&l.list_name) {
            tags.push(l.list_name.clone());
        }
    }
    tags
}

/// What moderation decided for a new comment, to record once it has an id.
#[derive(Debug, Clone)]
pub struct NewCommentModeration {
    pub held: bool,
    server_tags: Vec<String>,
    /// The local video owner's account and the tags it sees.
    owner_tags: Option<(i64, Vec<String>)>,
}

impl NewCommentModeration {
    /// Stores the comment's automatic tags.
    pub async fn record(&self, state: &Instance, comment_id: i64) -> Result<()> {
        state
            .db
            .set_comment_auto_tags(comment_id, None, &self.server_tags)
            .await?;
        if let Some((owner, tags)) = &self.owner_tags {
            state
                .db
                .set_comment_auto_tags(comment_id, Some(*owner), tags)
                .await?;
        }
        Ok(())
    }
}

/// Tags a new comment and decides whether it is held. `author` is the local user who writes it
/// (`None` for a remote author). As PeerTube: on our videos, moderators and the owner are never
/// held; a video requiring approval holds everyone else's (on a remote video too: our user's
/// comment waits for the origin's ApproveReply); on our videos, a tag the owner reviews holds it.
/// A remote comment on a remote video is never held here: its origin decides.
pub async fn moderate_new_comment(
    state: &Instance,
    author: Option<&UserRow>,
    video: &VideoRow,
    text: &str,
) -> Result<NewCommentModeration> {
    let server_tags = auto_tags(text, &state.db.watched_words_lists(None).await?);
    let owner_tags = if video.is_local() {
        let lists = state.db.watched_words_lists(Some(video.account_id)).await?;
        Some((video.account_id, auto_tags(text, &lists)))
    } else {
        None
    };
    // A remote comment on a remote video, or one by a moderator or the owner on our video.
    let exempt = (author.is_none() && !video.is_local())
        || (video.is_local()
            && author.is_some_and(|u| {
                u.role <= UserRole::Moderator || u.account_id == video.account_id
            }));
    let held = if exempt {
        false
    } else if CommentsPolicy::from_id(video.comments_policy)
        == Some(CommentsPolicy::RequiresApproval)
    {
        true
    } else if let Some((owner, tags)) = owner_tags.as_ref().filter(|(_, t)| !t.is_empty()) {
        let review = state.db.auto_tag_review_policy(*owner).await?;
        tags.iter().any(|t| review.contains(t))
    } else {
        false
    };
    Ok(NewCommentModeration {
        held,
        server_tags,
        owner_tags,
    })
}

/// The tags that can be given, to filter comments or hold them: the core ones and the names of
/// the account's (or, `None`, the instance's) watched-words lists.
pub async fn available_tags(
    state: &Instance,
    account_id: Option<i64>,
) -> Result<Vec<(String, &'static str)>> {
    let mut out = vec![(EXTERNAL_LINK.to_string(), "core")];
    for l in state.db.watched_words_lists(account_id).await? {
        if !out.iter().any(|(n, _)| *n == l.list_name) {
            out.push((l.list_name, "watched-words-list"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(name: &str, words: &[&str]) -> WatchedWordsRow {
        WatchedWordsRow {
            id: 1,
            account_id: None,
            list_name: name.into(),
            words: serde_json::to_string(words).unwrap_or_default(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn tags_links_and_whole_words() {
        let lists = [list("rude", &["bad word", "ugly"]), list("spam", &["buy"])];
        assert_eq!(auto_tags("nice video", &lists), Vec::<String>::new());
        assert_eq!(
            auto_tags("see https://example.com, UGLY!", &lists),
            vec!["external-link", "rude"]
        );
        // Inside a longer word it is not the word.
        assert_eq!(auto_tags("buyer beware", &lists), Vec::<String>::new());
        assert_eq!(
            auto_tags("a Bad Word; buy now", &lists),
            vec!["rude", "spam"]
        );
        assert_eq!(
            auto_tags("go to www.example.org", &lists),
            vec!["external-link"]
        );
        assert_eq!(auto_tags("awww.", &lists), Vec::<String>::new());
    }
}
