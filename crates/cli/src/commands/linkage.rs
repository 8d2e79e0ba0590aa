//! `tepat dedupe` and `tepat link`: record linkage over CSV files (the persons.csv format of
//! docs/linkage.md), with a progress bar on a terminal and a summary at the end.

use std::sync::Mutex;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use tepat_linkage::{
    dedupe_files, link_files, BadRows, DedupeOptions, LinkOptions, LinkageOptions, NoProgress,
    Progress, Stage,
};

use crate::cli::{DedupeArgs, LinkArgs};

pub fn dedupe(args: &DedupeArgs) -> anyhow::Result<()> {
    let opts = DedupeOptions {
        input: args.input.clone(),
        out: args.out.clone(),
        pairs: args.pairs.clone(),
        threshold: args.common.threshold,
        bad_rows: bad_rows(args.common.reject_bad_rows),
        decisions: args.common.decisions.clone(),
        review: args.common.review.clone(),
        model_in: args.common.model_in.clone(),
        model_out: args.common.model_out.clone(),
        linkage: LinkageOptions::default(),
    };
    let summary = with_progress(|p| dedupe_files(&opts, p))
        .with_context(|| format!("dedupe of {} failed", args.input.display()))?;
    for problem in &summary.problems {
        eprintln!("skipped: {problem}");
    }
    print!("{summary}");
    Ok(())
}

pub fn link(args: &LinkArgs) -> anyhow::Result<()> {
    let opts = LinkOptions {
        left: args.left.clone(),
        right: args.right.clone(),
        out: args.out.clone(),
        threshold: args.common.threshold,
        bad_rows: bad_rows(args.common.reject_bad_rows),
        one_to_one: args.one_to_one,
        decisions: args.common.decisions.clone(),
        review: args.common.review.clone(),
        model_in: args.common.model_in.clone(),
        model_out: args.common.model_out.clone(),
        linkage: LinkageOptions::default(),
    };
    let summary = with_progress(|p| link_files(&opts, p)).with_context(|| {
        format!(
            "link of {} and {} failed",
            args.left.display(),
            args.right.display()
        )
    })?;
    for problem in &summary.problems {
        eprintln!("skipped: {problem}");
    }
    print!("{summary}");
    Ok(())
}

fn bad_rows(reject: bool) -> BadRows {
    if reject {
        BadRows::Reject
    } else {
        BadRows::Skip
    }
}

/// Runs `f` with a progress bar per stage on a terminal, and silently otherwise.
fn with_progress<T>(f: impl FnOnce(&dyn Progress) -> T) -> T {
    if super::interactive() {
        f(&Bars::default())
    } else {
        f(&NoProgress)
    }
}

#[derive(Default)]
struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Progress for Bars {
    fn start(&self, stage: Stage, total: Option<u64>) {
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template("{msg:>24} [{bar:30}] {pos}/{len} ({eta})")
                    .expect("valid template")
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner(),
        };
        bar.set_message(stage.name());
        if let Some(old) = self.current.lock().expect("progress lock").replace(bar) {
            old.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.current.lock().expect("progress lock").as_ref() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.current.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}
