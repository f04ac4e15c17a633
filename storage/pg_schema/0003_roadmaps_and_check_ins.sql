-- A roadmap is the member's checklist: each result keeps the state of its steps (step id
-- to "doing", "done" or "skipped"; a step not named is still to do) and a version, so a
-- stale or double click on a step changes nothing.
ALTER TABLE results ADD COLUMN progress json NOT NULL DEFAULT '{}';
ALTER TABLE results ADD COLUMN progress_version integer NOT NULL DEFAULT 0;

-- Staff may turn check-ins off for their server.
ALTER TABLE guild_settings ADD COLUMN check_ins_enabled boolean NOT NULL DEFAULT true;

-- The check-ins a member asked for: one schedule per member, about their latest result.
-- next_at is when the next one is due while they run; once they stop, stopped says why
-- (the member chose so, Discord refused the message, the roadmap was finished, or the
-- server turned check-ins off), so a refused message is recorded and never retried.
CREATE TABLE check_ins (
    user_id    text        PRIMARY KEY,
    every_days integer     NOT NULL CHECK (every_days > 0),
    lang       text        NOT NULL,
    next_at    timestamptz,
    stopped    text        CHECK (stopped IN ('member', 'refused', 'finished', 'server')),
    sent       integer     NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL,
    CHECK ((next_at IS NULL) = (stopped IS NOT NULL))
);

CREATE INDEX check_ins_due ON check_ins (next_at) WHERE next_at IS NOT NULL;
