//! Announcements (*pengumuman*, issue 8 part 5, `docs/information.md`): what the office and the villages
//! tell the public, on `/pengumuman` and in its Atom feed.
//!
//! - [`publish`]: an officer with [`Announce`] writes one for a region inside their scope (or, with a
//!   scope over everything, for the whole installation), optionally about one program.
//! - [`publish_schedules`]: for every released envelope whose cash and goods entitlements have been
//!   assigned to distribution points, one announcement per point (place, days, times, program, cycle,
//!   how many households — never who), once per envelope.
//!
//! The body is plain text with a very small markup subset that [`blocks`] reads: blank lines separate
//! paragraphs, lines starting with `- ` are list items, addresses become links where shown.

use chrono::{DateTime, NaiveDate, Utc};
use tepat_domain::{Lang, Localized, RegionCode, Scope};
use tepat_store::{Announcement, PointKind, ScheduleDay, Store, StoreError};
use uuid::Uuid;

use crate::access::{Actor, Announce, Denied};
use crate::targeting::programs;

/// The longest title, in characters: a feed reader's line, a social-media post's first line.
pub const TITLE_MAX: usize = 120;
/// The longest body, in characters.
pub const BODY_MAX: usize = 4000;

/// What an officer writes. Empty English fields mean "no English version".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    pub body: String,
    pub title_en: String,
    pub body_en: String,
    /// `None`: the whole installation.
    pub region: Option<RegionCode>,
    /// A program code, `None` for every program.
    pub program: Option<String>,
    /// `None`: now.
    pub publish_at: Option<DateTime<Utc>>,
}

/// Why an announcement was not published: what to correct.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("the title is missing")]
    TitleMissing,
    #[error("the title is longer than {TITLE_MAX} characters")]
    TitleTooLong,
    #[error("the text is missing")]
    BodyMissing,
    #[error("the text is longer than {BODY_MAX} characters")]
    BodyTooLong,
    #[error("give the English title and text together, or neither")]
    EnglishHalf,
    #[error("the text contains control characters; type it again without them")]
    ControlCharacters,
    #[error("there is no program {0}")]
    UnknownProgram(String),
    #[error("the database failed; try again later")]
    Store(#[from] StoreError),
}

impl Localized for AnnounceError {
    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Id => match self {
                AnnounceError::Denied(d) => d.message(lang),
                AnnounceError::TitleMissing => "judul belum diisi".into(),
                AnnounceError::TitleTooLong => {
                    format!("judul lebih dari {TITLE_MAX} karakter")
                }
                AnnounceError::BodyMissing => "isi pengumuman belum diisi".into(),
                AnnounceError::BodyTooLong => format!("isi lebih dari {BODY_MAX} karakter"),
                AnnounceError::EnglishHalf => {
                    "isi judul dan teks bahasa Inggris bersama-sama, atau kosongkan keduanya".into()
                }
                AnnounceError::ControlCharacters => {
                    "teks berisi karakter kendali; ketik ulang tanpa karakter itu".into()
                }
                AnnounceError::UnknownProgram(code) => format!("tidak ada program {code}"),
                AnnounceError::Store(_) => "basis data gagal; coba lagi nanti".into(),
            },
        }
    }
}

/// Checks the actor's permission for the draft's region and the draft itself, then stores it.
pub async fn publish(
    store: &dyn Store,
    actor: &Actor,
    draft: Draft,
    now: DateTime<Utc>,
) -> Result<Announcement, AnnounceError> {
    permitted(actor, draft.region.as_ref())?;
    let (title, body) = (clean(&draft.title), clean(&draft.body));
    let (title_en, body_en) = (clean(&draft.title_en), clean(&draft.body_en));
    check_text(&title, &body)?;
    let english = match (title_en.is_empty(), body_en.is_empty()) {
        (true, true) => None,
        (false, false) => {
            check_text(&title_en, &body_en)?;
            Some((title_en, body_en))
        }
        _ => return Err(AnnounceError::EnglishHalf),
    };
    if let Some(code) = &draft.program {
        let known = programs::current(store)
            .await
            .map(|p| p.get(code).is_some())
            .unwrap_or(false);
        if !known {
            return Err(AnnounceError::UnknownProgram(code.clone()));
        }
    }
    let (title_en, body_en) = english.unzip();
    let announcement = Announcement {
        id: Uuid::now_v7(),
        region: draft.region,
        program: draft.program,
        title,
        body,
        title_en,
        body_en,
        publish_at: draft.publish_at.unwrap_or(now),
        created_by: actor.user(),
        created_at: now,
        source: None,
    };
    store.insert_announcement(&announcement).await?;
    Ok(announcement)
}

/// A region needs [`Announce`] there; the whole installation needs it everywhere.
fn permitted(actor: &Actor, region: Option<&RegionCode>) -> Result<(), Denied> {
    match region {
        Some(r) => actor.may::<Announce>(r).map(|_| ()),
        None => {
            let grant = actor.may_anywhere::<Announce>()?;
            if grant.scope() == Scope::All {
                Ok(())
            } else {
                Err(Denied::Region {
                    action: <Announce as crate::access::Action>::WHAT,
                })
            }
        }
    }
}

/// Line ends as `\n`, trailing spaces and surrounding blank lines gone.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

fn check_text(title: &str, body: &str) -> Result<(), AnnounceError> {
    if title.is_empty() {
        return Err(AnnounceError::TitleMissing);
    }
    if title.chars().count() > TITLE_MAX {
        return Err(AnnounceError::TitleTooLong);
    }
    if body.is_empty() {
        return Err(AnnounceError::BodyMissing);
    }
    if body.chars().count() > BODY_MAX {
        return Err(AnnounceError::BodyTooLong);
    }
    let control = |c: char| c.is_control() && c != '\n' && c != '\t';
    if title.contains(|c: char| c.is_control()) || body.contains(control) {
        return Err(AnnounceError::ControlCharacters);
    }
    Ok(())
}

/// A block of an announcement's body: the markup subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<String>),
    List(Vec<String>),
}

/// The body as paragraphs (lines kept) and lists (consecutive `- ` lines); blank lines end a block.
pub fn blocks(body: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for chunk in body.split("\n\n") {
        let mut current: Option<Block> = None;
        for line in chunk.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match (line.strip_prefix("- "), &mut current) {
                (Some(item), Some(Block::List(items))) => items.push(item.trim().to_owned()),
                (None, Some(Block::Paragraph(lines))) => lines.push(line.to_owned()),
                (item, _) => {
                    out.extend(current.take());
                    current = Some(match item {
                        Some(i) => Block::List(vec![i.trim().to_owned()]),
                        None => Block::Paragraph(vec![line.to_owned()]),
                    });
                }
            }
        }
        out.extend(current);
    }
    out
}

/// The id tepat writes its own announcements under (the command line's nil id is the operator's).
pub const TEPAT_AUTHOR: Uuid = Uuid::from_u128(0x200);

/// Writes the schedule announcements of every released envelope not announced yet; returns how many
/// envelopes were announced. Safe to run from several places at once: each envelope is announced once.
pub async fn publish_schedules(
    store: &dyn Store,
    names: &(dyn Fn(&RegionCode) -> Option<String> + Sync),
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let days = store.unannounced_schedules().await?;
    if days.is_empty() {
        return Ok(0);
    }
    let programs = programs::current(store).await.ok();
    let program_name = |code: &str, lang: Lang| {
        programs
            .as_ref()
            .and_then(|p| p.get(code))
            .map_or_else(|| code.to_owned(), |p| p.name(lang).to_owned())
    };
    let mut announced = 0;
    for envelope in days.chunk_by(|a, b| a.envelope == b.envelope) {
        let mut rows = Vec::new();
        for point in envelope.chunk_by(|a, b| a.point == b.point) {
            let first = &point[0];
            let place = Place {
                village: names(&first.village).unwrap_or_else(|| first.village.dotted()),
                program_id: program_name(&first.program, Lang::Id),
                program_en: program_name(&first.program, Lang::En),
            };
            rows.push(schedule_announcement(point, &place, now));
        }
        if store
            .publish_schedule(envelope[0].envelope, now, &rows)
            .await?
        {
            announced += 1;
        }
    }
    Ok(announced)
}

/// Names a schedule announcement shows, looked up once per point.
struct Place {
    village: String,
    program_id: String,
    program_en: String,
}

/// One point's days of one envelope as an announcement in both languages.
fn schedule_announcement(days: &[ScheduleDay], place: &Place, now: DateTime<Utc>) -> Announcement {
    let first = &days[0];
    let households: u64 = days.iter().map(|d| d.households).sum();
    let text = |lang: Lang| {
        let program = match lang {
            Lang::Id => &place.program_id,
            Lang::En => &place.program_en,
        };
        let title = match lang {
            Lang::Id => format!("Jadwal {program} {}: {}", first.cycle, first.point_name),
            Lang::En => format!("{program} {} schedule: {}", first.cycle, first.point_name),
        };
        let lines: Vec<String> = days.iter().map(|d| day_line(d, lang)).collect();
        let body = match lang {
            Lang::Id => format!(
                "Penyaluran {program} ({}) periode {} di {} ({}), desa/kelurahan {}, untuk {households} keluarga penerima:\n\n{}\n\nDatang pada hari dan jam yang tertulis di kupon Anda, membawa KTP, Kartu Keluarga dan kupon (atau kode di aplikasi). Cek jadwal Anda sendiri di /cek. Bantuan tidak boleh dipotong dan tidak dipungut biaya apa pun; laporkan pungutan melalui pengaduan.",
                first.program, first.cycle, first.point_name, kind_name(first.point_kind, lang),
                place.village, lines.join("\n")
            ),
            Lang::En => format!(
                "{program} ({}) for period {} at {} ({}), village {}, for {households} recipient households:\n\n{}\n\nCome on the day and at the time written on your voucher, with your KTP, family card (KK) and the voucher (or the code in the app). Check your own schedule at /cek. Aid may not be cut and nothing may be charged for it; report any charge as a complaint.",
                first.program, first.cycle, first.point_name, kind_name(first.point_kind, lang),
                place.village, lines.join("\n")
            ),
        };
        (title, body)
    };
    let (title, body) = text(Lang::Id);
    let (title_en, body_en) = text(Lang::En);
    Announcement {
        id: Uuid::now_v7(),
        region: Some(first.village),
        program: Some(first.program.clone()),
        title: truncate(title),
        body,
        title_en: Some(truncate(title_en)),
        body_en: Some(body_en),
        publish_at: now,
        created_by: TEPAT_AUTHOR,
        created_at: now,
        source: Some((first.envelope, first.point)),
    }
}

fn truncate(title: String) -> String {
    if title.chars().count() <= TITLE_MAX {
        title
    } else {
        let mut t: String = title.chars().take(TITLE_MAX - 1).collect();
        t.push('…');
        t
    }
}

fn day_line(d: &ScheduleDay, lang: Lang) -> String {
    let households = d.households;
    match lang {
        Lang::Id => format!(
            "- {} pukul {}–{}: {households} keluarga",
            date(d.day, lang),
            d.from.format("%H.%M"),
            d.until.format("%H.%M")
        ),
        Lang::En => format!(
            "- {} {}–{}: {households} households",
            date(d.day, lang),
            d.from.format("%H:%M"),
            d.until.format("%H:%M")
        ),
    }
}

/// `Senin, 3 Februari 2027` / `Monday 3 February 2027`.
pub fn date(day: NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    const DAYS_ID: [&str; 7] = [
        "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
    ];
    const MONTHS_ID: [&str; 12] = [
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
    let weekday = day.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Id => format!(
            "{}, {} {} {}",
            DAYS_ID[weekday],
            day.day(),
            MONTHS_ID[day.month0() as usize],
            day.year()
        ),
        Lang::En => day.format("%A %-d %B %Y").to_string(),
    }
}

/// What kind of place a point is, for the public.
pub fn kind_name(kind: PointKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (PointKind::PostOffice, Lang::Id) => "kantor pos",
        (PointKind::PostOffice, Lang::En) => "post office",
        (PointKind::VillageHall, Lang::Id) => "balai desa",
        (PointKind::VillageHall, Lang::En) => "village hall",
        (PointKind::EWarung, Lang::Id) => "e-Warong",
        (PointKind::EWarung, Lang::En) => "e-Warong shop",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_lists() {
        let body =
            "Rapat di balai desa.\nBawa KTP.\n\n- Senin\n- Selasa\nSelesai.\n\n\nTerima kasih";
        assert_eq!(
            blocks(body),
            vec![
                Block::Paragraph(vec!["Rapat di balai desa.".into(), "Bawa KTP.".into()]),
                Block::List(vec!["Senin".into(), "Selasa".into()]),
                Block::Paragraph(vec!["Selesai.".into()]),
                Block::Paragraph(vec!["Terima kasih".into()]),
            ]
        );
    }

    #[test]
    fn text_is_checked() {
        assert!(matches!(
            check_text("", "x"),
            Err(AnnounceError::TitleMissing)
        ));
        assert!(matches!(
            check_text("x", ""),
            Err(AnnounceError::BodyMissing)
        ));
        let long = "a".repeat(TITLE_MAX + 1);
        assert!(matches!(
            check_text(&long, "x"),
            Err(AnnounceError::TitleTooLong)
        ));
        assert!(matches!(
            check_text("x", &"b".repeat(BODY_MAX + 1)),
            Err(AnnounceError::BodyTooLong)
        ));
        assert!(matches!(
            check_text("x", "bell\u{7}"),
            Err(AnnounceError::ControlCharacters)
        ));
        assert!(check_text("Judul", "Baris satu\n\tbaris dua").is_ok());
        assert_eq!(clean("  a  \r\n\r\nb \n\n"), "a\n\nb");
    }

    #[test]
    fn dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2027, 2, 3).unwrap();
        assert_eq!(date(d, Lang::Id), "Rabu, 3 Februari 2027");
        assert_eq!(date(d, Lang::En), "Wednesday 3 February 2027");
    }

    #[test]
    fn only_an_officer_with_the_whole_installation_announces_everywhere() {
        use tepat_domain::Role;
        let village = RegionCode::parse("19.02.01.2001").unwrap();
        let op = Actor::for_tests(Role::VillageOperator, Scope::Within(village));
        assert!(permitted(&op, Some(&village)).is_ok());
        assert!(permitted(&op, None).is_err());
        assert!(permitted(&op, Some(&RegionCode::parse("19.02.01.2002").unwrap())).is_err());
        let admin = Actor::for_tests(Role::Admin, Scope::All);
        assert!(permitted(&admin, None).is_ok());
        let citizen = Actor::for_tests(Role::Citizen, Scope::All);
        assert!(matches!(
            permitted(&citizen, Some(&village)),
            Err(Denied::Role { .. })
        ));
    }
}
