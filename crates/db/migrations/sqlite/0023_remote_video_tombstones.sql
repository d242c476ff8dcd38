-- Remote videos their origin deleted here: an activity about one of them that was delivered
-- before the Delete but applied after it (the inbox applies activities side by side) must not
-- bring it back from its embedded copy; the origin is asked instead.
CREATE TABLE remote_video_tombstones (
    url TEXT PRIMARY KEY,
    deleted_at BIGINT NOT NULL
);
