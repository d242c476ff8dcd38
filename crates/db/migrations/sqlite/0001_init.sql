-- Timestamps are Unix milliseconds (BIGINT) in both databases.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role BIGINT NOT NULL,
    video_quota BIGINT NOT NULL,
    video_quota_daily BIGINT NOT NULL,
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    blocked_reason TEXT,
    nsfw_policy TEXT NOT NULL DEFAULT 'do_not_list',
    email_verified BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    last_login_at BIGINT
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    description TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    description TEXT,
    support TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX channels_account ON channels(account_id);

CREATE TABLE oauth_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL
);

CREATE TABLE oauth_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    access_token TEXT NOT NULL UNIQUE,
    refresh_token TEXT NOT NULL UNIQUE,
    access_expires_at BIGINT NOT NULL,
    refresh_expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE videos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    support TEXT,
    category BIGINT,
    licence BIGINT,
    language TEXT,
    privacy BIGINT NOT NULL,
    nsfw BOOLEAN NOT NULL DEFAULT FALSE,
    comments_policy BIGINT NOT NULL DEFAULT 1,
    download_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    wait_transcoding BOOLEAN NOT NULL DEFAULT TRUE,
    state BIGINT NOT NULL,
    state_reason TEXT,
    duration BIGINT NOT NULL DEFAULT 0,
    aspect_ratio DOUBLE PRECISION,
    input_size BIGINT NOT NULL DEFAULT 0,
    views BIGINT NOT NULL DEFAULT 0,
    likes BIGINT NOT NULL DEFAULT 0,
    dislikes BIGINT NOT NULL DEFAULT 0,
    thumbnail_name TEXT,
    preview_name TEXT,
    source_filename TEXT,
    originally_published_at BIGINT,
    published_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX videos_channel ON videos(channel_id);
CREATE INDEX videos_published ON videos(published_at);

CREATE TABLE video_tags (
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (video_id, position)
);
CREATE INDEX video_tags_tag ON video_tags(tag);

CREATE TABLE streaming_playlists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id BIGINT NOT NULL UNIQUE REFERENCES videos(id) ON DELETE CASCADE,
    master_filename TEXT NOT NULL,
    sha256_filename TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE video_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    resolution BIGINT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    fps BIGINT NOT NULL,
    size BIGINT NOT NULL,
    filename TEXT NOT NULL,
    playlist_filename TEXT,
    has_audio BOOLEAN NOT NULL,
    has_video BOOLEAN NOT NULL,
    metadata TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (video_id, kind, resolution)
);

CREATE TABLE video_rates (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    rate TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, video_id)
);

CREATE TABLE upload_sessions (
    upload_id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    metadata TEXT NOT NULL,
    filename TEXT NOT NULL,
    mime TEXT NOT NULL,
    total_size BIGINT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    video_uuid TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    priority BIGINT NOT NULL DEFAULT 100,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    progress BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_ready ON jobs(state, run_at);
