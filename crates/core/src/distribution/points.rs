//! Distribution points (*titik salur*): the post offices, village halls and e-Warung where cash and goods
//! are handed over, each with its daily slots and capacity per slot (`docs/distribution.md`,
//! "Distribution points and schedules").
//!
//! Cash goes to post offices and village halls, goods to e-Warung ([`serves`]). A point's village
//! decides who may manage it: a grant must cover it.

use chrono::{NaiveTime, Timelike};
use tepat_domain::{Lang, Localized, RegionCode, RegionLevel};
use tepat_store::{DistributionPoint, PointKind, Store, StoreError};
use uuid::Uuid;

use crate::access::{Denied, Grant, ManagePoints, ReadDistribution};
use tepat_domain::distribution::Route;

/// The most households one slot may hold, and the most slots a day: bounds that catch typing errors.
pub const MAX_CAPACITY_PER_SLOT: u32 = 10_000;
pub const MAX_SLOTS_PER_DAY: u32 = 96;

/// A point as an officer enters it (form or CSV row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointInput {
    pub code: String,
    pub name: String,
    pub kind: PointKind,
    pub village: RegionCode,
    pub capacity_per_slot: u32,
    pub slots_per_day: u32,
    pub first_slot: NaiveTime,
    pub slot_minutes: u32,
    pub active: bool,
    pub merchant_account: Option<Uuid>,
}

/// Why a point was not saved.
#[derive(Debug, thiserror::Error)]
pub enum PointError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("the point code is empty or longer than 40 characters; use letters, digits and '-'")]
    BadCode,
    #[error("the point's name is empty or longer than 120 characters")]
    BadName,
    #[error("a point's region must be a village (desa/kelurahan, 10 digits)")]
    NotAVillage,
    #[error("capacity per slot must be 1 to {MAX_CAPACITY_PER_SLOT} and slots per day 1 to {MAX_SLOTS_PER_DAY}")]
    BadCapacity,
    #[error("the slots must fit in one day: first slot plus slots per day times slot length ends after midnight")]
    PastMidnight,
    #[error("only an e-Warung has a merchant account")]
    MerchantNotEWarung,
    #[error("another point already has the code {0}")]
    CodeTaken(String),
    #[error("there is no such distribution point")]
    NotFound,
    #[error("line {line}: {reason}")]
    Csv { line: u64, reason: String },
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for PointError {
    fn from(e: StoreError) -> PointError {
        PointError::Store(e)
    }
}

impl Localized for PointError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            PointError::Denied(d) => d.message(lang),
            PointError::BadCode => "Kode titik salur kosong atau lebih dari 40 karakter; gunakan huruf, \
                angka dan '-'."
                .into(),
            PointError::BadName => "Nama titik salur kosong atau lebih dari 120 karakter.".into(),
            PointError::NotAVillage => {
                "Wilayah titik salur harus desa/kelurahan (kode 10 angka).".into()
            }
            PointError::BadCapacity => format!(
                "Kapasitas per slot harus 1 sampai {MAX_CAPACITY_PER_SLOT} dan jumlah slot per hari 1 \
                 sampai {MAX_SLOTS_PER_DAY}."
            ),
            PointError::PastMidnight => "Slot harus muat dalam satu hari: jam slot pertama ditambah \
                jumlah slot kali lama slot melewati tengah malam."
                .into(),
            PointError::MerchantNotEWarung => "Hanya e-Warung yang memiliki akun agen.".into(),
            PointError::CodeTaken(code) => format!("Kode {code} sudah dipakai titik salur lain."),
            PointError::NotFound => "Titik salur tidak ditemukan.".into(),
            PointError::Csv { line, reason } => format!("baris {line}: {reason}"),
            PointError::Store(e) => e.to_string(),
        }
    }
}

/// Whether a point of `kind` hands over entitlements paid by `route`.
pub fn serves(kind: PointKind, route: Route) -> bool {
    match route {
        Route::Cash => matches!(kind, PointKind::PostOffice | PointKind::VillageHall),
        Route::Goods => kind == PointKind::EWarung,
        Route::Bank | Route::EWallet | Route::Premium => false,
    }
}

/// Checks the rules every stored point obeys.
pub fn validate(input: &PointInput) -> Result<(), PointError> {
    let code = input.code.trim();
    if code.is_empty()
        || code.chars().count() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(PointError::BadCode);
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(PointError::BadName);
    }
    if input.village.level() != RegionLevel::DesaKelurahan {
        return Err(PointError::NotAVillage);
    }
    if !(1..=MAX_CAPACITY_PER_SLOT).contains(&input.capacity_per_slot)
        || !(1..=MAX_SLOTS_PER_DAY).contains(&input.slots_per_day)
        || !(1..=24 * 60).contains(&input.slot_minutes)
    {
        return Err(PointError::BadCapacity);
    }
    let start = i64::from(input.first_slot.hour() * 60 + input.first_slot.minute());
    if start + i64::from(input.slots_per_day) * i64::from(input.slot_minutes) > 24 * 60 {
        return Err(PointError::PastMidnight);
    }
    if input.merchant_account.is_some() && input.kind != PointKind::EWarung {
        return Err(PointError::MerchantNotEWarung);
    }
    Ok(())
}

fn to_point(id: Uuid, input: PointInput) -> DistributionPoint {
    DistributionPoint {
        id,
        code: input.code.trim().to_owned(),
        name: input.name.trim().to_owned(),
        kind: input.kind,
        village: input.village,
        capacity_per_slot: input.capacity_per_slot,
        slots_per_day: input.slots_per_day,
        first_slot: input.first_slot,
        slot_minutes: input.slot_minutes,
        active: input.active,
        merchant_account: input.merchant_account,
    }
}

fn code_taken(e: StoreError, code: &str) -> PointError {
    match e {
        StoreError::Conflict { .. } => PointError::CodeTaken(code.trim().to_owned()),
        other => PointError::Store(other),
    }
}

/// The points inside the grant's scope, by code.
pub async fn list_points(
    store: &dyn Store,
    grant: &Grant<'_, ReadDistribution>,
    active_only: bool,
) -> Result<Vec<DistributionPoint>, PointError> {
    let scope = grant.scope();
    Ok(store
        .points(active_only)
        .await?
        .into_iter()
        .filter(|p| scope.covers(&p.village))
        .collect())
}

/// Adds a point in the grant's region.
pub async fn create_point(
    store: &dyn Store,
    grant: &Grant<'_, ManagePoints>,
    input: PointInput,
) -> Result<DistributionPoint, PointError> {
    validate(&input)?;
    grant.covers(&input.village)?;
    let code = input.code.clone();
    let point = to_point(Uuid::now_v7(), input);
    store
        .insert_point(&point)
        .await
        .map_err(|e| code_taken(e, &code))?;
    Ok(point)
}

/// Rewrites a point; the grant must cover both its old and its new village. Assignments already made
/// stay where they are (reschedule them to move households).
pub async fn update_point(
    store: &dyn Store,
    grant: &Grant<'_, ManagePoints>,
    id: Uuid,
    input: PointInput,
) -> Result<DistributionPoint, PointError> {
    validate(&input)?;
    let old = store.point(id).await?.ok_or(PointError::NotFound)?;
    grant.covers(&old.village)?;
    grant.covers(&input.village)?;
    let code = input.code.clone();
    let point = to_point(id, input);
    if !store
        .update_point(&point)
        .await
        .map_err(|e| code_taken(e, &code))?
    {
        return Err(PointError::NotFound);
    }
    Ok(point)
}

/// What [`import_points`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PointsImported {
    pub created: u64,
    pub updated: u64,
}

/// Creates or updates (by code) every point of a parsed CSV file. Stops at the first refused row,
/// naming its line; rows before it are kept (each row is checked before anything is written by
/// [`parse_points_csv`], so a refusal here is a code conflict or the region).
pub async fn import_points(
    store: &dyn Store,
    grant: &Grant<'_, ManagePoints>,
    rows: Vec<PointInput>,
) -> Result<PointsImported, PointError> {
    for row in &rows {
        grant.covers(&row.village)?;
    }
    let mut done = PointsImported::default();
    for row in rows {
        match store.point_by_code(row.code.trim()).await? {
            Some(old) => {
                update_point(store, grant, old.id, row).await?;
                done.updated += 1;
            }
            None => {
                create_point(store, grant, row).await?;
                done.created += 1;
            }
        }
    }
    Ok(done)
}

/// The CSV header [`parse_points_csv`] reads (`merchant_account` may be empty; `active` is `1`/`0`
/// or `true`/`false`; the first slot is `HH:MM`).
pub const POINTS_CSV_HEADER: &str = "code,name,kind,village_code,capacity_per_slot,slots_per_day,\
first_slot,slot_minutes,active,merchant_account";

/// Reads points from CSV (header [`POINTS_CSV_HEADER`], columns in any order), checking every row; the
/// first bad row is refused with its line number.
pub fn parse_points_csv(bytes: &[u8]) -> Result<Vec<PointInput>, PointError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let bad = |line: u64, reason: &str| PointError::Csv {
        line,
        reason: reason.to_owned(),
    };
    let headers = reader
        .headers()
        .map_err(|_| bad(1, "the header cannot be read"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let names = [
        "code",
        "name",
        "kind",
        "village_code",
        "capacity_per_slot",
        "slots_per_day",
        "first_slot",
        "slot_minutes",
        "active",
    ];
    let mut at = Vec::with_capacity(names.len());
    for name in names {
        at.push(column(name).ok_or_else(|| bad(1, &format!("column {name} is missing")))?);
    }
    let merchant = column("merchant_account");
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|_| bad(line, "the row cannot be read"))?;
        let field = |k: usize| record.get(at[k]).unwrap_or("");
        let number = |k: usize| -> Result<u32, PointError> {
            field(k)
                .parse()
                .map_err(|_| bad(line, &format!("{} is not a whole number", names[k])))
        };
        let input = PointInput {
            code: field(0).to_owned(),
            name: field(1).to_owned(),
            kind: PointKind::parse(field(2))
                .ok_or_else(|| bad(line, "kind must be post_office, village_hall or e_warung"))?,
            village: RegionCode::parse(field(3))
                .map_err(|_| bad(line, "village_code is not a region code"))?,
            capacity_per_slot: number(4)?,
            slots_per_day: number(5)?,
            first_slot: NaiveTime::parse_from_str(field(6), "%H:%M")
                .map_err(|_| bad(line, "first_slot must be HH:MM"))?,
            slot_minutes: number(7)?,
            active: match field(8).to_ascii_lowercase().as_str() {
                "1" | "true" | "ya" | "yes" => true,
                "0" | "false" | "tidak" | "no" => false,
                _ => return Err(bad(line, "active must be 1 or 0")),
            },
            merchant_account: match merchant.and_then(|m| record.get(m)).unwrap_or("") {
                "" => None,
                s => Some(
                    s.parse()
                        .map_err(|_| bad(line, "merchant_account is not an account id"))?,
                ),
            },
        };
        validate(&input).map_err(|e| bad(line, &e.to_string()))?;
        out.push(input);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PointInput {
        PointInput {
            code: "KPOS-01".into(),
            name: "Kantor Pos Tanjung".into(),
            kind: PointKind::PostOffice,
            village: RegionCode::parse("1902012001").unwrap(),
            capacity_per_slot: 50,
            slots_per_day: 8,
            first_slot: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            slot_minutes: 60,
            active: true,
            merchant_account: None,
        }
    }

    #[test]
    fn rules() {
        assert!(validate(&input()).is_ok());
        let late = PointInput {
            first_slot: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
            ..input()
        };
        assert!(matches!(validate(&late), Err(PointError::PastMidnight)));
        let merchant = PointInput {
            merchant_account: Some(Uuid::nil()),
            ..input()
        };
        assert!(matches!(
            validate(&merchant),
            Err(PointError::MerchantNotEWarung)
        ));
        let district = PointInput {
            village: RegionCode::parse("190201").unwrap(),
            ..input()
        };
        assert!(matches!(validate(&district), Err(PointError::NotAVillage)));
        assert!(serves(PointKind::EWarung, Route::Goods));
        assert!(!serves(PointKind::EWarung, Route::Cash));
    }

    #[test]
    fn csv_rows_and_their_lines() {
        let good = format!(
            "{POINTS_CSV_HEADER}\nKPOS-01,Kantor Pos Tanjung,post_office,1902012001,50,8,08:00,60,1,\n"
        );
        let rows = parse_points_csv(good.as_bytes()).unwrap();
        assert_eq!(rows, vec![input()]);
        let bad = format!(
            "{POINTS_CSV_HEADER}\nKPOS-01,Kantor Pos Tanjung,post_office,1902012001,50,8,08:00,60,1,\n\
             X,Balai,village_hall,1902012001,0,8,08:00,60,1,\n"
        );
        match parse_points_csv(bad.as_bytes()) {
            Err(PointError::Csv { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
    }
}
