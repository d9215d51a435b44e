-- +goose Up
-- The people who asked to be told when a companion writes to them first.
CREATE TABLE notification_optins (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE notification_optins;
