//! *Verifikasi dan validasi* (verification and validation): the steps every request goes through before
//! it changes the registry.
//!
//! ```text
//! proposed ──verify (village, field visit)──▶ village_verified ──review (district)──▶ district_reviewed
//!     ──verify (Dinas Sosial)──▶ dinas_verified ──approve (approver)──▶ approved (applied to the registry)
//! any open stage ──reject (whoever's turn it is)──▶ rejected
//! village_verified / district_reviewed / dinas_verified ──return (whoever's turn it is)──▶ one stage back
//! ```
//!
//! Each stage has one [`Step`] whose turn it is; only that level may act on it. Every transition keeps
//! who, when and why ([`Transition`]); approved and rejected requests are closed for good (a new request
//! corrects a wrong decision, so the history is never rewritten).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::change::ChangeKind;
use crate::access::Role;
use crate::lang::{Lang, Localized};
use crate::person::code_list;
use crate::region::RegionCode;

/// Longest reason kept with a transition.
pub const MAX_REASON_CHARS: usize = 500;

code_list! {
    /// Where a request is.
    Stage {
        Proposed => "proposed", "diusulkan", "proposed";
        VillageVerified => "village_verified", "diverifikasi desa", "verified by the village";
        DistrictReviewed => "district_reviewed", "diperiksa kecamatan", "reviewed by the district";
        DinasVerified => "dinas_verified", "diverifikasi Dinas Sosial", "verified by Dinas Sosial";
        Approved => "approved", "disetujui", "approved";
        Rejected => "rejected", "ditolak", "rejected";
    }
}

code_list! {
    /// Whose turn it is: the level that acts on a stage.
    Step {
        Village => "village", "desa/kelurahan", "village";
        District => "district", "kecamatan", "district";
        Dinas => "dinas", "Dinas Sosial", "Dinas Sosial";
        Decision => "decision", "pejabat pengesah", "approver";
    }
}

code_list! {
    /// What happened in a transition.
    EventKind {
        Propose => "propose", "diusulkan", "proposed";
        Verify => "verify", "diverifikasi desa", "verified in the village";
        Review => "review", "diperiksa kecamatan", "reviewed by the district";
        VerifyAtDinas => "verify_at_dinas", "diverifikasi Dinas Sosial", "verified by Dinas Sosial";
        Approve => "approve", "disetujui", "approved";
        Reject => "reject", "ditolak", "rejected";
        Return => "return", "dikembalikan", "returned";
    }
}

impl Stage {
    /// The level whose turn it is, `None` once the request is closed.
    pub fn turn(self) -> Option<Step> {
        match self {
            Stage::Proposed => Some(Step::Village),
            Stage::VillageVerified => Some(Step::District),
            Stage::DistrictReviewed => Some(Step::Dinas),
            Stage::DinasVerified => Some(Step::Decision),
            Stage::Approved | Stage::Rejected => None,
        }
    }

    pub fn is_closed(self) -> bool {
        self.turn().is_none()
    }

    /// The stage a return sends the request back to.
    fn previous(self) -> Option<Stage> {
        match self {
            Stage::VillageVerified => Some(Stage::Proposed),
            Stage::DistrictReviewed => Some(Stage::VillageVerified),
            Stage::DinasVerified => Some(Stage::DistrictReviewed),
            _ => None,
        }
    }
}

/// Something a level does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The village's field verification, on the day of the visit.
    Verify {
        visited_on: NaiveDate,
    },
    Review,
    VerifyAtDinas,
    Approve,
    Reject,
    Return,
}

impl Event {
    pub fn kind(self) -> EventKind {
        match self {
            Event::Verify { .. } => EventKind::Verify,
            Event::Review => EventKind::Review,
            Event::VerifyAtDinas => EventKind::VerifyAtDinas,
            Event::Approve => EventKind::Approve,
            Event::Reject => EventKind::Reject,
            Event::Return => EventKind::Return,
        }
    }

    /// The stage this event moves forward from (reject and return work from any open stage).
    fn forward_from(self) -> Option<(Stage, Stage)> {
        match self {
            Event::Verify { .. } => Some((Stage::Proposed, Stage::VillageVerified)),
            Event::Review => Some((Stage::VillageVerified, Stage::DistrictReviewed)),
            Event::VerifyAtDinas => Some((Stage::DistrictReviewed, Stage::DinasVerified)),
            Event::Approve => Some((Stage::DinasVerified, Stage::Approved)),
            Event::Reject | Event::Return => None,
        }
    }
}

/// Who acted: the account and the role it acted in (ids only; names live with the accounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Who {
    pub user: Uuid,
    pub role: Role,
}

/// One step of a request's history: who moved it from where to where, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// `None` for the proposal itself.
    pub from: Option<Stage>,
    pub to: Stage,
    pub event: EventKind,
    pub by: Who,
    pub at: DateTime<Utc>,
    pub reason: String,
    /// The day of the field visit, for a village verification.
    pub visited_on: Option<NaiveDate>,
}

/// A request (*usulan*) moving through the workflow: its current stage and its whole history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub id: Uuid,
    pub kind: ChangeKind,
    /// The household the request is about (for a new household, the one it creates).
    pub household: Uuid,
    /// The village that scopes the request (the household's; for a move, where it comes from).
    pub village: RegionCode,
    pub stage: Stage,
    pub history: Vec<Transition>,
}

impl Request {
    /// A new request at [`Stage::Proposed`], its history starting with the proposal.
    pub fn propose(
        id: Uuid,
        kind: ChangeKind,
        household: Uuid,
        village: RegionCode,
        by: Who,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<Request, WorkflowError> {
        let reason = check_reason(reason)?;
        Ok(Request {
            id,
            kind,
            household,
            village,
            stage: Stage::Proposed,
            history: vec![Transition {
                from: None,
                to: Stage::Proposed,
                event: EventKind::Propose,
                by,
                at,
                reason,
                visited_on: None,
            }],
        })
    }

    /// The transition `event` would make, acting as `acting`, without changing the request: for callers
    /// that must write it to the database before they may believe it.
    pub fn plan(
        &self,
        acting: Step,
        event: Event,
        by: Who,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<Transition, WorkflowError> {
        let stage = self.stage;
        let turn = stage.turn().ok_or(WorkflowError::Closed { stage })?;
        if acting != turn {
            return Err(WorkflowError::NotYourTurn {
                stage,
                turn,
                acting,
            });
        }
        let to = match (event, event.forward_from()) {
            (_, Some((from, to))) if from == stage => to,
            (Event::Reject, None) => Stage::Rejected,
            (Event::Return, None) => stage.previous().ok_or(WorkflowError::NothingToReturnTo)?,
            _ => {
                return Err(WorkflowError::NotAllowed {
                    stage,
                    event: event.kind(),
                })
            }
        };
        let visited_on = match event {
            Event::Verify { visited_on } => {
                self.check_visit(visited_on, at)?;
                Some(visited_on)
            }
            _ => None,
        };
        Ok(Transition {
            from: Some(stage),
            to,
            event: event.kind(),
            by,
            at,
            reason: check_reason(reason)?,
            visited_on,
        })
    }

    /// Plans and applies the transition.
    pub fn advance(
        &mut self,
        acting: Step,
        event: Event,
        by: Who,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<&Transition, WorkflowError> {
        let t = self.plan(acting, event, by, at, reason)?;
        self.stage = t.to;
        self.history.push(t);
        Ok(self.history.last().expect("just pushed"))
    }

    pub fn proposed_at(&self) -> Option<DateTime<Utc>> {
        self.history.first().map(|t| t.at)
    }

    /// A field visit happens after the proposal and not in the future.
    fn check_visit(&self, visited_on: NaiveDate, at: DateTime<Utc>) -> Result<(), WorkflowError> {
        let proposed = self.proposed_at().map(|t| t.date_naive());
        if visited_on > at.date_naive() || proposed.is_some_and(|p| visited_on < p) {
            Err(WorkflowError::VisitDate)
        } else {
            Ok(())
        }
    }
}

fn check_reason(reason: &str) -> Result<String, WorkflowError> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(WorkflowError::ReasonMissing)
    } else if reason.chars().count() > MAX_REASON_CHARS {
        Err(WorkflowError::ReasonTooLong)
    } else if reason.chars().any(|c| c.is_control() && c != '\n') {
        Err(WorkflowError::ReasonControl)
    } else {
        Ok(reason.to_owned())
    }
}

/// Why a transition is not possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("this request is already {} and cannot change any more; make a new request", stage.label(Lang::En))]
    Closed { stage: Stage },
    #[error(
        "this request is {} and waits for the {}, not the {}",
        stage.label(Lang::En),
        turn.label(Lang::En),
        acting.label(Lang::En)
    )]
    NotYourTurn {
        stage: Stage,
        turn: Step,
        acting: Step,
    },
    #[error("a request that is {} cannot be {}", stage.label(Lang::En), event.label(Lang::En))]
    NotAllowed { stage: Stage, event: EventKind },
    #[error("a request that is still proposed cannot be returned; reject it instead")]
    NothingToReturnTo,
    #[error("the field visit date must be between the proposal and today")]
    VisitDate,
    #[error("give a reason (why) for this step")]
    ReasonMissing,
    #[error("the reason is too long (at most 500 characters)")]
    ReasonTooLong,
    #[error("the reason contains control characters")]
    ReasonControl,
}

impl WorkflowError {
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowError::Closed { .. } => "request_closed",
            WorkflowError::NotYourTurn { .. } => "not_your_turn",
            WorkflowError::NotAllowed { .. } => "transition_not_allowed",
            WorkflowError::NothingToReturnTo => "nothing_to_return_to",
            WorkflowError::VisitDate => "visit_date",
            WorkflowError::ReasonMissing => "reason_missing",
            WorkflowError::ReasonTooLong => "reason_too_long",
            WorkflowError::ReasonControl => "reason_control",
        }
    }
}

impl Localized for WorkflowError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        let id = Lang::Id;
        match self {
            WorkflowError::Closed { stage } => format!(
                "usulan ini sudah {} dan tidak dapat diubah lagi; buat usulan baru",
                stage.label(id)
            ),
            WorkflowError::NotYourTurn {
                stage,
                turn,
                acting,
            } => format!(
                "usulan ini berstatus {} dan menunggu {}, bukan {}",
                stage.label(id),
                turn.label(id),
                acting.label(id)
            ),
            WorkflowError::NotAllowed { stage, event } => format!(
                "usulan berstatus {} tidak dapat {}",
                stage.label(id),
                event.label(id)
            ),
            WorkflowError::NothingToReturnTo => {
                "usulan yang masih diusulkan tidak dapat dikembalikan; tolak saja".into()
            }
            WorkflowError::VisitDate => {
                "tanggal kunjungan lapangan harus antara tanggal usulan dan hari ini".into()
            }
            WorkflowError::ReasonMissing => "isi alasan (mengapa) untuk langkah ini".into(),
            WorkflowError::ReasonTooLong => {
                "alasan terlalu panjang (paling banyak 500 karakter)".into()
            }
            WorkflowError::ReasonControl => "alasan mengandung karakter kontrol".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn who(role: Role) -> Who {
        Who {
            user: Uuid::now_v7(),
            role,
        }
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap()
    }

    fn request() -> Request {
        Request::propose(
            Uuid::now_v7(),
            ChangeKind::NewHousehold,
            Uuid::now_v7(),
            RegionCode::parse("19.02.01.2001").unwrap(),
            who(Role::VillageOperator),
            at(1),
            "usulan warga",
        )
        .unwrap()
    }

    fn visit(day: u32) -> Event {
        Event::Verify {
            visited_on: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
        }
    }

    /// The whole happy path, each level in turn.
    fn approved() -> Request {
        let mut r = request();
        r.advance(
            Step::Village,
            visit(2),
            who(Role::VillageOperator),
            at(2),
            "dikunjungi",
        )
        .unwrap();
        r.advance(
            Step::District,
            Event::Review,
            who(Role::DistrictOperator),
            at(3),
            "lengkap",
        )
        .unwrap();
        r.advance(
            Step::Dinas,
            Event::VerifyAtDinas,
            who(Role::Verifier),
            at(4),
            "sesuai",
        )
        .unwrap();
        r.advance(
            Step::Decision,
            Event::Approve,
            who(Role::Approver),
            at(5),
            "layak",
        )
        .unwrap();
        r
    }

    #[test]
    fn the_happy_path_records_who_when_and_why() {
        let r = approved();
        assert_eq!(r.stage, Stage::Approved);
        let stages: Vec<_> = r.history.iter().map(|t| t.to).collect();
        assert_eq!(
            stages,
            [
                Stage::Proposed,
                Stage::VillageVerified,
                Stage::DistrictReviewed,
                Stage::DinasVerified,
                Stage::Approved
            ]
        );
        let verify = &r.history[1];
        assert_eq!(verify.by.role, Role::VillageOperator);
        assert_eq!(verify.at, at(2));
        assert_eq!(verify.reason, "dikunjungi");
        assert_eq!(verify.visited_on, NaiveDate::from_ymd_opt(2026, 11, 2));
        assert_eq!(r.history[4].reason, "layak");
        // Every transition starts where the previous ended.
        for pair in r.history.windows(2) {
            assert_eq!(pair[1].from, Some(pair[0].to));
        }
    }

    #[test]
    fn only_the_level_whose_turn_it_is_may_act() {
        let mut r = request();
        let err = r
            .advance(
                Step::Decision,
                Event::Approve,
                who(Role::Approver),
                at(2),
                "langsung",
            )
            .unwrap_err();
        assert_eq!(
            err,
            WorkflowError::NotYourTurn {
                stage: Stage::Proposed,
                turn: Step::Village,
                acting: Step::Decision
            }
        );
        assert!(err.message(Lang::Id).contains("menunggu desa/kelurahan"));
        assert!(err.message(Lang::En).contains("waits for the village"));
        assert_eq!(r.stage, Stage::Proposed, "a refused step changes nothing");
        assert_eq!(r.history.len(), 1);
        // The right level with the wrong event.
        assert_eq!(
            r.advance(
                Step::Village,
                Event::Approve,
                who(Role::VillageOperator),
                at(2),
                "x"
            )
            .unwrap_err(),
            WorkflowError::NotAllowed {
                stage: Stage::Proposed,
                event: EventKind::Approve
            }
        );
    }

    #[test]
    fn closed_requests_stay_closed() {
        let mut r = approved();
        for event in [Event::Reject, Event::Return, Event::Approve] {
            assert_eq!(
                r.advance(Step::Decision, event, who(Role::Approver), at(6), "lagi")
                    .unwrap_err(),
                WorkflowError::Closed {
                    stage: Stage::Approved
                }
            );
        }
        let mut r = request();
        r.advance(
            Step::Village,
            Event::Reject,
            who(Role::VillageOperator),
            at(2),
            "tidak ditemukan",
        )
        .unwrap();
        assert_eq!(r.stage, Stage::Rejected);
        assert!(r
            .advance(
                Step::Village,
                visit(2),
                who(Role::VillageOperator),
                at(2),
                "x"
            )
            .is_err());
    }

    #[test]
    fn returns_go_one_stage_back_and_need_a_reason() {
        let mut r = request();
        assert_eq!(
            r.advance(
                Step::Village,
                Event::Return,
                who(Role::VillageOperator),
                at(2),
                "x"
            )
            .unwrap_err(),
            WorkflowError::NothingToReturnTo
        );
        r.advance(
            Step::Village,
            visit(2),
            who(Role::VillageOperator),
            at(2),
            "ok",
        )
        .unwrap();
        assert_eq!(
            r.advance(
                Step::District,
                Event::Return,
                who(Role::DistrictOperator),
                at(3),
                "  "
            )
            .unwrap_err(),
            WorkflowError::ReasonMissing
        );
        r.advance(
            Step::District,
            Event::Return,
            who(Role::DistrictOperator),
            at(3),
            "foto kurang",
        )
        .unwrap();
        assert_eq!(r.stage, Stage::Proposed);
        assert_eq!(r.history.last().unwrap().event, EventKind::Return);
    }

    #[test]
    fn the_field_visit_date_is_checked() {
        let mut r = request();
        let future = r.advance(
            Step::Village,
            visit(9),
            who(Role::VillageOperator),
            at(2),
            "ok",
        );
        assert_eq!(future.unwrap_err(), WorkflowError::VisitDate);
        let before = Event::Verify {
            visited_on: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
        };
        let early = r.advance(
            Step::Village,
            before,
            who(Role::VillageOperator),
            at(2),
            "ok",
        );
        assert_eq!(early.unwrap_err(), WorkflowError::VisitDate);
    }

    #[test]
    fn reasons_are_bounded() {
        assert_eq!(
            check_reason(&"a".repeat(501)),
            Err(WorkflowError::ReasonTooLong)
        );
        assert_eq!(check_reason("a\u{0}b"), Err(WorkflowError::ReasonControl));
        assert_eq!(check_reason(" baris\nkedua "), Ok("baris\nkedua".into()));
        assert!(Request::propose(
            Uuid::nil(),
            ChangeKind::Death,
            Uuid::nil(),
            RegionCode::parse("19.02.01.2001").unwrap(),
            who(Role::VillageOperator),
            at(1),
            ""
        )
        .is_err());
    }

    #[test]
    fn every_error_speaks_both_languages() {
        let errors = [
            WorkflowError::Closed {
                stage: Stage::Rejected,
            },
            WorkflowError::NotAllowed {
                stage: Stage::Proposed,
                event: EventKind::Review,
            },
            WorkflowError::NothingToReturnTo,
            WorkflowError::VisitDate,
            WorkflowError::ReasonMissing,
            WorkflowError::ReasonTooLong,
            WorkflowError::ReasonControl,
        ];
        for e in errors {
            assert_ne!(e.message(Lang::Id), e.message(Lang::En), "{e:?}");
            assert!(!e.code().is_empty());
        }
    }

    fn any_event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (1u32..=28).prop_map(visit),
            Just(Event::Review),
            Just(Event::VerifyAtDinas),
            Just(Event::Approve),
            Just(Event::Reject),
            Just(Event::Return),
        ]
    }

    fn any_step() -> impl Strategy<Value = Step> {
        prop::sample::select(Step::ALL.to_vec())
    }

    proptest! {
        /// Whatever sequence of steps anyone tries: the history is a connected path from `proposed`,
        /// refused steps change nothing, nothing leaves a closed stage, and `approved` comes only right
        /// after Dinas Sosial's verification.
        #[test]
        fn random_sequences_keep_the_invariants(
            attempts in prop::collection::vec((any_step(), any_event(), 1u32..=28), 0..40)
        ) {
            let mut r = request();
            for (step, event, day) in attempts {
                let before = r.clone();
                match r.advance(step, event, who(Role::Admin), at(day), "alasan") {
                    Ok(t) => {
                        prop_assert_eq!(t.from, Some(before.stage));
                        prop_assert_eq!(Some(step), before.stage.turn());
                    }
                    Err(_) => prop_assert_eq!(&r, &before),
                }
                if before.stage.is_closed() {
                    prop_assert_eq!(&r, &before);
                }
            }
            prop_assert_eq!(r.history[0].to, Stage::Proposed);
            for pair in r.history.windows(2) {
                prop_assert_eq!(pair[1].from, Some(pair[0].to));
            }
            prop_assert_eq!(r.history.last().unwrap().to, r.stage);
            if r.stage == Stage::Approved {
                let events: Vec<_> = r.history.iter().rev().take(2).map(|t| t.event).collect();
                prop_assert_eq!(events, vec![EventKind::Approve, EventKind::VerifyAtDinas]);
                prop_assert!(r.history.iter().any(|t| t.event == EventKind::Verify));
                prop_assert!(r.history.iter().any(|t| t.event == EventKind::Review));
            }
        }
    }
}
