-- Claiming walks (state, kind) in (priority, id) order and stops at the first runnable job:
-- with jobs_ready alone, every claim read and sorted the whole backlog (~3 ms with 5000 waiting).
CREATE INDEX jobs_claim ON jobs(state, kind, priority, id);
