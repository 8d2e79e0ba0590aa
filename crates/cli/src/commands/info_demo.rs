//! The demo's announcements (`docs/information.md`): a few written as the office and a kecamatan would,
//! and the schedules of the demo cycle's released envelopes, which tepat writes itself.

use anyhow::Context as _;
use chrono::Utc;
use tepat_core::access::Actor;
use tepat_core::portal::announcements::{self, Draft};
use tepat_domain::RegionCode;
use tepat_regions::RegionTable;
use tepat_store::{AnnouncementFilter, Store};

/// Writes the demo's announcements once (nothing when there are some already), then the schedules of
/// every released envelope not announced yet. Failures are logged: the demo serves without them.
pub async fn demo_announcements(store: &dyn Store) {
    if let Err(error) = write(store).await {
        tracing::error!(error = %format!("{error:#}"), "cannot write the demo announcements");
    }
}

async fn write(store: &dyn Store) -> anyhow::Result<()> {
    let now = Utc::now();
    let any = AnnouncementFilter {
        region: None,
        program: None,
        published_by: now + chrono::Duration::days(3650),
        limit: 1,
    };
    if store.announcements(&any).await?.is_empty() {
        let regency = store
            .populated_regencies()
            .await?
            .first()
            .map(|r| r.regency)
            .context("the demo has no population")?;
        let district = store
            .population_by_district(&regency)
            .await?
            .first()
            .map(|d| d.district);
        for draft in drafts(regency, district) {
            announcements::publish(store, &Actor::local_admin(), draft, now).await?;
        }
    }
    let names = |code: &RegionCode| RegionTable::embedded().get(code).map(|r| r.name.clone());
    let envelopes = announcements::publish_schedules(store, &names, Utc::now()).await?;
    tracing::info!(envelopes, "demo announcements written");
    Ok(())
}

fn drafts(regency: RegionCode, district: Option<RegionCode>) -> Vec<Draft> {
    let mut all = vec![
        Draft {
            title: "Waspada penipuan atas nama bansos".into(),
            body: "Cek status bansos gratis di aplikasi ini atau lewat SMS CEK. Petugas tidak pernah meminta uang, PIN, atau foto KTP lewat WhatsApp.\n\n- Jangan serahkan kartu KKS, PIN atau kupon kepada siapa pun.\n- Laporkan pungutan lewat menu Pengaduan; boleh tanpa nama.".into(),
            title_en: "Beware of scams in the name of social aid".into(),
            body_en: "Checking your aid status is free in this app or by SMS CEK. Officers never ask for money, PINs or photos of your KTP over WhatsApp.\n\n- Never hand over your KKS card, PIN or voucher.\n- Report any charge through Complaints; it may be anonymous.".into(),
            region: Some(regency),
            program: None,
            publish_at: None,
        },
        Draft {
            title: "PKH tahap 1 2027 mulai disalurkan".into(),
            body: "Bantuan PKH tahap 1 (Januari–Maret 2027) ditransfer ke rekening KKS mulai pekan ini. Penerima tanpa rekening mengambil tunai di kantor pos atau balai desa sesuai jadwal di kupon.\n\nBesar bantuan per keluarga dapat dilihat di Cek status.".into(),
            title_en: "PKH stage 1 of 2027 is being paid".into(),
            body_en: "PKH stage 1 (January–March 2027) is transferred to KKS accounts from this week. Recipients without an account collect cash at the post office or village hall as scheduled on their voucher.\n\nEach household's amount shows at Check status.".into(),
            region: Some(regency),
            program: Some("PKH".into()),
            publish_at: None,
        },
    ];
    if let Some(district) = district {
        all.push(Draft {
            title: "Musyawarah kecamatan: pemutakhiran data keluarga".into(),
            body: "Operator desa/kelurahan membuka layanan pemutakhiran data keluarga (kelahiran, kematian, pindah) setiap Senin dan Kamis, pukul 08.00–12.00, di kantor desa masing-masing.\n\nBawa KTP dan Kartu Keluarga.".into(),
            title_en: String::new(),
            body_en: String::new(),
            region: Some(district),
            program: None,
            publish_at: None,
        });
    }
    all
}
