//! The needs survey (*survei kebutuhan*, the field visit of verifikasi dan validasi): the attributes of a
//! household and its members that the welfare ranking and program rules use. Code lists follow the
//! categories of the national welfare surveys (Regsosek/DTKS), simplified to what targeting needs.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::person::code_list;
use crate::rupiah::Rupiah;

code_list! {
    /// Main floor material (*jenis lantai terluas*).
    Floor {
        Tanah => "tanah", "tanah", "earth";
        Bambu => "bambu", "bambu", "bamboo";
        KayuMurah => "kayu_murah", "kayu/papan kualitas rendah", "low-grade wood";
        Semen => "semen", "semen/plester", "cement";
        Keramik => "keramik", "keramik/ubin", "tiles";
    }
}

code_list! {
    /// Main wall material (*jenis dinding terluas*).
    Wall {
        Bambu => "bambu", "bambu/anyaman", "bamboo";
        Kayu => "kayu", "kayu/papan", "wood";
        TembokTanpaPlester => "tembok_tanpa_plester", "tembok tanpa plester", "unplastered brick";
        Tembok => "tembok", "tembok", "brick";
    }
}

code_list! {
    /// Main roof material (*jenis atap terluas*).
    Roof {
        Ijuk => "ijuk", "ijuk/rumbia/jerami", "thatch";
        Seng => "seng", "seng", "corrugated iron";
        Asbes => "asbes", "asbes", "asbestos";
        Genteng => "genteng", "genteng", "roof tiles";
        Beton => "beton", "beton", "concrete";
    }
}

code_list! {
    /// Main source of drinking water (*sumber air minum*).
    Water {
        Sungai => "sungai", "sungai/mata air tak terlindung", "river or unprotected spring";
        SumurTakTerlindung => "sumur_tak_terlindung", "sumur tak terlindung", "unprotected well";
        SumurTerlindung => "sumur_terlindung", "sumur terlindung", "protected well";
        Ledeng => "ledeng", "ledeng/PAM", "piped water";
        Kemasan => "kemasan", "air kemasan/isi ulang", "bottled water";
    }
}

code_list! {
    /// Toilet facility (*fasilitas buang air besar*).
    Sanitation {
        TidakAda => "tidak_ada", "tidak ada", "none";
        Bersama => "bersama", "bersama/umum", "shared";
        Sendiri => "sendiri", "milik sendiri", "own";
    }
}

code_list! {
    /// Main lighting source and PLN connection (*sumber penerangan*).
    Electricity {
        TidakAda => "tidak_ada", "bukan listrik", "none";
        NonPln => "non_pln", "listrik non-PLN", "non-PLN electricity";
        Pln450 => "pln_450", "PLN 450 VA", "PLN 450 VA";
        Pln900 => "pln_900", "PLN 900 VA", "PLN 900 VA";
        Pln1300 => "pln_1300", "PLN 1300 VA ke atas", "PLN 1300 VA or more";
    }
}

code_list! {
    /// Main cooking fuel (*bahan bakar memasak*).
    CookingFuel {
        Kayu => "kayu", "kayu bakar/arang", "firewood or charcoal";
        MinyakTanah => "minyak_tanah", "minyak tanah", "kerosene";
        Lpg3kg => "lpg_3kg", "LPG 3 kg", "LPG 3 kg";
        LpgBesar => "lpg_besar", "LPG besar/listrik/gas kota", "large LPG, electric or piped gas";
    }
}

code_list! {
    /// The economic sector that program rules single out (*sektor pekerjaan*).
    Sector {
        TidakBekerja => "tidak_bekerja", "tidak bekerja", "not working";
        Nelayan => "nelayan", "nelayan", "fisher";
        Petani => "petani", "petani/pekebun", "farmer";
        Buruh => "buruh", "buruh harian lepas", "day labourer";
        Kukm => "kukm", "usaha kecil/mikro (KUKM)", "small business (KUKM)";
        Phk => "phk", "korban PHK", "laid off (PHK)";
        Dirumahkan => "dirumahkan", "dirumahkan", "furloughed";
        Karyawan => "karyawan", "karyawan swasta", "private employee";
        Asn => "asn", "PNS/TNI/Polri", "civil servant, military or police";
        PelajarMahasiswa => "pelajar", "pelajar/mahasiswa", "pupil or student";
        Lainnya => "lainnya", "lainnya", "other";
    }
}

code_list! {
    /// Monthly household income band (*rentang pendapatan per bulan*).
    IncomeBand {
        Below1m => "lt_1jt", "kurang dari Rp1 juta", "under Rp1 million";
        From1to2m => "1_2jt", "Rp1-2 juta", "Rp1-2 million";
        From2to4m => "2_4jt", "Rp2-4 juta", "Rp2-4 million";
        Above4m => "gt_4jt", "lebih dari Rp4 juta", "over Rp4 million";
    }
}

code_list! {
    /// School level a child currently attends (*jenjang sekolah*).
    SchoolLevel {
        TidakSekolah => "tidak_sekolah", "tidak/belum sekolah", "not in school";
        Paud => "paud", "PAUD/TK", "pre-school";
        Sd => "sd", "SD/MI", "primary";
        Smp => "smp", "SMP/MTs", "junior secondary";
        Sma => "sma", "SMA/SMK/MA", "senior secondary";
        Kuliah => "kuliah", "perguruan tinggi", "higher education";
    }
}

code_list! {
    /// Severity of a disability (*disabilitas*).
    Disability {
        Tidak => "tidak", "tidak ada", "none";
        Ringan => "ringan", "ringan/sedang", "mild or moderate";
        Berat => "berat", "berat", "severe";
    }
}

/// Household-level answers of the needs survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdSurvey {
    pub floor: Floor,
    pub wall: Wall,
    pub roof: Roof,
    /// Floor area of the house in square metres.
    pub floor_area_m2: u32,
    pub water: Water,
    pub sanitation: Sanitation,
    pub electricity: Electricity,
    pub cooking_fuel: CookingFuel,
    pub income_band: IncomeBand,
    pub owns_house: bool,
    pub has_motorcycle: bool,
    pub has_car: bool,
    pub has_refrigerator: bool,
    pub has_boat: bool,
    pub livestock_units: u32,
    pub land_m2: u32,
    /// Observed monthly consumption per capita. Only a survey with a consumption module (and generated data,
    /// where it is the ground truth) has it; the proxy-means test predicts it for everyone else.
    pub consumption_per_capita: Option<Rupiah>,
}

/// Member-level answers of the needs survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSurvey {
    pub sector: Sector,
    pub disability: Disability,
    pub chronic_illness: bool,
    pub pregnant: bool,
    pub school_level: SchoolLevel,
}

impl HouseholdSurvey {
    /// Floor area per person, the crowding indicator (0 for an empty household).
    pub fn floor_area_per_person(&self, members: usize) -> f64 {
        if members == 0 {
            0.0
        } else {
            self.floor_area_m2 as f64 / members as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_lists_round_trip() {
        for s in Sector::ALL {
            assert_eq!(Sector::parse(s.code()), Some(*s));
            assert_eq!(Sector::parse(s.label(Lang::Id)), Some(*s));
        }
        assert_eq!(Sector::parse("korban PHK"), Some(Sector::Phk));
        assert_eq!(Floor::parse("marmer"), None);
    }
}
