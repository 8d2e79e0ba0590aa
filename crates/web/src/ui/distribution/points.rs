//! `GET|POST /penyaluran/titik`: distribution points (post offices, village halls, e-Warungs) and the
//! new-point form; `GET|POST /penyaluran/titik/{id}`: editing one (the `ManagePoints` permission).
//! `GET /penyaluran/amplop/{id}/jadwal`: the collection schedule around an envelope's days, each
//! point's load per day and slot against its capacity; `POST …/jadwal/ulang`: moving one recipient to
//! the next free slot of a point (the household id travels in the body).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;
use tepat_core::access::{ManagePoints, ReadDistribution};
use tepat_core::distribution::points::{self as core_points, PointError, PointInput};
use tepat_core::distribution::vouchers::{self, VoucherError};
use tepat_domain::Localized;
use tepat_store::{DistributionPoint, Envelope, PointKind};
use uuid::Uuid;

use super::{fail, message, strings, DistributionStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, see_other, Htmx};

/// Days of loads shown from the envelope's start date.
const SCHEDULE_DAYS: i64 = 31;

#[derive(Template)]
#[template(path = "distribution/points.html")]
struct PointsPage<'a> {
    page: &'a Layout,
    t: &'static DistributionStrings,
    htmx: Htmx,
    points: Vec<PointRow>,
    /// The form: a new point, or the one being edited.
    form: PointForm,
    editing: Option<Uuid>,
    kinds: Vec<(&'static str, &'static str)>,
    error: String,
    notice: &'static str,
}

struct PointRow {
    id: Uuid,
    code: String,
    name: String,
    kind: &'static str,
    village: String,
    capacity: u32,
    slots: u32,
    first_slot: String,
    slot_minutes: u32,
    active: bool,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct PointForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    slots: String,
    #[serde(default)]
    first_slot: String,
    #[serde(default)]
    slot_minutes: String,
    #[serde(default)]
    active: String,
}

fn kind_label(t: &DistributionStrings, k: PointKind) -> &'static str {
    match k {
        PointKind::PostOffice => t.kind_post_office,
        PointKind::VillageHall => t.kind_village_hall,
        PointKind::EWarung => t.kind_e_warung,
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// `GET /penyaluran/titik`.
pub(crate) async fn list(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Query(q): Query<DoneQuery>,
) -> Response {
    let form = PointForm {
        kind: PointKind::VillageHall.code().into(),
        capacity: "50".into(),
        slots: "8".into(),
        first_slot: "08:00".into(),
        slot_minutes: "60".into(),
        active: "on".into(),
        ..PointForm::default()
    };
    let notice = if q.done == "saved" {
        strings(page.lang).done_saved
    } else {
        ""
    };
    show(
        &state,
        &page,
        &user,
        StatusCode::OK,
        form,
        None,
        String::new(),
        notice,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    status: StatusCode,
    form: PointForm,
    editing: Option<Uuid>,
    error: String,
    notice: &'static str,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<ManagePoints>() {
        return forbidden_page(page, &denied);
    }
    let t = strings(page.lang);
    let points = match state.store().points(false).await {
        Ok(p) => p,
        Err(e) => return fail(page, e),
    };
    let points = points
        .into_iter()
        .map(|p| PointRow {
            id: p.id,
            kind: kind_label(t, p.kind),
            village: p.village.dotted(),
            capacity: p.capacity_per_slot,
            slots: p.slots_per_day,
            first_slot: p.first_slot.format("%H:%M").to_string(),
            slot_minutes: p.slot_minutes,
            active: p.active,
            code: p.code,
            name: p.name,
        })
        .collect();
    no_store(render(
        status,
        page.lang,
        &PointsPage {
            page,
            t,
            htmx: Htmx::new(),
            points,
            form,
            editing,
            kinds: [
                PointKind::PostOffice,
                PointKind::VillageHall,
                PointKind::EWarung,
            ]
            .into_iter()
            .map(|k| (k.code(), kind_label(t, k)))
            .collect(),
            error,
            notice,
        },
    ))
}

/// The point the form describes, or `None` when a field is missing or not a number, time or code
/// (the rest is checked by [`core_points::validate`]).
fn point_of(f: &PointForm, merchant: Option<Uuid>) -> Option<PointInput> {
    let number = |s: &str| s.trim().parse::<u32>().ok();
    Some(PointInput {
        code: f.code.trim().to_owned(),
        name: f.name.trim().to_owned(),
        kind: PointKind::parse(f.kind.trim())?,
        village: tepat_domain::RegionCode::parse(f.village.trim()).ok()?,
        capacity_per_slot: number(&f.capacity)?,
        slots_per_day: number(&f.slots)?,
        first_slot: NaiveTime::parse_from_str(f.first_slot.trim(), "%H:%M").ok()?,
        slot_minutes: number(&f.slot_minutes)?,
        active: f.active == "on",
        merchant_account: merchant,
    })
}

/// A point error on the form (422), or the refusal / missing / failure page.
async fn point_failed(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    f: PointForm,
    editing: Option<Uuid>,
    e: PointError,
) -> Response {
    match e {
        PointError::Denied(denied) => forbidden_page(page, &denied),
        PointError::NotFound => message(page, StatusCode::NOT_FOUND, e.message(page.lang)),
        PointError::Store(e) => fail(page, e),
        e => {
            let error = e.message(page.lang);
            show(
                state,
                page,
                user,
                StatusCode::UNPROCESSABLE_ENTITY,
                f,
                editing,
                error,
                "",
            )
            .await
        }
    }
}

/// `POST /penyaluran/titik`.
pub(crate) async fn create(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Form(f): Form<PointForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePoints>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let t = strings(page.lang);
    let Some(input) = point_of(&f, None) else {
        let error = t.bad_point.to_owned();
        return show(
            &state,
            &page,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            f,
            None,
            error,
            "",
        )
        .await;
    };
    match core_points::create_point(state.store(), &grant, input).await {
        Ok(_) => see_other("/penyaluran/titik?done=saved"),
        Err(e) => point_failed(&state, &page, &user, f, None, e).await,
    }
}

/// `GET /penyaluran/titik/{id}`.
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<ManagePoints>() {
        return forbidden_page(&page, &denied);
    }
    let p = match state.store().point(id).await {
        Ok(Some(p)) => p,
        Ok(None) => return message(&page, StatusCode::NOT_FOUND, page.t.not_found_title.into()),
        Err(e) => return fail(&page, e),
    };
    let form = PointForm {
        code: p.code,
        name: p.name,
        kind: p.kind.code().into(),
        village: p.village.dotted(),
        capacity: p.capacity_per_slot.to_string(),
        slots: p.slots_per_day.to_string(),
        first_slot: p.first_slot.format("%H:%M").to_string(),
        slot_minutes: p.slot_minutes.to_string(),
        active: if p.active { "on".into() } else { String::new() },
    };
    show(
        &state,
        &page,
        &user,
        StatusCode::OK,
        form,
        Some(id),
        String::new(),
        "",
    )
    .await
}

/// `POST /penyaluran/titik/{id}`: the merchant account (set by the CSV import) is kept.
pub(crate) async fn save(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    Form(f): Form<PointForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePoints>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let t = strings(page.lang);
    let merchant = match state.store().point(id).await {
        Ok(Some(p)) => p.merchant_account,
        Ok(None) => return message(&page, StatusCode::NOT_FOUND, page.t.not_found_title.into()),
        Err(e) => return fail(&page, e),
    };
    let Some(input) = point_of(&f, merchant) else {
        let error = t.bad_point.to_owned();
        return show(
            &state,
            &page,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            f,
            Some(id),
            error,
            "",
        )
        .await;
    };
    match core_points::update_point(state.store(), &grant, id, input).await {
        Ok(_) => see_other("/penyaluran/titik?done=saved"),
        Err(e) => point_failed(&state, &page, &user, f, Some(id), e).await,
    }
}

#[derive(Template)]
#[template(path = "distribution/schedule.html")]
struct SchedulePage<'a> {
    page: &'a Layout,
    t: &'static DistributionStrings,
    htmx: Htmx,
    e: &'a Envelope,
    points: Vec<PointLoads>,
    /// Active points for the reschedule form: (id, code, name).
    choices: Vec<(Uuid, String, String)>,
    may_reschedule: bool,
    notice: &'static str,
    error: String,
}

struct PointLoads {
    code: String,
    name: String,
    capacity: u32,
    rows: Vec<LoadRow>,
}

struct LoadRow {
    day: String,
    slot: u16,
    time: String,
    load: u32,
    full: bool,
}

/// `GET /penyaluran/amplop/{id}/jadwal`.
pub(crate) async fn schedule(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let notice = if q.done == "rescheduled" {
        strings(page.lang).done_rescheduled
    } else {
        ""
    };
    show_schedule(
        &state,
        &page,
        &user,
        id,
        StatusCode::OK,
        notice,
        String::new(),
    )
    .await
}

async fn show_schedule(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    id: Uuid,
    status: StatusCode,
    notice: &'static str,
    error: String,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<ReadDistribution>() {
        return forbidden_page(page, &denied);
    }
    let store = state.store();
    let envelope = match store.envelope(id).await {
        Ok(Some(e)) => e,
        Ok(None) => return message(page, StatusCode::NOT_FOUND, page.t.not_found_title.into()),
        Err(e) => return fail(page, e),
    };
    let from = envelope.scheduled_date;
    let to = from + Duration::days(SCHEDULE_DAYS);
    let (points, loads) = match (store.points(false).await, store.point_loads(from, to).await) {
        (Ok(p), Ok(l)) => (p, l),
        (Err(e), _) | (_, Err(e)) => return fail(page, e),
    };
    let choices = points
        .iter()
        .filter(|p| p.active)
        .map(|p| (p.id, p.code.clone(), p.name.clone()))
        .collect();
    let mut shown = Vec::new();
    for p in &points {
        let mut rows: Vec<LoadRow> = loads
            .iter()
            .filter(|l| l.point == p.id)
            .map(|l| LoadRow {
                day: l.day.to_string(),
                slot: l.slot,
                time: slot_time(p, l.slot),
                load: l.count,
                full: l.count >= p.capacity_per_slot,
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort_by(|a, b| (&a.day, a.slot).cmp(&(&b.day, b.slot)));
        shown.push(PointLoads {
            code: p.code.clone(),
            name: p.name.clone(),
            capacity: p.capacity_per_slot,
            rows,
        });
    }
    no_store(render(
        status,
        page.lang,
        &SchedulePage {
            page,
            t: strings(page.lang),
            htmx: Htmx::new(),
            e: &envelope,
            points: shown,
            choices,
            may_reschedule: user.actor.can::<ManagePoints>(),
            notice,
            error,
        },
    ))
}

/// When slot `slot` (0-based) of point `p` starts.
fn slot_time(p: &DistributionPoint, slot: u16) -> String {
    let start = p.first_slot + Duration::minutes(i64::from(p.slot_minutes) * i64::from(slot));
    start.format("%H:%M").to_string()
}

#[derive(Deserialize)]
pub(crate) struct RescheduleForm {
    #[serde(default)]
    household: String,
    #[serde(default)]
    point: String,
    #[serde(default)]
    from: String,
}

/// `POST /penyaluran/amplop/{id}/jadwal/ulang`.
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    Form(f): Form<RescheduleForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePoints>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let t = strings(page.lang);
    let refuse = |error: String| {
        show_schedule(
            &state,
            &page,
            &user,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            error,
        )
    };
    let Ok(household) = Uuid::parse_str(f.household.trim()) else {
        return refuse(t.bad_household.into()).await;
    };
    let point = Uuid::parse_str(f.point.trim()).ok();
    let from = match f.from.trim() {
        "" => Utc::now().date_naive(),
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => return refuse(t.bad_date.into()).await,
        },
    };
    match vouchers::reschedule(
        state.store(),
        &grant,
        id,
        household,
        point,
        from,
        Utc::now(),
    )
    .await
    {
        Ok(_) => see_other(&format!("/penyaluran/amplop/{id}/jadwal?done=rescheduled")),
        Err(VoucherError::Denied(denied)) => forbidden_page(&page, &denied),
        Err(VoucherError::EnvelopeNotFound) => {
            message(&page, StatusCode::NOT_FOUND, page.t.not_found_title.into())
        }
        Err(VoucherError::Store(e)) => fail(&page, e),
        Err(e) => refuse(e.message(page.lang)).await,
    }
}
