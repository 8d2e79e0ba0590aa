//! What the distribution publishing job still has to write to the transparency ledger, and where it
//! records what it wrote (issue 7, `docs/ledger.md`): envelope → entitlement → payment instruction
//! (a payment or a voucher) → payment result → hand-over, and a reversal under the result of a
//! returned payment. Each step is read only once its parent's entry is recorded, so a chain is always
//! written parent first; a step is recorded with its entry's index and leaf hash, so it is written once.
//!
//! Envelopes, entitlements, payments and hand-overs keep their entries in their own rows; a voucher's
//! instruction and a reversal in `ledger_step` (migration 17).

use chrono::{DateTime, Utc};
use tepat_domain::distribution::Route;
use tepat_domain::{Nik, Rupiah};
use uuid::Uuid;

use crate::error::StoreError;

/// A ledger entry: its index and leaf hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerRef {
    pub index: u64,
    pub leaf: [u8; 32],
}

/// An approved (or later) envelope not yet in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeToPublish {
    pub id: Uuid,
    pub program: String,
    pub cycle: String,
    pub count: u64,
    pub amount: Rupiah,
    pub approved_at: Option<DateTime<Utc>>,
}

/// One line of an envelope's entitlement list, whose SHA-256 the envelope entry carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeLine {
    pub household: Uuid,
    pub village: String,
    pub amount: Rupiah,
    pub route: String,
}

/// An entitlement whose envelope is in the ledger and which is not yet.
#[derive(Clone, PartialEq, Eq)]
pub struct EntitlementToPublish {
    pub envelope: Uuid,
    pub household: Uuid,
    pub village: String,
    pub program: String,
    pub cycle: String,
    pub amount: Rupiah,
    /// The envelope's entry.
    pub parent: LedgerRef,
    pub time: Option<DateTime<Utc>>,
    /// The NIK of the household's active head of family, opened from the registry (`None`: none).
    pub head_nik: Option<Nik>,
    /// The household's commitment salt, if it has one yet.
    pub salt: Option<[u8; 32]>,
}

impl std::fmt::Debug for EntitlementToPublish {
    /// Without the NIK or the salt.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntitlementToPublish")
            .field("envelope", &self.envelope)
            .field("household", &self.household)
            .field("amount", &self.amount)
            .finish_non_exhaustive()
    }
}

/// A payment instruction, result, reversal or hand-over whose parent is in the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepToPublish {
    /// The payment, voucher or hand-over.
    pub id: Uuid,
    pub program: String,
    pub cycle: String,
    pub village: String,
    pub route: Route,
    pub amount: Rupiah,
    /// The payment's state code (`settled`, `rejected`, …); empty for vouchers and hand-overs.
    pub state: String,
    /// The reject reason code, if any.
    pub reason: Option<String>,
    /// The provider's own reference, if any.
    pub provider_ref: Option<String>,
    pub parent: LedgerRef,
    pub time: DateTime<Utc>,
}

/// Which step a recorded entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerStep {
    /// Key: the envelope.
    Envelope,
    /// Key: (envelope, household).
    Entitlement,
    /// Key: the payment.
    PaymentInstruction,
    /// Key: the payment.
    PaymentResult,
    /// Key: the payment.
    Reversal,
    /// Key: the voucher.
    VoucherInstruction,
    /// Key: the hand-over.
    HandOver,
}

/// One written entry to record: the step's key and the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerMark {
    pub id: Uuid,
    /// The household, for [`LedgerStep::Entitlement`] (whose key is the envelope and the household).
    pub household: Option<Uuid>,
    pub entry: LedgerRef,
}

/// Part of [`crate::Store`]: the distribution steps waiting for the ledger, oldest first.
#[async_trait::async_trait]
pub trait DistributionLedgerStore: Send + Sync {
    async fn envelopes_to_publish(&self, limit: u32) -> Result<Vec<EnvelopeToPublish>, StoreError>;

    /// Every entitlement of the envelope, by household.
    async fn envelope_lines(&self, envelope: Uuid) -> Result<Vec<EnvelopeLine>, StoreError>;

    async fn entitlements_to_publish(
        &self,
        limit: u32,
    ) -> Result<Vec<EntitlementToPublish>, StoreError>;

    /// Gives households without a salt the one offered (an existing salt is kept).
    async fn add_beneficiary_salts(&self, salts: &[(Uuid, [u8; 32])]) -> Result<(), StoreError>;

    async fn payment_instructions_to_publish(
        &self,
        limit: u32,
    ) -> Result<Vec<StepToPublish>, StoreError>;

    async fn voucher_instructions_to_publish(
        &self,
        limit: u32,
    ) -> Result<Vec<StepToPublish>, StoreError>;

    /// Payments settled, rejected or returned whose result is not in the ledger.
    async fn payment_results_to_publish(
        &self,
        limit: u32,
    ) -> Result<Vec<StepToPublish>, StoreError>;

    /// Returned payments whose result is in the ledger and their reversal is not.
    async fn reversals_to_publish(&self, limit: u32) -> Result<Vec<StepToPublish>, StoreError>;

    /// Accepted hand-overs whose voucher's instruction is in the ledger.
    async fn handovers_to_publish(&self, limit: u32) -> Result<Vec<StepToPublish>, StoreError>;

    /// Records written entries, in one transaction; a step already recorded keeps its entry.
    async fn record_ledger(&self, step: LedgerStep, marks: &[LedgerMark])
        -> Result<(), StoreError>;
}

pub(crate) const ENVELOPES: &str = "SELECT id, program, cycle, count, amount, approved_at \
     FROM envelope WHERE state IN ('approved', 'paying', 'closed') AND ledger_index IS NULL \
     ORDER BY approved_at, id LIMIT $1";

pub(crate) const LINES: &str = "SELECT household_id, village_code, amount, route FROM entitlement \
     WHERE envelope_id = $1 ORDER BY household_id";

pub(crate) const ENTITLEMENTS: &str = "SELECT en.envelope_id, en.household_id, en.village_code, \
     en.amount, e.program, e.cycle, e.ledger_index AS p_index, e.ledger_leaf AS p_leaf, \
     e.approved_at AS at, m.id AS head_id, m.nik_sealed AS head_nik, s.salt \
     FROM entitlement en JOIN envelope e ON e.id = en.envelope_id \
     LEFT JOIN registry_member m ON m.household_id = en.household_id \
          AND m.relationship = 'kepala_keluarga' AND m.state = 'active' \
     LEFT JOIN beneficiary_salt s ON s.household_id = en.household_id \
     WHERE en.ledger_index IS NULL AND e.ledger_index IS NOT NULL \
     ORDER BY en.envelope_id, en.household_id LIMIT $1";

pub(crate) const ADD_SALT: &str =
    "INSERT INTO beneficiary_salt (household_id, salt) VALUES ($1, $2) \
     ON CONFLICT (household_id) DO NOTHING";

const STEP_COLUMNS: &str = "e.program, e.cycle, en.village_code, en.route";

pub(crate) fn payment_instructions() -> String {
    format!(
        "SELECT p.id, {STEP_COLUMNS}, p.amount, p.state, p.reason, p.provider_ref, \
         en.ledger_index AS p_index, en.ledger_leaf AS p_leaf, p.created_at AS at \
         FROM payment p JOIN envelope e ON e.id = p.envelope_id \
         JOIN entitlement en ON en.envelope_id = p.envelope_id AND en.household_id = p.household_id \
         WHERE p.ledger_index IS NULL AND en.ledger_index IS NOT NULL \
         ORDER BY p.envelope_id, p.household_id, p.attempt LIMIT $1"
    )
}

pub(crate) fn voucher_instructions() -> String {
    format!(
        "SELECT v.id, {STEP_COLUMNS}, v.amount, '' AS state, NULL AS reason, NULL AS provider_ref, \
         en.ledger_index AS p_index, en.ledger_leaf AS p_leaf, v.issued_at AS at \
         FROM voucher v JOIN envelope e ON e.id = v.envelope_id \
         JOIN entitlement en ON en.envelope_id = v.envelope_id AND en.household_id = v.household_id \
         LEFT JOIN ledger_step s ON s.object_id = v.id AND s.step = 'voucher_instruction' \
         WHERE s.object_id IS NULL AND en.ledger_index IS NOT NULL \
         ORDER BY v.envelope_id, v.household_id LIMIT $1"
    )
}

pub(crate) fn payment_results() -> String {
    format!(
        "SELECT p.id, {STEP_COLUMNS}, p.amount, p.state, p.reason, p.provider_ref, \
         p.ledger_index AS p_index, p.ledger_leaf AS p_leaf, p.updated_at AS at \
         FROM payment p JOIN envelope e ON e.id = p.envelope_id \
         JOIN entitlement en ON en.envelope_id = p.envelope_id AND en.household_id = p.household_id \
         WHERE p.state IN ('settled', 'rejected', 'returned') AND p.ledger_index IS NOT NULL \
           AND p.result_ledger_index IS NULL \
         ORDER BY p.updated_at, p.id LIMIT $1"
    )
}

pub(crate) fn reversals() -> String {
    format!(
        "SELECT p.id, {STEP_COLUMNS}, p.amount, p.state, p.reason, p.provider_ref, \
         p.result_ledger_index AS p_index, p.result_ledger_leaf AS p_leaf, p.updated_at AS at \
         FROM payment p JOIN envelope e ON e.id = p.envelope_id \
         JOIN entitlement en ON en.envelope_id = p.envelope_id AND en.household_id = p.household_id \
         LEFT JOIN ledger_step s ON s.object_id = p.id AND s.step = 'reversal' \
         WHERE p.state = 'returned' AND p.result_ledger_index IS NOT NULL AND s.object_id IS NULL \
         ORDER BY p.updated_at, p.id LIMIT $1"
    )
}

pub(crate) fn handovers() -> String {
    format!(
        "SELECT h.id, {STEP_COLUMNS}, v.amount, '' AS state, NULL AS reason, NULL AS provider_ref, \
         s.ledger_index AS p_index, s.ledger_leaf AS p_leaf, h.handed_at AS at \
         FROM handover h JOIN voucher v ON v.id = h.voucher_id \
         JOIN ledger_step s ON s.object_id = v.id AND s.step = 'voucher_instruction' \
         JOIN envelope e ON e.id = v.envelope_id \
         JOIN entitlement en ON en.envelope_id = v.envelope_id AND en.household_id = v.household_id \
         WHERE h.status = 'accepted' AND h.ledger_index IS NULL \
         ORDER BY h.handed_at, h.id LIMIT $1"
    )
}

pub(crate) fn mark_sql(step: LedgerStep) -> &'static str {
    match step {
        LedgerStep::Envelope => {
            "UPDATE envelope SET ledger_index = $2, ledger_leaf = $3 \
             WHERE id = $1 AND ledger_index IS NULL"
        }
        LedgerStep::Entitlement => {
            "UPDATE entitlement SET ledger_index = $3, ledger_leaf = $4 \
             WHERE envelope_id = $1 AND household_id = $2 AND ledger_index IS NULL"
        }
        LedgerStep::PaymentInstruction => {
            "UPDATE payment SET ledger_index = $2, ledger_leaf = $3 \
             WHERE id = $1 AND ledger_index IS NULL"
        }
        LedgerStep::PaymentResult => {
            "UPDATE payment SET result_ledger_index = $2, result_ledger_leaf = $3 \
             WHERE id = $1 AND result_ledger_index IS NULL"
        }
        LedgerStep::HandOver => {
            "UPDATE handover SET ledger_index = $2, ledger_leaf = $3 \
             WHERE id = $1 AND ledger_index IS NULL"
        }
        LedgerStep::Reversal => {
            "INSERT INTO ledger_step (object_id, step, ledger_index, ledger_leaf) \
             VALUES ($1, 'reversal', $2, $3) ON CONFLICT (object_id, step) DO NOTHING"
        }
        LedgerStep::VoucherInstruction => {
            "INSERT INTO ledger_step (object_id, step, ledger_index, ledger_leaf) \
             VALUES ($1, 'voucher_instruction', $2, $3) ON CONFLICT (object_id, step) DO NOTHING"
        }
    }
}

macro_rules! distribution_ledger_impl {
    ($db:ty, $store:ty) => {
        use chrono::{DateTime, Utc};
        use sqlx::Row as _;
        use tepat_domain::distribution::Route;
        use tepat_domain::Rupiah;
        use uuid::Uuid;

        use $crate::distribution_ledger as sql;
        use $crate::distribution_ledger::{
            DistributionLedgerStore, EntitlementToPublish, EnvelopeLine, EnvelopeToPublish,
            LedgerMark, LedgerRef, LedgerStep, StepToPublish,
        };
        use $crate::error::StoreError;

        type DbRow = <$db as sqlx::Database>::Row;

        fn get<'r, T>(row: &'r DbRow, column: &'static str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(column).map_err(|e| StoreError::Corrupt {
                what: format!("column {column}: {e}"),
            })
        }

        fn parent(row: &DbRow) -> Result<LedgerRef, StoreError> {
            let index: i64 = get(row, "p_index")?;
            let leaf: Vec<u8> = get(row, "p_leaf")?;
            Ok(LedgerRef {
                index: u64::try_from(index).map_err(|_| StoreError::Corrupt {
                    what: "a negative ledger index".into(),
                })?,
                leaf: leaf.try_into().map_err(|_| StoreError::Corrupt {
                    what: "a ledger leaf hash that is not 32 bytes".into(),
                })?,
            })
        }

        fn step(row: &DbRow) -> Result<StepToPublish, StoreError> {
            let route: String = get(row, "route")?;
            Ok(StepToPublish {
                id: get(row, "id")?,
                program: get(row, "program")?,
                cycle: get(row, "cycle")?,
                village: get(row, "village_code")?,
                route: Route::from_code(&route).ok_or_else(|| StoreError::Corrupt {
                    what: format!("route {route:?}"),
                })?,
                amount: Rupiah::new(get(row, "amount")?),
                state: get(row, "state")?,
                reason: get(row, "reason")?,
                provider_ref: get(row, "provider_ref")?,
                parent: parent(row)?,
                time: get(row, "at")?,
            })
        }

        impl $store {
            async fn ledger_steps(
                &self,
                query: &str,
                limit: u32,
            ) -> Result<Vec<StepToPublish>, StoreError> {
                sqlx::query(query)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading distribution steps for the ledger"))?
                    .iter()
                    .map(step)
                    .collect()
            }
        }

        #[async_trait::async_trait]
        impl DistributionLedgerStore for $store {
            async fn envelopes_to_publish(
                &self,
                limit: u32,
            ) -> Result<Vec<EnvelopeToPublish>, StoreError> {
                sqlx::query(sql::ENVELOPES)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading envelopes for the ledger"))?
                    .iter()
                    .map(|row| {
                        let count: i64 = get(row, "count")?;
                        Ok(EnvelopeToPublish {
                            id: get(row, "id")?,
                            program: get(row, "program")?,
                            cycle: get(row, "cycle")?,
                            count: count.max(0) as u64,
                            amount: Rupiah::new(get(row, "amount")?),
                            approved_at: get(row, "approved_at")?,
                        })
                    })
                    .collect()
            }

            async fn envelope_lines(
                &self,
                envelope: Uuid,
            ) -> Result<Vec<EnvelopeLine>, StoreError> {
                sqlx::query(sql::LINES)
                    .bind(envelope)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading an envelope's entitlements"))?
                    .iter()
                    .map(|row| {
                        Ok(EnvelopeLine {
                            household: get(row, "household_id")?,
                            village: get(row, "village_code")?,
                            amount: Rupiah::new(get(row, "amount")?),
                            route: get(row, "route")?,
                        })
                    })
                    .collect()
            }

            async fn entitlements_to_publish(
                &self,
                limit: u32,
            ) -> Result<Vec<EntitlementToPublish>, StoreError> {
                let rows = sqlx::query(sql::ENTITLEMENTS)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading entitlements for the ledger"))?;
                let mut out: Vec<EntitlementToPublish> = Vec::with_capacity(rows.len());
                for row in &rows {
                    let envelope: Uuid = get(row, "envelope_id")?;
                    let household: Uuid = get(row, "household_id")?;
                    // A second active head, should data ever hold one, is skipped.
                    if out
                        .last()
                        .is_some_and(|e| e.envelope == envelope && e.household == household)
                    {
                        continue;
                    }
                    let head: Option<Uuid> = get(row, "head_id")?;
                    let sealed: Option<Vec<u8>> = get(row, "head_nik")?;
                    let head_nik = match (head, sealed) {
                        (Some(id), Some(sealed)) => Some(self.registry.open_nik(id, &sealed)?),
                        _ => None,
                    };
                    let salt: Option<Vec<u8>> = get(row, "salt")?;
                    let at: Option<DateTime<Utc>> = get(row, "at")?;
                    out.push(EntitlementToPublish {
                        envelope,
                        household,
                        village: get(row, "village_code")?,
                        program: get(row, "program")?,
                        cycle: get(row, "cycle")?,
                        amount: Rupiah::new(get(row, "amount")?),
                        parent: parent(row)?,
                        time: at,
                        head_nik,
                        salt: salt.and_then(|s| s.try_into().ok()),
                    });
                }
                Ok(out)
            }

            async fn add_beneficiary_salts(
                &self,
                salts: &[(Uuid, [u8; 32])],
            ) -> Result<(), StoreError> {
                const ACTION: &str = "storing beneficiary salts";
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                for (household, salt) in salts {
                    sqlx::query(sql::ADD_SALT)
                        .bind(*household)
                        .bind(salt.to_vec())
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                }
                tx.commit().await.map_err(StoreError::db(ACTION))
            }

            async fn payment_instructions_to_publish(
                &self,
                limit: u32,
            ) -> Result<Vec<StepToPublish>, StoreError> {
                self.ledger_steps(&sql::payment_instructions(), limit).await
            }

            async fn voucher_instructions_to_publish(
                &self,
                limit: u32,
            ) -> Result<Vec<StepToPublish>, StoreError> {
                self.ledger_steps(&sql::voucher_instructions(), limit).await
            }

            async fn payment_results_to_publish(
                &self,
                limit: u32,
            ) -> Result<Vec<StepToPublish>, StoreError> {
                self.ledger_steps(&sql::payment_results(), limit).await
            }

            async fn reversals_to_publish(
                &self,
                limit: u32,
            ) -> Result<Vec<StepToPublish>, StoreError> {
                self.ledger_steps(&sql::reversals(), limit).await
            }

            async fn handovers_to_publish(
                &self,
                limit: u32,
            ) -> Result<Vec<StepToPublish>, StoreError> {
                self.ledger_steps(&sql::handovers(), limit).await
            }

            async fn record_ledger(
                &self,
                step: LedgerStep,
                marks: &[LedgerMark],
            ) -> Result<(), StoreError> {
                const ACTION: &str = "recording ledger entries";
                let query = sql::mark_sql(step);
                let mut tx = self.pool.begin().await.map_err(StoreError::db(ACTION))?;
                for m in marks {
                    let index = i64::try_from(m.entry.index).map_err(|_| StoreError::Conflict {
                        what: "ledger index out of range",
                    })?;
                    let q = sqlx::query(query).bind(m.id);
                    let q = match (step, m.household) {
                        (LedgerStep::Entitlement, Some(h)) => q.bind(h),
                        (LedgerStep::Entitlement, None) => {
                            return Err(StoreError::Conflict {
                                what: "an entitlement's ledger entry without its household",
                            })
                        }
                        _ => q,
                    };
                    q.bind(index)
                        .bind(m.entry.leaf.to_vec())
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::db(ACTION))?;
                }
                tx.commit().await.map_err(StoreError::db(ACTION))
            }
        }
    };
}

pub(crate) use distribution_ledger_impl;
