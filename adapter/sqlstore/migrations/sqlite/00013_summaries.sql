-- The running summary of each companion's conversation: what fell out of the reply's history
-- window, told in a few paragraphs (usecase/summary). One row a companion, replaced as the
-- conversation grows; through_at/through_id is the newest message it tells of.
--
-- A summary that tells of a message that was edited, deleted, or whose shown alternative changed
-- is stale: it is no longer put into prompts, and the next summary starts over. Triggers, not the
-- repositories, mark it: messages change through edits, deletes, alternative switches and
-- cascades that no summary code sees, and a trigger marks it in the same transaction.

-- +goose Up
CREATE TABLE conversation_summaries (
    companion_id TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL,
    text         TEXT NOT NULL,
    through_at   TEXT NOT NULL,
    through_id   TEXT NOT NULL,
    messages     INTEGER NOT NULL,
    stale        INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL,
    FOREIGN KEY (companion_id, owner_id) REFERENCES companions (id, owner_id) ON DELETE CASCADE
) STRICT;

-- +goose StatementBegin
CREATE TRIGGER messages_summary_update AFTER UPDATE OF text, selected ON messages
WHEN OLD.text IS NOT NEW.text OR OLD.selected IS NOT NEW.selected BEGIN
    UPDATE conversation_summaries SET stale = 1
    WHERE companion_id = OLD.companion_id AND stale = 0 AND (through_at, through_id) >= (OLD.created_at, OLD.id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER messages_summary_delete AFTER DELETE ON messages BEGIN
    UPDATE conversation_summaries SET stale = 1
    WHERE companion_id = OLD.companion_id AND stale = 0 AND (through_at, through_id) >= (OLD.created_at, OLD.id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER messages_summary_delete;
DROP TRIGGER messages_summary_update;
DROP TABLE conversation_summaries;
