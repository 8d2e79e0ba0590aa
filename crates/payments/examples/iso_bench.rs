//! Speed of the ISO 20022 files at national scale: writing 1,000,000 credit transfers split over the
//! five bank profiles (each bank's files cut at its `max_transfers_per_file`), and reading 1,000,000
//! status lines from one pain.002, one camt.053 and one camt.054. Medians of 3.
//!
//! `cargo run --release -p tepat-payments --example iso_bench`

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use tepat_domain::Rupiah;
use tepat_payments::iso20022::bank_sim::{self, SimPlan};
use tepat_payments::iso20022::{
    end_to_end_id, read_status_file, write_pain001, BankProfile, BatchRef, CreditTransfer, Pain001,
    Party, BANKS,
};
use uuid::Uuid;

const TOTAL: usize = 1_000_000;

fn transfers(n: usize, offset: usize) -> Vec<CreditTransfer> {
    (0..n)
        .map(|i| {
            let k = offset + i;
            CreditTransfer {
                end_to_end_id: end_to_end_id(Uuid::from_u128(
                    0x0190_0000_0000_7000_8000_0000_0000_0000 + k as u128,
                )),
                amount: Rupiah::new(150_000 + 25_000 * (k as i64 % 20)),
                creditor_name: format!("Penerima Manfaat {k}"),
                creditor_account: format!("{:015}", 10_000_000 + k),
                remittance: "PKH 2027-T1".into(),
            }
        })
        .collect()
}

fn doc(profile: &BankProfile, batch: u16, transfers: Vec<CreditTransfer>) -> Pain001 {
    let msg_id = BatchRef {
        envelope: Uuid::from_u128(0x0190_1234_5678_7abc_8def_0123_4567_89ab),
        bank_code4: profile
            .bank_code4()
            .as_bytes()
            .try_into()
            .expect("four letters"),
        batch,
    }
    .message_id();
    Pain001 {
        payment_info_id: msg_id.clone(),
        msg_id,
        created: Utc.with_ymd_and_hms(2027, 1, 15, 1, 30, 0).unwrap(),
        initiating_party: "Kementerian Sosial RI".into(),
        requested_date: NaiveDate::from_ymd_opt(2027, 1, 20).unwrap(),
        debtor: Party {
            name: "Kementerian Sosial RI - PKH".into(),
            account: "0012345678901".into(),
        },
        transfers,
    }
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    let per_bank = TOTAL / BANKS.len();
    let docs: Vec<(&BankProfile, Pain001)> = BANKS
        .iter()
        .enumerate()
        .flat_map(|(b, profile)| {
            let all = transfers(per_bank, b * per_bank);
            all.chunks(profile.max_transfers_per_file)
                .enumerate()
                .map(|(i, chunk)| (profile, doc(profile, i as u16 + 1, chunk.to_vec())))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut bytes = 0;
    let write_runs: Vec<Duration> = (0..3)
        .map(|_| {
            let start = Instant::now();
            bytes = 0;
            for (profile, d) in &docs {
                let mut out = Vec::with_capacity(d.transfers.len() * 520);
                let totals = write_pain001(d, profile, &mut out).expect("valid");
                assert_eq!(totals.count as usize, d.transfers.len());
                bytes += out.len();
            }
            start.elapsed()
        })
        .collect();
    println!(
        "write pain.001: {TOTAL} transfers in {} files over {} banks, {:.0} MB: median {:.2?}",
        docs.len(),
        BANKS.len(),
        bytes as f64 / 1e6,
        median(write_runs)
    );

    // One file of a million transfers, as a bank without a file limit would take it.
    let unlimited = BankProfile {
        max_transfers_per_file: usize::MAX,
        ..BANKS[1].clone()
    };
    let mut order = Vec::new();
    write_pain001(
        &doc(&unlimited, 1, transfers(TOTAL, 0)),
        &unlimited,
        &mut order,
    )
    .expect("valid");
    let plan = SimPlan {
        seed: 7,
        reject_per_mille: 20,
        return_per_mille: 5,
        ..SimPlan::all_paid(Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap())
    };
    let sim = bank_sim::respond(&order, &plan).expect("the simulator reads its own files");
    let files = [
        ("pain.002", &sim.pain002),
        ("camt.053 (an entry per transfer)", &sim.camt053),
        ("camt.054 (one batch-booked entry)", &sim.camt054),
    ];
    for (name, file) in files {
        let mut lines = 0;
        let runs: Vec<Duration> = (0..3)
            .map(|_| {
                let start = Instant::now();
                let read = read_status_file(file).expect("valid");
                lines = read.lines.len();
                start.elapsed()
            })
            .collect();
        println!(
            "read {name}: {lines} status lines, {:.0} MB: median {:.2?}",
            file.len() as f64 / 1e6,
            median(runs)
        );
    }
}
