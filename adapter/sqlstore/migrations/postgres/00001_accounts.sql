-- +goose Up
CREATE TABLE users (
    id                   uuid PRIMARY KEY,
    email                text NOT NULL,
    username             text NOT NULL,
    display_name         text NOT NULL,
    password_hash        text NOT NULL,
    failed_logins        integer NOT NULL DEFAULT 0,
    last_failed_login_at timestamptz,
    locked_until         timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_username_key UNIQUE (username)
);

CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    user_agent   text NOT NULL DEFAULT '',
    ip           text NOT NULL DEFAULT '',
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed-login state of identifiers that match no account (accounts keep theirs on the user row).
CREATE TABLE login_lockouts (
    key            text PRIMARY KEY,
    failures       integer NOT NULL,
    last_failed_at timestamptz NOT NULL,
    locked_until   timestamptz
);

-- Audit events outlive what they mention, so actor_id has no foreign key.
CREATE TABLE audit_events (
    id          uuid PRIMARY KEY,
    actor_id    uuid,
    action      text NOT NULL,
    resource    text NOT NULL,
    resource_id text NOT NULL DEFAULT '',
    details     jsonb NOT NULL DEFAULT '{}',
    ip          text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, created_at DESC, id DESC);

-- Rate-limit state for the PostgreSQL limiter (adapter/postgres): one theoretical arrival time per key.
CREATE TABLE rate_limits (
    key text PRIMARY KEY,
    tat timestamptz NOT NULL
);
CREATE INDEX rate_limits_tat_idx ON rate_limits (tat);

-- +goose Down
DROP TABLE rate_limits;
DROP TABLE audit_events;
DROP TABLE login_lockouts;
DROP TABLE sessions;
DROP TABLE users;
