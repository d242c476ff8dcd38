-- Torrents (BitTorrent v1, web seed = the file's URL) of each file.
ALTER TABLE video_files ADD COLUMN torrent_filename TEXT;
ALTER TABLE video_files ADD COLUMN info_hash TEXT;
