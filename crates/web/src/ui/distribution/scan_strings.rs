//! The voucher scan page's and the voucher page's strings, in Bahasa Indonesia and English, side by
//! side (a string missing in one language does not compile). The page's script gets them as JSON,
//! with the refusals taken from [`VoucherRefusal`] itself so the phone words them as the server does.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use tepat_core::distribution::handovers::HandoverRefusal;
use tepat_domain::{Lang, Localized};
use tepat_payments::voucher::VoucherRefusal;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The scan page's strings in one language.
        #[derive(Debug, Serialize)]
        pub struct ScanStrings { $(pub $name: &'static str,)+ }
        static ID: ScanStrings = ScanStrings { $($name: $id,)+ };
        static EN: ScanStrings = ScanStrings { $($name: $en,)+ };
    };
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static ScanStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    title: "Pindai voucher", "Scan vouchers";
    lead: "Periksa voucher bantuan tunai atau barang, juga tanpa sinyal, lalu catat penyerahannya. Catatan disimpan di ponsel ini dan dikirim saat tersambung.",
        "Check cash or goods vouchers, also without signal, then record the hand-over. Records are kept on this phone and sent when it is connected.";
    online: "Tersambung", "Online";
    offline: "Tidak ada sinyal: penyerahan disimpan di ponsel", "No signal: hand-overs are kept on the phone";
    keys: "kunci tanda tangan tersimpan", "signing keys kept";
    refresh: "Perbarui kunci dan titik salur", "Update keys and points";
    cache_done: "Kunci dan titik salur diperbarui.", "Keys and points updated.";
    cache_failed: "Belum bisa memperbarui; yang tersimpan tetap dipakai.", "Could not update; what is kept is used.";
    point: "Titik salur", "Distribution point";
    choose: "— pilih —", "— choose —";
    scan_title: "Voucher", "Voucher";
    camera: "Pindai dengan kamera", "Scan with the camera";
    no_camera: "Kamera tidak tersedia; ketik atau tempel kode voucher.", "No camera available; type or paste the voucher code.";
    code: "Kode voucher (TPV1.…)", "Voucher code (TPV1.…)";
    check: "Periksa", "Check";
    checking: "Memeriksa…", "Checking…";
    valid: "Voucher sah.", "The voucher is valid.";
    program: "Program", "Programme";
    cycle: "Periode", "Cycle";
    what: "Bantuan", "Aid";
    valid_dates: "Berlaku", "Valid";
    nik: "NIK pada KTP penerima", "NIK on the recipient's KTP";
    nik_check: "Cocokkan NIK", "Match the NIK";
    nik_format: "NIK terdiri dari 16 angka.", "A NIK has 16 digits.";
    nik_match: "NIK cocok dengan voucher.", "The NIK matches the voucher.";
    nik_mismatch: "NIK tidak cocok dengan voucher: jangan serahkan bantuan.", "The NIK does not match the voucher: do not hand over the aid.";
    no_nik: "Voucher ini tidak memuat NIK kepala keluarga (tidak tercatat saat voucher dibuat). Periksa KK dan KTP penerima secara langsung.", "This voucher carries no head of family's NIK (none was recorded when it was issued). Check the recipient's KK and KTP by eye.";
    seen: "Saya sudah memeriksa KK dan KTP penerima", "I have checked the recipient's KK and KTP";
    handover: "Catat penyerahan", "Record the hand-over";
    saved: "Penyerahan dicatat di ponsel.", "Hand-over recorded on the phone.";
    outbox: "Penyerahan", "Hand-overs";
    outbox_empty: "Belum ada penyerahan.", "No hand-overs yet.";
    waiting: "menunggu dikirim", "waiting to be sent";
    sync_now: "Kirim sekarang", "Send now";
    clear_done: "Hapus yang sudah selesai", "Remove the finished ones";
    syncing: "Mengirim…", "Sending…";
    sync_done: "Terkirim", "Sent";
    sync_failed: "Belum terkirim; dicoba lagi saat tersambung.", "Not sent yet; tried again when connected.";
    sync_signin: "Sesi berakhir: masuk lagi, lalu kirim. Penyerahan tetap tersimpan.", "Session ended: sign in again, then send. The hand-overs stay saved.";
    state_waiting: "menunggu", "waiting";
    state_accepted: "diterima", "accepted";
    state_already: "sudah terkirim sebelumnya", "already sent";
    state_duplicate: "GANDA", "DUPLICATE";
    state_refused: "ditolak", "refused";
    duplicate_at: "Voucher ini sudah ditukarkan pada {at}. Penyerahan ini ditandai untuk diperiksa verifikator.", "This voucher was already redeemed on {at}. This hand-over is flagged for the verifier to review.";
    no_storage: "Ponsel ini tidak bisa menyimpan catatan (penyimpanan peramban mati).", "This phone cannot keep records (browser storage is off).";
    signout_confirm: "Masih ada penyerahan yang belum terkirim. Keluar dan hapus dari ponsel ini?", "Some hand-overs have not been sent. Sign out and delete them from this phone?";
    voucher_title: "Voucher bantuan", "Aid voucher";
    voucher_lead: "Tunjukkan kode QR ini kepada petugas penyaluran bersama KTP penerima.", "Show this QR code to the distribution officer together with the recipient's KTP.";
    voucher_text: "Kode voucher", "Voucher code";
    voucher_missing: "Voucher tidak ditemukan.", "No such voucher.";
    flagged_title: "Penyerahan ganda", "Second redemptions";
    flagged_lead: "Voucher yang ditukarkan lebih dari sekali: penyerahan pertama diterima, yang ini disimpan dan ditandai. Periksa bersama petugas dan penerima.",
        "Vouchers redeemed more than once: the first hand-over was accepted, this one was stored and flagged. Review it with the officer and the recipient.";
    flagged_none: "Tidak ada penyerahan ganda.", "No second redemptions.";
    household: "Keluarga", "Household";
    flagged_when: "Diserahkan", "Handed over";
    flagged_synced: "terkirim", "synced";
    flagged_by: "Petugas", "Officer";
    flagged_device: "perangkat", "device";
    handover_photo: "Foto penyerahan", "Hand-over photo";
    photo_open: "Lihat foto", "View photo";
    photo_this: "penyerahan ini", "this hand-over";
    photo_first: "penyerahan pertama", "the first hand-over";
    photo_take: "Foto penyerahan (boleh dilewati)", "Hand-over photo (optional)";
    photo_kept: "Foto disimpan bersama penyerahan.", "Photo kept with the hand-over.";
    photo_failed: "Foto tidak bisa dibaca; ambil ulang atau lewati.", "The photo could not be read; take it again or skip it.";
}

/// "31 Maret 2027" / "31 March 2027", as [`VoucherRefusal`] and the scan page write dates.
pub fn long_date(date: NaiveDate, lang: Lang) -> String {
    const ID: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let names = match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    };
    format!(
        "{} {} {}",
        date.day(),
        names[date.month0() as usize],
        date.year()
    )
}

/// The refusals' texts for the page's script, with `{from}`, `{until}`, `{voucher}` and `{expected}`
/// where the values go (the script writes dates in the same long form).
#[derive(Debug, Serialize)]
pub struct Refusals {
    pub refuse_malformed: String,
    pub refuse_unknown_key: String,
    pub refuse_bad_signature: String,
    pub refuse_not_yet_valid: String,
    pub refuse_expired: String,
    pub refuse_wrong_cycle: String,
    /// A merchant (e-Warung) scanning a cash voucher: refused on the phone already.
    pub refuse_not_your_point: String,
}

/// A date no voucher carries, written by [`VoucherRefusal`] and then replaced by a placeholder.
fn marker_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2099, 12, 31).unwrap_or_default()
}

fn with_placeholder(refusal: &VoucherRefusal, lang: Lang, placeholder: &str) -> String {
    refusal
        .message(lang)
        .replace(&long_date(marker_date(), lang), placeholder)
}

pub fn refusals(lang: Lang) -> Refusals {
    Refusals {
        refuse_malformed: VoucherRefusal::Malformed.message(lang),
        refuse_unknown_key: VoucherRefusal::UnknownKey.message(lang),
        refuse_bad_signature: VoucherRefusal::BadSignature.message(lang),
        refuse_not_yet_valid: with_placeholder(
            &VoucherRefusal::NotYetValid {
                from: marker_date(),
            },
            lang,
            "{from}",
        ),
        refuse_expired: with_placeholder(
            &VoucherRefusal::Expired {
                until: marker_date(),
            },
            lang,
            "{until}",
        ),
        refuse_wrong_cycle: VoucherRefusal::WrongCycle {
            voucher: "{voucher}".into(),
            expected: "{expected}".into(),
        }
        .message(lang),
        refuse_not_your_point: HandoverRefusal::NotYourPoint.message(lang),
    }
}

/// The script's strings: [`ScanStrings`] and [`Refusals`] in one JSON object, safe inside `<script>`.
pub fn script_json(lang: Lang) -> String {
    let mut value = serde_json::to_value(strings(lang)).unwrap_or_default();
    if let (Some(map), Ok(serde_json::Value::Object(more))) =
        (value.as_object_mut(), serde_json::to_value(refusals(lang)))
    {
        map.extend(more);
    }
    value.to_string().replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_refusals_carry_placeholders_in_both_languages() {
        for lang in [Lang::Id, Lang::En] {
            let r = refusals(lang);
            assert!(r.refuse_expired.contains("{until}"), "{}", r.refuse_expired);
            assert!(!r.refuse_expired.contains("2099"), "{}", r.refuse_expired);
            assert!(r.refuse_not_yet_valid.contains("{from}"));
            assert!(r.refuse_wrong_cycle.contains("{voucher}"));
            assert!(r.refuse_wrong_cycle.contains("{expected}"));
        }
        assert!(refusals(Lang::Id)
            .refuse_expired
            .starts_with("Voucher ini sudah kedaluwarsa"));
    }

    #[test]
    fn the_script_json_has_both_kinds_of_string_and_no_markup() {
        let json = script_json(Lang::Id);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["title"], "Pindai voucher");
        assert!(value["refuse_bad_signature"]
            .as_str()
            .unwrap()
            .starts_with("Tanda tangan voucher tidak sah"));
        assert!(!json.contains('<'));
    }
}
