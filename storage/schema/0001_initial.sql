-- Active interviews, one per (member, place, dialog), with an optimistic version.
CREATE TABLE sessions (
    user_id    TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    dialog     TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    data       TEXT    NOT NULL CHECK (json_valid(data)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, scope, dialog)
) WITHOUT ROWID;

CREATE INDEX sessions_by_idle ON sessions (updated_at);

-- Completed interviews: the history a member sees, and what summaries count.
CREATE TABLE results (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    dialog       TEXT    NOT NULL,
    verdict      TEXT    NOT NULL,
    hybrid_shape TEXT,
    data         TEXT    NOT NULL CHECK (json_valid(data)),
    shared       INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
    created_at   TEXT    NOT NULL
);

CREATE INDEX results_by_user ON results (user_id, created_at);
CREATE INDEX results_by_scope ON results (scope, created_at);
