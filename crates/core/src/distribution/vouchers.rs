//! Signed vouchers for cash and goods, and the schedule that goes with them (`docs/distribution.md`,
//! "Distribution points and schedules" and "Vouchers and hand-over").
//!
//! [`issue_and_assign`] gives every cash or goods entitlement of a released envelope that has no voucher
//! yet a place, a day and a slot (`tepat_payments::schedule`), a voucher signed with the office's
//! Ed25519 key (`tepat_payments::voucher`) and a `schedule` notice, all in one transaction. Running it
//! again only handles entitlements still without a voucher (rerouted to cash, or unplaced before because
//! no point had room), so it is idempotent.
//!
//! Choices, documented in `docs/distribution.md`:
//! - Validity: from the first distribution day to the later of the last distribution day and the last day
//!   of the envelope's cycle, so a household that misses its slot can still come within the cycle.
//! - The recipient commitment binds the NIK of the household's active head of family (read from the
//!   registry, sealed there). A household without one gets 32 zero bytes: the voucher then carries no
//!   NIK check and the officer checks the family card (KK) by eye.
//! - The order in which households fill days and slots is a SHA-256 of the envelope and household ids
//!   (uniform and different each cycle), never NIK digits.
//! - Cash goes to post offices and village halls, goods to e-Warung (`points::serves`).
//! - A household no point can take gets no voucher yet; the report counts it.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use sha2::{Digest, Sha256};
use tepat_domain::distribution::{CycleCode, EnvelopeState, Route};
use tepat_domain::{Lang, Localized};
use tepat_payments::schedule::{self, Loads, Point, Recipient, ScheduleError, Slot, Unplaced};
use tepat_payments::voucher::{recipient_commitment, SignError, Voucher, VoucherSigner};
use tepat_store::{
    Assignment, DistributionPoint, IssueBatch, Notice, NoticeKind, Store, StoreError,
    StoredVoucher, VoucherCandidate, VoucherEnvelope,
};
use uuid::Uuid;

use crate::access::{Denied, Grant, ManagePoints, ReleaseEnvelope};
use crate::distribution::points::serves;
use crate::distribution::{release_envelope, DistributionError, ReleaseOutcome};
use crate::registry::Origin;

/// The commitment of a voucher whose household has no active head with a NIK: no NIK check.
pub const NO_RECIPIENT: [u8; 32] = [0; 32];
/// How many days after the requested day a reschedule looks for a free slot.
pub const RESCHEDULE_WINDOW_DAYS: i64 = 31;

/// What [`issue_and_assign`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssueReport {
    /// Vouchers issued, each with its assignment and `schedule` notice.
    pub vouchers: u64,
    pub notices: u64,
    /// Entitlements moved from `pending` to `instructed`.
    pub instructed: u64,
    /// Vouchers whose household has no active head with a NIK (no NIK check at hand-over).
    pub without_nik: u64,
    /// Entitlements left without voucher: no active point of the right kind in their regency.
    pub no_point: u64,
    /// Entitlements left without voucher: every near point is full on every day.
    pub all_full: u64,
}

/// Why vouchers were not issued or a household not rescheduled.
#[derive(Debug, thiserror::Error)]
pub enum VoucherError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no distribution days were given")]
    NoDays,
    #[error("there is no such envelope")]
    EnvelopeNotFound,
    #[error("vouchers are issued for an approved envelope being paid, not one that is {}", .0.label(Lang::En))]
    EnvelopeState(EnvelopeState),
    #[error("this household has no voucher in this envelope")]
    NoVoucher,
    #[error("this household has no place and time to move")]
    NotAssigned,
    #[error("the voucher is valid until {0}; choose an earlier day")]
    AfterValidity(NaiveDate),
    #[error("that point does not hand over this kind of aid, or is closed")]
    WrongPoint,
    #[error("the schedule changed meanwhile; open it again")]
    Changed,
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error("the voucher cannot be signed: {0}")]
    Sign(#[from] SignError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for VoucherError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            VoucherError::Denied(d) => d.message(lang),
            VoucherError::NoDays => "Belum ada hari penyaluran yang ditentukan.".into(),
            VoucherError::EnvelopeNotFound => "Amplop tidak ditemukan.".into(),
            VoucherError::EnvelopeState(s) => format!(
                "Voucher hanya diterbitkan untuk amplop yang disetujui dan sedang disalurkan, bukan \
                 yang berstatus {}.",
                s.label(Lang::Id)
            ),
            VoucherError::NoVoucher => "Keluarga ini tidak memiliki voucher pada amplop ini.".into(),
            VoucherError::NotAssigned => {
                "Keluarga ini belum memiliki jadwal dan tempat penyaluran.".into()
            }
            VoucherError::AfterValidity(d) => {
                format!("Voucher berlaku sampai {d}; pilih hari yang lebih awal.")
            }
            VoucherError::WrongPoint => "Titik salur itu tidak menyalurkan jenis bantuan ini atau \
                sedang tidak aktif."
                .into(),
            VoucherError::Changed => "Jadwal sudah diubah orang lain; buka kembali.".into(),
            VoucherError::Schedule(e) => e.message(lang),
            VoucherError::Sign(e) => format!("Voucher tidak dapat ditandatangani: {e}"),
            VoucherError::Store(e) => e.to_string(),
        }
    }
}

/// The key that orders households within a schedule: uniform, and different in every envelope.
pub fn schedule_key(envelope: Uuid, household: Uuid) -> u64 {
    let digest = Sha256::new()
        .chain_update(b"tepat/schedule/v1\n")
        .chain_update(envelope.as_bytes())
        .chain_update(household.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// The goods line of a goods voucher (what the e-Warung hands over is the program's package).
fn goods_of(program: &str, route: Route) -> Option<String> {
    (route == Route::Goods).then(|| format!("Bantuan pangan {program}"))
}

/// The validity of an envelope's vouchers (see the module documentation).
pub fn validity(cycle: &str, days: &[NaiveDate]) -> Option<(NaiveDate, NaiveDate)> {
    let first = *days.iter().min()?;
    let last = *days.iter().max()?;
    let cycle_end = cycle.parse::<CycleCode>().map(|c| c.period().1).ok();
    Some((first, cycle_end.map_or(last, |end| end.max(last))))
}

/// The schedule's view of points that serve `route`, and their ids in the same order.
fn points_for(points: &[DistributionPoint], route: Route) -> Vec<&DistributionPoint> {
    points
        .iter()
        .filter(|p| p.active && serves(p.kind, route))
        .collect()
}

fn schedule_points(points: &[&DistributionPoint]) -> Vec<Point> {
    points
        .iter()
        .map(|p| Point {
            village: p.village.dotted(),
            capacity_per_slot: p.capacity_per_slot,
            slots_per_day: p.slots_per_day,
        })
        .collect()
}

/// Loads of `points` over `days` from the stored assignments of every envelope.
async fn current_loads(
    store: &dyn Store,
    points: &[&DistributionPoint],
    spoints: &[Point],
    days: &[NaiveDate],
) -> Result<Loads, VoucherError> {
    let mut loads = Loads::new(spoints, days.len())?;
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(loads);
    };
    let index: HashMap<Uuid, u32> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i as u32))
        .collect();
    let day_index: HashMap<NaiveDate, u16> = days
        .iter()
        .enumerate()
        .map(|(i, d)| (*d, i as u16))
        .collect();
    for load in store.point_loads(*first, *last).await? {
        let (Some(&point), Some(&day)) = (index.get(&load.point), day_index.get(&load.day)) else {
            continue;
        };
        for _ in 0..load.count {
            // A slot a point no longer has (its slots were reduced) or one over capacity is not
            // counted: the schedule cannot add there anyway.
            if loads
                .add(Slot {
                    point,
                    day,
                    slot: load.slot,
                })
                .is_err()
            {
                break;
            }
        }
    }
    Ok(loads)
}

/// The `schedule` notice body: where, when and how much, without NIK or names.
fn schedule_body(
    point: &DistributionPoint,
    day: NaiveDate,
    slot: u16,
    amount: i64,
    route: Route,
    voucher: Uuid,
) -> String {
    serde_json::json!({
        "point_code": point.code,
        "point_name": point.name,
        "point_kind": point.kind.code(),
        "day": day.to_string(),
        "slot": slot,
        "slot_time": point.slot_time(slot).format("%H:%M").to_string(),
        "slot_minutes": point.slot_minutes,
        "amount": amount,
        "route": route.code(),
        "voucher": voucher,
    })
    .to_string()
}

/// Everything [`place`] needs about the envelope.
struct Context<'a> {
    envelope: &'a VoucherEnvelope,
    signer: &'a VoucherSigner,
    days: &'a [NaiveDate],
    valid: (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
}

/// Assigns `candidates` (all of one route) and adds their vouchers, assignments and notices to `batch`.
async fn place(
    store: &dyn Store,
    ctx: &Context<'_>,
    all_points: &[DistributionPoint],
    route: Route,
    candidates: &[&VoucherCandidate],
    batch: &mut IssueBatch,
    report: &mut IssueReport,
) -> Result<(), VoucherError> {
    if candidates.is_empty() {
        return Ok(());
    }
    let points = points_for(all_points, route);
    let spoints = schedule_points(&points);
    let loads = current_loads(store, &points, &spoints, ctx.days).await?;
    let recipients: Vec<Recipient> = candidates
        .iter()
        .map(|c| Recipient {
            village: c.village.dotted(),
            key: schedule_key(ctx.envelope.id, c.household),
        })
        .collect();
    let made = schedule::assign_onto(&spoints, &recipients, loads);
    report.no_point += made.summary.unplaced(Unplaced::NoPointInRegency) as u64;
    report.all_full += made.summary.unplaced(Unplaced::AllFull) as u64;
    for (candidate, slot) in candidates.iter().zip(&made.slots) {
        let Some(slot) = slot else { continue };
        let point = points[slot.point as usize];
        let day = ctx.days[usize::from(slot.day)];
        let id = Uuid::now_v7();
        let recipient = match &candidate.head_nik {
            Some(nik) => recipient_commitment(id, nik.digits()),
            None => {
                report.without_nik += 1;
                NO_RECIPIENT
            }
        };
        let voucher = StoredVoucher {
            id,
            envelope: ctx.envelope.id,
            household: candidate.household,
            amount: candidate.amount,
            goods: goods_of(&ctx.envelope.program, route),
            recipient,
            valid_from: ctx.valid.0,
            valid_until: ctx.valid.1,
            key_id: ctx.signer.key_id().to_owned(),
            issued_at: ctx.now,
        };
        // One signature refuses, before anything is stored, fields the page could not read (too
        // long); the others share program, cycle and goods, so one check is enough.
        if batch.vouchers.is_empty() {
            render(
                &voucher,
                &ctx.envelope.program,
                &ctx.envelope.cycle,
                ctx.signer,
            )?;
        }
        batch.notices.push(Notice {
            id: Uuid::now_v7(),
            household: candidate.household,
            kind: NoticeKind::Schedule,
            program: ctx.envelope.program.clone(),
            cycle: ctx.envelope.cycle.clone(),
            body: schedule_body(point, day, slot.slot, candidate.amount.amount(), route, id),
            created_at: ctx.now,
            delivered_at: None,
        });
        batch.assignments.push(Assignment {
            envelope: ctx.envelope.id,
            household: candidate.household,
            point: point.id,
            day,
            slot: slot.slot,
            assigned_at: ctx.now,
            version: 1,
        });
        batch.vouchers.push(voucher);
    }
    Ok(())
}

/// Issues vouchers with a place and time for the envelope's cash and goods entitlements that have none
/// (see the module documentation). `days` are the distribution days (any order). The caller holds the
/// grant that released the envelope or rerouted its entitlements.
pub async fn issue_and_assign(
    store: &dyn Store,
    signer: &VoucherSigner,
    envelope: Uuid,
    days: &[NaiveDate],
    now: DateTime<Utc>,
) -> Result<IssueReport, VoucherError> {
    let mut days = days.to_vec();
    days.sort_unstable();
    days.dedup();
    let head = store
        .voucher_envelope(envelope)
        .await?
        .ok_or(VoucherError::EnvelopeNotFound)?;
    if !matches!(head.state, EnvelopeState::Approved | EnvelopeState::Paying) {
        return Err(VoucherError::EnvelopeState(head.state));
    }
    let valid = validity(&head.cycle, &days).ok_or(VoucherError::NoDays)?;
    let candidates = store.voucher_candidates(envelope).await?;
    let points = store.points(true).await?;
    let ctx = Context {
        envelope: &head,
        signer,
        days: &days,
        valid,
        now,
    };
    let mut batch = IssueBatch::default();
    let mut report = IssueReport::default();
    for route in [Route::Cash, Route::Goods] {
        let of_route: Vec<&VoucherCandidate> =
            candidates.iter().filter(|c| c.route == route).collect();
        place(
            store,
            &ctx,
            &points,
            route,
            &of_route,
            &mut batch,
            &mut report,
        )
        .await?;
    }
    let counts = store.issue_vouchers(&batch).await?;
    report.vouchers = counts.vouchers;
    report.notices = counts.notices;
    report.instructed = counts.instructed;
    Ok(report)
}

/// `n` distribution days from `start` (the envelope's scheduled date), skipping Sundays, when the
/// office gives no list of its own.
pub fn distribution_days(start: NaiveDate, n: usize) -> Vec<NaiveDate> {
    start
        .iter_days()
        .filter(|d| d.weekday() != Weekday::Sun)
        .take(n)
        .collect()
}

/// Releases an approved envelope ([`crate::distribution::release_envelope`]) and then issues its
/// vouchers with their schedule over `days`. The release stands even if issuing fails (for example no
/// point has room): run [`issue_and_assign`] again once points are added.
pub async fn release_with_vouchers(
    store: &dyn Store,
    grant: &Grant<'_, ReleaseEnvelope>,
    signer: &VoucherSigner,
    id: Uuid,
    days: &[NaiveDate],
    origin: &Origin,
) -> Result<(ReleaseOutcome, Result<IssueReport, VoucherError>), DistributionError> {
    let released = release_envelope(store, grant, id, origin).await?;
    let issued = issue_and_assign(store, signer, id, days, origin.now).await;
    Ok((released, issued))
}

/// The voucher's text for the QR code (`TPV1.…`), signed with `signer` (whose key id it then carries:
/// after a key rotation a re-rendered voucher is signed with the new key; printed ones keep verifying
/// while the old public key stays in the published key list).
pub fn render(
    voucher: &StoredVoucher,
    program: &str,
    cycle: &str,
    signer: &VoucherSigner,
) -> Result<String, VoucherError> {
    Ok(signer.sign(&Voucher {
        id: voucher.id,
        program: program.to_owned(),
        cycle: cycle.to_owned(),
        amount: voucher.amount,
        goods: voucher.goods.clone(),
        recipient: voucher.recipient,
        valid_from: voucher.valid_from,
        valid_until: voucher.valid_until,
        key_id: signer.key_id().to_owned(),
    })?)
}

/// The voucher text of a household's entitlement in an envelope, if it has a voucher. For the
/// household itself (the citizen page) or an officer holding a read grant; the caller checks which.
pub async fn voucher_text(
    store: &dyn Store,
    signer: &VoucherSigner,
    envelope: Uuid,
    household: Uuid,
) -> Result<Option<String>, VoucherError> {
    let Some(voucher) = store.voucher_of(envelope, household).await? else {
        return Ok(None);
    };
    let head = store
        .voucher_envelope(envelope)
        .await?
        .ok_or(VoucherError::EnvelopeNotFound)?;
    render(&voucher, &head.program, &head.cycle, signer).map(Some)
}

/// Moves a household's hand-over to the earliest free slot on or after `from_day` (at `to_point` when
/// given, else at the nearest point with room), within the voucher's validity and at most
/// [`RESCHEDULE_WINDOW_DAYS`] later, and sends a new `schedule` notice. Capacity is checked against the
/// stored loads; two officers moving households into the last free place at the same moment may
/// overfill it by one (the store keeps no per-slot lock).
pub async fn reschedule(
    store: &dyn Store,
    grant: &Grant<'_, ManagePoints>,
    envelope: Uuid,
    household: Uuid,
    to_point: Option<Uuid>,
    from_day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Assignment, VoucherError> {
    let voucher = store
        .voucher_of(envelope, household)
        .await?
        .ok_or(VoucherError::NoVoucher)?;
    let ctx = store
        .voucher_context(voucher.id)
        .await?
        .ok_or(VoucherError::NoVoucher)?;
    grant.covers(&ctx.village)?;
    let current = store
        .assignment(envelope, household)
        .await?
        .ok_or(VoucherError::NotAssigned)?;
    if from_day > voucher.valid_until {
        return Err(VoucherError::AfterValidity(voucher.valid_until));
    }
    let last = voucher
        .valid_until
        .min(from_day + Duration::days(RESCHEDULE_WINDOW_DAYS));
    let days: Vec<NaiveDate> = from_day.iter_days().take_while(|d| *d <= last).collect();
    let all_points = store.points(true).await?;
    let points = points_for(&all_points, ctx.route);
    let point_index = match to_point {
        Some(id) => Some(
            points
                .iter()
                .position(|p| p.id == id)
                .ok_or(VoucherError::WrongPoint)? as u32,
        ),
        None => None,
    };
    let spoints = schedule_points(&points);
    let mut loads = current_loads(store, &points, &spoints, &days).await?;
    let current_slot = points
        .iter()
        .position(|p| p.id == current.point)
        .zip(days.iter().position(|d| *d == current.day))
        .map(|(point, day)| Slot {
            point: point as u32,
            day: day as u16,
            slot: current.slot,
        });
    let recipient = Recipient {
        village: ctx.village.dotted(),
        key: schedule_key(envelope, household),
    };
    let slot = schedule::reschedule(
        &spoints,
        &mut loads,
        &recipient,
        current_slot,
        point_index,
        0,
    )?;
    let point = points[slot.point as usize];
    let day = days[usize::from(slot.day)];
    let moved = Assignment {
        envelope,
        household,
        point: point.id,
        day,
        slot: slot.slot,
        assigned_at: now,
        version: current.version + 1,
    };
    let notice = Notice {
        id: Uuid::now_v7(),
        household,
        kind: NoticeKind::Schedule,
        program: ctx.program.clone(),
        cycle: ctx.cycle.clone(),
        body: schedule_body(
            point,
            day,
            slot.slot,
            voucher.amount.amount(),
            ctx.route,
            voucher.id,
        ),
        created_at: now,
        delivered_at: None,
    };
    store
        .reschedule(&moved, current.version, &notice)
        .await?
        .ok_or(VoucherError::Changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_runs_to_the_later_of_the_cycle_end_and_the_last_day() {
        let d = |m, day| NaiveDate::from_ymd_opt(2027, m, day).unwrap();
        assert_eq!(
            validity("2027-T1", &[d(2, 10), d(2, 3)]),
            Some((d(2, 3), d(3, 31)))
        );
        assert_eq!(
            validity("2027-01", &[d(1, 28), d(2, 4)]),
            Some((d(1, 28), d(2, 4)))
        );
        assert_eq!(validity("2027-01", &[]), None);
    }

    #[test]
    fn distribution_days_skip_sundays() {
        let sat = NaiveDate::from_ymd_opt(2027, 2, 6).unwrap();
        let days = distribution_days(sat, 3);
        assert_eq!(
            days,
            [sat, sat + Duration::days(2), sat + Duration::days(3)]
        );
    }

    #[test]
    fn schedule_keys_differ_per_envelope() {
        let h = Uuid::now_v7();
        assert_ne!(
            schedule_key(Uuid::now_v7(), h),
            schedule_key(Uuid::now_v7(), h)
        );
        let e = Uuid::now_v7();
        assert_eq!(schedule_key(e, h), schedule_key(e, h));
    }
}
