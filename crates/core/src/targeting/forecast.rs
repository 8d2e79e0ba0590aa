//! Placeholder: being written (see mod.rs).
