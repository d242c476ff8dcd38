-- Where a local video's files live (PeerTube's `storage` of its files and playlist): 0 on this
-- node's disk, 1 in S3-compatible object storage. The move job flips it to 1 in one transaction
-- once every file is in the bucket; a new transcode (a replaced source) writes locally again
-- and sets it back to 0 until the next move. `storage_public` says whether the objects were
-- uploaded readable by anyone (`upload_acl.public`): bucket URLs are advertised only then.
ALTER TABLE videos ADD COLUMN storage INTEGER NOT NULL DEFAULT 0;
ALTER TABLE videos ADD COLUMN storage_public INTEGER NOT NULL DEFAULT 0;
