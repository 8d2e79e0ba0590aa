//! The registry and audit pages' strings, in Bahasa Indonesia and English. Kept apart from the global
//! `ui::i18n::Strings` so these pages grow without touching the layout's strings: one line per string,
//! both languages side by side, and a string missing in one language does not compile.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The registry pages' strings in one language.
        #[derive(Debug)]
        pub struct RegistryStrings { $(pub $name: &'static str,)+ }
        static ID: RegistryStrings = RegistryStrings { $($name: $id,)+ };
        static EN: RegistryStrings = RegistryStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static RegistryStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    // Navigation.
    nav_search: "Cari", "Search";
    nav_new: "Usulan baru", "New proposal";
    nav_queue: "Antrean", "Queue";
    nav_tasks: "Tugas", "Tasks";
    nav_audit: "Log audit", "Audit log";
    nav_upload: "Unggah CSV", "CSV upload";
    nav_citizen: "Usulan & sanggahan warga", "Citizens' proposals & objections";
    nav_offline: "Entri lapangan (luring)", "Field entry (offline)";
    photos_link: "Foto rumah", "House photos";

    // Search.
    search_title: "Registri sosial", "Social registry";
    search_lead: "Cari keluarga dengan NIK, nomor KK, atau awal nama. Hasil disamarkan; membuka data lengkap dicatat di log audit.",
        "Find a household by NIK, KK number or the beginning of a name. Results are masked; opening a full record is written to the audit log.";
    search_label: "NIK, nomor KK atau nama", "NIK, KK number or name";
    search_submit: "Cari", "Search";
    search_none: "Tidak ada yang cocok di wilayah kerja Anda.", "Nothing matches inside your working area.";
    search_results: "Hasil pencarian", "Search results";
    col_nik: "NIK", "NIK";
    col_name: "Nama", "Name";
    col_born: "Lahir", "Born";
    col_relationship: "Hubungan", "Relationship";
    col_status: "Status", "Status";
    col_village: "Desa/kel.", "Village";
    col_kind: "Jenis", "Kind";
    col_stage: "Tahap", "Stage";
    col_since: "Sejak", "Since";
    col_sex: "L/P", "Sex";
    open: "Buka", "Open";

    // Household page.
    household_title: "Keluarga", "Household";
    kk: "Nomor KK", "KK number";
    village: "Desa/kelurahan", "Village";
    address: "Alamat", "Address";
    rt: "RT", "RT";
    rw: "RW", "RW";
    state: "Status registri", "Registry status";
    state_proposed: "diusulkan", "proposed";
    state_active: "terdaftar", "in the registry";
    state_rejected: "ditolak", "rejected";
    state_merged: "digabung", "merged";
    members: "Anggota keluarga", "Members";
    survey: "Survei kebutuhan", "Needs survey";
    survey_none: "Belum ada survei (diisi saat kunjungan lapangan).", "No survey yet (filled in at the field visit).";
    requests: "Usulan dan riwayat", "Requests and history";
    requests_none: "Belum ada usulan.", "No requests.";
    tasks: "Tugas terbuka", "Open tasks";
    tasks_none: "Tidak ada tugas terbuka.", "No open tasks.";
    checks: "Pemeriksaan", "Checks";
    checks_none: "Tidak ada temuan: data sesuai dengan data kependudukan dan tidak ada duplikat.",
        "No findings: the data agree with the population extract and there are no duplicates.";
    duplicates: "Kemungkinan duplikat", "Possible duplicates";
    duplicates_none: "Tidak ada kemungkinan duplikat.", "No possible duplicates.";
    dup_same: "Orang yang sama", "Same person";
    dup_distinct: "Orang berbeda", "Different people";
    dup_decided: "Keputusan tersimpan.", "Decision saved.";
    dup_other: "Keluarga lain", "Other household";
    change_title: "Usulan perubahan", "Change request";
    change_lead: "Perubahan berlaku setelah diverifikasi dan disetujui.", "A change applies once verified and approved.";
    yes: "ya", "yes";
    no: "tidak", "no";
    severity_info: "info", "info";
    severity_warning: "perhatian", "warning";
    severity_problem: "masalah", "problem";
    member_status_active: "aktif", "active";
    member_status_deceased: "meninggal", "deceased";
    member_status_moved_out: "pindah", "moved out";
    member_status_removed: "dihapus", "removed";
    by: "oleh", "by";
    reason: "Alasan", "Reason";
    reason_hint: "Wajib, paling banyak 500 karakter; tercatat di riwayat.", "Required, at most 500 characters; kept in the history.";
    visited_on: "Tanggal kunjungan", "Visit date";

    // Queue.
    queue_title: "Antrean", "Queue";
    queue_village: "Menunggu verifikasi desa/kelurahan", "Waiting for the village's verification";
    queue_district: "Menunggu pemeriksaan kecamatan", "Waiting for the district's review";
    queue_dinas: "Menunggu verifikasi Dinas Sosial", "Waiting for Dinas Sosial's verification";
    queue_decision: "Menunggu keputusan pejabat pengesah", "Waiting for the approver's decision";
    queue_empty: "Antrean kosong.", "The queue is empty.";
    queue_scope: "Wilayah kerja", "Working area";

    // Request page and actions.
    request_title: "Usulan", "Request";
    history: "Riwayat", "History";
    change: "Perubahan", "Change";
    your_turn: "Tindakan Anda", "Your action";
    not_your_turn: "Usulan ini menunggu", "This request waits for";
    closed: "Usulan ini sudah selesai.", "This request is closed.";
    verify_title: "Verifikasi lapangan dan survei kebutuhan", "Field verification and needs survey";
    verify_submit: "Simpan verifikasi desa", "Save the village verification";
    review_submit: "Teruskan (diperiksa kecamatan)", "Forward (reviewed by the district)";
    dinas_submit: "Teruskan (diverifikasi Dinas Sosial)", "Forward (verified by Dinas Sosial)";
    approve_submit: "Setujui", "Approve";
    reject_submit: "Tolak", "Reject";
    return_submit: "Kembalikan satu tahap", "Send back one stage";
    latitude: "Lintang (opsional)", "Latitude (optional)";
    longitude: "Bujur (opsional)", "Longitude (optional)";
    survey_household: "Rumah dan aset", "House and assets";
    survey_members: "Anggota (isi sektor untuk menyertakan anggota)", "Members (fill in the sector to include a member)";
    not_answered: "— belum diisi —", "— not answered —";
    floor: "Lantai", "Floor";
    wall: "Dinding", "Wall";
    roof: "Atap", "Roof";
    floor_area: "Luas lantai (m²)", "Floor area (m²)";
    water: "Air minum", "Drinking water";
    sanitation: "Jamban", "Toilet";
    electricity: "Penerangan", "Lighting";
    cooking_fuel: "Bahan bakar memasak", "Cooking fuel";
    income_band: "Pendapatan per bulan", "Monthly income";
    owns_house: "Rumah milik sendiri", "Owns the house";
    has_motorcycle: "Punya sepeda motor", "Has a motorcycle";
    has_car: "Punya mobil", "Has a car";
    has_refrigerator: "Punya kulkas", "Has a refrigerator";
    has_boat: "Punya perahu", "Has a boat";
    livestock: "Ternak (ekor besar)", "Livestock (large animals)";
    land: "Luas lahan (m²)", "Land (m²)";
    sector: "Sektor", "Sector";
    disability: "Disabilitas", "Disability";
    chronic_illness: "Sakit kronis", "Chronic illness";
    pregnant: "Hamil", "Pregnant";
    school_level: "Sekolah", "School";
    already_done: "Langkah ini sudah tercatat sebelumnya; tidak ada yang dibuat dua kali.",
        "This step was already recorded; nothing was done twice.";
    saved: "Tersimpan.", "Saved.";

    // New proposal.
    new_title: "Usulan keluarga baru", "New household proposal";
    new_lead: "Isi satu keluarga sesuai KK. Periksa dulu: temuan ditampilkan dengan alasannya sebelum disimpan.",
        "Enter one household as on its KK. Check first: findings are shown with their reasons before saving.";
    member_n: "Anggota", "Member";
    nik: "NIK", "NIK";
    full_name: "Nama lengkap", "Full name";
    sex: "Jenis kelamin", "Sex";
    birth_date: "Tanggal lahir", "Birth date";
    relationship: "Hubungan dalam keluarga", "Relationship";
    check_submit: "Periksa", "Check";
    save_submit: "Simpan usulan", "Save the proposal";
    more_rows: "Tambah baris anggota", "More member rows";
    errors_title: "Periksa isian berikut:", "Please check:";
    findings_title: "Hasil pemeriksaan", "Check results";
    proposed_ok: "Usulan tersimpan. Hasil pemeriksaan setelah disimpan:", "Proposal saved. Checks after saving:";

    // Change request kinds (forms).
    change_kind: "Jenis perubahan", "Kind of change";
    member: "Anggota", "Member";
    death_date: "Tanggal meninggal", "Date of death";
    phone: "Nomor HP", "Mobile number";
    account_provider: "Penyedia rekening (kode bank atau dompet digital, mis. bri)", "Account provider (bank or e-wallet code, e.g. bri)";
    account_number: "Nomor rekening", "Account number";
    task_from: "Tindak lanjut tugas", "Follow-up of a task";
    task_death: "Kematian menurut data kependudukan", "Death in the population data";
    task_moved: "Pindah menurut data kependudukan", "Move in the population data";
    task_reverify: "Verifikasi ulang (data sudah lama)", "Re-verification (record is old)";
    new_kk: "Nomor KK baru", "New KK number";
    new_head: "Kepala keluarga baru", "New head of family";
    leaving: "Anggota yang keluar", "Members who leave";
    absorbed_kk: "Nomor KK keluarga yang digabungkan (desa yang sama)", "KK number of the household merged in (same village)";
    change_submit: "Ajukan perubahan", "Submit the change";
    choose: "Pilih…", "Choose…";

    // Field names in error messages.
    field_query: "Pencarian", "Search";
    field_kk: "Nomor KK", "KK number";
    field_village: "Kode desa/kelurahan", "Village code";
    field_address: "Alamat", "Address";
    field_rt_rw: "RT/RW", "RT/RW";
    field_reason: "Alasan", "Reason";
    field_members: "Anggota", "Members";
    field_visit: "Tanggal kunjungan", "Visit date";
    field_location: "Lokasi", "Location";
    field_survey: "Survei", "Survey";
    field_member: "Anggota", "Member";
    field_date: "Tanggal", "Date";
    field_kind: "Jenis perubahan", "Kind of change";

    // Form problems.
    err_required: "wajib diisi", "is required";
    err_date: "tanggal tidak sah (format TTTT-BB-HH)", "is not a valid date (format YYYY-MM-DD)";
    err_choice: "pilihan tidak dikenal", "is not one of the choices";
    err_number: "harus bilangan bulat 0 atau lebih", "must be a whole number, 0 or more";
    err_no_members: "isi paling sedikit satu anggota", "enter at least one member";
    err_incomplete_survey: "isi semua pertanyaan survei rumah, atau kosongkan semuanya", "answer every house question, or none";
    err_incomplete_member: "isi semua kolom anggota ini, atau kosongkan semuanya", "fill in every field of this member, or none";
    err_coordinates: "isi lintang dan bujur sebagai angka desimal, keduanya atau tidak sama sekali", "give latitude and longitude as decimal numbers, both or neither";
    err_forged: "formulir tidak sah; muat ulang halaman", "the form is not valid; reload the page";

    // Audit.
    audit_title: "Log audit", "Audit log";
    audit_lead: "Siapa melakukan apa, kapan, di mana dan mengapa. Membaca log ini juga dicatat.",
        "Who did what, when, where and why. Reading this log is recorded too.";
    audit_actor: "Pelaku (nama pengguna)", "Actor (username)";
    audit_object: "Id objek", "Object id";
    audit_region: "Wilayah (kode)", "Region (code)";
    audit_since: "Sejak tanggal", "From date";
    audit_until: "Sampai tanggal", "Until date";
    audit_submit: "Tampilkan", "Show";
    audit_none: "Tidak ada entri yang cocok.", "No matching entries.";
    audit_seq: "No.", "No.";
    audit_at: "Waktu", "Time";
    audit_who: "Pelaku", "Actor";
    audit_action: "Tindakan", "Action";
    audit_purpose: "Tujuan", "Purpose";
    audit_from: "Dari", "From";
    audit_verify: "Periksa rantai hash", "Verify the hash chain";
    audit_intact: "Rantai hash utuh", "The hash chain is intact";
    audit_broken: "Rantai hash RUSAK", "The hash chain is BROKEN";
    audit_checked: "entri diperiksa", "entries checked";
    audit_older: "Lebih lama", "Older";
    audit_unknown_user: "tidak ada pengguna dengan nama ini", "there is no user with this name";
    audit_bad_id: "harus id (UUID)", "must be an id (UUID)";
    audit_bad_region: "kode wilayah tidak sah", "is not a valid region code";
}
