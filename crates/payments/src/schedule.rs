//! schedule (placeholder; see lib.rs).
