//! Approval of a draft run by decree (*SK penetapan*), the published list's hash, graduation of the
//! households the new list leaves out, and replacement from the waitlist ("Approval and the ledger" and
//! "Re-targeting, graduation and replacement" in `docs/targeting.md`).
//!
//! The web approves through [`approve`] alone; the command line's publishing job then writes the list's
//! hash to the transparency ledger and records the entry (`set_run_ledger_index`), so a list approved in
//! the browser reaches the ledger as soon as `tepat serve` runs the job.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tepat_domain::{Lang, RegionCode, Rupiah, Scope};
use tepat_store::{
    Approval, ApprovalOutcome, CandidateRow, CandidateStatus, DecreeNumber, EnrolmentState,
    Graduation, PageAfter, RunState, Store, StoreError, TargetingRun,
};
use uuid::Uuid;

use super::run::{load_program_version, Reasons, TargetingError};
use crate::access::{ApproveTargeting, Grant};

/// Rows read per store call.
const PAGE: u32 = 10_000;

/// The first line of a list file.
pub const LIST_HEADER: &str = "rank,village_code,household_id,benefit";

/// What [`approve`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approved {
    pub run_id: Uuid,
    pub enrolled: u64,
    /// Incumbents the new list leaves out, ended with a reason and a notice.
    pub graduated: Vec<Graduated>,
    pub superseded: u64,
    /// SHA-256 of the list file ([`list_file`]), hex.
    pub list_hash: String,
    pub candidates: u32,
    /// The candidates' benefits over the period.
    pub amount: Rupiah,
}

/// An enrolment the approval ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Graduated {
    pub household: Uuid,
    pub village: RegionCode,
    pub notice: Notice,
}

/// Why an enrolment ended, as stored in the enrolment's `notice` (JSON) for the citizen portal; its
/// text in either language is [`Notice::text`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// `no_longer_eligible`, `quota`, `budget` or `exclusive` (also the enrolment's end reason).
    pub reason: String,
    pub program: String,
    /// For `no_longer_eligible`: the rule's parts that are not true for the household any more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

impl Notice {
    /// Reads a stored notice; `None` for a notice of another kind (e.g. a plain text id).
    pub fn parse(stored: &str) -> Option<Notice> {
        serde_json::from_str(stored).ok()
    }

    pub fn text(&self, lang: Lang) -> String {
        let p = &self.program;
        let failed = self.failed.join("; ");
        match (self.reason.as_str(), lang) {
            ("no_longer_eligible", Lang::Id) => format!(
                "Kepesertaan program {p} berakhir: keluarga tidak lagi memenuhi syarat ({failed}). \
                 Anda dapat mengajukan sanggahan."
            ),
            ("no_longer_eligible", Lang::En) => format!(
                "Your enrolment in {p} has ended: the household no longer meets its conditions \
                 ({failed}). You may appeal."
            ),
            ("quota", Lang::Id) => format!(
                "Kepesertaan program {p} berakhir: kuota wilayah sudah penuh oleh keluarga yang lebih \
                 membutuhkan. Keluarga Anda masuk daftar tunggu."
            ),
            ("quota", Lang::En) => format!(
                "Your enrolment in {p} has ended: the region's quota is taken by households in \
                 greater need. Your household is on the waitlist."
            ),
            ("budget", Lang::Id) => format!(
                "Kepesertaan program {p} berakhir: anggaran tidak mencukupi. Keluarga Anda masuk \
                 daftar tunggu."
            ),
            ("budget", Lang::En) => format!(
                "Your enrolment in {p} has ended: the budget does not cover it. Your household is on \
                 the waitlist."
            ),
            (_, Lang::Id) => format!(
                "Kepesertaan program {p} berakhir karena keluarga menerima program lain yang tidak \
                 boleh digabung."
            ),
            (_, Lang::En) => format!(
                "Your enrolment in {p} has ended because the household receives another program \
                 that cannot be combined with it."
            ),
        }
    }
}

/// The list file whose SHA-256 goes to the ledger: [`LIST_HEADER`], then one line per candidate in rank
/// order — `rank,village_code,household_id,benefit` with the dotted village code, the household's
/// UUID in lower-case hyphenated form and the benefit over the period in whole rupiah — each line ending
/// in `\n`. Ids only: anyone holding the file can check the hash without learning a name or NIK.
pub fn list_file(rows: &[CandidateRow]) -> String {
    let mut candidates: Vec<&CandidateRow> = rows
        .iter()
        .filter(|r| r.status == CandidateStatus::Candidate)
        .collect();
    candidates.sort_by_key(|r| r.rank);
    let mut out = String::with_capacity(64 * (candidates.len() + 1));
    out.push_str(LIST_HEADER);
    out.push('\n');
    for r in candidates {
        out.push_str(&format!(
            "{},{},{},{}\n",
            r.rank,
            r.village.dotted(),
            r.household,
            r.benefit.amount()
        ));
    }
    out
}

/// SHA-256 of a list file.
pub fn list_hash(file: &str) -> [u8; 32] {
    Sha256::digest(file.as_bytes()).into()
}

pub fn hex(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every row of a run inside `within` (all statuses), by village then rank.
pub async fn run_rows(
    store: &dyn Store,
    run_id: Uuid,
    within: &Scope,
) -> Result<Vec<CandidateRow>, StoreError> {
    let mut out: Vec<CandidateRow> = Vec::new();
    loop {
        let after = out.last().map(|r| PageAfter {
            village: r.village,
            key: r.rank,
        });
        let page = store
            .candidates(run_id, within, None, after.as_ref(), PAGE)
            .await?;
        let done = page.len() < PAGE as usize;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// A stored run, or [`TargetingError::RunNotFound`].
pub async fn stored_run(store: &dyn Store, run_id: Uuid) -> Result<TargetingRun, TargetingError> {
    store.run(run_id).await?.ok_or(TargetingError::RunNotFound)
}

/// Approves a draft run with decree number `decree`: the candidates are enrolled; incumbents of the
/// program in the run's villages that it does not select end with a [`Notice`]; the list's hash is
/// stored for the ledger. Refused for a run that is not a draft (approving twice) or that reaches
/// outside the grant.
pub async fn approve(
    store: &dyn Store,
    grant: &Grant<'_, ApproveTargeting>,
    run_id: Uuid,
    decree: &str,
) -> Result<Approved, TargetingError> {
    let decree = DecreeNumber::parse(decree)?;
    let run = stored_run(store, run_id).await?;
    if run.state != RunState::Draft {
        return Err(TargetingError::NotDraft {
            state: run.state.code(),
        });
    }
    let rows = run_rows(store, run_id, &Scope::All).await?;
    for r in &rows {
        grant.covers(&r.village)?;
    }
    let file = list_file(&rows);
    let hash = list_hash(&file);
    let graduated = graduate_left_out(store, grant, &run, &rows).await?;
    let ApprovalOutcome {
        enrolled,
        superseded,
        ..
    } = store
        .approve_run(
            run_id,
            &Approval {
                decree,
                by: grant.actor().user(),
                at: Utc::now(),
                list_hash: hash,
            },
        )
        .await?;
    let candidates: Vec<&CandidateRow> = rows
        .iter()
        .filter(|r| r.status == CandidateStatus::Candidate)
        .collect();
    Ok(Approved {
        run_id,
        enrolled,
        graduated,
        superseded,
        list_hash: hex(&hash),
        candidates: candidates.len() as u32,
        amount: Rupiah::new(candidates.iter().map(|r| r.benefit.amount()).sum()),
    })
}

/// Ends, with their reason, the program's active enrolments in the run's villages that the run does not
/// select. Done before the store's approval (which would end them as merely not reselected).
async fn graduate_left_out(
    store: &dyn Store,
    grant: &Grant<'_, ApproveTargeting>,
    run: &TargetingRun,
    rows: &[CandidateRow],
) -> Result<Vec<Graduated>, TargetingError> {
    let by_household: HashMap<Uuid, &CandidateRow> =
        rows.iter().map(|r| (r.household, r)).collect();
    let villages: HashSet<RegionCode> = rows.iter().map(|r| r.village).collect();
    let mut left_out = Vec::new();
    let mut after: Option<PageAfter<Uuid>> = None;
    loop {
        let page = store
            .enrolments(
                &run.program,
                &grant.scope(),
                Some(EnrolmentState::Active),
                after.as_ref(),
                PAGE,
            )
            .await?;
        let done = page.len() < PAGE as usize;
        after = page.last().map(|e| PageAfter {
            village: e.village,
            key: e.household,
        });
        left_out.extend(page.into_iter().filter(|e| {
            villages.contains(&e.village)
                && by_household
                    .get(&e.household)
                    .is_none_or(|r| r.status != CandidateStatus::Candidate)
        }));
        if done {
            break;
        }
    }
    let ineligible: Vec<Uuid> = left_out
        .iter()
        .filter(|e| !by_household.contains_key(&e.household))
        .map(|e| e.household)
        .collect();
    let failed = failed_parts(store, &run.program, &ineligible, run).await?;
    let mut out = Vec::with_capacity(left_out.len());
    for e in left_out {
        let notice = notice_for(
            &run.program,
            by_household.get(&e.household),
            &failed,
            e.household,
        );
        let graduation = Graduation {
            reason: notice.reason.clone(),
            notice: serde_json::to_string(&notice).expect("a notice serializes"),
            at: Utc::now(),
        };
        store
            .graduate(&run.program, e.household, &graduation)
            .await?;
        out.push(Graduated {
            household: e.household,
            village: e.village,
            notice,
        });
    }
    Ok(out)
}

/// The rule's parts that are not true for each household (on the run's reference date).
async fn failed_parts(
    store: &dyn Store,
    program: &str,
    households: &[Uuid],
    run: &TargetingRun,
) -> Result<HashMap<Uuid, Vec<String>>, TargetingError> {
    if households.is_empty() {
        return Ok(HashMap::new());
    }
    let program = load_program_version(store, program, run.program_version).await?;
    let facts = store.targeting_facts(households).await?;
    Ok(facts
        .iter()
        .map(|f| {
            let failed = program
                .rule()
                .explain(&f.on(run.reference_date))
                .into_iter()
                .filter(|(_, outcome)| *outcome != Some(true))
                .map(|(part, _)| part.to_owned())
                .collect();
            (f.id, failed)
        })
        .collect())
}

fn notice_for(
    program: &str,
    row: Option<&&CandidateRow>,
    failed: &HashMap<Uuid, Vec<String>>,
    household: Uuid,
) -> Notice {
    let selection = row
        .and_then(|r| serde_json::from_str::<Reasons>(&r.reasons).ok())
        .map(|r| r.selection.code());
    let reason = match selection {
        None => "no_longer_eligible",
        Some("quota_full") => "quota",
        Some("budget_exhausted") => "budget",
        Some(_) => "exclusive",
    };
    Notice {
        reason: reason.into(),
        program: program.into(),
        failed: failed.get(&household).cloned().unwrap_or_default(),
    }
}

/// Fills up to `n` places in `village` from an approved run's waitlist, in waitlist order (after a
/// graduation, a death or a move). Returns the households enrolled.
pub async fn replace_from_waitlist(
    store: &dyn Store,
    grant: &Grant<'_, ApproveTargeting>,
    run_id: Uuid,
    village: &RegionCode,
    n: u32,
) -> Result<Vec<Uuid>, TargetingError> {
    grant.covers(village)?;
    let run = stored_run(store, run_id).await?;
    if run.state != RunState::Approved {
        return Err(TargetingError::NotApproved {
            state: run.state.code(),
        });
    }
    Ok(store
        .promote_from_waitlist(run_id, village, n, Utc::now())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rank: u32, status: CandidateStatus, household: u128, benefit: i64) -> CandidateRow {
        CandidateRow {
            village: RegionCode::parse("19.02.01.2001").unwrap(),
            household: Uuid::from_u128(household),
            status,
            rank,
            village_rank: rank,
            benefit: Rupiah::new(benefit),
            reasons: "{}".into(),
        }
    }

    #[test]
    fn the_list_file_holds_the_candidates_in_rank_order_and_nothing_else() {
        let rows = [
            row(2, CandidateStatus::Candidate, 0xb, 2_400_000),
            row(3, CandidateStatus::Waitlist, 0xc, 0),
            row(1, CandidateStatus::Candidate, 0xa, 2_400_000),
            row(4, CandidateStatus::Excluded, 0xd, 0),
        ];
        let file = list_file(&rows);
        assert_eq!(
            file,
            "rank,village_code,household_id,benefit\n\
             1,19.02.01.2001,00000000-0000-0000-0000-00000000000a,2400000\n\
             2,19.02.01.2001,00000000-0000-0000-0000-00000000000b,2400000\n"
        );
        // The hash is SHA-256 of exactly these bytes: one changed rupiah changes it.
        let other = file.replace("2400000\n2", "2399999\n2");
        assert_ne!(list_hash(&file), list_hash(&other));
        assert_eq!(hex(&list_hash(&file)).len(), 64);
    }

    #[test]
    fn notices_round_trip_and_speak_both_languages() {
        let notice = Notice {
            reason: "no_longer_eligible".into(),
            program: "SEMBAKO".into(),
            failed: vec!["desil <= 4".into()],
        };
        let stored = serde_json::to_string(&notice).unwrap();
        assert_eq!(Notice::parse(&stored), Some(notice.clone()));
        assert_eq!(Notice::parse("targeting.notice.not_reselected"), None);
        assert!(notice
            .text(Lang::Id)
            .contains("tidak lagi memenuhi syarat (desil <= 4)"));
        assert!(notice
            .text(Lang::En)
            .contains("no longer meets its conditions (desil <= 4)"));
        let quota = Notice {
            reason: "quota".into(),
            failed: Vec::new(),
            ..notice
        };
        assert!(quota.text(Lang::Id).contains("kuota"));
        assert!(quota.text(Lang::En).contains("quota"));
    }
}
