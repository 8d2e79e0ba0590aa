//! Ratings of each distribution (issue 8; `docs/complaints.md`, "Ratings"): after an entitlement is
//! paid or handed over, the household rates it 1 to 5 stars with an optional comment, once.
//!
//! The form follows a status check and carries its pass (never the NIK or KK number): the pass names
//! the household, and only that household's completed entitlements can be rated. A second rating of the
//! same entitlement changes nothing and says so. [`summary`] gives counts and averages per program,
//! cycle and village for monitoring and open data; [`list`] the ratings with comments for officers.

use tepat_domain::distribution::EntitlementState;
use tepat_domain::{Lang, Localized, RegionCode, Scope};
use tepat_store::{Rating, RatingGroup, Store, StoreError};
use uuid::Uuid;

use crate::access::{Grant, ReadComplaints};
use crate::portal::complaints::{clean_text, Attempt, ComplaintError, FeedbackLimits};
use crate::portal::PassKey;
use crate::registry::Origin;

/// Longest comment, in characters.
pub const MAX_COMMENT: usize = 500;

/// Why a rating was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("{0}")]
    Pass(&'static str),
    #[error("choose 1 to 5 stars")]
    Stars,
    #[error("the comment is too long (at most {MAX_COMMENT} characters) or contains < or >")]
    Comment,
    #[error("this distribution cannot be rated: it is not yours, or not yet paid or handed over")]
    NotRateable,
    #[error("this distribution was rated already; a rating cannot be changed")]
    AlreadyRated,
    #[error("too many attempts from your connection; wait an hour and try again")]
    TooMany,
    #[error("the database failed; try again later")]
    Store,
}

impl From<StoreError> for RatingError {
    fn from(e: StoreError) -> RatingError {
        tracing::error!(error = %e, "a rating failed on the database");
        RatingError::Store
    }
}

impl Localized for RatingError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RatingError::Pass(m), _) => (*m).into(),
            (_, Lang::En) => self.to_string(),
            (RatingError::Stars, Lang::Id) => "pilih 1 sampai 5 bintang".into(),
            (RatingError::Comment, Lang::Id) => format!("komentar terlalu panjang (paling banyak {MAX_COMMENT} karakter) atau memuat < atau >"),
            (RatingError::NotRateable, Lang::Id) => "penyaluran ini tidak dapat dinilai: bukan milik keluarga Anda, atau belum ditransfer/diterima".into(),
            (RatingError::AlreadyRated, Lang::Id) => "penyaluran ini sudah dinilai; penilaian tidak dapat diubah".into(),
            (RatingError::TooMany, Lang::Id) => "terlalu banyak percobaan dari sambungan Anda; tunggu satu jam lalu coba lagi".into(),
            (RatingError::Store, Lang::Id) => "basis data gagal; coba lagi nanti".into(),
        }
    }
}

/// What the rating form sent.
pub struct RatingInput<'a> {
    pub pass: &'a str,
    /// The envelope's id (one entitlement per household per envelope).
    pub envelope: &'a str,
    pub stars: &'a str,
    pub comment: &'a str,
}

/// Rates the pass's household's entitlement in `envelope`, if it is paid or handed over and not
/// rated yet. The pass's language is the citizen's, for its message.
pub async fn rate(
    store: &dyn Store,
    key: &PassKey,
    limits: &FeedbackLimits,
    input: &RatingInput<'_>,
    origin: &Origin,
    lang: Lang,
) -> Result<Rating, RatingError> {
    if !limits.allow(Attempt::Rate, origin.client.as_deref(), origin.now) {
        return Err(RatingError::TooMany);
    }
    let pass = key
        .verify(input.pass, origin.now)
        .map_err(|e| RatingError::Pass(e.message(lang)))?;
    let stars = match input.stars.trim().parse::<u8>() {
        Ok(s @ 1..=5) => s,
        _ => return Err(RatingError::Stars),
    };
    let comment = match input.comment.trim() {
        "" => None,
        c => Some(clean_text("comment", c, MAX_COMMENT).map_err(|_| RatingError::Comment)?),
    };
    let (Some(household), Ok(envelope)) = (pass.household, Uuid::parse_str(input.envelope.trim()))
    else {
        return Err(RatingError::NotRateable);
    };
    let entitlement = store
        .entitlement(envelope, household)
        .await?
        .filter(|e| {
            matches!(
                e.state,
                EntitlementState::Paid | EntitlementState::HandedOver
            )
        })
        .ok_or(RatingError::NotRateable)?;
    let env = store
        .envelope(envelope)
        .await?
        .ok_or(RatingError::NotRateable)?;
    let rating = Rating {
        id: Uuid::now_v7(),
        village: entitlement.village,
        envelope,
        household,
        program: env.program,
        cycle: env.cycle,
        stars,
        comment,
        rated_at: origin.now,
    };
    if store.insert_rating(&rating).await? {
        Ok(rating)
    } else {
        Err(RatingError::AlreadyRated)
    }
}

/// The envelopes this household has rated (so a status page can leave their forms out).
pub async fn rated_envelopes(store: &dyn Store, household: Uuid) -> Result<Vec<Uuid>, StoreError> {
    Ok(store
        .ratings_of_household(household)
        .await?
        .into_iter()
        .map(|r| r.envelope)
        .collect())
}

/// Ratings of one program-cycle in one village.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingSummary {
    pub program: String,
    pub cycle: String,
    pub village: RegionCode,
    pub count: u64,
    /// Stars on average (model math: shown with one decimal, never money).
    pub average: f64,
    /// How many gave 1, 2, 3, 4 and 5 stars.
    pub by_stars: [u64; 5],
}

impl From<RatingGroup> for RatingSummary {
    fn from(g: RatingGroup) -> RatingSummary {
        RatingSummary {
            average: if g.count == 0 {
                0.0
            } else {
                g.stars as f64 / g.count as f64
            },
            program: g.program,
            cycle: g.cycle,
            village: g.village,
            count: g.count,
            by_stars: g.by_stars,
        }
    }
}

/// Counts and averages per program, cycle and village inside `within` (optionally of one program),
/// ordered by program, cycle, village. Public outputs must suppress small counts themselves.
pub async fn summary(
    store: &dyn Store,
    within: &Scope,
    program: Option<&str>,
) -> Result<Vec<RatingSummary>, StoreError> {
    Ok(store
        .rating_groups(within, program)
        .await?
        .into_iter()
        .map(RatingSummary::from)
        .collect())
}

/// Ratings with their comments inside the officer's scope, newest first (optionally of one envelope).
/// Comments are the citizens' words about a hand-over, so the complaints' readers see them.
pub async fn list(
    store: &dyn Store,
    grant: &Grant<'_, ReadComplaints>,
    envelope: Option<Uuid>,
    limit: u32,
) -> Result<Vec<Rating>, ComplaintError> {
    Ok(store.ratings(&grant.scope(), envelope, limit).await?)
}
