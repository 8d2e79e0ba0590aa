//! `tepat demo samples`: NIK and KK number pairs of demo households in different situations, one
//! `NIK KK situation` per line, for trying the status check and for community workshops.
//!
//! Each pair is put through the real check (`tepat_core::portal::status`, limits lifted) and labelled
//! by what its card says: `enrolled:PROGRAM:paid` / `:handed_over` / `:scheduled` / `:pending`,
//! `waitlisted:PROGRAM`, `suspended:PROGRAM`, `graduated:PROGRAM`, `registered` (verified, in no
//! program), `proposed`, `not_registered`. Registry households come from the registry (decrypted with
//! the demo keys); people outside it from the demo's generated population file. Prints only the
//! demo's synthetic people: never point it at a real database.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Context as _;
use tepat_core::intake::citizen::Proof;
use tepat_core::portal::status::{
    LimitSettings, RegistryStage, Stage, StatusCard, StatusService, StatusSettings,
};
use tepat_core::portal::PassKey;
use tepat_core::registry::Origin;
use tepat_domain::distribution::EntitlementState;
use tepat_regions::RegionTable;

use crate::cli::SamplesArgs;
use crate::context::Context;

const PAGE: u32 = 1000;

/// The situation a card shows, as one token.
pub fn situation(card: &StatusCard) -> String {
    let first = |s: Stage| card.programs.iter().find(|p| p.stage == s);
    if let Some(p) = first(Stage::Enrolled) {
        let last = p.history.first().map(|h| h.state);
        let how = match (last, &p.next) {
            (_, Some(_)) => "scheduled",
            (Some(EntitlementState::HandedOver), _) => "handed_over",
            (Some(EntitlementState::Paid), _) => "paid",
            _ => "pending",
        };
        return format!("enrolled:{}:{how}", p.program);
    }
    for (stage, name) in [
        (Stage::Waitlisted, "waitlisted"),
        (Stage::Suspended, "suspended"),
        (Stage::Graduated, "graduated"),
    ] {
        if let Some(p) = first(stage) {
            return format!("{name}:{}", p.program);
        }
    }
    match card.registry {
        RegistryStage::Verified => "registered".into(),
        RegistryStage::Proposed => "proposed".into(),
        RegistryStage::NotListed => "not_registered".into(),
    }
}

struct Printer<'a> {
    service: StatusService,
    key: PassKey,
    store: &'a dyn tepat_store::Store,
    per: usize,
    counts: BTreeMap<String, usize>,
    out: std::io::StdoutLock<'static>,
}

impl Printer<'_> {
    /// Checks the pair and prints it if its situation still has room; `false` if it did not match.
    async fn offer(&mut self, nik: &str, kk: &str) -> anyhow::Result<bool> {
        let proof = Proof { nik, kk };
        let card = match self
            .service
            .check(self.store, &self.key, &proof, &Origin::now(None))
            .await
        {
            Ok(card) => card,
            Err(_) => return Ok(false),
        };
        let label = situation(&card);
        let n = self.counts.entry(label.clone()).or_default();
        if *n < self.per {
            *n += 1;
            writeln!(self.out, "{nik} {kk} {label}")?;
        }
        Ok(true)
    }
}

pub async fn run(ctx: &Context, args: &SamplesArgs) -> anyhow::Result<()> {
    let store = ctx.store().await?;
    let service = StatusService::new(
        StatusSettings {
            limits: LimitSettings {
                per_client: u32::MAX,
                per_nik: u32::MAX,
            },
            ..StatusSettings::default()
        },
        RegionTable::embedded(),
    );
    service.refresh(store.as_ref()).await?;
    let mut p = Printer {
        service,
        key: PassKey::random(),
        store: store.as_ref(),
        per: args.per_situation,
        counts: BTreeMap::new(),
        out: std::io::stdout().lock(),
    };
    // Registry households, one member each (the first listed).
    let mut seen = HashSet::new();
    let mut after = None;
    loop {
        let rows = store.registry_linkage_rows(after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.village, last.member));
        for r in &rows {
            if seen.insert(r.household) {
                p.offer(r.nik.digits(), r.kk_number.digits()).await?;
            }
        }
    }
    // People outside the registry, from the demo's generated population file.
    let file = Path::new(&args.data).join(tepat_generate::POPULATION);
    if let Ok(f) = std::fs::File::open(&file) {
        let mut outside = 0;
        for line in std::io::BufReader::new(f).lines().skip(1) {
            let line = line.with_context(|| format!("cannot read {}", file.display()))?;
            let mut fields = line.split(',');
            let (Some(nik), Some(kk)) = (fields.next(), fields.next()) else {
                continue;
            };
            if p.offer(nik, kk).await? {
                outside += 1;
            }
            if p.counts.get("not_registered").copied().unwrap_or(0) >= p.per || outside > 50_000 {
                break;
            }
        }
    }
    p.out.flush()?;
    for (label, n) in &p.counts {
        eprintln!("{label}: {n}");
    }
    Ok(())
}
