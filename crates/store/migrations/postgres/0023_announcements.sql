-- tepat schema 23 (postgres): public announcements (*pengumuman*, issue 8 part 5, docs/information.md).
-- An officer writes them inside their region, or tepat writes one per distribution point of a released
-- envelope (its schedule). Nothing here is personal data: a schedule says how many households, not who.
CREATE TABLE announcement (
    id              UUID NOT NULL PRIMARY KEY,
    region_code     TEXT COLLATE "C",            -- plain code of any level; NULL: the whole installation
    program         TEXT COLLATE "C",            -- a program code, or NULL for every program
    title           TEXT NOT NULL,               -- Bahasa Indonesia
    body            TEXT NOT NULL,
    title_en        TEXT,                        -- English, optional
    body_en         TEXT,
    publish_at      TIMESTAMPTZ NOT NULL,        -- shown from this time on
    created_by      UUID NOT NULL,               -- the officer's account id, or the nil id for tepat itself
    created_at      TIMESTAMPTZ NOT NULL,
    source_envelope UUID,                        -- set on schedule announcements tepat wrote
    source_point    UUID,
    CHECK ((source_envelope IS NULL) = (source_point IS NULL))
);

CREATE INDEX announcement_publish ON announcement (publish_at);
CREATE UNIQUE INDEX announcement_source ON announcement (source_envelope, source_point)
    WHERE source_envelope IS NOT NULL;

-- Envelopes whose schedule was announced: once per envelope, whatever happens to its assignments later.
CREATE TABLE announced_envelope (
    envelope_id  UUID NOT NULL PRIMARY KEY,
    announced_at TIMESTAMPTZ NOT NULL
);
