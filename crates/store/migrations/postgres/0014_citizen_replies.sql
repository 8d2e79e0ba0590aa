-- tepat schema 14 (PostgreSQL): the officer's answer to a citizen's proposal or objection
-- (docs/citizen.md, "Answers"). The SQLite twin is ../sqlite/0014_citizen_replies.sql.

CREATE TABLE intake_reply (
    village_code   TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id             UUID NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('tip', 'objection')),
    outcome        TEXT NOT NULL CHECK (outcome IN ('answered', 'accepted', 'rejected')),
    request_id     UUID,
    reply_sealed   BYTEA NOT NULL,
    submitted_at   TIMESTAMPTZ NOT NULL,
    replied_at     TIMESTAMPTZ NOT NULL,
    CHECK ((outcome = 'accepted') = (request_id IS NOT NULL)),
    PRIMARY KEY (village_code, id)
);

CREATE INDEX intake_reply_village ON intake_reply (village_code, submitted_at);

-- The citizen's status check and the officer's close find a submission by its id alone.
CREATE INDEX intake_tip_id ON intake_tip (id);
CREATE INDEX intake_objection_id ON intake_objection (id);
CREATE INDEX intake_reply_id ON intake_reply (id);
