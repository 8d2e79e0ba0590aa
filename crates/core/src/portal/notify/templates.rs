//! The words of every notice and message, in Bahasa Indonesia and English.
//!
//! A template reads only its parameters (JSON without NIK, KK number or names: programme, cycle,
//! amount, place, day, ticket number). Each gives a title (e-mail subject, push title, the inbox
//! heading), a body (e-mail, push, inbox) and a short text for SMS and WhatsApp that stays within one
//! SMS (160 characters) for ordinary values.

use serde_json::Value;
use tepat_domain::{Lang, Rupiah};

/// Template ids of messages that are not distribution notices.
pub mod id {
    /// A complaint was received: `ticket`.
    pub const COMPLAINT_RECEIVED: &str = "complaint_received";
    /// A complaint moved on: `ticket`, `state` (a complaint state code).
    pub const COMPLAINT_UPDATE: &str = "complaint_update";
    /// Checks a channel end to end (`tepat notify test`).
    pub const TEST: &str = "test";
}

/// One notice or message, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub title: String,
    pub body: String,
    /// For SMS and WhatsApp.
    pub short: String,
}

/// Renders `template` with `params` (an object; missing values show as `-`) in `lang`. Distribution
/// notices use their kind (`schedule`, `payment_sent`, `handover`, `fix_account`) as template and their
/// body with `program` and `cycle` added as parameters. An unknown template gives a general notice
/// rather than an error: the inbox must always show something.
pub fn render(template: &str, params: &Value, lang: Lang) -> Rendered {
    let p = Params(params);
    let program = p.text("program");
    let cycle = p.text("cycle");
    match (template, lang) {
        ("schedule", Lang::Id) => Rendered {
            title: format!("Jadwal pengambilan bantuan {program}"),
            body: format!(
                "Bantuan {program} periode {cycle} sebesar {} dapat diambil di {} ({}) pada {} \
                 pukul {}. Bawa KTP, KK dan kupon bantuan Anda.",
                p.rupiah("amount"),
                p.text("point_name"),
                p.text("point_code"),
                p.day("day", lang),
                p.text("slot_time"),
            ),
            short: format!(
                "TEPAT: {program} {cycle} {} ambil di {} {} jam {}. Bawa KTP, KK, kupon.",
                p.rupiah("amount"),
                p.text("point_code"),
                p.day("day", lang),
                p.text("slot_time"),
            ),
        },
        ("schedule", Lang::En) => Rendered {
            title: format!("When and where to collect your {program} aid"),
            body: format!(
                "Your {program} aid for {cycle}, {}, can be collected at {} ({}) on {} at {}. \
                 Bring your ID card (KTP), family card (KK) and voucher.",
                p.rupiah("amount"),
                p.text("point_name"),
                p.text("point_code"),
                p.day("day", lang),
                p.text("slot_time"),
            ),
            short: format!(
                "TEPAT: {program} {cycle} {} collect at {} {} {}. Bring KTP, KK, voucher.",
                p.rupiah("amount"),
                p.text("point_code"),
                p.day("day", lang),
                p.text("slot_time"),
            ),
        },
        ("payment_sent", Lang::Id) => Rendered {
            title: format!("Bantuan {program} sudah ditransfer"),
            body: format!(
                "Bantuan {program} periode {cycle} sebesar {} sudah ditransfer ke {} Anda ({}). \
                 Jika belum masuk dalam 3 hari kerja, hubungi operator desa.",
                p.rupiah("amount"),
                route_word(&p.text("route"), lang),
                p.text("provider").to_uppercase(),
            ),
            short: format!(
                "TEPAT: {program} {cycle} {} sudah ditransfer ke {} {}.",
                p.rupiah("amount"),
                route_word(&p.text("route"), lang),
                p.text("provider").to_uppercase(),
            ),
        },
        ("payment_sent", Lang::En) => Rendered {
            title: format!("Your {program} aid has been transferred"),
            body: format!(
                "Your {program} aid for {cycle}, {}, has been transferred to your {} ({}). If it \
                 has not arrived within 3 working days, contact your village operator.",
                p.rupiah("amount"),
                route_word(&p.text("route"), lang),
                p.text("provider").to_uppercase(),
            ),
            short: format!(
                "TEPAT: {program} {cycle} {} transferred to your {} {}.",
                p.rupiah("amount"),
                route_word(&p.text("route"), lang),
                p.text("provider").to_uppercase(),
            ),
        },
        ("handover", Lang::Id) => Rendered {
            title: format!("Bantuan {program} sudah diserahkan"),
            body: format!(
                "Bantuan {program} periode {cycle} sebesar {} tercatat sudah Anda terima di {} \
                 pada {}. Jika Anda tidak menerimanya, segera buat pengaduan.",
                p.rupiah("amount"),
                p.text("point_code"),
                p.day("handed_at", lang),
            ),
            short: format!(
                "TEPAT: {program} {cycle} {} tercatat diterima {} di {}. Tidak terima? Adukan.",
                p.rupiah("amount"),
                p.day("handed_at", lang),
                p.text("point_code"),
            ),
        },
        ("handover", Lang::En) => Rendered {
            title: format!("Your {program} aid was handed over"),
            body: format!(
                "Your {program} aid for {cycle}, {}, is recorded as received by you at {} on {}. If \
                 you did not receive it, file a complaint.",
                p.rupiah("amount"),
                p.text("point_code"),
                p.day("handed_at", lang),
            ),
            short: format!(
                "TEPAT: {program} {cycle} {} recorded received {} at {}. Not received? Complain.",
                p.rupiah("amount"),
                p.day("handed_at", lang),
                p.text("point_code"),
            ),
        },
        ("fix_account", Lang::Id) => Rendered {
            title: format!("Rekening untuk bantuan {program} perlu diperbaiki"),
            body: format!(
                "Transfer bantuan {program} periode {cycle} tidak dapat diterima oleh rekening atau \
                 dompet digital Anda. Daftarkan rekening yang aktif melalui operator desa."
            ),
            short: format!(
                "TEPAT: transfer {program} {cycle} gagal. Daftarkan rekening aktif lewat operator desa."
            ),
        },
        ("fix_account", Lang::En) => Rendered {
            title: format!("Your account for {program} aid needs fixing"),
            body: format!(
                "The {program} transfer for {cycle} could not be received by your bank account or \
                 e-wallet. Register an active account through your village operator."
            ),
            short: format!(
                "TEPAT: {program} {cycle} transfer failed. Register an active account via your village."
            ),
        },
        (id::COMPLAINT_RECEIVED, Lang::Id) => Rendered {
            title: format!("Pengaduan {} diterima", p.text("ticket")),
            body: format!(
                "Pengaduan Anda tercatat dengan nomor {}. Simpan nomor ini untuk melacak \
                 tindak lanjutnya.",
                p.text("ticket")
            ),
            short: format!("TEPAT: pengaduan diterima, nomor {}.", p.text("ticket")),
        },
        (id::COMPLAINT_RECEIVED, Lang::En) => Rendered {
            title: format!("Complaint {} received", p.text("ticket")),
            body: format!(
                "Your complaint is recorded as number {}. Keep this number to track it.",
                p.text("ticket")
            ),
            short: format!("TEPAT: complaint received, number {}.", p.text("ticket")),
        },
        (id::COMPLAINT_UPDATE, Lang::Id) => Rendered {
            title: format!("Pengaduan {} diperbarui", p.text("ticket")),
            body: format!(
                "Pengaduan nomor {} kini berstatus: {}. Lihat rinciannya dengan nomor tersebut.",
                p.text("ticket"),
                complaint_state(&p.text("state"), lang),
            ),
            short: format!(
                "TEPAT: pengaduan {} kini {}.",
                p.text("ticket"),
                complaint_state(&p.text("state"), lang)
            ),
        },
        (id::COMPLAINT_UPDATE, Lang::En) => Rendered {
            title: format!("Complaint {} updated", p.text("ticket")),
            body: format!(
                "Complaint number {} is now: {}. See the details with that number.",
                p.text("ticket"),
                complaint_state(&p.text("state"), lang),
            ),
            short: format!(
                "TEPAT: complaint {} is now {}.",
                p.text("ticket"),
                complaint_state(&p.text("state"), lang)
            ),
        },
        (id::TEST, Lang::Id) => Rendered {
            title: "Uji pemberitahuan TEPAT".into(),
            body: "Pesan uji: saluran pemberitahuan ini berfungsi.".into(),
            short: "TEPAT: pesan uji, saluran ini berfungsi.".into(),
        },
        (id::TEST, Lang::En) => Rendered {
            title: "TEPAT notification test".into(),
            body: "A test message: this notification channel works.".into(),
            short: "TEPAT: test message, this channel works.".into(),
        },
        (_, Lang::Id) => Rendered {
            title: "Pemberitahuan baru".into(),
            body: "Ada pemberitahuan baru untuk keluarga Anda. Cek status di situs TEPAT.".into(),
            short: "TEPAT: ada pemberitahuan baru. Cek status Anda.".into(),
        },
        (_, Lang::En) => Rendered {
            title: "New notice".into(),
            body: "There is a new notice for your household. Check your status on the TEPAT site."
                .into(),
            short: "TEPAT: there is a new notice. Check your status.".into(),
        },
    }
}

/// A distribution notice's parameters: its JSON body with `program` and `cycle` added.
pub fn notice_params(body: &str, program: &str, cycle: &str) -> Value {
    let mut value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    if !value.is_object() {
        value = Value::Object(Default::default());
    }
    if let Some(map) = value.as_object_mut() {
        map.insert("program".into(), Value::String(program.into()));
        map.insert("cycle".into(), Value::String(cycle.into()));
    }
    value
}

/// Renders a stored distribution notice.
pub fn render_notice(notice: &tepat_store::Notice, lang: Lang) -> Rendered {
    let params = notice_params(&notice.body, &notice.program, &notice.cycle);
    render(notice.kind.code(), &params, lang)
}

/// Renders a stored message (a complaint update in the household's inbox).
pub fn render_message(message: &tepat_store::StoredMessage, lang: Lang) -> Rendered {
    let params: Value = serde_json::from_str(&message.params).unwrap_or(Value::Null);
    render(&message.template, &params, lang)
}

struct Params<'a>(&'a Value);

impl Params<'_> {
    fn text(&self, key: &str) -> String {
        match self.0.get(key) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => "-".into(),
        }
    }

    fn rupiah(&self, key: &str) -> String {
        match self.0.get(key).and_then(Value::as_i64) {
            Some(n) => Rupiah::new(n).to_string(),
            None => "-".into(),
        }
    }

    /// `2026-12-01` (or a timestamp) as `1/12/2026` in Indonesian and `1 Dec 2026` in English.
    fn day(&self, key: &str, lang: Lang) -> String {
        let text = self.text(key);
        let date = text
            .get(..10)
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        match (date, lang) {
            (Some(d), Lang::Id) => d.format("%-d/%-m/%Y").to_string(),
            (Some(d), Lang::En) => d.format("%-d %b %Y").to_string(),
            (None, _) => text,
        }
    }
}

fn route_word(route: &str, lang: Lang) -> &'static str {
    match (route, lang) {
        ("ewallet", Lang::Id) => "dompet digital",
        ("ewallet", Lang::En) => "e-wallet",
        (_, Lang::Id) => "rekening",
        (_, Lang::En) => "bank account",
    }
}

fn complaint_state(state: &str, lang: Lang) -> String {
    let word = match (state, lang) {
        ("received", Lang::Id) | ("open", Lang::Id) => "diterima",
        ("received", Lang::En) | ("open", Lang::En) => "received",
        ("in_progress", Lang::Id) | ("routed", Lang::Id) => "sedang ditangani",
        ("in_progress", Lang::En) | ("routed", Lang::En) => "being handled",
        ("escalated", Lang::Id) => "dinaikkan ke tingkat di atasnya",
        ("escalated", Lang::En) => "escalated",
        ("resolved", Lang::Id) => "selesai",
        ("resolved", Lang::En) => "resolved",
        ("rejected", Lang::Id) => "ditolak",
        ("rejected", Lang::En) => "rejected",
        ("closed", Lang::Id) => "ditutup",
        ("closed", Lang::En) => "closed",
        _ => return state.replace('_', " "),
    };
    word.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schedule() -> Value {
        json!({
            "point_code": "KPOS-TJP", "point_name": "Kantor Pos Tanjung Pandan", "point_kind": "post_office",
            "day": "2026-12-01", "slot": 3, "slot_time": "09:30", "slot_minutes": 30,
            "amount": 600000, "route": "cash", "voucher": "0193b1c2-0000-7000-8000-000000000000",
            "program": "PKH", "cycle": "2026-Q4",
        })
    }

    #[test]
    fn every_notice_kind_reads_in_both_languages() {
        let cases = [
            ("schedule", schedule()),
            (
                "payment_sent",
                json!({"amount": 300000, "route": "ewallet", "provider": "dana", "program": "BLT-DD", "cycle": "2026-11"}),
            ),
            (
                "handover",
                json!({"amount": 200000, "point_code": "EW-01", "handed_at": "2026-12-02T03:04:05Z", "program": "SEMBAKO", "cycle": "2026-12"}),
            ),
            ("fix_account", json!({"program": "PKH", "cycle": "2026-Q4"})),
            (
                id::COMPLAINT_UPDATE,
                json!({"ticket": "ADU-7Q2K-9XPM", "state": "resolved"}),
            ),
        ];
        for (template, params) in cases {
            let id = render(template, &params, Lang::Id);
            let en = render(template, &params, Lang::En);
            assert_ne!(id.body, en.body, "{template}");
            assert!(
                !id.body.contains(" - ") && !en.body.contains(" - "),
                "{template}: {id:?}"
            );
            assert!(id.short.chars().count() <= 160, "{template}: {}", id.short);
            assert!(en.short.chars().count() <= 160, "{template}: {}", en.short);
            assert_ne!(id.title, "Pemberitahuan baru", "{template}");
        }
    }

    #[test]
    fn a_schedule_says_where_when_and_how_much() {
        let id = render("schedule", &schedule(), Lang::Id);
        assert_eq!(id.title, "Jadwal pengambilan bantuan PKH");
        assert!(id.body.contains("Rp600.000"), "{}", id.body);
        assert!(id.body.contains("Kantor Pos Tanjung Pandan"));
        assert!(id.body.contains("1/12/2026") && id.body.contains("09:30"));
        let en = render("schedule", &schedule(), Lang::En);
        assert!(en.body.contains("1 Dec 2026"), "{}", en.body);
        assert_eq!(
            en.short,
            "TEPAT: PKH 2026-Q4 Rp600.000 collect at KPOS-TJP 1 Dec 2026 09:30. Bring KTP, KK, voucher."
        );
    }

    #[test]
    fn unknown_templates_and_missing_values_still_read() {
        let r = render("nope", &Value::Null, Lang::Id);
        assert_eq!(r.title, "Pemberitahuan baru");
        let r = render("schedule", &json!({"program": "PKH"}), Lang::En);
        assert!(r.body.contains("collected at - (-)"), "{}", r.body);
    }

    #[test]
    fn notice_params_add_program_and_cycle() {
        let p = notice_params(r#"{"amount": 5}"#, "PKH", "2026-Q4");
        assert_eq!(
            p,
            json!({"amount": 5, "program": "PKH", "cycle": "2026-Q4"})
        );
        assert_eq!(
            notice_params("not json", "A", "B"),
            json!({"program": "A", "cycle": "B"})
        );
    }
}
