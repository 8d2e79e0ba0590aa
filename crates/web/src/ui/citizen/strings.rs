//! The citizens' pages' strings, in Bahasa Indonesia and English.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The citizens' pages' strings in one language.
        #[derive(Debug)]
        pub struct CitizenStrings { $(pub $name: &'static str,)+ }
        static ID: CitizenStrings = CitizenStrings { $($name: $id,)+ };
        static EN: CitizenStrings = CitizenStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static CitizenStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    propose_title: "Usulan warga", "Propose a household";
    propose_lead: "Usulkan keluarga Anda sendiri atau tetangga yang layak dibantu. Buktikan siapa Anda dengan NIK dan nomor KK Anda; usulan diteruskan ke operator desa/kelurahan.",
        "Propose your own household or a neighbour's that needs help. Prove who you are with your NIK and KK number; the proposal goes to the village operator.";
    kind: "Yang diusulkan", "Who is proposed";
    kind_own: "Keluarga saya sendiri", "My own household";
    kind_neighbour: "Keluarga tetangga", "A neighbour's household";
    nik: "NIK Anda (16 angka)", "Your NIK (16 digits)";
    kk: "Nomor KK Anda (16 angka)", "Your KK number (16 digits)";
    village: "Kode desa/kelurahan tetangga (mis. 19.02.01.1001)", "Neighbour's village code (e.g. 19.02.01.1001)";
    name: "Nama tetangga", "Neighbour's name";
    address: "Alamat tetangga (jalan, RT/RW)", "Neighbour's address (street, RT/RW)";
    reason: "Alasan", "Reason";
    submit: "Kirim", "Send";
    received: "Terima kasih. Usulan Anda sudah diterima dan diteruskan ke operator desa/kelurahan.", "Thank you. Your proposal was received and passed to the village operator.";
    object_received: "Terima kasih. Sanggahan Anda sudah diterima dan diteruskan ke operator desa/kelurahan.", "Thank you. Your objection was received and passed to the village operator.";
    list_title: "Daftar penerima dan sanggahan", "Recipient list and objections";
    list_lead: "Keluarga yang disetujui masuk registri dalam 14 hari terakhir, nama disamarkan. Warga desa/kelurahan yang sama dapat menyanggah sampai tanggal yang tertulis.",
        "Households approved into the registry in the last 14 days, names masked. Residents of the same village may object until the date shown.";
    village_code: "Kode desa/kelurahan", "Village code";
    show: "Tampilkan", "Show";
    none: "Tidak ada keluarga dalam masa sanggah di desa/kelurahan ini.", "No household is in its objection period in this village.";
    col_name: "Nama (disamarkan)", "Name (masked)";
    col_approved: "Disetujui", "Approved";
    col_until: "Sanggah sampai", "Objections until";
    object: "Sanggah", "Object";
    object_reason: "Alasan sanggahan", "Reason for the objection";
    error_title: "Belum dapat diterima", "Not accepted";
    inbox_title: "Usulan dan sanggahan warga", "Citizens' proposals and objections";
    inbox_tips: "Usulan warga", "Citizens' proposals";
    inbox_objections: "Sanggahan", "Objections";
    inbox_none: "Belum ada.", "None yet.";
    own: "keluarga sendiri", "own household";
    neighbour: "tetangga", "neighbour";
    proposer: "Pengusul", "Proposed by";
    objector: "Penyanggah", "Objection by";
    household: "Keluarga", "Household";
    receipt: "Kode tanda terima Anda:", "Your receipt code:";
    receipt_keep: "Simpan kode ini untuk melihat jawaban di halaman Cek status.", "Keep this code to read the answer on the Check status page.";
    status_title: "Cek status usulan atau sanggahan", "Check a proposal or objection";
    citizens_title: "Layanan warga", "For citizens";
    status_prompt: "Sudah mengirim usulan atau sanggahan? Cek jawabannya dengan kode tanda terima:", "Sent a proposal or objection? Check the answer with your receipt code:";
    status_lead: "Masukkan kode tanda terima yang Anda terima saat mengirim.", "Enter the receipt code you were given when you sent it.";
    status_code: "Kode tanda terima", "Receipt code";
    status_check: "Cek", "Check";
    submitted: "Dikirim", "Sent";
    state_open: "Menunggu jawaban", "Waiting for an answer";
    answer_by: "Dijawab paling lambat", "To be answered by";
    overdue: "Lewat batas waktu", "Overdue";
    answered_on: "Dijawab", "Answered";
    outcome_answered: "Dijawab", "Answered";
    outcome_accepted: "Diterima dan diproses sebagai permintaan", "Accepted and processed as request";
    outcome_rejected: "Ditolak", "Rejected";
    close_title: "Jawab", "Answer";
    close_outcome: "Hasil", "Outcome";
    close_request: "Id permintaan (jika diterima)", "Request id (if accepted)";
    close_reply: "Jawaban untuk warga", "Answer for the citizen";
    close_submit: "Kirim jawaban", "Send the answer";

    // The recipient's account for payments (`/warga/rekening`).
    account_title: "Rekening penerima bantuan", "Your account for aid payments";
    account_lead: "Penerima bansos dapat memberi nomor rekening bank atau dompet digital untuk menerima transfer. Buktikan siapa Anda dengan NIK dan nomor KK Anda.",
        "Aid recipients can give a bank account or e-wallet number to receive transfers. Prove who you are with your NIK and KK number.";
    account_pending_note: "Rekening baru belum langsung dipakai: petugas dinas sosial memeriksanya dulu. Sampai diverifikasi, bantuan dibayar seperti sebelumnya (rekening lama atau tunai di titik salur).",
        "A new account is not used at once: a social-affairs officer checks it first. Until it is verified, aid is paid as before (the old account, or cash at a distribution point).";
    account_kind: "Jenis", "Kind";
    account_kind_bank: "Rekening bank", "Bank account";
    account_kind_wallet: "Dompet digital (nomor HP)", "E-wallet (mobile number)";
    account_number: "Nomor rekening atau nomor HP", "Account or mobile number";
    account_provider: "Bank atau penyedia (mis. bri, bni, mandiri, btn, bsi, dana, ovo)", "Bank or provider (e.g. bri, bni, mandiri, btn, bsi, dana, ovo)";
    account_submit: "Kirim", "Send";
    account_recorded: "Diterima. Rekening ini menunggu verifikasi petugas:", "Received. This account waits for an officer's verification:";
    account_not_registered: "keluarga Anda belum terdaftar aktif di registri bansos; rekening hanya dapat dicatat untuk keluarga terdaftar", "your household is not an active household of the aid registry; an account can only be recorded for a registered household";
}
