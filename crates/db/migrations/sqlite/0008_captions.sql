-- Captions, chapters and storyboards of videos (PeerTube's video_caption, video_chapter and
-- storyboard tables). A remote video's caption and storyboard keep the origin's URL
-- (`remote_url`): the file is fetched from there the first time it is asked for, under our
-- own `filename`.
CREATE TABLE video_captions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    filename TEXT NOT NULL UNIQUE,
    remote_url TEXT,
    automatically_generated BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (video_id, language)
);

CREATE TABLE video_chapters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    timecode BIGINT NOT NULL,
    title TEXT NOT NULL,
    UNIQUE (video_id, timecode)
);

CREATE TABLE video_storyboards (
    video_id BIGINT PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    filename TEXT NOT NULL UNIQUE,
    remote_url TEXT,
    total_width BIGINT NOT NULL,
    total_height BIGINT NOT NULL,
    sprite_width BIGINT NOT NULL,
    sprite_height BIGINT NOT NULL,
    sprite_duration BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
