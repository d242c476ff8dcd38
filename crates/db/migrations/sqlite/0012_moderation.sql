-- Moderation: the abuse workflow (PeerTube's predefined reasons, video timestamps, moderation
-- comment, the reporter/moderator conversation), video blocks (PeerTube's "blacklist").
--
-- `predefined_reasons` is a bit set: bit (n - 1) for PeerTube's reason id n (violentOrAbusive = 1
-- ... captions = 8), so a list filters on one reason with `&`.
-- `video_snapshot` keeps what a moderator must still see of a reported video after it is deleted
-- (`video_id` is then NULL): JSON {id, uuid, name, nsfw, channel}. `comment_snapshot` is the same
-- for a reported comment: JSON {id, threadId, text, video: {id, name, uuid}}.
ALTER TABLE abuses ADD COLUMN predefined_reasons BIGINT NOT NULL DEFAULT 0;
ALTER TABLE abuses ADD COLUMN start_at BIGINT;
ALTER TABLE abuses ADD COLUMN end_at BIGINT;
ALTER TABLE abuses ADD COLUMN moderation_comment TEXT;
ALTER TABLE abuses ADD COLUMN video_snapshot TEXT;
ALTER TABLE abuses ADD COLUMN comment_snapshot TEXT;
ALTER TABLE abuses ADD COLUMN updated_at BIGINT;
ALTER TABLE abuses ADD COLUMN processed_at BIGINT;
CREATE INDEX abuses_reporter ON abuses(reporter_account_id);
CREATE INDEX abuses_flagged ON abuses(flagged_account_id);
CREATE INDEX abuses_video ON abuses(video_id);

-- Messages between the reporter and the moderators about one report.
CREATE TABLE abuse_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    abuse_id BIGINT NOT NULL REFERENCES abuses(id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    message TEXT NOT NULL,
    by_moderator BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX abuse_messages_abuse ON abuse_messages(abuse_id);

-- Blocked videos: hidden from everyone but their owner and moderators. `unfederated`: a local
-- video whose block also sent a Delete to its followers. `block_type` 1 manual, 2 automatic.
CREATE TABLE video_blacklist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id BIGINT NOT NULL UNIQUE REFERENCES videos(id) ON DELETE CASCADE,
    reason TEXT,
    unfederated BOOLEAN NOT NULL DEFAULT FALSE,
    block_type BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
