-- +goose Up
-- Group-chat rooms: their people (the owner and members), their companions in order, and
-- single-use invitations (only a code's hash is kept; a used one is deleted).
CREATE TABLE rooms (
    id          uuid PRIMARY KEY,
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       text NOT NULL,
    strategy    text NOT NULL CHECK (strategy IN ('natural', 'list', 'manual')),
    max_replies integer NOT NULL,
    auto_rounds integer NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE TABLE room_people (
    room_id   uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      text NOT NULL CHECK (role IN ('owner', 'member')),
    joined_at timestamptz NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_people_user ON room_people (user_id);
CREATE TABLE room_companions (
    room_id      uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    companion_id uuid NOT NULL REFERENCES companions (id) ON DELETE CASCADE,
    added_by     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position     integer NOT NULL,
    added_at     timestamptz NOT NULL,
    PRIMARY KEY (room_id, companion_id)
);
CREATE INDEX room_companions_companion ON room_companions (companion_id);
CREATE TABLE room_invites (
    id         uuid PRIMARY KEY,
    room_id    uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    created_by uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX room_invites_room ON room_invites (room_id);

-- +goose Down
DROP TABLE room_invites;
DROP TABLE room_companions;
DROP TABLE room_people;
DROP TABLE rooms;
