-- Shares: the Announces of a video (PeerTube's video shares), received from remote actors and
-- sent by our channels and instance actor. One per actor and video; `url` is the Announce's id
-- (what an Undo{Announce} names). The video's `shares` collection counts them.
CREATE TABLE video_shares (
    id BIGSERIAL PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    actor_id BIGINT NOT NULL REFERENCES actors(id) ON DELETE CASCADE,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    UNIQUE (actor_id, video_id)
);
CREATE INDEX video_shares_video ON video_shares(video_id);

