-- Video redundancy (PeerTube's name for mirroring): copies of a video's HLS files kept by
-- another instance, announced with a CacheFile activity.

-- Followed instances whose videos an administrator allows us to mirror (PeerTube's
-- `server.redundancyAllowed`, switched by PUT /api/v1/server/redundancy/{host}).
CREATE TABLE redundancy_hosts (
    host TEXT PRIMARY KEY,
    allowed_at BIGINT NOT NULL
);

-- Every live copy we know of: ours of remote videos (`local`: the files are under
-- redundancy/hls/{uuid} in our store, `strategy` says why we keep it), and other instances'
-- copies of any video we know (announced to us). `url` is the CacheFile's id, `file_url` the
-- folder the copy's files are served from (the origin's file names below it). A row exists only
-- once the copy is whole: a mirror job writes it after its files are in place.
CREATE TABLE video_redundancies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    actor_id BIGINT NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    local BOOLEAN NOT NULL,
    url TEXT NOT NULL UNIQUE,
    file_url TEXT NOT NULL,
    strategy TEXT,
    size BIGINT NOT NULL DEFAULT 0,
    -- NULL: kept until removed by hand (a manual copy).
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (video_id, actor_id)
);
CREATE INDEX video_redundancies_video ON video_redundancies(video_id);
CREATE INDEX video_redundancies_local ON video_redundancies(local, strategy);
