//! E-wallets through the G2P Connect disbursement API (`tepat_dci::disburse`): tepat is the payer's
//! system, each e-wallet provider (DANA, OVO, GoPay, LinkAja, ShopeePay) a payment provider.
//!
//! - [`Client`]: `disburse` (batches of at most [`MAX_BATCH`] items) and transaction status, every
//!   message signed with the office's DCI key; callbacks come back to `sender_uri` (tepat's
//!   `/api/v1/disburse`, so `/api/v1/disburse/on-disburse` and `/api/v1/disburse/txn/on-status`).
//! - [`callback`]: a provider's callback checked against its published keys ([`ProviderKeys`]), and
//!   read into per-payment [`Outcome`]s.
//! - [`sim`]: a provider simulated in-process, for the demo.
//!
//! A payment's id (simple hex) is the item's `reference_id`: a resend after a lost answer repeats it,
//! the provider answers `rjct.reference_id.duplicate` and pays nothing twice; such answers change no
//! payment here (the first transaction's outcome stands).

pub mod callback;
mod client;
pub mod sim;

pub use callback::{
    outcomes, verify_callback, Callback, CallbackError, Outcome, Outcomes, ProviderKeys,
    VerifiedCallback,
};
pub use client::{Client, EwalletError, Item, Provider};
pub use tepat_dci::disburse::MAX_BATCH;

/// `reference_id` of a payment: its id as 32 lower-case hex digits (also the ISO 20022 EndToEndId).
pub fn reference_id(payment_id: uuid::Uuid) -> String {
    payment_id.simple().to_string()
}

/// The payment a `reference_id` names, if it is one of ours.
pub fn payment_of(reference_id: &str) -> Option<uuid::Uuid> {
    if reference_id.len() != 32 {
        return None;
    }
    uuid::Uuid::try_parse(reference_id).ok()
}

/// Splits payments into messages of at most [`MAX_BATCH`] items.
pub fn batches(items: &[Item]) -> impl Iterator<Item = &[Item]> {
    items.chunks(MAX_BATCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_ids_are_simple_hex_and_read_back() {
        let id = uuid::Uuid::now_v7();
        let r = reference_id(id);
        assert_eq!(r.len(), 32);
        assert!(!r.contains('-'));
        assert_eq!(payment_of(&r), Some(id));
        assert_eq!(payment_of(&id.to_string()), None);
        assert_eq!(payment_of("not-ours"), None);
    }
}
