//! The monitoring pages' strings, in Bahasa Indonesia and English, one line per string; a string
//! missing in one language does not compile.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The monitoring pages' strings in one language.
        #[derive(Debug)]
        pub struct MonitoringStrings { $(pub $name: &'static str,)+ }
        static ID: MonitoringStrings = MonitoringStrings { $($name: $id,)+ };
        static EN: MonitoringStrings = MonitoringStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static MonitoringStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    nav: "Pemantauan", "Monitoring";
    title: "Dasbor pemantauan", "Monitoring dashboard";
    lead: "Penyaluran, pengaduan, penilaian, antrean pendaftaran dan tanda kejanggalan di wilayah Anda. Angka diperbarui sendiri setiap 20 detik.",
        "Distribution, complaints, ratings, the registration backlog and anomaly flags in your region. The figures update themselves every 20 seconds.";
    whole_country: "Seluruh Indonesia", "All of Indonesia";
    region: "Wilayah", "Region";
    up: "Naik satu tingkat", "One level up";
    program_cycle: "Program dan siklus", "Program and cycle";
    show: "Tampilkan", "Show";
    as_of: "Angka penyaluran, penilaian dan tanda per", "Distribution, rating and flag figures as of";
    not_yet: "Angka sedang dihitung untuk pertama kali; muat ulang sebentar lagi.", "The figures are being computed for the first time; reload in a moment.";
    live_note: "Antrean pendaftaran dan pengaduan: saat ini.", "Registration backlog and complaints: live.";
    csv: "Unduh CSV", "Download CSV";
    total: "Jumlah", "Total";
    none: "Tidak ada data.", "No data.";

    pipeline_title: "Penyaluran: direncanakan, dikirim, dikonfirmasi, diterima", "Distribution: planned, sent, confirmed, received";
    pipeline_lead: "Direncanakan: hak yang tidak dibatalkan. Dikirim: instruksi bayar keluar atau voucher terbit. Dikonfirmasi: bank/penyedia menerima instruksi, atau sudah selesai. Diterima: masuk rekening, atau diserahkan langsung.",
        "Planned: entitlements not cancelled. Sent: a payment instruction went out or a voucher was issued. Confirmed: the bank or provider accepted it, or it is done. Received: credited, or handed over in person.";
    col_planned: "Direncanakan", "Planned";
    col_sent: "Dikirim", "Sent";
    col_confirmed: "Dikonfirmasi", "Confirmed";
    col_received: "Diterima", "Received";
    col_failed: "Gagal", "Failed";
    col_share: "% diterima", "% received";
    no_cycle: "Belum ada amplop penyaluran.", "No distribution envelopes yet.";

    complaints_title: "Tenggat pengaduan", "Complaint deadlines";
    col_awaiting: "Menunggu jawaban", "Awaiting an answer";
    col_overdue: "Lewat tenggat", "Overdue";
    col_due_soon: "Tenggat ≤ 2 hari", "Due within 2 days";
    col_answered: "Dijawab, belum selesai", "Answered, not resolved";
    col_earliest: "Tenggat terdekat", "Earliest deadline";

    ratings_title: "Penilaian penerima", "Recipients' ratings";
    col_ratings: "Penilaian", "Ratings";
    col_average: "Rata-rata bintang", "Average stars";
    col_low: "1–2 bintang", "1–2 stars";

    backlog_title: "Antrean pendaftaran (usulan)", "Registration backlog (proposals)";
    col_stage: "Tahap", "Stage";
    col_waiting: "Menunggu", "Waiting";
    col_oldest: "Tertua (hari)", "Oldest (days)";

    flags_title: "Tanda kejanggalan", "Anomaly flags";
    flags_lead: "Tanda bukan tuduhan: setiap tanda perlu diperiksa petugas. Daftar rinci hanya memuat nomor keluarga atau akun petugas; data lengkap hanya lewat halaman registri yang tercatat di log audit.",
        "A flag is not an accusation: each one needs an officer's check. The lists hold household or officer account ids only; full records open only through the registry's pages, which the audit log records.";
    col_rule: "Aturan", "Rule";
    col_flagged: "Ditandai", "Flagged";
    open_list: "Lihat daftar", "See the list";

    list_lead: "Paling tinggi dulu. Nomor keluarga membuka halaman registri (tercatat di log audit).", "Highest first. A household id opens its registry page (recorded in the audit log).";
    col_subject: "Keluarga / akun", "Household / account";
    col_group: "Kelompok", "Group";
    col_value: "Nilai", "Value";
    col_extra: "Keterangan", "Details";
    col_device: "Perangkat / peran", "Device / role";
    back: "Kembali ke dasbor", "Back to the dashboard";
    bad_region: "Kode wilayah tidak dikenal. Pilih wilayah dari dasbor.", "Unknown region code. Choose a region from the dashboard.";
}
