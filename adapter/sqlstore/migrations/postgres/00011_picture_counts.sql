-- How many pictures each gallery holds, kept as the pictures change, so that the total a gallery
-- page shows costs one row read however large the gallery grows (counting a companion's index
-- entries took ~18 ms at 117 000 pictures). One row per owner and companion; the nil UUID stands
-- for the pictures of no companion (made without one, or whose companion was deleted). Triggers,
-- not the repository, keep it: pictures also go and move through cascades the repository never
-- sees (a deleted user, a purged companion's files, a deleted companion). No foreign key to users:
-- a cascade deleting a user's pictures decrements rows whose user is already gone; a row that
-- reaches zero is deleted.

-- +goose Up
CREATE TABLE picture_counts (
    owner_id     uuid NOT NULL,
    companion_id uuid NOT NULL,
    n            bigint NOT NULL,
    PRIMARY KEY (owner_id, companion_id)
);

INSERT INTO picture_counts (owner_id, companion_id, n)
SELECT owner_id, COALESCE(companion_id, '00000000-0000-0000-0000-000000000000'), count(*)
FROM pictures GROUP BY 1, 2;

-- +goose StatementBegin
CREATE FUNCTION picture_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE picture_counts SET n = n - 1
        WHERE owner_id = OLD.owner_id
          AND companion_id = COALESCE(OLD.companion_id, '00000000-0000-0000-0000-000000000000');
        DELETE FROM picture_counts
        WHERE owner_id = OLD.owner_id
          AND companion_id = COALESCE(OLD.companion_id, '00000000-0000-0000-0000-000000000000')
          AND n <= 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO picture_counts (owner_id, companion_id, n)
        VALUES (NEW.owner_id, COALESCE(NEW.companion_id, '00000000-0000-0000-0000-000000000000'), 1)
        ON CONFLICT (owner_id, companion_id) DO UPDATE SET n = picture_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER pictures_count AFTER INSERT OR DELETE OR UPDATE OF owner_id, companion_id ON pictures
FOR EACH ROW EXECUTE FUNCTION picture_counts_apply();

-- +goose Down
DROP TRIGGER pictures_count ON pictures;
DROP FUNCTION picture_counts_apply();
DROP TABLE picture_counts;
