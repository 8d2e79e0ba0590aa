-- tepat schema 17 (sqlite): the transparency-ledger entries of distribution steps that have no column of
-- their own (issue 7, docs/ledger.md): a voucher's payment instruction and a returned payment's
-- reversal. Envelopes, entitlements, payments and hand-overs keep theirs in their own rows.
CREATE TABLE ledger_step (
    object_id    BLOB NOT NULL,                  -- the voucher or payment
    step         TEXT NOT NULL CHECK (step IN ('voucher_instruction', 'reversal')),
    ledger_index INTEGER NOT NULL,
    ledger_leaf  BLOB NOT NULL,
    PRIMARY KEY (object_id, step)
) WITHOUT ROWID;
