//! `tepat-regions`: the official Kemendagri region codes and names (*kode wilayah*), shipped inside
//! the binary.
//!
//! - [`RegionTable`]: every provinsi, kabupaten/kota, kecamatan and desa/kelurahan, looked up by code, by
//!   parent or by name. [`RegionTable::embedded`] parses the copy compiled into the binary, once.
//! - [`Region`]: one row, a [`RegionCode`](tepat_domain::RegionCode) and its official name.
//! - [`LoadError`]: why a set of region CSV files was rejected, with the file and line.
//! - [`normalize_name`]: how names are compared in [`RegionTable::find_by_name`].
//! - [`ATTRIBUTION_ID`], [`ATTRIBUTION_EN`], [`DATA_LICENSE`]: the notices the data's licence (ODbL 1.0)
//!   asks for wherever something built from the data is shown publicly.
//!
//! ```
//! use tepat_domain::{RegionCode, RegionLevel};
//! use tepat_regions::RegionTable;
//!
//! let regions = RegionTable::embedded();
//! let belitung = RegionCode::parse("19.02").unwrap();
//! assert_eq!(regions.get(&belitung).unwrap().name, "Kabupaten Belitung");
//! assert_eq!(regions.children(&belitung).len(), 5);
//! let found = regions.find_by_name("Kab. Belitung", Some(RegionLevel::KabupatenKota));
//! assert_eq!(found[0].code, belitung);
//! ```
//!
//! The data are the npm package `idn-area-data` 4.0.1 (Kepmendagri 300.2.2-2138/2025), stored unchanged
//! and gzip-compressed in `crates/regions/data/` (see its README for the source and how to regenerate).
#![forbid(unsafe_code)]

mod attribution;
mod embedded;
mod load;
mod name;
mod region;
mod table;

pub use attribution::{
    attribution, ATTRIBUTION_EN, ATTRIBUTION_ID, DATA_LICENSE, DATA_LICENSE_URL, SOURCE_PACKAGE,
    SOURCE_URL,
};
pub use load::{CsvFile, LoadError, LoadErrorKind};
pub use name::normalize_name;
pub use region::Region;
pub use table::RegionTable;
