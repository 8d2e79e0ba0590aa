//! A household's own trail (`docs/distribution.md`, "The recipient's trail"): every entitlement with
//! its amount, route and state, where and when to collect it or the state of the transfer, when it was
//! handed over, and the transparency-ledger entries that record each step, so the household can check
//! them against the public log.
//!
//! The caller has identified the household (the citizen's NIK and KK number on `/warga/status`, or an
//! officer's read grant on its village); the rows carry no personal data.

use tepat_store::{Store, StoreError, TrailRow};
use uuid::Uuid;

/// The household's entitlements, newest envelope first.
pub async fn household_trail(
    store: &dyn Store,
    household: Uuid,
) -> Result<Vec<TrailRow>, StoreError> {
    store.household_trail(household).await
}

/// The ledger entries of one row, in the order the steps happen (entitlement, instruction, result,
/// hand-over), for linking each to its inclusion proof.
pub fn ledger_steps(row: &TrailRow) -> Vec<(&'static str, u64)> {
    [
        ("entitlement", row.entitlement_ledger),
        ("payment_instruction", row.payment_ledger),
        ("payment_result", row.result_ledger),
        ("handover", row.handover_ledger),
    ]
    .into_iter()
    .filter_map(|(step, index)| index.map(|i| (step, i)))
    .collect()
}
