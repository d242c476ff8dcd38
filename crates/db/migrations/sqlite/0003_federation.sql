-- Federation. Remote accounts and channels live in `accounts` / `channels` beside local ones:
-- `name` holds the instance-wide handle ("root" here, "root@peertube.example" for a remote one),
-- so its UNIQUE constraint and every lookup by handle work unchanged; `host` is NULL when local.
ALTER TABLE accounts ADD COLUMN host TEXT;
ALTER TABLE channels ADD COLUMN host TEXT;

-- ActivityPub actors, local (keys generated on first use) and remote (fetched and cached).
CREATE TABLE actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    username TEXT NOT NULL,
    host TEXT,
    account_id BIGINT UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id BIGINT UNIQUE REFERENCES channels(id) ON DELETE CASCADE,
    inbox_url TEXT NOT NULL,
    shared_inbox_url TEXT,
    outbox_url TEXT,
    followers_url TEXT,
    public_key_pem TEXT,
    private_key_pem TEXT,
    fetched_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX actors_host ON actors(host);

CREATE TABLE follows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    follower_id BIGINT NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    following_id BIGINT NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    activity_url TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (follower_id, following_id)
);
CREATE INDEX follows_following ON follows(following_id, state);

-- Remote videos: their ActivityPub id and the absolute URLs of their media (played from the origin).
ALTER TABLE videos ADD COLUMN url TEXT;
ALTER TABLE videos ADD COLUMN thumbnail_url TEXT;
ALTER TABLE videos ADD COLUMN preview_url TEXT;
ALTER TABLE videos ADD COLUMN fetched_at BIGINT;
CREATE UNIQUE INDEX videos_url ON videos(url);
ALTER TABLE streaming_playlists ADD COLUMN playlist_url TEXT;
ALTER TABLE streaming_playlists ADD COLUMN segments_sha256_url TEXT;
ALTER TABLE video_files ADD COLUMN file_url TEXT;
ALTER TABLE video_files ADD COLUMN torrent_url TEXT;
ALTER TABLE video_files ADD COLUMN magnet_uri TEXT;

-- Comments, local and remote; `url` is NULL for local ones (derived from the id).
CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT UNIQUE,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    thread_id BIGINT,
    in_reply_to_id BIGINT,
    text TEXT NOT NULL,
    deleted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX comments_video ON comments(video_id, thread_id);

-- Activity ids already accepted at the inbox: a redelivery is acknowledged and dropped.
CREATE TABLE inbox_seen (
    activity_id TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);

-- Delivery health per remote host: consecutive failures park a host instead of stalling others.
CREATE TABLE remote_hosts (
    host TEXT PRIMARY KEY,
    failures BIGINT NOT NULL DEFAULT 0,
    first_failed_at BIGINT,
    unreachable_until BIGINT
);

-- The instance's blocklists (PeerTube's /api/v1/server/blocklist).
CREATE TABLE blocked_servers (
    host TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE TABLE blocked_accounts (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

-- Abuse reports, local or received as Flag.
CREATE TABLE abuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT UNIQUE,
    reporter_account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    video_id BIGINT REFERENCES videos(id) ON DELETE SET NULL,
    comment_id BIGINT REFERENCES comments(id) ON DELETE SET NULL,
    flagged_account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    state BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);
