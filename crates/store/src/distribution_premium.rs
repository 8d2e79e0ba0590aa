//! The premium payments (PBI-JK, route `premium`) an envelope still owes BPJS Kesehatan: what one
//! treasury transfer settles (`tepat_core::distribution::premium`), read in one statement rather than
//! household by household.

use tepat_domain::Rupiah;
use uuid::Uuid;

use crate::error::StoreError;

/// Premiums still waiting for payment.
#[async_trait::async_trait]
pub trait DistributionPremiumStore {
    /// The envelope's premium payments created, sent or accepted, by id, with their amounts. Only
    /// the latest attempt of a household can wait: earlier ones were rejected or returned.
    async fn waiting_premiums(&self, envelope: Uuid) -> Result<Vec<(Uuid, Rupiah)>, StoreError>;
}

pub(crate) const WAITING: &str = "SELECT id, amount FROM payment WHERE envelope_id = $1 \
     AND route = 'premium' AND state IN ('created', 'sent', 'accepted') ORDER BY id";

macro_rules! distribution_premium_impl {
    ($db:ty, $store:ty) => {
        use sqlx::Row as _;
        use tepat_domain::Rupiah;
        use uuid::Uuid;

        use $crate::distribution_premium::{DistributionPremiumStore, WAITING};
        use $crate::error::StoreError;

        #[async_trait::async_trait]
        impl DistributionPremiumStore for $store {
            async fn waiting_premiums(
                &self,
                envelope: Uuid,
            ) -> Result<Vec<(Uuid, Rupiah)>, StoreError> {
                sqlx::query(WAITING)
                    .bind(envelope)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(StoreError::db("reading premiums to settle"))?
                    .iter()
                    .map(|row| {
                        let corrupt = |e: sqlx::Error| StoreError::Corrupt {
                            what: format!("premium payment: {e}"),
                        };
                        let id: Uuid = row.try_get("id").map_err(corrupt)?;
                        let amount: i64 = row.try_get("amount").map_err(corrupt)?;
                        Ok((id, Rupiah::new(amount)))
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use distribution_premium_impl;
