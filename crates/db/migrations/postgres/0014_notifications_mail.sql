-- Notifications (PeerTube's userNotification): what happened for one user, with its PeerTube
-- type number and the JSON objects it shows (video, comment, account, actorFollow, abuse,
-- registration) frozen when it was made, so a list is one indexed read.
CREATE TABLE user_notifications (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type BIGINT NOT NULL,
    payload TEXT NOT NULL,
    read BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX user_notifications_user ON user_notifications(user_id, read, created_at);

-- Each user's notification settings (PeerTube's UserNotificationSetting, a bit mask per kind:
-- 1 web, 2 e-mail) as one JSON object; no row means PeerTube's defaults.
CREATE TABLE user_notification_settings (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    settings TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One-time secrets mailed to a user (password reset, e-mail verification): the SHA-256 of the
-- secret, one per purpose (asking again replaces it), used once, until it expires.
CREATE TABLE user_secrets (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, purpose)
);

-- Videos whose publication was told to their subscribers: once, however many activities
-- (Create, then Updates) bring the video; written in the notifications' own transaction.
CREATE TABLE video_publication_notices (
    video_id BIGINT PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
