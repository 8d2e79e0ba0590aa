//! Selection and simulation, end to end on small hand-made regions whose outcome is worked out by hand.

use std::collections::HashSet;

use proptest::prelude::*;
use tepat_domain::{Lang, RegionCode, Rupiah};
use tepat_targeting::select::{select, Eligible, Limits, Quota, Reason, Selection, Shortfall};
use tepat_targeting::simulate::{simulate, InScope};
use uuid::Uuid;

// Two districts of one regency: 19.02.01 has villages 2001 and 2002, 19.02.02 has 2001.
const A1: &str = "19.02.01.2001";
const A2: &str = "19.02.01.2002";
const B1: &str = "19.02.02.2001";
const DISTRICT_A: &str = "19.02.01";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn hh(n: u128, village: &str, welfare: Option<i64>, benefit: i64) -> Eligible {
    Eligible {
        household: id(n),
        village: code(village),
        welfare,
        desil: None,
        benefit: Rupiah::new(benefit),
        enrolled: Vec::new(),
        incumbent: false,
    }
}

fn ids(list: &[tepat_targeting::select::Placed]) -> Vec<u128> {
    list.iter().map(|p| p.household.as_u128()).collect()
}

#[test]
fn ranks_incumbents_then_poorest_then_unknown_welfare_then_id() {
    let mut incumbent = hh(1, A1, Some(900), 10);
    incumbent.incumbent = true;
    let eligible = vec![
        hh(5, A1, None, 10),
        hh(4, A2, Some(300), 10),
        hh(3, A1, Some(300), 10),
        hh(2, A1, Some(100), 10),
        incumbent,
    ];
    let s = select(eligible, &Limits::default());
    assert_eq!(ids(&s.candidates), [1, 2, 3, 4, 5]);
    let ranks: Vec<(u32, u32)> = s
        .candidates
        .iter()
        .map(|p| (p.rank, p.village_rank))
        .collect();
    // Village 2001 holds 1, 2, 3 and 5; village 2002 only 4.
    assert_eq!(ranks, [(1, 1), (2, 2), (3, 3), (4, 1), (5, 4)]);
    assert_eq!(
        s.candidates[4].reason,
        Reason::Selected {
            rank: 5,
            village_rank: 4
        }
    );
    assert!(s.waitlist.is_empty() && s.excluded.is_empty() && s.shortfalls.is_empty());
    assert_eq!(s.budget_used, Rupiah::new(50));
}

#[test]
fn village_and_district_quotas_bind_together() {
    let eligible = vec![
        hh(1, A1, Some(10), 1),
        hh(2, A2, Some(15), 1),
        hh(3, A1, Some(20), 1),
        hh(4, A2, Some(25), 1),
        hh(5, A1, Some(30), 1),
        hh(6, A2, Some(35), 1),
        hh(7, B1, Some(40), 1),
        hh(8, B1, Some(50), 1),
    ];
    let limits = Limits {
        quotas: vec![
            Quota {
                region: code(DISTRICT_A),
                households: 3,
            },
            Quota {
                region: code(A1),
                households: 1,
            },
        ],
        ..Limits::default()
    };
    let s = select(eligible, &limits);
    // 1 fills village A1's quota, so 3 waits; 2 and 4 fill district A; 5 and 6 wait on the district; B has no
    // quota.
    assert_eq!(ids(&s.candidates), [1, 2, 4, 7, 8]);
    assert_eq!(ids(&s.waitlist), [3, 5, 6]);
    let reasons: Vec<&Reason> = s.waitlist.iter().map(|p| &p.reason).collect();
    assert_eq!(
        reasons,
        [
            &Reason::QuotaFull { region: code(A1) },
            &Reason::QuotaFull {
                region: code(DISTRICT_A)
            },
            &Reason::QuotaFull {
                region: code(DISTRICT_A)
            },
        ]
    );
    // Waitlist positions: global, and within the village (5 is the second waiting in A1).
    let positions: Vec<(u32, u32)> = s
        .waitlist
        .iter()
        .map(|p| (p.rank, p.village_rank))
        .collect();
    assert_eq!(positions, [(1, 1), (2, 2), (3, 1)]);
    assert!(s.shortfalls.is_empty());
}

#[test]
fn budget_cuts_in_rank_order_and_reports_the_gap() {
    let eligible = vec![
        hh(1, A1, Some(10), 100),
        hh(2, A1, Some(20), 100),
        hh(3, A1, Some(30), 100),
        hh(4, A1, Some(40), 50),
    ];
    let limits = Limits {
        budget: Some(Rupiah::new(250)),
        ..Limits::default()
    };
    let s = select(eligible, &limits);
    assert_eq!(ids(&s.candidates), [1, 2]);
    // 4 alone would fit in the 50 left, but it is better off than 3: it does not jump the queue.
    assert_eq!(ids(&s.waitlist), [3, 4]);
    assert!(s
        .waitlist
        .iter()
        .all(|p| p.reason == Reason::BudgetExhausted));
    assert_eq!(s.budget_used, Rupiah::new(200));
    assert_eq!(
        s.shortfalls,
        [Shortfall::BudgetShort {
            needed: Rupiah::new(350),
            available: Rupiah::new(250)
        }]
    );
}

#[test]
fn budget_need_counts_only_what_the_quotas_allow() {
    let eligible = vec![
        hh(1, A1, Some(10), 100),
        hh(2, A1, Some(20), 100),
        hh(3, A1, Some(30), 100),
    ];
    let limits = Limits {
        quotas: vec![Quota {
            region: code(A1),
            households: 2,
        }],
        budget: Some(Rupiah::new(1_000)),
        ..Limits::default()
    };
    let s = select(eligible, &limits);
    assert_eq!(ids(&s.candidates), [1, 2]);
    assert_eq!(
        s.shortfalls,
        [Shortfall::BudgetLeftOver {
            remainder: Rupiah::new(800)
        }]
    );
    assert_eq!(
        s.shortfalls[0].text(Lang::En),
        "800 rupiah of the budget is left over"
    );
}

#[test]
fn exact_budget_reports_nothing() {
    let eligible = vec![hh(1, A1, Some(10), 100), hh(2, A1, Some(20), 150)];
    let limits = Limits {
        budget: Some(Rupiah::new(250)),
        ..Limits::default()
    };
    let s = select(eligible, &limits);
    assert_eq!(s.candidates.len(), 2);
    assert!(s.shortfalls.is_empty());
}

#[test]
fn quota_larger_than_the_eligible_is_reported_after_exclusions() {
    let mut enrolled = hh(3, A1, Some(5), 10);
    enrolled.enrolled = vec!["PKH".into()];
    let eligible = vec![hh(1, A1, Some(10), 10), hh(2, A2, Some(20), 10), enrolled];
    let limits = Limits {
        quotas: vec![
            Quota {
                region: code(A1),
                households: 5,
            },
            Quota {
                region: code(DISTRICT_A),
                households: 2,
            },
        ],
        exclusive_with: vec!["PKH".into()],
        ..Limits::default()
    };
    let s = select(eligible, &limits);
    assert_eq!(ids(&s.candidates), [1, 2]);
    assert_eq!(
        s.shortfalls,
        [Shortfall::QuotaUnfilled {
            region: code(A1),
            quota: 5,
            available: 1
        }]
    );
    assert_eq!(
        s.shortfalls[0].text(Lang::Id),
        "kuota wilayah 19.02.01.2001 (5 rumah tangga) tidak terpenuhi: hanya 1 rumah tangga memenuhi syarat"
    );
}

#[test]
fn exclusivity_names_the_program_and_ignores_other_enrolments() {
    let mut pkh = hh(1, A1, Some(10), 10);
    pkh.enrolled = vec!["KIP".into(), "PKH".into()];
    let mut kip = hh(2, A1, Some(20), 10);
    kip.enrolled = vec!["KIP".into()];
    let limits = Limits {
        exclusive_with: vec!["BPNT".into(), "PKH".into()],
        ..Limits::default()
    };
    let s = select(vec![pkh, kip], &limits);
    assert_eq!(ids(&s.candidates), [2]);
    assert_eq!(s.excluded.len(), 1);
    assert_eq!(s.excluded[0].household, id(1));
    assert_eq!(
        s.excluded[0].reason,
        Reason::EnrolledIn {
            program: "PKH".into()
        }
    );
    assert_eq!(s.excluded[0].reason.code(), "enrolled_in");
    assert_eq!(
        s.excluded[0].reason.text(Lang::En),
        "excluded: already enrolled in program PKH"
    );
    assert_eq!(
        s.excluded[0].reason.text(Lang::Id),
        "dikecualikan: sudah terdaftar di program PKH"
    );
}

#[test]
fn incumbents_keep_their_place_and_newcomers_wait() {
    let mut incumbent = hh(9, A1, Some(500), 10);
    incumbent.incumbent = true;
    let limits = Limits {
        quotas: vec![Quota {
            region: code(A1),
            households: 1,
        }],
        ..Limits::default()
    };
    let s = select(vec![hh(1, A1, Some(100), 10), incumbent], &limits);
    assert_eq!(ids(&s.candidates), [9]);
    assert!(s.candidates[0].incumbent);
    assert_eq!(ids(&s.waitlist), [1]);
    assert_eq!(s.waitlist[0].reason, Reason::QuotaFull { region: code(A1) });
    assert_eq!(
        s.waitlist[0].reason.text(Lang::En),
        "waitlisted: the quota of region 19.02.01.2001 is full"
    );
}

#[test]
fn a_household_listed_twice_is_counted_once() {
    let s = select(
        vec![hh(1, A1, Some(10), 10), hh(1, A1, Some(10), 10)],
        &Limits::default(),
    );
    assert_eq!(ids(&s.candidates), [1]);
    assert_eq!(s.excluded.len(), 1);
    assert_eq!(s.excluded[0].reason, Reason::Duplicate);
}

#[test]
fn simulation_counts_by_region_and_measures_against_the_truth() {
    let mut pkh = hh(6, B1, Some(5), 100);
    pkh.enrolled = vec!["PKH".into()];
    let eligible = vec![
        hh(1, A1, Some(10), 100),
        hh(2, A2, Some(20), 100),
        hh(3, B1, Some(30), 100),
        hh(4, A1, Some(40), 100),
        pkh,
    ];
    let limits = Limits {
        budget: Some(Rupiah::new(300)),
        exclusive_with: vec!["PKH".into()],
        ..Limits::default()
    };
    let s = select(eligible, &limits);
    assert_eq!(ids(&s.candidates), [1, 2, 3]);
    // Household 7 is in scope but not eligible by the rule; 8 is in scope and truly eligible.
    let scope: Vec<InScope> = [(7, Some(50)), (8, Some(60))]
        .into_iter()
        .map(|(n, w)| InScope {
            household: id(n),
            welfare: w,
        })
        .collect();
    let truth: HashSet<Uuid> = [1, 2, 4, 8].into_iter().map(id).collect();
    let sim = simulate(&s, &scope, Some(&truth));

    assert_eq!(sim.totals.candidates, 3);
    assert_eq!(sim.totals.waitlist, 1);
    assert_eq!(sim.totals.excluded, 1);
    assert_eq!(sim.totals.budget, Rupiah::new(300));
    let districts: Vec<(String, u32, u32, u32, i64)> = sim
        .by_district
        .iter()
        .map(|r| {
            (
                r.region.dotted(),
                r.counts.candidates,
                r.counts.waitlist,
                r.counts.excluded,
                r.counts.budget.amount(),
            )
        })
        .collect();
    assert_eq!(
        districts,
        [
            ("19.02.01".into(), 2, 1, 0, 200),
            ("19.02.02".into(), 1, 0, 1, 100)
        ]
    );
    assert_eq!(sim.by_village.len(), 3);
    assert_eq!(sim.by_village[0].region, code(A1));
    assert_eq!(
        (
            sim.by_village[0].counts.candidates,
            sim.by_village[0].counts.waitlist
        ),
        (1, 1)
    );

    // Scope: 1..4 and 6 from the selection, 7 and 8 added: 7 households, three receive 100.
    // Sorted: 0,0,0,0,100,100,100; Σ(2i−n−1)x = (2+4+6)·100 = 1200; G = 1200 / (7·300) = 4/7.
    assert_eq!(sim.households_in_scope, 7);
    assert!((sim.gini.unwrap() - 4.0 / 7.0).abs() < 1e-12);
    // By welfare: 6(5) 1(10) 2(20) 3(30) 4(40) 7(50) 8(60) → benefits 0,100,100,100,0,0,0;
    // weights −6,−4,−2,0,2,4,6: Σ = (−4−2+0)·100 = −600; C = −600 / (7·300) = −2/7 (pro-poor).
    assert!((sim.concentration.unwrap() + 2.0 / 7.0).abs() < 1e-12);

    let e = sim.errors.unwrap();
    // Candidates 1,2,3: 3 is not truly eligible → 1/3. Truth 1,2,4,8: 4 and 8 missed → 2/4.
    assert_eq!(
        (e.wrongly_included, e.wrongly_excluded, e.truly_eligible),
        (1, 2, 4)
    );
    assert!((e.inclusion.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert!((e.exclusion.unwrap() - 0.5).abs() < 1e-12);

    let text = sim.render();
    assert!(
        text.contains("candidates 3  waitlist 1  excluded 1  budget used Rp300"),
        "{text}"
    );
    assert!(
        text.contains("inclusion error 33.3% (1 households)"),
        "{text}"
    );
    assert!(text.contains("19.02.02"), "{text}");
    let villages = sim.render_villages();
    assert_eq!(villages.lines().count(), 4, "{villages}");
    assert!(
        villages
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("19.02.01.2001"),
        "{villages}"
    );
    let json = serde_json::to_value(&sim).unwrap();
    assert_eq!(json["by_district"][0]["region"], "19.02.01");
    assert_eq!(json["by_district"][0]["candidates"], 2);
}

fn arbitrary_household() -> impl Strategy<Value = Eligible> {
    let villages = prop::sample::select(vec![A1, A2, B1]);
    (
        0u128..40,
        villages,
        prop::option::of(0i64..50),
        1i64..5,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(n, v, welfare, benefit, incumbent, pkh)| {
            let mut e = hh(n, v, welfare, benefit * 100);
            e.incumbent = incumbent;
            if pkh {
                e.enrolled = vec!["PKH".into()];
            }
            e
        })
}

fn arbitrary_limits() -> impl Strategy<Value = Limits> {
    (
        0u32..6,
        0u32..10,
        prop::option::of(0i64..4_000),
        any::<bool>(),
    )
        .prop_map(|(village, district, budget, exclusive)| Limits {
            quotas: vec![
                Quota {
                    region: code(A1),
                    households: village,
                },
                Quota {
                    region: code(DISTRICT_A),
                    households: district,
                },
            ],
            budget: budget.map(Rupiah::new),
            exclusive_with: if exclusive {
                vec!["PKH".into()]
            } else {
                Vec::new()
            },
        })
}

fn every_household_once(s: &Selection) -> bool {
    let mut seen = HashSet::new();
    let all = s.candidates.iter().chain(&s.waitlist).map(|p| p.household);
    let distinct = all.clone().all(|h| seen.insert(h));
    distinct
        && s.excluded
            .iter()
            .filter(|e| e.reason != Reason::Duplicate)
            .all(|e| seen.insert(e.household))
}

proptest! {
    #[test]
    fn same_inputs_in_any_order_give_the_same_list(
        (eligible, shuffled) in prop::collection::vec(arbitrary_household(), 0..30)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        limits in arbitrary_limits(),
    ) {
        let a = select(eligible, &limits);
        let b = select(shuffled, &limits);
        prop_assert!(every_household_once(&a));
        prop_assert!(limits.budget.is_none_or(|b| a.budget_used <= b));
        let in_a1 = a.candidates.iter().filter(|p| p.village == code(A1)).count() as u32;
        prop_assert!(in_a1 <= limits.quotas[0].households);
        prop_assert_eq!(a, b);
    }
}

/// Households in `region` that hold a quota place: candidates, and those waitlisted only for the budget.
fn quota_places(s: &Selection, region: &RegionCode) -> u32 {
    let holds = |p: &&tepat_targeting::select::Placed| {
        p.village.is_within(region) && !matches!(p.reason, Reason::QuotaFull { .. })
    };
    (s.candidates.iter().filter(holds).count() + s.waitlist.iter().filter(holds).count()) as u32
}

proptest! {
    #[test]
    fn limits_that_cannot_be_met_are_always_reported(
        eligible in prop::collection::vec(arbitrary_household(), 0..30),
        limits in arbitrary_limits(),
    ) {
        let s = select(eligible, &limits);
        let budget_cut = s.waitlist.iter().any(|p| p.reason == Reason::BudgetExhausted);
        let budget_short = s.shortfalls.iter().any(|f| matches!(f, Shortfall::BudgetShort { .. }));
        prop_assert_eq!(budget_cut, budget_short);
        for q in &limits.quotas {
            let places = quota_places(&s, &q.region);
            let waiting = s.waitlist.iter().any(|p| p.reason == Reason::QuotaFull { region: q.region });
            // A household waits on a quota only when that quota is exactly full.
            prop_assert!(!waiting || places == q.households);
            let available = (s.candidates.len() + s.waitlist.len()) as u32
                - s.candidates.iter().chain(&s.waitlist).filter(|p| !p.village.is_within(&q.region)).count() as u32;
            let unfilled = s.shortfalls.contains(&Shortfall::QuotaUnfilled { region: q.region, quota: q.households, available });
            prop_assert_eq!(unfilled, available < q.households);
        }
    }
}
