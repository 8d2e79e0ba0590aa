//! One row of the region table.

use serde::Serialize;
use tepat_domain::{RegionCode, RegionLevel};

/// A provinsi, kabupaten/kota, kecamatan or desa/kelurahan: its code and official name. The level and the
/// parent follow from the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: RegionCode,
    /// The name as published, e.g. `Kabupaten Belitung`, `Tanjungpandan`, `Soka"an`.
    pub name: String,
}

impl Region {
    pub fn level(&self) -> RegionLevel {
        self.code.level()
    }

    /// The code of the region one level up, or `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        self.code.parent()
    }
}
