-- tepat schema 12 (postgres): the audit log read by time. Auditors ask for a period ("March"), and the log
-- grows without end, so the range is found through an index instead of walking back from the newest
-- entry. Nothing else changes: the new actions (photos, passkeys, sign-ins, citizens' submissions) are
-- codes in the existing columns. docs/registry.md, "The audit log".

CREATE INDEX audit_log_at ON audit_log (at);
