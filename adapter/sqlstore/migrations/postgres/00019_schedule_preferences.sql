-- +goose Up
-- A person's own limits on companions writing first; NULL is the hub's.
CREATE TABLE schedule_preferences (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- HH:MM-HH:MM, or '' for never quiet.
    quiet_hours text,
    daily_cap   integer CHECK (daily_cap >= 0),
    updated_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE schedule_preferences;
