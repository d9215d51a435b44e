-- The stream bus's store (adapter/postgres.StreamBus): turn events kept for replay while their turn
-- is followed, and announced with NOTIFY. Rows live minutes to hours; history is in messages.

-- +goose Up
-- One row per turn with events: the sequence counter, whose row lock orders a turn's publishers, so
-- that a turn's events commit in sequence order, and the time the turn is forgotten.
CREATE TABLE turn_streams (
    turn_id    uuid PRIMARY KEY,
    last_seq   bigint NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX turn_streams_expires_idx ON turn_streams (expires_at);

-- data is text, not jsonb: the bus hands the bytes back exactly as published (jsonb would reorder
-- keys and drop whitespace and duplicates), and nothing queries inside them.
CREATE TABLE turn_events (
    turn_id    uuid NOT NULL REFERENCES turn_streams (turn_id) ON DELETE CASCADE,
    seq        bigint NOT NULL,
    attempt    integer NOT NULL,
    type       text NOT NULL,
    data       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (turn_id, seq)
);

-- +goose Down
DROP TABLE turn_events;
DROP TABLE turn_streams;
