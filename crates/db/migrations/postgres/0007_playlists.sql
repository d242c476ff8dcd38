-- Video playlists (PeerTube's video playlists), local and remote. A remote one has its
-- ActivityPub id in `url`; `playlist_type` 2 is a user's "Watch later" (private, one per
-- account, never federated). Elements are kept in `position` order (1, 2, ... rewritten after
-- each change); an element whose video is deleted goes with it.
CREATE TABLE video_playlists (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    url TEXT UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id BIGINT REFERENCES channels(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    privacy BIGINT NOT NULL,
    playlist_type BIGINT NOT NULL DEFAULT 1,
    thumbnail_name TEXT,
    thumbnail_url TEXT,
    channel_position BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX video_playlists_account ON video_playlists(account_id);
CREATE INDEX video_playlists_channel ON video_playlists(channel_id);

CREATE TABLE video_playlist_elements (
    id BIGSERIAL PRIMARY KEY,
    url TEXT UNIQUE,
    playlist_id BIGINT NOT NULL REFERENCES video_playlists(id) ON DELETE CASCADE,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    start_timestamp BIGINT,
    stop_timestamp BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX video_playlist_elements_playlist ON video_playlist_elements(playlist_id, position);
CREATE INDEX video_playlist_elements_video ON video_playlist_elements(video_id);
