//! The registry's duplicate index at full size: what `tepat serve` does in the background at start
//! (read every active member, train the model on at most 200,000 of them, build the online index), then
//! queries as the officers' checks make them.
//!
//! ```sh
//! # A registry of 1,000,000 persons made by the store's search benchmark (kept with its key file):
//! REGISTRY_BENCH_DB=/tmp/dupbench/registry.db cargo run --release -p tepat-store --example registry_search -- 1000000
//! cargo run --release -p tepat-core --example duplicate_bench -- /tmp/dupbench/registry.db 10000
//! ```

use std::sync::Arc;
use std::time::Instant;

use tepat_core::registry::{DuplicateIndex, ModelSource};
use tepat_crypto::Keyring;
use tepat_store::Store;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().expect("DATABASE FILE"));
    let queries: usize = args.next().map_or(10_000, |s| s.parse().expect("QUERIES"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let keys = Keyring::load_or_create(&path.with_extension("keys")).unwrap();
        let store = tepat_store::connect(&format!("sqlite://{}", path.display()), Arc::new(keys))
            .await
            .unwrap();
        store.migrate().await.unwrap();

        let t = Instant::now();
        let rows = read_all(&*store).await;
        println!("read {} members in {:.2} s", rows.len(), t.elapsed().as_secs_f64());

        let t = Instant::now();
        let (index, source) = DuplicateIndex::build_trained(&*store).await.unwrap();
        let trained = match source {
            ModelSource::Registry { trained_on } => format!("trained on {trained_on}"),
            ModelSource::Builtin { members } => format!("builtin model ({members} members)"),
        };
        println!(
            "build_trained: {} members indexed, {trained}, {:.2} s (read + train + build)",
            index.len(),
            t.elapsed().as_secs_f64()
        );

        // Every queried member is in another household than itself: the officers' check of a household.
        let step = (rows.len() / queries.max(1)).max(1);
        let mut times = Vec::with_capacity(queries);
        let mut found = 0usize;
        for id in rows.iter().step_by(step).take(queries) {
            let Some(stored) = store.registry_household(*id).await.unwrap() else {
                continue;
            };
            for m in &stored.household.members {
                let t = Instant::now();
                found += index.candidates(&stored.household, m).len();
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        println!(
            "{} queries: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms; {found} candidates",
            times.len(),
            at(0.5),
            at(0.95),
            at(0.99),
            at(1.0)
        );
    });
}

/// The households of every active member, in store order (one id per member, to sample from).
async fn read_all(store: &dyn Store) -> Vec<uuid::Uuid> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.registry_linkage_rows(after, 5_000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.village, last.member));
        out.extend(page.iter().map(|r| r.household));
    }
    out
}
