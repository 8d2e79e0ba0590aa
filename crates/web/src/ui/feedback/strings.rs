//! The complaint and rating pages' strings, in Bahasa Indonesia and English.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The complaint and rating pages' strings in one language.
        #[derive(Debug)]
        pub struct FeedbackStrings { $(pub $name: &'static str,)+ }
        static ID: FeedbackStrings = FeedbackStrings { $($name: $id,)+ };
        static EN: FeedbackStrings = FeedbackStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static FeedbackStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    complain_title: "Pengaduan", "Complaints";
    complain_lead: "Sampaikan masalah bantuan sosial: tidak terdaftar, jumlah tidak sesuai, belum menerima, pungutan liar, data salah atau perilaku petugas. Anda mendapat nomor tiket untuk melacak pengaduan.",
        "Report a problem with social assistance: not listed, wrong amount, not received, extortion, wrong data or an officer's behaviour. You get a ticket number to track the complaint.";
    category: "Jenis pengaduan", "What is it about";
    choose: "— pilih —", "— choose —";
    text: "Ceritakan masalahnya (kapan, di mana, apa yang terjadi)", "Describe the problem (when, where, what happened)";
    text_hint: "Paling banyak 2000 karakter. Jangan menulis NIK atau nomor KK.", "At most 2000 characters. Do not write NIK or KK numbers.";
    who: "Siapa yang mengadu", "Who complains";
    who_pass: "Saya, dari cek status barusan", "Me, from the status check I just did";
    who_proof: "Saya, dengan NIK dan nomor KK", "Me, with my NIK and KK number";
    who_anonymous: "Tanpa nama (hanya untuk pungutan/potongan liar dan perilaku petugas)", "Anonymous (only for extortion or cuts and officers' behaviour)";
    anonymous_note: "Laporan tanpa nama tidak dilihat operator desa, operator kecamatan atau petugas penyaluran; hanya Dinas Sosial dan Inspektorat. Simpan nomor tiket: itulah satu-satunya cara melacaknya.",
        "Anonymous reports are not seen by village or district operators or distribution officers; only Dinas Sosial and the Inspectorate. Keep the ticket number: it is the only way to track it.";
    nik: "NIK Anda (16 angka)", "Your NIK (16 digits)";
    kk: "Nomor KK Anda (16 angka)", "Your KK number (16 digits)";
    village: "Kode desa/kelurahan tempat kejadian (mis. 19.02.01.2001)", "Village code where it happened (e.g. 19.02.01.2001)";
    contact: "Nomor HP atau e-mail untuk kabar (boleh kosong)", "Mobile number or e-mail for updates (optional)";
    contact_hint: "Disimpan terenkripsi; hanya petugas yang menangani yang dapat membukanya, dan setiap pembukaan dicatat.", "Stored encrypted; only the officer handling it can open it, and every opening is recorded.";
    send: "Kirim pengaduan", "Send the complaint";
    filed: "Pengaduan Anda sudah diterima.", "Your complaint was received.";
    ticket_is: "Nomor tiket Anda:", "Your ticket number:";
    ticket_keep: "Catat atau foto nomor ini. Siapa pun yang memegangnya dapat melihat perkembangan pengaduan, jadi jangan dibagikan.", "Write down or photograph this number. Whoever holds it can see the complaint's progress, so do not share it.";
    goes_to: "Ditangani oleh", "Handled by";
    answer_by: "Dijawab paling lambat", "To be answered by";
    track_title: "Lacak pengaduan", "Track a complaint";
    track_lead: "Ketik nomor tiket yang Anda terima saat mengadu.", "Type the ticket number you got when you complained.";
    ticket: "Nomor tiket (ADU-XXXX-XXXX)", "Ticket number (ADU-XXXX-XXXX)";
    track: "Lacak", "Track";
    state: "Status", "Status";
    submitted: "Dikirim", "Sent";
    overdue: "melewati batas waktu", "overdue";
    history: "Riwayat", "History";
    error_title: "Belum dapat diterima", "Not accepted";
    rate_title: "Penilaian penyaluran", "Rating of a distribution";
    rated: "Terima kasih. Penilaian Anda sudah disimpan.", "Thank you. Your rating was saved.";
    stars_given: "Bintang", "Stars";
    back_to_check: "Kembali ke cek status", "Back to the status check";
    rate_needs_check: "Penilaian diberikan dari halaman cek status, setelah bantuan ditransfer atau diterima.", "Ratings are given from the status check page, after aid was paid or handed over.";
    inbox_title: "Pengaduan masuk", "Complaints inbox";
    inbox_lead: "Pengaduan di tingkat dan wilayah kerja Anda. Laporan pungutan liar dan perilaku petugas hanya tampil untuk Dinas Sosial dan auditor.", "Complaints at your level and in your region. Reports of extortion and officers' behaviour are shown only to Dinas Sosial and auditors.";
    filter: "Saring", "Filter";
    all: "semua", "all";
    only_overdue: "hanya yang melewati batas waktu", "overdue only";
    none: "Tidak ada pengaduan.", "No complaints.";
    col_ticket: "Tiket", "Ticket";
    col_category: "Jenis", "Category";
    col_village: "Desa/kelurahan", "Village";
    col_level: "Tingkat", "Level";
    col_state: "Status", "Status";
    col_due: "Batas", "Due";
    col_submitted: "Masuk", "Received";
    anonymous: "tanpa nama", "anonymous";
    as_self: "atas nama sendiri", "named";
    household: "Keluarga", "Household";
    detail_title: "Pengaduan", "Complaint";
    complaint_text: "Isi pengaduan", "What they wrote";
    show_contact: "Tampilkan kontak (dicatat di log audit)", "Show the contact (recorded in the audit log)";
    no_contact: "Pengadu tidak meninggalkan kontak.", "The complainant left no contact.";
    contact_phone: "Nomor HP", "Mobile number";
    contact_email: "E-mail", "E-mail";
    act_title: "Tindakan", "Action";
    act_acknowledge: "Tandai sedang ditangani", "Mark as being handled";
    act_answer: "Jawab (dibaca pengadu)", "Answer (the complainant reads it)";
    act_forward: "Teruskan ke tingkat lain", "Forward to another level";
    act_resolve: "Selesaikan (dibaca pengadu)", "Resolve (the complainant reads it)";
    act_reject: "Tolak dengan alasan (dibaca pengadu)", "Reject with a reason (the complainant reads it)";
    note: "Catatan", "Note";
    note_hint: "Wajib untuk jawaban, penerusan, penyelesaian dan penolakan. Catatan penerusan hanya dibaca petugas.", "Required to answer, forward, resolve and reject. A forward's note is read by officers only.";
    forward_to: "Teruskan ke", "Forward to";
    do_it: "Simpan", "Save";
    closed: "Pengaduan ini sudah ditutup.", "This complaint is closed.";
    by: "oleh", "by";
    ratings_title: "Penilaian penyaluran", "Ratings of distributions";
    ratings_lead: "Bintang dan komentar dari penerima setelah bantuan ditransfer atau diterima, di wilayah kerja Anda.", "Stars and comments from recipients after aid was paid or handed over, in your region.";
    summary: "Ringkasan per program, periode dan desa", "Summary per program, cycle and village";
    col_program: "Program", "Program";
    col_cycle: "Periode", "Cycle";
    col_count: "Jumlah", "Count";
    col_average: "Rata-rata", "Average";
    col_stars: "Bintang", "Stars";
    col_comment: "Komentar", "Comment";
    col_envelope: "Amplop", "Envelope";
    col_date: "Tanggal", "Date";
    no_ratings: "Belum ada penilaian.", "No ratings yet.";
    nav_complaints: "Pengaduan", "Complaints";
    nav_ratings: "Penilaian", "Ratings";
    track_link: "Sudah pernah mengadu? Lacak dengan nomor tiket", "Complained before? Track it with the ticket number";
    complain_link: "Sampaikan pengaduan", "Make a complaint";
}
