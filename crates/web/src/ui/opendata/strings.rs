//! The open-data portal's strings (`/data`), in Bahasa Indonesia and English.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The portal's strings in one language.
        #[derive(Debug)]
        pub struct DataStrings { $(pub $name: &'static str,)+ }
        static ID: DataStrings = DataStrings { $($name: $id,)+ };
        static EN: DataStrings = DataStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static DataStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    title: "Data terbuka bantuan sosial", "Open data on social assistance";
    link: "Data terbuka: penyaluran per wilayah", "Open data: aid by region";
    lead: "Berapa keluarga menerima bantuan, berapa yang tersalur, dan bagaimana penilaian warga, per program, tahap dan wilayah. Setiap angka uang dapat dihitung ulang dari buku besar transparansi.",
        "How many households receive aid, how much reached them, and how citizens rate it, by program, cycle and region. Every amount can be recomputed from the transparency ledger.";
    as_of: "Angka per", "Figures as of";
    never: "Belum ada angka.", "No figures yet.";
    suppression: "Sel dengan kurang dari {k} keluarga (atau penilaian, atau pengaduan) disembunyikan, begitu pula sel pelengkap yang dapat dipakai untuk menghitungnya kembali. Tanda — berarti disembunyikan.",
        "Cells with fewer than {k} households (or ratings, or complaints) are hidden, and so are the complementary cells that would allow recomputing them. A — means hidden.";
    hidden: "disembunyikan", "hidden";
    programs: "Program dan tahap", "Programs and cycles";
    all_regions: "Semua wilayah", "All regions";
    region: "Wilayah", "Region";
    households: "Keluarga", "Households";
    entitled: "Hak (Rp)", "Entitled (Rp)";
    disbursed: "Tersalur (Rp)", "Disbursed (Rp)";
    share: "Porsi tersalur", "Share delivered";
    rating: "Nilai warga", "Citizens' rating";
    complaints: "Pengaduan", "Complaints";
    complaints_title: "Pengaduan warga (semua program)", "Citizens' complaints (all programs)";
    table_caption: "Penyaluran per wilayah", "Aid by region";
    total: "Jumlah", "Total";
    chart_title: "Porsi tersalur per wilayah", "Share delivered by region";
    chart_hidden: "disembunyikan", "hidden";
    recipients_title: "Daftar penerima (nama tersamar)", "Recipients (masked names)";
    recipients_lead: "Hanya huruf pertama dan terakhir tiap kata nama kepala keluarga. Tanpa NIK, tanpa alamat.",
        "Only the first and last letter of each word of the head of family's name. No NIK, no address.";
    recipients_off: "Daftar penerima per desa tidak diterbitkan oleh kantor ini.", "This office does not publish recipient lists per village.";
    recipients_hidden: "Daftar desa ini tidak ditampilkan karena jumlahnya disembunyikan.", "This village's list is not shown because its count is hidden.";
    masked_name: "Nama (tersamar)", "Name (masked)";
    delivered: "Tersalur", "Delivered";
    yes: "ya", "yes";
    no: "belum", "not yet";
    ledger_title: "Buku besar transparansi", "Transparency ledger";
    ledger_lead: "Angka uang di halaman ini adalah jumlah entri buku besar. Siapa pun dapat menyalin buku besar dan menghitungnya kembali:",
        "The amounts on this page are sums of ledger entries. Anyone can copy the ledger and recompute them:";
    ledger_none: "Server ini tidak menyajikan buku besar.", "This server does not serve a ledger.";
    checkpoint: "Checkpoint terakhir yang disaksikan", "Latest witnessed checkpoint";
    size: "Jumlah entri", "Entries";
    root: "Hash akar", "Root hash";
    witnesses: "Saksi", "Witnesses";
    ledger_link: "Buka buku besar", "Open the ledger";
    downloads: "Unduh dan API", "Downloads and APIs";
    catalog: "Katalog DCAT (JSON-LD)", "DCAT catalogue (JSON-LD)";
    ckan: "API CKAN (package_list)", "CKAN API (package_list)";
    openapi: "Spesifikasi OpenAPI", "OpenAPI description";
    dictionary: "Kamus data", "Data dictionary";
    column: "Kolom", "Column";
    meaning: "Arti", "Meaning";
    unit: "Satuan", "Unit";
}
