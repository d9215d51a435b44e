-- +goose Up
-- A person's own limits on companions writing first; NULL is the hub's.
CREATE TABLE schedule_preferences (
    user_id     TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- HH:MM-HH:MM, or '' for never quiet.
    quiet_hours TEXT,
    daily_cap   INTEGER CHECK (daily_cap >= 0),
    updated_at  TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE schedule_preferences;
