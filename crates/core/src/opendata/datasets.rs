//! The published datasets, their data dictionaries (Satu Data Indonesia asks for a definition, a
//! type and a unit per column) and their CSV form. JSON is the rows' serde form; CSV leaves a
//! suppressed cell empty, JSON gives `null`.

use serde::Serialize;

use super::publication::{ComplaintRow, DistributionRow};
use super::recipients::MaskedRecipient;

/// One column of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: &'static str,
    /// An XML Schema datatype name (`string`, `integer`, `decimal`, `boolean`).
    pub datatype: &'static str,
    pub unit: Option<&'static str>,
    pub description_id: &'static str,
    pub description_en: &'static str,
}

/// A dataset of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dataset {
    /// Its identifier in URLs, the catalogue and CKAN (`package_show?id=`).
    pub id: &'static str,
    /// The file name stem of its downloads (`/data/<file>.csv`).
    pub file: &'static str,
    pub title_id: &'static str,
    pub title_en: &'static str,
    pub description_id: &'static str,
    pub description_en: &'static str,
    pub columns: &'static [Column],
}

const fn col(
    name: &'static str,
    datatype: &'static str,
    unit: Option<&'static str>,
    description_id: &'static str,
    description_en: &'static str,
) -> Column {
    Column {
        name,
        datatype,
        unit,
        description_id,
        description_en,
    }
}

const REGION_COLUMNS: [Column; 4] = [
    col(
        "level",
        "string",
        None,
        "Tingkat: total, province, regency, district, village",
        "Level: total, province, regency, district, village",
    ),
    col(
        "region_code",
        "string",
        None,
        "Kode wilayah Kemendagri bertitik (kosong untuk total)",
        "Kemendagri region code, dotted (empty for the total)",
    ),
    col(
        "region_name",
        "string",
        None,
        "Nama wilayah resmi",
        "Official region name",
    ),
    col(
        "parent_code",
        "string",
        None,
        "Kode wilayah induk",
        "Code of the parent region",
    ),
];

/// Aid per program, cycle and region.
pub const DISTRIBUTION: Dataset = Dataset {
    id: "tepat-penyaluran",
    file: "penyaluran",
    title_id: "Penyaluran bantuan sosial per program, tahap dan wilayah",
    title_en: "Social assistance delivered by program, cycle and region",
    description_id: "Jumlah keluarga penerima, nilai hak, nilai tersalur, porsi tersalur dan penilaian \
        warga per program, tahap dan wilayah (provinsi sampai desa). Setiap nilai uang dapat dihitung \
        ulang dari buku besar transparansi. Sel kecil (kurang dari k keluarga) dan sel pelengkapnya \
        dikosongkan.",
    description_en: "Households, amounts entitled and disbursed, share delivered and citizens' \
        ratings by program, cycle and region (province down to village). Every amount can be \
        recomputed from the transparency ledger. Small cells (fewer than k households) and their \
        complementary cells are left empty.",
    columns: &[
        col("program", "string", None, "Kode program", "Program code"),
        col(
            "cycle",
            "string",
            None,
            "Kode tahap penyaluran",
            "Distribution cycle code",
        ),
        REGION_COLUMNS[0],
        REGION_COLUMNS[1],
        REGION_COLUMNS[2],
        REGION_COLUMNS[3],
        col(
            "households",
            "integer",
            Some("keluarga"),
            "Keluarga penerima (hak) pada tahap ini",
            "Households entitled in the cycle",
        ),
        col(
            "entitled_rp",
            "integer",
            Some("IDR"),
            "Nilai hak (rupiah)",
            "Amount entitled (rupiah)",
        ),
        col(
            "disbursed_rp",
            "integer",
            Some("IDR"),
            "Nilai tersalur: transfer yang masuk dan tidak dikembalikan, ditambah tunai dan barang \
             yang diserahkan (rupiah)",
            "Amount disbursed: transfers credited and not returned, plus cash and goods handed over \
             (rupiah)",
        ),
        col(
            "share_delivered",
            "decimal",
            Some("1"),
            "Porsi tersalur: disbursed_rp / entitled_rp",
            "Share delivered: disbursed_rp / entitled_rp",
        ),
        col(
            "ratings",
            "integer",
            Some("penilaian"),
            "Jumlah penilaian warga",
            "Number of citizens' ratings",
        ),
        col(
            "rating_average",
            "decimal",
            Some("bintang"),
            "Rata-rata bintang (1-5)",
            "Mean stars (1-5)",
        ),
    ],
};

/// Complaints per region.
pub const COMPLAINTS: Dataset = Dataset {
    id: "tepat-pengaduan",
    file: "pengaduan",
    title_id: "Pengaduan warga per wilayah",
    title_en: "Citizens' complaints by region",
    description_id:
        "Jumlah pengaduan warga tentang bantuan sosial per wilayah, semua program, sejak \
        awal. Sel kecil dan sel pelengkapnya dikosongkan.",
    description_en:
        "Citizens' complaints about social assistance by region, all programs, all time. \
        Small cells and their complementary cells are left empty.",
    columns: &[
        REGION_COLUMNS[0],
        REGION_COLUMNS[1],
        REGION_COLUMNS[2],
        REGION_COLUMNS[3],
        col(
            "complaints",
            "integer",
            Some("pengaduan"),
            "Jumlah pengaduan",
            "Number of complaints",
        ),
    ],
};

/// Masked recipient lists (only when turned on).
pub const RECIPIENTS: Dataset = Dataset {
    id: "tepat-penerima-tersamar",
    file: "penerima",
    title_id: "Daftar penerima per desa (nama tersamar)",
    title_en: "Recipients by village (masked names)",
    description_id:
        "Nama kepala keluarga penerima dalam bentuk tersamar (huruf pertama dan terakhir \
        tiap kata), tanpa NIK, tanpa alamat, hanya untuk desa yang jumlahnya diterbitkan.",
    description_en: "Heads of recipient households, names masked (first and last letter of each \
        word), no NIK, no address, only for villages whose count is published.",
    columns: &[
        col("program", "string", None, "Kode program", "Program code"),
        col("cycle", "string", None, "Kode tahap", "Cycle code"),
        REGION_COLUMNS[1],
        col(
            "masked_name",
            "string",
            None,
            "Nama kepala keluarga tersamar",
            "Masked name of the head of family",
        ),
        col("delivered", "boolean", None, "Sudah tersalur", "Delivered"),
    ],
};

/// The datasets published: recipient lists only when turned on.
pub fn datasets(lists_on: bool) -> Vec<&'static Dataset> {
    let mut all = vec![&DISTRIBUTION, &COMPLAINTS];
    if lists_on {
        all.push(&RECIPIENTS);
    }
    all
}

/// A dataset by its id or file stem.
pub fn dataset(name: &str, lists_on: bool) -> Option<&'static Dataset> {
    datasets(lists_on)
        .into_iter()
        .find(|d| d.id == name || d.file == name)
}

fn header(d: &Dataset) -> Vec<&'static str> {
    d.columns.iter().map(|c| c.name).collect()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    // Writing to memory cannot fail, and every field is UTF-8.
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// CSV of distribution rows, with the dataset's header.
pub fn distribution_csv<'a>(rows: impl IntoIterator<Item = &'a DistributionRow>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header(&DISTRIBUTION));
    for r in rows {
        let _ = w.write_record([
            r.program.clone(),
            r.cycle.clone(),
            r.level.code().to_owned(),
            r.region_code.clone().unwrap_or_default(),
            r.region_name.clone(),
            r.parent_code.clone().unwrap_or_default(),
            opt(r.households),
            opt(r.entitled_rp),
            opt(r.disbursed_rp),
            opt(r.share_delivered),
            opt(r.ratings),
            opt(r.rating_average),
        ]);
    }
    finish(w)
}

/// CSV of complaint rows.
pub fn complaints_csv<'a>(rows: impl IntoIterator<Item = &'a ComplaintRow>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header(&COMPLAINTS));
    for r in rows {
        let _ = w.write_record([
            r.level.code().to_owned(),
            r.region_code.clone().unwrap_or_default(),
            r.region_name.clone(),
            r.parent_code.clone().unwrap_or_default(),
            opt(r.complaints),
        ]);
    }
    finish(w)
}

/// CSV of one village's masked list.
pub fn recipients_csv(
    program: &str,
    cycle: &str,
    village: &str,
    list: &[MaskedRecipient],
) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header(&RECIPIENTS));
    for r in list {
        let _ = w.write_record([
            program,
            cycle,
            village,
            &r.masked_name,
            if r.delivered { "true" } else { "false" },
        ]);
    }
    finish(w)
}
