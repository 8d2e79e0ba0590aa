//! What a request (*usulan*) asks to change, and how the change is applied once approved.
//!
//! A new household and every later change (add or remove a member, a death, a member moving out, the
//! household moving, a survey update, a split or a merge) are the same thing: a [`Change`] that goes
//! through the workflow ([`super::workflow`]) and is applied to the registry only when approved.
//! Applying is pure: [`Change::apply`] takes the households as they are and returns them as they will be,
//! so the store writes the result in the same transaction as the approval.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::record::{
    Location, MemberStatus, PaymentAccount, Phone, RecordError, RegistryHousehold, RegistryMember,
};
use crate::kk::KkNumber;
use crate::lang::{Lang, Localized};
use crate::person::{code_list, Relationship};
use crate::region::RegionCode;
use crate::survey::{HouseholdSurvey, MemberSurvey};

code_list! {
    /// The kind of a request, for queues, filters and the audit log.
    ChangeKind {
        NewHousehold => "new_household", "keluarga baru", "new household";
        AddMember => "add_member", "tambah anggota", "add a member";
        RemoveMember => "remove_member", "hapus anggota", "remove a member";
        Death => "death", "kematian", "death";
        MemberMovedOut => "member_moved_out", "anggota pindah", "member moved out";
        HouseholdMoved => "household_moved", "keluarga pindah", "household moved";
        SurveyUpdate => "survey_update", "pemutakhiran survei", "survey update";
        Split => "split", "pecah KK", "split household";
        Merge => "merge", "gabung KK", "merge households";
        MemberPhone => "member_phone", "nomor HP anggota", "member's phone number";
        PaymentAccount => "payment_account", "rekening pembayaran", "payment account";
    }
}

/// A change to the registry, as proposed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Change {
    NewHousehold {
        household: RegistryHousehold,
    },
    AddMember {
        member: RegistryMember,
    },
    /// Entered by mistake, or a duplicate of a member elsewhere.
    RemoveMember {
        member: Uuid,
    },
    Death {
        member: Uuid,
        date: NaiveDate,
    },
    MemberMovedOut {
        member: Uuid,
    },
    HouseholdMoved {
        village: RegionCode,
        address: String,
        rt: String,
        rw: String,
        location: Option<Location>,
    },
    SurveyUpdate {
        survey: SurveyAnswers,
    },
    /// `members` leave for a new household (a new KK) headed by `new_head`, one of them.
    Split {
        new_household: Uuid,
        new_kk: KkNumber,
        members: Vec<Uuid>,
        new_head: Uuid,
    },
    /// The active members of `absorbed` join this household; `absorbed` is closed.
    Merge {
        absorbed: Uuid,
    },
    /// An active member's mobile number, for notices (new or corrected).
    MemberPhone {
        member: Uuid,
        phone: Phone,
    },
    /// The account the household's benefits are paid to (new or corrected).
    PaymentAccount {
        account: PaymentAccount,
    },
}

/// Needs-survey answers for a household and (some of) its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyAnswers {
    pub household: Option<HouseholdSurvey>,
    pub members: Vec<(Uuid, MemberSurvey)>,
}

/// The village's field visit (*kunjungan lapangan*): when, and what the surveyor found. Recorded with the
/// village verification and applied with the change on approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldVisit {
    pub visited_on: NaiveDate,
    pub survey: SurveyAnswers,
    pub location: Option<Location>,
}

/// Everything a request carries: the change and, once the village has been, its field visit. Stored
/// encrypted as a whole (it holds NIKs, names and health answers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub change: Change,
    pub field_visit: Option<FieldVisit>,
}

/// The households after a change: `saved` are written (the target first), `closed` are marked merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub saved: Vec<RegistryHousehold>,
    pub closed: Vec<RegistryHousehold>,
}

impl Change {
    pub fn kind(&self) -> ChangeKind {
        match self {
            Change::NewHousehold { .. } => ChangeKind::NewHousehold,
            Change::AddMember { .. } => ChangeKind::AddMember,
            Change::RemoveMember { .. } => ChangeKind::RemoveMember,
            Change::Death { .. } => ChangeKind::Death,
            Change::MemberMovedOut { .. } => ChangeKind::MemberMovedOut,
            Change::HouseholdMoved { .. } => ChangeKind::HouseholdMoved,
            Change::SurveyUpdate { .. } => ChangeKind::SurveyUpdate,
            Change::Split { .. } => ChangeKind::Split,
            Change::Merge { .. } => ChangeKind::Merge,
            Change::MemberPhone { .. } => ChangeKind::MemberPhone,
            Change::PaymentAccount { .. } => ChangeKind::PaymentAccount,
        }
    }

    /// The other household a change touches (the one a merge absorbs), which the caller must load too.
    pub fn other_household(&self) -> Option<Uuid> {
        match self {
            Change::Merge { absorbed } => Some(*absorbed),
            _ => None,
        }
    }

    /// Applies the change (and a field visit) to `target` (absent only for a new household) and
    /// `other` (the household [`other_household`](Self::other_household) names). Every household that
    /// comes out is valid, or the change is refused.
    pub fn apply(
        &self,
        target: Option<RegistryHousehold>,
        other: Option<RegistryHousehold>,
        visit: Option<&FieldVisit>,
    ) -> Result<Outcome, ChangeError> {
        let mut target = match (self, target) {
            (Change::NewHousehold { household }, None) => household.clone(),
            (Change::NewHousehold { .. }, Some(_)) => return Err(ChangeError::HouseholdExists),
            (_, Some(t)) => t,
            (_, None) => return Err(ChangeError::NoHousehold),
        };
        let mut outcome = Outcome {
            saved: Vec::new(),
            closed: Vec::new(),
        };
        match self {
            Change::NewHousehold { .. } => {}
            Change::AddMember { member } => add_member(&mut target, member)?,
            Change::RemoveMember { member } => {
                set_status(&mut target, *member, MemberStatus::Removed)?
            }
            Change::Death { member, date } => {
                set_status(&mut target, *member, MemberStatus::Deceased(*date))?
            }
            Change::MemberMovedOut { member } => {
                set_status(&mut target, *member, MemberStatus::MovedOut)?
            }
            Change::HouseholdMoved {
                village,
                address,
                rt,
                rw,
                location,
            } => {
                target.village = *village;
                target.address.clone_from(address);
                target.rt.clone_from(rt);
                target.rw.clone_from(rw);
                target.location = *location;
            }
            Change::SurveyUpdate { survey } => apply_survey(&mut target, survey)?,
            Change::Split {
                new_household,
                new_kk,
                members,
                new_head,
            } => {
                let split = split(&mut target, *new_household, *new_kk, members, *new_head)?;
                outcome.saved.push(split);
            }
            Change::Merge { absorbed } => {
                let other = other
                    .filter(|o| o.id == *absorbed)
                    .ok_or(ChangeError::NoHousehold)?;
                let closed = merge(&mut target, other)?;
                outcome.closed.push(closed);
            }
            Change::MemberPhone { member, phone } => {
                active_member(&mut target, *member)?.phone = Some(phone.clone());
            }
            Change::PaymentAccount { account } => target.account = Some(account.clone()),
        }
        if let Some(visit) = visit {
            apply_survey(&mut target, &visit.survey)?;
            if visit.location.is_some() {
                target.location = visit.location;
            }
        }
        target.validate().map_err(ChangeError::Record)?;
        for h in &outcome.saved {
            h.validate().map_err(ChangeError::Record)?;
        }
        outcome.saved.insert(0, target);
        Ok(outcome)
    }
}

fn add_member(target: &mut RegistryHousehold, member: &RegistryMember) -> Result<(), ChangeError> {
    if target.members.iter().any(|m| m.id == member.id) {
        return Err(ChangeError::MemberExists);
    }
    let mut member = member.clone();
    member.status = MemberStatus::Active;
    target.members.push(member);
    Ok(())
}

fn active_member(
    target: &mut RegistryHousehold,
    id: Uuid,
) -> Result<&mut RegistryMember, ChangeError> {
    let m = target.member_mut(id).ok_or(ChangeError::UnknownMember)?;
    if m.status.is_active() {
        Ok(m)
    } else {
        Err(ChangeError::MemberNotActive)
    }
}

fn set_status(
    target: &mut RegistryHousehold,
    id: Uuid,
    status: MemberStatus,
) -> Result<(), ChangeError> {
    active_member(target, id)?.status = status;
    Ok(())
}

fn apply_survey(
    target: &mut RegistryHousehold,
    answers: &SurveyAnswers,
) -> Result<(), ChangeError> {
    if let Some(h) = &answers.household {
        target.survey = Some(h.clone());
    }
    for (id, survey) in &answers.members {
        active_member(target, *id)?.survey = Some(survey.clone());
    }
    Ok(())
}

/// Moves `members` out of `target` into a new household. The members keep their ids: they are the same
/// people, now on another KK.
fn split(
    target: &mut RegistryHousehold,
    id: Uuid,
    kk: KkNumber,
    members: &[Uuid],
    head: Uuid,
) -> Result<RegistryHousehold, ChangeError> {
    if members.is_empty() || !members.contains(&head) {
        return Err(ChangeError::SplitHead);
    }
    if kk == target.kk_number || id == target.id {
        return Err(ChangeError::SplitSameKk);
    }
    for m in members {
        active_member(target, *m)?;
    }
    let (leaving, staying): (Vec<_>, Vec<_>) = std::mem::take(&mut target.members)
        .into_iter()
        .partition(|m| members.contains(&m.id));
    target.members = staying;
    let mut new = RegistryHousehold {
        id,
        kk_number: kk,
        members: leaving,
        survey: None,
        account: None,
        ..target.clone()
    };
    for m in &mut new.members {
        if m.id == head {
            m.relationship = Relationship::KepalaKeluarga;
        } else if m.relationship == Relationship::KepalaKeluarga {
            m.relationship = Relationship::FamiliLain;
        }
    }
    Ok(new)
}

/// Moves the active members of `other` into `target` (its head becomes *famili lain*); returns `other`,
/// emptied of active members, to be closed.
fn merge(
    target: &mut RegistryHousehold,
    mut other: RegistryHousehold,
) -> Result<RegistryHousehold, ChangeError> {
    if other.id == target.id {
        return Err(ChangeError::MergeSelf);
    }
    if other.village != target.village {
        return Err(ChangeError::MergeAcrossVillages);
    }
    let (joining, left): (Vec<_>, Vec<_>) = std::mem::take(&mut other.members)
        .into_iter()
        .partition(|m| m.status.is_active());
    other.members = left;
    for mut m in joining {
        if target.members.iter().any(|t| t.nik == m.nik) {
            return Err(ChangeError::MemberExists);
        }
        if m.relationship == Relationship::KepalaKeluarga {
            m.relationship = Relationship::FamiliLain;
        }
        target.members.push(m);
    }
    Ok(other)
}

/// Why a change cannot be applied. Names what is wrong, never a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("the household of this request does not exist (any more)")]
    NoHousehold,
    #[error("a household with this id already exists")]
    HouseholdExists,
    #[error("the member is not in this household")]
    UnknownMember,
    #[error("the member is no longer active in this household (deceased, moved out or removed)")]
    MemberNotActive,
    #[error("the member is already in this household")]
    MemberExists,
    #[error("a split needs the members who leave, and its new head must be one of them")]
    SplitHead,
    #[error("a split needs a new household id and a new KK number")]
    SplitSameKk,
    #[error("a household cannot be merged with itself")]
    MergeSelf,
    #[error("households in different villages cannot be merged; move one first")]
    MergeAcrossVillages,
    #[error("the household would not be valid: {0}")]
    Record(RecordError),
}

impl ChangeError {
    pub fn code(&self) -> &'static str {
        match self {
            ChangeError::NoHousehold => "no_household",
            ChangeError::HouseholdExists => "household_exists",
            ChangeError::UnknownMember => "unknown_member",
            ChangeError::MemberNotActive => "member_not_active",
            ChangeError::MemberExists => "member_exists",
            ChangeError::SplitHead => "split_head",
            ChangeError::SplitSameKk => "split_same_kk",
            ChangeError::MergeSelf => "merge_self",
            ChangeError::MergeAcrossVillages => "merge_across_villages",
            ChangeError::Record(r) => r.code(),
        }
    }
}

impl Localized for ChangeError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            ChangeError::NoHousehold => "keluarga pada usulan ini tidak (lagi) ada".into(),
            ChangeError::HouseholdExists => "keluarga dengan id ini sudah ada".into(),
            ChangeError::UnknownMember => "anggota tersebut bukan anggota keluarga ini".into(),
            ChangeError::MemberNotActive => {
                "anggota tersebut sudah tidak aktif (meninggal, pindah atau dihapus)".into()
            }
            ChangeError::MemberExists => "anggota tersebut sudah ada dalam keluarga ini".into(),
            ChangeError::SplitHead => {
                "pecah KK memerlukan anggota yang keluar, dan kepala keluarga barunya harus salah satu dari mereka"
                    .into()
            }
            ChangeError::SplitSameKk => "pecah KK memerlukan id keluarga dan nomor KK baru".into(),
            ChangeError::MergeSelf => "keluarga tidak dapat digabung dengan dirinya sendiri".into(),
            ChangeError::MergeAcrossVillages => {
                "keluarga di desa berbeda tidak dapat digabung; pindahkan salah satunya dulu".into()
            }
            ChangeError::Record(r) => format!("data keluarga tidak akan sah: {}", r.message(lang)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::tests::{household, member};
    use super::*;
    use crate::survey::{Disability, SchoolLevel, Sector};

    fn member_survey() -> MemberSurvey {
        MemberSurvey {
            sector: Sector::Nelayan,
            disability: Disability::Tidak,
            chronic_illness: false,
            pregnant: false,
            school_level: SchoolLevel::TidakSekolah,
        }
    }

    #[test]
    fn a_new_household_is_applied_only_without_a_stored_one() {
        let h = household();
        let change = Change::NewHousehold {
            household: h.clone(),
        };
        let out = change.apply(None, None, None).unwrap();
        assert_eq!(out.saved, vec![h.clone()]);
        assert_eq!(
            change.apply(Some(h), None, None),
            Err(ChangeError::HouseholdExists)
        );
        assert_eq!(
            Change::Merge {
                absorbed: Uuid::nil()
            }
            .apply(None, None, None),
            Err(ChangeError::NoHousehold)
        );
    }

    #[test]
    fn a_death_of_the_head_needs_a_new_head_first() {
        let h = household();
        let head = h.members[0].id;
        let date = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let death = Change::Death { member: head, date };
        assert_eq!(
            death.apply(Some(h.clone()), None, None),
            Err(ChangeError::Record(RecordError::NoHead))
        );
        let child = h.members[2].id;
        let out = Change::Death {
            member: child,
            date,
        }
        .apply(Some(h.clone()), None, None)
        .unwrap();
        assert_eq!(
            out.saved[0].member(child).unwrap().status,
            MemberStatus::Deceased(date)
        );
        // A second death of the same member is refused.
        assert_eq!(
            Change::Death {
                member: child,
                date
            }
            .apply(Some(out.saved[0].clone()), None, None),
            Err(ChangeError::MemberNotActive)
        );
        assert_eq!(
            Change::RemoveMember {
                member: Uuid::nil()
            }
            .apply(Some(h), None, None),
            Err(ChangeError::UnknownMember)
        );
    }

    #[test]
    fn adding_a_member_twice_is_refused() {
        let h = household();
        let new = member(9, Relationship::Cucu);
        let out = Change::AddMember {
            member: new.clone(),
        }
        .apply(Some(h), None, None)
        .unwrap();
        assert_eq!(out.saved[0].active_members().count(), 4);
        assert_eq!(
            Change::AddMember { member: new }.apply(Some(out.saved[0].clone()), None, None),
            Err(ChangeError::MemberExists)
        );
    }

    #[test]
    fn a_split_makes_a_second_valid_household_with_the_same_member_ids() {
        let h = household();
        let child = h.members[2].id;
        let kk = KkNumber::parse_structure("1902011203150099").unwrap();
        let new_id = Uuid::now_v7();
        let change = Change::Split {
            new_household: new_id,
            new_kk: kk,
            members: vec![child],
            new_head: child,
        };
        let out = change.apply(Some(h.clone()), None, None).unwrap();
        assert_eq!(out.saved.len(), 2);
        assert_eq!(out.saved[0].members.len(), 2);
        let split = &out.saved[1];
        assert_eq!((split.id, split.kk_number), (new_id, kk));
        assert_eq!(split.head().unwrap().id, child);
        // The head cannot leave without leaving the old household headless.
        let head = h.members[0].id;
        let bad = Change::Split {
            new_household: Uuid::now_v7(),
            new_kk: kk,
            members: vec![head],
            new_head: head,
        };
        assert_eq!(
            bad.apply(Some(h.clone()), None, None),
            Err(ChangeError::Record(RecordError::NoHead))
        );
        let bad = Change::Split {
            new_household: Uuid::now_v7(),
            new_kk: kk,
            members: vec![child],
            new_head: head,
        };
        assert_eq!(bad.apply(Some(h), None, None), Err(ChangeError::SplitHead));
    }

    #[test]
    fn a_merge_moves_active_members_and_closes_the_other_household() {
        let a = household();
        let mut b = household();
        b.kk_number = KkNumber::parse_structure("1902011203150042").unwrap();
        b.members = vec![member(11, Relationship::KepalaKeluarga)];
        let change = Change::Merge { absorbed: b.id };
        let out = change
            .apply(Some(a.clone()), Some(b.clone()), None)
            .unwrap();
        assert_eq!(out.saved[0].active_members().count(), 4);
        assert_eq!(out.saved[0].head().unwrap().id, a.members[0].id);
        assert_eq!(out.closed[0].id, b.id);
        assert_eq!(out.closed[0].active_members().count(), 0);
        assert_eq!(
            Change::Merge { absorbed: a.id }.apply(Some(a.clone()), Some(a.clone()), None),
            Err(ChangeError::MergeSelf)
        );
        b.village = RegionCode::parse("19.02.01.2002").unwrap();
        assert_eq!(
            change.apply(Some(a), Some(b), None),
            Err(ChangeError::MergeAcrossVillages)
        );
    }

    #[test]
    fn a_field_visit_fills_the_survey_of_active_members() {
        let h = household();
        let visit = FieldVisit {
            visited_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            survey: SurveyAnswers {
                household: None,
                members: vec![(h.members[1].id, member_survey())],
            },
            location: Some(Location::new(-2.7, 107.6).unwrap()),
        };
        let out = Change::NewHousehold {
            household: h.clone(),
        }
        .apply(None, None, Some(&visit))
        .unwrap();
        assert_eq!(out.saved[0].members[1].survey, Some(member_survey()));
        assert!(out.saved[0].location.is_some());
        let mut bad = visit.clone();
        bad.survey.members[0].0 = Uuid::nil();
        assert_eq!(
            Change::NewHousehold { household: h }.apply(None, None, Some(&bad)),
            Err(ChangeError::UnknownMember)
        );
    }

    #[test]
    fn a_move_changes_the_village_and_is_validated() {
        let h = household();
        let to = RegionCode::parse("19.02.01.2002").unwrap();
        let change = Change::HouseholdMoved {
            village: to,
            address: "Jl. Baru".into(),
            rt: "004".into(),
            rw: "002".into(),
            location: None,
        };
        assert_eq!(
            change.apply(Some(h.clone()), None, None).unwrap().saved[0].village,
            to
        );
        let bad = Change::HouseholdMoved {
            village: RegionCode::parse("19.02.01").unwrap(),
            address: "Jl. Baru".into(),
            rt: "004".into(),
            rw: "002".into(),
            location: None,
        };
        assert_eq!(
            bad.apply(Some(h), None, None),
            Err(ChangeError::Record(RecordError::NotAVillage))
        );
    }

    #[test]
    fn a_phone_goes_to_an_active_member_and_an_account_to_the_household() {
        let h = household();
        let child = h.members[2].id;
        let phone = Phone::parse("+62 812-3456-7890").unwrap();
        let out = Change::MemberPhone {
            member: child,
            phone: phone.clone(),
        }
        .apply(Some(h.clone()), None, None)
        .unwrap();
        assert_eq!(
            out.saved[0].member(child).unwrap().phone,
            Some(phone.clone())
        );
        let gone = Change::MemberMovedOut { member: child }
            .apply(Some(out.saved[0].clone()), None, None)
            .unwrap();
        assert_eq!(
            Change::MemberPhone {
                member: child,
                phone
            }
            .apply(Some(gone.saved[0].clone()), None, None),
            Err(ChangeError::MemberNotActive)
        );
        let account = PaymentAccount::new("BRI", "0123-4567-8901").unwrap();
        let change = Change::PaymentAccount {
            account: account.clone(),
        };
        assert_eq!(change.kind(), ChangeKind::PaymentAccount);
        let out = change.apply(Some(h), None, None).unwrap();
        assert_eq!(out.saved[0].account, Some(account));
        let json = serde_json::to_string(&change).unwrap();
        assert_eq!(serde_json::from_str::<Change>(&json).unwrap(), change);
    }

    #[test]
    fn kinds_round_trip_and_submissions_serialise() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.code()), Some(*k));
        }
        let s = Submission {
            change: Change::NewHousehold {
                household: household(),
            },
            field_visit: None,
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Submission>(&json).unwrap(), s);
    }
}
