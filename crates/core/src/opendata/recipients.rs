//! Village recipient lists in masked form only (`S****N M****D`), when the office turns them on.
//!
//! What a line carries: the masked name of the head of family and whether the aid was delivered.
//! Never a NIK or any part of it, a KK number, an address, an RT/RW or a household id: a masked name
//! alone is shared by many people (the village objection lists show the same form), a masked name
//! with part of an id is not (the criticism of Brazil's Portal da Transparência). A village's list is
//! shown only when its household count is published: the length of a list is that count.

use serde::Serialize;
use tepat_domain::RegionCode;
use tepat_store::{Store, StoreError};

use crate::intake::mask_name;

use super::publication::Publication;

/// One line of a public recipient list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaskedRecipient {
    /// `S**I N*******A`; `-` when the registry has no head of family's name.
    pub masked_name: String,
    pub delivered: bool,
}

/// Why no list is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoList {
    /// The office has not turned lists on.
    Off,
    /// The village's count is suppressed (or the village has no figures in this program-cycle).
    Suppressed,
}

/// The masked list of `village` in a program-cycle, sorted by masked name (not by any id, so the
/// order reveals nothing), or why there is none.
pub async fn recipient_list(
    store: &dyn Store,
    publication: &Publication,
    lists_on: bool,
    program: &str,
    cycle: &str,
    village: &RegionCode,
) -> Result<Result<Vec<MaskedRecipient>, NoList>, StoreError> {
    if !lists_on {
        return Ok(Err(NoList::Off));
    }
    if !publication.village_published(program, cycle, village) {
        return Ok(Err(NoList::Suppressed));
    }
    let mut list: Vec<MaskedRecipient> = store
        .open_data_recipients(program, cycle, village)
        .await?
        .into_iter()
        .map(|r| MaskedRecipient {
            masked_name: if r.head_name.trim().is_empty() {
                "-".to_owned()
            } else {
                mask_name(&r.head_name)
            },
            delivered: r.delivered,
        })
        .collect();
    list.sort_by(|a, b| (&a.masked_name, a.delivered).cmp(&(&b.masked_name, b.delivered)));
    Ok(Ok(list))
}
