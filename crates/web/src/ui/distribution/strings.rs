//! The distribution pages' strings, in Bahasa Indonesia and English, one line per string; a string
//! missing in one language does not compile.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The distribution pages' strings in one language.
        #[derive(Debug)]
        pub struct DistributionStrings { $(pub $name: &'static str,)+ }
        static ID: DistributionStrings = DistributionStrings { $($name: $id,)+ };
        static EN: DistributionStrings = DistributionStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static DistributionStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    // Navigation.
    nav_envelopes: "Penyaluran", "Distribution";
    nav_points: "Titik salur", "Distribution points";
    nav_accounts: "Rekening penerima", "Recipients' accounts";

    // The envelopes list.
    envelopes_title: "Penyaluran bansos", "Aid distribution";
    envelopes_lead: "Satu amplop per program dan siklus. Jumlah kendali (penerima, rupiah) harus sama di setiap tahap: hak, instruksi, dibayar, diterima, gagal.",
        "One envelope per program and cycle. The control totals (recipients, rupiah) must agree at every stage: entitlements, instructed, paid, handed over, failed.";
    envelopes_none: "Belum ada amplop penyaluran.", "No distribution envelopes yet.";
    prepare_title: "Siapkan amplop", "Prepare an envelope";
    prepare_lead: "Hak dihitung untuk setiap keluarga yang terdaftar aktif di program, dengan rumus manfaat program. Amplop harus disetujui orang lain sebelum disalurkan.",
        "Entitlements are computed for every household actively enrolled in the program, with the program's benefit formula. Someone else must approve the envelope before it is paid.";
    field_program: "Program", "Program";
    field_cycle: "Siklus (mis. 2027-T1 atau 2027-03)", "Cycle (e.g. 2027-T1 or 2027-03)";
    field_scheduled: "Tanggal mulai penyaluran", "Payment start date";
    prepare: "Siapkan", "Prepare";
    col_program: "Program", "Program";
    col_cycle: "Siklus", "Cycle";
    col_state: "Status", "State";
    col_stage: "Tahap", "Stage";
    col_count: "Penerima", "Recipients";
    col_amount: "Jumlah", "Amount";
    col_route: "Jalur", "Route";
    col_village: "Desa/kelurahan", "Village";
    col_household: "Keluarga", "Household";
    col_reason: "Alasan", "Reason";
    col_provider: "Penyedia", "Provider";
    col_scheduled: "Mulai", "Starts";
    stage_entitled: "Hak", "Entitlements";
    stage_pending: "Menunggu", "Pending";
    stage_instructed: "Dalam proses", "Instructed";
    stage_paid: "Sudah ditransfer", "Paid";
    stage_handed_over: "Sudah diterima", "Handed over";
    stage_failed: "Gagal", "Failed";
    stage_cancelled: "Dibatalkan", "Cancelled";
    reconciled: "cocok", "reconciled";
    not_reconciled: "TIDAK COCOK: jumlah tahap berbeda dari jumlah kendali amplop", "DOES NOT RECONCILE: the stages differ from the envelope's control totals";
    control_totals: "Jumlah kendali amplop", "Envelope control totals";

    // One envelope.
    envelope_title: "Amplop", "Envelope";
    prepared_by: "Disiapkan oleh", "Prepared by";
    approved_by: "Disetujui oleh", "Approved by";
    released_at: "Disalurkan", "Released";
    cancelled_because: "Dibatalkan karena", "Cancelled because";
    ledger_entry: "entri buku besar", "ledger entry";
    approve_title: "Setujui amplop", "Approve the envelope";
    approve_lead: "Periksa jumlah kendali di atas. Persetujuan dicatat atas nama Anda.",
        "Check the control totals above. The approval is recorded under your name.";
    approve: "Setujui", "Approve";
    approve_not_preparer: "Anda menyiapkan amplop ini, jadi tidak dapat menyetujuinya: persetujuan harus oleh petugas lain (prinsip empat mata).",
        "You prepared this envelope, so you cannot approve it: another officer must approve it (four-eyes principle).";
    approve_not_role: "Hanya pejabat penyetuju yang dapat menyetujui amplop.", "Only an approver can approve an envelope.";
    release_title: "Salurkan", "Release for payment";
    release_lead: "Membuat instruksi pembayaran untuk transfer bank, dompet digital dan iuran, serta voucher untuk tunai dan barang. Sekali saja: amplop tidak dapat dibayar dua kali.",
        "Creates payment instructions for bank transfers, e-wallets and premiums, and vouchers for cash and goods. Once only: an envelope cannot be paid twice.";
    release: "Salurkan sekarang", "Release now";
    cancel_title: "Batalkan amplop", "Cancel the envelope";
    field_reason: "Alasan pembatalan", "Reason for cancelling";
    cancel: "Batalkan", "Cancel";
    done_prepared: "Amplop disiapkan. Petugas lain perlu menyetujuinya.", "Envelope prepared. Another officer needs to approve it.";
    done_approved: "Amplop disetujui.", "Envelope approved.";
    done_released: "Amplop disalurkan: instruksi pembayaran dan voucher dibuat.", "Envelope released: payment instructions and vouchers created.";
    done_cancelled: "Amplop dibatalkan.", "Envelope cancelled.";
    done_issued: "Voucher dibuat untuk hak tunai dan barang yang belum memilikinya.", "Vouchers issued for the cash and goods entitlements without one.";
    vouchers_issued: "Voucher dibuat", "Vouchers issued";
    vouchers_no_point: "tanpa titik salur di kabupaten", "without a distribution point in the regency";
    vouchers_all_full: "titik salur penuh", "distribution points full";
    vouchers_failed: "Voucher belum dibuat (lihat log server); amplop tetap disalurkan. Tambahkan titik salur lalu buat voucher lagi.", "Vouchers were not issued (see the server log); the envelope stays released. Add distribution points, then issue vouchers again.";
    issue_title: "Voucher tunai dan barang", "Cash and goods vouchers";
    issue_lead: "Membuat voucher, tempat dan waktu untuk hak tunai dan barang yang belum memilikinya (dialihkan ke tunai, atau belum ada titik yang muat).", "Issues vouchers, a place and a time for the cash and goods entitlements without one (rerouted to cash, or no point had room).";
    issue: "Buat voucher", "Issue vouchers";
    entitlements_title: "Daftar hak", "Entitlements";
    entitlements_lead: "Keluarga ditampilkan dengan id-nya saja; id membuka halaman keluarga (dicatat di log audit).",
        "Households are shown by id only; the id opens the household page (written to the audit log).";
    entitlements_none: "Tidak ada hak dengan saringan ini.", "No entitlements with this filter.";
    filter: "Saring", "Filter";
    filter_any: "semua", "any";
    next_page: "Halaman berikutnya", "Next page";
    payments_link: "Berkas bank dan status", "Bank files and statuses";
    schedule_link: "Jadwal di titik salur", "Schedule at distribution points";
    voucher_link: "voucher", "voucher";

    // Payments.
    payments_title: "Pembayaran", "Payments";
    files_title: "Berkas transfer bank (pain.001)", "Bank transfer files (pain.001)";
    files_lead: "Satu berkas per bank. Mengunduh menandai pembayaran sebagai terkirim; mengunduh lagi menghasilkan berkas yang sama persis, sehingga bank mengenali pengiriman ulang.",
        "One file per bank. Downloading marks the payments sent; downloading again gives the very same file, so the bank recognises a resubmission.";
    files_none: "Tidak ada pembayaran bank untuk diekspor.", "No bank payments to export.";
    files_make: "Buat berkas", "Make the files";
    download: "Unduh", "Download";
    bank_not_configured: "rekening kantor di bank ini belum diatur ([[payments.bank]])", "the office's account at this bank is not configured ([[payments.bank]])";
    upload_title: "Unggah berkas status bank", "Upload a bank status file";
    upload_lead: "pain.002 (laporan status), camt.053 (rekening koran) atau camt.054 (notifikasi). Berkas yang rusak atau bukan milik kita ditolak seluruhnya dengan nomor barisnya dan tidak mengubah apa pun; berkas yang sama dua kali tidak mengubah apa pun.",
        "pain.002 (status report), camt.053 (statement) or camt.054 (notification). A malformed or foreign file is refused whole with its line number and changes nothing; the same file twice changes nothing.";
    field_file: "Berkas", "File";
    upload: "Unggah", "Upload";
    error_no_file: "pilih berkas status untuk diunggah", "choose a status file to upload";
    error_form: "formulir tidak terbaca; muat ulang halaman lalu coba lagi", "the form could not be read; reload the page and try again";
    report_title: "Hasil impor", "Import report";
    report_kind: "Jenis", "Kind";
    report_matched: "Baris cocok dengan pembayaran", "Lines matching a payment";
    report_changed: "Pembayaran berubah status", "Payments whose state changed";
    report_unmatched: "Baris tanpa pembayaran", "Lines without a payment";
    report_already: "Berkas ini sudah pernah diimpor; tidak ada yang berubah.", "This file was imported before; nothing changed.";
    refused_title: "Berkas ditolak; tidak ada yang berubah", "File refused; nothing changed";
    failed_title: "Hak yang gagal", "Failed entitlements";
    failed_lead: "Penolakan karena rekening (AC01, AC04, AC06) menunggu rekening baru dari penerima; yang lain dapat dicoba lagi. Keduanya dapat dialihkan ke tunai di titik salur.",
        "Rejections because of the account (AC01, AC04, AC06) wait for a new account from the recipient; the others can be retried. Both can be rerouted to cash at a distribution point.";
    retry: "Coba lagi yang gagal", "Retry the failed";
    reroute: "Alihkan yang gagal ke tunai", "Reroute the failed to cash";
    ewallet_title: "Dompet digital (G2P Connect)", "E-wallets (G2P Connect)";
    ewallet_lead: "Mengirim pembayaran dompet digital yang menunggu ke setiap penyedia, ditandatangani kunci DCI kantor. Hasilnya datang lewat panggilan balik penyedia.", "Sends the waiting e-wallet payments to each provider, signed with the office's DCI key. The results come back through the provider's callback.";
    ewallet_send: "Kirim ke penyedia dompet digital", "Send to the e-wallet providers";
    ewallet_sent: "Terkirim", "Sent";
    premium_title: "Iuran PBI-JK ke BPJS Kesehatan", "PBI-JK premiums to BPJS Kesehatan";
    premium_lead: "Iuran seluruh peserta amplop ini dibayar kas daerah/negara ke BPJS Kesehatan dalam satu transfer. Setelah transfer itu terjadi, catat nomor dokumennya (SP2D): semua iuran yang menunggu menjadi lunas. Nomor yang sama dua kali tidak mengubah apa pun.", "The treasury pays the premiums of all this envelope's members to BPJS Kesehatan in one transfer. Once it has, record its document number (SP2D): every waiting premium becomes settled. The same number twice changes nothing.";
    premium_due: "Iuran yang menunggu", "Premiums waiting";
    premium_reference: "Nomor dokumen transfer (SP2D)", "Transfer document number (SP2D)";
    premium_record: "Catat iuran lunas", "Record the premiums paid";
    premium_settled: "Iuran dicatat lunas", "Premiums recorded as paid";
    premium_already: "Transfer ini sudah dicatat sebelumnya; tidak ada yang berubah", "This transfer was recorded before; nothing changed";
    ewallet_held: "Masih menunggu (penyedia belum diatur, menolak atau tidak terjangkau)", "Still waiting (provider not configured, refused or unreachable)";
    done_retried: "Pembayaran baru dibuat untuk yang gagal; akan ikut berkas berikutnya.", "New payments created for the failed; they go out with the next files.";
    done_rerouted: "Hak yang gagal dialihkan ke tunai di titik salur.", "The failed entitlements were rerouted to cash at a distribution point.";

    // Points and schedules.
    points_title: "Titik salur", "Distribution points";
    points_lead: "Kantor pos, balai desa dan e-Warung tempat penerima mengambil tunai atau barang, dengan kapasitas per slot.",
        "Post offices, village halls and e-Warungs where recipients collect cash or goods, with a capacity per slot.";
    points_none: "Belum ada titik salur.", "No distribution points yet.";
    point_new: "Titik salur baru", "New distribution point";
    point_edit: "Ubah titik salur", "Edit distribution point";
    col_code: "Kode", "Code";
    col_name: "Nama", "Name";
    col_kind: "Jenis", "Kind";
    col_capacity: "Kapasitas per slot", "Capacity per slot";
    col_slots: "Slot per hari", "Slots per day";
    col_first_slot: "Slot pertama", "First slot";
    col_slot_minutes: "Menit per slot", "Minutes per slot";
    col_active: "Aktif", "Active";
    col_day: "Hari", "Day";
    col_slot: "Slot", "Slot";
    col_load: "Terisi", "Load";
    kind_post_office: "Kantor pos", "Post office";
    kind_village_hall: "Balai desa", "Village hall";
    kind_e_warung: "e-Warung", "e-Warung";
    yes: "ya", "yes";
    no: "tidak", "no";
    save: "Simpan", "Save";
    done_saved: "Tersimpan.", "Saved.";
    schedule_title: "Jadwal pengambilan", "Collection schedule";
    schedule_lead: "Beban setiap titik per hari dan slot. Setiap penerima mendapat pemberitahuan tempat dan waktunya.",
        "Each point's load per day and slot. Every recipient gets a notice of the place and time.";
    schedule_none: "Belum ada jadwal: jadwal dibuat saat amplop disalurkan.", "No schedule yet: it is made when the envelope is released.";
    reschedule_title: "Jadwalkan ulang satu penerima", "Reschedule one recipient";
    field_household: "Id keluarga", "Household id";
    field_point: "Titik salur", "Distribution point";
    field_from_day: "Mulai tanggal", "From day";
    reschedule: "Jadwalkan ulang", "Reschedule";
    done_rescheduled: "Dijadwalkan ulang; penerima mendapat pemberitahuan baru.", "Rescheduled; the recipient gets a new notice.";

    // Account verification.
    accounts_title: "Perubahan rekening penerima", "Recipients' account changes";
    accounts_lead: "Rekening bank atau dompet digital yang diajukan penerima atau petugas. Periksa dengan buku tabungan atau aplikasi penerima, lalu verifikasi atau tandai tidak sah. Nomor hanya ditampilkan sebagian.",
        "Bank accounts or e-wallets submitted by recipients or officers. Check them against the recipient's passbook or app, then verify or mark invalid. Numbers are shown in part only.";
    accounts_none: "Tidak ada perubahan rekening yang menunggu.", "No account changes waiting.";
    col_address: "Rekening", "Account";
    col_source: "Diajukan oleh", "Submitted by";
    col_requested: "Diajukan", "Submitted";
    col_shared: "Dipakai keluarga lain", "Used by other households";
    source_citizen: "penerima", "recipient";
    source_officer: "petugas", "officer";
    source_import: "impor", "import";
    verify: "Verifikasi", "Verify";
    mark_invalid: "Tandai tidak sah", "Mark invalid";
    field_invalid_reason: "Alasan", "Reason";
    done_verified: "Rekening diverifikasi; dipakai untuk penyaluran berikutnya.", "Account verified; used from the next distribution.";
    done_invalid: "Rekening ditandai tidak sah.", "Account marked invalid.";
    request_title: "Catat rekening atas nama penerima", "Record an account for a recipient";
    request_lead: "Untuk penerima yang datang ke kantor dengan buku tabungan atau aplikasinya. Rekening menunggu verifikasi seperti yang diajukan penerima sendiri.", "For a recipient who comes to the office with their passbook or app. The account waits for verification like one the recipient submits.";
    field_kind: "Jenis", "Kind";
    kind_account: "Rekening bank", "Bank account";
    kind_mobile: "Dompet digital (nomor HP)", "E-wallet (mobile number)";
    field_number: "Nomor rekening atau nomor HP", "Account or mobile number";
    field_provider: "Bank atau penyedia (mis. bri, dana)", "Bank or provider (e.g. bri, dana)";
    request: "Catat", "Record";
    done_requested: "Rekening dicatat dan menunggu verifikasi.", "Account recorded; it waits for verification.";

    // Errors.
    errors_title: "Tidak dapat diproses", "Could not be done";
    bad_cycle: "siklus ditulis seperti 2027-T1 (triwulan), 2027-03 (bulan) atau 2027 (tahun)", "write the cycle as 2027-T1 (quarter), 2027-03 (month) or 2027 (year)";
    bad_date: "tanggal ditulis TTTT-BB-HH", "write the date as YYYY-MM-DD";
    bad_household: "id keluarga tidak sah", "the household id is not valid";
    bad_point: "isian titik salur tidak lengkap atau tidak sah", "the distribution point's fields are incomplete or not valid";
}
