-- The in-process scheduler's table (adapter/local.Scheduler over sqlstore.ScheduleStore): each
-- schedule with its next run. Replicas sharing the database claim a run by moving next_run_at
-- forward in one conditional UPDATE, so one occurrence fires once. Temporal deployments keep
-- schedules in Temporal and leave this table empty.

-- +goose Up
CREATE TABLE schedule_runtime (
    id           uuid PRIMARY KEY,
    owner_id     uuid NOT NULL,
    companion_id uuid NOT NULL,
    cron         text NOT NULL,
    time_zone    text NOT NULL,
    instruction  text NOT NULL,
    enabled      boolean NOT NULL,
    -- Bumped by every put, so that a claim made on an older version fails.
    revision     bigint NOT NULL DEFAULT 1,
    -- NULL while disabled: never due.
    next_run_at  timestamptz,
    last_run_at  timestamptz,
    run_count    bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX schedule_runtime_due_idx ON schedule_runtime (next_run_at, id) WHERE next_run_at IS NOT NULL;

-- +goose Down
DROP TABLE schedule_runtime;
