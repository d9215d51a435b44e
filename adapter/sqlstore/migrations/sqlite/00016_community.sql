-- Sharing companions (usecase/community, SPEC §3.6): a companion's publication with its counters,
-- the ratings people give it, where clones came from, reports for moderators, and who confirmed
-- they are an adult.
--
-- A publication is its companion's, with the companion's owner: the key on (companion_id, owner_id)
-- refuses one under anyone else, and deleting the companion (or its owner) takes it. Ratings are
-- the publication's: withdrawing it takes them, so a companion published again starts afresh.
-- rating_count, rating_sum and rating_key (community.RatingKey: the average in thousandths, the
-- top-rated list's key) are written together, from the ratings, by the statement that follows each
-- rating in its transaction (serial: it takes the write lock when it begins); they are copies so
-- that the lists sort on an index.
--
-- companions.visibility is 'public' exactly while a publication exists (it decides whether the
-- header image is served to anyone): the store sets it in the transaction that publishes or
-- withdraws. No companion was public before this migration; any that is becomes private, so the
-- rule holds from here.
--
-- An origin may be deleted after it was cloned, and the clone still came from it: origin_id has no
-- key.

-- +goose Up
UPDATE companions SET visibility = 'private' WHERE visibility = 'public';

CREATE TABLE publications (
    companion_id      TEXT PRIMARY KEY,
    owner_id          TEXT NOT NULL,
    published_at      TEXT NOT NULL,
    allow_card_export INTEGER NOT NULL,
    view_count        INTEGER NOT NULL DEFAULT 0,
    clone_count       INTEGER NOT NULL DEFAULT 0,
    rating_count      INTEGER NOT NULL DEFAULT 0,
    rating_sum        INTEGER NOT NULL DEFAULT 0,
    rating_key        INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (companion_id, owner_id) REFERENCES companions (id, owner_id) ON DELETE CASCADE
) STRICT;
-- One index a sort, in its keyset order (the key, then the id).
CREATE INDEX publications_newest_idx ON publications (published_at DESC, companion_id DESC);
CREATE INDEX publications_popular_idx ON publications (view_count DESC, companion_id DESC);
CREATE INDEX publications_top_rated_idx ON publications (rating_key DESC, companion_id DESC);
CREATE INDEX publications_owner_idx ON publications (owner_id);

CREATE TABLE ratings (
    companion_id TEXT NOT NULL REFERENCES publications (companion_id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (companion_id, user_id)
) STRICT;
CREATE INDEX ratings_user_idx ON ratings (user_id);

CREATE TABLE companion_origins (
    clone_id  TEXT PRIMARY KEY REFERENCES companions (id) ON DELETE CASCADE,
    origin_id TEXT NOT NULL,
    cloned_at TEXT NOT NULL
) STRICT;

CREATE TABLE community_reports (
    id           TEXT PRIMARY KEY,
    companion_id TEXT NOT NULL REFERENCES companions (id) ON DELETE CASCADE,
    reporter_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason       TEXT NOT NULL,
    details      TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX community_reports_companion_idx ON community_reports (companion_id, created_at DESC, id DESC);
CREATE INDEX community_reports_reporter_idx ON community_reports (reporter_id);

CREATE TABLE adult_confirmations (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    confirmed_at TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE adult_confirmations;
DROP TABLE community_reports;
DROP TABLE companion_origins;
DROP TABLE ratings;
DROP TABLE publications;
UPDATE companions SET visibility = 'private' WHERE visibility = 'public';
