-- +goose Up
-- Group-chat rooms: their people (the owner and members), their companions in order, and
-- single-use invitations (only a code's hash is kept; a used one is deleted).
CREATE TABLE rooms (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    strategy    TEXT NOT NULL CHECK (strategy IN ('natural', 'list', 'manual')),
    max_replies INTEGER NOT NULL,
    auto_rounds INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE TABLE room_people (
    room_id   TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    joined_at TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id)
) STRICT;
CREATE INDEX room_people_user ON room_people (user_id);
CREATE TABLE room_companions (
    room_id      TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    companion_id TEXT NOT NULL REFERENCES companions (id) ON DELETE CASCADE,
    added_by     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    added_at     TEXT NOT NULL,
    PRIMARY KEY (room_id, companion_id)
) STRICT;
CREATE INDEX room_companions_companion ON room_companions (companion_id);
CREATE TABLE room_invites (
    id         TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    created_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX room_invites_room ON room_invites (room_id);

-- +goose Down
DROP TABLE room_invites;
DROP TABLE room_companions;
DROP TABLE room_people;
DROP TABLE rooms;
