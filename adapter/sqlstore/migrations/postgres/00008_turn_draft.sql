-- A turn's reply, between the step that writes it and the step that saves it as a message: the
-- reply travels between steps by the turn's id, so a Temporal workflow's history never carries its
-- text (it does not grow with the reply). reply_draft_attempt is the attempt of the reply step that
-- wrote it: an earlier attempt still running after its retry began never replaces a later one's.
-- Saving the reply, or ending the turn, clears the text.

-- +goose Up
ALTER TABLE turns ADD COLUMN reply_draft text;
ALTER TABLE turns ADD COLUMN reply_draft_attempt integer;

-- +goose Down
ALTER TABLE turns DROP COLUMN reply_draft_attempt;
ALTER TABLE turns DROP COLUMN reply_draft;
