//! ewallet (placeholder; see lib.rs).
