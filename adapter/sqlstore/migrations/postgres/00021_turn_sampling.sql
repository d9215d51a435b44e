-- +goose Up
-- What a client asked of a reply's generation (JSON: max_tokens, temperature, top_p, stop); NULL: nothing.
ALTER TABLE turns ADD COLUMN sampling jsonb;

-- +goose Down
ALTER TABLE turns DROP COLUMN sampling;
