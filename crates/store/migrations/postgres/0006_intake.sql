-- tepat schema 6 (PostgreSQL): the citizens' ways in (docs/citizen.md): proposals (usulan warga) and
-- objections (sanggahan) waiting for the village operator. The SQLite twin is ../sqlite/0006_intake.sql.

CREATE TABLE intake_tip (
    village_code   TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id             UUID NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('own', 'neighbour')),
    details_sealed BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (village_code, id)
);

CREATE INDEX intake_tip_created ON intake_tip (village_code, created_at);

CREATE TABLE intake_objection (
    village_code   TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id             UUID NOT NULL,
    household_id   UUID NOT NULL,
    details_sealed BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (village_code, id)
);

CREATE INDEX intake_objection_created ON intake_objection (village_code, created_at);
