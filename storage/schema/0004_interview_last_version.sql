-- The last session version each interview reached, so a member's next interview in the
-- same place starts above it: versions then never repeat across a key's interviews, and
-- a button left on a message from an earlier interview (its custom_id names a version)
-- can never match the new one. The triggers keep it current; the create path in
-- storage/sqlite.py reads the highest one for the key.
ALTER TABLE interviews ADD COLUMN last_version INTEGER;

-- Interviews still in progress (or expired but not yet purged) know their version
-- exactly. For those that ended before this migration the sessions row is gone; the
-- number of steps they reached is the best bound left (each step after the first took a
-- save, so it never exceeds the last version), which still keeps the old messages'
-- first-step buttons from matching.
UPDATE interviews SET last_version = coalesce(
    (SELECT version FROM sessions WHERE sessions.interview_id = interviews.id),
    (SELECT nullif(count(*), 0) FROM interview_steps WHERE interview_steps.interview_id = interviews.id)
);

DROP TRIGGER sessions_progress_on_update;

CREATE TRIGGER sessions_progress_on_update AFTER UPDATE OF version ON sessions
WHEN NEW.interview_id IS NOT NULL
BEGIN
    UPDATE interviews
    SET outcome = NULL, ended_at = NULL, last_step = coalesce(NEW.step, last_step), last_version = NEW.version
    WHERE id = NEW.interview_id;
    INSERT OR IGNORE INTO interview_steps (interview_id, step_id, reached_at)
    SELECT NEW.interview_id, NEW.step, NEW.updated_at WHERE NEW.step IS NOT NULL;
END;

DROP TRIGGER sessions_progress_on_insert;

CREATE TRIGGER sessions_progress_on_insert AFTER INSERT ON sessions
WHEN NEW.interview_id IS NOT NULL
BEGIN
    UPDATE interviews SET last_step = coalesce(NEW.step, last_step), last_version = NEW.version
    WHERE id = NEW.interview_id;
    INSERT OR IGNORE INTO interview_steps (interview_id, step_id, reached_at)
    SELECT NEW.interview_id, NEW.step, NEW.updated_at WHERE NEW.step IS NOT NULL;
END;
