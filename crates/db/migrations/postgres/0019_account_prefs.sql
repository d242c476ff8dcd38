-- A user's player preferences (PeerTube's p2pEnabled, autoPlayVideo and videoLanguages of
-- PUT /api/v1/users/me): video_languages is a JSON array of language codes, NULL for all.
ALTER TABLE users ADD COLUMN p2p_enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN auto_play_video BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN video_languages TEXT;
