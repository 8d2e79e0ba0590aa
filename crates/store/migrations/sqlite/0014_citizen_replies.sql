-- tepat schema 14 (SQLite): the officer's answer to a citizen's proposal or objection (docs/citizen.md,
-- "Answers"). The PostgreSQL twin is ../postgres/0014_citizen_replies.sql.

-- One answer per submission, ever: the primary key (a submission's village never changes) makes
-- closing twice impossible. The reply text is sealed (JSON, bound to table, column and submission id)
-- because officers may name people in it.
-- `submitted_at` copies the submission's time so the officers' list finds the answers of what it shows.
CREATE TABLE intake_reply (
    village_code   TEXT NOT NULL REFERENCES region (code),
    id             BLOB NOT NULL,                   -- intake_tip.id or intake_objection.id
    kind           TEXT NOT NULL CHECK (kind IN ('tip', 'objection')),
    outcome        TEXT NOT NULL CHECK (outcome IN ('answered', 'accepted', 'rejected')),
    request_id     BLOB,                            -- the registry request, when accepted
    reply_sealed   BLOB NOT NULL,
    submitted_at   TEXT NOT NULL,
    replied_at     TEXT NOT NULL,
    CHECK ((outcome = 'accepted') = (request_id IS NOT NULL)),
    PRIMARY KEY (village_code, id)
) WITHOUT ROWID;

CREATE INDEX intake_reply_village ON intake_reply (village_code, submitted_at);

-- The citizen's status check and the officer's close find a submission by its id alone.
CREATE INDEX intake_tip_id ON intake_tip (id);
CREATE INDEX intake_objection_id ON intake_objection (id);
CREATE INDEX intake_reply_id ON intake_reply (id);
