//! Occupations as the population registry (Dukcapil) writes them in the *jenis pekerjaan* field.

pub(crate) const BELUM_BEKERJA: &str = "BELUM/TIDAK BEKERJA";
pub(crate) const MENGURUS_RUMAH_TANGGA: &str = "MENGURUS RUMAH TANGGA";
pub(crate) const PELAJAR: &str = "PELAJAR/MAHASISWA";
pub(crate) const PENSIUNAN: &str = "PENSIUNAN";
pub(crate) const PNS: &str = "PEGAWAI NEGERI SIPIL";
pub(crate) const TNI: &str = "TENTARA NASIONAL INDONESIA";
pub(crate) const POLRI: &str = "KEPOLISIAN RI";
pub(crate) const PEDAGANG: &str = "PEDAGANG";
pub(crate) const PETANI: &str = "PETANI/PEKEBUN";
pub(crate) const NELAYAN: &str = "NELAYAN/PERIKANAN";
pub(crate) const KARYAWAN: &str = "KARYAWAN SWASTA";
pub(crate) const BUMN: &str = "KARYAWAN BUMN";
pub(crate) const BURUH: &str = "BURUH HARIAN LEPAS";
pub(crate) const BURUH_TANI: &str = "BURUH TANI/PERKEBUNAN";
pub(crate) const BURUH_NELAYAN: &str = "BURUH NELAYAN/PERIKANAN";
pub(crate) const TUKANG_BATU: &str = "TUKANG BATU";
pub(crate) const TUKANG_KAYU: &str = "TUKANG KAYU";
pub(crate) const MEKANIK: &str = "MEKANIK";
pub(crate) const SOPIR: &str = "SOPIR";
pub(crate) const GURU: &str = "GURU";
pub(crate) const BIDAN: &str = "BIDAN";
pub(crate) const PERAWAT: &str = "PERAWAT";
pub(crate) const PERANGKAT_DESA: &str = "PERANGKAT DESA";
pub(crate) const WIRASWASTA: &str = "WIRASWASTA";

/// Every occupation the generator writes.
pub const ALL: &[&str] = &[
    BELUM_BEKERJA,
    MENGURUS_RUMAH_TANGGA,
    PELAJAR,
    PENSIUNAN,
    PNS,
    TNI,
    POLRI,
    PEDAGANG,
    PETANI,
    NELAYAN,
    KARYAWAN,
    BUMN,
    BURUH,
    BURUH_TANI,
    BURUH_NELAYAN,
    TUKANG_BATU,
    TUKANG_KAYU,
    MEKANIK,
    SOPIR,
    GURU,
    BIDAN,
    PERAWAT,
    PERANGKAT_DESA,
    WIRASWASTA,
];
