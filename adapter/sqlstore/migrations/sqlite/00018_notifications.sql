-- +goose Up
-- The people who asked to be told when a companion writes to them first.
CREATE TABLE notification_optins (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE notification_optins;
