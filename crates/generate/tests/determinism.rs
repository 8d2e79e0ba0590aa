//! Same seed and options ⇒ byte-identical files, whatever the number of threads; another seed ⇒ other
//! files.

mod common;

use std::path::Path;

use common::{regions, today};
use tepat_generate::{generate, GenerateOptions, CHUNK_HOUSEHOLDS};

fn run(dir: &Path, seed: u64, threads: usize) -> Vec<(String, Vec<u8>)> {
    let mut opts = GenerateOptions::new(dir, seed, today());
    // Several chunks, so that threads really split the work.
    opts.persons = Some(4 * CHUNK_HOUSEHOLDS * 3);
    opts.errors = true;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let summary = pool
        .install(|| generate(&opts, regions(), &|_, _| {}))
        .unwrap();
    summary
        .files
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn same_seed_same_bytes_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(&dir.path().join("a"), 77, 1);
    let b = run(&dir.path().join("b"), 77, 2);
    let c = run(&dir.path().join("c"), 77, 3);
    assert_eq!(a.len(), 6);
    for ((x, y), z) in a.iter().zip(&b).zip(&c) {
        assert_eq!(x.0, y.0);
        assert!(x.1 == y.1, "{} differs between 1 and 2 threads", x.0);
        assert!(x.1 == z.1, "{} differs between 1 and 3 threads", x.0);
        assert!(x.1.len() > 20, "{} has content", x.0);
    }
}

#[test]
fn rerun_into_the_same_directory_replaces_the_files_identically() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(dir.path(), 5, 2);
    let b = run(dir.path(), 5, 2);
    assert!(a == b);
}

#[test]
fn another_seed_gives_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(&dir.path().join("a"), 1, 2);
    let b = run(&dir.path().join("b"), 2, 2);
    for (x, y) in a.iter().zip(&b) {
        if x.0 == "population_truth.csv" && x.1.len() < 200 {
            continue; // few lines; may coincide in length but not in general
        }
        assert!(x.1 != y.1, "{} identical for seeds 1 and 2", x.0);
    }
}
