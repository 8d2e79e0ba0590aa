//! Every string of the user interface, once per language.
//!
//! One struct with a field per string: a page uses `page.t.some_field` in its template, and a string
//! missing in one language does not compile. Add fields as pages need them, grouped by page, with both
//! languages written at the same time. Strings are plain text; templates escape them.

use tepat_domain::Lang;

/// The strings of the user interface in one language.
#[derive(Debug)]
pub struct Strings {
    // Layout (every page).
    /// `id` / `en`, as in `<html lang>`.
    pub lang_tag: &'static str,
    pub site_name: &'static str,
    pub tagline: &'static str,
    pub skip_to_content: &'static str,
    pub language: &'static str,
    pub home: &'static str,
    pub footer_about: &'static str,
    pub footer_source: &'static str,
    pub footer_licence: &'static str,
    pub footer_region_data: &'static str,

    // Landing page.
    pub landing_title: &'static str,
    pub landing_lead: &'static str,
    pub totals_label: &'static str,
    pub persons: &'static str,
    pub households: &'static str,
    pub deceased: &'static str,
    pub by_district_title: &'static str,
    pub by_district_caption: &'static str,
    pub district: &'static str,
    pub district_code: &'static str,
    /// Short column headings, so that the table fits a 360-px screen.
    pub col_households: &'static str,
    pub col_persons: &'static str,
    pub col_deceased: &'static str,
    pub total: &'static str,
    pub also_loaded: &'static str,
    pub empty_title: &'static str,
    pub empty_body: &'static str,
    pub empty_import: &'static str,
    pub empty_demo: &'static str,

    // Ledger: the receipt page (`/ledger/receipt`).
    pub receipt_title: &'static str,
    pub receipt_lead: &'static str,
    pub receipt_label: &'static str,
    pub receipt_submit: &'static str,
    pub receipt_valid: &'static str,
    pub receipt_invalid: &'static str,
    pub receipt_reason: &'static str,
    pub receipt_offline: &'static str,
    pub receipt_no_log: &'static str,
    pub receipt_synthetic: &'static str,
    pub receipt_kind: &'static str,
    pub receipt_program: &'static str,
    pub receipt_cycle: &'static str,
    pub receipt_region: &'static str,
    pub receipt_amount: &'static str,
    pub receipt_index: &'static str,
    pub receipt_tree_size: &'static str,
    pub receipt_log: &'static str,
    pub receipt_witnesses: &'static str,
    pub receipt_mirror: &'static str,

    // Header: who is signed in.
    pub officer_sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,

    // Sign-in page (`/signin`).
    pub signin_title: &'static str,
    pub signin_lead: &'static str,
    pub signin_username: &'static str,
    pub signin_password: &'static str,
    pub signin_submit: &'static str,
    pub signin_missing: &'static str,
    pub signin_help: &'static str,

    // Officers' landing page (`/home`).
    pub officer_home_title: &'static str,
    pub officer_greeting: &'static str,
    pub officer_username: &'static str,
    pub officer_role: &'static str,
    pub officer_scope: &'static str,
    pub officer_may: &'static str,
    pub officer_may_nothing: &'static str,
    pub officer_next: &'static str,

    // Changing one's own password (`/home/password`).
    pub password_link: &'static str,
    pub password_title: &'static str,
    pub password_lead: &'static str,
    pub password_current: &'static str,
    pub password_new: &'static str,
    pub password_repeat: &'static str,
    pub password_submit: &'static str,
    pub password_mismatch: &'static str,
    pub password_wrong: &'static str,
    pub password_done: &'static str,

    // An action the signed-in user may not do.
    pub forbidden_title: &'static str,

    // A form refused by the CSRF check.
    pub csrf_title: &'static str,
    pub csrf_body: &'static str,

    // Error pages.
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub server_error_title: &'static str,
    pub server_error_body: &'static str,
    pub request_id: &'static str,
    pub back_home: &'static str,
}

/// Bahasa Indonesia.
pub static ID: Strings = Strings {
    lang_tag: "id",
    site_name: "tepat",
    tagline: "Bantuan sosial tepat sasaran",
    skip_to_content: "Langsung ke isi",
    language: "Bahasa",
    home: "Beranda",
    footer_about: "tepat adalah perangkat lunak sumber terbuka untuk penyaluran bantuan sosial.",
    footer_source: "Kode sumber",
    footer_licence: "Lisensi",
    footer_region_data: "Data wilayah:",

    landing_title: "Data yang dimuat",
    landing_lead: "Ringkasan ekstrak data kependudukan yang dimuat ke sistem ini.",
    totals_label: "Jumlah keseluruhan",
    persons: "Penduduk",
    households: "Keluarga (KK)",
    deceased: "Tercatat meninggal",
    by_district_title: "Penduduk per kecamatan",
    by_district_caption: "Jumlah keluarga, penduduk, dan penduduk yang tercatat meninggal di setiap kecamatan.",
    district: "Kecamatan",
    district_code: "Kode",
    col_households: "KK",
    col_persons: "Penduduk",
    col_deceased: "Meninggal",
    total: "Jumlah",
    also_loaded: "Juga dimuat:",
    empty_title: "Belum ada data",
    empty_body: "Ekstrak data kependudukan belum dimuat ke sistem ini.",
    empty_import: "Untuk memuatnya, jalankan perintah ini di server:",
    empty_demo: "Untuk mencoba dengan data contoh, jalankan:",

    receipt_title: "Periksa tanda bukti",
    receipt_lead: "Tanda bukti (receipt) membuktikan bahwa satu catatan bantuan ada di buku besar transparansi \
                   yang ditandatangani kantor ini dan disaksikan instansi lain. Tempelkan teksnya di bawah ini; \
                   pemeriksaan memakai kunci publik kantor dan para saksi.",
    receipt_label: "Teks tanda bukti (dimulai dengan c2sp.org/tlog-proof@v1)",
    receipt_submit: "Periksa",
    receipt_valid: "Tanda bukti sah: catatan ini ada di buku besar dan disaksikan.",
    receipt_invalid: "Tanda bukti tidak sah.",
    receipt_reason: "Alasan",
    receipt_offline: "Tanpa server ini, tanda bukti juga dapat diperiksa dengan perintah:",
    receipt_no_log: "Server ini belum menjalankan buku besar transparansi.",
    receipt_synthetic: "Buku besar ini berisi data contoh sintetis dari demo, bukan penyaluran bantuan yang nyata.",
    receipt_kind: "Jenis catatan",
    receipt_program: "Program",
    receipt_cycle: "Periode",
    receipt_region: "Kode wilayah",
    receipt_amount: "Jumlah (Rp)",
    receipt_index: "Nomor urut di buku besar",
    receipt_tree_size: "Ukuran buku besar yang dibuktikan",
    receipt_log: "Buku besar",
    receipt_witnesses: "Disaksikan oleh",
    receipt_mirror: "Seluruh buku besar dapat disalin dan diperiksa:",

    officer_sign_in: "Masuk petugas",
    sign_out: "Keluar",
    signed_in_as: "Masuk sebagai",

    signin_title: "Masuk petugas",
    signin_lead: "Halaman ini untuk petugas desa/kelurahan, kecamatan, OPD dan Dinas Sosial. Warga memeriksa \
                  status bantuan tanpa akun.",
    signin_username: "Nama pengguna",
    signin_password: "Kata sandi",
    signin_submit: "Masuk",
    signin_missing: "Isi nama pengguna dan kata sandi.",
    signin_help: "Lupa kata sandi atau akun terkunci? Hubungi administrator di Dinas Sosial; akun dibuat dan \
                  dibuka kembali oleh administrator.",

    officer_home_title: "Beranda petugas",
    officer_greeting: "Selamat datang",
    officer_username: "Nama pengguna",
    officer_role: "Peran",
    officer_scope: "Wilayah kerja",
    officer_may: "Yang dapat Anda lakukan",
    officer_may_nothing: "Peran ini belum memiliki tugas di registri.",
    officer_next: "Halaman registri (pencarian, usulan, antrean verifikasi) akan tersedia dari sini.",

    password_link: "Ganti kata sandi",
    password_title: "Ganti kata sandi",
    password_lead: "Kata sandi baru berlaku di semua perangkat: setelah diganti, Anda keluar dari semua perangkat \
                    lain. Gunakan sedikitnya 12 karakter; beberapa kata sekaligus mudah diingat dan sulit ditebak.",
    password_current: "Kata sandi sekarang",
    password_new: "Kata sandi baru",
    password_repeat: "Ulangi kata sandi baru",
    password_submit: "Simpan kata sandi baru",
    password_mismatch: "Kedua isian kata sandi baru tidak sama.",
    password_wrong: "Kata sandi sekarang salah.",
    password_done: "Kata sandi sudah diganti. Perangkat lain yang masuk dengan akun ini sudah dikeluarkan.",

    forbidden_title: "Tidak diizinkan",

    csrf_title: "Formulir tidak dapat diterima",
    csrf_body: "Formulir ini sudah kedaluwarsa atau dikirim dari situs lain, jadi tidak diproses. Kembali, muat \
                ulang halaman, lalu kirim lagi.",

    not_found_title: "Halaman tidak ditemukan",
    not_found_body: "Alamat yang Anda buka tidak ada. Periksa kembali alamatnya atau kembali ke beranda.",
    server_error_title: "Terjadi gangguan",
    server_error_body: "Halaman ini tidak dapat ditampilkan sekarang. Silakan coba lagi beberapa saat lagi. \
                        Jika gangguan berlanjut, sampaikan kode permintaan di bawah ini kepada petugas.",
    request_id: "Kode permintaan",
    back_home: "Kembali ke beranda",
};

/// English.
pub static EN: Strings = Strings {
    lang_tag: "en",
    site_name: "tepat",
    tagline: "Social assistance that reaches the right people",
    skip_to_content: "Skip to content",
    language: "Language",
    home: "Home",
    footer_about: "tepat is open-source software for delivering social assistance.",
    footer_source: "Source code",
    footer_licence: "Licence",
    footer_region_data: "Region data:",

    landing_title: "What is loaded",
    landing_lead: "A summary of the population-registry extract loaded into this system.",
    totals_label: "Totals",
    persons: "Persons",
    households: "Households (KK)",
    deceased: "Recorded as deceased",
    by_district_title: "Population by district (kecamatan)",
    by_district_caption: "Households, persons and persons recorded as deceased in each district.",
    district: "District",
    district_code: "Code",
    col_households: "KK",
    col_persons: "Persons",
    col_deceased: "Deceased",
    total: "Total",
    also_loaded: "Also loaded:",
    empty_title: "No data yet",
    empty_body: "No population-registry extract has been loaded into this system.",
    empty_import: "To load one, run this on the server:",
    empty_demo: "To try it with synthetic data, run:",

    receipt_title: "Check a receipt",
    receipt_lead: "A receipt proves that one aid record is in the transparency ledger, signed by this office \
                   and cosigned by other agencies as witnesses. Paste its text below; it is checked against \
                   the public keys of the office and the witnesses.",
    receipt_label: "Receipt text (starts with c2sp.org/tlog-proof@v1)",
    receipt_submit: "Check",
    receipt_valid: "Valid receipt: this record is in the ledger, and witnessed.",
    receipt_invalid: "Invalid receipt.",
    receipt_reason: "Reason",
    receipt_offline: "Without this server, a receipt can also be checked with:",
    receipt_no_log: "This server does not run a transparency ledger yet.",
    receipt_synthetic: "This ledger holds the demo's synthetic sample data, not real aid distribution.",
    receipt_kind: "Record type",
    receipt_program: "Program",
    receipt_cycle: "Cycle",
    receipt_region: "Region code",
    receipt_amount: "Amount (Rp)",
    receipt_index: "Position in the ledger",
    receipt_tree_size: "Ledger size proven against",
    receipt_log: "Ledger",
    receipt_witnesses: "Witnessed by",
    receipt_mirror: "The whole ledger can be copied and checked:",

    officer_sign_in: "Officer sign-in",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",

    signin_title: "Officer sign-in",
    signin_lead: "For officers of villages, districts, sector agencies and Dinas Sosial. Citizens check their \
                  status without an account.",
    signin_username: "Username",
    signin_password: "Password",
    signin_submit: "Sign in",
    signin_missing: "Enter your username and password.",
    signin_help: "Forgot your password, or is your account locked? Ask the administrator at Dinas Sosial, who \
                  creates and unlocks accounts.",

    officer_home_title: "Officer home",
    officer_greeting: "Welcome",
    officer_username: "Username",
    officer_role: "Role",
    officer_scope: "Working area",
    officer_may: "What you can do",
    officer_may_nothing: "This role has no registry tasks yet.",
    officer_next: "The registry pages (search, proposals, verification queues) will be reached from here.",

    password_link: "Change password",
    password_title: "Change password",
    password_lead: "The new password applies everywhere: once it is changed, you are signed out on every other \
                    device. Use at least 12 characters; a few words are easy to remember and hard to guess.",
    password_current: "Current password",
    password_new: "New password",
    password_repeat: "New password again",
    password_submit: "Save the new password",
    password_mismatch: "The two new passwords differ.",
    password_wrong: "The current password is wrong.",
    password_done: "The password has been changed. Other devices signed in to this account have been signed out.",

    forbidden_title: "Not allowed",

    csrf_title: "The form was not accepted",
    csrf_body: "This form has expired or was sent from another site, so it was not processed. Go back, reload \
                the page and send it again.",

    not_found_title: "Page not found",
    not_found_body:
        "The address you opened does not exist. Check the address or go back to the home page.",
    server_error_title: "Something went wrong",
    server_error_body: "This page cannot be shown right now. Please try again in a moment. \
                        If it keeps happening, give the request id below to the office.",
    request_id: "Request id",
    back_home: "Back to the home page",
};

/// The strings in `lang`.
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_are_complete_and_different() {
        // Debug prints every field: none empty, and the two languages differ where they should.
        for lang in [Lang::Id, Lang::En] {
            let t = strings(lang);
            assert_eq!(t.lang_tag, lang.tag());
            let debug = format!("{t:?}");
            assert!(
                !debug.contains(": \"\""),
                "an empty string in {lang:?}: {debug}"
            );
            assert!(
                !debug.contains("  "),
                "a line continuation left double spaces: {debug}"
            );
        }
        assert_ne!(ID.landing_title, EN.landing_title);
        assert_ne!(ID.not_found_title, EN.not_found_title);
    }
}
