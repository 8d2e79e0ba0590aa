//! The region table: every region, in code order, with lookups by code, parent and name.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::sync::OnceLock;

use tepat_domain::{KnownRegions, RegionCode, RegionLevel};

use crate::load::{self, LoadError};
use crate::name::{normalize_name, split_prefix, Prefix};
use crate::region::Region;

/// All regions of a data set.
///
/// Regions are kept sorted by code, which is also the order of the dotted strings: every region comes right
/// before everything inside it (`19`, `19.01`, `19.01.01`, `19.01.01.1001`, …, `19.02`, …).
pub struct RegionTable {
    regions: Vec<Region>,
    index: HashMap<RegionCode, u32>,
    /// Per level (provinsi first), the positions in `regions` of that level's regions, in code order.
    levels: [Vec<u32>; 4],
    /// Built on the first name search, so that starting up does not pay for it.
    names: OnceLock<NameIndex>,
}

#[derive(Default)]
struct NameIndex {
    /// Normalised full name → positions, all levels.
    exact: HashMap<String, Vec<u32>>,
    /// Normalised name without its administrative prefix → positions, provinces and kabupaten/kota only.
    base: HashMap<String, Vec<u32>>,
}

impl RegionTable {
    /// The table compiled into the binary (`idn-area-data` 4.0.1), parsed on first use.
    pub fn embedded() -> &'static RegionTable {
        static TABLE: OnceLock<RegionTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            RegionTable::parse_embedded()
                .expect("the embedded region data are valid (checked by the crate's tests)")
        })
    }

    /// Parses the embedded data anew. [`RegionTable::embedded`] does this once; this is for measuring it.
    pub fn parse_embedded() -> Result<RegionTable, LoadError> {
        crate::embedded::parse()
    }

    /// Reads the four CSV files (uncompressed; see [`crate::CsvFile`] for their headers) and checks them:
    /// codes well formed and at the file's level, each in the parent its row names, no code twice, every
    /// parent present.
    pub fn from_csv_readers(
        provinces: impl Read,
        regencies: impl Read,
        districts: impl Read,
        villages: impl Read,
    ) -> Result<RegionTable, LoadError> {
        let load::Rows { regions, index } =
            load::read_all(provinces, regencies, districts, villages)?;
        let mut levels: [Vec<u32>; 4] = Default::default();
        for (i, region) in regions.iter().enumerate() {
            levels[level_slot(region.level())].push(i as u32);
        }
        Ok(RegionTable {
            regions,
            index,
            levels,
            names: OnceLock::new(),
        })
    }

    pub fn get(&self, code: &RegionCode) -> Option<&Region> {
        self.index.get(code).map(|&i| &self.regions[i as usize])
    }

    /// The regions one level below `code`, in code order (none for a village or an unknown code).
    pub fn children(&self, code: &RegionCode) -> impl ExactSizeIterator<Item = &Region> + '_ {
        let slots: &[u32] = match code.level() {
            RegionLevel::Provinsi => &self.levels[1],
            RegionLevel::KabupatenKota => &self.levels[2],
            RegionLevel::Kecamatan => &self.levels[3],
            RegionLevel::DesaKelurahan => &[],
        };
        let start = slots.partition_point(|&i| self.regions[i as usize].code < *code);
        let len =
            slots[start..].partition_point(|&i| self.regions[i as usize].code.is_within(code));
        self.at(&slots[start..start + len])
    }

    /// The region `code` (if present) followed by every region inside it, in code order.
    pub fn subtree(&self, code: &RegionCode) -> &[Region] {
        let start = self.regions.partition_point(|r| r.code < *code);
        let len = self.regions[start..].partition_point(|r| r.code.is_within(code));
        &self.regions[start..start + len]
    }

    /// The provinces, in code order.
    pub fn provinces(&self) -> impl ExactSizeIterator<Item = &Region> + '_ {
        self.at(&self.levels[0])
    }

    /// All regions of one level, in code order.
    pub fn at_level(&self, level: RegionLevel) -> impl ExactSizeIterator<Item = &Region> + '_ {
        self.at(&self.levels[level_slot(level)])
    }

    /// How many regions the table has at `level`.
    pub fn count(&self, level: RegionLevel) -> usize {
        self.levels[level_slot(level)].len()
    }

    /// All regions, in code order (every region before the regions inside it).
    pub fn iter(&self) -> std::slice::Iter<'_, Region> {
        self.regions.iter()
    }

    pub fn len(&self) -> usize {
        self.regions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The regions whose name is `name`, in code order, optionally only at `level`.
    ///
    /// Names are compared in their [`normalize_name`] form (case, apostrophes and spacing do not matter).
    /// For kabupaten/kota and provinces the prefix is optional: `Belitung`, `Kab. Belitung` and
    /// `Kabupaten Belitung` find 19.02 Kabupaten Belitung (and not Kabupaten Belitung Timur); `Jakarta Timur`
    /// and `Kota Jakarta Timur` find 31.75 Kota Administrasi Jakarta Timur; `Kota Belitung` finds nothing.
    /// Several regions can share a name, even within one kecamatan.
    pub fn find_by_name(&self, name: &str, level: Option<RegionLevel>) -> Vec<&Region> {
        let names = self.names.get_or_init(|| NameIndex::build(&self.regions));
        let query = normalize_name(name);
        if query.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<u32> = Vec::new();
        hits.extend(names.exact.get(&query).into_iter().flatten());
        hits.extend(names.base.get(&query).into_iter().flatten());
        if let (Some(prefix), rest) = split_prefix(&query) {
            let fits = |&&i: &&u32| prefix_fits(prefix, &self.regions[i as usize].code);
            hits.extend(names.base.get(rest).into_iter().flatten().filter(fits));
        }
        hits.sort_unstable();
        hits.dedup();
        hits.into_iter()
            .map(|i| &self.regions[i as usize])
            .filter(|r| level.is_none_or(|l| r.level() == l))
            .collect()
    }

    /// The names from `code` up to its province, e.g.
    /// `Tanjungpandan, Kabupaten Belitung, Kepulauan Bangka Belitung`. A level missing from the table
    /// shows as its dotted code.
    pub fn name_path(&self, code: &RegionCode) -> String {
        let mut parts = Vec::with_capacity(4);
        let mut next = Some(*code);
        while let Some(c) = next {
            parts.push(self.get(&c).map_or_else(|| c.dotted(), |r| r.name.clone()));
            next = c.parent();
        }
        parts.join(", ")
    }

    fn at<'a>(&'a self, slots: &'a [u32]) -> impl ExactSizeIterator<Item = &'a Region> + 'a {
        slots.iter().map(|&i| &self.regions[i as usize])
    }
}

impl fmt::Debug for RegionTable {
    /// Counts only: the rows themselves are too many to print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionTable")
            .field("provinsi", &self.levels[0].len())
            .field("kabupaten_kota", &self.levels[1].len())
            .field("kecamatan", &self.levels[2].len())
            .field("desa_kelurahan", &self.levels[3].len())
            .finish_non_exhaustive()
    }
}

impl KnownRegions for RegionTable {
    fn contains(&self, code: &RegionCode) -> bool {
        self.index.contains_key(code)
    }
}

impl<'a> IntoIterator for &'a RegionTable {
    type Item = &'a Region;
    type IntoIter = std::slice::Iter<'a, Region>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl NameIndex {
    fn build(regions: &[Region]) -> NameIndex {
        let mut index = NameIndex {
            exact: HashMap::with_capacity(regions.len()),
            base: HashMap::new(),
        };
        for (i, region) in regions.iter().enumerate() {
            let i = i as u32;
            let full = normalize_name(&region.name);
            if region.level() <= RegionLevel::KabupatenKota {
                let base = split_prefix(&full).1;
                index.base.entry(base.to_owned()).or_default().push(i);
            }
            index.exact.entry(full).or_default().push(i);
        }
        index
    }
}

/// Whether a prefix the user typed fits the region: `Provinsi` a province, `Kabupaten` a kabupaten,
/// `Kota` a kota.
fn prefix_fits(prefix: Prefix, code: &RegionCode) -> bool {
    match (prefix, code.level()) {
        (Prefix::Provinsi, RegionLevel::Provinsi) => true,
        (Prefix::Kabupaten, RegionLevel::KabupatenKota) => !code.is_kota(),
        (Prefix::Kota, RegionLevel::KabupatenKota) => code.is_kota(),
        _ => false,
    }
}

fn level_slot(level: RegionLevel) -> usize {
    usize::from(level.as_number() - 1)
}
