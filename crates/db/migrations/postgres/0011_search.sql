-- Full-text search over videos' names, descriptions and tags (`/api/v1/search/videos` and the
-- `search` filter of the lists). One weighted tsvector per video (name A, tags B, description
-- C; the 'simple' configuration: no stemming, no stop words, as instances mix languages), kept
-- in step with `videos` and `video_tags` by triggers, under a GIN index.
CREATE TABLE video_search (
    video_id BIGINT PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    document tsvector NOT NULL
);
CREATE INDEX video_search_document ON video_search USING GIN (document);

CREATE FUNCTION video_search_refresh(vid BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO video_search (video_id, document)
    SELECT v.id,
           setweight(to_tsvector('simple', v.name), 'A')
           || setweight(to_tsvector('simple', COALESCE(
                  (SELECT string_agg(t.tag, ' ') FROM video_tags t WHERE t.video_id = v.id), '')), 'B')
           || setweight(to_tsvector('simple', COALESCE(v.description, '')), 'C')
    FROM videos v WHERE v.id = vid
    ON CONFLICT (video_id) DO UPDATE SET document = EXCLUDED.document;
$$;

CREATE FUNCTION video_search_on_video() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM video_search_refresh(NEW.id);
    RETURN NULL;
END;
$$;

CREATE FUNCTION video_search_on_tag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM video_search_refresh(OLD.video_id);
    ELSE
        PERFORM video_search_refresh(NEW.video_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER video_search_video AFTER INSERT OR UPDATE OF name, description ON videos
    FOR EACH ROW EXECUTE FUNCTION video_search_on_video();
CREATE TRIGGER video_search_tag AFTER INSERT OR DELETE ON video_tags
    FOR EACH ROW EXECUTE FUNCTION video_search_on_tag();

INSERT INTO video_search (video_id, document)
SELECT v.id,
       setweight(to_tsvector('simple', v.name), 'A')
       || setweight(to_tsvector('simple', COALESCE(
              (SELECT string_agg(t.tag, ' ') FROM video_tags t WHERE t.video_id = v.id), '')), 'B')
       || setweight(to_tsvector('simple', COALESCE(v.description, '')), 'C')
FROM videos v;
