-- tepat schema 18 (sqlite): a household photo may be the photo taken when aid was handed over (kind
-- 'handover', issue 7; docs/distribution.md, "Scanning vouchers offline"). SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt as 0009_photos.sql made it, with the new kind; the rows,
-- their sealed bytes (bound to table name, column and id, which stay) and the indexes carry over.
CREATE TABLE registry_photo_new (
    village_code   TEXT NOT NULL REFERENCES region (code),
    id             BLOB NOT NULL,                   -- UUIDv7
    household_id   BLOB NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('house_front', 'floor', 'wall', 'roof', 'kitchen',
                                                 'sanitation', 'other', 'handover')),
    content_type   TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size_bytes     INTEGER NOT NULL,
    image_sealed   BLOB NOT NULL,
    taken_at       TEXT NOT NULL,
    taken_by       BLOB NOT NULL,                   -- the officer's account id
    delete_after   TEXT NOT NULL,                   -- removed by the next purge after this time
    PRIMARY KEY (village_code, id)
);

INSERT INTO registry_photo_new (village_code, id, household_id, kind, content_type, size_bytes,
                                image_sealed, taken_at, taken_by, delete_after)
SELECT village_code, id, household_id, kind, content_type, size_bytes, image_sealed, taken_at,
       taken_by, delete_after
FROM registry_photo;

DROP TABLE registry_photo;
ALTER TABLE registry_photo_new RENAME TO registry_photo;

CREATE UNIQUE INDEX registry_photo_id ON registry_photo (id);
CREATE INDEX registry_photo_household ON registry_photo (household_id);
