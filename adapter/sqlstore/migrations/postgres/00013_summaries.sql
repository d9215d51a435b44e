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
    companion_id uuid PRIMARY KEY,
    owner_id     uuid NOT NULL,
    text         text NOT NULL,
    through_at   timestamptz NOT NULL,
    through_id   uuid NOT NULL,
    messages     integer NOT NULL,
    stale        boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL,
    FOREIGN KEY (companion_id, owner_id) REFERENCES companions (id, owner_id) ON DELETE CASCADE
);

-- +goose StatementBegin
CREATE FUNCTION messages_summary_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversation_summaries SET stale = true
    WHERE companion_id = OLD.companion_id AND NOT stale AND (through_at, through_id) >= (OLD.created_at, OLD.id);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER messages_summary_update AFTER UPDATE OF text, selected ON messages
FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text OR OLD.selected IS DISTINCT FROM NEW.selected)
EXECUTE FUNCTION messages_summary_stale();

CREATE TRIGGER messages_summary_delete AFTER DELETE ON messages
FOR EACH ROW EXECUTE FUNCTION messages_summary_stale();

-- +goose Down
DROP TRIGGER messages_summary_delete ON messages;
DROP TRIGGER messages_summary_update ON messages;
DROP FUNCTION messages_summary_stale();
DROP TABLE conversation_summaries;
