-- One row per quick check run in a place, so staff can see how much it is used. No member
-- and no description: a quick check's text is never stored.
CREATE TABLE quick_checks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    scope      TEXT NOT NULL,
    checked_at TEXT NOT NULL
);

CREATE INDEX quick_checks_by_scope ON quick_checks (scope, checked_at);
