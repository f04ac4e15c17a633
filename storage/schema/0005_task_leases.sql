-- Background work shared by every bot process on this database (the expiry sweep, the
-- weekly digest): whoever holds an unexpired lease runs it; a process that dies lets its
-- lease run out and another takes the task over.
CREATE TABLE task_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT,
    lease_until TEXT,
    next_run_at TEXT NOT NULL
) WITHOUT ROWID;
