//! A simulated e-wallet provider for the demo (`tepat demo`): answers a batch as a provider's
//! `on-disburse` callback would, without HTTP or keys. Its rules are the test provider's: a wallet at
//! another provider, or whose number ends in `0000`, does not exist (`rjct.payee_fa.invalid`); a
//! reference id seen before is `rjct.reference_id.duplicate`; everything else succeeds.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use tepat_dci::disburse::{Amount, DisburseReason, DisburseResponse, DisbursementStatus};
use tepat_dci::Status;

use super::{reference_id, Item};

/// Answers `items` sent to provider `code` in transaction `transaction_id`; `seen` holds the reference
/// ids the provider has received so far (and gains these).
pub fn answer(
    code: &str,
    transaction_id: &str,
    items: &[Item],
    seen: &mut HashSet<String>,
    now: DateTime<Utc>,
) -> DisburseResponse {
    let disbursements_status = items
        .iter()
        .map(|item| {
            let reference = reference_id(item.payment_id);
            let reason = if !seen.insert(reference.clone()) {
                Some(DisburseReason::ReferenceIdDuplicate)
            } else if item.payee.provider() != code || item.payee.id().ends_with("0000") {
                Some(DisburseReason::PayeeFaInvalid)
            } else {
                None
            };
            DisbursementStatus {
                reference_id: reference,
                timestamp: now,
                status: if reason.is_some() {
                    Status::Rjct
                } else {
                    Status::Succ
                },
                status_reason_code: reason.map(|r| r.code().to_owned()),
                status_reason_message: None,
                amount: u64::try_from(item.amount.amount()).ok().map(Amount),
                payer_fa: None,
                payee_fa: None,
            }
        })
        .collect();
    DisburseResponse {
        transaction_id: transaction_id.to_owned(),
        correlation_id: Some(format!("sim-{transaction_id}")),
        disbursements_status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ewallet::outcomes;
    use tepat_domain::distribution::PaymentState;
    use tepat_domain::Rupiah;

    fn item(mobile: &str) -> Item {
        Item {
            payment_id: uuid::Uuid::now_v7(),
            payee: format!("mobile:{mobile}@dana").parse().unwrap(),
            amount: Rupiah::new(300_000),
            note: None,
        }
    }

    #[test]
    fn the_simulated_provider_pays_once_and_rejects_unknown_wallets() {
        let items = [item("081200000001"), item("081200010000")];
        let mut seen = HashSet::new();
        let first = outcomes(&answer("dana", "t1", &items, &mut seen, Utc::now()));
        assert_eq!(first.results[0].state, PaymentState::Settled);
        assert_eq!(first.results[0].amount, Some(Rupiah::new(300_000)));
        assert_eq!(first.results[1].state, PaymentState::Rejected);
        assert!(first.results[1].needs_new_address());
        let again = outcomes(&answer("dana", "t2", &items[..1], &mut seen, Utc::now()));
        assert!(again.results.is_empty());
        assert_eq!(again.duplicates, vec![items[0].payment_id]);
    }
}
