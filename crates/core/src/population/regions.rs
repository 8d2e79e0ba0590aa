//! The region codes validation needs, owned so that the reader threads can hold them.

use std::collections::HashSet;

use tepat_domain::{KnownRegions, RegionCode, RegionLevel};
use tepat_regions::RegionTable;

/// Every kecamatan and desa/kelurahan code of the region table (NIK and KK numbers name a kecamatan; a
/// household lives in a desa/kelurahan).
#[derive(Debug)]
pub(crate) struct KnownCodes(HashSet<RegionCode>);

impl KnownCodes {
    pub fn new(table: &RegionTable) -> KnownCodes {
        let wanted = [RegionLevel::Kecamatan, RegionLevel::DesaKelurahan];
        KnownCodes(
            wanted
                .into_iter()
                .flat_map(|level| table.at_level(level))
                .map(|r| r.code)
                .collect(),
        )
    }
}

impl KnownRegions for KnownCodes {
    fn contains(&self, code: &RegionCode) -> bool {
        self.0.contains(code)
    }
}
