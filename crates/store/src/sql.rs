//! The SQL text both backends share. SQLite and PostgreSQL agree on everything written here: `$n`
//! placeholders (sqlx binds SQLite's `$n` by number), multi-row `VALUES`, `substr`, `COUNT(DISTINCT ..)`,
//! `ON CONFLICT .. DO NOTHING`. Region codes are stored as digits without dots, so text order is code
//! order and a prefix range (`>= '1902' AND < '1902:'`) selects everything inside a region (':' sorts right
//! after '9'; PostgreSQL's code columns use the "C" collation so that this holds there too).

/// Rows per multi-row INSERT of persons: 1,000 × 22 parameters stays well inside SQLite's limit of 32,766
/// bound parameters and PostgreSQL's 65,535.
pub(crate) const PERSON_ROWS_PER_INSERT: usize = 1000;
/// Parameters per person row in [`person_insert`].
const PERSON_PARAMS: usize = 22;
const _: () = assert!(PERSON_ROWS_PER_INSERT * PERSON_PARAMS <= 32_766);
/// NIK blind indexes per lookup query.
pub(crate) const LOOKUP_CHUNK: usize = 500;
/// Rows per multi-row INSERT of regions (4 parameters each).
pub(crate) const REGION_ROWS_PER_INSERT: usize = 2000;

pub(crate) const PING: &str = "SELECT 1";

pub(crate) const REGION_COUNT: &str = "SELECT COUNT(*) FROM region";

pub(crate) const REGION_COUNTS_BY_LEVEL: &str =
    "SELECT level, COUNT(*) AS n FROM region GROUP BY level ORDER BY level";

pub(crate) const POPULATION_TOTALS: &str = "SELECT COUNT(*) AS persons, \
     COUNT(DISTINCT kk_index) AS households, COUNT(death_date) AS deceased FROM population_person";

/// Counts per kecamatan in a code range; districts without rows come out with zeros.
pub(crate) const POPULATION_BY_DISTRICT: &str = "WITH p AS ( \
       SELECT substr(village_code, 1, 6) AS district, COUNT(*) AS persons, \
              COUNT(DISTINCT kk_index) AS households, COUNT(death_date) AS deceased \
       FROM population_person WHERE village_code >= $1 AND village_code < $2 \
       GROUP BY substr(village_code, 1, 6)) \
     SELECT r.code, r.name, COALESCE(p.households, 0) AS households, \
            COALESCE(p.persons, 0) AS persons, COALESCE(p.deceased, 0) AS deceased \
     FROM region r LEFT JOIN p ON p.district = r.code \
     WHERE r.level = 3 AND r.code >= $1 AND r.code < $2 \
     ORDER BY r.code";

pub(crate) const POPULATED_REGENCIES: &str = "WITH p AS ( \
       SELECT substr(village_code, 1, 4) AS regency, COUNT(*) AS persons, \
              COUNT(DISTINCT kk_index) AS households, COUNT(death_date) AS deceased \
       FROM population_person GROUP BY substr(village_code, 1, 4)) \
     SELECT r.code, r.name, p.households, p.persons, p.deceased \
     FROM p JOIN region r ON r.code = p.regency \
     ORDER BY r.code";

/// One row is enough to know the table is not empty; `COUNT` over a `LIMIT 1` keeps the answer an integer
/// in both dialects (a boolean would decode differently).
pub(crate) const PERSON_TABLE_HAS_ROWS: &str =
    "SELECT COUNT(*) FROM (SELECT 1 AS one FROM population_person LIMIT 1) t";

pub(crate) const INSERT_RUN: &str = "INSERT INTO import_run \
     (id, kind, source_name, status, started_at, rows_read, rows_valid, rows_rejected, \
      inserted, updated, unchanged, deaths, moves) \
     VALUES ($1, $2, $3, 'running', $4, 0, 0, 0, 0, 0, 0, 0, 0)";

pub(crate) const FINISH_RUN: &str =
    "UPDATE import_run SET status = 'completed', finished_at = $2, \
     source_sha256 = $3, rows_read = $4, rows_valid = $5, rows_rejected = $6, inserted = $7, \
     updated = $8, unchanged = $9, deaths = $10, moves = $11 WHERE id = $1";

pub(crate) const IMPORT_RUNS: &str = "SELECT id, kind, source_name, source_sha256, started_at, \
     finished_at, rows_read, rows_valid, rows_rejected, inserted, updated, unchanged, deaths, moves \
     FROM import_run WHERE status = 'completed' ORDER BY started_at DESC, id DESC LIMIT $1";

pub(crate) const IMPORT_RUN_BY_ID: &str = "SELECT id, kind, source_name, source_sha256, started_at, \
     finished_at, rows_read, rows_valid, rows_rejected, inserted, updated, unchanged, deaths, moves \
     FROM import_run WHERE id = $1";

/// The columns a person is read back with.
pub(crate) const PERSON_SELECT: &str =
    "SELECT village_code, id, nik_sealed, kk_sealed, full_name, sex, \
     birth_place, birth_date, religion, marital_status, relationship, address, rt, rw, occupation, \
     death_date, import_run_id, created_at, updated_at FROM population_person";

pub(crate) const UPDATE_PERSON: &str = "UPDATE population_person SET kk_index = $3, kk_sealed = $4, \
     full_name = $5, sex = $6, birth_place = $7, birth_date = $8, religion = $9, marital_status = $10, \
     relationship = $11, address = $12, rt = $13, rw = $14, occupation = $15, death_date = $16, \
     content_hash = $17, import_run_id = $18, updated_at = $19 \
     WHERE village_code = $1 AND id = $2";

/// The indexes of `population_person` that an import into an empty table drops first and builds at the
/// end, exactly as the migrations create them: building an index from all keys at once (a sort) is
/// several times faster than inserting a million random keys one at a time. SQLite's key is such an index
/// too (see its migration); PostgreSQL's is a real PRIMARY KEY and stays.
const NIK_INDEX: (&str, &str) = (
    "population_person_nik",
    "CREATE UNIQUE INDEX population_person_nik ON population_person (nik_index)",
);
const KK_INDEX: (&str, &str) = (
    "population_person_kk",
    "CREATE INDEX population_person_kk ON population_person (kk_index)",
);
pub(crate) const SQLITE_DEFERRED_INDEXES: &[(&str, &str)] = &[
    (
        "population_person_key",
        "CREATE UNIQUE INDEX population_person_key ON population_person (village_code, id)",
    ),
    NIK_INDEX,
    KK_INDEX,
];
pub(crate) const POSTGRES_DEFERRED_INDEXES: &[(&str, &str)] = &[NIK_INDEX, KK_INDEX];

pub(crate) const DELETE_PERSON: &str =
    "DELETE FROM population_person WHERE village_code = $1 AND id = $2";

/// How a statement with many parameters writes them. SQLite looks a *named* parameter (`$n` is one to
/// SQLite) up by walking a list, so binding n of them costs n²/2 steps: 20,000 parameters took seconds.
/// Anonymous `?` parameters have no names and bind in constant time. PostgreSQL only knows `$n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholders {
    /// `$1, $2, ..` (PostgreSQL).
    Numbered,
    /// `?, ?, ..` (SQLite).
    Anonymous,
}

impl Placeholders {
    /// `rows` tuples of `width` parameters: `($1,$2),($3,$4)` or `(?,?),(?,?)`.
    pub(crate) fn tuples(self, rows: usize, width: usize) -> String {
        let mut out = String::with_capacity(rows * width * 6);
        let mut n = 1;
        for r in 0..rows {
            out.push_str(if r == 0 { "(" } else { ",(" });
            for c in 0..width {
                if c > 0 {
                    out.push(',');
                }
                match self {
                    Placeholders::Numbered => {
                        out.push('$');
                        out.push_str(&n.to_string());
                    }
                    Placeholders::Anonymous => out.push('?'),
                }
                n += 1;
            }
            out.push(')');
        }
        out
    }
}

/// `INSERT INTO population_person .. VALUES (..), (..)` for `rows` rows of [`PERSON_PARAMS`] each.
pub(crate) fn person_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO population_person (import_run_id, updated_at, village_code, id, nik_index, \
         nik_sealed, kk_index, kk_sealed, full_name, sex, birth_place, birth_date, religion, \
         marital_status, relationship, address, rt, rw, occupation, death_date, content_hash, \
         created_at) VALUES {}",
        ph.tuples(rows, PERSON_PARAMS)
    )
}

/// `INSERT INTO region (code, level, parent_code, name) VALUES ..` for `rows` rows.
pub(crate) fn region_insert(ph: Placeholders, rows: usize) -> String {
    format!(
        "INSERT INTO region (code, level, parent_code, name) VALUES {} ON CONFLICT (code) DO NOTHING",
        ph.tuples(rows, 4)
    )
}

/// The content hashes of the persons whose NIK blind index is one of `n` parameters: enough to tell an
/// unchanged row, which is most rows of a re-import.
pub(crate) fn lookup_hashes(ph: Placeholders, n: usize) -> String {
    let list = ph.tuples(1, n);
    format!("SELECT nik_index, content_hash FROM population_person WHERE nik_index IN {list}")
}

/// The stored facts about the persons whose NIK blind index is one of `n` parameters (rows that changed).
pub(crate) fn lookup_existing(ph: Placeholders, n: usize) -> String {
    let list = ph.tuples(1, n);
    format!(
        "SELECT nik_index, village_code, id, content_hash, kk_index, address, rt, rw, death_date, \
         created_at FROM population_person WHERE nik_index IN {list}"
    )
}

/// The half-open range of plain codes inside `prefix`: `[prefix, prefix + ":")`.
pub(crate) fn code_range(prefix: &str) -> (String, String) {
    (prefix.to_owned(), format!("{prefix}:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        let sql = person_insert(Placeholders::Numbered, 2);
        assert!(sql.ends_with("VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22),($23,$24,$25,$26,$27,$28,$29,$30,$31,$32,$33,$34,$35,$36,$37,$38,$39,$40,$41,$42,$43,$44)"), "{sql}");
        assert_eq!(
            region_insert(Placeholders::Anonymous, 2),
            "INSERT INTO region (code, level, parent_code, name) VALUES (?,?,?,?),(?,?,?,?) \
             ON CONFLICT (code) DO NOTHING"
        );
        assert!(lookup_existing(Placeholders::Numbered, 3).ends_with("IN ($1,$2,$3)"));
    }
}
