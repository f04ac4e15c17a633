-- One row per interview started, for counts and drop-off; no answers are kept here.
CREATE TABLE interviews (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL,
    scope      TEXT NOT NULL,
    dialog     TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at   TEXT,
    outcome    TEXT CHECK (outcome IN ('completed', 'cancelled', 'restarted', 'expired')),
    last_step  TEXT
);

CREATE INDEX interviews_by_scope ON interviews (scope, started_at);
CREATE INDEX interviews_by_user ON interviews (user_id);

-- The steps each interview reached, once each.
CREATE TABLE interview_steps (
    interview_id INTEGER NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    step_id      TEXT    NOT NULL,
    reached_at   TEXT    NOT NULL,
    PRIMARY KEY (interview_id, step_id)
) WITHOUT ROWID;

-- An idle interview is marked expired rather than deleted, so its member can resume it
-- within the grace period; the member is told once.
ALTER TABLE sessions ADD COLUMN interview_id INTEGER REFERENCES interviews (id) ON DELETE SET NULL;
ALTER TABLE sessions ADD COLUMN expired_at TEXT;
ALTER TABLE sessions ADD COLUMN expiry_noticed INTEGER NOT NULL DEFAULT 0 CHECK (expiry_noticed IN (0, 1));

-- Per-server settings chosen by its staff.
CREATE TABLE guild_settings (
    guild_id               TEXT PRIMARY KEY,
    results_channel_id     TEXT,
    interviews_in_channels INTEGER NOT NULL DEFAULT 1 CHECK (interviews_in_channels IN (0, 1)),
    session_expiry_days    REAL CHECK (session_expiry_days > 0),
    check_cooldown_seconds REAL CHECK (check_cooldown_seconds >= 0),
    digest_enabled         INTEGER NOT NULL DEFAULT 0 CHECK (digest_enabled IN (0, 1)),
    digest_next_at         TEXT,
    updated_at             TEXT NOT NULL
) WITHOUT ROWID;
