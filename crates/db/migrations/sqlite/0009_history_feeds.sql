-- Watch history (PeerTube's userVideoHistory): where a user stopped in each video, kept while
-- the user's videosHistoryEnabled switch is on; and the user's feed token (the secret of
-- /feeds/subscriptions.*, renewed by POST /api/v1/users/scoped-tokens).
ALTER TABLE users ADD COLUMN videos_history_enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN feed_token TEXT;
CREATE UNIQUE INDEX users_feed_token ON users(feed_token);

CREATE TABLE user_video_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    position_secs BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, video_id)
);
CREATE INDEX user_video_history_user ON user_video_history(user_id, updated_at);
