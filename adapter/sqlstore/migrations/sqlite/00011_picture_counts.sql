-- How many pictures each gallery holds, kept as the pictures change, so that the total a gallery
-- page shows costs one row read however large the gallery grows. One row per owner and companion;
-- '' stands for the pictures of no companion (made without one, or whose companion was deleted).
-- Triggers, not the repository, keep it: pictures also go and move through cascades the
-- repository never sees (a deleted user, a purged companion's files, a deleted companion). No
-- foreign key to users: a cascade deleting a user's pictures decrements rows whose user is already
-- gone; a row that reaches zero is deleted.

-- +goose Up
CREATE TABLE picture_counts (
    owner_id     TEXT NOT NULL,
    companion_id TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (owner_id, companion_id)
) STRICT, WITHOUT ROWID;

INSERT INTO picture_counts (owner_id, companion_id, n)
SELECT owner_id, COALESCE(companion_id, ''), count(*) FROM pictures GROUP BY 1, 2;

-- +goose StatementBegin
CREATE TRIGGER pictures_count_insert AFTER INSERT ON pictures BEGIN
    INSERT INTO picture_counts (owner_id, companion_id, n) VALUES (NEW.owner_id, COALESCE(NEW.companion_id, ''), 1)
    ON CONFLICT (owner_id, companion_id) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER pictures_count_delete AFTER DELETE ON pictures BEGIN
    UPDATE picture_counts SET n = n - 1 WHERE owner_id = OLD.owner_id AND companion_id = COALESCE(OLD.companion_id, '');
    DELETE FROM picture_counts WHERE owner_id = OLD.owner_id AND companion_id = COALESCE(OLD.companion_id, '') AND n <= 0;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER pictures_count_update AFTER UPDATE OF owner_id, companion_id ON pictures BEGIN
    UPDATE picture_counts SET n = n - 1 WHERE owner_id = OLD.owner_id AND companion_id = COALESCE(OLD.companion_id, '');
    DELETE FROM picture_counts WHERE owner_id = OLD.owner_id AND companion_id = COALESCE(OLD.companion_id, '') AND n <= 0;
    INSERT INTO picture_counts (owner_id, companion_id, n) VALUES (NEW.owner_id, COALESCE(NEW.companion_id, ''), 1)
    ON CONFLICT (owner_id, companion_id) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER pictures_count_update;
DROP TRIGGER pictures_count_delete;
DROP TRIGGER pictures_count_insert;
DROP TABLE picture_counts;
