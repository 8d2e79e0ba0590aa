//! Demo data for the officers' pages (`tepat demo`): a handful of households of Desa Kota
//! (19.02.01.1001, Kecamatan Tanjungpandan, Kabupaten Belitung) at every stage of the workflow, so that
//! every queue of the demo officers has something in it, one household is in the registry with a
//! change request waiting, and one proposal shares a NIK with it (a possible duplicate to decide).
//!
//! Everything goes through the core services with the grants of real accounts: four example officers
//! (`contoh.*`, one per level) are created with random passwords that are never shown, sign in through
//! the ordinary sign-in, enter and advance the requests, sign out and are locked. The workflow history
//! therefore names them, not the demo accounts people sign in with.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rand::RngCore;
use tepat_core::access::{
    Actor, Administer, Decide, Propose, ReviewInDistrict, VerifyAtDinas, VerifyInVillage,
};
use tepat_core::auth::accounts::{self, NewUser};
use tepat_core::auth::{AuthPolicy, AuthService, Password};
use tepat_core::registry::{self, Origin};
use tepat_domain::registry::{
    Change, FieldVisit, MemberStatus, RegistryHousehold, RegistryMember, SurveyAnswers,
};
use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, HouseholdSurvey, IncomeBand, MemberSurvey, Roof,
    Sanitation, SchoolLevel, Sector, Wall, Water,
};
use tepat_domain::{KkNumber, Nik, RegionCode, Relationship, Rupiah, Scope, Sex};
use tepat_store::Store;
use uuid::Uuid;

/// Why the demo data could not be written.
pub type SeedError = Box<dyn std::error::Error + Send + Sync>;

const VILLAGE: &str = "19.02.01.1001";
const DISTRICT: &str = "19.02.01";
/// The first seeded KK: if it is in the registry, the demo data are there already.
const FIRST_KK: &str = "1902019900000001";

/// The example officers: username, role, scope.
const OFFICERS: [(&str, tepat_domain::Role, &str); 4] = [
    ("contoh.desa", tepat_domain::Role::VillageOperator, VILLAGE),
    (
        "contoh.kecamatan",
        tepat_domain::Role::DistrictOperator,
        DISTRICT,
    ),
    ("contoh.verifikator", tepat_domain::Role::Verifier, "19.02"),
    ("contoh.pengesah", tepat_domain::Role::Approver, "19.02"),
];

/// Writes the demo registry unless it is there already; returns how many requests were entered.
pub async fn seed_demo(store: Arc<dyn Store>) -> Result<usize, SeedError> {
    let first = KkNumber::parse_structure(FIRST_KK)?;
    if !store
        .registry_search_kk(&first, &Scope::All)
        .await?
        .is_empty()
    {
        return Ok(0);
    }
    let actors = example_officers(store.clone()).await?;
    let [desa, kec, dinas, pengesah] = &actors;
    let s = store.as_ref();
    let o = Origin::now(None);
    let village = RegionCode::parse(VILLAGE)?;
    let propose = desa.may::<Propose>(&village)?;
    let verify = desa.may::<VerifyInVillage>(&village)?;
    let review = kec.may_anywhere::<ReviewInDistrict>()?;
    let check = dinas.may_anywhere::<VerifyAtDinas>()?;
    let decide = pengesah.may_anywhere::<Decide>()?;

    let households = households(&village);
    let mut ids = Vec::new();
    for (h, reason) in households.iter().cloned() {
        ids.push(
            registry::propose_household(s, &propose, h, reason, &o)
                .await?
                .id,
        );
    }
    // [0] stays proposed (the village's queue); the others go on as far as their place in the list.
    let visit = |survey| FieldVisit {
        visited_on: o.now.date_naive(),
        survey,
        location: None,
    };
    for (i, id) in ids.iter().enumerate().skip(1).take(4) {
        let answers = survey_for(&households[i].0);
        registry::verify(
            s,
            &verify,
            *id,
            visit(answers),
            "dikunjungi; kondisi sesuai usulan",
            &o,
        )
        .await?;
        if i >= 2 {
            registry::review(s, &review, *id, "berkas lengkap", &o).await?;
        }
        if i >= 3 {
            registry::verify_at_dinas(s, &check, *id, "sesuai data kependudukan", &o).await?;
        }
        if i >= 4 {
            registry::approve(s, &decide, *id, "memenuhi kriteria", &o).await?;
        }
    }
    // In the registry: [4]. A death reported for its eldest member waits for the village.
    let approved = &households[4].0;
    let elder = approved.members[2].id;
    let death = Change::Death {
        member: elder,
        date: o.now.date_naive(),
    };
    let report = registry::ChangeProposal {
        id: Uuid::now_v7(),
        household: approved.id,
        change: death,
        reason: "dilaporkan ketua RT".into(),
        task: None,
    };
    registry::propose_change(s, &propose, report, &o).await?;
    lock_example_officers(s).await?;
    Ok(ids.len() + 1)
}

/// Creates the example officers and signs each in through the ordinary sign-in, all four at once (each
/// costs two Argon2id hashes).
async fn example_officers(store: Arc<dyn Store>) -> Result<[Actor; 4], SeedError> {
    let auth = Arc::new(AuthService::new(store.clone(), AuthPolicy::default()));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (username, role, scope)) in OFFICERS.into_iter().enumerate() {
        let (store, auth) = (store.clone(), auth.clone());
        tasks.spawn(async move {
            let actor = example_officer(store.as_ref(), &auth, username, role, scope).await;
            (i, actor)
        });
    }
    let mut actors: Vec<(usize, Actor)> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (i, actor) = done?;
        actors.push((i, actor?));
    }
    actors.sort_by_key(|(i, _)| *i);
    let actors: Vec<Actor> = actors.into_iter().map(|(_, a)| a).collect();
    actors
        .try_into()
        .map_err(|_| "four example officers".into())
}

async fn example_officer(
    store: &dyn Store,
    auth: &AuthService,
    username: &str,
    role: tepat_domain::Role,
    scope: &str,
) -> Result<Actor, SeedError> {
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>()?;
    let password = random_password();
    accounts::create_user(
        store,
        &grant,
        NewUser {
            username: username.into(),
            display_name: "Contoh data demo".into(),
            role,
            scope: Scope::parse(scope).ok_or("a demo scope")?,
            password: Password::new(password.clone()),
        },
    )
    .await?;
    let signed = auth
        .sign_in(username, &Password::new(password), None)
        .await?;
    auth.sign_out(&signed.token).await?;
    Ok(signed.session.actor)
}

/// The example officers are only for writing the demo data: nobody signs in as them afterwards.
async fn lock_example_officers(store: &dyn Store) -> Result<(), SeedError> {
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>()?;
    for (username, _, _) in OFFICERS {
        accounts::set_locked(store, &grant, username, true).await?;
    }
    Ok(())
}

fn random_password() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn member(
    serial: u16,
    name: &str,
    sex: Sex,
    born: NaiveDate,
    relationship: Relationship,
) -> Result<RegistryMember, SeedError> {
    Ok(RegistryMember {
        id: Uuid::now_v7(),
        nik: Nik::from_parts(RegionCode::parse(DISTRICT)?, sex, born, serial)?,
        full_name: name.into(),
        sex,
        birth_date: born,
        relationship,
        phone: None,
        survey: None,
        status: MemberStatus::Active,
    })
}

/// A member as written below: name, sex, birth date (y, m, d), relationship.
type Person = (&'static str, Sex, (i32, u32, u32), Relationship);

/// Six households with the reason each was proposed for; the last shares its head's NIK with the
/// approved one ([4]), as a household entered twice would.
fn households(village: &RegionCode) -> Vec<(RegistryHousehold, &'static str)> {
    use Relationship::{Anak, KepalaKeluarga, OrangTua, SuamiIstri};
    use Sex::{LakiLaki as L, Perempuan as P};
    let people: [(&str, &[Person]); 6] = [
        (
            "nelayan tanpa perahu sendiri",
            &[
                ("Rahmat Hidayat", L, (1979, 2, 11), KepalaKeluarga),
                ("Siti Aminah", P, (1983, 6, 5), SuamiIstri),
                ("Dewi Lestari", P, (2010, 9, 21), Anak),
            ],
        ),
        (
            "korban PHK tambang timah",
            &[
                ("Agus Salim", L, (1975, 12, 1), KepalaKeluarga),
                ("Nurhayati", P, (1978, 3, 30), SuamiIstri),
            ],
        ),
        (
            "lansia tinggal sendiri",
            &[("Sumarni", P, (1948, 8, 17), KepalaKeluarga)],
        ),
        (
            "usaha warung kecil tutup",
            &[
                ("Hendra Gunawan", L, (1986, 4, 9), KepalaKeluarga),
                ("Yuliana", P, (1988, 10, 2), SuamiIstri),
                ("Rizki Pratama", L, (2015, 1, 14), Anak),
            ],
        ),
        (
            "buruh harian, anak disabilitas",
            &[
                ("Bambang Sutrisno", L, (1970, 7, 7), KepalaKeluarga),
                ("Sri Wahyuni", P, (1974, 11, 23), SuamiIstri),
                ("Mbah Karto", L, (1941, 1, 5), OrangTua),
                ("Putri Ayu", P, (2012, 5, 19), Anak),
            ],
        ),
        (
            "usulan ulang dari dusun",
            &[
                ("Bambang Sutrisno", L, (1970, 7, 7), KepalaKeluarga),
                ("Wati", P, (1976, 2, 2), SuamiIstri),
            ],
        ),
    ];
    let mut out = Vec::new();
    for (i, (reason, members)) in people.iter().enumerate() {
        let Ok(kk) = KkNumber::parse_structure(&format!("19020199{:08}", i + 1)) else {
            continue;
        };
        let members: Vec<RegistryMember> = members
            .iter()
            .enumerate()
            .filter_map(|(m, (name, sex, (y, mo, d), rel))| {
                // The last household's head is the approved one's ([4]): the same serial, sex and
                // birth date make the same NIK.
                let shared = (i == 4 || i == 5) && m == 0;
                let serial = if shared {
                    9401
                } else {
                    9001 + (i * 10 + m) as u16 * 4
                };
                member(serial, name, *sex, date(*y, *mo, *d), *rel).ok()
            })
            .collect();
        out.push((
            RegistryHousehold {
                id: Uuid::now_v7(),
                kk_number: kk,
                village: *village,
                address: format!("Jalan Merdeka Gg. {}", i + 1),
                rt: format!("00{}", i % 4 + 1),
                rw: "002".into(),
                location: None,
                survey: None,
                account: None,
                members,
            },
            *reason,
        ));
    }
    out
}

/// A plausible needs survey of a poor household, with the members' answers.
fn survey_for(h: &RegistryHousehold) -> SurveyAnswers {
    let members = h
        .members
        .iter()
        .map(|m| {
            let child = m.relationship == Relationship::Anak;
            (
                m.id,
                MemberSurvey {
                    sector: if child {
                        Sector::PelajarMahasiswa
                    } else {
                        Sector::Buruh
                    },
                    disability: if child && h.members.len() > 3 {
                        Disability::Berat
                    } else {
                        Disability::Tidak
                    },
                    chronic_illness: m.birth_date.year() < 1950,
                    pregnant: false,
                    school_level: if child {
                        SchoolLevel::Sd
                    } else {
                        SchoolLevel::TidakSekolah
                    },
                },
            )
        })
        .collect();
    SurveyAnswers {
        household: Some(HouseholdSurvey {
            floor: Floor::Tanah,
            wall: Wall::Kayu,
            roof: Roof::Seng,
            floor_area_m2: 28,
            water: Water::SumurTerlindung,
            sanitation: Sanitation::Bersama,
            electricity: Electricity::Pln450,
            cooking_fuel: CookingFuel::Kayu,
            income_band: IncomeBand::Below1m,
            owns_house: true,
            has_motorcycle: false,
            has_car: false,
            has_refrigerator: false,
            has_boat: false,
            livestock_units: 0,
            land_m2: 0,
            // The demo's field visits include the consumption module, as the generated survey does, so
            // the demo's targeting run can measure its inclusion and exclusion errors against the truth
            // (a run reports errors only when every surveyed household has observed consumption).
            consumption_per_capita: Some(Rupiah::new(450_000)),
        }),
        members,
    }
}
