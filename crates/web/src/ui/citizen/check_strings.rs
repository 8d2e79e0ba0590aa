//! The status page's (`/cek`) and the citizens' app's strings, in Bahasa Indonesia and English.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The status page's strings in one language.
        #[derive(Debug)]
        pub struct CheckStrings { $(pub $name: &'static str,)+ }
        static ID: CheckStrings = CheckStrings { $($name: $id,)+ };
        static EN: CheckStrings = CheckStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static CheckStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    title: "Cek status bansos", "Check your social assistance";
    link: "Cek status bansos", "Check your social assistance";
    link_hint: "Terdaftar atau tidak, jadwal dan tempat pengambilan, jumlah, riwayat penyaluran.",
        "Registered or not, when and where to collect, how much, what was paid and handed over.";
    lead: "Masukkan NIK dan nomor KK (Kartu Keluarga). Anda akan melihat apakah keluarga Anda terdaftar, bantuan apa yang diterima, jadwal dan tempat pengambilan, jumlahnya, dan riwayat penyalurannya.",
        "Enter your NIK and KK (family card) number. You will see whether your household is registered, which aid it receives, when and where to collect it, how much, and what was paid and handed over.";
    nik: "NIK (16 angka, di KTP)", "NIK (16 digits, on the ID card)";
    kk: "Nomor KK (16 angka, di Kartu Keluarga)", "KK number (16 digits, on the family card)";
    check: "Cek status", "Check";
    privacy: "NIK dan nomor KK tidak disimpan di perangkat ini dan tidak ditampilkan kembali.",
        "The NIK and KK number are not kept on this device and are not shown back.";
    result_title: "Hasil cek", "Result";
    as_of: "Dicek pada", "Checked on";
    village: "Desa/kelurahan", "Village";
    registered_label: "Registri sosial", "Social registry";
    registered: "Terdaftar", "Registered";
    not_registered: "Belum terdaftar", "Not registered yet";
    advice: "Yang perlu dilakukan", "What to do";
    propose_link: "Usulkan keluarga saya", "Propose my household";
    contact: "Yang dapat dihubungi", "Whom to contact";
    programs: "Program bantuan", "Aid programs";
    no_programs: "Belum ada program bantuan untuk keluarga Anda.", "No aid program lists your household yet.";
    stage: "Tahap", "Stage";
    desil: "Desil kesejahteraan (1 = paling membutuhkan)", "Welfare decile (1 = most in need)";
    amount: "Jumlah per penyaluran", "Amount per payment";
    next: "Pengambilan berikutnya", "Next collection";
    voucher: "Tunjukkan kode QR ini bersama KTP di tempat pengambilan.", "Show this QR code with your ID card at the collection point.";
    history: "Riwayat penyaluran", "Payment and hand-over history";
    payment: "Transfer", "Transfer";
    handed_at: "Diserahkan", "Handed over";
    receipts: "Bukti di buku besar transparansi", "Receipts in the transparency ledger";
    receipt: "bukti", "receipt";
    inbox: "Pemberitahuan", "Notices";
    no_inbox: "Belum ada pemberitahuan.", "No notices yet.";
    rate_title: "Nilai penyaluran ini", "Rate this hand-over";
    stars: "Nilai (1 = buruk, 5 = sangat baik)", "Rating (1 = poor, 5 = very good)";
    comment: "Komentar (boleh kosong, paling banyak 500 huruf)", "Comment (optional, at most 500 characters)";
    rate: "Kirim nilai", "Send rating";
    more: "Layanan lanjutan", "More";
    complain: "Sampaikan pengaduan", "Make a complaint";
    notify: "Atur pemberitahuan (SMS, WhatsApp, e-mail)", "Notification settings (SMS, WhatsApp, e-mail)";
    pass_note: "Tombol di atas berlaku 30 menit; setelah itu cek status lagi.", "The buttons above work for 30 minutes; after that, check again.";
    saved: "Hasil ini disimpan di perangkat ini agar dapat dibaca tanpa sinyal.", "This result is kept on this device so it can be read without signal.";
    forget: "Hapus dari perangkat ini", "Delete from this device";
    forgotten: "Hasil cek sudah dihapus dari perangkat ini.", "The result was deleted from this device.";
    kept_title: "Hasil cek terakhir di perangkat ini", "The last check on this device";
    kept_note: "Ini salinan yang tersimpan; keadaan terbaru bisa berbeda. Cek lagi bila ada sinyal.", "This is a kept copy; things may have changed since. Check again when you have signal.";
    offline: "Anda sedang tidak tersambung ke internet.", "You are offline.";

    rank: "urutan", "place";
    operator: "Operator desa/kelurahan", "Village operator";
    office: "Dinas sosial", "Social affairs office";

    // The offline page (`/warga/luring`).
    offline_title: "Tidak ada sinyal", "No signal";
    offline_lead: "Halaman ini belum tersimpan di perangkat Anda. Halaman yang tersimpan tetap dapat dibuka tanpa sinyal:",
        "This page is not kept on your device. The pages that are kept still open without signal:";
    app_name: "tepat — Cek bansos", "tepat — Check social assistance";
    app_short: "Cek bansos", "Check aid";
    app_description: "Cek status bantuan sosial dengan NIK dan nomor KK, jadwal dan tempat pengambilan, pengaduan dan informasi.",
        "Check social assistance with NIK and KK number: schedule and place of collection, complaints and information.";
}
