//! ISO 20022 bank files (placeholder; see lib.rs).
