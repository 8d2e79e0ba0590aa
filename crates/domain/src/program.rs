//! Programs as data (*program bansos*): what each program pays, to whom, when, through which channel, and
//! within which budget and quotas. Programs are loaded from a TOML file (`programs/default.toml` is built
//! in), edited by admins in the app and saved back; every saved edit is a new version. The format and the
//! default programs are described in `docs/programs.md`.
//!
//! - [`ProgramDef`]: one program as written in the file: plain data, what the editor holds.
//! - [`Program`]: a definition whose eligibility rule and member conditions type-checked against
//!   [`crate::targeting::schema`] and whose amounts divide into whole rupiah per cycle: safe to run.
//! - [`Programs`]: a set of programs with unique codes whose exclusivity names only programs in the set.
//! - [`Benefit`]: what one household (a *KPM*, *keluarga penerima manfaat*) receives per cycle and in total.

mod check;
mod def;
mod error;
mod file;

pub use check::{Benefit, BenefitPart, Program};
pub use def::{Channel, Component, Cycle, Formula, Funding, ProgramDef, Quota};
pub use error::{ProgramError, ProgramErrorKind};
pub use file::Programs;

#[cfg(test)]
mod tests;
