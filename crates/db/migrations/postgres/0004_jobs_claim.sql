-- Claiming walks (state, kind) in (priority, id) order and stops at the first runnable job.
CREATE INDEX jobs_claim ON jobs(state, kind, priority, id);
