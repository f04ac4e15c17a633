-- The step a session is on, kept beside its JSON, so the database records progress
-- (the interview's last step and the steps it reached) itself. A save is then one
-- statement, which lets many members' saves share one commit.
ALTER TABLE sessions ADD COLUMN step TEXT;

CREATE TRIGGER sessions_progress_on_update AFTER UPDATE OF version ON sessions
WHEN NEW.interview_id IS NOT NULL
BEGIN
    UPDATE interviews SET outcome = NULL, ended_at = NULL, last_step = coalesce(NEW.step, last_step)
    WHERE id = NEW.interview_id;
    INSERT OR IGNORE INTO interview_steps (interview_id, step_id, reached_at)
    SELECT NEW.interview_id, NEW.step, NEW.updated_at WHERE NEW.step IS NOT NULL;
END;

CREATE TRIGGER sessions_progress_on_insert AFTER INSERT ON sessions
WHEN NEW.interview_id IS NOT NULL
BEGIN
    UPDATE interviews SET last_step = coalesce(NEW.step, last_step) WHERE id = NEW.interview_id;
    INSERT OR IGNORE INTO interview_steps (interview_id, step_id, reached_at)
    SELECT NEW.interview_id, NEW.step, NEW.updated_at WHERE NEW.step IS NOT NULL;
END;
