//! The copy of the data compiled into the binary: `data/*.csv.gz`, the CSV files of `idn-area-data` 4.0.1
//! byte for byte, gzip-compressed (see `data/README.md`).

use std::io::Read;

use flate2::read::GzDecoder;

use crate::load::LoadError;
use crate::table::RegionTable;

const PROVINCES: &[u8] = include_bytes!("../data/provinces.csv.gz");
const REGENCIES: &[u8] = include_bytes!("../data/regencies.csv.gz");
const DISTRICTS: &[u8] = include_bytes!("../data/districts.csv.gz");
const VILLAGES: &[u8] = include_bytes!("../data/villages.csv.gz");

pub(crate) fn parse() -> Result<RegionTable, LoadError> {
    RegionTable::from_csv_readers(
        gunzip(PROVINCES),
        gunzip(REGENCIES),
        gunzip(DISTRICTS),
        gunzip(VILLAGES),
    )
}

fn gunzip(bytes: &'static [u8]) -> impl Read {
    GzDecoder::new(bytes)
}
