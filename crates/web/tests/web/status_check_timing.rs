//! Response times of `POST /api/v1/status-check` do not tell whether a NIK exists: requests for an
//! existing NIK with a wrong KK and for a NIK nobody has are interleaved (in random order within each
//! pair, so drift in the machine's load falls on both alike) and compared with a Mann–Whitney rank
//! test. To show the test would notice a leak, the same run against a server with a delay
//! injected for existing NIKs (a test-only hook, `StatusService::set_known_nik_delay`) must be
//! detected.

use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::status_check::{body, post, registered_app};
use crate::support::TestApp;

const PAIRS: usize = 300;
/// |z| above this is a difference (two-sided p ≈ 7 × 10⁻⁶ under the null hypothesis).
const Z_CRITICAL: f64 = 4.5;

/// The Mann–Whitney z score of `a` against `b` (positive: `a` tends to be larger), ties averaged.
fn mann_whitney_z(a: &[f64], b: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut rank_sum_a = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_a += all[i..=j].iter().filter(|x| x.1).count() as f64 * rank;
        i = j + 1;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let u = rank_sum_a - na * (na + 1.0) / 2.0;
    let mean = na * nb / 2.0;
    let sd = (na * nb * (na + nb + 1.0) / 12.0).sqrt();
    (u - mean) / sd
}

async fn timed(app: &TestApp, body: &str) -> f64 {
    let started = Instant::now();
    let r = post(app, body, &[]).await;
    let took = started.elapsed().as_secs_f64();
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    took
}

/// Times of (existing NIK, wrong KK) and (unknown NIK) requests, interleaved.
async fn sample(app: &TestApp, existing: &str, unknown: &str) -> (Vec<f64>, Vec<f64>) {
    for _ in 0..30 {
        timed(app, existing).await;
        timed(app, unknown).await;
    }
    let (mut a, mut b) = (Vec::with_capacity(PAIRS), Vec::with_capacity(PAIRS));
    for _ in 0..PAIRS {
        if rand::random::<bool>() {
            a.push(timed(app, existing).await);
            b.push(timed(app, unknown).await);
        } else {
            b.push(timed(app, unknown).await);
            a.push(timed(app, existing).await);
        }
    }
    (a, b)
}

#[test]
fn the_rank_test_separates_shifted_samples_and_not_equal_ones() {
    let a: Vec<f64> = (0..100).map(|i| i as f64).collect();
    let shifted: Vec<f64> = a.iter().map(|x| x + 30.0).collect();
    assert!(mann_whitney_z(&shifted, &a) > Z_CRITICAL);
    assert!(mann_whitney_z(&a, &a).abs() < 1e-9);
}

#[tokio::test]
async fn response_times_do_not_reveal_whether_a_nik_exists() {
    let (app, head, outsider, _) = registered_app(|c| {
        c.citizen.per_client_per_hour = 1_000_000;
        c.citizen.per_nik_per_hour = 1_000_000;
    })
    .await;
    let existing = body(head.nik.digits(), outsider.kk_number.digits());
    let unknown = body("1902015003800099", outsider.kk_number.digits());

    let (a, b) = sample(&app, &existing, &unknown).await;
    let z = mann_whitney_z(&a, &b);
    assert!(
        z.abs() < Z_CRITICAL,
        "existing and unknown NIKs are told apart by time: z = {z:.2}"
    );

    // The same test, against a leak of 2 ms for existing NIKs (what a database read would add), must
    // see it; a smaller one drowns in the noise of a machine busy with other tests.
    app.state()
        .status()
        .set_known_nik_delay(Duration::from_millis(2));
    let (a, b) = sample(&app, &existing, &unknown).await;
    let z_leak = mann_whitney_z(&a, &b);
    assert!(
        z_leak > Z_CRITICAL,
        "the test misses an injected 2 ms leak: z = {z_leak:.2} (without it: {z:.2})"
    );
}
