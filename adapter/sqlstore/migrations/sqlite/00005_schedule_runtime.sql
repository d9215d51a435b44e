-- The in-process scheduler's table (adapter/local.Scheduler over sqlstore.ScheduleStore): each
-- schedule with its next run. Replicas sharing the database claim a run by moving next_run_at
-- forward in one conditional UPDATE, so one occurrence fires once. Temporal deployments keep
-- schedules in Temporal and leave this table empty.

-- +goose Up
CREATE TABLE schedule_runtime (
    id           TEXT PRIMARY KEY,
    owner_id     TEXT NOT NULL,
    companion_id TEXT NOT NULL,
    cron         TEXT NOT NULL,
    time_zone    TEXT NOT NULL,
    instruction  TEXT NOT NULL,
    enabled      INTEGER NOT NULL,
    -- Bumped by every put, so that a claim made on an older version fails.
    revision     INTEGER NOT NULL DEFAULT 1,
    -- NULL while disabled: never due.
    next_run_at  TEXT,
    last_run_at  TEXT,
    run_count    INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX schedule_runtime_due_idx ON schedule_runtime (next_run_at, id) WHERE next_run_at IS NOT NULL;

-- +goose Down
DROP TABLE schedule_runtime;
