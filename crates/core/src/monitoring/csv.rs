//! Every view of the dashboard as CSV (UTF-8, a header row, comma-separated): the same figures as the
//! page, with region codes (plain digits) and machine-readable column names in English, so a
//! spreadsheet or a script can read them. Amounts are whole rupiah.

use tepat_store::FlagItem;

use super::Dashboard;

/// The views a CSV can be had of (the flag lists are [`flag_list`]).
pub const VIEWS: [&str; 5] = ["pipeline", "complaints", "ratings", "backlog", "flags"];

/// One view of `d` as CSV, `None` for an unknown view.
pub fn view(d: &Dashboard, name: &str) -> Option<String> {
    let rows: Vec<Vec<String>> = match name {
        "pipeline" => pipeline(d),
        "complaints" => complaints(d),
        "ratings" => ratings(d),
        "backlog" => backlog(d),
        "flags" => flags(d),
        _ => return None,
    };
    Some(write(&rows))
}

/// The subjects behind one flag.
pub fn flag_list(items: &[FlagItem]) -> String {
    let mut rows = vec![header(&[
        "rule", "region", "subject", "label", "group", "value", "extra",
    ])];
    rows.extend(items.iter().map(|f| {
        vec![
            f.rule.code().to_owned(),
            f.region.clone(),
            f.subject.to_string(),
            f.label.clone(),
            f.group.to_string(),
            f.value.to_string(),
            f.extra.to_string(),
        ]
    }));
    write(&rows)
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

fn program_cycle(d: &Dashboard) -> (String, String) {
    d.program_cycle.clone().unwrap_or_default()
}

fn pipeline(d: &Dashboard) -> Vec<Vec<String>> {
    let (program, cycle) = program_cycle(d);
    let mut rows = vec![header(&[
        "program",
        "cycle",
        "region",
        "planned",
        "planned_amount",
        "sent",
        "sent_amount",
        "confirmed",
        "confirmed_amount",
        "received",
        "received_amount",
        "failed",
        "failed_amount",
    ])];
    for r in &d.pipeline {
        let mut row = vec![program.clone(), cycle.clone(), r.region.clone()];
        for (n, amount) in [r.planned, r.sent, r.confirmed, r.received, r.failed] {
            row.push(n.to_string());
            row.push(amount.to_string());
        }
        rows.push(row);
    }
    rows
}

fn complaints(d: &Dashboard) -> Vec<Vec<String>> {
    let mut rows = vec![header(&[
        "region",
        "awaiting_answer",
        "overdue",
        "due_soon",
        "answered",
        "earliest_due",
    ])];
    rows.extend(d.complaints.iter().map(|c| {
        vec![
            c.region.clone(),
            c.awaiting.to_string(),
            c.overdue.to_string(),
            c.due_soon.to_string(),
            c.answered.to_string(),
            c.earliest_due.map(|d| d.to_string()).unwrap_or_default(),
        ]
    }));
    rows
}

fn ratings(d: &Dashboard) -> Vec<Vec<String>> {
    let (program, cycle) = program_cycle(d);
    let mut rows = vec![header(&[
        "program", "cycle", "region", "ratings", "average", "low",
    ])];
    rows.extend(d.ratings.iter().map(|r| {
        vec![
            program.clone(),
            cycle.clone(),
            r.region.clone(),
            r.ratings.to_string(),
            average(r.stars, r.ratings),
            r.low.to_string(),
        ]
    }));
    rows
}

/// Stars per rating to two decimals (a display figure, not an amount).
pub fn average(stars: u64, ratings: u64) -> String {
    if ratings == 0 {
        return String::new();
    }
    format!("{:.2}", stars as f64 / ratings as f64)
}

fn backlog(d: &Dashboard) -> Vec<Vec<String>> {
    let mut rows = vec![header(&[
        "region",
        "stage",
        "waiting",
        "oldest",
        "oldest_days",
    ])];
    rows.extend(d.backlog.iter().map(|b| {
        vec![
            b.region.clone(),
            b.stage.clone(),
            b.waiting.to_string(),
            b.oldest.to_rfc3339(),
            (d.today - b.oldest.date_naive()).num_days().to_string(),
        ]
    }));
    rows
}

fn flags(d: &Dashboard) -> Vec<Vec<String>> {
    let mut rows = vec![header(&["rule", "flagged"])];
    rows.extend(
        d.flags
            .iter()
            .map(|(rule, n)| vec![rule.code().to_owned(), n.to_string()]),
    );
    rows
}

fn write(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        // Writing to memory cannot fail.
        let _ = w.write_record(r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use tepat_domain::RegionLevel;
    use tepat_store::{BacklogRow, FlagRule, PipelineRow};

    fn dashboard() -> Dashboard {
        Dashboard {
            region: None,
            rows_level: RegionLevel::Provinsi,
            cycles: vec![("PKH".into(), "2027-T1".into())],
            program_cycle: Some(("PKH".into(), "2027-T1".into())),
            pipeline: vec![PipelineRow {
                region: "19".into(),
                planned: (3, 900_000),
                sent: (2, 600_000),
                confirmed: (1, 300_000),
                received: (1, 300_000),
                failed: (0, 0),
            }],
            ratings: Vec::new(),
            backlog: vec![BacklogRow {
                region: "19".into(),
                stage: "proposed".into(),
                waiting: 4,
                oldest: Utc.with_ymd_and_hms(2027, 1, 1, 8, 0, 0).unwrap(),
            }],
            complaints: Vec::new(),
            flags: vec![(FlagRule::SharedAccount, 4), (FlagRule::DeadEnrolled, 0)],
            refreshed: Vec::new(),
            today: NaiveDate::from_ymd_opt(2027, 1, 11).unwrap(),
        }
    }

    #[test]
    fn every_view_is_a_csv_with_a_header_and_its_rows() {
        let d = dashboard();
        assert_eq!(
            view(&d, "pipeline").unwrap(),
            "program,cycle,region,planned,planned_amount,sent,sent_amount,confirmed,\
             confirmed_amount,received,received_amount,failed,failed_amount\n\
             PKH,2027-T1,19,3,900000,2,600000,1,300000,1,300000,0,0\n"
        );
        assert_eq!(
            view(&d, "backlog").unwrap(),
            "region,stage,waiting,oldest,oldest_days\n19,proposed,4,2027-01-01T08:00:00+00:00,10\n"
        );
        assert_eq!(
            view(&d, "flags").unwrap(),
            "rule,flagged\nshared_account,4\ndead_enrolled,0\n"
        );
        for name in VIEWS {
            assert!(view(&d, name).unwrap().lines().count() >= 1, "{name}");
        }
        assert!(view(&d, "secrets").is_none());
    }

    #[test]
    fn averages_have_two_decimals_and_none_without_ratings() {
        assert_eq!(average(7, 3), "2.33");
        assert_eq!(average(0, 0), "");
    }
}
