-- Account safety: two-factor sign-in, token sessions, registration requests, video passwords.

-- TOTP secret (base32) once two-factor sign-in is confirmed; NULL when disabled. Never shown
-- again after the request that made it. `otp_last_step` is the 30 s step of the last accepted
-- code, so a code cannot be used twice.
ALTER TABLE users ADD COLUMN otp_secret TEXT;
ALTER TABLE users ADD COLUMN otp_last_step BIGINT;

-- A pending two-factor request (PeerTube keeps it in Redis for 10 minutes).
CREATE TABLE two_factor_requests (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    request_token TEXT NOT NULL,
    otp_secret TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, request_token)
);

-- Token sessions: where and with what a token was obtained and last used.
ALTER TABLE oauth_tokens ADD COLUMN login_device TEXT;
ALTER TABLE oauth_tokens ADD COLUMN login_ip TEXT;
ALTER TABLE oauth_tokens ADD COLUMN login_at BIGINT;
ALTER TABLE oauth_tokens ADD COLUMN last_activity_device TEXT;
ALTER TABLE oauth_tokens ADD COLUMN last_activity_ip TEXT;
ALTER TABLE oauth_tokens ADD COLUMN last_activity_at BIGINT;
CREATE INDEX oauth_tokens_user ON oauth_tokens(user_id);

-- Registration requests (signup.requires_approval). state: 1 pending, 2 rejected, 3 accepted.
CREATE TABLE user_registrations (
    id BIGSERIAL PRIMARY KEY,
    state BIGINT NOT NULL,
    registration_reason TEXT NOT NULL,
    moderation_response TEXT,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    email_verified BOOLEAN,
    password_hash TEXT NOT NULL,
    account_display_name TEXT,
    channel_handle TEXT UNIQUE,
    channel_display_name TEXT,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    processed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Passwords of password-protected videos (privacy 5). PeerTube stores them as given: the owner
-- reads them back to share them.
CREATE TABLE video_passwords (
    id BIGSERIAL PRIMARY KEY,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    password TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (video_id, password)
);
