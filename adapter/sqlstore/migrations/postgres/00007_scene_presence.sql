-- Whether the person is physically with the companion is part of its scene: the reply prompt reads
-- it from the stored scene, and the analysis after the reply updates it. Companions stored before
-- this migration have the person talking by message.

-- +goose Up
ALTER TABLE companions ADD COLUMN scene_user_present boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE companions DROP COLUMN scene_user_present;
