//! The output files: created under a temporary name, written in order, and renamed to their real names
//! only when every file is complete, so an interrupted run never leaves a half-written file under a real
//! name.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::GenerateError;

/// The population-registry extract.
pub const POPULATION: &str = "population.csv";
/// Faulty rows of the extract (with `--errors`; only a header otherwise).
pub const POPULATION_TRUTH: &str = "population_truth.csv";
/// The social-registry list in the linkage input format.
pub const PERSONS: &str = "persons.csv";
/// Which true person each registry record is, and its faults.
pub const PERSONS_TRUTH: &str = "persons_truth.csv";
pub const SURVEY_HOUSEHOLDS: &str = "survey_households.csv";
pub const SURVEY_MEMBERS: &str = "survey_members.csv";

pub const POPULATION_HEADER: &str = "nik,kk_number,full_name,sex,birth_place,birth_date,religion,marital_status,relationship,address,rt,rw,village_code,occupation,death_date";
pub const POPULATION_TRUTH_HEADER: &str = "line,fault";
pub const PERSONS_HEADER: &str =
    "record_id,nik,kk_number,full_name,sex,birth_place,birth_date,address,village_code";
pub const PERSONS_TRUTH_HEADER: &str = "record_id,person_id,fault";
pub const SURVEY_HOUSEHOLDS_HEADER: &str = "kk_number,village_code,members,floor,wall,roof,floor_area_m2,water,sanitation,electricity,cooking_fuel,income_band,owns_house,has_motorcycle,has_car,has_refrigerator,has_boat,livestock_units,land_m2,consumption_per_capita";
pub const SURVEY_MEMBERS_HEADER: &str =
    "nik,kk_number,sector,disability,chronic_illness,pregnant,school_level";

/// The files in the order [`Outputs`] indexes them.
pub(crate) const FILES: [(&str, &str); 6] = [
    (POPULATION, POPULATION_HEADER),
    (POPULATION_TRUTH, POPULATION_TRUTH_HEADER),
    (PERSONS, PERSONS_HEADER),
    (PERSONS_TRUTH, PERSONS_TRUTH_HEADER),
    (SURVEY_HOUSEHOLDS, SURVEY_HOUSEHOLDS_HEADER),
    (SURVEY_MEMBERS, SURVEY_MEMBERS_HEADER),
];

pub(crate) const F_POPULATION: usize = 0;
pub(crate) const F_POPULATION_TRUTH: usize = 1;
pub(crate) const F_PERSONS: usize = 2;
pub(crate) const F_PERSONS_TRUTH: usize = 3;
pub(crate) const F_HOUSEHOLDS: usize = 4;
pub(crate) const F_MEMBERS: usize = 5;

struct OutFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: File,
}

pub(crate) struct Outputs {
    files: Vec<OutFile>,
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Outputs {
    /// Creates the directory and the temporary files, each with its header line.
    pub(crate) fn create(dir: &Path) -> Result<Outputs, GenerateError> {
        fs::create_dir_all(dir).map_err(io_error(dir))?;
        let mut out = Outputs { files: Vec::new() };
        for (name, header) in FILES {
            let dest = dir.join(name);
            let tmp = dir.join(format!(".{name}.tmp"));
            let file = match File::create(&tmp) {
                Ok(f) => f,
                Err(e) => {
                    out.abandon();
                    return Err(io_error(&tmp)(e));
                }
            };
            out.files.push(OutFile { tmp, dest, file });
            let last = out.files.len() - 1;
            let line = format!("{header}\n");
            if let Err(e) = out.write(last, line.as_bytes()) {
                out.abandon();
                return Err(e);
            }
        }
        Ok(out)
    }

    pub(crate) fn write(&mut self, index: usize, bytes: &[u8]) -> Result<(), GenerateError> {
        let f = &mut self.files[index];
        f.file.write_all(bytes).map_err(io_error(&f.tmp))
    }

    /// Pushes what has been written so far to disk. Called by the writer thread after each batch, so
    /// that the flush overlaps with generating the next batch instead of piling up at the end.
    pub(crate) fn sync(&mut self) -> Result<(), GenerateError> {
        for f in &mut self.files {
            f.file.sync_data().map_err(io_error(&f.tmp))?;
        }
        Ok(())
    }

    /// Flushes every file to disk and gives each its real name. Returns the final paths.
    pub(crate) fn commit(mut self) -> Result<Vec<PathBuf>, GenerateError> {
        for f in &mut self.files {
            f.file.sync_all().map_err(io_error(&f.tmp))?;
        }
        let mut paths = Vec::new();
        for f in &self.files {
            fs::rename(&f.tmp, &f.dest).map_err(io_error(&f.dest))?;
            paths.push(f.dest.clone());
        }
        Ok(paths)
    }

    /// Removes the temporary files after a failure (best effort).
    pub(crate) fn abandon(self) {
        for f in &self.files {
            let _ = fs::remove_file(&f.tmp);
        }
    }
}
