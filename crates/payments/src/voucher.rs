//! voucher (placeholder; see lib.rs).
