//! The demo's complaints and ratings (`docs/complaints.md`, "The demo"): a few **synthetic** complaints
//! in different categories and states (an anonymous extortion report, one past its deadline), and
//! ratings of some of the demo cycle's paid and handed-over entitlements. Run after the demo cycle.

use anyhow::Context as _;
use chrono::{Duration, Utc};
use tepat_core::access::{Actor, HandleComplaints};
use tepat_core::intake::citizen::Limits;
use tepat_core::portal::complaints::{
    self, Complainant, ComplaintInput, FeedbackLimits, OfficerAction, Services,
};
use tepat_core::portal::ratings::{self, RatingInput};
use tepat_core::portal::PassKey;
use tepat_core::registry::Origin;
use tepat_domain::distribution::EntitlementState;
use tepat_domain::{Lang, Role, Scope};
use tepat_regions::RegionTable;
use tepat_store::{ComplaintFilter, Entitlement, EntitlementFilter, Store};

/// Writes the demo's complaints and ratings once (nothing when there are complaints already).
/// Failures are logged: the demo serves without them.
pub async fn demo_feedback(store: &dyn Store) {
    if let Err(error) = write(store).await {
        tracing::error!(error = %format!("{error:#}"), "cannot write the demo complaints and ratings");
    }
}

/// A complaint to file, and the officers' steps on it.
struct Demo {
    category: &'static str,
    text: &'static str,
    anonymous: bool,
    days_ago: i64,
    contact: &'static str,
    steps: &'static [(OfficerAction, &'static str)],
}

const DEMO: &[Demo] = &[
    Demo {
        category: "extortion",
        text: "Saat pengambilan beras di balai desa, kami diminta membayar Rp20.000 \"uang angkut\". (contoh sintetis)",
        anonymous: true,
        days_ago: 1,
        contact: "",
        steps: &[],
    },
    Demo {
        category: "not_received",
        text: "Bantuan bulan ini belum masuk ke rekening kami, padahal tetangga sudah. (contoh sintetis)",
        anonymous: false,
        days_ago: 3,
        contact: "0812 0000 0001",
        steps: &[
            (OfficerAction::Acknowledge, ""),
            (
                OfficerAction::Answer,
                "Transfer ditolak bank karena nama rekening berbeda; silakan perbarui rekening di /warga/rekening.",
            ),
        ],
    },
    Demo {
        category: "data_error",
        text: "Nama anak kami salah eja dan tanggal lahirnya keliru. (contoh sintetis)",
        anonymous: false,
        days_ago: 21,
        contact: "",
        steps: &[],
    },
    Demo {
        category: "wrong_amount",
        text: "Kami menerima Rp150.000, bukan Rp200.000 seperti di pemberitahuan. (contoh sintetis)",
        anonymous: false,
        days_ago: 9,
        contact: "warga.contoh@example.id",
        steps: &[
            (OfficerAction::Acknowledge, ""),
            (
                OfficerAction::Resolve,
                "Kekurangan Rp50.000 dibayarkan pada penyaluran berikutnya.",
            ),
        ],
    },
    Demo {
        category: "officer_behaviour",
        text: "Petugas berbicara kasar kepada lansia yang antre. (contoh sintetis)",
        anonymous: true,
        days_ago: 2,
        contact: "",
        steps: &[(OfficerAction::Acknowledge, "")],
    },
    Demo {
        category: "other",
        text: "Mohon jadwal pengambilan diumumkan lebih awal. (contoh sintetis)",
        anonymous: false,
        days_ago: 4,
        contact: "",
        steps: &[(
            OfficerAction::Reject,
            "Bukan pengaduan; jadwal diumumkan di /pengumuman tujuh hari sebelumnya.",
        )],
    },
];

async fn write(store: &dyn Store) -> anyhow::Result<()> {
    if !store
        .complaints(&ComplaintFilter::within(Scope::All), 1)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let completed = completed_entitlements(store, 40).await?;
    let village = match completed.first() {
        Some((_, e)) => e.village,
        None => first_village(store).await?,
    };
    let key = PassKey::random();
    let limits = FeedbackLimits::default();
    let services = Services {
        limits: &limits,
        citizen_limits: &Limits::default(),
        pass_key: &key,
        regions: RegionTable::embedded(),
    };
    let officer = Actor::local_officer(Role::Verifier);
    let grant = officer.may_anywhere::<HandleComplaints>()?;
    let mut households = completed.iter().map(|(_, e)| (e.household, e.village));
    let mut filed = 0;
    for demo in DEMO {
        let at = Origin {
            now: Utc::now() - Duration::days(demo.days_ago),
            client: None,
        };
        // Synthetic complainants: a household of the demo cycle (or none), and a person id of no one.
        let (household, home) = households.next().unwrap_or((uuid::Uuid::now_v7(), village));
        let pass = key.issue(uuid::Uuid::now_v7(), Some(household), home, at.now);
        let village_code = village.dotted();
        let who = if demo.anonymous {
            Complainant::Anonymous {
                village: &village_code,
            }
        } else {
            Complainant::Pass(&pass)
        };
        let input = ComplaintInput {
            category: demo.category,
            text: demo.text,
            contact: demo.contact,
        };
        let done = complaints::submit(store, &services, who, &input, &at)
            .await
            .with_context(|| format!("filing the demo {} complaint", demo.category))?;
        for (i, (action, note)) in demo.steps.iter().enumerate() {
            let later = Origin {
                now: at.now + Duration::hours(2 + i as i64),
                client: None,
            };
            // The village's own complaints are taken up at the village's level by Dinas Sosial
            // here only because the demo has one officer for all steps.
            complaints::act(store, &grant, done.id, *action, note, &later)
                .await
                .with_context(|| format!("the demo step {}", action.code()))?;
        }
        filed += 1;
    }
    let rated = rate_some(store, &key, &completed).await?;
    tracing::info!(
        complaints = filed,
        ratings = rated,
        "demo complaints and ratings (synthetic)"
    );
    Ok(())
}

/// Up to `limit` paid or handed-over entitlements of the latest envelopes, with their envelope's id.
async fn completed_entitlements(
    store: &dyn Store,
    limit: usize,
) -> anyhow::Result<Vec<(uuid::Uuid, Entitlement)>> {
    let mut out = Vec::new();
    for envelope in store.envelopes(None, 20).await? {
        for state in [EntitlementState::HandedOver, EntitlementState::Paid] {
            let filter = EntitlementFilter {
                within: Scope::All,
                state: Some(state),
                route: None,
            };
            for e in store.entitlements(envelope.id, &filter, None, 8).await? {
                out.push((envelope.id, e));
                if out.len() >= limit {
                    return Ok(out);
                }
            }
        }
    }
    Ok(out)
}

async fn first_village(store: &dyn Store) -> anyhow::Result<tepat_domain::RegionCode> {
    let regency = store
        .populated_regencies()
        .await?
        .first()
        .map(|r| r.regency)
        .context("the demo has no population")?;
    let district = store
        .population_by_district(&regency)
        .await?
        .into_iter()
        .find(|d| d.persons > 0)
        .map(|d| d.district)
        .context("the demo regency has no people")?;
    RegionTable::embedded()
        .children(&district)
        .next()
        .map(|v| v.code)
        .context("the demo district has no village")
}

/// Rates the entitlements after the first six (those complained), stars varying with the position.
async fn rate_some(
    store: &dyn Store,
    key: &PassKey,
    completed: &[(uuid::Uuid, Entitlement)],
) -> anyhow::Result<u32> {
    const COMMENTS: [&str; 4] = [
        "Antrean tertib, petugas ramah.",
        "",
        "Beras bagus, tapi menunggu lama.",
        "",
    ];
    let limits = FeedbackLimits::default();
    let mut rated = 0;
    for (i, (envelope, e)) in completed.iter().skip(DEMO.len()).take(24).enumerate() {
        let now = Utc::now();
        let pass = key.issue(uuid::Uuid::now_v7(), Some(e.household), e.village, now);
        let stars = [5, 4, 3, 5, 2, 4][i % 6].to_string();
        let input = RatingInput {
            pass: &pass,
            envelope: &envelope.to_string(),
            stars: &stars,
            comment: COMMENTS[i % COMMENTS.len()],
        };
        let origin = Origin { now, client: None };
        if ratings::rate(store, key, &limits, &input, &origin, Lang::Id)
            .await
            .is_ok()
        {
            rated += 1;
        }
    }
    Ok(rated)
}

/// How often `serve` and `demo` look for complaints past their deadline.
const ESCALATE_EVERY: std::time::Duration = std::time::Duration::from_secs(6 * 60 * 60);

/// The complaint escalation job of `tepat serve` and `tepat demo` (first run at start, then every six
/// hours): unanswered complaints past their deadline move one level up, once
/// (`complaints::escalate_overdue`, by `Job::ComplaintEscalation`).
pub async fn escalating(store: std::sync::Arc<dyn Store>) {
    let mut tick = tokio::time::interval(ESCALATE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = complaints::escalate_overdue(store.as_ref(), Utc::now()).await {
            tracing::error!(error = %error, "complaints: cannot escalate overdue complaints");
        }
    }
}
