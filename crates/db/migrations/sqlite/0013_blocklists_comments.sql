-- Mutes of a user (PeerTube's account blocklist and server blocklist owned by a user's account):
-- they hide the target's videos and comments from that user only. The instance-wide blocks stay
-- in `blocked_accounts` / `blocked_servers`.
CREATE TABLE account_mutes (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_account_id)
);
CREATE TABLE server_mutes (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, host)
);

-- Comment moderation: a held comment waits for the video owner's approval; `reply_approval` is
-- the id of the ApproveReply activity that released it (ours or the origin's).
ALTER TABLE comments ADD COLUMN held_for_review BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE comments ADD COLUMN reply_approval TEXT;

-- Watched words: an account's lists, or the instance's (`account_id` NULL). `words` is a JSON
-- array of strings.
CREATE TABLE watched_words_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    list_name TEXT NOT NULL,
    words TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX watched_words_lists_account ON watched_words_lists(account_id);

-- Automatic tags of a comment, as seen by the video owner's account (`account_id`) or by the
-- instance (`account_id` NULL): each sees the core tags and the names of its own lists.
CREATE TABLE comment_auto_tags (
    comment_id BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    tag TEXT NOT NULL
);
CREATE INDEX comment_auto_tags_comment ON comment_auto_tags(comment_id);

-- An account's "hold comments carrying these tags for review" policy.
CREATE TABLE comment_auto_tag_policies (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (account_id, tag)
);
