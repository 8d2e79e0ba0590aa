//! `tepat-domain`: the pure types and rules every other crate speaks. No I/O, no async.
//!
//! Indonesian names are kept where they are the real names of things:
//! - [`Nik`] (*Nomor Induk Kependudukan*): the 16-digit national identity number.
//! - [`KkNumber`] (*Nomor Kartu Keluarga*): the 16-digit number of a family card (KK).
//! - [`RegionCode`] (*kode wilayah*): Kemendagri codes for provinsi, kabupaten/kota, kecamatan, desa/kelurahan.
//! - [`Rupiah`]: money, always an integer number of rupiah.
//! - [`Household`]: the members of one KK with their [`Relationship`] (*hubungan keluarga*) to the head.
//! - [`Role`] (*peran*) and [`Scope`] (*wilayah kerja*): who a user is and which regions they act in.
//! - [`rules`]: the eligibility rule language (*aturan kelayakan*) that programs select households with.
//! - [`HouseholdSurvey`]: the needs survey (*survei kebutuhan*) attributes that targeting uses.
//! - [`program`]: programs as data (PKH, Sembako, BLT Dana Desa, …): period, channel, eligibility rule,
//!   benefit formula, caps, exclusivity, budget and quotas, loaded from and saved to TOML.
//! - [`targeting`]: what program rules see of a household (survey answers, members' ages, [`Desil`],
//!   enrolments) — nothing that identifies anyone.
//! - [`distribution`]: cycles, entitlements, envelopes with control totals, payment states, routes and
//!   financial addresses (`id-type:id@provider`) of distribution (*penyaluran*).
//! - [`registry`]: the social registry's households and members, change requests (*usulan*) and the
//!   workflow of *verifikasi dan validasi*.
#![forbid(unsafe_code)]

pub mod access;
pub mod distribution;
pub mod household;
pub mod kk;
pub mod lang;
pub mod nik;
pub mod person;
pub mod program;
pub mod region;
pub mod registry;
pub mod rules;
pub mod rupiah;
pub mod survey;
pub mod targeting;
pub mod targeting_sql;

pub use access::{Role, Scope};
pub use household::{Household, HouseholdError};
pub use kk::{KkError, KkNumber};
pub use lang::{Lang, Localized};
pub use nik::{Nik, NikError, NikFinding};
pub use person::{MaritalStatus, Person, Relationship, Religion, Sex};
pub use region::{KnownRegions, RegionCode, RegionCodeError, RegionLevel};
pub use rupiah::{Rupiah, RupiahError};
pub use survey::{HouseholdSurvey, MemberSurvey};
pub use targeting::{Desil, HouseholdFacts, MemberFacts};
