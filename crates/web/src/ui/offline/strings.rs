//! The offline field-entry page's strings, in Bahasa Indonesia and English, side by side (a string
//! missing in one language does not compile). The page's script gets the ones it needs as JSON.

use serde::Serialize;
use tepat_domain::Lang;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The offline page's strings in one language.
        #[derive(Debug, Serialize)]
        pub struct OfflineStrings { $(pub $name: &'static str,)+ }
        static ID: OfflineStrings = OfflineStrings { $($name: $id,)+ };
        static EN: OfflineStrings = OfflineStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static OfflineStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    title: "Entri lapangan", "Field entry";
    lead: "Isi usulan dan survei di lapangan, juga tanpa sinyal. Catatan disimpan di ponsel ini dan dikirim saat tersambung lagi.",
        "Enter proposals and surveys in the field, also without signal. Records are kept on this phone and sent when it is connected again.";
    online: "Tersambung", "Online";
    offline: "Tidak ada sinyal: catatan disimpan di ponsel", "No signal: records are kept on the phone";
    waiting: "catatan menunggu dikirim", "records waiting to be sent";
    sync_now: "Kirim sekarang", "Send now";
    syncing: "Mengirim…", "Sending…";
    sync_done: "Terkirim", "Sent";
    sync_failed: "Belum terkirim; dicoba lagi saat tersambung.", "Not sent yet; tried again when connected.";
    sync_signin: "Sesi berakhir: masuk lagi, lalu kirim. Catatan tetap tersimpan.", "Session ended: sign in again, then send. The records stay saved.";
    outbox: "Kotak keluar", "Outbox";
    outbox_empty: "Tidak ada catatan yang menunggu.", "No records waiting.";
    state_waiting: "menunggu", "waiting";
    state_rejected: "ditolak", "refused";
    edit: "Ubah", "Edit";
    discard: "Hapus", "Discard";
    discard_confirm: "Hapus catatan ini dari ponsel?", "Discard this record from the phone?";
    saved: "Tersimpan di ponsel.", "Saved on the phone.";
    kind_new: "Usulan keluarga baru", "New household proposal";
    kind_survey: "Survei kebutuhan", "Needs survey";
    new_title: "Usulan keluarga baru", "New household proposal";
    new_lead: "Baris anggota pertama adalah kepala keluarga; baris kosong dilewati.",
        "The first member row is the head of the family; empty rows are skipped.";
    village: "Desa/kelurahan", "Village";
    kk: "Nomor KK", "KK number";
    address: "Alamat", "Address";
    rt: "RT", "RT";
    rw: "RW", "RW";
    member_n: "Anggota", "Member";
    nik: "NIK", "NIK";
    full_name: "Nama lengkap", "Full name";
    sex: "Jenis kelamin", "Sex";
    birth_date: "Tanggal lahir", "Birth date";
    relationship: "Hubungan dalam keluarga", "Relationship";
    reason: "Alasan", "Reason";
    save: "Simpan di ponsel", "Save on the phone";
    survey_title: "Survei kebutuhan keluarga", "Household needs survey";
    survey_lead: "Untuk keluarga yang perlu diverifikasi ulang di desa Anda. Unduh daftarnya saat tersambung.",
        "For households of your village due for re-verification. Download the list while connected.";
    household: "Keluarga", "Household";
    choose: "— pilih —", "— choose —";
    households_download: "Unduh daftar keluarga", "Download the household list";
    households_count: "keluarga tersimpan di ponsel", "households kept on the phone";
    households_failed: "Daftar belum bisa diunduh; coba lagi saat tersambung.", "The list could not be downloaded; try again when connected.";
    signout_confirm: "Masih ada catatan yang belum terkirim. Keluar akan menghapusnya dari ponsel. Tetap keluar?",
        "Some records are not sent yet. Signing out deletes them from the phone. Sign out anyway?";
    no_storage: "Ponsel ini tidak bisa menyimpan catatan (IndexedDB tidak tersedia).", "This phone cannot keep records (IndexedDB is not available).";
    forbidden: "Entri lapangan hanya untuk operator desa/kelurahan.", "Field entry is for village operators only.";
}
