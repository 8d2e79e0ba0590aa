//! The registry's and the audit log's SQL, shared by both backends (`$n` placeholders, which sqlx binds
//! by number on SQLite too). Region ranges are half-open `[from, to)` over plain codes (see `crate::sql`).

pub(crate) const AUDIT_BUMP: &str =
    "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash";

pub(crate) const AUDIT_SET_HASH: &str = "UPDATE audit_head SET hash = $1 WHERE id = 1";

pub(crate) const AUDIT_HEAD: &str = "SELECT seq, hash FROM audit_head WHERE id = 1";

pub(crate) const AUDIT_INSERT: &str = "INSERT INTO audit_log (seq, at, actor_user, actor_role, \
     action, object_kind, object_id, region_code, purpose, client, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

pub(crate) const AUDIT_COLUMNS: &str =
    "SELECT seq, at, actor_user, actor_role, action, object_kind, \
     object_id, region_code, purpose, client, hash FROM audit_log";

/// Rows per page when the whole chain is verified.
pub(crate) const AUDIT_PAGE: i64 = 10_000;

pub(crate) const AUDIT_PAGE_AFTER: &str = "SELECT seq, at, actor_user, actor_role, action, \
     object_kind, object_id, region_code, purpose, client, hash FROM audit_log \
     WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3";

pub(crate) const REQUEST_INSERT: &str = "INSERT INTO registry_request (village_code, id, \
     household_id, kind, stage, submission_sealed, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Moves a request on only if it is still at the stage it was read at (`$6`).
pub(crate) const REQUEST_ADVANCE: &str =
    "UPDATE registry_request SET stage = $3, updated_at = $4, \
     submission_sealed = COALESCE($5, submission_sealed) \
     WHERE village_code = $1 AND id = $2 AND stage = $6";

pub(crate) const REQUEST_BY_ID: &str = "SELECT village_code, id, household_id, kind, stage, \
     submission_sealed, created_at, updated_at FROM registry_request WHERE id = $1";

pub(crate) const REQUEST_SUMMARY: &str = "SELECT village_code, id, household_id, kind, stage, \
     created_at, updated_at FROM registry_request";

pub(crate) const TRANSITION_INSERT: &str = "INSERT INTO registry_transition (village_code, \
     request_id, seq, from_stage, to_stage, event, actor_user, actor_role, at, reason, visited_on) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

pub(crate) const TRANSITIONS: &str = "SELECT from_stage, to_stage, event, actor_user, actor_role, \
     at, reason, visited_on FROM registry_transition \
     WHERE village_code = $1 AND request_id = $2 ORDER BY seq";

pub(crate) const HOUSEHOLD_EXISTS: &str = "SELECT COUNT(*) FROM registry_household WHERE id = $1";

/// Removes the household row only at the version that was read; the caller inserts the new row (a
/// delete and an insert rather than an update: a move changes the key's village).
pub(crate) const HOUSEHOLD_TAKE: &str =
    "DELETE FROM registry_household WHERE id = $1 AND version = $2 \
     RETURNING created_at, verified_at";

pub(crate) const HOUSEHOLD_INSERT: &str = "INSERT INTO registry_household (village_code, id, state, \
     kk_index, kk_sealed, account_index, details_sealed, version, verified_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

pub(crate) const HOUSEHOLD_BY_ID: &str =
    "SELECT village_code, id, state, kk_sealed, details_sealed, \
     version, verified_at, created_at, updated_at FROM registry_household WHERE id = $1";

pub(crate) const MEMBERS_DELETE: &str = "DELETE FROM registry_member WHERE household_id = $1";

pub(crate) const MEMBER_INSERT: &str =
    "INSERT INTO registry_member (village_code, id, household_id, \
     position, state, nik_index, nik_sealed, phone_index, full_name, name_key, sex, birth_date, \
     relationship, details_sealed) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

pub(crate) const MEMBERS_OF: &str =
    "SELECT id, nik_sealed, full_name, sex, birth_date, relationship, \
     details_sealed FROM registry_member WHERE village_code = $1 AND household_id = $2 \
     ORDER BY position";

const HIT_SELECT: &str = "SELECT m.village_code, m.id, m.household_id, m.nik_sealed, m.full_name, \
     m.name_key, m.sex, m.birth_date, m.relationship, m.state, h.state AS household_state \
     FROM registry_member m \
     JOIN registry_household h ON h.village_code = m.village_code AND h.id = m.household_id";

/// Most hits a search returns: a search is for finding someone, not for listing.
pub(crate) const MAX_HITS: u32 = 100;

pub(crate) fn search_by_nik() -> String {
    format!(
        "{HIT_SELECT} WHERE m.nik_index = $1 AND m.village_code >= $2 AND m.village_code < $3 \
         ORDER BY m.village_code, m.id LIMIT 100"
    )
}

pub(crate) fn search_by_kk() -> String {
    format!(
        "{HIT_SELECT} WHERE h.kk_index = $1 AND h.village_code >= $2 AND h.village_code < $3 \
         ORDER BY m.village_code, m.household_id, m.position LIMIT 100"
    )
}

pub(crate) fn search_by_name() -> String {
    format!(
        "{HIT_SELECT} WHERE m.name_key >= $1 AND m.name_key < $2 \
         AND m.village_code >= $3 AND m.village_code < $4 \
         ORDER BY m.name_key, m.village_code, m.id LIMIT $5"
    )
}

/// The same inside one village: the village equality lets SQLite's planner (which has no statistics)
/// seek `(village_code, name_key)` instead of walking every name with the prefix in the regency.
pub(crate) fn search_by_name_in_village() -> String {
    format!(
        "{HIT_SELECT} WHERE m.village_code = $1 AND m.name_key >= $2 AND m.name_key < $3 \
         ORDER BY m.name_key, m.id LIMIT $4"
    )
}

/// Name search in `villages` villages at once: each village's first `limit` keys from its
/// `(village_code, name_key)` index (index only: no row is read), merged, and only the overall first
/// `limit` joined to their rows. One statement, so one round trip however many villages.
/// Parameters: per village `village, from, to, limit`, then the overall limit.
pub(crate) fn search_by_name_in_villages(villages: usize) -> String {
    let parts: Vec<String> = (0..villages)
        .map(|i| {
            let n = i * 4;
            format!(
                "SELECT * FROM (SELECT village_code, id, name_key FROM registry_member \
                 WHERE village_code = ${} AND name_key >= ${} AND name_key < ${} \
                 ORDER BY name_key, id LIMIT ${}) AS v{i}",
                n + 1,
                n + 2,
                n + 3,
                n + 4
            )
        })
        .collect();
    format!(
        "SELECT m.village_code, m.id, m.household_id, m.nik_sealed, m.full_name, m.name_key, m.sex, \
         m.birth_date, m.relationship, m.state, h.state AS household_state \
         FROM (SELECT * FROM ({}) AS u ORDER BY name_key, village_code, id LIMIT ${}) AS k \
         JOIN registry_member m ON m.village_code = k.village_code AND m.id = k.id \
         JOIN registry_household h ON h.village_code = m.village_code AND h.id = m.household_id \
         ORDER BY k.name_key, k.village_code, k.id",
        parts.join(" UNION ALL "),
        villages * 4 + 1
    )
}

/// The villages in a code range (through the `(level, code)` index; `parent_code` has none).
pub(crate) const VILLAGES_OF: &str =
    "SELECT code FROM region WHERE level = 4 AND code >= $1 AND code < $2 ORDER BY code";

pub(crate) const DUE_FOR_REVERIFICATION: &str = "SELECT village_code, id FROM registry_household \
     WHERE state = 'active' AND (verified_at IS NULL OR verified_at < $1) \
     AND village_code >= $2 AND village_code < $3 \
     ORDER BY verified_at IS NULL DESC, verified_at, id LIMIT $4";

pub(crate) const TASK_INSERT: &str = "INSERT INTO registry_task (village_code, id, household_id, \
     member_id, kind, state, source, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) \
     ON CONFLICT DO NOTHING";

/// A death or move reported for a household suspends its active enrolments (issue 5 part 4): nothing is
/// paid to it until a targeting run selects it again (approval makes a re-selected suspended enrolment
/// active) or it graduates. `end_reason` says why while `ended_at` stays empty.
pub(crate) const ENROLMENTS_SUSPEND: &str = "UPDATE targeting_enrolment SET state = 'suspended', \
     end_reason = $2 WHERE household_id = $1 AND state = 'active'";

pub(crate) const TASKS: &str = "SELECT village_code, id, household_id, member_id, kind, state, \
     source, created_at, closed_at, closed_by FROM registry_task \
     WHERE state = $1 AND village_code >= $2 AND village_code < $3 ORDER BY created_at, id LIMIT $4";

pub(crate) const TASK_BY_ID: &str = "SELECT village_code, id, household_id, member_id, kind, state, \
     source, created_at, closed_at, closed_by FROM registry_task WHERE village_code = $1 AND id = $2";

/// Marks an open task done; touches nothing when it is not open (any more).
pub(crate) const TASK_CLOSE_OPEN: &str =
    "UPDATE registry_task SET state = 'done', closed_at = $3, \
     closed_by = $4 WHERE village_code = $1 AND id = $2 AND state = 'open'";

pub(crate) const TASK_SET_STATE: &str = "UPDATE registry_task SET state = $3, closed_at = $4, \
     closed_by = $5 WHERE village_code = $1 AND id = $2";

/// Active members of active households whom the population import `$1` recorded as dead.
pub(crate) const POPULATION_DEATHS: &str = "SELECT m.village_code, m.household_id, m.id \
     FROM registry_member m \
     JOIN registry_household h ON h.village_code = m.village_code AND h.id = m.household_id \
     JOIN population_person p ON p.nik_index = m.nik_index \
     WHERE p.import_run_id = $1 AND p.death_date IS NOT NULL \
     AND m.state = 'active' AND h.state = 'active'";

/// Active members of active households whom the population import `$1` put in another village.
pub(crate) const POPULATION_MOVES: &str = "SELECT m.village_code, m.household_id, m.id \
     FROM registry_member m \
     JOIN registry_household h ON h.village_code = m.village_code AND h.id = m.household_id \
     JOIN population_person p ON p.nik_index = m.nik_index \
     WHERE p.import_run_id = $1 AND p.death_date IS NULL AND p.village_code <> m.village_code \
     AND m.state = 'active' AND h.state = 'active'";

/// Members for the linkage index, after the key (`$1`, `$2`) in key order. An empty village code
/// starts from the beginning (every code sorts after it).
///
/// Written so that a page is a range of the members' primary key: `village_code >= $1` bounds the range
/// (the `OR` alone does not), and `h.state || ''` keeps SQLite from driving the join from the
/// households' state index, which made it join and sort every member for every page (quadratic: a
/// 1,000,000-member registry did not finish in 10 minutes; now a page of 5,000 takes milliseconds).
pub(crate) const LINKAGE_ROWS: &str = "SELECT m.village_code, m.id, m.household_id, m.nik_sealed, \
     m.full_name, m.sex, m.birth_date, h.kk_sealed, h.details_sealed \
     FROM registry_member m \
     JOIN registry_household h ON h.village_code = m.village_code AND h.id = m.household_id \
     WHERE m.state = 'active' AND h.state || '' IN ('proposed', 'active') \
     AND m.village_code >= $1 AND (m.village_code > $1 OR m.id > $2) \
     ORDER BY m.village_code, m.id LIMIT $3";

pub(crate) const DUPLICATE_UPSERT: &str = "INSERT INTO registry_duplicate_decision (member_low, \
     member_high, verdict, actor_user, at, reason) VALUES ($1, $2, $3, $4, $5, $6) \
     ON CONFLICT (member_low, member_high) DO UPDATE SET verdict = excluded.verdict, \
     actor_user = excluded.actor_user, at = excluded.at, reason = excluded.reason";

pub(crate) const DUPLICATE_BY_PAIR: &str =
    "SELECT member_low, member_high, verdict, actor_user, at, \
     reason FROM registry_duplicate_decision WHERE member_low = $1 AND member_high = $2";
