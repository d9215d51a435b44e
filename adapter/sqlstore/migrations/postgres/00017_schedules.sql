-- Companions that write first (usecase/proactive, SPEC §3.6): a person's schedules for their
-- companions, and the log of every occurrence (fired, skipped or failed, and why). Not the
-- scheduler's own table (00005 schedule_runtime), which only says when each one is next due.
--
-- A schedule is its companion's, with the companion's owner: the key on (companion_id, owner_id)
-- refuses one under anyone else's companion, and deleting the companion (or its owner, whose
-- companions go) takes its schedules. A run is its schedule's, with the schedule's owner: the key on
-- (schedule_id, owner_id) keeps the owner_id that the daily cap counts by (FiredSince) the
-- schedule's, and deleting the schedule — by hand or by those cascades — takes its runs.
--
-- (schedule_id, due) is unique: an occurrence is logged once, however often its firing is retried.
-- turn_id has no key: the run log outlives the turn it started (a chat cleared since).

-- +goose Up
CREATE TABLE schedules (
    id           uuid PRIMARY KEY,
    owner_id     uuid NOT NULL,
    companion_id uuid NOT NULL,
    preset       text NOT NULL,
    instruction  text NOT NULL,
    cron         text NOT NULL,
    time_zone    text NOT NULL,
    enabled      boolean NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT schedules_id_owner_key UNIQUE (id, owner_id),
    FOREIGN KEY (companion_id, owner_id) REFERENCES companions (id, owner_id) ON DELETE CASCADE
);
-- A companion's schedules, oldest first; it serves the companion key's cascade too.
CREATE INDEX schedules_owner_companion_idx ON schedules (owner_id, companion_id, created_at, id);

CREATE TABLE schedule_runs (
    id          uuid PRIMARY KEY,
    schedule_id uuid NOT NULL,
    owner_id    uuid NOT NULL,
    due         timestamptz NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('fired', 'skipped', 'failed')),
    reason      text NOT NULL,
    turn_id     uuid,
    at          timestamptz NOT NULL,
    CONSTRAINT schedule_runs_due_key UNIQUE (schedule_id, due),
    FOREIGN KEY (schedule_id, owner_id) REFERENCES schedules (id, owner_id) ON DELETE CASCADE
);
-- A schedule's log, newest first (keyset on at, id); it serves the schedule key's cascade too.
CREATE INDEX schedule_runs_schedule_idx ON schedule_runs (schedule_id, at DESC, id DESC);
-- The daily cap: an owner's fired runs since a time.
CREATE INDEX schedule_runs_owner_outcome_idx ON schedule_runs (owner_id, outcome, at);

-- +goose Down
DROP TABLE schedule_runs;
DROP TABLE schedules;
