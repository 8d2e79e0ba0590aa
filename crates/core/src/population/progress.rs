//! The progress bar: bytes of the file, once for checking and once for importing. Hidden unless asked for
//! (the CLI asks when standard error is a terminal).

use indicatif::{ProgressBar, ProgressStyle};

pub(crate) fn bar(enabled: bool, bytes: u64, phase: &'static str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(bytes);
    let style = ProgressStyle::with_template(
        "{msg:>9} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .expect("valid template")
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(phase);
    bar
}
