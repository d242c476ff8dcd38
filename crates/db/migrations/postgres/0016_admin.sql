-- The administrator's tools. `admin_settings` holds what an admin changes at run time, one JSON
-- value per name: `custom_config` (the CustomConfig object PUT at /api/v1/config/custom, laid
-- over the file/env settings), `homepage` (the custom home page's markdown), `jobs_paused`
-- (every node's workers stop claiming jobs while it is true), `instance_avatars` and
-- `instance_banners` (the instance's images, as actor images are stored in migration 0010).
-- A row is absent while the default applies; `updated_at` lets nodes see a change.
CREATE TABLE admin_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The audit log: who changed what, when (PeerTube's audit.log). `username` is kept as text so
-- an entry outlives its user; `detail` is a JSON object of the changed entity's fields.
CREATE TABLE audit_logs (
    id BIGSERIAL PRIMARY KEY,
    created_at BIGINT NOT NULL,
    username TEXT,
    ip TEXT,
    domain TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_logs_created ON audit_logs(created_at);
