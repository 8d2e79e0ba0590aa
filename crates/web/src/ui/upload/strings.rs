//! The upload page's strings, in Bahasa Indonesia and English (one line per string, both side by side; a
//! string missing in one language does not compile).

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The upload page's strings in one language.
        #[derive(Debug)]
        pub struct UploadStrings { $(pub $name: &'static str,)+ }
        static ID: UploadStrings = UploadStrings { $($name: $id,)+ };
        static EN: UploadStrings = UploadStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static UploadStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    title: "Unggah usulan (CSV)", "Upload proposals (CSV)";
    lead: "Satu baris per anggota keluarga, dikelompokkan menurut nomor KK. Setiap keluarga diperiksa seperti usulan yang diketik satu per satu; keluarga yang semua barisnya benar diusulkan, setiap baris yang salah dilaporkan dengan nomor baris, kolom dan alasannya.",
        "One row per member, grouped by KK number. Every household is checked like a proposal typed in one by one; households whose rows are all right are proposed, every wrong row is reported with its line, column and reason.";
    format: "Format berkas", "File format";
    format_body: "CSV UTF-8 dengan baris judul. Kolom wajib: kk_number, village_code, rt, rw, nik, full_name, sex (L/P), birth_date (TTTT-BB-HH), relationship (kepala_keluarga, suami_istri, anak, …). Kolom pilihan: address, phone, sector, reason. Paling banyak 20.000 baris.",
        "CSV UTF-8 with a header line. Required columns: kk_number, village_code, rt, rw, nik, full_name, sex (L/P), birth_date (YYYY-MM-DD), relationship (kepala_keluarga, suami_istri, anak, …). Optional: address, phone, sector, reason. At most 20,000 rows.";
    template: "Unduh contoh berkas", "Download a sample file";
    file: "Berkas CSV", "CSV file";
    kind: "Jenis unggahan", "Kind of upload";
    kind_operator: "Usulan operator", "Operator's proposals";
    kind_agency: "Daftar OPD (sektor)", "Agency list (sector)";
    sector: "Sektor daftar OPD", "Agency list's sector";
    check: "Periksa saja", "Check only";
    propose: "Periksa dan usulkan", "Check and propose";
    report: "Laporan", "Report";
    checked_only: "Hanya diperiksa: belum ada yang diusulkan.", "Checked only: nothing was proposed yet.";
    rows: "Baris dibaca", "Rows read";
    households: "Keluarga", "Households";
    proposed: "Diusulkan", "Proposed";
    would_propose: "Dapat diusulkan", "Can be proposed";
    already: "Sudah ada di registri", "Already in the registry";
    refused: "Ditolak", "Refused";
    download: "Unduh laporan (CSV)", "Download the report (CSV)";
    problems: "Masalah dan temuan per baris", "Problems and findings by line";
    no_problems: "Tidak ada masalah.", "No problems.";
    more_in_download: "Baris berikutnya ada di laporan yang diunduh.", "The further lines are in the downloaded report.";
    col_line: "Baris", "Line";
    col_column: "Kolom", "Column";
    col_code: "Kode", "Code";
    col_severity: "Tingkat", "Severity";
    col_reason: "Alasan", "Reason";
    col_value: "Isi", "Value";
    sev_error: "ditolak", "refused";
    sev_warning: "periksa", "check";
    sev_info: "info", "info";
    error_title: "Berkas tidak dapat diterima", "The file cannot be accepted";
    error_no_file: "Pilih berkas CSV untuk diunggah.", "Choose a CSV file to upload.";
    error_form: "Formulir tidak lengkap atau rusak; muat ulang halaman lalu coba lagi.", "The form is incomplete or broken; reload the page and try again.";
    error_sector: "Pilih sektor daftar OPD: nelayan, kukm, phk atau dirumahkan.", "Choose the agency list's sector: nelayan, kukm, phk or dirumahkan.";
    report_gone: "Laporan ini tidak ada lagi (laporan disimpan satu jam); unggah berkasnya lagi untuk membuatnya.", "This report is no longer there (reports are kept for an hour); upload the file again to make it.";
}
