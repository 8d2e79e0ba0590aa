//! `tepat-linkage`: record linkage for tepat — finds the same person across the registry and across programs.
//!
//! The pipeline, one module a step:
//! 1. [`normalise`]: Indonesian names (titles, Muhammad, old spellings, phonetic keys), places, addresses.
//! 2. [`record`]: a `persons.csv` row and its normalised form.
//! 3. [`compare`]: per-field comparison levels, packed into a comparison vector.
#![forbid(unsafe_code)]

pub mod compare;
pub mod normalise;
pub mod record;
pub mod similarity;

pub use compare::{Field, Gamma};
pub use normalise::{normalise_name, phonetic, NormalName, Nicknames};
pub use record::{NormaliseOptions, PersonRecord, Prepared, PERSONS_HEADER};
