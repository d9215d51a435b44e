-- A companion's settings (auto-image, voice, memory, DeepThink): what the original app kept in the
-- browser, per browser, the hub keeps with the companion. One column each rather than one JSON
-- text: four fixed booleans read with every companion (the turn's context included), where a
-- column has the database check its type, gives existing rows their default in the ALTER itself,
-- and needs no decoding that stored text could fail; a setting added later is one more column, no
-- dearer than a JSON key. Existing companions get the defaults: they remember, and pictures, voice
-- and DeepThink wait to be asked for.

-- +goose Up
ALTER TABLE companions ADD COLUMN setting_auto_image boolean NOT NULL DEFAULT false;
ALTER TABLE companions ADD COLUMN setting_voice boolean NOT NULL DEFAULT false;
ALTER TABLE companions ADD COLUMN setting_memory boolean NOT NULL DEFAULT true;
ALTER TABLE companions ADD COLUMN setting_deep_think boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE companions DROP COLUMN setting_deep_think;
ALTER TABLE companions DROP COLUMN setting_memory;
ALTER TABLE companions DROP COLUMN setting_voice;
ALTER TABLE companions DROP COLUMN setting_auto_image;
