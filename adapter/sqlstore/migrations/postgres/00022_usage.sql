-- +goose Up
-- What providers did for whom, per UTC day ("2006-01-02"): amounts are added up by the hub's meter.
-- user_id and companion_id are '' for the hub's own work; they are not keys to their tables, so
-- counting never waits on them (erasing a person deletes their rows by name).
CREATE TABLE usage_daily (
    day          text NOT NULL,
    user_id      text NOT NULL,
    companion_id text NOT NULL,
    kind         text NOT NULL,
    provider     text NOT NULL,
    model        text NOT NULL,
    amount       bigint NOT NULL,
    PRIMARY KEY (user_id, day, companion_id, kind, provider, model)
);
CREATE INDEX usage_daily_day ON usage_daily (day);

-- A person's daily quotas where they differ from the hub's (NULL: the hub's default; 0: no limit).
CREATE TABLE usage_quotas (
    user_id  uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tokens   bigint,
    pictures bigint,
    speech   bigint
);

-- +goose Down
DROP TABLE usage_quotas;
DROP TABLE usage_daily;
