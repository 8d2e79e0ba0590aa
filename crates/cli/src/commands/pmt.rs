//! `tepat pmt`: the proxy-means test (see docs/pmt.md) — fit a model from a survey with observed
//! consumption, and a hidden timing command for BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use tepat_domain::{HouseholdFacts, Rupiah};
use tepat_targeting::{pmt, survey_file};

#[derive(Debug, Subcommand)]
pub enum PmtCommand {
    /// Estimate the model's weights from a survey with observed consumption per capita (the directory
    /// `tepat generate` writes: survey_households.csv, survey_members.csv, population.csv)
    Fit(FitArgs),
    /// Show one surveyed household's predicted consumption and why: every feature's contribution
    Explain(ExplainArgs),
    /// Rank the stored households: the model's predicted consumption per capita and their desil per
    /// regency (households without a needs survey get none)
    Rank(crate::commands::targeting::RankArgs),
    /// Time fitting, prediction and ranking on a survey directory (for BENCHMARKS.md)
    #[command(hide = true)]
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// Directory holding the survey files
    #[arg(long)]
    pub survey: PathBuf,
    /// Write the fitted model here as JSON (default: only print the summary)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Reference date ages are counted to, YYYY-MM-DD (default: today)
    #[arg(long)]
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Directory holding the survey files
    #[arg(long)]
    pub survey: PathBuf,
    /// The household's position in survey_households.csv (1 = the first household after the header)
    #[arg(long)]
    pub household: usize,
    /// A model file written by `tepat pmt fit --out` (default: the built-in model)
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Reference date ages are counted to, YYYY-MM-DD (default: today)
    #[arg(long)]
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[arg(long)]
    pub survey: PathBuf,
    /// Households to predict and rank (the survey's households repeated with fresh ids)
    #[arg(long, default_value_t = 1_000_000)]
    pub households: usize,
    #[arg(long)]
    pub on: Option<NaiveDate>,
}

pub fn run(cmd: PmtCommand) -> anyhow::Result<()> {
    match cmd {
        PmtCommand::Fit(args) => fit(&args),
        PmtCommand::Explain(args) => explain(&args),
        PmtCommand::Bench(args) => bench(&args),
        // Needs the database: dispatched to `commands::targeting::rank` before this.
        PmtCommand::Rank(_) => anyhow::bail!("`tepat pmt rank` needs the database"),
    }
}

fn observed(args_survey: &Path) -> anyhow::Result<Vec<(HouseholdFacts, Rupiah)>> {
    let rows = survey_file::read_dir(args_survey)
        .with_context(|| format!("cannot read the survey in {}", args_survey.display()))?;
    Ok(rows
        .into_iter()
        .filter_map(|(h, c)| c.map(|c| (h, c)))
        .collect())
}

fn fit(args: &FitArgs) -> anyhow::Result<()> {
    let on = args.on.unwrap_or_else(super::today);
    let samples = observed(&args.survey)?;
    let source = format!("tepat pmt fit on {} households", samples.len());
    let model = pmt::fit(&samples, on, &source)?;
    let f = &model.fitted_on;
    println!("fitted on {} households, reference date {on}", f.n);
    println!("R² {:.3} (fitting sample)", f.r2);
    println!(
        "leave-out check: R² {:.3}, Spearman {:.3} on the fifth held out",
        f.holdout_r2, f.holdout_spearman
    );
    let mut weights = model.weights();
    weights.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
    println!("largest weights (log points):");
    for w in weights.iter().take(10) {
        println!("  {:<32} {:+.3}", w.feature, w.weight);
    }
    if let Some(out) = &args.out {
        let json = serde_json::to_string_pretty(&model)?;
        std::fs::write(out, json + "\n")
            .with_context(|| format!("cannot write {}", out.display()))?;
        println!("model written to {}", out.display());
    }
    Ok(())
}

fn explain(args: &ExplainArgs) -> anyhow::Result<()> {
    let on = args.on.unwrap_or_else(super::today);
    let model = match &args.model {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not a PMT model file", path.display()))?
        }
        None => pmt::Model::builtin(),
    };
    let rows = survey_file::read_dir(&args.survey)
        .with_context(|| format!("cannot read the survey in {}", args.survey.display()))?;
    let (facts, observed) = args
        .household
        .checked_sub(1)
        .and_then(|i| rows.get(i))
        .with_context(|| {
            format!(
                "--household {}: the survey has households 1 to {}",
                args.household,
                rows.len()
            )
        })?;
    let predicted = model
        .predict(facts, on)
        .context("the household has no survey answers")?;
    println!("predicted consumption per capita: Rp{}", predicted.amount());
    if let Some(c) = observed {
        println!("observed consumption per capita:  Rp{}", c.amount());
    }
    println!(
        "intercept {:+.3}; contributions (log points, largest first):",
        model.intercept
    );
    for c in model.explain(facts, on) {
        println!(
            "  {:<32} value {:>8.3} × weight {:+.3} = {:+.3}",
            c.feature, c.value, c.weight, c.effect
        );
    }
    Ok(())
}

/// Median of three runs of `f`, in seconds.
fn median3(mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[1]
}

fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    let on = args.on.unwrap_or_else(super::today);
    let samples = observed(&args.survey)?;
    let fit_s = median3(|| {
        pmt::fit(&samples, on, "bench").expect("fit");
    });
    println!(
        "fit: {} households, median of 3: {fit_s:.2} s",
        samples.len()
    );
    let model = pmt::fit(&samples, on, "bench")?;
    let many: Vec<HouseholdFacts> = (0..args.households)
        .map(|i| {
            let mut h = samples[i % samples.len()].0.clone();
            h.id = survey_file::household_id(&i.to_string());
            h
        })
        .collect();
    let rank_s = median3(|| {
        let mut scores: Vec<_> = many
            .iter()
            .filter_map(|h| Some((h.id, h.village, model.predict(h, on)?.amount())))
            .collect();
        let ranked = pmt::rank(&mut scores);
        assert_eq!(ranked.len(), many.len());
    });
    println!(
        "predict + rank: {} households, median of 3: {rank_s:.2} s",
        many.len()
    );
    Ok(())
}
