-- Avatars (accounts, channels) and banners (channels): PeerTube's actor images. Each column holds
-- a JSON array of the sizes of one image, `[{"filename", "fileUrl", "width", "height",
-- "createdAt", "updatedAt"}]` (times in ms); a local image's files are `avatars/{filename}` or
-- `banners/{filename}` in the store and `fileUrl` is null; a remote actor's images keep their URL
-- in `fileUrl`. NULL when the actor has none.
ALTER TABLE accounts ADD COLUMN avatars TEXT;
ALTER TABLE channels ADD COLUMN avatars TEXT;
ALTER TABLE channels ADD COLUMN banners TEXT;

-- When a video's source was last replaced (PeerTube's `inputFileUpdatedAt`); NULL until then.
ALTER TABLE videos ADD COLUMN input_file_updated_at BIGINT;
