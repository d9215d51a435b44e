-- A turn's reply, between the step that writes it and the step that saves it as a message: the
-- reply travels between steps by the turn's id, so a Temporal workflow's history never carries its
-- text (it does not grow with the reply). Saving the reply, or ending the turn, clears it.

-- +goose Up
ALTER TABLE turns ADD COLUMN reply_draft text;

-- +goose Down
ALTER TABLE turns DROP COLUMN reply_draft;
