use anyhow::Context as _;
use tepat_domain::RegionCode;
use tepat_generate::{generate, GenerateOptions};
use tepat_regions::RegionTable;

use crate::cli::GenerateArgs;

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let regency = RegionCode::parse(&args.regency)
        .map_err(|e| anyhow::anyhow!("--regency {:?}: {e}", args.regency))?;
    let opts = GenerateOptions {
        out: args.out.clone(),
        seed: args.seed,
        persons: args.persons,
        regency,
        errors: args.errors,
        today: args.as_of.unwrap_or_else(super::today),
    };
    let summary = with_progress(|progress| generate(&opts, RegionTable::embedded(), progress))
        .with_context(|| format!("cannot generate into {}", args.out.display()))?;
    println!(
        "generated {} persons in {} households ({} registry records) in {:.1} s",
        summary.persons,
        summary.households,
        summary.registry_records,
        summary.elapsed.as_secs_f64()
    );
    for file in &summary.files {
        println!("  {}", file.display());
    }
    for (kind, n) in summary
        .person_faults
        .iter()
        .chain(&summary.population_faults)
    {
        println!("  fault {kind}: {n}");
    }
    Ok(())
}

/// Calls `f` with a progress callback that draws a percentage on a terminal and does nothing otherwise.
fn with_progress<T>(f: impl FnOnce(&dyn Fn(u64, u64)) -> T) -> T {
    if !super::interactive() {
        return f(&|_, _| {});
    }
    let shown = std::sync::atomic::AtomicU64::new(u64::MAX);
    let draw = |done: u64, total: u64| {
        let pct = done * 100 / total.max(1);
        if shown.swap(pct, std::sync::atomic::Ordering::Relaxed) != pct {
            eprint!("\rgenerating: {pct:3}%");
            if done >= total {
                eprintln!();
            }
        }
    };
    f(&draw)
}
