//! The information and announcement pages' short strings, in Bahasa Indonesia and English. Longer prose
//! lives in the templates, one block per language.

use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The information pages' strings in one language.
        #[derive(Debug)]
        pub struct InfoStrings { $(pub $name: &'static str,)+ }
        static ID: InfoStrings = InfoStrings { $($name: $id,)+ };
        static EN: InfoStrings = InfoStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static InfoStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    info_title: "Informasi bansos", "About social assistance";
    info_lead: "Semua yang perlu diketahui warga tentang bantuan sosial: siapa yang berhak, berapa, kapan, dan ke mana bertanya. Halaman ini dapat dibaca tanpa sinyal setelah sekali dibuka di aplikasi.",
        "What residents need to know about social assistance: who qualifies, how much, when, and whom to ask. These pages can be read without signal once opened in the app.";
    nav_label: "Halaman informasi", "Information pages";
    programs_title: "Program dan kriteria", "Programs and criteria";
    rights_title: "Hak dan kewajiban penerima", "Recipients' rights and obligations";
    register_title: "Cara mendaftar", "How to register";
    check_title: "Cara cek status", "How to check your status";
    faq_title: "Tanya jawab", "Questions and answers";
    guides_title: "Panduan bergambar", "Illustrated guides";
    announcements_title: "Pengumuman", "Announcements";
    programs_lead: "Kriteria di bawah ini dibaca langsung dari aturan program yang dimuat dinas sosial, jadi selalu sama dengan yang dipakai sistem untuk memilih penerima.",
        "The criteria below are read straight from the program rules the social affairs office has loaded, so they are always the ones the system selects recipients with.";
    programs_none: "Belum ada program yang dimuat.", "No program is loaded yet.";
    who: "Siapa yang berhak", "Who qualifies";
    who_all: "Keluarga yang memenuhi semua syarat berikut:", "Households that meet all of the following:";
    what: "Besar bantuan", "What is received";
    max_per_cycle: "Paling banyak per penyaluran", "At most per payment";
    when: "Jadwal", "When";
    cycles_word: "kali", "payments";
    period: "Periode", "Period";
    how: "Cara penyaluran", "How it is paid";
    funding: "Sumber dana", "Funded by";
    basis: "Dasar hukum", "Legal basis";
    exclusive: "Tidak dapat diterima bersamaan dengan", "Cannot be received together with";
    print: "Cetak halaman ini untuk pertemuan warga.", "Print this page for a community meeting.";
    step: "Langkah", "Step";
    // Announcements.
    ann_lead: "Pengumuman dinas sosial dan desa/kelurahan, termasuk jadwal dan tempat penyaluran. Juga tersedia sebagai umpan Atom untuk akun media sosial.",
        "Announcements of the social affairs office and the villages, including distribution schedules and places. Also available as an Atom feed for social-media accounts.";
    ann_filter: "Saring", "Filter";
    ann_village: "Kode wilayah (desa/kelurahan, kecamatan, …)", "Region code (village, district, …)";
    ann_program: "Program", "Program";
    ann_all_programs: "Semua program", "All programs";
    ann_show: "Tampilkan", "Show";
    ann_none: "Belum ada pengumuman.", "No announcements yet.";
    ann_feed: "Umpan Atom", "Atom feed";
    ann_everywhere: "Semua wilayah", "Every region";
    ann_published: "Terbit", "Published";
    ann_schedule: "Jadwal penyaluran", "Distribution schedule";
    ann_write: "Tulis pengumuman", "Write an announcement";
    ann_bad_region: "Kode wilayah tidak dikenal; tulis seperti 19.02.01.2001.", "Unknown region code; write it like 19.02.01.2001.";
    ann_not_found: "Pengumuman tidak ditemukan.", "Announcement not found.";
    ann_back: "Semua pengumuman", "All announcements";
    form_title: "Pengumuman baru", "New announcement";
    form_lead: "Pengumuman langsung tampil untuk publik di /pengumuman dan di umpan Atom pada waktu terbit. Jangan tulis data pribadi (NIK, nomor KK, nama penerima, nomor HP).",
        "An announcement is shown to the public at /pengumuman and in the Atom feed from its publication time. Do not write personal data (NIK, KK numbers, recipients' names, phone numbers).";
    form_title_id: "Judul (Bahasa Indonesia)", "Title (Bahasa Indonesia)";
    form_body_id: "Isi (Bahasa Indonesia)", "Text (Bahasa Indonesia)";
    form_title_en: "Judul (bahasa Inggris, boleh kosong)", "Title (English, optional)";
    form_body_en: "Isi (bahasa Inggris, boleh kosong)", "Text (English, optional)";
    form_markup: "Teks biasa. Baris kosong memisahkan paragraf; baris yang diawali \"- \" menjadi daftar; alamat https:// menjadi tautan.",
        "Plain text. A blank line separates paragraphs; lines starting with \"- \" become a list; https:// addresses become links.";
    form_region: "Wilayah (kode; kosong = seluruh wilayah kerja dinas)", "Region (code; empty = the whole installation)";
    form_program: "Program (boleh kosong)", "Program (optional)";
    form_publish: "Terbit pada (YYYY-MM-DD HH:MM, WIB; kosong = sekarang)", "Publish at (YYYY-MM-DD HH:MM, WIB; empty = now)";
    form_bad_time: "Waktu terbit tidak terbaca; tulis seperti 2027-02-03 08:00.", "The publication time cannot be read; write it like 2027-02-03 08:00.";
    form_submit: "Terbitkan", "Publish";
    form_done: "Pengumuman diterbitkan.", "Announcement published.";
}
