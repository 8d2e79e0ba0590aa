//! The targeting pages' strings, in Bahasa Indonesia and English, one line per string; a string missing
//! in one language does not compile.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The targeting pages' strings in one language.
        #[derive(Debug)]
        pub struct TargetingStrings { $(pub $name: &'static str,)+ }
        static ID: TargetingStrings = TargetingStrings { $($name: $id,)+ };
        static EN: TargetingStrings = TargetingStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static TargetingStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    // Navigation.
    nav_programs: "Program", "Programs";
    nav_appeals: "Sanggahan", "Appeals";

    // Programs.
    programs_title: "Program bansos", "Assistance programs";
    programs_lead: "Setiap perubahan disimpan sebagai versi baru; penargetan mencatat versi yang dipakainya.",
        "Every saved change is a new version; a targeting run records the version it used.";
    programs_none: "Belum ada program. Jalankan `tepat migrate` untuk memuat program bawaan.",
        "No programs yet. Run `tepat migrate` to load the built-in programs.";
    col_code: "Kode", "Code";
    col_name: "Nama", "Name";
    col_version: "Versi", "Version";
    col_period: "Periode", "Period";
    col_budget: "Anggaran", "Budget";
    col_channel: "Penyaluran", "Channel";
    col_cycle: "Siklus", "Cycle";
    col_rule: "Aturan kelayakan", "Eligibility rule";
    col_quotas: "Kuota", "Quotas";
    col_exclusive: "Tidak boleh bersamaan dengan", "Exclusive with";
    col_saved: "Disimpan", "Saved";
    col_by: "Oleh", "By";
    col_note: "Catatan", "Note";
    col_legal: "Dasar hukum", "Legal basis";
    none: "—", "—";
    history_title: "Riwayat versi", "Version history";
    edit_link: "Ubah program", "Edit program";
    targeting_link: "Penargetan", "Targeting";
    edit_title: "Ubah program", "Edit program";
    edit_lead: "Isian utama di atas menggantikan kunci yang sama di TOML lengkap di bawah; sisanya (manfaat, siklus, penyaluran) diubah di TOML.",
        "The main fields above replace the same keys in the full TOML below; the rest (benefit, cycle, channel) is edited in the TOML.";
    field_name_id: "Nama (Bahasa Indonesia)", "Name (Bahasa Indonesia)";
    field_name_en: "Nama (Inggris)", "Name (English)";
    field_start: "Mulai", "Start";
    field_end: "Berakhir", "End";
    field_budget: "Anggaran seluruh periode (rupiah, kosongkan bila tanpa batas)", "Budget for the whole period (rupiah, empty for none)";
    field_quotas: "Kuota: satu per baris, `kode-wilayah jumlah-keluarga`", "Quotas: one per line, `region-code households`";
    field_exclusive: "Tidak boleh bersamaan dengan (kode, dipisah koma)", "Exclusive with (codes, comma-separated)";
    field_rule: "Aturan kelayakan", "Eligibility rule";
    field_toml: "TOML lengkap", "Full TOML";
    field_note: "Catatan perubahan", "Note on the change";
    save: "Simpan versi baru", "Save new version";
    saved: "Versi baru tersimpan.", "New version saved.";
    rule_ok: "Aturan dapat dipakai.", "The rule checks.";
    errors_title: "Periksa isian berikut", "Please check the following";
    bad_date: "tanggal ditulis yyyy-mm-dd", "write dates as yyyy-mm-dd";
    bad_budget: "tulis jumlah rupiah tanpa titik, misalnya 1500000000", "write whole rupiah without dots, such as 1500000000";
    bad_quota: "tiap baris: kode wilayah lalu jumlah keluarga, misalnya `19.02.01 250`", "each line: a region code then a number of households, such as `19.02.01 250`";

    // Runs.
    runs_title: "Penargetan", "Targeting";
    runs_none: "Belum ada penargetan untuk program ini.", "No targeting runs for this program yet.";
    run_now: "Jalankan sekarang", "Run now";
    run_lead: "Menghitung daftar calon (draf) dari aturan, peringkat kesejahteraan, kuota dan anggaran. Draf tidak mengubah kepesertaan sampai ditetapkan dengan SK.",
        "Computes a draft candidate list from the rule, the welfare ranking, quotas and budget. A draft changes no enrolment until approved by decree.";
    field_on: "Tanggal acuan (umur dihitung sampai tanggal ini)", "Reference date (ages are counted to it)";
    col_run: "Penargetan", "Run";
    col_state: "Status", "State";
    col_created: "Dibuat", "Created";
    col_decree: "Nomor SK", "Decree number";
    state_draft: "draf", "draft";
    state_approved: "ditetapkan", "approved";
    state_discarded: "dibatalkan", "discarded";
    state_superseded: "digantikan", "superseded";
    run_title: "Hasil penargetan", "Targeting run";
    summary_title: "Simulasi", "Simulation";
    households_in_scope: "Keluarga dalam wilayah", "Households in the area";
    eligible: "Memenuhi aturan", "Meet the rule";
    candidates: "Calon penerima", "Candidates";
    waitlist: "Daftar tunggu", "Waitlist";
    excluded: "Dikecualikan", "Excluded";
    budget_used: "Anggaran terpakai", "Budget used";
    gini: "Koefisien Gini manfaat", "Gini coefficient of benefits";
    concentration: "Indeks konsentrasi", "Concentration index";
    inclusion_error: "Kesalahan inklusi", "Inclusion error";
    exclusion_error: "Kesalahan eksklusi", "Exclusion error";
    errors_unknown: "Tidak diketahui (konsumsi sebenarnya tidak tersedia)", "Unknown (observed consumption is not available)";
    rule_path: "Aturan dijalankan", "Rule ran";
    path_sql: "di basis data", "in the database";
    path_rust: "di Rust", "in Rust";
    by_district: "Per kecamatan", "By district";
    by_village: "Per desa/kelurahan", "By village";
    col_region: "Wilayah", "Region";
    shortfalls: "Kekurangan", "Shortfalls";
    shortfalls_none: "Semua kuota dan anggaran terpenuhi.", "Every quota and the budget are met.";
    list_title: "Daftar per desa/kelurahan", "List by village";
    list_pick: "Pilih desa/kelurahan untuk melihat daftarnya.", "Pick a village to see its list.";
    col_household: "Keluarga", "Household";
    col_rank: "Peringkat", "Rank";
    col_desil: "Desil", "Desil";
    col_benefit: "Manfaat", "Benefit";
    col_reasons: "Alasan", "Reasons";
    rule_passed: "lolos", "passed";
    rule_failed: "tidak lolos", "failed";
    rule_unknown: "data kurang", "data missing";
    next_page: "Berikutnya", "Next";
    approve_title: "Tetapkan dengan SK", "Approve by decree";
    approve_lead: "Menetapkan mengubah calon menjadi peserta, mengakhiri kepesertaan yang tidak terpilih lagi di desa yang dicakup, dan mencatat hash daftar.",
        "Approval enrols the candidates, ends the enrolments the run does not reselect in the villages it covers, and records the list's hash.";
    field_decree: "Nomor SK", "Decree number";
    approve: "Tetapkan", "Approve";
    approved_notice: "Daftar ditetapkan.", "The list is approved.";
    approved_by_decree: "Ditetapkan dengan SK", "Approved by decree";
    list_hash: "Hash daftar", "List hash";
    ledger_entry: "entri ledger transparansi", "transparency ledger entry";

    // Appeals.
    appeals_title: "Sanggahan atas keputusan otomatis", "Appeals against automated decisions";
    appeals_lead: "Setiap sanggahan ditinjau oleh petugas (UU PDP). Membuka sanggahan dicatat di log audit.",
        "Every appeal is reviewed by a person (PDP law). Opening an appeal is written to the audit log.";
    appeals_none: "Tidak ada sanggahan yang menunggu.", "No appeals waiting.";
    appeal_title: "Sanggahan", "Appeal";
    appeal_file_title: "Ajukan sanggahan", "File an appeal";
    appeal_file_lead: "Sanggahan atas keputusan penargetan otomatis untuk keluarga ini; petugas peninjau akan memutuskannya.",
        "An appeal against an automated targeting decision for this household; a reviewer will decide it.";
    field_program: "Program", "Program";
    field_grounds: "Alasan sanggahan (paling banyak 1000 karakter)", "Grounds (at most 1000 characters)";
    field_reason: "Alasan keputusan", "Reason for the decision";
    file_appeal: "Ajukan", "File";
    filed_notice: "Sanggahan diajukan dan masuk antrean peninjauan.", "The appeal was filed and is in the review queue.";
    uphold: "Terima sanggahan", "Uphold";
    reject: "Tolak sanggahan", "Reject";
    decided_notice: "Sanggahan diputuskan.", "The appeal was decided.";
    upheld_effect: "Sanggahan yang diterima membuat tugas verifikasi ulang bagi desa; penargetan berikutnya memakai data yang sudah diperbaiki.",
        "An upheld appeal creates a re-verification task for the village; the next run decides on the corrected data.";
    appeal_open: "menunggu", "open";
    appeal_upheld: "diterima", "upheld";
    appeal_rejected: "ditolak", "rejected";
    col_filed: "Diajukan", "Filed";
    col_grounds: "Alasan", "Grounds";
    col_decision: "Keputusan", "Decision";

    // Household page.
    hh_targeting: "Penargetan", "Targeting";
    hh_desil: "Desil kesejahteraan", "Welfare desil";
    hh_welfare: "Perkiraan konsumsi per kapita sebulan (PMT)", "Predicted consumption per capita a month (PMT)";
    hh_unranked: "belum diperingkat", "not ranked yet";
    hh_contributions: "Faktor terbesar dalam skor PMT", "Largest factors in the PMT score";
    hh_no_survey: "Belum ada survei kebutuhan; skor PMT belum dapat dihitung.", "No needs survey yet; the PMT score cannot be computed.";
    hh_enrolments: "Kepesertaan", "Enrolments";
    hh_enrolments_none: "Tidak terdaftar di program mana pun.", "Not enrolled in any program.";
    hh_since: "sejak", "since";
    enrol_active: "aktif", "active";
    enrol_suspended: "ditangguhkan", "suspended";
    enrol_graduated: "berakhir", "ended";
    feature_effect: "pengaruh (poin log)", "effect (log points)";
}
